//! The acceptance gallery: the seeds' concurrency examples as ravel models.
//!
//! Each [`Entry`] translates one example from the seed documents (`/work/shared/seeds/`) into
//! idiomatic Rust that keeps the original's shape, in two versions: a **buggy** model that ravel
//! must catch with the stated finding, and a **fixed** model that ravel must verify, with no
//! finding, by exhaustive exploration. The contract is `design/gallery.md`.
//!
//! Java maps onto Rust as the gallery brief says: `synchronized` is a [`ravel::sync::Mutex`],
//! `volatile` a `SeqCst` atomic, a plain field a [`ravel::cell::UnsafeCell`] (or a `Relaxed`
//! atomic where the seed shows a racy-but-defined access), a static initialiser a lazily
//! initialised value.
//!
//! ```
//! let entry = ravel_gallery::find("1").unwrap();
//! let run = ravel_gallery::run_buggy(entry);
//! assert_eq!(run.findings[0].kind(), ravel::FindingKind::Panic);
//! ```

mod entry;
mod registry;
mod run;
mod stress;

pub mod entries;

pub use entry::{Budget, BugClass, Entry, Expect, ModelNeed, Side, Status};
pub use registry::{entries, find};
pub use run::{
    judge_buggy, judge_fixed, judged_finding, run_buggy, run_fixed, EntryRun, Failure, Miss,
};
pub use stress::{not_stressable, stress_entry, StressRow};
