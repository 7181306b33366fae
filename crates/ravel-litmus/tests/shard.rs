//! `ravel litmus --shard k/n`: the parts of every corpus test's exploration add up to the whole
//! (the same final states, execution counts and race flag), and survive the trip through JSON.

use ravel_litmus::{
    load_file, merge_parts, run_test, run_test_part, LitmusPart, MemoryModelKind, Shard,
};
use std::path::PathBuf;

fn corpus(sub: &str) -> Vec<PathBuf> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/litmus"
    ))
    .join(sub);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "litmus"))
        .collect();
    files.sort();
    files
}

fn parts_add_up(sub: &str, model: MemoryModelKind, shards: u64) {
    for path in corpus(sub) {
        let test = load_file(&path).unwrap();
        let whole = run_test(&test, model).unwrap();
        let parts: Vec<LitmusPart> = (1..=shards)
            .map(|k| {
                let part = run_test_part(&test, model, Shard::new(k, shards).unwrap()).unwrap();
                // Through JSON, as `ravel merge` reads it.
                let value: serde_json::Value = serde_json::from_str(&part.to_json_line()).unwrap();
                LitmusPart::from_json(&value).unwrap()
            })
            .collect();
        let merged = merge_parts(&parts).unwrap();
        assert_eq!(merged.len(), 1);
        let m = &merged[0];
        assert!(m.missing.is_empty() && m.result.complete, "{}", test.name);
        assert_eq!(m.result.states, whole.states, "{} states", test.name);
        assert_eq!(
            (m.result.positive, m.result.negative),
            (whole.positive, whole.negative),
            "{} counts",
            test.name
        );
        assert_eq!(
            m.result.undefined, whole.undefined,
            "{} race flag",
            test.name
        );
        assert_eq!(m.result.observation(), whole.observation(), "{}", test.name);
    }
}

#[test]
fn x86_parts_add_up_under_tso_and_sc() {
    parts_add_up("x86", MemoryModelKind::Tso, 2);
    parts_add_up("x86", MemoryModelKind::Sc, 3);
}

#[test]
fn c11_parts_add_up_under_rc11_and_sc() {
    parts_add_up("c11", MemoryModelKind::Rc11, 3);
    parts_add_up("c11", MemoryModelKind::Sc, 2);
}

fn some_parts() -> Vec<LitmusPart> {
    let path = corpus("x86")
        .into_iter()
        .find(|p| p.ends_with("XCHG+XCHG.litmus"))
        .unwrap();
    let test = load_file(&path).unwrap();
    (1..=3)
        .map(|k| run_test_part(&test, MemoryModelKind::Tso, Shard::new(k, 3).unwrap()).unwrap())
        .collect()
}

#[test]
fn a_missing_part_leaves_the_result_incomplete() {
    let mut parts = some_parts();
    parts.remove(1);
    let merged = merge_parts(&parts).unwrap();
    assert_eq!(merged[0].missing, [2]);
    assert!(!merged[0].result.complete);
}

#[test]
fn a_repeated_or_mismatched_part_is_an_error() {
    let mut parts = some_parts();
    parts.push(parts[0].clone());
    let err = merge_parts(&parts).unwrap_err();
    assert!(err.contains("shard 1/3 appears twice"), "{err}");

    let mut parts = some_parts();
    parts[2].shard = Shard::new(2, 4).unwrap();
    let err = merge_parts(&parts).unwrap_err();
    assert!(err.contains("parts of 3 and of 4 shards"), "{err}");
}

#[test]
fn a_malformed_part_names_the_field() {
    let line = some_parts()[0].to_json_line();
    let mut value: serde_json::Value = serde_json::from_str(&line).unwrap();
    value["states"] = serde_json::json!([[1, "x"]]);
    let err = LitmusPart::from_json(&value).unwrap_err();
    assert!(err.contains("`states`"), "{err}");
    value["model"] = serde_json::json!("arm");
    let err = LitmusPart::from_json(&value).unwrap_err();
    assert!(err.contains("`model`"), "{err}");
}
