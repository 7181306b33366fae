//! Conformance with herd7 7.58: every test of the shared corpus, run
//! through ravel's engine, must reach exactly herd's final states and
//! herd's verdict on the condition (and, under RC11, herd's race flag).

use std::path::PathBuf;
use std::time::Instant;

use ravel_litmus::{load_file, run_test, Expected, MemoryModelKind};

fn corpus_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/litmus"
    ))
}

fn litmus_files(sub: &str) -> Vec<PathBuf> {
    let dir = corpus_dir().join(sub);
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "litmus"))
        .collect();
    files.sort();
    files
}

/// Runs every test of `sub` under `model` and answers the mismatch
/// descriptions (one line per disagreement).
fn mismatches(sub: &str, model: MemoryModelKind) -> Vec<String> {
    let expected = Expected::load(&corpus_dir().join(sub).join("expected.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    let files = litmus_files(sub);
    assert!(!files.is_empty(), "no tests in {sub}");
    let start = Instant::now();
    let mut out = Vec::new();
    for path in &files {
        let test = load_file(path).unwrap_or_else(|e| panic!("{e}"));
        let result = run_test(&test, model).unwrap_or_else(|e| panic!("{e}"));
        assert!(result.complete, "{}: exploration incomplete", test.name);
        for m in expected.compare(&result) {
            out.push(format!("{}: {m}", test.name));
        }
    }
    eprintln!(
        "{sub} under {model:?}: {} tests in {:.2?}, {} mismatches",
        files.len(),
        start.elapsed(),
        out.len()
    );
    out
}

fn assert_conforms(sub: &str, model: MemoryModelKind) {
    let out = mismatches(sub, model);
    assert!(
        out.is_empty(),
        "{} mismatches:\n{}",
        out.len(),
        out.join("\n")
    );
}

#[test]
fn c11_under_sc() {
    assert_conforms("c11", MemoryModelKind::Sc);
}

#[test]
fn c11_under_rc11() {
    assert_conforms("c11", MemoryModelKind::Rc11);
}

/// herd's x86 locked instructions included: an `XCHG`'s read and write are
/// unordered (`ravel_core::model::X86Locked`), so `XCHG+XCHG` and the other
/// `rmw` tests reach the states where an exchange's write is
/// coherence-before the write its read reads.
#[test]
fn x86_under_sc() {
    assert_conforms("x86", MemoryModelKind::Sc);
}

#[test]
fn x86_under_tso() {
    assert_conforms("x86", MemoryModelKind::Tso);
}
