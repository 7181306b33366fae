//! Comparison of results with herd7's verdicts in a corpus' `expected.json`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde_json::Value;

use crate::run::{model_key, TestResult};

/// A final state as a map from herd key to value.
pub type State = BTreeMap<String, i64>;

/// herd's verdict for one test under one model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `Allowed` or `Forbidden`.
    pub condition: String,
    /// `Ok`, `No` or `Undef`.
    pub herd_result: String,
    /// Whether herd flagged a data race.
    pub undefined_behaviour: bool,
    /// The reachable final states.
    pub states: BTreeSet<State>,
}

/// A whole `expected.json`: test name → model key → verdict.
#[derive(Debug, Clone, Default)]
pub struct Expected {
    tests: BTreeMap<String, BTreeMap<String, Verdict>>,
}

/// One disagreement with the oracle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// The oracle has no entry for this test and model.
    NoEntry,
    /// The condition verdicts differ.
    Condition {
        /// The oracle's.
        expected: String,
        /// Ours.
        actual: String,
    },
    /// The data-race flags differ.
    Undefined {
        /// The oracle's.
        expected: bool,
    },
    /// A state herd reaches and we do not.
    MissingState(State),
    /// A state we reach and herd does not.
    ExtraState(State),
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |s: &State| {
            s.iter()
                .map(|(k, v)| format!("{k}={v};"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        match self {
            Mismatch::NoEntry => write!(f, "no verdict in the expectations"),
            Mismatch::Condition { expected, actual } => {
                write!(f, "condition: expected {expected}, got {actual}")
            }
            Mismatch::Undefined { expected } => write!(
                f,
                "data race: expected {}, got {}",
                if *expected { "racy" } else { "race-free" },
                if *expected { "race-free" } else { "racy" }
            ),
            Mismatch::MissingState(s) => write!(f, "missing state: {}", show(s)),
            Mismatch::ExtraState(s) => write!(f, "extra state: {}", show(s)),
        }
    }
}

impl Expected {
    /// Reads an `expected.json`.
    pub fn load(path: &Path) -> Result<Expected, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Expected::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses the text of an `expected.json`.
    pub fn parse(text: &str) -> Result<Expected, String> {
        let root: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let obj = root.as_object().ok_or("expected a JSON object")?;
        let mut tests = BTreeMap::new();
        for (name, models) in obj {
            let models = models
                .as_object()
                .ok_or_else(|| format!("{name}: expected an object"))?;
            let mut by_model = BTreeMap::new();
            for (model, v) in models {
                let field = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                let mut states = BTreeSet::new();
                for st in v
                    .get("states")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let mut s = State::new();
                    for (k, val) in st.as_object().into_iter().flatten() {
                        let n = val
                            .as_i64()
                            .ok_or_else(|| format!("{name}/{model}: non-integer value"))?;
                        s.insert(k.clone(), n);
                    }
                    states.insert(s);
                }
                by_model.insert(
                    model.clone(),
                    Verdict {
                        condition: field("condition"),
                        herd_result: field("herd_result"),
                        undefined_behaviour: v
                            .get("undefined_behaviour")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                        states,
                    },
                );
            }
            tests.insert(name.clone(), by_model);
        }
        Ok(Expected { tests })
    }

    /// The verdict for `test` under the model keyed `model`.
    pub fn verdict(&self, test: &str, model: &str) -> Option<&Verdict> {
        self.tests.get(test)?.get(model)
    }

    /// Merges another file's verdicts into this one.
    pub fn extend(&mut self, other: Expected) {
        self.tests.extend(other.tests);
    }

    /// Every disagreement between `result` and the oracle (empty when they
    /// agree on the condition, the race flag and the full state set).
    pub fn compare(&self, result: &TestResult) -> Vec<Mismatch> {
        let Some(v) = self.verdict(&result.name, model_key(result.model)) else {
            return vec![Mismatch::NoEntry];
        };
        let mut out = Vec::new();
        if v.condition != result.condition_word() {
            out.push(Mismatch::Condition {
                expected: v.condition.clone(),
                actual: result.condition_word().to_string(),
            });
        }
        if v.undefined_behaviour != result.undefined {
            out.push(Mismatch::Undefined {
                expected: v.undefined_behaviour,
            });
        }
        let ours: BTreeSet<State> = result
            .states
            .iter()
            .map(|st| {
                result
                    .keys
                    .iter()
                    .cloned()
                    .zip(st.iter().copied())
                    .collect()
            })
            .collect();
        for s in v.states.difference(&ours) {
            out.push(Mismatch::MissingState(s.clone()));
        }
        for s in ours.difference(&v.states) {
            out.push(Mismatch::ExtraState(s.clone()));
        }
        out
    }
}
