//! What `Builder::explore` answers.

use ravel_core::detect::FindingKind;
use ravel_core::report::Report;
use std::fmt;
use std::time::Duration;

/// One bug found, with its full report.
#[derive(Clone, Debug)]
pub struct Finding {
    pub(crate) report: Report,
    pub(crate) test_name: Option<String>,
}

impl Finding {
    /// The kind of bug; its `Display` is the stable phrase (`data race`, `deadlock`, ...).
    pub fn kind(&self) -> FindingKind {
        self.report.finding.kind
    }

    /// Whether it is a benign race (shown at low severity; it fails a check only when the
    /// builder says so).
    pub fn is_benign(&self) -> bool {
        self.report.finding.kind.is_benign()
    }

    /// The full report.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// The replay token.
    pub fn replay_token(&self) -> &str {
        &self.report.token
    }

    /// The report text without timings (stable, for golden files).
    pub fn render_stable(&self) -> String {
        self.report.render(self.test_name.as_deref(), false)
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.report.render(self.test_name.as_deref(), true))
    }
}

/// The result of an exploration.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub(crate) inner: ravel_core::report::Outcome,
    pub(crate) findings: Vec<Finding>,
}

impl Outcome {
    /// Executions explored (exhaustive search: one per equivalence class).
    pub fn executions(&self) -> u64 {
        self.inner.executions
    }

    /// Executions abandoned as redundant while exploring (not counted in `executions`).
    pub fn redundant(&self) -> u64 {
        self.inner.redundant
    }

    /// Whether the exhaustive search finished: no budget, bound or finding cut it short.
    pub fn complete(&self) -> bool {
        self.inner.complete
    }

    /// What was found: the bugs, first found first, then the benign races (one per class and
    /// place).
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Time taken.
    pub fn elapsed(&self) -> Duration {
        self.inner.elapsed
    }
}
