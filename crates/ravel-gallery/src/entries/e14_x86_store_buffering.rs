//! Entry 14: the x86 examples (seed 004, the Corensic blog, on the x86 memory model).
//!
//! The originals:
//! - store buffering (SB): P1 `A = 1; t1 = B`, P2 `B = 1; t2 = A`. "An execution whose final
//!   state is t1 == 0 and t2 == 0 is allowed": each read proceeds before the other processor's
//!   write leaves its store buffer. The happens-before attempt has a cycle (two program-order
//!   edges, two from-read edges), so the execution is not sequentially consistent.
//! - store forwarding: P1 `A = 1; t1 = A; t2 = B`, P2 `B = 1; t3 = B; t4 = A`. "t2 == t4 == 0"
//!   is possible: each processor reads its own pending write early (t1 == 1, t3 == 1) while the
//!   other cannot see it yet, which no reordering of `t2 = B` and `t1 = A` explains.
//!
//! `MOV`s are Relaxed atomics. The buggy model asserts both outcomes unreachable, so under TSO
//! ravel reports a panic (and should print the SC-violation cycle); under SC they are
//! unreachable, so the entry is checked under x86-TSO. The fix: `MFENCE` (a SeqCst fence) after each
//! store.

use super::SEED_004;
use crate::entry::{BugClass, Entry, Expect, ModelNeed, Side};
use ravel::sync::atomic::{fence, AtomicU32, Ordering};
use ravel::sync::Arc;
use ravel::{thread, FindingKind};

/// The gallery entry.
pub const ENTRY: Entry = Entry {
    id: "14",
    slug: "e14_x86_store_buffering",
    title: "x86 SB and store forwarding",
    seed: SEED_004,
    class: BugClass::Ordering,
    model: ModelNeed::X86Tso,
    expect: Expect::finding(
        FindingKind::Panic,
        "t1 == 0 && t2 == 0 (SB), t2 == 0 && t4 == 0 (store forwarding): SC-violation cycles",
    ),
    buggy: Side::ready(buggy),
    fixed: Some(Side::ready(fixed)),
};

#[derive(Debug, Default)]
struct Memory {
    a: AtomicU32,
    b: AtomicU32,
}

/// `MOV [x], 1`, then `MFENCE` when fenced.
fn store_one(x: &AtomicU32, fenced: bool) {
    x.store(1, Ordering::Relaxed);
    if fenced {
        fence(Ordering::SeqCst);
    }
}

fn store_buffering(fenced: bool) {
    let m = Arc::new(Memory::default());
    let p1 = {
        let m = m.clone();
        thread::Builder::new()
            .name("P1: A = 1; t1 = B".into())
            .spawn(move || {
                store_one(&m.a, fenced);
                m.b.load(Ordering::Relaxed)
            })
            .unwrap()
    };
    let p2 = {
        let m = m.clone();
        thread::Builder::new()
            .name("P2: B = 1; t2 = A".into())
            .spawn(move || {
                store_one(&m.b, fenced);
                m.a.load(Ordering::Relaxed)
            })
            .unwrap()
    };
    let t1 = p1.join().unwrap();
    let t2 = p2.join().unwrap();
    assert!(
        !(t1 == 0 && t2 == 0),
        "SB: t1 == 0 && t2 == 0 (cycle: A = 1 -po-> t1 = B -fr-> B = 1 -po-> t2 = A -fr-> A = 1)"
    );
}

fn store_forwarding(fenced: bool) {
    let m = Arc::new(Memory::default());
    let p1 = {
        let m = m.clone();
        thread::Builder::new()
            .name("P1: A = 1; t1 = A; t2 = B".into())
            .spawn(move || {
                store_one(&m.a, fenced);
                let t1 = m.a.load(Ordering::Relaxed);
                let t2 = m.b.load(Ordering::Relaxed);
                (t1, t2)
            })
            .unwrap()
    };
    let p2 = {
        let m = m.clone();
        thread::Builder::new()
            .name("P2: B = 1; t3 = B; t4 = A".into())
            .spawn(move || {
                store_one(&m.b, fenced);
                let t3 = m.b.load(Ordering::Relaxed);
                let t4 = m.a.load(Ordering::Relaxed);
                (t3, t4)
            })
            .unwrap()
    };
    let (t1, t2) = p1.join().unwrap();
    let (t3, t4) = p2.join().unwrap();
    assert_eq!((t1, t3), (1, 1), "a processor did not read its own write");
    assert!(
        !(t2 == 0 && t4 == 0),
        "store forwarding: t2 == 0 && t4 == 0 with t1 == t3 == 1"
    );
}

/// Both litmus tests with plain `MOV`s.
pub fn buggy() {
    store_buffering(false);
    store_forwarding(false);
}

/// Both with `MFENCE` after each store.
pub fn fixed() {
    store_buffering(true);
    store_forwarding(true);
}
