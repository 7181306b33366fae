//! Entry 6: double-checked locking with a separate `initialized` flag (seed 001, Jeremy Manson,
//! "Double-Checked Locking and the Problem with Wikipedia").
//!
//! The original (Wikipedia's broken version):
//! ```java
//! private Helper helper = null;
//! private boolean initialized = false;
//! public Helper getHelper() {
//!   if (!initialized) {
//!     synchronized(this) {
//!       if (!initialized) { helper = new Helper(); initialized = true; }
//!     }
//!   }
//!   return helper;
//! }
//! ```
//! The writes to `helper` and `initialized` may be reordered, so a thread that sees
//! `initialized == true` outside the lock may read a `helper` that is not there yet. The fix
//! the post points to: make the flag `volatile` (or drop the idiom).
//!
//! `helper` is a plain field (an `UnsafeCell`); the flag a Relaxed atomic in the buggy model, so
//! the report names the race on `helper` itself. The fix publishes with Release and checks with
//! Acquire.

use super::SEED_001;
use crate::entry::{BugClass, Entry, Expect, ModelNeed, Side};
use ravel::cell::UnsafeCell;
use ravel::sync::atomic::{AtomicBool, Ordering};
use ravel::sync::{Arc, Mutex};
use ravel::{thread, FindingKind};

/// The gallery entry.
pub const ENTRY: Entry = Entry {
    id: "6",
    slug: "e06_double_checked_locking",
    title: "Double-checked locking",
    seed: SEED_001,
    class: BugClass::Ordering,
    model: ModelNeed::Rc11,
    expect: Expect::finding(
        FindingKind::DataRace,
        "the unlocked read of `helper` races with its initialisation under the lock",
    ),
    buggy: Side::ready(buggy),
    fixed: Some(Side::ready(fixed)),
};

/// What `getHelper` hands out.
#[derive(Debug)]
pub struct Helper {
    value: i32,
}

impl Helper {
    fn new() -> Helper {
        Helper { value: 42 }
    }
}

/// The seed's class, with the orderings of the unlocked check and the publication as
/// parameters.
#[derive(Debug)]
struct Foo {
    lock: Mutex<()>,
    helper: UnsafeCell<Option<Helper>>,
    initialized: AtomicBool,
    check: Ordering,
    publish: Ordering,
}

impl Foo {
    fn new(check: Ordering, publish: Ordering) -> Foo {
        Foo {
            lock: Mutex::new(()),
            helper: UnsafeCell::new(None),
            initialized: AtomicBool::new(false),
            check,
            publish,
        }
    }

    /// `getHelper()`, answering the helper's value.
    fn get_helper(&self) -> i32 {
        if !self.initialized.load(self.check) {
            let _this = self.lock.lock().unwrap();
            // Under the lock, Relaxed suffices: the lock orders this read after any
            // initialisation made while holding it.
            if !self.initialized.load(Ordering::Relaxed) {
                // SAFETY: written under the lock; ravel checks the unlocked read below.
                self.helper
                    .with_mut(|p| unsafe { *p = Some(Helper::new()) });
                self.initialized.store(true, self.publish);
            }
        }
        // SAFETY: a plain read of `helper`; ravel checks it against the write above.
        self.helper
            .with(|p| unsafe { (*p).as_ref().map(|h| h.value) })
            .expect("getHelper returned null")
    }
}

fn run(instance: Foo) {
    let instance = Arc::new(instance);
    let threads: Vec<_> = (0..2)
        .map(|i| {
            let instance = instance.clone();
            thread::Builder::new()
                .name(format!("getHelper #{}", i + 1))
                .spawn(move || assert_eq!(instance.get_helper(), 42))
                .unwrap()
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

/// The flag is plain (Relaxed): seeing it set says nothing about `helper`.
pub fn buggy() {
    run(Foo::new(Ordering::Relaxed, Ordering::Relaxed));
}

/// The flag is volatile: publish with Release, check with Acquire, so a thread that sees it
/// set also sees the helper written before it.
pub fn fixed() {
    run(Foo::new(Ordering::Acquire, Ordering::Release));
}
