//! herd7's x86 locked instructions (`model::X86Locked`): an `XCHG`'s read and write are one
//! instruction, unordered by program order, so its write may go coherence-before the write its
//! read reads.
//!
//! Focused cases (`XCHG+XCHG`, a locked instruction as a fence under TSO, Rust models unchanged),
//! then a differential test: on random x86-like programs (`MOV` stores and loads, `XCHG`,
//! `MFENCE`), the explorer must produce exactly the graphs of a brute-force enumeration of every
//! reads-from and coherence choice judged by an independent transcription of herd's `sc.cat` and
//! `x86tso.cat`, each graph once.

use ravel_core::event::{
    FenceMode, Loc, Op, OpResult, Program, ReadMode, Request, RmwKind, RmwMode, RmwUpdate,
    SourceSpan, ThreadId, WriteMode,
};
use ravel_core::explore::{explore, ExploreConfig};
use ravel_core::graph::ExecutionGraph;
use ravel_core::model::{MemoryModel, MemoryModelKind, X86Locked};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

/// One x86 instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum I {
    /// `MOV [loc],$val`
    Store(u64, u64),
    /// `MOV EAX,[loc]`: the value goes to the thread's results.
    Load(u64),
    /// `XCHG [loc],EAX` with `EAX=val`: the old value goes to the thread's results.
    Xchg(u64, u64),
    /// `LOCK INC [loc]`: the old value goes to the thread's results (herd keeps it in no
    /// register, but the oracle and the explorer both record it, which only sharpens the
    /// comparison).
    LockInc(u64),
    /// `LOCK ADD [loc],$val`
    LockAdd(u64, u64),
    /// `LOCK DEC [loc]`
    LockDec(u64),
    /// `LOCK XOR [loc],$val`
    LockXor(u64, u64),
    /// `MFENCE`
    Mfence,
}

/// Registers read per thread, then each location's final value.
type State = (Vec<Vec<u64>>, Vec<u64>);

fn span() -> SourceSpan {
    SourceSpan {
        file: "x86_locked",
        line: 1,
        column: 1,
    }
}

/// Runs x86 threads as a [`Program`]: the main thread spawns them and joins them.
struct Script {
    threads: Vec<Vec<I>>,
    /// Per engine thread: (litmus thread, next instruction, values read).
    runs: BTreeMap<ThreadId, (usize, usize, Vec<u64>)>,
    phase: usize,
    children: Vec<ThreadId>,
    /// What the last execution that ran to its end read, by litmus thread (the explorer may
    /// still drop it: the observer takes it for the executions that count).
    finished: Rc<RefCell<Option<Vec<Vec<u64>>>>>,
}

impl Script {
    fn op(i: I) -> Op {
        let rmw = |kind, operand| RmwUpdate {
            kind,
            operand,
            bits: 64,
            signed: false,
        };
        match i {
            I::Store(loc, val) => Op::Store {
                loc: Loc(loc),
                init: 0,
                val,
                mode: WriteMode::Relaxed,
            },
            I::Load(loc) => Op::Load {
                loc: Loc(loc),
                init: 0,
                mode: ReadMode::Relaxed,
            },
            I::Xchg(loc, val) => Op::Rmw {
                loc: Loc(loc),
                init: 0,
                update: rmw(RmwKind::Swap, val),
                mode: RmwMode::SeqCst,
            },
            I::LockInc(loc) | I::LockAdd(loc, _) | I::LockDec(loc) | I::LockXor(loc, _) => {
                let (kind, operand) = match i {
                    I::LockInc(_) => (RmwKind::Add, 1),
                    I::LockAdd(_, v) => (RmwKind::Add, v),
                    I::LockDec(_) => (RmwKind::Sub, 1),
                    I::LockXor(_, v) => (RmwKind::Xor, v),
                    _ => unreachable!(),
                };
                Op::Rmw {
                    loc: Loc(loc),
                    init: 0,
                    update: rmw(kind, operand),
                    mode: RmwMode::SeqCst,
                }
            }
            I::Mfence => Op::Fence(FenceMode::SeqCst),
        }
    }

    fn main_next(&mut self) -> Request {
        let n = self.threads.len();
        let phase = self.phase;
        self.phase += 1;
        if phase < n {
            return Request::op(Op::Spawn, span());
        }
        if phase < 2 * n {
            return Request::op(Op::Join(self.children[phase - n]), span());
        }
        let regs = self.runs.values().map(|r| r.2.clone()).collect();
        *self.finished.borrow_mut() = Some(regs);
        Request::Finished
    }
}

impl Program for Script {
    fn start(&mut self) -> Request {
        self.runs.clear();
        self.phase = 0;
        self.children.clear();
        self.main_next()
    }

    fn resume(&mut self, t: ThreadId, result: OpResult) -> Request {
        if t == ThreadId::MAIN {
            if let OpResult::Spawned(child) = result {
                self.runs
                    .insert(child, (self.children.len(), usize::MAX, vec![]));
                self.children.push(child);
            }
            return self.main_next();
        }
        let run = self.runs.get_mut(&t).expect("worker exists");
        run.1 = run.1.wrapping_add(1);
        if let OpResult::Value(v) = result {
            run.2.push(v);
        }
        match self.threads[run.0].get(run.1) {
            Some(&i) => Request::op(Script::op(i), span()),
            None => Request::Finished,
        }
    }

    fn abort(&mut self) {}
}

/// Explores `threads` under `model`: every final state, and how many graphs (each checked to be
/// explored once and to pass the model's own check).
fn explore_states(
    model: &'static dyn MemoryModel,
    threads: &[Vec<I>],
    locs: &[u64],
) -> (BTreeSet<State>, u64) {
    let finished = Rc::new(RefCell::new(None));
    let mut program = Script {
        threads: threads.to_vec(),
        runs: BTreeMap::new(),
        phase: 0,
        children: vec![],
        finished: finished.clone(),
    };
    let states = Rc::new(RefCell::new(BTreeSet::new()));
    let sink = states.clone();
    let locs_seen = locs.to_vec();
    let mut config = ExploreConfig::new(model);
    config.collect_graphs = true;
    config.observer = Some(Box::new(move |g: &ExecutionGraph| {
        assert!(model.is_consistent(g), "model rejects {}", g.fingerprint());
        assert!(
            g.locked_values_hold(),
            "values do not hold in {}",
            g.fingerprint()
        );
        let mem: Vec<u64> = locs_seen
            .iter()
            .map(|&l| g.value_of(Loc(l), g.co_max(Loc(l))))
            .collect();
        let regs = finished
            .borrow_mut()
            .take()
            .expect("the execution ran to its end");
        sink.borrow_mut().insert((regs, mem));
    }));
    let outcome = explore(&mut program, &mut config);
    assert!(outcome.complete && outcome.reports.is_empty());
    let distinct: BTreeSet<&String> = outcome.graphs.iter().collect();
    assert_eq!(
        distinct.len(),
        outcome.graphs.len(),
        "a graph explored twice"
    );
    let states = states.take();
    (states, outcome.executions)
}

const X: u64 = 1;
const Y: u64 = 2;

fn sc() -> &'static dyn MemoryModel {
    &X86Locked::SC
}

fn tso() -> &'static dyn MemoryModel {
    &X86Locked::TSO
}

fn regs(states: &BTreeSet<State>) -> BTreeSet<Vec<Vec<u64>>> {
    states.iter().map(|(r, _)| r.clone()).collect()
}

/// `XCHG+XCHG`: herd allows each exchange to read the other's value (one write is
/// coherence-before the write its own read reads), never both to read the initial value.
#[test]
fn exchanges_may_read_each_other_but_not_both_the_initial_value() {
    let threads = vec![vec![I::Xchg(X, 1)], vec![I::Xchg(X, 2)]];
    for model in [sc(), tso()] {
        let (states, _) = explore_states(model, &threads, &[X]);
        let seen = regs(&states);
        assert!(seen.contains(&vec![vec![2], vec![1]]), "{seen:?}");
        assert!(seen.contains(&vec![vec![0], vec![1]]), "{seen:?}");
        assert!(seen.contains(&vec![vec![2], vec![0]]), "{seen:?}");
        assert!(!seen.contains(&vec![vec![0], vec![0]]), "{seen:?}");
        assert_eq!(seen.len(), 3, "{seen:?}");
    }
}

/// Rust's (and C++'s) exchanges stay atomic read-modify-writes under the plain models.
#[test]
fn rust_models_keep_exchanges_atomic() {
    let threads = vec![vec![I::Xchg(X, 1)], vec![I::Xchg(X, 2)]];
    for kind in [
        MemoryModelKind::Sc,
        MemoryModelKind::Tso,
        MemoryModelKind::Rc11,
    ] {
        let (states, _) = explore_states(kind.model(), &threads, &[X]);
        let seen = regs(&states);
        assert_eq!(
            seen,
            BTreeSet::from([vec![vec![0], vec![1]], vec![vec![2], vec![0]]]),
            "{kind:?}"
        );
    }
}

/// `SB` with an `XCHG` on a third location between each store and load: the locked
/// instruction is a full fence under TSO, so both loads cannot read 0; a plain store there
/// would allow it.
#[test]
fn an_exchange_still_acts_as_a_fence_under_tso() {
    const Z: u64 = 3;
    let sb = |middle: fn(u64) -> I| {
        vec![
            vec![I::Store(X, 1), middle(Z), I::Load(Y)],
            vec![I::Store(Y, 1), middle(Z), I::Load(X)],
        ]
    };
    let both_zero = |states: &BTreeSet<State>| {
        states
            .iter()
            .any(|(r, _)| r[0].last() == Some(&0) && r[1].last() == Some(&0))
    };
    let (fenced, _) = explore_states(tso(), &sb(|z| I::Xchg(z, 1)), &[X, Y, Z]);
    assert!(!both_zero(&fenced));
    let (unfenced, _) = explore_states(tso(), &sb(|z| I::Store(z, 1)), &[X, Y, Z]);
    assert!(both_zero(&unfenced));
}

/// `R+po-rmw+po` (from herd's corpus): the exchange's write goes coherence-before P1's store to
/// `y` while its read reads that store.
#[test]
fn an_exchange_reads_a_write_coherence_after_its_own() {
    let threads = vec![
        vec![I::Store(X, 1), I::Xchg(Y, 1)],
        vec![I::Store(Y, 2), I::Load(X)],
    ];
    for model in [sc(), tso()] {
        let (states, _) = explore_states(model, &threads, &[Y]);
        // 0:EAX=2 (read P1's store), [y]=2 (P1's store is coherence-last), 1:EAX=1.
        assert!(
            states.contains(&(vec![vec![2], vec![1]], vec![2])),
            "{states:?}"
        );
    }
}

/// Two `LOCK INC`s lose nothing: neither can go coherence-before the other's write while
/// reading it (that would be a cycle of values).
#[test]
fn locked_increments_lose_nothing() {
    let threads = vec![vec![I::LockInc(X)], vec![I::LockInc(X)]];
    for model in [sc(), tso()] {
        let (states, count) = explore_states(model, &threads, &[X]);
        assert!(states.iter().all(|(_, m)| m == &vec![2]), "{states:?}");
        assert_eq!(count, 2);
    }
}

/// A `LOCK INC` racing with a `MOV` store, and an observer reading `x` twice: herd lets the
/// increment read the store's 1 and place its 2 coherence-before it, so the observer may see 2
/// then 1 and `x` end as 1 although the increment read 1; an atomic increment forbids both.
#[test]
fn a_locked_increment_may_write_before_what_it_read() {
    let threads = vec![
        vec![I::LockInc(X)],
        vec![I::Store(X, 1)],
        vec![I::Load(X), I::Load(X)],
    ];
    for (model, tso) in [(sc(), false), (tso(), true)] {
        let (states, count) = explore_states(model, &threads, &[X]);
        assert!(
            states.contains(&(vec![vec![1], vec![], vec![2, 1]], vec![1])),
            "{states:?}"
        );
        let (want, want_count) = oracle(&threads, &[X], tso);
        assert_eq!((states, count), (want, want_count));
    }
    for kind in [MemoryModelKind::Sc, MemoryModelKind::Tso] {
        let (states, _) = explore_states(kind.model(), &threads, &[X]);
        assert!(states.iter().all(|(r, m)| r[0] != vec![1] || m == &vec![2]));
    }
}

/// An increment and a decrement each reading the other's write: their values would hold for
/// any number, but herd's solver determines none, so no such execution exists.
#[test]
fn no_cycle_of_locked_values() {
    let threads = vec![vec![I::LockInc(X)], vec![I::LockDec(X)]];
    for model in [sc(), tso()] {
        let (states, count) = explore_states(model, &threads, &[X]);
        assert_eq!(
            states,
            BTreeSet::from([
                (vec![vec![0], vec![1]], vec![0]),
                (vec![vec![u64::MAX], vec![0]], vec![0]),
            ])
        );
        assert_eq!(count, 2);
    }
}

/// `SB` with `MFENCE`s whose second load is a `LOCK ADD` to the location the other thread
/// stored: the add may read that store and still go coherence-before it (`x` ends as 1 after an
/// add that read 1).
#[test]
fn a_locked_add_after_a_fenced_store_buffering_shape() {
    let threads = vec![
        vec![I::Store(X, 1), I::Mfence, I::Load(Y)],
        vec![I::Store(Y, 1), I::Mfence, I::LockAdd(X, 2)],
    ];
    for (model, tso) in [(sc(), false), (tso(), true)] {
        let (states, count) = explore_states(model, &threads, &[X, Y]);
        // Store buffering stays forbidden: the add's read is the second thread's load.
        assert!(states.iter().all(|(r, _)| r != &vec![vec![0], vec![0]]));
        assert!(
            states.contains(&(vec![vec![1], vec![1]], vec![1, 1])),
            "{states:?}"
        );
        let (want, want_count) = oracle(&threads, &[X, Y], tso);
        assert_eq!((states, count), (want, want_count));
    }
}

// ---------------------------------------------------------------------------------------------
// The oracle: herd's axioms over every reads-from and coherence choice.

/// What a write of the oracle stores.
#[derive(Clone, Copy, Debug)]
enum Stored {
    /// A constant (`MOV`, `XCHG`).
    Const(u64),
    /// What the read just before it (its instruction's read) returns, updated: `LOCK ADD` (a
    /// wrapping addition of the operand), `LOCK XOR`.
    Add(u64),
    Xor(u64),
}

/// A memory event of the oracle: (thread, instruction index, location, write value or read).
#[derive(Clone, Copy, Debug)]
struct Ev {
    thread: usize,
    instr: usize,
    loc: u64,
    /// `Some(what)` for a write.
    write: Option<Stored>,
    locked: bool,
}

/// herd's values: solved from the data flow of one reads-from choice (`rf[k]` for the `k`-th
/// read), the initial value being 0. `None` when some value cannot be determined: a cycle of
/// dependencies, which herd's solver leaves unsolved and herd drops.
fn solve_values(evs: &[Ev], reads: &[usize], rf: &[Option<usize>]) -> Option<Vec<u64>> {
    let mut val: Vec<Option<u64>> = vec![None; evs.len()];
    loop {
        let mut progress = false;
        for (k, &r) in reads.iter().enumerate() {
            if val[r].is_none() {
                val[r] = match rf[k] {
                    None => Some(0),
                    Some(w) => val[w],
                };
                progress |= val[r].is_some();
            }
        }
        for w in 0..evs.len() {
            let Some(stored) = evs[w].write else { continue };
            if val[w].is_some() {
                continue;
            }
            val[w] = match stored {
                Stored::Const(v) => Some(v),
                Stored::Add(v) => val[w - 1].map(|old| old.wrapping_add(v)),
                Stored::Xor(v) => val[w - 1].map(|old| old ^ v),
            };
            progress |= val[w].is_some();
        }
        if !progress {
            break;
        }
    }
    val.into_iter().collect()
}

/// Every final state herd's `sc.cat` (`tso == false`) or `x86tso.cat` allows, and how many
/// executions (reads-from and coherence choices) are consistent.
fn oracle(threads: &[Vec<I>], locs: &[u64], tso: bool) -> (BTreeSet<State>, u64) {
    let mut evs = Vec::new();
    let mut fences = Vec::new();
    for (t, code) in threads.iter().enumerate() {
        for (k, &i) in code.iter().enumerate() {
            let mut ev = |loc, write, locked| {
                evs.push(Ev {
                    thread: t,
                    instr: k,
                    loc,
                    write,
                    locked,
                })
            };
            match i {
                I::Store(l, v) => ev(l, Some(Stored::Const(v)), false),
                I::Load(l) => ev(l, None, false),
                I::Xchg(l, v) => {
                    ev(l, None, true);
                    ev(l, Some(Stored::Const(v)), true);
                }
                I::LockInc(l) | I::LockAdd(l, _) | I::LockDec(l) | I::LockXor(l, _) => {
                    let stored = match i {
                        I::LockInc(_) => Stored::Add(1),
                        I::LockAdd(_, v) => Stored::Add(v),
                        I::LockDec(_) => Stored::Add(1u64.wrapping_neg()),
                        I::LockXor(_, v) => Stored::Xor(v),
                        _ => unreachable!(),
                    };
                    ev(l, None, true);
                    ev(l, Some(stored), true);
                }
                I::Mfence => fences.push((t, k)),
            }
        }
    }
    let reads: Vec<usize> = (0..evs.len()).filter(|&e| evs[e].write.is_none()).collect();
    let writes_of = |l: u64| -> Vec<usize> {
        (0..evs.len())
            .filter(|&e| evs[e].loc == l && evs[e].write.is_some())
            .collect()
    };
    // Every coherence order: one permutation per location.
    let mut cos: Vec<Vec<Vec<usize>>> = vec![vec![]];
    for &l in locs {
        let perms = permutations(&writes_of(l));
        cos = cos
            .into_iter()
            .flat_map(|c| {
                perms.iter().map(move |p| {
                    let mut c = c.clone();
                    c.push(p.clone());
                    c
                })
            })
            .collect();
    }
    let mut states = BTreeSet::new();
    let mut count = 0;
    for co in &cos {
        // Position in coherence (1-based; 0 is the initial write).
        let mut pos = vec![0usize; evs.len()];
        for list in co {
            for (p, &w) in list.iter().enumerate() {
                pos[w] = p + 1;
            }
        }
        let choices: Vec<Vec<Option<usize>>> = reads
            .iter()
            .map(|&r| {
                std::iter::once(None)
                    .chain(writes_of(evs[r].loc).into_iter().map(Some))
                    .collect()
            })
            .collect();
        for rf in product(&choices) {
            if !consistent(&evs, &fences, &reads, &rf, &pos, tso) {
                continue;
            }
            let Some(val) = solve_values(&evs, &reads, &rf) else {
                continue;
            };
            {
                count += 1;
                let mut regs = vec![vec![]; threads.len()];
                for &r in &reads {
                    regs[evs[r].thread].push(val[r]);
                }
                let mem = locs
                    .iter()
                    .zip(co)
                    .map(|(_, list)| list.last().map_or(0, |&w| val[w]))
                    .collect();
                states.insert((regs, mem));
            }
        }
    }
    (states, count)
}

fn consistent(
    evs: &[Ev],
    fences: &[(usize, usize)],
    reads: &[usize],
    rf: &[Option<usize>],
    pos: &[usize],
    tso: bool,
) -> bool {
    let n = evs.len();
    let po = |a: usize, b: usize| evs[a].thread == evs[b].thread && evs[a].instr < evs[b].instr;
    let ext = |a: usize, b: usize| evs[a].thread != evs[b].thread;
    let same_instr =
        |a: usize, b: usize| evs[a].thread == evs[b].thread && evs[a].instr == evs[b].instr;
    let co = |a: usize, b: usize| {
        evs[a].write.is_some()
            && evs[b].write.is_some()
            && evs[a].loc == evs[b].loc
            && pos[a] < pos[b]
    };
    let mut rf_edges = vec![];
    let mut fr = vec![];
    for (k, &r) in reads.iter().enumerate() {
        let src = rf[k].map_or(0, |w| pos[w]);
        if let Some(w) = rf[k] {
            // Intra-instruction causality: an instruction does not read its own write.
            if same_instr(w, r) {
                return false;
            }
            rf_edges.push((w, r));
        }
        for w in 0..n {
            if evs[w].write.is_some() && evs[w].loc == evs[r].loc && pos[w] > src {
                fr.push((r, w));
            }
        }
    }
    // Atomicity: empty rmw & (fre; coe).
    for (k, &r) in reads.iter().enumerate() {
        if !evs[r].locked {
            continue;
        }
        let w = r + 1;
        let src = rf[k].map_or(0, |s| pos[s]);
        let broken = (0..n).any(|m| {
            evs[m].write.is_some()
                && evs[m].loc == evs[r].loc
                && pos[m] > src
                && ext(r, m)
                && co(m, w)
                && ext(m, w)
        });
        if broken {
            return false;
        }
    }
    let mut com: Vec<(usize, usize)> = rf_edges.clone();
    com.extend(fr.iter().copied());
    for a in 0..n {
        for b in 0..n {
            if co(a, b) {
                com.push((a, b));
            }
        }
    }
    let pairs = |keep: &dyn Fn(usize, usize) -> bool| -> Vec<(usize, usize)> {
        let mut v = vec![];
        for a in 0..n {
            for b in 0..n {
                if po(a, b) && keep(a, b) {
                    v.push((a, b));
                }
            }
        }
        v
    };
    if !tso {
        let mut all = pairs(&|_, _| true);
        all.extend(com);
        return acyclic(n, &all);
    }
    let mut uniproc = pairs(&|a, b| evs[a].loc == evs[b].loc);
    uniproc.extend(com.iter().copied());
    if !acyclic(n, &uniproc) {
        return false;
    }
    let is_w = |e: usize| evs[e].write.is_some();
    let fenced = |a: usize, b: usize| {
        fences
            .iter()
            .any(|&(t, k)| t == evs[a].thread && evs[a].instr < k && k < evs[b].instr)
    };
    let mut ghb =
        pairs(&|a, b| !is_w(a) || is_w(b) || evs[a].locked || evs[b].locked || fenced(a, b));
    ghb.extend(rf_edges.iter().copied().filter(|&(w, r)| ext(w, r)));
    ghb.extend(com.iter().copied().filter(|&(a, b)| !is_w(a) || is_w(b)));
    acyclic(n, &ghb)
}

fn acyclic(n: usize, edges: &[(usize, usize)]) -> bool {
    let mut indegree = vec![0; n];
    for &(_, b) in edges {
        indegree[b] += 1;
    }
    let mut ready: Vec<usize> = (0..n).filter(|&e| indegree[e] == 0).collect();
    let mut removed = 0;
    while let Some(a) = ready.pop() {
        removed += 1;
        for &(x, b) in edges {
            if x == a {
                indegree[b] -= 1;
                if indegree[b] == 0 {
                    ready.push(b);
                }
            }
        }
    }
    removed == n
}

fn permutations(items: &[usize]) -> Vec<Vec<usize>> {
    if items.is_empty() {
        return vec![vec![]];
    }
    let mut out = vec![];
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(i);
        for mut p in permutations(&rest) {
            p.insert(0, first);
            out.push(p);
        }
    }
    out
}

fn product(choices: &[Vec<Option<usize>>]) -> Vec<Vec<Option<usize>>> {
    choices.iter().fold(vec![vec![]], |acc, c| {
        acc.into_iter()
            .flat_map(|prefix| {
                c.iter().map(move |&x| {
                    let mut p = prefix.clone();
                    p.push(x);
                    p
                })
            })
            .collect()
    })
}

/// A small deterministic generator (xorshift), so failures are reproducible by seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// 2 or 3 threads of 1 to 3 instructions over `x` and `y`; every `MOV` and `XCHG` stores its own
/// value. `LOCK ADD/INC/DEC/XOR` only when `locked_ops`.
fn random_program(rng: &mut Rng, locked_ops: bool) -> Vec<Vec<I>> {
    let mut value = 0;
    let threads = 2 + rng.below(2);
    let kinds = if locked_ops { 11 } else { 7 };
    (0..threads)
        .map(|_| {
            (0..1 + rng.below(3))
                .map(|_| {
                    let loc = 1 + rng.below(2);
                    value += 1;
                    match (rng.below(kinds), locked_ops) {
                        (0 | 1, _) => I::Store(loc, value),
                        (2 | 3, _) => I::Load(loc),
                        (4 | 5, _) => I::Xchg(loc, value),
                        (6, true) => I::LockInc(loc),
                        (7, true) => I::LockAdd(loc, value),
                        (8, true) => I::LockDec(loc),
                        (9, true) => I::LockXor(loc, value),
                        _ => I::Mfence,
                    }
                })
                .collect()
        })
        .collect()
}

/// The explorer produces exactly herd's executions, each once, on random programs of `MOV`,
/// `XCHG` and `MFENCE`.
#[test]
fn explorer_agrees_with_a_brute_force_herd_oracle() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for seed in 0..400 {
        let threads = random_program(&mut rng, false);
        for (model, tso) in [(sc(), false), (tso(), true)] {
            let (want, want_count) = oracle(&threads, &[X, Y], tso);
            let (got, got_count) = explore_states(model, &threads, &[X, Y]);
            let missing: Vec<&State> = want.difference(&got).collect();
            let extra: Vec<&State> = got.difference(&want).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "program {seed} {threads:?} under {}: missing {missing:?}, extra {extra:?}",
                model.name()
            );
            assert_eq!(
                got_count,
                want_count,
                "program {seed} {threads:?} under {}: executions",
                model.name()
            );
        }
    }
}

/// With `LOCK ADD/INC/DEC/XOR` too, the explorer produces only herd's states (each graph once,
/// checked by `explore_states`). Known gap (see `model::X86Locked`): around a cycle through
/// locked instructions re-execution may use a stale recorded value and drop a graph herd
/// allows, so some states are missing; the test counts them and fails if none is ever missing,
/// which would mean the gap is closed and this test should assert equality.
#[test]
fn explorer_with_locked_arithmetic_stays_within_the_herd_oracle() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let (mut programs, mut exact) = (0, 0);
    for seed in 0..300 {
        let threads = random_program(&mut rng, true);
        // The oracle is exponential in the writes per location: keep it to seconds.
        let writes = |loc| {
            let is_write = |i: &&I| match **i {
                I::Store(l, _) | I::Xchg(l, _) | I::LockInc(l) | I::LockDec(l) => l == loc,
                I::LockAdd(l, _) | I::LockXor(l, _) => l == loc,
                I::Load(_) | I::Mfence => false,
            };
            threads.iter().flatten().filter(is_write).count()
        };
        if writes(X) > 4 || writes(Y) > 4 {
            continue;
        }
        for (model, tso) in [(sc(), false), (tso(), true)] {
            let (want, want_count) = oracle(&threads, &[X, Y], tso);
            let (got, got_count) = explore_states(model, &threads, &[X, Y]);
            let extra: Vec<&State> = got.difference(&want).collect();
            assert!(
                extra.is_empty(),
                "program {seed} {threads:?} under {}: extra {extra:?}",
                model.name()
            );
            assert!(got_count <= want_count, "program {seed} {threads:?}");
            programs += 1;
            if got == want && got_count == want_count {
                exact += 1;
            }
        }
    }
    eprintln!("{exact} of {programs} programs exact");
    assert!(exact * 10 >= programs * 9, "{exact} of {programs} exact");
    assert!(
        exact < programs,
        "every program exact: assert equality instead"
    );
}

/// The oracle itself: on `XCHG+XCHG` it allows exactly herd 7.58's three states.
#[test]
fn the_oracle_matches_herd_on_xchg_xchg() {
    let threads = vec![vec![I::Xchg(X, 1)], vec![I::Xchg(X, 2)]];
    for tso in [false, true] {
        let (states, _) = oracle(&threads, &[X], tso);
        assert_eq!(
            regs(&states),
            BTreeSet::from([
                vec![vec![0], vec![1]],
                vec![vec![2], vec![0]],
                vec![vec![2], vec![1]],
            ])
        );
    }
}
