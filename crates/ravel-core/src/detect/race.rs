//! Data races on `UnsafeCell`s: vector clocks for happens-before with one epoch per access, in the
//! style of FastTrack (Flanagan and Freund, PLDI 2009). Happens-before comes from the engine's
//! clocks: spawn and join, mutexes, release/acquire atomics and fences.
//!
//! Every race found is classified (see [`super::benign`]): a bug, or a benign race that the
//! execution survives. An access checks against every access it races with and reports the worst
//! pair, so a benign race never hides a harmful one on the same access.
//!
//! Deviations: reads keep one epoch per thread instead of switching between an epoch and a read
//! vector; models have few threads, so this costs nothing and keeps the code short.

use super::benign::{self, CellValues, Note};
use super::{Access, BenignClass, Finding, FindingKind};
use crate::clock::{Epoch, VectorClock};
use crate::event::{loc_name, CellShape, Loc, SourceSpan, ThreadId, Value};
use rustc_hash::FxHashMap;

/// One access as the detector remembers it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Stamp {
    pub epoch: Epoch,
    pub span: SourceSpan,
    pub write: bool,
    /// To a cell racy by design.
    pub racy: bool,
    /// The read half of a bit-field store.
    pub rmw: bool,
    /// The bits it is about.
    pub mask: Value,
    /// What it read or wrote, when known.
    pub value: Option<Value>,
}

#[derive(Clone, Debug, Default)]
struct CellHistory {
    last_write: Option<Stamp>,
    reads: Vec<Stamp>,
    values: CellValues,
}

/// One cell access, as the engine performs it.
#[derive(Clone, Copy, Debug)]
pub struct CellEvent {
    /// Who.
    pub thread: ThreadId,
    /// Whether it writes.
    pub write: bool,
    /// What the producer says it does.
    pub shape: CellShape,
    /// Where.
    pub span: SourceSpan,
    /// The engine's step that performs it (steps count from 1).
    pub step: u64,
    /// The step of the thread's previous operation, after which it asked for this access.
    pub asked: u64,
}

/// A race between two accesses of one cell, classified.
#[derive(Clone, Copy, Debug)]
pub struct Race {
    /// [`FindingKind::DataRace`] or a [`FindingKind::BenignRace`].
    pub kind: FindingKind,
    loc: Loc,
    earlier: Stamp,
    later: Stamp,
    note: Note,
}

/// What an access did: the race it takes part in, and the value it read.
#[derive(Clone, Copy, Debug, Default)]
pub struct Checked {
    /// The worst race the access completes, if any.
    pub race: Option<Race>,
    /// A read's value, when the detector knows it.
    pub read_value: Option<Value>,
}

/// Tracks the accesses to every cell in one execution.
#[derive(Clone, Debug, Default)]
pub struct CellRaceDetector {
    cells: FxHashMap<Loc, CellHistory>,
}

impl CellRaceDetector {
    /// Forgets everything (a new execution begins).
    pub fn clear(&mut self) {
        self.cells.clear();
    }

    /// Records an access whose thread's clock is `clock`, and answers the race it completes.
    /// Cheap when nothing races: no allocation beyond the first access of a thread to a cell.
    pub fn access(&mut self, loc: Loc, event: &CellEvent, clock: &VectorClock) -> Checked {
        let cell = self.cells.entry(loc).or_default();
        let performed = cell.values.perform(event);
        let thread = event.thread;
        let now = Stamp {
            epoch: clock.epoch(thread),
            span: event.span,
            write: event.write,
            racy: event.shape.racy,
            rmw: event.shape.rmw,
            mask: event.shape.mask,
            value: performed.value,
        };
        let mut worst: Option<Race> = None;
        let mut consider = |earlier: &Stamp| {
            if earlier.epoch.thread == thread || clock.covers(earlier.epoch) {
                return;
            }
            if worst.is_some_and(|w| !w.kind.is_benign()) {
                return;
            }
            let (kind, note) = benign::classify(earlier, &now, &cell.values);
            if worst.is_none() || !kind.is_benign() {
                worst = Some(Race {
                    kind,
                    loc,
                    earlier: *earlier,
                    later: now,
                    note,
                });
            }
        };
        if let Some(w) = &cell.last_write {
            consider(w);
        }
        if event.write {
            for r in &cell.reads {
                consider(r);
            }
        }
        // A counter taken for lossy turns out to be written otherwise: its race is a bug.
        if let (Some(other), Some((earlier, later))) = (performed.other, cell.values.lossy) {
            if worst.is_none_or(|w| w.kind.is_benign()) {
                worst = Some(Race {
                    kind: FindingKind::DataRace,
                    loc,
                    earlier,
                    later,
                    note: Note::overturned(other),
                });
            }
        }
        if event.write {
            cell.reads.clear();
            cell.last_write = Some(now);
        } else if let Some(r) = cell.reads.iter_mut().find(|r| r.epoch.thread == thread) {
            *r = now;
        } else {
            cell.reads.push(now);
        }
        // One lossy-counter race per cell and execution: the one a later decrement overturns.
        if worst.is_some_and(|w| w.kind == FindingKind::BenignRace(BenignClass::LossyCounter)) {
            if cell.values.lossy.is_some() {
                worst = None;
            } else {
                cell.values.lossy = worst.map(|w| (w.earlier, w.later));
            }
        }
        Checked {
            race: worst,
            read_value: if event.write { None } else { performed.value },
        }
    }
}

/// Where a race is, for reporting each place once: the kind, the cell and both accesses.
pub type RacePlace = (FindingKind, Loc, SourceSpan, SourceSpan);

impl Race {
    /// The cell, the kind and both sources: one report per place.
    pub fn place(&self) -> RacePlace {
        (self.kind, self.loc, self.earlier.span, self.later.span)
    }

    /// The finding, with both sides and what ravel knows about them.
    pub fn finding(&self) -> Finding {
        let cell = loc_name(self.loc);
        let what = |w: bool| {
            if w {
                "non-atomic write"
            } else {
                "non-atomic read"
            }
        };
        let side = |s: &Stamp| {
            let mut op = format!("{} of ", what(s.write));
            if s.mask != CellShape::ALL_BITS {
                op.push_str(&format!("bits {:#x} of ", s.mask));
            }
            if s.racy {
                op.push_str("racy ");
            }
            op.push_str(&format!("cell {cell}"));
            if let Some(v) = s.value {
                op.push_str(&format!(
                    " ({} {v})",
                    if s.write { "writes" } else { "reads" }
                ));
            }
            Access {
                thread: s.epoch.thread,
                thread_name: None,
                operation: op,
                span: Some(s.span),
            }
        };
        let (details, hint) =
            benign::explain(self.kind, &self.earlier, &self.later, &self.note, &cell);
        Finding {
            kind: self.kind,
            // A write first, whichever ran first (see `Finding::same_place`): reads never race
            // with reads, so the second is a write only if both are.
            summary: format!(
                "{} and {} of cell {} are not ordered by happens-before",
                what(true),
                what(self.earlier.write && self.later.write),
                cell
            ),
            sides: vec![side(&self.earlier), side(&self.later)],
            details,
            hint,
        }
    }
}
