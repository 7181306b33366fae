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

    fn is_consistent(&self, graph: &ExecutionGraph) -> bool {
        RelationGraph::sc_order(graph).is_acyclic()
    }
}

/// A relation over the events of a graph, as adjacency lists over dense indexes.
pub(crate) struct RelationGraph {
    offsets: Vec<usize>,
    edges: Vec<Vec<u32>>,
}

impl RelationGraph {
    fn new(graph: &ExecutionGraph) -> RelationGraph {
        let mut offsets = Vec::with_capacity(graph.thread_count() + 1);
        let mut n = 0;
        for t in 0..graph.thread_count() {
            offsets.push(n);
            n += graph.thread_len(crate::event::ThreadId(t as u32)) as usize;
        }
        offsets.push(n);
        RelationGraph {
            offsets,
            edges: vec![Vec::new(); n],
        }
    }

    fn index(&self, id: EventId) -> u32 {
        (self.offsets[id.thread.index()] + id.index as usize) as u32
    }

    fn add(&mut self, from: EventId, to: EventId) {
        let (a, b) = (self.index(from), self.index(to));
        self.edges[a as usize].push(b);
    }

    /// `po ∪ rf ∪ co ∪ fr` plus spawn and join edges.
    pub(crate) fn sc_order(graph: &ExecutionGraph) -> RelationGraph {
        let mut rel = RelationGraph::new(graph);
        for (id, e) in graph.events() {
            if id.index + 1 < graph.thread_len(id.thread) {
                rel.add(id, EventId::new(id.thread, id.index + 1));
            }
            match e.label {
                Label::Start {
                    spawned_by: Some(s),
                } => rel.add(s, id),
                Label::Join { child } => {
                    let len = graph.thread_len(child);
                    if len > 0 {
                        rel.add(EventId::new(child, len - 1), id);
                    }
                }
                Label::Read(r) => {
                    if let Source::Write(w) = r.rf {
                        rel.add(w, id);
                    }
                    if let Some(next) = graph.co_next(r.loc, r.rf) {
                        rel.add(id, next);
                    }
                }
                Label::Write(w) => {
                    if let Some(next) = graph.co_next(w.loc, Source::Write(id)) {
                        rel.add(id, next);
                    }
                }
                _ => {}
            }
        }
        rel
    }

    /// Kahn's algorithm: acyclic iff every node can be removed.
    pub(crate) fn is_acyclic(&self) -> bool {
        let n = self.edges.len();
        let mut indegree = vec![0u32; n];
        for outs in &self.edges {
            for &b in outs {
                indegree[b as usize] += 1;
            }
        }
        let mut ready: Vec<u32> = (0..n as u32)
            .filter(|&i| indegree[i as usize] == 0)
            .collect();
        let mut removed = 0;
        while let Some(a) = ready.pop() {
            removed += 1;
            for &b in &self.edges[a as usize] {
                indegree[b as usize] -= 1;
                if indegree[b as usize] == 0 {
                    ready.push(b);
                }
            }
        }
        removed == n
    }
}
