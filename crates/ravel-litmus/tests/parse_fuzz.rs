//! Robustness: mutated corpus files and arbitrary text must make `parse`
//! return `Ok` or `Err`, never panic, and errors must render.

use std::path::PathBuf;
use std::sync::OnceLock;

use proptest::prelude::*;
use ravel_litmus::{parse, ParseError};

fn corpus() -> &'static [String] {
    static CORPUS: OnceLock<Vec<String>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let root = PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/litmus"
        ));
        let mut out = Vec::new();
        for sub in ["x86", "c11"] {
            let Ok(entries) = std::fs::read_dir(root.join(sub)) else {
                continue;
            };
            let mut paths: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "litmus"))
                .collect();
            paths.sort();
            out.extend(paths.iter().filter_map(|p| std::fs::read_to_string(p).ok()));
        }
        assert!(out.len() > 200, "corpus not found under {}", root.display());
        out
    })
}

/// Fragments that tend to hit parser edge cases when spliced in.
const FRAGMENTS: &[&str] = &[
    "MOV",
    "LOCK",
    "XCHG",
    "[x]",
    "[",
    "]",
    "$",
    "$-1",
    "|",
    ";",
    ",",
    "(*",
    "*)",
    "//",
    "exists",
    "~exists",
    "forall",
    "locations",
    "/\\",
    "\\/",
    "(",
    ")",
    "P0",
    "P1",
    "P9",
    "EAX",
    "ESP",
    "0:EAX=",
    "1:r0",
    "=",
    "==",
    "-",
    "{",
    "}",
    "if",
    "else",
    "int",
    "r0",
    "*x",
    "atomic_int*",
    "atomic_load_explicit(",
    "memory_order_relaxed",
    "memory_order_consume",
    "\"",
    "\n",
    "\t",
    "é",
    "99999999999999999999",
    "0",
    "X86",
    "C",
    "\r\n",
];

#[derive(Debug, Clone)]
enum Mutation {
    Delete { at: usize, len: usize },
    InsertChar { at: usize, ch: char },
    ReplaceChar { at: usize, ch: char },
    InsertFragment { at: usize, fragment: usize },
    ReplaceWord { at: usize, fragment: usize },
    Truncate { at: usize },
    DuplicateLine { line: usize },
    DeleteLine { line: usize },
    SwapLines { a: usize, b: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let pos = any::<usize>();
    let frag = 0..FRAGMENTS.len();
    prop_oneof![
        (pos, 1usize..6).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (pos, any::<char>()).prop_map(|(at, ch)| Mutation::InsertChar { at, ch }),
        (pos, any::<char>()).prop_map(|(at, ch)| Mutation::ReplaceChar { at, ch }),
        (pos, frag.clone()).prop_map(|(at, fragment)| Mutation::InsertFragment { at, fragment }),
        (pos, frag).prop_map(|(at, fragment)| Mutation::ReplaceWord { at, fragment }),
        pos.prop_map(|at| Mutation::Truncate { at }),
        pos.prop_map(|line| Mutation::DuplicateLine { line }),
        pos.prop_map(|line| Mutation::DeleteLine { line }),
        (pos, pos).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    let at = |p: usize| if n == 0 { 0 } else { p % (n + 1) };
    match *m {
        Mutation::Delete { at: p, len } => {
            let start = at(p);
            let end = (start + len).min(n);
            chars.drain(start..end);
        }
        Mutation::InsertChar { at: p, ch } => chars.insert(at(p), ch),
        Mutation::ReplaceChar { at: p, ch } => {
            let i = at(p);
            if i < n {
                chars[i] = ch;
            } else {
                chars.push(ch);
            }
        }
        Mutation::InsertFragment { at: p, fragment } => {
            let i = at(p);
            let frag = FRAGMENTS[fragment % FRAGMENTS.len()];
            chars.splice(i..i, frag.chars());
        }
        Mutation::ReplaceWord { at: p, fragment } => {
            // Replace the maximal run of non-whitespace around position p.
            let i = at(p).min(n.saturating_sub(1));
            let mut start = i;
            while start > 0 && !chars[start - 1].is_whitespace() {
                start -= 1;
            }
            let mut end = i;
            while end < n && !chars[end].is_whitespace() {
                end += 1;
            }
            let frag = FRAGMENTS[fragment % FRAGMENTS.len()];
            chars.splice(start..end.max(start), frag.chars());
        }
        Mutation::Truncate { at: p } => chars.truncate(at(p)),
        Mutation::DuplicateLine { line } | Mutation::DeleteLine { line } => {
            let mut lines: Vec<&str> = text.split('\n').collect();
            let i = line % lines.len().max(1);
            if let Mutation::DuplicateLine { .. } = m {
                let l = lines[i];
                lines.insert(i, l);
            } else {
                lines.remove(i);
            }
            return lines.join("\n");
        }
        Mutation::SwapLines { a, b } => {
            let mut lines: Vec<&str> = text.split('\n').collect();
            let len = lines.len().max(1);
            lines.swap(a % len, b % len);
            return lines.join("\n");
        }
    }
    chars.into_iter().collect()
}

/// An error must point inside (or just past) the source and render.
fn check_error(src: &str, e: &ParseError) {
    let rendered = e.to_string();
    assert!(rendered.starts_with("error: "));
    let lines = src.split('\n').count();
    assert!(
        e.line >= 1 && e.line <= lines.max(1),
        "line {} of {lines}",
        e.line
    );
    assert!(e.column >= 1);
    assert!(e.width >= 1);
}

fn parse_checked(src: &str) {
    if let Err(e) = parse(src, None) {
        check_error(src, &e);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 400,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_corpus_never_panics(
        file in any::<usize>(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let files = corpus();
        let mut text = files[file % files.len()].clone();
        for m in &mutations {
            text = apply(&text, m);
        }
        parse_checked(&text);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        parse_checked(&text);
        parse_checked(&format!("X86 T\n{text}"));
        parse_checked(&format!("C T\n{text}"));
    }
}

#[test]
fn every_single_truncation_of_small_files_is_handled() {
    // Deterministic complement to the random search: every prefix of one
    // X86 and one C file.
    for name in ["x86/SB.litmus", "c11/mp_fences.litmus"] {
        let path = PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/litmus"
        ))
        .join(name);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let chars: Vec<char> = text.chars().collect();
        for i in 0..chars.len() {
            let prefix: String = chars[..i].iter().collect();
            parse_checked(&prefix);
        }
    }
}

#[test]
fn deep_nesting_is_rejected_not_a_stack_overflow() {
    let parens = format!(
        "X86 T\n{{ }}\n P0 ;\n MOV [x],$1 ;\nexists {}x=1{}\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    assert!(parse(&parens, None).is_err());

    let mut c = String::from("C T\n{}\nP0 (atomic_int* x) {\n int r0 = 1;\n");
    c.push_str(&"if (r0) {\n".repeat(10_000));
    c.push_str(&"}\n".repeat(10_000));
    c.push_str("}\nexists (x=0)\n");
    assert!(parse(&c, None).is_err());

    let comments = format!("C T\n{}\n", "(*".repeat(100_000));
    assert!(parse(&comments, None).is_err());

    // Nesting within the limits still parses.
    let ok = format!(
        "X86 T\n{{ }}\n P0 ;\n MOV [x],$1 ;\nexists {}x=1{}\n",
        "(".repeat(100),
        ")".repeat(100)
    );
    assert!(parse(&ok, None).is_ok());
}
