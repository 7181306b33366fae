//! Entry 16: bit-fields sharing one word (seed 004, the Corensic blog, on a hypervisor heap's
//! `region_header`).
//!
//! The original:
//! ```c
//! struct region_header {
//!     uint64 available: 2;
//!     uint64 alloc_state : 2;
//!     uint64 bytes_to_previous_header : 30;
//!     uint64 bytes_to_next_header : 30;
//!     LIST_ENTRY(region_header) freelist;
//! };
//! void free_item(item, heap) { item->available = 2; ... }
//! ```
//! `available` belongs to the block's user, `alloc_state` to the holder of the heap lock. But
//! adjacent bit-fields are one memory location (C++ [intro.memory]): `item->available = 2`
//! compiles to `mov (%rax), %rdx; and ~$3, %rdx; or $2, %rdx; mov %rdx, (%rax)`, a
//! read-modify-write of the whole word that can undo a concurrent update of `alloc_state`. "The
//! granularity [of a locking guide] may not be smaller than that which your compiler and your
//! architecture guarantees."
//!
//! The word is one `UnsafeCell<u64>` updated by read-modify-write under two different locks
//! (`write_bits`: a read of the word, then a write of the whole word that changes only the
//! field's bits): a data race on the shared location, and a lost update of the neighbour field.
//! The report says the writes change different bits but each stores the whole word. (A *read*
//! of one field racing with a write of the other is DataCollider's benign "different bits" race,
//! and is shown as such, at low severity.) The fix gives each field its own memory location
//! (each still under its own lock).

use super::SEED_004;
use crate::entry::{BugClass, Entry, Expect, ModelNeed, Side};
use ravel::cell::UnsafeCell;
use ravel::sync::{Arc, Mutex};
use ravel::{thread, FindingKind};

/// The gallery entry.
pub const ENTRY: Entry = Entry {
    id: "16",
    slug: "e16_bit_fields",
    title: "Bit-fields in one word",
    seed: SEED_004,
    class: BugClass::DataRace,
    model: ModelNeed::Rc11,
    expect: Expect {
        kind: FindingKind::DataRace,
        mentions: &["lost update"],
        shows: "`available` and `alloc_state` share a word: the two read-modify-writes race",
    },
    buggy: Side::ready(buggy),
    fixed: Some(Side::ready(fixed)),
};

/// `alloc_state` of a free region.
const ALLOC_STATE_FREE: u64 = 1;

/// A bit-field: its shift and width within the word.
#[derive(Clone, Copy, Debug)]
struct BitField {
    shift: u32,
    width: u32,
}

impl BitField {
    const AVAILABLE: BitField = BitField { shift: 0, width: 2 };
    const ALLOC_STATE: BitField = BitField { shift: 2, width: 2 };

    fn mask(self) -> u64 {
        ((1 << self.width) - 1) << self.shift
    }

    fn get(self, word: u64) -> u64 {
        (word & self.mask()) >> self.shift
    }
}

/// The header as the seed declares it: the bit-fields share one 64-bit word.
#[derive(Debug, Default)]
struct PackedHeader {
    word: UnsafeCell<u64>,
}

impl PackedHeader {
    /// `mov (%rax), %rdx; and ~mask, %rdx; or v, %rdx; mov %rdx, (%rax)`.
    fn set(&self, field: BitField, value: u64) {
        self.word.write_bits(field.mask(), value << field.shift);
    }

    fn get(&self, field: BitField) -> u64 {
        field.get(self.word.read_bits(field.mask()))
    }
}

/// The fix: the fields are separate memory locations.
#[derive(Debug, Default)]
struct SplitHeader {
    available: UnsafeCell<u8>,
    alloc_state: UnsafeCell<u8>,
}

/// Locks: the heap's global lock guards `alloc_state`; the block's user guards `available`.
#[derive(Debug, Default)]
struct Locks {
    heap: Mutex<()>,
    user: Mutex<()>,
}

/// Runs the block's user and the heap side by side: `user` sets `available = 2` under the user
/// lock, `heap` sets `alloc_state = FREE` under the heap lock, and `check` reads both at the end.
fn run(user: fn(&Shared), heap: fn(&Shared), check: fn(&Shared)) {
    let shared = Arc::new(Shared::default());
    let u = {
        let s = shared.clone();
        thread::Builder::new()
            .name("user: available = 2".into())
            .spawn(move || user(&s))
            .unwrap()
    };
    let h = {
        let s = shared.clone();
        thread::Builder::new()
            .name("heap: alloc_state = FREE".into())
            .spawn(move || heap(&s))
            .unwrap()
    };
    u.join().unwrap();
    h.join().unwrap();
    check(&shared);
}

#[derive(Debug, Default)]
struct Shared {
    locks: Locks,
    packed: PackedHeader,
    split: SplitHeader,
}

/// The seed's header: two locks, one word.
pub fn buggy() {
    run(
        |s| {
            let _user = s.locks.user.lock().unwrap();
            s.packed.set(BitField::AVAILABLE, 2);
        },
        |s| {
            let _heap = s.locks.heap.lock().unwrap();
            s.packed.set(BitField::ALLOC_STATE, ALLOC_STATE_FREE);
        },
        |s| {
            let available = s.packed.get(BitField::AVAILABLE);
            let state = s.packed.get(BitField::ALLOC_STATE);
            assert_eq!((available, state), (2, ALLOC_STATE_FREE), "lost update");
        },
    );
}

/// Separate memory locations, each under its own lock.
pub fn fixed() {
    run(
        |s| {
            let _user = s.locks.user.lock().unwrap();
            // SAFETY: `available` is only written under the user lock.
            s.split.available.with_mut(|p| unsafe { *p = 2 });
        },
        |s| {
            let _heap = s.locks.heap.lock().unwrap();
            // SAFETY: `alloc_state` is only written under the heap lock.
            s.split
                .alloc_state
                .with_mut(|p| unsafe { *p = ALLOC_STATE_FREE as u8 });
        },
        |s| {
            // SAFETY: both writers are joined.
            let available = s.split.available.with(|p| unsafe { *p });
            let state = s.split.alloc_state.with(|p| unsafe { *p });
            assert_eq!((available, u64::from(state)), (2, ALLOC_STATE_FREE));
        },
    );
}
