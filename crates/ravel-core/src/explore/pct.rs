//! PCT (Burckhardt, Kothari, Musuvathi and Nagarakatte, ASPLOS 2010). Threads get random distinct
//! priorities; the highest-priority enabled thread runs; at d−1 random steps the running thread's
//! priority drops below all others. Reads read the latest write, as in an interleaving.
//!
//! Deviation: the paper needs the number of steps k in advance; ravel uses the longest execution
//! seen so far (starting from 8, so short programs get useful change points at once).

use super::scheduler::{Scheduler, SplitMix64};
use crate::event::ThreadId;

/// PCT with depth `depth`.
#[derive(Debug)]
pub(crate) struct PctScheduler {
    rng: SplitMix64,
    depth: u32,
    priorities: Vec<u64>,
    change_points: Vec<u64>,
    step: u64,
    max_steps_seen: u64,
    next_low: u64,
}

impl PctScheduler {
    pub(crate) fn new(depth: u32, seed: u64) -> PctScheduler {
        PctScheduler {
            rng: SplitMix64::new(seed),
            depth: depth.max(1),
            priorities: Vec::new(),
            change_points: Vec::new(),
            step: 0,
            max_steps_seen: 8,
            next_low: 0,
        }
    }

    fn priority(&mut self, t: ThreadId) -> u64 {
        while self.priorities.len() <= t.index() {
            // Fresh threads get a random high priority, above every change-point priority.
            let p = u64::from(self.depth) + 1 + (self.rng.next_u64() >> 16);
            self.priorities.push(p);
        }
        self.priorities[t.index()]
    }
}

impl Scheduler for PctScheduler {
    fn begin_execution(&mut self) -> bool {
        self.max_steps_seen = self.max_steps_seen.max(self.step);
        self.step = 0;
        self.priorities.clear();
        self.change_points = (1..self.depth)
            .map(|_| 1 + self.rng.below(self.max_steps_seen as usize) as u64)
            .collect();
        self.next_low = u64::from(self.depth);
        true
    }

    fn pick_thread(&mut self, enabled: &[ThreadId], current: Option<ThreadId>) -> ThreadId {
        self.step += 1;
        if let Some(cur) = current {
            if self.change_points.contains(&self.step) {
                self.priority(cur);
                self.next_low = self.next_low.saturating_sub(1);
                self.priorities[cur.index()] = self.next_low;
            }
        }
        let mut best = enabled[0];
        let mut best_p = self.priority(best);
        for &t in &enabled[1..] {
            let p = self.priority(t);
            if p > best_p {
                best = t;
                best_p = p;
            }
        }
        best
    }

    fn pick_option(&mut self, n: usize) -> usize {
        n - 1
    }

    fn latest_only(&self) -> bool {
        true
    }
}
