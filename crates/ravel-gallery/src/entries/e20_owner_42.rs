//! Entry 20: "owner = 42" (seed 003, Bartosz Milewski, "Dealing with Benign Data Races the C++
//! Way", and Anthony Williams's comment on scratch storage).
//!
//! The original: the recursive mutex of entry 10, whose `owner` is read outside the lock. "Here's
//! an example how a compiler or the processor may 'optimize' the program":
//! ```c++
//! void Exit() {
//!   if (count != 0) { count -= 1; return; }
//!   owner = 42;
//!   owner = 0;
//!   lock.Exit();
//! }
//! ```
//! "It's a legal program transformation": without a data race no thread could observe it. "Now,
//! the unfortunate thread whose ID just happens to be 42 might observe this value and take the
//! wrong turn." Williams: compilers do reuse variables as scratch storage. The fix: `owner` as a
//! relaxed atomic; a compiler may not invent writes to an atomic.
//!
//! The buggy model runs the *compiled* program, scratch write included ([`ScratchOwner`]), with
//! thread 42 calling `TryEnter` while thread 1 leaves. The data race on `owner` is the finding
//! (ravel reports it today); its consequence, that the racy read can return 42, a value no source
//! line writes, is what the contract asks the report to show, and needs ravel to report
//! compiler-introduced values. The fixed model (a relaxed atomic, so no scratch writes) is
//! checked today.

use super::e10_recursive_mutex::{Entered, OwnerCell, RecursiveMutex, RelaxedOwner};
use super::SEED_003;
use crate::entry::{BugClass, Entry, Expect, ModelNeed, Side};
use ravel::cell::UnsafeCell;
use ravel::sync::Arc;
use ravel::{thread, FindingKind};

/// The gallery entry.
pub const ENTRY: Entry = Entry {
    id: "20",
    slug: "e20_owner_42",
    title: "owner = 42",
    seed: SEED_003,
    class: BugClass::DataRace,
    model: ModelNeed::Rc11,
    expect: Expect {
        kind: FindingKind::DataRace,
        mentions: &["value no thread wrote"],
        shows: "the racy read of `owner` races with Exit's writes, and may return 42, written by \
                no source line",
    },
    buggy: Side::pending(
        buggy,
        "needs compiler-consequence reporting: the race is found today, but the report does not \
         show that the racy read may return 42",
    ),
    fixed: Some(Side::ready(fixed)),
};

/// The id of the unlucky thread.
const UNLUCKY: u32 = 42;

/// `int owner` as the optimiser left it: `owner = 0` is emitted as `owner = 42; owner = 0;`,
/// the variable serving as scratch storage in between.
#[derive(Debug, Default)]
pub struct ScratchOwner(UnsafeCell<u32>);

impl OwnerCell for ScratchOwner {
    fn load(&self) -> u32 {
        // SAFETY: a plain read; ravel checks it for races.
        self.0.with(|p| unsafe { *p })
    }

    fn store(&self, id: u32) {
        if id == 0 {
            // SAFETY: a plain write; ravel checks it for races.
            self.0.with_mut(|p| unsafe { *p = 42 });
        }
        // SAFETY: as above.
        self.0.with_mut(|p| unsafe { *p = id });
    }
}

fn run<O: OwnerCell + 'static>() {
    let m = Arc::new(RecursiveMutex::<O>::default());
    let leaver = {
        let m = m.clone();
        thread::Builder::new()
            .name("thread 1: TryEnter; Exit".into())
            .spawn(move || {
                if let Entered::Fresh(_) = m.try_enter(1) {
                    m.exit();
                }
            })
            .unwrap()
    };
    let unlucky = {
        let m = m.clone();
        thread::Builder::new()
            .name(format!("thread {UNLUCKY}: TryEnter"))
            .spawn(move || match m.try_enter(UNLUCKY) {
                Entered::Recursively(seen) => panic!(
                    "thread {UNLUCKY} took the recursive path: it read owner = {seen}, a value \
                     no thread wrote in the source"
                ),
                Entered::Fresh(_) => m.exit(),
                Entered::Busy(_) => {}
            })
            .unwrap()
    };
    leaver.join().unwrap();
    unlucky.join().unwrap();
}

/// The compiled program: a plain `owner` that briefly holds 42.
pub fn buggy() {
    run::<ScratchOwner>();
}

/// `std::atomic<int> owner` with relaxed accesses: no invented writes, no race.
pub fn fixed() {
    run::<RelaxedOwner>();
}
