//! Vector clocks for happens-before, as in FastTrack (Flanagan and Freund, PLDI 2009): a thread's
//! clock, a write's release clock, and epochs (`c@t`) for the last accesses to a cell.
//!
//! Deviation: every clock is a full vector; FastTrack's read-shared/epoch switching is replaced by
//! keeping one epoch per reading thread, which is as cheap for the handful of threads a model has.
//! The components live in a fixed array up to [`INLINE_THREADS`] threads
//! (`thread_counts.rs`): clocks are copied at every write and join.

use crate::event::ThreadId;
use crate::thread_counts::ThreadCounts;

pub use crate::thread_counts::INLINE_THREADS;

/// A vector clock.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct VectorClock {
    ticks: ThreadCounts,
}

impl VectorClock {
    /// The zero clock.
    pub fn new() -> VectorClock {
        VectorClock::default()
    }

    /// `thread`'s component.
    pub fn get(&self, thread: ThreadId) -> u32 {
        self.ticks.get(thread.index())
    }

    /// Advances `thread`'s component by one.
    pub fn tick(&mut self, thread: ThreadId) {
        *self.ticks.get_mut(thread.index()) += 1;
    }

    /// Pointwise maximum with `other`.
    pub fn join(&mut self, other: &VectorClock) {
        self.ticks.join(&other.ticks);
    }

    /// Whether every component is 0.
    pub fn is_zero(&self) -> bool {
        self.ticks.is_zero()
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
