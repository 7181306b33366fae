//! Entry 11: the misaligned (packed) `owner` field (seed 004, the Corensic blog, "non-serializable
//! single instructions"; Hans Boehm's comment in seed 003).
//!
//! The original: the recursive mutex of entry 10 inside `#pragma pack (push, 1)`, after a
//! `char garbage;`, so `int owner` straddles an alignment boundary. `owner = 0` in `Exit` then
//! lands in memory in two parts, and a racing `TryEnter` can read a value that was never
//! written:
//!
//! | # | thread 1 (`Exit`)                        | thread 2 (`TryEnter`)               |
//! |---|------------------------------------------|-------------------------------------|
//! | 1 | store the first 3 bytes of 0              |                                     |
//! | 2 |                                          | read the first 3 bytes              |
//! | 3 |                                          | read the last byte                  |
//! | 4 | store the last byte of 0                  |                                     |
//!
//! "This value may be equal to the second thread's ID." The post's fix: make `owner` an atomic,
//! which is guaranteed to be naturally aligned (and access it with relaxed operations).
//!
//! [`PackedOwner`] is that field as a [`SplitCell`] split after its first three bytes: every
//! access is two plain accesses, the first three bytes and then the last byte, in the order of
//! the table, and ravel explores them like any others. A read whose parts come from different
//! writes and make a value nobody wrote is a `torn read`, reported with the value observed, the
//! two partial writes and the interleaving. Thread ids are chosen so that the torn value is
//! thread 2's id, the seed's worst case. The fix is [`RelaxedOwner`], one naturally aligned
//! atomic.

use super::e10_recursive_mutex::{Entered, OwnerCell, RecursiveMutex, RelaxedOwner};
use super::SEED_004;
use crate::entry::{BugClass, Entry, Expect, ModelNeed, Side};
use ravel::cell::SplitCell;
use ravel::sync::Arc;
use ravel::{thread, FindingKind};

/// The gallery entry.
pub const ENTRY: Entry = Entry {
    id: "11",
    slug: "e11_misaligned_owner",
    title: "Misaligned (packed) owner",
    seed: SEED_004,
    class: BugClass::Atomicity,
    model: ModelNeed::SplitAccess,
    expect: Expect {
        kind: FindingKind::TornRead,
        mentions: &["0x02000000", "a value no thread wrote"],
        shows: "TryEnter reads a torn owner: the first bytes of `owner = 0`, the last byte of \
                the old id",
    },
    buggy: Side::ready(buggy),
    fixed: Some(Side::ready(fixed)),
};

/// Thread 1's id.
const THREAD_1: u32 = 0x0200_0001;
/// Thread 2's id: thread 1's high byte with three zero bytes, the value the torn read makes.
const THREAD_2: u32 = 0x0200_0000;

/// `int owner` at an odd address: bytes 1 to 3 of the field in one word, byte 4 in the next, so
/// each access is two: the first three bytes (the low 24 bits, little-endian), then the last.
#[derive(Debug)]
pub struct PackedOwner(SplitCell<u32>);

impl Default for PackedOwner {
    fn default() -> PackedOwner {
        PackedOwner(SplitCell::split_at(0, 3))
    }
}

impl OwnerCell for PackedOwner {
    /// `MOV eax, [ecx]` across the boundary: two reads.
    fn load(&self) -> u32 {
        self.0.read()
    }

    /// `MOV [ecx], v` across the boundary: two writes.
    fn store(&self, id: u32) {
        self.0.write(id);
    }
}

fn run<O: OwnerCell + 'static>() {
    let m = Arc::new(RecursiveMutex::<O>::default());
    let thread_1 = {
        let m = m.clone();
        thread::Builder::new()
            .name(format!("thread 1 (id {THREAD_1:#010x})"))
            .spawn(move || {
                if let Entered::Fresh(_) = m.try_enter(THREAD_1) {
                    m.exit();
                }
            })
            .unwrap()
    };
    let thread_2 = {
        let m = m.clone();
        thread::Builder::new()
            .name(format!("thread 2 (id {THREAD_2:#010x})"))
            .spawn(move || match m.try_enter(THREAD_2) {
                Entered::Recursively(seen) => {
                    panic!("TryEnter took the recursive path on owner = {seen:#010x}")
                }
                Entered::Fresh(_) => m.exit(),
                Entered::Busy(_) => {}
            })
            .unwrap()
    };
    thread_1.join().unwrap();
    thread_2.join().unwrap();
}

/// `#pragma pack (push, 1)`: `owner` is misaligned and its accesses split.
pub fn buggy() {
    run::<PackedOwner>();
}

/// `std::atomic<int> owner`: naturally aligned, one access each.
pub fn fixed() {
    run::<RelaxedOwner>();
}
