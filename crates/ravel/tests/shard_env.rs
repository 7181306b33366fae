//! `RAVEL_SHARD=k/n` splits every exploration of a test run and appends each part to
//! `$RAVEL_SHARD_DIR/shard-k-of-n.jsonl`. The variables are process-wide, so this test lives in
//! its own binary.

use ravel::shard_output::{merge, parse_shard_file};
use ravel::sync::{Arc, Mutex};
use ravel::{thread, Builder};

fn counter() {
    let m = Arc::new(Mutex::new(0));
    let hs: Vec<_> = (0..3)
        .map(|_| {
            let m = m.clone();
            thread::spawn(move || {
                for _ in 0..2 {
                    *m.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
}

#[test]
fn each_shard_appends_its_part_and_the_parts_merge_into_the_whole() {
    let dir = std::env::temp_dir().join(format!("ravel-shard-env-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::env::set_var("RAVEL_SHARD_DIR", &dir);
    let mut parts = Vec::new();
    for k in 1..=3 {
        std::env::set_var("RAVEL_SHARD", format!("{k}/3"));
        parts.push(Builder::new().explore(counter).executions());
    }
    std::env::remove_var("RAVEL_SHARD");
    let whole = Builder::new().explore(counter).executions();
    assert_eq!(parts.iter().sum::<u64>(), whole);
    // Small as it is, the exploration splits: every part has some of it.
    assert!(parts.iter().all(|&p| p > 0), "{parts:?}");
    let mut results = Vec::new();
    for k in 1..=3 {
        let path = dir.join(format!("shard-{k}-of-3.jsonl"));
        let text = std::fs::read_to_string(&path).unwrap();
        results.extend(parse_shard_file(&path.display().to_string(), &text).unwrap());
    }
    let merged = merge(&results).unwrap();
    assert_eq!(merged.len(), 1, "{merged:?}");
    assert_eq!(merged[0].executions, whole);
    assert!(merged[0].complete);
    assert!(
        merged[0].test.contains("each_shard_appends"),
        "{}",
        merged[0].test
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
