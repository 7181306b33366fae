//! Configuring and running an exploration.

use crate::outcome::{Finding, Outcome};
use crate::rt::claim::ClaimScope;
use crate::rt::progress;
use crate::rt::workers::{default_workers, run_workers};
use crate::shard_output;
use ravel_core::explore::{ExploreConfig, ParallelExploration, ReplayToken, Shard, Strategy};
use ravel_core::model::MemoryModelKind;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Explores `f` exhaustively and panics with the report of the first bug found.
pub fn model<F: Fn() + Sync>(f: F) {
    Builder::new().check(f)
}

/// How to explore a model.
#[derive(Clone, Debug)]
pub struct Builder {
    memory_model: MemoryModelKind,
    strategy: Strategy,
    max_executions: Option<u64>,
    max_steps: u64,
    max_duration: Option<Duration>,
    preemption_bound: Option<u32>,
    stack_size: usize,
    keep_going: bool,
    fail_on_benign: bool,
    x86_races: bool,
    compiler_effects: bool,
    workers: Option<usize>,
    shard: Option<Shard>,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

impl Builder {
    /// Exhaustive search under RC11 (the model of Rust's atomics), with default budgets.
    pub fn new() -> Builder {
        Builder {
            memory_model: MemoryModelKind::Rc11,
            strategy: Strategy::Exhaustive,
            max_executions: None,
            max_steps: 10_000,
            max_duration: None,
            preemption_bound: None,
            stack_size: 2 << 20,
            keep_going: false,
            fail_on_benign: false,
            x86_races: false,
            compiler_effects: false,
            workers: None,
            shard: None,
        }
    }

    /// The memory model.
    pub fn memory_model(mut self, model: MemoryModelKind) -> Builder {
        self.memory_model = model;
        self
    }

    /// The exploration strategy.
    pub fn strategy(mut self, strategy: Strategy) -> Builder {
        self.strategy = strategy;
        self
    }

    /// Stop after this many executions.
    pub fn max_executions(mut self, n: u64) -> Builder {
        self.max_executions = Some(n);
        self
    }

    /// Steps per execution before a livelock is suspected.
    pub fn max_steps(mut self, n: u64) -> Builder {
        self.max_steps = n;
        self
    }

    /// Stop after this much time.
    pub fn max_duration(mut self, d: Duration) -> Builder {
        self.max_duration = Some(d);
        self
    }

    /// At most `k` preemptions per execution.
    pub fn preemption_bound(mut self, k: u32) -> Builder {
        self.preemption_bound = Some(k);
        self
    }

    /// The stack size of model threads (default 2 MiB, as for std threads: an overflow kills the
    /// process, so stay generous).
    pub fn stack_size(mut self, bytes: usize) -> Builder {
        self.stack_size = bytes;
        self
    }

    /// Keep exploring after a finding, collecting every distinct one.
    pub fn keep_going(mut self, yes: bool) -> Builder {
        self.keep_going = yes;
        self
    }

    /// Split exhaustive exploration across `n` OS threads (default: one per core). The result
    /// is the same as on one worker: the same count and the same first report. Sampling
    /// strategies and preemption-bounded search always run on one worker.
    pub fn workers(mut self, n: usize) -> Builder {
        self.workers = Some(n.max(1));
        self
    }

    /// Explore only part `shard` of an exhaustive search; the parts' counts add up to the whole.
    /// `RAVEL_SHARD=k/n` in the environment does the same for every exploration of a test run,
    /// and then also appends each part's result to `RAVEL_SHARD_DIR` (default
    /// `target/ravel-shards`) for `ravel merge`.
    pub fn shard(mut self, shard: Shard) -> Builder {
        self.shard = Some(shard);
        self
    }

    /// Make benign races (`benign race (...)` findings: lossy counters, different bits, cells
    /// declared racy) fail [`check`](Builder::check) too. By default they are reported, at low
    /// severity, and do not fail it.
    pub fn fail_on_benign(mut self, yes: bool) -> Builder {
        self.fail_on_benign = yes;
        self
    }

    /// Under [`MemoryModel::Tso`](crate::MemoryModel::Tso), also report races between the x86
    /// instructions the atomics compile to (MOV loads and stores race, locked instructions do
    /// not race with each other), classified after Owens (ECOOP 2010): a *triangular* race, whose
    /// load may run while an earlier store of its thread is still in the store buffer, is a
    /// `data race`; any other is a `benign race (non-triangular)`, SC-preserving. Off by default,
    /// because at that level every Release/Acquire handshake races. Under SC and RC11 it does
    /// nothing: the classification is about x86 store buffers.
    pub fn x86_races(mut self, yes: bool) -> Builder {
        self.x86_races = yes;
        self
    }

    /// When a `data race` is found, also search for what a compiler that assumes race freedom
    /// may make of it, and show it in the report as "compiler consequences" (after Boehm, "How
    /// to miscompile programs with 'benign' data races", HotPar 2011). Two transformations are
    /// tried at the racing places, on typed cell accesses (`UnsafeCell::read`/`write`; a
    /// `with`/`with_mut` closure is opaque): a *scratch store* (a write first stores another
    /// value the program writes to that location, and a racing read may return it: a value no
    /// thread wrote there at that point) and a *hoisted read* (a thread's reads there after the
    /// first return the first value: a spin loop that never sees the write). The search
    /// re-explores the program with each transformation within a budget and reports the
    /// strongest consequence found: a failure it leads to (a panic, a deadlock, a livelock)
    /// with the accesses that led there, else the value read, else that none was found. Off by
    /// default; the finding, its interleaving and its replay token stay those of the race.
    pub fn compiler_effects(mut self, yes: bool) -> Builder {
        self.compiler_effects = yes;
        self
    }

    /// Explores `f` and panics with the report of the first bug found (benign races fail it
    /// only with [`fail_on_benign`](Builder::fail_on_benign)).
    pub fn check<F: Fn() + Sync>(&self, f: F) {
        let outcome = self.explore(f);
        let failing = outcome
            .findings()
            .iter()
            .find(|f| self.fail_on_benign || !f.is_benign());
        if let Some(first) = failing {
            panic!("\n{first}");
        }
    }

    /// Explores `f` and answers what was found; never panics on a finding.
    ///
    /// `RAVEL_REPLAY=<token>` in the environment replays that one execution instead;
    /// `RAVEL_SHARD=k/n` explores one part; `RAVEL_PROGRESS=1` prints a status line every second.
    pub fn explore<F: Fn() + Sync>(&self, f: F) -> Outcome {
        let strategy = match std::env::var("RAVEL_REPLAY") {
            Ok(text) if !text.trim().is_empty() => match ReplayToken::decode(&text) {
                Ok(token) => Strategy::Replay(token),
                Err(e) => panic!("RAVEL_REPLAY: {e}"),
            },
            _ => self.strategy.clone(),
        };
        // A suite split by the environment writes its parts for `ravel merge`.
        let env_shard = match std::env::var("RAVEL_SHARD") {
            Ok(text) if !text.trim().is_empty() => match text.parse::<Shard>() {
                Ok(shard) => Some(shard),
                Err(e) => panic!("RAVEL_SHARD: {e}"),
            },
            _ => None,
        };
        let shard = env_shard.or(self.shard);
        let (mut inner, benign) = self.explore_once(&strategy, shard, None, &f);
        if self.compiler_effects {
            let searched = Instant::now();
            crate::compiler_effects::annotate(self, &mut inner.reports, &f);
            inner.elapsed += searched.elapsed();
        }
        let test_name = std::thread::current().name().map(str::to_string);
        // Bugs first, then the benign races.
        let findings = inner
            .reports
            .iter()
            .chain(&benign)
            .map(|r| Finding {
                report: r.clone(),
                test_name: test_name.clone(),
            })
            .collect();
        let outcome = Outcome { inner, findings };
        if let Some(shard) = env_shard {
            let dir = shard_output::shard_dir();
            shard_output::append(&dir, shard, test_name.as_deref(), &outcome);
        }
        outcome
    }

    /// One exploration of `f` with `strategy`, the environment already read: the core's outcome
    /// and the benign races to show after its bugs. With a `plan`, typed cell accesses apply its
    /// compiler transformation (the consequence search of [`Builder::compiler_effects`]).
    fn explore_once(
        &self,
        strategy: &Strategy,
        shard: Option<Shard>,
        plan: Option<&Arc<crate::rt::compiler_effects::Plan>>,
        f: &(dyn Fn() + Sync),
    ) -> (ravel_core::report::Outcome, Vec<ravel_core::report::Report>) {
        let exhaustive =
            matches!(strategy, Strategy::Exhaustive) && self.preemption_bound.is_none();
        let workers = if exhaustive {
            self.workers.unwrap_or_else(default_workers)
        } else {
            1
        };
        let start = Instant::now();
        let configure = || ExploreConfig {
            model: self.memory_model.model(),
            strategy: strategy.clone(),
            max_executions: self.max_executions,
            max_steps: self.max_steps,
            max_duration: self.max_duration,
            preemption_bound: self.preemption_bound,
            clock: Some(Box::new(move || start.elapsed())),
            keep_going: self.keep_going,
            collect_graphs: false,
            observer: None,
            // A consequence search asks what the program does, not which patterns it has.
            analyses: if plan.is_some() {
                ravel_core::detect::no_analyses
            } else if self.x86_races && self.memory_model == MemoryModelKind::Tso {
                ravel_core::detect::x86_race_analyses
            } else {
                ravel_core::detect::standard_analyses
            },
            shard,
        };
        let benign: crate::rt::benign::Sink = Arc::default();
        let body = || {
            crate::rt::benign::install(&benign);
            if let Some(plan) = plan {
                crate::rt::compiler_effects::install(plan);
            }
            f()
        };
        let body: &(dyn Fn() + Sync) = &body;
        let run = |workers: usize| {
            let exploration = Arc::new(ParallelExploration::new(workers));
            let claims = ClaimScope::new(workers > 1);
            let (results, shared) = progress::reporting(&exploration, || {
                run_workers(&exploration, &claims, body, self.stack_size, &configure)
            });
            (exploration.finish(results, self.keep_going), shared)
        };
        let (mut inner, shared) = run(workers);
        if shared {
            // A static or captured object holds data every execution shares: workers cannot
            // run side by side.
            inner = run(1).0;
        }
        let benign = crate::rt::benign::collect(&benign, &inner.reports);
        (inner, benign)
    }

    /// One exploration of the consequence search (`compiler_effects.rs`): `plan` applied, on
    /// one worker, collecting every finding, within `budget` executions. `strategy` is
    /// exhaustive, or the replay of one of its executions.
    pub(crate) fn explore_transformed(
        &self,
        strategy: Strategy,
        budget: u64,
        plan: &Arc<crate::rt::compiler_effects::Plan>,
        f: &(dyn Fn() + Sync),
    ) -> ravel_core::report::Outcome {
        // The strategy and the (absent) shard are arguments of `explore_once`, and only
        // `explore` looks at `compiler_effects`: the other settings are the search's own.
        let search = Builder {
            max_executions: Some(budget),
            preemption_bound: None,
            keep_going: true,
            workers: Some(1),
            ..self.clone()
        };
        search.explore_once(&strategy, None, Some(plan), f).0
    }
}
