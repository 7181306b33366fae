//! The plain stress test: a model's own code run again and again on real OS threads, with real
//! atomics and locks, for a time budget. It is what ravel is measured against (`ravel demo
//! --stress`, `BENCHMARKS.md`): how long until the bug shows by luck, against how long ravel
//! takes to find it.
//!
//! Only what the program checks itself can fail here (an assertion, a panic): there is no race,
//! deadlock or ordering detector, and a run that deadlocks hangs. The primitives supported on
//! real threads are `thread::spawn`/`scope`/`join`/`yield_now`/`sleep`, the atomics and
//! `fence`, `Mutex`, `Condvar` (waits wake spuriously), `UnsafeCell` and `hint::spin_loop`;
//! any other panics with "ravel stress mode does not support ...", reported as
//! [`StressError::Unsupported`].

use crate::rt::{panics, passthrough};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a stress test saw.
#[derive(Clone, Debug, PartialEq)]
pub struct StressOutcome {
    /// Runs completed.
    pub runs: u64,
    /// Runs in which the program panicked (in any thread whose panic reached the run's end).
    pub failures: u64,
    /// Time spent.
    pub elapsed: Duration,
    /// The first failure: the run it happened in (counting from 1), the time until then, and
    /// the panic message.
    pub first_failure: Option<(u64, Duration, String)>,
}

impl StressOutcome {
    /// The expected time to see the bug once: time per run over the failure rate. `None` when
    /// no run failed (the bug did not show within the budget).
    pub fn mean_time_to_failure(&self) -> Option<Duration> {
        (self.failures > 0).then(|| self.elapsed.div_f64(self.failures as f64))
    }
}

/// Why a stress test could not run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StressError {
    /// The model uses a primitive stress mode cannot run on real threads.
    Unsupported(String),
}

impl std::fmt::Display for StressError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StressError::Unsupported(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for StressError {}

/// Runs `model` on real threads again and again until `budget` has passed (at least once), and
/// counts the runs that panic.
///
/// # Safety
///
/// ravel's `thread::spawn` accepts closures that are not `Send`, because a model runs all its
/// threads on one OS thread. Here they run on real threads: the caller promises that every
/// closure the model spawns may be sent to another thread (is `Send` in effect: shares data
/// through `Arc` and thread-safe types, not `Rc` or `Cell`).
pub unsafe fn run<F: Fn() + Sync>(
    model: F,
    budget: Duration,
) -> Result<StressOutcome, StressError> {
    let start = Instant::now();
    let mut outcome = StressOutcome {
        runs: 0,
        failures: 0,
        elapsed: Duration::ZERO,
        first_failure: None,
    };
    let session = Arc::new(passthrough::Session::default());
    loop {
        let (result, unjoined_panic) = passthrough::enter(session.clone(), || {
            panics::capturing(|| {
                let result = catch_unwind(AssertUnwindSafe(&model));
                // Threads the run did not join still belong to it.
                (result, session.join_all())
            })
        });
        outcome.runs += 1;
        if let Some(message) = session.take_unsupported() {
            return Err(StressError::Unsupported(message));
        }
        let thread_panic = session.take_thread_panic();
        if result.is_err() || unjoined_panic {
            let (main_message, _) = panics::take_last();
            let message = thread_panic.unwrap_or(main_message);
            outcome.failures += 1;
            if outcome.first_failure.is_none() {
                outcome.first_failure = Some((outcome.runs, start.elapsed(), message));
            }
        }
        if start.elapsed() >= budget {
            break;
        }
    }
    outcome.elapsed = start.elapsed();
    Ok(outcome)
}
