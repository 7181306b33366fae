//! A model thread that would kill the process (a double panic, a stack overflow, an invalid
//! memory access, an explicit abort) becomes a `panic` finding, and the test process goes on: the
//! exploration continues or reports, and later explorations on the same OS thread work.

use ravel::sync::{Arc, Mutex};
use ravel::{thread, Builder, FindingKind};

/// Panics when dropped.
struct PanicOnDrop(&'static str);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("{}", self.0);
    }
}

fn double_panic_in_thread() {
    let t = thread::spawn(|| {
        let _guard = PanicOnDrop("the destructor's panic");
        panic!("the first panic");
    });
    let _ = t.join();
}

#[test]
fn a_double_panic_is_a_finding_not_an_abort() {
    let outcome = Builder::new().workers(1).explore(double_panic_in_thread);
    let finding = outcome
        .findings()
        .first()
        .expect("the double panic is reported");
    assert_eq!(finding.kind(), FindingKind::Panic);
    let report = finding.to_string();
    assert!(report.contains("double panic"), "{report}");
    assert!(report.contains("the first panic"), "{report}");
    assert!(report.contains("the destructor's panic"), "{report}");
}

#[test]
fn a_double_panic_in_the_main_thread_is_a_finding() {
    let outcome = Builder::new().workers(1).explore(|| {
        let _guard = PanicOnDrop("drop");
        panic!("main");
    });
    let report = outcome.findings()[0].to_string();
    assert!(report.contains("double panic"), "{report}");
}

#[test]
fn explorations_after_a_double_panic_still_work() {
    for _ in 0..3 {
        let outcome = Builder::new().workers(1).explore(double_panic_in_thread);
        assert_eq!(outcome.findings().len(), 1);
    }
    // Mutex poisoning asks whether the model thread unwinds, not std's per-OS-thread count
    // (which a double panic leaves raised): no false poisoning afterwards.
    let outcome = Builder::new().workers(1).explore(|| {
        let m = Arc::new(Mutex::new(0));
        let m2 = m.clone();
        let t = thread::spawn(move || *m2.lock().unwrap() += 1);
        *m.lock().unwrap() += 1;
        t.join().unwrap();
        assert_eq!(*m.lock().unwrap(), 2);
    });
    assert!(outcome.findings().is_empty(), "{:?}", outcome.findings());
    assert!(outcome.complete());
}

#[test]
fn keep_going_continues_past_a_double_panic() {
    // Only some interleavings double-panic: the thread panics when it sees the flag unset.
    let outcome = Builder::new().workers(1).keep_going(true).explore(|| {
        let flag = Arc::new(ravel::sync::atomic::AtomicBool::new(false));
        let f2 = flag.clone();
        let t = thread::spawn(move || {
            if !f2.load(ravel::sync::atomic::Ordering::SeqCst) {
                let _guard = PanicOnDrop("drop");
                panic!("saw false");
            }
        });
        flag.store(true, ravel::sync::atomic::Ordering::SeqCst);
        let _ = t.join();
    });
    assert!(outcome.complete());
    assert_eq!(outcome.executions(), 2);
    assert_eq!(outcome.findings().len(), 1);
}

#[inline(never)]
fn recurse(depth: u64, sink: &mut [u8; 512]) -> u64 {
    let mut local = [depth as u8; 512];
    local[(depth % 512) as usize] ^= sink[0];
    std::hint::black_box(&mut local);
    if depth == u64::MAX {
        return 0;
    }
    recurse(depth + 1, &mut local) + local[3] as u64
}

#[test]
fn a_stack_overflow_is_a_finding() {
    let outcome = Builder::new().workers(1).stack_size(64 * 1024).explore(|| {
        let t = thread::spawn(|| {
            let mut seed = [0u8; 512];
            std::hint::black_box(recurse(0, &mut seed));
        });
        let _ = t.join();
    });
    let report = outcome.findings()[0].to_string();
    assert_eq!(outcome.findings()[0].kind(), FindingKind::Panic);
    assert!(report.contains("stack overflow"), "{report}");
    assert!(report.contains("64 KiB"), "{report}");
    // The pool's stacks are fine afterwards.
    let outcome = Builder::new().workers(1).stack_size(64 * 1024).explore(|| {
        thread::spawn(|| ()).join().unwrap();
    });
    assert!(outcome.findings().is_empty());
}

#[test]
fn an_invalid_memory_access_is_a_finding() {
    let outcome = Builder::new().workers(1).explore(|| {
        let p = std::hint::black_box(16usize) as *const u64;
        // SAFETY: not safe at all: this is the bug the test wants ravel to catch.
        let v = unsafe { std::ptr::read_volatile(p) };
        std::hint::black_box(v);
    });
    let report = outcome.findings()[0].to_string();
    assert!(report.contains("invalid memory access"), "{report}");
    assert!(report.contains("0x10"), "{report}");
}

#[test]
fn an_explicit_abort_is_a_finding() {
    let outcome = Builder::new().workers(1).explore(|| {
        thread::spawn(|| std::process::abort()).join().unwrap();
    });
    let report = outcome.findings()[0].to_string();
    assert!(report.contains("aborted the process"), "{report}");
}

#[test]
fn crashes_on_parallel_workers_are_findings() {
    let outcome = Builder::new().workers(2).explore(|| {
        let a = Arc::new(ravel::sync::atomic::AtomicUsize::new(0));
        let hs: Vec<_> = (0..3)
            .map(|_| {
                let a = a.clone();
                thread::spawn(move || {
                    if a.fetch_add(1, ravel::sync::atomic::Ordering::SeqCst) == 2 {
                        let _guard = PanicOnDrop("drop");
                        panic!("third");
                    }
                })
            })
            .collect();
        for h in hs {
            let _ = h.join();
        }
    });
    let report = outcome.findings()[0].to_string();
    assert!(report.contains("double panic"), "{report}");
}

#[test]
fn a_crash_replays_from_its_token() {
    use ravel::Strategy;
    use ravel_core::explore::ReplayToken;
    fn crash_after_race() {
        let flag = Arc::new(ravel::sync::atomic::AtomicBool::new(false));
        let f2 = flag.clone();
        let t = thread::spawn(move || {
            if f2.load(ravel::sync::atomic::Ordering::SeqCst) {
                let _guard = PanicOnDrop("drop");
                panic!("saw true");
            }
        });
        flag.store(true, ravel::sync::atomic::Ordering::SeqCst);
        let _ = t.join();
    }
    let found = Builder::new().workers(1).explore(crash_after_race);
    let first = &found.findings()[0];
    let token = ReplayToken::decode(first.replay_token()).unwrap();
    let again = Builder::new()
        .strategy(Strategy::Replay(token))
        .explore(crash_after_race);
    assert_eq!(again.executions(), 1);
    assert_eq!(
        again.findings()[0].report().finding.sides,
        first.report().finding.sides
    );
    assert!(again.findings()[0].to_string().contains("double panic"));
}
