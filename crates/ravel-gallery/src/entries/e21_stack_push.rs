//! Entry 21: `stack_push` with load, check, store instead of a CAS (seed 003, Dave's comment on
//! Bartosz Milewski's "Dealing with Benign Data Races the C++ Way").
//!
//! The original:
//! ```c
//! void stack_push(struct stack *stack, struct node *node) {
//!   struct node *old_top;
//!   while (1) {
//!     old_top = stack->top.load();
//!     node->next = old_top;
//!     if (stack->top.load() == old_top) { stack->top.store(node); break; }
//!   }
//! }
//! ```
//! Every access to `top` is atomic, so there is no data race, but the check and the store are
//! two steps: another push can land between them and be overwritten. As Anthony Williams
//! answers: "a race condition, as opposed to a data race". The fix is a compare-and-swap.
//!
//! Two threads push one node each; walking the stack afterwards must find both.

use super::SEED_003;
use crate::entry::{BugClass, Entry, Expect, ModelNeed, Side};
use ravel::cell::UnsafeCell;
use ravel::sync::atomic::{AtomicPtr, Ordering};
use ravel::sync::Arc;
use ravel::{thread, FindingKind};
use std::ptr;

/// The gallery entry.
pub const ENTRY: Entry = Entry {
    id: "21",
    slug: "e21_stack_push",
    title: "stack_push without CAS",
    seed: SEED_003,
    class: BugClass::Atomicity,
    model: ModelNeed::Rc11,
    expect: Expect::finding(
        FindingKind::Panic,
        "a push lands between another's check and store and is lost: the stack holds one node",
    ),
    buggy: Side::ready(buggy),
    fixed: Some(Side::ready(fixed)),
};

/// `struct node`.
#[derive(Debug)]
struct Node {
    next: UnsafeCell<Link>,
}

/// `struct node *`, as a plain field.
#[derive(Clone, Copy, Debug)]
struct Link(*mut Node);

// SAFETY: links point at the leaked, never-freed nodes below, valid from any thread.
unsafe impl Send for Link {}

/// `struct stack`.
#[derive(Debug)]
struct Stack {
    top: AtomicPtr<Node>,
}

impl Stack {
    /// The seed's push: load, check, store.
    fn push_check_then_store(&self, node: &Node) {
        let node_ptr = ptr::from_ref(node).cast_mut();
        loop {
            let old_top = self.top.load(Ordering::SeqCst);
            // SAFETY: the node is not yet published; ravel checks the plain write.
            node.next.with_mut(|p| unsafe { *p = Link(old_top) });
            if self.top.load(Ordering::SeqCst) == old_top {
                self.top.store(node_ptr, Ordering::SeqCst);
                break;
            }
        }
    }

    /// The fix: `compare_exchange`. Release on success publishes `node->next` with the node;
    /// the failure path only retries, so Relaxed.
    fn push(&self, node: &Node) {
        let node_ptr = ptr::from_ref(node).cast_mut();
        let mut old_top = self.top.load(Ordering::Relaxed);
        loop {
            // SAFETY: as above.
            node.next.with_mut(|p| unsafe { *p = Link(old_top) });
            match self
                .top
                .compare_exchange(old_top, node_ptr, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => break,
                Err(current) => old_top = current,
            }
        }
    }

    /// Counts the nodes reachable from `top`; callers have joined every pusher.
    fn len(&self) -> usize {
        let mut n = 0;
        let mut at = self.top.load(Ordering::Acquire);
        while !at.is_null() {
            n += 1;
            // SAFETY: `at` points at one of the leaked nodes, alive for the whole process.
            at = unsafe { (*at).next.with(|p| (*p).0) };
        }
        n
    }
}

std::thread_local! {
    /// `static struct node nodes[2]`: the pushed nodes, allocated once per exploring OS thread
    /// so that their addresses, which the stack stores, are the same in every execution. (ravel
    /// reports a heap address stored in an atomic as non-determinism when the allocator hands
    /// out a different one in the next execution; see entry 7.)
    static NODES: &'static [Node; 2] = Box::leak(Box::new([0, 1].map(|_| Node {
        next: UnsafeCell::new(Link(ptr::null_mut())),
    })));
}

fn run(push: fn(&Stack, &Node)) {
    let nodes: &'static [Node; 2] = NODES.with(|n| *n);
    let stack = Arc::new(Stack {
        top: AtomicPtr::new(ptr::null_mut()),
    });
    let pushers: Vec<_> = [0, 1]
        .into_iter()
        .map(|i| {
            let stack = stack.clone();
            thread::Builder::new()
                .name(format!("stack_push(node {i})"))
                .spawn(move || push(&stack, &nodes[i]))
                .unwrap()
        })
        .collect();
    for p in pushers {
        p.join().unwrap();
    }
    let n = stack.len();
    assert_eq!(
        n, 2,
        "lost push: the stack holds {n} node(s) after two pushes"
    );
}

/// Two pushes with load; check; store.
pub fn buggy() {
    run(Stack::push_check_then_store);
}

/// Two pushes with `compare_exchange`.
pub fn fixed() {
    run(Stack::push);
}
