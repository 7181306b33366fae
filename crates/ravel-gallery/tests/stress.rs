//! Every gallery entry whose bug an assertion shows runs as a plain stress test on real threads
//! (the baseline of `ravel demo --stress`); the others say why they do not. This checks that the
//! stress mode supports what the models use, not how often luck finds the bugs: that is a
//! benchmark (`BENCHMARKS.md`), not a test.

use ravel_gallery::{entries, not_stressable, stress_entry};
use std::time::Duration;

#[test]
fn every_assertion_entry_runs_on_real_threads() {
    let mut stressed = 0;
    for entry in entries() {
        let row = stress_entry(entry, Duration::from_millis(30));
        match (&row.stress, not_stressable(entry)) {
            (Ok(outcome), None) => {
                assert!(outcome.runs >= 1, "entry {}", entry.id);
                assert!(
                    row.ravel.is_some(),
                    "entry {}: ravel found nothing",
                    entry.id
                );
                println!(
                    "{:>4} {} runs, {} failures",
                    entry.id, outcome.runs, outcome.failures
                );
                stressed += 1;
            }
            (Err(reason), Some(expected)) => assert_eq!(reason, &expected),
            (Err(reason), None) => {
                panic!("entry {} cannot run on real threads: {reason}", entry.id)
            }
            (Ok(_), Some(reason)) => panic!("entry {} ran though {reason}", entry.id),
        }
    }
    assert!(stressed >= 8, "only {stressed} entries stress-tested");
}
