//! A cursor over the token list with the small vocabulary every parser
//! needs (peek, bump, expect). It never indexes out of bounds: past the
//! end it keeps returning the final `Eof` token.

use crate::ast::Span;
use crate::error::ParseError;
use crate::lexer::{Token, TokenKind, EOF_TEXT};

pub(crate) struct Cursor<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// `tokens` must come from [`crate::lexer::tokenize`] on `src`.
    pub fn new(src: &'a str, tokens: Vec<Token>) -> Self {
        Cursor {
            src,
            tokens,
            pos: 0,
        }
    }

    fn eof(&self) -> Token {
        self.tokens.last().copied().unwrap_or(Token {
            kind: TokenKind::Eof,
            start: self.src.len(),
            end: self.src.len(),
            span: Span {
                line: 1,
                column: 1,
                len: 1,
            },
        })
    }

    /// The next token, without consuming it.
    pub fn peek(&self) -> Token {
        self.peek_at(0)
    }

    /// The token `ahead` positions after the next one.
    pub fn peek_at(&self, ahead: usize) -> Token {
        self.tokens
            .get(self.pos.saturating_add(ahead))
            .copied()
            .unwrap_or_else(|| self.eof())
    }

    /// The most recently consumed token (the next one if none was).
    pub fn previous(&self) -> Token {
        match self.pos.checked_sub(1) {
            Some(i) => self.tokens.get(i).copied().unwrap_or_else(|| self.eof()),
            None => self.peek(),
        }
    }

    /// Consumes and returns the next token (`Eof` stays put).
    pub fn bump(&mut self) -> Token {
        let tok = self.peek();
        if tok.kind != TokenKind::Eof {
            self.pos += 1;
        }
        tok
    }

    /// Source text of `tok`.
    pub fn text(&self, tok: Token) -> &'a str {
        tok.text(self.src)
    }

    /// Whether the next token has kind `kind`.
    pub fn at(&self, kind: TokenKind) -> bool {
        self.peek().kind == kind
    }

    /// Whether the next token is the identifier `word`.
    pub fn at_word(&self, word: &str) -> bool {
        self.is_word(self.peek(), word)
    }

    /// Whether `tok` is the identifier `word`.
    pub fn is_word(&self, tok: Token, word: &str) -> bool {
        tok.kind == TokenKind::Ident && self.text(tok) == word
    }

    /// Consumes the next token if it has kind `kind`.
    pub fn eat(&mut self, kind: TokenKind) -> bool {
        if self.at(kind) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// An "expected ..., found ..." error at `tok`.
    pub fn error_expected(&self, expected: &str, tok: Token) -> ParseError {
        ParseError::expected(expected, self.text(tok), tok.span)
    }

    /// Like [`Self::error_expected`] at the next token, but when that token
    /// is on a later line than the previous one (a forgotten terminator),
    /// points just past the previous token instead, as rustc does.
    pub fn error_expected_after(&self, expected: &str) -> ParseError {
        let next = self.peek();
        let prev = self.previous();
        if self.pos > 0 && next.span.line > prev.span.line {
            let span = Span {
                line: prev.span.line,
                column: prev.span.column + prev.span.len,
                len: 1,
            };
            ParseError::expected(expected, self.text(next), span)
        } else {
            self.error_expected(expected, next)
        }
    }

    /// Consumes a token of kind `kind` or fails with "expected {what}".
    pub fn expect(&mut self, kind: TokenKind, what: &str) -> Result<Token, ParseError> {
        let tok = self.peek();
        if tok.kind == kind {
            Ok(self.bump())
        } else {
            Err(self.error_expected(what, tok))
        }
    }

    /// Consumes an identifier and returns it with its token.
    pub fn expect_ident(&mut self, what: &str) -> Result<(String, Token), ParseError> {
        let tok = self.expect(TokenKind::Ident, what)?;
        Ok((self.text(tok).to_string(), tok))
    }

    /// Consumes an integer literal.
    pub fn expect_int(&mut self, what: &str) -> Result<(i64, Token), ParseError> {
        let tok = self.peek();
        match tok.kind {
            TokenKind::Int(v) => {
                self.bump();
                Ok((v, tok))
            }
            _ => Err(self.error_expected(what, tok)),
        }
    }

    /// Consumes the identifier `word` or fails with "expected `word`".
    pub fn expect_word(&mut self, word: &str) -> Result<Token, ParseError> {
        let tok = self.peek();
        if self.is_word(tok, word) {
            Ok(self.bump())
        } else {
            Err(self.error_expected(&format!("`{word}`"), tok))
        }
    }

    /// Succeeds only at the end of input.
    pub fn expect_eof(&self, what: &str) -> Result<(), ParseError> {
        let tok = self.peek();
        if tok.kind == TokenKind::Eof {
            Ok(())
        } else {
            Err(ParseError::expected(
                format!("{EOF_TEXT} {what}"),
                self.text(tok),
                tok.span,
            ))
        }
    }
}
