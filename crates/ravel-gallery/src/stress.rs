//! The acceleration factor (Jinx's claim: ten days of testing down to minutes): each buggy model
//! whose bug a plain test can notice (an assertion fails, so the expected finding is a `panic`)
//! also runs as a stress test, the same code on real threads for a time budget
//! ([`ravel::stress`]), and the expected time for luck to show the bug is set against the time
//! ravel takes to find it.
//!
//! The other entries are not stress-tested, and the row says why: a data race, a torn read or an
//! atomicity violation passes silently without a detector, and a deadlock or a livelock would
//! hang the stress test instead of failing it. The TSO entries need x86 hardware memory, which
//! the stress test does have when it runs on x86; they are skipped too because their bug is a
//! race report, not an assertion.

use crate::entry::{Entry, Status};
use crate::run::run_buggy;
use ravel::stress::{self, StressError, StressOutcome};
use ravel::FindingKind;
use std::time::Duration;

/// One entry's stress result against ravel's.
#[derive(Clone, Debug)]
pub struct StressRow {
    /// The entry.
    pub entry: &'static Entry,
    /// ravel's time to the first finding, and the executions it took (when it found one).
    pub ravel: Option<(Duration, u64)>,
    /// The stress test, or why it did not run.
    pub stress: Result<StressOutcome, String>,
}

impl StressRow {
    /// How many times sooner ravel finds the bug than the stress test is expected to: the
    /// stress test's mean time to failure over ravel's time. `Err(lower bound)` when the stress
    /// test never failed within its budget (the factor is at least the budget over ravel's time).
    pub fn acceleration(&self) -> Option<Result<f64, f64>> {
        let (ravel, _) = self.ravel?;
        let ravel = ravel.as_secs_f64().max(1e-6);
        let outcome = self.stress.as_ref().ok()?;
        Some(match outcome.mean_time_to_failure() {
            Some(mttf) => Ok(mttf.as_secs_f64() / ravel),
            None => Err(outcome.elapsed.as_secs_f64() / ravel),
        })
    }
}

/// Why `entry` is not stress-tested, if it is not.
pub fn not_stressable(entry: &Entry) -> Option<String> {
    if entry.buggy.status != Status::Ready {
        return Some("its buggy model is pending".to_string());
    }
    match entry.expect.kind {
        FindingKind::Panic => None,
        FindingKind::Deadlock | FindingKind::PotentialDeadlock | FindingKind::Livelock => {
            Some(format!(
                "{} hangs a stress test instead of failing it",
                with_article(entry.expect.kind)
            ))
        }
        kind => Some(format!(
            "{} passes silently without a detector",
            with_article(kind)
        )),
    }
}

/// Runs the stress test of `entry` for `budget`, and ravel's exploration of the same model.
pub fn stress_entry(entry: &'static Entry, budget: Duration) -> StressRow {
    if let Some(reason) = not_stressable(entry) {
        return StressRow {
            entry,
            ravel: None,
            stress: Err(reason),
        };
    }
    let run = run_buggy(entry);
    let ravel = (!run.findings.is_empty()).then_some((run.elapsed, run.executions));
    // SAFETY: the gallery's models share data through `Arc`, atomics, locks and cells: every
    // closure they spawn may run on another thread.
    let stress = unsafe { stress::run(entry.buggy.model, budget) }.map_err(|e| match e {
        StressError::Unsupported(m) => m,
    });
    StressRow {
        entry,
        ravel,
        stress,
    }
}

/// "a data race", "an atomicity violation".
fn with_article(kind: FindingKind) -> String {
    let name = kind.to_string();
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}
