//! Sequential consistency (Lamport 1979), in the axiomatic form used by herd7's `sc.cat` and by
//! GenMC: a graph is consistent when `po ∪ rf ∪ co ∪ fr` is acyclic.
//!
//! Deviations: none. Spawn and join order count as program order, as in every model.
//!
//! A locked instruction performed write first ([`crate::graph::ReadKind::RmwAfterWrite`], x86
//! litmus tests only, see [`super::X86Locked`]) is one herd7 `XCHG` or `LOCK ADD` instruction:
//! program order does not order its two halves (herd's `po` relates instructions); herd's
//! `sc.cat` adds `empty(rmw ∩ (fre ; coe))` for them, which [`super::X86Locked`] checks.
//!
//! After one event is added to a consistent graph (or given another choice), a cycle must pass
//! through it. Nothing comes after it in its thread and nothing reads from it, so its only way
//! out is to the write after its source (a read) or after itself (a write) in coherence order,
//! and a cycle exists exactly when that write reaches the event before it in its thread
//! (every other way in is coherence-before that write). [`MemoryModel::is_consistent_with`]
//! answers that by a search that covers each thread as a suffix and each location as a suffix
//! of its coherence order.

use super::MemoryModel;
use crate::graph::{EventId, ExecutionGraph, Label, Source};

/// The sequential consistency model.
#[derive(Clone, Copy, Debug, Default)]
pub struct SequentialConsistency;

impl MemoryModel for SequentialConsistency {
    fn name(&self) -> &'static str {
        "sc"
    }

    fn reads_respect_porf(&self) -> bool {
        true
    }

    fn is_interleaving(&self) -> bool {
        true
    }

    fn is_consistent(&self, graph: &ExecutionGraph) -> bool {
        RelationGraph::with_sc_order(graph, RelationGraph::is_acyclic)
    }

    fn is_consistent_with(&self, graph: &ExecutionGraph, event: EventId) -> bool {
        let answer = acyclic_with(graph, event).unwrap_or_else(|| self.is_consistent(graph));
        debug_assert_eq!(
            answer,
            self.is_consistent(graph),
            "{event:?} in {}",
            graph.fingerprint()
        );
        answer
    }
}

/// A location during a [`Search`]: the smallest coherence position reached so far (from 1;
/// every later write is reached too), and its reads by the position of what they read.
#[derive(Default)]
struct Reached {
    from: u32,
    reads: Vec<(u32, EventId)>,
}

/// Reachability in `po ∪ rf ∪ co ∪ fr` (plus spawn and join), for checks after one event.
#[derive(Default)]
struct Search {
    /// Per thread: the first index reached (everything after it is reached too).
    first: Vec<u32>,
    /// Per thread and event: a write's coherence position, for the locations reached.
    positions: Vec<Vec<u32>>,
    locations: rustc_hash::FxHashMap<crate::event::Loc, usize>,
    reached: Vec<Reached>,
    /// Per thread: the joins of it.
    joins: Vec<Vec<EventId>>,
    joins_known: bool,
    /// Stretches of threads still to follow: (thread, from, to).
    work: Vec<(u32, u32, u32)>,
    /// The event the search must not pass through.
    skip: Option<EventId>,
    /// The search met what it cannot represent (see [`Search::run`]).
    aborted: bool,
}

thread_local! {
    static SEARCH: std::cell::RefCell<Search> = std::cell::RefCell::new(Search::default());
}

/// Whether `po ∪ rf ∪ co ∪ fr` (with spawn and join) stays acyclic in `graph`, which is
/// consistent without `event`, the last event of its thread and read by nobody; `None` when
/// the incremental search does not cover `event` (the caller checks in full). Shared with
/// RC11, whose graphs of only SeqCst accesses are consistent exactly when this holds and their
/// read-modify-writes are atomic (see [`super::all_sc`]).
pub(super) fn acyclic_with(graph: &ExecutionGraph, event: EventId) -> Option<bool> {
    SEARCH.with(|s| s.borrow_mut().extension(graph, event))
}

impl Search {
    /// Whether `graph`, consistent without `event`, is consistent; `None` when `event` is not
    /// something this check covers.
    fn extension(&mut self, graph: &ExecutionGraph, event: EventId) -> Option<bool> {
        if event.index == 0 || event.index + 1 != graph.thread_len(event.thread) {
            return None;
        }
        if graph.exchange_partner(event).is_some() {
            return None;
        }
        let start = match graph.event(event).label {
            Label::Read(r) => graph.co_next(r.loc, r.rf),
            Label::Write(w) => graph.co_next(w.loc, Source::Write(event)),
            _ => return None,
        };
        let Some(start) = start else {
            // Nothing is coherence-after: no way out of the event.
            return Some(true);
        };
        let target = EventId::new(event.thread, event.index - 1);
        self.reset(graph, event);
        self.reach(graph, start.thread, start.index);
        self.visit_location(graph, start);
        let cycle = self.run(graph, target);
        (!self.aborted).then_some(!cycle)
    }

    fn reset(&mut self, graph: &ExecutionGraph, skip: EventId) {
        let threads = graph.thread_count();
        self.first.clear();
        self.first.resize(threads, u32::MAX);
        if self.positions.len() < threads {
            self.positions.resize_with(threads, Vec::new);
        }
        for (t, p) in self.positions.iter_mut().enumerate().take(threads) {
            let len = graph.thread_len(crate::event::ThreadId(t as u32)) as usize;
            if p.len() < len {
                p.resize(len, 0);
            }
        }
        self.locations.clear();
        self.joins_known = false;
        self.work.clear();
        self.skip = Some(skip);
        self.aborted = false;
    }

    /// Marks thread `t` reached from index `i` on.
    fn reach(&mut self, graph: &ExecutionGraph, t: crate::event::ThreadId, i: u32) {
        let ti = t.index();
        if i >= self.first[ti] {
            return;
        }
        let end = self.first[ti].min(graph.thread_len(t));
        self.first[ti] = i;
        self.work.push((t.0, i, end));
    }

    /// Marks the write `w` and everything coherence-after it reached, with their readers.
    fn visit_location(&mut self, graph: &ExecutionGraph, w: EventId) {
        let loc = graph.write(w).loc;
        let state = self.location(graph, loc);
        let from = self.positions[w.thread.index()][w.index as usize];
        self.reach_from(graph, state, loc, from);
    }

    /// The state of `loc`, prepared on first use.
    fn location(&mut self, graph: &ExecutionGraph, loc: crate::event::Loc) -> usize {
        if let Some(&i) = self.locations.get(&loc) {
            return i;
        }
        let i = self.locations.len();
        if self.reached.len() <= i {
            self.reached.push(Reached::default());
        }
        let list = graph.co_order(loc);
        for (p, w) in list.iter().enumerate() {
            self.positions[w.thread.index()][w.index as usize] = p as u32 + 1;
        }
        let state = &mut self.reached[i];
        state.from = list.len() as u32 + 1;
        state.reads.clear();
        for &r in graph.reads_of(loc) {
            let pos = match graph.read(r).rf {
                Source::Init => 0,
                Source::Write(w) => self.positions[w.thread.index()][w.index as usize],
            };
            state.reads.push((pos, r));
        }
        state.reads.sort_unstable();
        self.locations.insert(loc, i);
        i
    }

    /// Marks the writes to `loc` from coherence position `from` on reached, with their readers.
    fn reach_from(
        &mut self,
        graph: &ExecutionGraph,
        state: usize,
        loc: crate::event::Loc,
        from: u32,
    ) {
        let old = self.reached[state].from;
        if from >= old {
            return;
        }
        self.reached[state].from = from;
        let list = graph.co_order(loc);
        for &w in &list[from as usize - 1..old as usize - 1] {
            self.reach(graph, w.thread, w.index);
        }
        let reads = &self.reached[state].reads;
        let lo = reads.partition_point(|&(p, _)| p < from);
        let hi = reads.partition_point(|&(p, _)| p < old);
        for k in lo..hi {
            let r = self.reached[state].reads[k].1;
            self.reach(graph, r.thread, r.index);
        }
    }

    /// Follows the reached stretches; true as soon as `target` is reached.
    fn run(&mut self, graph: &ExecutionGraph, target: EventId) -> bool {
        while let Some((t, from, to)) = self.work.pop() {
            let thread = crate::event::ThreadId(t);
            if thread == target.thread && from <= target.index {
                return true;
            }
            let events = graph.thread_events(thread);
            for i in from..to {
                let id = EventId::new(thread, i);
                if Some(id) == self.skip {
                    continue;
                }
                if i == from + 1 && graph.exchange_partner(id).is_some() {
                    // Reached an exchange's write half but not what comes before it: the read
                    // half is not reached, which a suffix cannot say. The caller checks in full.
                    self.aborted = true;
                    return false;
                }
                match events[i as usize].label {
                    Label::Write(w) => {
                        let state = self.location(graph, w.loc);
                        let pos = self.positions[t as usize][i as usize];
                        self.reach_from(graph, state, w.loc, pos);
                    }
                    Label::Read(r) => {
                        // fr: to the writes after the one it read.
                        if let Some(next) = graph.co_next(r.loc, r.rf) {
                            let state = self.location(graph, r.loc);
                            let pos = self.positions[next.thread.index()][next.index as usize];
                            self.reach_from(graph, state, r.loc, pos);
                        }
                    }
                    Label::Spawn { child } => self.reach(graph, child, 0),
                    _ => {}
                }
                if i as usize + 1 == events.len() {
                    self.reach_joins(graph, thread);
                }
            }
        }
        false
    }

    /// Marks the joins of `thread` reached.
    fn reach_joins(&mut self, graph: &ExecutionGraph, thread: crate::event::ThreadId) {
        if !self.joins_known {
            for j in &mut self.joins {
                j.clear();
            }
            if self.joins.len() < graph.thread_count() {
                self.joins.resize_with(graph.thread_count(), Vec::new);
            }
            for (id, e) in graph.events() {
                if let Label::Join { child } = e.label {
                    if child.index() < self.joins.len() {
                        self.joins[child.index()].push(id);
                    }
                }
            }
            self.joins_known = true;
        }
        for k in 0..self.joins.get(thread.index()).map_or(0, Vec::len) {
            let j = self.joins[thread.index()][k];
            self.reach(graph, j.thread, j.index);
        }
    }
}

/// A relation over the events of a graph, as a flat edge list over dense indexes. Buffers are
/// reused across checks: consistency is checked for many candidates of many reads and writes.
#[derive(Default)]
pub(crate) struct RelationGraph {
    offsets: Vec<u32>,
    edges: Vec<(u32, u32)>,
    co_next: Vec<u32>,
    co_first: rustc_hash::FxHashMap<crate::event::Loc, u32>,
    starts: Vec<u32>,
    fill: Vec<u32>,
    targets: Vec<u32>,
    indegree: Vec<u32>,
    ready: Vec<u32>,
}

const NONE: u32 = u32::MAX;

thread_local! {
    static SCRATCH: std::cell::RefCell<RelationGraph> =
        std::cell::RefCell::new(RelationGraph::default());
}

impl RelationGraph {
    fn reset(&mut self, graph: &ExecutionGraph) {
        self.offsets.clear();
        self.edges.clear();
        self.co_first.clear();
        let mut n = 0;
        for t in 0..graph.thread_count() {
            self.offsets.push(n);
            n += graph.thread_len(crate::event::ThreadId(t as u32));
        }
        self.offsets.push(n);
        self.co_next.clear();
        self.co_next.resize(n as usize, NONE);
    }

    fn len(&self) -> usize {
        self.offsets.last().copied().unwrap_or(0) as usize
    }

    fn index(&self, id: EventId) -> u32 {
        self.offsets[id.thread.index()] + id.index
    }

    /// Runs `f` on `po ∪ rf ∪ co ∪ fr` plus spawn and join edges, in a reused buffer.
    pub(crate) fn with_sc_order<R>(
        graph: &ExecutionGraph,
        f: impl FnOnce(&mut RelationGraph) -> R,
    ) -> R {
        SCRATCH.with(|cell| {
            let mut rel = cell.borrow_mut();
            rel.reset(graph);
            for (loc, list) in graph.co_lists() {
                let Some(&first) = list.first() else { continue };
                let first = rel.index(first);
                rel.co_first.insert(loc, first);
                for pair in list.windows(2) {
                    let (a, b) = (rel.index(pair[0]), rel.index(pair[1]));
                    rel.co_next[a as usize] = b;
                    rel.edges.push((a, b));
                }
            }
            for (id, e) in graph.events() {
                let me = rel.index(id);
                let len = graph.thread_len(id.thread);
                if id.index + 1 < len {
                    if graph.exchange_partner(EventId::new(id.thread, id.index + 1)) == Some(id) {
                        // The halves of one exchange are unordered: each is after what comes
                        // before the pair and before what comes after it.
                        rel.edges.push((me - 1, me + 1));
                        if id.index + 2 < len {
                            rel.edges.push((me, me + 2));
                        }
                    } else {
                        rel.edges.push((me, me + 1));
                    }
                }
                match e.label {
                    Label::Start {
                        spawned_by: Some(s),
                    } => {
                        let s = rel.index(s);
                        rel.edges.push((s, me));
                    }
                    Label::Join { child } => {
                        let len = graph.thread_len(child);
                        if len > 0 {
                            let last = rel.index(EventId::new(child, len - 1));
                            rel.edges.push((last, me));
                        }
                    }
                    Label::Read(r) => {
                        let overwriter = match r.rf {
                            Source::Write(w) => {
                                let w = rel.index(w);
                                rel.edges.push((w, me));
                                rel.co_next[w as usize]
                            }
                            Source::Init => rel.co_first.get(&r.loc).copied().unwrap_or(NONE),
                        };
                        if overwriter != NONE {
                            rel.edges.push((me, overwriter));
                        }
                    }
                    _ => {}
                }
            }
            f(&mut rel)
        })
    }

    /// Kahn's algorithm: acyclic iff every node can be removed.
    pub(crate) fn is_acyclic(&mut self) -> bool {
        let n = self.len();
        self.starts.clear();
        self.starts.resize(n + 1, 0);
        for &(a, _) in &self.edges {
            self.starts[a as usize + 1] += 1;
        }
        for i in 0..n {
            self.starts[i + 1] += self.starts[i];
        }
        self.targets.clear();
        self.targets.resize(self.edges.len(), 0);
        self.indegree.clear();
        self.indegree.resize(n, 0);
        self.fill.clear();
        self.fill.extend_from_slice(&self.starts);
        for &(a, b) in &self.edges {
            self.targets[self.fill[a as usize] as usize] = b;
            self.fill[a as usize] += 1;
            self.indegree[b as usize] += 1;
        }
        self.ready.clear();
        for i in 0..n as u32 {
            if self.indegree[i as usize] == 0 {
                self.ready.push(i);
            }
        }
        let mut removed = 0;
        while let Some(a) = self.ready.pop() {
            removed += 1;
            let (lo, hi) = (self.starts[a as usize], self.starts[a as usize + 1]);
            for k in lo..hi {
                let b = self.targets[k as usize] as usize;
                self.indegree[b] -= 1;
                if self.indegree[b] == 0 {
                    self.ready.push(b as u32);
                }
            }
        }
        removed == n
    }
}
