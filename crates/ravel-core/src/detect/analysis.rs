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

    /// The benign findings ([`FindingKind::is_benign`](super::FindingKind::is_benign)) of the
    /// execution last checked, which are reported beside it without stopping anything. The
    /// analysis reports each place once; the default finds none.
    fn take_benign(&mut self) -> Vec<Finding> {
        Vec::new()
    }
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

/// The standard analyses plus races between x86 instructions, classified triangular or not
/// ([`TriangularRaceDetector`](super::TriangularRaceDetector)); meant for explorations under
/// x86-TSO, whose executions include every sequentially consistent one.
pub fn x86_race_analyses() -> Vec<Box<dyn ExecutionAnalysis>> {
    let mut analyses = standard_analyses();
    analyses.push(Box::new(super::TriangularRaceDetector::new()));
    analyses
}
