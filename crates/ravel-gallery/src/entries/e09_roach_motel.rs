//! Entry 9: roach-motel ordering (seed 001, Jeremy Manson, "Roach Motels and The Java Memory
//! Model").
//!
//! The original:
//! ```java
//! x = 1;
//! synchronized(o) { z = z + 1; }
//! y = 1;
//! ```
//! "Roaches check in, but they don't check out": a compiler may move `x = 1` and `y = 1` into
//! the synchronized block, and once inside they may be reordered with each other, ending as
//! `y = 1; z = z + 1; x = 1;`. Accesses never move out.
//!
//! Explanatory, so there is no fix. The litmus-style model lets another thread, which does not
//! take the lock, read `y` then `x` (plain fields, so Relaxed atomics). Seeing `y == 1` but
//! `x == 0` is impossible by interleaving the source, and possible once both writes have
//! checked into the lock and swapped: RC11 allows it, SC does not, so the entry is checked under RC11.

use super::SEED_001;
use crate::entry::{BugClass, Entry, Expect, ModelNeed, Side};
use ravel::sync::atomic::{AtomicI32, Ordering::Relaxed};
use ravel::sync::{Arc, Mutex};
use ravel::{thread, FindingKind};

/// The gallery entry.
pub const ENTRY: Entry = Entry {
    id: "9",
    slug: "e09_roach_motel",
    title: "Roach motel",
    seed: SEED_001,
    class: BugClass::Ordering,
    model: ModelNeed::Rc11,
    expect: Expect::finding(
        FindingKind::Panic,
        "an observer sees y == 1 and then x == 0: both writes moved into the lock and swapped",
    ),
    buggy: Side::ready(buggy),
    fixed: None,
};

#[derive(Debug, Default)]
struct Shared {
    x: AtomicI32,
    y: AtomicI32,
    /// `o` and the `z` it guards.
    o: Mutex<i32>,
}

/// The post's thread, and an observer that reads `y` then `x` without the lock.
pub fn buggy() {
    let shared = Arc::new(Shared::default());
    let writer = {
        let s = shared.clone();
        thread::Builder::new()
            .name("x = 1; synchronized(o) { z++ }; y = 1".into())
            .spawn(move || {
                s.x.store(1, Relaxed);
                {
                    let mut z = s.o.lock().unwrap();
                    *z += 1;
                }
                s.y.store(1, Relaxed);
            })
            .unwrap()
    };
    let observer = {
        let s = shared.clone();
        thread::Builder::new()
            .name("r1 = y; r2 = x".into())
            .spawn(move || (s.y.load(Relaxed), s.x.load(Relaxed)))
            .unwrap()
    };
    writer.join().unwrap();
    let (r1, r2) = observer.join().unwrap();
    assert!(
        !(r1 == 1 && r2 == 0),
        "observed y == 1 before x == 1: the writes moved into the lock and were reordered"
    );
}
