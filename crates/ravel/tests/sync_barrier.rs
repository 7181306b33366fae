//! `ravel::sync::Barrier`: one leader per generation, everything before `wait` happens before
//! everything after it, reuse across generations, and missing arrivals found as deadlocks.

use ravel::cell::UnsafeCell;
use ravel::sync::atomic::{AtomicUsize, Ordering};
use ravel::sync::{Arc, Barrier};
use ravel::{thread, Builder, FindingKind, Outcome};

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

/// Two threads each write their own cell, meet at the barrier, and read the other's cell.
fn exchange(barrier: &'static Barrier) -> Outcome {
    Builder::new().explore(move || {
        let cells = Arc::new([UnsafeCell::new(0), UnsafeCell::new(0)]);
        let leaders = Arc::new(AtomicUsize::new(0));
        let run = {
            let (cells, leaders) = (cells.clone(), leaders.clone());
            move |me: usize| {
                cells[me].with_mut(|p| unsafe { *p = me + 10 });
                if barrier.wait().is_leader() {
                    leaders.fetch_add(1, Ordering::Relaxed);
                }
                let other = cells[1 - me].with(|p| unsafe { *p });
                assert_eq!(other, 11 - me);
            }
        };
        let run2 = run.clone();
        let t = thread::spawn(move || run2(1));
        run(0);
        t.join().unwrap();
        assert_eq!(leaders.load(Ordering::Relaxed), 1);
    })
}

#[test]
fn two_threads_meet_with_one_leader() {
    static BARRIER: Barrier = Barrier::new(2);
    let o = exchange(&BARRIER);
    assert_clean(&o);
    // Measured 6: either thread arrives first and sleeps (2), and the sleeper is woken by the
    // leader's notification, or spuriously before the leader arrived (it sleeps again), or
    // spuriously after (3). The notification is sent only because somebody sleeps.
    assert_eq!(o.executions(), 6);
}

#[test]
fn reusable_across_generations() {
    let o = Builder::new().explore(|| {
        let barrier = Arc::new(Barrier::new(2));
        let leaders = Arc::new(AtomicUsize::new(0));
        let (b2, l2) = (barrier.clone(), leaders.clone());
        let t = thread::spawn(move || {
            for _ in 0..2 {
                if b2.wait().is_leader() {
                    l2.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        for _ in 0..2 {
            if barrier.wait().is_leader() {
                leaders.fetch_add(1, Ordering::Relaxed);
            }
        }
        t.join().unwrap();
        assert_eq!(leaders.load(Ordering::Relaxed), 2);
    });
    assert_clean(&o);
}

#[test]
fn a_barrier_of_one_never_waits() {
    let o = Builder::new().explore(|| {
        let barrier = Barrier::new(1);
        assert!(barrier.wait().is_leader());
        assert!(barrier.wait().is_leader());
    });
    assert_clean(&o);
    assert_eq!(o.executions(), 1);
}

#[test]
fn three_party_barrier_with_two_threads_deadlocks() {
    let o = Builder::new().explore(|| {
        let barrier = Arc::new(Barrier::new(3));
        let b2 = barrier.clone();
        let t = thread::spawn(move || {
            b2.wait();
        });
        barrier.wait();
        t.join().unwrap();
    });
    assert_found(&o, FindingKind::Deadlock);
}

#[test]
fn reading_before_the_barrier_races() {
    // The bug the barrier prevents: reading the other thread's cell before meeting.
    let o = Builder::new().explore(|| {
        let cells = Arc::new([UnsafeCell::new(0), UnsafeCell::new(0)]);
        let barrier = Arc::new(Barrier::new(2));
        let (c2, b2) = (cells.clone(), barrier.clone());
        let t = thread::spawn(move || {
            c2[1].with_mut(|p| unsafe { *p = 1 });
            b2.wait();
        });
        let early = cells[1].with(|p| unsafe { *p });
        barrier.wait();
        t.join().unwrap();
        let _ = early;
    });
    assert_found(&o, FindingKind::DataRace);
}

#[test]
fn a_static_barrier_starts_every_execution_empty() {
    static BARRIER: Barrier = Barrier::new(2);
    // Executions that end in a deadlock leave one thread counted as arrived ...
    let stuck = Builder::new().explore(|| {
        BARRIER.wait();
    });
    assert_found(&stuck, FindingKind::Deadlock);
    // ... which must not make the first arrival of a later execution the leader.
    let o = exchange(&BARRIER);
    assert_clean(&o);
}
