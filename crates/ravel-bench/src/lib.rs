//! Benchmarks ravel against loom and shuttle on the same workloads.
//!
//! Each workload in [`workloads`] is written once, generically over the small [`shim::Tool`]
//! trait, which maps spawn/join, `Arc`, `Mutex` and `AtomicUsize` onto each checker's own types.
//! [`harness`] runs one workload under one checker and strategy and measures it; the
//! `ravel-bench` binary runs every cell in a child process of its own and renders the tables.

pub mod harness;
pub mod shim;
pub mod workloads;
