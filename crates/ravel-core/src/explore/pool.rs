//! Sharing one exhaustive exploration among workers.
//!
//! TruSt keeps no explored states, so a pending alternative plus a copy of the graph it applies
//! to is an independent piece of work. A worker that has alternatives to spare hands the one it
//! would explore last (nearest the root, so usually the largest subtree) to an idle worker; the
//! exploration ends when every worker is idle. The core spawns no threads: whoever runs the
//! workers calls [`ParallelExploration::run_worker`] once per OS thread.
//!
//! Findings are made deterministic with execution names ([`ExecutionKey`]): workers keep going
//! until every execution that comes before the best finding in sequential order has been
//! explored, so the first report is the one a single worker would have made.

use super::path::ExecutionKey;
use super::revisit::Subtree;
use crate::detect::{Finding, FindingKind};
use crate::report::{Outcome, Report};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

/// Work for a worker.
#[derive(Debug)]
pub(crate) enum Task {
    /// Start the exploration from the first execution.
    Root,
    /// Explore a subtree another worker handed over.
    Subtree(Box<Subtree>),
}

#[derive(Debug, Default)]
struct PoolState {
    tasks: Vec<Task>,
    idle: usize,
    done: bool,
    /// The earliest finding so far (stops exploration past it unless keeping going).
    best: Option<ExecutionKey>,
}

/// One exploration shared by `workers` workers.
#[derive(Debug)]
pub struct ParallelExploration {
    workers: usize,
    state: Mutex<PoolState>,
    wake: Condvar,
    /// Workers waiting for a task (read between executions, so kept outside the lock).
    hungry: AtomicUsize,
    /// Whether `state.best` is set (so workers need not lock to find out).
    found: AtomicBool,
    cancelled: AtomicBool,
    executions: AtomicU64,
    /// Executions begun, redundant ones included (for `max_executions`).
    started: AtomicU64,
}

/// What one worker did, to be combined by [`ParallelExploration::finish`].
#[derive(Debug, Default)]
pub struct WorkerOutcome {
    pub(crate) outcome: Outcome,
    /// The sequential-order name of each report's execution, when tracked.
    pub(crate) keys: Vec<Option<ExecutionKey>>,
    /// Findings only suspected (a lock-order cycle), reported unless the exploration settles
    /// them.
    pub(crate) suspects: Vec<(Option<ExecutionKey>, Report)>,
    /// Data races on split accesses, kept aside: reported only if the exploration finds no bug
    /// (a torn read is their consequence, and the better report).
    pub(crate) split_races: Vec<(Option<ExecutionKey>, Report)>,
    /// Whether a complete exploration by this worker covers every execution (exhaustive and
    /// unbounded), and so settles suspicions.
    pub(crate) settles: bool,
}

impl ParallelExploration {
    /// An exploration for `workers` workers (at least one).
    pub fn new(workers: usize) -> ParallelExploration {
        ParallelExploration {
            workers: workers.max(1),
            state: Mutex::new(PoolState {
                tasks: vec![Task::Root],
                ..PoolState::default()
            }),
            wake: Condvar::new(),
            hungry: AtomicUsize::new(0),
            found: AtomicBool::new(false),
            cancelled: AtomicBool::new(false),
            executions: AtomicU64::new(0),
            started: AtomicU64::new(0),
        }
    }

    /// The number of workers.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Complete executions so far, over all workers (for progress displays).
    pub fn executions(&self) -> u64 {
        // Relaxed: a progress figure, not a synchronisation point.
        self.executions.load(Ordering::Relaxed)
    }

    /// Stops every worker at its next execution boundary.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
        let mut state = self.lock();
        state.done = true;
        self.wake.notify_all();
    }

    /// Whether [`ParallelExploration::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        // A worker that panicked inside the core leaves consistent state: every update is a
        // single assignment or push.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a complete execution; answers the new total.
    pub(crate) fn count_execution(&self) -> u64 {
        self.executions.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Takes a slot for one more execution; false once `max` executions have begun.
    pub(crate) fn start_execution(&self, max: u64) -> bool {
        self.started.fetch_add(1, Ordering::Relaxed) < max
    }

    /// The next task, waiting while others may still hand one over; `None` when all is done.
    pub(crate) fn take(&self) -> Option<Task> {
        let mut state = self.lock();
        state.idle += 1;
        self.hungry.fetch_add(1, Ordering::Relaxed);
        let task = loop {
            if state.done {
                break None;
            }
            if let Some(best) = state.best.clone() {
                state.tasks.retain(|t| match t {
                    Task::Root => true,
                    Task::Subtree(s) => s.key().is_none_or(|k| k < best),
                });
            }
            if let Some(task) = state.tasks.pop() {
                break Some(task);
            }
            if state.idle == self.workers {
                state.done = true;
                self.wake.notify_all();
                break None;
            }
            state = self.wake.wait(state).unwrap_or_else(|e| e.into_inner());
        };
        state.idle -= 1;
        self.hungry.fetch_sub(1, Ordering::Relaxed);
        task
    }

    /// Whether some worker waits for work.
    pub(crate) fn wants_work(&self) -> bool {
        self.workers > 1 && self.hungry.load(Ordering::Relaxed) > 0
    }

    /// Hands a subtree to a waiting worker.
    pub(crate) fn give(&self, subtree: Subtree) {
        let mut state = self.lock();
        state.tasks.push(Task::Subtree(Box::new(subtree)));
        self.wake.notify_one();
    }

    /// Records a finding at `key`, so later executions need not be explored.
    pub(crate) fn found_at(&self, key: Option<ExecutionKey>) {
        let mut state = self.lock();
        match key {
            Some(key) => {
                if state.best.as_ref().is_none_or(|b| key < *b) {
                    state.best = Some(key);
                }
            }
            // Untracked (one worker): stop everything.
            None => state.done = true,
        }
        self.found.store(true, Ordering::Relaxed);
    }

    /// Whether the execution named `key` comes after the best finding, so exploring it (and
    /// the rest of its subtree) cannot change the result.
    pub(crate) fn is_past_best(&self, key: Option<&ExecutionKey>) -> bool {
        if !self.found.load(Ordering::Relaxed) {
            return false;
        }
        let state = self.lock();
        match (key, &state.best) {
            (Some(k), Some(best)) => k > best,
            _ => state.done,
        }
    }

    /// Combines the workers' outcomes into the exploration's.
    pub fn finish(&self, results: Vec<WorkerOutcome>, keep_going: bool) -> Outcome {
        let mut outcome = Outcome {
            complete: !self.is_cancelled(),
            ..Outcome::default()
        };
        let mut reports: Vec<(Option<ExecutionKey>, Report)> = Vec::new();
        let mut suspects: Vec<(Option<ExecutionKey>, Report)> = Vec::new();
        let mut split_races: Vec<(Option<ExecutionKey>, Report)> = Vec::new();
        let mut settles = true;
        for result in results {
            suspects.extend(result.suspects);
            split_races.extend(result.split_races);
            settles &= result.settles;
            let o = result.outcome;
            outcome.executions += o.executions;
            outcome.redundant += o.redundant;
            outcome.complete &= o.complete;
            outcome.graphs.extend(o.graphs);
            outcome.elapsed = outcome.elapsed.max(o.elapsed);
            if !o.model.is_empty() {
                outcome.model = o.model;
            }
            reports.extend(result.keys.into_iter().zip(o.reports));
        }
        let mut kept = earliest_per_place(reports);
        if !keep_going {
            kept.truncate(1);
        }
        if !kept.is_empty() && !keep_going {
            outcome.complete = false;
        }
        // A complete unbounded search that never deadlocked proves the lock-order cycles it saw
        // cannot close; otherwise they are worth a look.
        let settled = settles && outcome.complete;
        let deadlocked = kept.iter().any(|r| r.finding.kind == FindingKind::Deadlock);
        if kept.is_empty() || keep_going {
            let mut races = earliest_per_place(split_races);
            if !keep_going {
                races.truncate(1);
            }
            kept.extend(races);
        }
        if !settled && !deadlocked {
            kept.extend(earliest_per_place(suspects));
        }
        outcome.reports = kept;
        outcome
    }
}

/// The earliest report (in sequential order) of each place, in that order; untracked reports
/// (one worker) keep their order.
fn earliest_per_place(mut reports: Vec<(Option<ExecutionKey>, Report)>) -> Vec<Report> {
    reports.sort_by(|(a, _), (b, _)| match (a, b) {
        (Some(a), Some(b)) => a.cmp(b),
        _ => std::cmp::Ordering::Equal,
    });
    let mut kept: Vec<Report> = Vec::new();
    for (_, report) in reports {
        if !kept.iter().any(|r| same_place(r, &report)) {
            kept.push(report);
        }
    }
    kept
}

/// Whether two reports are about the same bug: the same kind, summary and places.
pub(crate) fn same_place(a: &Report, b: &Report) -> bool {
    same_finding_place(&a.finding, &b.finding)
}

/// Whether two findings are about the same bug: the same kind at the same place
/// ([`Finding::same_place`]: a race found in either order is one).
pub(crate) fn same_finding_place(a: &Finding, b: &Finding) -> bool {
    a.kind == b.kind && a.same_place(b)
}
