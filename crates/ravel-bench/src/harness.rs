//! Runs one workload under one checker and strategy, in this process, and measures it.

use crate::shim::{Loom, Ravel, Shuttle, Tool};
use crate::workloads::Workload;
use std::any::Any;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The latest run's invocation counter and start, for the panic hook (a checker may abort the
/// process before `run_once` returns).
static CURRENT: Mutex<Option<(Arc<AtomicU64>, Instant)>> = Mutex::new(None);

/// The prefix of the line a child prints for each panic under loom or shuttle:
/// `ravel-bench child panic [execution N, T ns]: message at location`.
pub const PANIC_LINE: &str = "ravel-bench child panic";

/// The checker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checker {
    /// ravel.
    Ravel,
    /// loom.
    Loom,
    /// shuttle.
    Shuttle,
}

/// The strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Exhaustive: ravel's optimal search, loom's DPOR, shuttle's `DfsScheduler` (`check_dfs`).
    Exhaustive,
    /// Uniformly random scheduling (ravel `Strategy::Random`, shuttle `RandomScheduler`).
    Random,
    /// PCT (ravel `Strategy::Pct`, shuttle `PctScheduler`).
    Pct,
}

/// One measurement: a workload under a checker and strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The checker.
    pub checker: Checker,
    /// The strategy.
    pub mode: Mode,
    /// The workload.
    pub workload: Workload,
}

/// Limits and parameters of one run.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Wall-clock cap of one exploration.
    pub time: Duration,
    /// Cap on executions (sampling strategies always need one).
    pub executions: Option<u64>,
    /// Seed of the sampling strategies.
    pub seed: u64,
    /// PCT depth.
    pub depth: u32,
    /// Repeat the exploration until this much time has passed in total (for stable rates).
    pub min_total: Duration,
    /// loom's preemption bound (`None`: unbounded, loom's default). Other checkers ignore it.
    pub loom_preemption_bound: Option<u32>,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            time: Duration::from_secs(20),
            executions: None,
            seed: 1,
            depth: 2,
            min_total: Duration::ZERO,
            loom_preemption_bound: None,
        }
    }
}

/// What one exploration did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Run {
    /// Model-closure invocations (complete, redundant and buggy executions alike).
    pub invocations: u64,
    /// The checker's own count of executions, where it gives one.
    pub reported: Option<u64>,
    /// ravel's redundant (abandoned) executions.
    pub redundant: Option<u64>,
    /// The search covered everything (exhaustive and not cut short).
    pub complete: bool,
    /// A time or execution cap cut the run short.
    pub capped: bool,
    /// The exploration's wall time.
    pub elapsed: Duration,
    /// What was found, in a few words.
    pub finding: Option<String>,
}

/// A measured cell: the first run, how often it was repeated, and the peak RSS of the process.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Measurement {
    /// The first run.
    pub run: Run,
    /// Explorations run (each like the first).
    pub reps: u64,
    /// Total wall time of all explorations.
    pub total: Duration,
    /// Median wall time of one exploration (robust to interference from other processes).
    pub median: Duration,
    /// Peak resident set of the process, KiB (`VmHWM`).
    pub peak_rss_kib: Option<u64>,
}

impl Measurement {
    /// Median wall time of one exploration.
    pub fn per_exploration(&self) -> Duration {
        self.median
    }

    /// Wall time of one execution (model-closure invocation): the median exploration's time over
    /// its executions.
    pub fn per_execution(&self) -> Option<Duration> {
        let n = self.run.invocations;
        (n > 0).then(|| Duration::from_secs_f64(self.median.as_secs_f64() / n as f64))
    }

    /// One line of `key=value` fields, tab-separated: what a child process prints.
    pub fn to_line(&self) -> String {
        let r = &self.run;
        let opt = |v: Option<u64>| v.map_or_else(|| "-".to_string(), |v| v.to_string());
        let finding = r
            .finding
            .as_deref()
            .unwrap_or("-")
            .replace(['\t', '\n'], " ");
        format!(
            "RESULT\tinvocations={}\treported={}\tredundant={}\tcomplete={}\tcapped={}\telapsed_ns={}\treps={}\ttotal_ns={}\tmedian_ns={}\trss_kib={}\tfinding={}",
            r.invocations,
            opt(r.reported),
            opt(r.redundant),
            r.complete as u8,
            r.capped as u8,
            r.elapsed.as_nanos(),
            self.reps,
            self.total.as_nanos(),
            self.median.as_nanos(),
            opt(self.peak_rss_kib),
            finding,
        )
    }

    /// Parses [`Measurement::to_line`].
    pub fn from_line(line: &str) -> Option<Measurement> {
        let mut fields = line.strip_prefix("RESULT\t")?.split('\t');
        let mut m = Measurement::default();
        let opt = |v: &str| if v == "-" { None } else { v.parse().ok() };
        let ns = |v: &str| v.parse().ok().map(Duration::from_nanos);
        for f in fields.by_ref() {
            let (k, v) = f.split_once('=')?;
            match k {
                "invocations" => m.run.invocations = v.parse().ok()?,
                "reported" => m.run.reported = opt(v),
                "redundant" => m.run.redundant = opt(v),
                "complete" => m.run.complete = v == "1",
                "capped" => m.run.capped = v == "1",
                "elapsed_ns" => m.run.elapsed = ns(v)?,
                "reps" => m.reps = v.parse().ok()?,
                "total_ns" => m.total = ns(v)?,
                "median_ns" => m.median = ns(v)?,
                "rss_kib" => m.peak_rss_kib = opt(v),
                "finding" => m.run.finding = (v != "-").then(|| v.to_string()),
                _ => {}
            }
        }
        Some(m)
    }
}

/// The model closure: counts its calls in `count` (every checker's executions, counted the same
/// way), then runs the workload under `S`.
fn body<S: Tool>(w: Workload, count: &Arc<AtomicU64>) -> impl Fn() + Send + Sync + 'static {
    let count = count.clone();
    move || {
        count.fetch_add(1, Ordering::Relaxed);
        w.run::<S>();
    }
}

/// Peak resident set of this process, KiB.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `cell` once, then again until `budget.min_total` has passed, and measures it.
pub fn measure(cell: Cell, budget: &Budget) -> Result<Measurement, String> {
    let first = run_once(cell, budget)?;
    let mut times = vec![first.elapsed];
    let mut total = first.elapsed;
    // Repeat only what is deterministic and finished: same executions every time.
    while !first.capped
        && first.finding.is_none()
        && total < budget.min_total
        && times.len() < 100_000
    {
        let again = run_once(cell, budget)?;
        total += again.elapsed;
        times.push(again.elapsed);
    }
    times.sort();
    Ok(Measurement {
        run: first,
        reps: times.len() as u64,
        total,
        median: times[times.len() / 2],
        peak_rss_kib: peak_rss_kib(),
    })
}

/// Runs `cell` once.
pub fn run_once(cell: Cell, budget: &Budget) -> Result<Run, String> {
    let count = Arc::new(AtomicU64::new(0));
    *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = Some((count.clone(), Instant::now()));
    let mut run = match cell.checker {
        Checker::Ravel => run_ravel(cell, budget, &count),
        Checker::Loom => run_loom(cell, budget, &count)?,
        Checker::Shuttle => run_shuttle(cell, budget, &count),
    };
    run.invocations = count.load(Ordering::Relaxed);
    if cell.mode != Mode::Exhaustive && run.finding.is_none() {
        let wanted = budget.executions.unwrap_or(u64::MAX);
        run.capped = run.invocations < wanted;
    }
    Ok(run)
}

fn run_ravel(cell: Cell, budget: &Budget, count: &Arc<AtomicU64>) -> Run {
    // One worker: loom and shuttle explore on one thread, and per-execution costs are what is
    // compared (the parallel speedup is measured on its own, see BENCHMARKS.md).
    let mut b = ravel::Builder::new().workers(1).max_duration(budget.time);
    b = match cell.mode {
        Mode::Exhaustive => b,
        Mode::Random => b.strategy(ravel::Strategy::Random { seed: budget.seed }),
        Mode::Pct => b.strategy(ravel::Strategy::Pct {
            depth: budget.depth,
            seed: budget.seed,
        }),
    };
    if let Some(n) = budget.executions {
        b = b.max_executions(n);
    }
    let start = Instant::now();
    let o = b.explore(body::<Ravel>(cell.workload, count));
    let elapsed = start.elapsed();
    let finding = o.findings().first().map(|f| {
        let text = f.render_stable();
        describe(&f.kind().to_string(), &text)
    });
    let capped = cell.mode == Mode::Exhaustive && !o.complete() && finding.is_none();
    Run {
        invocations: 0,
        reported: Some(o.executions()),
        redundant: Some(o.redundant()),
        complete: o.complete(),
        capped,
        elapsed,
        finding,
    }
}

fn run_loom(cell: Cell, budget: &Budget, count: &Arc<AtomicU64>) -> Result<Run, String> {
    if cell.mode != Mode::Exhaustive {
        return Err("loom has no sampling strategy".into());
    }
    let mut b = loom::model::Builder::new();
    b.max_duration = Some(budget.time);
    // loom checks `max_duration` only every `checkpoint_interval` iterations (20,000 by default).
    b.checkpoint_interval = 100;
    b.preemption_bound = budget.loom_preemption_bound.map(|n| n as usize);
    let w = cell.workload;
    let start = Instant::now();
    let result = silently(|| b.check(body::<Loom>(w, count)));
    let elapsed = start.elapsed();
    let finding = result.err().map(|p| describe("panic", &payload_text(&*p)));
    let capped = finding.is_none() && elapsed >= budget.time;
    Ok(Run {
        invocations: 0,
        reported: None,
        redundant: None,
        complete: finding.is_none() && !capped,
        capped,
        elapsed,
        finding,
    })
}

fn run_shuttle(cell: Cell, budget: &Budget, count: &Arc<AtomicU64>) -> Run {
    use shuttle::scheduler::{DfsScheduler, PctScheduler, RandomScheduler};
    let mut config = shuttle::Config::new();
    config.max_time = Some(budget.time);
    let n = budget.executions.map(|n| n as usize);
    let f = body::<Shuttle>(cell.workload, count);
    let start = Instant::now();
    let result = silently(|| match cell.mode {
        Mode::Exhaustive => shuttle::Runner::new(DfsScheduler::new(n, false), config).run(f),
        Mode::Random => shuttle::Runner::new(
            RandomScheduler::new_from_seed(budget.seed, n.unwrap_or(usize::MAX)),
            config,
        )
        .run(f),
        Mode::Pct => shuttle::Runner::new(
            PctScheduler::new_from_seed(
                budget.seed,
                budget.depth as usize,
                n.unwrap_or(usize::MAX),
            ),
            config,
        )
        .run(f),
    });
    let elapsed = start.elapsed();
    let (reported, finding) = match result {
        Ok(iterations) => (Some(iterations as u64), None),
        Err(p) => (None, Some(describe("panic", &payload_text(&*p)))),
    };
    let capped = finding.is_none() && elapsed >= budget.time;
    Run {
        invocations: 0,
        reported,
        redundant: None,
        complete: cell.mode == Mode::Exhaustive && finding.is_none() && !capped,
        capped,
        elapsed,
        finding,
    }
}

/// Runs `f` with a quiet panic hook, catching its panic.
///
/// The hook prints one line per panic instead of the default message and backtrace hint, so that
/// when a checker aborts the process (loom does on a panic while panicking) the parent still
/// learns what the panic was.
fn silently<R>(f: impl FnOnce() -> R) -> Result<R, Box<dyn Any + Send>> {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|info| {
        let text = payload_text(info.payload());
        let first = text.lines().next().unwrap_or("");
        let at = info
            .location()
            .map(|l| format!(" at {l}"))
            .unwrap_or_default();
        let (n, ns) = match &*CURRENT.lock().unwrap_or_else(|e| e.into_inner()) {
            Some((count, start)) => (count.load(Ordering::Relaxed), start.elapsed().as_nanos()),
            None => (0, 0),
        };
        eprintln!("{PANIC_LINE} [execution {n}, {ns} ns]: {first}{at}");
    }));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    panic::set_hook(previous);
    result
}

fn payload_text(p: &(dyn Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else {
        "(non-string panic payload)".to_string()
    }
}

/// Parses a [`PANIC_LINE`]: the execution it happened in, the time into the run, the message.
pub fn parse_panic_line(line: &str) -> Option<(u64, Duration, String)> {
    let rest = line
        .strip_prefix(PANIC_LINE)?
        .strip_prefix(" [execution ")?;
    let (n, rest) = rest.split_once(", ")?;
    let (ns, message) = rest.split_once(" ns]: ")?;
    Some((
        n.parse().ok()?,
        Duration::from_nanos(ns.parse().ok()?),
        message.to_string(),
    ))
}

/// A few words for a finding: its kind, and what the workload's assertion says.
pub fn describe(kind: &str, text: &str) -> String {
    let lower = text.to_lowercase();
    if lower.contains("deadlock") {
        "deadlock".to_string()
    } else if lower.contains("lost update") {
        format!("{kind}: lost update")
    } else {
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let short: String = first.chars().take(80).collect();
        format!("{kind}: {short}")
    }
}

impl fmt::Display for Checker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Checker::Ravel => Ravel::NAME,
            Checker::Loom => Loom::NAME,
            Checker::Shuttle => Shuttle::NAME,
        })
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Exhaustive => "exhaustive",
            Mode::Random => "random",
            Mode::Pct => "pct",
        })
    }
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.checker, self.mode, self.workload)
    }
}

impl FromStr for Cell {
    type Err = String;

    fn from_str(s: &str) -> Result<Cell, String> {
        let mut parts = s.splitn(3, '/');
        let (Some(c), Some(m), Some(w)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("expected checker/mode/workload, got `{s}`"));
        };
        let checker = match c {
            "ravel" => Checker::Ravel,
            "loom" => Checker::Loom,
            "shuttle" => Checker::Shuttle,
            _ => return Err(format!("unknown checker `{c}`")),
        };
        let mode = match m {
            "exhaustive" => Mode::Exhaustive,
            "random" => Mode::Random,
            "pct" => Mode::Pct,
            _ => return Err(format!("unknown mode `{m}`")),
        };
        Ok(Cell {
            checker,
            mode,
            workload: w.parse()?,
        })
    }
}
