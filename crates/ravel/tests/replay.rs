//! Every finding is replayable: its token, fed back through `Strategy::Replay`, reproduces the
//! same finding, for every kind. And the token codec round-trips.

use proptest::prelude::*;
use ravel::cell::UnsafeCell;
use ravel::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use ravel::sync::{Arc, Mutex};
use ravel::{hint, thread, Builder, FindingKind, Strategy};
use ravel_core::explore::ReplayToken;

fn lost_update() {
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    let t = thread::spawn(move || {
        let v = n2.load(Ordering::SeqCst);
        n2.store(v + 1, Ordering::SeqCst);
    });
    let v = n.load(Ordering::SeqCst);
    n.store(v + 1, Ordering::SeqCst);
    t.join().unwrap();
    assert_eq!(n.load(Ordering::SeqCst), 2);
}

fn abba() {
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
}

fn racy_flag() {
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
}

fn spinner() {
    let done = AtomicBool::new(false);
    while !done.load(Ordering::Acquire) {
        hint::spin_loop();
    }
}

/// A misaligned value written twice while another thread reads it: a torn read.
fn packed_owner() {
    let owner = Arc::new(ravel::cell::SplitCell::split_at(0u32, 3));
    let o = owner.clone();
    let t = thread::spawn(move || {
        o.write(0x0200_0001);
        o.write(0);
    });
    let _ = owner.read();
    t.join().unwrap();
}

fn replays(kind: FindingKind, f: fn()) {
    for strategy in [
        Strategy::Exhaustive,
        Strategy::Random { seed: 7 },
        Strategy::Pct { depth: 3, seed: 7 },
    ] {
        let found = Builder::new()
            .strategy(strategy.clone())
            .max_executions(10_000)
            .explore(f);
        let first = &found.findings()[0];
        assert_eq!(first.kind(), kind, "{strategy:?}");
        let token = ReplayToken::decode(first.replay_token()).unwrap();
        let again = Builder::new().strategy(Strategy::Replay(token)).explore(f);
        assert_eq!(again.executions(), 1);
        let replayed = &again.findings()[0];
        assert_eq!(replayed.kind(), kind);
        assert_eq!(
            replayed.report().finding.sides,
            first.report().finding.sides
        );
        assert_eq!(replayed.report().trace.len(), first.report().trace.len());
    }
}

#[test]
fn panic_replays() {
    replays(FindingKind::Panic, lost_update);
}

#[test]
fn deadlock_replays() {
    replays(FindingKind::Deadlock, abba);
}

#[test]
fn data_race_replays() {
    replays(FindingKind::DataRace, racy_flag);
}

#[test]
fn torn_read_replays() {
    replays(FindingKind::TornRead, packed_owner);
}

#[test]
fn livelock_replays() {
    replays(FindingKind::Livelock, spinner);
}

#[test]
fn a_token_from_another_program_is_reported_not_crashed() {
    let found = Builder::new().explore(abba);
    let token = ReplayToken::decode(found.findings()[0].replay_token()).unwrap();
    let other = Builder::new()
        .strategy(Strategy::Replay(token))
        .explore(lost_update);
    // Either the token happens to fit, or ravel says the program diverged: never a crash.
    for f in other.findings() {
        assert!(matches!(
            f.kind(),
            FindingKind::NonDeterminism | FindingKind::Panic
        ));
    }
}

#[test]
fn bad_tokens_are_errors() {
    for bad in ["", "r1.", "r2.AAAA", "r1.!!!", "r1.gICAgICAgICAgAE"] {
        assert!(ReplayToken::decode(bad).is_err(), "{bad:?}");
    }
}

proptest! {
    #[test]
    fn token_codec_round_trips(steps in prop::collection::vec((0u32..40, 1u32..500), 0..30),
                               data in prop::collection::vec(any::<u32>(), 0..60)) {
        let token = ReplayToken { steps, data };
        let text = token.encode();
        prop_assert_eq!(ReplayToken::decode(&text).unwrap(), token);
    }
}
