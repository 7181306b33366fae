//! Entries 3 and 3b: LoopMayNeverEnd (seed 001, Jeremy Manson, "Atomicity, Visibility and
//! Ordering").
//!
//! The original: `boolean done = false;` with `work()` spinning on `while (!done) { .. }` and
//! `stopWork()` setting `done = true` from another thread. Nothing synchronises the two, so the
//! worker may never see the update (a compiler may hoist the read out of the loop). The fix the
//! post gives: declare `done` `volatile`.
//!
//! 3: `done` is a plain field (an `UnsafeCell`), so the read in the loop races with the write in
//! `stopWork`; the fix is an `AtomicBool` written with Release and read with Acquire, the loop
//! telling ravel it spins (`spin_loop`).
//! 3b: the repaired loop when `stopWork` is never called: ravel must report a livelock (the
//! spinner waits for a write no thread will make), not hang or hit its step bound. (The flag is
//! the atomic of the fix, so the finding is about liveness alone, not the race of 3.)

use super::SEED_001;
use crate::entry::{BugClass, Entry, Expect, ModelNeed, Side};
use ravel::cell::UnsafeCell;
use ravel::hint::spin_loop;
use ravel::sync::atomic::{AtomicBool, Ordering};
use ravel::sync::Arc;
use ravel::{thread, FindingKind};

/// Entry 3: the racy flag.
pub const ENTRY: Entry = Entry {
    id: "3",
    slug: "e03_loop_may_never_end",
    title: "LoopMayNeverEnd",
    seed: SEED_001,
    class: BugClass::Visibility,
    model: ModelNeed::Rc11,
    expect: Expect::finding(
        FindingKind::DataRace,
        "the read of `done` in the loop races with the write in stopWork",
    ),
    buggy: Side::ready(buggy),
    fixed: Some(Side::ready(fixed)),
};

/// Entry 3b: nobody calls `stopWork`.
pub const ENTRY_B: Entry = Entry {
    id: "3b",
    slug: "e03b_loop_never_stopped",
    title: "LoopMayNeverEnd, never stopped",
    seed: SEED_001,
    class: BugClass::Liveness,
    model: ModelNeed::Any,
    expect: Expect::finding(
        FindingKind::Livelock,
        "the worker spins on `done` and no thread will ever write it",
    ),
    buggy: Side::ready(never_stopped),
    fixed: None,
};

/// The seed's class, with `done` a plain field.
#[derive(Debug, Default)]
pub struct LoopMayNeverEnd {
    done: UnsafeCell<bool>,
}

impl LoopMayNeverEnd {
    /// `void work() { while (!done) { /* do work */ } }`.
    pub fn work(&self) {
        // SAFETY: a plain read of a `bool`; ravel checks it for races against the write below.
        while !self.done.with(|p| unsafe { *p }) {
            spin_loop();
        }
    }

    /// `void stopWork() { done = true; }`.
    pub fn stop_work(&self) {
        // SAFETY: a plain write of a `bool`; ravel checks it for races against the reads above.
        self.done.with_mut(|p| unsafe { *p = true });
    }
}

/// The repaired class: `volatile boolean done`.
///
/// Release on the store and Acquire on the load are enough: the worker only needs to see the
/// flag (and whatever the stopper wrote before it), not a total order with other flags.
#[derive(Debug, Default)]
pub struct StoppableLoop {
    done: AtomicBool,
}

impl StoppableLoop {
    /// Spins until stopped.
    pub fn work(&self) {
        while !self.done.load(Ordering::Acquire) {
            spin_loop();
        }
    }

    /// Stops the worker.
    pub fn stop_work(&self) {
        self.done.store(true, Ordering::Release);
    }
}

/// One thread works, another stops it.
pub fn buggy() {
    let shared = Arc::new(LoopMayNeverEnd::default());
    let worker = {
        let shared = shared.clone();
        thread::Builder::new()
            .name("work".into())
            .spawn(move || shared.work())
            .unwrap()
    };
    shared.stop_work();
    worker.join().unwrap();
}

/// The same with the flag made `volatile`.
pub fn fixed() {
    let shared = Arc::new(StoppableLoop::default());
    let worker = {
        let shared = shared.clone();
        thread::Builder::new()
            .name("work".into())
            .spawn(move || shared.work())
            .unwrap()
    };
    shared.stop_work();
    worker.join().unwrap();
}

/// 3b: the worker starts and nobody ever calls `stopWork`.
pub fn never_stopped() {
    let shared = Arc::new(StoppableLoop::default());
    let worker = {
        let shared = shared.clone();
        thread::Builder::new()
            .name("work".into())
            .spawn(move || shared.work())
            .unwrap()
    };
    worker.join().unwrap();
}
