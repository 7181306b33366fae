//! Races between x86 instructions, and which of them are *triangular*, after Scott Owens,
//! "Reasoning about the Implementation of Concurrency Abstractions on x86-TSO" (ECOOP 2010), as
//! seed 004 (the Corensic posts "Data Races at the Processor Level" and "Spinlock and Triangular
//! Races") retells it.
//!
//! Compiled for x86, every Rust access is one instruction (the mapping of `model/tso.rs`): loads
//! and Relaxed or Release stores are `MOV`s, SeqCst stores `XCHG`, read-modify-writes
//! `LOCK`-prefixed, `fence(SeqCst)` an `MFENCE`; `UnsafeCell` accesses are `MOV`s too. At that
//! level a *race* is two accesses to one location by different threads, at least one a write,
//! not both locked, that can run back to back in some sequentially consistent execution. A race
//! is *triangular* when its read is a plain `MOV` load and its thread made an earlier store, to
//! another location, with no `MFENCE` or locked instruction since: that store may still sit in
//! the store buffer when the load reads memory. Owens proves that a program without triangular
//! races behaves on x86-TSO as under SC; the other races are SC-preserving (the spin of a
//! spinlock on its lock word, which follows the `LOCK DEC` of the failed acquisition, is the
//! seed's example).
//!
//! How it is checked, after every complete execution:
//!
//! - Only graphs that are SC-consistent count. ravel explores under x86-TSO, whose executions
//!   include every SC one, and every SC interleaving belongs to exactly one explored graph. The
//!   graph's instructions (a read-modify-write's two events are one instruction) ordered by
//!   `po ∪ rf ∪ co ∪ fr` and spawn/join form a partial order P exactly when the graph is SC.
//! - Two conflicting accesses `a <P b` can run back to back in an interleaving of the graph iff
//!   nothing lies strictly between them in P (`b` covers `a`): no other successor of `a`
//!   reaches `b`. Reachability is a bit set per instruction, computed in reverse topological
//!   order. Conflicting accesses in an SC graph are always ordered by P one way.
//! - Triangularity walks back from the load over its thread's operations in the trace: a
//!   non-locked store (atomic `MOV`, cell write, mutex unlock) to another location first makes
//!   the race triangular; a locked instruction, an `MFENCE`, a spawn, join or condition-variable
//!   operation, or the thread's start first makes it non-triangular.
//!
//! A triangular race is reported as a data race showing the load, the racing store and the
//! buffered store; any other race as a `benign race (non-triangular)`. Each pair of source
//! places is reported once per exploration worker. Without the analysis, a data race on a cell
//! found under x86-TSO still says whether it is triangular ([`label_cell_race`]), by the same
//! walk from its read.
//!
//! Deviations, and why:
//!
//! - Owens considers every memory access. The words of ravel's mutexes and condition variables
//!   are left out as race candidates: they are library objects whose implementation's races are
//!   the library's business, and a mutex handed over (unlock, then another thread's `LOCK`'d
//!   acquisition) would otherwise be reported at every use. Their operations still count for
//!   triangularity as `model/tso.rs` maps them: a lock is locked, an unlock a `MOV` store, and
//!   condition-variable operations fence fully, like spawn and join.
//! - `UnsafeCell` accesses are not race candidates: two cell accesses unordered by
//!   happens-before are already a data race (the cell detector stops the execution), and
//!   ordered ones have a synchronising instruction between them, so they are never adjacent.
//!   Cell writes do count as stores that may be buffered.
//! - For the same reason, no non-atomic access of the graph is a race candidate: the parts of a
//!   `SplitCell` (whose unordered accesses the torn-read detector reports, `torn.rs`) and
//!   non-atomic accesses to atomics (`mixed_race.rs`). Without this, a split value's data race
//!   was reported as a triangular race "on an atomic", and stopped the search before the torn
//!   read it hides. Their writes still count as stores that may be buffered.
//! - An earlier store to the load's own location does not make the race triangular (the load
//!   would take that value from the buffer); the walk goes on past it.
//! - Only the executions the exploration reaches are judged: with a budget or a sampling
//!   strategy, races of unexplored executions are missed.
//! - A pair reported as benign in one execution and found triangular in a later one gets both
//!   reports (the benign one cannot be taken back).

use super::atomicity::event_count;
use super::{Access, BenignClass, ExecutionAnalysis, Finding, FindingKind};
use crate::event::{
    loc_name, FenceMode, Loc, Op, OpResult, ReadMode, SourceSpan, ThreadId, WriteMode,
};
use crate::explore::TraceStep;
use crate::graph::{EventId, ExecutionGraph, Label, ReadKind, Source};
use rustc_hash::FxHashSet;

/// No step.
const NONE: u32 = u32::MAX;

/// One access instruction of an execution.
#[derive(Clone, Copy, Debug)]
struct Instr {
    /// Its node in the instruction order.
    node: u32,
    /// Its first event (the read of a read-modify-write).
    event: EventId,
    loc: Loc,
    reads: bool,
    writes: bool,
    /// `LOCK`-prefixed or `XCHG`.
    locked: bool,
}

impl Instr {
    fn thread(&self) -> ThreadId {
        self.event.thread
    }

    /// The x86 instruction it compiles to.
    fn x86(&self) -> &'static str {
        match (self.reads, self.writes, self.locked) {
            (true, true, _) => "a LOCK'd read-modify-write",
            (false, true, true) => "an XCHG, a locked store",
            (false, true, false) => "a MOV store",
            (true, false, true) => "a LOCK'd compare-exchange that did not store",
            (true, false, false) => "a MOV load",
            (false, false, _) => "no access",
        }
    }
}

/// What the load's thread did last before it, as far as its store buffer goes.
#[derive(Clone, Copy, Debug)]
enum Buffer {
    /// This store (a step of the trace) may still be buffered: the race is triangular.
    Holds(u32),
    /// This step drained the buffer after the thread's last store.
    DrainedBy(u32),
    /// The thread stored nothing since it started.
    Empty,
}

/// How a race is classified.
#[derive(Clone, Copy, Debug)]
enum Verdict {
    /// The load may read around the buffered store (a step).
    Triangular { buffered: u32 },
    /// SC-preserving, and why.
    NonTriangular(Why),
}

/// Why a race is not triangular.
#[derive(Clone, Copy, Debug)]
enum Why {
    /// The load is part of a locked instruction, which drains the buffer first.
    LockedLoad,
    /// Both accesses write: only a load can read around a buffered store.
    TwoStores,
    /// The loading thread's buffer is empty: drained by this step, or nothing stored yet.
    Drained(Buffer),
}

/// The analysis; see the module documentation. Buffers are kept across executions.
#[derive(Debug, Default)]
pub struct TriangularRaceDetector {
    /// Per thread, where its events start in `node_of` and `step_of`.
    offsets: Vec<u32>,
    /// The instruction node of each event.
    node_of: Vec<u32>,
    /// The trace step of each event (`NONE` for starts and ends).
    step_of: Vec<u32>,
    nodes: u32,
    edges: Vec<(u32, u32)>,
    /// Successors in compressed rows: `succ[succ_start[n]..succ_start[n + 1]]`.
    succ_start: Vec<u32>,
    succ: Vec<u32>,
    indegree: Vec<u32>,
    topo: Vec<u32>,
    /// Strict successors in P, `words` 64-bit words per node.
    reach: Vec<u64>,
    words: usize,
    /// Locations of mutexes and condition variables.
    library: FxHashSet<Loc>,
    /// The access instructions, grouped by location.
    instrs: Vec<Instr>,
    /// Pairs of source places reported as triangular, and as non-triangular.
    triangular: FxHashSet<(SourceSpan, SourceSpan)>,
    non_triangular: FxHashSet<(SourceSpan, SourceSpan)>,
    benign: Vec<Finding>,
}

impl TriangularRaceDetector {
    /// A detector with empty buffers.
    pub fn new() -> TriangularRaceDetector {
        TriangularRaceDetector::default()
    }
}

impl ExecutionAnalysis for TriangularRaceDetector {
    fn name(&self) -> &'static str {
        "x86 triangular races"
    }

    fn check(&mut self, graph: &ExecutionGraph, trace: &[TraceStep]) -> Option<Finding> {
        self.benign.clear();
        if !self.collect(graph, trace) || !self.map_steps(graph, trace) || !self.order(graph) {
            return None;
        }
        self.races(trace)
    }

    fn take_benign(&mut self) -> Vec<Finding> {
        std::mem::take(&mut self.benign)
    }
}

/// The same pair of places in either order.
fn pair_key(a: SourceSpan, b: SourceSpan) -> (SourceSpan, SourceSpan) {
    let k = |s: &SourceSpan| (s.file, s.line, s.column);
    if k(&a) <= k(&b) {
        (a, b)
    } else {
        (b, a)
    }
}

/// Whether two instructions can race: different threads, one location, at least one write,
/// not both locked.
fn conflict(a: &Instr, b: &Instr) -> bool {
    a.thread() != b.thread() && (a.writes || b.writes) && !(a.locked && b.locked)
}

impl TriangularRaceDetector {
    /// Numbers the instructions and collects the race candidates; answers whether any pair of
    /// them could race at all (most executions stop here).
    fn collect(&mut self, graph: &ExecutionGraph, trace: &[TraceStep]) -> bool {
        self.library.clear();
        for step in trace {
            match step.op {
                Op::Lock(l) | Op::TryLock(l) | Op::Unlock(l) => {
                    self.library.insert(l);
                }
                Op::CondWait { cv, mutex } => {
                    self.library.insert(cv);
                    self.library.insert(mutex);
                }
                Op::CondWake { cv, .. } | Op::Notify { cv, .. } => {
                    self.library.insert(cv);
                }
                _ => {}
            }
        }
        self.offsets.clear();
        self.node_of.clear();
        self.instrs.clear();
        let mut nodes = 0u32;
        for t in 0..graph.thread_count() {
            let thread = ThreadId(t as u32);
            self.offsets.push(self.node_of.len() as u32);
            let events = graph.thread_events(thread);
            for (i, e) in events.iter().enumerate() {
                // The write half of a read-modify-write is the same instruction as its read.
                let second_half = i > 0 && matches!(e.label, Label::Write(w) if w.rmw);
                if !second_half {
                    nodes += 1;
                }
                let node = nodes - 1;
                self.node_of.push(node);
                let id = EventId::new(thread, i as u32);
                match e.label {
                    // Non-atomic accesses (a split value's parts) are not candidates: see the
                    // module's deviations.
                    Label::Read(r)
                        if r.mode != ReadMode::NonAtomic && !self.library.contains(&r.loc) =>
                    {
                        let writes = matches!(
                            events.get(i + 1).map(|n| n.label),
                            Some(Label::Write(w)) if w.rmw
                        );
                        self.instrs.push(Instr {
                            node,
                            event: id,
                            loc: r.loc,
                            reads: true,
                            writes,
                            locked: !matches!(r.kind, ReadKind::Plain),
                        });
                    }
                    Label::Write(w)
                        if !w.rmw
                            && w.mode != WriteMode::NonAtomic
                            && !self.library.contains(&w.loc) =>
                    {
                        self.instrs.push(Instr {
                            node,
                            event: id,
                            loc: w.loc,
                            reads: false,
                            writes: true,
                            locked: w.mode == WriteMode::SeqCst,
                        });
                    }
                    _ => {}
                }
            }
        }
        self.offsets.push(self.node_of.len() as u32);
        self.nodes = nodes;
        self.instrs.sort_by_key(|i| (i.loc, i.event));
        self.groups().any(|g| {
            g.iter()
                .enumerate()
                .any(|(i, a)| g[i + 1..].iter().any(|b| conflict(a, b)))
        })
    }

    /// The race candidates of each location.
    fn groups(&self) -> impl Iterator<Item = &[Instr]> {
        self.instrs.chunk_by(|a, b| a.loc == b.loc)
    }

    fn index(&self, e: EventId) -> usize {
        self.offsets[e.thread.index()] as usize + e.index as usize
    }

    fn node(&self, e: EventId) -> u32 {
        self.node_of[self.index(e)]
    }

    /// Finds the trace step of every event; answers false if trace and graph disagree (then
    /// the execution is skipped).
    fn map_steps(&mut self, graph: &ExecutionGraph, trace: &[TraceStep]) -> bool {
        self.step_of.clear();
        self.step_of.resize(self.node_of.len(), NONE);
        let threads = graph.thread_count();
        let mut cursor = vec![1u32; threads];
        for (i, step) in trace.iter().enumerate() {
            let t = step.thread.index();
            if t >= threads {
                return false;
            }
            let count = event_count(&step.op, &step.result);
            let first = cursor[t];
            if first + count > graph.thread_len(step.thread) {
                return false;
            }
            if let [Some(loc), _] = step.op.locations() {
                let at = graph.event(EventId::new(step.thread, first)).label;
                let fits = at.loc() == Some(loc);
                if count > 0 && !fits {
                    return false;
                }
            }
            let base = self.offsets[t] + first;
            for k in 0..count {
                self.step_of[(base + k) as usize] = i as u32;
            }
            cursor[t] += count;
        }
        true
    }

    /// Builds the instruction order P and its reachability; answers false if the graph is not
    /// sequentially consistent (P has a cycle).
    fn order(&mut self, graph: &ExecutionGraph) -> bool {
        self.edges.clear();
        for t in 0..graph.thread_count() {
            let thread = ThreadId(t as u32);
            let events = graph.thread_events(thread);
            for (i, e) in events.iter().enumerate() {
                let id = EventId::new(thread, i as u32);
                let here = self.node(id);
                if i > 0 {
                    let prev = self.node(EventId::new(thread, i as u32 - 1));
                    if prev != here {
                        self.edges.push((prev, here));
                    }
                }
                match e.label {
                    Label::Start {
                        spawned_by: Some(parent),
                    } => self.edges.push((self.node(parent), here)),
                    Label::Join { child } => {
                        let len = graph.thread_len(child);
                        if len > 0 {
                            self.edges
                                .push((self.node(EventId::new(child, len - 1)), here));
                        }
                    }
                    Label::Read(r) => {
                        if let Source::Write(w) = r.rf {
                            self.edges.push((self.node(w), here));
                        }
                        // fr: the write right after the one read, in coherence order.
                        if let Some(next) = graph.co_next(r.loc, r.rf) {
                            let next = self.node(next);
                            if next != here {
                                self.edges.push((here, next));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        for (_, co) in graph.co_lists() {
            for pair in co.windows(2) {
                self.edges.push((self.node(pair[0]), self.node(pair[1])));
            }
        }
        let n = self.nodes as usize;
        self.edges.sort_unstable();
        self.edges.dedup();
        self.succ_start.clear();
        self.succ_start.resize(n + 1, 0);
        self.indegree.clear();
        self.indegree.resize(n, 0);
        for &(a, b) in &self.edges {
            self.succ_start[a as usize + 1] += 1;
            self.indegree[b as usize] += 1;
        }
        for i in 0..n {
            self.succ_start[i + 1] += self.succ_start[i];
        }
        self.succ.clear();
        self.succ.extend(self.edges.iter().map(|&(_, b)| b));
        // Kahn's algorithm: a node is placed once all its predecessors are.
        self.topo.clear();
        self.topo
            .extend((0..n as u32).filter(|&i| self.indegree[i as usize] == 0));
        let mut next = 0;
        while next < self.topo.len() {
            let a = self.topo[next] as usize;
            next += 1;
            for k in self.succ_start[a]..self.succ_start[a + 1] {
                let b = self.succ[k as usize] as usize;
                self.indegree[b] -= 1;
                if self.indegree[b] == 0 {
                    self.topo.push(b as u32);
                }
            }
        }
        if self.topo.len() < n {
            return false;
        }
        let words = n.div_ceil(64);
        self.words = words;
        self.reach.clear();
        self.reach.resize(n * words, 0);
        for &a in self.topo.iter().rev() {
            let a = a as usize;
            for k in self.succ_start[a]..self.succ_start[a + 1] {
                let b = self.succ[k as usize] as usize;
                self.reach[a * words + b / 64] |= 1 << (b % 64);
                for w in 0..words {
                    let bits = self.reach[b * words + w];
                    self.reach[a * words + w] |= bits;
                }
            }
        }
        true
    }

    /// `b` comes after `a` in P.
    fn reaches(&self, a: u32, b: u32) -> bool {
        let (a, b) = (a as usize, b as usize);
        self.reach[a * self.words + b / 64] & (1 << (b % 64)) != 0
    }

    /// `b` comes right after `a` in P: no other successor of `a` leads to `b`.
    fn covers(&self, a: u32, b: u32) -> bool {
        let a = a as usize;
        self.succ[self.succ_start[a] as usize..self.succ_start[a + 1] as usize]
            .iter()
            .all(|&s| s == b || !self.reaches(s, b))
    }

    /// Reports the races of the execution: answers the first triangular race not reported
    /// before, and queues the new non-triangular ones.
    fn races(&mut self, trace: &[TraceStep]) -> Option<Finding> {
        let mut bug = None;
        let mut found = Vec::new();
        for group in self.groups() {
            for (i, a) in group.iter().enumerate() {
                for b in &group[i + 1..] {
                    if !conflict(a, b) {
                        continue;
                    }
                    let (first, second) = if self.reaches(a.node, b.node) {
                        (a, b)
                    } else if self.reaches(b.node, a.node) {
                        (b, a)
                    } else {
                        // Unordered conflicting accesses cannot occur in an SC graph.
                        continue;
                    };
                    if self.covers(first.node, second.node) {
                        found.push((*first, *second));
                    }
                }
            }
        }
        for (first, second) in found {
            let (Some(s1), Some(s2)) = (self.step(first), self.step(second)) else {
                continue;
            };
            let key = pair_key(trace[s1 as usize].span, trace[s2 as usize].span);
            match classify(trace, &first, &second, s1, s2) {
                Verdict::Triangular { buffered } => {
                    if bug.is_none() && self.triangular.insert(key) {
                        let (load, store, ls, ss) = if first.reads && !first.writes {
                            (first, second, s1, s2)
                        } else {
                            (second, first, s2, s1)
                        };
                        bug = Some(triangular_finding(trace, &load, &store, ls, ss, buffered));
                    }
                }
                Verdict::NonTriangular(why) => {
                    if !self.triangular.contains(&key) && self.non_triangular.insert(key) {
                        let finding = benign_finding(trace, &first, &second, s1, s2, why);
                        self.benign.push(finding);
                    }
                }
            }
        }
        bug
    }

    fn step(&self, i: Instr) -> Option<u32> {
        let s = self.step_of[self.index(i.event)];
        (s != NONE).then_some(s)
    }
}

/// Classifies the race between `first` and `second` (steps `s1`, `s2`).
fn classify(trace: &[TraceStep], first: &Instr, second: &Instr, s1: u32, s2: u32) -> Verdict {
    let load = |i: &Instr| i.reads && !i.writes;
    let (l, step) = match (load(first), load(second)) {
        (true, _) => (first, s1),
        (_, true) => (second, s2),
        _ if first.reads || second.reads => return Verdict::NonTriangular(Why::LockedLoad),
        _ => return Verdict::NonTriangular(Why::TwoStores),
    };
    if l.locked {
        return Verdict::NonTriangular(Why::LockedLoad);
    }
    match buffer_before(trace, step, l.loc) {
        Buffer::Holds(buffered) => Verdict::Triangular { buffered },
        drained => Verdict::NonTriangular(Why::Drained(drained)),
    }
}

/// What may be in the store buffer of the thread of step `load` (a load of `loc`) when it runs.
fn buffer_before(trace: &[TraceStep], load: u32, loc: Loc) -> Buffer {
    let t = trace[load as usize].thread;
    for i in (0..load).rev() {
        let step = &trace[i as usize];
        if step.thread != t {
            continue;
        }
        match step.op {
            Op::Load { .. } | Op::Yield => {}
            // Only `fence(SeqCst)` compiles to an instruction, MFENCE.
            Op::Fence(mode) => {
                if mode == FenceMode::SeqCst {
                    return Buffer::DrainedBy(i);
                }
            }
            Op::CellAccess { loc: l, write } | Op::ShapedCellAccess { loc: l, write, .. } => {
                if write && l != loc {
                    return Buffer::Holds(i);
                }
            }
            Op::Store { loc: l, mode, .. } => {
                if mode == WriteMode::SeqCst {
                    return Buffer::DrainedBy(i);
                }
                if l != loc {
                    return Buffer::Holds(i);
                }
            }
            // One part of a value written in parts: a MOV store of that part.
            Op::SplitAccess { loc: l, part, .. } => {
                if part.is_write() && l != loc {
                    return Buffer::Holds(i);
                }
            }
            // An unlock is a MOV store in ravel's x86 mapping.
            Op::Unlock(l) => {
                if l != loc {
                    return Buffer::Holds(i);
                }
            }
            Op::Rmw { .. }
            | Op::CompareExchange { .. }
            | Op::Lock(_)
            | Op::TryLock(_)
            | Op::Spawn
            | Op::Join(_)
            | Op::CondWait { .. }
            | Op::CondWake { .. }
            | Op::Notify { .. } => return Buffer::DrainedBy(i),
        }
    }
    Buffer::Empty
}

/// Says in the report of a data race on a cell, found under x86-TSO, whether the race is
/// triangular there: whether the reading thread may still hold an earlier store in its store
/// buffer when it reads (the classification of this module, without the opt-in analysis).
/// `trace` is the execution up to the access that completed the race, its last step.
pub fn label_cell_race(finding: &mut Finding, trace: &[TraceStep]) {
    fn cell(op: &Op) -> Option<(Loc, bool)> {
        match *op {
            Op::CellAccess { loc, write } | Op::ShapedCellAccess { loc, write, .. } => {
                Some((loc, write))
            }
            _ => None,
        }
    }
    let Some(last) = trace.len().checked_sub(1) else {
        return;
    };
    let [earlier, later] = &finding.sides[..] else {
        return;
    };
    let Some((loc, later_writes)) = cell(&trace[last].op) else {
        return;
    };
    let completes = trace[last].thread == later.thread && Some(trace[last].span) == later.span;
    if finding.kind != FindingKind::DataRace || !completes {
        return;
    }
    let read = if later_writes {
        trace[..last].iter().rposition(|s| {
            s.thread == earlier.thread
                && Some(s.span) == earlier.span
                && cell(&s.op) == Some((loc, false))
        })
    } else {
        Some(last)
    };
    let line = match read.map(|r| (r, buffer_before(trace, r as u32, loc))) {
        None => "under x86-TSO the race is not triangular: both accesses write".to_string(),
        Some((r, Buffer::Holds(b))) => {
            let s = &trace[b as usize];
            format!(
                "under x86-TSO the race is triangular: {}'s earlier store `{}` at {} may still \
                 be in its store buffer when it reads (Owens, ECOOP 2010)",
                trace[r].thread,
                s.op.describe(),
                s.span
            )
        }
        Some((r, Buffer::DrainedBy(b))) => {
            let s = &trace[b as usize];
            format!(
                "under x86-TSO the race is non-triangular (SC-preserving): `{}` at {} drains \
                 {}'s store buffer before it reads",
                s.op.describe(),
                s.span,
                trace[r].thread
            )
        }
        Some((r, Buffer::Empty)) => format!(
            "under x86-TSO the race is non-triangular (SC-preserving): {} stores nothing \
             before it reads",
            trace[r].thread
        ),
    };
    finding.details.push(line);
}

/// A step as a side of a report: the operation and what it answered.
fn side(trace: &[TraceStep], step: u32, role: String) -> Access {
    let s = &trace[step as usize];
    let op = s.op.describe();
    let what = match s.result {
        OpResult::Value(v) => format!("{op} -> {v}"),
        OpResult::Cas { value, ok } => {
            format!("{op} -> {value} ({})", if ok { "stored" } else { "failed" })
        }
        _ => op,
    };
    Access {
        thread: s.thread,
        thread_name: None,
        operation: format!("{what}: {role}"),
        span: Some(s.span),
    }
}

fn triangular_finding(
    trace: &[TraceStep],
    load: &Instr,
    store: &Instr,
    ls: u32,
    ss: u32,
    buffered: u32,
) -> Finding {
    let (t, u) = (load.thread(), store.thread());
    let x = loc_name(load.loc);
    let y = match trace[buffered as usize].op {
        Op::SplitAccess { loc, .. } => format!("a part of split value {}", loc_name(loc)),
        Op::CellAccess { loc, .. } | Op::ShapedCellAccess { loc, .. } => {
            format!("cell {}", loc_name(loc))
        }
        Op::Unlock(l) => format!("mutex {}", loc_name(l)),
        op => match op.locations() {
            [Some(l), _] => format!("atomic {}", loc_name(l)),
            _ => "another location".to_string(),
        },
    };
    Finding {
        kind: FindingKind::DataRace,
        summary: format!(
            "triangular race on atomic {x} under x86-TSO: {t}'s load races with {u}'s store \
             while {t}'s earlier store to {y} may still be in its store buffer"
        ),
        sides: vec![
            side(trace, ls, format!("the racing load, {}", load.x86())),
            side(trace, ss, format!("the racing store, {}", store.x86())),
            side(
                trace,
                buffered,
                "the earlier store, a MOV that may still be buffered (no MFENCE or locked \
                 instruction between it and (1))"
                    .to_string(),
            ),
        ],
        details: vec![
            "(1) and (2) can run back to back in a sequentially consistent execution: a race \
             between x86 instructions (one writes, not both are locked)"
                .to_string(),
            format!(
                "triangular (Owens, ECOOP 2010): (1) can read memory while (3) still sits in \
                 {t}'s store buffer, so other threads may see (1) happen before (3); with such \
                 a race a program can behave under x86-TSO in a way no interleaving allows"
            ),
        ],
        hint: Some(
            "put an MFENCE (`fence(Ordering::SeqCst)`) between (3) and (1), or make (3) a SeqCst \
             store (an XCHG) or (1) a read-modify-write: a locked instruction drains the store \
             buffer"
                .to_string(),
        ),
    }
}

fn benign_finding(
    trace: &[TraceStep],
    first: &Instr,
    second: &Instr,
    s1: u32,
    s2: u32,
    why: Why,
) -> Finding {
    let (t, u) = (first.thread(), second.thread());
    let x = loc_name(first.loc);
    let access = |i: &Instr| match (i.reads, i.writes) {
        (true, true) => "read-modify-write",
        (true, false) => "load",
        _ => "store",
    };
    let loader = if first.reads && !first.writes { t } else { u };
    let why = match why {
        Why::TwoStores => {
            "both accesses write: only a load can read around a buffered store".to_string()
        }
        Why::LockedLoad => {
            "the read is part of a locked instruction, which drains its thread's store buffer \
             first"
                .to_string()
        }
        Why::Drained(Buffer::DrainedBy(step)) => {
            let s = &trace[step as usize];
            format!(
                "{loader}'s last store before the load is followed by `{}` at {}, which drains \
                 the store buffer (a locked instruction, an MFENCE or a thread operation)",
                s.op.describe(),
                s.span
            )
        }
        Why::Drained(_) => format!("{loader} stores nothing before the load"),
    };
    Finding {
        kind: FindingKind::BenignRace(BenignClass::NonTriangular),
        summary: format!(
            "x86 race on atomic {x} between {t}'s {} and {u}'s {}, not triangular",
            access(first),
            access(second)
        ),
        sides: vec![
            side(trace, s1, first.x86().to_string()),
            side(trace, s2, second.x86().to_string()),
        ],
        details: vec![
            "(1) and (2) can run back to back in a sequentially consistent execution: a race \
             between x86 instructions (one writes, not both are locked)"
                .to_string(),
            format!("non-triangular: {why}"),
            "SC-preserving under x86-TSO: a program whose races are all non-triangular behaves \
             as under sequential consistency (Owens, ECOOP 2010)"
                .to_string(),
        ],
        hint: Some(
            "nothing to fix if the race is meant (a spin on a lock word); at the language level \
             these are atomic accesses, not undefined behaviour"
                .to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::x86_race_analyses;
    use crate::event::{Program, ReadMode, Request, RmwKind, RmwMode, RmwUpdate};
    use crate::explore::{explore, ExploreConfig};
    use crate::model::MemoryModelKind;
    use crate::report::{Outcome, Report};

    /// A program without control flow: main runs `before`, spawns one thread per list of
    /// `workers`, joins them all. Operation `j` of worker `i` is at `test:i+1:j+1`; main's at
    /// line 0.
    struct Straight {
        before: Vec<Op>,
        workers: Vec<Vec<Op>>,
        main_pc: usize,
        /// Per thread id: its worker and its next operation.
        running: Vec<Option<(usize, usize)>>,
        children: Vec<ThreadId>,
        benign: Vec<Report>,
    }

    impl Straight {
        fn new(before: Vec<Op>, workers: Vec<Vec<Op>>) -> Straight {
            Straight {
                before,
                workers,
                main_pc: 0,
                running: Vec::new(),
                children: Vec::new(),
                benign: Vec::new(),
            }
        }

        fn main_next(&mut self) -> Request {
            let (b, n) = (self.before.len(), self.workers.len());
            let pc = self.main_pc;
            self.main_pc += 1;
            let span = at(0, pc);
            if pc < b {
                Request::op(self.before[pc], span)
            } else if pc < b + n {
                Request::op(Op::Spawn, span)
            } else if pc < b + 2 * n {
                Request::op(Op::Join(self.children[pc - b - n]), span)
            } else {
                Request::Finished
            }
        }
    }

    fn at(line: usize, pc: usize) -> SourceSpan {
        SourceSpan {
            file: "test",
            line: line as u32,
            column: pc as u32 + 1,
        }
    }

    impl Program for Straight {
        fn start(&mut self) -> Request {
            self.main_pc = 0;
            self.running.clear();
            self.children.clear();
            self.main_next()
        }

        fn resume(&mut self, thread: ThreadId, result: OpResult) -> Request {
            if thread == ThreadId::MAIN {
                if let OpResult::Spawned(child) = result {
                    let worker = self.children.len();
                    self.children.push(child);
                    if self.running.len() <= child.index() {
                        self.running.resize(child.index() + 1, None);
                    }
                    self.running[child.index()] = Some((worker, 0));
                }
                return self.main_next();
            }
            let slot = self.running[thread.index()].as_mut().expect("a worker");
            let (worker, pc) = *slot;
            slot.1 += 1;
            match self.workers[worker].get(pc) {
                Some(&op) => Request::op(op, at(worker + 1, pc)),
                None => Request::Finished,
            }
        }

        fn abort(&mut self) {}

        fn benign_race(&mut self, report: Report) {
            self.benign.push(report);
        }
    }

    const X: Loc = Loc(1);
    const Y: Loc = Loc(2);
    const LCK: Loc = Loc(3);

    fn store(loc: Loc, mode: WriteMode) -> Op {
        Op::Store {
            loc,
            init: 0,
            val: 1,
            mode,
        }
    }

    fn load(loc: Loc) -> Op {
        Op::Load {
            loc,
            init: 0,
            mode: ReadMode::Relaxed,
        }
    }

    fn fetch_sub(loc: Loc) -> Op {
        Op::Rmw {
            loc,
            init: 0,
            update: RmwUpdate {
                kind: RmwKind::Sub,
                operand: 1,
                bits: 32,
                signed: true,
            },
            mode: RmwMode::SeqCst,
        }
    }

    fn run(program: &mut Straight, model: MemoryModelKind) -> Outcome {
        let mut config = ExploreConfig::new(model.model());
        config.analyses = x86_race_analyses;
        config.keep_going = true;
        explore(program, &mut config)
    }

    /// Store buffering: each thread stores, then loads what the other stored.
    fn sb(first: Vec<Op>) -> Straight {
        let mut t1 = first.clone();
        t1.push(load(Y));
        let mut t2: Vec<Op> = first
            .iter()
            .map(|op| match *op {
                Op::Store { mode, .. } => store(Y, mode),
                op => op,
            })
            .collect();
        t2.push(load(X));
        Straight::new(vec![], vec![t1, t2])
    }

    fn bugs(o: &Outcome) -> Vec<&Finding> {
        o.reports.iter().map(|r| &r.finding).collect()
    }

    fn only_benign(p: &Straight, o: &Outcome) {
        assert!(o.complete);
        assert!(o.reports.is_empty(), "unexpected bug: {}", o.reports[0]);
        assert!(!p.benign.is_empty(), "the races should be reported");
        for r in &p.benign {
            let f = &r.finding;
            assert_eq!(f.kind, FindingKind::BenignRace(BenignClass::NonTriangular));
            assert_eq!(f.sides.len(), 2);
            assert!(f.details.iter().any(|d| d.contains("SC-preserving")));
        }
    }

    #[test]
    fn store_buffering_with_movs_is_triangular() {
        let mut p = sb(vec![store(X, WriteMode::Relaxed)]);
        let o = run(&mut p, MemoryModelKind::Tso);
        let bugs = bugs(&o);
        // One per load: each races with the other thread's store.
        assert_eq!(bugs.len(), 2, "{:?}", bugs);
        for f in bugs {
            assert_eq!(f.kind, FindingKind::DataRace);
            assert!(f.summary.starts_with("triangular race"));
            assert_eq!(f.sides.len(), 3);
            let (load, store, buffered) = (&f.sides[0], &f.sides[1], &f.sides[2]);
            assert!(load.operation.starts_with("load"), "{}", load.operation);
            assert!(store.operation.starts_with("store"), "{}", store.operation);
            assert_ne!(load.thread, store.thread);
            // The buffered store is the load's thread's own first operation.
            assert_eq!(buffered.thread, load.thread);
            assert_eq!(buffered.span.map(|s| s.column), Some(1));
            assert_eq!(load.span.map(|s| s.line), buffered.span.map(|s| s.line));
        }
    }

    #[test]
    fn store_buffering_with_xchg_is_not_triangular() {
        let mut p = sb(vec![store(X, WriteMode::SeqCst)]);
        let o = run(&mut p, MemoryModelKind::Tso);
        only_benign(&p, &o);
        // Each load races with the other thread's XCHG, after its own XCHG drained the buffer.
        for r in &p.benign {
            let f = &r.finding;
            assert!(f
                .sides
                .iter()
                .any(|s| s.operation.ends_with("an XCHG, a locked store")));
            assert!(
                f.details[1].contains("followed by `store #"),
                "{}",
                f.details[1]
            );
            assert!(f.details[1].contains("(SeqCst)`"), "{}", f.details[1]);
        }
    }

    #[test]
    fn store_buffering_with_mfence_is_not_triangular() {
        let mut p = sb(vec![
            store(X, WriteMode::Relaxed),
            Op::Fence(FenceMode::SeqCst),
        ]);
        let o = run(&mut p, MemoryModelKind::Tso);
        only_benign(&p, &o);
        assert!(p
            .benign
            .iter()
            .all(|r| r.finding.details[1].contains("fence(SeqCst)")));
    }

    #[test]
    fn release_and_acquire_fences_do_not_drain_the_buffer() {
        let mut p = sb(vec![
            store(X, WriteMode::Release),
            Op::Fence(FenceMode::AcqRel),
        ]);
        let o = run(&mut p, MemoryModelKind::Tso);
        assert_eq!(bugs(&o).len(), 2);
    }

    #[test]
    fn spin_after_a_locked_decrement_is_not_triangular() {
        // The seed's spinlock, unrolled: a failed `lock dec`, a spin load; the holder's `mov`.
        let waiter = vec![fetch_sub(LCK), load(LCK)];
        let holder = vec![fetch_sub(LCK), store(LCK, WriteMode::Release)];
        let mut p = Straight::new(vec![], vec![waiter, holder]);
        let o = run(&mut p, MemoryModelKind::Tso);
        only_benign(&p, &o);
        let spin_race = p.benign.iter().find(|r| {
            let sides = &r.finding.sides;
            sides.iter().any(|s| s.operation.starts_with("load"))
                && sides.iter().any(|s| s.operation.starts_with("store"))
        });
        let spin_race = spin_race.expect("the spin load races with the release");
        assert!(spin_race.finding.details[1].contains("Sub"));
    }

    #[test]
    fn spin_after_an_unfenced_store_is_triangular() {
        let waiter = vec![fetch_sub(LCK), store(X, WriteMode::Relaxed), load(LCK)];
        let holder = vec![fetch_sub(LCK), store(LCK, WriteMode::Release)];
        let mut p = Straight::new(vec![], vec![waiter, holder]);
        let o = run(&mut p, MemoryModelKind::Tso);
        let bugs = bugs(&o);
        assert!(!bugs.is_empty());
        for f in bugs {
            assert_eq!(
                f.sides[2].span,
                Some(at(1, 1)),
                "the store to X is buffered"
            );
            assert_eq!(f.sides[0].span, Some(at(1, 2)), "the spin load races");
        }
    }

    #[test]
    fn two_racing_stores_are_not_triangular() {
        let mut p = Straight::new(
            vec![],
            vec![
                vec![store(Y, WriteMode::Relaxed), store(X, WriteMode::Relaxed)],
                vec![store(X, WriteMode::Relaxed)],
            ],
        );
        let o = run(&mut p, MemoryModelKind::Tso);
        only_benign(&p, &o);
        assert_eq!(p.benign.len(), 1, "one pair of places, reported once");
        assert!(p.benign[0].finding.details[1].contains("both accesses write"));
    }

    #[test]
    fn accesses_ordered_by_spawn_do_not_race() {
        // Main's store cannot run right before the child's load: the spawn is between them.
        // (Were it a race, it would be triangular: the child stored to Y first.)
        let mut p = Straight::new(
            vec![store(X, WriteMode::Relaxed)],
            vec![vec![store(Y, WriteMode::Relaxed), load(X)]],
        );
        let o = run(&mut p, MemoryModelKind::Tso);
        assert!(o.reports.is_empty() && p.benign.is_empty());
    }

    #[test]
    fn a_load_of_a_thread_that_stored_nothing_is_not_triangular() {
        // t1 reads X only after reading t2's second write, which follows t2's write of X:
        // in every graph where t1 reads Y from t2, something lies between X's store and load.
        // The graphs where t1 reads Y = 0 do make them adjacent, so the race is reported once,
        // benign (t1 stores nothing).
        let mut p = Straight::new(
            vec![],
            vec![
                vec![load(Y), load(X)],
                vec![store(X, WriteMode::Relaxed), store(Y, WriteMode::Relaxed)],
            ],
        );
        let o = run(&mut p, MemoryModelKind::Tso);
        only_benign(&p, &o);
        assert!(p
            .benign
            .iter()
            .all(|r| r.finding.details[1].contains("stores nothing")));
    }

    #[test]
    fn accesses_under_one_mutex_do_not_race() {
        // An unlock and a lock always come between the two critical sections, and the mutex's
        // own word is not a race candidate: nothing at all to report, though the reader's
        // load follows an unfenced store (were it a race, it would be triangular).
        const M: Loc = Loc(9);
        let writer = vec![Op::Lock(M), store(X, WriteMode::Relaxed), Op::Unlock(M)];
        let reader = vec![
            Op::Lock(M),
            store(Y, WriteMode::Relaxed),
            load(X),
            Op::Unlock(M),
        ];
        let mut p = Straight::new(vec![], vec![writer, reader]);
        let o = run(&mut p, MemoryModelKind::Tso);
        assert!(o.complete && o.executions == 2);
        assert!(o.reports.is_empty() && p.benign.is_empty());
    }

    #[test]
    fn nothing_without_the_analysis() {
        let mut p = sb(vec![store(X, WriteMode::Relaxed)]);
        let mut config = ExploreConfig::new(MemoryModelKind::Tso.model());
        config.analyses = crate::detect::standard_analyses;
        let o = explore(&mut p, &mut config);
        assert!(o.complete && o.reports.is_empty() && p.benign.is_empty());
    }

    #[test]
    fn each_pair_of_places_is_reported_once() {
        let mut p = sb(vec![store(X, WriteMode::SeqCst)]);
        let o = run(&mut p, MemoryModelKind::Tso);
        assert!(o.executions > 1);
        let mut keys: Vec<_> = p
            .benign
            .iter()
            .map(|r| {
                pair_key(
                    r.finding.sides[0].span.unwrap(),
                    r.finding.sides[1].span.unwrap(),
                )
            })
            .collect();
        let n = keys.len();
        assert!(n > 0, "the shape has benign races to report");
        keys.sort_by_key(|(a, b)| (a.line, a.column, b.line, b.column));
        keys.dedup();
        assert_eq!(keys.len(), n);
    }
}
