//! `ravel::sync::RwLock`: correct uses explore to completion with exact results; lost updates,
//! deadlocks and poisoning are found.

use ravel::cell::UnsafeCell;
use ravel::sync::{Arc, RwLock, TryLockError};
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

#[test]
fn two_writers_count_exactly() {
    let o = Builder::new().explore(|| {
        let lock = Arc::new(RwLock::new(0));
        let l2 = lock.clone();
        let t = thread::spawn(move || *l2.write().unwrap() += 1);
        *lock.write().unwrap() += 1;
        t.join().unwrap();
        assert_eq!(*lock.read().unwrap(), 2);
    });
    assert_clean(&o);
    // Writers exclude each other through the internal writers' mutex, held for the whole
    // critical section, so an execution is one order of the two writers: 2.
    assert_eq!(o.executions(), 2);
}

#[test]
fn readers_hold_the_lock_together() {
    let o = Builder::new().explore(|| {
        let lock = Arc::new(RwLock::new(7));
        let held = lock.read().unwrap();
        let l2 = lock.clone();
        // A second reader gets in while the first holds the lock (joining would deadlock if
        // readers excluded each other), and a writer cannot.
        thread::spawn(move || {
            assert_eq!(*l2.read().unwrap(), 7);
            assert_eq!(*l2.try_read().unwrap(), 7);
            assert!(matches!(l2.try_write(), Err(TryLockError::WouldBlock)));
        })
        .join()
        .unwrap();
        drop(held);
        *lock.try_write().unwrap() += 1;
        assert_eq!(*lock.read().unwrap(), 8);
    });
    assert_clean(&o);
    // One thread runs at a time here (the spawner only joins), so there is nothing to reorder.
    assert_eq!(o.executions(), 1);
}

#[test]
fn reader_sees_all_or_nothing_of_a_write() {
    let o = Builder::new().explore(|| {
        let lock = Arc::new(RwLock::new((0, 0)));
        let l2 = lock.clone();
        let t = thread::spawn(move || {
            let mut g = l2.write().unwrap();
            g.0 = 1;
            g.1 = 1;
        });
        let seen = *lock.read().unwrap();
        assert!(seen == (0, 0) || seen == (1, 1), "torn read {seen:?}");
        t.join().unwrap();
        assert_eq!(*lock.read().unwrap(), (1, 1));
    });
    assert_clean(&o);
    // Measured 9. Every access to the lock's word is a read-modify-write, so an execution is
    // essentially an order of those: 1 with the writer entirely first; 2 with the reader arriving
    // during the write (it backs out of the count before or after the writer's release, then
    // waits on the writers' mutex); 1 with the reader entirely first; 1 with the writer
    // announcing itself while the reader holds the lock but the reader leaving before the writer
    // sleeps; 4 with the writer sleeping until the reader leaves (woken by the reader's
    // notification, or spuriously at three distinguishable points).
    assert_eq!(o.executions(), 9);
}

#[test]
fn lock_orders_cell_accesses() {
    // Data guarded by the lock but kept in a race-checked cell: the writer and both readers are
    // ordered by happens-before in every one of the (measured 568) executions.
    let o = Builder::new().explore(|| {
        let shared = Arc::new((RwLock::new(()), UnsafeCell::new(0)));
        let handles: Vec<_> = (0..2)
            .map(|i| {
                let s = shared.clone();
                thread::spawn(move || {
                    if i == 0 {
                        let _w = s.0.write().unwrap();
                        s.1.with_mut(|p| unsafe { *p += 1 });
                    } else {
                        let _r = s.0.read().unwrap();
                        s.1.with(|p| unsafe { *p });
                    }
                })
            })
            .collect();
        {
            let _r = shared.0.read().unwrap();
            shared.1.with(|p| unsafe { *p });
        }
        for h in handles {
            h.join().unwrap();
        }
        let _w = shared.0.write().unwrap();
        shared.1.with(|p| assert_eq!(unsafe { *p }, 1));
    });
    assert_clean(&o);
}

#[test]
fn reading_the_cell_outside_the_lock_races() {
    // The same, with the reader skipping the lock: the race checker sees it.
    let o = Builder::new().explore(|| {
        let shared = Arc::new((RwLock::new(()), UnsafeCell::new(0)));
        let s = shared.clone();
        let t = thread::spawn(move || {
            let _w = s.0.write().unwrap();
            s.1.with_mut(|p| unsafe { *p += 1 });
        });
        shared.1.with(|p| unsafe { *p });
        t.join().unwrap();
    });
    assert_found(&o, FindingKind::DataRace);
}

#[test]
fn read_then_write_upgrade_loses_an_update() {
    let o = Builder::new().explore(|| {
        let lock = Arc::new(RwLock::new(0));
        let bump = |l: &RwLock<i32>| {
            let v = *l.read().unwrap();
            // The read lock is gone here: another writer can slip in.
            *l.write().unwrap() = v + 1;
        };
        let l2 = lock.clone();
        let t = thread::spawn(move || bump(&l2));
        bump(&lock);
        t.join().unwrap();
        assert_eq!(*lock.read().unwrap(), 2, "lost update");
    });
    assert_found(&o, FindingKind::Panic);
}

#[test]
fn writer_waiting_for_a_reader_thread_deadlocks() {
    let o = Builder::new().explore(|| {
        let lock = Arc::new(RwLock::new(0));
        let w = lock.write().unwrap();
        let l2 = lock.clone();
        let reader = thread::spawn(move || *l2.read().unwrap());
        reader.join().unwrap();
        drop(w);
    });
    assert_found(&o, FindingKind::Deadlock);
}

#[test]
fn recursive_read_against_a_waiting_writer_deadlocks() {
    // Writer-preferring, like std on Linux: a writer waiting for the first read guard blocks the
    // second `read` of the same thread.
    let o = Builder::new().explore(|| {
        let lock = Arc::new(RwLock::new(0));
        let l2 = lock.clone();
        let writer = thread::spawn(move || *l2.write().unwrap() += 1);
        let first = lock.read().unwrap();
        let second = lock.read().unwrap();
        assert_eq!(*first, *second);
        drop((first, second));
        writer.join().unwrap();
    });
    assert_found(&o, FindingKind::Deadlock);
}

#[test]
fn a_panicking_writer_poisons_a_reader_does_not() {
    let o = Builder::new().explore(|| {
        let lock = Arc::new(RwLock::new(1));
        let l2 = lock.clone();
        thread::spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let _g = l2.read().unwrap();
                panic!("reader gives up");
            }));
            assert!(r.is_err());
        })
        .join()
        .unwrap();
        assert!(!lock.is_poisoned());
        let l3 = lock.clone();
        thread::spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let mut g = l3.write().unwrap();
                *g = 2;
                panic!("writer gives up");
            }));
            assert!(r.is_err());
        })
        .join()
        .unwrap();
        assert!(lock.is_poisoned());
        assert_eq!(*lock.read().unwrap_err().into_inner(), 2);
        assert!(matches!(lock.try_write(), Err(TryLockError::Poisoned(_))));
        lock.clear_poison();
        assert_eq!(*lock.write().unwrap(), 2);
    });
    assert_clean(&o);
}

static STATIC_LOCK: RwLock<()> = RwLock::new(());

#[test]
fn a_static_lock_starts_every_execution_unlocked() {
    // An execution that ends in a deadlock leaves the static write-locked; the executions of
    // the next exploration must not inherit that.
    let deadlock = Builder::new().explore(|| {
        let w = STATIC_LOCK.write().unwrap();
        let reader = thread::spawn(|| drop(STATIC_LOCK.read().unwrap()));
        reader.join().unwrap();
        drop(w);
    });
    assert_found(&deadlock, FindingKind::Deadlock);
    let o = Builder::new().explore(|| {
        let cell = Arc::new(UnsafeCell::new(0));
        let c2 = cell.clone();
        let t = thread::spawn(move || {
            let _w = STATIC_LOCK.write().unwrap();
            c2.with_mut(|p| unsafe { *p += 1 });
        });
        {
            let _w = STATIC_LOCK.write().unwrap();
            cell.with_mut(|p| unsafe { *p += 1 });
        }
        t.join().unwrap();
        assert_eq!(cell.with(|p| unsafe { *p }), 2);
    });
    assert_clean(&o);
    assert_eq!(o.executions(), 2);
}

#[test]
fn try_locks_fail_while_a_writer_holds() {
    let o = Builder::new().explore(|| {
        let lock = Arc::new(RwLock::new(0));
        let w = lock.write().unwrap();
        let l2 = lock.clone();
        thread::spawn(move || {
            assert!(matches!(l2.try_read(), Err(TryLockError::WouldBlock)));
            assert!(matches!(l2.try_write(), Err(TryLockError::WouldBlock)));
        })
        .join()
        .unwrap();
        drop(w);
        assert_eq!(*lock.try_read().unwrap(), 0);
    });
    assert_clean(&o);
}

#[test]
fn into_inner_and_get_mut() {
    let o = Builder::new().explore(|| {
        let mut lock = RwLock::new(vec![1]);
        lock.get_mut().unwrap().push(2);
        assert_eq!(lock.into_inner().unwrap(), vec![1, 2]);
    });
    assert_clean(&o);
}
