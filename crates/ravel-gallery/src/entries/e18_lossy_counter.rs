//! Entry 18: a lossy statistics counter next to a reference count (seed 004, the Corensic blog,
//! on DataCollider's benign races in the Windows kernel).
//!
//! The original: "half of false positives came from lossy counters. There are many places where
//! statistics are gathered [..] In those situations losing a few increments is of no relevance.
//! However not all counters are lossy and, for instance, a data race in reference counting is a
//! serious bug. DataCollider uses simple heuristic to detect lossy counters: they are the ones
//! that are always incremented. A reference counter, on the other hand, is as often incremented
//! as decremented." DataCollider reports every race but de-emphasises the benign ones.
//!
//! Two threads each bump a statistics counter (only ever incremented) and take and drop a
//! reference (increment, then decrement), all with plain read-modify-writes through
//! `UnsafeCell::read`/`write`, which show ravel the values (a `with_mut` closure would not).
//! ravel reports the refcount race as a data race (the report says the cell is incremented and
//! decremented: a reference count) and the counter race as `benign race (lossy counter)`, at
//! low severity: it does not fail the check. The model runs with `keep_going` so every race is
//! reported. There is no fix to make: the entry is about classification.

use super::SEED_004;
use crate::entry::{Budget, BugClass, Entry, Expect, ModelNeed, Side};
use ravel::cell::UnsafeCell;
use ravel::sync::Arc;
use ravel::{thread, FindingKind};

/// The gallery entry.
pub const ENTRY: Entry = Entry {
    id: "18",
    slug: "e18_lossy_counter",
    title: "Lossy counter vs refcount",
    seed: SEED_004,
    class: BugClass::DataRace,
    model: ModelNeed::Rc11,
    expect: Expect {
        kind: FindingKind::DataRace,
        mentions: &["reference count"],
        shows: "the refcount race is a bug; the statistics counter's race is classified benign",
    },
    buggy: Side::ready(buggy).with_budget(Budget {
        max_executions: None,
        keep_going: true,
    }),
    fixed: None,
};

/// A kernel object with a reference count and a statistics counter beside it.
#[derive(Debug)]
struct Object {
    refcount: UnsafeCell<u32>,
    lookups: UnsafeCell<u64>,
}

impl Object {
    /// `obj->lookups++`: a lossy statistic, only ever incremented.
    fn count_lookup(&self) {
        let n = self.lookups.read();
        self.lookups.write(n + 1);
    }

    /// `obj->refcount++`.
    fn get(&self) {
        let n = self.refcount.read();
        self.refcount.write(n + 1);
    }

    /// `if (--obj->refcount == 0) free(obj)`; answers whether the object would be freed.
    fn put(&self) -> bool {
        let n = self.refcount.read() - 1;
        self.refcount.write(n);
        n == 0
    }
}

/// Two threads look the object up: count the lookup, take a reference, drop it.
pub fn buggy() {
    let object = Arc::new(Object {
        refcount: UnsafeCell::new(1),
        lookups: UnsafeCell::new(0),
    });
    let threads: Vec<_> = (0..2)
        .map(|i| {
            let o = object.clone();
            thread::Builder::new()
                .name(format!("lookup #{}", i + 1))
                .spawn(move || {
                    o.count_lookup();
                    o.get();
                    assert!(!o.put(), "the object was freed while its owner holds it");
                })
                .unwrap()
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}
