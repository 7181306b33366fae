//! Entry 2: "Volatile Does Not Mean Atomic!" (seed 001, Jeremy Manson).
//!
//! The original: `volatile int v = 0;` with thread 1 doing `v++` and thread 2 doing `v--`.
//! Each is three steps (`r1 = v; r2 = r1 + 1; v = r2;`), so both threads can read 0 and the
//! result is 1 or -1, not 0. The fix the post gives: `java.util.concurrent.atomic`, whose
//! increment and decrement are single atomic read-modify-writes.
//!
//! `volatile` is a `SeqCst` atomic; the increment stays a load and a store, as Java compiles it.

use super::SEED_001;
use crate::entry::{BugClass, Entry, Expect, ModelNeed, Side};
use ravel::sync::atomic::{AtomicI32, Ordering::SeqCst};
use ravel::sync::Arc;
use ravel::{thread, FindingKind};

/// The gallery entry.
pub const ENTRY: Entry = Entry {
    id: "2",
    slug: "e02_volatile_not_atomic",
    title: "Volatile does not mean atomic",
    seed: SEED_001,
    class: BugClass::Atomicity,
    model: ModelNeed::Rc11,
    expect: Expect::finding(
        FindingKind::Panic,
        "v++ and v-- both read 0: the final value is 1 or -1",
    ),
    buggy: Side::ready(buggy),
    fixed: Some(Side::ready(fixed)),
};

/// `v++` on a volatile: `r1 = v; r2 = r1 + 1; v = r2;`.
fn increment(v: &AtomicI32) {
    let r1 = v.load(SeqCst);
    let r2 = r1 + 1;
    v.store(r2, SeqCst);
}

/// `v--` on a volatile: `r3 = v; r4 = r3 - 1; v = r4;`.
fn decrement(v: &AtomicI32) {
    let r3 = v.load(SeqCst);
    let r4 = r3 - 1;
    v.store(r4, SeqCst);
}

/// Thread 1 increments, thread 2 decrements; `v` must end at 0.
pub fn buggy() {
    let v = Arc::new(AtomicI32::new(0));
    let v1 = v.clone();
    let t1 = thread::spawn(move || increment(&v1));
    let v2 = v.clone();
    let t2 = thread::spawn(move || decrement(&v2));
    t1.join().unwrap();
    t2.join().unwrap();
    let end = v.load(SeqCst);
    assert_eq!(
        end, 0,
        "v ended at {end}: an increment or decrement was lost"
    );
}

/// The same with atomic read-modify-writes (`AtomicInteger.incrementAndGet` and friends).
pub fn fixed() {
    let v = Arc::new(AtomicI32::new(0));
    let v1 = v.clone();
    let t1 = thread::spawn(move || v1.fetch_add(1, SeqCst));
    let v2 = v.clone();
    let t2 = thread::spawn(move || v2.fetch_sub(1, SeqCst));
    t1.join().unwrap();
    t2.join().unwrap();
    assert_eq!(v.load(SeqCst), 0);
}
