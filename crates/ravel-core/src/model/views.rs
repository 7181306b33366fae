//! RC11's happens-before and sequenced-before as *views*: for every event, how many events of each
//! thread come before it. Both relations contain program order and are transitive, so the events
//! before any event form a prefix of every thread, and a view (one count per thread) is all of
//! it. This is GenMC's representation (Kokologiannakis and Vafeiadis, "GenMC: A Model Checker for
//! Weak Memory Models", CAV 2021); the code is ravel's own.
//!
//! Views are computed in an order where every event comes after what it reads from, what spawned
//! it and what it joins (porf order), so that everything an event's view is made of is known. An
//! event that never becomes ready lies on a cycle of `sb ∪ rf`, which RC11 forbids (no thin air).
//!
//! The views are kept between checks, in a cache per OS thread. Under one graph version
//! ([`ExecutionGraph::version`]) events are only added at the ends of threads, and only the last
//! read of a thread can change what it reads ([`ExecutionGraph::rf_changes`]), so a check
//! computes just the views of new or changed events (a relaxed read's view does not depend on
//! what it reads at all). For another version (a restriction, a copy, another graph), a kept view
//! stays valid when its event has the same [`Mark`] and the events it is made of kept theirs;
//! the rest are computed again. So an execution starts from the views of the one before.
//! Sequenced-before views are only computed once a graph with SC events has been seen: only
//! `psc` needs them.

use crate::event::{FenceMode, Loc, ReadMode, ThreadId, WriteMode};
use crate::graph::{Event, EventId, ExecutionGraph, Label, Source, WriteLabel};

/// What views depend on in an event's label: everything but values and bookkeeping. Two
/// events with the same mark, whose porf-predecessors have the same views, have the same view.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mark {
    Read(Loc, Source, ReadMode),
    Write(Loc, WriteMode, bool),
    Fence(FenceMode),
    Start(Option<EventId>),
    Join(ThreadId),
    Spawn(ThreadId),
    Finish,
}

fn mark(l: &Label) -> Mark {
    match *l {
        Label::Read(r) => Mark::Read(r.loc, r.rf, r.mode),
        Label::Write(w) => Mark::Write(w.loc, w.mode, w.rmw),
        Label::Fence(f) => Mark::Fence(f),
        Label::Start { spawned_by } => Mark::Start(spawned_by),
        Label::Join { child } => Mark::Join(child),
        Label::Spawn { child } => Mark::Spawn(child),
        Label::Finish => Mark::Finish,
    }
}

/// Per event: what views are made of besides other views.
#[derive(Clone, Copy, Debug)]
struct Info {
    mark: Mark,
    /// One more than the index of the last release event (write or fence) before the event in
    /// its thread, 0 if there is none. Release sequences start there.
    release_before: u32,
    sc: bool,
    sc_fence: bool,
}

/// Happens-before and sequenced-before views of a graph's events.
#[derive(Default, Debug)]
pub(crate) struct Views {
    /// The graph version the views belong to.
    version: u64,
    /// The graph's count of changed last reads when the views were last brought up to date.
    rf_changes: u64,
    /// Entries per view: at least the number of threads.
    stride: usize,
    /// Whether sequenced-before views are computed.
    with_sb: bool,
    /// Per thread: how many of its first events have views.
    done: Vec<u32>,
    /// Per thread: `done * stride` counts; entry `u` of event `e`'s view is how many events of
    /// thread `u` happen before `e` (in `e`'s own thread, its index).
    hb: Vec<Vec<u32>>,
    /// The same for sequenced-before (program order, spawn and join), when `with_sb`.
    sb: Vec<Vec<u32>>,
    /// Per thread and event.
    info: Vec<Vec<Info>>,
    /// Per thread: how many of its views were found valid for a new graph version so far.
    checked: Vec<u32>,
    /// How many events with views are SC (accesses and fences).
    sc_events: usize,
    /// How many of them are SC fences.
    sc_fences: usize,
    /// How many events with views are accesses or fences weaker than SeqCst.
    weaker_than_sc: usize,
    /// The views being built.
    acc_hb: Vec<u32>,
    acc_sb: Vec<u32>,
}

/// Whether a read in `mode` synchronises with the writes it reads (directly, not through a
/// later fence).
fn acquires(mode: ReadMode) -> bool {
    mode != ReadMode::NonAtomic && mode.is_acquire()
}

pub(crate) fn is_release(l: &Label) -> bool {
    match l {
        Label::Write(w) => w.mode.is_release(),
        Label::Fence(f) => f.is_release(),
        _ => false,
    }
}

pub(crate) fn is_sc(l: &Label) -> bool {
    match l {
        Label::Read(r) => r.mode == ReadMode::SeqCst,
        Label::Write(w) => w.mode == WriteMode::SeqCst,
        Label::Fence(f) => *f == FenceMode::SeqCst,
        _ => false,
    }
}

pub(crate) fn is_sc_fence(l: &Label) -> bool {
    matches!(l, Label::Fence(FenceMode::SeqCst))
}

impl Views {
    /// Forgets every view and sizes the tables for `graph`.
    fn reset(&mut self, graph: &ExecutionGraph) {
        self.version = graph.version();
        self.stride = graph.thread_count().next_multiple_of(8).max(8);
        self.done.clear();
        for v in self.hb.iter_mut().chain(&mut self.sb) {
            v.clear();
        }
        for v in &mut self.info {
            v.clear();
        }
        self.sc_events = 0;
        self.sc_fences = 0;
        self.weaker_than_sc = 0;
    }

    /// Makes room for `threads` threads.
    fn grow(&mut self, threads: usize) {
        if self.done.len() < threads {
            self.done.resize(threads, 0);
        }
        for v in [&mut self.hb, &mut self.sb] {
            if v.len() < threads {
                v.resize_with(threads, Vec::new);
            }
        }
        if self.info.len() < threads {
            self.info.resize_with(threads, Vec::new);
        }
    }

    /// Keeps the views of the first `len` events of thread `t` only.
    fn truncate(&mut self, t: usize, len: u32) {
        let n = len as usize;
        for i in &self.info[t][n..] {
            self.sc_events -= usize::from(i.sc);
            self.sc_fences -= usize::from(i.sc_fence);
        }
        self.done[t] = len;
        self.info[t].truncate(n);
        self.hb[t].truncate(n * self.stride);
        if self.with_sb {
            self.sb[t].truncate(n * self.stride);
        }
    }

    /// Keeps the views that are still valid for `graph`, a different version than the views':
    /// those of events with the same marks whose porf-predecessors kept theirs. Within one
    /// version, events are only added and last reads change, so this is done once per version.
    fn adopt(&mut self, graph: &ExecutionGraph) {
        let threads = graph.thread_count();
        if threads > self.stride {
            self.reset(graph);
            return;
        }
        self.version = graph.version();
        for t in threads..self.done.len() {
            self.truncate(t, 0);
        }
        self.checked.clear();
        self.checked.resize(threads.min(self.done.len()), 0);
        // Marks first, then what each kept view is made of, until nothing changes.
        loop {
            let mut changed = false;
            for t in 0..self.checked.len() {
                let events = graph.thread_events(ThreadId(t as u32));
                let mut i = self.checked[t] as usize;
                while i < self.done[t] as usize {
                    let valid = events
                        .get(i)
                        .is_some_and(|e| mark(&e.label) == self.info[t][i].mark);
                    if !valid {
                        self.truncate(t, i as u32);
                        changed = true;
                        break;
                    }
                    i += 1;
                }
                self.checked[t] = self.done[t];
                for (i, e) in events[..self.done[t] as usize].iter().enumerate() {
                    if !self.ready(graph, e) {
                        self.truncate(t, i as u32);
                        self.checked[t] = i as u32;
                        changed = true;
                        break;
                    }
                }
            }
            if !changed {
                return;
            }
        }
    }

    /// Brings the views up to date with `graph`. False when some events get no view: they lie on
    /// a cycle of `sb ∪ rf`.
    pub(crate) fn update(&mut self, graph: &ExecutionGraph) -> bool {
        let threads = graph.thread_count();
        let (changes, changed) = graph.rf_changes();
        // Which threads' last views to check against their labels: none if no read changed,
        // the changed one if one did, otherwise all.
        let mut check = match changes.wrapping_sub(self.rf_changes) {
            0 => 0..0,
            1 => changed.thread.index()..changed.thread.index() + 1,
            _ => 0..threads,
        };
        self.rf_changes = changes;
        if self.version != graph.version() {
            check = 0..0;
            self.adopt(graph);
        }
        if threads > self.stride {
            self.reset(graph);
        }
        self.grow(threads);
        for t in check.filter(|&t| t < threads) {
            let done = self.done[t] as usize;
            if done == 0 {
                continue;
            }
            let events = graph.thread_events(ThreadId(t as u32));
            let Some(e) = events.get(done - 1) else {
                // Removing events changes the version; this is defensive.
                self.reset(graph);
                self.grow(threads);
                break;
            };
            let (old, new) = (self.info[t][done - 1].mark, mark(&e.label));
            // A thread's last read changed what it reads (nothing is ordered after it, so only
            // its own view can change, and only if it acquires). Anything else: start over.
            match (old, new) {
                _ if old == new => {}
                (Mark::Read(a, _, m), Mark::Read(b, _, n)) if a == b && m == n && !acquires(m) => {
                    self.info[t][done - 1].mark = new;
                }
                (Mark::Read(a, ..), Mark::Read(b, ..)) if a == b => {
                    self.truncate(t, done as u32 - 1);
                }
                _ => {
                    self.reset(graph);
                    self.grow(threads);
                    break;
                }
            }
        }
        if !self.compute_all(graph) {
            return false;
        }
        #[cfg(debug_assertions)]
        self.check_against_fresh(graph);
        if self.sc_events > 0 && !self.with_sb {
            // From now on, sequenced-before too.
            self.with_sb = true;
            self.reset(graph);
            self.grow(threads);
            return self.compute_all(graph);
        }
        true
    }

    /// Debug builds: the kept views must be those a fresh computation gives.
    #[cfg(debug_assertions)]
    fn check_against_fresh(&self, graph: &ExecutionGraph) {
        let mut fresh = Views {
            with_sb: self.with_sb,
            ..Views::default()
        };
        fresh.reset(graph);
        fresh.grow(graph.thread_count());
        fresh.compute_all(graph);
        let threads = graph.thread_count();
        for t in 0..threads {
            assert_eq!(self.done[t], fresh.done[t], "views of thread {t}");
            for i in 0..self.done[t] {
                let id = EventId::new(ThreadId(t as u32), i);
                assert_eq!(
                    self.hb(id)[..threads],
                    fresh.hb(id)[..threads],
                    "hb view of {id:?} in {}",
                    graph.fingerprint()
                );
                if self.with_sb {
                    assert_eq!(self.sb(id)[..threads], fresh.sb(id)[..threads]);
                }
            }
        }
        assert_eq!(
            (self.sc_events, self.sc_fences),
            (fresh.sc_events, fresh.sc_fences)
        );
    }

    /// Computes the missing views; false if some events never become ready.
    fn compute_all(&mut self, graph: &ExecutionGraph) -> bool {
        let threads = graph.thread_count();
        loop {
            let mut progress = false;
            let mut waiting = false;
            for t in 0..threads {
                let thread = ThreadId(t as u32);
                let events = graph.thread_events(thread);
                while (self.done[t] as usize) < events.len() {
                    let i = self.done[t] as usize;
                    if !self.ready(graph, &events[i]) {
                        waiting = true;
                        break;
                    }
                    self.compute(graph, thread, events, i);
                    progress = true;
                }
            }
            if !waiting {
                return true;
            }
            if !progress {
                return false;
            }
        }
    }

    fn has(&self, id: EventId) -> bool {
        self.done
            .get(id.thread.index())
            .is_some_and(|&d| id.index < d)
    }

    /// Whether everything the view of event `e` is made of has a view.
    fn ready(&self, graph: &ExecutionGraph, e: &Event) -> bool {
        match e.label {
            Label::Read(r) => match r.rf {
                Source::Write(w) => self.has(w),
                Source::Init => true,
            },
            Label::Start {
                spawned_by: Some(s),
            } => self.has(s),
            Label::Join { child } => {
                let len = graph.thread_len(child);
                len == 0 || self.has(EventId::new(child, len - 1))
            }
            _ => true,
        }
    }

    /// The happens-before view of `id`: entry `u` is how many events of thread `u` happen
    /// before it.
    pub(crate) fn hb(&self, id: EventId) -> &[u32] {
        let s = self.stride;
        let i = id.index as usize;
        &self.hb[id.thread.index()][i * s..(i + 1) * s]
    }

    /// The sequenced-before view of `id` (once the graph has SC events).
    pub(crate) fn sb(&self, id: EventId) -> &[u32] {
        debug_assert!(self.with_sb);
        let s = self.stride;
        let i = id.index as usize;
        &self.sb[id.thread.index()][i * s..(i + 1) * s]
    }

    /// Whether `a` happens before `b` (both have views).
    pub(crate) fn hb_before(&self, a: EventId, b: EventId) -> bool {
        a.index < self.hb(b)[a.thread.index()]
    }

    /// Whether `a` is sequenced before `b` (once the graph has SC events).
    pub(crate) fn sb_before(&self, a: EventId, b: EventId) -> bool {
        a.index < self.sb(b)[a.thread.index()]
    }

    /// How many SC events (accesses and fences) the graph has.
    pub(crate) fn sc_events(&self) -> usize {
        self.sc_events
    }

    /// How many SC fences the graph has.
    pub(crate) fn sc_fences(&self) -> usize {
        self.sc_fences
    }

    /// How many accesses and fences of the graph are weaker than SeqCst (none: RC11's `psc`
    /// reduces to plain SC, see `model/all_sc.rs`).
    pub(crate) fn weaker_than_sc(&self) -> usize {
        self.weaker_than_sc
    }

    /// Adds `x` and everything before it in `view` to `acc`.
    fn join(acc: &mut [u32], view: &[u32], x: EventId) {
        for (a, &v) in acc.iter_mut().zip(view) {
            *a = (*a).max(v);
        }
        let t = x.thread.index();
        acc[t] = acc[t].max(x.index + 1);
    }

    /// Computes the view of event `i` of `thread`, whose events are `events`.
    fn compute(&mut self, graph: &ExecutionGraph, thread: ThreadId, events: &[Event], i: usize) {
        let t = thread.index();
        let s = self.stride;
        let label = events[i].label;
        let mut hb = std::mem::take(&mut self.acc_hb);
        hb.clear();
        if i == 0 {
            hb.resize(s, 0);
        } else {
            hb.extend_from_slice(&self.hb[t][(i - 1) * s..i * s]);
            hb[t] = i as u32;
        }
        let mut sb = std::mem::take(&mut self.acc_sb);
        if self.with_sb {
            sb.clear();
            if i == 0 {
                sb.resize(s, 0);
            } else {
                sb.extend_from_slice(&self.sb[t][(i - 1) * s..i * s]);
                sb[t] = i as u32;
            }
        }
        match label {
            Label::Start {
                spawned_by: Some(p),
            } => {
                Views::join(&mut hb, self.hb(p), p);
                if self.with_sb {
                    Views::join(&mut sb, self.sb(p), p);
                }
            }
            Label::Join { child } => {
                let len = graph.thread_len(child);
                if len > 0 {
                    let last = EventId::new(child, len - 1);
                    Views::join(&mut hb, self.hb(last), last);
                    if self.with_sb {
                        Views::join(&mut sb, self.sb(last), last);
                    }
                }
            }
            Label::Read(r) if acquires(r.mode) => {
                self.join_synchronised(graph, &mut hb, r.rf);
            }
            Label::Fence(f) if f.is_acquire() => {
                // Everything the relaxed reads before it synchronise with; reads before an
                // earlier acquire fence are already in that fence's view.
                for e in events[..i].iter().rev() {
                    match e.label {
                        Label::Fence(g) if g.is_acquire() => break,
                        Label::Read(r) if r.mode != ReadMode::NonAtomic && !acquires(r.mode) => {
                            self.join_synchronised(graph, &mut hb, r.rf);
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        self.hb[t].extend_from_slice(&hb);
        self.acc_hb = hb;
        if self.with_sb {
            self.sb[t].extend_from_slice(&sb);
        }
        self.acc_sb = sb;
        let release_before = match i {
            0 => 0,
            _ if is_release(&events[i - 1].label) => i as u32,
            _ => self.info[t][i - 1].release_before,
        };
        let info = Info {
            mark: mark(&label),
            release_before,
            sc: is_sc(&label),
            sc_fence: is_sc_fence(&label),
        };
        self.sc_events += usize::from(info.sc);
        self.sc_fences += usize::from(info.sc_fence);
        let access_or_fence = matches!(label, Label::Read(_) | Label::Write(_) | Label::Fence(_));
        self.weaker_than_sc += usize::from(access_or_fence && !info.sc);
        self.info[t].push(info);
        self.done[t] += 1;
    }

    /// Adds to `acc` the views of the release events whose release sequences contain `src`:
    /// `sw = [E⊒rel]; ([F]; po)?; rs; rf` with `rs = [W]; po|loc?; [W⊒rlx]; (rf; rmw)*`.
    fn join_synchronised(&self, graph: &ExecutionGraph, acc: &mut [u32], src: Source) {
        let Source::Write(mut w) = src else { return };
        loop {
            let Label::Write(label) = graph.event(w).label else {
                return;
            };
            if let Some(head) = self.release_head(graph, w, &label) {
                Views::join(acc, self.hb(head), head);
            }
            if !label.rmw || w.index == 0 {
                return;
            }
            match graph.event(EventId::new(w.thread, w.index - 1)).label {
                Label::Read(r) => match r.rf {
                    Source::Write(prev) => w = prev,
                    Source::Init => return,
                },
                _ => return,
            }
        }
    }

    /// The latest release event whose release sequence reaches the atomic write `w` through
    /// `po|loc?`: `w` itself, an earlier release write to its location, or an earlier release
    /// fence. Later ones see more, so the latest is enough.
    fn release_head(
        &self,
        graph: &ExecutionGraph,
        w: EventId,
        label: &WriteLabel,
    ) -> Option<EventId> {
        if label.mode == WriteMode::NonAtomic {
            return None;
        }
        if label.mode.is_release() {
            return Some(w);
        }
        let info = &self.info[w.thread.index()];
        let events = graph.thread_events(w.thread);
        let mut k = info[w.index as usize].release_before;
        while k > 0 {
            let x = k as usize - 1;
            match events[x].label {
                Label::Fence(f) if f.is_release() => return Some(EventId::new(w.thread, k - 1)),
                Label::Write(o) if o.mode.is_release() && o.loc == label.loc => {
                    return Some(EventId::new(w.thread, k - 1))
                }
                _ => {}
            }
            k = info[x].release_before;
        }
        None
    }
}
