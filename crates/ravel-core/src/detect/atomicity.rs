//! Atomicity violations: interleavings that no serial order of the intended atomic regions can
//! produce, after Lu, Tucek, Qin and Zhou, "AVIO: Detecting Atomicity Violations via Access
//! Interleaving Invariants" (ASPLOS 2006).
//!
//! AVIO looks at two consecutive accesses of one thread to one location and the remote access
//! that falls between them; four of the eight read/write combinations are unserializable. Two
//! patterns are reported, both after a complete execution, from its graph (atomics: reads-from
//! and coherence) and its trace (cells, locks, program order):
//!
//! 1. **Lost update** (AVIO's read-write-write case). Thread T reads location `x` with a plain
//!    load or a cell read, and its next access to `x` in program order is a plain store or a
//!    cell write (not part of a read-modify-write); another thread U wrote `x` in between: its
//!    write comes after the write T read and before T's write, in coherence order for atomics and
//!    in execution order for cells (race-free cell accesses are ordered by happens-before, so
//!    execution order is their only order). T's write overwrites U's without having seen it.
//! 2. **Stale pair** (a two-location form of AVIO's write-read-write case, after the Circle of
//!    seed 004). Thread U updates `a` in one critical section S1, and in a later critical section
//!    S2 it reads `a` (still the value S1 wrote) and then writes `b`, so `b` is derived from `a`:
//!    S1 and S2 together are one update of the pair. Thread T, in one critical section, reads
//!    `a` from S1's write and reads a `b` older than S2's write (S1 does not write `b`). T sees
//!    the new `a` with the old `b`: with S1 and S2 as one atomic region, T's section would read
//!    from it and be overwritten by it, a cycle.
//!
//! A critical section is a maximal stretch of a thread's operations during which it holds at
//! least one mutex (a condition-variable wait ends it). Read-modify-writes (`fetch_add`, swaps,
//! compare-exchange, lock operations) are atomic and never form a pattern; a read and a write
//! inside one critical section of a lock every writer holds cannot have a remote write between
//! them, so they are silent without a special case.
//!
//! Deviations from AVIO, and why:
//!
//! - AVIO learns which access pairs are meant to be atomic from correct training runs and
//!   reports only interleavings never seen there. ravel has no notion of a correct run (an
//!   execution without a panic may still be wrong), so the intent is inferred from structure
//!   instead: for pattern 1, a read followed by a write of the same location with nothing of
//!   that thread between (a read-modify-write split in two); for pattern 2, a section that reads
//!   `a` and writes `b` right after another section of the same thread wrote `a`. Two fields
//!   set in separate sections without one derived from the other are not a pattern.
//! - A plain write of the thread, between the read and the write, to another location it has not
//!   read before ends the candidate (the thread published something of its own, so the two
//!   accesses belong to different operations): this keeps Peterson's `turn`, read while waiting
//!   and written blindly a round later, quiet, and misses a lost update whose read and write are
//!   separated by such a write. Writing back other locations it read (copy every slot, then clear
//!   every slot) is one batched update and keeps the candidate.
//! - Interleavings that every execution has are not reported: when the remote write is ordered
//!   between the two local accesses by program order, spawn and join alone (a value read before
//!   spawning workers and written after joining them), the order is the program's, not the
//!   scheduler's.
//! - A load outside every critical section counts only when the remote write is concurrent
//!   with the store: not in its causal past (program order, reads-from, spawn and join: the
//!   graph's porf-prefix). "Peek, then lock, then write" code (a recursive mutex checking its
//!   `owner` before taking the lock, gallery entries 10, 11, 20) stores after synchronising with
//!   the remote write; the peek was never meant to be atomic with the store. Race-free cell
//!   accesses are always ordered by happens-before, so a lost update on a cell is reported only
//!   when its read is inside a critical section: a split update of a cell protected by a lock
//!   built from atomics is missed, as are stale pairs under such locks (only `ravel` mutexes
//!   make critical sections).
//! - Pattern 1 ignores a remote write that a third thread read before it was overwritten: that
//!   update was seen, so the store does not silently erase it (the final state may still lack
//!   it; another interleaving usually shows the same pair with an unread write). Reads by the
//!   writer itself do not count as seen.
//! - AVIO cannot know whether the stored value depends on the value read; neither can ravel.
//!   A blind store that follows a load of the same location (Peterson's `turn`, resetting a
//!   flag that was checked earlier) is reported when a concurrent remote write falls between:
//!   that is AVIO's behaviour and its main source of false alarms. AVIO's read-write-read and
//!   write-write-read cases are not reported at all (spin loops re-read by design), nor is the
//!   one-location write-read-write case (a reader seeing a producer's intermediate value is how
//!   queues work).
//! - Cells declared racy (`RacyCell`) accept lost updates by design and are skipped. Data behind
//!   `ravel::sync::Mutex<T>` is not visible (the guard hands out plain references), so a lost
//!   update through a mutex's own data is found only by an assertion; accesses through
//!   `ravel::cell::UnsafeCell` and atomics are.
//! - The analysis sees complete executions only: an execution whose split update makes an
//!   assertion fail is reported as that panic.
//!
//! Cost: one pass over the trace and the graph, linear with hash lookups; pattern 2 looks at
//! the critical sections of the readers of each write a section re-reads, which is small in
//! practice. Buffers are kept across executions.

use super::{Access, ExecutionAnalysis, Finding, FindingKind};
use crate::event::{loc_name, Loc, Op, OpResult, SourceSpan, ThreadId};
use crate::explore::TraceStep;
use crate::graph::{EventId, ExecutionGraph, Label, ReadKind, Source};
use rustc_hash::FxHashMap;

/// No index.
const NONE: u32 = u32::MAX;

/// One access to an atomic or a cell, in execution order.
#[derive(Clone, Copy, Debug)]
struct Acc {
    /// Its trace step.
    step: u32,
    /// Its graph event (atomics only).
    event: EventId,
    thread: ThreadId,
    loc: Loc,
    write: bool,
    /// Part of a read-modify-write (or a compare-exchange, failed or not).
    rmw: bool,
    /// A cell (ordered by execution) rather than an atomic (ordered by coherence).
    cell: bool,
    /// For a read: the write it read (`NONE`: the initial value).
    src: u32,
    /// For a write: its place among the writes to `loc` (1-based); for a read, the place of the
    /// write it read (0: the initial value).
    pos: u32,
    /// For a write: the next write to `loc`.
    next_write: u32,
    /// For a write: its first reader; for a read: the next reader of the same write.
    reader: u32,
    /// For a write: read by a thread other than its writer.
    seen: bool,
    /// The critical section it is in, or `NONE`.
    region: u32,
    /// The next access of the same critical section.
    next_in_region: u32,
    /// The number of its thread's steps up to and including this one.
    local: u32,
    /// Offset of its thread's spawn/join clock in `clocks`.
    clock: u32,
}

/// A critical section: what a thread did while holding at least one mutex.
#[derive(Clone, Copy, Debug)]
struct Region {
    /// Where its first lock was taken.
    locked_at: SourceSpan,
    first: u32,
    last: u32,
}

/// Per-thread state while scanning the trace.
#[derive(Clone, Debug, Default)]
struct ThreadScan {
    /// The next graph event of the thread to match.
    cursor: u32,
    held: Vec<Loc>,
    region: u32,
    steps: u32,
    clock: u32,
}

/// The atomicity-violation detector (AVIO-style); see the module documentation.
#[derive(Debug, Default)]
pub struct AtomicityDetector {
    accs: Vec<Acc>,
    regions: Vec<Region>,
    threads: Vec<ThreadScan>,
    /// Spawn/join vector clocks, `width` entries each; offset 0 is the zero clock.
    clocks: Vec<u32>,
    width: usize,
    /// Atomic writes by graph event, and reads waiting for their write's index.
    by_event: FxHashMap<EventId, u32>,
    pending: Vec<(u32, EventId)>,
    /// Per location: the first write, and for cells the last write and the write count.
    first_write: FxHashMap<Loc, u32>,
    cells: FxHashMap<Loc, (u32, u32)>,
    last_access: FxHashMap<(ThreadId, Loc), u32>,
    /// Whether the trace and the graph matched step by step (else atomics are skipped).
    synced: bool,
}

impl AtomicityDetector {
    /// A detector with empty buffers.
    pub fn new() -> AtomicityDetector {
        AtomicityDetector::default()
    }
}

impl ExecutionAnalysis for AtomicityDetector {
    fn name(&self) -> &'static str {
        "atomicity violations"
    }

    fn check(&mut self, graph: &ExecutionGraph, trace: &[TraceStep]) -> Option<Finding> {
        if !may_hold_a_pattern(trace) {
            return None;
        }
        self.build(graph, trace);
        self.lost_update(graph, trace)
            .or_else(|| self.stale_pair(trace))
    }
}

/// A cheap look at the trace before the analysis: a lost update needs a plain load or cell
/// read and a plain store or cell write; a stale pair needs a critical section and accesses
/// other than the locks'. Programs made only of read-modify-writes (GenMC's indexer and casrot)
/// or only of lock operations (a mutex counter over plain memory) have neither.
fn may_hold_a_pattern(trace: &[TraceStep]) -> bool {
    let (mut plain_read, mut plain_write, mut locks, mut accesses) = (false, false, false, false);
    for step in trace {
        match step.op {
            Op::Load { .. } => plain_read = true,
            Op::Store { .. } => plain_write = true,
            Op::CellAccess { write, .. } | Op::ShapedCellAccess { write, .. } => {
                if write {
                    plain_write = true;
                } else {
                    plain_read = true;
                }
            }
            Op::Rmw { .. } | Op::CompareExchange { .. } => accesses = true,
            Op::Lock(_) | Op::TryLock(_) => locks = true,
            _ => {}
        }
    }
    (plain_read && plain_write) || (locks && (accesses || plain_read || plain_write))
}

/// How many graph events an operation leaves (a thread's start and end have no step).
pub(super) fn event_count(op: &Op, result: &OpResult) -> u32 {
    match op {
        Op::Yield | Op::CellAccess { .. } | Op::ShapedCellAccess { .. } => 0,
        Op::Load { .. }
        | Op::Store { .. }
        | Op::Fence(_)
        | Op::Unlock(_)
        | Op::Spawn
        | Op::Join(_)
        | Op::CondWake { .. }
        | Op::SplitAccess { .. } => 1,
        Op::Rmw { .. } | Op::Lock(_) | Op::CondWait { .. } | Op::Notify { .. } => 2,
        Op::CompareExchange { .. } => {
            1 + u32::from(matches!(result, OpResult::Cas { ok: true, .. }))
        }
        Op::TryLock(_) => 1 + u32::from(matches!(result, OpResult::Bool(true))),
    }
}

impl AtomicityDetector {
    /// Collects the accesses of one execution with their orders, sections and clocks.
    fn build(&mut self, graph: &ExecutionGraph, trace: &[TraceStep]) {
        self.accs.clear();
        self.regions.clear();
        self.by_event.clear();
        self.pending.clear();
        self.first_write.clear();
        self.cells.clear();
        self.last_access.clear();
        self.synced = true;
        let mut width = graph.thread_count();
        for step in trace {
            width = width.max(step.thread.index() + 1);
            if let OpResult::Spawned(c) = step.result {
                width = width.max(c.index() + 1);
            }
        }
        self.width = width;
        self.clocks.clear();
        self.clocks.resize(width, 0);
        if self.threads.len() < width {
            self.threads.resize_with(width, ThreadScan::default);
        }
        for t in &mut self.threads {
            t.cursor = 1;
            t.held.clear();
            t.region = NONE;
            t.steps = 0;
            t.clock = 0;
        }
        for (i, step) in trace.iter().enumerate() {
            self.scan_step(graph, i as u32, step);
        }
        self.order_atomics(graph);
        self.link_readers();
    }

    /// Takes the thread's next graph event, checking that it is a read or write of `loc`.
    fn take(
        &mut self,
        graph: &ExecutionGraph,
        t: ThreadId,
        loc: Loc,
        read: bool,
    ) -> Option<(EventId, Label)> {
        let cursor = &mut self.threads[t.index()].cursor;
        let id = EventId::new(t, *cursor);
        *cursor += 1;
        if !self.synced || !graph.contains(id) {
            self.synced = false;
            return None;
        }
        let label = graph.event(id).label;
        let fits = match label {
            Label::Read(r) => read && r.loc == loc,
            Label::Write(w) => !read && w.loc == loc,
            _ => false,
        };
        if !fits {
            self.synced = false;
            return None;
        }
        Some((id, label))
    }

    fn scan_step(&mut self, graph: &ExecutionGraph, i: u32, step: &TraceStep) {
        let t = step.thread;
        self.threads[t.index()].steps += 1;
        match step.op {
            Op::Load { loc, .. } => self.atomic_read(graph, i, step, loc),
            Op::Store { loc, .. } => {
                if let Some((id, _)) = self.take(graph, t, loc, false) {
                    let a = self.push(i, t, loc, true, false, false);
                    self.accs[a as usize].event = id;
                    self.by_event.insert(id, a);
                }
            }
            Op::Rmw { loc, .. } | Op::CompareExchange { loc, .. } => {
                self.atomic_read(graph, i, step, loc);
                if event_count(&step.op, &step.result) == 2 {
                    if let Some((id, _)) = self.take(graph, t, loc, false) {
                        let a = self.push(i, t, loc, true, true, false);
                        self.accs[a as usize].event = id;
                        self.by_event.insert(id, a);
                    }
                }
            }
            Op::CellAccess { loc, write } => self.cell_access(i, t, loc, write),
            // A cell racy by design (`RacyCell`) accepts lost updates.
            Op::ShapedCellAccess { loc, write, shape } if !shape.racy => {
                self.cell_access(i, t, loc, write);
            }
            op => {
                self.threads[t.index()].cursor += event_count(&op, &step.result);
                self.sync_step(t, step);
            }
        }
    }

    /// A cell access: cells are ordered by execution (race-free accesses are ordered by
    /// happens-before), so a read reads the last write before it.
    fn cell_access(&mut self, i: u32, t: ThreadId, loc: Loc, write: bool) {
        let (last, count) = self.cells.get(&loc).copied().unwrap_or((NONE, 0));
        let a = self.push(i, t, loc, write, false, true);
        if write {
            self.accs[a as usize].pos = count + 1;
            if last == NONE {
                self.first_write.insert(loc, a);
            } else {
                self.accs[last as usize].next_write = a;
            }
            self.cells.insert(loc, (a, count + 1));
        } else {
            self.accs[a as usize].src = last;
            self.accs[a as usize].pos = count;
        }
    }

    /// Locks, unlocks, spawns and joins: critical sections and spawn/join clocks.
    fn sync_step(&mut self, t: ThreadId, step: &TraceStep) {
        let ti = t.index();
        match (step.op, step.result) {
            (Op::Lock(l), _) | (Op::TryLock(l), OpResult::Bool(true)) => {
                let scan = &mut self.threads[ti];
                if scan.held.is_empty() {
                    scan.region = self.regions.len() as u32;
                    self.regions.push(Region {
                        locked_at: step.span,
                        first: NONE,
                        last: NONE,
                    });
                }
                scan.held.push(l);
            }
            (Op::Unlock(l), _) | (Op::CondWait { mutex: l, .. }, _) => {
                let scan = &mut self.threads[ti];
                if let Some(p) = scan.held.iter().position(|&h| h == l) {
                    scan.held.remove(p);
                }
                if scan.held.is_empty() {
                    scan.region = NONE;
                }
            }
            (Op::Spawn, OpResult::Spawned(c)) => {
                let base = self.threads[ti].clock as usize;
                let off = self.clocks.len();
                self.clocks.extend_from_within(base..base + self.width);
                self.clocks[off + ti] = self.threads[ti].steps;
                self.threads[c.index()].clock = off as u32;
            }
            (Op::Join(c), _) => {
                let base = self.threads[ti].clock as usize;
                let child = self.threads[c.index()].clock as usize;
                let off = self.clocks.len();
                self.clocks.extend_from_within(base..base + self.width);
                for k in 0..self.width {
                    self.clocks[off + k] = self.clocks[off + k].max(self.clocks[child + k]);
                }
                let done = self.threads[c.index()].steps;
                self.clocks[off + c.index()] = self.clocks[off + c.index()].max(done);
                self.threads[ti].clock = off as u32;
            }
            _ => {}
        }
    }

    fn atomic_read(&mut self, graph: &ExecutionGraph, i: u32, step: &TraceStep, loc: Loc) {
        let t = step.thread;
        if let Some((id, Label::Read(r))) = self.take(graph, t, loc, true) {
            let a = self.push(i, t, loc, false, r.kind != ReadKind::Plain, false);
            self.accs[a as usize].event = id;
            if let Source::Write(w) = r.rf {
                self.pending.push((a, w));
            }
        }
    }

    /// Appends an access of the current step and links it into its thread's section.
    fn push(
        &mut self,
        step: u32,
        t: ThreadId,
        loc: Loc,
        write: bool,
        rmw: bool,
        cell: bool,
    ) -> u32 {
        let a = self.accs.len() as u32;
        let scan = &self.threads[t.index()];
        let region = scan.region;
        self.accs.push(Acc {
            step,
            event: EventId::new(t, NONE),
            thread: t,
            loc,
            write,
            rmw,
            cell,
            src: NONE,
            pos: 0,
            next_write: NONE,
            reader: NONE,
            seen: false,
            region,
            next_in_region: NONE,
            local: scan.steps,
            clock: scan.clock,
        });
        if region != NONE {
            let r = &mut self.regions[region as usize];
            if r.last == NONE {
                r.first = a;
            } else {
                self.accs[r.last as usize].next_in_region = a;
            }
            r.last = a;
        }
        a
    }

    /// Coherence positions and write chains of atomics, then the writes their reads read.
    fn order_atomics(&mut self, graph: &ExecutionGraph) {
        if !self.synced {
            return;
        }
        for (loc, order) in graph.co_lists() {
            let mut prev = NONE;
            for (p, w) in order.iter().enumerate() {
                let Some(&a) = self.by_event.get(w) else {
                    // Lock and condition-variable locations have no accesses at all.
                    if prev != NONE {
                        self.synced = false;
                    }
                    continue;
                };
                self.accs[a as usize].pos = p as u32 + 1;
                if prev == NONE {
                    self.first_write.insert(loc, a);
                } else {
                    self.accs[prev as usize].next_write = a;
                }
                prev = a;
            }
        }
        for &(a, w) in &self.pending {
            match self.by_event.get(&w) {
                Some(&src) => {
                    self.accs[a as usize].src = src;
                    self.accs[a as usize].pos = self.accs[src as usize].pos;
                }
                None => self.synced = false,
            }
        }
    }

    /// Reader lists, and which writes another thread read.
    fn link_readers(&mut self) {
        for a in 0..self.accs.len() {
            let acc = self.accs[a];
            if acc.write || acc.src == NONE {
                continue;
            }
            let w = &mut self.accs[acc.src as usize];
            if w.thread != acc.thread {
                w.seen = true;
            }
            self.accs[a].reader =
                std::mem::replace(&mut self.accs[acc.src as usize].reader, a as u32);
        }
    }

    /// Whether an access takes part (atomics only when the graph matched the trace).
    fn usable(&self, a: &Acc) -> bool {
        a.cell || self.synced
    }

    /// Whether `a` precedes `b` by program order, spawn and join alone.
    fn forced(&self, a: u32, b: u32) -> bool {
        let (a, b) = (&self.accs[a as usize], &self.accs[b as usize]);
        if a.thread == b.thread {
            return a.step <= b.step;
        }
        self.clocks[b.clock as usize + a.thread.index()] >= a.local
    }

    /// Pattern 1: a read, then a write, of one thread to one location, with an unseen remote
    /// write between them.
    fn lost_update(&mut self, graph: &ExecutionGraph, trace: &[TraceStep]) -> Option<Finding> {
        for w in 0..self.accs.len() as u32 {
            let acc = self.accs[w as usize];
            if !self.usable(&acc) {
                continue;
            }
            let previous = self.last_access.insert((acc.thread, acc.loc), w);
            let Some(r) = previous else { continue };
            let read = self.accs[r as usize];
            if !acc.write || acc.rmw || read.write || read.rmw {
                continue;
            }
            // The cheap test first: most pairs have no unseen write between them.
            let Some(between) = self.unseen_write_between(graph, r, w) else {
                continue;
            };
            if !self.publishes_between(r, w) {
                return Some(self.lost_update_finding(trace, r, between, w));
            }
        }
        None
    }

    /// Whether the thread of `r`, between its read `r` and its write `w`, makes a plain write to
    /// another location it has not read before: it then published something of its own in
    /// between, so the read and the write belong to different operations (Peterson's lock reads
    /// `turn` while waiting and, a round later, after lowering and raising its own flag, writes
    /// `turn` with a value that does not depend on what it read), not to one read-modify-write
    /// split in two. Writing back other locations it read (a reader that copies every slot of a
    /// table, then clears every slot) is the same batched update and does not count.
    fn publishes_between(&self, r: u32, w: u32) -> bool {
        let thread = self.accs[r as usize].thread;
        let loc = self.accs[r as usize].loc;
        (r as usize + 1..w as usize).any(|i| {
            let a = &self.accs[i];
            a.thread == thread
                && a.write
                && !a.rmw
                && a.loc != loc
                && !self.accs[..i]
                    .iter()
                    .any(|b| b.thread == thread && b.loc == a.loc && !b.write)
        })
    }

    /// A write of another thread after what `r` read and before `w`, read by no third thread,
    /// and not put there by spawn and join. When `r` is outside every critical section, the
    /// write must also be concurrent with `w`: not in its causal past.
    fn unseen_write_between(&self, graph: &ExecutionGraph, r: u32, w: u32) -> Option<u32> {
        let read = &self.accs[r as usize];
        let write = &self.accs[w as usize];
        let mut past = None;
        let mut cur = if read.src == NONE {
            self.first_write.get(&read.loc).copied().unwrap_or(NONE)
        } else {
            self.accs[read.src as usize].next_write
        };
        while cur != NONE && cur != w {
            let c = &self.accs[cur as usize];
            if c.thread != read.thread && !c.seen && !(self.forced(r, cur) && self.forced(cur, w)) {
                if read.region != NONE {
                    return Some(cur);
                }
                // Race-free cell accesses are always ordered by happens-before.
                if !read.cell && !c.cell && !write.cell {
                    let past = past.get_or_insert_with(|| graph.prefix(write.event));
                    if !past.contains(c.event) {
                        return Some(cur);
                    }
                }
            }
            cur = c.next_write;
        }
        None
    }

    /// Pattern 2: a section that reads `a` and `b` between two sections of another thread, the
    /// first writing `a`, the second re-reading `a` and writing `b`.
    fn stale_pair(&self, trace: &[TraceStep]) -> Option<Finding> {
        for (i, again) in self.accs.iter().enumerate() {
            if again.write || again.region == NONE || again.src == NONE || !self.usable(again) {
                continue;
            }
            let wa = again.src;
            let first = &self.accs[wa as usize];
            if first.thread != again.thread || first.region == again.region {
                continue;
            }
            let mut wb = again.next_in_region;
            while wb != NONE {
                let b = &self.accs[wb as usize];
                if b.write && b.loc != again.loc && !self.writes_in(first.region, b.loc) {
                    if let Some((ra, rb)) = self.stale_reader(wa, wb) {
                        return Some(self.stale_pair_finding(trace, wa, ra, rb, wb, i as u32));
                    }
                }
                wb = b.next_in_region;
            }
        }
        None
    }

    /// Whether critical section `region` writes `loc` (`NONE`: no section, no write).
    fn writes_in(&self, region: u32, loc: Loc) -> bool {
        if region == NONE {
            return false;
        }
        let mut cur = self.regions[region as usize].first;
        while cur != NONE {
            let c = &self.accs[cur as usize];
            if c.write && c.loc == loc {
                return true;
            }
            cur = c.next_in_region;
        }
        false
    }

    /// A reader of `wa` in another thread's critical section that also reads `wb`'s location
    /// from a write older than `wb`; answers both reads.
    fn stale_reader(&self, wa: u32, wb: u32) -> Option<(u32, u32)> {
        let (writer, new) = (self.accs[wa as usize].thread, self.accs[wb as usize]);
        let mut ra = self.accs[wa as usize].reader;
        while ra != NONE {
            let reader = &self.accs[ra as usize];
            if reader.thread != writer && reader.region != NONE {
                let mut rb = self.regions[reader.region as usize].first;
                while rb != NONE {
                    let old = &self.accs[rb as usize];
                    if !old.write
                        && old.loc == new.loc
                        && old.pos < new.pos
                        && !(self.forced(wa, ra) && self.forced(rb, wb))
                    {
                        return Some((ra, rb));
                    }
                    rb = old.next_in_region;
                }
            }
            ra = reader.reader;
        }
        None
    }

    fn side(&self, trace: &[TraceStep], a: u32, role: &str) -> Access {
        let acc = &self.accs[a as usize];
        let step = &trace[acc.step as usize];
        let what = match (step.op, step.result) {
            (Op::Load { .. }, OpResult::Value(v)) => format!("{} -> {v}", step.op.describe()),
            (op, _) => op.describe(),
        };
        Access {
            thread: acc.thread,
            thread_name: None,
            operation: format!("{what}: {role}"),
            span: Some(step.span),
        }
    }

    fn lost_update_finding(&self, trace: &[TraceStep], r: u32, between: u32, w: u32) -> Finding {
        let (read, other) = (&self.accs[r as usize], &self.accs[between as usize]);
        let (t, u, x) = (read.thread, other.thread, loc_name(read.loc));
        let what = if read.cell { "cell" } else { "atomic" };
        let order = if read.cell {
            "in execution order"
        } else {
            "in its modification order (after the value (1) read)"
        };
        let mut details = vec![format!(
            "{t} reads {what} {x} (1) and writes it back (3) as two operations; {u}'s write (2) \
             comes between them {order}, and (3) overwrites it unseen"
        )];
        let (rr, wr) = (read.region, self.accs[w as usize].region);
        if rr != NONE && wr != NONE && rr != wr {
            details.push(format!(
                "(1) and (3) are in different critical sections, locked at {} and {}",
                self.regions[rr as usize].locked_at, self.regions[wr as usize].locked_at
            ));
        }
        let hint = if read.cell || rr != NONE {
            "hold one lock across the read and the write (one critical section instead of two), \
             so that no other write can fall between them"
        } else {
            "make the read-modify-write one atomic operation (`fetch_add`, `swap`, \
             `fetch_update`, a `compare_exchange` loop), or hold one lock across the read and \
             the write"
        };
        Finding {
            kind: FindingKind::AtomicityViolation,
            summary: format!(
                "lost update: {t} read {what} {x} and then wrote it, but {u} wrote it in between"
            ),
            sides: vec![
                self.side(trace, r, "reads the value it will update"),
                self.side(trace, between, "writes in between"),
                self.side(trace, w, "overwrites (2) without having seen it"),
            ],
            details,
            hint: Some(hint.to_string()),
        }
    }

    fn stale_pair_finding(
        &self,
        trace: &[TraceStep],
        wa: u32,
        ra: u32,
        rb: u32,
        wb: u32,
        again: u32,
    ) -> Finding {
        let (first, second, reader) = (
            &self.accs[wa as usize],
            &self.accs[wb as usize],
            &self.accs[ra as usize],
        );
        let (u, t) = (first.thread, reader.thread);
        let (a, b) = (loc_name(first.loc), loc_name(second.loc));
        let new = self.side(trace, ra, "sees the new value, written by (1)");
        let old = self.side(
            trace,
            rb,
            "sees the old value, in the same critical section",
        );
        let (early, late) = if ra < rb { (new, old) } else { (old, new) };
        let section = |a: &Acc| match a.region {
            NONE => "no lock held".to_string(),
            r => format!("locked at {}", self.regions[r as usize].locked_at),
        };
        Finding {
            kind: FindingKind::AtomicityViolation,
            summary: format!(
                "{t} read {a} and {b} in one critical section between two critical sections of \
                 {u} that update them: it saw the new {a} with the old {b}"
            ),
            sides: vec![
                self.side(trace, wa, "updates the first field (critical section 1)"),
                early,
                late,
                self.side(
                    trace,
                    wb,
                    "updates the second field from the first (critical section 2)",
                ),
            ],
            details: vec![
                format!(
                    "{u}'s critical section 1 ({}) writes {a}; its critical section 2 ({}) \
                     reads {a} again at {} and writes {b}: one update split in two",
                    section(first),
                    section(second),
                    trace[self.accs[again as usize].step as usize].span
                ),
                format!(
                    "{t}'s critical section ({}) falls between them",
                    section(reader)
                ),
            ],
            hint: Some(
                "update related fields in one critical section, so that no reader can see one \
                 without the other"
                    .to_string(),
            ),
        }
    }
}
