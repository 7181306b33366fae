//! `ravel::sync::{Once, OnceLock, LazyLock}`: one initialisation per execution whose effects
//! happen before every caller returns, statics that start fresh in every execution, poisoning,
//! and initialisation deadlocks found.

use ravel::cell::UnsafeCell;
use ravel::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use ravel::sync::{Arc, LazyLock, Mutex, Once, OnceLock};
use ravel::{thread, Builder, FindingKind, Outcome};
use std::panic::{catch_unwind, AssertUnwindSafe};

fn assert_clean(o: &Outcome) {
    assert!(o.findings().is_empty(), "{}", o.findings()[0]);
    assert!(o.complete());
}

fn assert_found(o: &Outcome, kind: FindingKind) {
    assert!(
        !o.findings().is_empty(),
        "nothing found in {} executions",
        o.executions()
    );
    assert_eq!(o.findings()[0].kind(), kind, "{}", o.findings()[0]);
}

/// Two threads call `call_once` on `once`; the initialiser writes a race-checked cell that both
/// read afterwards, and counts its runs.
fn two_callers(once: &'static Once) -> Outcome {
    Builder::new().explore(move || {
        let data = Arc::new(UnsafeCell::new(0));
        let runs = Arc::new(AtomicUsize::new(0));
        let call = {
            let (data, runs) = (data.clone(), runs.clone());
            move || {
                once.call_once(|| {
                    runs.fetch_add(1, Ordering::Relaxed);
                    data.with_mut(|p| unsafe { *p = 42 });
                });
                assert!(once.is_completed());
                assert_eq!(data.with(|p| unsafe { *p }), 42);
            }
        };
        let t = thread::spawn(call.clone());
        call();
        t.join().unwrap();
        assert_eq!(runs.load(Ordering::Relaxed), 1);
    })
}

#[test]
fn call_once_runs_once_and_publishes_its_effects() {
    static ONCE: Once = Once::new();
    let o = two_callers(&ONCE);
    assert_clean(&o);
    // Measured 4: either thread initialises (2), and the other either sees the completion flag
    // on its fast path, or finds the flag unset and waits on the internal lock (2).
    assert_eq!(o.executions(), 4);
}

#[test]
fn a_static_once_starts_every_execution_incomplete() {
    static ONCE: Once = Once::new();
    // Complete it in one exploration and leave it mid-initialisation (deadlocked) in another...
    Builder::new().explore(|| ONCE.call_once(|| {}));
    let stuck = Builder::new().explore(|| {
        ONCE.call_once(|| {
            let m = Mutex::new(());
            let _a = m.lock().unwrap();
            let _b = m.lock().unwrap();
        })
    });
    assert_found(&stuck, FindingKind::Deadlock);
    // ... and every execution of the next one still runs the initialiser exactly once.
    let o = two_callers(&ONCE);
    assert_clean(&o);
    assert_eq!(o.executions(), 4);
}

#[test]
fn a_hand_rolled_once_with_a_relaxed_flag_races() {
    // The bug `Once` prevents: the flag publishes nothing, so the data read races.
    let o = Builder::new().explore(|| {
        let shared = Arc::new((AtomicBool::new(false), UnsafeCell::new(0)));
        let s = shared.clone();
        let t = thread::spawn(move || {
            s.1.with_mut(|p| unsafe { *p = 42 });
            s.0.store(true, Ordering::Relaxed);
        });
        if shared.0.load(Ordering::Relaxed) {
            assert_eq!(shared.1.with(|p| unsafe { *p }), 42);
        }
        t.join().unwrap();
    });
    assert_found(&o, FindingKind::DataRace);
}

#[test]
fn poisoning_and_call_once_force() {
    let o = Builder::new().explore(|| {
        let once = Once::new();
        let r = catch_unwind(AssertUnwindSafe(|| once.call_once(|| panic!("init fails"))));
        assert!(r.is_err());
        assert!(!once.is_completed());
        // A poisoned `Once` panics on `call_once` ...
        let r = catch_unwind(AssertUnwindSafe(|| once.call_once(|| {})));
        assert!(r.is_err());
        // ... but `call_once_force` runs, and is told.
        let mut saw_poison = false;
        once.call_once_force(|state| saw_poison = state.is_poisoned());
        assert!(saw_poison);
        assert!(once.is_completed());
        once.call_once(|| unreachable!());
    });
    assert_clean(&o);
}

#[test]
fn once_lock_get_or_init_agrees_on_one_value() {
    let o = Builder::new().explore(|| {
        let cell = Arc::new(OnceLock::new());
        let c2 = cell.clone();
        let t = thread::spawn(move || *c2.get_or_init(|| 1));
        let mine = *cell.get_or_init(|| 2);
        let theirs = t.join().unwrap();
        assert_eq!(mine, theirs);
        assert_eq!(cell.get(), Some(&mine));
        assert_eq!(cell.set(3), Err(3));
    });
    assert_clean(&o);
    // Measured 4, as for `call_once`: who initialises, and whether the other takes the fast path.
    assert_eq!(o.executions(), 4);
}

#[test]
fn once_lock_set_get_take() {
    let o = Builder::new().explore(|| {
        let mut cell = OnceLock::new();
        assert_eq!(cell.get(), None);
        assert_eq!(cell.get_mut(), None);
        assert_eq!(cell.set(vec![1]), Ok(()));
        assert_eq!(cell.set(vec![2]), Err(vec![2]));
        cell.get_mut().unwrap().push(3);
        assert_eq!(cell.get(), Some(&vec![1, 3]));
        assert_eq!(cell.take(), Some(vec![1, 3]));
        assert_eq!(cell.get(), None);
        assert_eq!(*cell.get_or_init(|| vec![4]), vec![4]);
        assert_eq!(cell.into_inner(), Some(vec![4]));
        // A panicking initialiser leaves the cell empty, not poisoned.
        let cell = OnceLock::new();
        assert!(catch_unwind(AssertUnwindSafe(|| cell.get_or_init(|| panic!("no")))).is_err());
        assert_eq!(*cell.get_or_init(|| 5), 5);
    });
    assert_clean(&o);
}

#[test]
fn once_locks_initialised_from_each_other_deadlock() {
    // Class-initialisation deadlock: each cell's initialiser needs the other cell, and the two
    // are first touched from two threads. Run one after the other, this works.
    let o = Builder::new().explore(|| {
        let a = Arc::new(OnceLock::<u32>::new());
        let b = Arc::new(OnceLock::<u32>::new());
        let (a2, b2) = (a.clone(), b.clone());
        let t = thread::spawn(move || *b2.get_or_init(|| *a2.get_or_init(|| 1) + 1));
        let x = *a.get_or_init(|| *b.get_or_init(|| 1) + 1);
        let y = t.join().unwrap();
        assert_eq!(x + y, 3);
    });
    assert_found(&o, FindingKind::Deadlock);
}

// Statics are shared by the tests running in parallel on other OS threads, so every test uses
// its own.

#[test]
fn lazy_statics_initialise_once_per_execution() {
    static INITS: AtomicUsize = AtomicUsize::new(0);
    static BASE: LazyLock<u32> = LazyLock::new(|| {
        INITS.fetch_add(1, Ordering::Relaxed);
        40
    });
    static DERIVED: LazyLock<u32> = LazyLock::new(|| *BASE + 2);
    let o = Builder::new().explore(|| {
        let t = thread::spawn(|| *BASE);
        assert_eq!(*DERIVED, 42);
        assert_eq!(t.join().unwrap(), 40);
        assert_eq!(INITS.load(Ordering::Relaxed), 1);
    });
    assert_clean(&o);
    // Measured 4: as for `call_once`, on `BASE`; `DERIVED` is touched by one thread only.
    assert_eq!(o.executions(), 4);
}

#[test]
fn lazy_statics_initialised_from_each_other_deadlock() {
    static A: LazyLock<u32> = LazyLock::new(|| *B + 1);
    static B: LazyLock<u32> = LazyLock::new(|| *A + 1);
    let o = Builder::new().explore(|| {
        let t = thread::spawn(|| *B);
        let a = *A;
        assert!(a + t.join().unwrap() > 0);
    });
    assert_found(&o, FindingKind::Deadlock);
}

#[test]
fn lazy_static_initialiser_waiting_for_the_caller_deadlocks() {
    // CONFIG's initialiser takes REGISTRY. Main holds REGISTRY and touches CONFIG while t1 runs
    // CONFIG's initialiser: main waits for that initialiser, which waits for main's REGISTRY.
    static REGISTRY: Mutex<u32> = Mutex::new(2);
    static STARTED: AtomicBool = AtomicBool::new(false);
    static CONFIG: LazyLock<u32> = LazyLock::new(|| {
        STARTED.store(true, Ordering::Release);
        *REGISTRY.lock().unwrap() + 40
    });
    let o = Builder::new().explore(|| {
        let t = thread::spawn(|| *CONFIG);
        let registry = REGISTRY.lock().unwrap();
        while !STARTED.load(Ordering::Acquire) {
            thread::yield_now();
        }
        let config = *CONFIG;
        drop(registry);
        assert_eq!(t.join().unwrap(), config);
    });
    assert_found(&o, FindingKind::Deadlock);
    let report = o.findings()[0].render_stable();
    assert!(report.contains("thread main waits for mutex"), "{report}");
    assert!(report.contains("held by thread t1"), "{report}");
    // Touched once before REGISTRY is taken, CONFIG is fine.
    let warmed_up = Builder::new().explore(|| {
        let t = thread::spawn(|| *CONFIG);
        let config = *CONFIG;
        let registry = REGISTRY.lock().unwrap();
        assert_eq!(*CONFIG, config);
        drop(registry);
        assert_eq!(t.join().unwrap(), 42);
    });
    assert_clean(&warmed_up);
}

#[test]
fn lazy_lock_with_a_capturing_closure() {
    let o = Builder::new().explore(|| {
        let base = String::from("ravel");
        let lazy = Arc::new(LazyLock::new(move || base.len()));
        let l2 = lazy.clone();
        let t = thread::spawn(move || **l2);
        assert_eq!(**lazy, 5);
        assert_eq!(t.join().unwrap(), 5);
    });
    assert_clean(&o);
}

#[test]
fn a_panicking_lazy_initialiser_poisons() {
    let o = Builder::new().explore(|| {
        let lazy: LazyLock<u32> = LazyLock::new(|| panic!("no value"));
        assert!(catch_unwind(AssertUnwindSafe(|| *lazy)).is_err());
        assert!(catch_unwind(AssertUnwindSafe(|| *lazy)).is_err());
    });
    assert_clean(&o);
}

#[test]
fn a_lazy_lock_that_outlives_an_execution_needs_a_function_pointer() {
    // Every execution starts the lazy value afresh. A function pointer can run again ...
    fn forty_two() -> u32 {
        42
    }
    let reusable: LazyLock<u32> = LazyLock::new(forty_two);
    let o = Builder::new().explore(|| {
        two_orders();
        assert_eq!(*reusable, 42);
    });
    assert_clean(&o);
    assert_eq!(o.executions(), 2);
    // ... a closure that owns something is consumed by its first run (documented deviation).
    let owned = String::from("ravel");
    let consumed = LazyLock::new(move || owned.len());
    let o = Builder::new().explore(|| {
        two_orders();
        assert_eq!(*consumed, 5);
    });
    assert_found(&o, FindingKind::Panic);
    assert!(o.findings()[0]
        .render_stable()
        .contains("initialiser was consumed in an earlier execution"));
}

/// Two racing increments: makes an exploration run two executions.
fn two_orders() {
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    let t = thread::spawn(move || n2.fetch_add(1, Ordering::Relaxed));
    n.fetch_add(1, Ordering::Relaxed);
    t.join().unwrap();
}
