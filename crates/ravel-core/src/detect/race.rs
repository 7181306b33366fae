//! Data races on `UnsafeCell`s: vector clocks for happens-before with one epoch per access, in the
//! style of FastTrack (Flanagan and Freund, PLDI 2009). Happens-before comes from the engine's
//! clocks: spawn and join, mutexes, release/acquire atomics and fences.
//!
//! Deviations: reads keep one epoch per thread instead of switching between an epoch and a read
//! vector; models have few threads, so this costs nothing and keeps the code short.

use super::{Access, Finding, FindingKind};
use crate::clock::{Epoch, VectorClock};
use crate::event::{loc_name, Loc, SourceSpan, ThreadId};
use rustc_hash::FxHashMap;

#[derive(Clone, Debug)]
struct Stamp {
    epoch: Epoch,
    span: SourceSpan,
}

#[derive(Clone, Debug, Default)]
struct CellHistory {
    last_write: Option<Stamp>,
    reads: Vec<Stamp>,
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

    /// Records an access by `thread`, whose clock is `clock`; answers a finding if it races.
    pub fn access(
        &mut self,
        loc: Loc,
        thread: ThreadId,
        write: bool,
        clock: &VectorClock,
        span: SourceSpan,
    ) -> Option<Finding> {
        let cell = self.cells.entry(loc).or_default();
        let now = Stamp {
            epoch: clock.epoch(thread),
            span,
        };
        if let Some(w) = &cell.last_write {
            if w.epoch.thread != thread && !clock.covers(w.epoch) {
                return Some(race(loc, w, true, thread, write, span));
            }
        }
        if write {
            if let Some(r) = cell
                .reads
                .iter()
                .find(|r| r.epoch.thread != thread && !clock.covers(r.epoch))
            {
                return Some(race(loc, r, false, thread, true, span));
            }
            cell.reads.clear();
            cell.last_write = Some(now);
        } else if let Some(r) = cell.reads.iter_mut().find(|r| r.epoch.thread == thread) {
            *r = now;
        } else {
            cell.reads.push(now);
        }
        None
    }
}

fn race(
    loc: Loc,
    earlier: &Stamp,
    earlier_write: bool,
    thread: ThreadId,
    write: bool,
    span: SourceSpan,
) -> Finding {
    let what = |w: bool| {
        if w {
            "non-atomic write"
        } else {
            "non-atomic read"
        }
    };
    let cell = loc_name(loc);
    Finding {
        kind: FindingKind::DataRace,
        summary: format!(
            "{} and {} of cell {} are not ordered by happens-before",
            what(earlier_write),
            what(write),
            cell
        ),
        sides: vec![
            Access {
                thread: earlier.epoch.thread,
                thread_name: None,
                operation: format!("{} of cell {}", what(earlier_write), cell),
                span: Some(earlier.span),
            },
            Access {
                thread,
                thread_name: None,
                operation: format!("{} of cell {}", what(write), cell),
                span: Some(span),
            },
        ],
        details: vec![],
        hint: Some(
            "order the accesses with a lock, a Release store read by an Acquire load, or join"
                .to_string(),
        ),
    }
}
