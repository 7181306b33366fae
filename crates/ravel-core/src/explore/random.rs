//! Random scheduling: each step runs a uniformly chosen enabled thread, each read reads from a
//! uniformly chosen consistent write. An optional preemption bound limits how often a runnable
//! thread is switched away from.

use super::scheduler::{Scheduler, SplitMix64};
use crate::event::ThreadId;

/// Seeded random scheduling.
#[derive(Debug)]
pub(crate) struct RandomScheduler {
    rng: SplitMix64,
    preemption_bound: Option<u32>,
    preemptions: u32,
}

impl RandomScheduler {
    pub(crate) fn new(seed: u64, preemption_bound: Option<u32>) -> RandomScheduler {
        RandomScheduler {
            rng: SplitMix64::new(seed),
            preemption_bound,
            preemptions: 0,
        }
    }
}

impl Scheduler for RandomScheduler {
    fn begin_execution(&mut self) -> bool {
        self.preemptions = 0;
        true
    }

    fn pick_thread(&mut self, enabled: &[ThreadId], current: Option<ThreadId>) -> ThreadId {
        let can_preempt = self
            .preemption_bound
            .is_none_or(|bound| self.preemptions < bound);
        if let Some(cur) = current.filter(|c| enabled.contains(c)) {
            if !can_preempt {
                return cur;
            }
            let pick = enabled[self.rng.below(enabled.len())];
            if pick != cur {
                self.preemptions += 1;
            }
            return pick;
        }
        enabled[self.rng.below(enabled.len())]
    }

    fn pick_option(&mut self, n: usize) -> usize {
        self.rng.below(n)
    }
}
