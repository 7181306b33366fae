//! The atomicity-violation detector (AVIO-style) both ways: lost updates and half-updated pairs
//! are reported without any assertion in the model; read-modify-writes, compare-exchange loops
//! and single critical sections are not.

use ravel::cell::UnsafeCell;
use ravel::sync::atomic::{fence, AtomicUsize, Ordering};
use ravel::sync::{Arc, Condvar, Mutex};
use ravel::{thread, Builder, FindingKind, MemoryModel, Outcome, Strategy};
use ravel_core::explore::ReplayToken;

fn explore(f: fn()) -> Outcome {
    Builder::new().explore(f)
}

fn assert_found(o: &Outcome) -> &ravel::Finding {
    let first = o
        .findings()
        .first()
        .expect("no atomicity violation reported");
    assert_eq!(first.kind(), FindingKind::AtomicityViolation, "{first}");
    first
}

fn assert_silent(o: &Outcome) {
    assert!(o.findings().is_empty(), "{}", o.findings()[0]);
    assert!(o.complete());
}

/// Two threads increment with a load and a store: no assertion, just the split update.
fn atomic_load_store() {
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    let t = thread::spawn(move || {
        let v = n2.load(Ordering::SeqCst);
        n2.store(v + 1, Ordering::SeqCst);
    });
    let v = n.load(Ordering::SeqCst);
    n.store(v + 1, Ordering::SeqCst);
    t.join().unwrap();
}

fn atomic_fetch_add() {
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    let t = thread::spawn(move || {
        n2.fetch_add(1, Ordering::Relaxed);
    });
    n.fetch_add(1, Ordering::Relaxed);
    t.join().unwrap();
    assert_eq!(n.load(Ordering::Relaxed), 2);
}

fn cas_increment(n: &AtomicUsize) {
    let mut v = n.load(Ordering::Relaxed);
    while let Err(now) = n.compare_exchange(v, v + 1, Ordering::AcqRel, Ordering::Relaxed) {
        v = now;
    }
}

fn atomic_cas_loop() {
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    let t = thread::spawn(move || cas_increment(&n2));
    cas_increment(&n);
    t.join().unwrap();
    assert_eq!(n.load(Ordering::Relaxed), 2);
}

/// A balance in a cell, guarded by a mutex, read and written in separate critical sections.
struct Account {
    lock: Mutex<()>,
    balance: UnsafeCell<i64>,
}

impl Account {
    fn new() -> Account {
        Account {
            lock: Mutex::new(()),
            balance: UnsafeCell::new(100),
        }
    }

    fn get(&self) -> i64 {
        let _g = self.lock.lock().unwrap();
        self.balance.with(|p| unsafe { *p })
    }

    fn set(&self, v: i64) {
        let _g = self.lock.lock().unwrap();
        self.balance.with_mut(|p| unsafe { *p = v });
    }

    fn deposit_split(&self, x: i64) {
        let b = self.get();
        self.set(b + x);
    }

    fn deposit_locked(&self, x: i64) {
        let _g = self.lock.lock().unwrap();
        let b = self.balance.with(|p| unsafe { *p });
        self.balance.with_mut(|p| unsafe { *p = b + x });
    }
}

fn cell_split_sections() {
    let a = Arc::new(Account::new());
    let a2 = a.clone();
    let t = thread::spawn(move || a2.deposit_split(10));
    a.deposit_split(-10);
    t.join().unwrap();
}

fn cell_one_section() {
    let a = Arc::new(Account::new());
    let a2 = a.clone();
    let t = thread::spawn(move || a2.deposit_locked(10));
    a.deposit_locked(-10);
    t.join().unwrap();
    assert_eq!(a.get(), 100);
}

/// Read before the workers start, written after they are joined: the workers' writes are
/// between in every execution, by the program's own order, so this is no interleaving.
fn ordered_by_join() {
    let n = Arc::new(AtomicUsize::new(0));
    let v = n.load(Ordering::Relaxed);
    let n2 = n.clone();
    thread::spawn(move || n2.store(5, Ordering::Relaxed))
        .join()
        .unwrap();
    n.store(v + 1, Ordering::Relaxed);
}

/// Circle (seed 004) without its assertion: thread A sets the radius and then, in another
/// critical section, the circumference from it; thread B reads both in one section.
struct Circle {
    lock: Mutex<()>,
    r: UnsafeCell<f64>,
    c: UnsafeCell<f64>,
}

impl Circle {
    fn new() -> Circle {
        Circle {
            lock: Mutex::new(()),
            r: UnsafeCell::new(1.0),
            c: UnsafeCell::new(2.0 * std::f64::consts::PI),
        }
    }

    fn area(&self) -> f64 {
        let _g = self.lock.lock().unwrap();
        0.5 * self.c.with(|p| unsafe { *p }) * self.r.with(|p| unsafe { *p })
    }
}

fn circle_split() {
    let circle = Arc::new(Circle::new());
    let c2 = circle.clone();
    let a = thread::spawn(move || {
        {
            let _g = c2.lock.lock().unwrap();
            c2.r.with_mut(|p| unsafe { *p = 2.0 });
        }
        let _g = c2.lock.lock().unwrap();
        let r = c2.r.with(|p| unsafe { *p });
        c2.c.with_mut(|p| unsafe { *p = 2.0 * std::f64::consts::PI * r });
    });
    let _ = circle.area();
    a.join().unwrap();
}

fn circle_one_section() {
    let circle = Arc::new(Circle::new());
    let c2 = circle.clone();
    let a = thread::spawn(move || {
        let _g = c2.lock.lock().unwrap();
        c2.r.with_mut(|p| unsafe { *p = 2.0 });
        c2.c.with_mut(|p| unsafe { *p = 2.0 * std::f64::consts::PI * 2.0 });
    });
    let area = circle.area();
    assert!(area == std::f64::consts::PI || area == 4.0 * std::f64::consts::PI);
    a.join().unwrap();
}

/// Two independent fields, each set in its own critical section: a reader that sees one set and
/// not the other sees a state the program allows (no section derives one from the other).
fn independent_fields() {
    let circle = Arc::new(Circle::new());
    let c2 = circle.clone();
    let a = thread::spawn(move || {
        {
            let _g = c2.lock.lock().unwrap();
            c2.r.with_mut(|p| unsafe { *p = 2.0 });
        }
        let _g = c2.lock.lock().unwrap();
        c2.c.with_mut(|p| unsafe { *p = 1.0 });
    });
    let _ = circle.area();
    a.join().unwrap();
}

#[test]
fn lost_update_on_an_atomic_is_found() {
    let o = explore(atomic_load_store);
    let f = assert_found(&o);
    let sides = &f.report().finding.sides;
    assert_eq!(sides.len(), 3);
    // (1) and (3) are the same thread's load and store, (2) the other thread's store.
    assert_eq!(sides[0].thread, sides[2].thread);
    assert_ne!(sides[0].thread, sides[1].thread);
    assert!(sides[0].operation.starts_with("load"), "{f}");
    assert!(sides[1].operation.starts_with("store"), "{f}");
    assert!(sides[2].operation.starts_with("store"), "{f}");
    assert!(sides
        .iter()
        .all(|s| s.span.is_some_and(|s| s.file.ends_with("atomicity.rs"))));
    assert!(f.report().finding.summary.contains("lost update"), "{f}");
    assert!(
        f.report()
            .finding
            .hint
            .as_deref()
            .is_some_and(|h| h.contains("fetch_add")),
        "{f}"
    );
}

#[test]
fn lost_update_is_found_under_every_model() {
    for model in [MemoryModel::Sc, MemoryModel::Tso, MemoryModel::Rc11] {
        let o = Builder::new()
            .memory_model(model)
            .explore(atomic_load_store);
        assert_found(&o);
    }
}

#[test]
fn fetch_add_is_silent() {
    assert_silent(&explore(atomic_fetch_add));
}

#[test]
fn compare_exchange_loop_is_silent() {
    assert_silent(&explore(atomic_cas_loop));
}

#[test]
fn lost_update_on_a_cell_in_separate_critical_sections_is_found() {
    let o = explore(cell_split_sections);
    let f = assert_found(&o);
    let text = f.render_stable();
    assert!(text.contains("different critical sections"), "{text}");
    assert!(text.contains("read of cell"), "{text}");
    assert!(text.contains("write to cell"), "{text}");
}

#[test]
fn one_critical_section_is_silent() {
    assert_silent(&explore(cell_one_section));
}

#[test]
fn an_order_made_by_spawn_and_join_is_silent() {
    assert_silent(&explore(ordered_by_join));
}

#[test]
fn circle_split_update_is_found() {
    let o = Builder::new()
        .memory_model(MemoryModel::Sc)
        .explore(circle_split);
    let f = assert_found(&o);
    let finding = &f.report().finding;
    assert_eq!(finding.sides.len(), 4, "{f}");
    // A's two writes around B's two reads.
    assert_eq!(finding.sides[0].thread, finding.sides[3].thread);
    assert_eq!(finding.sides[1].thread, finding.sides[2].thread);
    assert_ne!(finding.sides[0].thread, finding.sides[1].thread);
    assert!(finding.summary.contains("one critical section"), "{f}");
    assert!(finding.summary.contains("new"), "{f}");
}

#[test]
fn circle_in_one_critical_section_is_silent() {
    for model in [MemoryModel::Sc, MemoryModel::Rc11] {
        let o = Builder::new()
            .memory_model(model)
            .explore(circle_one_section);
        assert_silent(&o);
    }
}

#[test]
fn independent_fields_are_silent() {
    assert_silent(&explore(independent_fields));
}

/// A recursive-mutex style check: `owner` is peeked at without the lock, then written under
/// it. The other thread's write of `owner` happens before the store (through the lock), so the
/// peek was never meant to be atomic with the store.
fn peek_then_lock_then_write() {
    struct Recursive {
        owner: AtomicUsize,
        held: AtomicUsize,
    }
    impl Recursive {
        fn enter_exit(&self, me: usize) {
            if self.owner.load(Ordering::Relaxed) == me {
                return;
            }
            if self
                .held
                .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                self.owner.store(me, Ordering::Relaxed);
                self.owner.store(0, Ordering::Relaxed);
                self.held.store(0, Ordering::Release);
            }
        }
    }
    let m = Arc::new(Recursive {
        owner: AtomicUsize::new(0),
        held: AtomicUsize::new(0),
    });
    let m2 = m.clone();
    let t = thread::spawn(move || m2.enter_exit(1));
    m.enter_exit(2);
    t.join().unwrap();
}

/// Peterson's lock, two rounds per thread: `turn` is stored blindly after the previous round's
/// spin loads read it, and the other thread's store to `turn` can fall between.
fn peterson_two_rounds() {
    let s = Arc::new([
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    ]);
    let data = Arc::new(UnsafeCell::new(0));
    let round = |s: &[AtomicUsize; 3], data: &UnsafeCell<i32>, me: usize| {
        let other = 1 - me;
        for _ in 0..2 {
            s[me].store(1, Ordering::SeqCst);
            s[2].store(other, Ordering::SeqCst);
            while s[other].load(Ordering::SeqCst) == 1 && s[2].load(Ordering::SeqCst) == other {
                thread::yield_now();
            }
            data.with_mut(|p| unsafe { *p += 1 });
            s[me].store(0, Ordering::SeqCst);
        }
    };
    let (s2, d2) = (s.clone(), data.clone());
    let t = thread::spawn(move || round(&s2, &d2, 1));
    round(&s, &data, 0);
    t.join().unwrap();
}

#[test]
fn peek_then_lock_then_write_is_silent() {
    assert_silent(&explore(peek_then_lock_then_write));
}

#[test]
fn petersons_turn_is_silent() {
    assert_silent(&explore(peterson_two_rounds));
}

/// Every kind of operation first (condition variable, `try_lock`, a failed compare-exchange,
/// fences, yields, a swap, a cell), then a lost update: the detector lines the trace up with the
/// graph operation by operation, and must still see the atomics after all of them.
fn every_operation_then_a_lost_update() {
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let n = Arc::new(AtomicUsize::new(0));
    let other = Arc::new((AtomicUsize::new(0), UnsafeCell::new(0)));
    let (p2, n2, o2) = (pair.clone(), n.clone(), other.clone());
    let t = thread::spawn(move || {
        {
            let (m, cv) = &*p2;
            *m.lock().unwrap() = true;
            cv.notify_one();
        }
        fence(Ordering::SeqCst);
        let _ =
            o2.0.compare_exchange(7, 8, Ordering::AcqRel, Ordering::Acquire);
        thread::yield_now();
        let v = n2.load(Ordering::SeqCst);
        n2.store(v + 1, Ordering::SeqCst);
    });
    {
        let (m, cv) = &*pair;
        let mut ready = m.lock().unwrap();
        while !*ready {
            ready = cv.wait(ready).unwrap();
        }
    }
    if let Ok(g) = pair.0.try_lock() {
        drop(g);
    }
    other.0.swap(3, Ordering::Relaxed);
    other.1.with_mut(|p| unsafe { *p = 1 });
    fence(Ordering::Release);
    thread::yield_now();
    let v = n.load(Ordering::SeqCst);
    n.store(v + 1, Ordering::SeqCst);
    t.join().unwrap();
}

#[test]
fn atomics_are_seen_after_every_kind_of_operation() {
    for model in [MemoryModel::Sc, MemoryModel::Tso, MemoryModel::Rc11] {
        let o = Builder::new()
            .memory_model(model)
            .explore(every_operation_then_a_lost_update);
        let f = assert_found(&o);
        assert!(f.report().finding.summary.contains("lost update"), "{f}");
    }
}

/// Every strategy's atomicity report replays from its token to the same report.
#[test]
fn atomicity_violation_replays() {
    for f in [atomic_load_store as fn(), cell_split_sections, circle_split] {
        for strategy in [
            Strategy::Exhaustive,
            Strategy::Random { seed: 7 },
            Strategy::Pct { depth: 3, seed: 7 },
        ] {
            let found = Builder::new()
                .strategy(strategy.clone())
                .max_executions(10_000)
                .explore(f);
            let first = assert_found(&found);
            let token = ReplayToken::decode(first.replay_token()).unwrap();
            let again = Builder::new().strategy(Strategy::Replay(token)).explore(f);
            assert_eq!(again.executions(), 1, "{strategy:?}");
            let replayed = assert_found(&again);
            assert_eq!(
                replayed.report().finding.sides,
                first.report().finding.sides,
                "{strategy:?}"
            );
            assert_eq!(replayed.report().trace.len(), first.report().trace.len());
        }
    }
}
