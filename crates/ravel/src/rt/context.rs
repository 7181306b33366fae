//! The execution context of the OS thread running a model: which model thread runs, how to
//! suspend it, and the per-execution tables the facade needs (object numbers, spawn requests,
//! thread names, thread-locals, park tokens).

use corosensei::Yielder;
use ravel_core::event::{Loc, Op, OpResult, Request, SourceSpan, ThreadId};
use rustc_hash::FxHashMap as HashMap;
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::ObjectId;

/// A model thread's side of its coroutine. The request travels as `MaybeUninit`, which has no
/// niche: the coroutine library's result enum then keeps its own tag and moves the request as one
/// block, where with the niche it re-encoded the request field by field at every operation, and
/// the next move of the request stalled on store forwarding.
pub(crate) type ModelYielder = Yielder<OpResult, std::mem::MaybeUninit<Request>>;

/// A thread body with its lifetime erased; see `program.rs` for why that is sound.
pub(crate) type ThreadBody = Box<dyn FnOnce() + 'static>;

/// A panic's message and place.
pub(crate) type PanicRecord = (String, Option<SourceSpan>);

/// A spawn waiting for the engine to assign the child's id.
pub(crate) struct SpawnRequest {
    pub body: ThreadBody,
    pub name: Option<String>,
    pub stack_size: Option<usize>,
}

/// Per-OS-thread state while a model runs.
#[derive(Default)]
pub(crate) struct Context {
    pub execution: Cell<u64>,
    pub current: Cell<ThreadId>,
    pub yielders: RefCell<Vec<*const ModelYielder>>,
    /// Objects the engine numbered for the operation being performed (address, number), read
    /// back by [`perform_on`] right after: a handoff of one or two entries, not a table.
    pub resolved: RefCell<Vec<(Loc, Loc)>>,
    /// Where each object numbered in this execution was built.
    pub classes: RefCell<ravel_core::loc_table::LocTable<SourceSpan>>,
    pub pending_spawn: RefCell<Option<SpawnRequest>>,
    pub tearing_down: Cell<bool>,
    pub names: RefCell<Vec<Option<String>>>,
    pub locals: RefCell<HashMap<(ThreadId, usize), Rc<dyn Any>>>,
    pub park_tokens: RefCell<Vec<Rc<crate::sync::atomic::AtomicBool>>>,
    /// Where this worker puts the benign races the engine reports (see `benign.rs`).
    pub benign: RefCell<Option<super::benign::Sink>>,
    /// This worker's tag for [`super::claim::Claim`]s (0: one worker, nothing to check).
    pub claim_tag: Cell<u64>,
    /// The exploration this worker belongs to, so a claim conflict can cancel it.
    pub exploration: RefCell<Option<std::sync::Arc<ravel_core::explore::ParallelExploration>>>,
    /// A claim conflict happened: the exploration must run again on one worker.
    pub shared_data_seen: Cell<bool>,
    /// Per model thread, the panic it is unwinding from (std's own flag is per OS thread, and
    /// every model thread shares the OS thread).
    pub unwinding: RefCell<Vec<Option<PanicRecord>>>,
    /// The running thread's body caught its own panic for its `JoinHandle` (see
    /// `thread::spawn_with`): its coroutine ends with a joinable panic.
    pub joinable_panic: Cell<bool>,
    /// The compiler transformation this worker applies during a consequence search (see
    /// `compiler_effects.rs`); `None` in ordinary explorations.
    pub compiler_effects: RefCell<Option<super::compiler_effects::Active>>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("execution", &self.execution.get())
            .field("current", &self.current.get())
            .finish()
    }
}

thread_local! {
    static CONTEXT: RefCell<Option<Rc<Context>>> = const { RefCell::new(None) };
}

/// Installs `ctx` for the duration of `f`.
pub(crate) fn enter<R>(ctx: Rc<Context>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Rc<Context>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let old = self.0.take();
            CONTEXT.with(|c| *c.borrow_mut() = old);
        }
    }
    let old = CONTEXT.with(|c| c.borrow_mut().replace(ctx));
    let _restore = Restore(old);
    f()
}

/// Whether the running model thread is unwinding from a panic; outside a model, whether this OS
/// thread is (std's answer).
pub(crate) fn model_thread_panicking() -> bool {
    // std's answer first: it is false on almost every call (every mutex unlock asks).
    std::thread::panicking()
        && try_with_context(|ctx| ctx.unwinding_from(ctx.current.get()).is_some()).unwrap_or(true)
}

/// The running model's context. Using a ravel primitive outside `ravel::model` is misuse.
pub(crate) fn with_context<R>(f: impl FnOnce(&Rc<Context>) -> R) -> R {
    match try_with_context(f) {
        Some(r) => r,
        None if super::passthrough::active() => {
            super::passthrough::unsupported("this operation (it needs a model)")
        }
        None => panic!(
            "ravel primitives can only be used inside `ravel::model` (or a `ravel::Builder`'s \
             `check`/`explore`)"
        ),
    }
}

/// Like [`with_context`], answering `None` outside a model (stress mode, or misuse).
pub(crate) fn try_with_context<R>(f: impl FnOnce(&Rc<Context>) -> R) -> Option<R> {
    let ctx = CONTEXT.with(|c| c.borrow().clone());
    ctx.map(|ctx| f(&ctx))
}

/// An operation outside a model: performed directly in stress mode, misuse otherwise.
fn outside_model(op: Op) -> OpResult {
    if super::passthrough::active() {
        return super::passthrough::perform(op);
    }
    with_context(|_| unreachable!("no model is running"))
}

/// Reads something of the installed context without taking a reference to it: for the
/// per-operation lookups, which only read cells and must not call back into ravel.
fn peek_context<R>(f: impl FnOnce(&Context) -> R) -> Option<R> {
    CONTEXT.with(|c| c.borrow().as_deref().map(f))
}

/// Asks the engine to perform `op` for the running model thread and waits for the answer.
#[inline(always)]
pub(crate) fn perform(op: Op, span: SourceSpan) -> OpResult {
    perform_made(|| op, span)
}

/// [`perform`] with the operation made only once the thread is known to run in a model, right
/// where the request is built. Inlined, and the operation made last, so that the compiler
/// writes the operation's fields straight into the request: made earlier, it was assembled
/// field by field and then copied into the request as a block, which stalled on store
/// forwarding at every operation.
#[inline(always)]
fn perform_made(make: impl FnOnce() -> Op, span: SourceSpan) -> OpResult {
    let found = peek_context(|ctx| {
        let t = ctx.current.get();
        let y = ctx.yielders.borrow().get(t.index()).copied();
        (y, ctx.tearing_down.get())
    });
    let Some((yielder, tearing_down)) = found else {
        return outside_model(make());
    };
    if tearing_down {
        // The execution is being abandoned and this thread is unwinding: destructors may still
        // call into ravel, and must neither block nor panic.
        return passive_result(make());
    }
    let yielder = yielder.expect("every running model thread has a yielder");
    // SAFETY: the pointer was stored by this thread's coroutine body from the `&Yielder` it
    // received, and that coroutine is the one executing this code: it is alive and suspended
    // only inside this call, so the yielder outlives the borrow.
    unsafe { (*yielder).suspend(std::mem::MaybeUninit::new(Request::op(make(), span))) }
}

/// Called from the panic hook for every panic of a model thread: the first panic a thread
/// raises is the one it unwinds from (what [`crate::thread::panicking`] answers, and what a
/// double panic report names first).
pub(crate) fn on_model_panic(message: &str, span: Option<SourceSpan>) {
    let Some(ctx) = CONTEXT.with(|c| c.borrow().clone()) else {
        return;
    };
    if ctx.tearing_down.get() {
        return;
    }
    let t = ctx.current.get();
    if ctx.unwinding_from(t).is_none() {
        ctx.set_unwinding(t, Some((message.to_string(), span)));
    }
}

/// On platforms where [`super::trap`] cannot catch the abort that follows a panic escaping a
/// destructor during unwinding, says what happened, in the terms of the model, before Rust
/// aborts the process.
pub(crate) fn on_abort(escaped: Option<&(String, Option<SourceSpan>)>) {
    let Some(ctx) = CONTEXT.with(|c| c.borrow().clone()) else {
        return;
    };
    let t = ctx.current.get();
    let (what, span) = match escaped {
        Some((m, Some(s))) => (m.as_str(), s.to_string()),
        Some((m, None)) => (m.as_str(), "an unknown place".to_string()),
        None => ("(unknown)", "an unknown place".to_string()),
    };
    eprintln!(
        "ravel found a double panic\n  model thread {t} panicked in a destructor while unwinding \
         from an earlier panic: `{what}` at {span}\n  Rust aborts the process here; rerun the \
         test alone to see the first panic's report"
    );
}

impl Context {
    /// Removes model thread `t`'s thread-local values, to be dropped by the caller.
    pub(crate) fn take_locals(&self, t: ThreadId) -> Vec<Rc<dyn Any>> {
        let mut locals = self.locals.borrow_mut();
        // Most programs have no thread-local value: no scan, no allocation at every thread end.
        if locals.is_empty() {
            return Vec::new();
        }
        let keys: Vec<(ThreadId, usize)> = locals.keys().filter(|k| k.0 == t).copied().collect();
        keys.iter().filter_map(|k| locals.remove(k)).collect()
    }

    /// The panic model thread `t` is unwinding from, if it is unwinding.
    pub(crate) fn unwinding_from(&self, t: ThreadId) -> Option<PanicRecord> {
        self.unwinding.borrow().get(t.index()).cloned().flatten()
    }

    /// Records (or, with `None`, clears) the panic model thread `t` unwinds from.
    pub(crate) fn set_unwinding(&self, t: ThreadId, panic: Option<PanicRecord>) {
        let mut unwinding = self.unwinding.borrow_mut();
        if unwinding.len() <= t.index() {
            if panic.is_none() {
                return;
            }
            unwinding.resize(t.index() + 1, None);
        }
        unwinding[t.index()] = panic;
    }
}

/// Performs an operation on shared objects, caching the numbers the engine gives them.
pub(crate) fn perform_on(
    objects: &[&ObjectId],
    make: impl FnOnce(&[Loc]) -> Op,
    span: SourceSpan,
) -> OpResult {
    let Some(execution) = peek_context(|ctx| ctx.execution.get()) else {
        if !super::passthrough::active() {
            return outside_model(make(&[]));
        }
        let mut buffer = [Loc(0); 2];
        for (slot, o) in buffer.iter_mut().zip(objects) {
            *slot = o.address_loc();
        }
        let locs = &buffer[..objects.len()];
        return super::passthrough::perform_on(objects, locs, make(locs));
    };
    // At most two objects per operation (a condvar wait names its mutex): no allocation on
    // this per-operation path.
    let mut buffer = [Loc(0); 2];
    for (slot, o) in buffer.iter_mut().zip(objects) {
        *slot = o.loc(execution);
    }
    let locs = &buffer[..objects.len()];
    let result = perform_made(|| make(locs), span);
    if locs.iter().any(|l| l.is_unresolved()) {
        with_context(|ctx| {
            let mut resolved = ctx.resolved.borrow_mut();
            for (obj, loc) in objects.iter().zip(locs) {
                if let Some(&(_, number)) = resolved.iter().find(|(address, _)| address == loc) {
                    obj.remember(execution, number);
                    ctx.classes.borrow_mut().insert(number, obj.site());
                }
            }
            // Entries of no operation of this thread are only a cache miss: the engine keeps the
            // numbers, and an object not remembered is looked up again.
            resolved.clear();
        });
    }
    result
}

fn passive_result(op: Op) -> OpResult {
    match op {
        Op::Load { init, .. } | Op::Rmw { init, .. } => OpResult::Value(init),
        Op::CompareExchange { init, .. } => OpResult::Cas {
            value: init,
            ok: false,
        },
        Op::TryLock(_) => OpResult::Bool(false),
        Op::CondWake { .. } => OpResult::Woken(false),
        _ => OpResult::Unit,
    }
}
