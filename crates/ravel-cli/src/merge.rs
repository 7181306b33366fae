//! `ravel merge`: puts a sharded exploration back together. Each shard of a test suite run with
//! `RAVEL_SHARD=k/n` appends its part of every exploration to `shard-k-of-n.jsonl`; this adds
//! the parts up per exploration and says whether the whole was covered and what was found.

use crate::args::MergeArgs;
use ravel::shard_output::{merge, parse_shard_file, shard_dir, MergedResult, ShardResult};
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
    match load(&paths).and_then(|results| merge(&results).map_err(|e| e.0)) {
        Ok(merged) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&merged).expect("merged results serialise")
                );
            } else {
                print!("{}", render(&merged));
            }
            let clean = merged.iter().all(|m| m.complete && m.findings.is_empty());
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

/// Reads every shard file named or found in a named directory.
fn load(paths: &[PathBuf]) -> Result<Vec<ShardResult>, String> {
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
                    "{}: no shard result files (*.jsonl); run the tests with RAVEL_SHARD=k/n first",
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
    for file in files {
        results.extend(read(&file)?);
    }
    if results.is_empty() {
        return Err("the shard files hold no results".to_string());
    }
    Ok(results)
}

fn read(file: &Path) -> Result<Vec<ShardResult>, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("{}: cannot read: {e}", file.display()))?;
    parse_shard_file(&file.display().to_string(), &text).map_err(|e| e.0)
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
