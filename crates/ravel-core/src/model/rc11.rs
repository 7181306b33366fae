//! Repaired C11 (RC11): Lahav, Vafeiadis, Kang, Hur and Dreyer, "Repairing Sequential Consistency
//! in C/C++11", PLDI 2017, as encoded in herd7's `rc11.cat`.
//!
//! With `sb` the sequenced-before order, a graph is consistent when
//! * coherence: `irreflexive(hb ; eco?)`, and `irreflexive(rmw ; eco)`;
//! * atomicity: `empty(rmw ∩ (rb ; mo))`;
//! * SC: `acyclic(psc)`, `psc = psc_base ∪ psc_F`, where
//!   `scb = sb ∪ sb|≠loc ; hb ; sb|≠loc ∪ hb|loc ∪ mo ∪ rb`,
//!   `psc_base = ([E_sc] ∪ [F_sc] ; hb?) ; scb ; ([E_sc] ∪ hb? ; [F_sc])` and
//!   `psc_F = [F_sc] ; (hb ∪ hb ; eco ; hb) ; [F_sc]`;
//! * no-thin-air: `acyclic(sb ∪ rf)`;
//!
//! with `rs = [W] ; po|loc? ; [W⊒rlx] ; (rf ; rmw)*`,
//! `sw = [E⊒rel] ; ([F] ; po)? ; rs ; rf ; [R⊒rlx] ; (po ; [F])? ; [E⊒acq]`,
//! `hb = (sb ∪ sw)+` and `eco = (rf ∪ mo ∪ rb)+`. Data races (herd's `dr`) are reported by
//! [`Rc11::data_race`], not by consistency.
//!
//! How it is checked (GenMC's approach, Kokologiannakis and Vafeiadis, CAV 2021; the code is
//! ravel's own), in time linear in the events times the threads rather than cubic in the events:
//! * `hb` and `sb` are per-event views ([`super::views`]), computed in porf order, which also
//!   decides no-thin-air (an event that never becomes ready is on an `sb ∪ rf` cycle), and kept
//!   between checks (only the views of added or changed events are computed again).
//! * Coherence and atomicity, together, are per location: give every access a coherence *key*
//!   (a write its position in `mo`, a read the position of the write it reads, the initial
//!   write being 0). `hb ; eco?` is irreflexive exactly when, for every `a hb b` at one
//!   location, `key(a) < key(b)` if `b` is a write and `key(a) ≤ key(b)` if `b` is a read.
//!   Along each thread's accesses keys then only grow, so for every access it is enough to look
//!   at the last access of each thread before it in `hb`. Atomicity is "the write half of a
//!   read-modify-write comes right after what its read read in `mo`", which with coherence is
//!   `empty(rmw ∩ (rb ; mo))` and `irreflexive(rmw ; eco)`.
//! * After one event was added to (or re-chosen in) a consistent graph, only pairs with that
//!   event can break coherence: [`MemoryModel::is_consistent_with`] checks just those.
//! * `psc` only relates SC events. Without SC fences it is checked on the SC accesses alone:
//!   `sb|≠loc ; hb ; sb|≠loc` from `x` to `y` holds exactly when the first event after `x` in its
//!   thread at another location happens before the last event before `y` in its thread at another
//!   location. With SC fences, the relations are built as bit matrices. Programs without SC
//!   events skip `psc`.
//!
//! Mapping and deviations:
//! * `sb` is program order plus spawn (spawn → child's start) and join (child's last event →
//!   join) edges: thread creation and joining synchronise, as in C11's `thrd_create`/`thrd_join`.
//!   `po` in `rs`, `sw` and fences stays within a thread.
//! * Mutexes: a lock or `try_lock` is an acquire read-modify-write, an unlock a release write.
//! * The initial writes are implicit: a read of the initial value is `rb`-before every write to
//!   its location; initial writes are not part of `hb`.
//! * A compare-and-exchange's read has the ordering that applies to what it reads: its success
//!   ordering's read part when it succeeds, its failure ordering when it fails (the graph keeps
//!   both and sets the read's mode with what it reads).

use super::all_sc::AllScCheck;
use super::relation::{EventTable, Rel};
use super::views::{is_sc, is_sc_fence, Views};
use super::MemoryModel;
use crate::event::{Loc, ReadMode, ThreadId, WriteMode};
use crate::graph::{EventId, ExecutionGraph, Label, Source};

/// The RC11 model.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rc11;

/// One access of a location: its place and its coherence key.
#[derive(Clone, Copy, Debug)]
struct Access {
    thread: u32,
    index: u32,
    key: u32,
    write: bool,
}

/// What a check needs, kept between checks.
#[derive(Default)]
struct Checker {
    views: Views,
    /// Per thread and event: a write's position in coherence order (from 1), filled for the
    /// locations a check looks at.
    positions: Vec<Vec<u32>>,
    /// The accesses of one location, thread by thread in program order.
    accesses: Vec<Access>,
    /// Runs of `accesses` of one thread: (thread, start, end).
    runs: Vec<(u32, usize, usize)>,
    /// The SC accesses, and around each the nearest events of its thread at another location.
    sc: Vec<EventId>,
    after_other: Vec<Option<EventId>>,
    before_other: Vec<Option<EventId>>,
    psc: Rel,
    kahn: Vec<u32>,
    matrices: Matrices,
    /// The linear check for graphs whose accesses are all SeqCst.
    all_sc: AllScCheck,
}

/// Bit-matrix relations for `psc` with SC fences.
#[derive(Default)]
struct Matrices {
    ev: EventTable,
    sb: Rel,
    hb: Rel,
    rf: Rel,
    co: Rel,
    fr: Rel,
    eco: Rel,
    a: Rel,
    b: Rel,
    c: Rel,
    d: Rel,
}

thread_local! {
    static CHECKER: std::cell::RefCell<Checker> = std::cell::RefCell::new(Checker::default());
}

/// Whether `hb` equals porf in `graph`: no SC access and no fence (so no `psc` either), and
/// every read of another thread's write is an acquire read of a release write, so that every
/// such `rf` edge is an `sw` edge (the write heads its own release sequence). Mutex-based
/// programs are like this: a lock acquisition reads the release of an unlock. A linear scan,
/// far cheaper than bringing the views up to date.
fn synchronising_reads_only(graph: &ExecutionGraph) -> bool {
    (0..graph.thread_count() as u32).map(ThreadId).all(|t| {
        graph.thread_events(t).iter().all(|e| match e.label {
            Label::Read(r) => {
                r.mode != ReadMode::SeqCst
                    && match r.rf {
                        Source::Init => true,
                        Source::Write(w) if w.thread == t => true,
                        Source::Write(w) => {
                            r.mode == ReadMode::Acquire && graph.write(w).mode == WriteMode::Release
                        }
                    }
            }
            Label::Write(w) => w.mode != WriteMode::SeqCst,
            Label::Fence(_) => false,
            _ => true,
        })
    })
}

fn is_atomic(l: &Label) -> bool {
    match l {
        Label::Read(r) => r.mode != ReadMode::NonAtomic,
        Label::Write(w) => w.mode != WriteMode::NonAtomic,
        _ => false,
    }
}

impl Checker {
    /// Sizes `positions` for `graph`.
    fn size_positions(&mut self, graph: &ExecutionGraph) {
        let threads = graph.thread_count();
        if self.positions.len() < threads {
            self.positions.resize_with(threads, Vec::new);
        }
        for (t, p) in self.positions.iter_mut().enumerate().take(threads) {
            let len = graph.thread_len(ThreadId(t as u32)) as usize;
            if p.len() < len {
                p.resize(len, 0);
            }
        }
    }

    fn note_positions(&mut self, list: &[EventId]) {
        for (p, w) in list.iter().enumerate() {
            self.positions[w.thread.index()][w.index as usize] = p as u32 + 1;
        }
    }

    /// The coherence position of `src` (0 for the initial write); its location's positions
    /// must have been noted.
    fn position(&self, src: Source) -> u32 {
        match src {
            Source::Init => 0,
            Source::Write(w) => self.positions[w.thread.index()][w.index as usize],
        }
    }

    /// Atomicity of the write at position `p` of `list` (one location's coherence order): if
    /// it is the write half of a read-modify-write, it comes right after what its read read.
    fn atomic_at(graph: &ExecutionGraph, list: &[EventId], p: usize) -> bool {
        let w = list[p];
        if !graph.write(w).rmw || w.index == 0 {
            return true;
        }
        let before = match p {
            0 => Source::Init,
            _ => Source::Write(list[p - 1]),
        };
        match graph.event(EventId::new(w.thread, w.index - 1)).label {
            Label::Read(r) => r.rf == before,
            _ => true,
        }
    }

    /// Atomicity after a write was placed at position `p` of `list`: only it and the write
    /// after it can have lost it.
    fn atomic_around(graph: &ExecutionGraph, list: &[EventId], p: usize) -> bool {
        Checker::atomic_at(graph, list, p)
            && (p + 1 == list.len() || Checker::atomic_at(graph, list, p + 1))
    }

    fn consistent(&mut self, graph: &ExecutionGraph) -> bool {
        if !self.views.update(graph) {
            return false;
        }
        self.size_positions(graph);
        for (loc, list) in graph.co_lists() {
            if list.is_empty() {
                continue;
            }
            self.note_positions(list);
            if !(0..list.len()).all(|p| Checker::atomic_at(graph, list, p))
                || !self.coherent_location(graph, loc, list)
            {
                return false;
            }
        }
        self.sc_consistent(graph)
    }

    /// Coherence at `loc`, whose writes in coherence order are `list`.
    fn coherent_location(&mut self, graph: &ExecutionGraph, loc: Loc, list: &[EventId]) -> bool {
        self.accesses.clear();
        for &w in list {
            let key = self.position(Source::Write(w));
            self.accesses.push(Access {
                thread: w.thread.0,
                index: w.index,
                key,
                write: true,
            });
        }
        for &r in graph.reads_of(loc) {
            let key = self.position(graph.read(r).rf);
            self.accesses.push(Access {
                thread: r.thread.0,
                index: r.index,
                key,
                write: false,
            });
        }
        self.accesses.sort_unstable_by_key(|a| (a.thread, a.index));
        self.runs.clear();
        for (k, a) in self.accesses.iter().enumerate() {
            match self.runs.last_mut() {
                Some(run) if run.0 == a.thread => run.2 = k + 1,
                _ => self.runs.push((a.thread, k, k + 1)),
            }
        }
        for k in 0..self.accesses.len() {
            let b = self.accesses[k];
            let view = self.views.hb(EventId::new(ThreadId(b.thread), b.index));
            // The access before in the same thread happens before; with it checked, keys grow
            // along every thread, so the last access of each thread before `b` in hb decides.
            let mut floor = match k.checked_sub(1).map(|j| self.accesses[j]) {
                Some(a) if a.thread == b.thread => a.key,
                _ => 0,
            };
            for &(thread, start, end) in &self.runs {
                if thread == b.thread {
                    continue;
                }
                let limit = view[thread as usize];
                if limit == 0 {
                    continue;
                }
                let run = &self.accesses[start..end];
                let n = run.partition_point(|a| a.index < limit);
                if n > 0 {
                    floor = floor.max(run[n - 1].key);
                }
            }
            if (b.write && b.key <= floor) || b.key < floor {
                return false;
            }
        }
        true
    }

    /// Consistency of a graph that is consistent without `event` (the last event of its thread,
    /// read by nobody).
    fn consistent_with(&mut self, graph: &ExecutionGraph, event: EventId) -> bool {
        if super::all_sc::only_sc_accesses(graph) {
            // RC11 is SC here (see `all_sc`): atomicity, then a search from the one event,
            // without the views.
            let atomic = match graph.event(event).label {
                Label::Write(w) => {
                    let p = graph.co_position(w.loc, Source::Write(event)) - 1;
                    Checker::atomic_around(graph, graph.co_order(w.loc), p)
                }
                _ => true,
            };
            if !atomic {
                return false;
            }
            if let Some(answer) = super::sc::acyclic_with(graph, event) {
                return answer;
            }
        }
        if synchronising_reads_only(graph) {
            // `hb` is porf here, which the graph keeps per event: no views needed, and with no
            // SC event there is no `psc` to check.
            let prefix = graph.porf_prefix(event);
            return self.coherent_with(graph, event, |x| prefix.contains(x));
        }
        if !self.views.update(graph) {
            return false;
        }
        // Moved out while `coherent_with` uses the rest of the checker.
        let views = std::mem::take(&mut self.views);
        let hb = views.hb(event);
        let coherent = self.coherent_with(graph, event, |x| x.index < hb[x.thread.index()]);
        self.views = views;
        coherent && self.sc_consistent(graph)
    }

    /// Coherence and atomicity at the location of `event` (the last event of its thread, read
    /// by nobody, in a graph consistent without it), given what happens before it.
    fn coherent_with(
        &mut self,
        graph: &ExecutionGraph,
        event: EventId,
        before: impl Fn(EventId) -> bool,
    ) -> bool {
        let label = graph.event(event).label;
        let Some(loc) = label.loc() else {
            return true;
        };
        self.size_positions(graph);
        let list = graph.co_order(loc);
        self.note_positions(list);
        // The largest key of an access at `loc` that happens before the event.
        let mut floor = list
            .iter()
            .rposition(|&w| w != event && before(w))
            .map_or(0, |p| p as u32 + 1);
        for &r in graph.reads_of(loc) {
            if r != event && before(r) {
                floor = floor.max(self.position(graph.read(r).rf));
            }
        }
        match label {
            Label::Read(r) => self.position(r.rf) >= floor,
            _ => {
                let p = self.position(Source::Write(event)) as usize - 1;
                p as u32 + 1 > floor && Checker::atomic_around(graph, list, p)
            }
        }
    }

    /// `acyclic(psc)`, given up-to-date views.
    fn sc_consistent(&mut self, graph: &ExecutionGraph) -> bool {
        if self.views.sc_events() == 0 {
            return true;
        }
        if self.views.sc_fences() > 0 {
            return self.psc_with_fences(graph);
        }
        // No fence at all (SC fences were handled above) and every access SeqCst.
        if self.views.weaker_than_sc() == 0 {
            let answer = self.all_sc.acyclic(graph);
            debug_assert_eq!(answer, self.psc_pairwise(graph), "{}", graph.fingerprint());
            return answer;
        }
        self.psc_pairwise(graph)
    }

    /// `acyclic(psc)` without SC fences, from `scb` between every pair of SC accesses.
    fn psc_pairwise(&mut self, graph: &ExecutionGraph) -> bool {
        self.size_positions(graph);
        for (_, list) in graph.co_lists() {
            self.note_positions(list);
        }
        self.sc.clear();
        self.after_other.clear();
        self.before_other.clear();
        for (id, e) in graph.events() {
            if !is_sc(&e.label) {
                continue;
            }
            let loc = e.label.loc();
            let events = graph.thread_events(id.thread);
            let other = |j: &usize| events[*j].label.loc() != loc;
            self.sc.push(id);
            self.after_other.push(
                (id.index as usize + 1..events.len())
                    .find(other)
                    .map(|j| EventId::new(id.thread, j as u32)),
            );
            self.before_other.push(
                (0..id.index as usize)
                    .rev()
                    .find(other)
                    .map(|j| EventId::new(id.thread, j as u32)),
            );
        }
        let m = self.sc.len();
        self.psc.reset(m);
        for a in 0..m {
            for b in 0..m {
                if a != b && self.scb(graph, a, b) {
                    self.psc.set(a, b);
                }
            }
        }
        self.psc.is_acyclic(&mut self.kahn)
    }

    /// `scb` between the `a`-th and `b`-th SC accesses (no SC fences).
    fn scb(&self, graph: &ExecutionGraph, a: usize, b: usize) -> bool {
        let (x, y) = (self.sc[a], self.sc[b]);
        if self.views.sb_before(x, y) {
            return true;
        }
        let (lx, ly) = (graph.event(x).label, graph.event(y).label);
        if lx.loc() == ly.loc() {
            if self.views.hb_before(x, y) {
                return true;
            }
            let from = match lx {
                Label::Write(_) => self.position(Source::Write(x)),
                Label::Read(r) => self.position(r.rf),
                _ => return false,
            };
            // mo and rb.
            if matches!(ly, Label::Write(_)) && from < self.position(Source::Write(y)) {
                return true;
            }
        }
        match (self.after_other[a], self.before_other[b]) {
            (Some(j), Some(k)) => self.views.hb_before(j, k),
            _ => false,
        }
    }

    /// `acyclic(psc)` with SC fences, on bit matrices over all events.
    fn psc_with_fences(&mut self, graph: &ExecutionGraph) -> bool {
        let m = &mut self.matrices;
        let views = &self.views;
        m.ev.fill(graph);
        let ev = &m.ev;
        let n = ev.len();
        m.hb.reset(n);
        m.sb.reset(n);
        for y in 0..n {
            let id = ev.ids[y];
            for (u, (&h, &s)) in views.hb(id).iter().zip(views.sb(id)).enumerate() {
                if u >= ev.thread_count() {
                    break;
                }
                let base = ev.index(EventId::new(ThreadId(u as u32), 0));
                for x in base..base + h as usize {
                    m.hb.set(x, y);
                }
                for x in base..base + s as usize {
                    m.sb.set(x, y);
                }
            }
        }
        ev.rf_co_fr(graph, &mut m.rf, &mut m.co, &mut m.fr);
        let same_loc = |a: usize, b: usize| ev.loc(a).is_some() && ev.loc(a) == ev.loc(b);
        // sb|≠loc into `a`.
        m.a.reset(n);
        for i in 0..n {
            for j in m.sb.succ(i) {
                if !same_loc(i, j) {
                    m.a.set(i, j);
                }
            }
        }
        // sb|≠loc; hb; sb|≠loc into `c`.
        m.b.compose(&m.a, &m.hb);
        m.c.compose(&m.b, &m.a);
        // scb = sb ∪ that ∪ hb|loc ∪ mo ∪ rb, into `c`.
        m.c.union_with(&m.sb);
        m.c.union_with(&m.co);
        m.c.union_with(&m.fr);
        for i in 0..n {
            for j in m.hb.succ(i) {
                if same_loc(i, j) {
                    m.c.set(i, j);
                }
            }
        }
        // Left: [E_sc] ∪ [F_sc]; hb?, into `a`.
        m.a.reset(n);
        for i in (0..n).filter(|&i| is_sc(&ev.labels[i])) {
            m.a.set(i, i);
            if is_sc_fence(&ev.labels[i]) {
                for j in m.hb.succ(i) {
                    m.a.set(i, j);
                }
            }
        }
        // Right: [E_sc] ∪ hb?; [F_sc], into `d`.
        m.d.reset(n);
        for i in 0..n {
            if is_sc(&ev.labels[i]) {
                m.d.set(i, i);
            }
            for j in m.hb.succ(i) {
                if is_sc_fence(&ev.labels[j]) {
                    m.d.set(i, j);
                }
            }
        }
        // psc_base = left; scb; right, into `c` (via `b`).
        m.b.compose(&m.a, &m.c);
        m.c.compose(&m.b, &m.d);
        // psc_F = [F_sc]; (hb ∪ hb; eco; hb); [F_sc], added to `c`.
        m.eco.copy_from(&m.rf);
        m.eco.union_with(&m.co);
        m.eco.union_with(&m.fr);
        m.eco.close();
        m.a.compose(&m.hb, &m.eco);
        m.b.copy_from(&m.hb);
        m.b.add_compose(&m.a, &m.hb);
        for i in (0..n).filter(|&i| is_sc_fence(&ev.labels[i])) {
            for j in m.b.succ(i) {
                if is_sc_fence(&ev.labels[j]) {
                    m.c.set(i, j);
                }
            }
        }
        m.c.is_acyclic(&mut self.kahn)
    }

    fn data_race(&mut self, graph: &ExecutionGraph) -> Option<(EventId, EventId)> {
        if !self.views.update(graph) {
            return None;
        }
        let accesses: Vec<(EventId, Label)> = graph
            .events()
            .filter(|(_, e)| e.label.loc().is_some())
            .map(|(id, e)| (id, e.label))
            .collect();
        for (k, &(a, la)) in accesses.iter().enumerate() {
            for &(b, lb) in &accesses[k + 1..] {
                let write = matches!(la, Label::Write(_)) || matches!(lb, Label::Write(_));
                if a.thread == b.thread
                    || la.loc() != lb.loc()
                    || !write
                    || (is_atomic(&la) && is_atomic(&lb))
                    || self.views.hb_before(a, b)
                    || self.views.hb_before(b, a)
                {
                    continue;
                }
                return Some((a, b));
            }
        }
        None
    }
}

impl Rc11 {
    /// A data race of `graph` under RC11 (herd's `dr`): two accesses to the same location from
    /// different threads, at least one a write and at least one non-atomic, ordered by `hb`
    /// neither way. Answers the first such pair (in thread-by-thread event order), or `None`
    /// (also for a graph with a cycle in `sb ∪ rf`, which is not consistent).
    /// Under RC11 a program with a racy consistent execution has undefined behaviour.
    pub fn data_race(graph: &ExecutionGraph) -> Option<(EventId, EventId)> {
        CHECKER.with(|c| c.borrow_mut().data_race(graph))
    }
}

impl MemoryModel for Rc11 {
    fn name(&self) -> &'static str {
        "rc11"
    }

    fn reads_respect_porf(&self) -> bool {
        false
    }

    fn is_interleaving(&self) -> bool {
        false
    }

    fn is_consistent(&self, graph: &ExecutionGraph) -> bool {
        CHECKER.with(|c| c.borrow_mut().consistent(graph))
    }

    fn is_consistent_with(&self, graph: &ExecutionGraph, event: EventId) -> bool {
        let answer = CHECKER.with(|c| c.borrow_mut().consistent_with(graph, event));
        debug_assert_eq!(
            answer,
            self.is_consistent(graph),
            "{event:?} in {}",
            graph.fingerprint()
        );
        answer
    }
}
