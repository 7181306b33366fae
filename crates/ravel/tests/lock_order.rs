//! Lock-order inversion: a `potential deadlock` inferred from the orders in which threads nest
//! mutexes, when no explored execution deadlocked (a preemption bound, a sampling strategy, a
//! budget). Both directions: found on inversions, silent on consistent orders, gate locks and
//! searches that cover every execution.

use ravel::sync::{Arc, LazyLock, Mutex};
use ravel::{thread, Builder, FindingKind, Strategy};

/// Two transfers that take the same two mutexes in opposite orders.
fn inverted() {
    let accounts = Arc::new((Mutex::new(100), Mutex::new(0)));
    let a = accounts.clone();
    let t = thread::spawn(move || {
        let _to = a.1.lock().unwrap();
        let _from = a.0.lock().unwrap();
    });
    {
        let _from = accounts.0.lock().unwrap();
        let _to = accounts.1.lock().unwrap();
    }
    t.join().unwrap();
}

/// The fix: one global order.
fn ordered() {
    let accounts = Arc::new((Mutex::new(100), Mutex::new(0)));
    let a = accounts.clone();
    let t = thread::spawn(move || {
        let _from = a.0.lock().unwrap();
        let _to = a.1.lock().unwrap();
    });
    {
        let _from = accounts.0.lock().unwrap();
        let _to = accounts.1.lock().unwrap();
    }
    t.join().unwrap();
}

/// Opposite orders, but always under a third lock: they can never overlap.
fn gated() {
    let locks = Arc::new((Mutex::new(()), Mutex::new(0), Mutex::new(0)));
    let l = locks.clone();
    let t = thread::spawn(move || {
        let _gate = l.0.lock().unwrap();
        let _b = l.2.lock().unwrap();
        let _a = l.1.lock().unwrap();
    });
    {
        let _gate = locks.0.lock().unwrap();
        let _a = locks.1.lock().unwrap();
        let _b = locks.2.lock().unwrap();
    }
    t.join().unwrap();
}

fn kinds(builder: Builder, f: impl Fn() + Sync) -> Vec<FindingKind> {
    builder
        .keep_going(true)
        .explore(f)
        .findings()
        .iter()
        .map(|f| f.kind())
        .collect()
}

fn without_preemption() -> Builder {
    Builder::new().preemption_bound(0)
}

#[test]
fn an_inversion_is_a_potential_deadlock_even_when_no_execution_deadlocks() {
    let outcome = without_preemption().explore(inverted);
    let kinds: Vec<_> = outcome.findings().iter().map(|f| f.kind()).collect();
    assert_eq!(kinds, [FindingKind::PotentialDeadlock]);
    let report = outcome.findings()[0].report();
    assert_eq!(
        report.finding.sides.len(),
        4,
        "both acquisition sites of both threads"
    );
    let lines: Vec<u32> = report
        .finding
        .sides
        .iter()
        .map(|s| s.span.unwrap().line)
        .collect();
    assert_eq!(lines, [14, 15, 18, 19]);
    assert_eq!(
        outcome.findings()[0].kind().to_string(),
        "potential deadlock"
    );
}

#[test]
fn sampling_strategies_report_it_too() {
    for strategy in [
        Strategy::Random { seed: 7 },
        Strategy::Pct { depth: 2, seed: 7 },
    ] {
        let outcome = Builder::new()
            .strategy(strategy.clone())
            .max_executions(50)
            .keep_going(true)
            .explore(inverted);
        let kinds: Vec<_> = outcome.findings().iter().map(|f| f.kind()).collect();
        assert!(
            kinds.contains(&FindingKind::PotentialDeadlock)
                || kinds.contains(&FindingKind::Deadlock),
            "{strategy:?}: {kinds:?}"
        );
    }
}

#[test]
fn a_real_deadlock_replaces_the_suspicion() {
    // Exhaustive search reaches the interleaving that deadlocks: that is what gets reported.
    assert_eq!(kinds(Builder::new(), inverted), [FindingKind::Deadlock]);
}

#[test]
fn consistent_orders_and_gate_locks_are_silent() {
    assert_eq!(kinds(without_preemption(), ordered), []);
    assert_eq!(kinds(without_preemption(), gated), []);
    assert_eq!(kinds(Builder::new(), ordered), []);
    assert_eq!(kinds(Builder::new(), gated), []);
}

#[test]
fn one_thread_nesting_both_ways_is_silent() {
    let one_thread = || {
        let a = Mutex::new(0);
        let b = Mutex::new(0);
        {
            let _a = a.lock().unwrap();
            let _b = b.lock().unwrap();
        }
        let _b = b.lock().unwrap();
        let _a = a.lock().unwrap();
    };
    assert_eq!(kinds(without_preemption(), one_thread), []);
}

static FIRST: Mutex<()> = Mutex::new(());
static SECOND: Mutex<()> = Mutex::new(());
/// Initialised under its initialisation lock, which the initialiser holds while it takes `FIRST`.
static CONFIG: LazyLock<u32> = LazyLock::new(|| {
    let _first = FIRST.lock().unwrap();
    1
});

/// Seed 001's class-initialisation deadlock, in Rust terms: one thread nests `SECOND` in
/// `FIRST`; another holds `SECOND` while it initialises `CONFIG`, whose initialiser takes
/// `FIRST`. The report points into the initialiser.
#[test]
fn a_lock_taken_by_a_lazy_initialiser_closes_the_cycle() {
    let program = || {
        let t2 = thread::spawn(|| {
            let _first = FIRST.lock().unwrap();
            let _second = SECOND.lock().unwrap();
        });
        let t3 = thread::spawn(|| {
            let _second = SECOND.lock().unwrap();
            let _ = *CONFIG;
        });
        t2.join().unwrap();
        t3.join().unwrap();
    };
    let outcome = without_preemption().workers(1).explore(program);
    assert_eq!(outcome.findings().len(), 1);
    let finding = &outcome.findings()[0];
    assert_eq!(finding.kind(), FindingKind::PotentialDeadlock);
    let init_line = line!() - 25;
    assert!(
        finding
            .report()
            .finding
            .sides
            .iter()
            .any(|s| s.span.unwrap().line == init_line),
        "the initialiser's lock is one side: {finding}"
    );
    // Exhaustive search finds the interleaving that really deadlocks.
    assert_eq!(kinds(Builder::new(), program), [FindingKind::Deadlock]);
}

#[test]
fn the_suspect_execution_replays() {
    let outcome = without_preemption().explore(inverted);
    let token = outcome.findings()[0].replay_token().to_string();
    let replayed = Builder::new()
        .strategy(Strategy::Replay(
            ravel_core::explore::ReplayToken::decode(&token).unwrap(),
        ))
        .explore(inverted);
    // The execution itself completes (the suspicion comes from its lock orders), and replaying
    // it reports the same suspicion.
    assert_eq!(replayed.executions(), 1);
    let kinds: Vec<_> = replayed.findings().iter().map(|f| f.kind()).collect();
    assert_eq!(kinds, [FindingKind::PotentialDeadlock]);
}
