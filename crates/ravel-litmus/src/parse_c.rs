//! C threads: `P<n> (params) { statements }`, numbered from 0 in order.
//!
//! Besides the grammar, this enforces what a thread may touch: shared
//! variables only through its own parameters (atomic operations on
//! `atomic_int*`, `*v` on `int*`/`volatile int*`), and registers only after
//! they are declared.

use crate::ast::{
    CParam, CStmt, CThread, CValue, CasStrength, Dest, FetchOp, IfCond, MemoryOrder, ParamType,
    Spanned, Thread, ThreadCode,
};
use crate::cursor::Cursor;
use crate::error::ParseError;
use crate::lexer::{Token, TokenKind};
use crate::parse_common::join;

/// Deepest `if` nesting accepted; bounds recursion on hostile input.
const MAX_DEPTH: usize = 64;

const STATEMENT: &str = "a statement (`int r0 = ...;`, `*x = ...;`, an atomic call or `if`)";

/// Control flow herd7 knows but the subset does not.
const UNSUPPORTED_STATEMENTS: [&str; 9] = [
    "while", "for", "do", "else", "switch", "return", "goto", "break", "continue",
];

/// Words that cannot name a register.
const RESERVED: [&str; 14] = [
    "int",
    "if",
    "else",
    "while",
    "for",
    "do",
    "return",
    "volatile",
    "atomic_int",
    "switch",
    "goto",
    "break",
    "continue",
    "void",
];

/// Words that follow the threads; met inside a body, they mean a `}` is missing.
const ENDING_WORDS: [&str; 3] = ["exists", "forall", "locations"];

/// `P` followed by digits.
fn is_thread_name(text: &str) -> bool {
    text.len() > 1 && text.starts_with('P') && text.chars().skip(1).all(|c| c.is_ascii_digit())
}

/// Parses every `Pn (...) { ... }` up to the `locations` line or condition.
pub(crate) fn parse_threads(cur: &mut Cursor<'_>) -> Result<Vec<Thread>, ParseError> {
    let mut threads = Vec::new();
    loop {
        let tok = cur.peek();
        let text = cur.text(tok);
        if tok.kind != TokenKind::Ident || !is_thread_name(text) {
            if threads.is_empty() {
                return Err(cur.error_expected("a thread like `P0 (atomic_int* x) {`", tok));
            }
            return Ok(threads);
        }
        let expected = format!("P{}", threads.len());
        if text != expected {
            return Err(ParseError::invalid(
                format!("threads must be numbered in order: expected `{expected}`, found `{text}`"),
                text,
                tok.span,
            ));
        }
        cur.bump();
        let thread = ThreadParser::new(cur, threads.len()).parse()?;
        threads.push(Thread {
            id: threads.len(),
            code: ThreadCode::C(thread),
            span: tok.span,
        });
    }
}

struct ThreadParser<'c, 'a> {
    cur: &'c mut Cursor<'a>,
    id: usize,
    params: Vec<CParam>,
    registers: Vec<String>,
}

/// The part of an atomic call's name that selects the operation.
#[derive(Clone, Copy)]
enum CallKind {
    Load,
    Store,
    Fence,
    Fetch(FetchOp),
    Exchange,
    Cas(CasStrength),
}

impl<'c, 'a> ThreadParser<'c, 'a> {
    fn new(cur: &'c mut Cursor<'a>, id: usize) -> Self {
        ThreadParser {
            cur,
            id,
            params: Vec::new(),
            registers: Vec::new(),
        }
    }

    fn parse(mut self) -> Result<CThread, ParseError> {
        self.parse_params()?;
        self.cur
            .expect(TokenKind::LBrace, "`{` opening the thread body")?;
        let body = self.parse_block(0)?;
        Ok(CThread {
            params: self.params,
            body,
        })
    }

    // ------------------------------------------------------------ params

    fn parse_params(&mut self) -> Result<(), ParseError> {
        self.cur
            .expect(TokenKind::LParen, "`(` opening the parameter list")?;
        if self.cur.eat(TokenKind::RParen) {
            return Ok(());
        }
        loop {
            let param = self.parse_param()?;
            if let Some(prev) = self.params.iter().find(|p| p.name == param.name) {
                return Err(ParseError::invalid(
                    format!(
                        "parameter `{}` is declared twice (first at column {})",
                        param.name, prev.span.column
                    ),
                    &param.name,
                    param.span,
                ));
            }
            self.params.push(param);
            let tok = self.cur.peek();
            match tok.kind {
                TokenKind::Comma => {
                    self.cur.bump();
                }
                TokenKind::RParen => {
                    self.cur.bump();
                    return Ok(());
                }
                _ => return Err(self.cur.error_expected("`,` or `)`", tok)),
            }
        }
    }

    fn parse_param(&mut self) -> Result<CParam, ParseError> {
        let tok = self.cur.peek();
        let ty = match self.cur.text(tok) {
            "atomic_int" if tok.kind == TokenKind::Ident => ParamType::AtomicInt,
            "int" if tok.kind == TokenKind::Ident => ParamType::Int,
            "volatile" if tok.kind == TokenKind::Ident => {
                self.cur.bump();
                let int = self.cur.peek();
                if !self.cur.is_word(int, "int") {
                    return Err(self.unsupported_type(int));
                }
                ParamType::VolatileInt
            }
            _ if tok.kind == TokenKind::Ident => return Err(self.unsupported_type(tok)),
            _ => {
                return Err(self.cur.error_expected(
                    "a parameter like `atomic_int* x`, `int* x` or `volatile int* x`",
                    tok,
                ))
            }
        };
        self.cur.bump();
        self.cur
            .expect(TokenKind::Star, "`*` (parameters are pointers)")?;
        let (name, name_tok) = self.cur.expect_ident("a parameter name")?;
        Ok(CParam {
            name,
            ty,
            span: name_tok.span,
        })
    }

    fn unsupported_type(&self, tok: Token) -> ParseError {
        let text = self.cur.text(tok);
        ParseError::unsupported(
            format_args!("parameter type `{text}`: use `atomic_int*`, `int*` or `volatile int*`"),
            text,
            tok.span,
        )
    }

    // -------------------------------------------------------- statements

    /// Parses statements up to and including the closing `}`.
    fn parse_block(&mut self, depth: usize) -> Result<Vec<Spanned<CStmt>>, ParseError> {
        let mut body = Vec::new();
        loop {
            if self.cur.eat(TokenKind::RBrace) {
                return Ok(body);
            }
            body.push(self.parse_stmt(depth)?);
        }
    }

    fn parse_stmt(&mut self, depth: usize) -> Result<Spanned<CStmt>, ParseError> {
        let first = self.cur.peek();
        let text = self.cur.text(first);
        let node = match first.kind {
            TokenKind::Star => {
                self.cur.bump();
                let (var, var_tok) = self.cur.expect_ident("a parameter name after `*`")?;
                self.check_plain(&var, var_tok)?;
                self.cur.expect(TokenKind::Eq, "`=`")?;
                let value = self.parse_value()?;
                self.end_statement()?;
                CStmt::PlainStore { var, value }
            }
            TokenKind::Ident if text == "int" => {
                self.cur.bump();
                let (reg, reg_tok) = self.cur.expect_ident("a register name")?;
                self.check_register_name(&reg, reg_tok)?;
                self.cur.expect(
                    TokenKind::Eq,
                    "`=` (registers are initialised when declared)",
                )?;
                let stmt = self.parse_rhs(Dest {
                    reg: reg.clone(),
                    declares: true,
                })?;
                self.end_statement()?;
                if !self.registers.contains(&reg) {
                    self.registers.push(reg);
                }
                stmt
            }
            TokenKind::Ident if text == "if" => self.parse_if(depth)?,
            TokenKind::Ident if ENDING_WORDS.contains(&text) || is_thread_name(text) => {
                return Err(self
                    .cur
                    .error_expected("`}` closing the thread body", first))
            }
            TokenKind::Tilde | TokenKind::Eof => {
                return Err(self
                    .cur
                    .error_expected("`}` closing the thread body", first))
            }
            TokenKind::Ident if UNSUPPORTED_STATEMENTS.contains(&text) => {
                return Err(ParseError::unsupported(
                    format_args!("statement `{text}`: the C subset has no loops, `else` or jumps"),
                    text,
                    first.span,
                ))
            }
            TokenKind::Ident if self.cur.peek_at(1).kind == TokenKind::LParen => {
                self.cur.bump();
                let stmt = self.parse_call(first, None)?;
                self.end_statement()?;
                stmt
            }
            TokenKind::Ident if self.cur.peek_at(1).kind == TokenKind::Eq => {
                self.cur.bump();
                self.check_assignable(text, first)?;
                self.cur.bump();
                let stmt = self.parse_rhs(Dest {
                    reg: text.to_string(),
                    declares: false,
                })?;
                self.end_statement()?;
                stmt
            }
            TokenKind::Ident
                if matches!(self.cur.peek_at(1).kind, TokenKind::Ident | TokenKind::Star) =>
            {
                return Err(ParseError::unsupported(
                    format_args!("declaration of type `{text}`: registers are declared `int`"),
                    text,
                    first.span,
                ))
            }
            TokenKind::LBrace => {
                return Err(ParseError::unsupported(
                    "nested block `{`: blocks only follow `if (...)`",
                    text,
                    first.span,
                ))
            }
            _ => return Err(self.cur.error_expected(STATEMENT, first)),
        };
        Ok(Spanned {
            node,
            span: join(first, self.cur.previous()),
        })
    }

    /// Expects the `;` closing a statement, flagging arithmetic nicely.
    fn end_statement(&mut self) -> Result<(), ParseError> {
        let tok = self.cur.peek();
        match tok.kind {
            TokenKind::Semi => {
                self.cur.bump();
                Ok(())
            }
            TokenKind::Other(_) | TokenKind::Star | TokenKind::Pipe | TokenKind::Int(_) => {
                Err(ParseError::unsupported(
                    "arithmetic expression: values are integers or registers",
                    self.cur.text(tok),
                    tok.span,
                ))
            }
            _ => Err(self.cur.error_expected_after("`;`")),
        }
    }

    fn parse_if(&mut self, depth: usize) -> Result<CStmt, ParseError> {
        let if_tok = self.cur.bump();
        if depth >= MAX_DEPTH {
            return Err(ParseError::unsupported(
                format_args!("`if` nesting deeper than {MAX_DEPTH} levels"),
                "if",
                if_tok.span,
            ));
        }
        self.cur.expect(TokenKind::LParen, "`(` after `if`")?;
        let a = self.cur.peek();
        let cond = match a.kind {
            TokenKind::Ident => {
                self.cur.bump();
                let reg = self.use_register(a)?;
                let op = self.cur.peek();
                match op.kind {
                    TokenKind::RParen => IfCond::NonZero { reg },
                    TokenKind::EqEq => {
                        self.cur.bump();
                        let (value, _) = self.cur.expect_int("an integer after `==`")?;
                        IfCond::Equals {
                            reg,
                            value,
                            const_first: false,
                        }
                    }
                    _ => return Err(self.unsupported_condition(op)),
                }
            }
            TokenKind::Int(value) => {
                self.cur.bump();
                let op = self.cur.peek();
                if op.kind != TokenKind::EqEq {
                    return Err(self.unsupported_condition(op));
                }
                self.cur.bump();
                let reg_tok = self.cur.expect(TokenKind::Ident, "a register after `==`")?;
                let reg = self.use_register(reg_tok)?;
                IfCond::Equals {
                    reg,
                    value,
                    const_first: true,
                }
            }
            _ => return Err(self.unsupported_condition(a)),
        };
        let close = self.cur.peek();
        if close.kind != TokenKind::RParen {
            return Err(self.unsupported_condition(close));
        }
        self.cur.bump();
        self.cur
            .expect(TokenKind::LBrace, "`{` (if bodies are braced)")?;
        let body = self.parse_block(depth + 1)?;
        let next = self.cur.peek();
        if self.cur.is_word(next, "else") {
            return Err(ParseError::unsupported(
                "`else`: write a second `if` with the opposite test",
                "else",
                next.span,
            ));
        }
        Ok(CStmt::If { cond, body })
    }

    fn unsupported_condition(&self, tok: Token) -> ParseError {
        ParseError::unsupported(
            "`if` condition: only `(r)`, `(r == k)` and `(k == r)` are supported",
            self.cur.text(tok),
            tok.span,
        )
    }

    /// Right-hand side of `int r = ...` / `r = ...`.
    fn parse_rhs(&mut self, dest: Dest) -> Result<CStmt, ParseError> {
        let tok = self.cur.peek();
        match tok.kind {
            TokenKind::Star => {
                self.cur.bump();
                let (var, var_tok) = self.cur.expect_ident("a parameter name after `*`")?;
                self.check_plain(&var, var_tok)?;
                Ok(CStmt::PlainLoad { dest, var })
            }
            TokenKind::Ident if self.cur.peek_at(1).kind == TokenKind::LParen => {
                self.cur.bump();
                self.parse_call(tok, Some(dest))
            }
            TokenKind::Ident | TokenKind::Int(_) => {
                let value = self.parse_value()?;
                Ok(CStmt::SetReg { dest, value })
            }
            _ => Err(self
                .cur
                .error_expected("`*x`, an integer, a register or an atomic call", tok)),
        }
    }

    // ------------------------------------------------------------- calls

    fn call_kind(name: &str) -> Option<CallKind> {
        Some(match name {
            "atomic_load_explicit" => CallKind::Load,
            "atomic_store_explicit" => CallKind::Store,
            "atomic_thread_fence" => CallKind::Fence,
            "atomic_fetch_add_explicit" => CallKind::Fetch(FetchOp::Add),
            "atomic_fetch_sub_explicit" => CallKind::Fetch(FetchOp::Sub),
            "atomic_exchange_explicit" => CallKind::Exchange,
            "atomic_compare_exchange_strong_explicit" => CallKind::Cas(CasStrength::Strong),
            "atomic_compare_exchange_weak_explicit" => CallKind::Cas(CasStrength::Weak),
            _ => return None,
        })
    }

    /// Parses `name(args)` (the name is already consumed) into a statement.
    fn parse_call(&mut self, name_tok: Token, dest: Option<Dest>) -> Result<CStmt, ParseError> {
        let name = self.cur.text(name_tok);
        let Some(kind) = Self::call_kind(name) else {
            let what = if Self::call_kind(&format!("{name}_explicit")).is_some() {
                format!(
                    "call `{name}` without `_explicit`: herd7 needs a macro file for it; write `{name}_explicit(...)` with a memory order"
                )
            } else if name.starts_with("atomic_") {
                format!("atomic operation `{name}`")
            } else {
                format!("function call `{name}`")
            };
            return Err(ParseError::unsupported(what, name, name_tok.span));
        };
        let no_result = matches!(kind, CallKind::Store | CallKind::Fence);
        if no_result && dest.is_some() {
            return Err(ParseError::invalid(
                format!("`{name}` returns no value and cannot be assigned to a register"),
                name,
                name_tok.span,
            ));
        }
        self.cur.expect(TokenKind::LParen, "`(`")?;
        let stmt = match kind {
            CallKind::Fence => CStmt::Fence {
                order: self.parse_order()?,
            },
            CallKind::Load => {
                let Some(dest) = dest else {
                    return Err(ParseError::unsupported(
                        format_args!(
                            "`{name}` whose result is discarded: write `int r0 = {name}(...);`"
                        ),
                        name,
                        name_tok.span,
                    ));
                };
                let var = self.parse_atomic_var()?;
                self.comma()?;
                let order = self.parse_order()?;
                CStmt::AtomicLoad { dest, var, order }
            }
            CallKind::Store => {
                let var = self.parse_atomic_var()?;
                self.comma()?;
                let value = self.parse_value()?;
                self.comma()?;
                let order = self.parse_order()?;
                CStmt::AtomicStore { var, value, order }
            }
            CallKind::Fetch(op) => {
                let var = self.parse_atomic_var()?;
                self.comma()?;
                let value = self.parse_value()?;
                self.comma()?;
                let order = self.parse_order()?;
                CStmt::FetchOp {
                    dest,
                    op,
                    var,
                    value,
                    order,
                }
            }
            CallKind::Exchange => {
                let var = self.parse_atomic_var()?;
                self.comma()?;
                let value = self.parse_value()?;
                self.comma()?;
                let order = self.parse_order()?;
                CStmt::Exchange {
                    dest,
                    var,
                    value,
                    order,
                }
            }
            CallKind::Cas(strength) => {
                let var = self.parse_atomic_var()?;
                self.comma()?;
                let expected = self.parse_expected_ptr()?;
                self.comma()?;
                let desired = self.parse_value()?;
                self.comma()?;
                let success = self.parse_order()?;
                self.comma()?;
                let failure = self.parse_order()?;
                CStmt::CompareExchange {
                    dest,
                    strength,
                    var,
                    expected,
                    desired,
                    success,
                    failure,
                }
            }
        };
        self.cur.expect(TokenKind::RParen, "`)` closing the call")?;
        Ok(stmt)
    }

    fn comma(&mut self) -> Result<(), ParseError> {
        self.cur
            .expect(TokenKind::Comma, "`,` between arguments")
            .map(|_| ())
    }

    fn parse_order(&mut self) -> Result<MemoryOrder, ParseError> {
        let tok = self.cur.peek();
        let order = match self.cur.text(tok) {
            "memory_order_relaxed" => MemoryOrder::Relaxed,
            "memory_order_acquire" => MemoryOrder::Acquire,
            "memory_order_release" => MemoryOrder::Release,
            "memory_order_acq_rel" => MemoryOrder::AcqRel,
            "memory_order_seq_cst" => MemoryOrder::SeqCst,
            "memory_order_consume" => {
                return Err(ParseError::unsupported(
                    "memory order `memory_order_consume`",
                    "memory_order_consume",
                    tok.span,
                ))
            }
            _ => return Err(self.cur.error_expected(
                "a memory order (memory_order_relaxed, _acquire, _release, _acq_rel or _seq_cst)",
                tok,
            )),
        };
        self.cur.bump();
        Ok(order)
    }

    /// A location argument: a parameter, without `&` or `*`.
    fn parse_var_arg(&mut self) -> Result<(String, Token), ParseError> {
        let tok = self.cur.peek();
        match tok.kind {
            TokenKind::Ident => {
                self.cur.bump();
                let name = self.cur.text(tok).to_string();
                if self.param(&name).is_none() {
                    return Err(self.undeclared_var(&name, tok));
                }
                Ok((name, tok))
            }
            TokenKind::Other('&') => Err(ParseError::unsupported(
                "address-of `&`: pass the pointer parameter itself, like `x`",
                "&",
                tok.span,
            )),
            _ => Err(self.cur.error_expected("a parameter name like `x`", tok)),
        }
    }

    fn parse_atomic_var(&mut self) -> Result<String, ParseError> {
        let (name, tok) = self.parse_var_arg()?;
        if let Some(p) = self.param(&name) {
            if !p.ty.is_atomic() {
                return Err(ParseError::unsupported(
                    format_args!(
                        "atomic operation on `{name}`, which P{} declares `{}`: declare it `atomic_int* {name}`",
                        self.id,
                        type_text(p.ty)
                    ),
                    &name,
                    tok.span,
                ));
            }
        }
        Ok(name)
    }

    /// The CAS expected-value pointer: a plain `int*` parameter.
    fn parse_expected_ptr(&mut self) -> Result<String, ParseError> {
        let (name, tok) = self.parse_var_arg()?;
        if self.param(&name).is_some_and(|p| p.ty.is_atomic()) {
            return Err(ParseError::unsupported(
                format_args!(
                    "compare-exchange expected-value pointer `{name}` declared `atomic_int*`: declare it `int* {name}`"
                ),
                &name,
                tok.span,
            ));
        }
        Ok(name)
    }

    /// An integer literal or a declared register.
    fn parse_value(&mut self) -> Result<CValue, ParseError> {
        let tok = self.cur.peek();
        match tok.kind {
            TokenKind::Int(v) => {
                self.cur.bump();
                Ok(CValue::Const(v))
            }
            TokenKind::Ident => {
                self.cur.bump();
                Ok(CValue::Reg(self.use_register(tok)?))
            }
            TokenKind::Other('&') => Err(ParseError::unsupported(
                "address-of `&`: values are integers or registers",
                "&",
                tok.span,
            )),
            _ => Err(self.cur.error_expected("an integer or a register", tok)),
        }
    }

    // ------------------------------------------------------------ checks

    fn param(&self, name: &str) -> Option<&CParam> {
        self.params.iter().find(|p| p.name == name)
    }

    fn undeclared_var(&self, name: &str, tok: Token) -> ParseError {
        ParseError::invalid(
            format!(
                "`{name}` is not a parameter of P{}: add `atomic_int* {name}` or `int* {name}` to its parameter list",
                self.id
            ),
            name,
            tok.span,
        )
    }

    /// `*v` must name a non-atomic parameter.
    fn check_plain(&self, var: &str, tok: Token) -> Result<(), ParseError> {
        match self.param(var) {
            None => Err(self.undeclared_var(var, tok)),
            Some(p) if p.ty.is_atomic() => Err(ParseError::unsupported(
                format_args!(
                    "plain access `*{var}` to `atomic_int* {var}`: use atomic_load_explicit/atomic_store_explicit"
                ),
                var,
                tok.span,
            )),
            Some(_) => Ok(()),
        }
    }

    fn check_register_name(&self, reg: &str, tok: Token) -> Result<(), ParseError> {
        if RESERVED.contains(&reg) {
            return Err(self.cur.error_expected("a register name", tok));
        }
        if self.param(reg).is_some() {
            return Err(ParseError::invalid(
                format!(
                    "`{reg}` is a parameter of P{} and cannot name a register",
                    self.id
                ),
                reg,
                tok.span,
            ));
        }
        Ok(())
    }

    /// Target of `name = ...;` must be an already declared register.
    fn check_assignable(&self, name: &str, tok: Token) -> Result<(), ParseError> {
        if self.param(name).is_some() {
            return Err(ParseError::unsupported(
                format_args!(
                    "assignment to the pointer parameter `{name}`: write `*{name} = ...;`"
                ),
                name,
                tok.span,
            ));
        }
        if !self.registers.iter().any(|r| r == name) {
            return Err(self.undeclared_register(name, tok));
        }
        Ok(())
    }

    /// Reads register `tok`, which must be declared.
    fn use_register(&self, tok: Token) -> Result<String, ParseError> {
        let name = self.cur.text(tok);
        if self.param(name).is_some() {
            return Err(ParseError::unsupported(
                format_args!(
                    "use of the pointer parameter `{name}` as a value: read it with `*{name}` or atomic_load_explicit"
                ),
                name,
                tok.span,
            ));
        }
        if !self.registers.iter().any(|r| r == name) {
            return Err(self.undeclared_register(name, tok));
        }
        Ok(name.to_string())
    }

    fn undeclared_register(&self, name: &str, tok: Token) -> ParseError {
        ParseError::invalid(
            format!(
                "register `{name}` is not declared in P{}: declare it with `int {name} = ...;`",
                self.id
            ),
            name,
            tok.span,
        )
    }
}

fn type_text(ty: ParamType) -> &'static str {
    match ty {
        ParamType::AtomicInt => "atomic_int*",
        ParamType::Int => "int*",
        ParamType::VolatileInt => "volatile int*",
    }
}
