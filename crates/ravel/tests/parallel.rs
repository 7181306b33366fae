//! Parallel and sharded exploration through the public API: the same count and the same first
//! report as one worker, parts that add up to the whole, and statics that force one worker.

use ravel::sync::atomic::{AtomicUsize, Ordering};
use ravel::sync::{Arc, Mutex};
use ravel::{thread, Builder, FindingKind, MemoryModel, Shard};

/// N threads each add K times under one mutex: (NK)!/(K!)^N lock orders.
fn mutex_counter(n: usize, k: usize) -> impl Fn() + Sync {
    move || {
        let m = Arc::new(Mutex::new(0usize));
        let handles: Vec<_> = (0..n)
            .map(|_| {
                let m = m.clone();
                thread::spawn(move || {
                    for _ in 0..k {
                        *m.lock().unwrap() += 1;
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(*m.lock().unwrap(), n * k);
    }
}

/// A lost update whose first bad execution comes after many good ones: the threads that do
/// harmless relaxed traffic on `z` run after the counter's threads, so exhaustive search (latest
/// choices first) walks their alternatives before it revisits the counter's load.
fn late_lost_update() {
    let x = Arc::new(AtomicUsize::new(0));
    let z = Arc::new(AtomicUsize::new(0));
    let mut handles: Vec<_> = (0..2)
        .map(|i| {
            let x = x.clone();
            thread::spawn(move || {
                if i == 1 {
                    let v = x.load(Ordering::Relaxed);
                    x.store(v + 1, Ordering::Relaxed);
                } else {
                    x.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let writer = z.clone();
    handles.push(thread::spawn(move || {
        for v in 1..=3 {
            writer.store(v, Ordering::Relaxed);
        }
    }));
    for _ in 0..2 {
        let z = z.clone();
        handles.push(thread::spawn(move || {
            for _ in 0..3 {
                z.load(Ordering::Relaxed);
            }
        }));
    }
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(x.load(Ordering::Relaxed), 2, "an update was lost");
}

#[test]
fn every_worker_count_explores_the_same_executions() {
    for workers in [1, 2, 3, 4] {
        let outcome = Builder::new().workers(workers).explore(mutex_counter(4, 2));
        assert!(outcome.findings().is_empty(), "{}", outcome.findings()[0]);
        assert!(outcome.complete());
        assert_eq!(outcome.executions(), 2520, "{workers} workers");
    }
}

#[test]
fn the_first_report_does_not_depend_on_the_workers() {
    let one = Builder::new().workers(1).explore(late_lost_update);
    let first = &one.findings()[0];
    assert_eq!(first.kind(), FindingKind::Panic);
    assert!(
        first.report().executions > 1,
        "the bug should not be in the first execution"
    );
    for workers in [2, 4] {
        for _ in 0..5 {
            let many = Builder::new().workers(workers).explore(late_lost_update);
            let found = &many.findings()[0];
            assert_eq!(
                found.replay_token(),
                first.replay_token(),
                "{workers} workers"
            );
            assert_eq!(
                format!("{:?}", found.report().trace),
                format!("{:?}", first.report().trace)
            );
        }
    }
}

#[test]
fn keep_going_finds_the_same_bugs_on_any_number_of_workers() {
    let summaries = |workers| {
        let outcome = Builder::new()
            .workers(workers)
            .keep_going(true)
            .explore(late_lost_update);
        assert!(outcome.complete());
        let found: Vec<(String, String)> = outcome
            .findings()
            .iter()
            .map(|f| {
                (
                    f.report().finding.summary.clone(),
                    f.replay_token().to_string(),
                )
            })
            .collect();
        (outcome.executions(), found)
    };
    let one = summaries(1);
    assert!(!one.1.is_empty());
    assert_eq!(summaries(2), one);
    assert_eq!(summaries(4), one);
}

#[test]
fn shards_add_up_to_the_whole() {
    for model in [MemoryModel::Sc, MemoryModel::Rc11] {
        let whole = Builder::new()
            .memory_model(model)
            .explore(mutex_counter(3, 2));
        for n in [2, 3, 5] {
            let mut total = 0;
            for k in 1..=n {
                let part = Builder::new()
                    .memory_model(model)
                    .workers(2)
                    .shard(Shard::new(k, n).unwrap())
                    .explore(mutex_counter(3, 2));
                assert!(part.complete());
                total += part.executions();
            }
            assert_eq!(total, whole.executions(), "{n} shards under {model:?}");
        }
    }
}

/// Data in a static is shared by every execution; two workers must not use it at once. The
/// exploration notices and runs again on one worker, with the same result.
#[test]
fn statics_holding_data_fall_back_to_one_worker() {
    static TOTAL: Mutex<usize> = Mutex::new(0);
    let body = || {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                thread::spawn(|| {
                    for _ in 0..2 {
                        *TOTAL.lock().unwrap() += 1;
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    };
    let one = Builder::new().workers(1).explore(body);
    let two = Builder::new().workers(2).explore(body);
    assert_eq!(two.executions(), one.executions());
    assert!(two.complete() && two.findings().is_empty());
}

/// The same for a static cell: its contents are user memory every execution shares.
#[test]
fn static_cells_fall_back_to_one_worker() {
    static CELL: ravel::cell::UnsafeCell<usize> = ravel::cell::UnsafeCell::new(0);
    let body = || {
        let m = Arc::new(Mutex::new(()));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let m = m.clone();
                thread::spawn(move || {
                    for _ in 0..2 {
                        let _guard = m.lock().unwrap();
                        // SAFETY: every access holds `m`.
                        CELL.with_mut(|p| unsafe { *p += 1 });
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    };
    let one = Builder::new().workers(1).explore(body);
    let two = Builder::new().workers(2).explore(body);
    assert_eq!(two.executions(), one.executions());
    assert!(two.complete() && two.findings().is_empty());
}
