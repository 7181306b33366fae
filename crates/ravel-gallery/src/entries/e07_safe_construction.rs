//! Entry 7: safe construction (seed 001, Jeremy Manson, "Safe Construction and the JMM").
//!
//! The original: `class C { private int x; public C(int v) { this.x = v; } .. }` with
//! thread 1 doing `globalRef = new C(5);` and thread 2 doing
//! `C ref = globalRef; if (ref != null) { int r1 = ref.x; }`. The constructor is really
//! `localRef = <allocate>; localRef.x = 5; globalRef = localRef;`, and without a release and a
//! matching acquire, thread 2 may see the reference before the write of 5. The post's fix: a
//! release by thread 1 and a matching acquire by thread 2 (it uses a lock; `volatile` does too).
//!
//! `globalRef` is an `AtomicPtr` (Relaxed in the buggy model), `x` a plain field. The fix
//! publishes with a Release store and reads with an Acquire load.

use super::SEED_001;
use crate::entry::{BugClass, Entry, Expect, ModelNeed, Side};
use ravel::cell::UnsafeCell;
use ravel::sync::atomic::{AtomicPtr, Ordering};
use ravel::sync::Arc;
use ravel::{thread, FindingKind};
use std::ptr;

/// The gallery entry.
pub const ENTRY: Entry = Entry {
    id: "7",
    slug: "e07_safe_construction",
    title: "Safe construction",
    seed: SEED_001,
    class: BugClass::Visibility,
    model: ModelNeed::Rc11,
    expect: Expect::finding(
        FindingKind::DataRace,
        "thread 2's read of `ref.x` races with the constructor's write of 5",
    ),
    buggy: Side::ready(buggy),
    fixed: Some(Side::ready(fixed)),
};

/// The seed's class.
#[derive(Debug)]
pub struct C {
    x: UnsafeCell<i32>,
}

impl C {
    /// `globalRef = new C(v)` spelled out: allocate, write the field, answer the reference.
    fn allocate_and_construct(v: i32) -> *mut C {
        let local_ref = Box::new(C {
            x: UnsafeCell::new(0),
        });
        // SAFETY: the object is not shared yet; ravel records the write for race checking.
        local_ref.x.with_mut(|p| unsafe { *p = v });
        Box::into_raw(local_ref)
    }
}

fn run(publish: Ordering, read: Ordering) {
    let global_ref = Arc::new(AtomicPtr::<C>::new(ptr::null_mut()));
    let thread_one = {
        let global_ref = global_ref.clone();
        thread::Builder::new()
            .name("thread 1: globalRef = new C(5)".into())
            .spawn(move || global_ref.store(C::allocate_and_construct(5), publish))
            .unwrap()
    };
    let thread_two = {
        let global_ref = global_ref.clone();
        thread::Builder::new()
            .name("thread 2: r1 = ref.x".into())
            .spawn(move || {
                let r = global_ref.load(read);
                if !r.is_null() {
                    // SAFETY: `r` came from `Box::into_raw` and is freed only after both
                    // threads are joined.
                    let r1 = unsafe { (*r).x.with(|p| *p) };
                    assert_eq!(r1, 5, "thread 2 saw a C before its constructor ran");
                }
            })
            .unwrap()
    };
    thread_one.join().unwrap();
    thread_two.join().unwrap();
    let c = global_ref.load(Ordering::Relaxed);
    // SAFETY: both threads are joined; `c` came from `Box::into_raw` and is freed once.
    drop(unsafe { Box::from_raw(c) });
}

/// `globalRef` is a plain field: a Relaxed store and load carry no happens-before.
pub fn buggy() {
    run(Ordering::Relaxed, Ordering::Relaxed);
}

/// Release store, Acquire load: reading the reference synchronises with its publication.
pub fn fixed() {
    run(Ordering::Release, Ordering::Acquire);
}
