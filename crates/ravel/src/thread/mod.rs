//! Model threads, shaped like `std::thread`. As in loom, spawned closures need not be `Send`:
//! every model thread runs on the OS thread that runs the model.

mod local;
mod result_slot;
mod scope;

pub use local::{AccessError, LocalKey};
pub use scope::{scope, Scope, ScopedJoinHandle};

use crate::rt::context::{try_with_context, with_context, SpawnRequest, ThreadBody};
use crate::rt::perform;
use ravel_core::event::{Op, OpResult, SourceSpan, ThreadId as CoreThreadId};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

/// A model thread's id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ThreadId(pub(crate) CoreThreadId);

/// A handle to a model thread.
#[derive(Clone, Debug)]
pub struct Thread {
    id: CoreThreadId,
    name: Option<String>,
}

impl Thread {
    /// The thread's id.
    pub fn id(&self) -> ThreadId {
        ThreadId(self.id)
    }

    /// The thread's name.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Wakes the thread if it is parked, or makes its next `park` return at once.
    #[track_caller]
    pub fn unpark(&self) {
        park_token(self.id).store(true, crate::sync::atomic::Ordering::Release);
    }
}

type Slot<T> = Arc<result_slot::ResultSlot<T>>;

/// Owns the permission to join a model thread.
#[derive(Debug)]
pub struct JoinHandle<T> {
    thread: Thread,
    slot: Slot<T>,
}

impl<T> JoinHandle<T> {
    /// Waits for the thread to finish and answers what it returned.
    #[track_caller]
    pub fn join(self) -> std::thread::Result<T> {
        perform(Op::Join(self.thread.id), SourceSpan::caller());
        take_result(&self.slot)
    }

    /// The thread.
    pub fn thread(&self) -> &Thread {
        &self.thread
    }

    /// Whether the thread has finished (no scheduling point: reading it is not an event).
    pub fn is_finished(&self) -> bool {
        self.slot.is_filled()
    }
}

fn take_result<T>(slot: &Slot<T>) -> std::thread::Result<T> {
    slot.take()
        .unwrap_or_else(|| Err(Box::new("ravel: the thread ended without a result")))
}

/// Configures a new model thread.
#[derive(Debug, Default)]
pub struct Builder {
    name: Option<String>,
    stack_size: Option<usize>,
}

impl Builder {
    /// A builder with no name and the model's stack size.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the thread (used in reports).
    pub fn name(mut self, name: String) -> Builder {
        self.name = Some(name);
        self
    }

    /// Gives the thread a stack of at least `size` bytes.
    pub fn stack_size(mut self, size: usize) -> Builder {
        self.stack_size = Some(size);
        self
    }

    /// Starts the thread.
    #[track_caller]
    pub fn spawn<F, T>(self, f: F) -> std::io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        let span = SourceSpan::caller();
        let (thread, slot) = spawn_with(self.name, self.stack_size, f, span, None);
        Ok(JoinHandle { thread, slot })
    }
}

/// Starts the model thread and gives the caller the slot its result lands in. `panicked`, if
/// given, is set when the thread ends by a panic: a scope checks it without knowing `T`.
pub(crate) fn spawn_with<'a, F, T>(
    name: Option<String>,
    stack_size: Option<usize>,
    f: F,
    span: SourceSpan,
    panicked: Option<Arc<AtomicBool>>,
) -> (Thread, Slot<T>)
where
    F: FnOnce() -> T + 'a,
    T: 'a,
{
    let slot: Slot<T> = Arc::new(result_slot::ResultSlot::new());
    let out = slot.clone();
    let stress = try_with_context(|_| ()).is_none() && crate::rt::passthrough::active();
    // Stress mode's runner needs the flag for every thread; a plain model thread goes without
    // (one allocation less per spawn, which spawn-heavy models feel).
    let panicked = match panicked {
        None if stress => Some(Arc::new(AtomicBool::new(false))),
        given => given,
    };
    let panicked_flag = panicked.clone();
    let body: Box<dyn FnOnce() + 'a> = Box::new(move || {
        // As with std, the panic goes to whoever joins the thread.
        let result = catch_unwind(AssertUnwindSafe(f));
        if result.is_err() {
            // `None`: a real thread in stress mode, where the panic only goes to the joiner.
            let state = try_with_context(|ctx| (ctx.tearing_down.get(), ctx.current.get()));
            if let Some((tearing_down, current)) = state {
                if tearing_down {
                    // The execution is being abandoned: the unwinding must reach the
                    // coroutine's root, which is how the coroutine library tears a stack down.
                    if let Err(payload) = result {
                        resume_unwind(payload);
                    }
                    return;
                }
                with_context(|ctx| {
                    ctx.set_unwinding(current, None);
                    ctx.joinable_panic.set(true);
                });
            }
            if let Some(flag) = &panicked_flag {
                flag.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
        out.put(result);
    });
    // SAFETY: lifetime erasure only. The body runs on a coroutine that finishes or is unwound
    // before the execution ends (see `rt::program`); scoped threads are joined before their
    // scope returns, and unwound before their parents.
    let body: ThreadBody =
        unsafe { std::mem::transmute::<Box<dyn FnOnce() + 'a>, ThreadBody>(body) };
    if let (true, Some(panicked)) = (stress, panicked) {
        // Stress mode: a real thread. A scoped one is joined before its scope returns, as in
        // std, which is what the lifetime erasure above relies on there too.
        let id = crate::rt::passthrough::spawn(body, name.clone(), stack_size, panicked);
        return (Thread { id, name }, slot);
    }
    with_context(|ctx| {
        *ctx.pending_spawn.borrow_mut() = Some(SpawnRequest {
            body,
            name: name.clone(),
            stack_size,
        });
    });
    let id = match perform(Op::Spawn, span) {
        OpResult::Spawned(id) => id,
        other => panic!("ravel: spawn answered {other:?}"),
    };
    (Thread { id, name }, slot)
}

/// Starts a model thread running `f`.
#[track_caller]
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + 'static,
    T: 'static,
{
    let span = SourceSpan::caller();
    let (thread, slot) = spawn_with(None, None, f, span, None);
    JoinHandle { thread, slot }
}

/// Lets other threads run; ends a spin-loop iteration (see [`crate::hint::spin_loop`]).
#[track_caller]
pub fn yield_now() {
    perform(Op::Yield, SourceSpan::caller());
}

/// Treated as [`yield_now`]: time does not pass in a model.
#[track_caller]
pub fn sleep(_duration: Duration) {
    perform(Op::Yield, SourceSpan::caller());
}

/// Whether the running model thread is unwinding because of a panic, like
/// [`std::thread::panicking`]. std's answer is per OS thread, and every model thread of an
/// execution runs on one OS thread, so std would also say yes for a thread that runs while
/// another unwinds; this answers for the model thread.
pub fn panicking() -> bool {
    crate::rt::context::model_thread_panicking()
}

/// The running model thread.
pub fn current() -> Thread {
    with_context(|ctx| {
        let id = ctx.current.get();
        // The model's main thread stands in for the test's thread and, as in loom, has no
        // name of its own (reports still call it `main`).
        let name = if id == CoreThreadId::MAIN {
            None
        } else {
            ctx.names.borrow().get(id.index()).cloned().flatten()
        };
        Thread { id, name }
    })
}

/// The running thread's park token, created on first use.
fn park_token(t: CoreThreadId) -> std::rc::Rc<crate::sync::atomic::AtomicBool> {
    with_context(|ctx| {
        let mut tokens = ctx.park_tokens.borrow_mut();
        while tokens.len() <= t.index() {
            tokens.push(std::rc::Rc::new(crate::sync::atomic::AtomicBool::new(
                false,
            )));
        }
        tokens[t.index()].clone()
    })
}

/// Blocks until the thread's token is made available by [`Thread::unpark`], then consumes it.
#[track_caller]
pub fn park() {
    use crate::sync::atomic::Ordering;
    let token = park_token(with_context(|ctx| ctx.current.get()));
    while token
        .compare_exchange(true, false, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        yield_now();
    }
}

/// Like [`park`]; time does not pass, so it may also return without an unpark.
#[track_caller]
pub fn park_timeout(_timeout: Duration) {
    use crate::sync::atomic::Ordering;
    let token = park_token(with_context(|ctx| ctx.current.get()));
    let _ = token.compare_exchange(true, false, Ordering::Acquire, Ordering::Relaxed);
}
