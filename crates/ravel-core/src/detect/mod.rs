//! Detectors turn what an execution did into findings. A bug is a [`Finding`] value, never an
//! `Err`: `Err` is for misuse and bad input.

mod analysis;
mod finding;
mod race;

pub use analysis::{no_analyses, standard_analyses, AnalysisFactory, ExecutionAnalysis};

pub use finding::{Access, Finding, FindingKind};
pub use race::CellRaceDetector;
