//! Each detector both ways: it finds the bug, and stays silent on the fixed program.

use ravel::cell::UnsafeCell;
use ravel::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use ravel::sync::{Arc, Condvar, Mutex};
use ravel::{hint, thread, Builder, FindingKind, Outcome};

fn kinds(o: &Outcome) -> Vec<FindingKind> {
    o.findings().iter().map(|f| f.kind()).collect()
}

fn assert_clean(o: &Outcome) {
    assert!(o.findings().is_empty(), "{}", o.findings()[0]);
    assert!(o.complete());
}

/// Message passing through a flag: Release/Acquire orders the data; Relaxed does not.
fn message_passing(store: Ordering, load: Ordering) -> Outcome {
    Builder::new().explore(move || {
        let shared = Arc::new((UnsafeCell::new(0u32), AtomicBool::new(false)));
        let s = shared.clone();
        let t = thread::spawn(move || {
            s.0.with_mut(|p| unsafe { *p = 42 });
            s.1.store(true, store);
        });
        if shared.1.load(load) {
            assert_eq!(shared.0.with(|p| unsafe { *p }), 42);
        }
        t.join().unwrap();
    })
}

#[test]
fn data_race_through_relaxed_flag() {
    assert_eq!(
        kinds(&message_passing(Ordering::Relaxed, Ordering::Relaxed)),
        [FindingKind::DataRace]
    );
    assert_eq!(
        kinds(&message_passing(Ordering::Release, Ordering::Relaxed)),
        [FindingKind::DataRace]
    );
}

#[test]
fn no_race_through_release_acquire_flag() {
    assert_clean(&message_passing(Ordering::Release, Ordering::Acquire));
    assert_clean(&message_passing(Ordering::SeqCst, Ordering::SeqCst));
}

#[test]
fn fences_give_happens_before() {
    use ravel::sync::atomic::fence;
    let o = Builder::new().explore(|| {
        let shared = Arc::new((UnsafeCell::new(0u32), AtomicBool::new(false)));
        let s = shared.clone();
        let t = thread::spawn(move || {
            s.0.with_mut(|p| unsafe { *p = 1 });
            fence(Ordering::Release);
            s.1.store(true, Ordering::Relaxed);
        });
        if shared.1.load(Ordering::Relaxed) {
            fence(Ordering::Acquire);
            shared.0.with(|p| unsafe { *p });
        }
        t.join().unwrap();
    });
    assert_clean(&o);
}

#[test]
fn join_gives_happens_before() {
    let o = Builder::new().explore(|| {
        let c = Arc::new(UnsafeCell::new(0));
        let c2 = c.clone();
        thread::spawn(move || c2.with_mut(|p| unsafe { *p = 1 }))
            .join()
            .unwrap();
        assert_eq!(c.with(|p| unsafe { *p }), 1);
    });
    assert_clean(&o);
}

#[test]
fn release_sequence_through_rmw() {
    // The Acquire load reads the fetch_add, which continues the Release store's sequence.
    let o = Builder::new().explore(|| {
        let shared = Arc::new((UnsafeCell::new(0u32), AtomicUsize::new(0)));
        let (a, b) = (shared.clone(), shared.clone());
        let t1 = thread::spawn(move || {
            a.0.with_mut(|p| unsafe { *p = 7 });
            a.1.store(1, Ordering::Release);
        });
        let t2 = thread::spawn(move || {
            b.1.fetch_add(1, Ordering::Relaxed);
        });
        if shared.1.load(Ordering::Acquire) == 2 {
            shared.0.with(|p| unsafe { *p });
        }
        t1.join().unwrap();
        t2.join().unwrap();
    });
    assert_clean(&o);
}

#[test]
fn deadlock_names_waits_and_holds() {
    let o = Builder::new().explore(|| {
        let a = Arc::new(Mutex::new(()));
        let b = Arc::new(Mutex::new(()));
        let (a2, b2) = (a.clone(), b.clone());
        let t = thread::Builder::new()
            .name("worker".into())
            .spawn(move || {
                let _x = b2.lock().unwrap();
                let _y = a2.lock().unwrap();
            })
            .unwrap();
        {
            let _x = a.lock().unwrap();
            let _y = b.lock().unwrap();
        }
        t.join().unwrap();
    });
    assert_eq!(kinds(&o), [FindingKind::Deadlock]);
    let text = o.findings()[0].to_string();
    assert!(text.contains("waits for mutex"), "{text}");
    assert!(text.contains("held by thread"), "{text}");
    assert!(text.contains("`worker`"), "{text}");
}

#[test]
fn same_lock_order_has_no_deadlock() {
    let o = Builder::new().explore(|| {
        let a = Arc::new(Mutex::new(()));
        let b = Arc::new(Mutex::new(()));
        let (a2, b2) = (a.clone(), b.clone());
        let t = thread::spawn(move || {
            let _x = a2.lock().unwrap();
            let _y = b2.lock().unwrap();
        });
        {
            let _x = a.lock().unwrap();
            let _y = b.lock().unwrap();
        }
        t.join().unwrap();
    });
    assert_clean(&o);
    assert_eq!(o.executions(), 2);
}

#[test]
fn lost_wakeup_is_a_deadlock() {
    // Notifying before the waiter waits, without a predicate, loses the wake-up.
    let o = Builder::new().explore(|| {
        let pair = Arc::new((Mutex::new(()), Condvar::new()));
        let p = pair.clone();
        let t = thread::spawn(move || p.1.notify_one());
        let guard = pair.0.lock().unwrap();
        let _guard = pair.1.wait(guard).unwrap();
        t.join().unwrap();
    });
    assert!(
        kinds(&o).contains(&FindingKind::Deadlock),
        "{:?}",
        kinds(&o)
    );
}

#[test]
fn condvar_with_predicate_is_correct() {
    let o = Builder::new().explore(|| {
        let pair = Arc::new((Mutex::new(false), Condvar::new()));
        let p = pair.clone();
        let t = thread::spawn(move || {
            *p.0.lock().unwrap() = true;
            p.1.notify_one();
        });
        let guard = pair.0.lock().unwrap();
        let ready = pair.1.wait_while(guard, |ready| !*ready).unwrap();
        assert!(*ready);
        drop(ready);
        t.join().unwrap();
    });
    assert_clean(&o);
}

#[test]
fn spin_without_writer_is_a_livelock() {
    let o = Builder::new().explore(|| {
        let done = AtomicBool::new(false);
        while !done.load(Ordering::Acquire) {
            hint::spin_loop();
        }
    });
    assert_eq!(kinds(&o), [FindingKind::Livelock]);
    assert!(o.findings()[0].to_string().contains("spins at"));
}

#[test]
fn spin_with_writer_terminates() {
    let o = Builder::new().explore(|| {
        let done = Arc::new(AtomicBool::new(false));
        let d = done.clone();
        let t = thread::spawn(move || d.store(true, Ordering::Release));
        while !done.load(Ordering::Acquire) {
            hint::spin_loop();
        }
        t.join().unwrap();
    });
    assert_clean(&o);
}

#[test]
fn spin_without_hint_hits_the_step_bound_with_a_hint() {
    let o = Builder::new().max_steps(200).explore(|| {
        let done = AtomicBool::new(false);
        while !done.load(Ordering::Acquire) {}
    });
    assert_eq!(kinds(&o), [FindingKind::Livelock]);
    assert!(o.findings()[0].to_string().contains("spin_loop"));
}

#[test]
fn panic_in_spawned_thread_and_in_drop_are_findings() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("boom in drop");
        }
    }
    let o = Builder::new().explore(|| {
        thread::spawn(|| {
            let _b = Bomb;
        })
        .join()
        .unwrap();
    });
    assert_eq!(kinds(&o), [FindingKind::Panic]);
    assert!(o.findings()[0].to_string().contains("boom in drop"));
}

#[test]
fn nondeterminism_is_reported() {
    use std::sync::atomic::{AtomicUsize as StdAtomic, Ordering as StdOrdering};
    static RUNS: StdAtomic = StdAtomic::new(0);
    let o = Builder::new().explore(|| {
        let x = Arc::new(AtomicUsize::new(0));
        let y = Arc::new(AtomicUsize::new(0));
        let x2 = x.clone();
        let t = thread::spawn(move || x2.load(Ordering::SeqCst));
        // Reads state outside the model: behaves differently on re-execution.
        if RUNS.fetch_add(1, StdOrdering::Relaxed) == 0 {
            x.store(1, Ordering::SeqCst);
        } else {
            y.load(Ordering::SeqCst);
        }
        t.join().unwrap();
    });
    assert_eq!(kinds(&o), [FindingKind::NonDeterminism]);
}

#[test]
fn budgets_stop_the_search() {
    let o = Builder::new().max_executions(5).explore(|| {
        let m = Arc::new(Mutex::new(0));
        let hs: Vec<_> = (0..4)
            .map(|_| {
                let m = m.clone();
                thread::spawn(move || *m.lock().unwrap() += 1)
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
    });
    assert!(!o.complete());
    assert_eq!(o.executions() + o.redundant(), 5);
}

#[test]
fn statics_start_fresh_in_every_execution() {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    static LOCK: Mutex<u32> = Mutex::new(0);
    let o = Builder::new().explore(|| {
        let t = thread::spawn(|| {
            COUNTER.fetch_add(1, Ordering::SeqCst);
            *LOCK.lock().unwrap() += 1;
        });
        COUNTER.fetch_add(1, Ordering::SeqCst);
        *LOCK.lock().unwrap() += 1;
        t.join().unwrap();
        assert_eq!(COUNTER.load(Ordering::SeqCst), 2);
    });
    assert_clean(&o);
}

#[test]
fn weak_compare_exchange_may_fail_spuriously() {
    let o = Builder::new().explore(|| {
        let x = AtomicUsize::new(0);
        let r = x.compare_exchange_weak(0, 1, Ordering::SeqCst, Ordering::SeqCst);
        assert!(r.is_ok(), "spurious failure");
    });
    assert_eq!(kinds(&o), [FindingKind::Panic]);
    let strong = Builder::new().explore(|| {
        let x = AtomicUsize::new(0);
        assert!(x
            .compare_exchange(0, 1, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok());
    });
    assert_clean(&strong);
}

#[test]
fn moved_atomic_keeps_its_value() {
    let o = Builder::new().explore(|| {
        let a = AtomicUsize::new(0);
        a.store(5, Ordering::SeqCst);
        let moved = a;
        assert_eq!(moved.load(Ordering::SeqCst), 5);
    });
    assert_clean(&o);
}

/// Rust aborts when a destructor panics during unwinding; ravel catches the abort on the model
/// thread's stack and reports it (see `rt/trap.rs`). The model runs in a fresh child process, with
/// nothing else of this test binary installed, and the child must pass: it survived.
#[test]
fn double_panic_is_a_finding_and_the_process_survives() {
    if std::env::var_os("RAVEL_DOUBLE_PANIC_CHILD").is_some() {
        struct Bomb;
        impl Drop for Bomb {
            fn drop(&mut self) {
                if std::thread::panicking() {
                    panic!("second panic while unwinding");
                }
            }
        }
        let outcome = Builder::new().explore(|| {
            let t = thread::spawn(|| {
                let _b = Bomb;
                panic!("first panic");
            });
            t.join().unwrap();
        });
        let report = outcome.findings()[0].to_string();
        assert!(report.contains("double panic"), "{report}");
        assert!(report.contains("second panic while unwinding"), "{report}");
        assert!(report.contains("first panic"), "{report}");
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "double_panic_is_a_finding_and_the_process_survives",
            "--exact",
            "--nocapture",
        ])
        .env("RAVEL_DOUBLE_PANIC_CHILD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "{stdout}");
}

#[test]
fn user_code_may_catch_its_own_panics() {
    let o = Builder::new().explore(|| {
        let r = std::panic::catch_unwind(|| panic!("caught inside the model"));
        assert!(r.is_err());
        let m = Mutex::new(1);
        assert_eq!(*m.lock().unwrap(), 1);
    });
    assert_clean(&o);
}

#[test]
fn spinning_thread_joined_by_main_is_a_livelock() {
    let o = Builder::new().explore(|| {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let t = thread::spawn(move || {
            while !s.load(Ordering::Acquire) {
                hint::spin_loop();
            }
        });
        t.join().unwrap();
    });
    assert_eq!(kinds(&o), [FindingKind::Livelock]);
}

#[test]
fn spin_on_a_cell_without_writer_is_a_livelock() {
    let o = Builder::new().explore(|| {
        let flag = UnsafeCell::new(false);
        while !flag.with(|p| unsafe { *p }) {
            hint::spin_loop();
        }
    });
    assert_eq!(kinds(&o), [FindingKind::Livelock]);
}

#[test]
fn pointers_published_through_atomics_replay_with_this_executions_address() {
    use ravel::sync::atomic::AtomicPtr;
    let o = Builder::new().explore(|| {
        let slot = Arc::new(AtomicPtr::new(std::ptr::null_mut::<u32>()));
        let s = slot.clone();
        let t = thread::Builder::new()
            .name("publisher".into())
            .spawn(move || s.store(Box::into_raw(Box::new(5)), Ordering::Release))
            .unwrap();
        let p = slot.load(Ordering::Acquire);
        if !p.is_null() {
            assert_eq!(unsafe { *p }, 5);
        }
        t.join().unwrap();
        let p = slot.swap(std::ptr::null_mut(), Ordering::SeqCst);
        if !p.is_null() {
            drop(unsafe { Box::from_raw(p) });
        }
    });
    assert_clean(&o);
}

#[test]
fn atomics_first_touched_in_another_order_keep_their_initial_values() {
    let o = Builder::new().explore(|| {
        let flag = Arc::new(AtomicUsize::new(0));
        let f = flag.clone();
        let (a, b) = (AtomicUsize::new(10), AtomicUsize::new(20));
        let t = thread::spawn(move || f.store(1, Ordering::SeqCst));
        if flag.load(Ordering::SeqCst) == 0 {
            assert_eq!(a.load(Ordering::SeqCst), 10);
            assert_eq!(b.load(Ordering::SeqCst), 20);
        } else {
            assert_eq!(b.load(Ordering::SeqCst), 20);
        }
        t.join().unwrap();
    });
    assert_clean(&o);
}

#[test]
fn weak_compare_exchange_retry_loops_terminate() {
    let o = Builder::new().explore(|| {
        let a = AtomicUsize::new(1);
        assert_eq!(
            Ok(1),
            a.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |v| Some(v + 1))
        );
        assert_eq!(a.load(Ordering::SeqCst), 2);
    });
    assert_clean(&o);
    assert_eq!(o.executions(), 2, "one spurious failure, then success");
}

#[test]
fn a_preemption_bound_keeps_weak_outcomes() {
    // IRIW-style: with Release/Acquire, the two readers may disagree on the order of the writes.
    let o = Builder::new()
        .preemption_bound(1)
        .keep_going(true)
        .explore(|| {
            let s = Arc::new((AtomicBool::new(false), AtomicBool::new(false)));
            let (a, b, c) = (s.clone(), s.clone(), s.clone());
            let w = thread::spawn(move || a.1.store(true, Ordering::Release));
            let r1 = thread::spawn(move || {
                let x = b.0.load(Ordering::Acquire);
                let y = b.1.load(Ordering::Acquire);
                (x, y)
            });
            let r2 = thread::spawn(move || {
                let y = c.1.load(Ordering::Acquire);
                let x = c.0.load(Ordering::Acquire);
                (x, y)
            });
            s.0.store(true, Ordering::Release);
            w.join().unwrap();
            let (x1, y1) = r1.join().unwrap();
            let (x2, y2) = r2.join().unwrap();
            let disagree = x1 && !y1 && y2 && !x2;
            assert!(!disagree, "the readers disagree");
        });
    assert_eq!(kinds(&o), [FindingKind::Panic]);
}

/// Set when an execution of `race_in_both_orders` ran the write before the read.
static WRITE_RAN_FIRST: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A cell race whose read runs first in one execution and second in another: the reader yields
/// to the writer when it has seen the writer's flag.
fn race_in_both_orders() -> Outcome {
    Builder::new().workers(1).keep_going(true).explore(|| {
        let s = Arc::new((UnsafeCell::new(0u32), AtomicUsize::new(0)));
        let s2 = s.clone();
        let writer = thread::spawn(move || {
            s2.1.store(1, Ordering::Relaxed);
            s2.0.with_mut(|p| unsafe { *p = 1 });
        });
        if s.1.load(Ordering::Relaxed) == 1 {
            thread::yield_now();
            WRITE_RAN_FIRST.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        s.0.with(|p| unsafe { *p });
        writer.join().unwrap();
    })
}

#[test]
fn a_race_found_in_both_orders_is_reported_once() {
    let o = race_in_both_orders();
    assert!(
        WRITE_RAN_FIRST.load(std::sync::atomic::Ordering::Relaxed),
        "no execution ran the write first"
    );
    assert_eq!(o.executions(), 2);
    assert_eq!(kinds(&o), [FindingKind::DataRace], "{:?}", o.findings());
    // The report kept is the first found (the read ran first), named write first.
    let f = &o.findings()[0].report().finding;
    assert!(f.sides[0].operation.contains("read"), "{f:?}");
    assert!(
        f.summary
            .starts_with("non-atomic write and non-atomic read"),
        "{}",
        f.summary
    );
}
