//! Stress mode: a model's own code on real threads, the baseline ravel is measured against.

use ravel::stress::{self, StressError};
use ravel::sync::atomic::{AtomicUsize, Ordering};
use ravel::sync::{Arc, Condvar, Mutex};
use ravel::thread;
use std::time::Duration;

/// A lost update forced by a handshake, so that it happens on every run on real threads (a test
/// must not depend on luck): the spawned thread reads, lets main read and write, then writes.
fn forced_lost_update() {
    let n = Arc::new(AtomicUsize::new(0));
    let step = Arc::new(AtomicUsize::new(0));
    let (n2, step2) = (n.clone(), step.clone());
    let t = thread::spawn(move || {
        let v = n2.load(Ordering::SeqCst);
        step2.store(1, Ordering::SeqCst);
        while step2.load(Ordering::SeqCst) != 2 {
            thread::yield_now();
        }
        n2.store(v + 1, Ordering::SeqCst);
    });
    while step.load(Ordering::SeqCst) != 1 {
        thread::yield_now();
    }
    let v = n.load(Ordering::SeqCst);
    n.store(v + 1, Ordering::SeqCst);
    step.store(2, Ordering::SeqCst);
    t.join().unwrap();
    assert_eq!(n.load(Ordering::SeqCst), 2, "lost update");
}

#[test]
fn a_lost_update_shows_on_real_threads() {
    // SAFETY: the model shares data through `Arc` and atomics only.
    let outcome = unsafe { stress::run(forced_lost_update, Duration::from_millis(50)) }.unwrap();
    assert!(outcome.runs >= 1);
    assert_eq!(outcome.failures, outcome.runs, "{outcome:?}");
    let (run, _, message) = outcome.first_failure.clone().unwrap();
    assert_eq!(run, 1);
    assert!(message.contains("lost update"), "{message}");
    assert!(outcome.mean_time_to_failure().is_some());
    // ravel finds the same bug by exploring.
    let explored = ravel::Builder::new().explore(forced_lost_update);
    assert_eq!(explored.findings()[0].kind(), ravel::FindingKind::Panic);
}

#[test]
fn fetch_add_never_fails() {
    let model = || {
        let n = Arc::new(AtomicUsize::new(0));
        let n2 = n.clone();
        let t = thread::spawn(move || {
            for _ in 0..1000 {
                n2.fetch_add(1, Ordering::Relaxed);
            }
        });
        for _ in 0..1000 {
            n.fetch_add(1, Ordering::Relaxed);
        }
        t.join().unwrap();
        assert_eq!(n.load(Ordering::Relaxed), 2000);
    };
    // SAFETY: as above.
    let outcome = unsafe { stress::run(model, Duration::from_millis(100)) }.unwrap();
    assert!(outcome.runs >= 1);
    assert_eq!(outcome.failures, 0, "{outcome:?}");
    assert_eq!(outcome.mean_time_to_failure(), None);
}

#[test]
fn typed_cell_accesses_work_on_real_threads() {
    // A typed read and write of an `UnsafeCell` (the hooks of the compiler-consequence search
    // must stand aside outside a model), handed over through a join.
    let model = || {
        let c = Arc::new(ravel::cell::UnsafeCell::new(0u32));
        let c2 = c.clone();
        let t = thread::spawn(move || {
            c2.write(c2.read() + 1);
            c2.write_bits(0xF0, 0x30);
        });
        t.join().unwrap();
        assert_eq!(c.read(), 0x31);
        assert_eq!(c.read_bits(0x0F), 1);
    };
    // SAFETY: the cell is written by one thread, read by the other after the join.
    let outcome = unsafe { stress::run(model, Duration::from_millis(20)) }.unwrap();
    assert!(outcome.runs >= 1);
    assert_eq!(outcome.failures, 0, "{outcome:?}");
}

#[test]
fn locks_condvars_and_scopes_work_on_real_threads() {
    let model = || {
        let state = Arc::new((Mutex::new(0u32), Condvar::new()));
        let s2 = state.clone();
        let t = thread::spawn(move || {
            let (m, cv) = &*s2;
            *m.lock().unwrap() += 1;
            cv.notify_one();
        });
        {
            let (m, cv) = &*state;
            let mut v = m.lock().unwrap();
            while *v == 0 {
                v = cv.wait(v).unwrap();
            }
        }
        t.join().unwrap();
        let mut local = 0;
        thread::scope(|s| {
            s.spawn(|| local += 1);
        });
        assert_eq!(local, 1);
    };
    // SAFETY: as above.
    let outcome = unsafe { stress::run(model, Duration::from_millis(100)) }.unwrap();
    assert!(outcome.runs >= 1);
    assert_eq!(outcome.failures, 0, "{outcome:?}");
}

#[test]
fn a_panic_in_an_unjoined_thread_is_a_failure_and_is_named() {
    let model = || {
        let _t = thread::spawn(|| panic!("worker failed"));
    };
    // SAFETY: as above.
    let outcome = unsafe { stress::run(model, Duration::from_millis(20)) }.unwrap();
    assert_eq!(outcome.failures, outcome.runs);
    assert_eq!(outcome.first_failure.unwrap().2, "worker failed");
}

#[test]
fn unsupported_primitives_are_an_error_not_a_failure() {
    let model = || {
        let _ = thread::current();
    };
    // SAFETY: as above.
    let err = unsafe { stress::run(model, Duration::from_millis(20)) }.unwrap_err();
    let StressError::Unsupported(message) = err;
    assert!(message.contains("does not support"), "{message}");
}

#[test]
fn primitives_outside_any_model_still_refuse_to_work() {
    let r = std::panic::catch_unwind(|| AtomicUsize::new(0).load(Ordering::SeqCst));
    assert!(r.is_err());
}
