//! `ravel demo --stress`: the acceleration factor. Each gallery entry whose bug an assertion
//! shows runs as a plain stress test, the same model code on real threads for a time budget, and
//! the expected time for luck to show the bug is set against the time ravel takes to find it.
//! Numbers depend on the machine and its load: this is a benchmark, printed, never asserted.

use crate::style::{Style, Tone};
use ravel_gallery::{entries, stress_entry, Entry, StressRow};
use std::time::Duration;

const W_ID: usize = 4;
const W_TITLE: usize = 34;
const W_RAVEL: usize = 22;
const W_STRESS: usize = 40;

/// Runs the stress tests (every entry, or `only`) and prints one row each.
pub fn run(only: Option<&'static Entry>, budget: Duration, style: Style) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{}",
        style.paint(
            &format!(
                "ravel demo --stress: the buggy models as plain stress tests on real threads, \
                 {} each, on {cores} core(s)",
                seconds(budget)
            ),
            Tone::Strong
        )
    );
    println!(
        "{}{}{}{}{}",
        style.cell("#", W_ID, Tone::Strong),
        style.cell("entry", W_TITLE, Tone::Strong),
        style.cell("ravel finds it", W_RAVEL, Tone::Strong),
        style.cell("stress test", W_STRESS, Tone::Strong),
        style.paint("acceleration", Tone::Strong),
    );
    let chosen: Vec<&'static Entry> = match only {
        Some(entry) => vec![entry],
        None => entries().iter().collect(),
    };
    let mut factors = Vec::new();
    for entry in chosen {
        let row = stress_entry(entry, budget);
        println!("{}", render(&row, style));
        if let Some(Ok(f)) = row.acceleration() {
            factors.push(f);
        }
    }
    if !factors.is_empty() {
        let geomean = (factors.iter().map(|f| f.ln()).sum::<f64>() / factors.len() as f64).exp();
        println!(
            "\n{} entries failed under stress; geometric mean acceleration {}",
            factors.len(),
            style.paint(&format!("×{}", round(geomean)), Tone::Strong)
        );
    }
    println!(
        "{}",
        style.paint(
            "acceleration = the stress test's mean time to failure / ravel's time to the bug; \
             \"> ×N\": the stress test never failed, so N is a lower bound",
            Tone::Muted
        )
    );
}

fn render(row: &StressRow, style: Style) -> String {
    let start = format!(
        "{}{}",
        style.cell(row.entry.id, W_ID, Tone::Plain),
        style.cell(
            &truncate(row.entry.title, W_TITLE - 1),
            W_TITLE,
            Tone::Plain
        )
    );
    let outcome = match &row.stress {
        Ok(outcome) => outcome,
        Err(reason) => {
            return format!(
                "{start}{}",
                style.paint(&format!("not stress-tested: {reason}"), Tone::Muted)
            )
        }
    };
    let ravel = match row.ravel {
        Some((elapsed, executions)) => format!("{executions} exec, {}", millis(elapsed)),
        None => "not found".to_string(),
    };
    let stress = match outcome.mean_time_to_failure() {
        Some(mttf) => format!(
            "{} runs, {} failed, 1 per {}",
            outcome.runs,
            outcome.failures,
            millis(mttf)
        ),
        None => format!("{} runs, none failed", outcome.runs),
    };
    let (factor, tone) = match row.acceleration() {
        Some(Ok(f)) => (format!("×{}", round(f)), Tone::Good),
        Some(Err(bound)) => (format!("> ×{}", round(bound)), Tone::Good),
        None => ("-".to_string(), Tone::Muted),
    };
    format!(
        "{start}{}{}{}",
        style.cell(&ravel, W_RAVEL, Tone::Plain),
        style.cell(&stress, W_STRESS, Tone::Plain),
        style.paint(&factor, tone)
    )
}

fn round(f: f64) -> String {
    if f >= 100.0 {
        format!("{:.0}", f)
    } else if f >= 10.0 {
        format!("{:.1}", f)
    } else {
        format!("{:.2}", f)
    }
}

fn millis(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 10.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let cut: String = text.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}
