//! `ravel merge` end to end: parts of a real sharded exploration add up to the whole, a missing
//! part makes the whole incomplete, and bad files are errors with their place.

use ravel::shard_output::ShardResult;
use ravel::sync::{Arc, Mutex};
use ravel::{thread, Builder, Shard};
use std::path::Path;
use std::process::Command;

fn ravel() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ravel"))
}

/// Three threads adding twice under a mutex: 90 lock orders.
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

/// Explores `counter` in `n` parts and writes each part's file into `dir`.
fn write_parts(dir: &Path, n: u64) {
    std::fs::create_dir_all(dir).unwrap();
    for k in 1..=n {
        let shard = Shard::new(k, n).unwrap();
        let outcome = Builder::new().shard(shard).explore(counter);
        let line =
            ShardResult::new(shard, "suite::counter".to_string(), 0, &outcome).to_json_line();
        std::fs::write(dir.join(format!("shard-{k}-of-{n}.jsonl")), line + "\n").unwrap();
    }
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ravel-merge-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn parts_add_up_to_the_whole_exploration() {
    let dir = scratch("whole");
    write_parts(&dir, 3);
    let out = ravel().arg("merge").arg(&dir).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{text}");
    assert!(
        text.starts_with("suite::counter: 90 executions over 3 shards (rc11): ok\n"),
        "{text}"
    );
}

#[test]
fn a_missing_part_is_reported_and_fails() {
    let dir = scratch("missing");
    write_parts(&dir, 3);
    std::fs::remove_file(dir.join("shard-2-of-3.jsonl")).unwrap();
    let out = ravel().arg("merge").arg(&dir).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("incomplete: no result from shard 2/3"),
        "{text}"
    );
}

#[test]
fn a_bad_file_is_an_error_with_its_place() {
    let dir = scratch("bad");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("shard-1-of-2.jsonl"), "{\"test\": \"t\"}\n").unwrap();
    let out = ravel().arg("merge").arg(&dir).output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("shard-1-of-2.jsonl:1:"), "{err}");
    assert!(err.contains("expected a ravel shard result"), "{err}");
}
