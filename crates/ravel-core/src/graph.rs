//! Execution graphs: the events of one execution, per thread in program order, with reads-from
//! (`rf`) and coherence (`co`) edges. This is the object the optimal explorer enumerates (one graph
//! per equivalence class) and the memory models judge.
//!
//! Every event carries the stamp at which it was added, because TruSt's revisiting rules are stated
//! in terms of the order in which events were added.

use crate::event::{
    FenceMode, Loc, ReadMode, RmwKind, RmwUpdate, SourceSpan, ThreadId, Value, WriteMode,
};
use crate::loc_table::LocTable;
use crate::porf::{Prefix, ThreadPrefixes};
use crate::view::View;
use std::sync::atomic::{AtomicU64, Ordering};

thread_local! {
    /// The work stack of prefix walks (a full rebuild of the kept prefixes, and their check in
    /// debug builds), reused.
    static PREFIX_STACK: std::cell::RefCell<Vec<EventId>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The position of an event: its thread and its index in that thread's program order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct EventId {
    /// The thread.
    pub thread: ThreadId,
    /// Index in program order; 0 is the thread's start event.
    pub index: u32,
}

impl EventId {
    /// Event `index` of `thread`.
    pub fn new(thread: ThreadId, index: u32) -> EventId {
        EventId { thread, index }
    }
}

/// Where a read takes its value from.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Source {
    /// The location's initial value.
    Init,
    /// A write event.
    Write(EventId),
}

/// What a read is part of. It decides whether a write half follows, and with which value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReadKind {
    /// A plain load.
    Plain,
    /// The read half of a fetch-and-op or swap.
    Rmw(RmwUpdate),
    /// The read half of a compare-and-exchange.
    Cas {
        /// Value stored on success. Before `expected`, the reverse of [`crate::event::Op`]'s
        /// order: copied as one 16-byte block from an operation that was itself copied in
        /// blocks at another offset, the pair stalled on store forwarding at every exchange.
        new: Value,
        /// Value needed for success.
        expected: Value,
        /// Whether it is `compare_exchange_weak`.
        weak: bool,
    },
    /// A mutex acquisition: reads the unlocked value 0 and writes 1.
    Lock,
    /// A `try_lock`: writes 1 when it reads 0.
    TryLock,
    /// The read half of a locked instruction performed write first (herd7's x86 `XCHG` and
    /// `LOCK ADD/INC/DEC/XOR`, whose read and write program order does not order): the event
    /// before it is the write half, which it never reads, and which stores `update` applied to
    /// what this read returns (a swap's operand, for `XCHG`). See [`crate::model::X86Locked`].
    RmwAfterWrite(RmwUpdate),
    /// A condition-variable wait begins: reads the current notification count.
    WaitStart,
    /// A condition-variable wait ends: reads a notification later than `since`, or `since`
    /// itself for a spurious wake-up.
    WaitWake {
        /// What the matching [`ReadKind::WaitStart`] read.
        since: Source,
    },
}

/// A read event.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ReadLabel {
    /// The location read.
    pub loc: Loc,
    /// Its ordering.
    pub mode: ReadMode,
    /// What it belongs to.
    pub kind: ReadKind,
    /// The write it reads from.
    pub rf: Source,
    /// A weak compare-and-exchange that failed although the value matched.
    pub spurious: bool,
    /// The ordering of the write half, for read-modify-writes.
    pub write_mode: WriteMode,
    /// The ordering when the read leads to a write, and when it does not (a failed
    /// compare-exchange has its own ordering). `mode` is whichever applies to what it reads.
    pub modes: (ReadMode, ReadMode),
}

impl ReadLabel {
    /// The value the write half stores when this read returns `value`; `None` when no write
    /// follows (plain loads, failed compare-and-exchange).
    pub fn write_value(&self, value: Value) -> Option<Value> {
        match self.kind {
            ReadKind::Plain
            | ReadKind::RmwAfterWrite(_)
            | ReadKind::WaitStart
            | ReadKind::WaitWake { .. } => None,
            ReadKind::Rmw(update) => Some(update.apply(value)),
            ReadKind::Cas { expected, new, .. } => {
                (value == expected && !self.spurious).then_some(new)
            }
            ReadKind::Lock => Some(1),
            ReadKind::TryLock => (value == 0).then_some(1),
        }
    }

    /// Whether reading `value` makes this a successful read-modify-write, which must then be
    /// atomic (no other successful read-modify-write may read from the same write).
    pub fn is_exclusive_with(&self, value: Value) -> bool {
        self.write_value(value).is_some()
    }
}

/// A write event.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct WriteLabel {
    /// The location written.
    pub loc: Loc,
    /// The value written.
    pub val: Value,
    /// Its ordering.
    pub mode: WriteMode,
    /// Whether it is the write half of a read-modify-write (the event before it is the read).
    pub rmw: bool,
}

/// What happened at an event.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Label {
    /// The thread began; `spawned_by` is the parent's spawn event (none for the main thread).
    Start {
        /// The parent's spawn event.
        spawned_by: Option<EventId>,
    },
    /// A read.
    Read(ReadLabel),
    /// A write.
    Write(WriteLabel),
    /// A fence.
    Fence(FenceMode),
    /// This thread started `child`.
    Spawn {
        /// The new thread.
        child: ThreadId,
    },
    /// This thread waited for `child` to finish.
    Join {
        /// The joined thread.
        child: ThreadId,
    },
    /// The thread ended.
    Finish,
}

impl Label {
    /// The location a read or a write accesses.
    pub fn loc(&self) -> Option<Loc> {
        match self {
            Label::Read(r) => Some(r.loc),
            Label::Write(w) => Some(w.loc),
            _ => None,
        }
    }

    /// Whether this is a non-atomic read or write.
    pub fn is_non_atomic(&self) -> bool {
        match self {
            Label::Read(r) => r.mode == ReadMode::NonAtomic,
            Label::Write(w) => w.mode == WriteMode::NonAtomic,
            _ => false,
        }
    }
}

/// One event with its bookkeeping.
///
/// Laid out in declaration order (`repr(C)`, the label first): with the order the compiler
/// chose, adding an event copied the label through a stack temporary whose blocks straddled
/// the fields, and reading each block back stalled on store forwarding. Now the label goes
/// straight from the caller to the graph (indexer(12) -1.2% wall time; putting the span second
/// brought the temporary back).
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct Event {
    /// What happened.
    pub label: Label,
    /// When it was added (TruSt's order `<_G`).
    pub stamp: u32,
    /// TruSt: the read read the co-latest write, or the write was placed co-last, when added.
    pub added_max: bool,
    /// TruSt: false once the event is in the prefix of a write that revisited a read.
    pub revisitable: bool,
    /// Unused. Written explicitly: as padding, it was copied together with the span through an
    /// overlapping stack temporary, which stalled again.
    spare: u16,
    /// Where in the user's source it happened.
    pub span: SourceSpan,
}

/// The source of versions: every graph, copy and change that matters gets a new number.
static NEXT_VERSION_BLOCK: AtomicU64 = AtomicU64::new(1);

/// Versions handed out in blocks per OS thread, so parallel workers do not contend on one
/// counter for every graph change.
const VERSION_BLOCK: u64 = 1 << 16;

thread_local! {
    /// The next version of this thread's block, and the block's end.
    static VERSIONS: std::cell::Cell<(u64, u64)> = const { std::cell::Cell::new((0, 0)) };
}

fn fresh_version() -> u64 {
    VERSIONS.with(|v| {
        let (mut next, mut end) = v.get();
        if next == end {
            // Relaxed: only uniqueness matters.
            next = NEXT_VERSION_BLOCK.fetch_add(1, Ordering::Relaxed) * VERSION_BLOCK;
            end = next + VERSION_BLOCK;
        }
        v.set((next + 1, end));
        next
    })
}

/// What the graph knows about one location.
#[derive(Clone, Debug, Default)]
struct Location {
    /// The initial value.
    init: Value,
    /// The writes in coherence order (without the initial write), then the reads in the order
    /// they were added: one list, so that a copy of the graph allocates once per location.
    events: Vec<EventId>,
    /// How many of `events` are writes.
    writes: usize,
}

impl Location {
    fn co(&self) -> &[EventId] {
        &self.events[..self.writes]
    }

    fn reads(&self) -> &[EventId] {
        &self.events[self.writes..]
    }

    /// A new location, with a list a removed one left if there is one.
    fn reusing(spare: &mut Vec<Vec<EventId>>) -> Location {
        Location {
            events: spare.pop().unwrap_or_default(),
            ..Location::default()
        }
    }

    /// Makes `out` a copy without the events `exists` rejects.
    fn keep_into(&self, exists: impl Fn(&EventId) -> bool, out: &mut Location) {
        out.init = self.init;
        out.events.clear();
        out.events
            .extend(self.co().iter().copied().filter(|e| exists(e)));
        out.writes = out.events.len();
        out.events
            .extend(self.reads().iter().copied().filter(|e| exists(e)));
    }

    /// Drops the events `exists` rejects.
    fn retain(&mut self, exists: impl Fn(&EventId) -> bool) {
        let mut kept = 0;
        let mut writes = 0;
        for i in 0..self.events.len() {
            let e = self.events[i];
            if exists(&e) {
                self.events[kept] = e;
                kept += 1;
                if i < self.writes {
                    writes += 1;
                }
            }
        }
        self.events.truncate(kept);
        self.writes = writes;
    }
}

/// Keeps the emptied list of a removed location for the next new one.
fn keep_location_list(spare: &mut Vec<Vec<EventId>>, mut list: Vec<EventId>) {
    if spare.len() < SPARE_LOCATIONS && list.capacity() > 0 {
        list.clear();
        spare.push(list);
    }
}

/// The events of one (partial) execution and their relations.
#[derive(Debug)]
pub struct ExecutionGraph {
    threads: Vec<Vec<Event>>,
    locs: LocTable<Location>,
    next_stamp: u32,
    /// Changes whenever what orders the existing events may have changed (see
    /// [`ExecutionGraph::version`]).
    version: u64,
    /// How many times the last read of a thread changed what it reads (which keeps the
    /// version), and the last read that did.
    rf_changes: (u64, EventId),
    /// A non-atomic read or write was added since the graph was last cleared (it may have been
    /// removed since): detectors of mixed accesses skip the graphs without any, unread.
    non_atomic_added: bool,
    /// Per thread, its events' porf-prefixes (themselves included), kept up to date as events
    /// are added and reads change what they read: exploration asks for a new event's prefix at
    /// every read and write, and walking the graph each time was a tenth of the engine's time.
    porf: Vec<ThreadPrefixes>,
    /// The event and prefix lists of threads removed from the graph, reused for threads added
    /// later: exploration removes and re-adds threads at every revisit and every execution.
    spare: Vec<(Vec<Event>, ThreadPrefixes)>,
    /// The event lists of locations removed from the graph, reused for locations added later:
    /// programs that build their objects afresh in every execution number them anew.
    spare_locations: Vec<Vec<EventId>>,
}

/// How many event lists of removed locations a graph keeps.
const SPARE_LOCATIONS: usize = 256;

/// How many cleared graphs an OS thread keeps for [`ExecutionGraph::recycled`].
const POOLED_GRAPHS: usize = 8;

thread_local! {
    /// Graphs done with, kept with their allocations: an exploration of a few executions would
    /// otherwise spend much of its time allocating fresh graphs.
    static POOL: std::cell::RefCell<Vec<ExecutionGraph>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Default for ExecutionGraph {
    fn default() -> ExecutionGraph {
        ExecutionGraph {
            threads: Vec::new(),
            locs: LocTable::default(),
            next_stamp: 0,
            version: fresh_version(),
            rf_changes: (0, EventId::new(ThreadId::MAIN, 0)),
            non_atomic_added: false,
            porf: Vec::new(),
            spare: Vec::new(),
            spare_locations: Vec::new(),
        }
    }
}

impl Clone for ExecutionGraph {
    /// A copy has a version of its own: copies change separately.
    fn clone(&self) -> ExecutionGraph {
        ExecutionGraph {
            threads: self.threads.clone(),
            locs: self.locs.clone(),
            next_stamp: self.next_stamp,
            version: fresh_version(),
            rf_changes: self.rf_changes,
            non_atomic_added: self.non_atomic_added,
            porf: self.porf.clone(),
            spare: Vec::new(),
            spare_locations: Vec::new(),
        }
    }
}

impl ExecutionGraph {
    /// An empty graph.
    pub fn new() -> ExecutionGraph {
        ExecutionGraph::default()
    }

    /// An empty graph, made from one given to [`ExecutionGraph::recycle`] on this OS thread if
    /// there is one (keeping its allocations).
    pub fn recycled() -> ExecutionGraph {
        POOL.with(|p| p.borrow_mut().pop()).unwrap_or_default()
    }

    /// Keeps a graph that is done with for [`ExecutionGraph::recycled`]. A graph that never held
    /// an event has no allocation worth keeping, and would take the place of one that has: the
    /// pool is small, and a stand-in graph is made (and given back) at every exploration.
    pub fn recycle(mut self) {
        if self.threads.capacity() == 0 && self.spare.is_empty() {
            return;
        }
        self.clear();
        POOL.with(|p| {
            let mut pool = p.borrow_mut();
            if pool.len() < POOLED_GRAPHS {
                pool.push(self);
            }
        });
    }

    /// Removes every event, keeping the allocations for the events to come.
    pub fn clear(&mut self) {
        self.set_thread_slots(0);
        let spare = &mut self.spare_locations;
        self.locs
            .clear_into(|l| keep_location_list(spare, l.events));
        self.next_stamp = 0;
        self.version = fresh_version();
        self.rf_changes = (0, EventId::new(ThreadId::MAIN, 0));
        self.non_atomic_added = false;
    }

    /// Makes the graph have exactly `n` thread slots: new ones empty (reusing the lists of
    /// removed threads), removed ones kept aside.
    fn set_thread_slots(&mut self, n: usize) {
        while self.threads.len() > n {
            let (mut events, mut porf) = (
                self.threads.pop().expect("more slots than n"),
                self.porf.pop().expect("one prefix list per thread"),
            );
            events.clear();
            porf.clear();
            self.spare.push((events, porf));
        }
        while self.threads.len() < n {
            let (events, porf) = self.spare.pop().unwrap_or_default();
            self.threads.push(events);
            self.porf.push(porf);
        }
    }

    /// Removes the thread slots at the end that hold no event.
    fn drop_empty_trailing_threads(&mut self) {
        let mut slots = self.threads.len();
        while slots > 0 && self.threads[slots - 1].is_empty() {
            slots -= 1;
        }
        self.set_thread_slots(slots);
    }

    /// How many thread slots exist (some may be empty after a restriction).
    pub fn thread_count(&self) -> usize {
        self.threads.len()
    }

    /// How many events `thread` has.
    pub fn thread_len(&self, thread: ThreadId) -> u32 {
        self.threads
            .get(thread.index())
            .map_or(0, |t| t.len() as u32)
    }

    /// The events of `thread`, in program order.
    pub fn thread_events(&self, thread: ThreadId) -> &[Event] {
        self.threads
            .get(thread.index())
            .map_or(&[][..], |t| t.as_slice())
    }

    /// The event at `id`.
    pub fn event(&self, id: EventId) -> &Event {
        &self.threads[id.thread.index()][id.index as usize]
    }

    /// The event at `id`, mutably. Only bookkeeping (stamps, flags, a write's value) may be
    /// changed this way: what reads read goes through [`ExecutionGraph::set_rf`], and kinds,
    /// locations and orderings never change, because models keep what they derive from them
    /// between checks of the same graph.
    pub fn event_mut(&mut self, id: EventId) -> &mut Event {
        &mut self.threads[id.thread.index()][id.index as usize]
    }

    /// Whether `id` exists.
    pub fn contains(&self, id: EventId) -> bool {
        id.index < self.thread_len(id.thread)
    }

    /// The read at `id`. Panics if it is not a read: an engine bug, never user input.
    pub fn read(&self, id: EventId) -> &ReadLabel {
        match &self.event(id).label {
            Label::Read(r) => r,
            other => unreachable!("event {id:?} is {other:?}, not a read"),
        }
    }

    /// The write at `id`. Panics if it is not a write: an engine bug.
    pub fn write(&self, id: EventId) -> &WriteLabel {
        match &self.event(id).label {
            Label::Write(w) => w,
            other => unreachable!("event {id:?} is {other:?}, not a write"),
        }
    }

    /// All events, thread by thread.
    pub fn events(&self) -> impl Iterator<Item = (EventId, &Event)> {
        self.threads.iter().enumerate().flat_map(|(t, evs)| {
            evs.iter()
                .enumerate()
                .map(move |(i, e)| (EventId::new(ThreadId(t as u32), i as u32), e))
        })
    }

    /// Records the initial value of `loc` as this execution's program states it (it may differ
    /// between executions: a pointer, or a number reused by another object).
    pub fn note_location(&mut self, loc: Loc, init: Value) {
        self.location_mut(loc).init = init;
    }

    /// What the graph knows about `loc`, made (with a reused list) if it is new.
    fn location_mut(&mut self, loc: Loc) -> &mut Location {
        let spare = &mut self.spare_locations;
        self.locs
            .get_or_insert_with(loc, || Location::reusing(spare))
    }

    /// The initial value of `loc`.
    pub fn init_value(&self, loc: Loc) -> Value {
        self.locs.get(loc).map_or(0, |l| l.init)
    }

    /// Appends an event to `thread` and answers its position.
    pub fn push(&mut self, thread: ThreadId, label: Label, span: SourceSpan) -> EventId {
        let t = thread.index();
        if self.threads.len() <= t {
            self.set_thread_slots(t + 1);
        }
        let index = self.threads[t].len() as u32;
        if let Some(beyond) = self.depends_beyond_thread(&label) {
            self.add_prefix_entry(thread, index, beyond);
        }
        if self.next_stamp == u32::MAX {
            self.renumber_stamps();
        }
        let stamp = self.next_stamp;
        self.next_stamp += 1;
        self.non_atomic_added |= label.is_non_atomic();
        if let Label::Read(r) = label {
            self.location_mut(r.loc)
                .events
                .push(EventId::new(thread, index));
        }
        self.threads[t].push(Event {
            label,
            stamp,
            added_max: true,
            revisitable: true,
            spare: 0,
            span,
        });
        EventId::new(thread, index)
    }

    /// Numbers the stamps densely again, in their order: restrictions keep stamps as they are,
    /// so along a very long exploration path they could run out.
    fn renumber_stamps(&mut self) {
        let mut stamps: Vec<u32> = self.threads.iter().flatten().map(|e| e.stamp).collect();
        stamps.sort_unstable();
        for e in self.threads.iter_mut().flatten() {
            e.stamp = stamps.partition_point(|&s| s < e.stamp) as u32;
        }
        self.next_stamp = stamps.len() as u32;
    }

    /// The id a newly spawned thread gets.
    pub fn fresh_thread_id(&self) -> ThreadId {
        ThreadId(self.threads.len() as u32)
    }

    /// Reserves the slot of a new thread so that the next fresh id is different.
    pub fn reserve_thread(&mut self, thread: ThreadId) {
        if self.threads.len() <= thread.index() {
            self.set_thread_slots(thread.index() + 1);
        }
    }

    /// The event outside its thread that an event with `label` depends on directly: what it
    /// reads from, was spawned by or joined. Inline: most events have none, and adding them
    /// should cost no call.
    #[inline]
    fn depends_beyond_thread(&self, label: &Label) -> Option<EventId> {
        match *label {
            Label::Read(ReadLabel {
                rf: Source::Write(w),
                ..
            }) => Some(w),
            Label::Start {
                spawned_by: Some(s),
            } => Some(s),
            Label::Join { child } => self
                .thread_len(child)
                .checked_sub(1)
                .map(|last| EventId::new(child, last)),
            _ => None,
        }
    }

    /// Records the prefix entry ([`crate::porf`]) of the event at `index` of `thread` (just
    /// added, or a read whose source changed), which depends on `beyond` outside its thread, if
    /// it needs one: when `beyond` lies outside the predecessor's prefix, the entry is that
    /// prefix, the event itself, and `beyond`'s prefix.
    fn add_prefix_entry(&mut self, thread: ThreadId, index: u32, beyond: EventId) {
        let mut view = match index.checked_sub(1) {
            Some(before) => {
                let before = self.porf[thread.index()].prefix(thread, before);
                // Already in the predecessor's prefix, then so is all of its own.
                if before.contains(beyond) {
                    return;
                }
                before.to_view()
            }
            None => View::empty(),
        };
        view.set_len(thread, index + 1);
        self.porf_prefix(beyond).join_into(&mut view);
        self.porf[thread.index()].push(index, view);
    }

    /// The porf-prefix of `id` (itself included), as kept: [`ExecutionGraph::prefix`] without
    /// a copy.
    pub(crate) fn porf_prefix(&self, id: EventId) -> Prefix<'_> {
        self.porf[id.thread.index()].prefix(id.thread, id.index)
    }

    /// Recomputes every porf-prefix by walking the graph: after a read that is not its thread's
    /// last event changed what it reads (exploration never does this, but the graph allows it).
    fn rebuild_porf(&mut self) {
        let mut porf = std::mem::take(&mut self.porf);
        for (t, evs) in self.threads.iter().enumerate() {
            let thread = ThreadId(t as u32);
            porf[t].clear();
            let mut before = View::empty();
            for i in 0..evs.len() as u32 {
                let mut view = View::empty();
                self.walk_prefix(&mut view, EventId::new(thread, i));
                before.set_len(thread, i + 1);
                if !view.same_events(&before) {
                    porf[t].push(i, view.clone());
                    before = view;
                }
            }
        }
        self.porf = porf;
    }

    /// The value a read from `src` at `loc` returns.
    pub fn value_of(&self, loc: Loc, src: Source) -> Value {
        match src {
            Source::Init => self.init_value(loc),
            Source::Write(w) => self.write(w).val,
        }
    }

    /// The writes to `loc` in coherence order, without the initial write.
    pub fn co_order(&self, loc: Loc) -> &[EventId] {
        self.locs.get(loc).map_or(&[][..], |l| l.co())
    }

    /// The coherence order of every location (possibly empty).
    pub fn co_lists(&self) -> impl Iterator<Item = (Loc, &[EventId])> {
        self.locs.iter().map(|(l, v)| (l, v.co()))
    }

    /// The `position`-th possible source for a read of `loc`: the initial value (0), then the
    /// writes in coherence order. Positions are what replay tokens record; there are
    /// `co_order(loc).len() + 1` of them.
    pub fn source_at(&self, loc: Loc, position: usize) -> Option<Source> {
        match position {
            0 => Some(Source::Init),
            p => self.co_order(loc).get(p - 1).map(|&w| Source::Write(w)),
        }
    }

    /// The coherence-latest write to `loc`.
    pub fn co_max(&self, loc: Loc) -> Source {
        self.co_order(loc)
            .last()
            .map_or(Source::Init, |&w| Source::Write(w))
    }

    /// The write a read of `loc` takes by default (TruSt's maximal choice): the
    /// coherence-latest one, except that an exchange's read never reads `partner`, its own write
    /// half, and then takes the write just before it.
    pub fn co_max_except(&self, loc: Loc, partner: Option<EventId>) -> Source {
        let order = self.co_order(loc);
        match order.last() {
            Some(&w) if Some(w) == partner => order
                .len()
                .checked_sub(2)
                .map_or(Source::Init, |i| Source::Write(order[i])),
            _ => self.co_max(loc),
        }
    }

    /// Position of `src` among the sources of `loc` ([`ExecutionGraph::source_at`]).
    pub fn co_position(&self, loc: Loc, src: Source) -> usize {
        match src {
            Source::Init => 0,
            // From the end: the writes asked about are mostly the latest ones.
            Source::Write(w) => {
                1 + self
                    .co_order(loc)
                    .iter()
                    .rposition(|&x| x == w)
                    .expect("write is in coherence order")
            }
        }
    }

    /// The write immediately after `src` in coherence order.
    pub fn co_next(&self, loc: Loc, src: Source) -> Option<EventId> {
        let pos = self.co_position(loc, src);
        self.co_order(loc).get(pos).copied()
    }

    /// Inserts `write` into the coherence order of `loc` right after `after`.
    pub fn co_insert_after(&mut self, loc: Loc, write: EventId, after: Source) {
        let pos = self.co_position(loc, after);
        let l = self.location_mut(loc);
        l.events.insert(pos, write);
        l.writes += 1;
    }

    /// Takes `write` out of the coherence order of `loc`.
    pub fn co_remove(&mut self, loc: Loc, write: EventId) {
        if let Some(l) = self.locs.get_mut(loc) {
            if let Some(p) = l.co().iter().position(|&w| w == write) {
                l.events.remove(p);
                l.writes -= 1;
            }
        }
    }

    /// Moves `write` (already in coherence order) to right after `after`.
    pub fn co_move_after(&mut self, loc: Loc, write: EventId, after: Source) {
        self.co_remove(loc, write);
        self.co_insert_after(loc, write, after);
    }

    /// Changes what the read at `read` reads from (and so, for a compare-exchange, which of its
    /// orderings applies).
    pub fn set_rf(&mut self, read: EventId, src: Source) {
        let Label::Read(r) = self.event(read).label else {
            return;
        };
        let value = self.value_of(r.loc, src);
        let mode = if r.write_value(value).is_some() {
            r.modes.0
        } else {
            r.modes.1
        };
        if src == r.rf && mode == r.mode && !matches!(r.kind, ReadKind::RmwAfterWrite(_)) {
            // Nothing changes (a new read keeps the source it was added with).
            return;
        }
        // Nothing is ordered after a thread's last event, if it is a read (a joined thread has
        // finished: its last event is `Finish`): only its own order changes, which a model can
        // see from its label. Otherwise anything may change.
        let last = read.index + 1 == self.thread_len(read.thread);
        if !last {
            self.version = fresh_version();
        } else {
            self.rf_changes = (self.rf_changes.0 + 1, read);
        }
        if let Label::Read(r) = &mut self.event_mut(read).label {
            r.rf = src;
            r.mode = mode;
        }
        if last {
            let label = self.event(read).label;
            self.porf[read.thread.index()].truncate(read.index);
            if let Some(beyond) = self.depends_beyond_thread(&label) {
                self.add_prefix_entry(read.thread, read.index, beyond);
            }
        } else {
            self.rebuild_porf();
        }
        // A locked instruction performed write first stores what its read returns, updated.
        if let ReadKind::RmwAfterWrite(update) = r.kind {
            let partner = EventId::new(read.thread, read.index - 1);
            if let Label::Write(w) = &mut self.event_mut(partner).label {
                w.val = update.apply(value);
            }
        }
    }

    /// Whether every locked instruction performed write first stores what its read returns,
    /// updated ([`ReadKind::RmwAfterWrite`]). Values are not fixed when a write its read reads
    /// was recomputed after the read (when that write depends on the instruction's own write:
    /// a cycle of values that herd7's equation solver rejects, or a value that changed).
    pub fn locked_values_hold(&self) -> bool {
        self.events().all(|(id, e)| match e.label {
            Label::Read(ReadLabel {
                kind: ReadKind::RmwAfterWrite(update),
                loc,
                rf,
                ..
            }) => {
                let partner = self.write(EventId::new(id.thread, id.index - 1));
                partner.val == update.apply(self.value_of(loc, rf))
                    && (update.kind == RmwKind::Swap || !self.in_value_cycle(id))
            }
            _ => true,
        })
    }

    /// Whether the read half `read` of a locked instruction performed write first reads, through
    /// a chain of such instructions whose written value depends on what they read, its own
    /// write half: values that herd7's solver cannot determine (an `INC` and a `DEC` reading each
    /// other's write hold for any value, so this is not a check of the values).
    fn in_value_cycle(&self, read: EventId) -> bool {
        let mut at = read;
        for _ in 0..=self.threads.iter().map(Vec::len).sum::<usize>() {
            let Source::Write(w) = self.read(at).rf else {
                return false;
            };
            let next = EventId::new(w.thread, w.index + 1);
            if !self.contains(next) || self.exchange_partner(next) != Some(w) {
                return false;
            }
            match self.read(next).kind {
                ReadKind::RmwAfterWrite(u) if u.kind != RmwKind::Swap => {}
                _ => return false,
            }
            if next == read {
                return true;
            }
            at = next;
        }
        false
    }

    /// The reads of `loc`, in the order they were added.
    pub fn reads_of(&self, loc: Loc) -> &[EventId] {
        self.locs.get(loc).map_or(&[][..], |l| l.reads())
    }

    /// The reads of `loc` that read from `src`.
    pub fn readers(&self, loc: Loc, src: Source) -> impl Iterator<Item = EventId> + '_ {
        self.reads_of(loc)
            .iter()
            .copied()
            .filter(move |&id| self.read(id).rf == src)
    }

    /// A number that stays the same as long as what orders the graph's events stays the same,
    /// except for events added since (at the ends of threads) and the reads-from of reads that
    /// are the last events of their threads. A copy gets a new number. Models use it to keep
    /// what they derived from the graph between checks.
    pub(crate) fn version(&self) -> u64 {
        self.version
    }

    /// How many times the last read of a thread changed what it reads (which keeps the
    /// version), and the last read that did.
    pub(crate) fn rf_changes(&self) -> (u64, EventId) {
        self.rf_changes
    }

    /// False when the graph certainly holds no non-atomic read or write (true may be stale: one
    /// was added, and perhaps removed since).
    pub fn may_hold_non_atomic(&self) -> bool {
        self.non_atomic_added
    }

    /// The successful read-modify-write reads of `loc` that read from `src`.
    pub fn exclusive_readers(&self, loc: Loc, src: Source) -> impl Iterator<Item = EventId> + '_ {
        let value = self.value_of(loc, src);
        self.readers(loc, src)
            .filter(move |&r| self.read(r).is_exclusive_with(value))
    }

    /// The write half of the locked instruction performed write first whose read half is `read`
    /// (a [`ReadKind::RmwAfterWrite`]: the event before it), if `read` is one.
    pub fn exchange_partner(&self, read: EventId) -> Option<EventId> {
        match self.event(read).label {
            Label::Read(ReadLabel {
                kind: ReadKind::RmwAfterWrite(_),
                ..
            }) => Some(EventId::new(read.thread, read.index - 1)),
            _ => None,
        }
    }

    /// The porf-prefix of `id`: every event before it in program order, reads-from, spawn and
    /// join order, itself included.
    pub fn prefix(&self, id: EventId) -> View {
        let view = self.porf_prefix(id).to_view();
        #[cfg(debug_assertions)]
        {
            let mut walked = View::empty();
            self.walk_prefix(&mut walked, id);
            debug_assert!(view.same_events(&walked), "kept prefix of {id:?} is stale");
        }
        view
    }

    /// Adds the porf-prefix of `id` to `view` by walking the graph.
    fn walk_prefix(&self, view: &mut View, id: EventId) {
        PREFIX_STACK.with(|cell| {
            let mut stack = cell.borrow_mut();
            stack.clear();
            stack.push(id);
            self.extend_prefix_with(view, &mut stack);
        });
    }

    fn extend_prefix_with(&self, view: &mut View, stack: &mut Vec<EventId>) {
        while let Some(e) = stack.pop() {
            let old = view.len(e.thread);
            if e.index < old {
                continue;
            }
            view.set_len(e.thread, e.index + 1);
            for i in old..=e.index {
                match self.threads[e.thread.index()][i as usize].label {
                    Label::Read(ReadLabel {
                        rf: Source::Write(w),
                        ..
                    }) => stack.push(w),
                    Label::Start {
                        spawned_by: Some(s),
                    } => stack.push(s),
                    Label::Join { child } => {
                        let len = self.thread_len(child);
                        if len > 0 {
                            stack.push(EventId::new(child, len - 1));
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// The events added no later than `id` (TruSt's `preds`).
    pub fn added_up_to(&self, id: EventId) -> View {
        let limit = self.event(id).stamp;
        let mut view = View::empty();
        for (t, evs) in self.threads.iter().enumerate() {
            let n = evs.partition_point(|e| e.stamp <= limit);
            view.set_len(ThreadId(t as u32), n as u32);
        }
        view
    }

    /// Removes every event added after `stamp`.
    pub fn restrict_to_stamp(&mut self, stamp: u32) {
        for (evs, porf) in self.threads.iter_mut().zip(&mut self.porf) {
            let n = evs.partition_point(|e| e.stamp <= stamp);
            evs.truncate(n);
            porf.truncate(n as u32);
        }
        self.drop_empty_trailing_threads();
        self.retain_co();
        self.next_stamp = stamp + 1;
    }

    /// Makes `out` a copy of this graph holding only the events in `view`. `out`'s allocations
    /// are reused: exploration copies a graph for every backward revisit, and recycling the
    /// copies it is done with saves most of that cost.
    pub fn restrict_into(&self, view: &View, out: &mut ExecutionGraph) {
        let mut kept_threads = self.threads.len();
        while kept_threads > 0
            && (view.len(ThreadId(kept_threads as u32 - 1)) == 0
                || self.threads[kept_threads - 1].is_empty())
        {
            kept_threads -= 1;
        }
        out.set_thread_slots(kept_threads);
        for (t, evs) in self.threads[..kept_threads].iter().enumerate() {
            let n = (view.len(ThreadId(t as u32)) as usize).min(evs.len());
            // Room for what the copy will likely run again.
            let kept = &mut out.threads[t];
            kept.clear();
            kept.reserve(evs.len());
            kept.extend_from_slice(&evs[..n]);
            // A kept event's prefix is kept too (`view` is porf-closed), so its view holds.
            out.porf[t].copy_prefix_of(&self.porf[t], n as u32);
        }
        let threads = &out.threads;
        let exists =
            |e: &EventId| e.index < threads.get(e.thread.index()).map_or(0, |t| t.len() as u32);
        let spare = &mut out.spare_locations;
        out.locs.retain(|loc, l| {
            let kept = self.locs.contains(loc);
            if !kept {
                keep_location_list(spare, std::mem::take(&mut l.events));
            }
            kept
        });
        for (loc, l) in self.locs.iter() {
            let into = out
                .locs
                .get_or_insert_with(loc, || Location::reusing(spare));
            l.keep_into(exists, into);
        }
        // Stamps keep their values: only their order matters, and the kept ones stay distinct
        // and below `next_stamp` (numbering them densely again cost a pass over every stamp).
        out.next_stamp = self.next_stamp;
        out.version = fresh_version();
        out.rf_changes = self.rf_changes;
        out.non_atomic_added = self.non_atomic_added;
    }

    /// Marks the events in `view` as no longer revisitable (TruSt: the prefix of a write that
    /// revisited a read).
    pub fn mark_unrevisitable(&mut self, view: &View) {
        for (t, evs) in self.threads.iter_mut().enumerate() {
            let n = (view.len(ThreadId(t as u32)) as usize).min(evs.len());
            for e in &mut evs[..n] {
                e.revisitable = false;
            }
        }
    }

    /// Removes the events of `thread` from `index` on, in place.
    pub fn truncate_thread(&mut self, thread: ThreadId, index: u32) {
        if let Some(evs) = self.threads.get_mut(thread.index()) {
            evs.truncate(index as usize);
            self.porf[thread.index()].truncate(index);
        }
        self.drop_empty_trailing_threads();
        self.retain_co();
    }

    /// Drops the events removed by a restriction to a stamp from the per-location lists; the
    /// remaining events are ordered as before.
    fn retain_co(&mut self) {
        let threads = &self.threads;
        let exists =
            |e: &EventId| e.index < threads.get(e.thread.index()).map_or(0, |t| t.len() as u32);
        for l in self.locs.values_mut() {
            l.retain(exists);
        }
        self.version = fresh_version();
    }

    /// A canonical description of the graph (rf and co), used by tests to compare explorers.
    pub fn fingerprint(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        for (id, e) in self.events() {
            if let Label::Read(r) = e.label {
                let _ = write!(s, "r{}.{}<-{:?};", id.thread.0, id.index, r.rf);
            }
        }
        let mut locs: Vec<_> = self
            .locs
            .iter()
            .map(|(l, v)| (l, v.co()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        locs.sort_by_key(|(l, _)| *l);
        for (l, ws) in locs {
            let _ = write!(s, "co{}:{:?};", l.0, ws);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::WriteMode;

    fn write(g: &mut ExecutionGraph, t: u32, val: Value) -> EventId {
        let label = Label::Write(WriteLabel {
            loc: Loc(1),
            val,
            mode: WriteMode::Relaxed,
            rmw: false,
        });
        let id = g.push(ThreadId(t), label, SourceSpan::UNKNOWN);
        g.co_insert_after(Loc(1), id, g.co_max(Loc(1)));
        id
    }

    /// Stamps are not renumbered by restrictions; when they run out, they are renumbered
    /// densely in the same order, and new events still come after every kept one.
    #[test]
    fn stamps_run_out_and_are_renumbered_in_order() {
        let mut g = ExecutionGraph::new();
        let a = write(&mut g, 0, 1);
        let b = write(&mut g, 1, 2);
        let c = write(&mut g, 0, 3);
        let mut kept = ExecutionGraph::new();
        let mut view = View::empty();
        view.set_len(ThreadId(0), 2);
        g.restrict_into(&view, &mut kept);
        assert_eq!(kept.event(a).stamp, 0);
        assert_eq!(kept.event(c).stamp, 2);
        assert_eq!(kept.thread_len(ThreadId(1)), 0);
        let _ = b;
        kept.next_stamp = u32::MAX;
        let d = write(&mut kept, 1, 4);
        assert_eq!(
            [
                kept.event(a).stamp,
                kept.event(c).stamp,
                kept.event(d).stamp
            ],
            [0, 1, 2]
        );
    }

    /// One step of a random graph history for the prefix test below; numbers pick among what
    /// exists when the step runs.
    #[derive(Clone, Debug)]
    enum Step {
        Spawn(usize),
        Write(usize, u64),
        Read(usize, u64, usize),
        Finish(usize),
        Join(usize, usize),
        ChangeSource(usize, usize),
        Restrict(usize),
        Truncate(usize, usize),
    }

    fn step() -> impl proptest::strategy::Strategy<Value = Step> {
        use proptest::prelude::*;
        prop_oneof![
            any::<usize>().prop_map(Step::Spawn),
            (any::<usize>(), 0..2u64).prop_map(|(t, l)| Step::Write(t, l)),
            (any::<usize>(), 0..2u64, any::<usize>()).prop_map(|(t, l, w)| Step::Read(t, l, w)),
            any::<usize>().prop_map(Step::Finish),
            (any::<usize>(), any::<usize>()).prop_map(|(t, c)| Step::Join(t, c)),
            (any::<usize>(), any::<usize>()).prop_map(|(r, w)| Step::ChangeSource(r, w)),
            any::<usize>().prop_map(Step::Restrict),
            (any::<usize>(), any::<usize>()).prop_map(|(t, i)| Step::Truncate(t, i)),
        ]
    }

    /// The porf-prefix of `id` by walking the graph.
    fn walked(g: &ExecutionGraph, id: EventId) -> View {
        let mut view = View::empty();
        g.walk_prefix(&mut view, id);
        view
    }

    /// Applies `step` to `g` where it makes sense (otherwise does nothing), keeping the graph
    /// free of porf cycles, as exploration does.
    fn apply(g: &mut ExecutionGraph, step: &Step) {
        // As in executions: a finished thread gets no more events, and only finished threads
        // are joined.
        let last = |t: ThreadId| g.event(EventId::new(t, g.thread_len(t) - 1)).label;
        let (finished, threads): (Vec<ThreadId>, Vec<ThreadId>) = (0..g.thread_count() as u32)
            .map(ThreadId)
            .filter(|&t| g.thread_len(t) > 0)
            .partition(|&t| last(t) == Label::Finish);
        let pick = |n: usize, len: usize| (len > 0).then(|| n % len);
        let span = SourceSpan::UNKNOWN;
        match *step {
            Step::Spawn(parent) => {
                // As in executions: a spawn event in the parent, then the child's start.
                let Some(i) = pick(parent, threads.len()) else {
                    return;
                };
                let child = g.fresh_thread_id();
                g.reserve_thread(child);
                let by = g.push(threads[i], Label::Spawn { child }, span);
                g.push(
                    child,
                    Label::Start {
                        spawned_by: Some(by),
                    },
                    span,
                );
            }
            Step::Write(t, l) => {
                let Some(i) = pick(t, threads.len()) else {
                    return;
                };
                let label = Label::Write(WriteLabel {
                    loc: Loc(l),
                    val: 1,
                    mode: WriteMode::Relaxed,
                    rmw: false,
                });
                let id = g.push(threads[i], label, span);
                g.co_insert_after(Loc(l), id, g.co_max(Loc(l)));
            }
            Step::Read(t, l, w) => {
                let Some(i) = pick(t, threads.len()) else {
                    return;
                };
                let writes = g.co_order(Loc(l)).to_vec();
                let rf = match pick(w, writes.len() + 1) {
                    Some(0) | None => Source::Init,
                    Some(k) => Source::Write(writes[k - 1]),
                };
                let label = Label::Read(ReadLabel {
                    loc: Loc(l),
                    mode: ReadMode::Relaxed,
                    kind: ReadKind::Plain,
                    rf,
                    spurious: false,
                    write_mode: WriteMode::Relaxed,
                    modes: (ReadMode::Relaxed, ReadMode::Relaxed),
                });
                g.push(threads[i], label, span);
            }
            Step::Finish(t) => {
                let Some(i) = pick(t, threads.len()) else {
                    return;
                };
                g.push(threads[i], Label::Finish, span);
            }
            Step::Join(t, c) => {
                let (Some(i), Some(j)) = (pick(t, threads.len()), pick(c, finished.len())) else {
                    return;
                };
                let (t, child) = (threads[i], finished[j]);
                // Joining a thread whose end depends on the joiner would be a porf cycle.
                let end = EventId::new(child, g.thread_len(child) - 1);
                let here = EventId::new(t, g.thread_len(t) - 1);
                if walked(g, end).contains(here) {
                    return;
                }
                g.push(t, Label::Join { child }, span);
            }
            Step::ChangeSource(r, w) => {
                let reads: Vec<EventId> =
                    (0..2).flat_map(|l| g.reads_of(Loc(l)).to_vec()).collect();
                let Some(i) = pick(r, reads.len()) else {
                    return;
                };
                let read = reads[i];
                let loc = g.read(read).loc;
                // Only writes the read does not come before in porf (no cycles).
                let writes: Vec<EventId> = g
                    .co_order(loc)
                    .iter()
                    .copied()
                    .filter(|&x| !walked(g, x).contains(read))
                    .collect();
                let src = match pick(w, writes.len() + 1) {
                    Some(0) | None => Source::Init,
                    Some(k) => Source::Write(writes[k - 1]),
                };
                g.set_rf(read, src);
            }
            Step::Restrict(e) => {
                let events: Vec<EventId> = g.events().map(|(id, _)| id).collect();
                let Some(i) = pick(e, events.len()) else {
                    return;
                };
                // What a backward revisit keeps: everything added up to an event, and the
                // prefix of another (closed under porf here, since this history may have
                // changed sources arbitrarily).
                let added = g.added_up_to(events[i]);
                let mut keep = walked(g, events[events.len() - 1 - i]);
                for &e in events.iter().filter(|&&e| added.contains(e)) {
                    keep.join(&walked(g, e));
                }
                let mut out = ExecutionGraph::new();
                g.restrict_into(&keep, &mut out);
                *g = out;
            }
            Step::Truncate(t, at) => {
                let Some(i) = pick(t, threads.len()) else {
                    return;
                };
                let len = g.thread_len(threads[i]);
                // Keep the start event, and nothing another thread depends on.
                let index = 1 + (at as u32) % len.max(1);
                let cut = EventId::new(threads[i], index);
                let depends = g
                    .events()
                    .any(|(id, _)| id.thread != threads[i] && walked(g, id).contains(cut));
                if index < len && !depends {
                    g.truncate_thread(threads[i], index);
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 512, ..proptest::prelude::ProptestConfig::default()
        })]
        /// The sparse porf-prefixes (`porf.rs`) answer what walking the graph answers, for every
        /// event, after any history of additions, source changes (of a thread's last read or
        /// any other), restrictions and truncations.
        #[test]
        fn kept_prefixes_match_walked_ones(steps in proptest::collection::vec(step(), 1..60)) {
            let mut g = ExecutionGraph::new();
            g.push(ThreadId::MAIN, Label::Start { spawned_by: None }, SourceSpan::UNKNOWN);
            for s in &steps {
                apply(&mut g, s);
                for (id, _) in g.events() {
                    let kept = g.porf_prefix(id).to_view();
                    proptest::prop_assert!(
                        kept.same_events(&walked(&g, id)),
                        "prefix of {:?} after {:?}: kept {:?}, walked {:?}, events {:?}", id, s,
                        kept, walked(&g, id),
                        g.events().map(|(i, e)| (i.thread.0, i.index, e.label)).collect::<Vec<_>>()
                    );
                }
            }
        }
    }
}
