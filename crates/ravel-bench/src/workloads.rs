//! The workloads, each written once against [`Tool`].

use crate::shim::Tool;
use std::fmt;
use std::str::FromStr;

/// Nothing at all: measures what one exploration costs before any thread is spawned.
pub fn empty<S: Tool>() {}

/// `threads` threads each take the mutex `increments` times to bump a counter.
pub fn mutex_counter<S: Tool>(threads: usize, increments: usize) {
    let m = S::arc(S::mutex(0usize));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let m = m.clone();
            S::spawn(move || {
                for _ in 0..increments {
                    *S::lock(&m) += 1;
                }
            })
        })
        .collect();
    for h in handles {
        S::join(h);
    }
    assert_eq!(*S::lock(&m), threads * increments);
}

/// One writer thread stores 1; `readers` reader threads load; all are joined.
pub fn readers<S: Tool>(readers: usize) {
    let x = S::arc(S::atomic(0));
    let writer = {
        let x = x.clone();
        S::spawn(move || S::store(&x, 1))
    };
    let handles: Vec<_> = (0..readers)
        .map(|_| {
            let x = x.clone();
            S::spawn(move || S::load(&x))
        })
        .collect();
    S::join(writer);
    for h in handles {
        assert!(S::join(h) <= 1);
    }
}

/// GenMC's `casrot(N)`: thread `i` (1..=N) tries once to move `x` from `i - 1` to `i`.
pub fn casrot<S: Tool>(threads: usize) {
    let x = S::arc(S::atomic(0));
    let handles: Vec<_> = (1..=threads)
        .map(|i| {
            let x = x.clone();
            S::spawn(move || {
                let _ = S::compare_exchange(&x, i - 1, i);
            })
        })
        .collect();
    for h in handles {
        S::join(h);
    }
}

/// Slots in [`indexer`]'s table.
const INDEXER_SIZE: usize = 128;

/// GenMC's `indexer(N)`: thread `tid` inserts `w = 11*i + tid` (i < 4) into a 128-slot
/// open-addressing table at home slot `7*w mod 128`, probing onward with compare-exchange.
pub fn indexer<S: Tool>(threads: usize) {
    let table = S::arc((0..INDEXER_SIZE).map(|_| S::atomic(0)).collect::<Vec<_>>());
    let handles: Vec<_> = (0..threads)
        .map(|tid| {
            let table = table.clone();
            S::spawn(move || {
                for i in 0..4 {
                    let w = i * 11 + tid;
                    let mut slot = (w * 7) % INDEXER_SIZE;
                    while S::compare_exchange(&table[slot], 0, w).is_err() {
                        slot = (slot + 1) % INDEXER_SIZE;
                    }
                }
            })
        })
        .collect();
    for h in handles {
        S::join(h);
    }
}

/// Two threads increment with a load and a store: one increment can be lost (a bug).
pub fn lost_update<S: Tool>() {
    let x = S::arc(S::atomic(0));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let x = x.clone();
            S::spawn(move || {
                let v = S::load(&x);
                S::store(&x, v + 1);
            })
        })
        .collect();
    for h in handles {
        S::join(h);
    }
    assert_eq!(S::load(&x), 2, "lost update");
}

/// Two threads take two locks in opposite orders: they can deadlock (a bug).
pub fn abba<S: Tool>() {
    let a = S::arc(S::mutex(0usize));
    let b = S::arc(S::mutex(0usize));
    let t1 = {
        let (a, b) = (a.clone(), b.clone());
        S::spawn(move || {
            let mut ga = S::lock(&a);
            let mut gb = S::lock(&b);
            *ga += 1;
            *gb += 1;
        })
    };
    let t2 = S::spawn(move || {
        let mut gb = S::lock(&b);
        let mut ga = S::lock(&a);
        *ga += 1;
        *gb += 1;
    });
    S::join(t1);
    S::join(t2);
}

/// A workload and its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// [`empty`]: the fixed cost of an exploration.
    Empty,
    /// [`mutex_counter`].
    MutexCounter {
        /// Threads.
        threads: usize,
        /// Increments per thread.
        increments: usize,
    },
    /// [`readers`].
    Readers(usize),
    /// [`casrot`].
    Casrot(usize),
    /// [`indexer`].
    Indexer(usize),
    /// [`lost_update`].
    LostUpdate,
    /// [`abba`].
    Abba,
}

impl Workload {
    /// The bug-free workloads measured for exhaustive exploration, in table order.
    pub fn exhaustive_suite() -> Vec<Workload> {
        let mut v = vec![Workload::Empty];
        v.extend([(2, 1), (2, 2), (3, 1), (3, 2), (4, 1)].into_iter().map(
            |(threads, increments)| Workload::MutexCounter {
                threads,
                increments,
            },
        ));
        v.extend((2..=6).map(Workload::Readers));
        v.extend([4, 6, 8, 9].map(Workload::Casrot));
        v.push(Workload::Indexer(12));
        v
    }

    /// The workloads with a bug, measured for time to first bug.
    pub fn bug_suite() -> Vec<Workload> {
        vec![Workload::LostUpdate, Workload::Abba]
    }

    /// Runs the workload once, under `S`.
    pub fn run<S: Tool>(self) {
        match self {
            Workload::Empty => empty::<S>(),
            Workload::MutexCounter {
                threads,
                increments,
            } => mutex_counter::<S>(threads, increments),
            Workload::Readers(n) => readers::<S>(n),
            Workload::Casrot(n) => casrot::<S>(n),
            Workload::Indexer(n) => indexer::<S>(n),
            Workload::LostUpdate => lost_update::<S>(),
            Workload::Abba => abba::<S>(),
        }
    }

    /// Whether the workload has a bug to find.
    pub fn has_bug(self) -> bool {
        matches!(self, Workload::LostUpdate | Workload::Abba)
    }

    /// The number of SC equivalence classes an optimal explorer visits (bug-free workloads).
    pub fn optimal_executions(self) -> Option<u64> {
        match self {
            Workload::MutexCounter {
                threads,
                increments,
            } => {
                // (NK)! / (K!)^N: the orders of the lock acquisitions.
                let total = factorial((threads * increments) as u64);
                let per = factorial(increments as u64).pow(threads as u32);
                Some(total / per)
            }
            Workload::Readers(n) => Some(1 << n),
            // GenMC's expected counts (tests/correct/synthetic/casrot).
            Workload::Casrot(n) => [2, 5, 14, 43, 144, 523, 2048, 8597]
                .get(n.checked_sub(2)?)
                .copied(),
            // Below 12 threads every inserted value is distinct; each thread t >= 11 inserts 3
            // values thread t - 11 inserts too, and each pair races independently for its home
            // slot (the loser's next slot is nobody's home slot while n <= 22). GenMC: 8 for 12
            // threads, 4096 for 15.
            Workload::Indexer(n) if n <= 22 => Some(1 << (3 * n.saturating_sub(11))),
            Workload::Indexer(_) => None,
            Workload::Empty => Some(1),
            Workload::LostUpdate | Workload::Abba => None,
        }
    }

    /// The number of threads the workload spawns (not counting main).
    pub fn spawned_threads(self) -> usize {
        match self {
            Workload::Empty => 0,
            Workload::MutexCounter { threads, .. } => threads,
            Workload::Readers(n) => n + 1,
            Workload::Casrot(n) | Workload::Indexer(n) => n,
            Workload::LostUpdate | Workload::Abba => 2,
        }
    }
}

fn factorial(n: u64) -> u64 {
    (1..=n).product()
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Workload::Empty => f.write_str("empty"),
            Workload::MutexCounter {
                threads,
                increments,
            } => write!(f, "mutex-{threads}x{increments}"),
            Workload::Readers(n) => write!(f, "readers-{n}"),
            Workload::Casrot(n) => write!(f, "casrot-{n}"),
            Workload::Indexer(n) => write!(f, "indexer-{n}"),
            Workload::LostUpdate => f.write_str("lost-update"),
            Workload::Abba => f.write_str("abba"),
        }
    }
}

impl FromStr for Workload {
    type Err = String;

    fn from_str(s: &str) -> Result<Workload, String> {
        let bad = || format!("unknown workload `{s}`");
        if s == "lost-update" {
            return Ok(Workload::LostUpdate);
        }
        if s == "abba" {
            return Ok(Workload::Abba);
        }
        if s == "empty" {
            return Ok(Workload::Empty);
        }
        if let Some(rest) = s.strip_prefix("mutex-") {
            let (n, k) = rest.split_once('x').ok_or_else(bad)?;
            return Ok(Workload::MutexCounter {
                threads: n.parse().map_err(|_| bad())?,
                increments: k.parse().map_err(|_| bad())?,
            });
        }
        if let Some(n) = s.strip_prefix("readers-") {
            return Ok(Workload::Readers(n.parse().map_err(|_| bad())?));
        }
        if let Some(n) = s.strip_prefix("casrot-") {
            return Ok(Workload::Casrot(n.parse().map_err(|_| bad())?));
        }
        if let Some(n) = s.strip_prefix("indexer-") {
            return Ok(Workload::Indexer(n.parse().map_err(|_| bad())?));
        }
        Err(bad())
    }
}
