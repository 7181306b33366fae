//! The X86 program table: a `P0 | P1 | ... ;` header row followed by rows
//! of `|`-separated cells, each empty or holding one instruction, each row
//! ending with `;`. Column `i` is thread `i`'s code, top to bottom.

use crate::ast::{Operand, Spanned, Thread, ThreadCode, X86Instr, X86Reg};
use crate::cursor::Cursor;
use crate::error::ParseError;
use crate::lexer::{Token, TokenKind};
use crate::parse_common::{join, x86_reg};

/// Words that end the table (they start a `locations` line or condition).
const TABLE_END_WORDS: [&str; 6] = [
    "exists",
    "forall",
    "locations",
    "final",
    "filter",
    "observed",
];

const MEM: &str = "a memory operand like [x]";
const IMM: &str = "an immediate like $1";

/// Parses the header row and all instruction rows.
pub(crate) fn parse_program(cur: &mut Cursor<'_>) -> Result<Vec<Thread>, ParseError> {
    let mut threads = parse_thread_header(cur)?;
    let mut columns: Vec<Vec<Spanned<X86Instr>>> = vec![Vec::new(); threads.len()];
    while !at_table_end(cur) {
        parse_row(cur, &mut columns)?;
    }
    for (thread, code) in threads.iter_mut().zip(columns) {
        thread.code = ThreadCode::X86(code);
    }
    Ok(threads)
}

/// Rows start with `|`, `;` or a mnemonic; anything else (a condition
/// keyword, `~`, `(`, end of file, ...) ends the table.
fn at_table_end(cur: &Cursor<'_>) -> bool {
    let tok = cur.peek();
    match tok.kind {
        TokenKind::Pipe | TokenKind::Semi => false,
        TokenKind::Ident => TABLE_END_WORDS.contains(&cur.text(tok)),
        _ => true,
    }
}

/// Parses `P0 | P1 | ... | Pn ;`, checking the numbering.
fn parse_thread_header(cur: &mut Cursor<'_>) -> Result<Vec<Thread>, ParseError> {
    let mut threads = Vec::new();
    loop {
        let expected = format!("P{}", threads.len());
        let tok = cur.peek();
        let text = cur.text(tok);
        let is_thread_name = tok.kind == TokenKind::Ident
            && text.len() > 1
            && text.starts_with('P')
            && text.chars().skip(1).all(|c| c.is_ascii_digit());
        if !is_thread_name {
            return Err(cur.error_expected(&format!("thread name `{expected}`"), tok));
        }
        if text != expected {
            return Err(ParseError::invalid(
                format!("threads must be numbered in order: expected `{expected}`, found `{text}`"),
                text,
                tok.span,
            ));
        }
        cur.bump();
        threads.push(Thread {
            id: threads.len(),
            code: ThreadCode::X86(Vec::new()),
            span: tok.span,
        });
        let sep = cur.peek();
        match sep.kind {
            TokenKind::Pipe => {
                cur.bump();
            }
            TokenKind::Semi => {
                cur.bump();
                return Ok(threads);
            }
            _ => return Err(cur.error_expected("`|` or `;` in the thread header row", sep)),
        }
    }
}

/// Parses one row `cell | cell | ... ;`, appending instructions to columns.
fn parse_row(
    cur: &mut Cursor<'_>,
    columns: &mut [Vec<Spanned<X86Instr>>],
) -> Result<(), ParseError> {
    let n = columns.len();
    let mut cell = 0usize;
    loop {
        if !matches!(cur.peek().kind, TokenKind::Pipe | TokenKind::Semi) {
            let instr = parse_instruction(cur)?;
            if let Some(column) = columns.get_mut(cell) {
                column.push(instr);
            }
        }
        let sep = cur.peek();
        match sep.kind {
            TokenKind::Pipe => {
                cur.bump();
                cell += 1;
                if cell >= n {
                    return Err(ParseError::invalid(
                        format!(
                            "this row has more than {n} cell{}, but the header declares {n} thread{}",
                            plural(n),
                            plural(n)
                        ),
                        "|",
                        sep.span,
                    ));
                }
            }
            TokenKind::Semi => {
                cur.bump();
                if cell + 1 != n {
                    return Err(ParseError::invalid(
                        format!(
                            "this row has {} cell{}, but the header declares {n} thread{}",
                            cell + 1,
                            plural(cell + 1),
                            plural(n)
                        ),
                        ";",
                        sep.span,
                    ));
                }
                return Ok(());
            }
            _ => return Err(cur.error_expected_after("`|` or `;` after the instruction")),
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// An operand as written.
#[derive(Debug, Clone)]
enum Opnd {
    Mem(String),
    Imm(i64),
    Reg(X86Reg),
}

/// Parses `[v]`, `$k` or a register; `expected` describes what the
/// instruction wants here, for the error message.
fn parse_operand(cur: &mut Cursor<'_>, expected: &str) -> Result<(Opnd, Token), ParseError> {
    let first = cur.peek();
    match first.kind {
        TokenKind::LBracket => {
            cur.bump();
            let name_tok = cur.peek();
            let (name, _) = cur.expect_ident("a variable name inside `[...]`")?;
            if X86Reg::from_name(&name).is_some() {
                return Err(ParseError::unsupported(
                    format_args!(
                        "register-indirect operand `[{name}]`: memory operands name a variable, like [x]"
                    ),
                    &name,
                    name_tok.span,
                ));
            }
            let close = cur.expect(TokenKind::RBracket, "`]`")?;
            Ok((Opnd::Mem(name), close))
        }
        TokenKind::Dollar => {
            cur.bump();
            let (v, tok) = cur.expect_int("an integer after `$`")?;
            Ok((Opnd::Imm(v), tok))
        }
        TokenKind::Ident => {
            let reg = x86_reg(cur, first).map_err(|_| cur.error_expected(expected, first))?;
            cur.bump();
            Ok((Opnd::Reg(reg), first))
        }
        _ => Err(cur.error_expected(expected, first)),
    }
}

fn expect_comma(cur: &mut Cursor<'_>) -> Result<(), ParseError> {
    cur.expect(TokenKind::Comma, "`,` between operands")
        .map(|_| ())
}

/// A memory operand, or an error mentioning `mnemonic`.
fn mem_operand(cur: &mut Cursor<'_>, mnemonic: &str) -> Result<(String, Token), ParseError> {
    let first = cur.peek();
    match parse_operand(cur, MEM)? {
        (Opnd::Mem(v), last) => Ok((v, last)),
        (Opnd::Reg(r), _) => Err(ParseError::unsupported(
            format_args!(
                "`{mnemonic}` on register {r}: only memory operands like [x] are supported"
            ),
            cur.text(first),
            first.span,
        )),
        (Opnd::Imm(_), _) => Err(cur.error_expected(MEM, first)),
    }
}

/// An immediate operand, or an error mentioning `mnemonic`.
fn imm_operand(cur: &mut Cursor<'_>, mnemonic: &str) -> Result<(i64, Token), ParseError> {
    let first = cur.peek();
    match parse_operand(cur, IMM)? {
        (Opnd::Imm(v), last) => Ok((v, last)),
        (Opnd::Reg(r), _) => Err(ParseError::unsupported(
            format_args!(
                "`{mnemonic}` with register source {r}: only immediates like $1 are supported"
            ),
            cur.text(first),
            first.span,
        )),
        (Opnd::Mem(_), _) => Err(cur.error_expected(IMM, first)),
    }
}

/// Parses one instruction (with optional `LOCK` prefix).
fn parse_instruction(cur: &mut Cursor<'_>) -> Result<Spanned<X86Instr>, ParseError> {
    let first = cur.peek();
    if first.kind != TokenKind::Ident {
        return Err(cur.error_expected("an instruction, `|` or `;`", first));
    }
    let lock = cur.at_word("LOCK");
    if lock {
        cur.bump();
    }
    let mnem_tok = cur.peek();
    if mnem_tok.kind != TokenKind::Ident {
        return Err(cur.error_expected("an instruction after `LOCK`", mnem_tok));
    }
    let mnemonic = cur.text(mnem_tok);
    cur.bump();
    let mut last = mnem_tok;

    let lock_error = || {
        ParseError::unsupported(
            format_args!(
                "`LOCK {mnemonic}`: herd7 accepts LOCK only on XCHG, ADD, XOR, INC and DEC"
            ),
            mnemonic,
            mnem_tok.span,
        )
    };

    let instr = match mnemonic {
        "MOV" => {
            if lock {
                return Err(lock_error());
            }
            let dst_tok = cur.peek();
            let (dst, _) = parse_operand(cur, "a register or a memory operand like [x]")?;
            expect_comma(cur)?;
            let src_tok = cur.peek();
            match dst {
                Opnd::Mem(var) => {
                    let (src, end) = parse_operand(cur, "a register or an immediate like $1")?;
                    last = end;
                    match src {
                        Opnd::Imm(v) => X86Instr::MovStore {
                            var,
                            src: Operand::Imm(v),
                        },
                        Opnd::Reg(r) => X86Instr::MovStore {
                            var,
                            src: Operand::Reg(r),
                        },
                        Opnd::Mem(_) => {
                            return Err(ParseError::unsupported(
                                "memory-to-memory `MOV`",
                                cur.text(src_tok),
                                src_tok.span,
                            ))
                        }
                    }
                }
                Opnd::Reg(reg) => {
                    let (src, end) = parse_operand(cur, &format!("{MEM} or {IMM}"))?;
                    last = end;
                    match src {
                        Opnd::Mem(var) => X86Instr::MovLoad { reg, var },
                        Opnd::Imm(imm) => X86Instr::MovImm { reg, imm },
                        Opnd::Reg(_) => {
                            return Err(ParseError::unsupported(
                                "register-to-register `MOV`",
                                cur.text(src_tok),
                                src_tok.span,
                            ))
                        }
                    }
                }
                Opnd::Imm(_) => {
                    return Err(cur.error_expected(
                        "a register or a memory operand like [x] as destination",
                        dst_tok,
                    ))
                }
            }
        }
        "MFENCE" | "LFENCE" | "SFENCE" => {
            if lock {
                return Err(lock_error());
            }
            match mnemonic {
                "MFENCE" => X86Instr::Mfence,
                "LFENCE" => X86Instr::Lfence,
                _ => X86Instr::Sfence,
            }
        }
        "XCHG" => {
            const EITHER: &str = "a register or a memory operand like [x]";
            let a_tok = cur.peek();
            let (a, _) = parse_operand(cur, EITHER)?;
            expect_comma(cur)?;
            let b_tok = cur.peek();
            let (b, end) = parse_operand(cur, EITHER)?;
            last = end;
            match (a, b) {
                (Opnd::Mem(var), Opnd::Reg(reg)) => X86Instr::Xchg {
                    var,
                    reg,
                    lock_prefix: lock,
                    reg_first: false,
                },
                (Opnd::Reg(reg), Opnd::Mem(var)) => X86Instr::Xchg {
                    var,
                    reg,
                    lock_prefix: lock,
                    reg_first: true,
                },
                (Opnd::Reg(_), Opnd::Reg(_)) => {
                    return Err(ParseError::unsupported(
                        "register-to-register `XCHG`",
                        cur.text(b_tok),
                        b_tok.span,
                    ))
                }
                (Opnd::Imm(_), _) => return Err(cur.error_expected(EITHER, a_tok)),
                (Opnd::Reg(_), _) => return Err(cur.error_expected(MEM, b_tok)),
                (Opnd::Mem(_), _) => return Err(cur.error_expected("a register", b_tok)),
            }
        }
        "ADD" | "XOR" => {
            let (var, _) = mem_operand(cur, mnemonic)?;
            expect_comma(cur)?;
            let (imm, end) = imm_operand(cur, mnemonic)?;
            last = end;
            match (mnemonic, lock) {
                ("ADD", true) => X86Instr::LockAdd { var, imm },
                ("ADD", false) => X86Instr::Add { var, imm },
                (_, true) => X86Instr::LockXor { var, imm },
                (_, false) => {
                    return Err(ParseError::unsupported(
                        "`XOR` without `LOCK`: only `LOCK XOR [x],$k` is supported",
                        mnemonic,
                        mnem_tok.span,
                    ))
                }
            }
        }
        "INC" | "DEC" => {
            let (var, end) = mem_operand(cur, mnemonic)?;
            last = end;
            match (mnemonic, lock) {
                ("INC", true) => X86Instr::LockInc { var },
                ("INC", false) => X86Instr::Inc { var },
                (_, true) => X86Instr::LockDec { var },
                (_, false) => X86Instr::Dec { var },
            }
        }
        "CMPXCHG" if lock => {
            return Err(ParseError::unsupported(
                "instruction `LOCK CMPXCHG`: herd7 7.58 rejects it (illegal lock prefix)",
                mnemonic,
                mnem_tok.span,
            ))
        }
        "CMPXCHG" => {
            return Err(ParseError::unsupported(
                "instruction `CMPXCHG`: herd7 7.58 does not implement it",
                mnemonic,
                mnem_tok.span,
            ))
        }
        _ => {
            let hint = if mnemonic.chars().any(|c| c.is_ascii_lowercase()) {
                " (mnemonics are written in upper case)"
            } else {
                ""
            };
            return Err(ParseError::unsupported(
                format_args!(
                    "instruction `{mnemonic}`{hint}: supported are MOV, MFENCE, LFENCE, SFENCE, XCHG, ADD, INC, DEC and LOCK XCHG/ADD/XOR/INC/DEC"
                ),
                mnemonic,
                mnem_tok.span,
            ));
        }
    };
    Ok(Spanned {
        node: instr,
        span: join(first, last),
    })
}
