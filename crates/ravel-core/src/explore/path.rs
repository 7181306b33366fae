//! Where an execution sits in the sequential exploration order, so parallel workers can agree on
//! which finding one worker would have reported first.
//!
//! TruSt's work list makes the exploration a depth-first walk of a tree: an execution's children
//! are the alternatives pushed while it ran (or while its alternative was applied), and they are
//! taken last-pushed-first. An execution is therefore named by the push indices on its path from
//! the first execution, and two names compare like the walk visits them: a parent before its
//! children, and among siblings the higher push index first.

use std::cmp::Ordering;
use std::sync::Arc;

/// One execution's place in the exploration tree (shared by the alternatives it pushed).
#[derive(Debug)]
pub(crate) struct PathNode {
    parent: Option<Arc<PathNode>>,
    /// The push index of the alternative that led here, among its siblings.
    index: u32,
    depth: u32,
}

impl PathNode {
    /// The first execution.
    pub(crate) fn root() -> Arc<PathNode> {
        Arc::new(PathNode {
            parent: None,
            index: 0,
            depth: 0,
        })
    }

    /// The execution reached through the alternative pushed `index`-th under `parent`.
    pub(crate) fn child(parent: &Arc<PathNode>, index: u32) -> Arc<PathNode> {
        Arc::new(PathNode {
            parent: Some(parent.clone()),
            index,
            depth: parent.depth + 1,
        })
    }

    /// The push indices from the root (excluded) down to this node.
    fn indices(&self) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.depth as usize);
        let mut node = Some(self);
        while let Some(n) = node {
            if n.parent.is_some() {
                out.push(n.index);
            }
            node = n.parent.as_deref();
        }
        out.reverse();
        out
    }
}

/// The name of a pending alternative: its parent execution and its push index there.
#[derive(Clone, Debug)]
pub(crate) struct ItemKey {
    pub(crate) parent: Arc<PathNode>,
    pub(crate) index: u32,
}

impl ItemKey {
    /// The node of the execution this alternative leads to.
    pub(crate) fn node(&self) -> Arc<PathNode> {
        PathNode::child(&self.parent, self.index)
    }
}

/// A totally ordered name of an execution in sequential exploration order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutionKey(Vec<u32>);

impl ExecutionKey {
    pub(crate) fn of(node: &PathNode) -> ExecutionKey {
        ExecutionKey(node.indices())
    }
}

impl Ord for ExecutionKey {
    fn cmp(&self, other: &ExecutionKey) -> Ordering {
        for (a, b) in self.0.iter().zip(&other.0) {
            if a != b {
                // Last pushed, first explored.
                return b.cmp(a);
            }
        }
        self.0.len().cmp(&other.0.len())
    }
}

impl PartialOrd for ExecutionKey {
    fn partial_cmp(&self, other: &ExecutionKey) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_come_first_and_later_pushes_come_before_earlier_ones() {
        let root = PathNode::root();
        let a = PathNode::child(&root, 0);
        let b = PathNode::child(&root, 1);
        let b0 = PathNode::child(&b, 0);
        let keys: Vec<ExecutionKey> = [&root, &b, &b0, &a]
            .iter()
            .map(|n| ExecutionKey::of(n))
            .collect();
        for pair in keys.windows(2) {
            assert!(
                pair[0] < pair[1],
                "{:?} should come before {:?}",
                pair[0],
                pair[1]
            );
        }
    }
}
