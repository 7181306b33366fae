//! Executions per second on the workloads the core issue names: mutex counter and readers.
//! `cargo run --release -p ravel --example throughput`

use ravel::sync::atomic::{AtomicUsize, Ordering};
use ravel::sync::{Arc, Mutex};
use ravel::{thread, Builder};
use std::time::Instant;

fn measure(name: &str, f: impl Fn() + Sync) {
    let start = Instant::now();
    let mut runs = 0;
    let mut execs = 0;
    while start.elapsed().as_millis() < 1000 {
        let o = Builder::new().explore(&f);
        assert!(o.findings().is_empty());
        execs += o.executions() + o.redundant();
        runs += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{name:<24} {:>8} executions/run {:>10.0} executions/s {:>8.2} us/execution",
        execs / runs,
        execs as f64 / secs,
        secs * 1e6 / execs as f64
    );
}

fn main() {
    for (n, k) in [(2, 2), (3, 2), (4, 2)] {
        measure(&format!("mutex counter {n}x{k}"), move || {
            let m = Arc::new(Mutex::new(0usize));
            let hs: Vec<_> = (0..n)
                .map(|_| {
                    let m = m.clone();
                    thread::spawn(move || {
                        for _ in 0..k {
                            *m.lock().unwrap() += 1;
                        }
                    })
                })
                .collect();
            for h in hs {
                h.join().unwrap();
            }
        });
    }
    for n in [4, 6, 8] {
        measure(&format!("readers({n})"), move || {
            let x = Arc::new(AtomicUsize::new(0));
            let w = x.clone();
            let mut hs = vec![thread::spawn(move || w.store(1, Ordering::SeqCst))];
            for _ in 0..n {
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
}
