//! Porf-prefixes (everything before an event in program order, reads-from, spawn and join order),
//! kept sparsely per thread.
//!
//! An event's prefix is its program-order predecessor's plus itself, unless it reads from, was
//! spawned by or joins an event outside that prefix. Only such events get an entry holding their
//! whole prefix; any other event's prefix is its thread's latest entry at or before it, with the
//! event's own thread extended to the event. Most events are plain writes and reads of writes
//! already known, so the graph stores and copies a view for few of them. One view per event was
//! about 9% of an indexer(12) execution's instructions and a fifth of its first-level data write
//! misses (callgrind and cachegrind, at the start of session 6).

use crate::event::ThreadId;
use crate::graph::EventId;
use crate::view::View;

/// One thread's prefix entries: `(index, prefix)` in increasing index order.
#[derive(Clone, Debug, Default)]
pub(crate) struct ThreadPrefixes {
    entries: Vec<(u32, View)>,
}

impl ThreadPrefixes {
    /// The prefix of the event at `index` of `thread` (which must exist).
    #[inline]
    pub(crate) fn prefix(&self, thread: ThreadId, index: u32) -> Prefix<'_> {
        // Entries are few, and the recent events asked about most are near the end.
        let base = self
            .entries
            .iter()
            .rev()
            .find(|(from, _)| *from <= index)
            .map(|(_, view)| view);
        Prefix {
            base,
            thread,
            len: index + 1,
        }
    }

    /// Records that the event at `index`, the thread's last, has prefix `view`.
    pub(crate) fn push(&mut self, index: u32, view: View) {
        debug_assert!(self.entries.last().is_none_or(|(from, _)| *from < index));
        self.entries.push((index, view));
    }

    /// Forgets the entries of the events from `index` on.
    #[inline]
    pub(crate) fn truncate(&mut self, index: u32) {
        while self.entries.last().is_some_and(|(from, _)| *from >= index) {
            self.entries.pop();
        }
    }

    /// Forgets every entry, keeping the allocation.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }

    /// Makes `self` a copy of `other`'s entries for its first `len` events, reusing `self`'s
    /// allocation (and those of its views).
    pub(crate) fn copy_prefix_of(&mut self, other: &ThreadPrefixes, len: u32) {
        let n = other.entries.partition_point(|(from, _)| *from < len);
        self.entries.truncate(n);
        let kept = self.entries.len();
        for (mine, theirs) in self.entries.iter_mut().zip(&other.entries[..kept]) {
            mine.0 = theirs.0;
            mine.1.clone_from(&theirs.1);
        }
        self.entries.extend_from_slice(&other.entries[kept..n]);
    }
}

/// The porf-prefix of one event, borrowed from the graph.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Prefix<'a> {
    /// The latest entry at or before the event, if its thread has one.
    base: Option<&'a View>,
    /// The event's thread, which the prefix holds up to the event.
    thread: ThreadId,
    len: u32,
}

impl Prefix<'_> {
    /// Whether `id` is in the prefix.
    #[inline]
    pub(crate) fn contains(&self, id: EventId) -> bool {
        if id.thread == self.thread {
            id.index < self.len
        } else {
            self.base.is_some_and(|b| b.contains(id))
        }
    }

    /// Adds the prefix's events to `view`.
    #[inline]
    pub(crate) fn join_into(&self, view: &mut View) {
        if let Some(b) = self.base {
            view.join(b);
        }
        if view.len(self.thread) < self.len {
            view.set_len(self.thread, self.len);
        }
    }

    /// The prefix as a view of its own.
    pub(crate) fn to_view(self) -> View {
        let mut view = self.base.cloned().unwrap_or_default();
        view.set_len(self.thread, self.len);
        view
    }
}
