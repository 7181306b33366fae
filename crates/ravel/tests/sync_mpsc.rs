//! `ravel::sync::mpsc`: sending happens before receiving, disconnection in both directions,
//! bounded and rendezvous channels, timeouts, and the bugs around them found.

use ravel::cell::UnsafeCell;
use ravel::sync::atomic::{AtomicBool, Ordering};
use ravel::sync::mpsc::{self, RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};
use ravel::sync::Arc;
use ravel::{thread, Builder, FindingKind, Outcome};
use std::collections::BTreeSet;
use std::time::Duration;

fn assert_clean(o: &Outcome) {
    assert!(o.findings().is_empty(), "{}", o.findings()[0]);
    assert!(o.complete());
}

fn assert_found(o: &Outcome, kind: FindingKind) {
    assert!(
        !o.findings().is_empty(),
        "nothing found in {} executions",
        o.executions()
    );
    assert_eq!(o.findings()[0].kind(), kind, "{}", o.findings()[0]);
}

#[test]
fn a_sent_value_happens_before_its_receipt() {
    let o = Builder::new().explore(|| {
        let data = Arc::new(UnsafeCell::new(0));
        let (tx, rx) = mpsc::channel();
        let d2 = data.clone();
        let t = thread::spawn(move || {
            d2.with_mut(|p| unsafe { *p = 42 });
            tx.send(7).unwrap();
        });
        assert_eq!(rx.recv(), Ok(7));
        assert_eq!(data.with(|p| unsafe { *p }), 42);
        t.join().unwrap();
    });
    assert_clean(&o);
    // Measured 8 = 4 x 2. The value is queued before the receiver looks (1), or the receiver
    // sleeps first and is woken by the send's notification, or spuriously before or after the
    // send (3, the early one sleeping again); and in each, the sender's drop (which takes the
    // channel's lock, so that disconnection is ordered too) comes before or after the
    // receiver's last critical section.
    assert_eq!(o.executions(), 8);
}

#[test]
fn publishing_through_a_relaxed_flag_races() {
    // The same hand-off without the channel: the relaxed flag orders nothing.
    let o = Builder::new().explore(|| {
        let shared = Arc::new((AtomicBool::new(false), UnsafeCell::new(0)));
        let s = shared.clone();
        let t = thread::spawn(move || {
            s.1.with_mut(|p| unsafe { *p = 42 });
            s.0.store(true, Ordering::Relaxed);
        });
        while !shared.0.load(Ordering::Relaxed) {
            thread::yield_now();
        }
        assert_eq!(shared.1.with(|p| unsafe { *p }), 42);
        t.join().unwrap();
    });
    assert_found(&o, FindingKind::DataRace);
}

#[test]
fn recv_on_a_forgotten_sender_deadlocks() {
    let o = Builder::new().explore(|| {
        let (tx, rx) = mpsc::channel::<u32>();
        std::mem::forget(tx);
        let _ = rx.recv();
    });
    assert_found(&o, FindingKind::Deadlock);
}

#[test]
fn receiving_ends_when_every_sender_is_gone() {
    let o = Builder::new().explore(|| {
        let (tx, rx) = mpsc::channel();
        let tx2 = tx.clone();
        let t = thread::spawn(move || tx2.send(2).unwrap());
        tx.send(1).unwrap();
        drop(tx);
        let got: BTreeSet<u32> = rx.iter().collect();
        assert_eq!(got, BTreeSet::from([1, 2]));
        assert_eq!(rx.recv(), Err(RecvError));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        t.join().unwrap();
    });
    assert_clean(&o);
}

#[test]
fn sending_fails_once_the_receiver_is_gone() {
    let o = Builder::new().explore(|| {
        let (tx, rx) = mpsc::channel();
        let t = thread::spawn(move || tx.send(1));
        drop(rx);
        // Either the value was queued before the drop (and dropped with the receiver), or it
        // comes back.
        assert!(matches!(t.join().unwrap(), Ok(()) | Err(SendError(1))));
        let (tx, rx) = mpsc::sync_channel(1);
        drop(rx);
        assert_eq!(tx.send(2), Err(SendError(2)));
        assert_eq!(tx.try_send(3), Err(TrySendError::Disconnected(3)));
    });
    assert_clean(&o);
}

#[test]
fn a_rendezvous_send_returns_only_after_the_receipt() {
    let o = Builder::new().explore(|| {
        let (tx, rx) = mpsc::sync_channel(0);
        let sent = Arc::new(AtomicBool::new(false));
        let s2 = sent.clone();
        let t = thread::spawn(move || {
            tx.send(1).unwrap();
            s2.store(true, Ordering::Relaxed);
        });
        assert!(
            !sent.load(Ordering::Relaxed),
            "send returned before the receipt"
        );
        assert_eq!(rx.recv(), Ok(1));
        t.join().unwrap();
    });
    assert_clean(&o);
}

#[test]
fn a_buffered_send_may_return_before_the_receipt() {
    // The same with room for one value: ravel finds the send that returns first.
    let o = Builder::new().explore(|| {
        let (tx, rx) = mpsc::sync_channel(1);
        let sent = Arc::new(AtomicBool::new(false));
        let s2 = sent.clone();
        let t = thread::spawn(move || {
            tx.send(1).unwrap();
            s2.store(true, Ordering::Relaxed);
        });
        assert!(
            !sent.load(Ordering::Relaxed),
            "send returned before the receipt"
        );
        assert_eq!(rx.recv(), Ok(1));
        t.join().unwrap();
    });
    assert_found(&o, FindingKind::Panic);
}

#[test]
fn a_rendezvous_sender_gets_its_value_back_when_the_receiver_goes() {
    let o = Builder::new().explore(|| {
        let (tx, rx) = mpsc::sync_channel(0);
        let t = thread::spawn(move || tx.send(5));
        drop(rx);
        assert_eq!(t.join().unwrap(), Err(SendError(5)));
    });
    assert_clean(&o);
}

#[test]
fn bounded_channels_block_when_full() {
    let o = Builder::new().explore(|| {
        let (tx, rx) = mpsc::sync_channel(1);
        let t = thread::spawn(move || {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
        });
        assert_eq!(rx.recv(), Ok(1));
        assert_eq!(rx.recv(), Ok(2));
        assert_eq!(rx.recv(), Err(RecvError));
        t.join().unwrap();
        let (tx, rx) = mpsc::sync_channel(1);
        assert_eq!(tx.try_send(1), Ok(()));
        assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), vec![1]);
        // Nobody waits at a rendezvous: nothing can be handed over.
        let (tx, _rx) = mpsc::sync_channel(0);
        assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    });
    assert_clean(&o);
}

#[test]
fn a_full_bounded_channel_with_no_receiver_deadlocks() {
    let o = Builder::new().explore(|| {
        let (tx, rx) = mpsc::sync_channel(1);
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        drop(rx);
    });
    assert_found(&o, FindingKind::Deadlock);
}

#[test]
fn recv_timeout_times_out_only_when_not_notified() {
    let seen = std::sync::Mutex::new(BTreeSet::new());
    let o = Builder::new().explore(|| {
        let (tx, rx) = mpsc::channel();
        let t = thread::spawn(move || {
            tx.send(1).unwrap();
            tx
        });
        let first = rx.recv_timeout(Duration::from_secs(1));
        seen.lock().unwrap().insert(format!("{first:?}"));
        if first.is_err() {
            assert_eq!(first, Err(RecvTimeoutError::Timeout));
            assert_eq!(rx.recv(), Ok(1));
        }
        let tx = t.join().unwrap();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        drop(tx);
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(1)),
            Err(RecvTimeoutError::Disconnected)
        );
    });
    assert_clean(&o);
    let seen = seen.into_inner().unwrap();
    assert_eq!(
        seen,
        BTreeSet::from(["Ok(1)".to_string(), "Err(Timeout)".to_string()])
    );
}

#[test]
fn recv_timeout_on_a_forgotten_sender_times_out() {
    // Unlike `recv`, the timed wait does not hang: its wake-up without notification is a
    // timeout.
    let o = Builder::new().explore(|| {
        let (tx, rx) = mpsc::channel::<u32>();
        std::mem::forget(tx);
        assert_eq!(
            rx.recv_timeout(Duration::from_millis(10)),
            Err(RecvTimeoutError::Timeout)
        );
    });
    assert_clean(&o);
    assert_eq!(o.executions(), 1);
}

#[test]
fn the_receiver_iterates_by_value() {
    let o = Builder::new().explore(|| {
        let (tx, rx) = mpsc::channel();
        let t = thread::spawn(move || {
            for v in 0..2 {
                tx.send(v).unwrap();
            }
        });
        let got: Vec<u32> = rx.into_iter().collect();
        assert_eq!(got, vec![0, 1]);
        t.join().unwrap();
    });
    assert_clean(&o);
}
