//! Races between x86 instructions under x86-TSO, classified after Owens (ECOOP 2010), through
//! the public API (`Builder::x86_races`): triangular races (a load that may run while an
//! earlier store of its thread is still buffered) are data races; the others are benign and
//! SC-preserving; nothing is reported when the analysis is off or the model is not x86-TSO.

use ravel::cell::{SplitCell, UnsafeCell};
use ravel::sync::atomic::{fence, AtomicI32, AtomicU32, Ordering};
use ravel::sync::{Arc, Mutex};
use ravel::{hint, thread, BenignClass, Builder, FindingKind, MemoryModel, Outcome, Strategy};
use ravel_core::explore::ReplayToken;
use std::panic::{catch_unwind, AssertUnwindSafe};

const NON_TRIANGULAR: FindingKind = FindingKind::BenignRace(BenignClass::NonTriangular);

fn x86() -> Builder {
    Builder::new()
        .memory_model(MemoryModel::Tso)
        .x86_races(true)
}

/// Store buffering: each thread stores its flag (`store`), optionally fences, then loads the
/// other's flag (`load`).
fn store_buffering(store: Ordering, load: Ordering, mfence: bool) -> impl Fn() + Sync {
    move || {
        let flags = Arc::new([AtomicU32::new(0), AtomicU32::new(0)]);
        let f = flags.clone();
        let other = thread::spawn(move || {
            f[1].store(1, store);
            if mfence {
                fence(Ordering::SeqCst);
            }
            f[0].load(load)
        });
        flags[0].store(1, store);
        if mfence {
            fence(Ordering::SeqCst);
        }
        let _ = flags[1].load(load);
        let _ = other.join().unwrap();
    }
}

/// The first finding is a triangular data race, with the load, the store and the buffered
/// store; and the search stopped there.
fn assert_triangular(o: &Outcome) {
    let first = o.findings().first().expect("a triangular race");
    assert_eq!(first.kind(), FindingKind::DataRace, "{first}");
    let f = &first.report().finding;
    assert!(f.summary.starts_with("triangular race"), "{first}");
    assert_eq!(f.sides.len(), 3, "{first}");
    assert!(f.sides[0].operation.contains("the racing load, a MOV load"));
    assert!(f.sides[1].operation.contains("the racing store"));
    assert!(f.sides[2].operation.contains("may still be buffered"));
    assert_eq!(
        f.sides[0].thread, f.sides[2].thread,
        "the load's own store is buffered"
    );
    assert_ne!(f.sides[0].thread, f.sides[1].thread);
    for side in &f.sides {
        assert!(
            side.span.unwrap().file.ends_with("triangular.rs"),
            "{first}"
        );
    }
    let text = first.render_stable();
    assert!(text.contains("ravel found a data race"), "{text}");
    assert!(text.contains("MFENCE"), "{text}");
}

/// Only non-triangular benign races, at least one, and the search completed.
fn assert_only_non_triangular(o: &Outcome) {
    assert!(!o.findings().is_empty(), "the races should be shown");
    for f in o.findings() {
        assert_eq!(f.kind(), NON_TRIANGULAR, "{f}");
        let text = f.render_stable();
        assert!(text.contains("SC-preserving under x86-TSO"), "{text}");
        assert!(text.contains("[low severity]"), "{text}");
    }
    assert!(o.complete(), "benign races must not stop the search");
}

#[test]
fn store_buffering_with_relaxed_movs_is_triangular() {
    let sb = store_buffering(Ordering::Relaxed, Ordering::Relaxed, false);
    assert_triangular(&x86().workers(1).explore(&sb));
}

#[test]
fn store_buffering_with_release_acquire_movs_is_triangular() {
    let sb = store_buffering(Ordering::Release, Ordering::Acquire, false);
    assert_triangular(&x86().workers(1).explore(&sb));
    let failed = catch_unwind(AssertUnwindSafe(|| x86().check(&sb)));
    let message = failed.expect_err("a triangular race fails the check");
    let text = message
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(text.contains("triangular race"), "{text}");
}

#[test]
fn store_buffering_with_seqcst_stores_is_not_triangular() {
    // SeqCst stores are XCHGs: locked, so they drain the store buffer before the load.
    let sb = store_buffering(Ordering::SeqCst, Ordering::SeqCst, false);
    let o = x86().explore(&sb);
    assert_only_non_triangular(&o);
    assert!(o
        .findings()
        .iter()
        .all(|f| f.render_stable().contains("XCHG")));
    x86().check(&sb);
}

#[test]
fn store_buffering_with_mfence_is_not_triangular() {
    let sb = store_buffering(Ordering::Relaxed, Ordering::Relaxed, true);
    let o = x86().explore(&sb);
    assert_only_non_triangular(&o);
    assert!(o
        .findings()
        .iter()
        .all(|f| f.render_stable().contains("followed by `fence(SeqCst)`")));
}

/// Message passing: the data is stored before the flag and loaded after it.
fn message_passing() {
    let s = Arc::new((AtomicU32::new(0), AtomicU32::new(0)));
    let s2 = s.clone();
    let producer = thread::spawn(move || {
        s2.0.store(42, Ordering::Relaxed);
        s2.1.store(1, Ordering::Release);
    });
    while s.1.load(Ordering::Acquire) == 0 {
        hint::spin_loop();
    }
    assert_eq!(s.0.load(Ordering::Relaxed), 42);
    producer.join().unwrap();
}

#[test]
fn message_passing_races_only_on_the_flag_and_not_triangularly() {
    let o = x86().explore(message_passing);
    assert_only_non_triangular(&o);
    // The data's store and load never run back to back: the flag's store and load are
    // always between them. Only the Release/Acquire flag races.
    for f in o.findings() {
        for side in &f.report().finding.sides {
            let op = &side.operation;
            assert!(op.contains("(Release)") || op.contains("(Acquire)"), "{f}");
        }
    }
}

/// The seed's simple spinlock (gallery 15): `lock dec` to acquire, a spin of `cmp` loads, a
/// `mov` to release. `announce` makes the waiter store to a flag of its own before spinning,
/// and `mfence` fences that store.
fn spinlock(announce: bool, mfence: bool) -> impl Fn() + Sync {
    move || {
        let s = Arc::new((
            AtomicI32::new(1),
            [AtomicU32::new(0), AtomicU32::new(0)],
            UnsafeCell::new(0u32),
        ));
        let workers: Vec<_> = (0..2)
            .map(|me| {
                let s = s.clone();
                thread::spawn(move || {
                    while s.0.fetch_sub(1, Ordering::SeqCst) <= 0 {
                        if announce {
                            s.1[me].store(1, Ordering::Relaxed);
                            if mfence {
                                fence(Ordering::SeqCst);
                            }
                        }
                        while s.0.load(Ordering::Relaxed) <= 0 {
                            hint::spin_loop();
                        }
                    }
                    s.2.with_mut(|p| unsafe { *p += 1 });
                    s.0.store(1, Ordering::Release);
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        assert_eq!(s.2.with(|p| unsafe { *p }), 2);
    }
}

#[test]
fn spinlock_races_are_not_triangular() {
    let o = x86().explore(spinlock(false, false));
    assert_only_non_triangular(&o);
    let spin = o.findings().iter().find(|f| {
        let sides = &f.report().finding.sides;
        sides[0].operation.starts_with("load") && sides[1].operation.contains("(Release)")
            || sides[1].operation.starts_with("load") && sides[0].operation.contains("(Release)")
    });
    let spin = spin.expect("the spin load races with the releasing store");
    assert!(spin.render_stable().contains("drains the store buffer"));
}

#[test]
fn spinlock_with_an_unfenced_announcement_is_triangular() {
    let o = x86().workers(1).explore(spinlock(true, false));
    assert_triangular(&o);
    let f = &o.findings()[0].report().finding;
    assert!(f.sides[0].operation.starts_with("load"), "the spin load");
    assert!(
        f.sides[2].operation.starts_with("store"),
        "the announcement"
    );
}

#[test]
fn spinlock_with_a_fenced_announcement_is_not_triangular() {
    assert_only_non_triangular(&x86().explore(spinlock(true, true)));
}

#[test]
fn nothing_is_reported_unless_asked_for_under_tso() {
    let sb = store_buffering(Ordering::Relaxed, Ordering::Relaxed, false);
    for model in [MemoryModel::Tso, MemoryModel::Sc, MemoryModel::Rc11] {
        let o = Builder::new().memory_model(model).explore(&sb);
        assert!(o.findings().is_empty() && o.complete(), "{model:?}");
        let o = Builder::new()
            .memory_model(model)
            .explore(spinlock(false, false));
        assert!(o.findings().is_empty() && o.complete(), "{model:?}");
    }
    // The opt-in does nothing under the other models.
    for model in [MemoryModel::Sc, MemoryModel::Rc11] {
        let o = Builder::new()
            .memory_model(model)
            .x86_races(true)
            .explore(&sb);
        assert!(o.findings().is_empty() && o.complete(), "{model:?}");
    }
}

#[test]
fn a_triangular_race_replays() {
    let sb = store_buffering(Ordering::Relaxed, Ordering::Relaxed, false);
    let o = x86().workers(1).explore(&sb);
    let first = &o.findings()[0];
    let token = ReplayToken::decode(first.replay_token()).unwrap();
    let again = x86().strategy(Strategy::Replay(token)).explore(&sb);
    assert_eq!(again.executions(), 1);
    let replayed = &again.findings()[0];
    assert_eq!(replayed.kind(), FindingKind::DataRace);
    assert_eq!(
        replayed.report().finding.sides,
        first.report().finding.sides
    );
    // The same report, but for the count of executions explored before it.
    let text = |f: &ravel::Finding| {
        f.render_stable()
            .lines()
            .filter(|l| !l.starts_with("found after"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(text(replayed), text(first));
}

#[test]
fn several_workers_report_the_same_triangular_race() {
    let sb = spinlock(true, false);
    let one = x86().workers(1).explore(&sb);
    let two = x86().workers(2).explore(&sb);
    assert_eq!(
        one.findings()[0].report().finding,
        two.findings()[0].report().finding
    );
}

/// A cell written by one thread and read by another after it stored to an atomic, fenced or not.
fn cell_race(mfence: bool) -> impl Fn() + Sync {
    move || {
        let s = Arc::new((AtomicU32::new(0), UnsafeCell::new(0u32)));
        let s2 = s.clone();
        let writer = thread::spawn(move || s2.1.with_mut(|p| unsafe { *p = 1 }));
        s.0.store(1, Ordering::Relaxed);
        if mfence {
            fence(Ordering::SeqCst);
        }
        let _ = s.1.with(|p| unsafe { *p });
        writer.join().unwrap();
    }
}

#[test]
fn cell_races_under_tso_say_whether_they_are_triangular() {
    let tso = || Builder::new().memory_model(MemoryModel::Tso).workers(1);
    let label = |o: &Outcome| {
        let f = &o.findings()[0];
        assert_eq!(f.kind(), FindingKind::DataRace, "{f}");
        f.report()
            .finding
            .details
            .iter()
            .find(|d| d.starts_with("under x86-TSO"))
            .cloned()
    };
    let unfenced = label(&tso().explore(cell_race(false))).expect("labelled");
    assert!(unfenced.contains("race is triangular"), "{unfenced}");
    assert!(unfenced.contains("store #"), "{unfenced}");
    let fenced = label(&tso().explore(cell_race(true))).expect("labelled");
    assert!(
        fenced.contains("non-triangular (SC-preserving)"),
        "{fenced}"
    );
    assert!(fenced.contains("fence(SeqCst)"), "{fenced}");
    // Other models say nothing about store buffers.
    let rc11 = Builder::new().workers(1).explore(cell_race(false));
    assert_eq!(label(&rc11), None);
}

/// A thread reads a split value that another thread writes (`val`), right after a relaxed store
/// to another atomic: the shape of a triangular race, on a value made of plain accesses.
fn split_value_race(val: u32, ordered: bool) -> impl Fn() + Sync {
    move || {
        let s = Arc::new((SplitCell::new(0u32), AtomicU32::new(0), Mutex::new(())));
        let s2 = s.clone();
        let writer = thread::spawn(move || {
            let _held = ordered.then(|| s2.2.lock().unwrap());
            s2.0.write(val);
        });
        s.1.store(1, Ordering::Relaxed);
        {
            let _held = ordered.then(|| s.2.lock().unwrap());
            let _ = s.0.read();
        }
        writer.join().unwrap();
    }
}

fn no_x86_report(o: &Outcome) -> bool {
    o.findings()
        .iter()
        .all(|f| !f.report().finding.summary.contains("x86"))
}

#[test]
fn a_split_value_race_that_cannot_tear_is_a_data_race_not_an_x86_race() {
    // Writing 1 over 0 changes one part only: no read can tear.
    let o = x86().explore(split_value_race(1, false));
    assert!(no_x86_report(&o), "{:?}", o.findings());
    assert_eq!(o.findings().len(), 1, "{:?}", o.findings());
    assert_eq!(o.findings()[0].kind(), FindingKind::DataRace);
}

#[test]
fn a_split_value_race_found_in_both_orders_is_reported_once() {
    // The read runs before the write in one execution and after it in another: one race.
    let o = x86().keep_going(true).explore(split_value_race(1, false));
    assert!(o.complete() && o.executions() > 1, "{}", o.executions());
    assert_eq!(o.findings().len(), 1, "{:?}", o.findings());
    assert_eq!(o.findings()[0].kind(), FindingKind::DataRace);
}

#[test]
fn a_tearing_split_value_race_is_a_torn_read_not_an_x86_race() {
    let o = x86().explore(split_value_race(0xaaaa_bbbb, false));
    assert!(no_x86_report(&o), "{:?}", o.findings());
    assert_eq!(o.findings()[0].kind(), FindingKind::TornRead);
}

#[test]
fn a_split_value_under_a_mutex_reports_nothing() {
    let o = x86().explore(split_value_race(0xaaaa_bbbb, true));
    assert!(o.findings().is_empty(), "{:?}", o.findings());
    // Searched to the end, over both orders of the critical sections (and more).
    assert!(
        o.complete() && o.executions() > 1,
        "{} executions",
        o.executions()
    );
}

#[test]
fn a_buffered_split_value_write_is_named_in_a_triangular_race() {
    let o = x86().explore(|| {
        let s = Arc::new((SplitCell::new(0u32), AtomicU32::new(0)));
        let s2 = s.clone();
        let other = thread::spawn(move || s2.1.store(1, Ordering::Relaxed));
        // A plain store that may sit in the store buffer while the load reads memory.
        s.0.write(7);
        let _ = s.1.load(Ordering::Relaxed);
        other.join().unwrap();
    });
    assert_triangular(&o);
    let summary = &o.findings()[0].report().finding.summary;
    assert!(summary.contains("a part of split value"), "{summary}");
}
