//! [`LitmusProgram`]: a litmus test as a [`Program`] the ravel engine can
//! explore. The engine's main thread spawns one model thread per litmus
//! thread, joins them all and finishes; each litmus thread interprets its
//! lowered instructions over a private register file.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use ravel_core::event::{
    Loc, Op, OpResult, Program, Request, RmwUpdate, SourceSpan, ThreadId, Value,
};

use crate::ast::LitmusTest;
use crate::compile::{compile, Compiled, Instr, Val};
use crate::error::ParseError;

/// Register files of every litmus thread at the end of an execution
/// (`files[thread][register]`, in [`LitmusProgram::register_index`] numbering).
pub type RegisterFiles = Vec<Vec<i64>>;

#[derive(Debug, Clone)]
struct ThreadRun {
    /// Litmus thread number.
    index: usize,
    /// Whether the engine has resumed it once (its start).
    started: bool,
    /// Next instruction; while an operation is pending, the instruction
    /// that issued it.
    pc: usize,
    regs: Vec<i64>,
}

/// A parsed litmus test run as an engine [`Program`].
#[derive(Debug)]
pub struct LitmusProgram {
    code: Rc<Compiled>,
    file: &'static str,
    main_phase: usize,
    children: Vec<ThreadId>,
    runs: HashMap<ThreadId, ThreadRun>,
    last_final: Rc<RefCell<Option<RegisterFiles>>>,
}

impl LitmusProgram {
    /// Lowers `test`. Fails on memory orders C11 forbids for an access
    /// (e.g. a release load), pointing at the statement.
    pub fn new(test: &LitmusTest) -> Result<LitmusProgram, ParseError> {
        let code = compile(test)?;
        // Reports name the test as the source file; one small string per
        // loaded test.
        let file: &'static str = Box::leak(test.name.clone().into_boxed_str());
        Ok(LitmusProgram {
            code: Rc::new(code),
            file,
            main_phase: 0,
            children: Vec::new(),
            runs: HashMap::new(),
            last_final: Rc::new(RefCell::new(None)),
        })
    }

    /// Shared cell holding the register files of the last execution whose
    /// main thread finished (i.e. the last complete execution). An
    /// exploration observer reads it.
    pub fn final_registers(&self) -> Rc<RefCell<Option<RegisterFiles>>> {
        Rc::clone(&self.last_final)
    }

    /// The engine location of memory variable `name`.
    pub fn location(&self, name: &str) -> Option<Loc> {
        self.code.var(name).map(|i| Loc(i as u64 + 1))
    }

    /// The memory variables with their locations and initial values.
    pub fn variables(&self) -> Vec<(String, Loc, i64)> {
        self.code
            .vars
            .iter()
            .enumerate()
            .map(|(i, v)| (v.clone(), Loc(i as u64 + 1), self.code.var_init[i]))
            .collect()
    }

    /// Index of `reg` in thread `thread`'s register file.
    pub fn register_index(&self, thread: usize, reg: &crate::ast::Reg) -> Option<usize> {
        self.code.reg(thread, reg)
    }

    fn main_span(&self) -> SourceSpan {
        SourceSpan {
            file: self.file,
            line: 0,
            column: 0,
        }
    }

    fn main_next(&mut self) -> Request {
        let n = self.code.threads.len();
        let phase = self.main_phase;
        self.main_phase += 1;
        if phase < n {
            return Request::op(Op::Spawn, self.main_span());
        }
        if phase < 2 * n {
            return Request::op(Op::Join(self.children[phase - n]), self.main_span());
        }
        let mut files: RegisterFiles = vec![Vec::new(); n];
        for run in self.runs.values() {
            files[run.index] = run.regs.clone();
        }
        *self.last_final.borrow_mut() = Some(files);
        Request::Finished
    }

    /// Runs `t` from its current instruction to its next operation.
    fn worker_next(&mut self, t: ThreadId) -> Request {
        let code = Rc::clone(&self.code);
        let file = self.file;
        let run = self.runs.get_mut(&t).expect("litmus thread is known");
        let thread = &code.threads[run.index];
        let reg = |regs: &[i64], v: Val| -> i64 {
            match v {
                Val::Const(k) => k,
                Val::Reg(r) => regs[r],
                Val::RegPlus(r, k) => regs[r].wrapping_add(k),
            }
        };
        loop {
            let Some(&(instr, span)) = thread.code.get(run.pc) else {
                return Request::Finished;
            };
            let init = |loc: usize| code.var_init[loc] as Value;
            let at = |loc: usize| Loc(loc as u64 + 1);
            let op = match instr {
                Instr::SetReg { dst, val } => {
                    run.regs[dst] = reg(&run.regs, val);
                    run.pc += 1;
                    continue;
                }
                Instr::JumpUnless {
                    reg: r,
                    value,
                    target,
                } => {
                    let holds = match value {
                        None => run.regs[r] != 0,
                        Some(k) => run.regs[r] == k,
                    };
                    run.pc = if holds { run.pc + 1 } else { target };
                    continue;
                }
                Instr::Load { loc, mode, .. } => Op::Load {
                    loc: at(loc),
                    init: init(loc),
                    mode,
                },
                Instr::Store { loc, val, mode } => Op::Store {
                    loc: at(loc),
                    init: init(loc),
                    val: reg(&run.regs, val) as Value,
                    mode,
                },
                Instr::Rmw {
                    loc,
                    kind,
                    operand,
                    mode,
                    ..
                } => Op::Rmw {
                    loc: at(loc),
                    init: init(loc),
                    update: RmwUpdate {
                        kind,
                        operand: reg(&run.regs, operand) as Value,
                        bits: 64,
                        signed: true,
                    },
                    mode,
                },
                Instr::Cas {
                    loc,
                    expected,
                    desired,
                    success,
                    failure,
                    weak,
                    ..
                } => Op::CompareExchange {
                    loc: at(loc),
                    init: init(loc),
                    expected: reg(&run.regs, expected) as Value,
                    new: reg(&run.regs, desired) as Value,
                    success,
                    failure,
                    weak,
                },
                Instr::Fence(mode) => Op::Fence(mode),
            };
            let span = SourceSpan {
                file,
                line: u32::try_from(span.line).unwrap_or(u32::MAX),
                column: u32::try_from(span.column).unwrap_or(u32::MAX),
            };
            return Request::op(op, span);
        }
    }

    /// Stores the result of the operation issued by the instruction at `pc`.
    fn complete(&mut self, t: ThreadId, result: OpResult) {
        let code = Rc::clone(&self.code);
        let run = self.runs.get_mut(&t).expect("litmus thread is known");
        let (instr, _) = code.threads[run.index].code[run.pc];
        match (instr, result) {
            (Instr::Load { dst, .. }, OpResult::Value(v)) => run.regs[dst] = v as i64,
            (Instr::Rmw { dst: Some(dst), .. }, OpResult::Value(v)) => run.regs[dst] = v as i64,
            (Instr::Cas { read, ok, .. }, OpResult::Cas { value, ok: done }) => {
                run.regs[read] = value as i64;
                run.regs[ok] = i64::from(done);
            }
            _ => {}
        }
        run.pc += 1;
    }
}

impl Program for LitmusProgram {
    fn start(&mut self) -> Request {
        self.main_phase = 0;
        self.children.clear();
        self.runs.clear();
        self.main_next()
    }

    fn resume(&mut self, thread: ThreadId, result: OpResult) -> Request {
        if thread == ThreadId::MAIN {
            if let OpResult::Spawned(child) = result {
                let index = self.children.len();
                self.children.push(child);
                let t = &self.code.threads[index];
                let mut regs = t.reg_init.clone();
                regs.resize(t.reg_count, 0);
                self.runs.insert(
                    child,
                    ThreadRun {
                        index,
                        started: false,
                        pc: 0,
                        regs,
                    },
                );
            }
            return self.main_next();
        }
        let run = self.runs.get_mut(&thread).expect("litmus thread is known");
        if run.started {
            self.complete(thread, result);
        } else {
            run.started = true;
        }
        self.worker_next(thread)
    }

    fn abort(&mut self) {}

    fn thread_name(&self, thread: ThreadId) -> Option<String> {
        if thread == ThreadId::MAIN {
            return Some("main".to_string());
        }
        self.runs.get(&thread).map(|r| format!("P{}", r.index))
    }
}
