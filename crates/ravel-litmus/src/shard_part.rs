//! One litmus test's exploration split across machines (`ravel litmus --shard k/n`), and the
//! parts put back together (`ravel merge`).
//!
//! Each part explores a disjoint share of the test's executions (the core's
//! [`Shard`](ravel_core::explore::Shard)), so the whole result is the union of the parts' final
//! states, the sums of their positive and negative execution counts, and the disjunction of their
//! race flags; herd's verdicts follow from those exactly as for one run. A part is one JSON object
//! per line, marked `"kind": "litmus"` so that `ravel merge` can read it beside the runtime's
//! shard results.

use crate::ast::Quantifier;
use crate::run::{model_key, TestResult};
use ravel_core::explore::Shard;
use ravel_core::model::MemoryModelKind;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// One part of one test's exploration.
#[derive(Clone, Debug)]
pub struct LitmusPart {
    /// Which part.
    pub shard: Shard,
    /// What this part saw: its states and counts only.
    pub result: TestResult,
}

/// A test's parts put together.
#[derive(Clone, Debug)]
pub struct MergedLitmus {
    /// The whole result (incomplete when a part is missing or stopped early).
    pub result: TestResult,
    /// The number of parts the exploration was split into.
    pub shards: u64,
    /// Parts with no result (1-based).
    pub missing: Vec<u64>,
}

impl LitmusPart {
    /// The part as one line of JSON (no newline).
    pub fn to_json_line(&self) -> String {
        let r = &self.result;
        json!({
            "kind": "litmus",
            "test": r.name,
            "model": model_key(r.model),
            "shard": self.shard.index(),
            "shards": self.shard.count(),
            "quantifier": r.quantifier.to_string(),
            "predicate": r.condition,
            "keys": r.keys,
            "states": r.states,
            "positive": r.positive,
            "negative": r.negative,
            "undefined_behaviour": r.undefined,
            "complete": r.complete,
            "findings": r.findings,
        })
        .to_string()
    }

    /// Reads a part back from the JSON object of one line; `Err` says which field is wrong.
    pub fn from_json(value: &Value) -> Result<LitmusPart, String> {
        let field = |name: &str| {
            value
                .get(name)
                .ok_or_else(|| format!("expected a field `{name}`"))
        };
        let text = |name: &str| {
            field(name)?
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("expected `{name}` to be a string"))
        };
        let count = |name: &str| {
            field(name)?
                .as_u64()
                .ok_or_else(|| format!("expected `{name}` to be a whole number"))
        };
        let flag = |name: &str| {
            field(name)?
                .as_bool()
                .ok_or_else(|| format!("expected `{name}` to be true or false"))
        };
        let strings = |name: &str| -> Result<Vec<String>, String> {
            field(name)?
                .as_array()
                .and_then(|a| a.iter().map(|v| v.as_str().map(str::to_string)).collect())
                .ok_or_else(|| format!("expected `{name}` to be a list of strings"))
        };
        if value.get("kind").and_then(Value::as_str) != Some("litmus") {
            return Err("expected `\"kind\": \"litmus\"`".to_string());
        }
        let model = match text("model")?.as_str() {
            "sc" => MemoryModelKind::Sc,
            "x86-tso" => MemoryModelKind::Tso,
            "rc11" => MemoryModelKind::Rc11,
            other => {
                return Err(format!(
                    "expected `model` sc, x86-tso or rc11, not `{other}`"
                ))
            }
        };
        let quantifier = match text("quantifier")?.as_str() {
            "exists" => Quantifier::Exists,
            "~exists" => Quantifier::NotExists,
            "forall" => Quantifier::Forall,
            other => {
                return Err(format!(
                    "expected `quantifier` exists, ~exists or forall, not `{other}`"
                ))
            }
        };
        let shard = Shard::new(count("shard")?, count("shards")?)
            .ok_or_else(|| "expected `shard` between 1 and `shards`".to_string())?;
        let keys = strings("keys")?;
        let states: Vec<Vec<i64>> = field("states")?
            .as_array()
            .and_then(|a| {
                a.iter()
                    .map(|s| {
                        s.as_array()?
                            .iter()
                            .map(Value::as_i64)
                            .collect::<Option<Vec<i64>>>()
                    })
                    .collect()
            })
            .ok_or_else(|| "expected `states` to be a list of lists of integers".to_string())?;
        if let Some(bad) = states.iter().find(|s| s.len() != keys.len()) {
            return Err(format!(
                "expected every state to have {} values (one per key), not {}",
                keys.len(),
                bad.len()
            ));
        }
        Ok(LitmusPart {
            shard,
            result: TestResult {
                name: text("test")?,
                model,
                quantifier,
                condition: text("predicate")?,
                keys,
                states,
                positive: count("positive")?,
                negative: count("negative")?,
                undefined: flag("undefined_behaviour")?,
                complete: flag("complete")?,
                findings: strings("findings")?,
            },
        })
    }
}

/// Puts the parts of each (test, model) together. `Err` when parts of one test disagree on what
/// they are (the number of parts, the condition, the observed locations) or a part is repeated.
pub fn merge_parts(parts: &[LitmusPart]) -> Result<Vec<MergedLitmus>, String> {
    let mut groups: BTreeMap<(String, &'static str), Vec<&LitmusPart>> = BTreeMap::new();
    for p in parts {
        groups
            .entry((p.result.name.clone(), model_key(p.result.model)))
            .or_default()
            .push(p);
    }
    let mut merged = Vec::new();
    for ((name, model), mut group) in groups {
        group.sort_by_key(|p| p.shard.index());
        let first = &group[0].result;
        let shards = group[0].shard.count();
        for p in &group {
            let r = &p.result;
            if p.shard.count() != shards {
                return Err(format!(
                    "{name} ({model}): parts of {shards} and of {} shards",
                    p.shard.count()
                ));
            }
            if r.keys != first.keys
                || r.condition != first.condition
                || r.quantifier != first.quantifier
            {
                return Err(format!(
                    "{name} ({model}): parts disagree on the condition or the observed locations \
                     (different versions of the test?)"
                ));
            }
        }
        if let Some(w) = group.windows(2).find(|w| w[0].shard == w[1].shard) {
            return Err(format!(
                "{name} ({model}): shard {} appears twice",
                w[0].shard
            ));
        }
        let missing: Vec<u64> = (1..=shards)
            .filter(|k| !group.iter().any(|p| p.shard.index() == *k))
            .collect();
        let mut states: Vec<Vec<i64>> = group
            .iter()
            .flat_map(|p| p.result.states.iter().cloned())
            .collect();
        states.sort();
        states.dedup();
        let result = TestResult {
            name: name.clone(),
            model: first.model,
            quantifier: first.quantifier,
            condition: first.condition.clone(),
            keys: first.keys.clone(),
            states,
            positive: group.iter().map(|p| p.result.positive).sum(),
            negative: group.iter().map(|p| p.result.negative).sum(),
            undefined: group.iter().any(|p| p.result.undefined),
            complete: missing.is_empty() && group.iter().all(|p| p.result.complete),
            findings: group
                .iter()
                .flat_map(|p| p.result.findings.iter().cloned())
                .collect(),
        };
        merged.push(MergedLitmus {
            result,
            shards,
            missing,
        });
    }
    Ok(merged)
}
