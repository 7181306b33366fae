//! herd7-style rendering of a [`TestResult`], as text and as JSON.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use crate::ast::Quantifier;
use crate::run::{model_key, TestResult};

/// The word herd prints after the test name, from the quantifier.
fn quantifier_word(q: Quantifier) -> &'static str {
    match q {
        Quantifier::Exists => "Allowed",
        Quantifier::NotExists => "Forbidden",
        Quantifier::Forall => "Required",
    }
}

/// One state as herd prints it: `0:EAX=0; [x]=1;`.
pub fn state_line(keys: &[String], values: &[i64]) -> String {
    let mut s = String::new();
    for (k, v) in keys.iter().zip(values) {
        let _ = write!(s, "{k}={v}; ");
    }
    s.trim_end().to_string()
}

/// herd7's output for one test.
pub fn render_text(r: &TestResult) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Test {} {}", r.name, quantifier_word(r.quantifier));
    let _ = writeln!(s, "States {}", r.states.len());
    for st in &r.states {
        let _ = writeln!(s, "{}", state_line(&r.keys, st));
    }
    let _ = writeln!(s, "{}", r.herd_result().as_str());
    let (pos, neg) = match r.quantifier {
        Quantifier::NotExists => (r.negative, r.positive),
        _ => (r.positive, r.negative),
    };
    let _ = writeln!(s, "Witnesses");
    let _ = writeln!(s, "Positive: {pos} Negative: {neg}");
    if r.undefined {
        let _ = writeln!(s, "Flag *undef*");
    }
    let _ = writeln!(s, "Condition {} ({})", r.quantifier, r.condition);
    let _ = writeln!(
        s,
        "Observation {} {} {} {}",
        r.name,
        r.observation().as_str(),
        r.positive,
        r.negative
    );
    if !r.complete {
        let _ = writeln!(s, "Warning: exploration incomplete");
    }
    for f in &r.findings {
        let _ = writeln!(s, "Warning: the engine stopped an execution: {f}");
    }
    s
}

/// The states as `expected.json` writes them: one object per state.
pub fn states_json(r: &TestResult) -> Vec<Value> {
    r.states
        .iter()
        .map(|st| {
            let mut m = Map::new();
            for (k, v) in r.keys.iter().zip(st) {
                m.insert(k.clone(), json!(v));
            }
            Value::Object(m)
        })
        .collect()
}

/// The result as JSON: `expected.json`'s verdict fields plus the test name,
/// the model key, the execution counts and the condition.
pub fn render_json(r: &TestResult) -> Value {
    json!({
        "test": r.name,
        "model": model_key(r.model),
        "condition": r.condition_word(),
        "observation": r.observation().as_str(),
        "herd_result": r.herd_result().as_str(),
        "undefined_behaviour": r.undefined,
        "states": states_json(r),
        "positive": r.positive,
        "negative": r.negative,
        "quantifier": r.quantifier.to_string(),
        "predicate": r.condition,
        "complete": r.complete,
        "findings": r.findings,
    })
}

/// Pretty-prints a list of JSON results (what `ravel litmus --json` prints).
pub fn json_to_string_pretty(values: &[Value]) -> String {
    serde_json::to_string_pretty(values).unwrap_or_else(|_| "[]".to_string())
}
