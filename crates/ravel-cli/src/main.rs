//! `ravel`: the command-line face of ravel.
//!
//! Exit codes: 0 when everything checked came out as it should, 1 when something did not (a
//! gallery bug missed, a fix not verified; a litmus result that disagrees with `--expect`), 2 on
//! a usage error (or a litmus test that does not load, or a shard file that does not parse).

mod args;
mod config;
mod demo;
mod litmus;
mod merge;
mod progress;
mod stress;
mod style;

use args::{Cli, Command};
use clap::{CommandFactory, Parser};
use config::{DemoConfig, LitmusConfig};
use std::process::ExitCode;

/// Exits with status 2 and clap's rendering of `message`, with the subcommand's usage.
fn usage_error(subcommand: &str, message: String) -> ! {
    let mut cli = Cli::command();
    cli.build();
    let mut command = cli.find_subcommand_mut(subcommand).cloned().unwrap_or(cli);
    command
        .error(clap::error::ErrorKind::InvalidValue, message)
        .exit()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo(args) => {
            let config = match DemoConfig::resolve(args) {
                Ok(config) => config,
                Err(e) => usage_error("demo", e.0),
            };
            if std::env::var_os("RAVEL_REPLAY").is_some() {
                eprintln!(
                    "ravel demo: ignoring RAVEL_REPLAY; replay a gallery report with the cargo \
                     test command it prints"
                );
                std::env::remove_var("RAVEL_REPLAY");
            }
            if demo::run(&config) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Command::Litmus(args) => {
            let config = match LitmusConfig::resolve(args) {
                Ok(config) => config,
                Err(e) => usage_error("litmus", e.0),
            };
            litmus::run(&config)
        }
        Command::Merge(args) => merge::run(&args),
    }
}
