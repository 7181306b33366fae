//! TruSt's work list (Kokologiannakis, Marmanis, Gladstein and Vafeiadis, "Truly Stateless,
//! Optimal Dynamic Partial Order Reduction", POPL 2022).
//!
//! Exploration adds events one by one. A read first reads the coherence-latest write; every other
//! consistent write is pushed as a *forward* alternative, and so is every other coherence
//! placement of a write. When a write is added, earlier reads of its location that are not in its
//! porf-prefix may be *backward revisited* to read from it: the graph keeps the events added
//! before the read plus the write's prefix. Optimality comes from the maximality condition: a
//! revisit happens only if every deleted event (and the read) was added "maximally" and nothing
//! it read from or wrote is coherence-before a write kept in the graph, so each graph is reached
//! from exactly one parent.
//!
//! Deviations from the paper, following GenMC's implementation: items are processed
//! largest-stamp-first within one graph, and each backward revisit starts a nested frame holding a
//! copy of the restricted graph; events in the revisiting write's prefix become non-revisitable.
//! A mutex acquisition revisited by a write that leaves the mutex held is removed, so the thread
//! blocks until the mutex is released (GenMC's treatment of lock reads).

use super::path::{ExecutionKey, ItemKey, PathNode};
use crate::event::ThreadId;
use crate::graph::{EventId, ExecutionGraph, Label, ReadKind, Source, WriteLabel};
use crate::model::MemoryModel;
use crate::view::View;
use smallvec::SmallVec;
use std::sync::Arc;

/// An alternative still to explore.
#[derive(Clone, Copy, Debug)]
pub(crate) enum WorkItem {
    /// Make `read` read from `src` instead (spuriously failing, for a weak compare-exchange).
    Read {
        read: EventId,
        src: Source,
        spurious: bool,
    },
    /// Place `write` right after `after` in coherence order instead.
    Coherence { write: EventId, after: Source },
    /// Make the earlier `read` read from `write`, dropping what depended on its old value.
    Backward { read: EventId, write: EventId },
}

#[derive(Debug, Default)]
struct Frame {
    /// The parent graph, parked while a nested frame runs.
    saved: Option<ExecutionGraph>,
    work: Vec<WorkItem>,
    /// The name of each item of `work`, when names are tracked.
    keys: Vec<ItemKey>,
}

/// Alternatives handed to another worker, with the graph they apply to (they come from one
/// frame, so one graph serves them all).
#[derive(Debug)]
pub(crate) struct Subtree {
    graph: ExecutionGraph,
    /// In push order: the last is explored first.
    items: Vec<WorkItem>,
    /// The name of each item, when names are tracked.
    keys: Vec<ItemKey>,
}

impl Subtree {
    /// Where the subtree's first execution comes in sequential order.
    pub(crate) fn key(&self) -> Option<ExecutionKey> {
        self.keys.last().map(|k| ExecutionKey::of(&k.node()))
    }
}

/// The exploration stack.
#[derive(Debug)]
pub(crate) struct Revisits {
    frames: Vec<Frame>,
    /// The running execution's place in sequential order, when names are tracked (parallel
    /// exploration needs them to pick the finding one worker would report first).
    current: Option<Arc<PathNode>>,
    /// Alternatives pushed so far under `current`.
    pushes: u32,
    /// Graphs done with, kept so that the next revisit's copy reuses their allocations.
    spare: Vec<ExecutionGraph>,
}

/// How many finished graphs [`Revisits`] keeps for reuse: a revisit needs one at a time, and a
/// few cover the frames popped in a row.
const SPARE_GRAPHS: usize = 4;

impl Revisits {
    /// A stack for the first execution; `track` names every execution.
    pub(crate) fn new(track: bool) -> Revisits {
        Revisits {
            frames: vec![Frame::default()],
            current: track.then(PathNode::root),
            pushes: 0,
            spare: Vec::new(),
        }
    }

    /// A stack that explores `subtree` (handed over by another worker); answers the graph to
    /// apply it to.
    pub(crate) fn adopt(subtree: Subtree) -> (Revisits, ExecutionGraph) {
        let track = !subtree.keys.is_empty();
        let frame = Frame {
            saved: None,
            work: subtree.items,
            keys: subtree.keys,
        };
        let revisits = Revisits {
            frames: vec![frame],
            current: track.then(PathNode::root),
            pushes: 0,
            spare: Vec::new(),
        };
        (revisits, subtree.graph)
    }

    /// Remembers an alternative of the current graph.
    pub(crate) fn push(&mut self, item: WorkItem) {
        if let Some(frame) = self.frames.last_mut() {
            frame.work.push(item);
            if let Some(parent) = &self.current {
                frame.keys.push(ItemKey {
                    parent: parent.clone(),
                    index: self.pushes,
                });
                self.pushes += 1;
            }
        }
    }

    /// The running execution's place in sequential order, when tracked.
    pub(crate) fn current_key(&self) -> Option<ExecutionKey> {
        self.current.as_deref().map(ExecutionKey::of)
    }

    /// Alternatives still to explore.
    pub(crate) fn pending(&self) -> usize {
        self.frames.iter().map(|f| f.work.len()).sum()
    }

    /// Gives up everything still to explore.
    pub(crate) fn clear(&mut self) {
        self.frames.clear();
    }

    /// Splits off the alternatives this stack would explore last: the older half of the
    /// lowest frame that has any (nearest the root, so the biggest subtrees), keeping at least
    /// one alternative here; `g` is the current graph.
    pub(crate) fn split_off(&mut self, g: &ExecutionGraph) -> Option<Subtree> {
        let pending = self.pending();
        if pending < 2 {
            return None;
        }
        let last = self.frames.len() - 1;
        let i = self.frames.iter().position(|f| !f.work.is_empty())?;
        let frame = &mut self.frames[i];
        let give = (frame.work.len() / 2).clamp(1, pending - 1);
        let items: Vec<WorkItem> = frame.work.drain(..give).collect();
        let keys: Vec<ItemKey> = if frame.keys.is_empty() {
            Vec::new()
        } else {
            frame.keys.drain(..give).collect()
        };
        let graph = if i == last {
            g.clone()
        } else {
            frame
                .saved
                .clone()
                .expect("a frame below the top parks its graph")
        };
        Some(Subtree { graph, items, keys })
    }

    /// Keeps every `count`-th pending alternative, starting with the `index`-th (bottom frame
    /// first): the share of one of `count` disjoint parts of the rest of the exploration.
    pub(crate) fn keep_share(&mut self, index: u64, count: u64) {
        let mut start = 0u64;
        for frame in &mut self.frames {
            let len = frame.work.len() as u64;
            let mine: Vec<bool> = (start..start + len).map(|i| i % count == index).collect();
            let mut flags = mine.iter();
            frame.work.retain(|_| flags.next() == Some(&true));
            // Keys, when tracked, run parallel to the items.
            let mut flags = mine.iter();
            frame.keys.retain(|_| flags.next() == Some(&true));
            start += len;
        }
    }

    /// Pushes a backward revisit for every earlier read that `write` may revisit.
    pub(crate) fn add_backward_revisits(&mut self, g: &ExecutionGraph, write: EventId) {
        let w = *g.write(write);
        let own_read = w.rmw.then(|| EventId::new(write.thread, write.index - 1));
        // Most writes have no read of their location to revisit but their own half's (a
        // read-modify-write's read is one of the location's reads).
        if g.reads_of(w.loc).len() <= usize::from(w.rmw) {
            return;
        }
        let prefix = g.porf_prefix(write);
        // Between two read-modify-writes of the same write, only reads added before the other
        // one may be revisited (GenMC's "pending RMW" rule).
        let pending_rmw_stamp = own_read.and_then(|r| {
            let src = g.read(r).rf;
            g.exclusive_readers(w.loc, src)
                .filter(|&o| o != r)
                .map(|o| g.event(o).stamp)
                .max()
        });
        // Most writes have no read to revisit, and the rest few: no allocation for them.
        let mut loads: SmallVec<[EventId; 8]> = g
            .reads_of(w.loc)
            .iter()
            .copied()
            .filter(|&id| {
                let e = g.event(id);
                e.revisitable
                    && !prefix.contains(id)
                    && pending_rmw_stamp.is_none_or(|s| e.stamp <= s)
            })
            .collect();
        loads.sort_by_key(|&r| std::cmp::Reverse(g.event(r).stamp));
        for read in loads {
            let mut keep = g.added_up_to(read);
            prefix.join_into(&mut keep);
            if is_maximal_extension(g, read, write, &keep) {
                self.push(WorkItem::Backward { read, write });
            }
        }
    }

    /// Keeps a graph that is done with for the next revisit's copy (or the next exploration's).
    fn recycle(&mut self, g: ExecutionGraph) {
        if self.spare.len() < SPARE_GRAPHS {
            self.spare.push(g);
        }
    }

    /// Prepares the next graph to explore in `g`; answers false when everything is explored.
    pub(crate) fn next_graph(&mut self, g: &mut ExecutionGraph, model: &dyn MemoryModel) -> bool {
        loop {
            let Some(frame) = self.frames.last_mut() else {
                return false;
            };
            if let Some(key) = frame.keys.pop() {
                self.current = Some(key.node());
                self.pushes = 0;
            }
            let Some(item) = frame.work.pop() else {
                self.frames.pop();
                match self.frames.last_mut() {
                    Some(parent) => {
                        let parked = parent.saved.take().expect("parent frame parked its graph");
                        let done = std::mem::replace(g, parked);
                        self.recycle(done);
                        continue;
                    }
                    None => return false,
                }
            };
            if self.apply(g, item, model) {
                return true;
            }
        }
    }

    fn apply(&mut self, g: &mut ExecutionGraph, item: WorkItem, model: &dyn MemoryModel) -> bool {
        match item {
            WorkItem::Read {
                read,
                src,
                spurious,
            } => {
                g.restrict_to_stamp(g.event(read).stamp);
                let e = g.event_mut(read);
                e.added_max = false;
                let span = e.span;
                if let Label::Read(r) = &mut e.label {
                    r.spurious = spurious;
                }
                g.set_rf(read, src);
                let r = *g.read(read);
                // A read-modify-write reading a write that another one already read violates
                // atomicity: running it would only add its write half, push that write's
                // revisits and be abandoned. Do exactly that here, without running.
                let value = g.value_of(r.loc, src);
                if let Some(val) = r.write_value(value) {
                    if g.exclusive_readers(r.loc, src).any(|o| o != read) {
                        let label = Label::Write(WriteLabel {
                            loc: r.loc,
                            val,
                            mode: r.write_mode,
                            rmw: true,
                        });
                        let write = g.push(read.thread, label, span);
                        g.co_insert_after(r.loc, write, src);
                        g.event_mut(write).added_max = g.co_max(r.loc) == Source::Write(write);
                        self.add_backward_revisits(g, write);
                        return false;
                    }
                }
                true
            }
            WorkItem::Coherence { write, after } => {
                g.restrict_to_stamp(g.event(write).stamp);
                let loc = g.write(write).loc;
                g.co_move_after(loc, write, after);
                g.event_mut(write).added_max = false;
                self.add_backward_revisits(g, write);
                // A placement that splits an exchange is explored only for its revisits
                // (`Engine::splits_revisitable_exchange`).
                !model.exchanges_write_first() || model.is_consistent(g)
            }
            WorkItem::Backward { read, write } => {
                g.restrict_to_stamp(g.event(write).stamp);
                let prefix = g.prefix(write);
                let mut keep = g.added_up_to(read);
                keep.join(&prefix);
                let mut ng = self.spare.pop().unwrap_or_else(ExecutionGraph::recycled);
                g.restrict_into(&keep, &mut ng);
                ng.mark_unrevisitable(&prefix);
                let r = *ng.read(read);
                ng.set_rf(read, Source::Write(write));
                let value = ng.value_of(r.loc, Source::Write(write));
                let partner = ng.exchange_partner(read);
                ng.event_mut(read).added_max =
                    ng.co_max_except(r.loc, partner) == Source::Write(write);
                if r.kind == ReadKind::Lock && value != 0 {
                    // The mutex is held in the new graph: the acquisition waits for a release.
                    ng.truncate_thread(read.thread, read.index);
                } else if model.exchanges_write_first() {
                    // The write may come from a placement that only this revisit makes
                    // consistent (it split an exchange): the rest need not be consistent.
                    if !model.is_consistent(&ng) {
                        self.recycle(ng);
                        return false;
                    }
                } else if !model.is_consistent_with(&ng, read) {
                    // The read is its thread's last kept event (anything after it was added
                    // later, and the write's prefix cannot hold it), nothing reads from it, and
                    // the rest is a prefix-closed part of a consistent graph.
                    self.recycle(ng);
                    return false;
                }
                let parked = std::mem::replace(g, ng);
                if let Some(frame) = self.frames.last_mut() {
                    frame.saved = Some(parked);
                }
                self.frames.push(Frame::default());
                if let ReadKind::Cas {
                    expected,
                    weak: true,
                    ..
                } = r.kind
                {
                    if value == expected {
                        self.push(WorkItem::Read {
                            read,
                            src: Source::Write(write),
                            spurious: true,
                        });
                    }
                }
                true
            }
        }
    }
}

impl Drop for Revisits {
    /// The graphs kept for copies go to the next exploration on this OS thread.
    fn drop(&mut self) {
        for g in self.spare.drain(..) {
            g.recycle();
        }
        for g in self.frames.iter_mut().filter_map(|f| f.saved.take()) {
            g.recycle();
        }
    }
}

/// TruSt's condition for revisiting `read` from `write`, keeping the events in `keep`.
fn is_maximal_extension(g: &ExecutionGraph, read: EventId, write: EventId, keep: &View) -> bool {
    let w = *g.write(write);
    // A plain write's immediate coherence successor must survive, or the revisit would differ
    // from another only by where the write sits.
    if !w.rmw {
        if let Some(next) = g.co_next(w.loc, Source::Write(write)) {
            if !keep.contains(next) {
                return false;
            }
        }
    }
    // The read, and every deleted event: `keep` is a prefix of every thread, so the deleted
    // ones are the threads' suffixes past it.
    let maximal = |id: EventId| {
        let e = g.event(id);
        e.revisitable && e.added_max && !is_co_before_kept(g, id, write, keep)
    };
    maximal(read)
        && (0..g.thread_count() as u32)
            .map(ThreadId)
            .all(|t| (keep.len(t)..g.thread_len(t)).all(|i| maximal(EventId::new(t, i))))
}

/// Whether what `id` read from, or what it wrote, is coherence-before a kept write other than
/// the revisiting one.
fn is_co_before_kept(g: &ExecutionGraph, id: EventId, write: EventId, keep: &View) -> bool {
    let (loc, base) = match g.event(id).label {
        Label::Read(r) => (r.loc, r.rf),
        Label::Write(w) => (w.loc, Source::Write(id)),
        _ => return false,
    };
    // An exchange's read never reads its own write half, so that write does not make what it
    // read less than the latest it could have read.
    let partner = g.exchange_partner(id);
    // One lookup of the coherence order; the writes asked about are mostly recent ones.
    let order = g.co_order(loc);
    let after = match base {
        Source::Init => 0,
        Source::Write(w) => order
            .iter()
            .rposition(|&x| x == w)
            .map_or(order.len(), |p| p + 1),
    };
    order[after..]
        .iter()
        .any(|&s| s != write && Some(s) != partner && keep.contains(s))
}
