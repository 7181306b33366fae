//! Scoped threads, shaped like `std::thread::scope`.

use super::{spawn_with, take_result, Slot, Thread};
use crate::rt::perform;
use ravel_core::event::{Op, SourceSpan};
use std::cell::RefCell;
use std::marker::PhantomData;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

/// A thread spawned in a scope, as the scope sees it.
struct ScopedThread {
    thread: Thread,
    joined: bool,
    /// Set when the thread ends by a panic.
    panicked: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl std::fmt::Debug for ScopedThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopedThread")
            .field("thread", &self.thread)
            .field("joined", &self.joined)
            .finish()
    }
}

type Threads = RefCell<Vec<ScopedThread>>;

/// A scope in which threads may borrow from the enclosing stack frame.
#[derive(Debug)]
pub struct Scope<'scope, 'env: 'scope> {
    threads: Threads,
    _scope: PhantomData<&'scope mut &'scope ()>,
    _env: PhantomData<&'env mut &'env ()>,
}

/// A handle to a scoped thread.
#[derive(Debug)]
pub struct ScopedJoinHandle<'scope, T> {
    thread: Thread,
    slot: Slot<T>,
    index: usize,
    scope: &'scope Threads,
}

impl<'scope, 'env> Scope<'scope, 'env> {
    /// Starts a thread that may borrow from outside the scope.
    #[track_caller]
    pub fn spawn<F, T>(&'scope self, f: F) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + 'scope,
        T: 'scope,
    {
        let panicked = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = Some(panicked.clone());
        let (thread, slot) = spawn_with(None, None, f, SourceSpan::caller(), flag);
        let mut threads = self.threads.borrow_mut();
        threads.push(ScopedThread {
            thread: thread.clone(),
            joined: false,
            panicked,
        });
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
        self.scope.borrow_mut()[self.index].joined = true;
        take_result(&self.slot)
    }

    /// The thread.
    pub fn thread(&self) -> &Thread {
        &self.thread
    }
}

/// Runs `f` with a scope; every thread spawned in it is joined before `scope` returns, even when
/// `f` panics (the threads borrow from the frames the panic would unwind). As with std, if a
/// thread that was not joined by hand panicked, `scope` panics once all are joined.
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
    let result = catch_unwind(AssertUnwindSafe(|| f(&scope)));
    if result.is_err() && tearing_down() {
        // The execution is abandoned: the engine tears the children down before this thread.
        if let Err(payload) = result {
            resume_unwind(payload);
        }
    }
    let pending: Vec<Thread> = scope
        .threads
        .borrow()
        .iter()
        .filter(|t| !t.joined)
        .map(|t| t.thread.clone())
        .collect();
    for t in pending {
        perform(Op::Join(t.id), span);
    }
    let unjoined_panic = scope
        .threads
        .borrow()
        .iter()
        .any(|t| !t.joined && t.panicked.load(std::sync::atomic::Ordering::Relaxed));
    match result {
        Err(payload) => resume_unwind(payload),
        Ok(_) if unjoined_panic => panic!("a scoped thread panicked"),
        Ok(value) => value,
    }
}

fn tearing_down() -> bool {
    crate::rt::context::try_with_context(|ctx| ctx.tearing_down.get()).unwrap_or(false)
}
