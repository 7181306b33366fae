//! Compiler transformations of plain integer accesses, applied while ravel looks for what a data
//! race can lead to once the program is compiled (`Builder::compiler_effects`; the search itself
//! is `crate::compiler_effects`).
//!
//! Source: Boehm, "How to miscompile programs with 'benign' data races" (HotPar 2011), and seed
//! 003 (Milewski, with Williams's report of compilers using a variable as scratch storage). A
//! compiler may assume that plain accesses never race, so it may make changes no race-free
//! program can observe. Two of them are applied here, to typed cell accesses
//! (`UnsafeCell::read`/`write` and the bit accesses, the only plain accesses whose values ravel
//! sees), at the places a race report names:
//!
//! - scratch store: a write of `v` there first stores a scratch value, then `v`;
//! - hoisted read: a thread's reads there after its first return the first value (the compiler
//!   keeps it in a register).
//!
//! Deviations, and why:
//! - While a transformation is searched for, every typed access of every integer cell becomes a
//!   non-atomic load or store in the execution graph, so that exploration can run another thread
//!   between a scratch store and the real one, and a read can read any write the memory model
//!   allows. Races on those accesses are not reported then: the race is already the finding, and
//!   the search asks what the program does next. `with`/`with_mut` closures stay as they are;
//!   typed writes still update the cell's memory for them.
//! - A hoisted read still asks for a load and drops its value. The thread stays a scheduling
//!   point, the livelock detector sees what the loop waits on, and ravel learns what memory held:
//!   a register value that differs from it is what makes the consequence concrete.

use super::context::{try_with_context, with_context, Context};
use super::perform;
use ravel_core::event::{Loc, Op, OpResult, ReadMode, SourceSpan, ThreadId, WriteMode};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// At most this many values are remembered per group of places (the candidates for scratch
/// values).
const VALUES_PER_GROUP: usize = 16;

/// At most this many accesses are remembered per cell and execution (the report shows the last
/// few).
const STEPS_PER_CELL: usize = 64;

/// What the compiler is assumed to have done at the racing places.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Transformation {
    /// Nothing: the program as written (the baseline, and where the candidate values come from).
    AsWritten,
    /// Each write there first stores this value.
    ScratchStore(u64),
    /// Each thread's reads there return what its first read returned.
    HoistedRead,
}

/// One exploration's transformation, the places it applies to, and what the runtime saw.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) transformation: Transformation,
    /// The racing accesses' places.
    pub(crate) sites: Vec<SourceSpan>,
    log: Mutex<SearchLog>,
}

impl Plan {
    pub(crate) fn new(transformation: Transformation, sites: Vec<SourceSpan>) -> Plan {
        Plan {
            transformation,
            sites,
            log: Mutex::default(),
        }
    }

    /// What the runtime saw so far (a copy).
    pub(crate) fn log(&self) -> SearchLog {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn record(&self, f: impl FnOnce(&mut SearchLog)) {
        f(&mut self.log.lock().unwrap_or_else(|e| e.into_inner()));
    }
}

/// What the runtime saw during one exploration with a [`Plan`].
#[derive(Clone, Debug, Default)]
pub(crate) struct SearchLog {
    /// The racing places where a typed read ran.
    pub(crate) read_sites: Vec<SourceSpan>,
    /// The racing places where a typed write ran.
    pub(crate) write_sites: Vec<SourceSpan>,
    /// The values written, by groups of places that access the same cell.
    pub(crate) groups: SiteGroups,
    /// The first read that showed the transformation (see [`Observation`]).
    pub(crate) observation: Option<Observation>,
    /// How many scratch stores were made.
    pub(crate) scratch_stores: u64,
}

/// A read whose value the transformation made: a scratch value no thread had written to the cell
/// yet (read anywhere), or a register value that memory no longer holds (read at a racing
/// place).
#[derive(Clone, Debug)]
pub(crate) struct Observation {
    /// The reading thread, as reports name it.
    pub(crate) thread: String,
    /// The read's place.
    pub(crate) site: SourceSpan,
    /// What it returned.
    pub(crate) value: u64,
    /// For a hoisted read: what memory held, and which thread wrote it where.
    pub(crate) memory: Option<(u64, Option<(String, SourceSpan)>)>,
    /// The cell's accesses in this execution up to the read, oldest first.
    pub(crate) steps: Vec<Step>,
}

/// One typed access of a cell, as the report shows it.
#[derive(Clone, Debug)]
pub(crate) struct Step {
    pub(crate) thread: String,
    pub(crate) site: SourceSpan,
    pub(crate) access: Access,
}

/// What a [`Step`] did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Access {
    Read(u64),
    Write(u64),
    /// A write the compiler added.
    Scratch(u64),
    /// A read answered from a register; memory held the second value.
    Register(u64, u64),
}

/// Places that access the same cell, with the values written there, in the order first seen.
/// Cells are named per execution (by identity), places across executions, so the groups are
/// what the exploration knows about which places share a location.
#[derive(Clone, Debug, Default)]
pub(crate) struct SiteGroups {
    groups: Vec<(Vec<SourceSpan>, Vec<u64>)>,
}

impl SiteGroups {
    /// `site` accessed the cell first accessed at `first`, writing `value` if it wrote.
    fn note(&mut self, first: SourceSpan, site: SourceSpan, value: Option<u64>) {
        let mut a = self.group_of(first);
        let b = self.group_of(site);
        if a != b {
            let (keep, gone) = (a.min(b), a.max(b));
            let (sites, values) = self.groups.remove(gone);
            let group = &mut self.groups[keep];
            group.0.extend(sites);
            for v in values {
                push_value(&mut group.1, v);
            }
            a = keep;
        }
        if let Some(v) = value {
            push_value(&mut self.groups[a].1, v);
        }
    }

    fn group_of(&mut self, site: SourceSpan) -> usize {
        match self.groups.iter().position(|(s, _)| s.contains(&site)) {
            Some(i) => i,
            None => {
                self.groups.push((vec![site], Vec::new()));
                self.groups.len() - 1
            }
        }
    }

    /// The values written to the cells accessed at any of `sites`, first seen first.
    pub(crate) fn values_near(&self, sites: &[SourceSpan]) -> Vec<u64> {
        let mut out = Vec::new();
        for (group_sites, values) in &self.groups {
            if group_sites.iter().any(|s| sites.contains(s)) {
                for &v in values {
                    push_value(&mut out, v);
                }
            }
        }
        out
    }
}

fn push_value(values: &mut Vec<u64>, v: u64) {
    if !values.contains(&v) && values.len() < VALUES_PER_GROUP {
        values.push(v);
    }
}

/// The transformation state of one worker (held in its [`Context`]).
#[derive(Debug)]
pub(crate) struct Active {
    plan: Arc<Plan>,
    /// The execution the tables below belong to.
    execution: u64,
    cells: HashMap<usize, CellState>,
    /// Hoisted reads: per thread, cell and place, the value kept in the register.
    registers: HashMap<(ThreadId, usize, SourceSpan), u64>,
}

/// One cell in one execution.
#[derive(Debug)]
struct CellState {
    /// Its value before its first typed access (the graph's initial value).
    init: u64,
    /// The place of that access (names the cell across executions, see [`SiteGroups`]).
    first_site: SourceSpan,
    /// The values source writes stored so far.
    written: Vec<u64>,
    steps: Vec<Step>,
}

/// Makes the running worker apply `plan` (once per worker: a cheap check per execution).
pub(crate) fn install(plan: &Arc<Plan>) {
    with_context(|ctx| {
        let mut slot = ctx.compiler_effects.borrow_mut();
        if slot.is_none() {
            *slot = Some(Active {
                plan: plan.clone(),
                execution: ctx.execution.get(),
                cells: HashMap::new(),
                registers: HashMap::new(),
            });
        }
    });
}

/// A typed read of the cell at `cell` (holding `memory`) at `span`: `None` when no consequence
/// search runs (the caller reads as usual), else the value the transformed program reads.
pub(crate) fn read(cell: usize, memory: u64, span: SourceSpan) -> Option<u64> {
    let init = prepare(cell, memory, span)?;
    let loaded = match perform(
        Op::Load {
            loc: graph_loc(cell),
            init,
            mode: ReadMode::NonAtomic,
        },
        span,
    ) {
        OpResult::Value(v) => v,
        _ => init,
    };
    Some(with_active(|ctx, active| active.after_read(ctx, cell, span, loaded)).unwrap_or(loaded))
}

/// A typed write of `value` to the cell at `cell` (holding `memory`) at `span`: `false` when no
/// consequence search runs (the caller writes as usual), else performed, scratch store included.
/// Either way the caller then stores `value` into the cell's memory.
pub(crate) fn write(cell: usize, memory: u64, value: u64, span: SourceSpan) -> bool {
    let Some(init) = prepare(cell, memory, span) else {
        return false;
    };
    let scratch = with_active(|_, active| active.scratch_before(span, value)).flatten();
    if let Some(s) = scratch {
        store(cell, init, s, span);
        with_active(|_, active| active.plan.record(|log| log.scratch_stores += 1));
        with_active(|ctx, active| active.after_write(ctx, cell, span, Access::Scratch(s)));
    }
    store(cell, init, value, span);
    with_active(|ctx, active| active.after_write(ctx, cell, span, Access::Write(value)));
    true
}

/// The graph location of a cell's typed accesses: the cell's identity with bit 59 set, so it
/// never shares a number with the cell's own race-checked accesses (named by the identity).
fn graph_loc(cell: usize) -> Loc {
    Loc::unresolved(cell | 1 << 59)
}

fn store(cell: usize, init: u64, val: u64, span: SourceSpan) {
    perform(
        Op::Store {
            loc: graph_loc(cell),
            init,
            val,
            mode: WriteMode::NonAtomic,
        },
        span,
    );
}

/// Registers the access with the active search and answers the cell's initial value; `None`
/// when no search runs or the execution is being torn down.
fn prepare(cell: usize, memory: u64, span: SourceSpan) -> Option<u64> {
    // Outside a model (stress mode) no search runs: the caller accesses memory as usual.
    try_with_context(|ctx| {
        if ctx.tearing_down.get() {
            return None;
        }
        let mut slot = ctx.compiler_effects.borrow_mut();
        let active = slot.as_mut()?;
        let execution = ctx.execution.get();
        if active.execution != execution {
            active.execution = execution;
            active.cells.clear();
            active.registers.clear();
        }
        let state = active.cells.entry(cell).or_insert_with(|| CellState {
            init: memory,
            first_site: span,
            written: Vec::new(),
            steps: Vec::new(),
        });
        let (init, first) = (state.init, state.first_site);
        active.plan.record(|log| log.groups.note(first, span, None));
        Some(init)
    })
    .flatten()
}

/// Runs `f` on the active search, unless the execution is being torn down meanwhile.
fn with_active<R>(f: impl FnOnce(&Context, &mut Active) -> R) -> Option<R> {
    try_with_context(|ctx| {
        if ctx.tearing_down.get() {
            return None;
        }
        let mut slot = ctx.compiler_effects.borrow_mut();
        slot.as_mut().map(|active| f(ctx, active))
    })
    .flatten()
}

fn thread_label(ctx: &Context, t: ThreadId) -> String {
    match ctx.names.borrow().get(t.index()).cloned().flatten() {
        Some(name) => format!("{t} `{name}`"),
        None => t.to_string(),
    }
}

impl Active {
    fn at_site(&self, span: SourceSpan) -> bool {
        self.plan.sites.contains(&span)
    }

    /// The scratch value to store before writing `value` at `span`, if any.
    fn scratch_before(&self, span: SourceSpan, value: u64) -> Option<u64> {
        match self.plan.transformation {
            Transformation::ScratchStore(s) if s != value && self.at_site(span) => Some(s),
            _ => None,
        }
    }

    /// Records a read that loaded `loaded` and answers what the thread gets.
    fn after_read(&mut self, ctx: &Context, cell: usize, span: SourceSpan, loaded: u64) -> u64 {
        let t = ctx.current.get();
        let thread = thread_label(ctx, t);
        let at_site = self.at_site(span);
        if at_site {
            self.plan.record(|log| push_site(&mut log.read_sites, span));
        }
        let state = self
            .cells
            .get_mut(&cell)
            .expect("prepared before the access");
        let (access, observed) = match self.plan.transformation {
            Transformation::HoistedRead if at_site => match self.registers.get(&(t, cell, span)) {
                Some(&kept) => (Access::Register(kept, loaded), kept != loaded),
                None => {
                    self.registers.insert((t, cell, span), loaded);
                    (Access::Read(loaded), false)
                }
            },
            Transformation::ScratchStore(_) => {
                // Only a scratch store writes values the program did not: any read shows it.
                let fresh = loaded != state.init && !state.written.contains(&loaded);
                (Access::Read(loaded), fresh)
            }
            _ => (Access::Read(loaded), false),
        };
        push_step(
            &mut state.steps,
            Step {
                thread: thread.clone(),
                site: span,
                access,
            },
        );
        let returned = match access {
            Access::Register(kept, _) => kept,
            _ => loaded,
        };
        if observed {
            // The write memory's value came from: the latest write of it.
            let writer = state.steps.iter().rev().find_map(|s| match s.access {
                Access::Write(v) if v == loaded => Some((s.thread.clone(), s.site)),
                _ => None,
            });
            let memory = matches!(access, Access::Register(..)).then_some((loaded, writer));
            let observation = Observation {
                thread,
                site: span,
                value: returned,
                memory,
                steps: state.steps.clone(),
            };
            self.plan.record(|log| {
                log.observation.get_or_insert(observation);
            });
        }
        returned
    }

    fn after_write(&mut self, ctx: &Context, cell: usize, span: SourceSpan, access: Access) {
        let thread = thread_label(ctx, ctx.current.get());
        let at_site = self.at_site(span);
        let state = self
            .cells
            .get_mut(&cell)
            .expect("prepared before the access");
        let first = state.first_site;
        if let Access::Write(v) = access {
            if !state.written.contains(&v) {
                state.written.push(v);
            }
            self.plan.record(|log| {
                if at_site {
                    push_site(&mut log.write_sites, span);
                }
                log.groups.note(first, span, Some(v));
            });
        }
        push_step(
            &mut state.steps,
            Step {
                thread,
                site: span,
                access,
            },
        );
    }
}

fn push_site(sites: &mut Vec<SourceSpan>, site: SourceSpan) {
    if !sites.contains(&site) {
        sites.push(site);
    }
}

fn push_step(steps: &mut Vec<Step>, step: Step) {
    if steps.len() == STEPS_PER_CELL {
        steps.remove(0);
    }
    steps.push(step);
}
