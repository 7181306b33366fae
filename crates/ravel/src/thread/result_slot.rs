//! Where a thread's result waits for whoever joins it.
//!
//! Written once, by the thread as it ends; taken once, by `join` after the thread has ended. A
//! mutex did the same with two locked instructions per lock and unlock, four per thread's life
//! on the hot path of spawn-heavy models; here publishing and taking are plain stores and loads
//! (release and acquire cost nothing extra on x86).

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicU8, Ordering};

const EMPTY: u8 = 0;
const FULL: u8 = 1;
const TAKEN: u8 = 2;

/// A one-shot cell for a thread's `std::thread::Result`.
pub(crate) struct ResultSlot<T> {
    state: AtomicU8,
    value: UnsafeCell<Option<std::thread::Result<T>>>,
}

// SAFETY: the value is written only while the state is EMPTY, by the one thread that ends, and
// published by a release store of FULL; it is read only after an acquire load saw FULL, by the
// one joiner (`take` needs the handle, which `join` consumes). Writer and reader never overlap.
unsafe impl<T: Send> Sync for ResultSlot<T> {}

impl<T> ResultSlot<T> {
    pub(crate) fn new() -> ResultSlot<T> {
        ResultSlot {
            state: AtomicU8::new(EMPTY),
            value: UnsafeCell::new(None),
        }
    }

    /// Stores the thread's result; called once, by the thread itself as it ends.
    pub(crate) fn put(&self, result: std::thread::Result<T>) {
        if self.state.load(Ordering::Relaxed) != EMPTY {
            return;
        }
        // SAFETY: EMPTY, so no reader touches the value (see the `Sync` impl), and the thread
        // puts its result once.
        unsafe { *self.value.get() = Some(result) };
        self.state.store(FULL, Ordering::Release);
    }

    /// Whether a result is waiting or was taken: the thread has ended.
    pub(crate) fn is_filled(&self) -> bool {
        self.state.load(Ordering::Acquire) != EMPTY
    }

    /// The result, once; `None` if the thread ended without one or it was taken before.
    pub(crate) fn take(&self) -> Option<std::thread::Result<T>> {
        if self.state.load(Ordering::Acquire) != FULL {
            return None;
        }
        self.state.store(TAKEN, Ordering::Relaxed);
        // SAFETY: FULL was published with release after the value's write, and the only taker
        // runs here (see the `Sync` impl).
        unsafe { (*self.value.get()).take() }
    }
}

impl<T> std::fmt::Debug for ResultSlot<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultSlot")
            .field("state", &self.state.load(Ordering::Relaxed))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::ResultSlot;

    #[test]
    fn a_result_is_taken_once() {
        let slot = ResultSlot::new();
        assert!(!slot.is_filled());
        assert!(slot.take().is_none());
        slot.put(Ok(7));
        assert!(slot.is_filled());
        assert_eq!(slot.take().map(|r| r.ok()), Some(Some(7)));
        assert!(slot.take().is_none());
        assert!(slot.is_filled());
    }

    #[test]
    fn a_second_put_is_ignored() {
        let slot = ResultSlot::new();
        slot.put(Ok(1));
        slot.put(Ok(2));
        assert_eq!(slot.take().map(|r| r.ok()), Some(Some(1)));
    }

    #[test]
    fn a_result_crosses_real_threads() {
        let slot = std::sync::Arc::new(ResultSlot::new());
        let writer = slot.clone();
        std::thread::spawn(move || writer.put(Ok(String::from("done"))))
            .join()
            .unwrap();
        assert_eq!(slot.take().map(|r| r.ok()), Some(Some("done".to_string())));
    }
}
