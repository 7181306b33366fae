//! x86-TSO (Owens, Sarkar and Sewell, "A better x86 memory model: x86-TSO", TPHOLs 2009), in the
//! axiomatic form of herd7's `x86tso.cat`:
//! * uniproc: `acyclic(po-loc ∪ rf ∪ fr ∪ co)`;
//! * atomicity: `empty(rmw ∩ (fre ; coe))`;
//! * `acyclic(ghb)`, `ghb = mfence ∪ implied ∪ ppo ∪ rfe ∪ fr ∪ co`, where `ppo` is program order
//!   between memory accesses minus write→read pairs, `implied` the write→read program-order
//!   pairs with a locked access on either side, and `mfence` the pairs with an `MFENCE` between.
//!
//! How ravel's events map to x86:
//! * every read is a `MOV` load;
//! * a `NonAtomic`, `Relaxed` or `Release` write is a `MOV` store;
//! * a `SeqCst` plain write is an `XCHG` (a locked read-modify-write whose read is not modelled):
//!   it is a locked access, so it orders like a fence;
//! * a read-modify-write (fetch-and-op, swap, compare-and-exchange, lock, `try_lock`) is a
//!   `LOCK`-prefixed instruction: both halves are locked accesses;
//! * `Fence(SeqCst)` is `MFENCE`; other fences compile to nothing;
//! * an unlock is a `MOV` store.
//!
//! Deviations:
//! * A failed compare-and-exchange (or failed `try_lock`) is still a locked access, as
//!   `LOCK CMPXCHG` is on real hardware (herd's x86 dialect has no `CMPXCHG`).
//! * Thread spawn and join synchronise fully: spawn, join, start and finish events act as
//!   `MFENCE`s, with edges from spawn to the child's start and from the child's last event to
//!   the join.
//! * Atomicity is checked as `empty(rmw ∩ (fr ; co))`, equivalent under uniproc.
//! * A locked instruction performed write first ([`ReadKind::RmwAfterWrite`], x86 litmus tests
//!   only, see [`super::X86Locked`]) is herd's `XCHG` or `LOCK ADD`: its two halves are locked
//!   accesses that `po` does not order, and atomicity is herd's `empty(rmw ∩ (fre ; coe))`,
//!   which [`super::X86Locked`] checks.

use super::relation::{EventTable, Rel};
use super::MemoryModel;
use crate::event::{FenceMode, WriteMode};
use crate::graph::{ExecutionGraph, Label, ReadKind};

/// The x86-TSO model.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tso;

#[derive(Default)]
struct Scratch {
    ev: EventTable,
    po: Rel,
    sync: Rel,
    rf: Rel,
    co: Rel,
    fr: Rel,
    rel: Rel,
    kahn: Vec<u32>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Whether the event is a locked access (part of a locked instruction).
fn is_locked(l: &Label) -> bool {
    match l {
        Label::Read(r) => !matches!(
            r.kind,
            ReadKind::Plain | ReadKind::WaitStart | ReadKind::WaitWake { .. }
        ),
        Label::Write(w) => w.rmw || w.mode == WriteMode::SeqCst,
        _ => false,
    }
}

/// Whether the event orders everything before it before everything after it in its thread.
fn is_full_fence(l: &Label) -> bool {
    matches!(
        l,
        Label::Fence(FenceMode::SeqCst)
            | Label::Start { .. }
            | Label::Spawn { .. }
            | Label::Join { .. }
            | Label::Finish
    )
}

impl Scratch {
    fn consistent(&mut self, graph: &ExecutionGraph) -> bool {
        self.ev.fill(graph);
        if !self.ev.rmw_atomic(graph) {
            return false;
        }
        let ev = &self.ev;
        let n = ev.len();
        ev.po_and_sync(&mut self.po, &mut self.sync);
        ev.rf_co_fr(graph, &mut self.rf, &mut self.co, &mut self.fr);
        // uniproc: po-loc ∪ rf ∪ fr ∪ co.
        self.rel.copy_from(&self.rf);
        self.rel.union_with(&self.co);
        self.rel.union_with(&self.fr);
        for i in 0..n {
            let Some(loc) = ev.loc(i) else { continue };
            for j in self.po.succ(i) {
                if ev.loc(j) == Some(loc) {
                    self.rel.set(i, j);
                }
            }
        }
        if !self.rel.is_acyclic(&mut self.kahn) {
            return false;
        }
        // ghb: co ∪ fr ∪ rfe ∪ ppo ∪ implied ∪ mfence (through fence nodes) ∪ spawn/join.
        self.rel.copy_from(&self.co);
        self.rel.union_with(&self.fr);
        self.rel.union_with(&self.sync);
        for w in 0..n {
            for r in self.rf.succ(w) {
                if ev.threads[w] != ev.threads[r] {
                    self.rel.set(w, r);
                }
            }
        }
        for i in 0..n {
            let li = &ev.labels[i];
            let fence_i = is_full_fence(li);
            let mem_i = ev.loc(i).is_some();
            if !fence_i && !mem_i {
                continue;
            }
            for j in self.po.succ(i) {
                let lj = &ev.labels[j];
                let ordered = if fence_i || is_full_fence(lj) {
                    true
                } else if ev.loc(j).is_none() {
                    false
                } else {
                    !(ev.is_write(i) && ev.is_read(j))
                        || is_locked(li)
                        || is_locked(lj)
                        || ev.is_exchange_write(i)
                };
                if ordered {
                    self.rel.set(i, j);
                }
            }
        }
        self.rel.is_acyclic(&mut self.kahn)
    }
}

impl MemoryModel for Tso {
    fn name(&self) -> &'static str {
        "tso"
    }

    fn has_store_buffers(&self) -> bool {
        true
    }

    fn reads_respect_porf(&self) -> bool {
        true
    }

    fn is_interleaving(&self) -> bool {
        false
    }

    fn is_consistent(&self, graph: &ExecutionGraph) -> bool {
        SCRATCH.with(|s| s.borrow_mut().consistent(graph))
    }
}
