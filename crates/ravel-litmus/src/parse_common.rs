//! Pieces shared by both dialects: the `{ ... }` init block, location
//! references (`x`, `[x]`, `T:REG`) and the `locations [...]` line.

use crate::ast::{Arch, InitItem, LocRef, Reg, Span, Spanned, X86Reg};
use crate::cursor::Cursor;
use crate::error::ParseError;
use crate::lexer::{Token, TokenKind};

/// The list of X86 registers, as error messages spell it.
pub(crate) const X86_REGISTERS: &str = "a register (EAX, EBX, ECX, EDX, ESI, EDI or EBP)";

/// A span from the start of `first` to the end of `last` (one line).
pub(crate) fn join(first: Token, last: Token) -> Span {
    let len = if first.span.line == last.span.line {
        (last.span.column + last.span.len).saturating_sub(first.span.column)
    } else {
        first.span.len
    };
    Span {
        len: len.max(1),
        ..first.span
    }
}

/// Interprets identifier `tok` as an X86 register.
pub(crate) fn x86_reg(cur: &Cursor<'_>, tok: Token) -> Result<X86Reg, ParseError> {
    let text = cur.text(tok);
    match (tok.kind, X86Reg::from_name(text)) {
        (TokenKind::Ident, Some(r)) => Ok(r),
        _ => Err(cur.error_expected(X86_REGISTERS, tok)),
    }
}

/// Parses `x`, `[x]` or `T:REG`. Register names are checked against the
/// dialect: X86 registers must be in the supported list; C registers are
/// any identifier.
pub(crate) fn parse_loc(cur: &mut Cursor<'_>, arch: Arch) -> Result<Spanned<LocRef>, ParseError> {
    const WHAT: &str = "a location (`x`, `[x]` or a register like `0:EAX`)";
    let first = cur.peek();
    match first.kind {
        TokenKind::Int(thread) => {
            cur.bump();
            let thread = usize::try_from(thread)
                .map_err(|_| cur.error_expected("a thread number", first))?;
            cur.expect(TokenKind::Colon, "`:` between thread number and register")?;
            let reg_tok = cur.peek();
            let reg = match arch {
                Arch::X86 => {
                    let r = x86_reg(cur, reg_tok)?;
                    cur.bump();
                    Reg::X86(r)
                }
                Arch::C => Reg::C(cur.expect_ident("a register name")?.0),
            };
            Ok(Spanned {
                node: LocRef::Reg { thread, reg },
                span: join(first, reg_tok),
            })
        }
        TokenKind::Ident => {
            cur.bump();
            Ok(Spanned {
                node: LocRef::Var(cur.text(first).to_string()),
                span: first.span,
            })
        }
        TokenKind::LBracket => {
            cur.bump();
            let (name, _) = cur.expect_ident("a variable name")?;
            let close = cur.expect(TokenKind::RBracket, "`]`")?;
            Ok(Spanned {
                node: LocRef::Var(name),
                span: join(first, close),
            })
        }
        _ => Err(cur.error_expected(WHAT, first)),
    }
}

/// C-style declarations herd7 allows in init blocks but ravel does not.
const TYPE_WORDS: [&str; 8] = [
    "int",
    "atomic_int",
    "volatile",
    "uint32_t",
    "int32_t",
    "intptr_t",
    "long",
    "char",
];

/// Parses `{ item; item; ... }` (last `;` optional, possibly empty).
pub(crate) fn parse_init(cur: &mut Cursor<'_>, arch: Arch) -> Result<Vec<InitItem>, ParseError> {
    cur.expect(TokenKind::LBrace, "`{` opening the init block")?;
    let mut items = Vec::new();
    loop {
        if cur.eat(TokenKind::RBrace) {
            return Ok(items);
        }
        let first = cur.peek();
        if first.kind == TokenKind::Ident
            && TYPE_WORDS.contains(&cur.text(first))
            && matches!(cur.peek_at(1).kind, TokenKind::Ident | TokenKind::Star)
        {
            return Err(ParseError::unsupported(
                "typed declaration in the init block: write `x = 0;`",
                cur.text(first),
                first.span,
            ));
        }
        if !matches!(
            first.kind,
            TokenKind::Int(_) | TokenKind::Ident | TokenKind::LBracket
        ) {
            return Err(cur.error_expected("an init item like `x=0;` or `}`", first));
        }
        let loc = parse_loc(cur, arch)?;
        cur.expect(TokenKind::Eq, "`=`")?;
        let (value, _) = cur.expect_int("an integer initial value")?;
        items.push(InitItem {
            loc: loc.node,
            value,
            span: loc.span,
        });
        if !cur.eat(TokenKind::Semi) && !cur.at(TokenKind::RBrace) {
            let tok = cur.peek();
            return Err(cur.error_expected("`;` or `}`", tok));
        }
    }
}

/// Parses `locations [loc; loc; ...]` if the next word is `locations`.
pub(crate) fn parse_locations_line(
    cur: &mut Cursor<'_>,
    arch: Arch,
) -> Result<Vec<Spanned<LocRef>>, ParseError> {
    let mut locs = Vec::new();
    if !cur.at_word("locations") {
        return Ok(locs);
    }
    cur.bump();
    cur.expect(TokenKind::LBracket, "`[` after `locations`")?;
    loop {
        if cur.eat(TokenKind::RBracket) {
            return Ok(locs);
        }
        locs.push(parse_loc(cur, arch)?);
        if !cur.eat(TokenKind::Semi) && !cur.at(TokenKind::RBracket) {
            let tok = cur.peek();
            return Err(cur.error_expected("`;` or `]`", tok));
        }
    }
}
