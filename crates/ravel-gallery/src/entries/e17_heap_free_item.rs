//! Entry 17: the heap's `free_item` setting `alloc_state` outside the heap lock (seed 004, the
//! Corensic blog, on the Jinx hypervisor's malloc).
//!
//! The original: the heap is a linked list of regions from HEAD to TAIL; "the heap linked list
//! may have no two adjacent free regions (they should be coalesced into one free region)".
//! ```c
//! free_item(item, heap) {
//!     item->alloc_state = ALLOC_STATE_FREE;   // outside the lock: the bug
//!     lock(heap);
//!     coalesce(item, right_neighbor(item));
//!     coalesce(left_neighbor(item), item);
//!     unlock(heap);
//! }
//! ```
//! "Imagine that a manipulator of our left-hand neighbor, holding the lock, observed that our
//! region had become free, and coalesced its region with ours. That would be catastrophic, as
//! we'd end up with a pointer to a region that no longer was!" The fix: set `alloc_state` under
//! the lock, since regions consult their neighbours' state while coalescing.
//!
//! The list links are guarded by the heap lock (a `Mutex`); `alloc_state` is a byte the
//! hypervisor stores with one instruction and without preemption, racy but defined, so a
//! Relaxed atomic: the finding is the broken heap invariant, not a data race. `coalesce` asserts
//! it never touches a region that was merged away, and the model checks at the end that no two
//! adjacent regions are free. (The per-processor freelists of the seed are left out: they do
//! not take part in the bug.)

use super::SEED_004;
use crate::entry::{BugClass, Entry, Expect, ModelNeed, Side};
use ravel::sync::atomic::{AtomicU8, Ordering::Relaxed};
use ravel::sync::{Arc, Mutex};
use ravel::{thread, FindingKind};

/// The gallery entry.
pub const ENTRY: Entry = Entry {
    id: "17",
    slug: "e17_heap_free_item",
    title: "Heap free_item outside the lock",
    seed: SEED_004,
    class: BugClass::Atomicity,
    model: ModelNeed::Sc,
    expect: Expect::finding(
        FindingKind::Panic,
        "the left neighbour coalesces a region whose free is still in flight; its owner then \
         uses a region that no longer exists",
    ),
    buggy: Side::ready(buggy),
    fixed: Some(Side::ready(fixed)),
};

const ALLOC_STATE_FREE: u8 = 0;
const ALLOC_STATE_IN_USE: u8 = 1;
const ALLOC_STATE_SENTINEL: u8 = 2;

/// The regions: HEAD, three allocations, TAIL.
const HEAD: usize = 0;
const A: usize = 1;
const B: usize = 2;
const TAIL: usize = 4;
const REGIONS: usize = 5;

/// `bytes_to_previous_header` / `bytes_to_next_header` as links, plus the region's size.
#[derive(Clone, Copy, Debug)]
struct Links {
    prev: usize,
    next: usize,
    size: u64,
    /// False once the region has been merged into its left neighbour.
    exists: bool,
}

/// The heap: links under the global lock, `alloc_state` in each region's header.
#[derive(Debug)]
struct Heap {
    lock: Mutex<[Links; REGIONS]>,
    alloc_state: [AtomicU8; REGIONS],
}

impl Heap {
    fn new() -> Heap {
        let links = std::array::from_fn(|i| Links {
            prev: i.saturating_sub(1),
            next: (i + 1).min(TAIL),
            size: if i == HEAD || i == TAIL { 0 } else { 64 },
            exists: true,
        });
        let heap = Heap {
            lock: Mutex::new(links),
            alloc_state: Default::default(),
        };
        // Write the headers, as heap initialisation does. (Stores rather than initial values
        // also give every atomic its first use in the same order in every execution, which
        // ravel currently needs: an atomic first touched in a different order can read another
        // one's initial value.)
        for (i, state) in heap.alloc_state.iter().enumerate() {
            let value = if i == HEAD || i == TAIL {
                ALLOC_STATE_SENTINEL
            } else {
                ALLOC_STATE_IN_USE
            };
            state.store(value, Relaxed);
        }
        heap
    }

    fn is_free(&self, region: usize) -> bool {
        self.alloc_state[region].load(Relaxed) == ALLOC_STATE_FREE
    }

    /// Merges `right` into `left` when both are free; the caller holds the heap lock.
    fn coalesce(&self, links: &mut [Links; REGIONS], left: usize, right: usize) {
        assert!(
            links[left].exists && links[right].exists,
            "region used after coalesce: region {} no longer exists",
            if links[left].exists { right } else { left }
        );
        if !(self.is_free(left) && self.is_free(right)) {
            return;
        }
        let after = links[right].next;
        links[left].size += links[right].size;
        links[left].next = after;
        links[after].prev = left;
        links[right].exists = false;
    }

    /// The seed's buggy `free_item`: `alloc_state` is set before taking the lock.
    fn free_item_unlocked_state(&self, item: usize) {
        self.alloc_state[item].store(ALLOC_STATE_FREE, Relaxed);
        let mut links = self.lock.lock().unwrap();
        let right = links[item].next;
        self.coalesce(&mut links, item, right);
        let left = links[item].prev;
        self.coalesce(&mut links, left, item);
    }

    /// The fix: `alloc_state` changes under the lock, like everything coalescing reads.
    fn free_item(&self, item: usize) {
        let mut links = self.lock.lock().unwrap();
        self.alloc_state[item].store(ALLOC_STATE_FREE, Relaxed);
        let right = links[item].next;
        self.coalesce(&mut links, item, right);
        let left = links[item].prev;
        self.coalesce(&mut links, left, item);
    }

    /// The heap invariant: walking from HEAD, no two adjacent regions are free.
    fn check_invariant(&self) {
        let links = self.lock.lock().unwrap();
        let mut region = HEAD;
        while region != TAIL {
            let next = links[region].next;
            assert!(
                !(self.is_free(region) && self.is_free(next)),
                "regions {region} and {next} are adjacent and both free"
            );
            region = next;
        }
    }
}

fn run(free: fn(&Heap, usize)) {
    let heap = Arc::new(Heap::new());
    let threads: Vec<_> = [(B, "free_item(B)"), (A, "free_item(A)")]
        .into_iter()
        .map(|(item, name)| {
            let heap = heap.clone();
            thread::Builder::new()
                .name(name.into())
                .spawn(move || free(&heap, item))
                .unwrap()
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    heap.check_invariant();
}

/// Two threads free adjacent regions A and B with the seed's `free_item`.
pub fn buggy() {
    run(Heap::free_item_unlocked_state);
}

/// The same with `alloc_state` set under the lock.
pub fn fixed() {
    run(Heap::free_item);
}
