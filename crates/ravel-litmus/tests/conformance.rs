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

/// herd's x86 locked read-modify-writes (`XCHG`, `LOCK ADD`, ...) are a read
/// and a write of the same instruction that are *not* ordered by `po`, so
/// herd lets the write be coherence-before the write the read reads from
/// (`XCHG+XCHG`: both threads read each other's value). ravel's engine makes
/// every read-modify-write atomic in program order and cannot produce these
/// states. Engine gap, not an interpreter bug: these tests miss states under
/// both `sc` and `x86-tso`.
const X86_RMW_QUIRK: &[&str] = &[
    "2+2W+mfence-rmws",
    "2+2W+po-rmws",
    "LB+rmw-pos",
    "MP+mfence-rmw+rmw-po",
    "MP+po+rmw-po",
    "R+mfence-rmw+po",
    "R+po-rmw+mfence",
    "R+po-rmw+po",
    "S+po+rmw-po",
    "S+po-rmws",
    "XCHG+XCHG",
];

/// Every test conforms except those of `known`, which must still mismatch
/// (so the list shrinks when the engine learns the behaviour).
fn assert_conforms_except(sub: &str, model: MemoryModelKind, known: &[&str]) {
    let out = mismatches(sub, model);
    let unexpected: Vec<&String> = out
        .iter()
        .filter(|m| !known.iter().any(|k| m.starts_with(&format!("{k}: "))))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{} unexpected mismatches:\n{}",
        unexpected.len(),
        unexpected
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    for k in known {
        assert!(
            out.iter().any(|m| m.starts_with(&format!("{k}: "))),
            "{k} now conforms under {model:?}: remove it from the known gaps"
        );
    }
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
fn x86_under_sc_except_known_engine_gaps() {
    assert_conforms_except("x86", MemoryModelKind::Sc, X86_RMW_QUIRK);
}

#[test]
fn c11_under_sc() {
    assert_conforms("c11", MemoryModelKind::Sc);
}

#[test]
fn x86_under_tso_except_known_engine_gaps() {
    assert_conforms_except("x86", MemoryModelKind::Tso, X86_RMW_QUIRK);
}

#[test]
fn c11_under_rc11() {
    assert_conforms("c11", MemoryModelKind::Rc11);
}

#[test]
#[ignore = "11 of 121 tests (15 missing states): herd's unordered x86 RMW halves, see X86_RMW_QUIRK"]
fn x86_under_sc_strict() {
    assert_conforms("x86", MemoryModelKind::Sc);
}

#[test]
#[ignore = "11 of 121 tests (17 missing states): herd's unordered x86 RMW halves, see X86_RMW_QUIRK"]
fn x86_under_tso_strict() {
    assert_conforms("x86", MemoryModelKind::Tso);
}
