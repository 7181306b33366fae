//! Execution graphs: the events of one execution, per thread in program order, with reads-from
//! (`rf`) and coherence (`co`) edges. This is the object the optimal explorer enumerates (one graph
//! per equivalence class) and the memory models judge.
//!
//! Every event carries the stamp at which it was added, because TruSt's revisiting rules are stated
//! in terms of the order in which events were added.

use crate::event::{FenceMode, Loc, ReadMode, RmwUpdate, SourceSpan, ThreadId, Value, WriteMode};
use crate::view::View;
use rustc_hash::FxHashMap;

thread_local! {
    /// The work stack of prefix computations, reused: they run for every read and write.
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
        /// Value needed for success.
        expected: Value,
        /// Value stored on success.
        new: Value,
        /// Whether it is `compare_exchange_weak`.
        weak: bool,
    },
    /// A mutex acquisition: reads the unlocked value 0 and writes 1.
    Lock,
    /// A `try_lock`: writes 1 when it reads 0.
    TryLock,
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
            ReadKind::Plain | ReadKind::WaitStart | ReadKind::WaitWake { .. } => None,
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

/// One event with its bookkeeping.
#[derive(Clone, Copy, Debug)]
pub struct Event {
    /// What happened.
    pub label: Label,
    /// When it was added (TruSt's order `<_G`).
    pub stamp: u32,
    /// TruSt: the read read the co-latest write, or the write was placed co-last, when added.
    pub added_max: bool,
    /// TruSt: false once the event is in the prefix of a write that revisited a read.
    pub revisitable: bool,
    /// Where in the user's source it happened.
    pub span: SourceSpan,
}

/// The events of one (partial) execution and their relations.
#[derive(Clone, Debug, Default)]
pub struct ExecutionGraph {
    threads: Vec<Vec<Event>>,
    co: FxHashMap<Loc, Vec<EventId>>,
    init: FxHashMap<Loc, Value>,
    next_stamp: u32,
}

impl ExecutionGraph {
    /// An empty graph.
    pub fn new() -> ExecutionGraph {
        ExecutionGraph::default()
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

    /// The event at `id`, mutably.
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
        self.init.insert(loc, init);
    }

    /// The initial value of `loc`.
    pub fn init_value(&self, loc: Loc) -> Value {
        self.init.get(&loc).copied().unwrap_or(0)
    }

    /// Appends an event to `thread` and answers its position.
    pub fn push(&mut self, thread: ThreadId, label: Label, span: SourceSpan) -> EventId {
        let t = thread.index();
        if self.threads.len() <= t {
            self.threads.resize_with(t + 1, Vec::new);
        }
        let stamp = self.next_stamp;
        self.next_stamp += 1;
        self.threads[t].push(Event {
            label,
            stamp,
            added_max: true,
            revisitable: true,
            span,
        });
        EventId::new(thread, self.threads[t].len() as u32 - 1)
    }

    /// The id a newly spawned thread gets.
    pub fn fresh_thread_id(&self) -> ThreadId {
        ThreadId(self.threads.len() as u32)
    }

    /// Reserves the slot of a new thread so that the next fresh id is different.
    pub fn reserve_thread(&mut self, thread: ThreadId) {
        if self.threads.len() <= thread.index() {
            self.threads.resize_with(thread.index() + 1, Vec::new);
        }
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
        self.co.get(&loc).map_or(&[][..], |v| v.as_slice())
    }

    /// The coherence order of every location.
    pub fn co_lists(&self) -> impl Iterator<Item = (Loc, &[EventId])> {
        self.co.iter().map(|(l, v)| (*l, v.as_slice()))
    }

    /// Every possible source for a read of `loc`: the initial value, then the writes in
    /// coherence order. Indexes into this list are what replay tokens record.
    pub fn sources(&self, loc: Loc) -> Vec<Source> {
        std::iter::once(Source::Init)
            .chain(self.co_order(loc).iter().map(|&w| Source::Write(w)))
            .collect()
    }

    /// The coherence-latest write to `loc`.
    pub fn co_max(&self, loc: Loc) -> Source {
        self.co_order(loc)
            .last()
            .map_or(Source::Init, |&w| Source::Write(w))
    }

    /// Position of `src` in [`ExecutionGraph::sources`].
    pub fn co_position(&self, loc: Loc, src: Source) -> usize {
        match src {
            Source::Init => 0,
            Source::Write(w) => {
                1 + self
                    .co_order(loc)
                    .iter()
                    .position(|&x| x == w)
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
        self.co.entry(loc).or_default().insert(pos, write);
    }

    /// Takes `write` out of the coherence order of `loc`.
    pub fn co_remove(&mut self, loc: Loc, write: EventId) {
        if let Some(list) = self.co.get_mut(&loc) {
            list.retain(|&w| w != write);
        }
    }

    /// Moves `write` (already in coherence order) to right after `after`.
    pub fn co_move_after(&mut self, loc: Loc, write: EventId, after: Source) {
        if let Some(list) = self.co.get_mut(&loc) {
            list.retain(|&w| w != write);
        }
        self.co_insert_after(loc, write, after);
    }

    /// Changes what the read at `read` reads from (and so, for a compare-exchange, which of its
    /// orderings applies).
    pub fn set_rf(&mut self, read: EventId, src: Source) {
        let Label::Read(r) = self.event(read).label else {
            return;
        };
        let value = self.value_of(r.loc, src);
        if let Label::Read(r) = &mut self.event_mut(read).label {
            r.rf = src;
            r.mode = if r.write_value(value).is_some() {
                r.modes.0
            } else {
                r.modes.1
            };
        }
    }

    /// The reads of `loc` that read from `src`.
    pub fn readers(&self, loc: Loc, src: Source) -> impl Iterator<Item = EventId> + '_ {
        self.events().filter_map(move |(id, e)| match e.label {
            Label::Read(r) if r.loc == loc && r.rf == src => Some(id),
            _ => None,
        })
    }

    /// The successful read-modify-write reads of `loc` that read from `src`.
    pub fn exclusive_readers(&self, loc: Loc, src: Source) -> impl Iterator<Item = EventId> + '_ {
        let value = self.value_of(loc, src);
        self.readers(loc, src)
            .filter(move |&r| self.read(r).is_exclusive_with(value))
    }

    /// The porf-prefix of `id`: every event before it in program order, reads-from, spawn and
    /// join order, itself included.
    pub fn prefix(&self, id: EventId) -> View {
        let mut view = View::empty();
        self.extend_prefix(&mut view, id);
        view
    }

    /// Adds the porf-prefix of `id` to `view`.
    pub fn extend_prefix(&self, view: &mut View, id: EventId) {
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
        for evs in &mut self.threads {
            let n = evs.partition_point(|e| e.stamp <= stamp);
            evs.truncate(n);
        }
        while self.threads.last().is_some_and(|t| t.is_empty()) {
            self.threads.pop();
        }
        self.retain_co();
        self.next_stamp = stamp + 1;
    }

    /// A copy holding only the events in `view`, restamped in their original order.
    pub fn restricted_to(&self, view: &View) -> ExecutionGraph {
        let mut g = self.clone();
        for (t, evs) in g.threads.iter_mut().enumerate() {
            evs.truncate(view.len(ThreadId(t as u32)) as usize);
        }
        while g.threads.last().is_some_and(|t| t.is_empty()) {
            g.threads.pop();
        }
        g.retain_co();
        let mut order: Vec<(u32, EventId)> = g.events().map(|(id, e)| (e.stamp, id)).collect();
        order.sort_unstable();
        for (new_stamp, (_, id)) in order.iter().enumerate() {
            g.event_mut(*id).stamp = new_stamp as u32;
        }
        g.next_stamp = order.len() as u32;
        g
    }

    fn retain_co(&mut self) {
        let threads = &self.threads;
        for list in self.co.values_mut() {
            list.retain(|w| w.index < threads.get(w.thread.index()).map_or(0, |t| t.len() as u32));
        }
    }

    /// The largest stamp in the graph, if any.
    pub fn max_stamp(&self) -> Option<u32> {
        self.next_stamp.checked_sub(1)
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
        let mut locs: Vec<_> = self.co.iter().filter(|(_, v)| !v.is_empty()).collect();
        locs.sort_by_key(|(l, _)| **l);
        for (l, ws) in locs {
            let _ = write!(s, "co{}:{:?};", l.0, ws);
        }
        s
    }
}
