//! Views: a downward-closed set of events, stored as a prefix length per thread. Porf-prefixes and
//! "everything added before" are views, so union and membership are cheap.

use crate::event::ThreadId;
use crate::graph::EventId;
use crate::thread_counts::ThreadCounts;

/// A per-thread prefix of events. Lengths live in a fixed array up to
/// [`crate::clock::INLINE_THREADS`] threads: the graph keeps one per event, and exploration copies
/// and joins them at every new read and write.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct View {
    lens: ThreadCounts,
}

impl View {
    /// The empty view.
    pub fn empty() -> View {
        View::default()
    }

    /// How many events of `thread` the view holds.
    pub fn len(&self, thread: ThreadId) -> u32 {
        self.lens.get(thread.index())
    }

    /// Whether the view holds no event.
    pub fn is_empty(&self) -> bool {
        self.lens.is_zero()
    }

    /// Sets how many events of `thread` the view holds.
    pub fn set_len(&mut self, thread: ThreadId, len: u32) {
        *self.lens.get_mut(thread.index()) = len;
    }

    /// Whether `id` is in the view.
    pub fn contains(&self, id: EventId) -> bool {
        id.index < self.len(id.thread)
    }

    /// Whether both views hold the same events.
    pub fn same_events(&self, other: &View) -> bool {
        self.lens == other.lens
    }

    /// Adds every event of `other`.
    #[inline]
    pub fn join(&mut self, other: &View) {
        self.lens.join(&other.lens);
    }
}
