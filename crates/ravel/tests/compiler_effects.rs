//! `Builder::compiler_effects`: a data race's report shows what a compiler may make of it (a
//! scratch store a racing reader sees, a read hoisted out of a spin loop), and nothing is added
//! when the option is off, when the race is in opaque closures, or when there is no race.

use ravel::cell::UnsafeCell;
use ravel::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use ravel::sync::Arc;
use ravel::{hint, thread, Builder, FindingKind, Outcome};

const SECTION: &str = "compiler consequences";

/// How the `owner` field of [`Guarded`] is stored.
trait Owner: Default + Send + Sync + 'static {
    fn get(&self) -> u32;
    fn set(&self, id: u32);
}

/// `int owner`: a plain field, read without the lock.
#[derive(Default)]
struct PlainOwner(UnsafeCell<u32>);

impl Owner for PlainOwner {
    fn get(&self) -> u32 {
        self.0.read()
    }
    fn set(&self, id: u32) {
        self.0.write(id);
    }
}

/// `owner` as a Relaxed atomic: no race, and no invented stores.
#[derive(Default)]
struct RelaxedOwner(AtomicU32);

impl Owner for RelaxedOwner {
    fn get(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }
    fn set(&self, id: u32) {
        self.0.store(id, Ordering::Relaxed);
    }
}

/// A lock that remembers its holder; `owner` is peeked at without the lock (seed 003).
struct Guarded<O> {
    owner: O,
    locked: AtomicBool,
}

impl<O: Owner> Guarded<O> {
    /// Takes the lock for thread `me` if it is free; `me` must never see itself as the owner
    /// before it took the lock.
    fn take(&self, me: u32) -> bool {
        assert_ne!(
            self.owner.get(),
            me,
            "thread {me} reads itself as the owner but never took the lock"
        );
        let free = self
            .locked
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok();
        if free {
            self.owner.set(me);
        }
        free
    }

    fn release(&self) {
        self.owner.set(0);
        self.locked.store(false, Ordering::Release);
    }
}

/// Threads 1 and 7 each take the lock if they can and release it.
fn handoff<O: Owner>() {
    let g = Arc::new(Guarded {
        owner: O::default(),
        locked: AtomicBool::new(false),
    });
    let g1 = g.clone();
    let t = thread::spawn(move || {
        if g1.take(1) {
            g1.release();
        }
    });
    if g.take(7) {
        g.release();
    }
    t.join().unwrap();
}

fn owner_handoff() {
    handoff::<PlainOwner>();
}

fn owner_handoff_atomic() {
    handoff::<RelaxedOwner>();
}

/// Seed 001's loop on a plain flag: the worker spins until main sets `done`.
fn spin_on_plain_flag() {
    let done = Arc::new(UnsafeCell::new(0u8));
    let d = done.clone();
    let worker = thread::Builder::new()
        .name("work".into())
        .spawn(move || {
            while d.read() == 0 {
                hint::spin_loop();
            }
        })
        .unwrap();
    done.write(1);
    worker.join().unwrap();
}

/// The spin loop with the flag in a `with` closure: ravel cannot see or change the value.
fn spin_on_opaque_flag() {
    let done = Arc::new(UnsafeCell::new(false));
    let d = done.clone();
    let worker = thread::spawn(move || {
        // SAFETY: a plain read of a bool; ravel checks it for races.
        while !d.with(|p| unsafe { *p }) {
            hint::spin_loop();
        }
    });
    // SAFETY: as above.
    done.with_mut(|p| unsafe { *p = true });
    worker.join().unwrap();
}

/// A flag set once and read once: the race has no consequence either transformation can show
/// (there is no other value to store, and no loop).
fn read_once() {
    let flag = Arc::new(UnsafeCell::new(0u32));
    let f = flag.clone();
    let t = thread::spawn(move || f.write(1));
    let _ = flag.read();
    t.join().unwrap();
}

fn explore(effects: bool, f: fn()) -> Outcome {
    Builder::new()
        .workers(1)
        .compiler_effects(effects)
        .explore(f)
}

fn first_report(outcome: &Outcome) -> String {
    let first = outcome.findings().first().expect("a finding");
    assert_eq!(first.kind(), FindingKind::DataRace);
    first.render_stable()
}

#[test]
fn scratch_store_shows_a_value_no_thread_wrote_and_the_panic_it_causes() {
    let text = first_report(&explore(true, owner_handoff));
    assert!(text.contains(SECTION), "{text}");
    assert!(text.contains("may first store 7 there"), "{text}");
    assert!(
        text.contains("thread main read 7 at") && text.contains("a value no thread wrote there"),
        "{text}"
    );
    assert!(
        text.contains("then: panic: thread main panicked")
            && text.contains("thread 7 reads itself as the owner but never took the lock"),
        "{text}"
    );
    assert!(
        text.contains("write 7 (scratch, by the compiler)"),
        "{text}"
    );
}

#[test]
fn hoisted_read_shows_the_loop_that_never_sees_the_write() {
    let outcome = explore(true, spin_on_plain_flag);
    let text = first_report(&outcome);
    assert!(text.contains(SECTION), "{text}");
    let place = |what: &str| {
        let sides = &outcome.findings()[0].report().finding.sides;
        let side = sides.iter().find(|s| s.operation.contains(what)).unwrap();
        side.span.unwrap().to_string()
    };
    let (read, write) = (place("read"), place("write"));
    assert!(
        text.contains(&format!(
            "the loop at {read} never sees the write at {write}"
        )),
        "{text}"
    );
    assert!(
        text.contains("thread t1 `work` keeps reading 0") && text.contains("memory holds 1"),
        "{text}"
    );
    assert!(text.contains("then: livelock"), "{text}");
}

#[test]
fn without_the_option_the_report_has_no_section() {
    for f in [owner_handoff, spin_on_plain_flag] {
        let text = first_report(&explore(false, f));
        assert!(!text.contains(SECTION), "{text}");
    }
}

#[test]
fn the_search_leaves_the_finding_and_its_token_alone() {
    for f in [owner_handoff, spin_on_plain_flag] {
        let plain = explore(false, f);
        let searched = explore(true, f);
        let (a, b) = (&plain.findings()[0], &searched.findings()[0]);
        assert_eq!(a.replay_token(), b.replay_token());
        assert_eq!(trace(a), trace(b));
        assert_eq!(a.report().finding.summary, b.report().finding.summary);
        // Replaying the token under the option shows the race again.
        let token = ravel_core_token(b.replay_token());
        let replayed = Builder::new()
            .strategy(ravel::Strategy::Replay(token))
            .compiler_effects(true)
            .explore(f);
        assert_eq!(replayed.findings()[0].kind(), FindingKind::DataRace);
        assert_eq!(trace(&replayed.findings()[0]), trace(b));
    }
}

/// The interleaving, as text (trace steps have no equality).
fn trace(f: &ravel::Finding) -> String {
    format!("{:?}", f.report().trace)
}

fn ravel_core_token(text: &str) -> ravel_core::explore::ReplayToken {
    ravel_core::explore::ReplayToken::decode(text).expect("a valid token")
}

#[test]
fn race_free_programs_get_no_section() {
    let outcome = explore(true, owner_handoff_atomic);
    assert!(outcome.complete());
    assert!(outcome.findings().is_empty());
}

#[test]
fn opaque_closures_are_said_to_be_opaque() {
    let text = first_report(&explore(true, spin_on_opaque_flag));
    assert!(text.contains(SECTION), "{text}");
    assert!(
        text.contains("no typed `read`/`write` ran at the racing places"),
        "{text}"
    );
}

#[test]
fn a_race_without_consequences_says_so() {
    let text = first_report(&explore(true, read_once));
    assert!(text.contains(SECTION), "{text}");
    assert!(
        text.contains("nothing to try: the program writes no other value to this location"),
        "{text}"
    );
    assert!(
        text.contains("hoisted read at") && text.contains("no consequence found within the budget"),
        "{text}"
    );
}
