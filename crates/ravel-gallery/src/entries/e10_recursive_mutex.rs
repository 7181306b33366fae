//! Entry 10: the recursive mutex with a racy `owner` read (seed 003, Bartosz Milewski, "Dealing
//! with Benign Data Races the C++ Way", after Duarte Nunes's example).
//!
//! The original:
//! ```c++
//! int owner = 0; int count = 0; Lock lock;
//! bool TryEnter() {
//!   if (owner == /* get thread id */) { count += 1; return true; }
//!   if (lock.TryEnter()) { owner = /* get thread id */; return true; }
//!   return false;
//! }
//! void Exit() {
//!   if (count != 0) { count -= 1; return; }
//!   owner = 0;
//!   lock.Exit();
//! }
//! ```
//! `count` is only touched under the lock, but `owner` is read outside it: a data race, so
//! undefined behaviour, however plausible the "proof" that it is benign. The post's fix:
//! `std::atomic<int> owner`, read and written with `memory_order_relaxed`; relaxed atomics never
//! race, and the single-thread argument then holds.
//!
//! [`RecursiveMutex`] is generic over how `owner` is stored ([`OwnerCell`]), so entries 11
//! (a misaligned `owner`) and 20 (a compiler's scratch write) reuse it.

use super::SEED_003;
use crate::entry::{BugClass, Entry, Expect, ModelNeed, Side};
use ravel::cell::UnsafeCell;
use ravel::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use ravel::sync::Arc;
use ravel::{thread, FindingKind};

/// The gallery entry.
pub const ENTRY: Entry = Entry {
    id: "10",
    slug: "e10_recursive_mutex",
    title: "Recursive mutex, racy owner",
    seed: SEED_003,
    class: BugClass::DataRace,
    model: ModelNeed::Rc11,
    expect: Expect::finding(
        FindingKind::DataRace,
        "TryEnter's unlocked read of `owner` races with another thread's write under the lock",
    ),
    buggy: Side::ready(buggy),
    fixed: Some(Side::ready(fixed)),
};

/// How the `owner` field is stored.
pub trait OwnerCell: Send + Sync + Default {
    /// Reads `owner`.
    fn load(&self) -> u32;
    /// Writes `owner`.
    fn store(&self, id: u32);
}

/// `int owner`: a plain field.
#[derive(Debug, Default)]
pub struct PlainOwner(UnsafeCell<u32>);

impl OwnerCell for PlainOwner {
    fn load(&self) -> u32 {
        // SAFETY: a plain read; ravel checks it for races.
        self.0.with(|p| unsafe { *p })
    }

    fn store(&self, id: u32) {
        // SAFETY: a plain write; ravel checks it for races.
        self.0.with_mut(|p| unsafe { *p = id });
    }
}

/// `std::atomic<int> owner` accessed with `memory_order_relaxed`.
///
/// Relaxed is enough: the only value of `owner` a thread acts on is its own id, which only it
/// writes (under the lock), and it always reads its own latest write (coherence). The lock
/// itself provides the happens-before for `count`.
#[derive(Debug, Default)]
pub struct RelaxedOwner(AtomicU32);

impl OwnerCell for RelaxedOwner {
    fn load(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }

    fn store(&self, id: u32) {
        self.0.store(id, Ordering::Relaxed);
    }
}

/// The non-recursive `Lock` underneath, with `TryEnter` and `Exit`.
#[derive(Debug, Default)]
struct Lock {
    held: AtomicBool,
}

impl Lock {
    /// Acquire on success: the critical section happens after the previous `exit`.
    fn try_enter(&self) -> bool {
        self.held
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// Release: publishes the critical section to the next `try_enter`.
    fn exit(&self) {
        self.held.store(false, Ordering::Release);
    }
}

/// How `TryEnter` succeeded, or not; with the `owner` value it read first.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Entered {
    /// `owner` was the caller's id: a recursive entry.
    Recursively(u32),
    /// The lock was free and is now the caller's.
    Fresh(u32),
    /// Another thread holds the lock.
    Busy(u32),
}

/// The seed's recursive mutex (`int count` a plain integer, read and written with typed accesses
/// so that entry 20's compiler-consequence search can transform them too).
#[derive(Debug, Default)]
pub struct RecursiveMutex<O: OwnerCell> {
    owner: O,
    count: UnsafeCell<u32>,
    lock: Lock,
}

impl<O: OwnerCell> RecursiveMutex<O> {
    /// `bool TryEnter()` for the thread whose id is `me`.
    pub fn try_enter(&self, me: u32) -> Entered {
        let owner = self.owner.load();
        if owner == me {
            // `count` is only touched by the lock's holder; ravel checks that.
            self.count.write(self.count.read() + 1);
            return Entered::Recursively(owner);
        }
        if self.lock.try_enter() {
            self.owner.store(me);
            return Entered::Fresh(owner);
        }
        Entered::Busy(owner)
    }

    /// `void Exit()`.
    pub fn exit(&self) {
        // `count` is only touched by the lock's holder; ravel checks that.
        let count = self.count.read();
        if count != 0 {
            self.count.write(count - 1);
            return;
        }
        self.owner.store(0);
        self.lock.exit();
    }
}

/// A thread that takes the mutex, takes it again recursively, and releases both.
fn nested_critical_section<O: OwnerCell>(m: &RecursiveMutex<O>, me: u32, data: &UnsafeCell<u32>) {
    if let Entered::Fresh(_) = m.try_enter(me) {
        assert!(
            matches!(m.try_enter(me), Entered::Recursively(_)),
            "the holder could not re-enter"
        );
        // SAFETY: protected by the mutex; ravel reports it if mutual exclusion fails.
        data.with_mut(|p| unsafe { *p += 1 });
        m.exit();
        m.exit();
    }
}

fn run<O: OwnerCell + 'static>() {
    let shared = Arc::new((RecursiveMutex::<O>::default(), UnsafeCell::new(0u32)));
    let threads: Vec<_> = [1, 2]
        .into_iter()
        .map(|me| {
            let shared = shared.clone();
            thread::Builder::new()
                .name(format!("thread id {me}"))
                .spawn(move || nested_critical_section(&shared.0, me, &shared.1))
                .unwrap()
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

/// `int owner`: the unlocked read races.
pub fn buggy() {
    run::<PlainOwner>();
}

/// `std::atomic<int> owner` with relaxed accesses.
pub fn fixed() {
    run::<RelaxedOwner>();
}
