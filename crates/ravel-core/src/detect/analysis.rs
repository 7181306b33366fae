//! Detectors that judge a whole execution after it ran, from its graph: the online detectors
//! (cell races, deadlock, livelock) run during the execution instead.
//!
//! Each exploration (and each parallel worker) builds its own set with the factory in
//! [`ExploreConfig::analyses`](crate::explore::ExploreConfig::analyses), so an analysis may keep
//! state across the executions it sees.

use super::Finding;
use crate::explore::TraceStep;
use crate::graph::ExecutionGraph;

/// A detector run on the graph of every complete execution.
pub trait ExecutionAnalysis: Send {
    /// What the analysis looks for, for diagnostics.
    fn name(&self) -> &'static str;

    /// Looks at one complete execution: its graph and its trace (every visible operation in the
    /// order it ran, cell accesses included, which the graph does not hold). Answers a finding to
    /// report it with this execution's trace and replay token.
    fn check(&mut self, graph: &ExecutionGraph, trace: &[TraceStep]) -> Option<Finding>;
}

/// Builds the analyses of one exploration.
pub type AnalysisFactory = fn() -> Vec<Box<dyn ExecutionAnalysis>>;

/// No whole-execution analysis (litmus tests, counting tests).
pub fn no_analyses() -> Vec<Box<dyn ExecutionAnalysis>> {
    Vec::new()
}

/// The analyses ravel runs on Rust programs.
pub fn standard_analyses() -> Vec<Box<dyn ExecutionAnalysis>> {
    vec![
        Box::new(super::AtomicityDetector::new()),
        Box::new(super::MixedRaceDetector::new()),
    ]
}
