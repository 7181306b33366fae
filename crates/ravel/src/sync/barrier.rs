//! A barrier, shaped like `std::sync::Barrier`: `n` threads wait until all of them arrived, then
//! all continue, and exactly one of each group (generation) is the leader. Built on a ravel mutex
//! and condition variable, so everything a thread did before `wait` happens before everything
//! every thread of its generation does after it, and threads that wait for arrivals that never
//! come are reported as a deadlock. Reusable across generations.
//!
//! The count starts afresh in every execution, also for a `static` barrier.

use super::condvar::Condvar;
use super::mutex::Mutex;
use super::once::current_execution;
use std::fmt;
use std::sync::PoisonError;

/// Lets a fixed number of threads wait for each other.
pub struct Barrier {
    n: usize,
    state: Mutex<State>,
    all_arrived: Condvar,
}

#[derive(Default)]
struct State {
    /// The execution this state belongs to; a state from an earlier one is stale.
    execution: u64,
    /// Threads of the current generation that arrived.
    arrived: usize,
    /// Generations completed so far.
    generation: u64,
    /// Whether a thread of the current generation sleeps on `all_arrived`.
    sleeping: bool,
}

/// What [`Barrier::wait`] answers: whether this thread is its generation's leader.
#[derive(Debug)]
pub struct BarrierWaitResult {
    leader: bool,
}

impl BarrierWaitResult {
    /// True for exactly one thread of each generation (the last to arrive).
    pub fn is_leader(&self) -> bool {
        self.leader
    }
}

impl Barrier {
    /// A barrier for `n` threads; `n` of 0 or 1 lets every thread through; usable in statics.
    #[track_caller]
    pub const fn new(n: usize) -> Barrier {
        Barrier {
            n,
            state: Mutex::new(State {
                execution: 0,
                arrived: 0,
                generation: 0,
                sleeping: false,
            }),
            all_arrived: Condvar::new(),
        }
    }

    /// Waits until `n` threads (this one included) have called `wait` in this generation.
    #[track_caller]
    pub fn wait(&self) -> BarrierWaitResult {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let execution = current_execution();
        if state.execution != execution {
            *state = State {
                execution,
                ..State::default()
            };
        }
        state.arrived += 1;
        if state.arrived >= self.n {
            state.arrived = 0;
            state.generation += 1;
            if std::mem::take(&mut state.sleeping) {
                self.all_arrived.notify_all();
            }
            return BarrierWaitResult { leader: true };
        }
        let generation = state.generation;
        state.sleeping = true;
        while state.generation == generation {
            state = self
                .all_arrived
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        BarrierWaitResult { leader: false }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("n", &self.n)
            .finish_non_exhaustive()
    }
}
