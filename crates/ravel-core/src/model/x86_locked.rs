//! herd7's x86 locked instructions, for x86 litmus tests: a model that judges graphs as the
//! model it wraps (SC or x86-TSO) and asks the explorer to perform every exchange (`XCHG`) write
//! first, as two events program order does not order.
//!
//! Source: herd7 7.58. `X86Sem.ml` gives `XCHG` a read and a write of memory in one instruction
//! (intra-instruction causality orders nothing between them but forbids the read from reading
//! the write); herd's `po` relates events of different instructions only; `rmw` pairs the locked
//! read and write of one instruction. `x86tso.cat` and `sc.cat` then require uniproc
//! (`acyclic po-loc | rf | co | fr`), atomicity `empty rmw & (fre; coe)`, and `acyclic ghb`
//! (TSO: locked accesses act as fences) or `acyclic po | rf | co | fr` (SC). So the write of an
//! `XCHG` may go coherence-before the write its read reads (`XCHG+XCHG`: each thread reads the
//! other's value), which the atomic read-modify-write of Rust and C++ forbids.
//!
//! Why write first: given uniproc, the read of an exchange either reads the write just before
//! its own in coherence (an atomic exchange) or a write coherence-after its own. In the second
//! case the write that is read may depend, through other threads, on the exchange's write but
//! never on its read; TruSt builds graphs in `po ∪ rf` order, so the write must come first for
//! such graphs to be built at all. The read half ([`ReadKind::SwapAfterWrite`]) then picks the
//! write before its own or any later one; the models add herd's atomicity axiom and leave the
//! halves unordered.
//!
//! Deviations: `LOCK ADD`, `INC`, `DEC` and `XOR` stay atomic read-modify-writes (read first,
//! write placed right after what it read). Their written value depends on the read, so they
//! cannot be performed write first; herd also lets their write go coherence-before the write
//! they read, which ravel does not explore.
//!
//! [`ReadKind::SwapAfterWrite`]: crate::graph::ReadKind::SwapAfterWrite

use super::{MemoryModel, SequentialConsistency, Tso};
use crate::graph::{EventId, ExecutionGraph};

/// A model whose exchanges are herd7's x86 `XCHG` instructions (see the module documentation).
#[derive(Clone, Copy, Debug)]
pub struct X86Locked {
    inner: &'static dyn MemoryModel,
}

impl X86Locked {
    /// Sequential consistency with herd's x86 locked instructions (herd7 `-model sc.cat`).
    pub const SC: X86Locked = X86Locked {
        inner: &SequentialConsistency,
    };

    /// x86-TSO with herd's x86 locked instructions (herd7 `-model x86tso.cat`).
    pub const TSO: X86Locked = X86Locked { inner: &Tso };
}

impl MemoryModel for X86Locked {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn is_consistent(&self, graph: &ExecutionGraph) -> bool {
        self.inner.is_consistent(graph)
    }

    fn is_consistent_with(&self, graph: &ExecutionGraph, event: EventId) -> bool {
        self.inner.is_consistent_with(graph, event)
    }

    fn reads_respect_porf(&self) -> bool {
        self.inner.reads_respect_porf()
    }

    /// An exchange's read may come before its write in coherence-respecting order although the
    /// graph lists the write first, so graphs are not interleavings of their events.
    fn is_interleaving(&self) -> bool {
        false
    }

    fn exchanges_write_first(&self) -> bool {
        true
    }
}
