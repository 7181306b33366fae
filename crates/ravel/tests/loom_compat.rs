//! loom's own names work, so `cfg(loom)` suites port by changing `loom::` to `ravel::`.

use ravel::sync::atomic::{AtomicUsize, Ordering};
use ravel::sync::Arc;
use ravel::thread;
use std::rc::Rc;

ravel::lazy_static! {
    static ref COUNTER: AtomicUsize = AtomicUsize::new(0);
}

ravel::thread_local! {
    static LOCAL: std::cell::Cell<u32> = std::cell::Cell::new(1);
}

#[test]
fn model_builder_with_loom_fields() {
    let mut builder = ravel::model::Builder::new();
    builder.preemption_bound = Some(2);
    builder.max_branches = 1_000;
    builder.check(|| {
        let n = Arc::new(AtomicUsize::new(0));
        let n2 = n.clone();
        let t = thread::spawn(move || n2.fetch_add(1, Ordering::SeqCst));
        n.fetch_add(1, Ordering::SeqCst);
        t.join().unwrap();
        assert_eq!(n.load(Ordering::SeqCst), 2);
    });
}

#[test]
#[should_panic(expected = "ravel found a panic")]
fn model_builder_finds_bugs() {
    ravel::model::Builder::new().check(|| {
        let n = Arc::new(AtomicUsize::new(0));
        let n2 = n.clone();
        let t = thread::spawn(move || {
            let v = n2.load(Ordering::SeqCst);
            n2.store(v + 1, Ordering::SeqCst);
        });
        let v = n.load(Ordering::SeqCst);
        n.store(v + 1, Ordering::SeqCst);
        t.join().unwrap();
        assert_eq!(n.load(Ordering::SeqCst), 2);
    });
}

#[test]
fn lazy_static_starts_fresh_every_execution() {
    ravel::model(|| {
        let t = thread::spawn(|| COUNTER.fetch_add(1, Ordering::SeqCst));
        COUNTER.fetch_add(1, Ordering::SeqCst);
        t.join().unwrap();
        assert_eq!(COUNTER.load(Ordering::SeqCst), 2);
    });
}

#[test]
fn spawn_needs_no_send_and_update_apis_exist() {
    ravel::model(|| {
        let shared = Rc::new(AtomicUsize::new(5));
        let s = shared.clone();
        thread::spawn(move || {
            assert_eq!(s.update(Ordering::SeqCst, Ordering::SeqCst, |v| v * 2), 5);
        })
        .join()
        .unwrap();
        assert_eq!(shared.compare_and_swap(10, 11, Ordering::SeqCst), 10);
        assert_eq!(
            shared.try_update(Ordering::SeqCst, Ordering::SeqCst, |v| (v < 5).then_some(0)),
            Err(11)
        );
        assert_eq!(LOCAL.try_with(|c| c.get()), Ok(1));
    });
}

#[test]
fn unsync_load_racing_with_a_store_is_a_data_race() {
    let outcome = ravel::Builder::new().explore(|| {
        let a = Arc::new(AtomicUsize::new(0));
        let b = a.clone();
        let t = thread::spawn(move || unsafe { b.unsync_load() });
        a.store(1, Ordering::Relaxed);
        t.join().unwrap();
    });
    let finding = &outcome.findings()[0];
    assert_eq!(finding.kind(), ravel::FindingKind::DataRace);
    let report = finding.to_string();
    assert!(report.contains("non-atomic read"), "{report}");
    assert!(report.contains("unsync_load"), "{report}");
}

#[test]
fn unsync_load_after_join_is_fine() {
    let outcome = ravel::Builder::new().explore(|| {
        let a = Arc::new(AtomicUsize::new(0));
        let b = a.clone();
        let t = thread::spawn(move || b.store(1, Ordering::Relaxed));
        t.join().unwrap();
        assert_eq!(unsafe { a.unsync_load() }, 1);
    });
    assert!(outcome.findings().is_empty(), "{:?}", outcome.findings());
    assert!(outcome.complete());
}

#[test]
fn notify_wakes_its_waiter_and_orders_memory() {
    use ravel::cell::UnsafeCell;
    use ravel::sync::Notify;
    let outcome = ravel::Builder::new().explore(|| {
        let shared = Arc::new((Notify::new(), UnsafeCell::new(0)));
        let s2 = shared.clone();
        let t = thread::spawn(move || {
            s2.1.with_mut(|p| unsafe { *p = 5 });
            s2.0.notify();
        });
        shared.0.wait();
        // The notification orders the write before this read: no race.
        assert_eq!(shared.1.with(|p| unsafe { *p }), 5);
        t.join().unwrap();
    });
    assert!(outcome.findings().is_empty(), "{:?}", outcome.findings());
    assert!(outcome.complete());
}

#[test]
fn main_thread_has_no_name_as_in_loom() {
    ravel::model(|| {
        assert_eq!(thread::current().name(), None);
        let t = thread::Builder::new()
            .name("worker".to_string())
            .spawn(|| assert_eq!(thread::current().name(), Some("worker")))
            .unwrap();
        t.join().unwrap();
    });
}
