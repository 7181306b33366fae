//! The interpreter on hand-written tests: instruction semantics (registers,
//! non-atomic x86 increments, herd's CAS write-back, `if` blocks), verdicts
//! and load-time errors.

use ravel_litmus::{load, run_test, HerdResult, MemoryModelKind, Observation, TestResult};

fn run(src: &str, model: MemoryModelKind) -> TestResult {
    let test = load(src, None).unwrap_or_else(|e| panic!("{e}"));
    run_test(&test, model).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn sb_under_sc_and_tso() {
    let src = "X86 SB\n{ x=0; y=0; }\n P0 | P1 ;\n MOV [x],$1 | MOV [y],$1 ;\n \
               MOV EAX,[y] | MOV EAX,[x] ;\nexists (0:EAX=0 /\\ 1:EAX=0)\n";
    let sc = run(src, MemoryModelKind::Sc);
    assert_eq!(sc.keys, ["0:EAX", "1:EAX"]);
    assert_eq!(sc.states, [vec![0, 1], vec![1, 0], vec![1, 1]]);
    assert_eq!(sc.herd_result(), HerdResult::No);
    assert_eq!(sc.observation(), Observation::Never);
    let tso = run(src, MemoryModelKind::Tso);
    assert_eq!(tso.states.len(), 4);
    assert_eq!(tso.herd_result(), HerdResult::Ok);
    assert_eq!(tso.observation(), Observation::Sometimes);
}

#[test]
fn unlocked_increments_can_lose_an_update() {
    let src = "X86 INC\n{ x=0; }\n P0 | P1 ;\n INC [x] | INC [x] ;\nexists (x=1)\n";
    let r = run(src, MemoryModelKind::Sc);
    assert_eq!(r.keys, ["[x]"]);
    assert_eq!(r.states, [vec![1], vec![2]]);
    let locked = "X86 LINC\n{ x=0; }\n P0 | P1 ;\n LOCK INC [x] | LOCK DEC [x] ;\nexists (x=0)\n";
    let r = run(locked, MemoryModelKind::Sc);
    assert_eq!(r.states, [vec![0]]);
    assert_eq!(r.observation(), Observation::Always);
}

#[test]
fn registers_start_from_init_and_store_their_values() {
    let src = "X86 REG\n{ 0:EBX=2; }\n P0 ;\n MOV [x],EBX ;\n MOV ECX,$1 ;\n \
               XCHG [x],ECX ;\nexists (x=1 /\\ 0:ECX=2)\n";
    let r = run(src, MemoryModelKind::Sc);
    assert_eq!(r.states, [vec![1, 2]]);
    assert_eq!(r.herd_result(), HerdResult::Ok);
}

#[test]
fn a_failed_cas_writes_the_value_read_into_the_expected_location() {
    let src = "C CASFAIL\n{ x = 1; e = 0; }\nP0 (atomic_int* x, int* e) {\n  \
               int r0 = atomic_compare_exchange_strong_explicit(x, e, 2, memory_order_seq_cst, \
               memory_order_seq_cst);\n}\nexists (0:r0=0 /\\ e=1 /\\ x=1)\n";
    let r = run(src, MemoryModelKind::Rc11);
    assert_eq!(r.states, [vec![0, 1, 1]]);
    assert_eq!(r.herd_result(), HerdResult::Ok);
    assert!(!r.undefined);
}

#[test]
fn if_blocks_run_only_when_their_test_holds() {
    let src = "C IF\n{ x = 0; y = 0; }\nP0 (atomic_int* x) {\n  \
               atomic_store_explicit(x, 1, memory_order_seq_cst);\n}\n\
               P1 (atomic_int* x, int* y) {\n  \
               int r0 = atomic_load_explicit(x, memory_order_seq_cst);\n  \
               int r1 = -1;\n  if (r0 == 1) {\n    r1 = *y;\n  }\n}\nexists (1:r1=0)\n";
    let r = run(src, MemoryModelKind::Sc);
    assert_eq!(r.keys, ["1:r1"]);
    assert_eq!(r.states, [vec![-1], vec![0]]);
}

#[test]
fn a_racy_c_test_is_undefined_under_rc11_only() {
    let src = "C RACE\n{ x = 0; }\nP0 (int* x) {\n  *x = 1;\n}\nP1 (int* x) {\n  \
               int r0 = *x;\n}\nexists (1:r0=1)\n";
    let rc11 = run(src, MemoryModelKind::Rc11);
    assert!(rc11.undefined);
    assert_eq!(rc11.herd_result(), HerdResult::Undef);
    let sc = run(src, MemoryModelKind::Sc);
    assert!(!sc.undefined);
    assert_eq!(sc.herd_result(), HerdResult::Ok);
}

#[test]
fn a_release_load_is_rejected_at_its_statement() {
    let src = "C BAD\n{ x = 0; }\nP0 (atomic_int* x) {\n  \
               int r0 = atomic_load_explicit(x, memory_order_release);\n}\nexists (0:r0=1)\n";
    let err = load(src, None).unwrap_err();
    assert_eq!((err.line, err.column), (4, 3));
    assert!(err.message.contains("memory_order_release"), "{err}");
    let text = err.to_string();
    assert!(text.contains("<input>:4:3"), "{text}");
}

#[test]
fn an_acquire_store_and_a_release_failure_order_are_rejected() {
    let store = "C BAD\n{ x = 0; }\nP0 (atomic_int* x) {\n  \
                 atomic_store_explicit(x, 1, memory_order_acquire);\n}\nexists (x=1)\n";
    assert!(load(store, None).is_err());
    let cas = "C BAD\n{ x = 0; e = 0; }\nP0 (atomic_int* x, int* e) {\n  \
               int r0 = atomic_compare_exchange_strong_explicit(x, e, 1, memory_order_seq_cst, \
               memory_order_release);\n}\nexists (x=1)\n";
    assert!(load(cas, None).is_err());
}
