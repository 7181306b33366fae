//! Vector clocks for happens-before, as in FastTrack (Flanagan and Freund, PLDI 2009): a thread's
//! clock, a write's release clock, and epochs (`c@t`) for the last accesses to a cell.
//!
//! Deviation: every clock is a full vector; FastTrack's read-shared/epoch switching is replaced by
//! keeping one epoch per reading thread, which is as cheap for the handful of threads a model has.
//! The components live inline up to [`INLINE_THREADS`] threads: clocks are copied at every write
//! and join, and a heap allocation per copy was a tenth of the engine's time.

use crate::event::ThreadId;
use smallvec::SmallVec;

/// Threads whose clock components fit without a heap allocation.
pub const INLINE_THREADS: usize = 16;

/// A vector clock.
#[derive(PartialEq, Eq, Debug, Default)]
pub struct VectorClock {
    ticks: SmallVec<[u32; INLINE_THREADS]>,
}

impl Clone for VectorClock {
    /// A copy of the components in one move (the derived clone copies them one by one).
    fn clone(&self) -> VectorClock {
        VectorClock {
            ticks: SmallVec::from_slice(&self.ticks),
        }
    }
}

impl VectorClock {
    /// The zero clock.
    pub fn new() -> VectorClock {
        VectorClock::default()
    }

    /// `thread`'s component.
    pub fn get(&self, thread: ThreadId) -> u32 {
        self.ticks.get(thread.index()).copied().unwrap_or(0)
    }

    /// Advances `thread`'s component by one.
    pub fn tick(&mut self, thread: ThreadId) {
        let t = thread.index();
        if self.ticks.len() <= t {
            self.ticks.resize(t + 1, 0);
        }
        self.ticks[t] += 1;
    }

    /// Pointwise maximum with `other`.
    pub fn join(&mut self, other: &VectorClock) {
        if self.ticks.len() < other.ticks.len() {
            self.ticks.resize(other.ticks.len(), 0);
        }
        for (a, &b) in self.ticks.iter_mut().zip(&other.ticks) {
            *a = (*a).max(b);
        }
    }

    /// Whether the epoch `tick@thread` happens before (or is) this clock.
    pub fn covers(&self, epoch: Epoch) -> bool {
        epoch.tick <= self.get(epoch.thread)
    }

    /// The epoch of `thread` in this clock.
    pub fn epoch(&self, thread: ThreadId) -> Epoch {
        Epoch {
            thread,
            tick: self.get(thread),
        }
    }
}

/// One thread's time: FastTrack's `c@t`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Epoch {
    /// The thread.
    pub thread: ThreadId,
    /// Its clock component.
    pub tick: u32,
}
