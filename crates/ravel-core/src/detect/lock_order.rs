//! Lock-order inversion: a potential deadlock inferred from the order in which threads nest
//! mutex acquisitions, over every execution explored, even when none of them deadlocked.
//!
//! Following lockdep (Molnar, Linux 2.6.18, 2006) and ThreadSanitizer's deadlock detector: a
//! thread that acquires mutex B while holding A adds the edge A → B to a lock-order graph; a
//! cycle whose edges come from more than one thread is a potential deadlock. Locks are named by
//! their *class*, the place where they were constructed (lockdep's lock classes), because the
//! engine numbers objects per execution and a number does not identify the same object in
//! another execution.
//!
//! Deviations:
//! - Two edges that were taken while holding a common third lock (a gate lock) do not form a
//!   cycle: the gate keeps the two nestings apart, as in ThreadSanitizer.
//! - Locks of one class nested in each other (two accounts built by the same constructor) are
//!   compared by instance within one execution only, where numbers are meaningful: both orders
//!   must show up in the same execution.
//! - `try_lock` never waits, so it adds no edge into the lock it takes (it still counts as held).
//! - The finding is a suspicion: the driver reports it only when the exploration neither found a
//!   real deadlock nor covered every execution (an unbounded exhaustive search that finds no
//!   deadlock proves that the cycle cannot close).

use super::{Access, Finding, FindingKind};
use crate::event::{loc_name, Loc, Op, OpResult, SourceSpan, ThreadId};
use crate::explore::TraceStep;
use rustc_hash::FxHashMap;

/// What a lock is called across executions: its construction site, or its number when the
/// producer cannot tell.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum LockClass {
    /// Built at this place.
    Site(SourceSpan),
    /// Only known by its number in one execution.
    Number(Loc),
}

/// One nesting: `thread` acquired `to` at `acquired_at` while holding `from`, which it had
/// acquired at `held_at`, and `gates` (other locks it held).
#[derive(Clone, Debug)]
struct Nesting {
    thread: ThreadId,
    from_name: String,
    to_name: String,
    held_at: SourceSpan,
    acquired_at: SourceSpan,
    gates: Vec<LockClass>,
}

/// The lock-order graph of one exploration.
#[derive(Debug, Default)]
pub struct LockOrder {
    /// The first nesting seen per ordered pair of classes.
    edges: FxHashMap<(LockClass, LockClass), Nesting>,
    /// Cycles already reported, by their class pairs.
    reported: Vec<(LockClass, LockClass)>,
    /// Per thread, the locks it holds in the execution being read: number, class, where taken.
    held: Vec<Vec<(Loc, LockClass, SourceSpan)>>,
    /// Per thread, how many locks it holds (scratch for [`nests_locks`]).
    depth: Vec<u32>,
}

/// Whether some thread of `trace` waits for a lock while it holds one: only such an
/// acquisition adds an edge to the lock graph.
fn nests_locks(trace: &[TraceStep], depth: &mut Vec<u32>) -> bool {
    depth.clear();
    for step in trace {
        let t = step.thread.index();
        if depth.len() <= t {
            depth.resize(t + 1, 0);
        }
        match (step.op, step.result) {
            (Op::Lock(_), _) if depth[t] > 0 => return true,
            (Op::Lock(_), _) | (Op::TryLock(_), OpResult::Bool(true)) => depth[t] += 1,
            (Op::Unlock(_), _) | (Op::CondWait { .. }, _) => {
                depth[t] = depth[t].saturating_sub(1);
            }
            _ => {}
        }
    }
    false
}

impl LockOrder {
    /// A graph with no edges.
    pub fn new() -> LockOrder {
        LockOrder::default()
    }

    /// Reads the lock operations of one complete execution; answers a potential deadlock the
    /// first time a cycle closes. `class_of` names a lock number of this execution.
    pub fn observe(
        &mut self,
        trace: &[TraceStep],
        class_of: &dyn Fn(Loc) -> Option<SourceSpan>,
    ) -> Option<Finding> {
        if !nests_locks(trace, &mut self.depth) {
            // No acquisition while holding a lock: no edge to add (the common case, and the
            // pass below names every lock it meets).
            return None;
        }
        for held in &mut self.held {
            held.clear();
        }
        let class = |l: Loc| class_of(l).map_or(LockClass::Number(l), LockClass::Site);
        // Same-class nestings of this execution, by instance.
        let mut instance_edges: Vec<(Loc, Loc, Nesting)> = Vec::new();
        let mut found = None;
        for step in trace {
            let t = step.thread.index();
            if self.held.len() <= t {
                self.held.resize_with(t + 1, Vec::new);
            }
            let (lock, waits) = match (step.op, step.result) {
                (Op::Lock(l), _) => (l, true),
                (Op::TryLock(l), OpResult::Bool(true)) => (l, false),
                (Op::Unlock(l), _) | (Op::CondWait { mutex: l, .. }, _) => {
                    self.held[t].retain(|&(h, _, _)| h != l);
                    continue;
                }
                _ => continue,
            };
            let to = class(lock);
            if waits {
                let held = std::mem::take(&mut self.held[t]);
                for (i, &(from_loc, from, held_at)) in held.iter().enumerate() {
                    let gates = held
                        .iter()
                        .enumerate()
                        .filter(|&(j, _)| j != i)
                        .map(|(_, &(_, c, _))| c)
                        .collect();
                    let nesting = Nesting {
                        thread: step.thread,
                        from_name: loc_name(from_loc),
                        to_name: loc_name(lock),
                        held_at,
                        acquired_at: step.span,
                        gates,
                    };
                    if from == to {
                        instance_edges.push((from_loc, lock, nesting));
                    } else if let std::collections::hash_map::Entry::Vacant(slot) =
                        self.edges.entry((from, to))
                    {
                        slot.insert(nesting);
                        if found.is_none() {
                            found = self.cycle_through(from, to);
                        }
                    }
                }
                self.held[t] = held;
            }
            self.held[t].push((lock, to, step.span));
        }
        if found.is_none() {
            found = same_class_inversion(&instance_edges);
        }
        found
    }

    /// A cycle closed by the new edge `from → to`: a path back from `to` to `from`.
    fn cycle_through(&mut self, from: LockClass, to: LockClass) -> Option<Finding> {
        let path = self.path(to, from)?;
        let mut cycle = vec![&self.edges[&(from, to)]];
        cycle.extend(path.windows(2).map(|w| &self.edges[&(w[0], w[1])]));
        let threads_differ = cycle.iter().any(|n| n.thread != cycle[0].thread);
        let gated = cycle.iter().enumerate().any(|(i, a)| {
            cycle[i + 1..]
                .iter()
                .any(|b| a.gates.iter().any(|g| b.gates.contains(g)))
        });
        if !threads_differ || gated || self.reported.contains(&(from, to)) {
            return None;
        }
        self.reported.push((from, to));
        Some(finding(&cycle))
    }

    /// A path of edges from `start` to `goal`, as the classes visited.
    fn path(&self, start: LockClass, goal: LockClass) -> Option<Vec<LockClass>> {
        let mut stack = vec![vec![start]];
        let mut seen = vec![start];
        while let Some(path) = stack.pop() {
            let last = *path.last().expect("paths are not empty");
            if last == goal {
                return Some(path);
            }
            for &(a, b) in self.edges.keys() {
                if a == last && !seen.contains(&b) {
                    seen.push(b);
                    let mut next = path.clone();
                    next.push(b);
                    stack.push(next);
                }
            }
        }
        None
    }
}

/// Within one execution, two threads nesting two locks of one class in opposite orders.
fn same_class_inversion(edges: &[(Loc, Loc, Nesting)]) -> Option<Finding> {
    edges.iter().enumerate().find_map(|(i, (a, b, first))| {
        edges[i + 1..].iter().find_map(|(c, d, second)| {
            let opposite = a == d && b == c && first.thread != second.thread;
            let gated = first.gates.iter().any(|g| second.gates.contains(g));
            (opposite && !gated).then(|| finding(&[first, second]))
        })
    })
}

fn finding(cycle: &[&Nesting]) -> Finding {
    let mut sides = Vec::new();
    for n in cycle {
        sides.push(Access {
            thread: n.thread,
            thread_name: None,
            operation: format!("locks mutex {}", n.from_name),
            span: Some(n.held_at),
        });
        sides.push(Access {
            thread: n.thread,
            thread_name: None,
            operation: format!("then locks mutex {} while holding it", n.to_name),
            span: Some(n.acquired_at),
        });
    }
    let order: Vec<String> = cycle
        .iter()
        .map(|n| format!("{} → {}", n.from_name, n.to_name))
        .collect();
    Finding {
        kind: FindingKind::PotentialDeadlock,
        summary: format!(
            "threads take mutexes in opposite orders ({}): run at the wrong moment, each waits \
             for the other",
            order.join(", ")
        ),
        sides,
        details: vec![
            "no explored execution deadlocked; the orders come from different executions, or \
             from one where the threads did not overlap"
                .to_string(),
            "mutex numbers name the objects in the execution where each order was seen".to_string(),
        ],
        hint: Some(
            "take the mutexes in one global order everywhere, or merge them into one".to_string(),
        ),
    }
}
