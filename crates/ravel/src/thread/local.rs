//! Thread-local storage for model threads, shaped like `std::thread_local!`: every model thread
//! gets its own value, created on first use in each execution and dropped by the thread when its
//! function returns, before a `join` of it returns (as std does), so destructors may use ravel.

use crate::rt::context::with_context;
use std::rc::Rc;

/// The error `LocalKey::try_with` would give for a destroyed value (it never does in a model).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct AccessError;

impl std::fmt::Display for AccessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("already destroyed")
    }
}

impl std::error::Error for AccessError {}

/// A key to a model-thread-local value; declare it with [`crate::thread_local!`].
#[derive(Debug)]
pub struct LocalKey<T: 'static> {
    init: fn() -> T,
}

impl<T: 'static> LocalKey<T> {
    #[doc(hidden)]
    pub const fn new(init: fn() -> T) -> LocalKey<T> {
        LocalKey { init }
    }

    /// Calls `f` with this thread's value; never fails in a model (the value is created on
    /// first use; one used by another thread-local's destructor is created again).
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        Ok(self.with(f))
    }

    /// Calls `f` with this thread's value.
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        let key = self as *const LocalKey<T> as usize;
        let value: Rc<dyn std::any::Any> = with_context(|ctx| {
            let t = ctx.current.get();
            let existing = ctx.locals.borrow().get(&(t, key)).cloned();
            existing.unwrap_or_else(|| {
                let fresh: Rc<dyn std::any::Any> = Rc::new((self.init)());
                ctx.locals.borrow_mut().insert((t, key), fresh.clone());
                fresh
            })
        });
        let value = value
            .downcast_ref::<T>()
            .expect("thread-local keys are unique per type");
        f(value)
    }
}

/// Declares model-thread-local statics, like `std::thread_local!`.
#[macro_export]
macro_rules! thread_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr; $($rest:tt)*) => {
        $(#[$attr])* $vis static $name: $crate::thread::LocalKey<$t> = {
            fn __ravel_init() -> $t { $init }
            $crate::thread::LocalKey::new(__ravel_init)
        };
        $crate::thread_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr) => {
        $crate::thread_local!($(#[$attr])* $vis static $name: $t = $init;);
    };
}
