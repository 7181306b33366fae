//! A cell written at most once, shaped like `std::sync::OnceLock`, built on ravel's [`Once`]: the
//! value is written while the `Once`'s internal mutex is held, and published by its
//! `Release`/`Acquire` completion flag, so whoever sees the value also sees everything its
//! initialiser did. Concurrent `get_or_init` callers wait for the running initialiser; waiting
//! forever (initialisers that touch each other from two threads) is reported as a deadlock.
//!
//! The cell is empty at the start of every execution, also when it is a `static`; a value left
//! from an earlier execution is dropped when the cell is next written. As in std, a panicking
//! initialiser leaves the cell empty (not poisoned).

use super::once::Once;
use std::cell::UnsafeCell;
use std::fmt;

/// A thread-safe cell that can be written only once.
pub struct OnceLock<T> {
    once: Once,
    /// Written only inside the `Once`'s initialiser; `Some` in this execution iff it completed.
    value: UnsafeCell<Option<T>>,
}

// SAFETY: as std's OnceLock: the value is written once, under the `Once`, and then only shared;
// sharing `&OnceLock` hands out `&T` (needs `T: Sync`) and lets any thread store a `T` that
// another thread drops (needs `T: Send`).
unsafe impl<T: Sync + Send> Sync for OnceLock<T> {}
// SAFETY: moving the cell moves the `T`.
unsafe impl<T: Send> Send for OnceLock<T> {}

impl<T> OnceLock<T> {
    /// A new empty cell; usable in statics.
    #[track_caller]
    pub const fn new() -> OnceLock<T> {
        OnceLock {
            once: Once::new(),
            value: UnsafeCell::new(None),
        }
    }

    /// The value, if the cell has been written (one `Acquire` read).
    #[track_caller]
    pub fn get(&self) -> Option<&T> {
        if self.once.is_completed() {
            // SAFETY: completion was published after the value was written, and the value is
            // never written again while shared.
            unsafe { (*self.value.get()).as_ref() }
        } else {
            None
        }
    }

    /// Mutable access to the value, if written (the borrow proves exclusivity).
    pub fn get_mut(&mut self) -> Option<&mut T> {
        if self.once.completed_here() {
            self.value.get_mut().as_mut()
        } else {
            None
        }
    }

    /// Writes `value` if the cell is empty; otherwise answers it back. Waits while another
    /// thread is initialising the cell.
    #[track_caller]
    pub fn set(&self, value: T) -> Result<(), T> {
        let mut value = Some(value);
        if !self.once.is_completed() {
            self.once.run(true, "OnceLock", &mut |_| {
                // SAFETY: only the initialiser writes, and the `Once` runs one at a time.
                unsafe { *self.value.get() = value.take() };
            });
        }
        match value {
            None => Ok(()),
            Some(v) => Err(v),
        }
    }

    /// The value, initialising it with `f` first if the cell is empty. Waits while another
    /// thread is initialising the cell. If `f` panics, the panic propagates and the cell stays
    /// empty. Calling `get_or_init` on the same cell from inside `f` deadlocks (and is reported).
    #[track_caller]
    pub fn get_or_init<F: FnOnce() -> T>(&self, f: F) -> &T {
        if let Some(v) = self.get() {
            return v;
        }
        let mut f = Some(f);
        self.once.run(true, "OnceLock", &mut |_| {
            if let Some(f) = f.take() {
                let v = f();
                // SAFETY: only the initialiser writes, and the `Once` runs one at a time.
                unsafe { *self.value.get() = Some(v) };
            }
        });
        // SAFETY: `run` returned normally, so an initialiser completed in this execution, and
        // this thread is ordered after it (it ran it, or acquired the lock after it).
        let value = unsafe { (*self.value.get()).as_ref() };
        value.expect("ravel: a completed OnceLock holds a value")
    }

    /// Consumes the cell and answers its value, if written.
    pub fn into_inner(mut self) -> Option<T> {
        self.take()
    }

    /// Empties the cell and answers its value, if written (the borrow proves exclusivity).
    #[track_caller]
    pub fn take(&mut self) -> Option<T> {
        if self.once.completed_here() {
            self.once.reset();
            self.value.get_mut().take()
        } else {
            None
        }
    }
}

impl<T> Default for OnceLock<T> {
    fn default() -> OnceLock<T> {
        OnceLock::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_tuple("OnceLock");
        match self.get() {
            Some(v) => d.field(v),
            None => d.field(&format_args!("<uninit>")),
        };
        d.finish()
    }
}

impl<T: Clone> Clone for OnceLock<T> {
    #[track_caller]
    fn clone(&self) -> OnceLock<T> {
        let cell = OnceLock::new();
        if let Some(v) = self.get() {
            let _ = cell.set(v.clone());
        }
        cell
    }
}

impl<T> From<T> for OnceLock<T> {
    #[track_caller]
    fn from(value: T) -> OnceLock<T> {
        let cell = OnceLock::new();
        let _ = cell.set(value);
        cell
    }
}

impl<T: PartialEq> PartialEq for OnceLock<T> {
    #[track_caller]
    fn eq(&self, other: &OnceLock<T>) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceLock<T> {}
