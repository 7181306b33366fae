//! A mutex, shaped like `std::sync::Mutex`, with poisoning as in std. Acquisitions are explored in
//! every order that matters; a thread that waits forever is reported as a deadlock, naming the
//! holder and where it acquired the lock.

use crate::rt::claim::Claim;
use crate::rt::context::{perform_on, try_with_context};
use crate::rt::ObjectId;
use ravel_core::event::{Op, OpResult, SourceSpan};
use std::cell::UnsafeCell;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

/// A mutual-exclusion lock protecting a `T`.
pub struct Mutex<T: ?Sized> {
    pub(crate) id: ObjectId,
    /// The execution in which the mutex was poisoned (0: never). Per execution, so statics start
    /// every execution clean. Relaxed: private to the OS thread running the model.
    poisoned_in: AtomicU64,
    /// Keeps parallel workers from sharing the data of a static mutex.
    claim: Claim,
    data: UnsafeCell<T>,
}

// SAFETY: as for std's Mutex: the model serialises access to `data` through the lock.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}
// SAFETY: as for std's Mutex.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

/// Access to the data of a locked [`Mutex`]; unlocks when dropped.
pub struct MutexGuard<'a, T: ?Sized> {
    pub(crate) mutex: &'a Mutex<T>,
    /// Where the lock was taken: `Drop` cannot see its caller, so the release is reported there.
    pub(crate) locked_at: SourceSpan,
}

impl<T> Mutex<T> {
    /// A new unlocked mutex; usable in statics.
    #[track_caller]
    pub const fn new(value: T) -> Mutex<T> {
        Mutex {
            id: ObjectId::new(),
            poisoned_in: AtomicU64::new(0),
            claim: Claim::new(),
            data: UnsafeCell::new(value),
        }
    }

    /// Consumes the mutex and answers its data.
    pub fn into_inner(self) -> LockResult<T> {
        let poisoned = self.is_poisoned();
        let data = self.data.into_inner();
        if poisoned {
            Err(PoisonError::new(data))
        } else {
            Ok(data)
        }
    }
}

impl<T: ?Sized> Mutex<T> {
    /// The running execution; in stress mode (outside a model) one that never ends, so a
    /// poisoned mutex stays poisoned, as in std.
    fn execution() -> u64 {
        try_with_context(|ctx| ctx.execution.get()).unwrap_or(u64::MAX)
    }

    /// Whether a thread panicked while holding the lock in this execution.
    pub fn is_poisoned(&self) -> bool {
        let p = self.poisoned_in.load(Ordering::Relaxed);
        p != 0 && p == Self::execution()
    }

    /// Clears the poison flag.
    pub fn clear_poison(&self) {
        self.poisoned_in.store(0, Ordering::Relaxed);
    }

    /// Acquires the lock, waiting while another thread holds it.
    #[track_caller]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        self.claim.check();
        let span = SourceSpan::caller();
        perform_on(&[&self.id], |l| Op::Lock(l[0]), span);
        self.guard(span)
    }

    /// Acquires the lock if it is free.
    #[track_caller]
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        self.claim.check();
        let span = SourceSpan::caller();
        match perform_on(&[&self.id], |l| Op::TryLock(l[0]), span) {
            OpResult::Bool(true) => self.guard(span).map_err(TryLockError::Poisoned),
            _ => Err(TryLockError::WouldBlock),
        }
    }

    pub(crate) fn guard(&self, locked_at: SourceSpan) -> LockResult<MutexGuard<'_, T>> {
        let guard = MutexGuard {
            mutex: self,
            locked_at,
        };
        if self.is_poisoned() {
            Err(PoisonError::new(guard))
        } else {
            Ok(guard)
        }
    }

    /// Mutable access without locking (the borrow proves exclusivity).
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        let poisoned = self.is_poisoned();
        let data = self.data.get_mut();
        if poisoned {
            Err(PoisonError::new(data))
        } else {
            Ok(data)
        }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        if crate::thread::panicking() {
            self.mutex
                .poisoned_in
                .store(Mutex::<T>::execution(), Ordering::Relaxed);
        }
        perform_on(&[&self.mutex.id], |l| Op::Unlock(l[0]), self.locked_at);
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard exists only while this thread holds the lock.
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard exists only while this thread holds the lock, and `&mut self`
        // makes this the only reference through the guard.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Mutex<T> {
        Mutex::new(value)
    }
}

impl<T: ?Sized> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex").finish_non_exhaustive()
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
