//! ravel: a concurrency bug accelerator.
//!
//! Write a test against `ravel::thread`, `ravel::sync` and `ravel::cell` (shaped like `std` and
//! loom), wrap it in [`model()`], and ravel explores every way its threads can interleave and
//! every value its reads may see, once per equivalence class. Lost updates, deadlocks, data races,
//! panics and livelocks come back as reports with the interleaving and a replay token.
//!
//! ```
//! use ravel::sync::atomic::{AtomicUsize, Ordering};
//! use ravel::sync::Arc;
//! use ravel::thread;
//!
//! ravel::model(|| {
//!     let n = Arc::new(AtomicUsize::new(0));
//!     let n2 = n.clone();
//!     let t = thread::spawn(move || n2.fetch_add(1, Ordering::SeqCst));
//!     n.fetch_add(1, Ordering::SeqCst);
//!     t.join().unwrap();
//!     assert_eq!(n.load(Ordering::SeqCst), 2);
//! });
//! ```

mod builder;
pub mod cell;
mod compiler_effects;
pub mod hint;
mod loom_compat;
mod outcome;
mod rt;
pub mod shard_output;
pub mod stress;
pub mod sync;
pub mod thread;

pub use builder::{model, Builder};
pub use loom_compat::model;
pub use outcome::{Finding, Outcome};
pub use ravel_core::detect::{BenignClass, FindingKind};
pub use ravel_core::explore::{Shard, Strategy};
pub use ravel_core::model::MemoryModelKind as MemoryModel;
pub use ravel_core::report::Report;
