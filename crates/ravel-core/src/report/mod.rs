//! Reports: a finding with the interleaving that led to it, how long it took, and the replay
//! token; and the outcome of a whole exploration.

mod render;

use crate::detect::Finding;
pub use crate::explore::TraceStep;
use std::time::Duration;

/// One finding, with everything needed to understand and replay it.
#[derive(Clone, Debug)]
pub struct Report {
    /// What was found.
    pub finding: Finding,
    /// The visible operations of the execution, in order.
    pub trace: Vec<TraceStep>,
    /// Thread names, by thread index, where threads were named.
    pub thread_names: Vec<Option<String>>,
    /// Executions explored up to and including this one.
    pub executions: u64,
    /// Time since exploration began.
    pub elapsed: Duration,
    /// The replay token.
    pub token: String,
    /// The memory model's name.
    pub model: &'static str,
}

/// What an exploration did and found.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Complete executions explored (one per equivalence class under exhaustive search).
    pub executions: u64,
    /// Executions abandoned as redundant (atomicity violations found while revisiting, spin
    /// loops that read a stale value); not counted in `executions`.
    pub redundant: u64,
    /// Whether the search covered everything (exhaustive and not cut by a budget or finding).
    pub complete: bool,
    /// The reports, first found first.
    pub reports: Vec<Report>,
    /// Time taken.
    pub elapsed: Duration,
    /// The memory model's name.
    pub model: &'static str,
    /// Fingerprints of complete executions' graphs, when asked for.
    pub graphs: Vec<String>,
}
