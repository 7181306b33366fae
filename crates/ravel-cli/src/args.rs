//! The raw command line, as clap parses it: no lookups, no defaults that depend on the
//! environment. [`crate::config`] turns it into what the commands run.

use clap::{Parser, Subcommand, ValueEnum};

/// ravel: a concurrency bug accelerator.
#[derive(Parser, Debug)]
#[command(name = "ravel", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the gallery: each seed example as a buggy model ravel must catch and a fixed model
    /// it must verify.
    Demo(DemoArgs),
    /// Run herd7 litmus tests (X86 and C dialects) through ravel's engine and print herd-style
    /// verdicts.
    Litmus(LitmusArgs),
    /// Combine the result files of a sharded exploration (`RAVEL_SHARD=k/n`) into one report.
    Merge(MergeArgs),
}

/// `ravel merge [--json] [PATH...]`.
#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// Shard result files (`shard-K-of-N.jsonl`), or directories holding them
    /// [default: target/ravel-shards].
    #[arg(value_name = "PATH")]
    pub paths: Vec<std::path::PathBuf>,

    /// Print the merged results as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `ravel litmus [--model sc|tso|rc11] [--json] [--expect FILE] [--explain] PATH...`.
#[derive(clap::Args, Debug)]
pub struct LitmusArgs {
    /// Litmus files, or directories searched recursively for `*.litmus` files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<std::path::PathBuf>,

    /// The memory model [default: tso for X86 tests, rc11 for C tests].
    #[arg(long, value_enum, value_name = "MODEL")]
    pub model: Option<ModelArg>,

    /// Print the results as JSON (one array) instead of herd's text.
    #[arg(long)]
    pub json: bool,

    /// Compare every result with a herd `expected.json` (condition and full state set); exit 1
    /// on any mismatch.
    #[arg(long, value_name = "FILE")]
    pub expect: Option<std::path::PathBuf>,

    /// Explain every final state: for one SC cannot reach, an execution reaching it (events,
    /// rf, co) and the po/rf/co/fr cycle SC forbids; otherwise an SC interleaving.
    #[arg(long)]
    pub explain: bool,

    /// Explore only part K of N of each test's executions (for spreading one run over N
    /// machines): prints this part's states and writes them to
    /// `$RAVEL_SHARD_DIR/litmus-shard-K-of-N.jsonl` (default `target/ravel-shards`); `ravel merge`
    /// puts the parts back together.
    #[arg(long, value_name = "K/N", conflicts_with_all = ["expect", "explain"])]
    pub shard: Option<String>,
}

/// `--model`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub enum ModelArg {
    /// Sequential consistency.
    Sc,
    /// x86-TSO.
    Tso,
    /// Repaired C11.
    Rc11,
}

/// `ravel demo [ENTRY] [--list] [--show ENTRY] [--color WHEN]`.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Run only this entry ("1", "3b", "22", ...) and print its full report.
    pub entry: Option<String>,

    /// List the entries without running them.
    #[arg(long, conflicts_with = "entry")]
    pub list: bool,

    /// After the table, print the full report of this entry [default: 1].
    #[arg(long, value_name = "ENTRY", conflicts_with_all = ["entry", "list"])]
    pub show: Option<String>,

    /// Instead of the table, run each entry whose bug an assertion shows as a plain stress test
    /// on real threads and print ravel's acceleration factor (with ENTRY: that entry only).
    #[arg(long, conflicts_with_all = ["list", "show"])]
    pub stress: bool,

    /// Seconds each stress test runs.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 2.0,
        requires = "stress"
    )]
    pub budget: f64,

    /// When to colour the output.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

/// `--color`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub enum ColorWhen {
    /// When standard output is a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}
