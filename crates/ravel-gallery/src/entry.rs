//! What a gallery entry is: its metadata, its two models, and what ravel must say about them.

use ravel::{FindingKind, MemoryModel};
use std::fmt;

/// One example from the seeds, as a buggy and (usually) a fixed model.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// The gallery number: "1", "3b", "15b", ...
    pub id: &'static str,
    /// The stem of the entry's module and test names, e.g. `e01_bank_account`.
    pub slug: &'static str,
    /// A short title, e.g. "BrokenBankAccount".
    pub title: &'static str,
    /// The seed file the example comes from.
    pub seed: &'static str,
    /// The kind of mistake the buggy model makes.
    pub class: BugClass,
    /// The memory model the contract checks the entry under.
    pub model: ModelNeed,
    /// What ravel must report on the buggy model.
    pub expect: Expect,
    /// The model with the seed's bug.
    pub buggy: Side,
    /// The repaired model; `None` for explanatory entries (a "—" in the contract).
    pub fixed: Option<Side>,
}

impl Entry {
    /// Whether the buggy side can be checked today.
    pub fn status(&self) -> Status {
        self.buggy.status
    }

    /// The name of the gallery test that checks one side, e.g. `e01_bank_account_buggy`.
    pub fn test_name(&self, side: &str) -> String {
        format!("{}_{side}", self.slug)
    }
}

/// One model of an entry: its body (run once per explored execution), whether ravel can check
/// it today, and the exploration budget.
#[derive(Clone, Copy, Debug)]
pub struct Side {
    /// The model: spawns its threads, joins them, asserts.
    pub model: fn(),
    /// `Ready`, or `Pending` with what ravel still lacks.
    pub status: Status,
    /// Limits and options for the exploration.
    pub budget: Budget,
    /// A known ravel misbehaviour that makes this side fail today (its test is ignored).
    pub known_issue: Option<&'static str>,
    /// Also report races between x86 instructions, triangular or not
    /// ([`ravel::Builder::x86_races`]); only entries checked under x86-TSO use it.
    pub x86_races: bool,
    /// When a data race is found, also show what a compiler may make of it
    /// ([`ravel::Builder::compiler_effects`]).
    pub compiler_effects: bool,
}

impl Side {
    /// A ready model with the default budget.
    pub const fn ready(model: fn()) -> Side {
        Side {
            model,
            status: Status::Ready,
            budget: Budget::EXHAUSTIVE,
            known_issue: None,
            x86_races: false,
            compiler_effects: false,
        }
    }

    /// A model ravel cannot check yet, and why.
    pub const fn pending(model: fn(), reason: &'static str) -> Side {
        Side {
            model,
            status: Status::Pending(reason),
            budget: Budget::EXHAUSTIVE,
            known_issue: None,
            x86_races: false,
            compiler_effects: false,
        }
    }

    /// The same side, failing today because of a ravel misbehaviour (see the gallery's
    /// `tests/ravel_issues.rs` for a minimal reproduction).
    pub const fn known_issue(mut self, issue: &'static str) -> Side {
        self.known_issue = Some(issue);
        self
    }

    /// The same side, explored with the x86 instruction-level race analysis on.
    pub const fn with_x86_races(mut self) -> Side {
        self.x86_races = true;
        self
    }

    /// The same side, its data races reported with their compiler consequences.
    pub const fn with_compiler_effects(mut self) -> Side {
        self.compiler_effects = true;
        self
    }

    /// The same side with another budget.
    pub const fn with_budget(mut self, budget: Budget) -> Side {
        self.budget = budget;
        self
    }
}

/// Whether ravel can check a model today.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Status {
    /// Every detector and memory model the check needs has landed.
    Ready,
    /// Needs something that has not landed yet (a memory model or a detector), written
    /// `needs <what>: <why>`.
    Pending(&'static str),
}

impl Status {
    /// For a pending model, `needs <what>` without the explanation.
    pub fn short_reason(self) -> Option<&'static str> {
        match self {
            Status::Ready => None,
            Status::Pending(reason) => Some(reason.split(':').next().unwrap_or(reason)),
        }
    }
}

/// Exploration limits for one model.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Budget {
    /// Stop after this many executions (buggy models only: a fixed model must explore
    /// completely).
    pub max_executions: Option<u64>,
    /// Collect every distinct finding instead of stopping at the first.
    pub keep_going: bool,
}

impl Budget {
    /// Explore until the first finding or the end of the search.
    pub const EXHAUSTIVE: Budget = Budget {
        max_executions: None,
        keep_going: false,
    };

    /// Explore at most `n` executions.
    pub const fn at_most(n: u64) -> Budget {
        Budget {
            max_executions: Some(n),
            keep_going: false,
        }
    }
}

/// What ravel must report on the buggy model.
#[derive(Clone, Copy, Debug)]
pub struct Expect {
    /// The kind of the first finding. A benign kind (a [`FindingKind::BenignRace`]) is met by a
    /// benign finding of that kind when ravel finds no bug at all: benign findings come after
    /// the bugs, and a race meant to be shown as benign must not be reported as a bug.
    pub kind: FindingKind,
    /// Phrases the report must contain (case-insensitive), for findings whose kind alone does
    /// not say enough (e.g. "non-triangular").
    pub mentions: &'static [&'static str],
    /// In words: what the report shows.
    pub shows: &'static str,
}

impl Expect {
    /// A finding of this kind, described in words.
    pub const fn finding(kind: FindingKind, shows: &'static str) -> Expect {
        Expect {
            kind,
            mentions: &[],
            shows,
        }
    }
}

/// The kind of concurrency mistake, as the seeds classify them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BugClass {
    /// A compound action that should have been indivisible was interleaved.
    Atomicity,
    /// One thread's write is not guaranteed to become visible to another.
    Visibility,
    /// Effects become visible in an order the program did not intend.
    Ordering,
    /// Threads wait on each other forever.
    Deadlock,
    /// Conflicting accesses not ordered by happens-before.
    DataRace,
    /// A thread can run forever without progress.
    Liveness,
}

impl fmt::Display for BugClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BugClass::Atomicity => "atomicity",
            BugClass::Visibility => "visibility",
            BugClass::Ordering => "ordering",
            BugClass::Deadlock => "deadlock",
            BugClass::DataRace => "data race",
            BugClass::Liveness => "liveness",
        })
    }
}

/// The memory model an entry's contract names.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ModelNeed {
    /// Any model: the bug is there under sequential consistency already.
    Any,
    /// Sequential consistency.
    Sc,
    /// Checked under both SC and RC11.
    ScAndRc11,
    /// RC11 (Lahav et al., PLDI 2017), the model of Rust's atomics.
    Rc11,
    /// x86-TSO (Owens, Sarkar, Sewell).
    X86Tso,
    /// Both x86-TSO and RC11.
    TsoAndRc11,
    /// A mode in which a misaligned access lands in memory in two parts.
    SplitAccess,
}

impl ModelNeed {
    /// The model ravel checks the entry under: the one it names; RC11 (ravel's default) where
    /// it names several or none.
    pub fn checked_under(self) -> MemoryModel {
        match self {
            ModelNeed::Sc => MemoryModel::Sc,
            ModelNeed::X86Tso => MemoryModel::Tso,
            ModelNeed::Any
            | ModelNeed::ScAndRc11
            | ModelNeed::Rc11
            | ModelNeed::TsoAndRc11
            | ModelNeed::SplitAccess => MemoryModel::Rc11,
        }
    }
}

impl fmt::Display for ModelNeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ModelNeed::Any => "any",
            ModelNeed::Sc => "SC",
            ModelNeed::ScAndRc11 => "SC+RC11",
            ModelNeed::Rc11 => "RC11",
            ModelNeed::X86Tso => "TSO",
            ModelNeed::TsoAndRc11 => "TSO+RC11",
            ModelNeed::SplitAccess => "split",
        })
    }
}
