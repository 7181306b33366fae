//! A small relation toolkit for the weak models: the events of a graph numbered densely, and
//! binary relations over them as bit matrices, reused across checks. x86-TSO checks its graphs
//! with them; RC11 only for `psc` with SC fences (otherwise it works on views, see
//! [`super::views`]). Closures are cubic over 64-bit words, acyclicity is Kahn's algorithm.

use crate::event::{Loc, ThreadId};
use crate::graph::{EventId, ExecutionGraph, Label, ReadKind, ReadLabel, Source};

/// A binary relation over `0..n` as a bit matrix, one row of `words` 64-bit words per element.
#[derive(Clone, Default, Debug)]
pub(crate) struct Rel {
    n: usize,
    words: usize,
    bits: Vec<u64>,
}

impl Rel {
    /// Makes this the empty relation over `0..n`.
    pub(crate) fn reset(&mut self, n: usize) {
        self.n = n;
        self.words = n.div_ceil(64);
        self.bits.clear();
        self.bits.resize(self.n * self.words, 0);
    }

    /// Adds the pair `(a, b)`.
    pub(crate) fn set(&mut self, a: usize, b: usize) {
        self.bits[a * self.words + b / 64] |= 1 << (b % 64);
    }

    /// Removes the pair `(a, b)`.
    pub(crate) fn unset(&mut self, a: usize, b: usize) {
        self.bits[a * self.words + b / 64] &= !(1 << (b % 64));
    }

    /// Whether `(a, b)` is in the relation.
    pub(crate) fn has(&self, a: usize, b: usize) -> bool {
        self.bits[a * self.words + b / 64] & (1 << (b % 64)) != 0
    }

    /// The successors of `a`.
    pub(crate) fn row(&self, a: usize) -> &[u64] {
        &self.bits[a * self.words..(a + 1) * self.words]
    }

    /// The successors of `a`, as indexes.
    pub(crate) fn succ(&self, a: usize) -> impl Iterator<Item = usize> + '_ {
        self.row(a).iter().enumerate().flat_map(|(w, &word)| {
            let mut word = word;
            std::iter::from_fn(move || {
                if word == 0 {
                    return None;
                }
                let b = word.trailing_zeros() as usize;
                word &= word - 1;
                Some(w * 64 + b)
            })
        })
    }

    /// Becomes a copy of `other`.
    pub(crate) fn copy_from(&mut self, other: &Rel) {
        self.n = other.n;
        self.words = other.words;
        self.bits.clear();
        self.bits.extend_from_slice(&other.bits);
    }

    /// Adds every pair of `other` (same size).
    pub(crate) fn union_with(&mut self, other: &Rel) {
        for (a, b) in self.bits.iter_mut().zip(&other.bits) {
            *a |= *b;
        }
    }

    /// Adds row `b` of `other` to row `a`.
    fn or_row(&mut self, a: usize, other: &Rel, b: usize) {
        let w = self.words;
        for k in 0..w {
            self.bits[a * w + k] |= other.bits[b * w + k];
        }
    }

    /// Becomes `x ; y`.
    pub(crate) fn compose(&mut self, x: &Rel, y: &Rel) {
        self.reset(x.n);
        for a in 0..x.n {
            for m in x.succ(a) {
                self.or_row(a, y, m);
            }
        }
    }

    /// Adds `x ; y` to this relation.
    pub(crate) fn add_compose(&mut self, x: &Rel, y: &Rel) {
        for a in 0..x.n {
            for m in x.succ(a) {
                self.or_row(a, y, m);
            }
        }
    }

    /// Becomes its transitive closure (Warshall's algorithm on bit rows).
    pub(crate) fn close(&mut self) {
        let w = self.words;
        for k in 0..self.n {
            for a in 0..self.n {
                if a != k && self.has(a, k) {
                    for j in 0..w {
                        let v = self.bits[k * w + j];
                        self.bits[a * w + j] |= v;
                    }
                }
            }
        }
    }

    /// Whether the relation is acyclic (Kahn's algorithm; `scratch` is reused).
    pub(crate) fn is_acyclic(&self, scratch: &mut Vec<u32>) -> bool {
        let n = self.n;
        // Indegrees first, then the queue of removable elements after them.
        scratch.clear();
        scratch.resize(n, 0);
        for a in 0..n {
            for b in self.succ(a) {
                scratch[b] += 1;
            }
        }
        for a in 0..n {
            if scratch[a] == 0 {
                scratch.push(a as u32);
            }
        }
        let mut next = n;
        while next < scratch.len() {
            let a = scratch[next] as usize;
            next += 1;
            for b in self.succ(a) {
                scratch[b] -= 1;
                if scratch[b] == 0 {
                    scratch.push(b as u32);
                }
            }
        }
        scratch.len() == 2 * n
    }
}

/// The events of a graph numbered densely, thread by thread, with what the models ask of them.
#[derive(Default, Debug)]
pub(crate) struct EventTable {
    offsets: Vec<usize>,
    /// The label of every event.
    pub(crate) labels: Vec<Label>,
    /// The thread of every event.
    pub(crate) threads: Vec<u32>,
    /// The id of every event.
    pub(crate) ids: Vec<EventId>,
}

impl EventTable {
    /// Numbers the events of `graph`.
    pub(crate) fn fill(&mut self, graph: &ExecutionGraph) {
        self.offsets.clear();
        self.labels.clear();
        self.threads.clear();
        self.ids.clear();
        for t in 0..graph.thread_count() {
            self.offsets.push(self.labels.len());
            let tid = ThreadId(t as u32);
            for (i, e) in graph.thread_events(tid).iter().enumerate() {
                self.labels.push(e.label);
                self.threads.push(t as u32);
                self.ids.push(EventId::new(tid, i as u32));
            }
        }
        self.offsets.push(self.labels.len());
    }

    /// How many events there are.
    pub(crate) fn len(&self) -> usize {
        self.labels.len()
    }

    /// The dense index of `id`.
    pub(crate) fn index(&self, id: EventId) -> usize {
        self.offsets[id.thread.index()] + id.index as usize
    }

    /// The dense indexes of thread `t`'s events.
    pub(crate) fn thread_range(&self, t: usize) -> std::ops::Range<usize> {
        self.offsets[t]..self.offsets[t + 1]
    }

    /// How many thread slots there are.
    pub(crate) fn thread_count(&self) -> usize {
        self.offsets.len() - 1
    }

    /// The location an event accesses, if it is a read or a write.
    pub(crate) fn loc(&self, i: usize) -> Option<Loc> {
        self.labels[i].loc()
    }

    /// Whether `i` is a write.
    pub(crate) fn is_write(&self, i: usize) -> bool {
        matches!(self.labels[i], Label::Write(_))
    }

    /// Whether `i` is a read.
    pub(crate) fn is_read(&self, i: usize) -> bool {
        matches!(self.labels[i], Label::Read(_))
    }

    /// Whether `i` is the read half of an exchange performed write first (its write half is
    /// `i - 1`).
    pub(crate) fn is_exchange_read(&self, i: usize) -> bool {
        matches!(
            self.labels[i],
            Label::Read(ReadLabel {
                kind: ReadKind::RmwAfterWrite(_),
                ..
            })
        )
    }

    /// Whether `i` is the write half of an exchange performed write first.
    pub(crate) fn is_exchange_write(&self, i: usize) -> bool {
        i + 1 < self.len() && self.threads[i + 1] == self.threads[i] && self.is_exchange_read(i + 1)
    }

    /// Program order (same thread, earlier to later, transitive) plus spawn and join order, not
    /// closed across threads.
    pub(crate) fn po_and_sync(&self, po: &mut Rel, sync: &mut Rel) {
        let n = self.len();
        po.reset(n);
        sync.reset(n);
        for t in 0..self.thread_count() {
            let r = self.thread_range(t);
            for a in r.clone() {
                for b in a + 1..r.end {
                    po.set(a, b);
                }
                // The halves of one exchange are one instruction: unordered.
                if self.is_exchange_read(a) {
                    po.unset(a - 1, a);
                }
            }
        }
        for i in 0..n {
            match self.labels[i] {
                Label::Start {
                    spawned_by: Some(s),
                } => sync.set(self.index(s), i),
                Label::Join { child } => {
                    let r = self.thread_range(child.index());
                    if !r.is_empty() {
                        sync.set(r.end - 1, i);
                    }
                }
                _ => {}
            }
        }
    }

    /// Reads-from, coherence (transitive) and from-reads, with the initial write implicit (a read
    /// of the initial value is from-read-before every write to its location).
    pub(crate) fn rf_co_fr(
        &self,
        graph: &ExecutionGraph,
        rf: &mut Rel,
        co: &mut Rel,
        fr: &mut Rel,
    ) {
        let n = self.len();
        rf.reset(n);
        co.reset(n);
        fr.reset(n);
        for (_, list) in graph.co_lists() {
            for (k, &a) in list.iter().enumerate() {
                for &b in &list[k + 1..] {
                    co.set(self.index(a), self.index(b));
                }
            }
        }
        for i in 0..n {
            if let Label::Read(r) = self.labels[i] {
                let list = graph.co_order(r.loc);
                let after = match r.rf {
                    Source::Init => 0,
                    Source::Write(w) => {
                        rf.set(self.index(w), i);
                        list.iter()
                            .position(|&x| x == w)
                            .map_or(list.len(), |p| p + 1)
                    }
                };
                for &b in &list[after.min(list.len())..] {
                    fr.set(i, self.index(b));
                }
            }
        }
    }

    /// Read-modify-write atomicity: the write half of every read-modify-write is immediately
    /// coherence-after the write its read read (`empty(rmw ∩ (fr; co))`).
    pub(crate) fn rmw_atomic(&self, graph: &ExecutionGraph) -> bool {
        (0..self.len()).all(|i| {
            let Label::Write(w) = self.labels[i] else {
                return true;
            };
            if !w.rmw || i == 0 {
                return true;
            }
            let Label::Read(r) = self.labels[i - 1] else {
                return true;
            };
            let list = graph.co_order(w.loc);
            let src = match r.rf {
                Source::Init => 0,
                Source::Write(s) => match list.iter().position(|&x| x == s) {
                    Some(p) => p + 1,
                    None => return true,
                },
            };
            match list.iter().position(|&x| x == self.ids[i]) {
                Some(p) => p <= src,
                None => true,
            }
        })
    }
}

/// herd7's atomicity axiom `empty rmw & (fre; coe)` for exchanges performed write first (the
/// only read-modify-writes whose halves the explorer does not keep adjacent in coherence): no
/// write of another thread lies strictly between the write the read half reads and the write
/// half. Also herd's intra-instruction causality: the read half never reads its own write half.
pub(crate) fn exchanges_atomic(graph: &ExecutionGraph) -> bool {
    graph
        .co_lists()
        .all(|(loc, _)| exchanges_atomic_at(graph, loc))
}

/// [`exchanges_atomic`] for the exchanges of `loc` only.
pub(crate) fn exchanges_atomic_at(graph: &ExecutionGraph, loc: Loc) -> bool {
    let co = graph.co_order(loc);
    graph.reads_of(loc).iter().all(|&read| {
        let Some(write) = graph.exchange_partner(read) else {
            return true;
        };
        let src = graph.read(read).rf;
        if src == Source::Write(write) {
            return false;
        }
        let from = graph.co_position(loc, src);
        let to = graph.co_position(loc, Source::Write(write));
        // Positions count the initial write as 0: `co[from..to - 1]` lies strictly between.
        from >= to || co[from..to - 1].iter().all(|w| w.thread == read.thread)
    })
}
