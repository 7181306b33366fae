//! Exhaustive exploration is optimal: it explores exactly one execution per class. These are the
//! counts GenMC reaches on its benchmarks, and the number of lock orders for mutex programs.

mod support;

use ravel_core::explore::{explore, ExploreConfig};
use ravel_core::model::MemoryModelKind;
use support::{Instr, Script, ScriptProgram};

fn count(script: Script) -> (u64, u64) {
    let mut program = ScriptProgram::new(script);
    let mut config = ExploreConfig::new(MemoryModelKind::Sc.model());
    let outcome = explore(&mut program, &mut config);
    assert!(
        outcome.reports.is_empty(),
        "unexpected finding: {}",
        outcome.reports[0]
    );
    assert!(outcome.complete);
    (outcome.executions, outcome.redundant)
}

fn readers(n: usize) -> Script {
    let mut threads = vec![vec![Instr::Store(1, 1)]];
    for _ in 0..n {
        threads.push(vec![Instr::Load(1, 0)]);
    }
    Script::new(threads, vec![])
}

fn lastzero(n: u64) -> Script {
    let mut reader = Vec::new();
    for i in (0..=n).rev() {
        reader.push(Instr::LoadExitIfZero(100 + i));
    }
    let mut threads = vec![reader];
    for j in 1..=n {
        threads.push(vec![
            Instr::Load(100 + j - 1, 0),
            Instr::StoreReg(100 + j, 0, 1),
        ]);
    }
    Script::new(threads, vec![])
}

fn casrot(n: u64) -> Script {
    let threads = (1..=n).map(|i| vec![Instr::Cas(1, i - 1, i, 0)]).collect();
    Script::new(threads, vec![])
}

/// GenMC's `indexer(N)`: N threads each insert 4 values into a 128-slot open-addressing table.
/// Thread `tid` inserts `w = 11*i + tid` (i < 4) at home slot `7*w mod 128`, probing onward.
fn indexer(n: u64) -> Script {
    const TABLE: u64 = 1000;
    let threads = (0..n)
        .map(|tid| {
            (0..4)
                .map(|i| {
                    let w = 11 * i + tid;
                    Instr::CasProbe {
                        base: TABLE,
                        size: 128,
                        slot: (7 * w) % 128,
                        new: w,
                    }
                })
                .collect()
        })
        .collect();
    Script::new(threads, vec![])
}

/// The optimal count of [`indexer`] for `n <= 22`: the values are all distinct below 12 threads;
/// each thread `t >= 11` inserts 3 values that thread `t - 11` inserts too, and each such pair
/// races for one home slot (2 orders) while the loser's next slot is nobody's home slot, so the
/// races are independent. GenMC reports 8 for 12 threads and 4096 for 15.
fn indexer_expected(n: u64) -> u64 {
    1 << (3 * n.saturating_sub(11))
}

fn mutex_counter(n: usize, k: usize) -> Script {
    let body = [
        Instr::Lock(9),
        Instr::Load(1, 0),
        Instr::StoreReg(1, 0, 1),
        Instr::Unlock(9),
    ];
    let threads = (0..n)
        .map(|_| body.iter().copied().cycle().take(4 * k).collect())
        .collect();
    Script::new(threads, vec![1])
}

fn factorial(n: u64) -> u64 {
    (1..=n).product()
}

#[test]
fn readers_is_two_to_the_n() {
    for n in 1..=8 {
        assert_eq!(count(readers(n)).0, 1 << n, "readers({n})");
    }
}

#[test]
fn lastzero_matches_genmc() {
    for n in 3..=10u64 {
        assert_eq!(count(lastzero(n)).0, (n + 3) << (n - 2), "lastzero({n})");
    }
}

#[test]
fn casrot_matches_genmc() {
    let expected = [2, 5, 14, 43, 144, 523, 2048, 8597];
    for (n, &want) in (2..=9).zip(&expected) {
        assert_eq!(count(casrot(n)).0, want, "casrot({n})");
    }
}

#[test]
fn indexer_matches_genmc() {
    assert_eq!(count(indexer(12)).0, 8, "indexer(12)");
    assert_eq!(count(indexer(15)).0, 4096, "indexer(15)");
    for n in 1..=14 {
        assert_eq!(count(indexer(n)).0, indexer_expected(n), "indexer({n})");
    }
}

#[test]
fn mutex_counter_is_the_number_of_lock_orders() {
    for (n, k) in [(2, 1), (2, 2), (3, 1), (3, 2), (2, 3), (4, 1), (4, 2)] {
        let want = factorial((n * k) as u64) / factorial(k as u64).pow(n as u32);
        assert_eq!(count(mutex_counter(n, k)).0, want, "mutex counter {n}x{k}");
    }
}
