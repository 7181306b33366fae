//! The consequence search behind [`Builder::compiler_effects`]: for a `data race` on plain
//! accesses, what a compiler that assumes race freedom may make the program do, shown in the
//! race's report.
//!
//! Source: Boehm, "How to miscompile programs with 'benign' data races" (HotPar 2011), whose
//! list of transformations includes inventing a store of a scratch value into a variable that
//! is written anyway, and keeping a value read in a loop in a register; seed 003 (Milewski's
//! `owner = 42`) and seed 001 (the loop that may never end). The transformations themselves are
//! applied by the runtime (`rt/compiler_effects.rs`); this module decides what to try and what
//! to say.
//!
//! For each race report (the first few of an exploration):
//! 1. The program is explored as written, with typed accesses in the graph (the baseline): it
//!    tells which values the program writes to the racing location (the scratch candidates:
//!    they come from the program, never from the test) and which failures happen anyway.
//! 2. Scratch store: for each candidate in turn, the program is explored with each write at the
//!    racing places storing the candidate first. A read at a racing place that returns a value
//!    no thread had written to the location is the concrete consequence; a failure the baseline
//!    does not have is a stronger one, confirmed by replaying its execution and seeing the read
//!    there. Values written during these runs join the candidates.
//! 3. Hoisted read: the program is explored with each thread's reads at the racing places
//!    answered from a register; a livelock (or any failure) the baseline does not have, whose
//!    execution shows a register value that memory no longer held, is "the loop never sees the
//!    write".
//!
//! Every run is exhaustive within a budget of executions, on one worker (so the section is the
//! same on every run), collecting every finding. The race's own finding, interleaving and
//! replay token are left as they are: the section is added to the finding's details.
//!
//! Deviation: a consequence that needs two transformations at once, or a transformation at a
//! place the race does not name, is not searched for.

use crate::rt::compiler_effects::{Access, Observation, Plan, SearchLog, Transformation};
use crate::Builder;
use ravel_core::detect::FindingKind;
use ravel_core::event::SourceSpan;
use ravel_core::explore::{ReplayToken, Strategy};
use ravel_core::report::{Outcome, Report};
use std::sync::Arc;

/// Executions per exploration of a transformed program.
const EXECUTIONS_PER_RUN: u64 = 2_000;

/// Scratch values tried per race, first found first.
const SCRATCH_VALUES: usize = 8;

/// Race reports given a section, per exploration.
const RACES: usize = 4;

/// Failing executions replayed per run to see whether the transformation led to them.
const REPLAYS: usize = 3;

/// Accesses of the racing location shown before the consequence.
const STEPS_SHOWN: usize = 10;

/// Adds a "compiler consequences" section to the details of the first data-race reports.
pub(crate) fn annotate(builder: &Builder, reports: &mut [Report], f: &(dyn Fn() + Sync)) {
    let races = reports
        .iter_mut()
        .filter(|r| r.finding.kind == FindingKind::DataRace)
        .take(RACES);
    for report in races {
        let mut sites: Vec<SourceSpan> = Vec::new();
        for span in report.finding.sides.iter().filter_map(|s| s.span) {
            if !sites.contains(&span) {
                sites.push(span);
            }
        }
        let search = Search {
            builder,
            f,
            sites,
            executions: 0,
        };
        report.finding.details.extend(search.run());
    }
}

/// A failure's identity across executions, to tell new failures from the baseline's.
type Place = (FindingKind, Vec<Option<SourceSpan>>);

fn place(report: &Report) -> Place {
    let spans = report.finding.sides.iter().map(|s| s.span).collect();
    (report.finding.kind, spans)
}

/// What one transformation led to.
struct Consequence {
    /// The read that showed the transformation.
    observation: Option<Observation>,
    /// A failure the program as written does not have.
    failure: Option<Report>,
    /// Whether the failing execution was replayed and showed `observation`.
    linked: bool,
}

impl Consequence {
    fn strength(&self) -> u8 {
        match (&self.observation, &self.failure) {
            (Some(_), Some(_)) if self.linked => 3,
            (_, Some(_)) => 2,
            (Some(_), None) => 1,
            (None, None) => 0,
        }
    }
}

/// How telling a failure is as a consequence: a panic first, then a deadlock, then a livelock.
/// Other findings are not consequences: races are not checked during the search, and the
/// remaining kinds are patterns, not failures.
fn rank(kind: FindingKind) -> Option<u8> {
    match kind {
        FindingKind::Panic => Some(0),
        FindingKind::Deadlock => Some(1),
        FindingKind::Livelock => Some(2),
        _ => None,
    }
}

struct Search<'a> {
    builder: &'a Builder,
    f: &'a (dyn Fn() + Sync),
    /// The racing accesses' places.
    sites: Vec<SourceSpan>,
    /// Executions explored so far, all runs together.
    executions: u64,
}

impl Search<'_> {
    fn explore(
        &mut self,
        transformation: Transformation,
        strategy: Strategy,
    ) -> (Outcome, SearchLog) {
        let plan = Arc::new(Plan::new(transformation, self.sites.clone()));
        let outcome = self
            .builder
            .explore_transformed(strategy, EXECUTIONS_PER_RUN, &plan, self.f);
        self.executions += outcome.executions;
        (outcome, plan.log())
    }

    /// The section's lines.
    fn run(mut self) -> Vec<String> {
        let mut lines = vec![
            "compiler consequences (what a compiler that assumes no data race may make of this \
             one):"
                .to_string(),
        ];
        let (baseline, log) = self.explore(Transformation::AsWritten, Strategy::Exhaustive);
        if log.read_sites.is_empty() && log.write_sites.is_empty() {
            lines.push(
                "  none shown: no typed `read`/`write` ran at the racing places (a \
                 `with`/`with_mut` closure is opaque to ravel)"
                    .to_string(),
            );
            return lines;
        }
        let known: Vec<Place> = baseline.reports.iter().map(place).collect();
        if !log.write_sites.is_empty() {
            let candidates = log.groups.values_near(&self.sites);
            lines.extend(self.scratch_store(&log.write_sites, candidates, &known));
        }
        if !log.read_sites.is_empty() {
            lines.extend(self.hoisted_read(&log.read_sites, &known));
        }
        lines.push(format!(
            "  (searched {} executions, at most {EXECUTIONS_PER_RUN} per transformed program)",
            self.executions
        ));
        lines
    }

    fn scratch_store(
        &mut self,
        writes: &[SourceSpan],
        mut candidates: Vec<u64>,
        known: &[Place],
    ) -> Vec<String> {
        let mut best: Option<(u64, Consequence)> = None;
        let (mut tried, mut skipped) = (Vec::new(), Vec::new());
        while let Some(&value) = candidates.get(tried.len() + skipped.len()) {
            if tried.len() + skipped.len() == SCRATCH_VALUES {
                break;
            }
            let transformation = Transformation::ScratchStore(value);
            let (outcome, log) = self.explore(transformation, Strategy::Exhaustive);
            // A value equal to every write there changes nothing: not a try.
            if log.scratch_stores > 0 {
                tried.push(value);
            } else {
                skipped.push(value);
            }
            for v in log.groups.values_near(&self.sites) {
                if !candidates.contains(&v) {
                    candidates.push(v);
                }
            }
            let found = self.attribute(transformation, &outcome, log, known);
            if found.strength() > best.as_ref().map_or(0, |(_, b)| b.strength()) {
                best = Some((value, found));
            }
            if best.as_ref().is_some_and(|(_, b)| b.strength() == 3) {
                break;
            }
        }
        let writes = places_text(writes);
        let Some((value, found)) = best else {
            if tried.is_empty() {
                return vec![format!(
                    "  scratch store at {writes}: nothing to try: the program writes no other \
                     value to this location"
                )];
            }
            let values: Vec<String> = tried.iter().map(u64::to_string).collect();
            return vec![format!(
                "  scratch store at {writes}: no consequence found within the budget (scratch \
                 values tried: {})",
                values.join(", ")
            )];
        };
        let mut lines = vec![format!(
            "  scratch store: a write at {writes} may first store {value} there (a value \
             this program writes to the location), then its own value"
        )];
        if let Some(o) = &found.observation {
            lines.push(format!(
                "    thread {} read {} at {}: a value no thread wrote there at that point",
                o.thread, o.value, o.site
            ));
        }
        lines.extend(describe(&found));
        lines
    }

    fn hoisted_read(&mut self, reads: &[SourceSpan], known: &[Place]) -> Vec<String> {
        let transformation = Transformation::HoistedRead;
        let (outcome, log) = self.explore(transformation, Strategy::Exhaustive);
        let found = self.attribute(transformation, &outcome, log, known);
        let reads = places_text(reads);
        if found.strength() == 0 {
            return vec![format!(
                "  hoisted read at {reads}: no consequence found within the budget"
            )];
        }
        let mut lines = Vec::new();
        match &found.observation {
            Some(o) => {
                let (memory, writer) = o.memory.clone().unwrap_or((o.value, None));
                let wrote = match &writer {
                    Some((thread, site)) => format!(", written by thread {thread} at {site}"),
                    None => String::new(),
                };
                let never = match (&found.failure, &writer) {
                    (Some(f), Some((_, site)))
                        if found.linked && f.finding.kind == FindingKind::Livelock =>
                    {
                        format!(": the loop at {} never sees the write at {site}", o.site)
                    }
                    _ => String::new(),
                };
                lines.push(format!(
                    "  hoisted read: the read at {} may be kept in a register after its first \
                     value{never}",
                    o.site
                ));
                lines.push(format!(
                    "    thread {} keeps reading {} at {} while memory holds {memory}{wrote}",
                    o.thread, o.value, o.site
                ));
            }
            None => lines.push(format!(
                "  hoisted read: with the read at {reads} kept in a register after its first \
                 value, the program fails"
            )),
        }
        lines.extend(describe(&found));
        lines
    }

    /// What `transformation` led to in `outcome`: its new failures, replayed (strongest first)
    /// until one shows the transformation at work, else its first observation.
    fn attribute(
        &mut self,
        transformation: Transformation,
        outcome: &Outcome,
        log: SearchLog,
        known: &[Place],
    ) -> Consequence {
        let mut failures: Vec<&Report> = outcome
            .reports
            .iter()
            .filter(|r| rank(r.finding.kind).is_some() && !known.contains(&place(r)))
            .collect();
        failures.sort_by_key(|r| rank(r.finding.kind));
        for failure in failures.iter().take(REPLAYS) {
            let Ok(token) = ReplayToken::decode(&failure.token) else {
                continue;
            };
            let (_, replayed) = self.explore(transformation, Strategy::Replay(token));
            if let Some(observation) = replayed.observation {
                return Consequence {
                    observation: Some(observation),
                    failure: Some((*failure).clone()),
                    linked: true,
                };
            }
        }
        Consequence {
            observation: log.observation,
            failure: failures.first().map(|r| (*r).clone()),
            linked: false,
        }
    }
}

fn places_text(places: &[SourceSpan]) -> String {
    places
        .iter()
        .map(SourceSpan::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
}

/// The accesses of the location that led to the observation, then the failure that followed.
fn describe(found: &Consequence) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(o) = &found.observation {
        let steps = &o.steps[o.steps.len().saturating_sub(STEPS_SHOWN)..];
        let width = steps.iter().map(|s| s.thread.len()).max().unwrap_or(0);
        lines.push("    accesses of the location, in order:".to_string());
        for step in steps {
            let what = match step.access {
                Access::Read(v) => format!("read {v}"),
                Access::Write(v) => format!("write {v}"),
                Access::Scratch(v) => format!("write {v} (scratch, by the compiler)"),
                Access::Register(kept, memory) => {
                    format!("read {kept} (from a register; memory holds {memory})")
                }
            };
            lines.push(format!(
                "      {:<width$}  {what:<44} {}",
                step.thread, step.site
            ));
        }
    }
    match &found.failure {
        Some(failure) => {
            let f = &failure.finding;
            let lead = if found.linked || found.observation.is_none() {
                "then"
            } else {
                "in another execution"
            };
            lines.push(format!("    {lead}: {}: {}", f.kind, f.summary));
            if let Some(span) = f.sides.first().and_then(|s| s.span) {
                lines.push(format!("      at {span}"));
            }
        }
        None => lines.push("    no failure followed within the budget".to_string()),
    }
    lines
}
