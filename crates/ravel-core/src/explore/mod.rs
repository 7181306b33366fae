//! Exploration: running a [`Program`](crate::event::Program) again and again, resolving every
//! choice point (which thread runs, which write a read reads from, where a write goes in
//! coherence order) with a strategy.
//!
//! - [`Strategy::Exhaustive`] is optimal: TruSt (Kokologiannakis, Marmanis, Gladstein and Vafeiadis,
//!   POPL 2022) explores one execution graph per reads-from/coherence class.
//! - With a preemption bound, exhaustive search enumerates interleavings instead (CHESS-style
//!   iterative context bounding, Musuvathi and Qadeer, PLDI 2007), because a bound is a property
//!   of interleavings, not of graphs.
//! - [`Strategy::Random`] and [`Strategy::Pct`] sample; [`Strategy::Replay`] follows a token.

mod driver;
mod interleavings;
mod operations;
mod path;
mod pct;
mod pool;
mod random;
mod replay_token;
mod revisit;
mod run_state;
mod scheduler;
mod shard;
mod strategy;
mod stuck;

pub use driver::{explore, ExploreConfig, GraphObserver};
pub use path::ExecutionKey;
pub use pool::{ParallelExploration, WorkerOutcome};
pub use replay_token::{ReplayToken, TokenError};
pub use run_state::TraceStep;
pub use scheduler::Scheduler;
pub use shard::{Shard, ShardError};
pub use strategy::Strategy;
