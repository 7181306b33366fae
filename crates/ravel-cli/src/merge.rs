//! `ravel merge`: puts a sharded exploration back together. Each shard of a test suite run with
//! `RAVEL_SHARD=k/n` appends its part of every exploration to `shard-k-of-n.jsonl`, and each
//! `ravel litmus --shard k/n` writes its part of every litmus test to `litmus-shard-k-of-n.jsonl`;
//! this adds the parts up per exploration and says whether the whole was covered and what was
//! found (for litmus tests: herd's verdict on the whole).

use crate::args::MergeArgs;
use ravel::shard_output::{merge, parse_shard_line, shard_dir, MergedResult, ShardResult};
use ravel_litmus::{merge_parts, render_json, render_text, LitmusPart, MergedLitmus};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Runs the command: 0 when every exploration is complete and found nothing, 1 when something
/// was found or a part is missing or unfinished, 2 when a file cannot be read or parsed.
pub fn run(args: &MergeArgs) -> ExitCode {
    let paths = if args.paths.is_empty() {
        vec![shard_dir()]
    } else {
        args.paths.clone()
    };
    let merged = load(&paths)
        .and_then(|(results, parts)| Ok((merge(&results).map_err(|e| e.0)?, merge_parts(&parts)?)));
    match merged {
        Ok((merged, litmus)) => {
            if args.json {
                let mut value = serde_json::to_value(&merged).expect("merged results serialise");
                if !litmus.is_empty() {
                    value = serde_json::json!({
                        "explorations": value,
                        "litmus": litmus.iter().map(litmus_json).collect::<Vec<_>>(),
                    });
                }
                println!(
                    "{}",
                    serde_json::to_string_pretty(&value).expect("JSON values serialise")
                );
            } else {
                if !merged.is_empty() {
                    print!("{}", render(&merged));
                }
                print!("{}", render_litmus(&litmus));
            }
            let clean = merged.iter().all(|m| m.complete && m.findings.is_empty())
                && litmus.iter().all(|m| m.result.complete);
            if clean {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(message) => {
            eprintln!("ravel merge: {message}");
            ExitCode::from(2)
        }
    }
}

/// A merged litmus test as `ravel litmus --json` prints it, with the parts it came from.
fn litmus_json(m: &MergedLitmus) -> serde_json::Value {
    let mut v = render_json(&m.result);
    v["shards"] = m.shards.into();
    v["missing_shards"] = m.missing.clone().into();
    v
}

/// herd's text for each merged litmus test, with a note on the parts.
fn render_litmus(merged: &[MergedLitmus]) -> String {
    let mut out = String::new();
    for m in merged {
        out.push_str(&render_text(&m.result));
        if m.missing.is_empty() {
            out.push_str(&format!("(merged from {} shards)\n\n", m.shards));
        } else {
            let missing: Vec<String> = m
                .missing
                .iter()
                .map(|k| format!("{k}/{}", m.shards))
                .collect();
            out.push_str(&format!(
                "(incomplete: no result from shard {})\n\n",
                missing.join(", ")
            ));
        }
    }
    out
}

/// Reads every shard file named or found in a named directory: the runtime's results and the
/// litmus parts.
fn load(paths: &[PathBuf]) -> Result<(Vec<ShardResult>, Vec<LitmusPart>), String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path)
                .map_err(|e| format!("{}: cannot list: {e}", path.display()))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
                .collect();
            if found.is_empty() {
                return Err(format!(
                    "{}: no shard result files (*.jsonl); run the tests with RAVEL_SHARD=k/n (or \
                     `ravel litmus --shard k/n`) first",
                    path.display()
                ));
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    let mut results = Vec::new();
    let mut parts = Vec::new();
    for file in files {
        read(&file, &mut results, &mut parts)?;
    }
    if results.is_empty() && parts.is_empty() {
        return Err("the shard files hold no results".to_string());
    }
    Ok((results, parts))
}

/// Reads one file: one JSON object per line, a litmus part when marked `"kind": "litmus"`.
fn read(
    file: &Path,
    results: &mut Vec<ShardResult>,
    parts: &mut Vec<LitmusPart>,
) -> Result<(), String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("{}: cannot read: {e}", file.display()))?;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = |column: usize| format!("{}:{}:{column}", file.display(), i + 1);
        let value: serde_json::Value = serde_json::from_str(line).map_err(|e| {
            format!(
                "{}: expected a ravel shard result (one JSON object per line): {e}",
                at(e.column())
            )
        })?;
        if value.get("kind").and_then(|k| k.as_str()) == Some("litmus") {
            let part = LitmusPart::from_json(&value)
                .map_err(|e| format!("{}: expected a litmus shard part: {e}", at(1)))?;
            parts.push(part);
        } else {
            let origin = file.display().to_string();
            results.push(parse_shard_line(&origin, i + 1, line).map_err(|e| e.0)?);
        }
    }
    Ok(())
}

/// One line per exploration, then the first report of each that found something.
fn render(merged: &[MergedResult]) -> String {
    let mut out = String::new();
    for m in merged {
        let name = if m.sequence == 0 {
            m.test.clone()
        } else {
            format!("{} (exploration {})", m.test, m.sequence + 1)
        };
        let status = if !m.findings.is_empty() {
            format!("{} finding(s)", m.findings.len())
        } else if !m.missing.is_empty() {
            let missing: Vec<String> = m
                .missing
                .iter()
                .map(|k| format!("{k}/{}", m.shards))
                .collect();
            format!("incomplete: no result from shard {}", missing.join(", "))
        } else if !m.complete {
            "incomplete: a shard stopped early".to_string()
        } else {
            "ok".to_string()
        };
        out.push_str(&format!(
            "{name}: {} executions over {} shards ({}): {status}\n",
            m.executions, m.shards, m.model
        ));
    }
    for m in merged {
        for f in &m.findings {
            out.push('\n');
            out.push_str(&f.report);
        }
    }
    let complete = merged.iter().filter(|m| m.complete).count();
    out.push_str(&format!(
        "\n{} exploration(s), {complete} complete, {} with findings\n",
        merged.len(),
        merged.iter().filter(|m| !m.findings.is_empty()).count()
    ));
    out
}
