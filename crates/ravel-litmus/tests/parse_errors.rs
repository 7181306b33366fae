//! Malformed and unsupported inputs: each must fail with the right
//! position and a helpful message, never a panic.

use std::path::Path;

use ravel_litmus::{parse, parse_file, ErrorKind, ParseError};

/// An X86 test whose fifth line is `row` and whose condition is `cond`
/// (line 6).
fn x86(row: &str, cond: &str) -> String {
    format!(
        "X86 T\n{{ x=0; y=0; }}\n P0          | P1          ;\n MOV [x],$1  | MOV [y],$1  ;\n{row}\n{cond}\n"
    )
}

const ROW: &str = " MOV EAX,[y] | MOV EAX,[x] ;";
const COND: &str = "exists (0:EAX=0 /\\ 1:EAX=0)";

/// A C test whose P0 body is the single line 5, `  {stmt}` (so the
/// statement starts at column 3), and whose condition is `cond` (line 12).
fn c(stmt: &str, cond: &str) -> String {
    format!(
        "C T\n{{ x = 0; y = 0; }}\n\nP0 (atomic_int* x, atomic_int* y) {{\n  {stmt}\n}}\n\n\
         P1 (atomic_int* x, int* y) {{\n  int r0 = atomic_load_explicit(x, memory_order_acquire);\n}}\n\n{cond}\n"
    )
}

const C_STORE: &str = "atomic_store_explicit(x, 1, memory_order_release);";
const C_COND: &str = "exists (1:r0=0)";

fn err(src: &str) -> ParseError {
    match parse(src, None) {
        Ok(t) => panic!("expected an error, parsed {t:?}\n--- source ---\n{src}"),
        Err(e) => e,
    }
}

/// Asserts position, kind and a message fragment.
fn check(src: &str, line: usize, column: usize, kind: ErrorKind, fragment: &str) {
    let e = err(src);
    assert_eq!(
        (e.line, e.column, e.kind),
        (line, column, kind),
        "wrong position/kind for:\n{e}"
    );
    assert!(
        e.message.contains(fragment),
        "message lacks `{fragment}`:\n{e}"
    );
    if kind == ErrorKind::Unsupported {
        assert!(e.message.contains("unsupported"));
    }
}

#[test]
fn templates_are_valid() {
    assert!(parse(&x86(ROW, COND), None).is_ok());
    assert!(parse(&c(C_STORE, C_COND), None).is_ok());
}

#[test]
fn golden_rendering() {
    let src = x86(" MOV EAX,FOO | MOV EAX,[x] ;", COND);
    let e = parse(&src, Some(Path::new("tests/bad.litmus"))).err();
    let e = e.map(|e| e.to_string()).unwrap_or_default();
    let expected = "\
error: expected a memory operand like [x] or an immediate like $1, found `FOO`
  --> tests/bad.litmus:5:10
   |
 5 |  MOV EAX,FOO | MOV EAX,[x] ;
   |          ^^^";
    assert_eq!(e, expected);
}

#[test]
fn golden_rendering_wide_gutter() {
    let mut src = String::from("C T\n{}\nP0 (atomic_int* x) {\n");
    for _ in 0..8 {
        src.push_str("  atomic_store_explicit(x, 1, memory_order_relaxed);\n");
    }
    src.push_str("  atomic_store_explicit(x, 1, memory_order_consume);\n}\nexists (x=1)\n");
    let e = err(&src);
    assert_eq!(
        e.to_string(),
        "\
error: unsupported memory order `memory_order_consume`
   --> <input>:12:31
    |
 12 |   atomic_store_explicit(x, 1, memory_order_consume);
    |                               ^^^^^^^^^^^^^^^^^^^^"
    );
    assert_eq!(e.found, "memory_order_consume");
}

// ------------------------------------------------------------------ X86

#[test]
fn x86_cmpxchg_is_unsupported() {
    check(
        &x86(" CMPXCHG [x],EAX | MOV EAX,[x] ;", COND),
        5,
        2,
        ErrorKind::Unsupported,
        "CMPXCHG",
    );
}

#[test]
fn x86_lock_cmpxchg_is_unsupported() {
    check(
        &x86(" MOV EAX,[y] | LOCK CMPXCHG [x],EBX ;", COND),
        5,
        21,
        ErrorKind::Unsupported,
        "illegal lock prefix",
    );
}

#[test]
fn x86_lock_on_mov_is_unsupported() {
    check(
        &x86(" LOCK MOV [x],$1 | MOV EAX,[x] ;", COND),
        5,
        7,
        ErrorKind::Unsupported,
        "LOCK only on XCHG",
    );
}

#[test]
fn x86_unknown_instruction_is_unsupported() {
    check(
        &x86(" MOV EAX,[y] | JMP L0 ;", COND),
        5,
        16,
        ErrorKind::Unsupported,
        "instruction `JMP`",
    );
    check(
        &x86(" mov EAX,[y] | MOV EAX,[x] ;", COND),
        5,
        2,
        ErrorKind::Unsupported,
        "upper case",
    );
}

#[test]
fn x86_register_outside_the_list() {
    check(
        &x86(" MOV EFX,[y] | MOV EAX,[x] ;", COND),
        5,
        6,
        ErrorKind::Syntax,
        "expected a register or a memory operand like [x], found `EFX`",
    );
    check(
        "X86 T\n{ x=0; 0:ESP=1; }\n P0 ;\n MOV EAX,[x] ;\nexists (x=0)\n",
        2,
        10,
        ErrorKind::Syntax,
        "found `ESP`",
    );
}

#[test]
fn x86_register_indirect_is_unsupported() {
    check(
        &x86(" MOV EAX,[EBX] | MOV EAX,[x] ;", COND),
        5,
        11,
        ErrorKind::Unsupported,
        "register-indirect",
    );
}

#[test]
fn x86_row_with_too_few_cells() {
    check(
        &x86(" MOV EAX,[y] ;", COND),
        5,
        14,
        ErrorKind::Invalid,
        "this row has 1 cell, but the header declares 2 threads",
    );
}

#[test]
fn x86_row_with_too_many_cells() {
    check(
        &x86(" MOV EAX,[y] | MOV EAX,[x] | MFENCE ;", COND),
        5,
        28,
        ErrorKind::Invalid,
        "more than 2 cells",
    );
}

#[test]
fn x86_threads_out_of_order() {
    check(
        "X86 T\n{ }\n P1 | P0 ;\n MOV [x],$1 | MOV [x],$2 ;\nexists (x=1)\n",
        3,
        2,
        ErrorKind::Invalid,
        "expected `P0`, found `P1`",
    );
}

#[test]
fn x86_missing_row_terminator() {
    check(
        &x86(" MOV EAX,[y] | MOV EAX,[x]", COND),
        5,
        27,
        ErrorKind::Syntax,
        "expected `|` or `;` after the instruction, found `exists`",
    );
}

#[test]
fn x86_condition_on_unknown_variable() {
    check(
        &x86(ROW, "exists (0:EAX=0 /\\ z=1)"),
        6,
        20,
        ErrorKind::Invalid,
        "variable `z` is not used by any thread",
    );
}

#[test]
fn x86_condition_on_missing_thread() {
    check(
        &x86(ROW, "exists (2:EAX=0)"),
        6,
        9,
        ErrorKind::Invalid,
        "thread 2 does not exist: the test has 2 threads",
    );
}

#[test]
fn x86_locations_line_with_bad_register() {
    check(
        &x86(ROW, "locations [x; 0:RAX;]\nexists (x=1)"),
        6,
        17,
        ErrorKind::Syntax,
        "found `RAX`",
    );
}

// ------------------------------------------------------------ condition

#[test]
fn condition_with_dangling_conjunction() {
    check(
        &x86(ROW, "exists (0:EAX=0 /\\ )"),
        6,
        20,
        ErrorKind::Syntax,
        "expected a condition atom",
    );
}

#[test]
fn condition_missing_parenthesis() {
    check(
        &x86(ROW, "exists (0:EAX=0 /\\ 1:EAX=0"),
        6,
        27,
        ErrorKind::Syntax,
        "expected `)`, `/\\` or `\\/`, found end of file",
    );
}

#[test]
fn condition_missing_quantifier() {
    check(
        &x86(ROW, "(0:EAX=0)"),
        6,
        1,
        ErrorKind::Syntax,
        "expected a final condition (`exists`, `~exists` or `forall`)",
    );
}

#[test]
fn condition_negation_is_unsupported() {
    check(
        &x86(ROW, "exists (~0:EAX=0)"),
        6,
        9,
        ErrorKind::Unsupported,
        "negation",
    );
    check(
        &x86(ROW, "~exists (0:EAX!=0)"),
        6,
        15,
        ErrorKind::Unsupported,
        "comparison",
    );
}

#[test]
fn text_after_condition() {
    check(
        &x86(ROW, "exists (0:EAX=0) 1:EAX=0"),
        6,
        18,
        ErrorKind::Syntax,
        "expected end of file after the final condition",
    );
}

// -------------------------------------------------------------------- C

#[test]
fn c_variable_not_a_parameter() {
    check(
        &c("atomic_store_explicit(z, 1, memory_order_release);", C_COND),
        5,
        25,
        ErrorKind::Invalid,
        "`z` is not a parameter of P0",
    );
}

#[test]
fn c_condition_register_of_missing_thread() {
    check(
        &c(C_STORE, "exists (3:r0=0)"),
        12,
        9,
        ErrorKind::Invalid,
        "thread 3 does not exist",
    );
}

#[test]
fn c_condition_register_not_declared() {
    check(
        &c(C_STORE, "exists (1:r7=0)"),
        12,
        9,
        ErrorKind::Invalid,
        "register `r7` is not declared in P1",
    );
}

#[test]
fn c_condition_unknown_variable() {
    check(
        &c(C_STORE, "exists (x=1 \\/ w=1)"),
        12,
        16,
        ErrorKind::Invalid,
        "variable `w` is not a parameter of any thread",
    );
}

#[test]
fn c_while_is_unsupported() {
    check(
        &c("while (1) { }", C_COND),
        5,
        3,
        ErrorKind::Unsupported,
        "statement `while`",
    );
}

#[test]
fn c_else_is_unsupported() {
    check(
        &c(
            "int r1 = atomic_load_explicit(y, memory_order_relaxed); if (r1) { } else { }",
            C_COND,
        ),
        5,
        71,
        ErrorKind::Unsupported,
        "`else`",
    );
}

#[test]
fn c_non_explicit_atomics_are_unsupported() {
    check(
        &c("int r1 = atomic_load(y);", C_COND),
        5,
        12,
        ErrorKind::Unsupported,
        "without `_explicit`",
    );
}

#[test]
fn c_consume_is_unsupported() {
    check(
        &c(
            "int r1 = atomic_load_explicit(y, memory_order_consume);",
            C_COND,
        ),
        5,
        36,
        ErrorKind::Unsupported,
        "memory_order_consume",
    );
}

#[test]
fn c_plain_access_to_atomic_parameter() {
    check(
        &c("*x = 1;", C_COND),
        5,
        4,
        ErrorKind::Unsupported,
        "plain access `*x`",
    );
}

#[test]
fn c_atomic_access_to_plain_parameter() {
    let src = "C T\n{}\nP0 (int* x) {\n  int r0 = atomic_load_explicit(x, memory_order_relaxed);\n}\nexists (0:r0=0)\n";
    check(
        src,
        4,
        33,
        ErrorKind::Unsupported,
        "declare it `atomic_int* x`",
    );
}

#[test]
fn c_undeclared_register() {
    check(
        &c("if (r3 == 1) { }", C_COND),
        5,
        7,
        ErrorKind::Invalid,
        "register `r3` is not declared in P0",
    );
}

#[test]
fn c_missing_semicolon_points_after_the_statement() {
    let src = "C T\n{}\nP0 (atomic_int* x) {\n  atomic_store_explicit(x, 1, memory_order_relaxed)\n}\nexists (x=1)\n";
    check(src, 4, 52, ErrorKind::Syntax, "expected `;`, found `}`");
}

#[test]
fn c_missing_closing_brace() {
    let src = "C T\n{}\nP0 (atomic_int* x) {\n  atomic_store_explicit(x, 1, memory_order_relaxed);\n\nexists (x=1)\n";
    check(
        src,
        6,
        1,
        ErrorKind::Syntax,
        "expected `}` closing the thread body, found `exists`",
    );
}

#[test]
fn c_threads_out_of_order() {
    let src = "C T\n{}\nP1 (atomic_int* x) {\n}\nexists (x=0)\n";
    check(src, 3, 1, ErrorKind::Invalid, "expected `P0`, found `P1`");
}

#[test]
fn c_unterminated_comment() {
    let src = "C T\n(* a comment\n   that never ends\n{}\n";
    check(src, 2, 1, ErrorKind::Syntax, "unterminated comment");
}

#[test]
fn c_unknown_parameter_type() {
    let src = "C T\n{}\nP0 (atomic_long* x) {\n}\nexists (x=0)\n";
    check(
        src,
        3,
        5,
        ErrorKind::Unsupported,
        "parameter type `atomic_long`",
    );
}

// --------------------------------------------------------------- header

#[test]
fn unknown_architecture() {
    check(
        "ARM SB\n{}\n",
        1,
        1,
        ErrorKind::Unsupported,
        "architecture `ARM`",
    );
    check(
        "X86_64 SB\n{}\n",
        1,
        1,
        ErrorKind::Unsupported,
        "architecture `X86_64`",
    );
}

#[test]
fn empty_input() {
    check("", 1, 1, ErrorKind::Syntax, "found end of file");
    check("\n\n", 2, 1, ErrorKind::Syntax, "found end of file");
}

#[test]
fn missing_test_name() {
    check("X86\n{}\n", 1, 4, ErrorKind::Syntax, "expected a test name");
}

#[test]
fn integer_out_of_range() {
    check(
        &x86(" MOV EAX,$99999999999999999999 | MOV EAX,[x] ;", COND),
        5,
        11,
        ErrorKind::Syntax,
        "out of range",
    );
}

#[test]
fn unreadable_file_is_an_io_error() {
    let e = parse_file("/nonexistent/dir/none.litmus").err();
    let e = e.unwrap_or_else(|| panic!("expected an error"));
    assert_eq!((e.kind, e.line, e.column), (ErrorKind::Io, 0, 0));
    assert!(e.to_string().starts_with("error: cannot read the file"));
    assert!(e.to_string().contains("--> /nonexistent/dir/none.litmus"));
}
