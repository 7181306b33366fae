//! Benign-race classification, both ways (DataCollider's table, seed 004): lossy counters,
//! reads and writes of different bits, and cells declared racy are reported at low severity
//! and do not fail a check unless asked to; reference counts, idempotent writes, and writes of
//! different bits of one word are data races; the race-free versions report nothing.

use ravel::cell::{RacyCell, UnsafeCell};
use ravel::sync::atomic::{AtomicU64, Ordering};
use ravel::sync::{Arc, Mutex};
use ravel::{thread, BenignClass, Builder, FindingKind, Outcome};
use std::panic::{catch_unwind, AssertUnwindSafe};

fn kinds(o: &Outcome) -> Vec<FindingKind> {
    o.findings().iter().map(|f| f.kind()).collect()
}

fn assert_clean(o: &Outcome) {
    assert!(o.findings().is_empty(), "{}", o.findings()[0]);
    assert!(o.complete());
}

/// Every finding is a benign race of `class`, there is one, and the search completed.
fn assert_only_benign(o: &Outcome, class: BenignClass) {
    assert!(!o.findings().is_empty(), "no finding");
    for f in o.findings() {
        assert_eq!(f.kind(), FindingKind::BenignRace(class), "{f}");
        assert!(f.is_benign());
    }
    assert!(o.complete(), "a benign race must not stop the exploration");
}

/// `check` passes by default and fails with `fail_on_benign(true)`, naming the class.
fn assert_fails_only_when_asked(model: fn(), phrase: &str) {
    Builder::new().check(model);
    ravel::model(model);
    let failed = catch_unwind(AssertUnwindSafe(|| {
        Builder::new().fail_on_benign(true).check(model)
    }));
    let message = failed.expect_err("fail_on_benign(true) must fail the check");
    let text = message
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(text.contains(phrase), "{text}");
    assert!(text.contains("[low severity]"), "{text}");
}

fn two_threads(body: fn(&Shared)) {
    let shared = Arc::new(Shared::default());
    let s = shared.clone();
    let t = thread::spawn(move || body(&s));
    body(&shared);
    t.join().unwrap();
}

#[derive(Default)]
struct Shared {
    counter: UnsafeCell<u64>,
    refcount: UnsafeCell<u32>,
    flags: UnsafeCell<u8>,
    racy: RacyCell<u64>,
    lock: Mutex<()>,
    atomic: AtomicU64,
}

// Lossy counters.

fn lossy_counter() {
    two_threads(|s| s.counter.write(s.counter.read() + 1));
}

#[test]
fn lossy_counter_is_benign() {
    assert_only_benign(
        &Builder::new().explore(lossy_counter),
        BenignClass::LossyCounter,
    );
    assert_fails_only_when_asked(lossy_counter, "benign race (lossy counter)");
}

/// A statistics reader racing with the counter's increments is the same benign race.
#[test]
fn lossy_counter_read_by_a_reporter_is_benign() {
    let o = Builder::new().explore(|| {
        let shared = Arc::new(Shared::default());
        let s = shared.clone();
        let t = thread::spawn(move || s.counter.write(s.counter.read() + 3));
        let _statistic = shared.counter.read();
        t.join().unwrap();
    });
    assert_only_benign(&o, BenignClass::LossyCounter);
}

#[test]
fn lossy_counter_under_a_lock_is_clean() {
    assert_clean(&Builder::new().explore(|| {
        two_threads(|s| {
            let _g = s.lock.lock().unwrap();
            s.counter.write(s.counter.read() + 1);
        })
    }));
    assert_clean(&Builder::new().explore(|| {
        two_threads(|s| {
            s.atomic.fetch_add(1, Ordering::Relaxed);
        })
    }));
}

/// `with_mut` closures are opaque: ravel cannot see an increment, so the race is a bug.
#[test]
fn counter_through_with_mut_is_a_data_race() {
    let o = Builder::new().explore(|| {
        two_threads(|s| s.counter.with_mut(|p| unsafe { *p += 1 }));
    });
    assert_eq!(kinds(&o), [FindingKind::DataRace]);
}

// Reference counts: incremented and decremented.

fn refcount() {
    two_threads(|s| {
        s.refcount.write(s.refcount.read() + 1); // get
        s.refcount.write(s.refcount.read() - 1); // put
    });
}

#[test]
fn reference_count_race_is_a_bug() {
    let o = Builder::new().explore(refcount);
    assert_eq!(kinds(&o), [FindingKind::DataRace]);
    let text = o.findings()[0].render_stable();
    assert!(text.contains("reference count"), "{text}");
    assert!(catch_unwind(|| ravel::model(refcount)).is_err());
}

/// Races first taken for a lossy counter (both threads increment before either decrements)
/// are reported as data races once the decrement comes, and never as benign. Cell accesses are
/// not graph events, so the optimal search runs one order of them; enumerating interleavings
/// runs the orders where both increments come first.
#[test]
fn reference_count_is_never_benign() {
    let o = Builder::new()
        .keep_going(true)
        .preemption_bound(3)
        .explore(refcount);
    assert!(!o.findings().is_empty());
    for f in o.findings() {
        assert_eq!(f.kind(), FindingKind::DataRace, "{f}");
    }
    let overturned = o
        .findings()
        .iter()
        .any(|f| f.render_stable().contains("looked like a lossy counter's"));
    assert!(
        overturned,
        "some race is first classified lossy, then overturned"
    );
}

#[test]
fn reference_count_with_atomics_is_clean() {
    assert_clean(&Builder::new().explore(|| {
        two_threads(|s| {
            s.atomic.fetch_add(1, Ordering::Relaxed);
            s.atomic.fetch_sub(1, Ordering::Release);
        })
    }));
}

// Idempotent writes: reported, not pruned.

fn idempotent() {
    two_threads(|s| s.counter.write(2));
}

#[test]
fn idempotent_writes_are_a_data_race() {
    let o = Builder::new().explore(idempotent);
    assert_eq!(kinds(&o), [FindingKind::DataRace]);
    let text = o.findings()[0].render_stable();
    assert!(
        text.contains("both writes store 2: idempotent writes"),
        "{text}"
    );
    assert!(catch_unwind(|| ravel::model(idempotent)).is_err());
}

#[test]
fn idempotent_writes_under_a_lock_are_clean() {
    assert_clean(&Builder::new().explore(|| {
        two_threads(|s| {
            let _g = s.lock.lock().unwrap();
            s.counter.write(2);
        })
    }));
}

// Different bits of one word.

fn different_bits() {
    let shared = Arc::new(Shared::default());
    let s = shared.clone();
    let t = thread::spawn(move || s.flags.write_bits(0b01, 0b01));
    let _other_flag = shared.flags.read_bits(0b10);
    t.join().unwrap();
}

#[test]
fn read_and_write_of_different_bits_is_benign() {
    assert_only_benign(
        &Builder::new().explore(different_bits),
        BenignClass::DifferentBits,
    );
    assert_fails_only_when_asked(different_bits, "benign race (different bits)");
}

#[test]
fn read_and_write_of_the_same_bits_is_a_data_race() {
    let o = Builder::new().explore(|| {
        let shared = Arc::new(Shared::default());
        let s = shared.clone();
        let t = thread::spawn(move || s.flags.write_bits(0b11, 0b01));
        let _flag = shared.flags.read_bits(0b10);
        t.join().unwrap();
    });
    assert_eq!(kinds(&o), [FindingKind::DataRace]);
    let o = Builder::new().explore(|| {
        let shared = Arc::new(Shared::default());
        let s = shared.clone();
        let t = thread::spawn(move || s.flags.write_bits(0b01, 0b01));
        let _whole_word = shared.flags.read();
        t.join().unwrap();
    });
    assert_eq!(kinds(&o), [FindingKind::DataRace]);
}

/// Two threads writing different bits with read-modify-writes can lose an update (seed 004's
/// heap header): a data race, whatever the masks.
fn two_bit_writers() {
    let shared = Arc::new(Shared::default());
    let s = shared.clone();
    let t = thread::spawn(move || s.flags.write_bits(0b01, 0b01));
    shared.flags.write_bits(0b10, 0b10);
    t.join().unwrap();
}

#[test]
fn writes_of_different_bits_are_a_data_race() {
    let o = Builder::new().explore(two_bit_writers);
    assert_eq!(kinds(&o), [FindingKind::DataRace]);
    let text = o.findings()[0].render_stable();
    assert!(text.contains("a lost update"), "{text}");
    // In every order, the race of either half of one store with the other store is a bug.
    let o = Builder::new()
        .keep_going(true)
        .preemption_bound(3)
        .explore(two_bit_writers);
    for f in o.findings() {
        assert_eq!(f.kind(), FindingKind::DataRace, "{f}");
        assert!(f.render_stable().contains("a lost update"), "{f}");
    }
}

#[test]
fn bits_under_one_lock_are_clean() {
    assert_clean(&Builder::new().explore(|| {
        let shared = Arc::new(Shared::default());
        let s = shared.clone();
        let t = thread::spawn(move || {
            let _g = s.lock.lock().unwrap();
            s.flags.write_bits(0b01, 0b01);
        });
        {
            let _g = shared.lock.lock().unwrap();
            shared.flags.write_bits(0b10, 0b10);
        }
        t.join().unwrap();
        assert_eq!(shared.flags.read(), 0b11);
    }));
}

// Declared racy.

fn declared_racy() {
    two_threads(|s| {
        s.racy.with_mut(|p| unsafe { *p = 7 });
        let _now = s.racy.with(|p| unsafe { *p });
        s.racy.write(s.racy.read() - 1);
    });
}

#[test]
fn declared_racy_cell_is_benign() {
    assert_only_benign(
        &Builder::new().explore(declared_racy),
        BenignClass::DeclaredRacy,
    );
    assert_fails_only_when_asked(declared_racy, "benign race (declared racy)");
}

#[test]
fn declared_racy_cell_without_a_race_is_clean() {
    assert_clean(&Builder::new().explore(|| {
        let shared = Arc::new(Shared::default());
        let s = shared.clone();
        let t = thread::spawn(move || s.racy.write(1));
        t.join().unwrap();
        assert_eq!(shared.racy.read(), 1);
    }));
}

/// A benign race does not hide a bug that comes after it in the same execution.
#[test]
fn benign_race_does_not_hide_a_later_bug() {
    let o = Builder::new().explore(|| {
        let shared = Arc::new(Shared::default());
        let s = shared.clone();
        let t = thread::spawn(move || {
            s.racy.write(1);
            s.counter.with_mut(|p| unsafe { *p = 1 });
        });
        let _ = shared.racy.read();
        shared.counter.with_mut(|p| unsafe { *p = 2 });
        t.join().unwrap();
    });
    assert_eq!(o.findings()[0].kind(), FindingKind::DataRace);
    assert!(o.findings()[1..].iter().all(|f| f.is_benign()));
}

/// The values a read saw appear in the trace; a replayed benign token reproduces the race.
#[test]
fn benign_report_shows_values_and_replays() {
    let o = Builder::new().explore(lossy_counter);
    let report = &o.findings()[0];
    let text = report.render_stable();
    assert!(text.contains("read of cell #c1 -> 0"), "{text}");
    assert!(text.contains("write to cell #c1 = 1"), "{text}");
    let token = ravel::Strategy::Replay(
        ravel_core::explore::ReplayToken::decode(report.replay_token()).unwrap(),
    );
    let replayed = Builder::new().strategy(token).explore(lossy_counter);
    assert_eq!(
        replayed.findings()[0].report().finding,
        report.report().finding
    );
}
