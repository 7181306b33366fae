//! RC11's `acyclic(psc)` for graphs whose memory accesses are all SeqCst and that have no fences
//! (the views count what is weaker, `Views::weaker_than_sc`): there it equals plain sequential consistency, `acyclic(sb ∪ rf ∪ mo ∪ rb)` with thread
//! creation and joining, which a linear-time topological sort decides instead of building `psc`
//! over every pair of SC events.
//!
//! Why they agree (Lahav et al., PLDI 2017: programs with only SC accesses have only SC
//! behaviours). Every relation `psc` is built from lies in `(sb ∪ rf ∪ mo ∪ rb)+` when every
//! access is SC: `hb` is made of `sb`, `rf` and the release sequences' `rf;rmw`; `scb`'s other
//! parts are `mo` and `rb`. So an acyclic `sb ∪ rf ∪ mo ∪ rb` makes `psc` acyclic. Conversely,
//! with every access SC, `sb`, `rf` (a synchronising `hb|loc` edge), `mo` and `rb` between
//! accesses are all `psc` edges, so a cycle among them is a `psc` cycle; a cycle through thread
//! creation or joining also runs through `hb`, which coherence (already checked) and `psc` order
//! the same way. The property tests cross-check this path against the general one.
//!
//! Deviation from the paper's presentation: none in what is allowed; this is an optimisation of
//! the check (the indexer benchmark spent half its time building `psc`).

use crate::event::{ReadMode, WriteMode};
use crate::graph::{EventId, ExecutionGraph, Label, Source};

/// Whether this check applies: every access of `graph` is SeqCst and it has no fences. A scan of
/// the labels, cheaper than bringing RC11's views up to date, so that the incremental check
/// after one event can skip the views altogether.
pub(crate) fn only_sc_accesses(graph: &ExecutionGraph) -> bool {
    (0..graph.thread_count() as u32).all(|t| {
        graph
            .thread_events(crate::event::ThreadId(t))
            .iter()
            .all(|e| match &e.label {
                Label::Read(r) => r.mode == ReadMode::SeqCst,
                Label::Write(w) => w.mode == WriteMode::SeqCst,
                Label::Fence(_) => false,
                _ => true,
            })
    })
}

/// Reusable buffers for the check.
#[derive(Default, Debug)]
pub(crate) struct AllScCheck {
    /// Node number of each thread's first event.
    offsets: Vec<u32>,
    /// Edges as (from, to), then sorted by `from` into `targets` with `starts`.
    edges: Vec<(u32, u32)>,
    starts: Vec<u32>,
    targets: Vec<u32>,
    fill: Vec<u32>,
    indegree: Vec<u32>,
    ready: Vec<u32>,
}

impl AllScCheck {
    /// `acyclic(sb ∪ rf ∪ mo ∪ rb ∪ spawn ∪ join)` over every event of `graph`.
    pub(crate) fn acyclic(&mut self, graph: &ExecutionGraph) -> bool {
        self.offsets.clear();
        let mut n = 0u32;
        for t in 0..graph.thread_count() {
            self.offsets.push(n);
            n += graph.thread_len(crate::event::ThreadId(t as u32));
        }
        let node = |offsets: &[u32], e: EventId| offsets[e.thread.index()] + e.index;
        self.edges.clear();
        for (id, e) in graph.events() {
            let this = node(&self.offsets, id);
            if id.index > 0 {
                self.edges.push((this - 1, this));
            }
            match &e.label {
                Label::Start {
                    spawned_by: Some(s),
                } => self.edges.push((node(&self.offsets, *s), this)),
                Label::Join { child } => {
                    let len = graph.thread_len(*child);
                    if len > 0 {
                        let last = EventId::new(*child, len - 1);
                        if graph.event(last).label == Label::Finish {
                            self.edges.push((node(&self.offsets, last), this));
                        }
                    }
                }
                Label::Read(r) => {
                    let list = graph.co_order(r.loc);
                    let next = match r.rf {
                        Source::Write(w) => {
                            self.edges.push((node(&self.offsets, w), this));
                            list.iter().position(|&x| x == w).map(|p| p + 1)
                        }
                        Source::Init => Some(0),
                    };
                    // rb: to the write right after the one read (mo orders the rest).
                    if let Some(&after) = next.and_then(|p| list.get(p)) {
                        if after != id {
                            self.edges.push((this, node(&self.offsets, after)));
                        }
                    }
                }
                _ => {}
            }
        }
        for (_, list) in graph.co_lists() {
            for pair in list.windows(2) {
                self.edges
                    .push((node(&self.offsets, pair[0]), node(&self.offsets, pair[1])));
            }
        }
        self.topologically_sortable(n as usize)
    }

    /// Kahn's algorithm over `edges`.
    fn topologically_sortable(&mut self, n: usize) -> bool {
        self.starts.clear();
        self.starts.resize(n + 1, 0);
        for &(from, _) in &self.edges {
            self.starts[from as usize + 1] += 1;
        }
        for i in 0..n {
            self.starts[i + 1] += self.starts[i];
        }
        self.targets.clear();
        self.targets.resize(self.edges.len(), 0);
        self.fill.clear();
        self.fill.extend_from_slice(&self.starts);
        self.indegree.clear();
        self.indegree.resize(n, 0);
        for &(from, to) in &self.edges {
            self.targets[self.fill[from as usize] as usize] = to;
            self.fill[from as usize] += 1;
            self.indegree[to as usize] += 1;
        }
        self.ready.clear();
        self.ready
            .extend((0..n as u32).filter(|&v| self.indegree[v as usize] == 0));
        let mut seen = 0;
        while let Some(v) = self.ready.pop() {
            seen += 1;
            let (a, b) = (self.starts[v as usize], self.starts[v as usize + 1]);
            for i in a..b {
                let to = self.targets[i as usize] as usize;
                self.indegree[to] -= 1;
                if self.indegree[to] == 0 {
                    self.ready.push(to as u32);
                }
            }
        }
        seen == n
    }
}
