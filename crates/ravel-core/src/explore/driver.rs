//! The exploration loop: run the program once per execution, schedule its threads, and ask the
//! strategy for the next execution until it is exhausted, a finding turns up or a budget runs out.

use super::interleavings::InterleavingScheduler;
use super::path::ExecutionKey;
use super::pct::PctScheduler;
use super::pool::{same_finding_place, same_place, ParallelExploration, Task, WorkerOutcome};
use super::random::RandomScheduler;
use super::replay_token::TokenScheduler;
use super::revisit::Revisits;
use super::run_state::{RunState, ThreadState};
use super::scheduler::Scheduler;
use super::shard::Shard;
use super::strategy::Strategy;
use crate::clock::VectorClock;
use crate::detect::{
    no_analyses, Access, AnalysisFactory, ExecutionAnalysis, Finding, FindingKind, LockOrder,
};
use crate::event::{Op, OpAt, OpResult, Program, Request, SourceSpan, ThreadId};
use crate::graph::{EventId, ExecutionGraph, Label};
use crate::model::MemoryModel;
use crate::report::{Outcome, Report};
use std::time::Duration;

/// A callback that sees the graph of every complete execution.
pub type GraphObserver = Box<dyn FnMut(&ExecutionGraph)>;

/// How to explore.
pub struct ExploreConfig {
    /// The memory model.
    pub model: &'static dyn MemoryModel,
    /// The strategy.
    pub strategy: Strategy,
    /// Stop after this many executions.
    pub max_executions: Option<u64>,
    /// Steps per execution before a livelock is suspected.
    pub max_steps: u64,
    /// Stop after this much time (needs `clock`).
    pub max_duration: Option<Duration>,
    /// At most this many preemptions per execution (exhaustive search then enumerates
    /// interleavings; sampling strategies respect it too).
    pub preemption_bound: Option<u32>,
    /// Time since exploration began; the core reads no clock of its own.
    pub clock: Option<Box<dyn Fn() -> Duration + Send>>,
    /// Keep exploring after a finding, collecting one report per finding kind and place.
    pub keep_going: bool,
    /// Record a fingerprint of every complete execution's graph (tests compare explorers).
    pub collect_graphs: bool,
    /// Called with the graph of every complete execution (the litmus front end reads final
    /// values and checks graph-level data races here).
    pub observer: Option<GraphObserver>,
    /// Builds the whole-execution detectors (one set per exploration or worker).
    pub analyses: AnalysisFactory,
    /// Explore only this part of an exhaustive search.
    pub shard: Option<Shard>,
}

impl std::fmt::Debug for ExploreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExploreConfig")
            .field("model", &self.model.name())
            .field("strategy", &self.strategy)
            .field("max_executions", &self.max_executions)
            .field("max_steps", &self.max_steps)
            .field("max_duration", &self.max_duration)
            .field("preemption_bound", &self.preemption_bound)
            .finish()
    }
}

impl ExploreConfig {
    /// Exhaustive exploration under `model` with default budgets.
    pub fn new(model: &'static dyn MemoryModel) -> ExploreConfig {
        ExploreConfig {
            model,
            strategy: Strategy::Exhaustive,
            max_executions: None,
            max_steps: 100_000,
            max_duration: None,
            preemption_bound: None,
            clock: None,
            keep_going: false,
            collect_graphs: false,
            observer: None,
            analyses: no_analyses,
            shard: None,
        }
    }

    fn elapsed(&self) -> Duration {
        self.clock.as_ref().map_or(Duration::ZERO, |c| c())
    }
}

/// Why an execution stopped early.
#[derive(Debug)]
pub(crate) enum Stop {
    /// The graph cannot be completed consistently (an atomicity violation, an exhausted
    /// choice): nothing to report, explore on.
    Redundant,
    /// A bug (boxed: every operation returns a `Result` with this error, and a small one is
    /// returned in registers).
    Found(Box<Finding>),
    /// A budget ran out in the middle of an execution.
    OutOfTime,
}

impl Stop {
    /// A bug, as the error of an operation.
    pub(crate) fn found(finding: Finding) -> Stop {
        Stop::Found(Box::new(finding))
    }
}

pub(crate) enum Mode {
    Optimal(Revisits),
    Sampling(Box<dyn Scheduler>),
}

pub(crate) struct Engine<'a> {
    pub(crate) program: &'a mut dyn Program,
    pub(crate) config: &'a ExploreConfig,
    pub(crate) graph: ExecutionGraph,
    pub(crate) mode: Mode,
    pub(crate) run: RunState,
    /// An execution ended with threads blocked on locks: a blocked acquisition is not in the
    /// graph, so the orders where it came first may be unexplored (matters with `keep_going`).
    pub(crate) deadlocked: bool,
    /// The whole-execution detectors.
    pub(crate) analyses: Vec<Box<dyn ExecutionAnalysis>>,
    /// Lock nesting orders over every execution this worker explored (only with analyses).
    pub(crate) lock_order: Option<LockOrder>,
}

/// Explores `program` as configured, on this thread alone, and answers what was found.
pub fn explore(program: &mut dyn Program, config: &mut ExploreConfig) -> Outcome {
    let exploration = ParallelExploration::new(1);
    let result = exploration.run_worker(program, config);
    exploration.finish(vec![result], config.keep_going)
}

impl ParallelExploration {
    /// Runs one worker of this exploration on the calling thread, with its own copy of the
    /// program, until the exploration is done. Every worker must get the same configuration.
    pub fn run_worker(
        &self,
        program: &mut dyn Program,
        config: &mut ExploreConfig,
    ) -> WorkerOutcome {
        let mut observer = config.observer.take();
        let result = self.work(program, config, &mut observer);
        config.observer = observer;
        result
    }

    fn work(
        &self,
        program: &mut dyn Program,
        config: &ExploreConfig,
        observer: &mut Option<GraphObserver>,
    ) -> WorkerOutcome {
        let optimal =
            matches!(config.strategy, Strategy::Exhaustive) && config.preemption_bound.is_none();
        let sampling_forever = matches!(
            config.strategy,
            Strategy::Random { .. } | Strategy::Pct { .. }
        );
        let mut engine = Engine {
            program,
            config,
            graph: ExecutionGraph::new(),
            mode: Mode::Optimal(Revisits::new(false)),
            run: RunState::recycled(),
            deadlocked: false,
            analyses: (config.analyses)(),
            lock_order: None,
        };
        if !engine.analyses.is_empty() {
            engine.lock_order = Some(LockOrder::new());
        }
        let mut result = WorkerOutcome::default();
        result.outcome.complete = true;
        result.settles = optimal;
        while let Some(task) = self.take() {
            let root = matches!(task, Task::Root);
            let (mode, graph) = match task {
                Task::Root => (
                    Self::first_mode(config, self.workers() > 1),
                    ExecutionGraph::recycled(),
                ),
                Task::Subtree(subtree) => {
                    let (revisits, graph) = Revisits::adopt(*subtree);
                    (Mode::Optimal(revisits), graph)
                }
            };
            engine.mode = mode;
            std::mem::replace(&mut engine.graph, graph).recycle();
            let shard = config.shard.filter(|_| root && optimal);
            if !self.explore_task(&mut engine, &mut result, observer, root, shard) {
                result.outcome.complete = false;
            }
        }
        if sampling_forever || engine.deadlocked || self.is_cancelled() {
            result.outcome.complete = false;
        }
        std::mem::take(&mut engine.graph).recycle();
        std::mem::take(&mut engine.run).recycle();
        result.outcome.elapsed = config.elapsed();
        result.outcome.model = config.model.name();
        result
    }

    fn first_mode(config: &ExploreConfig, track: bool) -> Mode {
        match (&config.strategy, config.preemption_bound) {
            (Strategy::Exhaustive, None) => Mode::Optimal(Revisits::new(track)),
            (Strategy::Exhaustive, Some(bound)) => Mode::Sampling(Box::new(
                InterleavingScheduler::new(Some(bound), !config.model.is_interleaving()),
            )),
            (Strategy::Random { seed }, bound) => {
                Mode::Sampling(Box::new(RandomScheduler::new(*seed, bound)))
            }
            (Strategy::Pct { depth, seed }, _) => {
                Mode::Sampling(Box::new(PctScheduler::new(*depth, *seed)))
            }
            (Strategy::Replay(token), _) => {
                Mode::Sampling(Box::new(TokenScheduler::new(token.clone())))
            }
        }
    }

    /// Explores one task to its end; answers false when it stopped early (a finding, a budget,
    /// a cancellation).
    fn explore_task(
        &self,
        engine: &mut Engine<'_>,
        result: &mut WorkerOutcome,
        observer: &mut Option<GraphObserver>,
        root: bool,
        shard: Option<Shard>,
    ) -> bool {
        let config = engine.config;
        let mut first = root;
        // Before a shard splits off its part, it explores what every shard explores.
        let mut shared = shard.is_some();
        let mut iterations = 0u64;
        loop {
            if self.is_cancelled() {
                return false;
            }
            if config.max_duration.is_some_and(|d| config.elapsed() >= d) {
                return false;
            }
            let more = match &mut engine.mode {
                Mode::Optimal(revisits) => {
                    if let Some(shard) = shard.filter(|_| shared) {
                        if shard.ready_to_split(revisits.pending(), iterations) {
                            revisits.keep_share(shard.index() - 1, shard.count());
                            shared = false;
                        }
                    }
                    if !shared && self.wants_work() {
                        if let Some(subtree) = revisits.split_off(&engine.graph) {
                            self.give(subtree);
                        }
                    }
                    let more = first || revisits.next_graph(&mut engine.graph, config.model);
                    if more && self.is_past_best(revisits.current_key().as_ref()) {
                        revisits.clear();
                        return false;
                    }
                    more
                }
                Mode::Sampling(s) => {
                    engine.graph.clear();
                    s.begin_execution()
                }
            };
            first = false;
            iterations += 1;
            if !more {
                return true;
            }
            if let Some(max) = config.max_executions {
                if !self.start_execution(max) {
                    return false;
                }
            }
            // Shards other than the first only watch the shared beginning go by.
            let counted = !shared || shard.is_some_and(|s| s.owns_shared_prefix());
            let ran = engine.run_execution();
            if counted && !matches!(ran, Err(Stop::Redundant | Stop::OutOfTime)) {
                self.keep_split_race(engine, result);
            }
            match ran {
                Ok(()) => {
                    if !counted {
                        continue;
                    }
                    result.outcome.executions += 1;
                    self.count_execution();
                    if config.collect_graphs {
                        result.outcome.graphs.push(engine.graph.fingerprint());
                    }
                    if let Some(observe) = observer.as_mut() {
                        observe(&engine.graph);
                    }
                    if let Some(suspect) = engine.suspect() {
                        let key = engine.current_key();
                        let report = engine.report(suspect, self.executions());
                        result.suspects.push((key, report));
                    }
                }
                Err(Stop::Redundant) => {
                    if counted {
                        result.outcome.redundant += 1;
                    }
                }
                Err(Stop::OutOfTime) => return false,
                Err(Stop::Found(finding)) => {
                    let key = engine.current_key();
                    if counted {
                        result.outcome.executions += 1;
                        let total = self.count_execution();
                        let report = engine.report(*finding, total);
                        let already = result
                            .outcome
                            .reports
                            .iter()
                            .zip(&result.keys)
                            .any(|(r, k)| same_place(r, &report) && k <= &key);
                        if !already {
                            result.outcome.reports.push(report);
                            result.keys.push(key.clone());
                        }
                    }
                    if !config.keep_going {
                        self.found_at(key);
                        if let Mode::Optimal(revisits) = &mut engine.mode {
                            revisits.clear();
                        }
                        return false;
                    }
                }
            }
        }
    }
}

impl ParallelExploration {
    /// Keeps the race on a split access that the execution just run saw, for the end of the
    /// exploration (`detect::torn`): reported only if no bug turns up, so that a torn read,
    /// the race's consequence, is reported instead when one exists. One per place, the earliest.
    fn keep_split_race(&self, engine: &mut Engine<'_>, result: &mut WorkerOutcome) {
        let Some(race) = engine.run.torn.take_race() else {
            return;
        };
        let key = engine.current_key();
        let kept = result
            .split_races
            .iter()
            .position(|(_, r)| same_finding_place(&r.finding, &race));
        if let Some(i) = kept {
            let earlier = match (&result.split_races[i].0, &key) {
                (Some(old), Some(new)) => old <= new,
                _ => true,
            };
            if earlier {
                return;
            }
            result.split_races.remove(i);
        }
        let report = engine.report(race, self.executions());
        result.split_races.push((key, report));
    }
}

impl Engine<'_> {
    fn report(&self, finding: Finding, executions: u64) -> Report {
        let mut finding = finding;
        if self.config.model.has_store_buffers() {
            crate::detect::label_cell_race(&mut finding, &self.run.trace);
        }
        for side in &mut finding.sides {
            if side.thread_name.is_none() {
                side.thread_name = self.program.thread_name(side.thread);
            }
        }
        let names = (0..self.run.threads.len())
            .map(|t| self.program.thread_name(ThreadId(t as u32)))
            .collect();
        Report {
            finding,
            trace: self.run.trace.clone(),
            thread_names: names,
            executions,
            elapsed: self.config.elapsed(),
            token: self.run.token.encode(),
            model: self.config.model.name(),
        }
    }

    /// Runs the program once, driven by the current graph and then by the strategy.
    fn run_execution(&mut self) -> Result<(), Stop> {
        self.run.reset();
        self.run.next_fresh = 1 + self
            .graph
            .events()
            .filter_map(|(_, e)| e.label.loc().map(|l| l.0))
            .max()
            .unwrap_or(0);
        let result = self
            .run_steps()
            .and_then(|()| self.check_locked_values())
            .and_then(|()| self.analyze());
        if result.is_err() {
            self.program.abort();
        }
        result
    }

    /// herd7's values for locked instructions performed write first (`model::X86Locked`): each
    /// write half must store what its read returns, updated. A complete execution where one does
    /// not has a cycle of values (or a value that changed after its read): not an execution.
    fn check_locked_values(&self) -> Result<(), Stop> {
        if !self.config.model.exchanges_write_first() {
            return Ok(());
        }
        // A read that ran before its source had its final value (see `next_replay_thread`).
        let stale = self.run.returned.iter().any(|&(read, value)| {
            let r = self.graph.read(read);
            self.graph.value_of(r.loc, r.rf) != value
        });
        if stale || !self.graph.locked_values_hold() {
            return Err(Stop::Redundant);
        }
        Ok(())
    }

    /// Whether re-execution may legitimately see other values than the recorded graph: a locked
    /// instruction performed write first whose written value depends on its read, which a
    /// backward revisit changed although readers of the write were kept (`model::X86Locked`).
    fn values_may_change(&self) -> bool {
        self.config.model.exchanges_write_first()
            && self.graph.events().any(|(_, e)| {
                matches!(
                    e.label,
                    Label::Read(crate::graph::ReadLabel {
                        kind: crate::graph::ReadKind::RmwAfterWrite(u),
                        ..
                    }) if u.kind != crate::event::RmwKind::Swap
                )
            })
    }

    /// The running execution's place in sequential order, when tracked (optimal search only).
    fn current_key(&self) -> Option<ExecutionKey> {
        match &self.mode {
            Mode::Optimal(revisits) => revisits.current_key(),
            Mode::Sampling(_) => None,
        }
    }

    /// A potential deadlock first seen in the complete execution that just ran.
    fn suspect(&mut self) -> Option<Finding> {
        let program = &*self.program;
        let lock_order = self.lock_order.as_mut()?;
        lock_order.observe(&self.run.trace, &|loc| program.class_of(loc))
    }

    /// Runs the whole-execution detectors on the complete graph. Their benign findings are
    /// handed to the program and do not stop anything; the first bug does.
    fn analyze(&mut self) -> Result<(), Stop> {
        let mut bug = None;
        let mut benign = Vec::new();
        for analysis in &mut self.analyses {
            bug = analysis.check(&self.graph, &self.run.trace);
            benign.append(&mut analysis.take_benign());
            if bug.is_some() {
                break;
            }
        }
        for finding in benign {
            let report = self.benign_report(finding);
            self.program.benign_race(report);
        }
        bug.map_or(Ok(()), |finding| Err(Stop::found(finding)))
    }

    fn run_steps(&mut self) -> Result<(), Stop> {
        let first = self.program.start();
        self.begin_thread(ThreadId::MAIN, None, VectorClock::new());
        self.take_request(ThreadId::MAIN, first)?;
        loop {
            if self.run.steps >= self.config.max_steps {
                return Err(Stop::found(self.step_bound_finding()));
            }
            if self.run.steps % 1024 == 1023
                && self
                    .config
                    .max_duration
                    .is_some_and(|d| self.config.elapsed() >= d)
            {
                return Err(Stop::OutOfTime);
            }
            let Some(t) = self.pick_thread()? else {
                return self.end_of_run();
            };
            let ThreadState::Pending(OpAt { mut op, span }) = self.run.thread(t).state else {
                unreachable!("picked threads have a pending operation");
            };
            // In place: an operation answered by value inside a `Result` was re-encoded field by
            // field around the result's tag, and its next move stalled on store forwarding.
            self.resolve_locations(t, &mut op)?;
            if let Op::CellAccess { loc, .. } = &mut op {
                *loc = self.cell_number(*loc);
            }
            self.run.steps += 1;
            self.run.token.push_step(t);
            self.run.current = Some(t);
            // Recorded first, so a finding raised by the operation shows it.
            self.run.trace.push(super::run_state::TraceStep {
                thread: t,
                op,
                result: OpResult::Unit,
                span,
            });
            let result = self.perform(t, op, span)?;
            if let Some(step) = self.run.trace.last_mut() {
                step.result = result;
            }
            let request = self.program.resume(t, result);
            self.take_request(t, request)?;
            if let OpResult::Spawned(child) = result {
                let request = self.program.resume(child, OpResult::Unit);
                self.take_request(child, request)?;
            }
        }
    }

    /// Registers a thread that starts now, with its start event.
    pub(crate) fn begin_thread(
        &mut self,
        t: ThreadId,
        spawned_by: Option<EventId>,
        mut clock: VectorClock,
    ) {
        clock.tick(t);
        let mut run = self.run.start_thread(clock);
        if self.graph.thread_len(t) > 0 {
            run.replay_pos = 1;
        } else {
            self.graph.reserve_thread(t);
            self.graph
                .push(t, Label::Start { spawned_by }, SourceSpan::UNKNOWN);
            run.replay_pos = 1;
        }
        self.run.add_thread(t, run);
    }

    fn take_request(&mut self, t: ThreadId, request: Request) -> Result<(), Stop> {
        match request {
            Request::Op(at) => {
                self.run.thread(t).state = ThreadState::Pending(at);
                Ok(())
            }
            Request::Finished => self.finish_thread(t),
            Request::Panicked { message, span } => {
                Err(Stop::found(self.panic_finding(t, &message, span)))
            }
            Request::PanickedJoinable { message, span } => {
                self.run.panics.push(super::run_state::ThreadPanic {
                    thread: t,
                    message,
                    span,
                    joined_by: None,
                });
                self.finish_thread(t)
            }
        }
    }

    /// The report of thread `t`'s panic. When `t` joined threads that had panicked, their panics
    /// come first: usually `t` failed because of them (`join().unwrap()`).
    fn panic_finding(&self, t: ThreadId, message: &str, span: Option<SourceSpan>) -> Finding {
        let first_line = |m: &str| m.lines().next().unwrap_or_default().to_string();
        let causes: Vec<&super::run_state::ThreadPanic> = self
            .run
            .panics
            .iter()
            .filter(|p| p.joined_by == Some(t))
            .collect();
        let mut sides = Vec::new();
        let mut details = Vec::new();
        for cause in &causes {
            sides.push(Access {
                thread: cause.thread,
                thread_name: None,
                operation: "panicked".to_string(),
                span: cause.span,
            });
            details.extend(cause.message.lines().map(|l| format!("| {l}")));
        }
        sides.push(Access {
            thread: t,
            thread_name: None,
            operation: if causes.is_empty() {
                "panicked".to_string()
            } else {
                "joined it and panicked".to_string()
            },
            span,
        });
        if !causes.is_empty() {
            details.push(format!(
                "thread {t} received that panic from `join` and panicked in turn:"
            ));
        }
        details.extend(message.lines().map(|l| format!("| {l}")));
        let summary = match causes.first() {
            Some(cause) => format!(
                "thread {} panicked: {} (and thread {t}, which joined it, panicked too)",
                cause.thread,
                first_line(&cause.message)
            ),
            None => format!("thread {t} panicked: {}", first_line(message)),
        };
        Finding {
            kind: FindingKind::Panic,
            summary,
            sides,
            details,
            hint: None,
        }
    }

    /// The first panic of this execution that no thread joined, reported when the execution
    /// ends: with std, it would only have been printed, and the test would have gone on.
    fn unjoined_panic(&self) -> Option<Finding> {
        let panic = self.run.panics.iter().find(|p| p.joined_by.is_none())?;
        let mut finding = self.panic_finding(panic.thread, &panic.message, panic.span);
        finding.details.push(format!(
            "no thread joined thread {}, so nothing handled its panic",
            panic.thread
        ));
        Some(finding)
    }

    fn finish_thread(&mut self, t: ThreadId) -> Result<(), Stop> {
        let pos = self.run.thread(t).replay_pos;
        if pos < self.graph.thread_len(t) {
            let e = EventId::new(t, pos);
            if self.graph.event(e).label != Label::Finish {
                return Err(self.divergence(t, "returned", e));
            }
        } else {
            self.graph.push(t, Label::Finish, SourceSpan::UNKNOWN);
        }
        let run = self.run.thread(t);
        run.replay_pos += 1;
        run.state = ThreadState::Finished;
        run.clock.tick(t);
        let clock = run.clock.clone();
        let finished = &mut self.run.finish_clocks;
        if finished.len() <= t.index() {
            finished.resize_with(t.index() + 1, || None);
        }
        finished[t.index()] = Some(clock);
        Ok(())
    }

    /// The next thread to run, or `None` when no thread can run.
    fn pick_thread(&mut self) -> Result<Option<ThreadId>, Stop> {
        if !self.run.replay_over {
            match self.next_replay_thread()? {
                Some(t) => return Ok(Some(t)),
                // Nothing left to re-execute: a thread spawned from now on is new too.
                None => self.run.replay_over = true,
            }
        }
        debug_assert!(self.next_replay_thread().is_ok_and(|t| t.is_none()));
        if let Mode::Optimal(_) = self.mode {
            return Ok(self.next_thread_in_turn());
        }
        // Reused: this runs at every step.
        let mut enabled = std::mem::take(&mut self.run.enabled);
        enabled.clear();
        for t in (0..self.run.threads.len() as u32).map(ThreadId) {
            if self.is_enabled(t) {
                enabled.push(t);
            }
        }
        // The sampling strategy picks among them (the optimal search returned above).
        let pick = match &mut self.mode {
            Mode::Sampling(s) if !enabled.is_empty() => {
                Some(s.pick_thread(&enabled, self.run.current))
            }
            _ => None,
        };
        self.run.enabled = enabled;
        let Some(pick) = pick else {
            return Ok(None);
        };
        if !self.run.enabled.contains(&pick) {
            return Err(Stop::found(self.nondeterminism(
                pick,
                "the replayed schedule runs a thread that cannot run here",
            )));
        }
        Ok(Some(pick))
    }

    /// The optimal search's fixed policy (any fixed policy keeps TruSt optimal): stay on the
    /// current thread while it can run and has not yielded, since that saves switches; else the
    /// next thread in numbering order that can run, wrapping around. Asks only the threads it
    /// needs to, since this runs at every step.
    fn next_thread_in_turn(&mut self) -> Option<ThreadId> {
        let count = self.run.threads.len() as u32;
        let current = self.run.current;
        if let Some(c) = current {
            if !self.run.thread_ref(c).is_some_and(|r| r.yielded) && self.is_enabled(c) {
                return Some(c);
            }
        }
        let after = current.map_or(0, |c| c.0 + 1);
        (after..count)
            .chain(0..after.min(count))
            .map(ThreadId)
            .find(|&t| self.is_enabled(t))
    }

    /// While the graph still has events to re-execute, runs them in an order where every read
    /// comes after the write it reads from.
    fn next_replay_thread(&self) -> Result<Option<ThreadId>, Stop> {
        let mut replaying = false;
        // A locked instruction performed write first (`model::X86Locked`) whose read's source
        // is not re-executed yet: run only if nothing else can (a cycle through such
        // instructions), its read then returning the recorded value, which
        // `check_locked_values` confirms at the end.
        let mut speculative = None;
        let write_first = self.config.model.exchanges_write_first();
        for (t, run) in self.run.threads.iter().enumerate() {
            let Some(run) = run else { continue };
            let t = ThreadId(t as u32);
            if run.replay_pos >= self.graph.thread_len(t) {
                continue;
            }
            replaying = true;
            if !matches!(run.state, ThreadState::Pending(..)) {
                continue;
            }
            let here = EventId::new(t, run.replay_pos);
            let ready = match self.graph.event(here).label {
                Label::Read(r) => {
                    let source_done = match r.rf {
                        crate::graph::Source::Init => true,
                        crate::graph::Source::Write(w) => self.run.executed(w),
                    };
                    // The write half of the same operation, if any, must be ready too.
                    let next = EventId::new(t, here.index + 1);
                    let same_op = self.graph.contains(next)
                        && match self.graph.event(next).label {
                            Label::Write(w) => w.rmw || r.kind == crate::graph::ReadKind::WaitStart,
                            _ => false,
                        };
                    source_done && (!same_op || self.write_ready(next, Some(here)))
                }
                Label::Write(_) => {
                    let next = EventId::new(t, here.index + 1);
                    // Only herd's x86 locked instructions perform a write before its read.
                    let source_done = !write_first
                        || !self.graph.contains(next)
                        || self.graph.exchange_partner(next) != Some(here)
                        || match self.graph.read(next).rf {
                            crate::graph::Source::Init => true,
                            crate::graph::Source::Write(w) => self.run.executed(w),
                        };
                    if !source_done && speculative.is_none() {
                        speculative = Some(t);
                    }
                    source_done && self.write_ready(here, None)
                }
                Label::Join { child } => self.run.is_finished(child),
                _ => true,
            };
            if ready {
                return Ok(Some(t));
            }
        }
        if let Some(t) = speculative {
            return Ok(Some(t));
        }
        if replaying {
            if self.values_may_change() {
                // As in `divergence`: the recorded events came from values that changed.
                return Err(Stop::Redundant);
            }
            let stuck = self
                .run
                .threads
                .iter()
                .position(|r| r.is_some())
                .map_or(ThreadId::MAIN, |t| ThreadId(t as u32));
            return Err(Stop::found(self.nondeterminism(
                stuck,
                "the program stopped before re-executing the recorded operations",
            )));
        }
        Ok(None)
    }

    /// Whether thread `t` can perform its pending operation now. The common answers inline:
    /// sampling asks every thread at every step.
    #[inline]
    fn is_enabled(&mut self, t: ThreadId) -> bool {
        let Some(run) = self.run.thread_ref(t) else {
            return false;
        };
        let waits = match &run.state {
            ThreadState::Finished => return false,
            ThreadState::Pending(OpAt { op, .. }) => {
                run.spin.is_some() || matches!(op, Op::Join(_) | Op::Lock(_) | Op::CondWake { .. })
            }
        };
        if waits {
            return self.may_be_enabled(t);
        }
        debug_assert!(self.may_be_enabled(t), "the inline answer disagrees");
        true
    }

    /// [`Engine::is_enabled`] for a thread that waits on something: a spin loop's locations, a
    /// thread to join, a lock, a notification.
    #[inline(never)]
    fn may_be_enabled(&mut self, t: ThreadId) -> bool {
        let Some(run) = self.run.thread_ref(t) else {
            return false;
        };
        let ThreadState::Pending(OpAt { op, .. }) = run.state else {
            return false;
        };
        if let Some(spin) = &run.spin {
            let woken = spin
                .watched
                .iter()
                .any(|&(loc, version)| self.latest_version(loc) != version);
            if !woken {
                return false;
            }
            self.run.thread(t).spin = None;
        }
        match op {
            Op::Join(child) => self.run.is_finished(child),
            Op::Lock(l) => match self.canonical(l) {
                Some(l) => self.graph.value_of(l, self.graph.co_max(l)) == 0,
                None => true,
            },
            Op::CondWake { cv, timed } => {
                timed
                    || self
                        .canonical(cv)
                        .is_some_and(|cv| self.wake_possible(cv, t))
            }
            _ => true,
        }
    }

    /// No thread can run: the execution is complete, deadlocked or livelocked.
    fn end_of_run(&mut self) -> Result<(), Stop> {
        let stuck: Vec<ThreadId> = (0..self.run.threads.len() as u32)
            .map(ThreadId)
            .filter(|&t| {
                self.run
                    .thread_ref(t)
                    .is_some_and(|r| matches!(r.state, ThreadState::Pending(..)))
            })
            .collect();
        if stuck.is_empty() {
            return match self.unjoined_panic() {
                Some(finding) => Err(Stop::found(finding)),
                None => Ok(()),
            };
        }
        // A spinner that read an old value could have read a newer one: this execution only
        // repeats another.
        for &t in &stuck {
            let run = self.run.thread_ref(t).expect("stuck threads exist");
            if run.spin.is_some() {
                let stale = run
                    .previous_iteration
                    .iter()
                    .flatten()
                    .any(|&(loc, version)| self.latest_version(loc) != version);
                if stale {
                    return Err(Stop::Redundant);
                }
            }
        }
        // A spinner is the root cause: others may only wait for it (joining it, say).
        let spinning: Vec<ThreadId> = stuck
            .iter()
            .copied()
            .filter(|&t| self.run.thread_ref(t).is_some_and(|r| r.spin.is_some()))
            .collect();
        // A thread that panicked, unjoined, is the likelier cause of the others waiting.
        if let Some(mut finding) = self.unjoined_panic() {
            let names: Vec<String> = stuck.iter().map(|t| t.to_string()).collect();
            finding.details.push(format!(
                "afterwards no thread could go on (waiting: {})",
                names.join(", ")
            ));
            return Err(Stop::found(finding));
        }
        if !spinning.is_empty() {
            return Err(Stop::found(self.livelock_finding(&spinning)));
        }
        self.deadlocked = true;
        Err(Stop::found(self.deadlock_finding(&stuck)))
    }

    /// Under an interleaving model (SC), a write is re-executed only after the writes before it in
    /// coherence and the reads of those writes, so the trace of a report is a real interleaving.
    fn write_ready(&self, write: EventId, own_read: Option<EventId>) -> bool {
        if !self.config.model.is_interleaving() {
            return true;
        }
        let loc = self.graph.write(write).loc;
        let position = self
            .graph
            .co_position(loc, crate::graph::Source::Write(write));
        let order = self.graph.co_order(loc);
        if order[..position - 1].iter().any(|&p| !self.run.executed(p)) {
            return false;
        }
        self.graph.reads_of(loc).iter().all(|&id| {
            Some(id) == own_read
                || self.run.executed(id)
                || self.graph.co_position(loc, self.graph.read(id).rf) >= position
        })
    }

    /// The number of `loc` in this execution, if it has one yet.
    pub(crate) fn canonical(&self, loc: crate::event::Loc) -> Option<crate::event::Loc> {
        if loc.is_unresolved() {
            self.run.addresses.get(&loc).copied()
        } else {
            Some(loc)
        }
    }

    /// Numbers the objects `op` touches: objects already seen keep their number, re-executed
    /// events adopt the recorded one, new events get a fresh one.
    fn resolve_locations(&mut self, t: ThreadId, op: &mut Op) -> Result<(), Stop> {
        let mut locs = op.locations();
        if !locs.iter().flatten().any(|l| l.is_unresolved()) {
            return Ok(());
        }
        let pos = self.run.thread(t).replay_pos;
        for (k, slot) in locs.iter_mut().enumerate() {
            let Some(loc) = *slot else { continue };
            if !loc.is_unresolved() {
                continue;
            }
            if let Some(&known) = self.run.addresses.get(&loc) {
                *slot = Some(known);
                continue;
            }
            let at = EventId::new(t, pos + k as u32);
            let number = if self.graph.contains(at) {
                match self.graph.event(at).label {
                    Label::Read(r) => r.loc,
                    Label::Write(w) => w.loc,
                    _ => return Err(self.divergence(t, &op.describe(), at)),
                }
            } else {
                let fresh = crate::event::Loc(self.run.next_fresh);
                self.run.next_fresh += 1;
                fresh
            };
            self.run.addresses.insert(loc, number);
            self.program.resolved(loc, number);
            *slot = Some(number);
        }
        op.set_locations(locs);
        Ok(())
    }

    pub(crate) fn divergence(&self, t: ThreadId, did: &str, expected: EventId) -> Stop {
        if self.values_may_change() {
            // The recorded events came from values that no longer hold: herd7 has no such
            // execution (its values are solved from the data flow), and the graph is dropped.
            return Stop::Redundant;
        }
        let e = self.graph.event(expected);
        Stop::found(self.nondeterminism(
            t,
            &format!(
                "thread {t} {did}, but under the same choices it previously did {:?} at {}",
                e.label, e.span
            ),
        ))
    }

    pub(crate) fn nondeterminism(&self, t: ThreadId, what: &str) -> Finding {
        let span = self.run.thread_ref(t).and_then(|r| match r.state {
            ThreadState::Pending(at) => Some(at.span),
            ThreadState::Finished => None,
        });
        Finding {
            kind: FindingKind::NonDeterminism,
            summary: what.to_string(),
            sides: vec![Access {
                thread: t,
                thread_name: None,
                operation: "diverged here".to_string(),
                span,
            }],
            details: vec![],
            hint: Some(
                "a model must behave the same under the same choices: do not read clocks, \
                 random numbers, or std atomics and locks shared across executions"
                    .to_string(),
            ),
        }
    }
}
