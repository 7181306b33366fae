//! Running an entry's models and judging the outcome against the contract.

use crate::entry::{Entry, Side};
use ravel::{Builder, Finding, FindingKind, Outcome};
use std::fmt;
use std::time::Duration;

/// What one exploration of one model answered.
#[derive(Clone, Debug)]
pub struct EntryRun {
    /// Executions explored (up to and including the one that found the first bug).
    pub executions: u64,
    /// Time taken.
    pub elapsed: Duration,
    /// What was found, first found first.
    pub findings: Vec<Finding>,
    /// Whether the exhaustive search finished (no budget or finding cut it short).
    pub complete: bool,
}

impl From<Outcome> for EntryRun {
    fn from(o: Outcome) -> EntryRun {
        EntryRun {
            executions: o.executions(),
            elapsed: o.elapsed(),
            findings: o.findings().to_vec(),
            complete: o.complete(),
        }
    }
}

/// Explores the buggy model.
pub fn run_buggy(entry: &Entry) -> EntryRun {
    run_side(entry, &entry.buggy, "buggy")
}

/// Explores the fixed model, if the entry has one.
pub fn run_fixed(entry: &Entry) -> Option<EntryRun> {
    entry
        .fixed
        .as_ref()
        .map(|side| run_side(entry, side, "fixed"))
}

/// Explores one side on a fresh OS thread.
///
/// ravel writes "replay: RAVEL_REPLAY=<token> cargo test <name>" into every report, taking the
/// name from the exploring thread. Naming the thread after the gallery test (with the cargo
/// arguments that select it) makes that line a command that works from the workspace root,
/// whether the report came from `ravel demo` or from the test itself.
fn run_side(entry: &Entry, side: &Side, which: &str) -> EntryRun {
    let mut builder = Builder::new()
        .memory_model(entry.model.checked_under())
        .keep_going(side.budget.keep_going)
        .x86_races(side.x86_races)
        .compiler_effects(side.compiler_effects);
    if let Some(n) = side.budget.max_executions {
        builder = builder.max_executions(n);
    }
    let model = side.model;
    let name = format!("-p ravel-gallery --test gallery {}", entry.test_name(which));
    let explorer = std::thread::Builder::new()
        .name(name)
        .spawn(move || EntryRun::from(builder.explore(model)))
        .expect("ravel-gallery: cannot start the exploring thread");
    match explorer.join() {
        Ok(run) => run,
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

/// How a buggy run fell short of the contract.
#[derive(Clone, Debug)]
pub enum Miss {
    /// Nothing was found.
    NoFinding {
        /// Executions explored.
        executions: u64,
        /// Whether the search completed (else a budget cut it short).
        complete: bool,
        /// The kind the contract expects.
        expected: FindingKind,
    },
    /// The first finding has another kind.
    WrongKind {
        /// The kind the contract expects.
        expected: FindingKind,
        /// The kind found.
        found: FindingKind,
        /// The report of what was found.
        report: String,
    },
    /// The report does not say something the contract asks for.
    Unmentioned {
        /// The missing phrase.
        phrase: &'static str,
        /// The report.
        report: String,
    },
}

impl Miss {
    /// One line, for a table cell.
    pub fn short(&self) -> String {
        match self {
            Miss::NoFinding { executions, .. } => format!("no finding in {executions} executions"),
            Miss::WrongKind {
                expected, found, ..
            } => format!("found a {found}, not a {expected}"),
            Miss::Unmentioned { phrase, .. } => format!("report lacks \"{phrase}\""),
        }
    }
}

impl fmt::Display for Miss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Miss::NoFinding {
                executions,
                complete,
                expected,
            } => {
                let why = if *complete {
                    "the search completed"
                } else {
                    "the budget ran out"
                };
                write!(
                    f,
                    "missed: no finding in {executions} executions ({why}); expected a {expected}"
                )
            }
            Miss::WrongKind {
                expected,
                found,
                report,
            } => write!(f, "expected a {expected}, found a {found}:\n{report}"),
            Miss::Unmentioned { phrase, report } => {
                write!(f, "the report does not mention \"{phrase}\":\n{report}")
            }
        }
    }
}

/// How a fixed run fell short of verification.
#[derive(Clone, Debug)]
pub enum Failure {
    /// ravel found a bug.
    Finding {
        /// Its kind.
        kind: FindingKind,
        /// Its report.
        report: String,
    },
    /// The search stopped before the end.
    Incomplete {
        /// Executions explored.
        executions: u64,
    },
}

impl Failure {
    /// One line, for a table cell.
    pub fn short(&self) -> String {
        match self {
            Failure::Finding { kind, .. } => format!("{kind} found"),
            Failure::Incomplete { executions } => {
                format!("search incomplete after {executions} executions")
            }
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Finding { kind, report } => write!(f, "{kind} found:\n{report}"),
            Failure::Incomplete { executions } => {
                write!(f, "the search did not complete ({executions} executions)")
            }
        }
    }
}

/// Whether the buggy run reported what the contract says: its first finding has the expected
/// kind and mentions the expected phrases. When a benign kind is expected, the first finding
/// must not be a bug, and the finding judged is the first of that kind that mentions every
/// phrase (else the first of that kind): a run shows every benign race it meets, in the order
/// met, and the contract names one of them.
pub fn judge_buggy(entry: &Entry, run: &EntryRun) -> Result<(), Miss> {
    let expected = entry.expect.kind;
    let Some(first) = judged_finding(entry, run) else {
        return Err(Miss::NoFinding {
            executions: run.executions,
            complete: run.complete,
            expected,
        });
    };
    if first.kind() != expected {
        return Err(Miss::WrongKind {
            expected,
            found: first.kind(),
            report: first.render_stable(),
        });
    }
    let text = first.render_stable().to_lowercase();
    for phrase in entry.expect.mentions {
        if !text.contains(&phrase.to_lowercase()) {
            return Err(Miss::Unmentioned {
                phrase,
                report: first.render_stable(),
            });
        }
    }
    Ok(())
}

/// The finding [`judge_buggy`] judges (and `ravel demo` shows): the first, except that an entry
/// expecting a benign finding, when only benign ones came, is judged on the first of its kind
/// that mentions every expected phrase (benign reports come in no particular order).
pub fn judged_finding<'a>(entry: &Entry, run: &'a EntryRun) -> Option<&'a Finding> {
    let expected = entry.expect.kind;
    let mut first = run.findings.first()?;
    if expected.is_benign() && first.is_benign() {
        let mentions_all = |f: &&Finding| {
            let text = f.render_stable().to_lowercase();
            entry
                .expect
                .mentions
                .iter()
                .all(|phrase| text.contains(&phrase.to_lowercase()))
        };
        let of_kind = || run.findings.iter().filter(|f| f.kind() == expected);
        first = of_kind()
            .find(mentions_all)
            .or_else(|| of_kind().next())
            .unwrap_or(first);
    }
    Some(first)
}

/// Whether the fixed run verified the model: no bug found, and the search complete. Benign
/// findings (`benign race (...)`, shown at low severity) do not fail verification, as they do
/// not fail `ravel::Builder::check`: a fixed model may keep a race that is meant, such as the
/// non-triangular spin of entry 15b's lock.
pub fn judge_fixed(run: &EntryRun) -> Result<(), Failure> {
    if let Some(first) = run.findings.iter().find(|f| !f.is_benign()) {
        return Err(Failure::Finding {
            kind: first.kind(),
            report: first.render_stable(),
        });
    }
    if !run.complete {
        return Err(Failure::Incomplete {
            executions: run.executions,
        });
    }
    Ok(())
}
