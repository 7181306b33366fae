//! Performing one operation: re-executing it from the graph, or adding it as new events whose
//! choices the strategy resolves; and keeping happens-before clocks up to date.

use super::driver::{Engine, Mode, Stop};
use super::revisit::WorkItem;
use super::run_state::SpinBlock;
use crate::detect::{CellEvent, Finding, FindingKind, SplitEvent};
use crate::event::{
    CellShape, FenceMode, Loc, Op, OpResult, ReadMode, RmwKind, RmwUpdate, SourceSpan, SplitPart,
    ThreadId, Value, WriteMode,
};
use crate::graph::{EventId, ExecutionGraph, Label, ReadKind, ReadLabel, Source, WriteLabel};
use crate::report::Report;
use crate::view::View;
use smallvec::SmallVec;

const NOTIFY: RmwUpdate = RmwUpdate {
    kind: RmwKind::Add,
    operand: 1,
    bits: 64,
    signed: false,
};

impl Engine<'_> {
    pub(crate) fn perform(
        &mut self,
        t: ThreadId,
        op: Op,
        span: SourceSpan,
    ) -> Result<OpResult, Stop> {
        let asked = {
            let step = self.run.steps;
            let run = self.run.thread(t);
            run.spin = None;
            run.yielded = false;
            std::mem::replace(&mut run.last_step, step)
        };
        Ok(match op {
            Op::Load { loc, init, mode } => {
                let (_, v) = self.read(
                    t,
                    loc,
                    init,
                    (mode, mode, WriteMode::Relaxed),
                    ReadKind::Plain,
                    span,
                )?;
                OpResult::Value(v)
            }
            Op::Store {
                loc,
                init,
                val,
                mode,
            } => {
                self.write(t, loc, init, val, mode, false, span)?;
                OpResult::Unit
            }
            Op::Rmw {
                loc,
                init,
                update,
                mode,
            } if self.config.model.exchanges_write_first() => {
                // herd's x86 locked instructions (`model::X86Locked`): the write half first, then
                // a read that may read the write before it in coherence or any later one. The
                // write stores what the read returns, updated: re-executed, from what the
                // recorded read reads; added, from what the new read picks (`set_rf` keeps it).
                let next = EventId::new(t, self.run.thread(t).replay_pos + 1);
                let recorded = self
                    .graph
                    .contains(next)
                    .then(|| self.graph.event(next).label);
                let read_value = match recorded {
                    Some(Label::Read(r)) => self.graph.value_of(r.loc, r.rf),
                    _ => 0,
                };
                let new = update.apply(read_value);
                self.write(t, loc, init, new, mode.write_part(), false, span)?;
                let read_mode = mode.read_part();
                let modes = (read_mode, read_mode, mode.write_part());
                let kind = ReadKind::RmwAfterWrite(update);
                let (_, v) = self.read(t, loc, init, modes, kind, span)?;
                OpResult::Value(v)
            }
            Op::Rmw {
                loc,
                init,
                update,
                mode,
            } => {
                let read_mode = mode.read_part();
                let modes = (read_mode, read_mode, mode.write_part());
                let (_, v) = self.read(t, loc, init, modes, ReadKind::Rmw(update), span)?;
                self.write(t, loc, init, update.apply(v), mode.write_part(), true, span)?;
                OpResult::Value(v)
            }
            Op::CompareExchange {
                loc,
                init,
                expected,
                new,
                success,
                failure,
                weak,
            } => {
                let kind = ReadKind::Cas {
                    expected,
                    new,
                    weak,
                };
                let (id, v) = self.read(
                    t,
                    loc,
                    init,
                    (success.read_part(), failure, success.write_part()),
                    kind,
                    span,
                )?;
                let ok = self.graph.read(id).write_value(v).is_some();
                if ok {
                    self.write(t, loc, init, new, success.write_part(), true, span)?;
                }
                OpResult::Cas { value: v, ok }
            }
            Op::Fence(mode) => {
                self.fence(t, mode, span)?;
                OpResult::Unit
            }
            Op::Lock(l) => {
                let acq = ReadMode::Acquire;
                self.read(
                    t,
                    l,
                    0,
                    (acq, acq, WriteMode::Relaxed),
                    ReadKind::Lock,
                    span,
                )?;
                self.write(t, l, 0, 1, WriteMode::Relaxed, true, span)?;
                self.run.thread(t).held.push((l, span));
                OpResult::Unit
            }
            Op::TryLock(l) => {
                let acq = ReadMode::Acquire;
                let (_, v) = self.read(
                    t,
                    l,
                    0,
                    (acq, acq, WriteMode::Relaxed),
                    ReadKind::TryLock,
                    span,
                )?;
                if v == 0 {
                    self.write(t, l, 0, 1, WriteMode::Relaxed, true, span)?;
                    self.run.thread(t).held.push((l, span));
                }
                OpResult::Bool(v == 0)
            }
            Op::Unlock(l) => {
                self.write(t, l, 0, 0, WriteMode::Release, false, span)?;
                self.run.thread(t).held.retain(|&(h, _)| h != l);
                OpResult::Unit
            }
            Op::Spawn => OpResult::Spawned(self.spawn(t, span)?),
            Op::Join(child) => {
                self.simple_event(t, Label::Join { child }, span)?;
                if let Some(p) = self.run.panics.iter_mut().find(|p| p.thread == child) {
                    p.joined_by.get_or_insert(t);
                }
                let clock = self.run.finish_clocks.get(child.index()).cloned().flatten();
                let run = self.run.thread(t);
                if let Some(c) = clock {
                    run.clock.join(&c);
                }
                run.clock.tick(t);
                OpResult::Unit
            }
            Op::CondWait { cv, mutex } => {
                let rlx = ReadMode::Relaxed;
                let (id, _) = self.read(
                    t,
                    cv,
                    0,
                    (rlx, rlx, WriteMode::Relaxed),
                    ReadKind::WaitStart,
                    span,
                )?;
                let since = self.graph.read(id).rf;
                self.run.thread(t).wait_since = Some((cv, since));
                self.write(t, mutex, 0, 0, WriteMode::Release, false, span)?;
                self.run.thread(t).held.retain(|&(h, _)| h != mutex);
                OpResult::Unit
            }
            Op::CondWake { cv, .. } => {
                let since = self.wait_since(t, cv);
                let rlx = ReadMode::Relaxed;
                let kind = ReadKind::WaitWake { since };
                let (id, _) = self.read(t, cv, 0, (rlx, rlx, WriteMode::Relaxed), kind, span)?;
                let notified = self.graph.read(id).rf != since;
                let run = self.run.thread(t);
                run.wait_since = None;
                run.last_spurious = (!notified).then_some((cv, since));
                OpResult::Woken(notified)
            }
            Op::Notify { cv, all: _ } => {
                let rlx = ReadMode::Relaxed;
                let (_, v) = self.read(
                    t,
                    cv,
                    0,
                    (rlx, rlx, WriteMode::Relaxed),
                    ReadKind::Rmw(NOTIFY),
                    span,
                )?;
                self.write(t, cv, 0, v + 1, WriteMode::Relaxed, true, span)?;
                OpResult::Unit
            }
            Op::Yield => {
                self.end_iteration(t, span);
                OpResult::Unit
            }
            Op::CellAccess { loc, write } => {
                self.cell_access(t, loc, write, CellShape::OPAQUE, asked, span)?
            }
            Op::ShapedCellAccess { loc, write, shape } => {
                // Numbered here: the loop numbers plain cell accesses only.
                let loc = self.cell_number(loc);
                if let Some(step) = self.run.trace.last_mut() {
                    step.op = Op::ShapedCellAccess { loc, write, shape };
                }
                self.cell_access(t, loc, write, shape, asked, span)?
            }
            Op::SplitAccess {
                loc,
                init,
                whole,
                part,
            } => self.split_access(t, loc, init, whole, part, span)?,
        })
    }

    /// One part of a split access (`detect::torn`): a non-atomic read or write of the part's
    /// location in the graph, then the torn-read check, which may stop the execution.
    fn split_access(
        &mut self,
        t: ThreadId,
        loc: Loc,
        init: Value,
        whole: [Value; 2],
        part: SplitPart,
        span: SourceSpan,
    ) -> Result<OpResult, Stop> {
        let clock = self.run.thread(t).clock.clone();
        let whole = u128::from(whole[0]) | u128::from(whole[1]) << 64;
        let (event, value, source) = if part.is_write() {
            let value = part.of(whole);
            let id = self.write(t, loc, init, value, WriteMode::NonAtomic, false, span)?;
            (id, value, Source::Init)
        } else {
            let na = ReadMode::NonAtomic;
            let modes = (na, na, WriteMode::Relaxed);
            let (id, value) = self.read(t, loc, init, modes, ReadKind::Plain, span)?;
            (id, value, self.graph.read(id).rf)
        };
        let result = if part.is_write() {
            OpResult::Unit
        } else {
            OpResult::Value(value)
        };
        let access = SplitEvent {
            thread: t,
            loc,
            part,
            init,
            whole,
            value,
            event,
            source,
            span,
        };
        if let Some(torn) = self.run.torn.access(&access, &clock) {
            // The report's trace ends with this part: show what it read.
            if let Some(step) = self.run.trace.last_mut() {
                step.result = result;
            }
            return Err(Stop::found(torn));
        }
        Ok(result)
    }

    /// A cell access: checked for races (a benign one is reported and the execution goes on),
    /// and counted for spin-loop progress. `asked` is the step after which the thread asked.
    fn cell_access(
        &mut self,
        t: ThreadId,
        loc: Loc,
        write: bool,
        shape: CellShape,
        asked: u64,
        span: SourceSpan,
    ) -> Result<OpResult, Stop> {
        let event = CellEvent {
            thread: t,
            write,
            shape,
            span,
            step: self.run.steps,
            asked,
        };
        let run = &mut self.run;
        let clock = &run.threads[t.index()]
            .as_ref()
            .expect("thread exists in this execution")
            .clock;
        let checked = run.cells.access(loc, &event, clock);
        let result = checked.read_value.map_or(OpResult::Unit, OpResult::Value);
        if let Some(race) = checked.race {
            if !race.kind.is_benign() {
                return Err(Stop::found(race.finding()));
            }
            if self.run.benign_reported.insert(race.place()) {
                // The report's trace ends with this access: show what it read.
                if let Some(step) = self.run.trace.last_mut() {
                    step.result = result;
                }
                let report = self.benign_report(race.finding());
                self.program.benign_race(report);
            }
        }
        let version = self.run.cell_writes.entry(loc).or_insert(0);
        if write {
            *version += 1;
            self.run.thread(t).wrote_in_iteration = true;
        } else {
            let v = *version;
            self.run.thread(t).iteration_reads.push((loc, v));
        }
        Ok(result)
    }

    /// A report of a benign finding in the execution so far.
    pub(super) fn benign_report(&self, finding: Finding) -> Report {
        let mut finding = finding;
        for side in &mut finding.sides {
            if side.thread_name.is_none() {
                side.thread_name = self.program.thread_name(side.thread);
            }
        }
        Report {
            finding,
            trace: self.run.trace.clone(),
            thread_names: (0..self.run.threads.len())
                .map(|t| self.program.thread_name(ThreadId(t as u32)))
                .collect(),
            executions: self.run.executions,
            elapsed: self
                .config
                .clock
                .as_ref()
                .map_or(std::time::Duration::ZERO, |c| c()),
            token: self.run.token.encode(),
            model: self.config.model.name(),
        }
    }

    /// Which events surely happen before thread `t`'s next event, from its vector clock: an
    /// event of thread `u` at index `i` does when `i < clock[u]` (clocks count the events whose
    /// effects reached `t`; a release write itself is not counted by the reader, so this errs on
    /// the side of "not ordered", which only skips fewer candidates).
    fn happened_before(&self, t: ThreadId) -> impl Fn(EventId) -> bool + '_ {
        let clock = self.run.thread_ref(t).map(|r| &r.clock);
        move |e: EventId| clock.is_some_and(|c| e.index < c.get(e.thread))
    }

    /// Whether the strategy takes only the latest option, so the others need not be computed.
    fn latest_only(&self) -> bool {
        match &self.mode {
            Mode::Optimal(_) => false,
            Mode::Sampling(s) => s.latest_only(),
        }
    }

    /// The newest version of `loc`: its number of writes (coherence order, or cell writes).
    pub(crate) fn latest_version(&self, loc: Loc) -> usize {
        if loc.is_cell() {
            self.run.cell_writes.get(&loc).copied().unwrap_or(0)
        } else {
            self.graph.co_order(loc).len()
        }
    }

    /// Cells are not graph events; they are numbered in order of first access, for reports.
    pub(crate) fn cell_number(&mut self, loc: Loc) -> Loc {
        if !loc.is_unresolved() {
            return loc;
        }
        let next = Loc::cell(self.run.addresses.len() as u64 + 1);
        *self.run.addresses.entry(loc).or_insert(next)
    }

    fn wait_since(&self, t: ThreadId, cv: Loc) -> Source {
        match self.run.thread_ref(t).and_then(|r| r.wait_since) {
            Some((l, since)) if l == cv => since,
            _ => Source::Init,
        }
    }

    /// Whether a wait on `cv` can return now: a notification newer than its start exists.
    pub(crate) fn wake_possible(&self, cv: Loc, t: ThreadId) -> bool {
        self.graph.co_next(cv, self.wait_since(t, cv)).is_some()
    }

    /// A spin-loop iteration ends. If it read exactly what the previous one read and wrote
    /// nothing, the thread sleeps until a location it reads is written (CHESS-style fairness).
    fn end_iteration(&mut self, t: ThreadId, span: SourceSpan) {
        let run = self.run.thread(t);
        run.yielded = true;
        let reads = std::mem::take(&mut run.iteration_reads);
        let no_progress = !run.wrote_in_iteration
            && !reads.is_empty()
            && run.previous_iteration.as_ref() == Some(&reads);
        run.wrote_in_iteration = false;
        if no_progress {
            let watched = reads
                .iter()
                .map(|&(loc, _)| (loc, self.latest_version(loc)))
                .collect();
            let run = self.run.thread(t);
            run.spin = Some(SpinBlock { watched, span });
        }
        self.run.thread(t).previous_iteration = Some(reads);
    }

    fn spawn(&mut self, t: ThreadId, span: SourceSpan) -> Result<ThreadId, Stop> {
        let pos = self.run.thread(t).replay_pos;
        let (id, child) = if pos < self.graph.thread_len(t) {
            let id = EventId::new(t, pos);
            match self.graph.event(id).label {
                Label::Spawn { child } => (id, child),
                _ => return Err(self.divergence(t, "spawned a thread", id)),
            }
        } else {
            let child = self.graph.fresh_thread_id();
            self.graph.reserve_thread(child);
            (self.graph.push(t, Label::Spawn { child }, span), child)
        };
        let run = self.run.thread(t);
        run.replay_pos += 1;
        // The child inherits everything so far; the parent's later events come after.
        let clock = run.clock.clone();
        run.clock.tick(t);
        self.begin_thread(child, Some(id), clock);
        Ok(child)
    }

    /// An event with no choices (join, fence): re-executed or added.
    fn simple_event(&mut self, t: ThreadId, label: Label, span: SourceSpan) -> Result<(), Stop> {
        let pos = self.run.thread(t).replay_pos;
        if pos < self.graph.thread_len(t) {
            let id = EventId::new(t, pos);
            if self.graph.event(id).label != label {
                return Err(self.divergence(t, &format!("did {label:?}"), id));
            }
        } else {
            self.graph.push(t, label, span);
        }
        self.run.thread(t).replay_pos += 1;
        Ok(())
    }

    fn fence(&mut self, t: ThreadId, mode: FenceMode, span: SourceSpan) -> Result<(), Stop> {
        self.simple_event(t, Label::Fence(mode), span)?;
        let run = self.run.thread(t);
        if mode.is_acquire() {
            let pending = run.acquire_pending.clone();
            run.clock.join(&pending);
        }
        if mode.is_release() {
            run.release_fence = Some(run.clock.clone());
        }
        run.clock.tick(t);
        Ok(())
    }

    /// A read: re-executed from the graph, or added with its reads-from chosen by the strategy.
    /// `failure_mode` is the ordering when the read does not lead to a write (a failed
    /// compare-exchange).
    #[allow(clippy::too_many_arguments)]
    fn read(
        &mut self,
        t: ThreadId,
        loc: Loc,
        init: Value,
        (mode, failure_mode, write_mode): (ReadMode, ReadMode, WriteMode),
        kind: ReadKind,
        span: SourceSpan,
    ) -> Result<(EventId, Value), Stop> {
        self.graph.note_location(loc, init);
        let pos = self.run.thread(t).replay_pos;
        let id = if pos < self.graph.thread_len(t) {
            let id = EventId::new(t, pos);
            match self.graph.event(id).label {
                Label::Read(r)
                    if r.loc == loc
                        && std::mem::discriminant(&r.kind) == std::mem::discriminant(&kind) => {}
                _ => {
                    let did = format!("read {}", crate::event::loc_name(loc));
                    return Err(self.divergence(t, &did, id));
                }
            }
            id
        } else {
            self.new_read(t, loc, (mode, failure_mode, write_mode), kind, span)?
        };
        self.run.thread(t).replay_pos += 1;
        let r = *self.graph.read(id);
        if let ReadKind::Cas { weak: true, .. } = r.kind {
            self.run.thread(t).last_spurious_cas = r.spurious.then_some((loc, r.rf));
        }
        // The source's place in coherence order, for spin-loop progress and for the token.
        let version = self.graph.co_position(loc, r.rf);
        let choice = self.executed_position(loc, r.rf, Some(version)) * 2 + u32::from(r.spurious);
        self.run.token.push_data(choice);
        let value = self.graph.value_of(loc, r.rf);
        if self.config.model.exchanges_write_first() {
            self.run.returned.push((id, value));
        }
        let effective = if r.write_value(value).is_some() {
            mode
        } else {
            failure_mode
        };
        let (run, messages) = self.run.thread_and_messages(t);
        let msg = match r.rf {
            Source::Write(w) => messages.get(w),
            Source::Init => None,
        };
        if let Some(m) = msg {
            if effective.is_acquire() {
                run.clock.join(m);
            } else {
                run.acquire_pending.join(m);
            }
        }
        run.clock.tick(t);
        run.iteration_reads.push((loc, version));
        Ok((id, value))
    }

    /// Position of `src` among the writes to `loc` re-executed so far (what a token records),
    /// given its place in coherence order if the caller knows it.
    fn executed_position(&self, loc: Loc, src: Source, position: Option<usize>) -> u32 {
        let counted = || match src {
            Source::Init => 0,
            Source::Write(w) => {
                let before = self
                    .graph
                    .co_order(loc)
                    .iter()
                    .take_while(|&&x| x != w)
                    .filter(|&&x| self.run.executed(x))
                    .count();
                before as u32 + 1
            }
        };
        if self.run.replay_over {
            // Every event of the graph has been executed: the position in coherence order.
            let position = position.unwrap_or_else(|| self.graph.co_position(loc, src)) as u32;
            debug_assert_eq!(position, counted());
            return position;
        }
        counted()
    }

    fn new_read(
        &mut self,
        t: ThreadId,
        loc: Loc,
        (mode, failure_mode, write_mode): (ReadMode, ReadMode, WriteMode),
        kind: ReadKind,
        span: SourceSpan,
    ) -> Result<EventId, Stop> {
        // The source a read takes by default: the coherence-latest write, except that an
        // exchange's read never reads its own write half (then it reads the write before it).
        let partner = matches!(kind, ReadKind::RmwAfterWrite(_))
            .then(|| EventId::new(t, self.graph.thread_len(t) - 1));
        let co_max = self.graph.co_max_except(loc, partner);
        let mut label = ReadLabel {
            loc,
            mode,
            kind,
            rf: co_max,
            spurious: false,
            write_mode,
            modes: (mode, failure_mode),
        };
        // Added complete for its default source: the ordering of a compare-exchange that fails
        // on it is the failure ordering (`ExecutionGraph::set_rf` keeps this up to date).
        let latest_value = self.graph.value_of(loc, co_max);
        if label.write_value(latest_value).is_none() {
            label.mode = failure_mode;
        }
        let id = self.graph.push(t, Label::Read(label), span);
        let source_count = self.graph.co_order(loc).len() + 1;
        if let Mode::Sampling(s) = &mut self.mode {
            if s.replays_token() {
                let recorded = s.next_recorded();
                let Some(src) = recorded.and_then(|d| self.graph.source_at(loc, d as usize / 2))
                else {
                    return Err(Stop::found(
                        self.nondeterminism(t, "the replay token does not fit this read"),
                    ));
                };
                self.set_read(id, src, recorded.is_some_and(|d| d % 2 == 1), co_max);
                return Ok(id);
            }
        }
        let optimal = matches!(self.mode, Mode::Optimal(_));
        if optimal && self.reads_only_the_latest(t, id, &label, latest_value) {
            // As added: the latest write, not spurious, `added_max`.
            return Ok(id);
        }
        // What the read depends on, not counting what it reads from: for the floor below, and
        // to settle atomicity against other reads of `loc` (without any, it is never asked).
        let porf_floor = self.config.model.reads_respect_porf();
        // An exchange's read does not depend on its write half: what it depends on is what
        // comes before the pair.
        let last_before = if partner.is_some() { 2 } else { 1 };
        let before = if porf_floor || (optimal && self.graph.reads_of(loc).len() > 1) {
            self.graph.prefix(EventId::new(t, id.index - last_before))
        } else {
            View::empty()
        };
        let settled = optimal.then_some(&before);
        // The latest write to `loc` the read already depends on: under models where reads
        // respect porf, nothing coherence-before it can be read.
        let floor = if porf_floor {
            let order = self.graph.co_order(loc);
            order
                .iter()
                .rposition(|&w| before.contains(w))
                .map_or(0, |p| p + 1)
        } else {
            // Coherence in every model: nothing coherence-before a write that happens before
            // the read can be read.
            let hb = self.happened_before(t);
            let order = self.graph.co_order(loc);
            order.iter().rposition(|&w| hb(w)).map_or(0, |p| p + 1)
        };
        let latest_only = self.latest_only();
        let mut candidates: SmallVec<[Source; 8]> = SmallVec::new();
        for position in floor..source_count {
            let src = self
                .graph
                .source_at(loc, position)
                .expect("position below the count");
            if !self.source_allowed(t, id, &label, src, settled) {
                continue;
            }
            // Reading the latest write keeps any model consistent (TruSt's extensibility
            // assumption), so only older writes need a check.
            if src == co_max {
                candidates.push(src);
                continue;
            }
            if latest_only {
                continue;
            }
            self.graph.set_rf(id, src);
            if self.config.model.is_consistent_with(&self.graph, id) {
                candidates.push(src);
            }
        }
        let weak_expected = match kind {
            ReadKind::Cas {
                expected,
                weak: true,
                ..
            } => Some(expected),
            _ => None,
        };
        // A weak compare-exchange may fail spuriously, but not twice in a row on the same value:
        // otherwise every retry loop would have executions that fail forever.
        let failed_before = self.run.thread_ref(t).and_then(|r| r.last_spurious_cas);
        let can_fail_spuriously = |g: &crate::graph::ExecutionGraph, src| {
            weak_expected == Some(g.value_of(loc, src)) && failed_before != Some((loc, src))
        };
        let (chosen, spurious) = match &mut self.mode {
            Mode::Optimal(revisits) => {
                let Some(&last) = candidates.last() else {
                    return Err(Stop::Redundant);
                };
                let chosen = if candidates.contains(&co_max) {
                    co_max
                } else {
                    last
                };
                for &src in &candidates {
                    if src != chosen {
                        revisits.push(WorkItem::Read {
                            read: id,
                            src,
                            spurious: false,
                        });
                    }
                    if can_fail_spuriously(&self.graph, src) {
                        revisits.push(WorkItem::Read {
                            read: id,
                            src,
                            spurious: true,
                        });
                    }
                }
                (chosen, false)
            }
            Mode::Sampling(s) => {
                let mut options: Vec<(Source, bool)> = Vec::new();
                for &src in &candidates {
                    if can_fail_spuriously(&self.graph, src) {
                        options.push((src, true));
                    }
                    options.push((src, false));
                }
                if options.is_empty() {
                    return Err(Stop::Redundant);
                }
                options[s.pick_option(options.len())]
            }
        };
        self.set_read(id, chosen, spurious, co_max);
        Ok(id)
    }

    /// Whether the new read `id` of thread `t`, whose latest write holds `latest_value`, can only
    /// read that write, with nothing to explore instead: the common uncontended access, decided
    /// without enumerating sources. No other read of the location exists (so no atomicity to
    /// settle and no read a later write could revisit alongside), and every write to it is the
    /// thread's own, so coherence (po ⊆ hb in every model) leaves only the latest. Kinds with more to decide are left to
    /// the general path: a weak compare-exchange (which may fail spuriously), a lock that is
    /// held (which cannot be acquired), condition-variable waits, and exchanges performed write
    /// first.
    fn reads_only_the_latest(
        &self,
        t: ThreadId,
        id: EventId,
        label: &ReadLabel,
        latest_value: Value,
    ) -> bool {
        let loc = label.loc;
        if self.graph.reads_of(loc) != [id] {
            return false;
        }
        let simple = match label.kind {
            ReadKind::Plain | ReadKind::Rmw(_) | ReadKind::TryLock => true,
            ReadKind::Cas { weak, .. } => !weak,
            ReadKind::Lock => latest_value == 0,
            ReadKind::RmwAfterWrite(_) | ReadKind::WaitStart | ReadKind::WaitWake { .. } => false,
        };
        simple && self.graph.co_order(loc).iter().all(|w| w.thread == t)
    }

    fn set_read(&mut self, id: EventId, src: Source, spurious: bool, co_max: Source) {
        let e = self.graph.event_mut(id);
        e.added_max = src == co_max;
        if let Label::Read(r) = &mut e.label {
            r.spurious = spurious;
        }
        self.graph.set_rf(id, src);
    }

    /// Whether a read of kind `label` may read from `src` at all (before consistency).
    fn source_allowed(
        &self,
        t: ThreadId,
        id: EventId,
        label: &ReadLabel,
        src: Source,
        settled_in: Option<&View>,
    ) -> bool {
        let loc = label.loc;
        if matches!(label.kind, ReadKind::RmwAfterWrite(_))
            && self.graph.exchange_partner(id).map(Source::Write) == Some(src)
        {
            // herd's intra-instruction causality: an instruction does not read its own write.
            return false;
        }
        let value = self.graph.value_of(loc, src);
        match label.kind {
            ReadKind::Lock if value != 0 => return false,
            ReadKind::WaitWake { since } => {
                let (a, b) = (
                    self.graph.co_position(loc, src),
                    self.graph.co_position(loc, since),
                );
                if a < b {
                    return false;
                }
                if a == b
                    && self
                        .run
                        .thread_ref(t)
                        .is_some_and(|r| r.last_spurious == Some((loc, since)))
                {
                    return false;
                }
            }
            _ => {}
        }
        if !label.is_exclusive_with(value) {
            return true;
        }
        // Atomicity: no other settled read-modify-write may already read from `src`.
        !self.graph.exclusive_readers(loc, src).any(|other| {
            other != id
                && settled_in.is_none_or(|prefix| {
                    prefix.contains(other) || !self.graph.event(other).revisitable
                })
        })
    }

    /// A write: re-executed, or added with its coherence placement chosen by the strategy.
    #[allow(clippy::too_many_arguments)]
    fn write(
        &mut self,
        t: ThreadId,
        loc: Loc,
        init: Value,
        val: Value,
        mode: WriteMode,
        rmw: bool,
        span: SourceSpan,
    ) -> Result<EventId, Stop> {
        self.graph.note_location(loc, init);
        let pos = self.run.thread(t).replay_pos;
        let id = if pos < self.graph.thread_len(t) {
            let id = EventId::new(t, pos);
            match &mut self.graph.event_mut(id).label {
                // The program decides what a write stores: pointers differ from one execution
                // to the next, so the recorded value is refreshed, and the reads replayed after
                // it see this execution's value.
                Label::Write(w) if w.loc == loc && w.rmw == rmw => w.val = val,
                _ => {
                    let did = format!("wrote {} to {}", val, crate::event::loc_name(loc));
                    return Err(self.divergence(t, &did, id));
                }
            }
            id
        } else {
            self.new_write(
                t,
                WriteLabel {
                    loc,
                    val,
                    mode,
                    rmw,
                },
                span,
            )?
        };
        self.run.thread(t).replay_pos += 1;
        if !rmw {
            let placed = self.executed_position(loc, Source::Write(id), None) - 1;
            self.run.token.push_data(placed);
        }
        let (run, messages) = self.run.thread_and_messages(t);
        let rf_msg = if rmw {
            match self.graph.read(EventId::new(t, id.index - 1)).rf {
                Source::Write(w) => messages.get(w),
                Source::Init => None,
            }
        } else {
            None
        };
        run.wrote_in_iteration = true;
        let mut msg = if mode.is_release() {
            run.clock.clone()
        } else if mode == WriteMode::NonAtomic {
            crate::clock::VectorClock::new()
        } else {
            let mut m = run.release_fence.clone().unwrap_or_default();
            if let Some(l) = run.last_release.get(loc) {
                m.join(l);
            }
            m
        };
        if mode.is_release() {
            run.last_release.set(loc, &run.clock);
        }
        if let Some(r) = rf_msg {
            msg.join(r);
        }
        // Everything this thread does from now on comes after the message.
        run.clock.tick(t);
        if !msg.is_zero() {
            self.run.write_clocks.insert(id, msg);
        }
        Ok(id)
    }

    /// Whether the write `write`, just placed, lies strictly between the write an exchange's read
    /// reads and that exchange's write half ([`crate::model::X86Locked`]), for an exchange whose
    /// read `write` may revisit (outside the write's porf-prefix). Such a placement is
    /// inconsistent, but revisiting the read to read `write` repairs it: as with two
    /// read-modify-writes of one write (TruSt's treatment), the placement is explored only for
    /// its revisits.
    fn splits_revisitable_exchange(&self, loc: Loc, write: EventId) -> bool {
        let g = &self.graph;
        let prefix = g.porf_prefix(write);
        let at = g.co_position(loc, Source::Write(write));
        g.reads_of(loc).iter().any(|&read| {
            let Some(partner) = g.exchange_partner(read) else {
                return false;
            };
            g.event(read).revisitable
                && !prefix.contains(read)
                && g.co_position(loc, g.read(read).rf) < at
                && at < g.co_position(loc, Source::Write(partner))
        })
    }

    fn new_write(
        &mut self,
        t: ThreadId,
        label: WriteLabel,
        span: SourceSpan,
    ) -> Result<EventId, Stop> {
        let loc = label.loc;
        let id = self.graph.push(t, Label::Write(label), span);
        if label.rmw {
            let own = EventId::new(t, id.index - 1);
            let after = self.graph.read(own).rf;
            self.graph.co_insert_after(loc, id, after);
            self.graph.event_mut(id).added_max = self.graph.co_max(loc) == Source::Write(id);
            // Atomicity: no other read-modify-write may read what this one read (with no other
            // read of the location, none does).
            let conflict = self.graph.reads_of(loc).len() > 1
                && self.graph.exclusive_readers(loc, after).any(|r| r != own);
            if let Mode::Optimal(revisits) = &mut self.mode {
                revisits.add_backward_revisits(&self.graph, id);
            }
            return if conflict {
                Err(Stop::Redundant)
            } else {
                Ok(id)
            };
        }
        let source_count = self.graph.co_order(loc).len() + 1;
        if let Mode::Sampling(s) = &mut self.mode {
            if s.replays_token() {
                let recorded = s.next_recorded();
                let Some(after) = recorded.and_then(|d| self.graph.source_at(loc, d as usize))
                else {
                    return Err(Stop::found(
                        self.nondeterminism(t, "the replay token does not fit this write"),
                    ));
                };
                self.graph.co_insert_after(loc, id, after);
                return Ok(id);
            }
        }
        let latest_only = self.latest_only();
        // Under models where reads respect porf, a write cannot go coherence-before a write it
        // depends on, nor before the write a read it depends on read.
        let porf_floor = self.config.model.reads_respect_porf() && !latest_only;
        let optimal = matches!(self.mode, Mode::Optimal(_));
        let floor = if porf_floor {
            let before = self.graph.porf_prefix(EventId::new(t, id.index - 1));
            placement_floor(&self.graph, loc, |e| before.contains(e))
        } else if !latest_only {
            // Coherence: a write goes after every write, and every write read, that happens
            // before it.
            placement_floor(&self.graph, loc, self.happened_before(t))
        } else {
            0
        };
        let mut placements: SmallVec<[Source; 8]> = SmallVec::new();
        // Placements only an exchange's atomicity forbids, where the write may revisit that
        // exchange's read (see `splits_revisitable_exchange`).
        let mut tentative: SmallVec<[Source; 2]> = SmallVec::new();
        for p in floor..source_count {
            let after = self
                .graph
                .source_at(loc, p)
                .expect("position below the count");
            // Never split a read-modify-write from the write it read.
            if let Some(&next) = self.graph.co_order(loc).get(p) {
                if self.graph.write(next).rmw {
                    continue;
                }
            }
            // The co-last placement is always consistent (extensibility).
            if p + 1 == source_count {
                placements.push(after);
                continue;
            }
            if latest_only {
                continue;
            }
            self.graph.co_insert_after(loc, id, after);
            if self.config.model.is_consistent_with(&self.graph, id) {
                placements.push(after);
            } else if optimal && self.splits_revisitable_exchange(loc, id) {
                tentative.push(after);
            }
            self.graph.co_remove(loc, id);
        }
        let Some(&last) = placements.last() else {
            return Err(Stop::Redundant);
        };
        let chosen = match &mut self.mode {
            Mode::Optimal(revisits) => {
                for &after in &tentative {
                    revisits.push(WorkItem::Coherence { write: id, after });
                }
                for &after in &placements {
                    if after != last {
                        revisits.push(WorkItem::Coherence { write: id, after });
                    }
                }
                last
            }
            Mode::Sampling(s) => placements[s.pick_option(placements.len())],
        };
        self.graph.co_insert_after(loc, id, chosen);
        self.graph.event_mut(id).added_max = self.graph.co_max(loc) == Source::Write(id);
        if let Mode::Optimal(revisits) = &mut self.mode {
            revisits.add_backward_revisits(&self.graph, id);
        }
        Ok(id)
    }

    pub(crate) fn step_bound_finding(&self) -> crate::detect::Finding {
        let t = self.run.current.unwrap_or(ThreadId::MAIN);
        let span = self.run.thread_ref(t).and_then(|r| match r.state {
            super::run_state::ThreadState::Pending(at) => Some(at.span),
            super::run_state::ThreadState::Finished => None,
        });
        crate::detect::Finding {
            kind: FindingKind::Livelock,
            summary: format!(
                "an execution ran for {} steps without finishing",
                self.config.max_steps
            ),
            sides: vec![crate::detect::Access {
                thread: t,
                thread_name: None,
                operation: "was still running".to_string(),
                span,
            }],
            details: vec![],
            hint: Some(
                "probably a spin loop without `ravel::hint::spin_loop()` or \
                 `ravel::thread::yield_now()`: with the hint, ravel deschedules a spinning \
                 thread until someone writes what it reads; otherwise raise `max_steps`"
                    .to_string(),
            ),
        }
    }
}

/// The first coherence placement (a source position) a new write to `loc` may take: after every
/// write to `loc` in `prior`, and after every write that a read of `loc` in `prior` reads from.
/// One backward pass over the coherence order, instead of a position search per read.
fn placement_floor(g: &ExecutionGraph, loc: Loc, prior: impl Fn(EventId) -> bool) -> usize {
    let read_sources: SmallVec<[EventId; 8]> = g
        .reads_of(loc)
        .iter()
        .filter(|&&r| prior(r))
        .filter_map(|&r| match g.read(r).rf {
            Source::Write(w) => Some(w),
            Source::Init => None,
        })
        .collect();
    g.co_order(loc)
        .iter()
        .rposition(|&w| prior(w) || read_sources.contains(&w))
        .map_or(0, |p| p + 1)
}
