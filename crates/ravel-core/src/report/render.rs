//! The text form of a report. Golden-file tests pin it.

use super::{Report, TraceStep};
use crate::event::{Op, OpResult, ThreadId};
use std::fmt;

impl Report {
    fn thread_label(&self, t: ThreadId) -> String {
        match self.thread_names.get(t.index()).cloned().flatten() {
            Some(name) => format!("{t} `{name}`"),
            None => t.to_string(),
        }
    }

    /// The report without timing, for golden files and stable output.
    pub fn render(&self, test_name: Option<&str>, timing: bool) -> String {
        let mut out = String::new();
        let f = &self.finding;
        let kind = f.kind.to_string();
        let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        if f.kind.is_benign() {
            // Shown, de-emphasised: DataCollider's way with races that are usually meant.
            out.push_str(&format!("ravel found {article} {kind} [low severity]\n"));
        } else {
            out.push_str(&format!("ravel found {article} {kind}\n"));
        }
        out.push_str(&format!("  {}\n", f.summary));
        if !f.sides.is_empty() {
            out.push('\n');
        }
        for (i, side) in f.sides.iter().enumerate() {
            let who = match &side.thread_name {
                Some(n) => format!("{} `{}`", side.thread, n),
                None => self.thread_label(side.thread),
            };
            out.push_str(&format!(
                "  ({}) thread {}: {}\n",
                i + 1,
                who,
                side.operation
            ));
            if let Some(span) = side.span {
                out.push_str(&format!("      at {span}\n"));
            }
        }
        for d in &f.details {
            out.push_str(&format!("  {d}\n"));
        }
        if let Some(h) = &f.hint {
            out.push_str(&format!("  hint: {h}\n"));
        }
        out.push_str("\ninterleaving (visible operations):\n");
        let width = self
            .trace
            .iter()
            .map(|s| self.thread_label(s.thread).len())
            .max()
            .unwrap_or(4);
        // Long executions (a loop that hit the step bound) show their beginning and their end.
        const HEAD: usize = 20;
        const TAIL: usize = 40;
        let elide = self.trace.len() > HEAD + TAIL + 10;
        for (i, step) in self.trace.iter().enumerate() {
            if elide && i == HEAD {
                out.push_str(&format!(
                    "       ... {} steps ...\n",
                    self.trace.len() - HEAD - TAIL
                ));
            }
            if elide && (HEAD..self.trace.len() - TAIL).contains(&i) {
                continue;
            }
            out.push_str(&format!(
                "  {:>3}. {:<width$}  {:<44} {}\n",
                i + 1,
                self.thread_label(step.thread),
                describe_step(step),
                step.span,
            ));
        }
        out.push('\n');
        if timing {
            out.push_str(&format!(
                "found after {} execution(s) in {:.1?} (model {})\n",
                self.executions, self.elapsed, self.model
            ));
        } else {
            out.push_str(&format!(
                "found after {} execution(s) (model {})\n",
                self.executions, self.model
            ));
        }
        out.push_str(&format!(
            "replay: RAVEL_REPLAY={} cargo test {}\n",
            self.token,
            test_name.unwrap_or("<test name>")
        ));
        out
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(None, true))
    }
}

/// One line for a step: the operation and what it answered.
pub fn describe_step(step: &TraceStep) -> String {
    let op = step.op.describe();
    match (step.op, step.result) {
        (Op::CellAccess { .. }, _) => op,
        (Op::SplitAccess { part, .. }, OpResult::Value(v)) => {
            format!("{op} -> {}", part.format_part(v))
        }
        (_, OpResult::Value(v)) => format!("{op} -> {v}"),
        (_, OpResult::Cas { value, ok }) => {
            format!(
                "{op} -> {} (read {value})",
                if ok { "ok" } else { "failed" }
            )
        }
        (_, OpResult::Bool(b)) => format!("{op} -> {b}"),
        (_, OpResult::Spawned(t)) => format!("{op} -> {t}"),
        (_, OpResult::Woken(n)) => {
            format!(
                "{op} -> {}",
                if n { "notified" } else { "spurious wake-up" }
            )
        }
        (_, OpResult::Unit) => op,
    }
}
