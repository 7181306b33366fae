//! Configuring and running an exploration.

use crate::outcome::{Finding, Outcome};
use crate::rt::context::{enter, Context};
use crate::rt::panics;
use crate::rt::program::CoroutineProgram;
use ravel_core::explore::{explore, ExploreConfig, ReplayToken, Strategy};
use ravel_core::model::MemoryModelKind;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Explores `f` exhaustively and panics with the report of the first bug found.
pub fn model<F: Fn()>(f: F) {
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

    /// Explores `f` and panics with the report of the first bug found.
    pub fn check<F: Fn()>(&self, f: F) {
        let outcome = self.explore(f);
        if let Some(first) = outcome.findings().first() {
            panic!("\n{first}");
        }
    }

    /// Explores `f` and answers what was found; never panics on a finding.
    ///
    /// `RAVEL_REPLAY=<token>` in the environment replays that one execution instead.
    pub fn explore<F: Fn()>(&self, f: F) -> Outcome {
        let strategy = match std::env::var("RAVEL_REPLAY") {
            Ok(text) if !text.trim().is_empty() => match ReplayToken::decode(&text) {
                Ok(token) => Strategy::Replay(token),
                Err(e) => panic!("RAVEL_REPLAY: {e}"),
            },
            _ => self.strategy.clone(),
        };
        let start = Instant::now();
        let mut config = ExploreConfig {
            model: self.memory_model.model(),
            strategy,
            max_executions: self.max_executions,
            max_steps: self.max_steps,
            max_duration: self.max_duration,
            preemption_bound: self.preemption_bound,
            clock: Some(Box::new(move || start.elapsed())),
            keep_going: self.keep_going,
            collect_graphs: false,
            observer: None,
            analyses: ravel_core::detect::standard_analyses,
        };
        let ctx = Rc::new(Context::default());
        let body: &dyn Fn() = &f;
        let inner = panics::capturing(|| {
            enter(ctx.clone(), || {
                let mut program = CoroutineProgram::new(body, ctx.clone(), self.stack_size);
                explore(&mut program, &mut config)
            })
        });
        let test_name = std::thread::current().name().map(str::to_string);
        let findings = inner
            .reports
            .iter()
            .map(|r| Finding {
                report: r.clone(),
                test_name: test_name.clone(),
            })
            .collect();
        Outcome { inner, findings }
    }
}
