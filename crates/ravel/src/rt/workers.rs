//! Running one exploration on several OS threads: every worker gets its own context, program
//! and coroutine stacks, and the core's [`ParallelExploration`] hands subtrees between them.

use super::claim::ClaimScope;
use super::context::{enter, Context};
use super::panics;
use super::program::CoroutineProgram;
use ravel_core::explore::{ExploreConfig, ParallelExploration, WorkerOutcome};
use std::panic::resume_unwind;
use std::rc::Rc;
use std::sync::Arc;

/// The default number of workers: the machine's cores.
pub(crate) fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `exploration` with one worker per slot on scoped threads (the first on the calling
/// thread), each configured by `configure`. Also answers whether a worker met data shared by
/// every execution (see [`super::claim`]), in which case the results are void.
pub(crate) fn run_workers(
    exploration: &Arc<ParallelExploration>,
    claims: &ClaimScope,
    body: &(dyn Fn() + Sync),
    stack_size: usize,
    configure: &(dyn Fn() -> ExploreConfig + Sync),
) -> (Vec<WorkerOutcome>, bool) {
    let run = |worker: usize| {
        let ctx = Rc::new(Context::default());
        ctx.claim_tag.set(claims.tag(worker));
        *ctx.exploration.borrow_mut() = Some(exploration.clone());
        let mut config = configure();
        let result = panics::capturing(|| {
            enter(ctx.clone(), || {
                let mut program = CoroutineProgram::new(body, ctx.clone(), stack_size);
                exploration.run_worker(&mut program, &mut config)
            })
        });
        (result, ctx.shared_data_seen.get())
    };
    let workers = exploration.workers();
    if workers == 1 {
        let (result, shared) = run(0);
        return (vec![result], shared);
    }
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..workers)
            .map(|worker| {
                std::thread::Builder::new()
                    .name(format!("ravel-worker-{worker}"))
                    .spawn_scoped(scope, move || run(worker))
                    .expect("spawning a worker thread")
            })
            .collect();
        let (first, mut shared) = run(0);
        let mut results = vec![first];
        for helper in helpers {
            match helper.join() {
                Ok((result, seen)) => {
                    results.push(result);
                    shared |= seen;
                }
                // A panic outside model code is a bug in ravel: let it surface.
                Err(payload) => resume_unwind(payload),
            }
        }
        (results, shared)
    })
}
