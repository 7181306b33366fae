//! A reader-writer lock, shaped like `std::sync::RwLock`, with poisoning as in std (a writer that
//! panics poisons the lock; readers never do).
//!
//! It is built like a queued reader-writer lock: one ravel atomic word counts the readers and
//! flags a writer, so an uncontended `read` is a single visible operation; writers exclude each
//! other with an internal ravel mutex they hold for their whole critical section, and wait for
//! the readers to leave on a condition variable. Happens-before flows from a writer's release to
//! every later reader and writer, and from every reader's release to the next writer.
//!
//! The policy is writer-preferring, as std's on Linux: once a writer waits, new readers wait for
//! it, so a thread that read-locks twice can deadlock against a writer, and ravel reports that.
//! A reader that finds a writer backs out of the count again, so `try_write` may fail while such
//! a reader is backing out (std only promises that it does not block).

use super::atomic::{AtomicUsize, Ordering};
use super::condvar::Condvar;
use super::mutex::{Mutex, MutexGuard};
use crate::rt::claim::Claim;
use std::cell::UnsafeCell;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

/// The word's top bit: a writer holds the lock or waits for the readers to leave.
const WRITER: usize = 1 << (usize::BITS - 1);
/// A writer sleeps on `drained`; the reader that empties the count must wake it.
const WAITING: usize = 1 << (usize::BITS - 2);
/// The reader count.
const READERS: usize = WAITING - 1;

/// A reader-writer lock protecting a `T`.
pub struct RwLock<T: ?Sized> {
    /// Reader count plus the `WRITER` and `WAITING` flags. Every write to it is a
    /// read-modify-write, so releases chain into one release sequence.
    word: AtomicUsize,
    /// Held by a writer from `write` until its guard drops. Its poison is the lock's poison.
    writers: Mutex<()>,
    /// Guards a writer's sleep on `drained` against a missed wake-up.
    sleep: Mutex<()>,
    /// Notified by the reader that leaves last while a writer waits.
    drained: Condvar,
    /// Keeps parallel workers from sharing the data of a static lock.
    claim: Claim,
    data: UnsafeCell<T>,
}

// SAFETY: as std's RwLock: writers get exclusive access (needs `T: Send` to hand `&mut T` across
// threads), readers shared access (needs `T: Sync`).
unsafe impl<T: ?Sized + Send> Send for RwLock<T> {}
// SAFETY: as std's RwLock.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}

/// Shared access to the data of a read-locked [`RwLock`]; unlocks when dropped.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
}

/// Exclusive access to the data of a write-locked [`RwLock`]; unlocks when dropped.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    /// Dropped after the `WRITER` flag is cleared; poisons the lock if dropped while panicking.
    _writers: MutexGuard<'a, ()>,
}

// SAFETY: like std's guards, sharing a guard only shares `&T`.
unsafe impl<T: ?Sized + Sync> Sync for RwLockReadGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Sync> Sync for RwLockWriteGuard<'_, T> {}

impl<T> RwLock<T> {
    /// A new unlocked lock; usable in statics.
    #[track_caller]
    pub const fn new(value: T) -> RwLock<T> {
        RwLock {
            word: AtomicUsize::new(0),
            writers: Mutex::new(()),
            sleep: Mutex::new(()),
            drained: Condvar::new(),
            claim: Claim::new(),
            data: UnsafeCell::new(value),
        }
    }

    /// Consumes the lock and answers its data.
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

impl<T: ?Sized> RwLock<T> {
    /// Acquires shared access, waiting while a writer holds the lock or waits for it.
    #[track_caller]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        self.claim.check();
        loop {
            if self.word.fetch_add(1, Ordering::Acquire) & WRITER == 0 {
                return self.read_guard();
            }
            self.leave_read();
            // Wait for the writer to finish; its poison is reported by `read_guard`.
            drop(self.writers.lock());
        }
    }

    /// Acquires shared access if no writer holds the lock or waits for it.
    #[track_caller]
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        self.claim.check();
        if self.word.fetch_add(1, Ordering::Acquire) & WRITER == 0 {
            self.read_guard().map_err(TryLockError::Poisoned)
        } else {
            self.leave_read();
            Err(TryLockError::WouldBlock)
        }
    }

    /// Acquires exclusive access, waiting for other writers and for the readers to leave.
    #[track_caller]
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        self.claim.check();
        let (writers, poisoned) = match self.writers.lock() {
            Ok(g) => (g, false),
            Err(e) => (e.into_inner(), true),
        };
        if self.word.fetch_or(WRITER, Ordering::Acquire) & READERS != 0 {
            self.wait_for_readers();
        }
        let guard = RwLockWriteGuard {
            lock: self,
            _writers: writers,
        };
        if poisoned {
            Err(PoisonError::new(guard))
        } else {
            Ok(guard)
        }
    }

    /// Acquires exclusive access if nobody holds the lock.
    #[track_caller]
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        self.claim.check();
        let (writers, poisoned) = match self.writers.try_lock() {
            Ok(g) => (g, false),
            Err(TryLockError::Poisoned(e)) => (e.into_inner(), true),
            Err(TryLockError::WouldBlock) => return Err(TryLockError::WouldBlock),
        };
        if self
            .word
            .compare_exchange(0, WRITER, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return Err(TryLockError::WouldBlock);
        }
        let guard = RwLockWriteGuard {
            lock: self,
            _writers: writers,
        };
        if poisoned {
            Err(TryLockError::Poisoned(PoisonError::new(guard)))
        } else {
            Ok(guard)
        }
    }

    /// Whether a writer panicked while holding the lock in this execution.
    pub fn is_poisoned(&self) -> bool {
        self.writers.is_poisoned()
    }

    /// Clears the poison flag.
    pub fn clear_poison(&self) {
        self.writers.clear_poison();
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

    fn read_guard(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        let guard = RwLockReadGuard { lock: self };
        if self.is_poisoned() {
            Err(PoisonError::new(guard))
        } else {
            Ok(guard)
        }
    }

    /// Takes one reader out of the count, waking a writer that waits for the last one.
    #[track_caller]
    fn leave_read(&self) {
        let before = self.word.fetch_sub(1, Ordering::Release);
        if before & WAITING != 0 && before & READERS == 1 {
            let _sleep = self.sleep.lock().unwrap_or_else(PoisonError::into_inner);
            self.drained.notify_all();
        }
    }

    /// Called by the writer that set `WRITER` while readers were in: sleeps until they left.
    #[track_caller]
    fn wait_for_readers(&self) {
        let mut sleep = self.sleep.lock().unwrap_or_else(PoisonError::into_inner);
        // Announce the sleep under `sleep`, so the last reader's notification cannot come
        // before the wait starts.
        let mut word = self.word.fetch_or(WAITING, Ordering::Acquire);
        while word & READERS != 0 {
            sleep = self
                .drained
                .wait(sleep)
                .unwrap_or_else(PoisonError::into_inner);
            word = self.word.load(Ordering::Acquire);
        }
        self.word.fetch_and(!WAITING, Ordering::Relaxed);
        drop(sleep);
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    #[track_caller]
    fn drop(&mut self) {
        self.lock.leave_read();
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    #[track_caller]
    fn drop(&mut self) {
        // Clear the flag before the writers' mutex is released (when the field drops), so the
        // next writer's flag is never cleared by this one.
        self.lock.word.fetch_and(!WRITER, Ordering::Release);
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: while the guard lives, this reader is counted, so no writer has access.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: while the guard lives, this writer has exclusive access.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`, and `&mut self` makes this the only reference via the guard.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> RwLock<T> {
        RwLock::new(value)
    }
}

impl<T: ?Sized> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLock").finish_non_exhaustive()
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
