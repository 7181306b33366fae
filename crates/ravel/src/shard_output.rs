//! The result file of one shard (`RAVEL_SHARD=k/n`), and combining the shards' files.
//!
//! Each exploration run as a shard appends one JSON line to
//! `$RAVEL_SHARD_DIR/shard-<k>-of-<n>.jsonl` (default directory `target/ravel-shards`, relative
//! to the test's working directory). `ravel merge` reads the files of all shards and adds the
//! parts up: an exploration is complete when every shard's part is.

use crate::outcome::Outcome;
use ravel_core::explore::Shard;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One shard's part of one exploration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardResult {
    /// The test that ran the exploration (the thread name the test harness gives it).
    pub test: String,
    /// Which exploration of that test, counting from 0 (a test may explore several models).
    pub sequence: u32,
    /// The part, 1-based.
    pub shard: u64,
    /// The number of parts.
    pub shards: u64,
    /// The memory model.
    pub model: String,
    /// Complete executions in this part.
    pub executions: u64,
    /// Redundant executions in this part.
    pub redundant: u64,
    /// Whether this part was explored to its end.
    pub complete: bool,
    /// What this part found.
    pub findings: Vec<ShardFinding>,
}

impl ShardResult {
    /// The result of `outcome`, the `sequence`-th exploration of `test`, explored as `shard`.
    pub fn new(shard: Shard, test: String, sequence: u32, outcome: &Outcome) -> ShardResult {
        ShardResult {
            test,
            sequence,
            shard: shard.index(),
            shards: shard.count(),
            model: outcome.inner.model.to_string(),
            executions: outcome.executions(),
            redundant: outcome.redundant(),
            complete: outcome.complete(),
            findings: outcome
                .findings()
                .iter()
                .map(|f| ShardFinding {
                    kind: f.kind().to_string(),
                    summary: f.report().finding.summary.clone(),
                    token: f.replay_token().to_string(),
                    report: f.render_stable(),
                })
                .collect(),
        }
    }

    /// One line of a shard file.
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).expect("shard results serialise")
    }
}

/// One finding of a shard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardFinding {
    /// The kind's stable phrase.
    pub kind: String,
    /// The one-line summary.
    pub summary: String,
    /// The replay token.
    pub token: String,
    /// The full report, without timings.
    pub report: String,
}

/// Explorations so far per test and shard in this process, to number them.
static SEQUENCE: Mutex<Option<HashMap<(String, Shard), u32>>> = Mutex::new(None);

/// Where shard files go.
pub fn shard_dir() -> PathBuf {
    std::env::var_os("RAVEL_SHARD_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/ravel-shards"))
}

/// Appends the result of `outcome`, explored as `shard`, to this shard's file in `dir`.
pub(crate) fn append(dir: &Path, shard: Shard, test: Option<&str>, outcome: &Outcome) {
    let test = test.unwrap_or("model").to_string();
    let mut sequences = SEQUENCE.lock().unwrap_or_else(|e| e.into_inner());
    let next = sequences
        .get_or_insert_with(HashMap::new)
        .entry((test.clone(), shard))
        .or_insert(0);
    let sequence = *next;
    *next += 1;
    let result = ShardResult::new(shard, test, sequence, outcome);
    let path = dir.join(format!(
        "shard-{}-of-{}.jsonl",
        shard.index(),
        shard.count()
    ));
    let line = result.to_json_line();
    // Held while writing, so lines of tests running in parallel do not interleave.
    let written = std::fs::create_dir_all(dir).and_then(|()| {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)?;
        writeln!(file, "{line}")
    });
    drop(sequences);
    if let Err(e) = written {
        panic!("RAVEL_SHARD: cannot write {}: {e}", path.display());
    }
}

/// One exploration put back together from its shards.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MergedResult {
    /// The test.
    pub test: String,
    /// Which exploration of the test.
    pub sequence: u32,
    /// The memory model.
    pub model: String,
    /// The number of parts the exploration was split into.
    pub shards: u64,
    /// Parts with no result file line (the exploration is then incomplete).
    pub missing: Vec<u64>,
    /// Complete executions over all parts.
    pub executions: u64,
    /// Redundant executions over all parts.
    pub redundant: u64,
    /// Whether every part was present and explored to its end.
    pub complete: bool,
    /// Distinct findings, from the lowest part first.
    pub findings: Vec<ShardFinding>,
}

/// Why shard results could not be merged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeError(pub String);

impl std::fmt::Display for MergeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MergeError {}

/// Parses the lines of a shard file; `origin` names it in errors.
pub fn parse_shard_file(origin: &str, text: &str) -> Result<Vec<ShardResult>, MergeError> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| parse_shard_line(origin, i + 1, line))
        .collect()
}

/// One line of a shard file (`line_number` from 1, for the error).
pub fn parse_shard_line(
    origin: &str,
    line_number: usize,
    line: &str,
) -> Result<ShardResult, MergeError> {
    serde_json::from_str(line).map_err(|e| {
        MergeError(format!(
            "{origin}:{line_number}:{}: expected a ravel shard result (one JSON object per \
             line): {e}",
            e.column()
        ))
    })
}

/// Adds up the parts of each exploration.
pub fn merge(results: &[ShardResult]) -> Result<Vec<MergedResult>, MergeError> {
    let mut groups: BTreeMap<(String, u32), Vec<&ShardResult>> = BTreeMap::new();
    for r in results {
        groups
            .entry((r.test.clone(), r.sequence))
            .or_default()
            .push(r);
    }
    let mut merged = Vec::new();
    for ((test, sequence), mut parts) in groups {
        parts.sort_by_key(|p| p.shard);
        let shards = parts[0].shards;
        if let Some(other) = parts.iter().find(|p| p.shards != shards) {
            return Err(MergeError(format!(
                "{test} (exploration {sequence}): results of {shards} shards mixed with results \
                 of {} shards",
                other.shards
            )));
        }
        if let Some(pair) = parts.windows(2).find(|w| w[0].shard == w[1].shard) {
            return Err(MergeError(format!(
                "{test} (exploration {sequence}): shard {}/{shards} appears twice; remove old \
                 shard files before a new run",
                pair[0].shard
            )));
        }
        let missing: Vec<u64> = (1..=shards)
            .filter(|k| !parts.iter().any(|p| p.shard == *k))
            .collect();
        let mut findings: Vec<ShardFinding> = Vec::new();
        for f in parts.iter().flat_map(|p| &p.findings) {
            if !findings
                .iter()
                .any(|g| g.kind == f.kind && g.summary == f.summary)
            {
                findings.push(f.clone());
            }
        }
        merged.push(MergedResult {
            model: parts[0].model.clone(),
            executions: parts.iter().map(|p| p.executions).sum(),
            redundant: parts.iter().map(|p| p.redundant).sum(),
            complete: missing.is_empty() && parts.iter().all(|p| p.complete),
            test,
            sequence,
            shards,
            missing,
            findings,
        });
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(shard: u64, executions: u64, findings: &[&str]) -> ShardResult {
        ShardResult {
            test: "suite::t".to_string(),
            sequence: 0,
            shard,
            shards: 3,
            model: "RC11".to_string(),
            executions,
            redundant: 1,
            complete: findings.is_empty(),
            findings: findings
                .iter()
                .map(|s| ShardFinding {
                    kind: "panic".to_string(),
                    summary: s.to_string(),
                    token: "r1.x".to_string(),
                    report: format!("report of {s}\n"),
                })
                .collect(),
        }
    }

    #[test]
    fn parts_add_up_and_findings_are_kept_once() {
        let merged = merge(&[
            part(2, 10, &["a"]),
            part(1, 5, &[]),
            part(3, 7, &["a", "b"]),
        ])
        .unwrap();
        assert_eq!(merged.len(), 1);
        let m = &merged[0];
        assert_eq!((m.executions, m.redundant, m.complete), (22, 3, false));
        assert!(m.missing.is_empty());
        let summaries: Vec<&str> = m.findings.iter().map(|f| f.summary.as_str()).collect();
        assert_eq!(summaries, ["a", "b"]);
    }

    #[test]
    fn a_missing_part_leaves_the_whole_incomplete() {
        let merged = merge(&[part(1, 5, &[]), part(3, 7, &[])]).unwrap();
        assert_eq!(merged[0].missing, [2]);
        assert!(!merged[0].complete);
    }

    #[test]
    fn duplicated_or_mismatched_parts_are_errors() {
        let err = merge(&[part(1, 5, &[]), part(1, 5, &[])]).unwrap_err();
        assert!(err.0.contains("shard 1/3 appears twice"), "{err}");
        let mut other = part(2, 5, &[]);
        other.shards = 4;
        let err = merge(&[part(1, 5, &[]), other]).unwrap_err();
        assert!(err.0.contains("mixed"), "{err}");
    }

    #[test]
    fn bad_lines_are_reported_with_their_place() {
        let good = serde_json::to_string(&part(1, 5, &[])).unwrap();
        let text = format!("{good}\n{{\"test\": 3}}\n");
        let err = parse_shard_file("s.jsonl", &text).unwrap_err();
        assert!(err.0.starts_with("s.jsonl:2:"), "{err}");
        assert!(err.0.contains("expected a ravel shard result"), "{err}");
    }
}
