//! Turning the ways a model thread can kill the process into findings: an abort (a panic that
//! escapes a destructor while the thread unwinds, a panic in a `nounwind` function, an explicit
//! `std::process::abort`), a stack overflow, and an invalid memory access in unsafe code.
//!
//! Rust answers each of these by killing the process: no `catch_unwind` can stop an abort, and a
//! fault on a guard page is fatal. loom aborts the whole test binary on a double panic (loom
//! #291, #331). ravel instead catches the signal the process receives (SIGABRT, SIGSEGV, SIGBUS)
//! and, when the interrupted code ran on the stack of the model thread that is running, uses
//! corosensei's trap support (`Coroutine::trap_handler`, the mechanism Wasmer uses for traps in
//! guest code) to make that coroutine return to the scheduler as if the thread had ended. The
//! engine then reports the thread as crashed.
//!
//! What is given up, deliberately:
//! - Nothing on the trapped thread's stack is dropped: its frames are discarded. The other
//!   threads of the execution may borrow from those frames (scoped threads), so they are discarded
//!   too rather than unwound (see `CoroutineProgram::abort`). This leaks memory, once per crash.
//! - A double panic leaves std's count of panics in progress raised on this OS thread, so
//!   `std::thread::panicking()` stays true on it. ravel's own primitives ask
//!   [`crate::thread::panicking`], which tracks each model thread, instead.
//! - A fault inside the allocator or another library holding a lock leaves that lock held. The
//!   process would have died; now it may hang instead. Faults of the model's own code are the
//!   case this is for.
//!
//! Signals that do not come from a model thread's stack go to the handler installed before
//! ravel's (std's stack-overflow reporter) or to the default action, so the rest of the process
//! behaves as if ravel had installed nothing. Only Linux on x86-64 and AArch64 is supported (the
//! AArch64 register handling follows corosensei's own tests but has not been run here);
//! elsewhere [`install`] does nothing and these crashes still end the process.

use corosensei::trap::CoroutineTrapHandler;
use std::cell::Cell;

/// How a model thread's run ended abnormally.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Crash {
    /// The process was told to abort (SIGABRT) while the thread ran.
    Abort,
    /// The thread ran off the end of its stack into the guard page.
    StackOverflow { stack_bytes: usize },
    /// The thread touched memory it may not at `address` (SIGBUS when `bus`, else SIGSEGV).
    Fault { bus: bool, address: usize },
}

/// What the signal handler needs to redirect the running coroutine: copied into a thread-local
/// before each resume, read (without allocating or locking) from the handler.
pub(crate) struct TrapTarget<R> {
    pub handler: CoroutineTrapHandler<R>,
    /// The guard page below the stack: `guard_start .. guard_start + guard_len` (computed before
    /// the resume, so the handler makes no call to learn it).
    pub guard_start: usize,
    pub guard_len: usize,
    /// Usable stack bytes, for the report.
    pub stack_bytes: usize,
    /// Builds the coroutine's return value from the crash.
    pub make_return: fn(Crash) -> R,
}

// Not derived: the derive would require `R: Copy` even where `R` is not stored.
impl<R: Copy> Clone for TrapTarget<R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R: Copy> Copy for TrapTarget<R> {}

/// The target type the runtime uses; `R` is the coroutine's return type.
pub(crate) type Target = TrapTarget<super::program::ThreadEnd>;

thread_local! {
    /// The coroutine running on this OS thread, if any.
    static RUNNING: Cell<Option<Target>> = const { Cell::new(None) };
    /// The last crash a coroutine on this OS thread returned with, not yet looked at.
    static LAST_CRASH: Cell<Option<Crash>> = const { Cell::new(None) };
}

/// Notes that a coroutine returned because of `crash` (called on the coroutine's reset stack).
pub(crate) fn record(crash: Crash) {
    LAST_CRASH.with(|c| c.set(Some(crash)));
}

/// The crash recorded since the last call, if any.
pub(crate) fn take_crash() -> Option<Crash> {
    LAST_CRASH.with(|c| c.take())
}

/// Runs `f` (which resumes a coroutine) with `target` as the coroutine signals may redirect.
pub(crate) fn while_running<T>(target: Target, f: impl FnOnce() -> T) -> T {
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            RUNNING.with(|r| r.set(None));
        }
    }
    RUNNING.with(|r| r.set(Some(target)));
    let _clear = Clear;
    f()
}

#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
mod imp {
    use super::{Crash, RUNNING};
    use corosensei::trap::TrapHandlerRegs;
    use std::mem::MaybeUninit;
    use std::sync::Once;

    const SIGNALS: [libc::c_int; 3] = [libc::SIGABRT, libc::SIGSEGV, libc::SIGBUS];

    /// The actions installed before ravel's, one per entry of [`SIGNALS`]; written once, before
    /// ravel's handler can run.
    static mut PREVIOUS: [MaybeUninit<libc::sigaction>; 3] = [MaybeUninit::uninit(); 3];
    static INSTALL: Once = Once::new();

    pub(super) fn install() {
        INSTALL.call_once(|| {
            for (i, &signal) in SIGNALS.iter().enumerate() {
                // SAFETY: plain sigaction calls with initialised structures; PREVIOUS is written
                // here, inside `call_once`, before the handler that reads it is installed.
                unsafe {
                    let mut action: libc::sigaction = std::mem::zeroed();
                    action.sa_sigaction = on_signal as *const () as usize;
                    action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                    libc::sigemptyset(&mut action.sa_mask);
                    let previous = std::ptr::addr_of_mut!(PREVIOUS[i]);
                    libc::sigaction(signal, &action, (*previous).as_mut_ptr());
                }
            }
        });
        ensure_alternate_stack();
    }

    /// Stack overflow handling needs the handler to run on another stack. std gives its own
    /// threads one; a thread std did not start may have none, so give it one.
    fn ensure_alternate_stack() {
        /// An alternate signal stack ravel registered (the buffer the kernel writes to);
        /// unregistered before the buffer is freed.
        struct AltStack(#[allow(dead_code)] Vec<u8>);
        impl Drop for AltStack {
            fn drop(&mut self) {
                // SAFETY: disables this thread's alternate stack; the buffer is freed after.
                unsafe {
                    let stack = libc::stack_t {
                        ss_sp: std::ptr::null_mut(),
                        ss_flags: libc::SS_DISABLE,
                        ss_size: 0,
                    };
                    libc::sigaltstack(&stack, std::ptr::null_mut());
                }
            }
        }
        thread_local! {
            static OWN: std::cell::RefCell<Option<AltStack>> = const { std::cell::RefCell::new(None) };
        }
        // SAFETY: querying and setting this thread's alternate stack; the buffer lives in a
        // thread-local as long as the thread runs, and is unregistered before it is freed.
        unsafe {
            let mut current: libc::stack_t = std::mem::zeroed();
            if libc::sigaltstack(std::ptr::null(), &mut current) != 0
                || current.ss_flags & libc::SS_DISABLE == 0
            {
                return;
            }
            let size = libc::SIGSTKSZ.max(64 * 1024);
            let mut buffer = vec![0u8; size];
            let stack = libc::stack_t {
                ss_sp: buffer.as_mut_ptr().cast(),
                ss_flags: 0,
                ss_size: size,
            };
            if libc::sigaltstack(&stack, std::ptr::null_mut()) == 0 {
                OWN.with(|own| *own.borrow_mut() = Some(AltStack(buffer)));
            }
        }
    }

    fn stack_pointer(context: &libc::ucontext_t) -> usize {
        #[cfg(target_arch = "x86_64")]
        {
            context.uc_mcontext.gregs[libc::REG_RSP as usize] as usize
        }
        #[cfg(target_arch = "aarch64")]
        {
            context.uc_mcontext.sp as usize
        }
    }

    fn redirect(context: &mut libc::ucontext_t, regs: TrapHandlerRegs) {
        #[cfg(target_arch = "x86_64")]
        {
            let TrapHandlerRegs {
                rip,
                rsp,
                rbp,
                rdi,
                rsi,
            } = regs;
            let g = &mut context.uc_mcontext.gregs;
            g[libc::REG_RIP as usize] = rip as i64;
            g[libc::REG_RSP as usize] = rsp as i64;
            g[libc::REG_RBP as usize] = rbp as i64;
            g[libc::REG_RDI as usize] = rdi as i64;
            g[libc::REG_RSI as usize] = rsi as i64;
        }
        #[cfg(target_arch = "aarch64")]
        {
            let TrapHandlerRegs {
                pc,
                sp,
                x0,
                x1,
                x29,
                lr,
            } = regs;
            let m = &mut context.uc_mcontext;
            m.pc = pc;
            m.sp = sp;
            m.regs[0] = x0;
            m.regs[1] = x1;
            m.regs[29] = x29;
            m.regs[30] = lr;
        }
    }

    /// The handler. Async-signal-safe: it reads a const-initialised thread-local, compares
    /// addresses and writes registers; it neither allocates nor locks, and passing a signal on uses
    /// only `sigaction`, which is async-signal-safe.
    extern "C" fn on_signal(
        signal: libc::c_int,
        info: *mut libc::siginfo_t,
        context: *mut libc::c_void,
    ) {
        let target = RUNNING.with(|r| r.get());
        if let (Some(target), false) = (target, context.is_null()) {
            // SAFETY: with SA_SIGINFO the kernel passes a valid ucontext_t.
            let context = unsafe { &mut *context.cast::<libc::ucontext_t>() };
            if target.handler.stack_ptr_in_bounds(stack_pointer(context)) {
                let crash = if signal == libc::SIGABRT {
                    Crash::Abort
                } else {
                    // SAFETY: for SIGSEGV and SIGBUS the kernel fills in the faulting address.
                    let address = unsafe { (*info).si_addr() } as usize;
                    if address >= target.guard_start
                        && address < target.guard_start + target.guard_len
                    {
                        Crash::StackOverflow {
                            stack_bytes: target.stack_bytes,
                        }
                    } else {
                        Crash::Fault {
                            bus: signal == libc::SIGBUS,
                            address,
                        }
                    }
                };
                let make = target.make_return;
                // SAFETY: the interrupted stack pointer lies in the running coroutine (checked
                // above), and the registers are written back as the trap API requires. The
                // closure only captures plain data.
                let regs = unsafe { target.handler.setup_trap_handler(move || make(crash)) };
                redirect(context, regs);
                return;
            }
        }
        chain(signal, info, context);
    }

    /// Hands a signal that is not ravel's to whatever was installed before.
    fn chain(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
        let Some(i) = SIGNALS.iter().position(|&s| s == signal) else {
            return;
        };
        // SAFETY: PREVIOUS was fully written before this handler was installed.
        let previous = unsafe { (*std::ptr::addr_of!(PREVIOUS[i])).assume_init_ref() };
        let handler = previous.sa_sigaction;
        if handler == libc::SIG_IGN {
            return;
        }
        if handler == libc::SIG_DFL {
            // Restore the default action and return: the fault repeats (or `abort` raises the
            // signal again) and the process ends the way it would have without ravel.
            // SAFETY: resetting one signal's action.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = libc::SIG_DFL;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, std::ptr::null_mut());
            }
            return;
        }
        // SAFETY: calling the previously installed handler the way the kernel would have.
        unsafe {
            if previous.sa_flags & libc::SA_SIGINFO != 0 {
                let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                    std::mem::transmute(handler);
                f(signal, info, context);
            } else {
                let f: extern "C" fn(libc::c_int) = std::mem::transmute(handler);
                f(signal);
            }
        }
    }
}

#[cfg(not(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
)))]
mod imp {
    pub(super) fn install() {}
}

/// Installs the signal handlers (once per process) and makes sure this OS thread has an
/// alternate signal stack.
pub(crate) fn install() {
    imp::install();
}

/// Whether crashes of model threads become findings on this platform.
pub(crate) const SUPPORTED: bool = cfg!(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
));
