//! Multi-producer single-consumer channels, shaped like `std::sync::mpsc`: the unbounded
//! [`channel`] and the bounded [`sync_channel`], whose capacity 0 makes every `send` a
//! rendezvous that returns only once the receiver took the value. The error types are std's own.
//!
//! A channel is a queue under one ravel mutex, with a condition variable for the receiver and
//! one for blocked senders, so a value's sending (and everything before it) happens before its
//! receipt, every sender's drop happens before the receiver sees the channel disconnected, and a
//! receiver or sender that waits forever is reported as a deadlock.
//!
//! Deviation: time does not pass in a model, so `recv_timeout` answers
//! [`RecvTimeoutError::Timeout`] exactly when its wait ends without a notification (a wake-up
//! ravel explores once per notification), and the queue is still empty and connected.

use super::condvar::Condvar;
use super::mutex::{Mutex, MutexGuard};
use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError};
use std::time::Duration;

pub use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};

/// The state shared by the two ends of a channel.
struct Channel<T> {
    state: Mutex<State<T>>,
    /// Live `Sender`s and `SyncSender`s. Cloning a sender needs no synchronisation (it cannot
    /// disconnect anything), so it is counted outside the model; dropping one takes `state`.
    /// Relaxed: private to the OS thread running the model.
    senders: AtomicUsize,
    /// The receiver sleeps here for a value or the last sender's drop.
    receiver_cv: Condvar,
    /// Senders sleep here for room (bounded) or for their value's pickup (rendezvous).
    sender_cv: Condvar,
    /// `None`: unbounded.
    capacity: Option<usize>,
}

struct State<T> {
    /// Values with their tickets (the number of values queued before them).
    queue: VecDeque<(u64, T)>,
    /// Values ever queued (the next ticket).
    queued: u64,
    /// Values ever received.
    received: u64,
    receiver_alive: bool,
    /// The receiver sleeps on `receiver_cv`.
    receiver_sleeping: bool,
    /// Senders sleeping on `sender_cv`.
    senders_sleeping: usize,
}

impl<T> Channel<T> {
    fn new(capacity: Option<usize>) -> Arc<Channel<T>> {
        Arc::new(Channel {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                queued: 0,
                received: 0,
                receiver_alive: true,
                receiver_sleeping: false,
                senders_sleeping: 0,
            }),
            senders: AtomicUsize::new(1),
            receiver_cv: Condvar::new(),
            sender_cv: Condvar::new(),
            capacity,
        })
    }

    /// Internal locks never see user code run under them, so poison cannot mean broken state.
    #[track_caller]
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    #[track_caller]
    fn wait<'a>(&self, cv: &Condvar, guard: MutexGuard<'a, State<T>>) -> MutexGuard<'a, State<T>> {
        cv.wait(guard).unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `value` (the receiver is alive and there is room), waking a sleeping receiver.
    /// Answers its ticket.
    #[track_caller]
    fn push(&self, state: &mut State<T>, value: T) -> u64 {
        let ticket = state.queued;
        state.queued += 1;
        state.queue.push_back((ticket, value));
        // The receiver sets the flag again before each wait, so clearing it here only saves
        // later senders a redundant notification.
        if std::mem::take(&mut state.receiver_sleeping) {
            self.receiver_cv.notify_one();
        }
        ticket
    }

    /// Blocking send, for every kind of channel.
    #[track_caller]
    fn send(&self, value: T) -> Result<(), SendError<T>> {
        let mut state = self.lock();
        if let Some(capacity) = self.capacity.filter(|&c| c > 0) {
            while state.receiver_alive && state.queue.len() >= capacity {
                state.senders_sleeping += 1;
                state = self.wait(&self.sender_cv, state);
                state.senders_sleeping -= 1;
            }
        }
        if !state.receiver_alive {
            return Err(SendError(value));
        }
        let ticket = self.push(&mut state, value);
        if self.capacity == Some(0) {
            // Rendezvous: wait until the receiver took this value, or take it back.
            while state.received <= ticket {
                if !state.receiver_alive {
                    let at = state.queue.iter().position(|(t, _)| *t == ticket);
                    if let Some((_, value)) = at.and_then(|i| state.queue.remove(i)) {
                        return Err(SendError(value));
                    }
                }
                state.senders_sleeping += 1;
                state = self.wait(&self.sender_cv, state);
                state.senders_sleeping -= 1;
            }
        }
        Ok(())
    }

    /// Non-blocking send for bounded channels.
    #[track_caller]
    fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let mut state = self.lock();
        if !state.receiver_alive {
            return Err(TrySendError::Disconnected(value));
        }
        let room = match self.capacity {
            None => true,
            // A rendezvous succeeds only with a receiver already waiting for a value.
            Some(0) => state.receiver_sleeping && state.queue.is_empty(),
            Some(capacity) => state.queue.len() < capacity,
        };
        if !room {
            return Err(TrySendError::Full(value));
        }
        self.push(&mut state, value);
        Ok(())
    }

    /// Takes the next value, waking senders that wait for room or pickup.
    #[track_caller]
    fn pop(&self, state: &mut State<T>) -> Option<T> {
        let (_, value) = state.queue.pop_front()?;
        state.received += 1;
        if state.senders_sleeping > 0 {
            self.sender_cv.notify_all();
        }
        Some(value)
    }

    fn disconnected(&self) -> bool {
        self.senders.load(Ordering::Relaxed) == 0
    }
}

/// Creates an unbounded channel: `send` never blocks.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let chan = Channel::new(None);
    (
        Sender { chan: chan.clone() },
        Receiver {
            chan,
            not_sync: PhantomData,
        },
    )
}

/// Creates a channel holding at most `bound` values: `send` blocks while it is full, and with
/// `bound` 0 until the receiver took the value.
pub fn sync_channel<T>(bound: usize) -> (SyncSender<T>, Receiver<T>) {
    let chan = Channel::new(Some(bound));
    (
        SyncSender { chan: chan.clone() },
        Receiver {
            chan,
            not_sync: PhantomData,
        },
    )
}

/// The sending end of a [`channel`]; clone it for more producers.
pub struct Sender<T> {
    chan: Arc<Channel<T>>,
}

/// The sending end of a [`sync_channel`]; clone it for more producers.
pub struct SyncSender<T> {
    chan: Arc<Channel<T>>,
}

/// The receiving end of a channel.
pub struct Receiver<T> {
    chan: Arc<Channel<T>>,
    /// As in std, a receiver can move between threads but not be shared.
    not_sync: PhantomData<std::cell::Cell<()>>,
}

impl<T> Sender<T> {
    /// Queues `value`; fails (answering it back) if the receiver is gone.
    #[track_caller]
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.chan.send(value)
    }
}

impl<T> SyncSender<T> {
    /// Queues `value`, waiting for room (for capacity 0: until the receiver took it); fails
    /// (answering it back) if the receiver is gone.
    #[track_caller]
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.chan.send(value)
    }

    /// Queues `value` if there is room now (for capacity 0: if the receiver is waiting).
    #[track_caller]
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.chan.try_send(value)
    }
}

/// Drops one sender handle: the last one disconnects the channel and wakes the receiver.
#[track_caller]
fn drop_sender<T>(chan: &Channel<T>) {
    let mut state = chan.lock();
    if chan.senders.fetch_sub(1, Ordering::Relaxed) == 1
        && std::mem::take(&mut state.receiver_sleeping)
    {
        chan.receiver_cv.notify_one();
    }
    drop(state);
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.chan.senders.fetch_add(1, Ordering::Relaxed);
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Clone for SyncSender<T> {
    fn clone(&self) -> SyncSender<T> {
        self.chan.senders.fetch_add(1, Ordering::Relaxed);
        SyncSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    #[track_caller]
    fn drop(&mut self) {
        drop_sender(&self.chan);
    }
}

impl<T> Drop for SyncSender<T> {
    #[track_caller]
    fn drop(&mut self) {
        drop_sender(&self.chan);
    }
}

impl<T> Receiver<T> {
    /// Takes the next value, waiting for one; fails once every sender is gone and the queue is
    /// empty.
    #[track_caller]
    pub fn recv(&self) -> Result<T, RecvError> {
        let chan = &*self.chan;
        let mut state = chan.lock();
        loop {
            if let Some(value) = chan.pop(&mut state) {
                return Ok(value);
            }
            if chan.disconnected() {
                return Err(RecvError);
            }
            state.receiver_sleeping = true;
            state = chan.wait(&chan.receiver_cv, state);
            state.receiver_sleeping = false;
        }
    }

    /// Takes the next value if there is one.
    #[track_caller]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        let chan = &*self.chan;
        let mut state = chan.lock();
        match chan.pop(&mut state) {
            Some(value) => Ok(value),
            None if chan.disconnected() => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Like [`Receiver::recv`], but gives up with [`RecvTimeoutError::Timeout`] when a wait ends
    /// without a notification (time does not pass in a model).
    #[track_caller]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        let chan = &*self.chan;
        let mut state = chan.lock();
        loop {
            if let Some(value) = chan.pop(&mut state) {
                return Ok(value);
            }
            if chan.disconnected() {
                return Err(RecvTimeoutError::Disconnected);
            }
            state.receiver_sleeping = true;
            let (next, waited) = chan
                .receiver_cv
                .wait_timeout(state, timeout)
                .unwrap_or_else(PoisonError::into_inner);
            state = next;
            state.receiver_sleeping = false;
            if waited.timed_out() && state.queue.is_empty() && !chan.disconnected() {
                return Err(RecvTimeoutError::Timeout);
            }
        }
    }

    /// Iterates over received values, waiting for each; ends once the channel is disconnected.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { rx: self }
    }

    /// Iterates over the values already queued, without waiting.
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { rx: self }
    }
}

impl<T> Drop for Receiver<T> {
    #[track_caller]
    fn drop(&mut self) {
        let chan = &*self.chan;
        let mut state = chan.lock();
        state.receiver_alive = false;
        // As in std, queued values are dropped with the receiver; a rendezvous sender still
        // waiting takes its value back instead.
        let discarded: VecDeque<(u64, T)> = if chan.capacity == Some(0) {
            VecDeque::new()
        } else {
            std::mem::take(&mut state.queue)
        };
        if state.senders_sleeping > 0 {
            chan.sender_cv.notify_all();
        }
        drop(state);
        drop(discarded);
    }
}

/// Blocking iterator over a [`Receiver`]'s values; see [`Receiver::iter`].
pub struct Iter<'a, T> {
    rx: &'a Receiver<T>,
}

/// Non-blocking iterator over a [`Receiver`]'s queued values; see [`Receiver::try_iter`].
pub struct TryIter<'a, T> {
    rx: &'a Receiver<T>,
}

/// Blocking iterator that owns a [`Receiver`]; see `Receiver::into_iter`.
pub struct IntoIter<T> {
    rx: Receiver<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;
    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;
    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.rx.try_recv().ok()
    }
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;
    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;
    fn into_iter(self) -> IntoIter<T> {
        IntoIter { rx: self }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for SyncSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncSender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for TryIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryIter").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for IntoIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter").finish_non_exhaustive()
    }
}
