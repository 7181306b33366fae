//! Entries 15 and 15b: the simple spinlock and triangular races (seed 004, the Corensic blog,
//! "Spinlock and Triangular Races"; Owens, ECOOP 2010).
//!
//! The original, with `lck` initially 1 (free):
//! ```text
//! acquire: lock dec [eax]      ; atomic { tmp = [lck] - 1; [lck] = tmp; flag = tmp >= 0; flush }
//!          jns enter           ; if (flag) goto enter
//! spin:    cmp [eax], 0        ; flag = [lck] <= 0
//!          jle spin            ; if (flag) goto spin
//!          jmp acquire
//! enter:   ; the critical section
//! release: mov [eax], 1        ; [lck] = 1
//! ```
//! The spin's `cmp` load races with the release's plain `mov`: Jinx reports it. Yet the lock is
//! sequentially consistent, because the race is not *triangular*: the last store before the spin
//! load is the `lock dec`, which flushes the store buffer. A program without triangular races
//! behaves as under SC on x86-TSO.
//!
//! 15: the spinlock as written: ravel must report the race and classify it non-triangular
//! (`benign race (non-triangular)`, SC-preserving under TSO). There is no fix to make. The entry
//! is found when that benign finding appears and no bug does.
//! 15b: the same lock where the waiter first stores to another location (it announces itself in
//! a `waiting` flag) with no fence before the spin load: now the race is triangular, a `data
//! race` whose report shows the spin load, the releasing store and the buffered announcement.
//! The fix is an `MFENCE` (a SeqCst fence) after that store. The fixed lock still races, as the
//! seed's lock does: those races are reported as benign (non-triangular), and the gallery's
//! verification allows benign findings (no bug, complete search), as `Builder::check` does.
//!
//! Rust ordering for each instruction: `lock dec` is a SeqCst `fetch_sub`; the spin's `cmp` a
//! Relaxed load; the release's `mov` a Release store (also a plain `MOV` on x86, and what makes
//! the lock correct in Rust). All three models are explored under x86-TSO with the
//! instruction-level race analysis on (`Builder::x86_races`), which sees these atomics as the
//! `MOV`s and `LOCK`'d instructions they compile to.

use super::SEED_004;
use crate::entry::{BugClass, Entry, Expect, ModelNeed, Side};
use ravel::cell::UnsafeCell;
use ravel::hint::spin_loop;
use ravel::sync::atomic::{fence, AtomicBool, AtomicI32, Ordering};
use ravel::sync::Arc;
use ravel::{thread, BenignClass, FindingKind};

/// Entry 15: the lock as the seed writes it.
pub const ENTRY: Entry = Entry {
    id: "15",
    slug: "e15_spinlock_race",
    title: "Spinlock: non-triangular race",
    seed: SEED_004,
    class: BugClass::DataRace,
    model: ModelNeed::X86Tso,
    expect: Expect {
        kind: FindingKind::BenignRace(BenignClass::NonTriangular),
        // "a MOV load": the spin's load, among the lock's other non-triangular races.
        mentions: &["non-triangular", "SC-preserving", "a MOV load"],
        shows: "the spin's cmp load races with the release's mov; classified non-triangular",
    },
    buggy: Side::ready(buggy).with_x86_races(),
    fixed: None,
};

/// Entry 15b: a store before the spin load, without a fence.
pub const ENTRY_B: Entry = Entry {
    id: "15b",
    slug: "e15b_spinlock_triangular",
    title: "Spinlock: triangular race",
    seed: SEED_004,
    class: BugClass::DataRace,
    model: ModelNeed::X86Tso,
    expect: Expect {
        kind: FindingKind::DataRace,
        mentions: &["triangular race", "may still be buffered"],
        shows: "the spin load races and follows an unfenced store: a triangular race",
    },
    buggy: Side::ready(buggy_announced).with_x86_races(),
    fixed: Some(Side::ready(fixed_announced).with_x86_races()),
};

/// What the waiter does before spinning.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Announce {
    /// Nothing: the seed's lock.
    Nothing,
    /// Stores to its `waiting` flag, then spins.
    Store,
    /// Stores to its `waiting` flag, `MFENCE`, then spins.
    StoreAndFence,
}

/// The seed's simple spinlock.
#[derive(Debug)]
struct SpinLock {
    lck: AtomicI32,
    waiting: [AtomicBool; 2],
    announce: Announce,
}

impl SpinLock {
    fn new(announce: Announce) -> SpinLock {
        let lock = SpinLock {
            lck: AtomicI32::new(0),
            waiting: [AtomicBool::new(false), AtomicBool::new(false)],
            announce,
        };
        // `lck` starts at 1, free; a store rather than an initial value, because ravel
        // currently mixes up the initial values of atomics first touched in different orders.
        lock.lck.store(1, Ordering::Relaxed);
        lock
    }

    fn acquire(&self, me: usize) {
        loop {
            // lock dec [eax]: tmp = [lck] - 1; [lck] = tmp; flag = tmp >= 0. jns enter.
            let tmp = self.lck.fetch_sub(1, Ordering::SeqCst) - 1;
            if tmp >= 0 {
                return;
            }
            match self.announce {
                Announce::Nothing => {}
                Announce::Store => self.waiting[me].store(true, Ordering::Relaxed),
                Announce::StoreAndFence => {
                    self.waiting[me].store(true, Ordering::Relaxed);
                    fence(Ordering::SeqCst);
                }
            }
            // spin: cmp [eax], 0; jle spin
            while self.lck.load(Ordering::Relaxed) <= 0 {
                spin_loop();
            }
        }
    }

    fn release(&self) {
        // mov [eax], 1
        self.lck.store(1, Ordering::Release);
    }
}

fn run(announce: Announce) {
    let shared = Arc::new((SpinLock::new(announce), UnsafeCell::new(0u32)));
    let threads: Vec<_> = [0, 1]
        .into_iter()
        .map(|me| {
            let shared = shared.clone();
            thread::Builder::new()
                .name(format!("cpu {me}"))
                .spawn(move || {
                    shared.0.acquire(me);
                    // SAFETY: guarded by the spinlock; ravel reports it if exclusion fails.
                    shared.1.with_mut(|p| unsafe { *p += 1 });
                    shared.0.release();
                })
                .unwrap()
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // SAFETY: both threads are joined.
    assert_eq!(shared.1.with(|p| unsafe { *p }), 2);
}

/// 15: the seed's lock.
pub fn buggy() {
    run(Announce::Nothing);
}

/// 15b: the waiter stores before its spin load, with no fence.
pub fn buggy_announced() {
    run(Announce::Store);
}

/// 15b fixed: `MFENCE` after the store.
pub fn fixed_announced() {
    run(Announce::StoreAndFence);
}
