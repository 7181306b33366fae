//! Parse errors with rustc-style rendering (file:line:column plus a caret
//! under the offending text), so a user can fix a test without guessing.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::ast::Span;

/// Broad category of a [`ParseError`], for callers that want to react
/// differently to, say, unsupported syntax and plain typos.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The text does not follow the litmus grammar.
    Syntax,
    /// Valid herd7 syntax (or close to it) outside the subset ravel supports.
    /// The message always contains the word `unsupported`.
    Unsupported,
    /// Well-formed but inconsistent: undeclared variable, missing thread,
    /// row with the wrong number of cells, threads out of order, ...
    Invalid,
    /// The file could not be read; `line` and `column` are 0.
    Io,
}

/// Why a litmus source was rejected, and where.
///
/// The details live behind a box so that `Result<_, ParseError>` stays one
/// pointer wide on the happy path; fields read directly through `Deref`
/// (`err.line`, `err.message`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(Box<ErrorDetails>);

/// The contents of a [`ParseError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorDetails {
    /// Category of the error.
    pub kind: ErrorKind,
    /// The headline, e.g. ``expected `;`, found `|` ``.
    pub message: String,
    /// What the parser wanted at this point (empty when not meaningful).
    pub expected: String,
    /// The offending text as written, or `end of file`.
    pub found: String,
    /// File the source came from, if known.
    pub file: Option<PathBuf>,
    /// 1-based line (0 for I/O errors).
    pub line: usize,
    /// 1-based column in characters (0 for I/O errors).
    pub column: usize,
    /// Number of characters to underline.
    pub width: usize,
    /// The full text of line `line`, for the excerpt.
    pub source_line: String,
}

impl std::ops::Deref for ParseError {
    type Target = ErrorDetails;

    fn deref(&self) -> &ErrorDetails {
        &self.0
    }
}

impl ParseError {
    /// An error whose message is ``expected {expected}, found `{found}` ``.
    pub(crate) fn expected(expected: impl Into<String>, found: &str, span: Span) -> Self {
        let expected = expected.into();
        let message = if found == crate::lexer::EOF_TEXT {
            format!("expected {expected}, found end of file")
        } else {
            format!("expected {expected}, found `{found}`")
        };
        Self::bare(ErrorKind::Syntax, message, expected, found, span)
    }

    /// Syntax outside the supported subset. `what` completes
    /// "unsupported ...", e.g. ``instruction `CMPXCHG` ``.
    pub(crate) fn unsupported(what: impl fmt::Display, found: &str, span: Span) -> Self {
        Self::bare(
            ErrorKind::Unsupported,
            format!("unsupported {what}"),
            String::new(),
            found,
            span,
        )
    }

    /// A consistency error with a free-form message.
    pub(crate) fn invalid(message: impl Into<String>, found: &str, span: Span) -> Self {
        Self::bare(
            ErrorKind::Invalid,
            message.into(),
            String::new(),
            found,
            span,
        )
    }

    /// A free-form syntax error.
    pub(crate) fn syntax(message: impl Into<String>, found: &str, span: Span) -> Self {
        Self::bare(
            ErrorKind::Syntax,
            message.into(),
            String::new(),
            found,
            span,
        )
    }

    /// All details, by value.
    pub fn into_details(self) -> ErrorDetails {
        *self.0
    }

    /// The file at `path` could not be read.
    pub(crate) fn io(path: &Path, err: &std::io::Error) -> Self {
        ParseError(Box::new(ErrorDetails {
            kind: ErrorKind::Io,
            message: format!("cannot read the file: {err}"),
            expected: String::new(),
            found: String::new(),
            file: Some(path.to_path_buf()),
            line: 0,
            column: 0,
            width: 0,
            source_line: String::new(),
        }))
    }

    fn bare(kind: ErrorKind, message: String, expected: String, found: &str, span: Span) -> Self {
        ParseError(Box::new(ErrorDetails {
            kind,
            message,
            expected,
            found: found.to_string(),
            file: None,
            line: span.line,
            column: span.column,
            width: span.len.max(1),
            source_line: String::new(),
        }))
    }

    /// Fills in the file name and the excerpt line once, at the top level,
    /// so inner parsers only deal with positions.
    pub(crate) fn with_source(mut self, source: &str, file: Option<&Path>) -> Self {
        let details = &mut *self.0;
        details.file = file.map(Path::to_path_buf);
        if details.line > 0 {
            details.source_line = source
                .lines()
                .nth(details.line - 1)
                .unwrap_or("")
                .trim_end_matches('\r')
                .to_string();
        }
        self
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        let file = self
            .file
            .as_ref()
            .map_or_else(|| "<input>".to_string(), |p| p.display().to_string());
        if self.line == 0 {
            return write!(f, "  --> {file}");
        }
        let number = self.line.to_string();
        let pad = " ".repeat(number.len());
        writeln!(f, " {pad}--> {file}:{}:{}", self.line, self.column)?;
        writeln!(f, " {pad} |")?;
        writeln!(f, " {number} | {}", self.source_line)?;
        // Copy tabs from the source so the caret lines up in a terminal.
        let indent: String = self
            .source_line
            .chars()
            .chain(std::iter::repeat(' '))
            .take(self.column.saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        write!(f, " {pad} | {indent}{}", "^".repeat(self.width.max(1)))
    }
}

impl std::error::Error for ParseError {}
