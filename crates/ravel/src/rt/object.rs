//! Identity of shared objects (atomics, mutexes, condition variables) across executions.
//!
//! Constructors are `const fn` so that statics work, so an object cannot be numbered when it is
//! built. It is numbered by the engine at its first use in each execution (see
//! `ravel_core::event::Loc::unresolved`), and the number is cached inside the object so that
//! moving the object afterwards keeps its identity.

use ravel_core::event::{Loc, SourceSpan};
use std::sync::atomic::{AtomicU64, Ordering};

/// Execution numbers are unique in the process, so a cache filled in one execution (or by a model
/// running on another OS thread) is never mistaken for the current one.
static NEXT_EXECUTION: AtomicU64 = AtomicU64::new(1);

/// A fresh execution number.
pub(crate) fn next_execution() -> u64 {
    // Relaxed: only uniqueness matters, not ordering with other memory.
    NEXT_EXECUTION.fetch_add(1, Ordering::Relaxed)
}

const LOC_BITS: u32 = 24;

/// Identities handed out so far; marked with bit 60 so that they never equal an address (user
/// addresses stay below 2^48 on the platforms ravel runs on).
static NEXT_IDENTITY: AtomicU64 = AtomicU64::new(1);
const IDENTITY_MARK: u64 = 1 << 60;

/// How many identities an OS thread reserves from [`NEXT_IDENTITY`] at a time.
const IDENTITY_BLOCK: u64 = 256;

thread_local! {
    /// The OS thread's reserved identities, as (next, end): programs that build their objects
    /// afresh in every execution number dozens per execution, and a locked instruction on a
    /// shared counter for each was a visible part of an execution's time.
    static RESERVED_IDENTITIES: std::cell::Cell<(u64, u64)> = const { std::cell::Cell::new((0, 0)) };
}

/// A process-unique identity number (without its mark).
fn fresh_identity() -> u64 {
    let reserve = || NEXT_IDENTITY.fetch_add(IDENTITY_BLOCK, Ordering::Relaxed);
    RESERVED_IDENTITIES
        .try_with(|r| {
            let (mut next, mut end) = r.get();
            if next == end {
                next = reserve();
                end = next + IDENTITY_BLOCK;
            }
            r.set((next + 1, end));
            next
        })
        // While the OS thread's locals are torn down: one from the shared counter.
        .unwrap_or_else(|_| NEXT_IDENTITY.fetch_add(1, Ordering::Relaxed))
}

/// What names an object (or a cell) before the engine numbers it: a process-unique number
/// assigned at first use and kept by the object when it moves. Not its address: an object
/// dropped and another built at the same address in one execution must not share a location
/// (and whether the allocator reuses an address differs between executions, which looked like
/// non-determinism).
#[derive(Debug)]
pub(crate) struct Identity(AtomicU64);

impl Identity {
    /// An identity assigned at first use; usable in statics.
    pub(crate) const fn new() -> Identity {
        Identity(AtomicU64::new(0))
    }

    /// The unresolved location naming this object.
    pub(crate) fn loc(&self) -> Loc {
        Loc::unresolved(self.number() as usize)
    }

    /// The identity itself (bit 60 set, bit 59 clear), assigned on first call.
    pub(crate) fn number(&self) -> u64 {
        // Relaxed: only uniqueness matters; two first uses at once agree through the exchange.
        let current = self.0.load(Ordering::Relaxed);
        if current != 0 {
            return current;
        }
        let fresh = fresh_identity() | IDENTITY_MARK;
        match self
            .0
            .compare_exchange(0, fresh, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => fresh,
            Err(won) => won,
        }
    }
}

impl Clone for Identity {
    /// A clone is a different object.
    fn clone(&self) -> Identity {
        Identity::new()
    }
}

impl Default for Identity {
    fn default() -> Identity {
        Identity::new()
    }
}

/// The identity cache of a shared object: the execution it was numbered in and its number,
/// packed in one word so statics can hold it.
#[derive(Debug)]
pub(crate) struct ObjectId {
    packed: AtomicU64,
    /// Where the object was built: its identity across executions (its lock class).
    site: SourceSpan,
    /// What names it before the engine numbers it.
    identity: Identity,
    /// In stress mode (`rt::passthrough`), the object's real word: an atomic's value, a lock's
    /// state. Set from the initial value at first use (`real_state`: unset, being set, ready).
    real: AtomicU64,
    /// A whole word although it holds three states: as one byte it made the zeroed words of a
    /// new object 25 bytes long, which LLVM wrote to a stack temporary with overlapping stores
    /// and read back wider, so every constructor stalled on store forwarding (4% of the time of
    /// indexer(12), which builds 128 atomics per execution). The struct's size is unchanged:
    /// the byte was followed by padding.
    real_state: AtomicU64,
}

const REAL_UNSET: u64 = 0;
const REAL_SETTING: u64 = 1;
const REAL_READY: u64 = 2;

impl ObjectId {
    /// An unnumbered object built at the caller's place (constructors pass theirs on with
    /// `#[track_caller]`).
    #[track_caller]
    pub(crate) const fn new() -> ObjectId {
        ObjectId {
            packed: AtomicU64::new(0),
            site: SourceSpan::caller(),
            identity: Identity::new(),
            real: AtomicU64::new(0),
            real_state: AtomicU64::new(REAL_UNSET),
        }
    }

    /// The object's real word in stress mode, set to `init` by its first user.
    pub(crate) fn real_word(&self, init: u64) -> &AtomicU64 {
        if self.real_state.load(Ordering::Acquire) != REAL_READY {
            match self.real_state.compare_exchange(
                REAL_UNSET,
                REAL_SETTING,
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    self.real.store(init, Ordering::Relaxed);
                    self.real_state.store(REAL_READY, Ordering::Release);
                }
                Err(_) => {
                    while self.real_state.load(Ordering::Acquire) != REAL_READY {
                        std::hint::spin_loop();
                    }
                }
            }
        }
        &self.real
    }

    /// Where the object was built.
    pub(crate) fn site(&self) -> SourceSpan {
        self.site
    }

    /// The location to name in an operation: the cached number, or the address to resolve.
    pub(crate) fn loc(&self, execution: u64) -> Loc {
        // Relaxed: the cache is private to the OS thread running the model; races between two
        // models sharing a static only cause a re-resolution by address, which is exact.
        let packed = self.packed.load(Ordering::Relaxed);
        if packed >> LOC_BITS == execution & ((1 << (64 - LOC_BITS)) - 1) && packed != 0 {
            Loc(packed & ((1 << LOC_BITS) - 1))
        } else {
            self.address_loc()
        }
    }

    /// The location naming this object before the engine numbers it (its [`Identity`]; stress
    /// mode uses it as is).
    pub(crate) fn address_loc(&self) -> Loc {
        self.identity.loc()
    }

    /// Remembers the number the engine gave this object.
    pub(crate) fn remember(&self, execution: u64, loc: Loc) {
        if loc.0 < (1 << LOC_BITS) {
            let packed = ((execution & ((1 << (64 - LOC_BITS)) - 1)) << LOC_BITS) | loc.0;
            self.packed.store(packed, Ordering::Relaxed);
        }
    }
}

impl Clone for ObjectId {
    /// A clone is a different object.
    fn clone(&self) -> ObjectId {
        ObjectId::new()
    }
}

impl Default for ObjectId {
    fn default() -> ObjectId {
        ObjectId::new()
    }
}
