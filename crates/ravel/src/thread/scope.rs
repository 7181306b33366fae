//! Scoped threads, shaped like `std::thread::scope`.

use super::{spawn_with, take_result, Slot, Thread};
use crate::rt::perform;
use ravel_core::event::{Op, SourceSpan};
use std::cell::RefCell;
use std::marker::PhantomData;

/// A scope in which threads may borrow from the enclosing stack frame.
#[derive(Debug)]
pub struct Scope<'scope, 'env: 'scope> {
    threads: RefCell<Vec<(Thread, bool)>>,
    _scope: PhantomData<&'scope mut &'scope ()>,
    _env: PhantomData<&'env mut &'env ()>,
}

/// A handle to a scoped thread.
#[derive(Debug)]
pub struct ScopedJoinHandle<'scope, T> {
    thread: Thread,
    slot: Slot<T>,
    index: usize,
    scope: &'scope RefCell<Vec<(Thread, bool)>>,
}

impl<'scope, 'env> Scope<'scope, 'env> {
    /// Starts a thread that may borrow from outside the scope.
    #[track_caller]
    pub fn spawn<F, T>(&'scope self, f: F) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + 'scope,
        T: 'scope,
    {
        let (thread, slot) = spawn_with(None, None, f, SourceSpan::caller());
        let mut threads = self.threads.borrow_mut();
        threads.push((thread.clone(), false));
        ScopedJoinHandle {
            thread,
            slot,
            index: threads.len() - 1,
            scope: &self.threads,
        }
    }
}

impl<T> ScopedJoinHandle<'_, T> {
    /// Waits for the thread and answers what it returned.
    #[track_caller]
    pub fn join(self) -> std::thread::Result<T> {
        perform(Op::Join(self.thread.id), SourceSpan::caller());
        self.scope.borrow_mut()[self.index].1 = true;
        take_result(&self.slot)
    }

    /// The thread.
    pub fn thread(&self) -> &Thread {
        &self.thread
    }
}

/// Runs `f` with a scope; every thread spawned in it is joined before `scope` returns.
#[track_caller]
pub fn scope<'env, F, T>(f: F) -> T
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
{
    let span = SourceSpan::caller();
    let scope = Scope {
        threads: RefCell::new(Vec::new()),
        _scope: PhantomData,
        _env: PhantomData,
    };
    let result = f(&scope);
    let pending: Vec<Thread> = scope
        .threads
        .borrow()
        .iter()
        .filter(|(_, joined)| !joined)
        .map(|(t, _)| t.clone())
        .collect();
    for t in pending {
        perform(Op::Join(t.id), span);
    }
    result
}
