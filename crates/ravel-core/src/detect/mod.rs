//! Detectors turn what an execution did into findings. A bug is a [`Finding`] value, never an
//! `Err`: `Err` is for misuse and bad input.

mod analysis;
mod atomicity;
mod benign;
mod finding;
mod lock_order;
mod mixed_race;
mod race;
mod torn;
mod triangular;

pub use analysis::{
    no_analyses, standard_analyses, x86_race_analyses, AnalysisFactory, ExecutionAnalysis,
};

pub use atomicity::AtomicityDetector;
pub use finding::{Access, BenignClass, Finding, FindingKind};
pub use lock_order::{LockClass, LockOrder};
pub use mixed_race::MixedRaceDetector;
pub use race::{CellEvent, CellRaceDetector, Checked, Race, RacePlace};
pub use torn::{SplitEvent, TornReadDetector};
pub use triangular::{label_cell_race, TriangularRaceDetector};
