//! loom's `Notify`: a one-waiter park/unpark pair that suites written for loom use to mock out
//! wake-ups (futures, channels). A notification given before the wait is kept, and the wake-up
//! synchronises like a release/acquire pair.
//!
//! Built from a ravel `Mutex<bool>` and `Condvar`, so it has their happens-before and their
//! scheduling points; loom implements it as one primitive, so a model may explore a few more
//! interleavings here than under loom (never fewer behaviours).

use super::atomic::{AtomicBool, Ordering};
use super::{Condvar, Mutex};

/// A notification flag one thread waits on.
#[derive(Debug, Default)]
pub struct Notify {
    notified: Mutex<bool>,
    wakeup: Condvar,
    /// Enforces loom's single-waiter rule.
    waiting: AtomicBool,
}

impl Notify {
    /// A `Notify` with no notification pending.
    pub const fn new() -> Notify {
        Notify {
            notified: Mutex::new(false),
            wakeup: Condvar::new(),
            waiting: AtomicBool::new(false),
        }
    }

    /// Notifies the waiter, or the next thread to wait.
    #[track_caller]
    pub fn notify(&self) {
        let mut notified = self.notified.lock().unwrap_or_else(|e| e.into_inner());
        *notified = true;
        self.wakeup.notify_one();
    }

    /// Waits for a notification and consumes it.
    ///
    /// # Panics
    /// When two threads wait on the same `Notify` at once, as in loom.
    #[track_caller]
    pub fn wait(&self) {
        self.waiting
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .expect("only a single thread may wait on `Notify`");
        let mut notified = self.notified.lock().unwrap_or_else(|e| e.into_inner());
        while !*notified {
            notified = self
                .wakeup
                .wait(notified)
                .unwrap_or_else(|e| e.into_inner());
        }
        *notified = false;
        drop(notified);
        self.waiting.store(false, Ordering::SeqCst);
    }
}
