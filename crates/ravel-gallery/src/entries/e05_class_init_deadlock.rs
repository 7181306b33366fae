//! Entry 5: the class-initialisation deadlock (seed 001, Jeremy Manson, "Weekend Multithreaded
//! Puzzler Fun!" and its answer).
//!
//! The original:
//! ```java
//! class A { volatile static int x = 1; static { B.y = 1; } }
//! class B { volatile static int y = 2; static { A.x = 2; } }
//! // t1: A.x = 1;    t2: B.y = 2;
//! ```
//! Touching a class runs its static initialiser under that class's initialisation lock. `t1`
//! initialises A, whose initialiser touches B; `t2` initialises B, whose initialiser touches A.
//! Each waits for the other to finish: deadlock. One thread alone initialises both happily (a
//! recursive request by the initialising thread returns at once). The fixes the post gives:
//! order the classes so an initialiser only touches classes before it, or initialise in one
//! thread.
//!
//! A Rust `LazyLock` cannot express the recursive request (re-entering its own initialiser
//! deadlocks even on one thread), so the model spells out the JVM's protocol (JLS §12.4.2): a
//! per-class lock and condition, with the class in progress, by whom, or done.

use super::SEED_001;
use crate::entry::{BugClass, Entry, Expect, ModelNeed, Side};
use ravel::sync::atomic::{AtomicI32, Ordering::SeqCst};
use ravel::sync::{Arc, Condvar, Mutex};
use ravel::thread::{self, ThreadId};
use ravel::FindingKind;

/// The gallery entry.
pub const ENTRY: Entry = Entry {
    id: "5",
    slug: "e05_class_init_deadlock",
    title: "Class-initialisation deadlock",
    seed: SEED_001,
    class: BugClass::Deadlock,
    model: ModelNeed::Any,
    expect: Expect::finding(
        FindingKind::Deadlock,
        "t1 initialising A waits for B, t2 initialising B waits for A",
    ),
    buggy: Side::ready(buggy),
    fixed: Some(Side::ready(fixed)),
};

/// Where a class is in its initialisation (JLS §12.4.2, steps 1 to 10 boiled down).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum InitState {
    Uninitialized,
    InProgress(ThreadId),
    Initialized,
}

/// A class's initialisation lock and the condition other threads wait on.
#[derive(Debug)]
struct ClassInit {
    state: Mutex<InitState>,
    done: Condvar,
}

impl ClassInit {
    fn new() -> ClassInit {
        ClassInit {
            state: Mutex::new(InitState::Uninitialized),
            done: Condvar::new(),
        }
    }

    /// Runs `clinit` unless the class is initialised or being initialised by this thread;
    /// waits while another thread initialises it. `track_caller` makes a report point at the
    /// line that touched the class.
    #[track_caller]
    fn initialize(&self, clinit: impl FnOnce()) {
        let me = thread::current().id();
        let mut state = self.state.lock().unwrap();
        loop {
            match *state {
                InitState::Initialized => return,
                InitState::InProgress(owner) if owner == me => return,
                InitState::InProgress(_) => state = self.done.wait(state).unwrap(),
                InitState::Uninitialized => break,
            }
        }
        *state = InitState::InProgress(me);
        drop(state);
        clinit();
        *self.state.lock().unwrap() = InitState::Initialized;
        self.done.notify_all();
    }
}

/// The two classes, each with its static field and initialisation state.
#[derive(Debug)]
struct Program {
    a_init: ClassInit,
    a_x: AtomicI32,
    b_init: ClassInit,
    b_y: AtomicI32,
    /// Whether A's initialiser touches B (the circularity); the fix removes it.
    circular: bool,
}

impl Program {
    fn new(circular: bool) -> Program {
        Program {
            a_init: ClassInit::new(),
            a_x: AtomicI32::new(0),
            b_init: ClassInit::new(),
            b_y: AtomicI32::new(0),
            circular,
        }
    }

    /// `A.x`, initialising A first.
    #[track_caller]
    fn a_x(&self) -> &AtomicI32 {
        self.a_init.initialize(|| self.a_static_init());
        &self.a_x
    }

    /// `B.y`, initialising B first.
    #[track_caller]
    fn b_y(&self) -> &AtomicI32 {
        self.b_init.initialize(|| self.b_static_init());
        &self.b_y
    }

    /// `class A { volatile static int x = 1; static { B.y = 1; } }`
    fn a_static_init(&self) {
        self.a_x.store(1, SeqCst);
        if self.circular {
            self.b_y().store(1, SeqCst);
        }
    }

    /// `class B { volatile static int y = 2; static { A.x = 2; } }`
    fn b_static_init(&self) {
        self.b_y.store(2, SeqCst);
        if self.circular {
            self.a_x().store(2, SeqCst);
        } else {
            // The fix: classes are ordered (A before B), so B may touch A, and A touches only
            // itself.
            self.a_x().load(SeqCst);
        }
    }
}

fn run(program: Program) {
    let program = Arc::new(program);
    let t1 = {
        let p = program.clone();
        thread::Builder::new()
            .name("t1: A.x = 1".into())
            .spawn(move || p.a_x().store(1, SeqCst))
            .unwrap()
    };
    let t2 = {
        let p = program.clone();
        thread::Builder::new()
            .name("t2: B.y = 2".into())
            .spawn(move || p.b_y().store(2, SeqCst))
            .unwrap()
    };
    t1.join().unwrap();
    t2.join().unwrap();
}

/// Each initialiser touches the other class, and two threads touch one class each.
pub fn buggy() {
    run(Program::new(true));
}

/// The classes are ordered: B's initialiser may touch A, A's touches only itself.
pub fn fixed() {
    run(Program::new(false));
}
