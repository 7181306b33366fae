//! Golden files pin the report text for each kind of finding. Regenerate with
//! `RAVEL_BLESS=1 cargo test -p ravel --test golden` after an intended change, and review the diff.

use ravel::cell::UnsafeCell;
use ravel::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use ravel::sync::{Arc, Mutex};
use ravel::{hint, thread, Builder};
use std::path::PathBuf;

fn check(name: &str, f: impl Fn() + Sync) {
    let outcome = Builder::new().explore(f);
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
