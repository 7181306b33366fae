//! Syntax tree of a litmus test.
//!
//! The tree mirrors what the source says and nothing more: it carries no
//! execution semantics, so any engine (interleaving, axiomatic, ...) can
//! consume it. Every instruction, statement, init item and condition atom
//! keeps its source [`Span`] so that later stages can report errors and
//! results against the original file.

use std::fmt;

/// A position in the source: 1-based line and column (columns count
/// characters, not bytes) plus the width of the item in characters, so a
/// report can underline it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Width in characters (at least 1 for real tokens).
    pub len: usize,
}

/// A syntax node together with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    /// The node itself.
    pub node: T,
    /// Where the node starts in the source.
    pub span: Span,
}

/// The dialect a test is written in; chosen by the first word of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Arch {
    /// herd7's 32-bit Intel-syntax `X86` dialect.
    X86,
    /// herd7's C11 dialect (`C`).
    C,
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Arch::X86 => "X86",
            Arch::C => "C",
        })
    }
}

/// A whole parsed litmus test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LitmusTest {
    /// Dialect of the test.
    pub arch: Arch,
    /// Test name from the header line (usually equal to the file stem).
    pub name: String,
    /// Optional one-line doc string (`"..."` under the header), unquoted.
    pub doc: Option<String>,
    /// Initial values, in source order. Unlisted locations start at 0.
    pub init: Vec<InitItem>,
    /// Threads, indexed by their number (`threads[i].id == i`).
    pub threads: Vec<Thread>,
    /// Extra locations from a `locations [...]` line, in source order.
    pub locations: Vec<Spanned<LocRef>>,
    /// The final condition.
    pub condition: Condition,
    /// Span of the header line's test name.
    pub span: Span,
}

impl LitmusTest {
    /// The locations herd7 reports in final states: those of the
    /// `locations` line followed by those of the condition, without
    /// duplicates, in first-occurrence order.
    pub fn observed_locations(&self) -> Vec<LocRef> {
        let mut out: Vec<LocRef> = Vec::new();
        let from_line = self.locations.iter().map(|l| &l.node);
        for loc in from_line.chain(self.condition.expr.locations()) {
            if !out.contains(loc) {
                out.push(loc.clone());
            }
        }
        out
    }
}

/// One item of the `{ ... }` init block: a location and its initial value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitItem {
    /// The location being initialised (`x`, `[x]` or `T:REG`).
    pub loc: LocRef,
    /// Its initial value.
    pub value: i64,
    /// Where the item starts.
    pub span: Span,
}

/// A register name; typed for X86, free-form identifier for C.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reg {
    /// One of the seven supported X86 registers.
    X86(X86Reg),
    /// A C local (`r0`, `r1`, ...).
    C(String),
}

impl fmt::Display for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reg::X86(r) => write!(f, "{r}"),
            Reg::C(r) => f.write_str(r),
        }
    }
}

/// A location as named in init items, `locations` lines and conditions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LocRef {
    /// A register of a thread, written `T:REG`.
    Reg {
        /// Thread number.
        thread: usize,
        /// Register in that thread.
        reg: Reg,
    },
    /// A shared variable, written `x` or `[x]`.
    Var(String),
}

impl LocRef {
    /// The name herd7 prints in final states (`0:EAX`, `1:r0`, `[x]`), which
    /// is also the key format of the corpus' `expected.json`.
    pub fn herd_key(&self) -> String {
        match self {
            LocRef::Reg { thread, reg } => format!("{thread}:{reg}"),
            LocRef::Var(v) => format!("[{v}]"),
        }
    }
}

impl fmt::Display for LocRef {
    /// Renders the location as a condition would write it (`0:EAX`, `x`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocRef::Reg { thread, reg } => write!(f, "{thread}:{reg}"),
            LocRef::Var(v) => f.write_str(v),
        }
    }
}

/// One thread of the test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    /// Thread number (`P0` is 0).
    pub id: usize,
    /// Code of the thread, in the test's dialect.
    pub code: ThreadCode,
    /// Span of the `Pn` name.
    pub span: Span,
}

impl Thread {
    /// The X86 instructions, if this is an X86 thread.
    pub fn x86(&self) -> Option<&[Spanned<X86Instr>]> {
        match &self.code {
            ThreadCode::X86(instrs) => Some(instrs),
            ThreadCode::C(_) => None,
        }
    }

    /// The C parameters and body, if this is a C thread.
    pub fn c(&self) -> Option<&CThread> {
        match &self.code {
            ThreadCode::C(c) => Some(c),
            ThreadCode::X86(_) => None,
        }
    }
}

/// Code of a thread; the variant always matches [`LitmusTest::arch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadCode {
    /// Non-empty cells of the thread's column, top to bottom.
    X86(Vec<Spanned<X86Instr>>),
    /// A C function.
    C(CThread),
}

// ---------------------------------------------------------------- X86 ----

/// The X86 registers herd7's 32-bit dialect lets litmus tests use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum X86Reg {
    /// `EAX`
    Eax,
    /// `EBX`
    Ebx,
    /// `ECX`
    Ecx,
    /// `EDX`
    Edx,
    /// `ESI`
    Esi,
    /// `EDI`
    Edi,
    /// `EBP`
    Ebp,
}

impl X86Reg {
    /// All supported registers, in the order error messages list them.
    pub const ALL: [X86Reg; 7] = [
        X86Reg::Eax,
        X86Reg::Ebx,
        X86Reg::Ecx,
        X86Reg::Edx,
        X86Reg::Esi,
        X86Reg::Edi,
        X86Reg::Ebp,
    ];

    /// Upper-case name as written in tests.
    pub fn name(self) -> &'static str {
        match self {
            X86Reg::Eax => "EAX",
            X86Reg::Ebx => "EBX",
            X86Reg::Ecx => "ECX",
            X86Reg::Edx => "EDX",
            X86Reg::Esi => "ESI",
            X86Reg::Edi => "EDI",
            X86Reg::Ebp => "EBP",
        }
    }

    /// Looks a register up by its exact (upper-case) name.
    pub fn from_name(name: &str) -> Option<X86Reg> {
        X86Reg::ALL.into_iter().find(|r| r.name() == name)
    }
}

impl fmt::Display for X86Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Source operand of a store: an immediate or a register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operand {
    /// `$k`
    Imm(i64),
    /// A register.
    Reg(X86Reg),
}

/// One X86 instruction of the supported subset. Memory operands `[v]` are
/// stored as the bare variable name `v`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum X86Instr {
    /// `MOV [v],$k` or `MOV [v],R`: plain store.
    MovStore {
        /// Written variable.
        var: String,
        /// Stored value.
        src: Operand,
    },
    /// `MOV R,[v]`: plain load.
    MovLoad {
        /// Destination register.
        reg: X86Reg,
        /// Read variable.
        var: String,
    },
    /// `MOV R,$k`: set a register, no memory access.
    MovImm {
        /// Destination register.
        reg: X86Reg,
        /// Value.
        imm: i64,
    },
    /// `MFENCE`
    Mfence,
    /// `LFENCE` (no effect under x86-TSO, kept for fidelity).
    Lfence,
    /// `SFENCE` (no effect under x86-TSO, kept for fidelity).
    Sfence,
    /// `XCHG [v],R`, `XCHG R,[v]` or `LOCK XCHG ...`: atomic swap. XCHG with
    /// memory is always locked; the two flags only record how it was written.
    Xchg {
        /// Swapped variable.
        var: String,
        /// Swapped register.
        reg: X86Reg,
        /// Whether an explicit `LOCK` prefix was written.
        lock_prefix: bool,
        /// Whether the register operand came first (`XCHG R,[v]`).
        reg_first: bool,
    },
    /// `LOCK ADD [v],$k`: atomic add.
    LockAdd {
        /// Updated variable.
        var: String,
        /// Added value.
        imm: i64,
    },
    /// `LOCK INC [v]`: atomic increment.
    LockInc {
        /// Updated variable.
        var: String,
    },
    /// `LOCK DEC [v]`: atomic decrement.
    LockDec {
        /// Updated variable.
        var: String,
    },
    /// `LOCK XOR [v],$k`: atomic xor (`$0` is a locked no-op used as a fence).
    LockXor {
        /// Updated variable.
        var: String,
        /// Xor-ed value.
        imm: i64,
    },
    /// `INC [v]`: NON-atomic increment (a separate read and write).
    Inc {
        /// Updated variable.
        var: String,
    },
    /// `DEC [v]`: NON-atomic decrement.
    Dec {
        /// Updated variable.
        var: String,
    },
    /// `ADD [v],$k`: NON-atomic add.
    Add {
        /// Updated variable.
        var: String,
        /// Added value.
        imm: i64,
    },
}

impl X86Instr {
    /// The shared variable this instruction touches, if any.
    pub fn var(&self) -> Option<&str> {
        match self {
            X86Instr::MovStore { var, .. }
            | X86Instr::MovLoad { var, .. }
            | X86Instr::Xchg { var, .. }
            | X86Instr::LockAdd { var, .. }
            | X86Instr::LockInc { var }
            | X86Instr::LockDec { var }
            | X86Instr::LockXor { var, .. }
            | X86Instr::Inc { var }
            | X86Instr::Dec { var }
            | X86Instr::Add { var, .. } => Some(var),
            X86Instr::MovImm { .. } | X86Instr::Mfence | X86Instr::Lfence | X86Instr::Sfence => {
                None
            }
        }
    }
}

// ------------------------------------------------------------------ C ----

/// C11 memory orders accepted by the parser (`consume` is rejected).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MemoryOrder {
    /// `memory_order_relaxed`
    Relaxed,
    /// `memory_order_acquire`
    Acquire,
    /// `memory_order_release`
    Release,
    /// `memory_order_acq_rel`
    AcqRel,
    /// `memory_order_seq_cst`
    SeqCst,
}

impl MemoryOrder {
    /// The C spelling, e.g. `memory_order_acq_rel`.
    pub fn c_name(self) -> &'static str {
        match self {
            MemoryOrder::Relaxed => "memory_order_relaxed",
            MemoryOrder::Acquire => "memory_order_acquire",
            MemoryOrder::Release => "memory_order_release",
            MemoryOrder::AcqRel => "memory_order_acq_rel",
            MemoryOrder::SeqCst => "memory_order_seq_cst",
        }
    }
}

impl fmt::Display for MemoryOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.c_name())
    }
}

/// Declared type of a thread parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamType {
    /// `atomic_int*`: accesses are atomic.
    AtomicInt,
    /// `int*`: accesses are non-atomic.
    Int,
    /// `volatile int*`: non-atomic too (`volatile` makes no difference to herd7).
    VolatileInt,
}

impl ParamType {
    /// Whether accesses through this parameter are atomic.
    pub fn is_atomic(self) -> bool {
        matches!(self, ParamType::AtomicInt)
    }
}

/// A thread parameter: a pointer to the shared location of the same name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CParam {
    /// Parameter (= shared location) name.
    pub name: String,
    /// Declared type.
    pub ty: ParamType,
    /// Where the parameter's name is.
    pub span: Span,
}

/// A C thread: its parameters and its statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CThread {
    /// Parameters in source order. The same location may be atomic in one
    /// thread and plain in another, so atomicity is per thread.
    pub params: Vec<CParam>,
    /// Statements in program order.
    pub body: Vec<Spanned<CStmt>>,
}

impl CThread {
    /// The parameter named `name`, if declared.
    pub fn param(&self, name: &str) -> Option<&CParam> {
        self.params.iter().find(|p| p.name == name)
    }

    /// Whether this thread declares `name` as `atomic_int*`.
    pub fn is_atomic(&self, name: &str) -> bool {
        self.param(name).is_some_and(|p| p.ty.is_atomic())
    }

    /// Registers the body writes (including inside `if`s), each once, in
    /// order of first write. Engines use it to size register files.
    pub fn registers(&self) -> Vec<&str> {
        fn walk<'a>(body: &'a [Spanned<CStmt>], out: &mut Vec<&'a str>) {
            for stmt in body {
                if let CStmt::If { body, .. } = &stmt.node {
                    walk(body, out);
                } else if let Some(dest) = stmt.node.dest() {
                    if !out.contains(&dest.reg.as_str()) {
                        out.push(&dest.reg);
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.body, &mut out);
        out
    }
}

/// A value operand: an integer literal or a register.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CValue {
    /// Integer literal.
    Const(i64),
    /// Value of a register.
    Reg(String),
}

/// The register a statement writes its result to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Dest {
    /// Register name.
    pub reg: String,
    /// `true` for `int rK = ...`, `false` for an assignment `rK = ...`.
    pub declares: bool,
}

/// Which fetch-and-op a [`CStmt::FetchOp`] performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FetchOp {
    /// `atomic_fetch_add_explicit`
    Add,
    /// `atomic_fetch_sub_explicit`
    Sub,
}

/// Strong or weak compare-exchange; weak ones may fail spuriously.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CasStrength {
    /// `atomic_compare_exchange_strong_explicit`
    Strong,
    /// `atomic_compare_exchange_weak_explicit`
    Weak,
}

/// Condition of an `if`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IfCond {
    /// `if (rK)`: register is non-zero.
    NonZero {
        /// Tested register.
        reg: String,
    },
    /// `if (rK == k)` or `if (k == rK)`.
    Equals {
        /// Tested register.
        reg: String,
        /// Compared constant.
        value: i64,
        /// Whether it was written `k == rK`.
        const_first: bool,
    },
}

/// One C statement of the supported subset. `var` fields name a parameter
/// of the enclosing thread; whether the access is atomic follows from that
/// parameter's type (see [`CThread::is_atomic`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CStmt {
    /// `int rK = atomic_load_explicit(v, MO);`
    AtomicLoad {
        /// Result register.
        dest: Dest,
        /// Read location.
        var: String,
        /// Memory order.
        order: MemoryOrder,
    },
    /// `atomic_store_explicit(v, k|rK, MO);`
    AtomicStore {
        /// Written location.
        var: String,
        /// Stored value.
        value: CValue,
        /// Memory order.
        order: MemoryOrder,
    },
    /// `atomic_thread_fence(MO);`
    Fence {
        /// Memory order.
        order: MemoryOrder,
    },
    /// `[int rK =] atomic_fetch_{add,sub}_explicit(v, k, MO);`
    FetchOp {
        /// Result register (the old value), if any.
        dest: Option<Dest>,
        /// Add or subtract.
        op: FetchOp,
        /// Updated location.
        var: String,
        /// Operand.
        value: CValue,
        /// Memory order.
        order: MemoryOrder,
    },
    /// `[int rK =] atomic_exchange_explicit(v, k, MO);`
    Exchange {
        /// Result register (the old value), if any.
        dest: Option<Dest>,
        /// Updated location.
        var: String,
        /// New value.
        value: CValue,
        /// Memory order.
        order: MemoryOrder,
    },
    /// `[int rK =] atomic_compare_exchange_{strong,weak}_explicit(v, e, k, MO_succ, MO_fail);`
    /// The result is 1 on success and 0 on failure.
    CompareExchange {
        /// Result register, if any.
        dest: Option<Dest>,
        /// Strong or weak.
        strength: CasStrength,
        /// Updated location.
        var: String,
        /// Parameter (`int* e`) holding the expected value; on failure the
        /// value read is written back into it.
        expected: String,
        /// Value written on success.
        desired: CValue,
        /// Order on success.
        success: MemoryOrder,
        /// Order on failure.
        failure: MemoryOrder,
    },
    /// `*v = k;`: non-atomic store.
    PlainStore {
        /// Written location.
        var: String,
        /// Stored value.
        value: CValue,
    },
    /// `int rK = *v;` or `rK = *v;`: non-atomic load.
    PlainLoad {
        /// Result register.
        dest: Dest,
        /// Read location.
        var: String,
    },
    /// `int rK = k;` (or `rK = k;`): register initialisation, no memory access.
    SetReg {
        /// Written register.
        dest: Dest,
        /// Value.
        value: CValue,
    },
    /// `if (cond) { ... }` (no `else`).
    If {
        /// The test.
        cond: IfCond,
        /// Statements run when the test holds.
        body: Vec<Spanned<CStmt>>,
    },
}

impl CStmt {
    /// The register this statement writes, if any.
    pub fn dest(&self) -> Option<&Dest> {
        match self {
            CStmt::AtomicLoad { dest, .. }
            | CStmt::PlainLoad { dest, .. }
            | CStmt::SetReg { dest, .. } => Some(dest),
            CStmt::FetchOp { dest, .. }
            | CStmt::Exchange { dest, .. }
            | CStmt::CompareExchange { dest, .. } => dest.as_ref(),
            CStmt::AtomicStore { .. }
            | CStmt::Fence { .. }
            | CStmt::PlainStore { .. }
            | CStmt::If { .. } => None,
        }
    }
}

// ---------------------------------------------------------- condition ----

/// How the final condition's predicate is quantified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quantifier {
    /// `exists P`
    Exists,
    /// `~exists P`
    NotExists,
    /// `forall P`
    Forall,
}

impl fmt::Display for Quantifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Quantifier::Exists => "exists",
            Quantifier::NotExists => "~exists",
            Quantifier::Forall => "forall",
        })
    }
}

/// The final condition: a quantifier and a predicate over final values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// `exists`, `~exists` or `forall`.
    pub quantifier: Quantifier,
    /// The predicate.
    pub expr: CondExpr,
    /// Span of the quantifier keyword.
    pub span: Span,
}

/// A predicate over final values. `And`/`Or` are n-ary (at least two
/// operands); parenthesised groups show up as nesting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CondExpr {
    /// `loc = value`
    Atom {
        /// Tested location.
        loc: LocRef,
        /// Expected value.
        value: i64,
        /// Where the location is written.
        span: Span,
    },
    /// `a /\ b /\ ...`
    And(Vec<CondExpr>),
    /// `a \/ b \/ ...`
    Or(Vec<CondExpr>),
}

impl CondExpr {
    /// All locations mentioned, in source order (with repetitions).
    pub fn locations(&self) -> Vec<&LocRef> {
        let mut out = Vec::new();
        self.collect_locations(&mut out);
        out
    }

    fn collect_locations<'a>(&'a self, out: &mut Vec<&'a LocRef>) {
        match self {
            CondExpr::Atom { loc, .. } => out.push(loc),
            CondExpr::And(parts) | CondExpr::Or(parts) => {
                for p in parts {
                    p.collect_locations(out);
                }
            }
        }
    }

    /// Evaluates the predicate, asking `value_of` for each location's final
    /// value. Engine-independent so every back end judges conditions alike.
    pub fn eval(&self, value_of: &mut impl FnMut(&LocRef) -> i64) -> bool {
        match self {
            CondExpr::Atom { loc, value, .. } => value_of(loc) == *value,
            CondExpr::And(parts) => parts.iter().all(|p| p.eval(value_of)),
            CondExpr::Or(parts) => parts.iter().any(|p| p.eval(value_of)),
        }
    }
}

impl fmt::Display for CondExpr {
    /// herd-like rendering, fully parenthesising nested groups.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, parts: &[CondExpr], op: &str| {
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    write!(f, " {op} ")?;
                }
                match p {
                    CondExpr::Atom { .. } => write!(f, "{p}")?,
                    _ => write!(f, "({p})")?,
                }
            }
            Ok(())
        };
        match self {
            CondExpr::Atom { loc, value, .. } => write!(f, "{loc}={value}"),
            CondExpr::And(parts) => join(f, parts, "/\\"),
            CondExpr::Or(parts) => join(f, parts, "\\/"),
        }
    }
}
