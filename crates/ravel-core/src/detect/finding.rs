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
    /// Threads nest mutexes in opposite orders, so they can wait on each other forever, though
    /// no explored execution did (inferred from the lock-order graph).
    PotentialDeadlock,
    /// A thread panicked or an assertion failed.
    Panic,
    /// Threads run forever without progress (or the step bound was hit).
    Livelock,
    /// The program did something different under the same choices.
    NonDeterminism,
    /// A data race of a kind that is usually intended (see [`BenignClass`]): reported at low
    /// severity, and not a failure unless the exploration is configured to make it one.
    BenignRace(BenignClass),
    /// An interleaving no serial order of the intended atomic regions allows (a lost update, a
    /// pair of fields read half-updated).
    AtomicityViolation,
    /// A plain value accessed in parts (misaligned, or wider than the machine word) was read
    /// with parts from different writes, giving a value no thread wrote.
    TornRead,
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FindingKind::DataRace => "data race",
            FindingKind::Deadlock => "deadlock",
            FindingKind::PotentialDeadlock => "potential deadlock",
            FindingKind::Panic => "panic",
            FindingKind::Livelock => "livelock",
            FindingKind::NonDeterminism => "non-determinism",
            FindingKind::BenignRace(class) => return write!(f, "benign race ({class})"),
            FindingKind::AtomicityViolation => "atomicity violation",
            FindingKind::TornRead => "torn read",
        })
    }
}

impl FindingKind {
    /// Whether this is a benign finding, shown at low severity: a [`FindingKind::BenignRace`].
    /// Every other kind is a bug.
    pub fn is_benign(self) -> bool {
        matches!(self, FindingKind::BenignRace(_))
    }

    /// Whether this is a race between two accesses, benign or not: the same bug whichever of
    /// the two ran first.
    pub fn is_race(self) -> bool {
        matches!(self, FindingKind::DataRace | FindingKind::BenignRace(_))
    }
}

/// Why a data race is benign, after DataCollider's classes (Erickson et al., OSDI 2010). The
/// `Display` form is the stable phrase inside `benign race (...)`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum BenignClass {
    /// A statistics counter: every write to the location stores more than its thread read, so a
    /// race loses increments and nothing else. (A location also decremented is a reference
    /// count, and its races are data races.)
    LossyCounter,
    /// A read of some bits of a word races with a write that changes only other bits: the bits
    /// read are the same before and after the write.
    DifferentBits,
    /// The location is racy by design (`ravel::cell::RacyCell`).
    DeclaredRacy,
    /// A race between x86 instructions that is not triangular (Owens, ECOOP 2010): no store of
    /// the loading thread can still be buffered when it loads, so the race cannot make the
    /// program leave sequential consistency under x86-TSO (`detect/triangular.rs`).
    NonTriangular,
}

impl fmt::Display for BenignClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BenignClass::LossyCounter => "lossy counter",
            BenignClass::DifferentBits => "different bits",
            BenignClass::DeclaredRacy => "declared racy",
            BenignClass::NonTriangular => "non-triangular",
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

    /// Whether `other` is about the same place in the program (whatever its kind): the same
    /// summary and sides at the same places. A race's two sides match in either order: one
    /// execution may run its read first and another its write, and it is one bug (race
    /// summaries name the accesses in a fixed order, not in the order they ran, for this).
    pub fn same_place(&self, other: &Finding) -> bool {
        if self.summary != other.summary || self.sides.len() != other.sides.len() {
            return false;
        }
        fn spans(f: &Finding) -> impl DoubleEndedIterator<Item = Option<SourceSpan>> + '_ {
            f.sides.iter().map(|s| s.span)
        }
        if spans(self).eq(spans(other)) {
            return true;
        }
        self.kind.is_race()
            && other.kind.is_race()
            && self.sides.len() == 2
            && spans(self).eq(spans(other).rev())
    }
}

#[cfg(test)]
mod tests {
    use super::{Access, Finding, FindingKind};
    use crate::event::{SourceSpan, ThreadId};

    fn at(line: u32) -> Option<SourceSpan> {
        Some(SourceSpan {
            file: "lib.rs",
            line,
            column: 1,
        })
    }

    fn finding(kind: FindingKind, summary: &str, lines: [u32; 2]) -> Finding {
        Finding {
            kind,
            summary: summary.to_string(),
            sides: lines
                .iter()
                .enumerate()
                .map(|(t, &line)| Access {
                    thread: ThreadId(t as u32),
                    thread_name: None,
                    operation: String::new(),
                    span: at(line),
                })
                .collect(),
            details: Vec::new(),
            hint: None,
        }
    }

    #[test]
    fn a_race_is_one_place_in_either_order() {
        let race = "non-atomic write and non-atomic read of cell #c1 are not ordered";
        let first = finding(FindingKind::DataRace, race, [10, 20]);
        let mirrored = finding(FindingKind::DataRace, race, [20, 10]);
        assert!(first.same_place(&mirrored) && mirrored.same_place(&first));
        assert!(first.same_place(&first));
    }

    #[test]
    fn other_places_stay_apart() {
        let race = "non-atomic write and non-atomic read of cell #c1 are not ordered";
        let first = finding(FindingKind::DataRace, race, [10, 20]);
        // Another cell, another site.
        let other_cell = "non-atomic write and non-atomic read of cell #c2 are not ordered";
        assert!(!first.same_place(&finding(FindingKind::DataRace, other_cell, [20, 10])));
        assert!(!first.same_place(&finding(FindingKind::DataRace, race, [20, 30])));
        // Only races are symmetric: two sides of another kind keep their order.
        let wait = "threads wait on each other";
        let deadlock = finding(FindingKind::Deadlock, wait, [10, 20]);
        assert!(!deadlock.same_place(&finding(FindingKind::Deadlock, wait, [20, 10])));
    }
}
