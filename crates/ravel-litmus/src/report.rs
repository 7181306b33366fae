//! herd7-style rendering of a [`TestResult`], as text and as JSON, and of
//! the explanations `--explain` adds ([`Explained`]).

use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use crate::ast::Quantifier;
use crate::explain::{Explained, ScVerdict};
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

/// The explanations of a test's states as text: one block per state SC
/// cannot reach (events, rf, co, the cycle SC forbids and what the model
/// relaxes), one line per state SC reaches too.
pub fn render_explanations_text(e: &Explained) -> String {
    let r = &e.result;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Explain {} under {}: {} of {} states not reachable under SC",
        r.name,
        model_key(r.model),
        e.not_sc_count(),
        e.explanations.len()
    );
    for x in &e.explanations {
        let state = state_line(&r.keys, &x.values);
        let matches = if x.satisfies {
            " (satisfies the condition)"
        } else {
            ""
        };
        match &x.sc {
            ScVerdict::Allowed { interleaving } => {
                let _ = writeln!(
                    s,
                    "State {state}{matches} is reachable under SC too, e.g. {}",
                    interleaving.join("; ")
                );
            }
            ScVerdict::Forbidden(w) => {
                let _ = writeln!(
                    s,
                    "State {state}{matches} is not reachable under SC; one execution:"
                );
                for (t, events) in &w.threads {
                    let list = if events.is_empty() {
                        "(no memory events)".to_string()
                    } else {
                        events.join("; ")
                    };
                    let _ = writeln!(s, "  {t:<6} {list}");
                }
                let rf: Vec<String> =
                    w.rf.iter()
                        .map(|(read, from)| format!("{read} <- {from}"))
                        .collect();
                let rf = if rf.is_empty() {
                    "(no reads)".to_string()
                } else {
                    rf.join("; ")
                };
                let _ = writeln!(s, "  rf     {rf}");
                let co: Vec<String> =
                    w.co.iter()
                        .map(|(loc, order)| format!("{loc}: {}", order.join(" < ")))
                        .collect();
                let _ = writeln!(s, "  co     {}", co.join("; "));
                let _ = writeln!(s, "  cycle  {}", w.cycle_text());
                let _ = writeln!(s, "  why    {}", w.note);
            }
        }
    }
    s
}

/// The explanations as JSON: one object per state, in the order of
/// [`Explained::explanations`] (the `explanations` field of `--json`).
pub fn explanations_json(e: &Explained) -> Value {
    let r = &e.result;
    let list: Vec<Value> = e
        .explanations
        .iter()
        .map(|x| {
            let mut state = Map::new();
            for (k, v) in r.keys.iter().zip(&x.values) {
                state.insert(k.clone(), json!(v));
            }
            let mut v = json!({
                "state": Value::Object(state),
                "satisfies": x.satisfies,
            });
            match &x.sc {
                ScVerdict::Allowed { interleaving } => {
                    v["sc"] = json!("allowed");
                    v["interleaving"] = json!(interleaving);
                }
                ScVerdict::Forbidden(w) => {
                    v["sc"] = json!("forbidden");
                    v["threads"] = w
                        .threads
                        .iter()
                        .map(|(t, events)| json!({"thread": t, "events": events}))
                        .collect();
                    v["rf"] = w
                        .rf
                        .iter()
                        .map(|(read, from)| json!({"read": read, "from": from}))
                        .collect();
                    v["co"] = w
                        .co
                        .iter()
                        .map(|(loc, order)| json!({"location": loc, "order": order}))
                        .collect();
                    v["cycle"] = w
                        .cycle
                        .iter()
                        .map(|c| json!({"from": c.from, "relation": c.relation.as_str(), "to": c.to}))
                        .collect();
                    v["cycle_text"] = json!(w.cycle_text());
                    v["why"] = json!(w.note);
                }
            }
            v
        })
        .collect();
    Value::Array(list)
}
