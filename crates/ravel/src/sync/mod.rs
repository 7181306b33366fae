//! Synchronisation primitives, shaped like `std::sync`.
//!
//! `Arc` and `Weak` are std's own: reference counting is not a scheduling point in ravel, so
//! cloning and dropping them does not multiply the executions to explore.

pub mod atomic;
mod condvar;
mod mutex;

pub use condvar::{Condvar, WaitTimeoutResult};
pub use mutex::{Mutex, MutexGuard};
pub use std::sync::{Arc, LockResult, PoisonError, TryLockError, TryLockResult, Weak};
