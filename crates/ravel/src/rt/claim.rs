//! Guarding data that outlives an execution against parallel workers.
//!
//! Objects built inside the model closure live in one execution of one worker. A `static` (or
//! an object captured by the closure) is shared by every execution, and with several workers two
//! executions run at once: handing its data to both would be a real data race in the test
//! process. So objects that hold user data (a mutex's value, a cell's contents, an initialised
//! `OnceLock`) remember which worker of which exploration touched them last. A second worker of
//! the same exploration touching one stops the parallel exploration before the access, and the
//! builder runs it again on one worker.

use super::context::{try_with_context, with_context};
use std::sync::atomic::{AtomicU64, Ordering};

/// Tags are `exploration << 16 | worker + 1`, so 0 means "not claimed" and tags of finished
/// explorations never match a running one.
const WORKER_BITS: u32 = 16;

static NEXT_EXPLORATION: AtomicU64 = AtomicU64::new(1);

/// The tags of one exploration's workers.
#[derive(Debug)]
pub(crate) struct ClaimScope {
    exploration: u64,
    /// Only parallel explorations need claims.
    parallel: bool,
}

impl ClaimScope {
    pub(crate) fn new(parallel: bool) -> ClaimScope {
        ClaimScope {
            // Relaxed: only uniqueness matters.
            exploration: NEXT_EXPLORATION.fetch_add(1, Ordering::Relaxed),
            parallel,
        }
    }

    /// The tag of `worker`; 0 (no checking) when the exploration runs on one worker.
    pub(crate) fn tag(&self, worker: usize) -> u64 {
        if self.parallel {
            (self.exploration << WORKER_BITS) | (worker as u64 + 1)
        } else {
            0
        }
    }
}

/// The last worker that used an object's data.
#[derive(Debug, Default)]
pub(crate) struct Claim {
    tag: AtomicU64,
}

impl Claim {
    pub(crate) const fn new() -> Claim {
        Claim {
            tag: AtomicU64::new(0),
        }
    }

    /// Claims the object for the running worker before its data is used; unwinds out of the
    /// model (and cancels the parallel exploration) if another worker of the same exploration
    /// uses it.
    pub(crate) fn check(&self) {
        // Outside a model (stress mode) there are no workers to keep apart.
        let Some((mine, tearing_down)) =
            try_with_context(|ctx| (ctx.claim_tag.get(), ctx.tearing_down.get()))
        else {
            return;
        };
        // Unwinding must not panic again; destructors rarely touch shared data.
        if mine == 0 || tearing_down {
            return;
        }
        // Relaxed: the tag itself is the only data; a stale read only retries the claim.
        let mut seen = self.tag.load(Ordering::Relaxed);
        loop {
            if seen == mine {
                return;
            }
            if seen != 0 && seen >> WORKER_BITS == mine >> WORKER_BITS {
                shared_between_workers();
            }
            match self
                .tag
                .compare_exchange(seen, mine, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(now) => seen = now,
            }
        }
    }
}

impl Clone for Claim {
    /// A clone is a different object.
    fn clone(&self) -> Claim {
        Claim::new()
    }
}

/// Stops the parallel exploration and unwinds the model thread.
#[cold]
fn shared_between_workers() -> ! {
    with_context(|ctx| {
        ctx.shared_data_seen.set(true);
        if let Some(exploration) = ctx.exploration.borrow().as_ref() {
            exploration.cancel();
        }
    });
    panic!(
        "ravel: an object shared by every execution (a static, or one captured by the model \
         closure) was used by two parallel workers; exploring again on one worker"
    );
}
