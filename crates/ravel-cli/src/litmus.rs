//! `ravel litmus`: runs herd7 litmus tests through ravel's engine, prints herd-style (or JSON)
//! verdicts and optionally compares them with herd's `expected.json`. With `--explain`, each
//! state the model reaches but SC does not is explained by one execution and the cycle SC forbids.
//!
//! With `--shard K/N`, only part K of N of each test's exploration runs (see
//! `ravel_litmus::run_test_part`) and the parts go to a file `ravel merge` reads.
//!
//! Exit codes: 0 when everything ran (and matched the expectations), 1 on a mismatch with the
//! expectations, 2 when a test could not be loaded.

use crate::config::LitmusConfig;
use crate::progress::Progress;
use ravel_core::MemoryModelKind;
use ravel_litmus::{
    default_model, explain_test, explanations_json, load_file, model_key, render_explanations_text,
    render_json, render_text, run_test, run_test_part,
};
use std::process::ExitCode;
use std::time::Instant;

/// Runs `ravel litmus` as configured.
pub fn run(config: &LitmusConfig) -> ExitCode {
    let mut load_errors = 0usize;
    let mut mismatched = 0usize;
    let mut json = Vec::new();
    let mut parts = Vec::new();
    let mut files = config.files.iter();
    let progress = Progress::new(config.files.len(), "tests");
    for (group, count) in &config.groups {
        let started = Instant::now();
        for path in files.by_ref().take(*count) {
            progress.working_on(path.display().to_string());
            let loaded = load_file(path);
            progress.advance();
            let test = match loaded {
                Ok(t) => t,
                Err(e) => {
                    progress.eprint(&e.to_string());
                    load_errors += 1;
                    continue;
                }
            };
            let model: MemoryModelKind = config.model.unwrap_or_else(|| default_model(test.arch));
            if let Some(shard) = config.shard {
                match run_test_part(&test, model, shard) {
                    Ok(part) => {
                        parts.push(part.to_json_line());
                        if config.json {
                            json.push(render_json(&part.result));
                        } else {
                            progress.print(&format!("{}\n", render_text(&part.result)));
                        }
                    }
                    Err(e) => {
                        progress.eprint(&e.to_string());
                        load_errors += 1;
                    }
                }
                continue;
            }
            let ran = if config.explain {
                explain_test(&test, model).map(|e| (e.result.clone(), Some(e)))
            } else {
                run_test(&test, model).map(|r| (r, None))
            };
            let (result, explained) = match ran {
                Ok(r) => r,
                Err(e) => {
                    progress.eprint(&e.to_string());
                    load_errors += 1;
                    continue;
                }
            };
            let mismatches = config
                .expect
                .as_ref()
                .map(|e| e.compare(&result))
                .unwrap_or_default();
            if !mismatches.is_empty() {
                mismatched += 1;
            }
            if config.json {
                let mut v = render_json(&result);
                if config.expect.is_some() {
                    v["file"] = path.display().to_string().into();
                    v["mismatches"] = mismatches
                        .iter()
                        .map(|m| serde_json_string(&m.to_string()))
                        .collect::<Vec<_>>()
                        .into();
                }
                if let Some(e) = &explained {
                    v["explanations"] = explanations_json(e);
                }
                json.push(v);
            } else {
                let mut text = render_text(&result);
                if let Some(e) = &explained {
                    text.push_str(&render_explanations_text(e));
                }
                for m in &mismatches {
                    text.push_str(&format!(
                        "MISMATCH {} ({}): {m}\n",
                        result.name,
                        model_key(result.model)
                    ));
                }
                text.push('\n');
                progress.print(&text);
            }
        }
        let elapsed = started.elapsed();
        if group.is_dir() && elapsed.as_secs_f64() > 1.0 {
            progress.eprint(&format!(
                "ravel litmus: {}: {count} tests in {:.1}s",
                group.display(),
                elapsed.as_secs_f64()
            ));
        }
    }
    progress.finish();
    if let Some(shard) = config.shard {
        if let Err(message) = write_parts(shard, &parts) {
            eprintln!("ravel litmus: {message}");
            return ExitCode::from(2);
        }
    }
    if config.json {
        let text = ravel_litmus::json_to_string_pretty(&json);
        println!("{text}");
    }
    if config.expect.is_some() {
        let ran = config.files.len() - load_errors;
        if mismatched == 0 {
            eprintln!("ravel litmus: all {ran} tests match the expectations");
        } else {
            eprintln!("ravel litmus: {mismatched} of {ran} tests do not match the expectations");
        }
    }
    if load_errors > 0 {
        ExitCode::from(2)
    } else if mismatched > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Writes this part of every test's exploration, one JSON line each, for `ravel merge`; the file
/// is replaced, so running the same part again does not count it twice.
fn write_parts(shard: ravel_litmus::Shard, parts: &[String]) -> Result<(), String> {
    let dir = ravel::shard_output::shard_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
    let file = dir.join(format!(
        "litmus-shard-{}-of-{}.jsonl",
        shard.index(),
        shard.count()
    ));
    let mut text = parts.join("\n");
    text.push('\n');
    std::fs::write(&file, text).map_err(|e| format!("{}: cannot write: {e}", file.display()))?;
    eprintln!(
        "ravel litmus: shard {shard}: {} test part(s) written to {}; merge all parts with `ravel merge`",
        parts.len(),
        file.display()
    );
    Ok(())
}

fn serde_json_string(s: &str) -> ravel_litmus::JsonValue {
    ravel_litmus::JsonValue::String(s.to_string())
}
