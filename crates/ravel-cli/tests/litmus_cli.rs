//! `ravel litmus` end to end: herd-style output, `--expect`, `--json` and
//! load errors with their exit codes.

use std::path::PathBuf;
use std::process::Command;

fn ravel() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ravel"))
}

fn corpus(rel: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/litmus"
    ))
    .join(rel)
}

#[test]
fn sb_under_tso_prints_herds_verdict() {
    let out = ravel()
        .args(["litmus"])
        .arg(corpus("x86/SB.litmus"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("Test SB Allowed\nStates 4\n"), "{text}");
    assert!(text.contains("0:EAX=0; 1:EAX=0;"), "{text}");
    assert!(text.contains("\nOk\n"), "{text}");
    assert!(text.contains("Observation SB Sometimes 1 3"), "{text}");
}

#[test]
fn sb_under_sc_matches_expectations_and_says_no() {
    let out = ravel()
        .args(["litmus", "--model", "sc", "--expect"])
        .arg(corpus("x86/expected.json"))
        .arg(corpus("x86/SB.litmus"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("States 3\n"), "{text}");
    assert!(text.contains("\nNo\n"), "{text}");
    assert!(!text.contains("MISMATCH"), "{text}");
}

#[test]
fn a_mismatch_exits_1() {
    // Judged under SC, SB's x86-TSO expectations are missing a state.
    let dir = std::env::temp_dir().join(format!("ravel-litmus-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let expect = dir.join("expected.json");
    std::fs::write(
        &expect,
        r#"{"SB": {"sc": {"condition": "Allowed", "herd_result": "Ok",
            "observation": "Sometimes", "undefined_behaviour": false,
            "states": [{"0:EAX": 0, "1:EAX": 0}]}}}"#,
    )
    .unwrap();
    let out = ravel()
        .args(["litmus", "--model", "sc", "--expect"])
        .arg(&expect)
        .arg(corpus("x86/SB.litmus"))
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("MISMATCH SB (sc): condition"), "{text}");
    assert!(text.contains("missing state: 0:EAX=0; 1:EAX=0;"), "{text}");
    assert!(text.contains("extra state"), "{text}");
}

#[test]
fn a_racy_c_test_is_undef_in_json() {
    let out = ravel()
        .args(["litmus", "--json"])
        .arg(corpus("c11/SB+na.litmus"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(r#""herd_result": "Undef""#), "{text}");
    assert!(text.contains(r#""undefined_behaviour": true"#), "{text}");
    assert!(text.contains(r#""model": "rc11""#), "{text}");
}

#[test]
fn an_invalid_memory_order_exits_2_with_a_caret() {
    let dir = std::env::temp_dir().join(format!("ravel-litmus-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.litmus");
    std::fs::write(
        &file,
        "C bad\n{ x = 0; }\nP0 (atomic_int* x) {\n  int r0 = atomic_load_explicit(x, \
         memory_order_release);\n}\nexists (0:r0=1)\n",
    )
    .unwrap();
    let out = ravel().arg("litmus").arg(&dir).output().unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("bad.litmus:4:3"), "{err}");
    assert!(err.contains("^^^"), "{err}");
}

#[test]
fn the_whole_c11_corpus_runs_under_sc_and_matches() {
    let out = ravel()
        .args(["litmus", "--model", "sc", "--expect"])
        .arg(corpus("c11/expected.json"))
        .arg(corpus("c11"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn explain_prints_the_cycle_sc_forbids() {
    let out = ravel()
        .args(["litmus", "--explain"])
        .arg(corpus("x86/SB.litmus"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Explain SB under x86-tso: 1 of 4 states not reachable under SC"),
        "{text}"
    );
    assert!(
        text.contains(
            "cycle  P0: W x=1 --po--> P0: R y=0 --fr--> P1: W y=1 --po--> P1: R x=0 \
             --fr--> P0: W x=1"
        ),
        "{text}"
    );
    assert!(text.contains("store buffer"), "{text}");
    assert!(text.contains("is reachable under SC too"), "{text}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains("not yet implemented"), "{err}");
    let out = ravel()
        .args(["litmus", "--explain", "--json"])
        .arg(corpus("x86/SB.litmus"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(r#""explanations": ["#), "{text}");
    assert!(text.contains(r#""sc": "forbidden""#), "{text}");
}
