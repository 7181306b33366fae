//! A spawned thread's panic goes to whoever joins it, as with std: `join` returns `Err` with the
//! panic's payload, and the panic is a finding only when nothing handles it (no thread joins the
//! thread, or the joiner panics in turn, in which case the report starts from the first panic).

use ravel::sync::{Arc, Condvar, Mutex};
use ravel::{thread, Builder, FindingKind};

#[test]
fn join_returns_the_panic_and_a_handled_panic_is_no_finding() {
    let outcome = Builder::new().explore(|| {
        let result = thread::spawn(|| panic!("boom")).join();
        let payload = result.expect_err("join returns the panic");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    });
    assert!(outcome.findings().is_empty(), "{:?}", outcome.findings());
    assert!(outcome.complete());
}

#[test]
fn a_formatted_panic_message_is_the_payload() {
    let outcome = Builder::new().explore(|| {
        let n = 7;
        let payload = thread::spawn(move || panic!("bad {n}")).join().unwrap_err();
        assert_eq!(
            payload.downcast_ref::<String>().map(String::as_str),
            Some("bad 7")
        );
    });
    assert!(outcome.findings().is_empty(), "{:?}", outcome.findings());
}

#[test]
fn unwrapping_the_join_reports_the_first_panic() {
    let outcome = Builder::new().explore(|| {
        thread::spawn(|| assert_eq!(1 + 1, 3, "arithmetic"))
            .join()
            .unwrap();
    });
    let finding = &outcome.findings()[0];
    assert_eq!(finding.kind(), FindingKind::Panic);
    let report = finding.to_string();
    let summary = report.lines().nth(1).unwrap_or_default();
    assert!(summary.contains("thread t1 panicked"), "{report}");
    assert!(summary.contains("arithmetic"), "{report}");
    assert!(
        report.contains("received that panic from `join`"),
        "{report}"
    );
    assert_eq!(finding.report().finding.sides.len(), 2, "{report}");
}

#[test]
fn a_panic_no_thread_joins_is_a_finding() {
    let outcome = Builder::new().explore(|| {
        let _detached = thread::spawn(|| panic!("nobody listens"));
    });
    let report = outcome.findings()[0].to_string();
    assert!(report.contains("nobody listens"), "{report}");
    assert!(report.contains("no thread joined thread t1"), "{report}");
}

#[test]
fn a_panic_that_leaves_others_waiting_is_reported_as_the_cause() {
    // The worker panics before signalling: the waiter waits forever. The panic is the cause.
    let outcome = Builder::new().explore(|| {
        let pair = Arc::new((Mutex::new(false), Condvar::new()));
        let p2 = pair.clone();
        let _worker = thread::spawn(move || {
            let _ = &p2;
            panic!("worker died");
        });
        let (m, cv) = &*pair;
        let mut ready = m.lock().unwrap();
        while !*ready {
            ready = cv.wait(ready).unwrap();
        }
    });
    let finding = &outcome.findings()[0];
    assert_eq!(finding.kind(), FindingKind::Panic);
    let report = finding.to_string();
    assert!(report.contains("worker died"), "{report}");
    assert!(
        report.contains("afterwards no thread could go on"),
        "{report}"
    );
}

#[test]
fn a_scope_panics_when_an_unjoined_scoped_thread_panicked() {
    let outcome = Builder::new().explore(|| {
        thread::scope(|s| {
            s.spawn(|| panic!("scoped boom"));
        });
    });
    let report = outcome.findings()[0].to_string();
    assert!(report.contains("scoped boom"), "{report}");
    assert!(report.contains("a scoped thread panicked"), "{report}");
}

#[test]
fn a_scoped_join_returns_the_panic() {
    let outcome = Builder::new().explore(|| {
        let mut data = 0;
        thread::scope(|s| {
            let h = s.spawn(|| panic!("handled"));
            assert!(h.join().is_err());
            s.spawn(|| data += 1);
        });
        assert_eq!(data, 1);
    });
    assert!(outcome.findings().is_empty(), "{:?}", outcome.findings());
    assert!(outcome.complete());
}

#[test]
fn a_scope_waits_for_its_threads_even_when_its_body_panics() {
    // The child borrows `cell` from the frame the panic unwinds: the scope must join it first.
    let outcome = Builder::new().explore(|| {
        let h = thread::spawn(|| {
            let cell = ravel::sync::atomic::AtomicUsize::new(0);
            thread::scope(|s| {
                s.spawn(|| cell.fetch_add(1, ravel::sync::atomic::Ordering::SeqCst));
                panic!("body");
            });
        });
        assert!(h.join().is_err());
    });
    assert!(outcome.findings().is_empty(), "{:?}", outcome.findings());
    assert!(outcome.complete());
}

#[test]
fn a_poisoned_mutex_after_a_handled_panic_is_seen_as_poisoned() {
    let outcome = Builder::new().explore(|| {
        let m = Arc::new(Mutex::new(0));
        let m2 = m.clone();
        let r = thread::spawn(move || {
            let _g = m2.lock().unwrap();
            panic!("while holding the lock");
        })
        .join();
        assert!(r.is_err());
        assert!(
            m.lock().is_err(),
            "std poisons a mutex whose holder panicked"
        );
    });
    assert!(outcome.findings().is_empty(), "{:?}", outcome.findings());
}

mod thread_locals {
    use ravel::sync::atomic::{AtomicUsize, Ordering};
    use ravel::sync::Arc;
    use ravel::{thread, Builder};
    use std::cell::RefCell;

    /// Counts its drop in a shared counter, through a ravel atomic (so the drop is an event).
    struct CountDrop(RefCell<Option<Arc<AtomicUsize>>>);

    impl Drop for CountDrop {
        fn drop(&mut self) {
            if let Some(counter) = self.0.borrow_mut().take() {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    ravel::thread_local! {
        static SLOT: CountDrop = CountDrop(RefCell::new(None));
    }

    #[test]
    fn a_threads_locals_are_dropped_before_join_returns() {
        let outcome = Builder::new().explore(|| {
            let counter = Arc::new(AtomicUsize::new(0));
            let c2 = counter.clone();
            let t = thread::spawn(move || SLOT.with(|s| *s.0.borrow_mut() = Some(c2)));
            t.join().unwrap();
            // The destructor ran on the thread before it ended: join orders it before this load.
            assert_eq!(counter.load(Ordering::Relaxed), 1);
        });
        assert!(outcome.findings().is_empty(), "{:?}", outcome.findings());
        assert!(outcome.complete());
    }

    #[test]
    fn without_join_the_drop_is_not_ordered() {
        let outcome = Builder::new().explore(|| {
            let counter = Arc::new(AtomicUsize::new(0));
            let c2 = counter.clone();
            let _t = thread::spawn(move || SLOT.with(|s| *s.0.borrow_mut() = Some(c2)));
            assert_eq!(counter.load(Ordering::Relaxed), 1, "not dropped yet");
        });
        assert!(!outcome.findings().is_empty(), "an execution reads 0");
    }
}
