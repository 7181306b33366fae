//! Data races on atomic locations accessed non-atomically (loom's `unsync_load`, a C litmus
//! test's `*x` on an atomic), judged on the whole execution with RC11's definition.
//!
//! Lahav et al., "Repairing Sequential Consistency in C/C++11" (PLDI 2017), section 3: a race
//! is two accesses to one location from different threads, at least one a write and at least
//! one non-atomic, ordered neither way by happens-before. [`Rc11::data_race`] computes it from
//! the graph (happens-before from `sb`, `rf` of release/acquire pairs, release sequences and
//! fences). Plain cells (`UnsafeCell`) are not graph locations and have their own online
//! detector (`race.rs`); this analysis covers what falls between the two: atomics read or written
//! without atomicity.
//!
//! Deviations: happens-before is RC11's whatever the exploration's model, so under SC or TSO a
//! race is still reported when the accesses are not synchronised, as the Rust program would be
//! undefined on any hardware. Only the first race RC11 finds in an execution is looked at: when it
//! is not on a location accessed both atomically and not, another race on such a location in the
//! same execution is missed (it needs two unrelated races in one execution).

use super::{Access, ExecutionAnalysis, Finding, FindingKind};
use crate::event::{ReadMode, WriteMode};
use crate::explore::TraceStep;
use crate::graph::{EventId, ExecutionGraph, Label};
use crate::model::Rc11;

/// Reports the first RC11 data race of an execution that has a non-atomic access to an atomic
/// location.
#[derive(Debug, Default)]
pub struct MixedRaceDetector;

impl MixedRaceDetector {
    /// A detector.
    pub fn new() -> MixedRaceDetector {
        MixedRaceDetector
    }
}

fn describe(graph: &ExecutionGraph, e: EventId) -> Access {
    let event = graph.event(e);
    let operation = match &event.label {
        Label::Read(r) if r.mode == ReadMode::NonAtomic => {
            format!("non-atomic read of atomic #{}", r.loc.0)
        }
        Label::Read(r) => format!("atomic read ({:?}) of atomic #{}", r.mode, r.loc.0),
        Label::Write(w) if w.mode == WriteMode::NonAtomic => {
            format!("non-atomic write of atomic #{}", w.loc.0)
        }
        Label::Write(w) => format!("atomic write ({:?}) of atomic #{}", w.mode, w.loc.0),
        other => format!("{other:?}"),
    };
    Access {
        thread: e.thread,
        thread_name: None,
        operation,
        span: Some(event.span),
    }
}

impl ExecutionAnalysis for MixedRaceDetector {
    fn name(&self) -> &'static str {
        "mixed atomic/non-atomic race"
    }

    fn check(&mut self, graph: &ExecutionGraph, _trace: &[TraceStep]) -> Option<Finding> {
        // Most executions have no non-atomic access to a graph location: answer without
        // reading the graph, or without allocating.
        if !graph.may_hold_non_atomic() || !graph.events().any(|(_, e)| e.label.is_non_atomic()) {
            return None;
        }
        // Only locations accessed both ways: locations only ever accessed non-atomically (the
        // parts of a `SplitCell`) have their own detector (`torn.rs`).
        let mut non_atomic = Vec::new();
        let mut atomic = Vec::new();
        for (_, e) in graph.events() {
            let Some(loc) = e.label.loc() else {
                continue;
            };
            if e.label.is_non_atomic() {
                non_atomic.push(loc);
            } else {
                atomic.push(loc);
            }
        }
        // Sorted, each location once: membership is a binary search, not a scan per event.
        for list in [&mut non_atomic, &mut atomic] {
            list.sort_unstable();
            list.dedup();
        }
        let mixed =
            |loc| non_atomic.binary_search(&loc).is_ok() && atomic.binary_search(&loc).is_ok();
        if !non_atomic.iter().any(|&l| mixed(l)) {
            return None;
        }
        let (a, b) = Rc11::data_race(graph)?;
        // The first race RC11 finds may lie elsewhere (two split parts); this detector then
        // leaves the execution to the others.
        if !graph.event(a).label.loc().is_some_and(mixed) {
            return None;
        }
        Some(Finding {
            kind: FindingKind::DataRace,
            summary: "a non-atomic access to an atomic races with another access".to_string(),
            sides: vec![describe(graph, a), describe(graph, b)],
            details: vec![
                "neither access happens before the other, and one of them is not atomic \
                 (RC11: the program has undefined behaviour)"
                    .to_string(),
            ],
            hint: Some(
                "`unsync_load` promises that no store runs concurrently: synchronise the store \
                 before it (join, a lock, Release/Acquire), or use an atomic load"
                    .to_string(),
            ),
        })
    }
}
