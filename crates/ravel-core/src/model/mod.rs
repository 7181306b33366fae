//! Memory models: which execution graphs are consistent. The explorer proposes reads-from and
//! coherence choices; a model only accepts or rejects whole graphs, so weak models (x86-TSO, RC11)
//! plug in here without touching exploration.

mod all_sc;
mod rc11;
mod relation;
mod sc;
mod tso;
mod views;
mod x86_locked;

pub use rc11::Rc11;
pub use sc::SequentialConsistency;
pub use tso::Tso;
pub use x86_locked::X86Locked;

use crate::graph::{EventId, ExecutionGraph};

/// Decides whether an execution graph is allowed.
pub trait MemoryModel: std::fmt::Debug + Send + Sync {
    /// A short name for reports (`sc`, `tso`, `rc11`).
    fn name(&self) -> &'static str;
    /// Whether `graph` is consistent. Read-modify-write atomicity is checked by the explorer, not
    /// here.
    fn is_consistent(&self, graph: &ExecutionGraph) -> bool;
    /// [`MemoryModel::is_consistent`] for a graph that is consistent without `event`: `event`
    /// is the last event of its thread, nothing reads from it, and the graph without it is
    /// consistent (it was just added, or given another choice). Models may check only what
    /// `event` can break; the answer is the same.
    fn is_consistent_with(&self, graph: &ExecutionGraph, event: EventId) -> bool {
        let _ = event;
        self.is_consistent(graph)
    }
    /// Whether a read can never read a write that is coherence-before another write in the
    /// read's porf-prefix. True for SC and x86-TSO, false for RC11 (relaxed reads-from does not
    /// order). The explorer uses it to skip hopeless candidates before the full check.
    fn reads_respect_porf(&self) -> bool {
        false
    }
    /// Whether every consistent graph is an interleaving (`po ∪ rf ∪ co ∪ fr` acyclic), so
    /// re-execution can follow one and reports show a real order of steps.
    fn is_interleaving(&self) -> bool {
        false
    }
    /// Whether a read-modify-write is one of herd7's x86 locked instructions (`XCHG`,
    /// `LOCK ADD/INC/DEC/XOR`): the explorer performs its write half first and its read half as
    /// a [`ReadKind::RmwAfterWrite`], which the model leaves unordered with the write
    /// ([`X86Locked`]). False for every model Rust programs use: their read-modify-writes are
    /// atomic.
    ///
    /// [`ReadKind::RmwAfterWrite`]: crate::graph::ReadKind::RmwAfterWrite
    fn exchanges_write_first(&self) -> bool {
        false
    }
    /// Whether stores wait in per-thread FIFO store buffers (x86-TSO): reports of races then
    /// say whether the reader may still hold an earlier store of its own
    /// ([`crate::detect::label_cell_race`]).
    fn has_store_buffers(&self) -> bool {
        false
    }
}

/// The memory models a user can choose.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum MemoryModelKind {
    /// Sequential consistency: every execution is an interleaving.
    #[default]
    Sc,
    /// x86-TSO (herd7's `x86tso.cat`): stores may be delayed past later loads of other
    /// locations; `SeqCst` stores and read-modify-writes act as fences.
    Tso,
    /// Repaired C11 (Lahav et al., PLDI 2017; herd7's `rc11.cat`): the C/C++/Rust atomics model
    /// with relaxed, release/acquire and SC orderings.
    Rc11,
}

impl MemoryModelKind {
    /// The model object.
    pub fn model(self) -> &'static dyn MemoryModel {
        match self {
            MemoryModelKind::Sc => &SequentialConsistency,
            MemoryModelKind::Tso => &Tso,
            MemoryModelKind::Rc11 => &Rc11,
        }
    }
}
