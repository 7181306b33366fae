//! Why a final state is reachable (`ravel litmus --explain`).
//!
//! While a test is explored under its model, one execution graph is kept per
//! final state: an SC-consistent one if any graph of the state is
//! SC-consistent (then the state is "reachable under SC too", and a
//! topological order of that graph is one SC interleaving reaching it),
//! otherwise the first graph seen. A state none of whose graphs is
//! SC-consistent is explained with its witness graph: the events per thread
//! in program order, what each read reads from, coherence per location, and a
//! shortest cycle in `po ∪ rf ∪ co ∪ fr` (the relation SC requires to be
//! acyclic), plus one line on what the model relaxes to allow it.
//!
//! Everything is computed from [`ExecutionGraph`]'s public API, with ravel's
//! SC checker ([`MemoryModelKind::Sc`]) as the judge of "allowed under SC".
//!
//! Conventions and simplifications:
//! - The relation follows herd's `sc.cat`: `po` (here transitive, between any
//!   two memory accesses of a thread), `rf` (initial writes are not events,
//!   so a read of the initial value has no `rf` edge), `co` (transitive, the
//!   initial write first) and `fr = rf⁻¹;co` (a read of the initial value is
//!   `fr`-before every write to its location). Memory orders are ignored, as
//!   `sc.cat` ignores them on C tests.
//! - A read-modify-write (an x86 locked instruction, a C RMW or successful
//!   CAS) is its read and its write, marked `(rmw)`, joined by `po`, except
//!   an x86 `XCHG`: the engine performs it write first and, as herd, leaves
//!   its halves unordered (`ravel_core::model::X86Locked`), so no `po` edge
//!   joins them.
//! - Fences are listed with their thread's events but are not cycle nodes:
//!   under SC they only add `po`, which already links the accesses around them.
//! - Spawn, join, start and finish events (the engine's main thread) are left
//!   out; they cannot lie on a cycle.
//! - The cycle is a shortest one (fewest edges), starting at its event that
//!   comes first (litmus thread, then program order); the model note names
//!   the edges the model does not enforce, by a syntactic reading of the
//!   cycle, not by re-deriving the model's relations.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::rc::Rc;

use ravel_core::event::{FenceMode, Loc, ReadMode, ThreadId, WriteMode};
use ravel_core::graph::{EventId, ExecutionGraph, Label, ReadKind, Source};
use ravel_core::model::MemoryModelKind;

use crate::ast::{Arch, LitmusTest, Quantifier};
use crate::error::ParseError;
use crate::interpret::LitmusProgram;
use crate::run::{run_program, TestResult};

/// A relation of SC's `po ∪ rf ∪ co ∪ fr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Relation {
    /// Program order.
    Po,
    /// Reads-from.
    Rf,
    /// Coherence.
    Co,
    /// From-reads: a read is before every write coherence-after the one it reads.
    Fr,
}

impl Relation {
    /// `po`, `rf`, `co` or `fr`.
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Po => "po",
            Relation::Rf => "rf",
            Relation::Co => "co",
            Relation::Fr => "fr",
        }
    }
}

/// One edge of a cycle, with its events named as in the explanation
/// (`P0: W x=1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleEdge {
    /// The source event.
    pub from: String,
    /// The relation.
    pub relation: Relation,
    /// The target event.
    pub to: String,
}

/// An execution reaching a state SC cannot reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness {
    /// Per litmus thread (`P0`, ...), its events in program order, without
    /// the thread prefix (`W x=1`).
    pub threads: Vec<(String, Vec<String>)>,
    /// Every read and what it reads from (`init` or a write's name).
    pub rf: Vec<(String, String)>,
    /// Per written location, its writes in coherence order, `init` first.
    pub co: Vec<(String, Vec<String>)>,
    /// A cycle in `po ∪ rf ∪ co ∪ fr`; its last edge ends where the first
    /// begins. Empty only if none was found (which would be a checker bug).
    pub cycle: Vec<CycleEdge>,
    /// What the model allows that SC does not, in one line.
    pub note: String,
}

impl Witness {
    /// The cycle as one chain: `P0: W x=1 --po--> P0: R y=0 --fr--> ... --fr--> P0: W x=1`.
    pub fn cycle_text(&self) -> String {
        let Some(first) = self.cycle.first() else {
            return "(no cycle found)".to_string();
        };
        let mut s = first.from.clone();
        for e in &self.cycle {
            s.push_str(&format!(" --{}--> {}", e.relation.as_str(), e.to));
        }
        s
    }
}

/// Whether SC reaches a state, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScVerdict {
    /// Some execution reaching the state is SC-consistent; `interleaving` is
    /// one order of its memory accesses that SC allows.
    Allowed {
        /// Named events (`P0: W x=1`) in an order SC can run them.
        interleaving: Vec<String>,
    },
    /// No execution reaching the state is SC-consistent.
    Forbidden(Witness),
}

/// The explanation of one final state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The state's values, in [`TestResult::keys`] order.
    pub values: Vec<i64>,
    /// Whether the state satisfies the condition's predicate.
    pub satisfies: bool,
    /// SC's verdict.
    pub sc: ScVerdict,
}

/// A test's result with one explanation per final state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explained {
    /// The result, as [`crate::run_test`] computes it.
    pub result: TestResult,
    /// One per state of `result.states`; with a satisfied `exists`, the
    /// states satisfying the predicate come first.
    pub explanations: Vec<Explanation>,
}

impl Explained {
    /// How many states SC cannot reach.
    pub fn not_sc_count(&self) -> usize {
        self.explanations
            .iter()
            .filter(|e| matches!(e.sc, ScVerdict::Forbidden(_)))
            .count()
    }
}

/// What is kept per state while exploring.
struct Kept {
    satisfies: bool,
    /// An SC-consistent graph reaching the state, or the first graph.
    graph: ExecutionGraph,
    sc: bool,
}

/// Explores `test` under `model` like [`crate::run_test`] and explains every
/// final state (see the module documentation). Fails only where loading
/// fails.
pub fn explain_test(test: &LitmusTest, model: MemoryModelKind) -> Result<Explained, ParseError> {
    let program = LitmusProgram::new(test)?;
    let names: HashMap<Loc, String> = program
        .variables()
        .into_iter()
        .map(|(name, loc, _)| (loc, name))
        .collect();
    let kept: Rc<RefCell<BTreeMap<Vec<i64>, Kept>>> = Rc::default();
    let hook = {
        let kept = Rc::clone(&kept);
        let sc_model = MemoryModelKind::Sc.model();
        move |values: &[i64], satisfies: bool, graph: &ExecutionGraph| {
            let mut kept = kept.borrow_mut();
            match kept.get_mut(values) {
                Some(k) if k.sc => {}
                Some(k) => {
                    if sc_model.is_consistent(graph) {
                        k.graph = graph.clone();
                        k.sc = true;
                    }
                }
                None => {
                    let sc = model == MemoryModelKind::Sc || sc_model.is_consistent(graph);
                    kept.insert(
                        values.to_vec(),
                        Kept {
                            satisfies,
                            graph: graph.clone(),
                            sc,
                        },
                    );
                }
            }
        }
    };
    let result = run_program(test, model, program, Some(Box::new(hook)), None);
    let kept = std::mem::take(&mut *kept.borrow_mut());
    let mut explanations: Vec<Explanation> = result
        .states
        .iter()
        .filter_map(|values| {
            let k = kept.get(values)?;
            let namer = Namer::new(&k.graph, &names, test.arch);
            let sc = if k.sc {
                ScVerdict::Allowed {
                    interleaving: sc_interleaving(&k.graph)
                        .iter()
                        .map(|&e| namer.name(e))
                        .collect(),
                }
            } else {
                ScVerdict::Forbidden(witness(&k.graph, &namer, model))
            };
            Some(Explanation {
                values: values.clone(),
                satisfies: k.satisfies,
                sc,
            })
        })
        .collect();
    if result.quantifier == Quantifier::Exists && result.positive > 0 {
        // Stable: states keep their order within each group.
        explanations.sort_by_key(|e| !e.satisfies);
    }
    Ok(Explained {
        result,
        explanations,
    })
}

/// The memory accesses of `graph` (reads and writes of litmus threads, not
/// fences), in thread then program order: the nodes of SC's relation.
fn accesses(graph: &ExecutionGraph) -> Vec<EventId> {
    graph
        .events()
        .filter(|(_, e)| matches!(e.label, Label::Read(_) | Label::Write(_)))
        .map(|(id, _)| id)
        .collect()
}

/// `po ∪ rf ∪ co ∪ fr` over [`accesses`], as adjacency lists of indexes into
/// `nodes`, each target once (labelled by the first of po, rf, co, fr that
/// holds), sorted by target.
fn sc_relation(graph: &ExecutionGraph, nodes: &[EventId]) -> Vec<Vec<(usize, Relation)>> {
    let index: HashMap<EventId, usize> = nodes.iter().enumerate().map(|(i, &e)| (e, i)).collect();
    let mut edges: BTreeMap<(usize, usize), Relation> = BTreeMap::new();
    let mut add = |a: usize, b: usize, r: Relation| {
        edges.entry((a, b)).or_insert(r);
    };
    // po: every later access of the same thread, but not between the halves
    // of an `XCHG` performed write first (herd's po orders instructions).
    for (i, a) in nodes.iter().enumerate() {
        for (j, b) in nodes.iter().enumerate().skip(i + 1) {
            if a.thread == b.thread && graph.exchange_partner(*b) != Some(*a) {
                add(i, j, Relation::Po);
            }
        }
    }
    // rf, then co and fr per location.
    let mut by_loc: BTreeMap<Loc, Vec<usize>> = BTreeMap::new();
    for (i, &id) in nodes.iter().enumerate() {
        if let Label::Read(r) = graph.event(id).label {
            if let Source::Write(w) = r.rf {
                if let Some(&wi) = index.get(&w) {
                    add(wi, i, Relation::Rf);
                }
            }
            by_loc.entry(r.loc).or_default().push(i);
        }
    }
    let mut locs: BTreeSet<Loc> = by_loc.keys().copied().collect();
    locs.extend(graph.co_lists().map(|(l, _)| l));
    for loc in locs {
        let co: Vec<usize> = graph
            .co_order(loc)
            .iter()
            .filter_map(|w| index.get(w).copied())
            .collect();
        for (i, &a) in co.iter().enumerate() {
            for &b in &co[i + 1..] {
                add(a, b, Relation::Co);
            }
        }
        for &r in by_loc.get(&loc).map_or(&[][..], Vec::as_slice) {
            let after = match graph.read(nodes[r]).rf {
                Source::Init => 0,
                Source::Write(w) => {
                    match index.get(&w).and_then(|wi| co.iter().position(|c| c == wi)) {
                        Some(p) => p + 1,
                        // A write outside the coherence order: no fr edges known.
                        None => co.len(),
                    }
                }
            };
            for &w in &co[after..] {
                add(r, w, Relation::Fr);
            }
        }
    }
    let mut adj = vec![Vec::new(); nodes.len()];
    for ((a, b), r) in edges {
        adj[a].push((b, r));
    }
    adj
}

/// A shortest cycle in `graph`'s `po ∪ rf ∪ co ∪ fr` over its memory
/// accesses, starting at the earliest event it contains, as `(from,
/// relation, to)` edges; `None` when the relation is acyclic (then the graph
/// is SC-consistent).
pub fn sc_cycle(graph: &ExecutionGraph) -> Option<Vec<(EventId, Relation, EventId)>> {
    let nodes = accesses(graph);
    let adj = sc_relation(graph, &nodes);
    let mut best: Option<Vec<(usize, Relation, usize)>> = None;
    for start in 0..nodes.len() {
        // Breadth-first from `start` until an edge returns to it.
        let mut parent: Vec<Option<(usize, Relation)>> = vec![None; nodes.len()];
        let mut seen = vec![false; nodes.len()];
        let mut queue = VecDeque::from([start]);
        seen[start] = true;
        let mut closing = None;
        'bfs: while let Some(n) = queue.pop_front() {
            for &(m, r) in &adj[n] {
                if m == start {
                    closing = Some((n, r));
                    break 'bfs;
                }
                if !seen[m] {
                    seen[m] = true;
                    parent[m] = Some((n, r));
                    queue.push_back(m);
                }
            }
        }
        let Some((last, r)) = closing else { continue };
        let mut path = vec![(last, r, start)];
        let mut at = last;
        while at != start {
            let Some((p, r)) = parent[at] else { break };
            path.push((p, r, at));
            at = p;
        }
        path.reverse();
        let shorter = match &best {
            Some(b) => path.len() < b.len(),
            None => true,
        };
        if shorter {
            best = Some(path);
        }
    }
    best.map(|p| {
        p.into_iter()
            .map(|(a, r, b)| (nodes[a], r, nodes[b]))
            .collect()
    })
}

/// An order of `graph`'s memory accesses extending `po ∪ rf ∪ co ∪ fr`
/// (each thread runs as far as it can before the next takes over): an SC
/// interleaving when the graph is SC-consistent. On a cyclic graph, the
/// accesses on or after a cycle are left out.
pub fn sc_interleaving(graph: &ExecutionGraph) -> Vec<EventId> {
    let nodes = accesses(graph);
    let adj = sc_relation(graph, &nodes);
    let mut indegree = vec![0usize; nodes.len()];
    for out in &adj {
        for &(m, _) in out {
            indegree[m] += 1;
        }
    }
    let mut ready: BTreeSet<usize> = (0..nodes.len()).filter(|&n| indegree[n] == 0).collect();
    let mut order = Vec::with_capacity(nodes.len());
    // Prefer the thread that ran last, then the lowest event.
    let mut last_thread: Option<ThreadId> = None;
    while !ready.is_empty() {
        let pick = last_thread
            .and_then(|t| ready.iter().copied().find(|&n| nodes[n].thread == t))
            .or_else(|| ready.iter().next().copied());
        let Some(n) = pick else { break };
        ready.remove(&n);
        order.push(nodes[n]);
        last_thread = Some(nodes[n].thread);
        for &(m, _) in &adj[n] {
            indegree[m] -= 1;
            if indegree[m] == 0 {
                ready.insert(m);
            }
        }
    }
    order
}

/// Names events for people: `P0: W x=1`, `P1: R[acq] y=0 (rmw)`.
struct Namer<'g> {
    graph: &'g ExecutionGraph,
    /// Litmus thread number of each engine thread.
    litmus: HashMap<ThreadId, usize>,
    /// The name without the thread, for every listed event.
    short: HashMap<EventId, String>,
    names: &'g HashMap<Loc, String>,
}

impl<'g> Namer<'g> {
    fn new(graph: &'g ExecutionGraph, names: &'g HashMap<Loc, String>, arch: Arch) -> Namer<'g> {
        // The main thread spawns litmus thread i as its i-th child.
        let litmus: HashMap<ThreadId, usize> = graph
            .thread_events(ThreadId::MAIN)
            .iter()
            .filter_map(|e| match e.label {
                Label::Spawn { child } => Some(child),
                _ => None,
            })
            .enumerate()
            .map(|(i, t)| (t, i))
            .collect();
        let mut short = HashMap::new();
        for t in 0..graph.thread_count() {
            let thread = ThreadId(t as u32);
            if !litmus.contains_key(&thread) {
                continue;
            }
            let listed: Vec<(EventId, String)> = graph
                .thread_events(thread)
                .iter()
                .enumerate()
                .filter_map(|(i, e)| {
                    describe(graph, &e.label, names, arch)
                        .map(|d| (EventId::new(thread, i as u32), d))
                })
                .collect();
            for (k, (id, d)) in listed.iter().enumerate() {
                let twins = listed.iter().filter(|(_, o)| o == d).count();
                let d = if twins > 1 {
                    format!("{d} #{}", k + 1)
                } else {
                    d.clone()
                };
                short.insert(*id, d);
            }
        }
        Namer {
            graph,
            litmus,
            short,
            names,
        }
    }

    fn thread(&self, t: ThreadId) -> String {
        match self.litmus.get(&t) {
            Some(i) => format!("P{i}"),
            None => format!("T{}", t.0),
        }
    }

    fn short(&self, id: EventId) -> String {
        self.short
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("event {}", id.index))
    }

    fn name(&self, id: EventId) -> String {
        format!("{}: {}", self.thread(id.thread), self.short(id))
    }

    fn loc(&self, loc: Loc) -> String {
        self.names
            .get(&loc)
            .cloned()
            .unwrap_or_else(|| format!("loc{}", loc.0))
    }

    /// The litmus threads in order, with their listed events.
    fn threads(&self) -> Vec<(String, Vec<EventId>)> {
        let mut threads: Vec<(usize, ThreadId)> =
            self.litmus.iter().map(|(&t, &i)| (i, t)).collect();
        threads.sort();
        threads
            .into_iter()
            .map(|(i, t)| {
                let events = (0..self.graph.thread_len(t))
                    .map(|k| EventId::new(t, k))
                    .filter(|id| self.short.contains_key(id))
                    .collect();
                (format!("P{i}"), events)
            })
            .collect()
    }
}

/// An event's name without its thread, or `None` for events not shown.
fn describe(
    graph: &ExecutionGraph,
    label: &Label,
    names: &HashMap<Loc, String>,
    arch: Arch,
) -> Option<String> {
    let loc_name = |loc: &Loc| {
        names
            .get(loc)
            .cloned()
            .unwrap_or_else(|| format!("loc{}", loc.0))
    };
    let c = arch == Arch::C;
    match label {
        Label::Read(r) => {
            let value = graph.value_of(r.loc, r.rf);
            let tag = if c { read_tag(r.mode) } else { "" };
            let rmw =
                if r.write_value(value).is_some() || matches!(r.kind, ReadKind::RmwAfterWrite(_)) {
                    " (rmw)"
                } else {
                    ""
                };
            Some(format!("R{tag} {}={}{rmw}", loc_name(&r.loc), value as i64))
        }
        Label::Write(w) => {
            let tag = if c { write_tag(w.mode) } else { "" };
            // An x86 `XCHG` performed write first: its write half is the locked (SeqCst) one.
            let xchg = arch == Arch::X86 && w.mode == WriteMode::SeqCst;
            let rmw = if w.rmw || xchg { " (rmw)" } else { "" };
            Some(format!("W{tag} {}={}{rmw}", loc_name(&w.loc), w.val as i64))
        }
        Label::Fence(m) => Some(match (arch, m) {
            (Arch::X86, FenceMode::SeqCst) => "MFENCE".to_string(),
            _ => format!("F{}", fence_tag(*m)),
        }),
        _ => None,
    }
}

fn read_tag(m: ReadMode) -> &'static str {
    match m {
        ReadMode::NonAtomic => "[na]",
        ReadMode::Relaxed => "[rlx]",
        ReadMode::Acquire => "[acq]",
        ReadMode::SeqCst => "[sc]",
    }
}

fn write_tag(m: WriteMode) -> &'static str {
    match m {
        WriteMode::NonAtomic => "[na]",
        WriteMode::Relaxed => "[rlx]",
        WriteMode::Release => "[rel]",
        WriteMode::SeqCst => "[sc]",
    }
}

fn fence_tag(m: FenceMode) -> &'static str {
    match m {
        FenceMode::Acquire => "[acq]",
        FenceMode::Release => "[rel]",
        FenceMode::AcqRel => "[acq_rel]",
        FenceMode::SeqCst => "[sc]",
    }
}

/// The witness of a state SC cannot reach.
fn witness(graph: &ExecutionGraph, namer: &Namer<'_>, model: MemoryModelKind) -> Witness {
    let threads = namer.threads();
    let mut rf = Vec::new();
    let mut written: BTreeSet<Loc> = BTreeSet::new();
    for (_, events) in &threads {
        for &id in events {
            match graph.event(id).label {
                Label::Read(r) => {
                    let from = match r.rf {
                        Source::Init => "init".to_string(),
                        Source::Write(w) => namer.name(w),
                    };
                    rf.push((namer.name(id), from));
                }
                Label::Write(w) => {
                    written.insert(w.loc);
                }
                _ => {}
            }
        }
    }
    let co = written
        .into_iter()
        .map(|loc| {
            let order = std::iter::once("init".to_string())
                .chain(graph.co_order(loc).iter().map(|&w| namer.name(w)))
                .collect();
            (namer.loc(loc), order)
        })
        .collect();
    let raw = sc_cycle(graph).unwrap_or_default();
    let note = model_note(graph, namer, model, &raw);
    Witness {
        threads: threads
            .into_iter()
            .map(|(t, events)| (t, events.into_iter().map(|e| namer.short(e)).collect()))
            .collect(),
        rf,
        co,
        cycle: raw
            .iter()
            .map(|&(a, relation, b)| CycleEdge {
                from: namer.name(a),
                relation,
                to: namer.name(b),
            })
            .collect(),
        note,
    }
}

/// One line on what `model` allows that SC does not, for this cycle.
fn model_note(
    graph: &ExecutionGraph,
    namer: &Namer<'_>,
    model: MemoryModelKind,
    cycle: &[(EventId, Relation, EventId)],
) -> String {
    let edge = |&(a, r, b): &(EventId, Relation, EventId)| {
        format!("{} --{}--> {}", namer.name(a), r.as_str(), namer.name(b))
    };
    let are = |n: usize| if n == 1 { "is" } else { "are" };
    match model {
        MemoryModelKind::Sc => "SC: every graph explored is SC-consistent".to_string(),
        MemoryModelKind::Tso => {
            let delayed: Vec<String> = cycle
                .iter()
                .filter(|e| e.1 == Relation::Po && store_buffered(graph, e.0, e.2))
                .map(edge)
                .collect();
            let forwarded: Vec<String> = cycle
                .iter()
                .filter(|e| e.1 == Relation::Rf && e.0.thread == e.2.thread)
                .map(edge)
                .collect();
            let mut parts = Vec::new();
            if !delayed.is_empty() {
                parts.push(format!(
                    "a store can wait in the store buffer while later loads of other locations \
                     go ahead, so {} {} not kept in memory order",
                    delayed.join(" and "),
                    are(delayed.len())
                ));
            }
            if !forwarded.is_empty() {
                parts.push(format!(
                    "a thread can read its own store from the store buffer before other threads \
                     see it, so {} {} not global",
                    forwarded.join(" and "),
                    are(forwarded.len())
                ));
            }
            if parts.is_empty() {
                parts.push("the cycle is not in x86-TSO's global order (ghb)".to_string());
            }
            format!("x86-TSO: {}; SC forbids the cycle", parts.join("; "))
        }
        MemoryModelKind::Rc11 => {
            let unsynced: Vec<String> = cycle
                .iter()
                .filter(|e| e.1 == Relation::Rf && e.0.thread != e.2.thread)
                .filter(|e| !synchronises(graph, e.0, e.2))
                .map(edge)
                .collect();
            let mut on_cycle: Vec<EventId> = cycle.iter().map(|e| e.0).collect();
            on_cycle.sort();
            let weak: Vec<String> = on_cycle
                .iter()
                .filter(|&&id| !is_sc_access(graph, id))
                .map(|&id| namer.name(id))
                .collect();
            let mut parts = Vec::new();
            if !unsynced.is_empty() {
                parts.push(format!(
                    "{} {} not release-acquire synchronisation, so the reader need not see \
                     what came before the write",
                    unsynced.join(" and "),
                    are(unsynced.len())
                ));
            }
            if !parts.is_empty() {
                // The missing synchronisation is the point; the modes follow from it.
            } else if weak.len() == on_cycle.len() && !weak.is_empty() {
                parts.push(
                    "no access on the cycle is SC, so the SC order (psc) does not order them"
                        .to_string(),
                );
            } else if !weak.is_empty() {
                parts.push(format!(
                    "{} {} not SC, so the SC order (psc) does not order {}",
                    weak.join(", "),
                    are(weak.len()),
                    if weak.len() == 1 { "it" } else { "them" }
                ));
            }
            if parts.is_empty() {
                parts.push("the SC order (psc) does not contain this cycle".to_string());
            }
            format!("RC11: {}; SC forbids the cycle", parts.join("; "))
        }
    }
}

/// Whether `w --rf--> r` synchronises syntactically: the write is release
/// (or SC) or follows a release fence of its thread, and the read is acquire
/// (or SC) or precedes an acquire fence of its thread. Release sequences
/// through other writes are not followed.
fn synchronises(graph: &ExecutionGraph, w: EventId, r: EventId) -> bool {
    let (Label::Write(wl), Label::Read(rl)) = (graph.event(w).label, graph.event(r).label) else {
        return false;
    };
    let release = matches!(wl.mode, WriteMode::Release | WriteMode::SeqCst)
        || graph.thread_events(w.thread)[..w.index as usize]
            .iter()
            .any(|e| matches!(e.label, Label::Fence(m) if m != FenceMode::Acquire));
    let acquire = rl.mode.is_acquire()
        || graph.thread_events(r.thread)[r.index as usize + 1..]
            .iter()
            .any(|e| matches!(e.label, Label::Fence(m) if m != FenceMode::Release));
    release && acquire
}

/// Whether a po edge from `a` to `b` is one x86-TSO's store buffer relaxes:
/// a store then a load from another location, neither part of a locked
/// instruction (or an `XCHG`-like SC store), with no `MFENCE` between them.
fn store_buffered(graph: &ExecutionGraph, a: EventId, b: EventId) -> bool {
    let (Label::Write(w), Label::Read(r)) = (graph.event(a).label, graph.event(b).label) else {
        return false;
    };
    if w.loc == r.loc || w.rmw || w.mode == WriteMode::SeqCst {
        return false;
    }
    if r.write_value(graph.value_of(r.loc, r.rf)).is_some()
        || matches!(r.kind, ReadKind::RmwAfterWrite(_))
    {
        return false;
    }
    let fenced = (a.index + 1..b.index).any(|i| {
        matches!(
            graph.event(EventId::new(a.thread, i)).label,
            Label::Fence(FenceMode::SeqCst)
        ) || matches!(
            graph.event(EventId::new(a.thread, i)).label,
            Label::Write(x) if x.rmw || x.mode == WriteMode::SeqCst
        )
    });
    !fenced
}

/// Whether `id` is an SC access.
fn is_sc_access(graph: &ExecutionGraph, id: EventId) -> bool {
    match graph.event(id).label {
        Label::Read(r) => r.mode == ReadMode::SeqCst,
        Label::Write(w) => w.mode == WriteMode::SeqCst,
        _ => false,
    }
}
