//! Views: a downward-closed set of events, stored as a prefix length per thread. Porf-prefixes and
//! "everything added before" are views, so union and membership are cheap.

use crate::clock::INLINE_THREADS;
use crate::event::ThreadId;
use crate::graph::EventId;
use smallvec::SmallVec;

/// A per-thread prefix of events. Lengths live inline up to [`INLINE_THREADS`] threads: the graph
/// keeps one per event, and exploration copies them at every new read and write.
#[derive(PartialEq, Eq, Debug, Default)]
pub struct View {
    lens: SmallVec<[u32; INLINE_THREADS]>,
}

impl Clone for View {
    /// A copy of the lengths in one move (the derived clone copies them one by one).
    fn clone(&self) -> View {
        View {
            lens: SmallVec::from_slice(&self.lens),
        }
    }
}

impl View {
    /// The empty view.
    pub fn empty() -> View {
        View::default()
    }

    /// The empty view, with room for `threads` threads.
    pub fn with_capacity(threads: usize) -> View {
        View {
            lens: SmallVec::with_capacity(threads),
        }
    }

    /// How many events of `thread` the view holds.
    pub fn len(&self, thread: ThreadId) -> u32 {
        self.lens.get(thread.index()).copied().unwrap_or(0)
    }

    /// Whether the view holds no event.
    pub fn is_empty(&self) -> bool {
        self.lens.iter().all(|&l| l == 0)
    }

    /// Sets how many events of `thread` the view holds.
    pub fn set_len(&mut self, thread: ThreadId, len: u32) {
        let t = thread.index();
        if self.lens.len() <= t {
            self.lens.resize(t + 1, 0);
        }
        self.lens[t] = len;
    }

    /// Whether `id` is in the view.
    pub fn contains(&self, id: EventId) -> bool {
        id.index < self.len(id.thread)
    }

    /// Whether both views hold the same events (trailing empty threads aside).
    pub fn same_events(&self, other: &View) -> bool {
        let n = self.lens.len().max(other.lens.len());
        (0..n).all(|t| self.len(ThreadId(t as u32)) == other.len(ThreadId(t as u32)))
    }

    /// Adds every event of `other`.
    pub fn join(&mut self, other: &View) {
        if self.lens.len() < other.lens.len() {
            self.lens.resize(other.lens.len(), 0);
        }
        for (a, &b) in self.lens.iter_mut().zip(&other.lens) {
            *a = (*a).max(b);
        }
    }
}
