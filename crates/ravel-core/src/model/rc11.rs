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
//! Mapping and deviations:
//! * `sb` is program order plus spawn (spawn → child's start) and join (child's last event →
//!   join) edges: thread creation and joining synchronise, as in C11's `thrd_create`/`thrd_join`.
//!   `po` in `rs`, `sw` and fences stays within a thread.
//! * Mutexes: a lock or `try_lock` is an acquire read-modify-write, an unlock a release write.
//! * The initial writes are implicit: a read of the initial value is `rb`-before every write to
//!   its location; initial writes are not part of `hb`.
//! * A failed compare-and-exchange is judged with its success ordering's read part: the graph's
//!   read label records only that ordering, not the failure ordering (so herd's
//!   `MP+rel+casfail-acq`, an acquire failure ordering under a relaxed success ordering, does not
//!   synchronise here).
//! * Atomicity is checked as "the write half of a read-modify-write is immediately
//!   coherence-after what its read read", which is `empty(rmw ∩ (rb ; mo))`.

use super::relation::{EventTable, Rel};
use super::MemoryModel;
use crate::event::{FenceMode, ReadMode, WriteMode};
use crate::graph::{EventId, ExecutionGraph, Label};

/// The RC11 model.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rc11;

#[derive(Default)]
struct Scratch {
    ev: EventTable,
    po: Rel,
    sync: Rel,
    sb: Rel,
    rf: Rel,
    co: Rel,
    fr: Rel,
    hb: Rel,
    eco: Rel,
    a: Rel,
    b: Rel,
    c: Rel,
    d: Rel,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

fn is_atomic_read(l: &Label) -> bool {
    matches!(l, Label::Read(r) if r.mode != ReadMode::NonAtomic)
}

fn is_atomic_write(l: &Label) -> bool {
    matches!(l, Label::Write(w) if w.mode != WriteMode::NonAtomic)
}

fn is_atomic(l: &Label) -> bool {
    is_atomic_read(l) || is_atomic_write(l)
}

fn is_release(l: &Label) -> bool {
    match l {
        Label::Write(w) => w.mode.is_release(),
        Label::Fence(f) => f.is_release(),
        _ => false,
    }
}

fn is_acquire(l: &Label) -> bool {
    match l {
        Label::Read(r) => r.mode.is_acquire(),
        Label::Fence(f) => f.is_acquire(),
        _ => false,
    }
}

fn is_sc(l: &Label) -> bool {
    match l {
        Label::Read(r) => r.mode == ReadMode::SeqCst,
        Label::Write(w) => w.mode == WriteMode::SeqCst,
        Label::Fence(f) => *f == FenceMode::SeqCst,
        _ => false,
    }
}

fn is_sc_fence(l: &Label) -> bool {
    matches!(l, Label::Fence(FenceMode::SeqCst))
}

impl Scratch {
    /// Fills `ev`, `po`, `sync`, `sb`, `rf`, `co`, `fr` and `hb`.
    fn base(&mut self, graph: &ExecutionGraph) {
        self.ev.fill(graph);
        let n = self.ev.len();
        self.ev.po_and_sync(&mut self.po, &mut self.sync);
        self.sb.copy_from(&self.po);
        self.sb.union_with(&self.sync);
        self.sb.close();
        self.ev
            .rf_co_fr(graph, &mut self.rf, &mut self.co, &mut self.fr);
        let ev = &self.ev;
        // rs = [W]; po|loc?; [W⊒rlx]; (rf; rmw)*, into `a`.
        // First (rf; rmw) into `b` and its reflexive-transitive closure.
        self.b.reset(n);
        for i in 0..n {
            if ev.is_rmw_write(i) {
                for w in (0..n).filter(|&w| self.rf.has(w, i - 1)) {
                    self.b.set(w, i);
                }
            }
        }
        self.b.close();
        for i in 0..n {
            self.b.set(i, i);
        }
        self.c.reset(n);
        for i in (0..n).filter(|&i| ev.is_write(i)) {
            if is_atomic_write(&ev.labels[i]) {
                self.c.set(i, i);
            }
            for j in self.po.succ(i) {
                if is_atomic_write(&ev.labels[j]) && ev.loc(j) == ev.loc(i) {
                    self.c.set(i, j);
                }
            }
        }
        self.a.compose(&self.c, &self.b);
        // [E⊒rel]; ([F]; po)?, into `c`.
        self.c.reset(n);
        for i in (0..n).filter(|&i| is_release(&ev.labels[i])) {
            self.c.set(i, i);
            if matches!(ev.labels[i], Label::Fence(_)) {
                for j in self.po.succ(i) {
                    self.c.set(i, j);
                }
            }
        }
        // ...; rs, into `d`; then ...; rf; [R⊒rlx], into `b`.
        self.d.compose(&self.c, &self.a);
        self.b.compose(&self.d, &self.rf);
        // (po; [F])?; [E⊒acq], into `c`.
        self.c.reset(n);
        for i in (0..n).filter(|&i| is_atomic_read(&ev.labels[i])) {
            if is_acquire(&ev.labels[i]) {
                self.c.set(i, i);
            }
            for j in self.po.succ(i) {
                if matches!(ev.labels[j], Label::Fence(_)) && is_acquire(&ev.labels[j]) {
                    self.c.set(i, j);
                }
            }
        }
        // sw into `d`, hb = (sb ∪ sw)+.
        self.d.compose(&self.b, &self.c);
        self.hb.copy_from(&self.sb);
        self.hb.union_with(&self.d);
        self.hb.close();
    }

    fn consistent(&mut self, graph: &ExecutionGraph) -> bool {
        self.ev.fill(graph);
        if !self.ev.rmw_atomic(graph) {
            return false;
        }
        self.base(graph);
        let n = self.ev.len();
        // no-thin-air: acyclic(sb ∪ rf).
        self.a.copy_from(&self.sb);
        self.a.union_with(&self.rf);
        if !self.a.acyclic_with(&mut self.b) {
            return false;
        }
        // eco = (rf ∪ mo ∪ rb)+.
        self.eco.copy_from(&self.rf);
        self.eco.union_with(&self.co);
        self.eco.union_with(&self.fr);
        self.eco.close();
        // coherence: irreflexive(hb; eco?) and irreflexive(rmw; eco).
        if !self.hb.irreflexive() {
            return false;
        }
        for i in 0..n {
            if self.hb.succ(i).any(|j| self.eco.has(j, i)) {
                return false;
            }
            if self.ev.is_rmw_write(i) && self.eco.has(i, i - 1) {
                return false;
            }
        }
        self.sc_ok()
    }

    /// `acyclic(psc)`.
    fn sc_ok(&mut self) -> bool {
        let ev = &self.ev;
        let n = ev.len();
        if !(0..n).any(|i| is_sc(&ev.labels[i])) {
            return true;
        }
        let same_loc = |a: usize, b: usize| ev.loc(a).is_some() && ev.loc(a) == ev.loc(b);
        // sb|≠loc into `a`.
        self.a.reset(n);
        for i in 0..n {
            for j in self.sb.succ(i) {
                if !same_loc(i, j) {
                    self.a.set(i, j);
                }
            }
        }
        // sb|≠loc; hb; sb|≠loc into `c`.
        self.b.compose(&self.a, &self.hb);
        self.c.compose(&self.b, &self.a);
        // scb = sb ∪ that ∪ hb|loc ∪ mo ∪ rb, into `c`.
        self.c.union_with(&self.sb);
        self.c.union_with(&self.co);
        self.c.union_with(&self.fr);
        for i in 0..n {
            for j in self.hb.succ(i) {
                if same_loc(i, j) {
                    self.c.set(i, j);
                }
            }
        }
        // Left: [E_sc] ∪ [F_sc]; hb?, into `a`.
        self.a.reset(n);
        for i in (0..n).filter(|&i| is_sc(&ev.labels[i])) {
            self.a.set(i, i);
            if is_sc_fence(&ev.labels[i]) {
                for j in self.hb.succ(i) {
                    self.a.set(i, j);
                }
            }
        }
        // Right: [E_sc] ∪ hb?; [F_sc], into `d`.
        self.d.reset(n);
        for i in 0..n {
            if is_sc(&ev.labels[i]) {
                self.d.set(i, i);
            }
            for j in self.hb.succ(i) {
                if is_sc_fence(&ev.labels[j]) {
                    self.d.set(i, j);
                }
            }
        }
        // psc_base = left; scb; right, into `c` (via `b`).
        self.b.compose(&self.a, &self.c);
        self.c.compose(&self.b, &self.d);
        // psc_F = [F_sc]; (hb ∪ hb; eco; hb); [F_sc], added to `c`.
        if (0..n).any(|i| is_sc_fence(&ev.labels[i])) {
            self.a.compose(&self.hb, &self.eco);
            self.b.copy_from(&self.hb);
            self.b.add_compose(&self.a, &self.hb);
            for i in (0..n).filter(|&i| is_sc_fence(&ev.labels[i])) {
                for j in self.b.succ(i) {
                    if is_sc_fence(&ev.labels[j]) {
                        self.c.set(i, j);
                    }
                }
            }
        }
        self.c.acyclic_with(&mut self.a)
    }

    fn data_race(&mut self, graph: &ExecutionGraph) -> Option<(EventId, EventId)> {
        self.base(graph);
        let ev = &self.ev;
        let n = ev.len();
        for a in 0..n {
            let Some(loc) = ev.loc(a) else { continue };
            for b in a + 1..n {
                if ev.threads[a] == ev.threads[b]
                    || ev.loc(b) != Some(loc)
                    || !(ev.is_write(a) || ev.is_write(b))
                    || (is_atomic(&ev.labels[a]) && is_atomic(&ev.labels[b]))
                    || self.hb.has(a, b)
                    || self.hb.has(b, a)
                {
                    continue;
                }
                return Some((ev.ids[a], ev.ids[b]));
            }
        }
        None
    }
}

impl Rc11 {
    /// A data race of `graph` under RC11 (herd's `dr`): two accesses to the same location from
    /// different threads, at least one a write and at least one non-atomic, ordered by `hb`
    /// neither way. Answers the first such pair (in thread-by-thread event order), or `None`.
    /// Under RC11 a program with a racy consistent execution has undefined behaviour.
    pub fn data_race(graph: &ExecutionGraph) -> Option<(EventId, EventId)> {
        SCRATCH.with(|s| s.borrow_mut().data_race(graph))
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
        SCRATCH.with(|s| s.borrow_mut().consistent(graph))
    }
}
