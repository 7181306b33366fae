//! Entry 19: idempotent racy writes (seed 004, the Corensic blog, on DataCollider).
//!
//! The original: "there is the interesting case of idempotent writes: two racing writes that
//! happen to write the same value to the same location. Even though such scenarios are easy to
//! prune, the implementers of DataCollider decided not to prune them because more often than not
//! they led to the uncovering of concurrency bugs." In its table: idempotent writes, pruned? No.
//!
//! Two threads finish the same job and both record it with a plain write of the same value
//! (`state = DONE`, through `UnsafeCell::write`, which shows ravel the value). The values agree,
//! so a test that checks the final state always passes; the race is still a race, and ravel
//! reports it as a data race whose report says the writes are idempotent (unlike a lossy
//! counter's race, which is classified benign). There is no fix to make: the entry is about not
//! pruning.

use super::SEED_004;
use crate::entry::{BugClass, Entry, Expect, ModelNeed, Side};
use ravel::cell::UnsafeCell;
use ravel::sync::Arc;
use ravel::{thread, FindingKind};

/// The gallery entry.
pub const ENTRY: Entry = Entry {
    id: "19",
    slug: "e19_idempotent_writes",
    title: "Idempotent racy writes",
    seed: SEED_004,
    class: BugClass::DataRace,
    model: ModelNeed::Rc11,
    expect: Expect {
        kind: FindingKind::DataRace,
        mentions: &["idempotent"],
        shows: "two plain writes of the same value race; ravel reports them, as DataCollider does",
    },
    buggy: Side::ready(buggy),
    fixed: None,
};

const DONE: u32 = 2;

/// Both workers write `state = DONE`.
pub fn buggy() {
    let state = Arc::new(UnsafeCell::new(0u32));
    let workers: Vec<_> = (0..2)
        .map(|i| {
            let state = state.clone();
            thread::Builder::new()
                .name(format!("worker #{}", i + 1))
                .spawn(move || state.write(DONE))
                .unwrap()
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(state.read(), DONE);
}
