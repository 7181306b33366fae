//! The user's closure as a [`Program`] the engine can run again and again: every model thread is
//! a coroutine on the OS thread that called `ravel::model`, on a pooled stack.
//!
//! Thread bodies may borrow from their parent (scoped threads) or from the closure given to the
//! model, so their lifetimes are erased when the coroutine is created. This is sound because no
//! coroutine outlives an execution: each one either returns, or is unwound by `abort` before the
//! execution ends, newest thread first so that scoped children go before the parents whose frames
//! they borrow from; and the model closure outlives the whole exploration.

use super::context::{Context, ModelYielder, SpawnRequest, ThreadBody};
use super::object::next_execution;
use super::panics;
use super::stacks::StackPool;
use super::trap::{self, Crash};
use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult};
use ravel_core::event::{Loc, OpResult, Program, Request, SourceSpan, ThreadId};
use ravel_core::report::Report;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::rc::Rc;

/// How a model thread's coroutine ended. `Copy`, as corosensei's trap handler requires of a
/// coroutine's return type; a panic's message waits in [`panics::take_last`].
#[derive(Clone, Copy, Debug)]
pub(crate) enum ThreadEnd {
    Finished,
    Panicked,
    /// The body caught its panic and stored it for its `JoinHandle`.
    PanickedJoinable,
    /// The thread would have killed the process; see [`super::trap`].
    Crashed(Crash),
}

/// The value a crashed coroutine returns with (runs on its reset stack after the trap).
fn crashed(crash: Crash) -> ThreadEnd {
    trap::record(crash);
    ThreadEnd::Crashed(crash)
}

type ModelCoroutine = Coroutine<OpResult, std::mem::MaybeUninit<Request>, ThreadEnd, DefaultStack>;

/// Runs a model closure as a [`Program`].
pub(crate) struct CoroutineProgram<'f> {
    body: &'f (dyn Fn() + 'f),
    ctx: Rc<Context>,
    threads: Vec<Option<ModelCoroutine>>,
    /// Per thread, how a crash signal finds its coroutine.
    trap_targets: Vec<Option<trap::Target>>,
    /// A thread of this execution crashed: its stack frames are gone, so the other threads,
    /// which may borrow from them, must be discarded rather than unwound.
    crashed: bool,
    stacks: StackPool,
}

impl std::fmt::Debug for CoroutineProgram<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoroutineProgram")
            .field("threads", &self.threads.len())
            .finish()
    }
}

impl<'f> CoroutineProgram<'f> {
    pub(crate) fn new(body: &'f (dyn Fn() + 'f), ctx: Rc<Context>, stack_size: usize) -> Self {
        CoroutineProgram {
            body,
            ctx,
            threads: Vec::new(),
            trap_targets: Vec::new(),
            crashed: false,
            stacks: StackPool::for_this_thread(stack_size),
        }
    }

    fn create(&mut self, t: ThreadId, body: ThreadBody, stack_size: Option<usize>) {
        let stack = self.stacks.take(stack_size);
        let guard_len = super::stacks::page_size();
        let (guard_start, stack_bytes) = {
            use corosensei::stack::Stack;
            let (base, limit) = (stack.base().get(), stack.limit().get());
            (limit, base - limit - guard_len)
        };
        let ctx = self.ctx.clone();
        let entry = move |yielder: &ModelYielder, _start: OpResult| -> ThreadEnd {
            {
                let mut ys = ctx.yielders.borrow_mut();
                if ys.len() <= t.index() {
                    ys.resize(t.index() + 1, std::ptr::null());
                }
                ys[t.index()] = yielder as *const ModelYielder;
            }
            // As in std, the thread's thread-locals are destroyed when its function returns,
            // by the thread itself (their destructors may use ravel), before `join` returns.
            let run = || {
                body();
                let joinable_panic = ctx.joinable_panic.replace(false);
                drop(ctx.take_locals(t));
                joinable_panic
            };
            match catch_unwind(AssertUnwindSafe(run)) {
                Ok(true) => ThreadEnd::PanickedJoinable,
                Ok(false) => ThreadEnd::Finished,
                Err(payload) => {
                    if ctx.tearing_down.get() {
                        // The engine abandoned the execution: keep unwinding to the coroutine's
                        // root, which is how the coroutine library tears a stack down.
                        resume_unwind(payload);
                    }
                    drop(payload);
                    ctx.set_unwinding(t, None);
                    ThreadEnd::Panicked
                }
            }
        };
        // SAFETY: `entry` and the body it owns may borrow data that is not 'static (the model
        // closure, a scoped thread's environment). The module comment explains why every such
        // borrow outlives the coroutine: it finishes or is unwound before the execution ends.
        let co = unsafe { Coroutine::with_stack_unchecked(stack, entry) };
        if self.threads.len() <= t.index() {
            self.threads.resize_with(t.index() + 1, || None);
            self.trap_targets.resize(t.index() + 1, None);
        }
        self.trap_targets[t.index()] = Some(trap::Target {
            handler: co.trap_handler(),
            guard_start,
            guard_len,
            stack_bytes,
            make_return: crashed,
        });
        self.threads[t.index()] = Some(co);
    }

    fn release(&mut self, t: ThreadId) {
        if let Some(co) = self.threads.get_mut(t.index()).and_then(Option::take) {
            if co.done() {
                self.stacks.give_back(co.into_stack());
            }
        }
    }
}

impl CoroutineProgram<'_> {
    /// The message and place of a crash, in the model's terms.
    fn describe(&self, t: ThreadId, crash: Crash) -> (String, Option<SourceSpan>) {
        match crash {
            Crash::Abort => {
                let unwinding = self.ctx.unwinding_from(t);
                match panics::escaped_destructor() {
                    Some((escaped, escaped_at)) => {
                        let first = match &unwinding {
                            Some((m, Some(s))) => format!("`{m}` at {s}"),
                            Some((m, None)) => format!("`{m}`"),
                            None => "an earlier panic".to_string(),
                        };
                        (
                            format!(
                                "a destructor panicked while the thread was unwinding (a double \
                                 panic: Rust aborts the process here; ravel stopped the thread \
                                 instead)\nfirst panic: {first}\npanic in the destructor: `{escaped}`"
                            ),
                            escaped_at,
                        )
                    }
                    None => (
                        "the thread aborted the process (`std::process::abort` or a panic that \
                         could not unwind); ravel stopped the thread instead"
                            .to_string(),
                        None,
                    ),
                }
            }
            Crash::StackOverflow { stack_bytes } => (
                format!(
                    "stack overflow: the thread used all of its {} KiB stack (raise it with \
                     `ravel::Builder::stack_size` or `ravel::thread::Builder::stack_size`)",
                    stack_bytes / 1024
                ),
                None,
            ),
            Crash::Fault { bus, address } => (
                format!(
                    "invalid memory access ({}) at address {address:#x}: memory corruption or a \
                     dangling pointer in unsafe code",
                    if bus { "SIGBUS" } else { "SIGSEGV" }
                ),
                None,
            ),
        }
    }
}

impl<'f> Program for CoroutineProgram<'f> {
    fn start(&mut self) -> Request {
        self.abort();
        self.ctx.execution.set(next_execution());
        self.ctx.resolved.borrow_mut().clear();
        self.ctx.classes.borrow_mut().clear();
        self.ctx.names.borrow_mut().clear();
        self.ctx.locals.borrow_mut().clear();
        self.ctx.unwinding.borrow_mut().clear();
        self.ctx.park_tokens.borrow_mut().clear();
        self.ctx.yielders.borrow_mut().clear();
        let body: &'f (dyn Fn() + 'f) = self.body;
        let main: Box<dyn FnOnce() + 'f> = Box::new(body);
        // SAFETY: lifetime erasure only; see the module comment.
        let main: ThreadBody =
            unsafe { std::mem::transmute::<Box<dyn FnOnce() + 'f>, ThreadBody>(main) };
        self.create(ThreadId::MAIN, main, None);
        self.resume(ThreadId::MAIN, OpResult::Unit)
    }

    fn resume(&mut self, t: ThreadId, result: OpResult) -> Request {
        if let OpResult::Spawned(child) = result {
            let request: Option<SpawnRequest> = self.ctx.pending_spawn.borrow_mut().take();
            if let Some(req) = request {
                {
                    let mut names = self.ctx.names.borrow_mut();
                    if names.len() <= child.index() {
                        names.resize(child.index() + 1, None);
                    }
                    names[child.index()] = req.name;
                }
                self.create(child, req.body, req.stack_size);
            }
        }
        self.ctx.current.set(t);
        let Some(co) = self.threads.get_mut(t.index()).and_then(Option::as_mut) else {
            return Request::Finished;
        };
        let resumed = match self.trap_targets[t.index()] {
            Some(target) => trap::while_running(target, || co.resume(result)),
            None => co.resume(result),
        };
        match resumed {
            // SAFETY: model threads yield only initialised requests (`context::perform`).
            CoroutineResult::Yield(request) => unsafe { request.assume_init() },
            CoroutineResult::Return(end) => {
                self.release(t);
                match end {
                    ThreadEnd::Finished => Request::Finished,
                    ThreadEnd::Panicked => {
                        let (message, span) = panics::take_last();
                        Request::Panicked { message, span }
                    }
                    ThreadEnd::PanickedJoinable => {
                        let (message, span) = panics::take_last();
                        Request::PanickedJoinable { message, span }
                    }
                    ThreadEnd::Crashed(crash) => {
                        trap::take_crash();
                        self.crashed = true;
                        let (message, span) = self.describe(t, crash);
                        Request::Panicked { message, span }
                    }
                }
            }
        }
    }

    fn abort(&mut self) {
        self.ctx.tearing_down.set(true);
        for t in (0..self.threads.len()).rev() {
            if let Some(mut co) = self.threads[t].take() {
                self.ctx.current.set(ThreadId(t as u32));
                if self.crashed {
                    // SAFETY: discarding the stack without running its destructors, which
                    // `force_reset` allows; what they owned leaks. See `crashed`.
                    unsafe { co.force_reset() };
                    drop(co.into_stack());
                    continue;
                }
                match self.trap_targets.get(t).copied().flatten() {
                    Some(target) => trap::while_running(target, || co.force_unwind()),
                    None => co.force_unwind(),
                }
                if trap::take_crash().is_some() {
                    // A destructor crashed while the thread was torn down.
                    self.crashed = true;
                }
                self.stacks.give_back(co.into_stack());
            }
        }
        self.crashed = false;
        self.threads.clear();
        self.trap_targets.clear();
        self.ctx.tearing_down.set(false);
        self.ctx.pending_spawn.borrow_mut().take();
    }

    fn resolved(&mut self, address: Loc, loc: Loc) {
        self.ctx.resolved.borrow_mut().push((address, loc));
    }

    fn class_of(&self, loc: Loc) -> Option<SourceSpan> {
        self.ctx.classes.borrow().get(loc).copied()
    }

    fn thread_name(&self, thread: ThreadId) -> Option<String> {
        self.ctx
            .names
            .borrow()
            .get(thread.index())
            .cloned()
            .flatten()
    }

    fn benign_race(&mut self, report: Report) {
        super::benign::keep(&self.ctx, report);
    }
}

impl Drop for CoroutineProgram<'_> {
    fn drop(&mut self) {
        self.abort();
        self.stacks.keep_for_this_thread();
    }
}
