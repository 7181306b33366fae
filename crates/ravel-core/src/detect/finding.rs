//! What ravel found: the kind, both sides of the conflict, and the details a person needs to fix
//! it.

use crate::event::{SourceSpan, ThreadId};
use std::fmt;

/// The kinds of bug ravel reports. `Display` gives the stable phrase used in reports and tests.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum FindingKind {
    /// Conflicting accesses, at least one non-atomic, not ordered by happens-before.
    DataRace,
    /// Threads wait on each other forever.
    Deadlock,
    /// A thread panicked or an assertion failed.
    Panic,
    /// Threads run forever without progress (or the step bound was hit).
    Livelock,
    /// The program did something different under the same choices.
    NonDeterminism,
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FindingKind::DataRace => "data race",
            FindingKind::Deadlock => "deadlock",
            FindingKind::Panic => "panic",
            FindingKind::Livelock => "livelock",
            FindingKind::NonDeterminism => "non-determinism",
        })
    }
}

/// One side of a finding: who did what, where.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Access {
    /// The thread.
    pub thread: ThreadId,
    /// The thread's name, when it has one.
    pub thread_name: Option<String>,
    /// What it did, e.g. "non-atomic write to cell #3".
    pub operation: String,
    /// Where.
    pub span: Option<SourceSpan>,
}

/// A bug found in one execution.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Finding {
    /// The kind.
    pub kind: FindingKind,
    /// One line saying what went wrong.
    pub summary: String,
    /// The sides, printed as (1), (2), ...: for a race the earlier access first.
    pub sides: Vec<Access>,
    /// Further lines (who waits for what, the panic message).
    pub details: Vec<String>,
    /// What probably caused it, when ravel can tell.
    pub hint: Option<String>,
}

impl Finding {
    /// The kind of bug.
    pub fn kind(&self) -> FindingKind {
        self.kind
    }
}
