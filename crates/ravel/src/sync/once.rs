//! A one-time initialisation, shaped like `std::sync::Once`.
//!
//! The initialiser runs while an internal ravel mutex is held, so concurrent callers block on that
//! mutex until it finishes; a completion flag written with `Release` and read with `Acquire`
//! makes the initialiser's effects happen before every `call_once` returns. A caller that waits
//! for an initialiser which (directly or through other threads) waits for that caller is reported
//! as a deadlock: this is how two lazily initialised statics whose initialisers touch each other
//! are caught.
//!
//! State is per execution: a `static` `Once` starts every execution incomplete and unpoisoned.
//! Deviation from std: calling `call_once` from inside its own initialiser deadlocks (std leaves
//! the outcome unspecified) and is reported as such.

use super::atomic::{AtomicU8, Ordering};
use super::mutex::{Mutex, MutexGuard};
use crate::rt::context::with_context;
use std::fmt;

/// The number of the running execution; numbers are unique in the process and never 0.
pub(super) fn current_execution() -> u64 {
    with_context(|ctx| ctx.execution.get())
}

const INCOMPLETE: u8 = 0;
const COMPLETE: u8 = 1;

/// A synchronisation primitive that runs an initialiser exactly once per execution.
pub struct Once {
    /// `COMPLETE` once an initialiser returned; lives in the model, so it resets per execution.
    state: AtomicU8,
    /// Held for the whole initialisation. Poisoned (per execution) when an initialiser panicked.
    lock: Mutex<()>,
    /// The execution in which an initialiser completed (0: none). Written and read only while
    /// holding `lock` or through `&mut self`; Relaxed: private to the OS thread running the model.
    completed_in: std::sync::atomic::AtomicU64,
}

/// The state passed to a [`Once::call_once_force`] initialiser.
#[derive(Debug)]
pub struct OnceState {
    poisoned: bool,
}

impl OnceState {
    /// Whether an earlier initialiser panicked.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }
}

impl Once {
    /// A new, incomplete `Once`; usable in statics.
    #[allow(clippy::new_without_default)]
    #[track_caller]
    pub const fn new() -> Once {
        Once {
            state: AtomicU8::new(INCOMPLETE),
            lock: Mutex::new(()),
            completed_in: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Runs `f` if no initialiser has completed yet, waiting for one that is running.
    ///
    /// # Panics
    ///
    /// If an earlier initialiser panicked (the `Once` is poisoned), and with the panic of `f`.
    #[track_caller]
    pub fn call_once<F: FnOnce()>(&self, f: F) {
        if self.is_completed() {
            return;
        }
        let mut f = Some(f);
        self.run(false, "Once", &mut |_| {
            if let Some(f) = f.take() {
                f()
            }
        });
    }

    /// Like [`Once::call_once`], but also runs on a poisoned `Once`, telling `f` so.
    #[track_caller]
    pub fn call_once_force<F: FnOnce(&OnceState)>(&self, f: F) {
        if self.is_completed() {
            return;
        }
        let mut f = Some(f);
        self.run(true, "Once", &mut |state| {
            if let Some(f) = f.take() {
                f(state)
            }
        });
    }

    /// Whether an initialiser has completed (an `Acquire` read: its effects are visible).
    #[track_caller]
    pub fn is_completed(&self) -> bool {
        self.state.load(Ordering::Acquire) == COMPLETE
    }

    /// The slow path: takes the internal lock (waiting for a running initialiser), and runs `f`
    /// unless an initialiser completed meanwhile. On a poisoned `Once`, panics with "`what`
    /// instance has previously been poisoned" unless `force`.
    #[track_caller]
    pub(super) fn run(&self, force: bool, what: &str, f: &mut dyn FnMut(&OnceState)) {
        let (guard, poisoned): (MutexGuard<'_, ()>, bool) = match self.lock.lock() {
            Ok(g) => (g, false),
            Err(e) => (e.into_inner(), true),
        };
        let execution = current_execution();
        if self.completed_in.load(std::sync::atomic::Ordering::Relaxed) == execution {
            return;
        }
        if poisoned && !force {
            panic!("{what} instance has previously been poisoned");
        }
        // A panic in `f` drops `guard` while unwinding, which poisons `lock` for this execution.
        f(&OnceState { poisoned });
        self.completed_in
            .store(execution, std::sync::atomic::Ordering::Relaxed);
        self.state.store(COMPLETE, Ordering::Release);
        if poisoned {
            self.lock.clear_poison();
        }
        drop(guard);
    }

    /// Whether an initialiser completed in this execution, without a visible operation: for
    /// callers holding `&mut` (whose exclusivity already orders them after the initialiser).
    pub(super) fn completed_here(&self) -> bool {
        self.completed_in.load(std::sync::atomic::Ordering::Relaxed) == current_execution()
    }

    /// Makes the `Once` incomplete again (for `OnceLock::take`; `&mut` proves exclusivity).
    #[track_caller]
    pub(super) fn reset(&mut self) {
        *self.completed_in.get_mut() = 0;
        self.state.store(INCOMPLETE, Ordering::Relaxed);
        self.lock.clear_poison();
    }
}

impl fmt::Debug for Once {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Once").finish_non_exhaustive()
    }
}
