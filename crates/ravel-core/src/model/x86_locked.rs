//! herd7's x86 locked instructions, for x86 litmus tests: a model that judges graphs as the
//! model it wraps (SC or x86-TSO) and asks the explorer to perform every locked instruction
//! (`XCHG`, `LOCK ADD/INC/DEC/XOR`) write first, as two events program order does not order.
//!
//! Source: herd7 7.58. `X86Sem.ml` gives a locked instruction a read and a write of memory in
//! one instruction (intra-instruction causality orders nothing between them but forbids the read
//! from reading the write, and carries the read's value into the write for `ADD/INC/DEC/XOR`);
//! herd's `po` relates events of different instructions only; `rmw` pairs the locked read and
//! write of one instruction. `x86tso.cat` and `sc.cat` then require uniproc
//! (`acyclic po-loc | rf | co | fr`), atomicity `empty rmw & (fre; coe)`, and `acyclic ghb`
//! (TSO: locked accesses act as fences) or `acyclic po | rf | co | fr` (SC). So the write of a
//! locked instruction may go coherence-before the write its read reads (`XCHG+XCHG`: each
//! thread reads the other's value; a `LOCK INC` reading a store's 1 and writing 2 before it),
//! which the atomic read-modify-write of Rust and C++ forbids.
//!
//! Why write first: given uniproc, the read either reads the write just before its own in
//! coherence (atomic) or a write coherence-after its own. In the second case the write that is
//! read may depend, through other threads, on the instruction's write; TruSt builds graphs in
//! `po ∪ rf` order, so the write must come first for such graphs to be built at all. The read
//! half ([`ReadKind::RmwAfterWrite`]) then picks the write before its own or any later one; the
//! wrapped models leave the halves unordered, and this model adds herd's atomicity axiom (only
//! graphs it explores have such instructions, so only it pays for the check).
//!
//! Values: herd solves them from the data flow (`mem.ml`), and drops an execution whose
//! equations it cannot solve. The write half stores the update of what its read returns,
//! maintained whenever the read changes its source ([`ExecutionGraph::set_rf`]). Re-execution
//! runs such an instruction after its read's source; only a cycle through instructions performed
//! write first runs one earlier, its read returning the recorded value. A complete execution
//! counts only if every read returned its source's final value, every write half holds the
//! update of its read, and no chain of `ADD/INC/DEC/XOR`s reads its own write (an `INC` and a
//! `DEC` reading each other's write hold for any value; herd determines none); a replay that
//! diverges because a value changed drops the execution too.
//!
//! Deviations: a cycle of values through the program's registers (a load of a `LOCK ADD $0`'s
//! write stored back by `MOV`) whose recorded values happen to hold is kept, where herd's solver
//! leaves it undetermined. A program whose control flow depends on such a cyclic value may miss
//! executions (the recorded value decides which branch is re-executed).
//!
//! [`ReadKind::RmwAfterWrite`]: crate::graph::ReadKind::RmwAfterWrite
//! [`ExecutionGraph::set_rf`]: crate::graph::ExecutionGraph::set_rf

use super::relation::{exchanges_atomic, exchanges_atomic_at};
use super::{MemoryModel, SequentialConsistency, Tso};
use crate::graph::{EventId, ExecutionGraph, Label};

/// A model whose read-modify-writes are herd7's x86 locked instructions (see the module
/// documentation).
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
        exchanges_atomic(graph) && self.inner.is_consistent(graph)
    }

    fn is_consistent_with(&self, graph: &ExecutionGraph, event: EventId) -> bool {
        // Only the exchanges of the event's location can have lost atomicity: a new write
        // placed between an exchange's halves, or a new exchange read.
        let atomic = match graph.event(event).label {
            Label::Write(w) => exchanges_atomic_at(graph, w.loc),
            Label::Read(r) => exchanges_atomic_at(graph, r.loc),
            _ => true,
        };
        let answer = atomic && self.inner.is_consistent_with(graph, event);
        debug_assert_eq!(answer, self.is_consistent(graph), "{}", graph.fingerprint());
        answer
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

    fn has_store_buffers(&self) -> bool {
        self.inner.has_store_buffers()
    }
}
