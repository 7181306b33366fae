//! ravel's pure core: events, execution graphs, memory models, optimal exploration, detectors and
//! reports. It does no I/O, reads no environment variables, starts no OS threads and has no
//! `unsafe`; given a seed it is deterministic. Producers (the Rust runtime, the litmus
//! interpreter) drive it through the [`Program`] trait.

#![forbid(unsafe_code)]

pub mod clock;
pub mod detect;
pub mod event;
pub mod explore;
pub mod graph;
pub mod loc_table;
pub mod model;
mod porf;
pub mod report;
mod thread_counts;
pub mod view;

pub use detect::{Finding, FindingKind};
pub use event::{Op, OpResult, Program, Request, SourceSpan, ThreadId};
pub use explore::{explore, ExploreConfig, ReplayToken, Strategy};
pub use model::MemoryModelKind;
pub use report::{Outcome, Report};
