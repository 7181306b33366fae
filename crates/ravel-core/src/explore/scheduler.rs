//! The interface of sampling strategies. A scheduler is blind: it sees choice points (which
//! threads may run, how many options a read or write has), never memory.

use crate::event::ThreadId;

/// Resolves choice points for one execution at a time.
pub trait Scheduler: std::fmt::Debug {
    /// A new execution starts; answers false when the strategy has nothing more to explore.
    fn begin_execution(&mut self) -> bool;
    /// Picks the next thread among `enabled` (never empty). `current` ran the previous step.
    fn pick_thread(&mut self, enabled: &[ThreadId], current: Option<ThreadId>) -> ThreadId;
    /// Picks one of `n` options (n ≥ 1) for a read or a write. The last option is the
    /// "latest" one (the co-maximal write, or the co-last placement), i.e. what an interleaving
    /// would do.
    fn pick_option(&mut self, n: usize) -> usize;
    /// Whether this scheduler always takes the latest option, so the engine need not compute
    /// the others.
    fn latest_only(&self) -> bool {
        false
    }
    /// Whether the engine should stop adding choices from this scheduler because it replays a
    /// recorded execution exactly (replay tokens index all sources, not only consistent ones).
    fn replays_token(&self) -> bool {
        false
    }
    /// For token replay: the recorded data choice, or `None` when the token is exhausted.
    fn next_recorded(&mut self) -> Option<u32> {
        None
    }
}

/// A small, fast, seedable generator (SplitMix64); the core stays dependency-light and
/// deterministic.
#[derive(Clone, Debug)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n ≥ 1), by multiplying and keeping the high word (Lemire's method)
    /// rather than by a division, which sampling paid at every step and every read. The bias is
    /// below n/2^64.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}
