//! The state of one execution that is not part of the graph: what each thread is waiting to do,
//! how far the graph has been replayed, happens-before clocks, spin-loop progress and the trace.
//! It is rebuilt from scratch for every execution.

use super::replay_token::ReplayToken;
use crate::clock::VectorClock;
use crate::detect::{CellRaceDetector, RacePlace, TornReadDetector};
use crate::event::{Loc, Op, OpAt, OpResult, SourceSpan, ThreadId};
use crate::graph::{EventId, Source};
use rustc_hash::{FxHashMap, FxHashSet};

/// What a thread is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ThreadState {
    /// Waiting to perform this operation.
    Pending(OpAt),
    /// Returned.
    Finished,
}

/// A spin-loop iteration that changed nothing: the thread sleeps until one of these locations
/// gets a new write.
#[derive(Clone, Debug)]
pub(crate) struct SpinBlock {
    /// Each location read, with how many writes it had when the thread went to sleep.
    pub watched: Vec<(Loc, usize)>,
    /// Where the loop yields.
    pub span: SourceSpan,
}

/// Per-thread execution state.
#[derive(Clone, Debug)]
pub(crate) struct ThreadRun {
    pub state: ThreadState,
    /// How many of this thread's graph events have been re-executed.
    pub replay_pos: u32,
    /// Happens-before clock.
    pub clock: VectorClock,
    /// Release clocks read by relaxed loads, acquired by a later acquire fence.
    pub acquire_pending: VectorClock,
    /// The clock at the last release fence.
    pub release_fence: Option<VectorClock>,
    /// The clock at the last release store per location (RC11 release sequences continue
    /// through later same-thread stores).
    pub last_release: ReleaseClocks,
    /// Reads since the last yield, and the previous iteration's.
    /// Each read as (location, version read): a coherence position, or a cell's write count.
    pub iteration_reads: Vec<(Loc, usize)>,
    pub previous_iteration: Option<Vec<(Loc, usize)>>,
    pub wrote_in_iteration: bool,
    pub spin: Option<SpinBlock>,
    /// The last operation was a yield: give others a turn.
    pub yielded: bool,
    /// The condition variable wait in progress: what its start read.
    pub wait_since: Option<(Loc, Source)>,
    /// The last wake-up was spurious, from this notification count.
    pub last_spurious: Option<(Loc, Source)>,
    /// Mutexes held, with where they were acquired.
    pub held: Vec<(Loc, SourceSpan)>,
    /// The last weak compare-exchange failed spuriously reading this write.
    pub last_spurious_cas: Option<(Loc, Source)>,
    /// The step of its last operation: it asked for the next one after it.
    pub last_step: u64,
}

impl ThreadRun {
    /// Makes this the state of a thread that starts with `clock`, keeping the allocations of
    /// the thread that had the slot in an earlier execution.
    pub(crate) fn restart(&mut self, clock: VectorClock) {
        // Field by field rather than a fresh value: the state is large, and a temporary would
        // be copied whole.
        let ThreadRun {
            state,
            replay_pos,
            clock: own_clock,
            acquire_pending,
            release_fence,
            last_release,
            iteration_reads,
            previous_iteration,
            wrote_in_iteration,
            spin,
            yielded,
            wait_since,
            last_spurious,
            held,
            last_spurious_cas,
            last_step,
        } = self;
        *state = ThreadState::Finished;
        *replay_pos = 0;
        *own_clock = clock;
        *acquire_pending = VectorClock::new();
        *release_fence = None;
        last_release.clear();
        iteration_reads.clear();
        *previous_iteration = None;
        *wrote_in_iteration = false;
        *spin = None;
        *yielded = false;
        *wait_since = None;
        *last_spurious = None;
        held.clear();
        *last_spurious_cas = None;
        *last_step = 0;
    }

    pub(crate) fn new(clock: VectorClock) -> ThreadRun {
        ThreadRun {
            state: ThreadState::Finished,
            replay_pos: 0,
            clock,
            acquire_pending: VectorClock::new(),
            release_fence: None,
            last_release: ReleaseClocks::default(),
            iteration_reads: Vec::new(),
            previous_iteration: None,
            wrote_in_iteration: false,
            spin: None,
            yielded: false,
            wait_since: None,
            last_spurious: None,
            held: Vec::new(),
            last_spurious_cas: None,
            last_step: 0,
        }
    }
}

/// One executed step, kept compact; rendered only when a report is printed.
#[derive(Clone, Copy, Debug)]
pub struct TraceStep {
    /// Who.
    pub thread: ThreadId,
    /// What.
    pub op: Op,
    /// What it answered.
    pub result: OpResult,
    /// Where.
    pub span: SourceSpan,
}

/// A thread that ended by a panic its `JoinHandle` returns (see [`Request::PanickedJoinable`]).
///
/// [`Request::PanickedJoinable`]: crate::event::Request::PanickedJoinable
#[derive(Clone, Debug)]
pub(crate) struct ThreadPanic {
    pub thread: ThreadId,
    pub message: String,
    pub span: Option<SourceSpan>,
    /// The thread that joined it, if one did: that thread now holds the panic.
    pub joined_by: Option<ThreadId>,
}

thread_local! {
    /// The state the last exploration on this OS thread finished with.
    static SPARE_RUN: std::cell::RefCell<Option<RunState>> = const { std::cell::RefCell::new(None) };
}

/// Everything about the current execution besides the graph.
#[derive(Debug, Default)]
pub(crate) struct RunState {
    /// Boxed: a thread's state is large, and moving it in and out of these lists at every
    /// start was a measurable copy.
    pub threads: Vec<Option<Box<ThreadRun>>>,
    /// The states of threads of earlier executions, reused by [`RunState::start_thread`]
    /// (boxed so that they move into `threads` without a copy).
    #[allow(clippy::vec_box)]
    retired: Vec<Box<ThreadRun>>,
    /// Scratch for the scheduler: the threads that can run at this step.
    pub enabled: Vec<ThreadId>,
    /// Whether every thread has re-executed its recorded events: new events are only added
    /// after them, so the scheduler stops looking for recorded ones.
    pub replay_over: bool,
    /// Release clocks of writes ("messages").
    pub write_clocks: MessageClocks,
    /// Per thread, its clock when it finished.
    pub finish_clocks: Vec<Option<VectorClock>>,
    pub cells: CellRaceDetector,
    /// Split accesses: torn reads, and races kept aside (`detect::torn`).
    pub torn: TornReadDetector,
    pub trace: Vec<TraceStep>,
    /// Under herd's x86 locked instructions (`model::X86Locked`): what each read returned to
    /// the program, checked against the complete graph's values.
    pub returned: Vec<(EventId, crate::event::Value)>,
    pub token: ReplayToken,
    pub steps: u64,
    pub current: Option<ThreadId>,
    /// How many times each cell was written in this execution (cells have no coherence order).
    pub cell_writes: FxHashMap<Loc, usize>,
    /// Objects known by address, numbered for this execution.
    pub addresses: FxHashMap<Loc, Loc>,
    /// The next number for an object first used by a new event.
    pub next_fresh: u64,
    /// Threads of this execution that ended by a panic their joiner receives, in order.
    pub panics: Vec<ThreadPanic>,
    /// Executions begun so far, for reports of benign races (kept across executions).
    pub executions: u64,
    /// The places of the benign races reported so far (kept across executions: each is
    /// reported once).
    pub benign_reported: FxHashSet<RacePlace>,
}

impl RunState {
    pub(crate) fn reset(&mut self) {
        self.retired.extend(self.threads.drain(..).flatten());
        self.write_clocks.clear();
        self.finish_clocks.clear();
        self.cells.clear();
        self.torn.clear();
        self.trace.clear();
        self.returned.clear();
        self.token.clear();
        self.steps = 0;
        self.current = None;
        self.replay_over = false;
        self.addresses.clear();
        self.cell_writes.clear();
        self.next_fresh = 0;
        self.panics.clear();
        self.executions += 1;
    }

    /// A state for a new exploration, made from the one the last exploration on this OS thread
    /// left if any (keeping its buffers: an exploration of a few executions otherwise spends a
    /// good part of its time growing them).
    pub(crate) fn recycled() -> RunState {
        match SPARE_RUN.with(|s| s.borrow_mut().take()) {
            Some(mut run) => {
                run.reset();
                run.executions = 0;
                run.benign_reported.clear();
                run
            }
            None => RunState::default(),
        }
    }

    /// Keeps this state for the next exploration on this OS thread.
    pub(crate) fn recycle(self) {
        SPARE_RUN.with(|s| *s.borrow_mut() = Some(self));
    }

    pub(crate) fn thread(&mut self, t: ThreadId) -> &mut ThreadRun {
        self.threads[t.index()]
            .as_deref_mut()
            .expect("thread exists in this execution")
    }

    /// Thread `t`'s state with the messages of this execution's writes, borrowed together (a
    /// read or write joins a message into the thread's clock without copying it).
    pub(crate) fn thread_and_messages(&mut self, t: ThreadId) -> (&mut ThreadRun, &MessageClocks) {
        let run = self.threads[t.index()]
            .as_deref_mut()
            .expect("thread exists in this execution");
        (run, &self.write_clocks)
    }

    pub(crate) fn thread_ref(&self, t: ThreadId) -> Option<&ThreadRun> {
        self.threads.get(t.index()).and_then(|t| t.as_deref())
    }

    /// The state of a thread that starts now with `clock`, made from a retired one if any.
    pub(crate) fn start_thread(&mut self, clock: VectorClock) -> Box<ThreadRun> {
        match self.retired.pop() {
            Some(mut run) => {
                run.restart(clock);
                run
            }
            None => Box::new(ThreadRun::new(clock)),
        }
    }

    pub(crate) fn add_thread(&mut self, t: ThreadId, run: Box<ThreadRun>) {
        if self.threads.len() <= t.index() {
            self.threads.resize_with(t.index() + 1, || None);
        }
        self.threads[t.index()] = Some(run);
    }

    pub(crate) fn is_finished(&self, t: ThreadId) -> bool {
        self.thread_ref(t)
            .is_some_and(|r| r.state == ThreadState::Finished)
    }

    /// Whether `w` has been re-executed in this run.
    pub(crate) fn executed(&self, w: EventId) -> bool {
        self.thread_ref(w.thread)
            .is_some_and(|r| w.index < r.replay_pos)
    }
}

/// A thread's clock at its last release store to each location. Threads release to few
/// locations: a short list searched in place, and a hash table only for the locations past the
/// first [`RELEASE_LIST`] (replacing a table insert for every release store took indexer(12) from
/// 46.1 to 45.5 M instructions over 20 explorations).
#[derive(Clone, Debug, Default)]
pub(crate) struct ReleaseClocks {
    list: Vec<(Loc, VectorClock)>,
    more: FxHashMap<Loc, VectorClock>,
}

/// How many locations [`ReleaseClocks`] keeps in its list.
const RELEASE_LIST: usize = 8;

impl ReleaseClocks {
    /// The clock at the last release store to `loc`.
    pub(crate) fn get(&self, loc: Loc) -> Option<&VectorClock> {
        match self.list.iter().find(|(l, _)| *l == loc) {
            Some((_, clock)) => Some(clock),
            None if self.more.is_empty() => None,
            None => self.more.get(&loc),
        }
    }

    /// Records a release store to `loc` at `clock`.
    pub(crate) fn set(&mut self, loc: Loc, clock: &VectorClock) {
        if let Some((_, c)) = self.list.iter_mut().find(|(l, _)| *l == loc) {
            *c = clock.clone();
        } else if self.list.len() < RELEASE_LIST {
            self.list.push((loc, clock.clone()));
        } else {
            self.more.insert(loc, clock.clone());
        }
    }

    /// Forgets every location, keeping the memory.
    pub(crate) fn clear(&mut self) {
        self.list.clear();
        self.more.clear();
    }
}

/// The release clocks of this execution's writes ("messages"), per thread in program order: a
/// thread executes its events in order, so appending keeps each list sorted, and a lookup is a
/// binary search instead of a hash table insert per write.
#[derive(Debug, Default)]
pub(crate) struct MessageClocks {
    /// Per thread: (event index, clock), by index.
    threads: Vec<Vec<(u32, VectorClock)>>,
}

impl MessageClocks {
    /// The message of `write`, if it carries one.
    pub(crate) fn get(&self, write: EventId) -> Option<&VectorClock> {
        let list = self.threads.get(write.thread.index())?;
        let i = list.binary_search_by_key(&write.index, |e| e.0).ok()?;
        Some(&list[i].1)
    }

    /// Records the message of `write`, executed after every earlier write of its thread.
    pub(crate) fn insert(&mut self, write: EventId, clock: VectorClock) {
        let t = write.thread.index();
        if self.threads.len() <= t {
            self.threads.resize_with(t + 1, Vec::new);
        }
        let list = &mut self.threads[t];
        debug_assert!(list.last().is_none_or(|e| e.0 < write.index));
        list.push((write.index, clock));
    }

    /// Forgets every message, keeping the lists' memory.
    pub(crate) fn clear(&mut self) {
        for list in &mut self.threads {
            list.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A clock whose count for thread 0 is `n`.
    fn clock(n: u32) -> VectorClock {
        let mut c = VectorClock::new();
        for _ in 0..n {
            c.tick(ThreadId(0));
        }
        c
    }

    /// Locations past the short list behave as the ones in it: found, overwritten, forgotten.
    #[test]
    fn release_clocks_past_the_list() {
        let mut r = ReleaseClocks::default();
        let count = RELEASE_LIST as u64 + 5;
        for l in 0..count {
            r.set(Loc(l), &clock(l as u32 + 1));
        }
        for l in 0..count {
            assert_eq!(
                r.get(Loc(l)).map(|c| c.get(ThreadId(0))),
                Some(l as u32 + 1)
            );
        }
        assert!(r.get(Loc(count)).is_none());
        // One in the list and one past it, overwritten.
        r.set(Loc(0), &clock(50));
        r.set(Loc(count - 1), &clock(60));
        assert_eq!(r.get(Loc(0)).map(|c| c.get(ThreadId(0))), Some(50));
        assert_eq!(r.get(Loc(count - 1)).map(|c| c.get(ThreadId(0))), Some(60));
        r.clear();
        assert!((0..count).all(|l| r.get(Loc(l)).is_none()));
    }
}
