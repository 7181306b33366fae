//! The line-oriented preamble: `ARCH name`, an optional `"doc string"` and
//! `Key=Value` metadata lines (diy's `Cycle=`, `Relax=`, ...), which are
//! skipped. Test names contain `+`, `-` and `.`, and metadata values are
//! free text, so this part is read line by line rather than tokenised.

use crate::ast::{Arch, Span};
use crate::error::ParseError;

/// What the preamble says and where the tokenised part begins.
#[derive(Debug)]
pub(crate) struct Header {
    pub arch: Arch,
    pub name: String,
    pub name_span: Span,
    pub doc: Option<String>,
    /// Byte offset of the first line after the preamble.
    pub body_offset: usize,
    /// 1-based line and column of that offset (the column is past the end
    /// of the last line when the file ends without a newline and a body).
    pub body_line: usize,
    pub body_column: usize,
}

/// Character count of `s`, i.e. the column width of that text.
fn width(s: &str) -> usize {
    s.chars().count()
}

fn span_of(line: usize, before: &str, text: &str) -> Span {
    Span {
        line,
        column: width(before) + 1,
        len: width(text).max(1),
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.' | '_')
}

/// `Key=Value` metadata: an identifier directly followed by `=`.
fn is_metadata(trimmed: &str) -> bool {
    let key_len = trimmed
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(trimmed.len());
    let key = trimmed.get(..key_len).unwrap_or("");
    let rest = trimmed.get(key_len..).unwrap_or("").trim_start();
    key.starts_with(|c: char| c.is_ascii_alphabetic()) && rest.starts_with('=')
}

/// Parses the preamble of `src`.
pub(crate) fn parse_header(src: &str) -> Result<Header, ParseError> {
    let mut offset = 0usize;
    let mut lines = src.split_inclusive('\n').enumerate().map(|(i, l)| {
        let start = offset;
        offset += l.len();
        (i + 1, start, l.trim_end_matches(['\n', '\r']))
    });

    // The first non-blank line names the architecture and the test.
    let (line_no, text) = loop {
        match lines.next() {
            Some((_, _, l)) if l.trim().is_empty() => {}
            Some((n, _, l)) => break (n, l),
            None => {
                let line = src.split_inclusive('\n').count().max(1);
                return Err(ParseError::expected(
                    "a header such as `X86 SB` or `C MP`",
                    crate::lexer::EOF_TEXT,
                    Span {
                        line,
                        column: 1,
                        len: 1,
                    },
                ));
            }
        }
    };
    let indent_len = text.len() - text.trim_start().len();
    let (indent, after_indent) = text.split_at(indent_len);
    let arch_len = after_indent
        .find(char::is_whitespace)
        .unwrap_or(after_indent.len());
    let (arch_text, after_arch) = after_indent.split_at(arch_len);
    let arch_span = span_of(line_no, indent, arch_text);
    let arch = match arch_text {
        "X86" => Arch::X86,
        "C" => Arch::C,
        _ if arch_text.starts_with(|c: char| c.is_ascii_alphabetic()) => {
            return Err(ParseError::unsupported(
                format_args!("architecture `{arch_text}`: ravel reads only X86 and C litmus tests"),
                arch_text,
                arch_span,
            ))
        }
        _ => {
            return Err(ParseError::expected(
                "a header such as `X86 SB` or `C MP`",
                arch_text,
                arch_span,
            ))
        }
    };

    let name_text = after_arch.trim_start();
    let before_name_len = text.len() - name_text.len();
    let before_name = text.get(..before_name_len).unwrap_or("");
    let name_len = name_text
        .find(char::is_whitespace)
        .unwrap_or(name_text.len());
    let (name, trailing) = name_text.split_at(name_len);
    let name_span = span_of(line_no, before_name, name);
    if name.is_empty() {
        return Err(ParseError::expected(
            "a test name after the architecture",
            "end of line",
            Span {
                line: line_no,
                column: width(text) + 1,
                len: 1,
            },
        ));
    }
    if let Some((bad_at, bad)) = name.char_indices().find(|&(_, c)| !is_name_char(c)) {
        let before = text.get(..before_name_len + bad_at).unwrap_or("");
        let bad_text = bad.to_string();
        return Err(ParseError::syntax(
            format!(
                "invalid character `{bad}` in the test name (names use letters, digits, `+`, `-`, `.` and `_`)"
            ),
            &bad_text,
            span_of(line_no, before, &bad_text),
        ));
    }
    let extra = trailing.trim();
    if !extra.is_empty() {
        let before = text
            .get(..text.len() - trailing.trim_start().len())
            .unwrap_or("");
        return Err(ParseError::expected(
            "end of line after the test name",
            extra,
            span_of(line_no, before, extra),
        ));
    }

    // Doc string and metadata lines, then the body.
    let mut doc = None;
    let mut body = (src.len(), line_no + 1, 1);
    let mut last_line = (line_no, text);
    for (n, start, l) in lines {
        last_line = (n, l);
        let trimmed = l.trim();
        if trimmed.is_empty() || is_metadata(trimmed) {
            continue;
        }
        if let Some(inner) = trimmed.strip_prefix('"') {
            match inner.strip_suffix('"') {
                Some(inner) => {
                    doc.get_or_insert_with(|| inner.to_string());
                    continue;
                }
                None => {
                    let before = l.get(..l.len() - l.trim_start().len()).unwrap_or("");
                    return Err(ParseError::syntax(
                        "unterminated doc string: it must close on the same line",
                        "\"",
                        span_of(n, before, "\""),
                    ));
                }
            }
        }
        body = (start, n, 1);
        break;
    }
    if body.0 == src.len() && !src.ends_with('\n') {
        // No body and no final newline: end of file is the end of the last line.
        body = (src.len(), last_line.0, width(last_line.1) + 1);
    }
    Ok(Header {
        arch,
        name: name.to_string(),
        name_span,
        doc,
        body_offset: body.0,
        body_line: body.1,
        body_column: body.2,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_doc_and_metadata() {
        let src = "X86 SB+x.y-z\n\"doc\"\nCycle=Fre PodWR\nPrefetch=\n{\n}\n";
        let h = parse_header(src).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(h.arch, Arch::X86);
        assert_eq!(h.name, "SB+x.y-z");
        assert_eq!(h.doc.as_deref(), Some("doc"));
        assert_eq!(h.body_line, 5);
        assert_eq!(src.get(h.body_offset..), Some("{\n}\n"));
    }

    #[test]
    fn unknown_arch_is_unsupported() {
        let e = parse_header("ARM MP\n").err();
        assert!(e.is_some_and(|e| e.message.contains("unsupported")));
    }
}
