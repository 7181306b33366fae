//! Entry 13: Dekker's entry protocol, boiled down (seed 004, the Corensic blog, on the x86
//! memory model).
//!
//! The original: "P1 sets flag1 when it is attempting to enter the critical section, it then
//! checks if flag2 is set; if it is not set, it means P2 has not attempted to enter the critical
//! section, so P1 can safely enter it." On x86 a load may be reordered before an earlier store to
//! another location (the store waits in the store buffer), so both processors can read the
//! other's flag as clear and both enter.
//!
//! The buggy model uses Release stores and Acquire loads, which compile to plain `MOV`s on x86:
//! under x86-TSO both threads enter, and under RC11 too (release/acquire does not order a store
//! before a later load). Under SC they cannot, so the entry waits for TSO and RC11. The fix puts
//! a SeqCst fence (`MFENCE` on x86) between each store and the following load.

use super::SEED_004;
use crate::entry::{BugClass, Entry, Expect, ModelNeed, Side};
use ravel::sync::atomic::{fence, AtomicBool, AtomicU32, Ordering};
use ravel::sync::Arc;
use ravel::{thread, FindingKind};

/// The gallery entry.
pub const ENTRY: Entry = Entry {
    id: "13",
    slug: "e13_dekker",
    title: "Dekker's entry, boiled down",
    seed: SEED_004,
    class: BugClass::Ordering,
    model: ModelNeed::TsoAndRc11,
    expect: Expect::finding(
        FindingKind::Panic,
        "each thread reads the other's flag as clear: both are in the critical section",
    ),
    buggy: Side::ready(buggy),
    fixed: Some(Side::ready(fixed)),
};

#[derive(Debug, Default)]
struct Dekker {
    flags: [AtomicBool; 2],
    /// How many threads are inside the critical section.
    inside: AtomicU32,
    fenced: bool,
}

impl Dekker {
    /// Thread `me` tries to enter; answers whether it did.
    fn try_enter(&self, me: usize) -> bool {
        self.flags[me].store(true, Ordering::Release);
        if self.fenced {
            // MFENCE: the store leaves the store buffer before the load below reads memory.
            fence(Ordering::SeqCst);
        }
        !self.flags[1 - me].load(Ordering::Acquire)
    }

    fn critical_section(&self) {
        let others = self.inside.fetch_add(1, Ordering::Relaxed);
        assert_eq!(others, 0, "both threads are in the critical section");
        self.inside.fetch_sub(1, Ordering::Relaxed);
    }
}

fn run(fenced: bool) {
    let dekker = Arc::new(Dekker {
        fenced,
        ..Dekker::default()
    });
    let threads: Vec<_> = [0, 1]
        .into_iter()
        .map(|me| {
            let d = dekker.clone();
            thread::Builder::new()
                .name(format!("P{}", me + 1))
                .spawn(move || {
                    if d.try_enter(me) {
                        d.critical_section();
                    }
                })
                .unwrap()
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

/// `flag = 1; if (other flag == 0) enter`.
pub fn buggy() {
    run(false);
}

/// The same with `MFENCE` (a SeqCst fence) between the store and the load.
pub fn fixed() {
    run(true);
}
