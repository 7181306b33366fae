//! Collecting the benign races the engine reports while it explores: they do not stop anything,
//! so they travel beside the outcome rather than in it. Every worker's program pushes into one
//! sink per exploration, installed in its context when the model's main thread starts.

use super::context::{with_context, Context};
use ravel_core::report::Report;
use std::sync::{Arc, Mutex};

/// Where the workers of one exploration put benign-race reports.
pub(crate) type Sink = Arc<Mutex<Vec<Report>>>;

/// Makes the running worker report into `sink` (once per worker: a cheap check per execution).
pub(crate) fn install(sink: &Sink) {
    with_context(|ctx| {
        let mut slot = ctx.benign.borrow_mut();
        if slot.is_none() {
            *slot = Some(sink.clone());
        }
    });
}

/// Keeps a report from the engine.
pub(crate) fn keep(ctx: &Context, report: Report) {
    if let Some(sink) = &*ctx.benign.borrow() {
        sink.lock().unwrap_or_else(|e| e.into_inner()).push(report);
    }
}

/// The benign reports to show beside `bugs`: one per place, first found first, without those a
/// bug supersedes (a race taken for a lossy counter and then shown to be a data race, at the same
/// place).
pub(crate) fn collect(sink: &Sink, bugs: &[Report]) -> Vec<Report> {
    let mut kept: Vec<Report> = Vec::new();
    let reports = std::mem::take(&mut *sink.lock().unwrap_or_else(|e| e.into_inner()));
    for r in reports {
        if bugs.iter().any(|b| b.finding.same_place(&r.finding)) {
            continue;
        }
        if kept
            .iter()
            .any(|k| k.finding.kind == r.finding.kind && k.finding.same_place(&r.finding))
        {
            continue;
        }
        kept.push(r);
    }
    kept
}
