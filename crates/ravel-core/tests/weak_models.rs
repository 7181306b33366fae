//! Weak memory models (RC11, x86-TSO) driven through the real explorer: litmus outcome sets,
//! GenMC's execution counts under RC11, SC ⊆ TSO/RC11 sanity, and RC11 data races.
//!
//! The programs are written in a tiny instruction language with a memory order on every access
//! (like `tests/support`, which fixes SeqCst everywhere). The main thread spawns the workers,
//! joins them, then loads every reported location.

use ravel_core::event::{
    FenceMode, Loc, Op, OpResult, Program, ReadMode, Request, RmwKind, RmwMode, RmwUpdate,
    SourceSpan, ThreadId, WriteMode,
};
use ravel_core::explore::{explore, ExploreConfig};
use ravel_core::graph::{EventId, ExecutionGraph};
use ravel_core::model::{MemoryModelKind, Rc11};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use FenceMode as F;
use ReadMode as R;
use WriteMode as W;

/// One instruction.
#[derive(Clone, Copy, Debug)]
enum I {
    /// reg = load(loc)
    Load(u64, R, usize),
    /// load(loc); if the value is zero, skip the rest of the thread
    LoadExitIfZero(u64, R),
    /// store(loc, value)
    Store(u64, u64, W),
    /// store(loc, reg + add)
    StoreReg(u64, usize, u64, W),
    /// reg = fetch_add(loc, value)
    FetchAdd(u64, u64, RmwMode, usize),
    /// reg = ok(compare_exchange(loc, expected, new, success, failure))
    Cas(u64, u64, u64, RmwMode, R, usize),
    /// fence
    Fence(F),
    /// lock(mutex)
    Lock(u64),
    /// unlock(mutex)
    Unlock(u64),
}

const REGS: usize = 2;

/// A final state: every worker's registers, then the reported locations' final values.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
struct State {
    regs: Vec<[u64; REGS]>,
    mem: Vec<u64>,
}

#[derive(Debug)]
struct Run {
    started: bool,
    code: usize,
    pc: usize,
    regs: [u64; REGS],
}

/// Runs worker code as a [`Program`], collecting the final states of complete executions.
#[derive(Debug)]
struct Script {
    threads: Vec<Vec<I>>,
    locations: Vec<u64>,
    runs: BTreeMap<ThreadId, Run>,
    phase: usize,
    children: Vec<ThreadId>,
    mem: Vec<u64>,
    finals: Vec<State>,
}

fn span() -> SourceSpan {
    SourceSpan {
        file: "weak_models",
        line: 1,
        column: 1,
    }
}

impl Script {
    fn new(threads: Vec<Vec<I>>, locations: Vec<u64>) -> Script {
        Script {
            threads,
            locations,
            runs: BTreeMap::new(),
            phase: 0,
            children: vec![],
            mem: vec![],
            finals: vec![],
        }
    }

    fn main_next(&mut self) -> Request {
        let (n, l) = (self.threads.len(), self.locations.len());
        let phase = self.phase;
        self.phase += 1;
        if phase < n {
            return Request::op(Op::Spawn, span());
        }
        if phase < 2 * n {
            return Request::op(Op::Join(self.children[phase - n]), span());
        }
        if phase < 2 * n + l {
            let loc = Loc(self.locations[phase - 2 * n]);
            let mode = R::Relaxed;
            return Request::op(Op::Load { loc, init: 0, mode }, span());
        }
        let regs = self.runs.values().map(|r| r.regs).collect();
        self.finals.push(State {
            regs,
            mem: self.mem.clone(),
        });
        Request::Finished
    }

    fn worker_next(&mut self, t: ThreadId) -> Request {
        let run = &self.runs[&t];
        let Some(&instr) = self.threads[run.code].get(run.pc) else {
            return Request::Finished;
        };
        let add = |operand| RmwUpdate {
            kind: RmwKind::Add,
            operand,
            bits: 64,
            signed: false,
        };
        let op = match instr {
            I::Load(loc, mode, _) | I::LoadExitIfZero(loc, mode) => Op::Load {
                loc: Loc(loc),
                init: 0,
                mode,
            },
            I::Store(loc, val, mode) => Op::Store {
                loc: Loc(loc),
                init: 0,
                val,
                mode,
            },
            I::StoreReg(loc, r, a, mode) => Op::Store {
                loc: Loc(loc),
                init: 0,
                val: run.regs[r] + a,
                mode,
            },
            I::FetchAdd(loc, v, mode, _) => Op::Rmw {
                loc: Loc(loc),
                init: 0,
                update: add(v),
                mode,
            },
            I::Cas(loc, expected, new, success, failure, _) => Op::CompareExchange {
                loc: Loc(loc),
                init: 0,
                expected,
                new,
                success,
                failure,
                weak: false,
            },
            I::Fence(m) => Op::Fence(m),
            I::Lock(l) => Op::Lock(Loc(l)),
            I::Unlock(l) => Op::Unlock(Loc(l)),
        };
        Request::op(op, span())
    }
}

impl Program for Script {
    fn start(&mut self) -> Request {
        self.runs.clear();
        self.phase = 0;
        self.children.clear();
        self.mem.clear();
        self.main_next()
    }

    fn resume(&mut self, t: ThreadId, result: OpResult) -> Request {
        if t == ThreadId::MAIN {
            match result {
                OpResult::Spawned(child) => {
                    let code = self.children.len();
                    self.children.push(child);
                    let run = Run {
                        started: false,
                        code,
                        pc: 0,
                        regs: [0; REGS],
                    };
                    self.runs.insert(child, run);
                }
                OpResult::Value(v) => self.mem.push(v),
                _ => {}
            }
            return self.main_next();
        }
        let run = self.runs.get_mut(&t).expect("worker exists");
        if !run.started {
            run.started = true;
        } else {
            let code = &self.threads[run.code];
            match (code[run.pc], result) {
                (I::Load(_, _, r), OpResult::Value(v))
                | (I::FetchAdd(_, _, _, r), OpResult::Value(v)) => run.regs[r] = v,
                (I::Cas(.., r), OpResult::Cas { ok, .. }) => run.regs[r] = u64::from(ok),
                _ => {}
            }
            run.pc = match (code[run.pc], result) {
                (I::LoadExitIfZero(..), OpResult::Value(0)) => code.len(),
                _ => run.pc + 1,
            };
        }
        self.worker_next(t)
    }

    fn abort(&mut self) {}
}

/// Explores exhaustively; answers (complete executions, redundant ones, final states, and the
/// result of `inspect` on every complete graph).
fn run_with<T: 'static>(
    kind: MemoryModelKind,
    threads: Vec<Vec<I>>,
    locations: Vec<u64>,
    inspect: impl Fn(&ExecutionGraph) -> T + 'static,
) -> (u64, u64, Vec<State>, Vec<T>) {
    let mut program = Script::new(threads, locations);
    let mut config = ExploreConfig::new(kind.model());
    config.collect_graphs = true;
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    let model = kind.model();
    config.observer = Some(Box::new(move |g: &ExecutionGraph| {
        // Every complete execution the explorer produces must pass the model's own check.
        assert!(
            model.is_consistent(g),
            "{} rejects {}",
            model.name(),
            g.fingerprint()
        );
        sink.borrow_mut().push(inspect(g))
    }));
    let outcome = explore(&mut program, &mut config);
    assert!(
        outcome.reports.is_empty(),
        "unexpected finding: {}",
        outcome.reports[0]
    );
    assert!(outcome.complete);
    assert_eq!(outcome.graphs.len() as u64, outcome.executions);
    let distinct: BTreeSet<&String> = outcome.graphs.iter().collect();
    assert_eq!(
        distinct.len(),
        outcome.graphs.len(),
        "an execution graph was explored twice under {kind:?}"
    );
    assert_eq!(program.finals.len() as u64, outcome.executions);
    let seen = seen.borrow_mut().drain(..).collect();
    (outcome.executions, outcome.redundant, program.finals, seen)
}

fn states(kind: MemoryModelKind, threads: &[Vec<I>], locations: &[u64]) -> BTreeSet<State> {
    let (_, _, finals, _) = run_with(kind, threads.to_vec(), locations.to_vec(), |_| ());
    finals.into_iter().collect()
}

fn count(kind: MemoryModelKind, threads: Vec<Vec<I>>) -> u64 {
    run_with(kind, threads, vec![], |_| ()).0
}

/// Outcomes under `kind`, projected by `f`; also checks SC ⊆ TSO and SC ⊆ RC11 on the full states.
fn outcomes(
    kind: MemoryModelKind,
    threads: &[Vec<I>],
    locations: &[u64],
    f: impl Fn(&State) -> Vec<u64>,
) -> BTreeSet<Vec<u64>> {
    let sc = states(MemoryModelKind::Sc, threads, locations);
    for weak in [MemoryModelKind::Tso, MemoryModelKind::Rc11] {
        let w = states(weak, threads, locations);
        for s in &sc {
            assert!(w.contains(s), "SC state {s:?} missing under {weak:?}");
        }
    }
    states(kind, threads, locations).iter().map(f).collect()
}

fn set(v: &[&[u64]]) -> BTreeSet<Vec<u64>> {
    v.iter().map(|s| s.to_vec()).collect()
}

const X: u64 = 1;
const Y: u64 = 2;
const RC: MemoryModelKind = MemoryModelKind::Rc11;
const TSO: MemoryModelKind = MemoryModelKind::Tso;
const SC: MemoryModelKind = MemoryModelKind::Sc;

/// reg 0 of thread 0 and of thread 1.
fn r00_r10(s: &State) -> Vec<u64> {
    vec![s.regs[0][0], s.regs[1][0]]
}

/// reg 0 and reg 1 of thread `t`.
fn regs_of(t: usize) -> impl Fn(&State) -> Vec<u64> {
    move |s: &State| vec![s.regs[t][0], s.regs[t][1]]
}

fn sb(w: W, r: R, fence: Option<F>) -> Vec<Vec<I>> {
    let thread = |a, b| {
        let mut t = vec![I::Store(a, 1, w)];
        if let Some(f) = fence {
            t.push(I::Fence(f));
        }
        t.push(I::Load(b, r, 0));
        t
    };
    vec![thread(X, Y), thread(Y, X)]
}

fn mp(w_data: W, w_flag: W, r_flag: R, r_data: R) -> Vec<Vec<I>> {
    vec![
        vec![I::Store(X, 1, w_data), I::Store(Y, 1, w_flag)],
        vec![I::Load(Y, r_flag, 0), I::Load(X, r_data, 1)],
    ]
}

fn lb(r: R, w: W) -> Vec<Vec<I>> {
    vec![
        vec![I::Load(X, r, 0), I::Store(Y, 1, w)],
        vec![I::Load(Y, r, 0), I::Store(X, 1, w)],
    ]
}

fn iriw(w: W, r: R) -> Vec<Vec<I>> {
    vec![
        vec![I::Store(X, 1, w)],
        vec![I::Store(Y, 1, w)],
        vec![I::Load(X, r, 0), I::Load(Y, r, 1)],
        vec![I::Load(Y, r, 0), I::Load(X, r, 1)],
    ]
}

fn iriw_proj(s: &State) -> Vec<u64> {
    vec![s.regs[2][0], s.regs[2][1], s.regs[3][0], s.regs[3][1]]
}

fn two_plus_two_w(w: W) -> Vec<Vec<I>> {
    vec![
        vec![I::Store(X, 1, w), I::Store(Y, 2, w)],
        vec![I::Store(Y, 1, w), I::Store(X, 2, w)],
    ]
}

fn all_pairs() -> BTreeSet<Vec<u64>> {
    set(&[&[0, 0], &[0, 1], &[1, 0], &[1, 1]])
}

fn without(mut s: BTreeSet<Vec<u64>>, v: &[u64]) -> BTreeSet<Vec<u64>> {
    assert!(s.remove(v));
    s
}

// ---------------------------------------------------------------- RC11 litmus tests

#[test]
fn rc11_sb() {
    let rlx = sb(W::Relaxed, R::Relaxed, None);
    assert_eq!(outcomes(RC, &rlx, &[], r00_r10), all_pairs());
    let sc = sb(W::SeqCst, R::SeqCst, None);
    assert_eq!(
        outcomes(RC, &sc, &[], r00_r10),
        without(all_pairs(), &[0, 0])
    );
    let rel_acq = sb(W::Release, R::Acquire, None);
    assert_eq!(outcomes(RC, &rel_acq, &[], r00_r10), all_pairs());
    let fenced = sb(W::Relaxed, R::Relaxed, Some(F::SeqCst));
    assert_eq!(
        outcomes(RC, &fenced, &[], r00_r10),
        without(all_pairs(), &[0, 0])
    );
    let acq_rel_fences = sb(W::Relaxed, R::Relaxed, Some(F::AcqRel));
    assert_eq!(outcomes(RC, &acq_rel_fences, &[], r00_r10), all_pairs());
}

#[test]
fn rc11_mp() {
    let rlx = mp(W::Relaxed, W::Relaxed, R::Relaxed, R::Relaxed);
    assert_eq!(outcomes(RC, &rlx, &[], regs_of(1)), all_pairs());
    let ra = mp(W::Relaxed, W::Release, R::Acquire, R::Relaxed);
    assert_eq!(
        outcomes(RC, &ra, &[], regs_of(1)),
        without(all_pairs(), &[1, 0])
    );
    // Release only, or acquire only, is not enough.
    let rel_only = mp(W::Relaxed, W::Release, R::Relaxed, R::Relaxed);
    assert_eq!(outcomes(RC, &rel_only, &[], regs_of(1)), all_pairs());
    let acq_only = mp(W::Relaxed, W::Relaxed, R::Acquire, R::Relaxed);
    assert_eq!(outcomes(RC, &acq_only, &[], regs_of(1)), all_pairs());
    // Fences: release fence before a relaxed flag store, acquire fence after a relaxed load.
    let fenced = vec![
        vec![
            I::Store(X, 1, W::Relaxed),
            I::Fence(F::Release),
            I::Store(Y, 1, W::Relaxed),
        ],
        vec![
            I::Load(Y, R::Relaxed, 0),
            I::Fence(F::Acquire),
            I::Load(X, R::Relaxed, 1),
        ],
    ];
    assert_eq!(
        outcomes(RC, &fenced, &[], regs_of(1)),
        without(all_pairs(), &[1, 0])
    );
}

#[test]
fn rc11_lb_no_thin_air() {
    let rlx = lb(R::Relaxed, W::Relaxed);
    assert_eq!(
        outcomes(RC, &rlx, &[], r00_r10),
        without(all_pairs(), &[1, 1])
    );
}

#[test]
fn rc11_iriw() {
    let non_sc: &[u64] = &[1, 0, 1, 0];
    let rlx = outcomes(RC, &iriw(W::Relaxed, R::Relaxed), &[], iriw_proj);
    assert_eq!(rlx.len(), 16);
    let ra = outcomes(RC, &iriw(W::Release, R::Acquire), &[], iriw_proj);
    assert_eq!(ra.len(), 16);
    let sc = outcomes(RC, &iriw(W::SeqCst, R::SeqCst), &[], iriw_proj);
    assert_eq!(sc.len(), 15);
    assert!(!sc.contains(non_sc));
    let under_sc = outcomes(SC, &iriw(W::Relaxed, R::Relaxed), &[], iriw_proj);
    assert_eq!(sc, under_sc);
}

#[test]
fn rc11_two_plus_two_w() {
    let mem = |s: &State| s.mem.clone();
    let all = set(&[&[1, 1], &[1, 2], &[2, 1], &[2, 2]]);
    let rlx = outcomes(RC, &two_plus_two_w(W::Relaxed), &[X, Y], mem);
    assert_eq!(rlx, all);
    let sc = outcomes(RC, &two_plus_two_w(W::SeqCst), &[X, Y], mem);
    assert_eq!(sc, without(all, &[1, 1]));
}

#[test]
fn rc11_corr() {
    let t = vec![
        vec![I::Store(X, 1, W::Relaxed)],
        vec![I::Load(X, R::Relaxed, 0), I::Load(X, R::Relaxed, 1)],
    ];
    assert_eq!(
        outcomes(RC, &t, &[], regs_of(1)),
        without(all_pairs(), &[1, 0])
    );
}

/// A release sequence continues through a relaxed read-modify-write of another thread, so an
/// acquire read of the read-modify-write's value synchronises with the release store.
#[test]
fn rc11_release_sequence_through_rmw() {
    let program = |middle: I| {
        vec![
            vec![I::Store(X, 1, W::Relaxed), I::Store(Y, 1, W::Release)],
            vec![middle],
            vec![I::Load(Y, R::Acquire, 0), I::Load(X, R::Relaxed, 1)],
        ]
    };
    // The read-modify-write stores 11 after reading the release store, 10 after the initial 0.
    let rmw = program(I::FetchAdd(Y, 10, RmwMode::Relaxed, 0));
    assert_eq!(
        outcomes(RC, &rmw, &[], regs_of(2)),
        set(&[&[0, 0], &[0, 1], &[1, 1], &[10, 0], &[10, 1], &[11, 1]])
    );
    // A plain relaxed store in the middle ends the release sequence: (11, 0) is allowed.
    let store = program(I::Store(Y, 11, W::Relaxed));
    assert_eq!(
        outcomes(RC, &store, &[], regs_of(2)),
        set(&[&[0, 0], &[0, 1], &[1, 1], &[11, 0], &[11, 1]])
    );
    // Same-thread later stores extend the sequence: release y = 1, then relaxed y = 11.
    let same_thread = vec![
        vec![
            I::Store(X, 1, W::Relaxed),
            I::Store(Y, 1, W::Release),
            I::Store(Y, 11, W::Relaxed),
        ],
        vec![I::Load(Y, R::Acquire, 0), I::Load(X, R::Relaxed, 1)],
    ];
    assert_eq!(
        outcomes(RC, &same_thread, &[], regs_of(1)),
        set(&[&[0, 0], &[0, 1], &[1, 1], &[11, 1]])
    );
}

#[test]
fn rc11_wrc() {
    let wrc = |w: W, r: R| {
        vec![
            vec![I::Store(X, 1, W::Relaxed)],
            vec![I::Load(X, R::Relaxed, 0), I::Store(Y, 1, w)],
            vec![I::Load(Y, r, 0), I::Load(X, R::Relaxed, 1)],
        ]
    };
    let proj = |s: &State| vec![s.regs[1][0], s.regs[2][0], s.regs[2][1]];
    let bad: &[u64] = &[1, 1, 0];
    let rlx = outcomes(RC, &wrc(W::Relaxed, R::Relaxed), &[], proj);
    assert_eq!(rlx.len(), 8);
    let ra = outcomes(RC, &wrc(W::Release, R::Acquire), &[], proj);
    assert_eq!(ra.len(), 7);
    assert!(!ra.contains(bad));
    assert!(!outcomes(TSO, &wrc(W::Relaxed, R::Relaxed), &[], proj).contains(bad));
}

/// SC fences between relaxed reads restore SC for IRIW (psc_F).
#[test]
fn rc11_iriw_sc_fences() {
    let readers = |a, b| {
        vec![
            I::Load(a, R::Relaxed, 0),
            I::Fence(F::SeqCst),
            I::Load(b, R::Relaxed, 1),
        ]
    };
    let t = vec![
        vec![I::Store(X, 1, W::Relaxed)],
        vec![I::Store(Y, 1, W::Relaxed)],
        readers(X, Y),
        readers(Y, X),
    ];
    let got = outcomes(RC, &t, &[], iriw_proj);
    assert_eq!(got.len(), 15);
    assert!(!got.contains(&vec![1, 0, 1, 0][..]));
}

/// An SC fence on one side of SB is not enough; an SC access on the other side with the fence
/// is (RC11's `[F_sc]; hb?` and `hb?; [F_sc]` ends of psc_base).
#[test]
fn rc11_sb_mixed() {
    let one_fence = vec![
        vec![I::Store(X, 1, W::Relaxed), I::Load(Y, R::Relaxed, 0)],
        vec![
            I::Store(Y, 1, W::Relaxed),
            I::Fence(F::SeqCst),
            I::Load(X, R::Relaxed, 0),
        ],
    ];
    assert_eq!(outcomes(RC, &one_fence, &[], r00_r10), all_pairs());
    let mixed = vec![
        vec![I::Store(X, 1, W::SeqCst), I::Load(Y, R::SeqCst, 0)],
        vec![
            I::Store(Y, 1, W::Relaxed),
            I::Fence(F::SeqCst),
            I::Load(X, R::Relaxed, 0),
        ],
    ];
    assert_eq!(
        outcomes(RC, &mixed, &[], r00_r10),
        without(all_pairs(), &[0, 0])
    );
}

/// Unlock (release) synchronises with the next lock (an acquire read-modify-write), so a
/// relaxed counter under a mutex never loses an update, and every model explores exactly the
/// lock orders.
#[test]
fn mutexes_synchronise() {
    let body = |k: usize| {
        [
            I::Lock(9),
            I::Load(X, R::Relaxed, 0),
            I::StoreReg(X, 0, 1, W::Relaxed),
            I::Unlock(9),
        ]
        .iter()
        .copied()
        .cycle()
        .take(4 * k)
        .collect::<Vec<_>>()
    };
    for kind in [SC, TSO, RC] {
        let mem = |s: &State| s.mem.clone();
        assert_eq!(outcomes(kind, &[body(1), body(1)], &[X], mem), set(&[&[2]]));
        assert_eq!(outcomes(kind, &[body(2), body(1)], &[X], mem), set(&[&[3]]));
        assert_eq!(count(kind, vec![body(1), body(1)]), 2, "{kind:?}");
        assert_eq!(count(kind, vec![body(1), body(1), body(1)]), 6, "{kind:?}");
        assert_eq!(count(kind, vec![body(2), body(2)]), 6, "{kind:?}");
    }
}

#[test]
fn execution_counts_per_model() {
    let sb_rlx = sb(W::Relaxed, R::Relaxed, None);
    assert_eq!(count(SC, sb_rlx.clone()), 3);
    assert_eq!(count(TSO, sb_rlx.clone()), 4);
    assert_eq!(count(RC, sb_rlx), 4);
    let mp_rlx = mp(W::Relaxed, W::Relaxed, R::Relaxed, R::Relaxed);
    assert_eq!(count(SC, mp_rlx.clone()), 3);
    assert_eq!(count(TSO, mp_rlx.clone()), 3);
    assert_eq!(count(RC, mp_rlx), 4);
}

// ---------------------------------------------------------------- x86-TSO litmus tests

#[test]
fn tso_sb() {
    let plain = sb(W::Relaxed, R::Relaxed, None);
    assert_eq!(outcomes(TSO, &plain, &[], r00_r10), all_pairs());
    let mfence = sb(W::Relaxed, R::Relaxed, Some(F::SeqCst));
    assert_eq!(
        outcomes(TSO, &mfence, &[], r00_r10),
        without(all_pairs(), &[0, 0])
    );
    // Only MFENCE orders; other fences compile to nothing.
    let lwfence = sb(W::Release, R::Acquire, Some(F::AcqRel));
    assert_eq!(outcomes(TSO, &lwfence, &[], r00_r10), all_pairs());
    let xchg = sb(W::SeqCst, R::Relaxed, None);
    assert_eq!(
        outcomes(TSO, &xchg, &[], r00_r10),
        without(all_pairs(), &[0, 0])
    );
    // A locked RMW between the store and the load acts as a fence too.
    let locked = |a, b| {
        vec![
            I::Store(a, 1, W::Relaxed),
            I::FetchAdd(9, 1, RmwMode::Relaxed, 1),
            I::Load(b, R::Relaxed, 0),
        ]
    };
    assert_eq!(
        outcomes(TSO, &[locked(X, Y), locked(Y, X)], &[], r00_r10),
        without(all_pairs(), &[0, 0])
    );
}

#[test]
fn tso_mp_lb_iriw() {
    let m = mp(W::Relaxed, W::Relaxed, R::Relaxed, R::Relaxed);
    assert_eq!(
        outcomes(TSO, &m, &[], regs_of(1)),
        without(all_pairs(), &[1, 0])
    );
    let l = lb(R::Relaxed, W::Relaxed);
    assert_eq!(
        outcomes(TSO, &l, &[], r00_r10),
        without(all_pairs(), &[1, 1])
    );
    let i = outcomes(TSO, &iriw(W::Relaxed, R::Relaxed), &[], iriw_proj);
    assert_eq!(i.len(), 15);
    assert!(!i.contains(&vec![1, 0, 1, 0][..]));
    let mem = |s: &State| s.mem.clone();
    let w = outcomes(TSO, &two_plus_two_w(W::Relaxed), &[X, Y], mem);
    assert_eq!(w, set(&[&[1, 2], &[2, 1], &[2, 2]]));
    // Store forwarding: a thread may read its own store before others see it (SB+rfi).
    let rfi = |a, b| {
        vec![
            I::Store(a, 1, W::Relaxed),
            I::Load(a, R::Relaxed, 1),
            I::Load(b, R::Relaxed, 0),
        ]
    };
    let got = outcomes(TSO, &[rfi(X, Y), rfi(Y, X)], &[], |s| {
        vec![s.regs[0][1], s.regs[0][0], s.regs[1][1], s.regs[1][0]]
    });
    assert!(got.contains(&vec![1, 0, 1, 0][..]));
}

// ---------------------------------------------------------------- GenMC's counts under RC11

fn readers(n: usize, w: W) -> Vec<Vec<I>> {
    let mut threads = vec![vec![I::Store(X, 1, w)]];
    for _ in 0..n {
        threads.push(vec![I::Load(X, R::Relaxed, 0)]);
    }
    threads
}

fn lastzero(n: u64) -> Vec<Vec<I>> {
    let mut reader = Vec::new();
    for i in (0..=n).rev() {
        reader.push(I::LoadExitIfZero(100 + i, R::Acquire));
    }
    let mut threads = vec![reader];
    for j in 1..=n {
        threads.push(vec![
            I::Load(100 + j - 1, R::Acquire, 0),
            I::StoreReg(100 + j, 0, 1, W::Release),
        ]);
    }
    threads
}

fn casrot(n: u64) -> Vec<Vec<I>> {
    (1..=n)
        .map(|i| vec![I::Cas(X, i - 1, i, RmwMode::Relaxed, R::Relaxed, 0)])
        .collect()
}

#[test]
fn rc11_counts_readers() {
    for n in 1..=6 {
        for w in [W::Relaxed, W::SeqCst] {
            assert_eq!(count(RC, readers(n, w)), 1 << n, "readers({n}) with {w:?}");
        }
    }
}

#[test]
fn rc11_counts_lastzero() {
    for n in 3..=8u64 {
        assert_eq!(count(RC, lastzero(n)), (n + 3) << (n - 2), "lastzero({n})");
    }
}

#[test]
fn rc11_counts_casrot() {
    for (n, expected) in [(2, 2), (3, 5), (4, 14), (5, 43), (6, 144)] {
        assert_eq!(count(RC, casrot(n)), expected, "casrot({n})");
    }
}

#[test]
fn tso_counts_match_sc_where_orders_are_enough() {
    // No write→read pattern whose order matters: TSO explores what SC does.
    for n in 1..=4 {
        assert_eq!(count(TSO, readers(n, W::Relaxed)), 1 << n);
    }
    for (n, expected) in [(2, 2), (3, 5), (4, 14)] {
        assert_eq!(count(TSO, casrot(n)), expected, "casrot({n}) under TSO");
    }
}

// ---------------------------------------------------------------- RC11 data races

fn race_mp(w_flag: W, r_flag: R) -> Vec<Vec<I>> {
    vec![
        vec![I::Store(X, 1, W::NonAtomic), I::Store(Y, 1, w_flag)],
        vec![I::LoadExitIfZero(Y, r_flag), I::Load(X, R::NonAtomic, 0)],
    ]
}

fn races(threads: Vec<Vec<I>>) -> Vec<Option<(EventId, EventId)>> {
    run_with(RC, threads, vec![], Rc11::data_race).3
}

#[test]
fn rc11_data_race() {
    // Executions: the flag reads 0 (and the reader stops), or 1 with the data read 0 or 1; the
    // last two race.
    let relaxed = races(race_mp(W::Relaxed, R::Relaxed));
    assert_eq!(relaxed.len(), 3);
    let found: Vec<_> = relaxed.iter().flatten().collect();
    assert_eq!(found.len(), 2, "{relaxed:?}");
    for &(a, b) in found {
        assert_ne!(a.thread, b.thread);
    }
    let synced = races(race_mp(W::Release, R::Acquire));
    assert_eq!(synced.len(), 2);
    assert!(synced.iter().all(Option::is_none), "{synced:?}");
    // SeqCst flag accesses synchronise as well.
    let sc = races(race_mp(W::SeqCst, R::SeqCst));
    assert!(sc.iter().all(Option::is_none), "{sc:?}");
    // Atomic data accesses never race.
    let atomic_data = vec![
        vec![I::Store(X, 1, W::Relaxed), I::Store(Y, 1, W::Relaxed)],
        vec![I::LoadExitIfZero(Y, R::Relaxed), I::Load(X, R::Relaxed, 0)],
    ];
    assert!(races(atomic_data).iter().all(Option::is_none));
}
