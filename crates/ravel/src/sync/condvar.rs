//! A condition variable, shaped like `std::sync::Condvar`. Waiting releases the mutex and starts
//! waiting in one step, so no notification is lost in between; a notification sent before the
//! wait began is lost, as in std, and a waiter nobody notifies is reported as a deadlock (a
//! spurious wake-up may rescue it on a real machine, but nothing guarantees one). Waking without
//! the notification is explored whenever a waiter wakes, at most once per notification so waiting
//! loops terminate; timed waits may also time out at any point.
//!
//! Deviation: `notify_one` wakes every waiter, which std permits (any of them may see a spurious
//! wake-up), so bugs that need `notify_one` to wake the *wrong* thread are not found.

use super::mutex::MutexGuard;
use crate::rt::context::perform_on;
use crate::rt::ObjectId;
use ravel_core::event::{Op, OpResult, SourceSpan};
use std::sync::LockResult;
use std::time::Duration;

/// A condition variable.
#[derive(Debug, Default)]
pub struct Condvar {
    id: ObjectId,
}

/// Whether a timed wait returned because its time ran out.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// True when the wait ended without a notification.
    pub fn timed_out(&self) -> bool {
        self.0
    }
}

impl Condvar {
    /// A new condition variable; usable in statics.
    #[track_caller]
    pub const fn new() -> Condvar {
        Condvar {
            id: ObjectId::new(),
        }
    }

    fn wait_inner<'a, T: ?Sized>(
        &self,
        guard: MutexGuard<'a, T>,
        timed: bool,
        span: SourceSpan,
    ) -> (LockResult<MutexGuard<'a, T>>, bool) {
        let mutex = guard.mutex;
        std::mem::forget(guard);
        perform_on(
            &[&self.id, &mutex.id],
            |l| Op::CondWait {
                cv: l[0],
                mutex: l[1],
            },
            span,
        );
        let notified = matches!(
            perform_on(&[&self.id], |l| Op::CondWake { cv: l[0], timed }, span),
            OpResult::Woken(true)
        );
        perform_on(&[&mutex.id], |l| Op::Lock(l[0]), span);
        (mutex.guard(span), notified)
    }

    /// Releases the lock, waits for a notification (or a spurious wake-up), and relocks.
    #[track_caller]
    pub fn wait<'a, T: ?Sized>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        self.wait_inner(guard, false, SourceSpan::caller()).0
    }

    /// Waits while `condition` holds.
    #[track_caller]
    pub fn wait_while<'a, T: ?Sized, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: F,
    ) -> LockResult<MutexGuard<'a, T>>
    where
        F: FnMut(&mut T) -> bool,
    {
        let span = SourceSpan::caller();
        while condition(&mut *guard) {
            guard = self.wait_inner(guard, false, span).0?;
        }
        Ok(guard)
    }

    /// Like [`Condvar::wait`]; a wake-up without notification counts as a time-out.
    #[track_caller]
    pub fn wait_timeout<'a, T: ?Sized>(
        &self,
        guard: MutexGuard<'a, T>,
        _timeout: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        let (result, notified) = self.wait_inner(guard, true, SourceSpan::caller());
        match result {
            Ok(g) => Ok((g, WaitTimeoutResult(!notified))),
            Err(e) => Err(std::sync::PoisonError::new((
                e.into_inner(),
                WaitTimeoutResult(!notified),
            ))),
        }
    }

    /// Waits while `condition` holds, or until a wake-up without notification.
    #[track_caller]
    pub fn wait_timeout_while<'a, T: ?Sized, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        _timeout: Duration,
        mut condition: F,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)>
    where
        F: FnMut(&mut T) -> bool,
    {
        let span = SourceSpan::caller();
        loop {
            if !condition(&mut *guard) {
                return Ok((guard, WaitTimeoutResult(false)));
            }
            let (result, notified) = self.wait_inner(guard, true, span);
            guard = match result {
                Ok(g) => g,
                Err(e) => {
                    return Err(std::sync::PoisonError::new((
                        e.into_inner(),
                        WaitTimeoutResult(false),
                    )))
                }
            };
            if !notified {
                let timed_out = condition(&mut *guard);
                return Ok((guard, WaitTimeoutResult(timed_out)));
            }
        }
    }

    /// Wakes a waiting thread.
    #[track_caller]
    pub fn notify_one(&self) {
        perform_on(
            &[&self.id],
            |l| Op::Notify {
                cv: l[0],
                all: false,
            },
            SourceSpan::caller(),
        );
    }

    /// Wakes every waiting thread.
    #[track_caller]
    pub fn notify_all(&self) {
        perform_on(
            &[&self.id],
            |l| Op::Notify {
                cv: l[0],
                all: true,
            },
            SourceSpan::caller(),
        );
    }
}
