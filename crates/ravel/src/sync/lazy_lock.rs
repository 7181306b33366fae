//! A value initialised on first access, shaped like `std::sync::LazyLock`, built on ravel's
//! [`Once`]: the first thread to touch it runs the initialiser while holding the `Once`'s
//! internal mutex, others wait for it, and the result is published with `Release`/`Acquire`.
//! Two lazy statics whose initialisers touch each other, first touched from two threads, are
//! reported as a deadlock. As in std, a panicking initialiser poisons the `LazyLock`, and every
//! later access panics.
//!
//! Deviation: the value is recomputed in every execution, also for a `static`, so the initialiser
//! must be callable once per execution. A function pointer (the default `F`, and what a closure
//! in a `static` becomes) is simply called again. Any other `F` is consumed by its first call,
//! so a `LazyLock` with such an initialiser that outlives one execution panics when a later
//! execution needs it; create it inside the model instead.

use super::once::Once;
use std::cell::UnsafeCell;
use std::fmt;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};

/// A value initialised on first access.
pub struct LazyLock<T, F = fn() -> T> {
    once: Once,
    /// The initialiser; moved out (and `init_taken` set) by its first call unless it is a
    /// function pointer, which is copied instead.
    init: UnsafeCell<ManuallyDrop<F>>,
    /// Whether `init` was moved out. Relaxed: only touched under the `Once`'s lock or via `&mut`.
    init_taken: AtomicBool,
    /// Written only inside the `Once`'s initialiser; `Some` in this execution iff it completed.
    value: UnsafeCell<Option<T>>,
}

// SAFETY: as std's LazyLock: `&LazyLock` hands out `&T` (needs `T: Sync`), may drop a `T` written
// by another thread (needs `T: Send`), and runs `F` on whichever thread comes first (`F: Send`);
// `F` is used only under the `Once`'s lock.
unsafe impl<T: Sync + Send, F: Send> Sync for LazyLock<T, F> {}

impl<T, F> LazyLock<T, F> {
    /// A new lazy value computed by `f` on first access; usable in statics.
    #[track_caller]
    pub const fn new(f: F) -> LazyLock<T, F> {
        LazyLock {
            once: Once::new(),
            init: UnsafeCell::new(ManuallyDrop::new(f)),
            init_taken: AtomicBool::new(false),
            value: UnsafeCell::new(None),
        }
    }

    /// Whether `F` is a function pointer: copying one is harmless, so it can run in every
    /// execution. Type names are not a stable format; if this ever answers `false` for a
    /// function pointer, the initialiser is consumed instead (see the module documentation).
    fn reusable() -> bool {
        let name = std::any::type_name::<F>();
        !std::mem::needs_drop::<F>()
            && std::mem::size_of::<F>() == std::mem::size_of::<fn()>()
            && (name.starts_with("fn(") || name.starts_with("extern \""))
    }
}

impl<T, F: FnOnce() -> T> LazyLock<T, F> {
    /// The value, running the initialiser first if nobody has; waits while another thread runs
    /// it.
    ///
    /// # Panics
    ///
    /// If the initialiser panicked (now or earlier in this execution).
    #[track_caller]
    pub fn force(this: &LazyLock<T, F>) -> &T {
        if this.once.is_completed() {
            return this.value_unchecked();
        }
        this.once.run(false, "LazyLock", &mut |_| {
            // SAFETY: the initialiser is touched only here, under the `Once`'s lock.
            let f = unsafe { this.take_init() };
            let v = f();
            // SAFETY: only the initialiser writes, and the `Once` runs one at a time.
            unsafe { *this.value.get() = Some(v) };
        });
        this.value_unchecked()
    }

    /// Reads the initialiser out: a copy of a function pointer, or the closure itself (once).
    ///
    /// # Safety
    ///
    /// Only under the `Once`'s lock.
    unsafe fn take_init(&self) -> F {
        if Self::reusable() {
            // SAFETY: `F` is a function pointer (`Copy`, nothing to drop).
            return unsafe { std::ptr::read(&**self.init.get()) };
        }
        if self.init_taken.swap(true, Ordering::Relaxed) {
            panic!(
                "ravel: this LazyLock's initialiser was consumed in an earlier execution; a \
                 LazyLock that outlives an execution needs a function pointer (`fn() -> T`) as \
                 its initialiser, or must be created inside the model"
            );
        }
        // SAFETY: `init_taken` was false, so the initialiser is still there; setting it makes
        // this the only move out, and `Drop` skips it.
        unsafe { ManuallyDrop::take(&mut *self.init.get()) }
    }
}

impl<T, F> LazyLock<T, F> {
    /// The value, once the `Once` completed in this execution and this thread is ordered after it.
    fn value_unchecked(&self) -> &T {
        // SAFETY: callers have seen completion (with `Acquire`, or by running or waiting for the
        // initialiser), and the value is never written again while shared.
        let value = unsafe { (*self.value.get()).as_ref() };
        value.expect("ravel: a completed LazyLock holds a value")
    }
}

impl<T, F> Drop for LazyLock<T, F> {
    fn drop(&mut self) {
        if !*self.init_taken.get_mut() {
            // SAFETY: the initialiser was never moved out, and is dropped only here.
            unsafe { ManuallyDrop::drop(self.init.get_mut()) };
        }
    }
}

impl<T, F: FnOnce() -> T> Deref for LazyLock<T, F> {
    type Target = T;

    #[track_caller]
    fn deref(&self) -> &T {
        LazyLock::force(self)
    }
}

impl<T: Default> Default for LazyLock<T> {
    fn default() -> LazyLock<T> {
        LazyLock::new(T::default)
    }
}

impl<T: fmt::Debug, F> fmt::Debug for LazyLock<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_tuple("LazyLock");
        if self.once.is_completed() {
            d.field(self.value_unchecked());
        } else {
            d.field(&format_args!("<uninit>"));
        }
        d.finish()
    }
}
