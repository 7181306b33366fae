//! Views: a downward-closed set of events, stored as a prefix length per thread. Porf-prefixes and
//! "everything added before" are views, so union and membership are cheap.

use crate::event::ThreadId;
use crate::graph::EventId;

/// A per-thread prefix of events.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct View {
    lens: Vec<u32>,
}

impl View {
    /// The empty view.
    pub fn empty() -> View {
        View::default()
    }

    /// The empty view, with room for `threads` threads.
    pub fn with_capacity(threads: usize) -> View {
        View {
            lens: Vec::with_capacity(threads),
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
