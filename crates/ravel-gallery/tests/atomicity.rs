//! The atomicity-violation detector over the whole gallery: it must say nothing about any fixed
//! model, and the buggy models it flags are pinned, so that a change in what it sees shows up
//! here.
//!
//! Each side is explored with `keep_going`, so the detector sees every complete execution even
//! where another finding (a panic, a race) comes first; only the atomicity findings are counted.
//! Sides that need a model ravel lacks are explored under the one `ModelNeed::checked_under` picks.

use ravel::{Builder, FindingKind};
use ravel_gallery::{entries, Entry, Side};

/// Enough for every gallery model to finish (or to show its bug many times over).
const BUDGET: u64 = 20_000;

/// The atomicity findings of one side, rendered, with whether the search completed. With
/// `disarmed`, a panic of the model's main thread (its final assertions) is caught, so that the
/// execution completes and the detector sees it.
fn atomicity_findings(entry: &Entry, side: &Side, disarmed: bool) -> (Vec<String>, bool) {
    let model = side.model;
    let o = Builder::new()
        .memory_model(entry.model.checked_under())
        .keep_going(true)
        .max_executions(BUDGET)
        .explore(move || {
            if disarmed {
                let _ = std::panic::catch_unwind(model);
            } else {
                model();
            }
        });
    let found = o
        .findings()
        .iter()
        .filter(|f| f.kind() == FindingKind::AtomicityViolation)
        .map(|f| f.render_stable())
        .collect();
    (found, o.complete())
}

#[test]
fn no_fixed_model_has_an_atomicity_violation() {
    let mut checked = 0;
    for entry in entries() {
        let Some(side) = &entry.fixed else { continue };
        let (found, _) = atomicity_findings(entry, side, false);
        if let Some(first) = found.first() {
            panic!(
                "entry {} ({}), fixed model: false alarm:\n{first}",
                entry.id, entry.title
            );
        }
        checked += 1;
    }
    println!("{checked} fixed models, no atomicity violation");
    assert!(checked >= 20, "only {checked} fixed models");
}

/// The buggy models the detector flags as they are: only 12b. Everywhere else the execution
/// that splits an update also fails the model's assertion, and a panicking execution ends
/// before the whole-execution analyses run.
#[test]
fn buggy_models_flagged() {
    assert_eq!(flagged(false), ["12b"]);
}

/// The buggy models the detector flags on its own, with the main thread's assertions disarmed:
/// the lost updates on atomics (2: `v++` as load and store; 21: `stack_push` with load, check,
/// store; 22: the histogram's read then `clear()`), the balance read and written in separate
/// critical sections (1), and Circle with and without its assertion (12, 12b; entry 12 asserts in
/// thread B, whose panic, as with std, goes to the main thread's `join`, which disarming catches). The others are data races, orderings,
/// deadlocks and liveness bugs; 17 (a heap invariant) and 23 (a protocol) are not split
/// updates of one location or of one pair.
#[test]
fn buggy_models_flagged_without_assertions() {
    assert_eq!(flagged(true), FLAGGED_ON_ITS_OWN);
}

const FLAGGED_ON_ITS_OWN: [&str; 6] = ["1", "2", "12", "12b", "21", "22"];

fn flagged(disarmed: bool) -> Vec<&'static str> {
    let mut flagged = Vec::new();
    for entry in entries() {
        let (found, complete) = atomicity_findings(entry, &entry.buggy, disarmed);
        println!(
            "{:>4} {:<36} {} atomicity finding(s){}",
            entry.id,
            entry.title,
            found.len(),
            if complete { "" } else { " (budget reached)" }
        );
        if !found.is_empty() {
            flagged.push(entry.id);
        }
    }
    println!("flagged: {flagged:?} of {} buggy models", entries().len());
    flagged
}
