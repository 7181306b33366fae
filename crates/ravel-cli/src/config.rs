//! The resolved configuration: entry ids looked up, colour decided against the terminal. Every
//! mistake in the command line is found here, before anything runs.

use crate::args::{ColorWhen, DemoArgs};
use ravel_gallery::Entry;
use std::io::IsTerminal;

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
        let plan = if args.list {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn args(entry: Option<&str>, list: bool, show: Option<&str>, color: ColorWhen) -> DemoArgs {
        DemoArgs {
            entry: entry.map(str::to_string),
            list,
            show: show.map(str::to_string),
            color,
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
    fn an_unknown_entry_is_a_usage_error() {
        let err = DemoConfig::resolve(args(None, false, Some("24"), ColorWhen::Never)).unwrap_err();
        assert!(err.0.contains("no gallery entry '24'"), "{}", err.0);
    }
}
