//! Runs each workload under ravel through the shim, with small parameters, and checks the counts.

use ravel_bench::harness::{run_once, Budget, Cell, Checker, Mode};
use ravel_bench::workloads::Workload;
use std::time::Duration;

fn ravel(mode: Mode, workload: Workload, budget: &Budget) -> ravel_bench::harness::Run {
    let cell = Cell {
        checker: Checker::Ravel,
        mode,
        workload,
    };
    run_once(cell, budget).unwrap()
}

#[test]
fn mutex_counter_counts_are_optimal() {
    for (threads, increments) in [(2, 1), (2, 2), (3, 1)] {
        let w = Workload::MutexCounter {
            threads,
            increments,
        };
        let run = ravel(Mode::Exhaustive, w, &Budget::default());
        assert_eq!(run.finding, None, "{w}");
        assert!(run.complete, "{w}");
        assert_eq!(run.reported, w.optimal_executions(), "{w}");
        assert_eq!(
            run.invocations,
            run.reported.unwrap() + run.redundant.unwrap(),
            "{w}"
        );
    }
    assert_eq!(
        Workload::MutexCounter {
            threads: 3,
            increments: 2
        }
        .optimal_executions(),
        Some(90)
    );
}

#[test]
fn empty_is_one_execution() {
    let run = ravel(Mode::Exhaustive, Workload::Empty, &Budget::default());
    assert!(run.complete);
    assert_eq!(run.invocations, 1);
}

#[test]
fn readers_counts_are_optimal() {
    for n in 2..=4 {
        let w = Workload::Readers(n);
        let run = ravel(Mode::Exhaustive, w, &Budget::default());
        assert_eq!(run.finding, None, "{w}");
        assert!(run.complete, "{w}");
        assert_eq!(run.reported, Some(1 << n), "{w}");
    }
}

#[test]
fn genmc_counts_are_optimal() {
    let workloads = (2..=6).map(Workload::Casrot).chain([Workload::Indexer(12)]);
    for w in workloads {
        let run = ravel(Mode::Exhaustive, w, &Budget::default());
        assert_eq!(run.finding, None, "{w}");
        assert!(run.complete, "{w}");
        assert_eq!(run.reported, w.optimal_executions(), "{w}");
    }
    assert_eq!(Workload::Casrot(9).optimal_executions(), Some(8597));
    assert_eq!(Workload::Indexer(12).optimal_executions(), Some(8));
    assert_eq!(Workload::Indexer(15).optimal_executions(), Some(4096));
}

#[test]
fn bugs_are_found_exhaustively() {
    let lost = ravel(Mode::Exhaustive, Workload::LostUpdate, &Budget::default());
    assert_eq!(lost.finding.as_deref(), Some("panic: lost update"));
    let abba = ravel(Mode::Exhaustive, Workload::Abba, &Budget::default());
    assert_eq!(abba.finding.as_deref(), Some("deadlock"));
}

#[test]
fn bugs_are_found_by_sampling() {
    for mode in [Mode::Random, Mode::Pct] {
        for w in Workload::bug_suite() {
            let budget = Budget {
                executions: Some(10_000),
                time: Duration::from_secs(5),
                ..Budget::default()
            };
            let run = ravel(mode, w, &budget);
            assert!(run.finding.is_some(), "{mode} {w}: {run:?}");
        }
    }
}

#[test]
fn sampling_runs_its_budget() {
    let budget = Budget {
        executions: Some(50),
        ..Budget::default()
    };
    let run = ravel(Mode::Random, Workload::Readers(3), &budget);
    assert_eq!(run.invocations, 50);
    assert!(!run.capped);
}

#[test]
fn names_round_trip() {
    for w in Workload::exhaustive_suite()
        .into_iter()
        .chain(Workload::bug_suite())
    {
        assert_eq!(w.to_string().parse::<Workload>(), Ok(w));
    }
    let cell: Cell = "shuttle/pct/mutex-3x2".parse().unwrap();
    assert_eq!(cell.to_string(), "shuttle/pct/mutex-3x2");
}
