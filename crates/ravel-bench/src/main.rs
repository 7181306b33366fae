//! `ravel-bench`: runs every workload under ravel, loom and shuttle, one child process per
//! measurement, and prints Markdown tables (with `--write`, into BENCHMARKS.md).
//!
//! ```text
//! cargo run --release -p ravel-bench -- [--write] [--filter SUBSTR] [--cap-secs 20] [--trials 20]
//! cargo run --release -p ravel-bench -- --child ravel/exhaustive/mutex-3x2   # one cell
//! ```

use ravel_bench::harness::{
    describe, measure, parse_panic_line, peak_rss_kib, Budget, Cell, Checker, Measurement, Mode,
};
use ravel_bench::workloads::Workload;
use std::fmt::Write as _;
use std::io::Read;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

const BEGIN: &str = "<!-- bench:begin -->";
const END: &str = "<!-- bench:end -->";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse(&args) {
        Ok(Args::Child(spec, budget)) => child(&spec, &budget),
        Ok(Args::Bench(opts)) => bench(&opts),
        Err(e) => {
            eprintln!("ravel-bench: {e}");
            ExitCode::from(2)
        }
    }
}

#[derive(Debug)]
struct Options {
    write: bool,
    filter: Option<String>,
    cap: Duration,
    trials: u64,
    sample_executions: u64,
    min_total: Duration,
    best_of: u64,
}

enum Args {
    Child(String, Budget),
    Bench(Options),
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut opts = Options {
        write: false,
        filter: None,
        cap: Duration::from_secs(20),
        trials: 20,
        sample_executions: 10_000,
        min_total: Duration::from_millis(500),
        best_of: 3,
    };
    let mut budget = Budget::default();
    let mut child = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{a} needs a value"));
        let num = |v: &String| {
            v.parse::<u64>()
                .map_err(|_| format!("{a}: not a number: {v}"))
        };
        match a.as_str() {
            "--write" => opts.write = true,
            "--filter" => opts.filter = Some(value()?.clone()),
            "--cap-secs" => opts.cap = Duration::from_secs(num(value()?)?),
            "--trials" => opts.trials = num(value()?)?,
            "--sample-executions" => opts.sample_executions = num(value()?)?,
            "--best-of" => opts.best_of = num(value()?)?.max(1),
            "--child" => child = Some(value()?.clone()),
            "--seed" => budget.seed = num(value()?)?,
            "--depth" => budget.depth = num(value()?)? as u32,
            "--executions" => budget.executions = Some(num(value()?)?),
            "--time-ms" => budget.time = Duration::from_millis(num(value()?)?),
            "--min-total-ms" => budget.min_total = Duration::from_millis(num(value()?)?),
            "--loom-preemption-bound" => budget.loom_preemption_bound = Some(num(value()?)? as u32),
            "-h" | "--help" => {
                return Err("usage: ravel-bench [--write] [--filter SUBSTR] [--cap-secs N] \
                            [--trials N] [--sample-executions N] [--best-of N] | --child CHECKER/MODE/WORKLOAD \
                            [--seed N] [--depth N] [--executions N] [--time-ms N] [--min-total-ms N] \
                            [--loom-preemption-bound N]"
                    .into())
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(match child {
        Some(spec) => Args::Child(spec, budget),
        None => Args::Bench(opts),
    })
}

/// Runs one cell in this process and prints its `RESULT` line.
fn child(spec: &str, budget: &Budget) -> ExitCode {
    if spec == "noop" {
        let m = Measurement {
            peak_rss_kib: peak_rss_kib(),
            ..Measurement::default()
        };
        println!("{}", m.to_line());
        return ExitCode::SUCCESS;
    }
    let cell: Cell = match spec.parse() {
        Ok(c) => c,
        Err(e) => {
            println!("ERROR\t{e}");
            return ExitCode::from(2);
        }
    };
    match measure(cell, budget) {
        Ok(m) => {
            println!("{}", m.to_line());
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("ERROR\t{e}");
            ExitCode::from(2)
        }
    }
}

/// How a child process ended.
#[derive(Clone, Debug)]
enum Status {
    Done(Measurement),
    /// The child died without a result (abort, signal, exit code): how, with the gist of its
    /// stderr, and the first panic it reported (execution, time into the run, message).
    Died(String, Option<(u64, Duration, String)>),
    /// The child outlived its deadline and was killed.
    Killed,
    /// The harness refused the cell.
    Refused(String),
}

impl Status {
    fn measurement(&self) -> Option<&Measurement> {
        match self {
            Status::Done(m) => Some(m),
            _ => None,
        }
    }

    fn short(&self) -> String {
        match self {
            Status::Done(_) => "ok".into(),
            Status::Died(why, _) => why.clone(),
            Status::Killed => "killed at the deadline".into(),
            Status::Refused(why) => why.clone(),
        }
    }
}

struct Runner {
    exe: std::path::PathBuf,
    started: Instant,
    cells: usize,
    log: Vec<(Cell, Budget, Status)>,
}

impl Runner {
    /// Runs `cell` in up to `n` child processes and keeps the fastest (lowest median exploration
    /// time): the machine is shared, and interference only ever adds time. A run that was capped,
    /// found something, failed, or took over a second is not repeated.
    fn best_of(&mut self, n: u64, cell: Cell, budget: &Budget) -> Status {
        let mut best = self.run(Some(cell), budget);
        for _ in 1..n {
            let Status::Done(m) = &best else { break };
            if m.run.capped || m.run.finding.is_some() || m.median > Duration::from_secs(1) {
                break;
            }
            let again = self.run(Some(cell), budget);
            if let (Status::Done(a), Status::Done(b)) = (&again, &best) {
                if a.median < b.median {
                    best = again;
                }
            }
        }
        best
    }

    fn run(&mut self, cell: Option<Cell>, budget: &Budget) -> Status {
        self.cells += 1;
        let spec = cell.map_or_else(|| "noop".to_string(), |c| c.to_string());
        let mut cmd = Command::new(&self.exe);
        cmd.arg("--child").arg(&spec);
        cmd.args(["--seed", &budget.seed.to_string()]);
        cmd.args(["--depth", &budget.depth.to_string()]);
        cmd.args(["--time-ms", &budget.time.as_millis().to_string()]);
        cmd.args(["--min-total-ms", &budget.min_total.as_millis().to_string()]);
        if let Some(n) = budget.executions {
            cmd.args(["--executions", &n.to_string()]);
        }
        if let Some(n) = budget.loom_preemption_bound {
            cmd.args(["--loom-preemption-bound", &n.to_string()]);
        }
        cmd.env_remove("RAVEL_REPLAY");
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let t0 = Instant::now();
        let status = spawn_and_wait(
            cmd,
            budget.time * 3 + budget.min_total + Duration::from_secs(30),
        );
        eprintln!(
            "[{:>4} {:>6.1}s] {spec:<32} seed {:<3} {:>8.3}s  {}",
            self.cells,
            self.started.elapsed().as_secs_f64(),
            budget.seed,
            t0.elapsed().as_secs_f64(),
            match &status {
                Status::Done(m) => format!(
                    "{} executions{}{}",
                    m.run.invocations,
                    if m.run.capped { " (capped)" } else { "" },
                    m.run
                        .finding
                        .as_ref()
                        .map(|f| format!(", found {f}"))
                        .unwrap_or_default()
                ),
                other => other.short(),
            }
        );
        if let Some(cell) = cell {
            self.log.push((cell, *budget, status.clone()));
        }
        status
    }
}

fn spawn_and_wait(mut cmd: Command, deadline: Duration) -> Status {
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return Status::Died(format!("could not start: {e}"), None),
    };
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let exit = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Status::Died(format!("wait failed: {e}"), None),
        }
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    let Some(exit) = exit else {
        return Status::Killed;
    };
    for line in stdout.lines() {
        if let Some(m) = Measurement::from_line(line) {
            return Status::Done(m);
        }
        if let Some(e) = line.strip_prefix("ERROR\t") {
            return Status::Refused(e.to_string());
        }
    }
    use std::os::unix::process::ExitStatusExt;
    let how = match (exit.code(), exit.signal()) {
        (_, Some(6)) => "aborted (SIGABRT)".to_string(),
        (_, Some(sig)) => format!("killed by signal {sig}"),
        (Some(code), _) => format!("exited {code} without a result"),
        _ => "ended without a result".to_string(),
    };
    // The first panic the child reported, then what ended it.
    let first_panic = stderr.lines().find_map(parse_panic_line);
    let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
    let gist = match (&first_panic, last) {
        (Some((_, _, p)), Some(l)) if !l.contains(p.as_str()) => {
            format!("{} → {}", cut(p, 100), cut(l, 60))
        }
        (Some((_, _, p)), _) => cut(p, 100),
        (None, Some(l)) => cut(l, 100),
        (None, None) => String::new(),
    };
    let why = if gist.is_empty() {
        how
    } else {
        format!("{how} after: {}", gist.replace('|', "/"))
    };
    Status::Died(why, first_panic)
}

/// Whether a panic message is the workload's bug being reported.
fn is_the_bug(w: Workload, message: &str) -> bool {
    match w {
        Workload::LostUpdate => message.contains("lost update"),
        Workload::Abba => message.to_lowercase().contains("deadlock"),
        _ => false,
    }
}

fn cut(s: &str, n: usize) -> String {
    let mut out: String = s.trim().chars().take(n).collect();
    if s.trim().chars().count() > n {
        out.push('…');
    }
    out
}

const CHECKERS: [Checker; 3] = [Checker::Ravel, Checker::Loom, Checker::Shuttle];

struct Exhaustive {
    workload: Workload,
    /// ravel, loom, shuttle.
    cells: Vec<Status>,
    /// loom again with a preemption bound, when the unbounded run hit the cap.
    loom_bounded: Option<Status>,
}

/// The preemption bound loom is re-run with when its exhaustive search does not finish in time.
const LOOM_FALLBACK_BOUND: u32 = 2;

struct Sampling {
    workload: Workload,
    /// (ravel random, shuttle random, ravel pct, shuttle pct)
    cells: Vec<Status>,
}

const SAMPLERS: [(Checker, Mode); 4] = [
    (Checker::Ravel, Mode::Random),
    (Checker::Shuttle, Mode::Random),
    (Checker::Ravel, Mode::Pct),
    (Checker::Shuttle, Mode::Pct),
];

struct BugHunt {
    workload: Workload,
    checker: Checker,
    mode: Mode,
    trials: Vec<Status>,
}

fn bench(opts: &Options) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("ravel-bench: cannot find my own executable: {e}");
            return ExitCode::FAILURE;
        }
    };
    if cfg!(debug_assertions) {
        eprintln!("ravel-bench: warning: a debug build; run with --release for real numbers");
    }
    let mut r = Runner {
        exe,
        started: Instant::now(),
        cells: 0,
        log: Vec::new(),
    };
    let keep = |w: &Workload| match &opts.filter {
        Some(f) => w.to_string().contains(f.as_str()),
        None => true,
    };

    let load_before = loadavg();
    let baseline = r.run(None, &Budget::default());

    let mut exhaustive = Vec::new();
    for w in Workload::exhaustive_suite().into_iter().filter(keep) {
        let budget = Budget {
            time: opts.cap,
            min_total: opts.min_total,
            ..Budget::default()
        };
        let cell = |checker| Cell {
            checker,
            mode: Mode::Exhaustive,
            workload: w,
        };
        let cells: Vec<Status> = CHECKERS
            .iter()
            .map(|&c| r.best_of(opts.best_of, cell(c), &budget))
            .collect();
        let loom_capped = cells[1].measurement().is_some_and(|m| m.run.capped);
        let loom_bounded = loom_capped.then(|| {
            let bounded = Budget {
                loom_preemption_bound: Some(LOOM_FALLBACK_BOUND),
                ..budget
            };
            r.run(Some(cell(Checker::Loom)), &bounded)
        });
        exhaustive.push(Exhaustive {
            workload: w,
            cells,
            loom_bounded,
        });
    }

    let mut sampling = Vec::new();
    for w in Workload::exhaustive_suite().into_iter().filter(keep) {
        let budget = Budget {
            time: opts.cap,
            executions: Some(opts.sample_executions),
            seed: 1,
            depth: 3,
            min_total: Duration::ZERO,
            loom_preemption_bound: None,
        };
        let cells = SAMPLERS
            .iter()
            .map(|&(checker, mode)| {
                let cell = Cell {
                    checker,
                    mode,
                    workload: w,
                };
                r.best_of(opts.best_of, cell, &budget)
            })
            .collect();
        sampling.push(Sampling { workload: w, cells });
    }

    let mut hunts = Vec::new();
    for w in Workload::bug_suite().into_iter().filter(keep) {
        let mut plan: Vec<(Checker, Mode)> =
            CHECKERS.iter().map(|&c| (c, Mode::Exhaustive)).collect();
        plan.extend(SAMPLERS);
        for (checker, mode) in plan {
            let trials = if mode == Mode::Exhaustive {
                5
            } else {
                opts.trials
            };
            let cell = Cell {
                checker,
                mode,
                workload: w,
            };
            let statuses = (1..=trials)
                .map(|seed| {
                    let budget = Budget {
                        time: opts.cap,
                        executions: (mode != Mode::Exhaustive).then_some(100_000),
                        seed,
                        depth: 2,
                        min_total: Duration::ZERO,
                        loom_preemption_bound: None,
                    };
                    r.run(Some(cell), &budget)
                })
                .collect();
            hunts.push(BugHunt {
                workload: w,
                checker,
                mode,
                trials: statuses,
            });
        }
    }

    let load = format!(
        "{load_before} before, {} after (1/5/15-minute load averages)",
        loadavg()
    );
    let section = render(
        opts,
        &load,
        &baseline,
        &exhaustive,
        &sampling,
        &hunts,
        &r.log,
    );
    println!("{section}");
    if opts.write {
        if let Err(e) = write_benchmarks_md(&section) {
            eprintln!("ravel-bench: could not write BENCHMARKS.md: {e}");
            return ExitCode::FAILURE;
        }
        eprintln!("ravel-bench: wrote {}", benchmarks_md().display());
    }
    eprintln!(
        "ravel-bench: {} child runs in {:.1} s",
        r.cells,
        r.started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}

// ---------------------------------------------------------------------------------------------
// Rendering

fn fmt_dur(d: Duration) -> String {
    let ns = d.as_secs_f64() * 1e9;
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.1} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// A ratio: two decimals, or `1/N` when it is below 0.01.
fn fmt_x(x: f64) -> String {
    if x >= 0.01 || x <= 0.0 {
        format!("{x:.2}")
    } else {
        format!("1/{:.0}", 1.0 / x)
    }
}

fn fmt_us(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e6)
}

fn fmt_ratio(a: Option<Duration>, b: Option<Duration>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > Duration::ZERO => fmt_x(a.as_secs_f64() / b.as_secs_f64()),
        _ => "–".into(),
    }
}

fn fmt_mib(kib: Option<u64>) -> String {
    kib.map_or("–".into(), |k| format!("{:.1}", k as f64 / 1024.0))
}

fn geomean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| (xs.iter().map(|x| x.ln()).sum::<f64>() / xs.len() as f64).exp())
}

fn median<T: Copy + Ord>(xs: &mut [T]) -> Option<T> {
    xs.sort();
    (!xs.is_empty()).then(|| xs[xs.len() / 2])
}

/// The executions column of the exhaustive table.
fn count_cell(s: &Status) -> String {
    match s {
        Status::Done(m) => {
            let n = m.run.invocations;
            if let Some(f) = &m.run.finding {
                format!("{n} (failed: {f})")
            } else if m.run.capped {
                format!("≥ {n} (capped at {})", fmt_dur(m.run.elapsed))
            } else {
                n.to_string()
            }
        }
        Status::Died(why, _) if why.contains("self.threads.len() < self.max()") => {
            "unsupported: over loom's 5-thread limit (`MAX_THREADS`, main included); the process aborted".into()
        }
        other => other.short(),
    }
}

/// A sampler's µs per execution, or why there is none.
fn sample_cell(s: &Status) -> String {
    match (per_exec(s), s) {
        (Some(p), _) => fmt_us(p),
        (None, Status::Done(m)) => match &m.run.finding {
            Some(f) => format!("n/a ({f})"),
            None => "–".into(),
        },
        (None, other) => other.short(),
    }
}

/// The time per execution once `fixed` (the checker's cost of an empty exploration) is taken off.
fn net_per_exec(s: &Status, fixed: Option<Duration>) -> Option<Duration> {
    let m = s.measurement().filter(|m| m.run.finding.is_none())?;
    let n = m.run.invocations;
    let fixed = fixed?;
    (n > 0).then(|| m.per_exploration().saturating_sub(fixed) / n as u32)
}

/// The whole-exploration time: a lower bound when the run was capped.
fn exploration_cell(s: &Status) -> String {
    match s.measurement() {
        Some(m) if m.run.finding.is_none() && m.run.capped => {
            format!("> {}", fmt_dur(m.run.elapsed))
        }
        Some(m) if m.run.finding.is_none() => fmt_dur(m.per_exploration()),
        _ => "–".into(),
    }
}

/// ravel's exploration time ÷ the peer's, an upper bound when the peer was capped.
fn exploration_ratio(ravel: &Status, peer: &Status) -> String {
    match (per_exploration(ravel), peer.measurement()) {
        (Some(r), Some(m)) if m.run.finding.is_none() && m.run.capped => {
            format!("< {}", fmt_x(r.as_secs_f64() / m.run.elapsed.as_secs_f64()))
        }
        (r, _) => fmt_ratio(r, per_exploration(peer)),
    }
}

/// The per-execution time, when the cell finished cleanly.
fn per_exec(s: &Status) -> Option<Duration> {
    s.measurement()
        .filter(|m| m.run.finding.is_none())
        .and_then(Measurement::per_execution)
}

/// The whole-exploration time, when the cell finished exhaustively.
fn per_exploration(s: &Status) -> Option<Duration> {
    s.measurement()
        .filter(|m| m.run.finding.is_none() && !m.run.capped)
        .map(Measurement::per_exploration)
}

fn opt_us(d: Option<Duration>) -> String {
    d.map_or("–".into(), fmt_us)
}

fn render(
    opts: &Options,
    load: &str,
    baseline: &Status,
    exhaustive: &[Exhaustive],
    sampling: &[Sampling],
    hunts: &[BugHunt],
    log: &[(Cell, Budget, Status)],
) -> String {
    let mut o = String::new();
    let env = environment();
    let _ = writeln!(o, "### Environment\n");
    for (k, v) in &env {
        let _ = writeln!(o, "- {k}: {v}");
    }
    let _ = writeln!(o, "- load: {load}");
    let _ = writeln!(
        o,
        "- caps: {} per exploration; bug hunts: 5 runs of each exhaustive checker, {} seeds of \
         each sampler (≤ 100,000 executions each); sampling throughput: {} executions, seed 1, PCT depth 3",
        fmt_dur(opts.cap),
        opts.trials,
        opts.sample_executions
    );
    let _ = writeln!(
        o,
        "- every number is measured in a child process of its own; \"executions\" counts calls of \
         the model closure (the same for every checker), and per-execution times divide the median wall \
         time of whole explorations, repeated until ≥ {} in total, by it; each exhaustive and \
         sampling cell is the fastest of {} child processes (runs over 1 s, capped, or failing are \
         not repeated), since interference from other work on the machine only adds time; `empty` \
         (a model that does nothing) shows each checker's fixed cost per exploration",
        fmt_dur(opts.min_total),
        opts.best_of
    );
    if let Some(m) = baseline.measurement() {
        let _ = writeln!(
            o,
            "- peak RSS of an idle child process (baseline): {} MiB",
            fmt_mib(m.peak_rss_kib)
        );
    }
    if let Some(f) = &opts.filter {
        let _ = writeln!(o, "- **filtered run**: only workloads matching `{f}`");
    }

    // Exhaustive: counts.
    let mut summary: Vec<String> = vec![];
    let head = std::mem::take(&mut o);
    let _ = writeln!(o, "\n### Exhaustive exploration: executions\n");
    let _ = writeln!(
        o,
        "ravel: optimal (TruSt) search; loom 0.7.3: `loom::model::Builder` defaults (DPOR, no \
         preemption bound); shuttle: `DfsScheduler` (`check_dfs`, no partial-order reduction).\n"
    );
    let _ = writeln!(
        o,
        "| workload | threads | optimal | ravel | ravel = optimal | loom | shuttle dfs |"
    );
    let _ = writeln!(o, "|---|---:|---:|---:|:---:|---:|---:|");
    let mut optimal_hits = 0;
    for e in exhaustive {
        let optimal = e.workload.optimal_executions();
        let ok = match (e.cells[0].measurement(), optimal) {
            (Some(m), Some(opt)) if m.run.complete => {
                let reported = m.run.reported.unwrap_or(m.run.invocations);
                if reported == opt {
                    optimal_hits += 1;
                    "yes".to_string()
                } else {
                    "**no**".to_string()
                }
            }
            _ => "**no** (did not finish)".into(),
        };
        let ravel_count = match e.cells[0].measurement() {
            Some(m) if m.run.redundant.unwrap_or(0) > 0 => {
                format!(
                    "{} (+{} redundant)",
                    count_cell(&e.cells[0]),
                    m.run.redundant.unwrap_or(0)
                )
            }
            _ => count_cell(&e.cells[0]),
        };
        let mut loom_count = count_cell(&e.cells[1]);
        if let Some(b) = &e.loom_bounded {
            let _ = write!(
                loom_count,
                "; with preemption bound {LOOM_FALLBACK_BOUND}: {}{}",
                count_cell(b),
                per_exploration(b)
                    .map(|t| format!(" in {}", fmt_dur(t)))
                    .unwrap_or_default()
            );
        }
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} |",
            e.workload,
            e.workload.spawned_threads(),
            optimal.map_or("–".into(), |n| n.to_string()),
            ravel_count,
            ok,
            loom_count,
            count_cell(&e.cells[2]),
        );
    }

    summary.push(format!(
        "ravel's exhaustive count equals the optimal number of SC equivalence classes on {optimal_hits} \
         of {} workloads.",
        exhaustive.len()
    ));

    // Exhaustive: time.
    let _ = writeln!(o, "\n### Exhaustive exploration: time\n");
    let _ = writeln!(
        o,
        "Per-execution time (µs) and whole-exploration wall time; ratios are ravel ÷ peer (below 1: \
         ravel is faster; the per-execution goal against loom is ≤ 0.20). A capped run's \
         per-execution time is over the executions it did; its exploration time is a lower bound \
         (`>`), and the ratio an upper bound (`<`). ravel's executions include the redundant ones it \
         abandons. The geometric means of exploration time use only uncapped cells.\n"
    );
    let _ = writeln!(
        o,
        "| workload | ravel µs/exec | loom µs/exec | shuttle µs/exec | ravel/loom per exec | ravel/shuttle per exec | ravel exploration | loom exploration | shuttle exploration | ravel/loom exploration | ravel/shuttle exploration |"
    );
    let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let (mut per_loom, mut per_shuttle, mut tot_loom, mut tot_shuttle) =
        (vec![], vec![], vec![], vec![]);
    for e in exhaustive {
        let p: Vec<_> = e.cells.iter().map(per_exec).collect();
        let t: Vec<_> = e.cells.iter().map(per_exploration).collect();
        let calibration = e.workload == Workload::Empty;
        let ratio = |a: Option<Duration>, b: Option<Duration>, acc: &mut Vec<f64>| {
            if let (Some(a), Some(b), false) = (a, b, calibration) {
                acc.push(a.as_secs_f64() / b.as_secs_f64());
            }
            fmt_ratio(a, b)
        };
        let rl = ratio(p[0], p[1], &mut per_loom);
        let rs = ratio(p[0], p[2], &mut per_shuttle);
        ratio(t[0], t[1], &mut tot_loom);
        ratio(t[0], t[2], &mut tot_shuttle);
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {rl} | {rs} | {} | {} | {} | {} | {} |",
            e.workload,
            opt_us(p[0]),
            opt_us(p[1]),
            opt_us(p[2]),
            exploration_cell(&e.cells[0]),
            exploration_cell(&e.cells[1]),
            exploration_cell(&e.cells[2]),
            exploration_ratio(&e.cells[0], &e.cells[1]),
            exploration_ratio(&e.cells[0], &e.cells[2]),
        );
    }
    let g = |xs: &[f64]| {
        geomean(xs).map_or("–".into(), |g| {
            format!("{} (over {} workloads)", fmt_x(g), xs.len())
        })
    };
    let _ = writeln!(
        o,
        "\nGeometric means, ravel ÷ peer: per execution vs loom {}, vs shuttle {}; whole exploration \
         vs loom {}, vs shuttle {}.",
        g(&per_loom),
        g(&per_shuttle),
        g(&tot_loom),
        g(&tot_shuttle)
    );

    // Per execution, net of the fixed cost.
    let fixed: Option<Vec<Option<Duration>>> = exhaustive
        .iter()
        .find(|e| e.workload == Workload::Empty)
        .map(|e| e.cells.iter().map(per_exploration).collect());
    let (mut net_loom, mut net_shuttle) = (vec![], vec![]);
    if let Some(fixed) = fixed {
        summary.push(format!(
            "Fixed cost of one exploration (the `empty` model): {}.",
            CHECKERS
                .iter()
                .zip(&fixed)
                .map(|(c, f)| format!("{c} {}", f.map_or("–".into(), fmt_dur)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        let _ = writeln!(
            o,
            "\n### Exhaustive exploration: time per execution, net of the fixed cost\n"
        );
        let _ = writeln!(
            o,
            "Each checker's `empty` exploration time ({}) subtracted from each exploration before \
             dividing by its executions: the marginal cost of one more execution.\n",
            CHECKERS
                .iter()
                .zip(&fixed)
                .map(|(c, f)| format!("{c} {}", f.map_or("–".into(), fmt_dur)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(
            o,
            "| workload | ravel µs/exec | loom µs/exec | shuttle µs/exec | ravel/loom | ravel/shuttle |"
        );
        let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|");
        for e in exhaustive.iter().filter(|e| e.workload != Workload::Empty) {
            let p: Vec<Option<Duration>> = e
                .cells
                .iter()
                .zip(&fixed)
                .map(|(s, f)| net_per_exec(s, *f))
                .collect();
            let ratio = |a: Option<Duration>, b: Option<Duration>, acc: &mut Vec<f64>| {
                if let (Some(a), Some(b)) = (a, b) {
                    if a > Duration::ZERO && b > Duration::ZERO {
                        acc.push(a.as_secs_f64() / b.as_secs_f64());
                    }
                }
                fmt_ratio(a, b)
            };
            let rl = ratio(p[0], p[1], &mut net_loom);
            let rs = ratio(p[0], p[2], &mut net_shuttle);
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {rl} | {rs} |",
                e.workload,
                opt_us(p[0]),
                opt_us(p[1]),
                opt_us(p[2]),
            );
        }
        let _ = writeln!(
            o,
            "\nGeometric means, ravel ÷ peer, net per execution: vs loom {}, vs shuttle {}.",
            g(&net_loom),
            g(&net_shuttle)
        );
    }
    let verdict = |xs: &[f64]| match geomean(xs) {
        Some(x) if x <= 0.2 => format!("{x:.2} (goal met)"),
        Some(x) => format!("{x:.2} (goal **not** met)"),
        None => "–".into(),
    };
    summary.push(format!(
        "Time per execution, ravel ÷ loom (goal ≤ 0.20), geometric mean over the workloads loom \
         finishes or is capped on: as measured {}; net of each checker's fixed cost per \
         exploration {}. ravel ÷ shuttle: as measured {}; net {}.",
        verdict(&per_loom),
        verdict(&net_loom),
        geomean(&per_shuttle).map_or("–".into(), |x| format!("{x:.2}")),
        geomean(&net_shuttle).map_or("–".into(), |x| format!("{x:.2}")),
    ));
    let capped = |s: &Status| s.measurement().is_some_and(|m| m.run.capped);
    let peer_capped: Vec<&Exhaustive> = exhaustive
        .iter()
        .filter(|e| e.cells[1..].iter().any(capped))
        .collect();
    let ravel_done = peer_capped
        .iter()
        .filter(|e| e.cells[0].measurement().is_some_and(|m| m.run.complete))
        .count();
    summary.push(format!(
        "Whole exhaustive exploration, ravel ÷ peer, geometric mean where both finish: vs loom {}, \
         vs shuttle {}. A peer hit the {} cap on {} workloads; ravel finished {} of them.",
        geomean(&tot_loom).map_or("–".into(), fmt_x),
        geomean(&tot_shuttle).map_or("–".into(), fmt_x),
        fmt_dur(opts.cap),
        peer_capped.len(),
        ravel_done
    ));

    // Peak RSS.
    let _ = writeln!(
        o,
        "\n### Peak RSS of the exhaustive runs (MiB, whole child process)\n"
    );
    let _ = writeln!(o, "| workload | ravel | loom | shuttle |");
    let _ = writeln!(o, "|---|---:|---:|---:|");
    for e in exhaustive {
        let rss = |s: &Status| fmt_mib(s.measurement().and_then(|m| m.peak_rss_kib));
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            e.workload,
            rss(&e.cells[0]),
            rss(&e.cells[1]),
            rss(&e.cells[2])
        );
    }

    // Sampling throughput.
    let _ = writeln!(o, "\n### Sampling throughput (µs per execution)\n");
    let _ = writeln!(
        o,
        "Each sampler runs {} executions (seed 1; PCT depth 3); loom has no sampling mode.\n",
        opts.sample_executions
    );
    let _ = writeln!(
        o,
        "| workload | ravel random | shuttle random | ravel/shuttle random | ravel pct | shuttle pct | ravel/shuttle pct |"
    );
    let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|---:|");
    for s in sampling {
        let p: Vec<_> = s.cells.iter().map(per_exec).collect();
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} |",
            s.workload,
            sample_cell(&s.cells[0]),
            sample_cell(&s.cells[1]),
            fmt_ratio(p[0], p[1]),
            sample_cell(&s.cells[2]),
            sample_cell(&s.cells[3]),
            fmt_ratio(p[2], p[3]),
        );
    }

    // Bugs.
    let _ = writeln!(o, "\n### Time to first bug\n");
    let _ = writeln!(
        o,
        "Exhaustive checkers are deterministic (5 runs, for the time); samplers run one seed per \
         trial. Executions and time to the first bug are medians over the trials that found it \
         [min–max executions]; time is the exploration's wall time in a fresh process.\n"
    );
    let _ = writeln!(
        o,
        "| bug | checker | strategy | found in | what | executions to bug | time to bug | notes |"
    );
    let _ = writeln!(o, "|---|---|---|---:|---|---:|---:|---|");
    let (mut hunt_all, mut hunt_aborts) = (0, 0);
    for h in hunts {
        let mut execs = vec![];
        let mut times = vec![];
        let mut whats = vec![];
        let mut notes = vec![];
        for t in &h.trials {
            match t {
                Status::Done(m) => {
                    if let Some(f) = &m.run.finding {
                        execs.push(m.run.invocations);
                        times.push(m.run.elapsed);
                        if !whats.contains(f) {
                            whats.push(f.clone());
                        }
                    } else if m.run.capped {
                        notes.push(format!(
                            "missed within {} executions (capped)",
                            m.run.invocations
                        ));
                    } else {
                        notes.push(format!(
                            "missed: finished {} executions without a finding",
                            m.run.invocations
                        ));
                    }
                }
                Status::Died(how, Some((n, at, message))) if is_the_bug(h.workload, message) => {
                    // The checker reported the bug, then took the process down with it.
                    execs.push(*n);
                    times.push(*at);
                    let f = describe("panic", message);
                    if !whats.contains(&f) {
                        whats.push(f);
                    }
                    notes.push(format!(
                        "reported, then the process {}",
                        how.split(" after").next().unwrap_or(how)
                    ));
                }
                other => notes.push(other.short()),
            }
        }
        notes.sort();
        notes.dedup();
        if execs.len() == h.trials.len() {
            hunt_all += 1;
        }
        if notes.iter().any(|n| n.contains("aborted")) {
            hunt_aborts += 1;
        }
        let found = format!("{}/{}", execs.len(), h.trials.len());
        let (min, max) = (execs.iter().min().copied(), execs.iter().max().copied());
        let execs_cell = match (median(&mut execs), min, max) {
            (Some(m), Some(a), Some(b)) if a != b => format!("{m} [{a}–{b}]"),
            (Some(m), _, _) => m.to_string(),
            _ => "–".into(),
        };
        let time_cell = median(&mut times).map_or("–".into(), fmt_dur);
        let strategy = match (h.checker, h.mode) {
            (Checker::Shuttle, Mode::Exhaustive) => "dfs".to_string(),
            (_, Mode::Pct) => "pct (depth 2)".to_string(),
            (_, m) => m.to_string(),
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            h.workload,
            h.checker,
            strategy,
            found,
            if whats.is_empty() {
                "–".into()
            } else {
                whats.join("; ")
            },
            execs_cell,
            time_cell,
            notes.join("; ")
        );
    }

    summary.push(format!(
        "Bug hunts: {} of {} (bug, checker, strategy) combinations found the bug in every trial{}.",
        hunt_all,
        hunts.len(),
        if hunt_aborts > 0 {
            format!(
                "; in {hunt_aborts} of them the checker took the process down after reporting it"
            )
        } else {
            String::new()
        }
    ));

    // Every cell.
    let _ = writeln!(
        o,
        "\n<details><summary>Every exhaustive and sampling cell (the fastest of its child processes; {} child processes in all)</summary>\n",
        log.len()
    );
    let _ = writeln!(
        o,
        "| cell | executions | ravel-reported | complete | explorations | wall per exploration | executions/s | µs/exec | peak RSS MiB | status |"
    );
    let _ = writeln!(o, "|---|---:|---:|:---:|---:|---:|---:|---:|---:|---|");
    let mut kept: Vec<(String, &Status)> = vec![];
    for e in exhaustive {
        for (c, status) in CHECKERS.iter().zip(&e.cells) {
            kept.push((format!("{c}/exhaustive/{}", e.workload), status));
        }
        if let Some(b) = &e.loom_bounded {
            let name = format!(
                "loom/exhaustive/{} (preemption bound {LOOM_FALLBACK_BOUND})",
                e.workload
            );
            kept.push((name, b));
        }
    }
    for s in sampling {
        for ((c, m), status) in SAMPLERS.iter().zip(&s.cells) {
            kept.push((format!("{c}/{m}/{}", s.workload), status));
        }
    }
    for (cell, status) in kept {
        match status {
            Status::Done(m) => {
                let per = m.per_execution();
                let rate = per.map_or("–".into(), |p| format!("{:.0}", 1.0 / p.as_secs_f64()));
                let _ = writeln!(
                    o,
                    "| {cell} | {} | {} | {} | {} | {} | {rate} | {} | {} | {} |",
                    m.run.invocations,
                    m.run.reported.map_or("–".into(), |n| n.to_string()),
                    if m.run.complete { "yes" } else { "no" },
                    m.reps,
                    fmt_dur(m.per_exploration()),
                    opt_us(per),
                    fmt_mib(m.peak_rss_kib),
                    match (&m.run.finding, m.run.capped) {
                        (Some(f), _) => format!("found {f}"),
                        (None, true) => "capped".into(),
                        _ => "ok".into(),
                    }
                );
            }
            other => {
                let _ = writeln!(
                    o,
                    "| {cell} | – | – | – | – | – | – | – | – | {} |",
                    other.short()
                );
            }
        }
    }
    let _ = writeln!(o, "\n</details>");
    let mut out = head;
    let _ = writeln!(out, "\n### Summary\n");
    for line in &summary {
        let _ = writeln!(out, "- {line}");
    }
    out.push_str(&o);
    out
}

// ---------------------------------------------------------------------------------------------
// Environment and BENCHMARKS.md

fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn benchmarks_md() -> std::path::PathBuf {
    workspace_root().join("BENCHMARKS.md")
}

fn locked_version(name: &str) -> Option<String> {
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock")).ok()?;
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l == format!("name = \"{name}\"") {
            let v = lines.next()?;
            return Some(v.strip_prefix("version = ")?.trim_matches('"').to_string());
        }
    }
    None
}

fn environment() -> Vec<(&'static str, String)> {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    let version = |n: &str| locked_version(n).unwrap_or_else(|| "?".into());
    vec![
        (
            "date",
            command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"])
                .unwrap_or_else(|| "unknown".into()),
        ),
        ("machine", format!("{nproc} CPUs (`nproc`), {cpu}")),
        (
            "rustc",
            command_line("rustc", &["--version"]).unwrap_or_else(|| "unknown".into()),
        ),
        (
            "crates",
            format!(
                "ravel {}, loom {}, shuttle {}",
                env!("CARGO_PKG_VERSION"),
                version("loom"),
                version("shuttle")
            ),
        ),
        (
            "ravel commit",
            command_line(
                "git",
                &[
                    "-C",
                    env!("CARGO_MANIFEST_DIR"),
                    "rev-parse",
                    "--short",
                    "HEAD",
                ],
            )
            .map(|h| format!("{h} (plus any uncommitted changes in the work tree)"))
            .unwrap_or_else(|| "unknown".into()),
        ),
        (
            "build",
            if cfg!(debug_assertions) {
                "debug (not representative)".into()
            } else {
                "release".into()
            },
        ),
    ]
}

const INTRO: &str = "# Benchmarks

ravel against [loom](https://crates.io/crates/loom) and
[shuttle](https://crates.io/crates/shuttle) on the same workloads, each written once in
`crates/ravel-bench/src/workloads.rs` against a small shim trait (`crates/ravel-bench/src/shim.rs`)
that maps spawn/join, `Arc`, `Mutex` and `AtomicUsize` onto each checker.

What is measured: executions explored by exhaustive search (against the optimal number of SC
equivalence classes), wall time, executions per second and time per execution, sampling
throughput, time and executions to the first bug, and peak RSS. Every measurement runs in a child
process of its own, so an abort (loom aborts on a double panic) is recorded rather than ending the
run, and peak RSS is per measurement.

ravel runs under its default model, RC11 (loom approximates C11 too; shuttle is SC only). These
workloads have the same optimal class counts under SC and RC11, so they measure the cost of
exploration, not weak-memory outcomes.

Reproduce (takes a few minutes; the section between the markers is rewritten):

```sh
cargo run --release -p ravel-bench -- --write
```

Options: `--filter SUBSTR` (only matching workloads), `--cap-secs N` (time cap per exploration,
default 20), `--trials N` (seeds per sampler in the bug hunts, default 20), `--best-of N` (child
processes per timing cell, default 3), and `--child CHECKER/MODE/WORKLOAD` to run one cell, e.g.
`--child loom/exhaustive/mutex-3x2`. Checkers are run with their defaults; the one exception is
loom, which is run a second time with a preemption bound of 2 wherever its unbounded search hits
the cap (the table says so). The machine is shared with other work, so expect ±20% between runs on
the small cells; the load averages are printed with the results.

";

fn write_benchmarks_md(section: &str) -> std::io::Result<()> {
    let path = benchmarks_md();
    let old = std::fs::read_to_string(&path).unwrap_or_else(|_| format!("{INTRO}{BEGIN}\n{END}\n"));
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if b < e => {
            format!("{}{BEGIN}\n{section}\n{}", &old[..b], &old[e..])
        }
        _ => format!("{}\n{BEGIN}\n{section}\n{END}\n", old.trim_end()),
    };
    std::fs::write(path, new)
}
