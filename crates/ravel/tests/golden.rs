//! Golden files pin the report text for each kind of finding. Regenerate with
//! `RAVEL_BLESS=1 cargo test -p ravel --test golden` after an intended change, and review the diff.

use ravel::cell::UnsafeCell;
use ravel::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use ravel::sync::{Arc, Mutex};
use ravel::{hint, thread, Builder};
use std::path::PathBuf;

fn check(name: &str, f: impl Fn() + Sync) {
    check_with(name, Builder::new(), f)
}

/// On one worker: with several, the finding is the same (tests/parallel.rs) but "found after N
/// executions" counts whatever the other workers explored meanwhile.
fn check_with(name: &str, builder: Builder, f: impl Fn() + Sync) {
    let outcome = builder.workers(1).explore(f);
    let text = outcome.findings()[0].render_stable().replace(
        &format!("cargo test {}", std::thread::current().name().unwrap_or("")),
        "cargo test <test>",
    );
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "golden",
        &format!("{name}.txt"),
    ]
    .iter()
    .collect();
    if std::env::var_os("RAVEL_BLESS").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with RAVEL_BLESS=1 to create it)",
            path.display()
        )
    });
    assert_eq!(
        text, want,
        "report text changed; rerun with RAVEL_BLESS=1 if intended"
    );
}

#[test]
fn panic_report() {
    check("panic", || {
        let balance = Arc::new(Mutex::new(100));
        let b = balance.clone();
        let t = thread::Builder::new()
            .name("depositor".into())
            .spawn(move || {
                let v = *b.lock().unwrap();
                *b.lock().unwrap() = v + 10;
            })
            .unwrap();
        let v = *balance.lock().unwrap();
        *balance.lock().unwrap() = v - 10;
        t.join().unwrap();
        assert_eq!(*balance.lock().unwrap(), 100, "balance lost an update");
    });
}

#[test]
fn deadlock_report() {
    check("deadlock", || {
        let a = Arc::new(Mutex::new(()));
        let b = Arc::new(Mutex::new(()));
        let (a2, b2) = (a.clone(), b.clone());
        let t = thread::spawn(move || {
            let _x = b2.lock().unwrap();
            let _y = a2.lock().unwrap();
        });
        {
            let _x = a.lock().unwrap();
            let _y = b.lock().unwrap();
        }
        t.join().unwrap();
    });
}

#[test]
fn data_race_report() {
    check("data_race", || {
        let s = Arc::new((UnsafeCell::new(0), AtomicBool::new(false)));
        let s2 = s.clone();
        let t = thread::spawn(move || {
            s2.0.with_mut(|p| unsafe { *p = 1 });
            s2.1.store(true, Ordering::Relaxed);
        });
        if s.1.load(Ordering::Relaxed) {
            s.0.with(|p| unsafe { *p });
        }
        t.join().unwrap();
    });
}

#[test]
fn livelock_report() {
    check("livelock", || {
        let stop = Arc::new(AtomicUsize::new(0));
        while stop.load(Ordering::Acquire) == 0 {
            hint::spin_loop();
        }
    });
}

#[test]
fn benign_race_report() {
    check("benign_race", || {
        let hits = Arc::new(UnsafeCell::new(0u64));
        let h = hits.clone();
        let t = thread::Builder::new()
            .name("worker".into())
            .spawn(move || h.write(h.read() + 1))
            .unwrap();
        hits.write(hits.read() + 1);
        t.join().unwrap();
    });
}

#[test]
fn atomicity_lost_update_report() {
    check("atomicity_lost_update", || {
        let n = Arc::new(AtomicUsize::new(0));
        let n2 = n.clone();
        let t = thread::Builder::new()
            .name("incrementer".into())
            .spawn(move || {
                let v = n2.load(Ordering::SeqCst);
                n2.store(v + 1, Ordering::SeqCst);
            })
            .unwrap();
        let v = n.load(Ordering::SeqCst);
        n.store(v + 1, Ordering::SeqCst);
        t.join().unwrap();
    });
}

#[test]
fn atomicity_stale_pair_report() {
    check("atomicity_stale_pair", || {
        // Circle: a radius and a circumference derived from it, in two critical sections.
        let s = Arc::new((Mutex::new(()), UnsafeCell::new(1u64), UnsafeCell::new(6u64)));
        let s2 = s.clone();
        let a = thread::Builder::new()
            .name("SetRadius; UpdateCircumference".into())
            .spawn(move || {
                {
                    let _g = s2.0.lock().unwrap();
                    s2.1.with_mut(|p| unsafe { *p = 2 });
                }
                let _g = s2.0.lock().unwrap();
                let r = s2.1.with(|p| unsafe { *p });
                s2.2.with_mut(|p| unsafe { *p = 6 * r });
            })
            .unwrap();
        {
            let _g = s.0.lock().unwrap();
            let _area = s.2.with(|p| unsafe { *p }) * s.1.with(|p| unsafe { *p });
        }
        a.join().unwrap();
    });
}

#[test]
fn potential_deadlock_report() {
    // Without preemptions each thread runs its critical sections whole: the inversion never
    // deadlocks here, but the lock orders give it away.
    check_with(
        "potential_deadlock",
        Builder::new().preemption_bound(0),
        || {
            let accounts = Arc::new((Mutex::new(100), Mutex::new(0)));
            let a = accounts.clone();
            let t = thread::Builder::new()
                .name("refund".into())
                .spawn(move || {
                    let mut to = a.1.lock().unwrap();
                    let mut from = a.0.lock().unwrap();
                    *from += 10;
                    *to -= 10;
                })
                .unwrap();
            {
                let mut from = accounts.0.lock().unwrap();
                let mut to = accounts.1.lock().unwrap();
                *from -= 10;
                *to += 10;
            }
            t.join().unwrap();
        },
    );
}

#[test]
fn torn_read_report() {
    check("torn_read", || {
        // A misaligned u32: its first three bytes and its last byte are separate accesses.
        let owner = Arc::new(ravel::cell::SplitCell::split_at(0u32, 3));
        let o = owner.clone();
        let t = thread::Builder::new()
            .name("writer".into())
            .spawn(move || {
                o.write(0x0200_0001);
                o.write(0);
            })
            .unwrap();
        let _ = owner.read();
        t.join().unwrap();
    });
}

#[test]
fn triangular_race_report() {
    // Store buffering with MOVs: each load may run while its thread's store is still buffered.
    check_with(
        "triangular_race",
        Builder::new()
            .memory_model(ravel::MemoryModel::Tso)
            .x86_races(true),
        || {
            let flags = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
            let f = flags.clone();
            let t = thread::Builder::new()
                .name("second".into())
                .spawn(move || {
                    f[1].store(1, Ordering::Release);
                    f[0].load(Ordering::Acquire)
                })
                .unwrap();
            flags[0].store(1, Ordering::Release);
            let _ = flags[1].load(Ordering::Acquire);
            t.join().unwrap();
        },
    );
}

#[test]
fn compiler_consequences_report() {
    // Seed 003's `owner`, peeked at without the lock: a compiler may store a scratch value
    // into it (here another thread's id) before `owner = 0`.
    fn enter_and_leave(s: &(UnsafeCell<u32>, AtomicBool), me: u32) {
        assert_ne!(s.0.read(), me, "thread {me} reads itself as the owner");
        let free =
            s.1.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok();
        if free {
            s.0.write(me);
            s.0.write(0);
            s.1.store(false, Ordering::Release);
        }
    }
    check_with(
        "compiler_consequences",
        Builder::new().compiler_effects(true),
        || {
            let s = Arc::new((UnsafeCell::new(0u32), AtomicBool::new(false)));
            let s2 = s.clone();
            let t = thread::Builder::new()
                .name("id 1".into())
                .spawn(move || enter_and_leave(&s2, 1))
                .unwrap();
            enter_and_leave(&s, 7);
            t.join().unwrap();
        },
    );
}
