//! `ravel demo`: runs the gallery and shows, per seed example, whether ravel catches the bug and
//! verifies the fix; then one full report.

use crate::config::{DemoConfig, DemoPlan};
use crate::style::{Style, Tone};
use ravel_gallery::{
    entries, judge_buggy, judge_fixed, run_buggy, run_fixed, Entry, EntryRun, Failure, Miss, Side,
    Status,
};
use std::time::{Duration, Instant};

/// What one side of an entry came to.
#[derive(Debug)]
enum Verdict {
    /// The buggy model produced the finding the contract states.
    Found {
        kind: ravel::FindingKind,
        executions: u64,
        elapsed: Duration,
    },
    /// The buggy model did not.
    Missed(Miss),
    /// The fixed model explored completely with no finding.
    Verified { executions: u64, elapsed: Duration },
    /// The fixed model did not verify.
    Failed(Failure),
    /// The side needs what ravel does not have yet.
    Pending(&'static str),
    /// The entry has no fixed model.
    Absent,
}

impl Verdict {
    /// Whether the side is as the gallery wants it (pending and absent sides do not count).
    fn ok(&self) -> bool {
        !matches!(self, Verdict::Missed(_) | Verdict::Failed(_))
    }

    /// The table cell: text and tone.
    fn cell(&self, side: Option<&Side>) -> (String, Tone) {
        let known = |text: String| match side.and_then(|s| s.known_issue) {
            Some(_) => format!("{text} *"),
            None => text,
        };
        match self {
            Verdict::Found {
                kind,
                executions,
                elapsed,
            } => (
                format!(
                    "yes  {kind} after {}, {}",
                    plural(*executions, "execution"),
                    millis(*elapsed)
                ),
                Tone::Good,
            ),
            Verdict::Missed(miss) => (known(format!("NO   {}", miss.short())), Tone::Bad),
            Verdict::Verified {
                executions,
                elapsed,
            } => (
                format!(
                    "verified, {}, complete, {}",
                    plural(*executions, "execution"),
                    millis(*elapsed)
                ),
                Tone::Good,
            ),
            Verdict::Failed(failure) => (known(format!("FAILED: {}", failure.short())), Tone::Bad),
            Verdict::Pending(reason) => (
                format!(
                    "pending: {}",
                    Status::Pending(reason).short_reason().unwrap_or(reason)
                ),
                Tone::Muted,
            ),
            Verdict::Absent => ("\u{2014}".to_string(), Tone::Muted),
        }
    }
}

fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn millis(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// An entry, checked: both verdicts, and the buggy run for its report.
#[derive(Debug)]
struct Checked {
    entry: &'static Entry,
    buggy: Verdict,
    buggy_run: EntryRun,
    fixed: Verdict,
    fixed_run: Option<EntryRun>,
}

impl Checked {
    fn ok(&self) -> bool {
        self.buggy.ok() && self.fixed.ok()
    }
}

/// Runs both sides of `entry`. Pending sides still run (under the model ravel has), so a
/// single-entry demo can show what happens today; their verdict stays `Pending`.
fn check(entry: &'static Entry) -> Checked {
    let buggy_run = run_buggy(entry);
    let buggy = match entry.buggy.status {
        Status::Pending(reason) => Verdict::Pending(reason),
        Status::Ready => match judge_buggy(entry, &buggy_run) {
            Ok(()) => Verdict::Found {
                kind: entry.expect.kind,
                executions: buggy_run.executions,
                elapsed: buggy_run.elapsed,
            },
            Err(miss) => Verdict::Missed(miss),
        },
    };
    let fixed_run = run_fixed(entry);
    let fixed = match (&entry.fixed, &fixed_run) {
        (None, _) | (_, None) => Verdict::Absent,
        (Some(side), Some(run)) => match side.status {
            Status::Pending(reason) => Verdict::Pending(reason),
            Status::Ready => match judge_fixed(run) {
                Ok(()) => Verdict::Verified {
                    executions: run.executions,
                    elapsed: run.elapsed,
                },
                Err(failure) => Verdict::Failed(failure),
            },
        },
    };
    Checked {
        entry,
        buggy,
        buggy_run,
        fixed,
        fixed_run,
    }
}

/// Runs `ravel demo` as configured; answers whether everything ready passed.
pub fn run(config: &DemoConfig) -> bool {
    let style = Style::new(config.color);
    match config.plan {
        DemoPlan::List => {
            list(style);
            true
        }
        DemoPlan::One(entry) => one(entry, style),
        DemoPlan::All { showcase } => all(showcase, style),
        DemoPlan::Stress { only, budget } => {
            crate::stress::run(only, budget, style);
            true
        }
    }
}

/// Column widths of the table.
const W_ID: usize = 4;
const W_TITLE: usize = 34;
const W_SEED: usize = 5;
const W_CLASS: usize = 11;
const W_MODEL: usize = 9;
const W_FOUND: usize = 56;

fn header(style: Style, found: &str, last: &str) -> String {
    let cols = [
        ("#", W_ID),
        ("entry", W_TITLE),
        ("seed", W_SEED),
        ("class", W_CLASS),
        ("model", W_MODEL),
        (found, W_FOUND),
    ];
    let mut line = String::from("  ");
    let mut rule = String::from("  ");
    for (name, width) in cols {
        line.push_str(&style.cell(name, width, Tone::Strong));
        line.push(' ');
        rule.push_str(&"-".repeat(width));
        rule.push(' ');
    }
    line.push_str(&style.paint(last, Tone::Strong));
    rule.push_str(&"-".repeat(last.len().max(24)));
    format!("{line}\n{rule}")
}

/// The columns every row starts with.
fn row_start(entry: &Entry, style: Style) -> String {
    format!(
        "  {} {} {} {} {} ",
        style.cell(entry.id, W_ID, Tone::Strong),
        style.cell(&truncate(entry.title, W_TITLE), W_TITLE, Tone::Plain),
        style.cell(seed_number(entry), W_SEED, Tone::Plain),
        style.cell(&entry.class.to_string(), W_CLASS, Tone::Plain),
        style.cell(&entry.model.to_string(), W_MODEL, Tone::Plain),
    )
}

fn seed_number(entry: &Entry) -> &'static str {
    entry.seed.get(..3).unwrap_or(entry.seed)
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let cut: String = text.chars().take(width - 1).collect();
        format!("{cut}\u{2026}")
    }
}

/// `ravel demo`: the table, a summary, and the showcase's report.
fn all(showcase: &'static Entry, style: Style) -> bool {
    let start = Instant::now();
    println!(
        "{}",
        style.paint(
            "ravel demo: the seeds' concurrency bugs, each as a buggy model ravel must catch and \
             a fixed model it must verify",
            Tone::Strong
        )
    );
    println!();
    println!("{}", header(style, "bug found?", "fixed version"));
    let mut checked = Vec::new();
    for entry in entries() {
        let c = check(entry);
        let (found, found_tone) = c.buggy.cell(Some(&entry.buggy));
        let (fixed, fixed_tone) = c.fixed.cell(entry.fixed.as_ref());
        println!(
            "{}{} {}",
            row_start(entry, style),
            style.cell(&found, W_FOUND, found_tone),
            style.paint(&fixed, fixed_tone)
        );
        checked.push(c);
    }
    println!();
    summary(&checked, start.elapsed(), style);
    let ok = checked.iter().all(Checked::ok);
    let shown = checked
        .iter()
        .find(|c| std::ptr::eq(c.entry, showcase))
        .expect("the showcase is a gallery entry");
    println!();
    report(shown, style);
    ok
}

fn summary(checked: &[Checked], elapsed: Duration, style: Style) {
    let count = |pick: fn(&Checked) -> &Verdict, want: fn(&Verdict) -> bool| {
        checked.iter().filter(|c| want(pick(c))).count()
    };
    let found = count(|c| &c.buggy, |v| matches!(v, Verdict::Found { .. }));
    let missed = count(|c| &c.buggy, |v| matches!(v, Verdict::Missed(_)));
    let bugs_pending = count(|c| &c.buggy, |v| matches!(v, Verdict::Pending(_)));
    let verified = count(|c| &c.fixed, |v| matches!(v, Verdict::Verified { .. }));
    let failed = count(|c| &c.fixed, |v| matches!(v, Verdict::Failed(_)));
    let fixes_pending = count(|c| &c.fixed, |v| matches!(v, Verdict::Pending(_)));
    let tone = |bad: usize| if bad == 0 { Tone::Good } else { Tone::Bad };
    println!(
        "  {}   {}   in {:.2} s",
        style.paint(
            &format!(
                "bugs found: {found} of {} ready ({bugs_pending} pending)",
                found + missed
            ),
            tone(missed)
        ),
        style.paint(
            &format!(
                "fixes verified: {verified} of {} ready ({fixes_pending} pending)",
                verified + failed
            ),
            tone(failed)
        ),
        elapsed.as_secs_f64()
    );
    println!(
        "  {}",
        style.paint(
            "each model runs under the memory model its row names (RC11, Rust's, unless the seed \
             needs SC or x86-TSO); `ravel demo --stress` compares with plain stress tests",
            Tone::Muted
        )
    );
    for c in checked {
        let sides = [
            ("buggy", Some(&c.entry.buggy), &c.buggy),
            ("fixed", c.entry.fixed.as_ref(), &c.fixed),
        ];
        for (name, side, verdict) in sides {
            if let (Some(issue), false) = (side.and_then(|s| s.known_issue), verdict.ok()) {
                println!(
                    "  {}",
                    style.paint(
                        &format!("* known ravel issue, entry {} {name}: {issue}", c.entry.id),
                        Tone::Bad
                    )
                );
            }
        }
    }
}

/// The full story of one checked entry: what it is, the buggy run's report, the fixed verdict.
fn report(c: &Checked, style: Style) {
    let e = c.entry;
    println!(
        "{}",
        style.paint(
            &format!("== entry {}: {} (seed {}) ==", e.id, e.title, e.seed),
            Tone::Strong
        )
    );
    println!(
        "class {}, model {}; the buggy model must report a {}: {}",
        e.class, e.model, e.expect.kind, e.expect.shows
    );
    if let Status::Pending(reason) = e.buggy.status {
        println!(
            "{}",
            style.paint(
                &format!("pending: {reason} (run under SC below)"),
                Tone::Muted
            )
        );
    }
    println!();
    match ravel_gallery::judged_finding(c.entry, &c.buggy_run) {
        Some(first) => println!("{first}"),
        None => println!(
            "ravel found nothing in {} ({}).\n",
            plural(c.buggy_run.executions, "execution"),
            if c.buggy_run.complete {
                "the search completed"
            } else {
                "the budget ran out"
            }
        ),
    }
    let (found, tone) = c.buggy.cell(Some(&e.buggy));
    println!("buggy version: {}", style.paint(&found, tone));
    if let Verdict::Missed(miss) = &c.buggy {
        if let Some(issue) = e.buggy.known_issue {
            println!("  known ravel issue: {issue}");
        }
        println!("  {}", miss.to_string().lines().next().unwrap_or(""));
    }
    let (fixed, tone) = c.fixed.cell(e.fixed.as_ref());
    println!("fixed version: {}", style.paint(&fixed, tone));
    if let (Verdict::Failed(_), Some(run)) = (&c.fixed, &c.fixed_run) {
        if let Some(issue) = e.fixed.as_ref().and_then(|s| s.known_issue) {
            println!("  known ravel issue: {issue}");
        }
        if let Some(first) = run.findings.first() {
            println!("\n{first}");
        }
    }
}

/// `ravel demo N`.
fn one(entry: &'static Entry, style: Style) -> bool {
    let c = check(entry);
    report(&c, style);
    c.ok()
}

/// `ravel demo --list`.
fn list(style: Style) {
    println!("{}", header(style, "the buggy model", "the fixed model"));
    for e in entries() {
        let must = match e.buggy.status {
            Status::Ready => format!("must report a {}", e.expect.kind),
            Status::Pending(_) => format!(
                "{} (must report a {})",
                e.buggy.status.short_reason().unwrap_or_default(),
                e.expect.kind
            ),
        };
        let fixed = match &e.fixed {
            None => "\u{2014}".to_string(),
            Some(side) => match side.status {
                Status::Ready => "must verify".to_string(),
                Status::Pending(_) => side.status.short_reason().unwrap_or_default().to_string(),
            },
        };
        let tone = match e.buggy.status {
            Status::Ready => Tone::Plain,
            Status::Pending(_) => Tone::Muted,
        };
        println!(
            "{}{} {}",
            row_start(e, style),
            style.cell(&must, W_FOUND, tone),
            style.paint(&fixed, tone)
        );
        println!(
            "  {}{}",
            " ".repeat(W_ID + 1),
            style.paint(e.expect.shows, Tone::Muted)
        );
    }
}
