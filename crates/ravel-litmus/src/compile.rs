//! Lowering of a parsed test into flat per-thread instruction lists over
//! numbered locations and registers: what the interpreter runs.
//!
//! Memory orders are checked here: a combination C11 forbids (a release
//! load, an acquire store, a release failure order) is rejected with the
//! statement's position.

use std::collections::BTreeSet;

use ravel_core::event::{FenceMode, ReadMode, RmwKind, RmwMode, WriteMode};

use crate::ast::{
    CStmt, CValue, CasStrength, FetchOp, IfCond, LitmusTest, LocRef, MemoryOrder, Operand, Reg,
    Span, Spanned, ThreadCode, X86Instr,
};
use crate::error::ParseError;

/// An operand: a constant or a register of the executing thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Val {
    /// A constant.
    Const(i64),
    /// A register (index into the thread's register file).
    Reg(usize),
    /// A register plus a constant (non-atomic x86 increments).
    RegPlus(usize, i64),
}

/// One step of a thread. Memory steps become one engine operation each;
/// `SetReg` and `JumpUnless` run silently between operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Instr {
    /// `dst = load(loc)`.
    Load {
        dst: usize,
        loc: usize,
        mode: ReadMode,
    },
    /// `store(loc, val)`.
    Store {
        loc: usize,
        val: Val,
        mode: WriteMode,
    },
    /// `dst = fetch_op(loc, operand)`.
    Rmw {
        dst: Option<usize>,
        loc: usize,
        kind: RmwKind,
        operand: Val,
        mode: RmwMode,
    },
    /// `(read, ok) = compare_exchange(loc, expected, desired)`.
    Cas {
        read: usize,
        ok: usize,
        loc: usize,
        expected: Val,
        desired: Val,
        success: RmwMode,
        failure: ReadMode,
        weak: bool,
    },
    /// A fence.
    Fence(FenceMode),
    /// `dst = val`, no event.
    SetReg { dst: usize, val: Val },
    /// Unless `reg` is non-zero (or equals `value`), jump to `target`.
    JumpUnless {
        reg: usize,
        value: Option<i64>,
        target: usize,
    },
}

/// A lowered thread.
#[derive(Debug, Clone)]
pub(crate) struct CompiledThread {
    /// Instructions with their source positions.
    pub code: Vec<(Instr, Span)>,
    /// Named registers (index = position), then hidden temporaries.
    pub reg_names: Vec<Reg>,
    /// Size of the register file (named + temporaries).
    pub reg_count: usize,
    /// Initial register values.
    pub reg_init: Vec<i64>,
}

/// A lowered test.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    /// Memory variables; variable `i` is engine location `Loc(i + 1)`.
    pub vars: Vec<String>,
    /// Initial value of each variable.
    pub var_init: Vec<i64>,
    /// The threads.
    pub threads: Vec<CompiledThread>,
}

impl Compiled {
    /// Index of a memory variable.
    pub fn var(&self, name: &str) -> Option<usize> {
        self.vars.iter().position(|v| v == name)
    }

    /// Index of a register of `thread`.
    pub fn reg(&self, thread: usize, reg: &Reg) -> Option<usize> {
        self.threads
            .get(thread)?
            .reg_names
            .iter()
            .position(|r| r == reg)
    }
}

/// Lowers `test`; errors carry positions but no source excerpt yet.
pub(crate) fn compile(test: &LitmusTest) -> Result<Compiled, ParseError> {
    let vars = collect_vars(test);
    let mut var_init = vec![0; vars.len()];
    for item in &test.init {
        if let LocRef::Var(v) = &item.loc {
            if let Some(i) = vars.iter().position(|x| x == v) {
                var_init[i] = item.value;
            }
        }
    }
    let mut threads = Vec::new();
    for thread in &test.threads {
        let mut b = Builder {
            vars: &vars,
            code: Vec::new(),
            regs: Vec::new(),
            temps: 0,
        };
        // Registers named by init items and observed locations exist even
        // when the code never writes them.
        let mentioned = test.init.iter().map(|i| &i.loc).cloned();
        for loc in mentioned.chain(test.observed_locations()) {
            if let LocRef::Reg { thread: t, reg } = loc {
                if t == thread.id {
                    b.reg(&reg);
                }
            }
        }
        match &thread.code {
            ThreadCode::X86(instrs) => {
                for instr in instrs {
                    b.x86(instr);
                }
            }
            ThreadCode::C(c) => b.c_body(&c.body)?,
        }
        let named = b.regs.len();
        let mut reg_init = vec![0; named + b.temps];
        for item in &test.init {
            if let LocRef::Reg { thread: t, reg } = &item.loc {
                if *t == thread.id {
                    if let Some(i) = b.regs.iter().position(|r| r == reg) {
                        reg_init[i] = item.value;
                    }
                }
            }
        }
        // Temporaries were numbered from a provisional base; move them after
        // the named registers.
        let code = b
            .code
            .into_iter()
            .map(|(i, s)| (relocate(i, named), s))
            .collect();
        threads.push(CompiledThread {
            code,
            reg_names: b.regs,
            reg_count: named + b.temps,
            reg_init,
        });
    }
    Ok(Compiled {
        vars,
        var_init,
        threads,
    })
}

/// Temporaries are numbered `TEMP_BASE + k` while building.
const TEMP_BASE: usize = 1 << 20;

fn fix(r: usize, named: usize) -> usize {
    if r >= TEMP_BASE {
        r - TEMP_BASE + named
    } else {
        r
    }
}

fn fix_val(v: Val, named: usize) -> Val {
    match v {
        Val::Const(_) => v,
        Val::Reg(r) => Val::Reg(fix(r, named)),
        Val::RegPlus(r, k) => Val::RegPlus(fix(r, named), k),
    }
}

fn relocate(i: Instr, n: usize) -> Instr {
    match i {
        Instr::Load { dst, loc, mode } => Instr::Load {
            dst: fix(dst, n),
            loc,
            mode,
        },
        Instr::Store { loc, val, mode } => Instr::Store {
            loc,
            val: fix_val(val, n),
            mode,
        },
        Instr::Rmw {
            dst,
            loc,
            kind,
            operand,
            mode,
        } => Instr::Rmw {
            dst: dst.map(|d| fix(d, n)),
            loc,
            kind,
            operand: fix_val(operand, n),
            mode,
        },
        Instr::Cas {
            read,
            ok,
            loc,
            expected,
            desired,
            success,
            failure,
            weak,
        } => Instr::Cas {
            read: fix(read, n),
            ok: fix(ok, n),
            loc,
            expected: fix_val(expected, n),
            desired: fix_val(desired, n),
            success,
            failure,
            weak,
        },
        Instr::Fence(m) => Instr::Fence(m),
        Instr::SetReg { dst, val } => Instr::SetReg {
            dst: fix(dst, n),
            val: fix_val(val, n),
        },
        Instr::JumpUnless { reg, value, target } => Instr::JumpUnless {
            reg: fix(reg, n),
            value,
            target,
        },
    }
}

/// Every memory variable the test names, sorted by name.
fn collect_vars(test: &LitmusTest) -> Vec<String> {
    let mut vars = BTreeSet::new();
    for item in &test.init {
        if let LocRef::Var(v) = &item.loc {
            vars.insert(v.clone());
        }
    }
    for loc in test.observed_locations() {
        if let LocRef::Var(v) = loc {
            vars.insert(v);
        }
    }
    for thread in &test.threads {
        match &thread.code {
            ThreadCode::X86(instrs) => {
                for i in instrs {
                    if let Some(v) = i.node.var() {
                        vars.insert(v.to_string());
                    }
                }
            }
            ThreadCode::C(c) => {
                for p in &c.params {
                    vars.insert(p.name.clone());
                }
            }
        }
    }
    vars.into_iter().collect()
}

struct Builder<'a> {
    vars: &'a [String],
    code: Vec<(Instr, Span)>,
    regs: Vec<Reg>,
    temps: usize,
}

impl Builder<'_> {
    fn reg(&mut self, reg: &Reg) -> usize {
        if let Some(i) = self.regs.iter().position(|r| r == reg) {
            return i;
        }
        self.regs.push(reg.clone());
        self.regs.len() - 1
    }

    fn c_reg(&mut self, name: &str) -> usize {
        self.reg(&Reg::C(name.to_string()))
    }

    fn temp(&mut self) -> usize {
        self.temps += 1;
        TEMP_BASE + self.temps - 1
    }

    fn var(&self, name: &str) -> usize {
        self.vars
            .iter()
            .position(|v| v == name)
            .expect("collect_vars saw every variable")
    }

    fn push(&mut self, i: Instr, span: Span) {
        self.code.push((i, span));
    }

    fn x86(&mut self, instr: &Spanned<X86Instr>) {
        let span = instr.span;
        let rmw = |kind, operand| (kind, Val::Const(operand));
        let locked = match &instr.node {
            X86Instr::MovStore { var, src } => {
                let val = match src {
                    Operand::Imm(k) => Val::Const(*k),
                    Operand::Reg(r) => Val::Reg(self.reg(&Reg::X86(*r))),
                };
                let loc = self.var(var);
                self.push(
                    Instr::Store {
                        loc,
                        val,
                        mode: WriteMode::Relaxed,
                    },
                    span,
                );
                return;
            }
            X86Instr::MovLoad { reg, var } => {
                let dst = self.reg(&Reg::X86(*reg));
                let loc = self.var(var);
                self.push(
                    Instr::Load {
                        dst,
                        loc,
                        mode: ReadMode::Relaxed,
                    },
                    span,
                );
                return;
            }
            X86Instr::MovImm { reg, imm } => {
                let dst = self.reg(&Reg::X86(*reg));
                self.push(
                    Instr::SetReg {
                        dst,
                        val: Val::Const(*imm),
                    },
                    span,
                );
                return;
            }
            X86Instr::Mfence => {
                self.push(Instr::Fence(FenceMode::SeqCst), span);
                return;
            }
            X86Instr::Lfence | X86Instr::Sfence => return,
            X86Instr::Xchg { var, reg, .. } => {
                let r = self.reg(&Reg::X86(*reg));
                let loc = self.var(var);
                self.push(
                    Instr::Rmw {
                        dst: Some(r),
                        loc,
                        kind: RmwKind::Swap,
                        operand: Val::Reg(r),
                        mode: RmwMode::SeqCst,
                    },
                    span,
                );
                return;
            }
            X86Instr::LockAdd { var, imm } => (var, rmw(RmwKind::Add, *imm)),
            X86Instr::LockInc { var } => (var, rmw(RmwKind::Add, 1)),
            X86Instr::LockDec { var } => (var, rmw(RmwKind::Sub, 1)),
            X86Instr::LockXor { var, imm } => (var, rmw(RmwKind::Xor, *imm)),
            X86Instr::Inc { var } => return self.plain_add(var, 1, span),
            X86Instr::Dec { var } => return self.plain_add(var, -1, span),
            X86Instr::Add { var, imm } => return self.plain_add(var, *imm, span),
        };
        let (var, (kind, operand)) = locked;
        let loc = self.var(var);
        self.push(
            Instr::Rmw {
                dst: None,
                loc,
                kind,
                operand,
                mode: RmwMode::SeqCst,
            },
            span,
        );
    }

    /// A non-atomic x86 read-modify-write: a load, then a store.
    fn plain_add(&mut self, var: &str, k: i64, span: Span) {
        let loc = self.var(var);
        let t = self.temp();
        self.push(
            Instr::Load {
                dst: t,
                loc,
                mode: ReadMode::Relaxed,
            },
            span,
        );
        self.push(
            Instr::Store {
                loc,
                val: Val::RegPlus(t, k),
                mode: WriteMode::Relaxed,
            },
            span,
        );
    }

    fn c_val(&mut self, v: &CValue) -> Val {
        match v {
            CValue::Const(k) => Val::Const(*k),
            CValue::Reg(r) => Val::Reg(self.c_reg(r)),
        }
    }

    fn c_body(&mut self, body: &[Spanned<CStmt>]) -> Result<(), ParseError> {
        for stmt in body {
            self.c_stmt(stmt)?;
        }
        Ok(())
    }

    fn c_stmt(&mut self, stmt: &Spanned<CStmt>) -> Result<(), ParseError> {
        let span = stmt.span;
        match &stmt.node {
            CStmt::AtomicLoad { dest, var, order } => {
                let mode = read_mode(*order, "atomic_load_explicit", span)?;
                let dst = self.c_reg(&dest.reg);
                let loc = self.var(var);
                self.push(Instr::Load { dst, loc, mode }, span);
            }
            CStmt::AtomicStore { var, value, order } => {
                let mode = write_mode(*order, span)?;
                let val = self.c_val(value);
                let loc = self.var(var);
                self.push(Instr::Store { loc, val, mode }, span);
            }
            CStmt::Fence { order } => {
                let mode = match order {
                    // A relaxed fence does nothing.
                    MemoryOrder::Relaxed => return Ok(()),
                    MemoryOrder::Acquire => FenceMode::Acquire,
                    MemoryOrder::Release => FenceMode::Release,
                    MemoryOrder::AcqRel => FenceMode::AcqRel,
                    MemoryOrder::SeqCst => FenceMode::SeqCst,
                };
                self.push(Instr::Fence(mode), span);
            }
            CStmt::FetchOp {
                dest,
                op,
                var,
                value,
                order,
            } => {
                let kind = match op {
                    FetchOp::Add => RmwKind::Add,
                    FetchOp::Sub => RmwKind::Sub,
                };
                let dst = dest.as_ref().map(|d| self.c_reg(&d.reg));
                let operand = self.c_val(value);
                let loc = self.var(var);
                self.push(
                    Instr::Rmw {
                        dst,
                        loc,
                        kind,
                        operand,
                        mode: rmw_mode(*order),
                    },
                    span,
                );
            }
            CStmt::Exchange {
                dest,
                var,
                value,
                order,
            } => {
                let dst = dest.as_ref().map(|d| self.c_reg(&d.reg));
                let operand = self.c_val(value);
                let loc = self.var(var);
                self.push(
                    Instr::Rmw {
                        dst,
                        loc,
                        kind: RmwKind::Swap,
                        operand,
                        mode: rmw_mode(*order),
                    },
                    span,
                );
            }
            CStmt::CompareExchange {
                dest,
                strength,
                var,
                expected,
                desired,
                success,
                failure,
            } => {
                let failure = match failure {
                    MemoryOrder::Release | MemoryOrder::AcqRel => {
                        return Err(ParseError::invalid(
                            format!(
                                "invalid failure order `{}` for a compare-exchange (a failed \
                                 compare-exchange only reads)",
                                failure.c_name()
                            ),
                            failure.c_name(),
                            span,
                        ))
                    }
                    MemoryOrder::Relaxed => ReadMode::Relaxed,
                    MemoryOrder::Acquire => ReadMode::Acquire,
                    MemoryOrder::SeqCst => ReadMode::SeqCst,
                };
                // herd: read the expected value from `*e` (non-atomic), try the
                // exchange, and on failure write the value read back into `*e`.
                let e = self.var(expected);
                let loc = self.var(var);
                let exp = self.temp();
                let read = self.temp();
                let ok = match dest {
                    Some(d) => self.c_reg(&d.reg),
                    None => self.temp(),
                };
                let desired = self.c_val(desired);
                self.push(
                    Instr::Load {
                        dst: exp,
                        loc: e,
                        mode: ReadMode::NonAtomic,
                    },
                    span,
                );
                self.push(
                    Instr::Cas {
                        read,
                        ok,
                        loc,
                        expected: Val::Reg(exp),
                        desired,
                        success: rmw_mode(*success),
                        failure,
                        weak: *strength == CasStrength::Weak,
                    },
                    span,
                );
                let after = self.code.len() + 2;
                self.push(
                    Instr::JumpUnless {
                        // Jump over the write-back unless the CAS failed:
                        // `ok == 0` means failure.
                        reg: ok,
                        value: Some(0),
                        target: after,
                    },
                    span,
                );
                self.push(
                    Instr::Store {
                        loc: e,
                        val: Val::Reg(read),
                        mode: WriteMode::NonAtomic,
                    },
                    span,
                );
            }
            CStmt::PlainStore { var, value } => {
                let val = self.c_val(value);
                let loc = self.var(var);
                self.push(
                    Instr::Store {
                        loc,
                        val,
                        mode: WriteMode::NonAtomic,
                    },
                    span,
                );
            }
            CStmt::PlainLoad { dest, var } => {
                let dst = self.c_reg(&dest.reg);
                let loc = self.var(var);
                self.push(
                    Instr::Load {
                        dst,
                        loc,
                        mode: ReadMode::NonAtomic,
                    },
                    span,
                );
            }
            CStmt::SetReg { dest, value } => {
                let val = self.c_val(value);
                let dst = self.c_reg(&dest.reg);
                self.push(Instr::SetReg { dst, val }, span);
            }
            CStmt::If { cond, body } => {
                let (reg, value) = match cond {
                    IfCond::NonZero { reg } => (self.c_reg(reg), None),
                    IfCond::Equals { reg, value, .. } => (self.c_reg(reg), Some(*value)),
                };
                let at = self.code.len();
                self.push(
                    Instr::JumpUnless {
                        reg,
                        value,
                        target: usize::MAX,
                    },
                    span,
                );
                self.c_body(body)?;
                let end = self.code.len();
                if let Instr::JumpUnless { target, .. } = &mut self.code[at].0 {
                    *target = end;
                }
            }
        }
        Ok(())
    }
}

fn read_mode(order: MemoryOrder, what: &str, span: Span) -> Result<ReadMode, ParseError> {
    match order {
        MemoryOrder::Relaxed => Ok(ReadMode::Relaxed),
        MemoryOrder::Acquire => Ok(ReadMode::Acquire),
        MemoryOrder::SeqCst => Ok(ReadMode::SeqCst),
        MemoryOrder::Release | MemoryOrder::AcqRel => Err(ParseError::invalid(
            format!(
                "invalid memory order `{}` for {what} (a load)",
                order.c_name()
            ),
            order.c_name(),
            span,
        )),
    }
}

fn write_mode(order: MemoryOrder, span: Span) -> Result<WriteMode, ParseError> {
    match order {
        MemoryOrder::Relaxed => Ok(WriteMode::Relaxed),
        MemoryOrder::Release => Ok(WriteMode::Release),
        MemoryOrder::SeqCst => Ok(WriteMode::SeqCst),
        MemoryOrder::Acquire | MemoryOrder::AcqRel => Err(ParseError::invalid(
            format!(
                "invalid memory order `{}` for atomic_store_explicit (a store)",
                order.c_name()
            ),
            order.c_name(),
            span,
        )),
    }
}

fn rmw_mode(order: MemoryOrder) -> RmwMode {
    match order {
        MemoryOrder::Relaxed => RmwMode::Relaxed,
        MemoryOrder::Acquire => RmwMode::Acquire,
        MemoryOrder::Release => RmwMode::Release,
        MemoryOrder::AcqRel => RmwMode::AcqRel,
        MemoryOrder::SeqCst => RmwMode::SeqCst,
    }
}
