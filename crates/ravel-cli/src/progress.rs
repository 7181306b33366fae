//! The progress bar of long commands, drawn on stderr only when it is a terminal (so piped
//! output and test logs stay clean). Output printed meanwhile goes through [`Progress::print`]
//! so the bar never cuts a line in two.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar over `len` items.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar over `len` things called `unit`; hidden when there is just one or stderr is not a
    /// terminal.
    pub fn new(len: usize, unit: &str) -> Progress {
        let target = if len > 1 {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(len as u64), target);
        let template = format!("{{elapsed_precise}} [{{bar:32}}] {{pos}}/{{len}} {unit} {{msg}}");
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style.progress_chars("=> "));
        }
        Progress { bar }
    }

    /// Says what is being worked on.
    pub fn working_on(&self, what: String) {
        self.bar.set_message(what);
    }

    /// One more item done.
    pub fn advance(&self) {
        self.bar.inc(1);
    }

    /// Prints `text` to stdout without tearing the bar.
    pub fn print(&self, text: &str) {
        self.bar.suspend(|| print!("{text}"));
    }

    /// Prints `text` to stderr without tearing the bar.
    pub fn eprint(&self, text: &str) {
        self.bar.suspend(|| eprintln!("{text}"));
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
