//! `--explain`: states SC cannot reach get a witness and the po/rf/co/fr
//! cycle SC forbids; states SC reaches get an interleaving; the whole corpus
//! explains without panicking.

use std::path::PathBuf;

use ravel_litmus::{
    explain_test, explanations_json, load, load_file, render_explanations_text, run_test,
    Explained, MemoryModelKind, Relation, ScVerdict, Witness,
};

const SB: &str = "X86 SB\n{ x=0; y=0; }\n P0 | P1 ;\n MOV [x],$1 | MOV [y],$1 ;\n \
                  MOV EAX,[y] | MOV EAX,[x] ;\nexists (0:EAX=0 /\\ 1:EAX=0)\n";

const MP_RLX: &str = "C MP\n{ x = 0; y = 0; }\n\
    P0 (atomic_int* x, atomic_int* y) {\n\
      atomic_store_explicit(x, 1, memory_order_relaxed);\n\
      atomic_store_explicit(y, 1, memory_order_relaxed);\n}\n\
    P1 (atomic_int* x, atomic_int* y) {\n\
      int r0 = atomic_load_explicit(y, memory_order_relaxed);\n\
      int r1 = atomic_load_explicit(x, memory_order_relaxed);\n}\n\
    exists (1:r0=1 /\\ 1:r1=0)\n";

fn explain(src: &str, model: MemoryModelKind) -> Explained {
    let test = load(src, None).unwrap_or_else(|e| panic!("{e}"));
    explain_test(&test, model).unwrap_or_else(|e| panic!("{e}"))
}

fn witness<'e>(e: &'e Explained, values: &[i64]) -> &'e Witness {
    let x = e
        .explanations
        .iter()
        .find(|x| x.values == values)
        .unwrap_or_else(|| panic!("no state {values:?}"));
    match &x.sc {
        ScVerdict::Forbidden(w) => w,
        other => panic!("{values:?} is {other:?}"),
    }
}

fn count(w: &Witness, r: Relation) -> usize {
    w.cycle.iter().filter(|c| c.relation == r).count()
}

#[test]
fn sb_under_tso_explains_the_both_zero_state_first() {
    let e = explain(SB, MemoryModelKind::Tso);
    assert_eq!(e.explanations.len(), 4);
    assert_eq!(e.not_sc_count(), 1);
    // The satisfied `exists` state comes first.
    assert_eq!(e.explanations[0].values, [0, 0]);
    assert!(e.explanations[0].satisfies);
    let w = witness(&e, &[0, 0]);
    assert_eq!(w.cycle.len(), 4);
    assert_eq!(count(w, Relation::Fr), 2);
    assert_eq!(count(w, Relation::Po), 2);
    assert_eq!(
        w.cycle_text(),
        "P0: W x=1 --po--> P0: R y=0 --fr--> P1: W y=1 --po--> P1: R x=0 --fr--> P0: W x=1"
    );
    assert_eq!(
        w.threads[0],
        ("P0".to_string(), vec!["W x=1".into(), "R y=0".into()])
    );
    assert!(w
        .rf
        .contains(&("P1: R x=0".to_string(), "init".to_string())));
    assert!(w.note.contains("store buffer"), "{}", w.note);
    // The cycle closes.
    assert_eq!(w.cycle.first().unwrap().from, w.cycle.last().unwrap().to);
}

#[test]
fn states_sc_reaches_get_an_interleaving_and_no_cycle() {
    let e = explain(SB, MemoryModelKind::Tso);
    for x in e.explanations.iter().filter(|x| x.values != [0, 0]) {
        match &x.sc {
            ScVerdict::Allowed { interleaving } => assert_eq!(interleaving.len(), 4, "{x:?}"),
            other => panic!("{:?} should be SC: {other:?}", x.values),
        }
    }
    // Under SC itself, nothing needs a cycle.
    let sc = explain(SB, MemoryModelKind::Sc);
    assert_eq!(sc.not_sc_count(), 0);
    assert_eq!(sc.explanations.len(), 3);
    let text = render_explanations_text(&sc);
    assert!(!text.contains("cycle"), "{text}");
    assert!(text.contains("reachable under SC too"), "{text}");
}

#[test]
fn mp_with_relaxed_accesses_under_rc11() {
    let e = explain(MP_RLX, MemoryModelKind::Rc11);
    assert_eq!(e.not_sc_count(), 1);
    assert_eq!(e.explanations[0].values, [1, 0]);
    let w = witness(&e, &[1, 0]);
    assert_eq!(
        w.cycle_text(),
        "P0: W[rlx] x=1 --po--> P0: W[rlx] y=1 --rf--> P1: R[rlx] y=1 --po--> \
         P1: R[rlx] x=0 --fr--> P0: W[rlx] x=1"
    );
    assert_eq!(count(w, Relation::Rf), 1);
    assert!(w.note.starts_with("RC11:"), "{}", w.note);
    assert!(w.note.contains("not release-acquire"), "{}", w.note);
    let json = explanations_json(&e);
    assert_eq!(json[0]["sc"], "forbidden");
    assert_eq!(json[0]["cycle"][1]["relation"], "rf");
    assert_eq!(json[1]["sc"], "allowed");
}

#[test]
fn explaining_does_not_change_the_result() {
    for model in [MemoryModelKind::Sc, MemoryModelKind::Tso] {
        let test = load(SB, None).unwrap();
        let plain = run_test(&test, model).unwrap();
        assert_eq!(explain_test(&test, model).unwrap().result, plain);
    }
}

fn corpus(dir: &str) -> Vec<PathBuf> {
    let root = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/litmus"
    ));
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "litmus"))
        .collect();
    files.sort();
    files
}

/// Every corpus test explains under its model: one explanation per state,
/// a closed cycle for every state SC cannot reach, and SC states are
/// exactly those the SC run reaches.
#[test]
fn the_whole_corpus_explains() {
    for (dir, model) in [
        ("x86", MemoryModelKind::Tso),
        ("c11", MemoryModelKind::Rc11),
    ] {
        let files = corpus(dir);
        assert!(files.len() > 90, "{dir}: {}", files.len());
        for file in files {
            let test = load_file(&file).unwrap_or_else(|e| panic!("{e}"));
            let e = explain_test(&test, model).unwrap();
            assert_eq!(e.explanations.len(), e.result.states.len(), "{}", test.name);
            let sc = run_test(&test, MemoryModelKind::Sc).unwrap();
            for x in &e.explanations {
                match &x.sc {
                    ScVerdict::Allowed { .. } => {
                        assert!(sc.states.contains(&x.values), "{}: {x:?}", test.name);
                    }
                    ScVerdict::Forbidden(w) => {
                        assert!(!sc.states.contains(&x.values), "{}: {x:?}", test.name);
                        assert!(!w.cycle.is_empty(), "{}: {x:?}", test.name);
                        assert_eq!(w.cycle[0].from, w.cycle.last().unwrap().to);
                        for pair in w.cycle.windows(2) {
                            assert_eq!(pair[0].to, pair[1].from, "{}", test.name);
                        }
                    }
                }
            }
            let _ = render_explanations_text(&e);
            let _ = explanations_json(&e);
        }
    }
}
