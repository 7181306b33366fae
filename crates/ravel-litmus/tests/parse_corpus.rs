//! Every test of the shared herd7 corpus parses, specific tests parse to
//! the expected trees, the per-form instruction counts match an independent
//! count of the corpus (so nothing is dropped), and the locations each
//! test observes are exactly the keys herd7 printed in `expected.json`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ravel_litmus::{
    parse_file, Arch, CStmt, CValue, CasStrength, CondExpr, Dest, FetchOp, IfCond, LitmusTest,
    LocRef, MemoryOrder, Operand, ParamType, Quantifier, Reg, Spanned, X86Instr, X86Reg,
};

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

/// Parses every file of `sub`, failing with all errors at once.
fn parse_all(sub: &str) -> Vec<(PathBuf, LitmusTest)> {
    let mut ok = Vec::new();
    let mut errors = Vec::new();
    for path in litmus_files(sub) {
        match parse_file(&path) {
            Ok(t) => ok.push((path, t)),
            Err(e) => errors.push(e.to_string()),
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n\n"));
    ok
}

fn load(sub: &str, name: &str) -> LitmusTest {
    let path = corpus_dir().join(sub).join(format!("{name}.litmus"));
    parse_file(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn x86_code(test: &LitmusTest, thread: usize) -> Vec<X86Instr> {
    test.threads[thread]
        .x86()
        .expect("X86 thread")
        .iter()
        .map(|i| i.node.clone())
        .collect()
}

fn c_body(test: &LitmusTest, thread: usize) -> Vec<CStmt> {
    test.threads[thread]
        .c()
        .expect("C thread")
        .body
        .iter()
        .map(|s| s.node.clone())
        .collect()
}

fn atom(cond: &CondExpr) -> (String, i64) {
    match cond {
        CondExpr::Atom { loc, value, .. } => (loc.to_string(), *value),
        other => panic!("expected an atom, got {other:?}"),
    }
}

#[test]
fn every_x86_file_parses() {
    let tests = parse_all("x86");
    assert_eq!(tests.len(), 121);
    for (path, t) in &tests {
        assert_eq!(t.arch, Arch::X86);
        assert_eq!(
            Some(t.name.as_str()),
            path.file_stem().and_then(|s| s.to_str())
        );
        assert!((1..=6).contains(&t.threads.len()), "{}", t.name);
        for (i, th) in t.threads.iter().enumerate() {
            assert_eq!(th.id, i);
            assert!(th.x86().is_some());
        }
    }
}

#[test]
fn every_c_file_parses() {
    let tests = parse_all("c11");
    assert_eq!(tests.len(), 100);
    for (path, t) in &tests {
        assert_eq!(t.arch, Arch::C);
        assert_eq!(
            Some(t.name.as_str()),
            path.file_stem().and_then(|s| s.to_str())
        );
        assert!((1..=4).contains(&t.threads.len()), "{}", t.name);
        assert!(t.threads.iter().all(|th| th.c().is_some()));
    }
}

#[test]
fn sb_structure() {
    let t = load("x86", "SB");
    assert_eq!(t.name, "SB");
    assert_eq!(t.doc.as_deref(), Some("PodWR Fre PodWR Fre"));
    assert!(t.init.is_empty());
    assert_eq!(t.threads.len(), 2);
    assert_eq!(
        x86_code(&t, 0),
        vec![
            X86Instr::MovStore {
                var: "x".into(),
                src: Operand::Imm(1)
            },
            X86Instr::MovLoad {
                reg: X86Reg::Eax,
                var: "y".into()
            },
        ]
    );
    assert_eq!(x86_code(&t, 1).len(), 2);
    assert_eq!(t.condition.quantifier, Quantifier::Exists);
    let CondExpr::And(parts) = &t.condition.expr else {
        panic!("expected a conjunction");
    };
    assert_eq!(
        parts.iter().map(atom).collect::<Vec<_>>(),
        vec![("0:EAX".to_string(), 0), ("1:EAX".to_string(), 0)]
    );
    // Positions: `MOV EAX,[x]` of P1 is on line 12, column 16.
    let instr = &t.threads[1].x86().expect("X86")[1];
    assert_eq!((instr.span.line, instr.span.column), (12, 16));
    assert_eq!(instr.span.len, "MOV EAX,[x]".len());
}

#[test]
fn x86_special_forms() {
    let t = load("x86", "MP+reg-store");
    assert_eq!(
        x86_code(&t, 0)[0],
        X86Instr::MovStore {
            var: "x".into(),
            src: Operand::Reg(X86Reg::Eax)
        }
    );
    let init: Vec<(String, i64)> = t
        .init
        .iter()
        .map(|i| (i.loc.to_string(), i.value))
        .collect();
    assert_eq!(
        init,
        vec![
            ("x".into(), 0),
            ("y".into(), 0),
            ("0:EAX".into(), 5),
            ("0:EBX".into(), 7)
        ]
    );

    let t = load("x86", "INC+INC");
    assert_eq!(x86_code(&t, 0), vec![X86Instr::Inc { var: "x".into() }]);

    let t = load("x86", "R+po+lockxchg");
    assert_eq!(
        x86_code(&t, 1)[0],
        X86Instr::Xchg {
            var: "y".into(),
            reg: X86Reg::Ebx,
            lock_prefix: true,
            reg_first: false
        }
    );

    let t = load("x86", "SB+lockxors");
    assert_eq!(
        x86_code(&t, 0)[1],
        X86Instr::LockXor {
            var: "z".into(),
            imm: 0
        }
    );

    // Empty cells leave gaps only in the table, not in the code.
    let t = load("x86", "IRIW");
    assert_eq!(t.threads.len(), 4);
    assert_eq!(x86_code(&t, 0).len(), 1);
    assert_eq!(x86_code(&t, 1).len(), 2);
    assert_eq!(t.condition.quantifier, Quantifier::Forall);
}

#[test]
fn forall_precedence_without_outer_parentheses() {
    // forall 0:EAX=2 /\ y=1 /\ (1:EAX=0 /\ x=2 \/ 1:EAX=2 /\ x=1) \/ 0:EAX=0 /\ 1:EAX=2 /\ x=1 /\ y=2
    let t = load("x86", "2+2W+mfence-rmws");
    assert_eq!(t.condition.quantifier, Quantifier::Forall);
    let CondExpr::Or(top) = &t.condition.expr else {
        panic!("top level must be a disjunction");
    };
    assert_eq!(top.len(), 2);
    let CondExpr::And(left) = &top[0] else {
        panic!("left disjunct must be a conjunction");
    };
    assert_eq!(left.len(), 3);
    assert!(matches!(&left[2], CondExpr::Or(inner) if inner.len() == 2));
    assert!(matches!(&top[1], CondExpr::And(right) if right.len() == 4));
    assert_eq!(
        t.condition.expr.to_string(),
        "(0:EAX=2 /\\ y=1 /\\ ((1:EAX=0 /\\ x=2) \\/ (1:EAX=2 /\\ x=1))) \\/ (0:EAX=0 /\\ 1:EAX=2 /\\ x=1 /\\ y=2)"
    );
}

#[test]
fn locations_lines() {
    let t = load("x86", "m14i");
    let keys: Vec<String> = t.locations.iter().map(|l| l.node.herd_key()).collect();
    assert_eq!(keys, vec!["0:EAX", "1:EAX", "[x]"]);
    let t = load("c11", "CoWW+RR+locations");
    let locs: Vec<&LocRef> = t.locations.iter().map(|l| &l.node).collect();
    assert_eq!(locs, vec![&LocRef::Var("x".into())]);
    let keys: Vec<String> = t
        .observed_locations()
        .iter()
        .map(LocRef::herd_key)
        .collect();
    assert_eq!(keys, vec!["[x]", "1:r0", "1:r1"]);
}

#[test]
fn mp_rel_casfail_acq_has_a_strong_cas() {
    let t = load("c11", "MP+rel+casfail-acq");
    let p1 = t.threads[1].c().expect("C thread");
    assert_eq!(p1.param("e").map(|p| p.ty), Some(ParamType::Int));
    assert!(p1.is_atomic("y"));
    assert_eq!(
        c_body(&t, 1)[0],
        CStmt::CompareExchange {
            dest: Some(Dest {
                reg: "r0".into(),
                declares: true
            }),
            strength: CasStrength::Strong,
            var: "y".into(),
            expected: "e".into(),
            desired: CValue::Const(5),
            success: MemoryOrder::Relaxed,
            failure: MemoryOrder::Acquire,
        }
    );
    let keys: Vec<String> = t
        .observed_locations()
        .iter()
        .map(LocRef::herd_key)
        .collect();
    assert_eq!(keys, vec!["1:r0", "[e]", "1:r1"]);
}

#[test]
fn c_special_forms() {
    // Same location atomic in one thread, volatile in the other.
    let t = load("c11", "a1");
    assert!(t.threads[0].c().expect("C").is_atomic("y"));
    let p1 = t.threads[1].c().expect("C");
    assert_eq!(p1.param("y").map(|p| p.ty), Some(ParamType::VolatileInt));
    assert!(!p1.is_atomic("y"));
    assert_eq!(
        c_body(&t, 1)[1],
        CStmt::If {
            cond: IfCond::NonZero { reg: "r1".into() },
            body: vec![Spanned {
                node: CStmt::PlainStore {
                    var: "y".into(),
                    value: CValue::Const(1)
                },
                span: ravel_litmus::Span {
                    line: 12,
                    column: 5,
                    len: 7
                },
            }],
        }
    );

    // `int r1 = -1;` then `if (1 == r0) { r1 = *x; }`, plus `//` comments.
    let t = load("c11", "mp_fences");
    let body = c_body(&t, 1);
    assert_eq!(
        body[2],
        CStmt::SetReg {
            dest: Dest {
                reg: "r1".into(),
                declares: true
            },
            value: CValue::Const(-1)
        }
    );
    let CStmt::If { cond, body: inner } = &body[3] else {
        panic!("expected an if");
    };
    assert_eq!(
        cond,
        &IfCond::Equals {
            reg: "r0".into(),
            value: 1,
            const_first: true
        }
    );
    assert_eq!(
        inner[0].node,
        CStmt::PlainLoad {
            dest: Dest {
                reg: "r1".into(),
                declares: false
            },
            var: "x".into()
        }
    );

    // Nested ifs.
    let t = load("c11", "seq");
    let body = c_body(&t, 1);
    let CStmt::If { body: outer, .. } = &body[1] else {
        panic!("expected an if");
    };
    assert!(matches!(&outer[1].node, CStmt::If { .. }));

    // Init with brackets and no final `;`.
    let t = load("c11", "rseq_weak");
    assert_eq!(t.init.len(), 2);
    assert_eq!(t.init[1].loc, LocRef::Var("y".into()));

    // Store of a register, fetch_sub.
    let t = load("c11", "FAA+FSUB");
    assert!(c_body(&t, 1).iter().any(|s| matches!(
        s,
        CStmt::FetchOp {
            op: FetchOp::Sub,
            ..
        }
    )));
    assert_eq!(
        t.threads[0].c().expect("C").registers(),
        c_body(&t, 0)
            .iter()
            .filter_map(|s| s.dest().map(|d| d.reg.as_str()))
            .collect::<Vec<_>>()
    );
}

// ---------------------------------------------------------------- counts

fn count_x86(tests: &[(PathBuf, LitmusTest)]) -> BTreeMap<&'static str, usize> {
    let mut c = BTreeMap::new();
    for (_, t) in tests {
        for th in &t.threads {
            for i in th.x86().expect("X86") {
                let form = match &i.node {
                    X86Instr::MovStore {
                        src: Operand::Imm(_),
                        ..
                    } => "MOV [v],$k",
                    X86Instr::MovStore {
                        src: Operand::Reg(_),
                        ..
                    } => "MOV [v],R",
                    X86Instr::MovLoad { .. } => "MOV R,[v]",
                    X86Instr::MovImm { .. } => "MOV R,$k",
                    X86Instr::Mfence => "MFENCE",
                    X86Instr::Lfence => "LFENCE",
                    X86Instr::Sfence => "SFENCE",
                    X86Instr::Xchg {
                        lock_prefix: true, ..
                    } => "LOCK XCHG",
                    X86Instr::Xchg {
                        reg_first: false, ..
                    } => "XCHG [v],R",
                    X86Instr::Xchg { .. } => "XCHG R,[v]",
                    X86Instr::LockAdd { .. } => "LOCK ADD",
                    X86Instr::LockInc { .. } => "LOCK INC",
                    X86Instr::LockDec { .. } => "LOCK DEC",
                    X86Instr::LockXor { .. } => "LOCK XOR",
                    X86Instr::Inc { .. } => "INC",
                    X86Instr::Dec { .. } => "DEC",
                    X86Instr::Add { .. } => "ADD",
                };
                *c.entry(form).or_insert(0) += 1;
            }
        }
    }
    c
}

fn count_c_stmt(s: &CStmt, c: &mut BTreeMap<&'static str, usize>) {
    let form = match s {
        CStmt::AtomicLoad { .. } => "load",
        CStmt::AtomicStore {
            value: CValue::Const(_),
            ..
        } => "store k",
        CStmt::AtomicStore { .. } => "store r",
        CStmt::Fence { .. } => "fence",
        CStmt::FetchOp {
            op: FetchOp::Add,
            dest,
            ..
        } => {
            if dest.is_some() {
                "fetch_add ->r"
            } else {
                "fetch_add"
            }
        }
        CStmt::FetchOp { dest, .. } => {
            if dest.is_some() {
                "fetch_sub ->r"
            } else {
                "fetch_sub"
            }
        }
        CStmt::Exchange { .. } => "exchange",
        CStmt::CompareExchange {
            strength: CasStrength::Strong,
            ..
        } => "cas strong",
        CStmt::CompareExchange { .. } => "cas weak",
        CStmt::PlainStore { .. } => "*v = k",
        CStmt::PlainLoad {
            dest: Dest { declares: true, .. },
            ..
        } => "int r = *v",
        CStmt::PlainLoad { .. } => "r = *v",
        CStmt::SetReg { .. } => "int r = k",
        CStmt::If { cond, body } => {
            for s in body {
                count_c_stmt(&s.node, c);
            }
            match cond {
                IfCond::NonZero { .. } => "if (r)",
                IfCond::Equals {
                    const_first: false, ..
                } => "if (r == k)",
                IfCond::Equals { .. } => "if (k == r)",
            }
        }
    };
    *c.entry(form).or_insert(0) += 1;
}

fn count_c(tests: &[(PathBuf, LitmusTest)]) -> BTreeMap<&'static str, usize> {
    let mut c = BTreeMap::new();
    for (_, t) in tests {
        for th in &t.threads {
            for s in &th.c().expect("C").body {
                count_c_stmt(&s.node, &mut c);
            }
        }
    }
    c
}

/// Counts obtained independently (a line-based scan of the corpus). Some
/// differ from the README table, whose numbers are stale; see the report.
#[test]
fn x86_instruction_form_counts() {
    let counts = count_x86(&parse_all("x86"));
    let expected: BTreeMap<&str, usize> = [
        ("MOV [v],$k", 288),
        ("MOV R,[v]", 271),
        ("MOV R,$k", 22),
        ("MOV [v],R", 2),
        ("MFENCE", 40),
        ("LFENCE", 2),
        ("SFENCE", 2),
        ("XCHG [v],R", 39),
        ("XCHG R,[v]", 1),
        ("LOCK XCHG", 1),
        ("LOCK ADD", 1),
        ("LOCK INC", 2),
        ("LOCK DEC", 2),
        ("LOCK XOR", 2),
        ("INC", 2),
    ]
    .into_iter()
    .collect();
    assert_eq!(counts, expected);
}

#[test]
fn c_statement_form_counts() {
    let counts = count_c(&parse_all("c11"));
    let expected: BTreeMap<&str, usize> = [
        ("load", 179),
        ("store k", 175),
        ("store r", 4),
        ("fence", 28),
        ("fetch_add ->r", 6),
        ("fetch_add", 3),
        ("fetch_sub ->r", 1),
        ("exchange", 8),
        ("cas strong", 7),
        ("cas weak", 2),
        ("*v = k", 23),
        ("int r = *v", 15),
        ("r = *v", 5),
        ("int r = k", 5),
        ("if (r == k)", 6),
        ("if (k == r)", 3),
        ("if (r)", 15),
    ]
    .into_iter()
    .collect();
    assert_eq!(counts, expected);
}

// ------------------------------------------------------- expected.json

fn expected_json(sub: &str) -> serde_json::Value {
    let path = corpus_dir().join(sub).join("expected.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad JSON in {}: {e}", path.display()))
}

/// The keys of every state herd7 printed equal the test's observed
/// locations (condition plus `locations` line), in herd's naming.
fn check_observed_locations(sub: &str) {
    let tests = parse_all(sub);
    let json = expected_json(sub);
    let verdicts = json.as_object().expect("top-level object");
    let names: BTreeSet<&str> = tests.iter().map(|(_, t)| t.name.as_str()).collect();
    let json_names: BTreeSet<&str> = verdicts.keys().map(String::as_str).collect();
    assert_eq!(names, json_names);
    let mut mismatches = Vec::new();
    for (_, t) in &tests {
        let ours: BTreeSet<String> = t
            .observed_locations()
            .iter()
            .map(LocRef::herd_key)
            .collect();
        let models = verdicts[t.name.as_str()].as_object().expect("models");
        let mut seen_states = 0;
        for (model, verdict) in models {
            for state in verdict["states"].as_array().expect("states array") {
                seen_states += 1;
                let keys: BTreeSet<String> =
                    state.as_object().expect("state").keys().cloned().collect();
                if keys != ours {
                    mismatches.push(format!(
                        "{} [{model}]: herd {keys:?}, ours {ours:?}",
                        t.name
                    ));
                }
            }
        }
        assert!(seen_states > 0, "{} has no states", t.name);
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn x86_observed_locations_match_expected_json() {
    check_observed_locations("x86");
}

#[test]
fn c_observed_locations_match_expected_json() {
    check_observed_locations("c11");
}

#[test]
fn registers_in_conditions_are_typed() {
    for (_, t) in parse_all("x86") {
        for loc in t.observed_locations() {
            if let LocRef::Reg { reg, .. } = loc {
                assert!(matches!(reg, Reg::X86(_)));
            }
        }
    }
    for (_, t) in parse_all("c11") {
        for loc in t.observed_locations() {
            if let LocRef::Reg { reg, .. } = loc {
                assert!(matches!(reg, Reg::C(_)));
            }
        }
    }
}

#[test]
fn corpus_dir_is_where_the_readme_says() {
    assert!(Path::new(&corpus_dir()).join("README.md").is_file());
}

/// Forms the grammar accepts but the corpus does not use.
#[test]
fn forms_missing_from_the_corpus() {
    let src = "X86 extra\n{ x=-1; }\n P0 ;\n DEC [x] ;\n ADD [x],$-3 ;\n LOCK XCHG EBP,[x] ;\n\
               exists ([x]=-4 \\/ 0:EBP=2)\n";
    let t = ravel_litmus::parse(src, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(t.init[0].value, -1);
    assert_eq!(
        x86_code(&t, 0),
        vec![
            X86Instr::Dec { var: "x".into() },
            X86Instr::Add {
                var: "x".into(),
                imm: -3
            },
            X86Instr::Xchg {
                var: "x".into(),
                reg: X86Reg::Ebp,
                lock_prefix: true,
                reg_first: true
            },
        ]
    );

    let src = "C extra\n{}\nP0 (atomic_int* x, volatile int* y) {\n  int r0 = 2;\n  r0 = 3;\n  \
               atomic_fetch_sub_explicit(x, r0, memory_order_acq_rel);\n  \
               atomic_exchange_explicit(x, 1, memory_order_seq_cst);\n  *y = r0;\n}\n\
               ~exists (0:r0=3 /\\ [y]=3)\n";
    let t = ravel_litmus::parse(src, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(t.condition.quantifier, Quantifier::NotExists);
    assert_eq!(
        c_body(&t, 0)[1..],
        [
            CStmt::SetReg {
                dest: Dest {
                    reg: "r0".into(),
                    declares: false
                },
                value: CValue::Const(3)
            },
            CStmt::FetchOp {
                dest: None,
                op: FetchOp::Sub,
                var: "x".into(),
                value: CValue::Reg("r0".into()),
                order: MemoryOrder::AcqRel
            },
            CStmt::Exchange {
                dest: None,
                var: "x".into(),
                value: CValue::Const(1),
                order: MemoryOrder::SeqCst
            },
            CStmt::PlainStore {
                var: "y".into(),
                value: CValue::Reg("r0".into())
            },
        ]
    );
    let mut values = |loc: &LocRef| match loc.herd_key().as_str() {
        "0:r0" | "[y]" => 3,
        _ => 0,
    };
    assert!(t.condition.expr.eval(&mut values));
}
