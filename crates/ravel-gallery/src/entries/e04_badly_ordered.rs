//! Entry 4: BadlyOrdered (seed 001, Jeremy Manson, "Atomicity, Visibility and Ordering").
//!
//! The original: `threadOne() { a = true; b = true; }` against
//! `threadTwo() { r1 = b; r2 = a; r3 = a; return (r1 && !r2) && r3; }`. Java lets `threadTwo`
//! return true: it sees the write to `b` before the write to `a`, and then sees `a` after all.
//! The fix the post gives: a lock around either method, or make `a` and `b` `volatile`.
//!
//! The plain fields become Relaxed atomics (racy but defined, as in Java). The buggy model
//! asserts that the surprising outcome is never observed, so ravel reports it as a panic when it
//! is; under RC11 it is reachable, under SC it is not, so the entry is checked under RC11.

use super::SEED_001;
use crate::entry::{BugClass, Entry, Expect, ModelNeed, Side};
use ravel::sync::atomic::{AtomicBool, Ordering};
use ravel::sync::Arc;
use ravel::{thread, FindingKind};

/// The gallery entry.
pub const ENTRY: Entry = Entry {
    id: "4",
    slug: "e04_badly_ordered",
    title: "BadlyOrdered",
    seed: SEED_001,
    class: BugClass::Ordering,
    model: ModelNeed::Rc11,
    expect: Expect::finding(
        FindingKind::Panic,
        "threadTwo observes r1 && !r2 && r3: b's write seen before a's",
    ),
    buggy: Side::ready(buggy),
    fixed: Some(Side::ready(fixed)),
};

/// The seed's class, with its two fields at a chosen ordering.
#[derive(Debug)]
struct BadlyOrdered {
    a: AtomicBool,
    b: AtomicBool,
    store: Ordering,
    load: Ordering,
}

impl BadlyOrdered {
    fn new(store: Ordering, load: Ordering) -> BadlyOrdered {
        BadlyOrdered {
            a: AtomicBool::new(false),
            b: AtomicBool::new(false),
            store,
            load,
        }
    }

    fn thread_one(&self) {
        self.a.store(true, self.store);
        self.b.store(true, self.store);
    }

    /// Answers whether it saw `b`'s write before `a`'s.
    fn thread_two(&self) -> bool {
        let r1 = self.b.load(self.load); // sees true
        let r2 = self.a.load(self.load); // sees false
        let r3 = self.a.load(self.load); // sees true
        (r1 && !r2) && r3
    }
}

fn run(store: Ordering, load: Ordering) {
    let shared = Arc::new(BadlyOrdered::new(store, load));
    let one = {
        let shared = shared.clone();
        thread::spawn(move || shared.thread_one())
    };
    let two = {
        let shared = shared.clone();
        thread::spawn(move || shared.thread_two())
    };
    one.join().unwrap();
    let surprising = two.join().unwrap();
    assert!(
        !surprising,
        "threadTwo returned true: r1 && !r2 && r3 (b's write seen before a's)"
    );
}

/// Plain (Relaxed) fields: the outcome is allowed.
pub fn buggy() {
    run(Ordering::Relaxed, Ordering::Relaxed);
}

/// Both fields volatile (SeqCst): the outcome is forbidden. Release stores and Acquire loads
/// would also do: reading `b == true` then synchronises with the store of `b`, which follows
/// the store of `a`.
pub fn fixed() {
    run(Ordering::SeqCst, Ordering::SeqCst);
}
