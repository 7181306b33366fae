//! The runtime: model threads as coroutines on the test's own thread, and the bridge through which
//! the std-shaped facade asks the core engine to perform operations.

pub(crate) mod benign;
pub(crate) mod claim;
pub(crate) mod compiler_effects;
pub(crate) mod context;
pub(crate) mod object;
pub(crate) mod panics;
pub(crate) mod passthrough;
pub(crate) mod program;
pub(crate) mod progress;
pub(crate) mod stacks;
pub(crate) mod trap;
pub(crate) mod workers;

pub(crate) use context::perform;
pub(crate) use object::ObjectId;
