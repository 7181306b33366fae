//! Running a test through the engine and judging it as herd7 does: the set
//! of distinct final states (projected onto the observed locations), how
//! many executions satisfy the condition's predicate, and the verdict.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use crate::shard_part::LitmusPart;
use ravel_core::explore::{explore, ExploreConfig, Shard};
use ravel_core::graph::ExecutionGraph;
use ravel_core::model::{MemoryModel, MemoryModelKind, Rc11, X86Locked};

use crate::ast::{Arch, LitmusTest, LocRef, Quantifier};
use crate::error::ParseError;
use crate::interpret::LitmusProgram;

/// The key a model has in the corpus' `expected.json` (`sc`, `x86-tso`,
/// `rc11`).
pub fn model_key(model: MemoryModelKind) -> &'static str {
    match model {
        MemoryModelKind::Sc => "sc",
        MemoryModelKind::Tso => "x86-tso",
        MemoryModelKind::Rc11 => "rc11",
    }
}

/// The model herd7's corpus judges a test of this dialect under by default:
/// x86-TSO for X86, RC11 for C.
pub fn default_model(arch: Arch) -> MemoryModelKind {
    match arch {
        Arch::X86 => MemoryModelKind::Tso,
        Arch::C => MemoryModelKind::Rc11,
    }
}

/// The engine's model for a test of `arch` judged under `model`: x86 tests
/// get herd's x86 locked instructions (an `XCHG`'s halves unordered, see
/// [`X86Locked`]); C tests keep atomic read-modify-writes.
pub fn engine_model(arch: Arch, model: MemoryModelKind) -> &'static dyn MemoryModel {
    match (arch, model) {
        (Arch::X86, MemoryModelKind::Sc) => &X86Locked::SC,
        (Arch::X86, MemoryModelKind::Tso) => &X86Locked::TSO,
        _ => model.model(),
    }
}

/// herd's `Observation` word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Observation {
    /// Every execution satisfies the predicate.
    Always,
    /// Some do, some do not.
    Sometimes,
    /// None does.
    Never,
}

impl Observation {
    /// herd's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Observation::Always => "Always",
            Observation::Sometimes => "Sometimes",
            Observation::Never => "Never",
        }
    }
}

/// herd's verdict on the quantified condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HerdResult {
    /// The quantified condition holds.
    Ok,
    /// It does not.
    No,
    /// A data race made the program undefined (RC11).
    Undef,
}

impl HerdResult {
    /// herd's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            HerdResult::Ok => "Ok",
            HerdResult::No => "No",
            HerdResult::Undef => "Undef",
        }
    }
}

/// Everything a run of one test under one model established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    /// Test name.
    pub name: String,
    /// The model.
    pub model: MemoryModelKind,
    /// The condition's quantifier.
    pub quantifier: Quantifier,
    /// The predicate as herd echoes it (memory locations unbracketed).
    pub condition: String,
    /// herd keys of the observed locations (`0:EAX`, `[x]`), in the order
    /// state values are listed.
    pub keys: Vec<String>,
    /// The distinct projected final states, sorted; values follow `keys`.
    pub states: Vec<Vec<i64>>,
    /// Complete executions satisfying the predicate.
    pub positive: u64,
    /// Complete executions not satisfying it.
    pub negative: u64,
    /// Whether some consistent execution has an RC11 data race (only
    /// checked under RC11).
    pub undefined: bool,
    /// Whether exploration covered every execution.
    pub complete: bool,
    /// What the engine reported besides final states (a panic, a step
    /// bound hit): executions it stopped early are missing from `states`.
    pub findings: Vec<String>,
}

impl TestResult {
    /// herd's observation.
    pub fn observation(&self) -> Observation {
        match (self.positive, self.negative) {
            (0, _) => Observation::Never,
            (_, 0) => Observation::Always,
            _ => Observation::Sometimes,
        }
    }

    /// Whether some final state satisfies the predicate (`Allowed`).
    pub fn allowed(&self) -> bool {
        self.positive > 0
    }

    /// `Allowed` or `Forbidden`, as `expected.json`'s `condition`.
    pub fn condition_word(&self) -> &'static str {
        if self.allowed() {
            "Allowed"
        } else {
            "Forbidden"
        }
    }

    /// herd's `Ok`/`No`/`Undef`.
    pub fn herd_result(&self) -> HerdResult {
        if self.undefined {
            return HerdResult::Undef;
        }
        let holds = match self.quantifier {
            Quantifier::Exists => self.positive > 0,
            Quantifier::NotExists => self.positive == 0,
            Quantifier::Forall => self.negative == 0,
        };
        if holds {
            HerdResult::Ok
        } else {
            HerdResult::No
        }
    }
}

/// Explores `test` under `model` and judges it. Fails only where loading
/// fails (see [`LitmusProgram::new`]); the error has no source excerpt.
pub fn run_test(test: &LitmusTest, model: MemoryModelKind) -> Result<TestResult, ParseError> {
    let program = LitmusProgram::new(test)?;
    Ok(run_program(test, model, program, None, None))
}

/// [`run_test`] over one part of the exploration (`ravel litmus --shard k/n`): the states and
/// counts of that part only; [`crate::merge_parts`] puts the parts back together.
pub fn run_test_part(
    test: &LitmusTest,
    model: MemoryModelKind,
    shard: Shard,
) -> Result<LitmusPart, ParseError> {
    let program = LitmusProgram::new(test)?;
    Ok(LitmusPart {
        shard,
        result: run_program(test, model, program, None, Some(shard)),
    })
}

/// What [`run_program`] calls for every complete execution: the projected
/// final state (values in [`TestResult::keys`] order), whether it satisfies
/// the condition's predicate, and the execution's graph.
pub(crate) type StateHook = Box<dyn FnMut(&[i64], bool, &ExecutionGraph)>;

/// [`run_test`] on an already loaded `program`, calling `hook` (if any) for
/// every complete execution.
pub(crate) fn run_program(
    test: &LitmusTest,
    model: MemoryModelKind,
    mut program: LitmusProgram,
    mut hook: Option<StateHook>,
    shard: Option<Shard>,
) -> TestResult {
    let observed = test.observed_locations();
    let regs = program.final_registers();
    let variables = program.variables();
    // Where each observed location's final value comes from.
    enum Source {
        Mem(ravel_core::event::Loc, i64),
        Reg(usize, usize),
        Zero,
    }
    let sources: Vec<Source> = observed
        .iter()
        .map(|loc| match loc {
            LocRef::Var(v) => variables
                .iter()
                .find(|(name, _, _)| name == v)
                .map_or(Source::Zero, |(_, l, init)| Source::Mem(*l, *init)),
            LocRef::Reg { thread, reg } => program
                .register_index(*thread, reg)
                .map_or(Source::Zero, |i| Source::Reg(*thread, i)),
        })
        .collect();
    #[derive(Default)]
    struct Tally {
        states: BTreeSet<Vec<i64>>,
        positive: u64,
        negative: u64,
        racy: bool,
    }
    let tally = Rc::new(RefCell::new(Tally::default()));
    let check_races = model == MemoryModelKind::Rc11 && test.arch == Arch::C;
    let expr = test.condition.expr.clone();
    let observer = {
        let tally = Rc::clone(&tally);
        move |graph: &ExecutionGraph| {
            let files = regs.borrow();
            let values: Vec<i64> = sources
                .iter()
                .map(|s| match s {
                    Source::Mem(loc, init) => {
                        if graph.co_order(*loc).is_empty() {
                            *init
                        } else {
                            graph.value_of(*loc, graph.co_max(*loc)) as i64
                        }
                    }
                    Source::Reg(t, i) => files
                        .as_ref()
                        .and_then(|f| f.get(*t))
                        .and_then(|f| f.get(*i))
                        .copied()
                        .unwrap_or(0),
                    Source::Zero => 0,
                })
                .collect();
            let mut tally = tally.borrow_mut();
            let holds = expr.eval(&mut |loc: &LocRef| {
                observed
                    .iter()
                    .position(|o| o == loc)
                    .map_or(0, |i| values[i])
            });
            if holds {
                tally.positive += 1;
            } else {
                tally.negative += 1;
            }
            if check_races && !tally.racy && Rc11::data_race(graph).is_some() {
                tally.racy = true;
            }
            if let Some(hook) = hook.as_mut() {
                hook(&values, holds, graph);
            }
            tally.states.insert(values);
        }
    };
    let mut config = ExploreConfig::new(engine_model(test.arch, model));
    config.keep_going = true;
    config.shard = shard;
    config.observer = Some(Box::new(observer));
    let outcome = explore(&mut program, &mut config);
    drop(config);
    let tally = Rc::try_unwrap(tally)
        .map_err(|_| ())
        .expect("the observer was dropped")
        .into_inner();
    TestResult {
        name: test.name.clone(),
        model,
        quantifier: test.condition.quantifier,
        condition: test.condition.expr.to_string(),
        keys: test
            .observed_locations()
            .iter()
            .map(LocRef::herd_key)
            .collect(),
        states: tally.states.into_iter().collect(),
        positive: tally.positive,
        negative: tally.negative,
        undefined: tally.racy,
        complete: outcome.complete,
        findings: outcome
            .reports
            .iter()
            .map(|r| r.finding.summary.clone())
            .collect(),
    }
}
