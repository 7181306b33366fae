use ravel::cell::UnsafeCell;
use ravel::sync::atomic::{AtomicUsize, Ordering};
use ravel::sync::{Arc, Mutex};
use ravel::{thread, Builder, FindingKind};

#[test]
fn atomic_counter_passes() {
    let o = Builder::new().explore(|| {
        let n = Arc::new(AtomicUsize::new(0));
        let n2 = n.clone();
        let t = thread::spawn(move || {
            n2.fetch_add(1, Ordering::SeqCst);
        });
        n.fetch_add(1, Ordering::SeqCst);
        t.join().unwrap();
        assert_eq!(n.load(Ordering::SeqCst), 2);
    });
    assert!(o.findings().is_empty(), "{}", o.findings()[0]);
    assert!(o.complete());
    assert_eq!(o.executions(), 2);
}

#[test]
fn lost_update_found() {
    let o = Builder::new().explore(|| {
        let n = Arc::new(AtomicUsize::new(0));
        let n2 = n.clone();
        let t = thread::spawn(move || {
            let v = n2.load(Ordering::SeqCst);
            n2.store(v + 1, Ordering::SeqCst);
        });
        let v = n.load(Ordering::SeqCst);
        n.store(v + 1, Ordering::SeqCst);
        t.join().unwrap();
        assert_eq!(n.load(Ordering::SeqCst), 2, "lost update");
    });
    assert_eq!(o.findings().len(), 1);
    assert_eq!(o.findings()[0].kind(), FindingKind::Panic);
    eprintln!("{}", o.findings()[0]);
}

#[test]
fn mutex_counter_orders() {
    let o = Builder::new().explore(|| {
        let m = Arc::new(Mutex::new(0));
        let hs: Vec<_> = (0..3)
            .map(|_| {
                let m = m.clone();
                thread::spawn(move || *m.lock().unwrap() += 1)
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(*m.lock().unwrap(), 3);
    });
    assert!(o.findings().is_empty(), "{}", o.findings()[0]);
    assert_eq!(o.executions(), 6);
}

#[test]
fn race_found_and_mutex_fixes_it() {
    let racy = Builder::new().explore(|| {
        let c = Arc::new(UnsafeCell::new(0));
        let c2 = c.clone();
        let t = thread::spawn(move || c2.with_mut(|p| unsafe { *p += 1 }));
        c.with(|p| unsafe { *p });
        t.join().unwrap();
    });
    assert_eq!(racy.findings()[0].kind(), FindingKind::DataRace);
    eprintln!("{}", racy.findings()[0]);
    let fixed = Builder::new().explore(|| {
        let c = Arc::new((Mutex::new(()), UnsafeCell::new(0)));
        let c2 = c.clone();
        let t = thread::spawn(move || {
            let _g = c2.0.lock().unwrap();
            c2.1.with_mut(|p| unsafe { *p += 1 })
        });
        {
            let _g = c.0.lock().unwrap();
            c.1.with(|p| unsafe { *p });
        }
        t.join().unwrap();
    });
    assert!(fixed.findings().is_empty(), "{}", fixed.findings()[0]);
}

#[test]
fn abba_deadlock_found() {
    let o = Builder::new().explore(|| {
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
    assert_eq!(o.findings()[0].kind(), FindingKind::Deadlock);
    eprintln!("{}", o.findings()[0]);
}
