//! The resolved configuration: entry ids looked up, colour decided against the terminal. Every
//! mistake in the command line is found here, before anything runs.

use crate::args::{ColorWhen, DemoArgs, LitmusArgs, ModelArg};
use ravel_core::MemoryModelKind;
use ravel_gallery::Entry;
use ravel_litmus::Expected;
use std::io::IsTerminal;
use std::path::PathBuf;

/// The entry whose report `ravel demo` prints after the table: the lost update of a bank
/// account reads at a glance.
const SHOWCASE: &str = "1";

/// What `ravel demo` does.
#[derive(Debug)]
pub enum DemoPlan {
    /// Run every entry, print the table, then one entry's full report.
    All {
        /// The entry whose report follows the table.
        showcase: &'static Entry,
    },
    /// Run one entry and print its full report.
    One(&'static Entry),
    /// List the entries.
    List,
    /// Stress-test the entries (or one) on real threads for `budget` each.
    Stress {
        /// Only this entry, or every entry.
        only: Option<&'static Entry>,
        /// Time per stress test.
        budget: std::time::Duration,
    },
}

/// `ravel demo`, resolved.
#[derive(Debug)]
pub struct DemoConfig {
    /// What to do.
    pub plan: DemoPlan,
    /// Whether to colour the output.
    pub color: bool,
}

/// A command-line mistake, worded for the user.
#[derive(Debug)]
pub struct UsageError(pub String);

impl DemoConfig {
    /// Resolves the raw arguments.
    pub fn resolve(args: DemoArgs) -> Result<DemoConfig, UsageError> {
        let plan = if args.stress {
            if !(args.budget.is_finite() && args.budget > 0.0 && args.budget <= 86_400.0) {
                return Err(UsageError(format!(
                    "--budget must be a number of seconds above 0 and at most 86400, not {}",
                    args.budget
                )));
            }
            DemoPlan::Stress {
                only: args.entry.as_deref().map(lookup).transpose()?,
                budget: std::time::Duration::from_secs_f64(args.budget),
            }
        } else if args.list {
            DemoPlan::List
        } else if let Some(id) = &args.entry {
            DemoPlan::One(lookup(id)?)
        } else {
            DemoPlan::All {
                showcase: lookup(args.show.as_deref().unwrap_or(SHOWCASE))?,
            }
        };
        let color = match args.color {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        Ok(DemoConfig { plan, color })
    }
}

fn lookup(id: &str) -> Result<&'static Entry, UsageError> {
    ravel_gallery::find(id).ok_or_else(|| {
        let ids: Vec<&str> = ravel_gallery::entries().iter().map(|e| e.id).collect();
        UsageError(format!(
            "no gallery entry '{id}'; the entries are {}",
            ids.join(", ")
        ))
    })
}

/// `ravel litmus`, resolved: paths checked, expectations read.
#[derive(Debug)]
pub struct LitmusConfig {
    /// The litmus files to run, in order (directories expanded, sorted).
    pub files: Vec<PathBuf>,
    /// The model forced with `--model`; otherwise each test's default.
    pub model: Option<MemoryModelKind>,
    /// JSON output.
    pub json: bool,
    /// herd's verdicts to compare with.
    pub expect: Option<Expected>,
    /// `--explain`.
    pub explain: bool,
    /// How many files each directory argument contributed, for progress notes.
    pub groups: Vec<(PathBuf, usize)>,
    /// `--shard K/N`: the part of each exploration to run.
    pub shard: Option<ravel_litmus::Shard>,
}

impl LitmusConfig {
    /// Resolves the raw arguments: every path must exist, and the expectations must parse.
    pub fn resolve(args: LitmusArgs) -> Result<LitmusConfig, UsageError> {
        let mut files = Vec::new();
        let mut groups = Vec::new();
        for path in &args.paths {
            if path.is_dir() {
                let mut found = Vec::new();
                walk(path, &mut found)
                    .map_err(|e| UsageError(format!("cannot list {}: {e}", path.display())))?;
                found.sort();
                groups.push((path.clone(), found.len()));
                files.extend(found);
            } else if path.is_file() {
                groups.push((path.clone(), 1));
                files.push(path.clone());
            } else {
                return Err(UsageError(format!(
                    "no such file or directory: {}",
                    path.display()
                )));
            }
        }
        let expect = match &args.expect {
            Some(p) => Some(Expected::load(p).map_err(UsageError)?),
            None => None,
        };
        let model = args.model.map(|m| match m {
            ModelArg::Sc => MemoryModelKind::Sc,
            ModelArg::Tso => MemoryModelKind::Tso,
            ModelArg::Rc11 => MemoryModelKind::Rc11,
        });
        let shard = match &args.shard {
            Some(text) => Some(
                text.parse::<ravel_litmus::Shard>()
                    .map_err(|e| UsageError(format!("--shard {text}: {e}")))?,
            ),
            None => None,
        };
        Ok(LitmusConfig {
            files,
            model,
            json: args.json,
            expect,
            explain: args.explain,
            groups,
            shard,
        })
    }
}

/// Collects the `*.litmus` files under `dir`, recursively.
fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|x| x == "litmus") {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(entry: Option<&str>, list: bool, show: Option<&str>, color: ColorWhen) -> DemoArgs {
        DemoArgs {
            entry: entry.map(str::to_string),
            list,
            show: show.map(str::to_string),
            color,
            stress: false,
            budget: 2.0,
        }
    }

    #[test]
    fn the_table_shows_entry_1_by_default() {
        let config = DemoConfig::resolve(args(None, false, None, ColorWhen::Never)).unwrap();
        match config.plan {
            DemoPlan::All { showcase } => assert_eq!(showcase.id, "1"),
            other => panic!("{other:?}"),
        }
        assert!(!config.color);
    }

    #[test]
    fn entries_are_found_by_id_in_any_case() {
        let config = DemoConfig::resolve(args(Some("15B"), false, None, ColorWhen::Always));
        match config.unwrap().plan {
            DemoPlan::One(entry) => assert_eq!(entry.id, "15b"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn stress_takes_an_entry_and_a_budget() {
        let mut a = args(Some("2"), false, None, ColorWhen::Never);
        a.stress = true;
        a.budget = 0.5;
        match DemoConfig::resolve(a).unwrap().plan {
            DemoPlan::Stress { only, budget } => {
                assert_eq!(only.map(|e| e.id), Some("2"));
                assert_eq!(budget, std::time::Duration::from_millis(500));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_stress_budget_must_be_positive() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let mut a = args(None, false, None, ColorWhen::Never);
            a.stress = true;
            a.budget = bad;
            let err = DemoConfig::resolve(a).unwrap_err();
            assert!(err.0.contains("--budget"), "{}", err.0);
        }
    }

    #[test]
    fn an_unknown_entry_is_a_usage_error() {
        let err = DemoConfig::resolve(args(None, false, Some("24"), ColorWhen::Never)).unwrap_err();
        assert!(err.0.contains("no gallery entry '24'"), "{}", err.0);
    }
}
