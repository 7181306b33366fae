//! Tokeniser shared by both dialects.
//!
//! The X86 and C bodies, init blocks and conditions all split into the same
//! small set of tokens, so one lexer serves every parser. Comments
//! (`(* ... *)`, nestable and possibly multi-line, and `// ...`) are dropped
//! here. Characters the grammar never uses become [`TokenKind::Other`] so
//! that the parser, which knows what it expected, reports them.

use crate::ast::Span;
use crate::error::ParseError;

/// What the error messages call the end of input.
pub(crate) const EOF_TEXT: &str = "end of file";

/// Kinds of tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// `[A-Za-z_][A-Za-z0-9_]*`
    Ident,
    /// A decimal integer, with an optional `-` glued to it.
    Int(i64),
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Semi,
    Comma,
    Pipe,
    Colon,
    /// `=`
    Eq,
    /// `==`
    EqEq,
    Star,
    Dollar,
    Tilde,
    /// `/\`
    And,
    /// `\/`
    Or,
    /// Any other character.
    Other(char),
    Eof,
}

/// A token: its kind and where its text lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    /// Byte range of the token's text in the source.
    pub start: usize,
    pub end: usize,
    /// Line, column and width (in characters).
    pub span: Span,
}

impl Token {
    /// The token's text in `src` (`end of file` for [`TokenKind::Eof`]).
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        if self.kind == TokenKind::Eof {
            EOF_TEXT
        } else {
            src.get(self.start..self.end).unwrap_or("")
        }
    }
}

struct Lexer<'a> {
    src: &'a str,
    chars: Vec<(usize, char)>,
    i: usize,
    line: usize,
    column: usize,
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.i + ahead).map(|&(_, c)| c)
    }

    fn offset(&self) -> usize {
        self.chars.get(self.i).map_or(self.src.len(), |&(o, _)| o)
    }

    fn advance(&mut self) {
        if let Some(&(_, c)) = self.chars.get(self.i) {
            self.i += 1;
            if c == '\n' {
                self.line += 1;
                self.column = 1;
            } else {
                self.column += 1;
            }
        }
    }

    fn here(&self, len: usize) -> Span {
        Span {
            line: self.line,
            column: self.column,
            len,
        }
    }

    /// Skips a `(* ... *)` comment, which may nest, starting at `(*`.
    fn skip_block_comment(&mut self) -> Result<(), ParseError> {
        let open = self.here(2);
        let mut depth = 0usize;
        loop {
            match (self.peek(0), self.peek(1)) {
                (Some('('), Some('*')) => {
                    depth += 1;
                    self.advance();
                    self.advance();
                }
                (Some('*'), Some(')')) => {
                    self.advance();
                    self.advance();
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok(());
                    }
                }
                (Some(_), _) => self.advance(),
                (None, _) => {
                    return Err(ParseError::syntax(
                        "unterminated comment: `(*` has no matching `*)`",
                        "(*",
                        open,
                    ))
                }
            }
        }
    }
}

/// Splits `src[from..]` into tokens. `(line, column)` is the 1-based
/// position of `from`. The result always ends with one
/// [`TokenKind::Eof`] token, placed just after the last real token.
pub(crate) fn tokenize(
    src: &str,
    from: usize,
    (first_line, first_column): (usize, usize),
) -> Result<Vec<Token>, ParseError> {
    let rest = src.get(from..).unwrap_or("");
    let mut lx = Lexer {
        src,
        chars: rest.char_indices().map(|(o, c)| (o + from, c)).collect(),
        i: 0,
        line: first_line,
        column: first_column,
    };
    let mut tokens: Vec<Token> = Vec::new();
    let mut eof_span = Span {
        line: first_line,
        column: first_column,
        len: 1,
    };
    while let Some(c) = lx.peek(0) {
        if c.is_whitespace() {
            lx.advance();
            continue;
        }
        let next = lx.peek(1);
        if c == '(' && next == Some('*') {
            lx.skip_block_comment()?;
            continue;
        }
        if c == '/' && next == Some('/') {
            while lx.peek(0).is_some_and(|c| c != '\n') {
                lx.advance();
            }
            continue;
        }
        let start = lx.offset();
        let span_start = lx.here(1);
        let mut width = 1;
        let kind = if c.is_ascii_alphabetic() || c == '_' {
            width = 0;
            while lx
                .peek(0)
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                lx.advance();
                width += 1;
            }
            TokenKind::Ident
        } else if c.is_ascii_digit() || (c == '-' && next.is_some_and(|d| d.is_ascii_digit())) {
            width = 0;
            if c == '-' {
                lx.advance();
                width += 1;
            }
            while lx.peek(0).is_some_and(|c| c.is_ascii_digit()) {
                lx.advance();
                width += 1;
            }
            let text = src.get(start..lx.offset()).unwrap_or("");
            let span = Span {
                len: width,
                ..span_start
            };
            match text.parse::<i64>() {
                Ok(v) => TokenKind::Int(v),
                Err(_) => {
                    return Err(ParseError::syntax(
                        format!("integer `{text}` is out of range"),
                        text,
                        span,
                    ))
                }
            }
        } else {
            let two = |a: char, b: char| c == a && next == Some(b);
            let kind = if two('=', '=') {
                TokenKind::EqEq
            } else if two('/', '\\') {
                TokenKind::And
            } else if two('\\', '/') {
                TokenKind::Or
            } else {
                match c {
                    '{' => TokenKind::LBrace,
                    '}' => TokenKind::RBrace,
                    '[' => TokenKind::LBracket,
                    ']' => TokenKind::RBracket,
                    '(' => TokenKind::LParen,
                    ')' => TokenKind::RParen,
                    ';' => TokenKind::Semi,
                    ',' => TokenKind::Comma,
                    '|' => TokenKind::Pipe,
                    ':' => TokenKind::Colon,
                    '=' => TokenKind::Eq,
                    '*' => TokenKind::Star,
                    '$' => TokenKind::Dollar,
                    '~' => TokenKind::Tilde,
                    other => TokenKind::Other(other),
                }
            };
            if matches!(kind, TokenKind::EqEq | TokenKind::And | TokenKind::Or) {
                width = 2;
                lx.advance();
            }
            lx.advance();
            kind
        };
        let span = Span {
            len: width,
            ..span_start
        };
        tokens.push(Token {
            kind,
            start,
            end: lx.offset(),
            span,
        });
        eof_span = Span {
            line: span.line,
            column: span.column + width,
            len: 1,
        };
    }
    tokens.push(Token {
        kind: TokenKind::Eof,
        start: src.len(),
        end: src.len(),
        span: eof_span,
    });
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        match tokenize(src, 0, (1, 1)) {
            Ok(toks) => toks.into_iter().map(|t| t.kind).collect(),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn punctuation_and_numbers() {
        use TokenKind::*;
        assert_eq!(
            kinds("0:EAX=-1 /\\ x==2 \\/ (* c (* nested *) *) $3 // tail\n|"),
            vec![
                Int(0),
                Colon,
                Ident,
                Eq,
                Int(-1),
                And,
                Ident,
                EqEq,
                Int(2),
                Or,
                Dollar,
                Int(3),
                Pipe,
                Eof
            ]
        );
    }

    #[test]
    fn positions_count_characters() {
        let toks = tokenize("é x\n  y", 0, (1, 1)).unwrap_or_default();
        let spans: Vec<(usize, usize)> =
            toks.iter().map(|t| (t.span.line, t.span.column)).collect();
        assert_eq!(spans, vec![(1, 1), (1, 3), (2, 3), (2, 4)]);
    }

    #[test]
    fn unterminated_comment_is_an_error() {
        assert!(tokenize("x (* never closed", 0, (1, 1)).is_err());
    }
}
