//! The strategies a user can pick.

use super::replay_token::ReplayToken;

/// How choice points are resolved.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub enum Strategy {
    /// Every equivalence class exactly once (optimal, TruSt).
    #[default]
    Exhaustive,
    /// Uniformly random scheduling and reads-from choices, from a seed.
    Random {
        /// The seed; the same seed gives the same executions.
        seed: u64,
    },
    /// Probabilistic Concurrency Testing (Burckhardt, Kothari, Musuvathi and Nagarakatte,
    /// ASPLOS 2010): finds a bug of depth `depth` with probability at least 1/(n·k^(depth−1)) per
    /// execution, for n threads and k steps.
    Pct {
        /// The bug depth targeted.
        depth: u32,
        /// The seed.
        seed: u64,
    },
    /// Re-run exactly one execution recorded in a replay token.
    Replay(ReplayToken),
}
