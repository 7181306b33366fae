//! A tiny instruction language for testing the engine without coroutines: each thread is a list
//! of instructions over shared locations and private registers. The main thread spawns the
//! workers, joins them, then loads every location so final states include memory.

#![allow(dead_code)]

use ravel_core::event::{
    Loc, Op, OpResult, Program, ReadMode, Request, RmwKind, RmwMode, RmwUpdate, SourceSpan,
    ThreadId, WriteMode,
};
use std::collections::BTreeMap;

/// One instruction.
#[derive(Clone, Copy, Debug)]
pub enum Instr {
    /// reg = load(loc)
    Load(u64, usize),
    /// load(loc); if the value is zero, skip the rest of the thread
    LoadExitIfZero(u64),
    /// store(loc, value)
    Store(u64, u64),
    /// store(loc, reg + add)
    StoreReg(u64, usize, u64),
    /// reg = fetch_add(loc, value)
    FetchAdd(u64, u64, usize),
    /// reg = ok(compare_exchange(loc, expected, new))
    Cas(u64, u64, u64, usize),
    /// Open-addressing insertion into the table of `size` locations starting at `base`:
    /// compare_exchange(base + slot, 0, new), and while that fails, the same at the next slot
    /// (wrapping around). Loops need no jumps this way.
    CasProbe {
        base: u64,
        size: u64,
        slot: u64,
        new: u64,
    },
    /// lock(mutex)
    Lock(u64),
    /// unlock(mutex)
    Unlock(u64),
}

/// A program: worker threads and the locations to report.
#[derive(Clone, Debug)]
pub struct Script {
    pub threads: Vec<Vec<Instr>>,
    pub locations: Vec<u64>,
    pub mode_read: ReadMode,
    pub mode_write: WriteMode,
}

impl Script {
    pub fn new(threads: Vec<Vec<Instr>>, locations: Vec<u64>) -> Script {
        Script {
            threads,
            locations,
            mode_read: ReadMode::SeqCst,
            mode_write: WriteMode::SeqCst,
        }
    }
}

const REGS: usize = 4;

#[derive(Debug)]
struct ThreadRun {
    started: bool,
    script: usize,
    pc: usize,
    regs: [u64; REGS],
    /// How many slots past its home slot the current `CasProbe` has moved.
    probe: u64,
}

/// Runs a [`Script`] as a [`Program`], collecting final states of complete executions.
#[derive(Debug)]
pub struct ScriptProgram {
    script: Script,
    runs: BTreeMap<ThreadId, ThreadRun>,
    main_phase: usize,
    children: Vec<ThreadId>,
    final_regs: Vec<u64>,
    pub finals: Vec<Vec<u64>>,
}

fn span() -> SourceSpan {
    SourceSpan {
        file: "script",
        line: 1,
        column: 1,
    }
}

impl ScriptProgram {
    pub fn new(script: Script) -> ScriptProgram {
        ScriptProgram {
            script,
            runs: BTreeMap::new(),
            main_phase: 0,
            children: vec![],
            final_regs: vec![],
            finals: vec![],
        }
    }

    fn main_next(&mut self) -> Request {
        let n = self.script.threads.len();
        let l = self.script.locations.len();
        let phase = self.main_phase;
        self.main_phase += 1;
        if phase < n {
            return Request::op(Op::Spawn, span());
        }
        if phase < 2 * n {
            return Request::op(Op::Join(self.children[phase - n]), span());
        }
        if phase < 2 * n + l {
            let loc = self.script.locations[phase - 2 * n];
            return Request::op(
                Op::Load {
                    loc: Loc(loc),
                    init: 0,
                    mode: ReadMode::SeqCst,
                },
                span(),
            );
        }
        let mut state: Vec<u64> = Vec::new();
        for run in self.runs.values() {
            state.extend_from_slice(&run.regs);
        }
        state.extend_from_slice(&self.final_regs);
        self.finals.push(state);
        Request::Finished
    }

    fn worker_next(&mut self, t: ThreadId) -> Request {
        let mode_r = self.script.mode_read;
        let mode_w = self.script.mode_write;
        let run = self.runs.get_mut(&t).expect("worker exists");
        let code = &self.script.threads[run.script];
        let Some(&instr) = code.get(run.pc) else {
            return Request::Finished;
        };
        let op = match instr {
            Instr::Load(loc, _) | Instr::LoadExitIfZero(loc) => Op::Load {
                loc: Loc(loc),
                init: 0,
                mode: mode_r,
            },
            Instr::Store(loc, v) => Op::Store {
                loc: Loc(loc),
                init: 0,
                val: v,
                mode: mode_w,
            },
            Instr::StoreReg(loc, r, add) => Op::Store {
                loc: Loc(loc),
                init: 0,
                val: run.regs[r] + add,
                mode: mode_w,
            },
            Instr::FetchAdd(loc, v, _) => Op::Rmw {
                loc: Loc(loc),
                init: 0,
                update: RmwUpdate {
                    kind: RmwKind::Add,
                    operand: v,
                    bits: 64,
                    signed: false,
                },
                mode: RmwMode::SeqCst,
            },
            Instr::Cas(loc, e, n, _) => Op::CompareExchange {
                loc: Loc(loc),
                init: 0,
                expected: e,
                new: n,
                success: RmwMode::SeqCst,
                failure: ReadMode::SeqCst,
                weak: false,
            },
            Instr::CasProbe {
                base,
                size,
                slot,
                new,
            } => Op::CompareExchange {
                loc: Loc(base + (slot + run.probe) % size),
                init: 0,
                expected: 0,
                new,
                success: RmwMode::SeqCst,
                failure: ReadMode::SeqCst,
                weak: false,
            },
            Instr::Lock(l) => Op::Lock(Loc(l)),
            Instr::Unlock(l) => Op::Unlock(Loc(l)),
        };
        Request::op(op, span())
    }
}

impl Program for ScriptProgram {
    fn start(&mut self) -> Request {
        self.runs.clear();
        self.main_phase = 0;
        self.children.clear();
        self.final_regs.clear();
        self.main_next()
    }

    fn resume(&mut self, t: ThreadId, result: OpResult) -> Request {
        if t == ThreadId::MAIN {
            match result {
                OpResult::Spawned(child) => {
                    let script = self.children.len();
                    self.children.push(child);
                    self.runs.insert(
                        child,
                        ThreadRun {
                            started: false,
                            script,
                            pc: 0,
                            regs: [0; REGS],
                            probe: 0,
                        },
                    );
                }
                OpResult::Value(v) => self.final_regs.push(v),
                _ => {}
            }
            return self.main_next();
        }
        if let Some(run) = self.runs.get_mut(&t) {
            if !run.started {
                run.started = true;
            } else {
                let code = &self.script.threads[run.script];
                match (code[run.pc], result) {
                    (Instr::Load(_, r), OpResult::Value(v))
                    | (Instr::FetchAdd(_, _, r), OpResult::Value(v)) => run.regs[r] = v,
                    (Instr::Cas(_, _, _, r), OpResult::Cas { ok, .. }) => {
                        run.regs[r] = u64::from(ok)
                    }
                    _ => {}
                }
                run.pc = match (code[run.pc], result) {
                    (Instr::LoadExitIfZero(_), OpResult::Value(0)) => code.len(),
                    (Instr::CasProbe { .. }, OpResult::Cas { ok: false, .. }) => {
                        run.probe += 1;
                        run.pc
                    }
                    _ => {
                        run.probe = 0;
                        run.pc + 1
                    }
                };
            }
        }
        self.worker_next(t)
    }

    fn abort(&mut self) {}
}
