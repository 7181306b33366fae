//! Misbehaviours of ravel that the gallery ran into, each as the smallest model that showed it,
//! kept as regression tests now that they are fixed.

use ravel::cell::UnsafeCell;
use ravel::hint::spin_loop;
use ravel::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use ravel::sync::Arc;
use ravel::{thread, Builder, FindingKind};
use std::ptr;

/// Publishing a heap object through an `AtomicPtr` (the safe-publication idiom of entry 7) is
/// reported as non-determinism as soon as the allocator hands out another address in the next
/// execution (here because the thread's name is allocated too): ravel compares stored pointer
/// values across executions.
#[test]
fn heap_pointer_in_atomic_ptr_is_not_non_determinism() {
    let o = Builder::new().explore(|| {
        let global = Arc::new(AtomicPtr::<u32>::new(ptr::null_mut()));
        let g = global.clone();
        let t = thread::Builder::new()
            .name("publisher".into())
            .spawn(move || g.store(Box::into_raw(Box::new(5)), Ordering::Release))
            .unwrap();
        let _ = global.load(Ordering::Acquire);
        t.join().unwrap();
        // SAFETY: the one pointer ever stored, from `Box::into_raw`, freed once.
        drop(unsafe { Box::from_raw(global.load(Ordering::Relaxed)) });
    });
    assert!(o.findings().is_empty(), "{}", o.findings()[0]);
    assert!(o.complete());
}

/// An atomic's initial value is remembered by location number, and numbers are handed out in
/// order of first use: when an execution touches two atomics in another order than an earlier
/// one, each reads the other's initial value.
#[test]
fn initial_values_belong_to_their_atomic() {
    let o = Builder::new().explore(|| {
        let flag = Arc::new(AtomicUsize::new(0));
        let (a, b) = (AtomicUsize::new(10), AtomicUsize::new(20));
        let f = flag.clone();
        let t = thread::spawn(move || f.store(1, Ordering::SeqCst));
        if flag.load(Ordering::SeqCst) == 0 {
            assert_eq!(a.load(Ordering::SeqCst), 10);
            assert_eq!(b.load(Ordering::SeqCst), 20);
        } else {
            assert_eq!(b.load(Ordering::SeqCst), 20, "b read a's initial value");
            assert_eq!(a.load(Ordering::SeqCst), 10);
        }
        t.join().unwrap();
    });
    assert!(o.findings().is_empty(), "{}", o.findings()[0]);
    assert!(o.complete());
}

/// The interleaving in a report must be an order in which the execution can happen. Here the
/// reader's load (which reads 1) is printed after the second increment (which wrote 2).
#[test]
fn interleaving_respects_reads_from() {
    let o = Builder::new()
        // Under SC, re-execution follows a real interleaving, so the report is one.
        .memory_model(ravel::MemoryModel::Sc)
        .explore(|| {
            let x = Arc::new(AtomicUsize::new(0));
            let (x1, x2, x3) = (x.clone(), x.clone(), x.clone());
            let a = thread::spawn(move || x1.fetch_add(1, Ordering::SeqCst));
            let b = thread::spawn(move || x2.fetch_add(1, Ordering::SeqCst));
            let r = thread::spawn(move || {
                let v = x3.load(Ordering::SeqCst);
                x3.store(0, Ordering::SeqCst);
                v
            });
            a.join().unwrap();
            b.join().unwrap();
            let v = r.join().unwrap();
            assert_eq!(v + x.load(Ordering::SeqCst), 2, "lost update");
        });
    let report = o.findings()[0].render_stable();
    let line_of = |needle: &str| report.lines().position(|l| l.contains(needle));
    let (load, second_add) = (
        line_of("load #1 (SeqCst) -> 1"),
        line_of("with 1 (SeqCst) -> 1"),
    );
    assert!(
        load.is_none() || second_add.is_none() || load < second_add,
        "the load that read 1 is printed after the increment that wrote 2:\n{report}"
    );
}

/// A spin loop (with `spin_loop`) on an atomic no thread will ever write is a livelock (the
/// brief: "all threads spinning on values no one will write: livelock"); ravel says deadlock.
#[test]
fn spinning_on_an_unwritten_atomic_is_a_livelock() {
    let o = Builder::new().explore(|| {
        let done = Arc::new(AtomicBool::new(false));
        let d = done.clone();
        let worker = thread::spawn(move || {
            while !d.load(Ordering::Acquire) {
                spin_loop();
            }
        });
        worker.join().unwrap();
    });
    assert_eq!(
        o.findings()[0].kind(),
        FindingKind::Livelock,
        "{}",
        o.findings()[0]
    );
}

/// The same loop on an `UnsafeCell`: ravel runs it to the step bound, prints 10,000 steps, and
/// blames a missing `spin_loop` hint that is there.
#[test]
fn spinning_on_an_unwritten_cell_is_a_livelock_without_the_step_bound() {
    let o = Builder::new().explore(|| {
        let done = Arc::new(UnsafeCell::new(false));
        let d = done.clone();
        let worker = thread::spawn(move || {
            // SAFETY: a plain read; nothing writes the cell.
            while !d.with(|p| unsafe { *p }) {
                spin_loop();
            }
        });
        worker.join().unwrap();
    });
    let first = &o.findings()[0];
    assert_eq!(first.kind(), FindingKind::Livelock);
    let report = first.render_stable();
    assert!(!report.contains("spin loop without"), "{report}");
    assert!(
        report.lines().count() < 100,
        "{} lines",
        report.lines().count()
    );
}
