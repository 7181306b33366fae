//! The final condition: `exists`, `~exists` or `forall` followed by a
//! predicate built from `loc = int` atoms, `/\` (binds tighter), `\/` and
//! parentheses. herd7's richer forms (`~` inside expressions, `true`,
//! `not`, `->`, `filter`, `with`, ...) are rejected as unsupported.

use crate::ast::{Arch, CondExpr, Condition, Quantifier};
use crate::cursor::Cursor;
use crate::error::ParseError;
use crate::lexer::TokenKind;
use crate::parse_common::{join, parse_loc};

/// Deepest parenthesis nesting accepted; bounds recursion on hostile input.
const MAX_DEPTH: usize = 256;

const QUANTIFIER: &str = "a final condition (`exists`, `~exists` or `forall`)";

/// Words herd7 knows in conditions that the subset does not support.
const UNSUPPORTED_WORDS: [&str; 6] = ["true", "false", "not", "filter", "with", "cases"];

/// Parses the quantifier and predicate. Trailing input is left to the
/// caller (which expects end of file).
pub(crate) fn parse_condition(cur: &mut Cursor<'_>, arch: Arch) -> Result<Condition, ParseError> {
    let first = cur.peek();
    let mut span = first.span;
    let quantifier = if cur.at_word("exists") {
        cur.bump();
        Quantifier::Exists
    } else if cur.at_word("forall") {
        cur.bump();
        Quantifier::Forall
    } else if first.kind == TokenKind::Tilde {
        cur.bump();
        let kw = cur
            .expect_word("exists")
            .map_err(|_| cur.error_expected("`exists` after `~`", cur.peek()))?;
        span = join(first, kw);
        Quantifier::NotExists
    } else if cur.at_word("final") || cur.at_word("filter") || cur.at_word("observed") {
        return Err(ParseError::unsupported(
            format_args!(
                "condition form `{}`: use `exists`, `~exists` or `forall`",
                cur.text(first)
            ),
            cur.text(first),
            first.span,
        ));
    } else {
        return Err(cur.error_expected(QUANTIFIER, first));
    };
    let expr = parse_or(cur, arch, 0)?;
    let tok = cur.peek();
    if tok.kind == TokenKind::Ident && UNSUPPORTED_WORDS.contains(&cur.text(tok)) {
        return Err(ParseError::unsupported(
            format_args!("`{}` clause after the condition", cur.text(tok)),
            cur.text(tok),
            tok.span,
        ));
    }
    Ok(Condition {
        quantifier,
        expr,
        span,
    })
}

fn parse_or(cur: &mut Cursor<'_>, arch: Arch, depth: usize) -> Result<CondExpr, ParseError> {
    let mut parts = vec![parse_and(cur, arch, depth)?];
    while cur.eat(TokenKind::Or) {
        parts.push(parse_and(cur, arch, depth)?);
    }
    Ok(if parts.len() == 1 {
        parts.remove(0)
    } else {
        CondExpr::Or(parts)
    })
}

fn parse_and(cur: &mut Cursor<'_>, arch: Arch, depth: usize) -> Result<CondExpr, ParseError> {
    let mut parts = vec![parse_atom(cur, arch, depth)?];
    while cur.eat(TokenKind::And) {
        parts.push(parse_atom(cur, arch, depth)?);
    }
    Ok(if parts.len() == 1 {
        parts.remove(0)
    } else {
        CondExpr::And(parts)
    })
}

fn parse_atom(cur: &mut Cursor<'_>, arch: Arch, depth: usize) -> Result<CondExpr, ParseError> {
    let tok = cur.peek();
    match tok.kind {
        TokenKind::LParen => {
            if depth >= MAX_DEPTH {
                return Err(ParseError::unsupported(
                    format_args!("condition nesting deeper than {MAX_DEPTH} parentheses"),
                    "(",
                    tok.span,
                ));
            }
            cur.bump();
            let inner = parse_or(cur, arch, depth + 1)?;
            cur.expect(TokenKind::RParen, "`)`, `/\\` or `\\/`")?;
            Ok(inner)
        }
        TokenKind::Tilde | TokenKind::Other('!') => Err(ParseError::unsupported(
            "negation inside a condition: only `loc=value` atoms, `/\\` and `\\/` are supported",
            cur.text(tok),
            tok.span,
        )),
        TokenKind::Ident if UNSUPPORTED_WORDS.contains(&cur.text(tok)) => {
            Err(ParseError::unsupported(
                format_args!(
                    "`{}` in a condition: only `loc=value` atoms, `/\\` and `\\/` are supported",
                    cur.text(tok)
                ),
                cur.text(tok),
                tok.span,
            ))
        }
        TokenKind::Int(_) | TokenKind::Ident | TokenKind::LBracket => {
            let loc = parse_loc(cur, arch)?;
            let eq = cur.peek();
            match eq.kind {
                TokenKind::Eq => {
                    cur.bump();
                }
                TokenKind::Other('!') | TokenKind::EqEq => {
                    return Err(ParseError::unsupported(
                        format_args!(
                            "comparison `{}` in a condition: write `loc=value`",
                            cur.text(eq)
                        ),
                        cur.text(eq),
                        eq.span,
                    ))
                }
                _ => return Err(cur.error_expected("`=` after the location", eq)),
            }
            let (value, _) = cur.expect_int("an integer value")?;
            Ok(CondExpr::Atom {
                loc: loc.node,
                value,
                span: loc.span,
            })
        }
        _ => Err(cur.error_expected("a condition atom like `x=1` or `0:EAX=0`, or `(`", tok)),
    }
}
