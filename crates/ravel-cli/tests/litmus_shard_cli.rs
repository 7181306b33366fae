//! `ravel litmus --shard K/N` then `ravel merge`, end to end: the merged verdicts and states of
//! the whole corpus equal those of one unsharded run, and `--expect` still agrees with herd.

use std::path::PathBuf;
use std::process::Command;

fn ravel() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ravel"))
}

fn corpus(sub: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/litmus"
    ))
    .join(sub)
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("ravel-litmus-shard-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The `test`, `observation` and `states` of each result in a `--json` array (or in `ravel
/// merge --json`'s `litmus` list), sorted by test.
fn verdicts(json: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = json
        .as_array()
        .expect("a list of results")
        .iter()
        .map(|r| {
            (
                r["test"].as_str().unwrap().to_string(),
                r["observation"].as_str().unwrap().to_string(),
                r["states"].to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn shard_and_merge(sub: &str, model: &str, n: u64) {
    let dir = scratch(&format!("{sub}-{model}-{n}"));
    for k in 1..=n {
        let out = ravel()
            .args(["litmus", "--model", model, "--shard", &format!("{k}/{n}")])
            .arg(corpus(sub))
            .env("RAVEL_SHARD_DIR", &dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(dir.join(format!("litmus-shard-{k}-of-{n}.jsonl")).exists());
    }
    let merged = ravel()
        .args(["merge", "--json"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    let merged: serde_json::Value = serde_json::from_slice(&merged.stdout).unwrap();
    let whole = ravel()
        .args(["litmus", "--json", "--model", model])
        .arg(corpus(sub))
        .output()
        .unwrap();
    let whole: serde_json::Value = serde_json::from_slice(&whole.stdout).unwrap();
    assert_eq!(verdicts(&merged["litmus"]), verdicts(&whole));
    let text = ravel().arg("merge").arg(&dir).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&format!("(merged from {n} shards)")),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn x86_shards_merge_into_the_whole() {
    shard_and_merge("x86", "tso", 3);
}

#[test]
fn c11_shards_merge_into_the_whole() {
    shard_and_merge("c11", "rc11", 2);
}

#[test]
fn a_missing_litmus_part_fails_the_merge() {
    let dir = scratch("missing");
    let out = ravel()
        .args(["litmus", "--shard", "1/2"])
        .arg(corpus("x86").join("XCHG+XCHG.litmus"))
        .env("RAVEL_SHARD_DIR", &dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let merged = ravel().arg("merge").arg(&dir).output().unwrap();
    assert_eq!(merged.status.code(), Some(1));
    let text = String::from_utf8_lossy(&merged.stdout);
    assert!(
        text.contains("incomplete: no result from shard 2/2"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_shard_argument_is_a_usage_error() {
    for bad in ["0/2", "3/2", "x", "1/0"] {
        let out = ravel()
            .args(["litmus", "--shard", bad])
            .arg(corpus("x86"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--shard"), "{bad}: {err}");
    }
}
