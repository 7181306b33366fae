//! Depth-first enumeration of interleavings, optionally bounded by the number of preemptions
//! (CHESS's iterative context bounding, Musuvathi and Qadeer, PLDI 2007). Reads read the latest
//! write and writes go last in coherence order, exactly as on a sequentially consistent machine.
//!
//! This is the naive enumerator the optimal explorer is tested against, and the exhaustive mode
//! used when a preemption bound is set. Under a weak memory model a read may also read an older
//! write, so every consistent reads-from and coherence choice is enumerated as well.

use super::scheduler::Scheduler;
use crate::event::ThreadId;

/// Stateless DFS over thread choices: the path of (chosen, options) is replayed and advanced
/// like an odometer.
#[derive(Debug, Default)]
pub(crate) struct InterleavingScheduler {
    bound: Option<u32>,
    path: Vec<(usize, usize)>,
    pos: usize,
    preemptions: u32,
    started: bool,
    /// Enumerate every consistent read and write choice, not only the latest (weak models).
    all_options: bool,
}

impl InterleavingScheduler {
    pub(crate) fn new(bound: Option<u32>, all_options: bool) -> InterleavingScheduler {
        InterleavingScheduler {
            bound,
            all_options,
            ..InterleavingScheduler::default()
        }
    }

    /// The next choice among `n` at this point of the path.
    fn choose(&mut self, n: usize) -> usize {
        let idx = if self.pos < self.path.len() {
            self.path[self.pos].0.min(n - 1)
        } else {
            self.path.push((0, n));
            0
        };
        self.pos += 1;
        idx
    }
}

impl Scheduler for InterleavingScheduler {
    fn begin_execution(&mut self) -> bool {
        self.pos = 0;
        self.preemptions = 0;
        if !self.started {
            self.started = true;
            return true;
        }
        while let Some(last) = self.path.last_mut() {
            if last.0 + 1 < last.1 {
                last.0 += 1;
                return true;
            }
            self.path.pop();
        }
        false
    }

    fn pick_thread(&mut self, enabled: &[ThreadId], current: Option<ThreadId>) -> ThreadId {
        let cur = current.filter(|c| enabled.contains(c));
        let mut options: Vec<ThreadId> = Vec::with_capacity(enabled.len());
        options.extend(cur);
        let bounded = self.bound.is_some_and(|b| self.preemptions >= b);
        if cur.is_none() || !bounded {
            options.extend(enabled.iter().copied().filter(|&t| Some(t) != cur));
        }
        let idx = self.choose(options.len());
        let pick = options[idx];
        if cur.is_some_and(|c| c != pick) {
            self.preemptions += 1;
        }
        pick
    }

    fn pick_option(&mut self, n: usize) -> usize {
        if self.all_options {
            // Latest first, like the interleaving itself would.
            n - 1 - self.choose(n)
        } else {
            n - 1
        }
    }

    fn latest_only(&self) -> bool {
        !self.all_options
    }
}
