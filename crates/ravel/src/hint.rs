//! Hints to the scheduler.

use crate::rt::perform;
use ravel_core::event::{Op, SourceSpan};

/// Marks one iteration of a spin loop. ravel deschedules a thread whose iteration changed
/// nothing until another thread writes what it reads, so spin loops terminate and a loop that
/// waits for a write that never comes is reported as a livelock.
#[track_caller]
pub fn spin_loop() {
    perform(Op::Yield, SourceSpan::caller());
}
