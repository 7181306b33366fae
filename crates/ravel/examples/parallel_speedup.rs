//! Wall time of one exhaustive exploration on 1 worker and on 2, for workloads of about 10,000
//! executions. `cargo run --release -p ravel --example parallel_speedup`

use ravel::sync::atomic::{AtomicUsize, Ordering};
use ravel::sync::{Arc, Mutex};
use ravel::{thread, Builder};
use std::time::{Duration, Instant};

/// The best of three wall times, and the execution count.
fn time(workers: usize, f: &(impl Fn() + Sync)) -> (Duration, u64) {
    let mut best = Duration::MAX;
    let mut count = 0;
    for _ in 0..3 {
        let start = Instant::now();
        let outcome = Builder::new().workers(workers).explore(f);
        best = best.min(start.elapsed());
        assert!(outcome.complete() && outcome.findings().is_empty());
        count = outcome.executions();
    }
    (best, count)
}

fn compare(name: &str, f: impl Fn() + Sync) {
    let (one, count) = time(1, &f);
    let (two, count2) = time(2, &f);
    assert_eq!(count, count2, "{name}: worker counts disagree");
    println!(
        "{name:<22} {count:>7} executions  1 worker {:>8.1?}  2 workers {:>8.1?}  speedup {:.2}x",
        one,
        two,
        one.as_secs_f64() / two.as_secs_f64()
    );
}

fn main() {
    compare("casrot(9)", || {
        let x = Arc::new(AtomicUsize::new(0));
        let hs: Vec<_> = (1..=9)
            .map(|i| {
                let x = x.clone();
                thread::spawn(move || {
                    let _ = x.compare_exchange(i - 1, i, Ordering::SeqCst, Ordering::SeqCst);
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
    });
    compare("mutex counter 3x3", || {
        let m = Arc::new(Mutex::new(0usize));
        let hs: Vec<_> = (0..3)
            .map(|_| {
                let m = m.clone();
                thread::spawn(move || {
                    for _ in 0..3 {
                        *m.lock().unwrap() += 1;
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
    });
    compare("readers(13)", || {
        let x = Arc::new(AtomicUsize::new(0));
        let w = x.clone();
        let mut hs = vec![thread::spawn(move || w.store(1, Ordering::SeqCst))];
        for _ in 0..13 {
            let r = x.clone();
            hs.push(thread::spawn(move || {
                r.load(Ordering::SeqCst);
            }));
        }
        for h in hs {
            h.join().unwrap();
        }
    });
}
