//! Running a model's code on real OS threads, with real atomics and locks: the plain stress test
//! that ravel's time to a bug is measured against (see [`crate::stress`]).
//!
//! Outside `ravel::model`, the primitives normally refuse to work. On a thread in stress mode
//! they act directly instead: `thread::spawn` starts an OS thread, an atomic operation is a
//! hardware atomic operation with the program's own ordering (on a word kept in the object), a
//! mutex is a lock word (spinning, then yielding), a condition-variable wait releases the lock,
//! yields and relocks (a spurious wake-up, which std allows), and cell accesses touch memory
//! without any check. No event is recorded and nothing is detected: only what the program itself
//! checks (its assertions) can fail. Primitives this mode does not cover panic with a message
//! that starts with [`UNSUPPORTED`].

use super::ObjectId;
use crate::rt::context::ThreadBody;
use ravel_core::event::{FenceMode, Loc, Op, OpResult, ReadMode, RmwMode, ThreadId, WriteMode};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// How a panic raised by an unsupported primitive in stress mode starts.
pub(crate) const UNSUPPORTED: &str = "ravel stress mode does not support";

/// One stress test's real threads and what they reported; every thread of the test holds it.
#[derive(Debug, Default)]
pub(crate) struct Session {
    /// Real threads by model thread id, so that `Op::Join` can wait for them.
    threads: Mutex<HashMap<u32, RealThread>>,
    /// Thread ids (0 is the caller).
    next_thread: AtomicU32,
    /// The first panic of a real thread: the cause a failed run names (the joiner's own panic
    /// only says that `join` returned an error).
    thread_panic: Mutex<Option<String>>,
    /// The first unsupported primitive met (the panic may happen on a thread whose panic goes
    /// nowhere).
    unsupported: Mutex<Option<String>>,
}

/// A real thread: its handle, and whether it ended by a panic.
type RealThread = (std::thread::JoinHandle<()>, Arc<AtomicBool>);

thread_local! {
    /// The stress test this OS thread runs model code for, if any.
    static SESSION: RefCell<Option<Arc<Session>>> = const { RefCell::new(None) };
}

fn session() -> Option<Arc<Session>> {
    SESSION.with(|s| s.borrow().clone())
}

/// Whether this OS thread runs model code on real threads.
pub(crate) fn active() -> bool {
    SESSION.with(|s| s.borrow().is_some())
}

/// Runs `f` with this OS thread in stress mode for `session`.
pub(crate) fn enter<R>(session: Arc<Session>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Arc<Session>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let old = self.0.take();
            SESSION.with(|s| *s.borrow_mut() = old);
        }
    }
    let old = SESSION.with(|s| s.borrow_mut().replace(session));
    let _restore = Restore(old);
    f()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Session {
    /// The first panic message of a real thread since the last call.
    pub(crate) fn take_thread_panic(&self) -> Option<String> {
        lock(&self.thread_panic).take()
    }

    /// The unsupported primitive met since the last call, if any.
    pub(crate) fn take_unsupported(&self) -> Option<String> {
        lock(&self.unsupported).take()
    }

    /// Waits for every real thread nobody joined (between two runs of a stress test), and
    /// answers whether one of them ended by a panic: a panic nothing handled, which a model
    /// reports.
    pub(crate) fn join_all(&self) -> bool {
        let mut unhandled_panic = false;
        loop {
            let threads: Vec<RealThread> = lock(&self.threads).drain().map(|(_, t)| t).collect();
            if threads.is_empty() {
                return unhandled_panic;
            }
            for (handle, panicked) in threads {
                let _ = handle.join();
                unhandled_panic |= panicked.load(Ordering::Relaxed);
            }
        }
    }
}

/// Panics for a primitive stress mode cannot run, remembering it for the stress runner.
pub(crate) fn unsupported(what: &str) -> ! {
    let message = format!("{UNSUPPORTED} {what}");
    if let Some(session) = session() {
        lock(&session.unsupported).get_or_insert_with(|| message.clone());
    }
    panic!("{message}")
}

/// A thread body that crosses to another OS thread.
struct SendBody(ThreadBody);

// SAFETY: `crate::stress::run`'s contract: the caller promises that every thread its model
// spawns may run on another OS thread (is `Send` in effect), which ravel's `spawn` cannot demand
// at compile time because models may spawn closures that are not `Send`.
unsafe impl Send for SendBody {}

/// Starts `body` on a new OS thread in stress mode; `panicked` is set if it ends by a panic.
pub(crate) fn spawn(
    body: ThreadBody,
    name: Option<String>,
    stack_size: Option<usize>,
    panicked: Arc<AtomicBool>,
) -> ThreadId {
    let session = session().expect("stress mode is active");
    let id = session.next_thread.fetch_add(1, Ordering::Relaxed) + 1;
    let body = SendBody(body);
    let flag = panicked.clone();
    let theirs = session.clone();
    let mut builder = std::thread::Builder::new();
    if let Some(name) = name {
        builder = builder.name(name);
    }
    if let Some(size) = stack_size {
        builder = builder.stack_size(size);
    }
    let handle = builder
        .spawn(move || {
            let body = body;
            enter(theirs.clone(), || super::panics::capturing(body.0));
            if flag.load(Ordering::Relaxed) {
                let (message, _) = super::panics::take_last();
                lock(&theirs.thread_panic).get_or_insert(message);
            }
        })
        .unwrap_or_else(|e| panic!("ravel stress mode: cannot start a thread: {e}"));
    lock(&session.threads).insert(id, (handle, panicked));
    ThreadId(id)
}

/// Waits for real thread `t` (at once if it was joined before).
fn join(t: ThreadId) {
    let Some(session) = session() else { return };
    let thread = lock(&session.threads).remove(&t.0);
    if let Some((handle, _)) = thread {
        // The body catches its own panics (see `thread::spawn_with`).
        let _ = handle.join();
    }
}

fn read_order(mode: ReadMode) -> Ordering {
    match mode {
        ReadMode::NonAtomic | ReadMode::Relaxed => Ordering::Relaxed,
        ReadMode::Acquire => Ordering::Acquire,
        ReadMode::SeqCst => Ordering::SeqCst,
    }
}

fn write_order(mode: WriteMode) -> Ordering {
    match mode {
        WriteMode::NonAtomic | WriteMode::Relaxed => Ordering::Relaxed,
        WriteMode::Release => Ordering::Release,
        WriteMode::SeqCst => Ordering::SeqCst,
    }
}

fn rmw_order(mode: RmwMode) -> Ordering {
    match mode {
        RmwMode::Relaxed => Ordering::Relaxed,
        RmwMode::Acquire => Ordering::Acquire,
        RmwMode::Release => Ordering::Release,
        RmwMode::AcqRel => Ordering::AcqRel,
        RmwMode::SeqCst => Ordering::SeqCst,
    }
}

/// Performs an operation that names no object.
pub(crate) fn perform(op: Op) -> OpResult {
    match op {
        Op::Yield => {
            std::thread::yield_now();
            OpResult::Unit
        }
        Op::Fence(mode) => {
            std::sync::atomic::fence(match mode {
                FenceMode::Acquire => Ordering::Acquire,
                FenceMode::Release => Ordering::Release,
                FenceMode::AcqRel => Ordering::AcqRel,
                FenceMode::SeqCst => Ordering::SeqCst,
            });
            OpResult::Unit
        }
        Op::Join(t) => {
            join(t);
            OpResult::Unit
        }
        // Cells are memory the caller touches itself; nothing to check here.
        Op::CellAccess { .. } | Op::ShapedCellAccess { .. } => OpResult::Unit,
        other => unsupported(&format!("{other:?}")),
    }
}

/// Performs an operation on `objects` (named in `op` by the locations `locs`).
pub(crate) fn perform_on(objects: &[&ObjectId], locs: &[Loc], op: Op) -> OpResult {
    // The object's word, set to its initial value on first use (constructors are `const` and
    // cannot turn a pointer into bits, so only an operation knows the initial value).
    let word = |loc: Loc, init: u64| -> &AtomicU64 {
        let i = locs.iter().position(|&l| l == loc).expect("an operand");
        objects[i].real_word(init)
    };
    match op {
        Op::Load { loc, init, mode } => OpResult::Value(word(loc, init).load(read_order(mode))),
        Op::Store {
            loc,
            init,
            val,
            mode,
        } => {
            word(loc, init).store(val, write_order(mode));
            OpResult::Unit
        }
        Op::Rmw {
            loc,
            init,
            update,
            mode,
        } => {
            let failure = read_order(mode.read_part());
            let old = word(loc, init)
                .fetch_update(rmw_order(mode), failure, |old| Some(update.apply(old)))
                .unwrap_or_else(|v| v);
            OpResult::Value(old)
        }
        Op::CompareExchange {
            loc,
            init,
            expected,
            new,
            success,
            failure,
            weak,
        } => {
            let w = word(loc, init);
            let (s, f) = (rmw_order(success), read_order(failure));
            let result = if weak {
                w.compare_exchange_weak(expected, new, s, f)
            } else {
                w.compare_exchange(expected, new, s, f)
            };
            match result {
                Ok(v) => OpResult::Cas { value: v, ok: true },
                Err(v) => OpResult::Cas {
                    value: v,
                    ok: false,
                },
            }
        }
        Op::Lock(loc) => {
            take_lock_word(word(loc, 0));
            OpResult::Unit
        }
        Op::TryLock(loc) => OpResult::Bool(
            word(loc, 0)
                .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
                .is_ok(),
        ),
        Op::Unlock(loc) => {
            word(loc, 0).store(0, Ordering::Release);
            OpResult::Unit
        }
        // A wait releases the mutex; the wake-up is spurious (std allows it): the caller
        // relocks and rechecks its condition.
        Op::CondWait { mutex, .. } => {
            word(mutex, 0).store(0, Ordering::Release);
            OpResult::Unit
        }
        Op::CondWake { .. } => {
            std::thread::yield_now();
            OpResult::Woken(false)
        }
        Op::Notify { .. } => OpResult::Unit,
        other => perform(other),
    }
}

/// Takes a lock word: spin a little, then yield.
fn take_lock_word(w: &AtomicU64) {
    let mut spins = 0u32;
    loop {
        if w.load(Ordering::Relaxed) != 1
            && w.compare_exchange_weak(0, 1, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        {
            return;
        }
        spins += 1;
        if spins < 64 {
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
    }
}
