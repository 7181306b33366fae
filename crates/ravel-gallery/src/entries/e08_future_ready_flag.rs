//! Entry 8: a future with a `ready` flag (seed 001, Jeremy Manson, "Volatile Fields and
//! Synchronization").
//!
//! The original:
//! ```java
//! class Future {
//!   private volatile boolean ready;
//!   private Obj data;
//!   public synchronized void setOnce(Obj o) {
//!     if (ready) throw ...;
//!     data = o;
//!     ready = true;
//!   }
//!   public Object get() { if (!ready) return null; return data; }
//! }
//! ```
//! `setOnce` runs in one thread and `get` in another. Without `volatile` on `ready`, the writes
//! to `data` and `ready` may be reordered and `get` may see `ready` but not `data`. The lock on
//! `setOnce` does not help `get`, which does not take it.
//!
//! `data` is a plain field; `ready` is Relaxed in the buggy model and `volatile` (SeqCst) in the
//! fixed one, as in the post.

use super::SEED_001;
use crate::entry::{BugClass, Entry, Expect, ModelNeed, Side};
use ravel::cell::UnsafeCell;
use ravel::sync::atomic::{AtomicBool, Ordering};
use ravel::sync::{Arc, Mutex};
use ravel::{thread, FindingKind};

/// The gallery entry.
pub const ENTRY: Entry = Entry {
    id: "8",
    slug: "e08_future_ready_flag",
    title: "Future with a ready flag",
    seed: SEED_001,
    class: BugClass::Visibility,
    model: ModelNeed::Rc11,
    expect: Expect::finding(
        FindingKind::DataRace,
        "get()'s unlocked read of `data` races with setOnce's write",
    ),
    buggy: Side::ready(buggy),
    fixed: Some(Side::ready(fixed)),
};

/// What the future holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Obj(u32);

/// The seed's class, with the ordering of `ready` as a parameter.
#[derive(Debug)]
struct Future {
    lock: Mutex<()>,
    ready: AtomicBool,
    data: UnsafeCell<Option<Obj>>,
    ready_order: Ordering,
}

impl Future {
    fn new(ready_order: Ordering) -> Future {
        Future {
            lock: Mutex::new(()),
            ready: AtomicBool::new(false),
            data: UnsafeCell::new(None),
            ready_order,
        }
    }

    /// `synchronized void setOnce(Obj o)`.
    fn set_once(&self, o: Obj) {
        let _this = self.lock.lock().unwrap();
        if self.ready.load(self.ready_order) {
            panic!("setOnce called twice");
        }
        // SAFETY: a plain write under the lock; ravel checks it against `get`'s read.
        self.data.with_mut(|p| unsafe { *p = Some(o) });
        self.ready.store(true, self.ready_order);
    }

    /// `Object get()`: no lock.
    fn get(&self) -> Option<Obj> {
        // Relaxed and SeqCst are the orderings the post contrasts; a SeqCst load is also an
        // Acquire, a SeqCst store a Release.
        let load = match self.ready_order {
            Ordering::Relaxed => Ordering::Relaxed,
            _ => Ordering::SeqCst,
        };
        if !self.ready.load(load) {
            return None;
        }
        // SAFETY: a plain read; ravel checks it against `setOnce`'s write.
        self.data.with(|p| unsafe { *p })
    }
}

fn run(ready_order: Ordering) {
    let future = Arc::new(Future::new(ready_order));
    let setter = {
        let future = future.clone();
        thread::Builder::new()
            .name("setOnce".into())
            .spawn(move || future.set_once(Obj(7)))
            .unwrap()
    };
    let getter = {
        let future = future.clone();
        thread::Builder::new()
            .name("get".into())
            .spawn(move || {
                if let Some(o) = future.get() {
                    assert_eq!(o, Obj(7));
                }
            })
            .unwrap()
    };
    setter.join().unwrap();
    getter.join().unwrap();
}

/// `ready` without `volatile`.
pub fn buggy() {
    run(Ordering::Relaxed);
}

/// `private volatile boolean ready`.
pub fn fixed() {
    run(Ordering::SeqCst);
}
