//! Sequential consistency (Lamport 1979), in the axiomatic form used by herd7's `sc.cat` and by
//! GenMC: a graph is consistent when `po ∪ rf ∪ co ∪ fr` is acyclic.
//!
//! Deviations: none. Spawn and join order count as program order, as in every model.

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
                if id.index + 1 < graph.thread_len(id.thread) {
                    rel.edges.push((me, me + 1));
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
