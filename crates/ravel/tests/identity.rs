//! Objects are named by an identity they keep, not by their address: an object dropped and
//! another built at the same address within one execution are different locations. (Naming by
//! address made the new object inherit the old one's value and race history, and made explorations
//! depend on whether the allocator happened to reuse an address.)

use ravel::cell::UnsafeCell;
use ravel::sync::atomic::{AtomicUsize, Ordering};
use ravel::{thread, Builder};

#[test]
fn a_new_atomic_at_a_reused_address_has_its_own_value() {
    let outcome = Builder::new().explore(|| {
        let first = Box::new(AtomicUsize::new(5));
        first.store(7, Ordering::SeqCst);
        let first_at = &*first as *const AtomicUsize as usize;
        drop(first);
        let second = Box::new(AtomicUsize::new(0));
        let second_at = &*second as *const AtomicUsize as usize;
        // Whether the allocator reused the address or not, the new atomic starts at 0.
        assert_eq!(
            second.load(Ordering::SeqCst),
            0,
            "reused: {}",
            first_at == second_at
        );
    });
    assert!(outcome.findings().is_empty(), "{:?}", outcome.findings());
    assert!(outcome.complete());
}

#[test]
fn a_shared_cell_still_races() {
    let outcome = Builder::new().explore(|| {
        let cell = std::sync::Arc::new(UnsafeCell::new(0u64));
        let c2 = cell.clone();
        let t = thread::spawn(move || c2.with_mut(|p| unsafe { *p = 1 }));
        cell.with_mut(|p| unsafe { *p = 2 });
        t.join().unwrap();
    });
    assert_eq!(outcome.findings()[0].kind(), ravel::FindingKind::DataRace);
}
