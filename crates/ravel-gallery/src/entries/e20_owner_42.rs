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
//! The buggy model is the *source* program: `int owner` and `int count` are plain integers
//! written with typed accesses (`UnsafeCell::read`/`write`, which show ravel the values), thread
//! 1 calls `TryEnter` then `Exit` while thread 42 calls `TryEnter`. The data race on `owner` is
//! the finding. It is explored with `compiler_effects`, so the report also shows what a compiler
//! may make of it: `Exit`'s `owner = 0` may first store a scratch value, and among the values
//! the program itself writes to `owner` is 42 (thread 42's own id, written when it takes the
//! mutex); thread 42's racy read can then return 42, a value no thread wrote there at that
//! point, and take the recursive path (the model's assertion says a thread that never entered
//! cannot re-enter). Nothing in the model writes 42 where the seed's compiler did: ravel finds
//! it. The fixed model (a relaxed atomic `owner`) is the same program otherwise.

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
        mentions: &["value no thread wrote", "read 42"],
        shows: "the racy read of `owner` races with Exit's writes; with a compiler's scratch \
                store of 42 (a value the program writes to `owner`), thread 42's read returns 42 \
                and it takes the recursive path",
    },
    buggy: Side::ready(buggy).with_compiler_effects(),
    fixed: Some(Side::ready(fixed).with_compiler_effects()),
};

/// The id of the unlucky thread.
const UNLUCKY: u32 = 42;

/// `int owner` as the source declares it: a plain integer, read and written whole.
#[derive(Debug, Default)]
pub struct PlainOwner(UnsafeCell<u32>);

impl OwnerCell for PlainOwner {
    fn load(&self) -> u32 {
        self.0.read()
    }

    fn store(&self, id: u32) {
        self.0.write(id);
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
            .name(format!("thread {UNLUCKY}: TryEnter; Exit"))
            .spawn(move || match m.try_enter(UNLUCKY) {
                Entered::Recursively(seen) => panic!(
                    "thread {UNLUCKY} took the recursive path: it read owner = {seen} but never \
                     entered"
                ),
                Entered::Fresh(_) => m.exit(),
                Entered::Busy(_) => {}
            })
            .unwrap()
    };
    leaver.join().unwrap();
    unlucky.join().unwrap();
}

/// The source program: a plain `owner`, read without the lock.
pub fn buggy() {
    run::<PlainOwner>();
}

/// `std::atomic<int> owner` with relaxed accesses: no race, and no invented writes.
pub fn fixed() {
    run::<RelaxedOwner>();
}
