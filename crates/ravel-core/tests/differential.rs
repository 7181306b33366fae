//! The optimal explorer against naive enumeration of every interleaving, on random small
//! programs: both must reach exactly the same final states, and the optimal explorer must explore
//! exactly one execution per class (distinct reads-from/coherence graph) the naive one sees.

mod support;

use proptest::prelude::*;
use ravel_core::explore::{explore, ExploreConfig, ParallelExploration, Shard, Strategy as Search};
use ravel_core::model::MemoryModelKind;
use std::collections::BTreeSet;
use support::{Instr, Script, ScriptProgram};

const LOCK: u64 = 9;

fn block() -> impl Strategy<Value = Vec<Instr>> {
    let loc = 1u64..=3;
    let reg = 0usize..3;
    let op = prop_oneof![
        (loc.clone(), reg.clone()).prop_map(|(l, r)| Instr::Load(l, r)),
        (loc.clone(), 1u64..=2).prop_map(|(l, v)| Instr::Store(l, v)),
        (loc.clone(), reg.clone()).prop_map(|(l, r)| Instr::FetchAdd(l, 1, r)),
        (loc.clone(), 0u64..=2, 1u64..=3, reg.clone())
            .prop_map(|(l, e, n, r)| Instr::Cas(l, e, n, r)),
    ];
    (op, any::<bool>()).prop_map(|(op, locked)| {
        if locked {
            vec![Instr::Lock(LOCK), op, Instr::Unlock(LOCK)]
        } else {
            vec![op]
        }
    })
}

/// 2 to 4 threads of 1 to 4 operations; the naive enumerator's cost bounds the sizes.
fn script() -> impl Strategy<Value = Script> {
    (2usize..=4).prop_flat_map(|n| {
        let blocks = match n {
            2 => 1..=4usize,
            3 => 1..=2,
            _ => 1..=1,
        };
        let thread = prop::collection::vec(block(), blocks).prop_map(|b| b.concat());
        prop::collection::vec(thread, n).prop_map(|threads| Script::new(threads, vec![1, 2, 3]))
    })
}

fn sample(script: &Script, strategy: Search) -> BTreeSet<Vec<u64>> {
    let mut program = ScriptProgram::new(script.clone());
    let mut config = ExploreConfig::new(MemoryModelKind::Sc.model());
    config.strategy = strategy;
    config.max_executions = Some(200);
    let outcome = explore(&mut program, &mut config);
    assert!(outcome.reports.is_empty(), "{}", outcome.reports[0]);
    program.finals.into_iter().collect()
}

fn run(script: &Script, naive: bool) -> (u64, BTreeSet<Vec<u64>>, BTreeSet<String>) {
    let mut program = ScriptProgram::new(script.clone());
    let mut config = ExploreConfig::new(MemoryModelKind::Sc.model());
    config.collect_graphs = true;
    config.max_executions = Some(100_000);
    if naive {
        config.preemption_bound = Some(u32::MAX);
    }
    let outcome = explore(&mut program, &mut config);
    assert!(outcome.reports.is_empty(), "{}", outcome.reports[0]);
    assert!(outcome.complete, "did not finish: naive={naive} {script:?}");
    let graphs: BTreeSet<String> = outcome.graphs.iter().cloned().collect();
    (
        outcome.executions,
        program.finals.into_iter().collect(),
        graphs,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn optimal_equals_naive(script in script()) {
        let (optimal_count, optimal_states, optimal_graphs) = run(&script, false);
        let (_, naive_states, naive_graphs) = run(&script, true);
        prop_assert_eq!(&optimal_states, &naive_states);
        prop_assert_eq!(optimal_count as usize, optimal_graphs.len(), "explored a class twice");
        prop_assert_eq!(&optimal_graphs, &naive_graphs);
        // Sampling strategies only ever reach states the exhaustive search reaches.
        for strategy in [Search::Random { seed: 1 }, Search::Pct { depth: 2, seed: 1 }] {
            let states = sample(&script, strategy);
            prop_assert!(states.is_subset(&optimal_states));
            prop_assert!(!states.is_empty());
        }
    }
}

/// Small programs for the weak-memory comparison: the naive side enumerates every interleaving
/// and every consistent reads-from and coherence choice, so sizes stay small.
fn small_relaxed_script() -> impl Strategy<Value = Script> {
    (2usize..=3).prop_flat_map(|n| {
        let blocks = if n == 2 { 1..=3usize } else { 1..=1 };
        let thread = prop::collection::vec(block(), blocks).prop_map(|b| b.concat());
        prop::collection::vec(thread, n).prop_map(|threads| {
            let mut s = Script::new(threads, vec![1, 2, 3]);
            s.mode_read = ravel_core::event::ReadMode::Relaxed;
            s.mode_write = ravel_core::event::WriteMode::Relaxed;
            s
        })
    })
}

fn run_under(
    script: &Script,
    naive: bool,
    model: MemoryModelKind,
) -> (BTreeSet<Vec<u64>>, BTreeSet<String>, u64) {
    let mut program = ScriptProgram::new(script.clone());
    let mut config = ExploreConfig::new(model.model());
    config.collect_graphs = true;
    config.max_executions = Some(200_000);
    if naive {
        config.preemption_bound = Some(u32::MAX);
    }
    let outcome = explore(&mut program, &mut config);
    assert!(outcome.reports.is_empty(), "{}", outcome.reports[0]);
    assert!(outcome.complete, "did not finish: naive={naive} {script:?}");
    let graphs: BTreeSet<String> = outcome.graphs.iter().cloned().collect();
    (
        program.finals.into_iter().collect(),
        graphs,
        outcome.executions,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Under RC11 and x86-TSO too, the optimal explorer finds exactly the graphs (and so the
    /// final states) that enumerating every interleaving and every consistent choice finds, each
    /// once.
    #[test]
    fn optimal_equals_naive_under_weak_models(script in small_relaxed_script()) {
        for model in [MemoryModelKind::Rc11, MemoryModelKind::Tso] {
            let (states, graphs, count) = run_under(&script, false, model);
            let (naive_states, naive_graphs, _) = run_under(&script, true, model);
            prop_assert_eq!(&states, &naive_states, "{:?}", model);
            prop_assert_eq!(count as usize, graphs.len(), "explored a class twice under {:?}", model);
            prop_assert_eq!(&graphs, &naive_graphs, "{:?}", model);
        }
    }
}

/// Explores `script` with `workers` workers on their own threads (more workers than cores, so
/// subtrees change hands often), or as shard `shard` when given.
fn run_split(
    script: &Script,
    model: MemoryModelKind,
    workers: usize,
    shard: Option<Shard>,
) -> (u64, Vec<String>, BTreeSet<Vec<u64>>) {
    let exploration = ParallelExploration::new(workers);
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut program = ScriptProgram::new(script.clone());
                    let mut config = ExploreConfig::new(model.model());
                    config.collect_graphs = true;
                    config.shard = shard;
                    let result = exploration.run_worker(&mut program, &mut config);
                    (result, program.finals)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker"))
            .collect()
    });
    let mut finals = BTreeSet::new();
    let mut outcomes = Vec::new();
    for (result, states) in results {
        outcomes.push(result);
        finals.extend(states);
    }
    let outcome = exploration.finish(outcomes, false);
    assert!(outcome.reports.is_empty(), "{}", outcome.reports[0]);
    assert!(outcome.complete, "did not finish: {script:?}");
    (outcome.executions, outcome.graphs, finals)
}

/// Programs too large to enumerate naively but with hundreds to thousands of classes, so that
/// work changes hands and shards split.
fn larger_script(mode: ravel_core::event::ReadMode) -> impl Strategy<Value = Script> {
    (3usize..=4).prop_flat_map(move |n| {
        let thread = prop::collection::vec(block(), 2..=3).prop_map(|b| b.concat());
        prop::collection::vec(thread, n).prop_map(move |threads| {
            let mut s = Script::new(threads, vec![1, 2, 3]);
            if mode == ravel_core::event::ReadMode::Relaxed {
                s.mode_read = mode;
                s.mode_write = ravel_core::event::WriteMode::Relaxed;
            }
            s
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Parallel exploration explores exactly the graphs one worker explores, each once; shards
    /// explore disjoint parts that add up to the whole.
    #[test]
    fn parallel_and_sharded_equal_sequential(
        script in larger_script(ravel_core::event::ReadMode::SeqCst),
        relaxed in larger_script(ravel_core::event::ReadMode::Relaxed),
    ) {
        for (script, model) in [(&script, MemoryModelKind::Sc), (&relaxed, MemoryModelKind::Rc11)] {
            let (count, graphs, states) = run_split(script, model, 1, None);
            let graphs: BTreeSet<String> = graphs.into_iter().collect();
            prop_assert_eq!(count as usize, graphs.len());
            for workers in [2, 4] {
                let (c, g, s) = run_split(script, model, workers, None);
                prop_assert_eq!(c, count, "{} workers", workers);
                prop_assert_eq!(g.len() as u64, count, "{} workers explored a class twice", workers);
                prop_assert_eq!(&g.into_iter().collect::<BTreeSet<_>>(), &graphs);
                prop_assert_eq!(&s, &states);
            }
            for n in [2, 3] {
                let mut total = 0;
                let mut union = Vec::new();
                for k in 1..=n {
                    let (c, g, _) = run_split(script, model, 2, Shard::new(k, n));
                    total += c;
                    union.extend(g);
                }
                prop_assert_eq!(total, count, "shards of {} add up", n);
                prop_assert_eq!(union.len() as u64, count);
                prop_assert_eq!(&union.into_iter().collect::<BTreeSet<_>>(), &graphs);
            }
        }
    }
}
