//! herd7 litmus front end: parses the X86 and C litmus dialects that
//! herd7 7.58 reads (the subset described in the corpus README) into an
//! engine-independent syntax tree ([`LitmusTest`]).
//!
//! Parsing never panics. Anything outside the supported subset is rejected
//! with a [`ParseError`] whose message says `unsupported`, so a test is
//! never silently misread.
//!
//! ```
//! let src = "X86 SB\n{ x=0; y=0; }\n P0 | P1 ;\n MOV [x],$1 | MOV [y],$1 ;\n \
//!            MOV EAX,[y] | MOV EAX,[x] ;\nexists (0:EAX=0 /\\ 1:EAX=0)\n";
//! let test = ravel_litmus::parse(src, None).unwrap();
//! assert_eq!(test.threads.len(), 2);
//! ```

mod ast;
mod compile;
mod cursor;
mod error;
mod expect;
mod explain;
mod header;
mod interpret;
mod lexer;
mod parse_c;
mod parse_common;
mod parse_condition;
mod parse_x86;
mod report;
mod run;
mod shard_part;
mod validate;

use std::path::Path;

pub use ast::{
    Arch, CParam, CStmt, CThread, CValue, CasStrength, CondExpr, Condition, Dest, FetchOp, IfCond,
    InitItem, LitmusTest, LocRef, MemoryOrder, Operand, ParamType, Quantifier, Reg, Span, Spanned,
    Thread, ThreadCode, X86Instr, X86Reg,
};
pub use error::{ErrorDetails, ErrorKind, ParseError};
pub use expect::{Expected, Mismatch, State, Verdict};
pub use explain::{
    explain_test, sc_cycle, sc_interleaving, CycleEdge, Explained, Explanation, Relation,
    ScVerdict, Witness,
};
pub use interpret::{LitmusProgram, RegisterFiles};
pub use ravel_core::explore::Shard;
pub use ravel_core::model::MemoryModelKind;
pub use report::{
    explanations_json, json_to_string_pretty, render_explanations_text, render_json, render_text,
    state_line, states_json,
};
pub use run::{
    default_model, model_key, run_test, run_test_part, HerdResult, Observation, TestResult,
};
/// The JSON value type results render to (re-exported from `serde_json`).
pub use serde_json::Value as JsonValue;
pub use shard_part::{merge_parts, LitmusPart, MergedLitmus};

/// Parses a litmus test from `source`. The dialect is chosen by the first
/// word (`X86` or `C`); `file` only serves error messages.
pub fn parse(source: &str, file: Option<&Path>) -> Result<LitmusTest, ParseError> {
    parse_inner(source).map_err(|e| e.with_source(source, file))
}

/// Reads and parses the file at `path`. An unreadable file yields a
/// [`ParseError`] of kind [`ErrorKind::Io`] with line 0.
pub fn parse_file(path: impl AsRef<Path>) -> Result<LitmusTest, ParseError> {
    let path = path.as_ref();
    let source = std::fs::read_to_string(path).map_err(|e| ParseError::io(path, &e))?;
    parse(&source, Some(path))
}

/// Reads, parses and loads the file at `path`: like [`parse_file`], but
/// also rejects what the interpreter cannot run (memory orders C11 forbids
/// for an access, such as a release load), with the same rendering.
pub fn load_file(path: impl AsRef<Path>) -> Result<LitmusTest, ParseError> {
    let path = path.as_ref();
    let source = std::fs::read_to_string(path).map_err(|e| ParseError::io(path, &e))?;
    load(&source, Some(path))
}

/// Parses `source` and checks that the interpreter can run it (see
/// [`load_file`]).
pub fn load(source: &str, file: Option<&Path>) -> Result<LitmusTest, ParseError> {
    let test = parse(source, file)?;
    compile::compile(&test).map_err(|e| e.with_source(source, file))?;
    Ok(test)
}

fn parse_inner(source: &str) -> Result<LitmusTest, ParseError> {
    let header = header::parse_header(source)?;
    let tokens = lexer::tokenize(
        source,
        header.body_offset,
        (header.body_line, header.body_column),
    )?;
    let mut cur = cursor::Cursor::new(source, tokens);
    let arch = header.arch;
    let init = parse_common::parse_init(&mut cur, arch)?;
    let threads = match arch {
        Arch::X86 => parse_x86::parse_program(&mut cur)?,
        Arch::C => parse_c::parse_threads(&mut cur)?,
    };
    let locations = parse_common::parse_locations_line(&mut cur, arch)?;
    let condition = parse_condition::parse_condition(&mut cur, arch)?;
    cur.expect_eof("after the final condition")?;
    let test = LitmusTest {
        arch,
        name: header.name,
        doc: header.doc,
        init,
        threads,
        locations,
        condition,
        span: header.name_span,
    };
    validate::validate(&test)?;
    Ok(test)
}
