//! Repeated exhaustive explorations of one workload, for profilers (callgrind counts are
//! deterministic, wall time on a shared machine is not):
//!
//! ```sh
//! cargo build --profile profiling -p ravel --example profile
//! valgrind --tool=callgrind target/profiling/examples/profile mutex 3 2 300
//! valgrind --tool=callgrind target/profiling/examples/profile indexer 12 20
//! ```
use ravel::sync::atomic::{AtomicUsize, Ordering};
use ravel::sync::{Arc, Mutex};
use ravel::{thread, Builder};

/// `threads` threads each add 1 to a mutex-protected counter `increments` times.
fn mutex_counter(threads: usize, increments: usize) {
    let m = Arc::new(Mutex::new(0usize));
    let hs: Vec<_> = (0..threads)
        .map(|_| {
            let m = m.clone();
            thread::spawn(move || {
                for _ in 0..increments {
                    *m.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
}

/// GenMC's indexer(N): compare-exchange insertion into a 128-slot open-addressing table.
fn indexer(threads: usize) {
    let table: Arc<Vec<AtomicUsize>> = Arc::new((0..128).map(|_| AtomicUsize::new(0)).collect());
    let hs: Vec<_> = (0..threads)
        .map(|tid| {
            let table = table.clone();
            thread::spawn(move || {
                for i in 0..4 {
                    let w = i * 11 + tid;
                    let mut slot = (w * 7) % 128;
                    while table[slot]
                        .compare_exchange(0, w, Ordering::SeqCst, Ordering::SeqCst)
                        .is_err()
                    {
                        slot = (slot + 1) % 128;
                    }
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(2)
        .map(|a| a.parse().expect("numeric argument"))
        .collect();
    let workload = std::env::args().nth(1).unwrap_or_default();
    let (repeat, body): (usize, Box<dyn Fn() + Sync + Send>) = match (workload.as_str(), &args[..])
    {
        ("mutex", &[t, k, n]) => (n, Box::new(move || mutex_counter(t, k))),
        ("indexer", &[t, n]) => (n, Box::new(move || indexer(t))),
        // The fixed cost of an exploration.
        ("empty", &[n]) => (n, Box::new(|| {})),
        // The cost of a thread's life: spawned, started, finished and joined, doing nothing.
        ("spawn", &[t, n]) => (
            n,
            Box::new(move || {
                let hs: Vec<_> = (0..t).map(|_| thread::spawn(|| {})).collect();
                for h in hs {
                    h.join().unwrap();
                }
            }),
        ),
        _ => {
            eprintln!(
                "usage: profile mutex THREADS INCREMENTS REPEAT | indexer THREADS REPEAT | \
                 spawn THREADS REPEAT | empty REPEAT"
            );
            std::process::exit(2);
        }
    };
    let body: &'static (dyn Fn() + Sync + Send) = Box::leak(body);
    // `PROFILE_RANDOM=N` samples N random executions per repetition instead of exploring.
    let random: Option<u64> = std::env::var("PROFILE_RANDOM")
        .ok()
        .map(|n| n.parse().expect("a count"));
    let mut executions = 0;
    for _ in 0..repeat {
        let builder = Builder::new().workers(1);
        let builder = match random {
            Some(n) => builder
                .strategy(ravel::Strategy::Random { seed: 1 })
                .max_executions(n),
            None => builder,
        };
        executions += builder.explore(body).executions();
    }
    println!("{executions} executions");
}
