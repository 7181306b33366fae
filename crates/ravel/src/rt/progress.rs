//! `RAVEL_PROGRESS=1`: a status line on stderr every second while an exploration runs. A
//! separate thread reads the exploration's execution counter, so the hot path pays nothing.

use ravel_core::explore::ParallelExploration;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How often the status line is printed.
const PERIOD: Duration = Duration::from_secs(1);

/// Whether the environment asks for progress lines.
pub(crate) fn requested() -> bool {
    std::env::var("RAVEL_PROGRESS").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Runs `f`, printing progress for `exploration` meanwhile if the environment asks for it.
pub(crate) fn reporting<R>(exploration: &ParallelExploration, f: impl FnOnce() -> R) -> R {
    if !requested() {
        return f();
    }
    let start = Instant::now();
    let test = std::thread::current().name().unwrap_or("model").to_string();
    std::thread::scope(|scope| {
        let (stop, stopped) = mpsc::channel::<()>();
        scope.spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(PERIOD) {
                eprintln!(
                    "{}",
                    status_line(&test, exploration.executions(), start.elapsed())
                );
            }
        });
        let result = f();
        drop(stop);
        result
    })
}

/// `ravel [test]: 12345 executions, 4100/s, 3.0s elapsed`.
pub(crate) fn status_line(test: &str, executions: u64, elapsed: Duration) -> String {
    let rate = executions as f64 / elapsed.as_secs_f64().max(1e-9);
    format!(
        "ravel [{test}]: {executions} executions, {rate:.0}/s, {:.1}s elapsed",
        elapsed.as_secs_f64()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_gives_count_rate_and_time() {
        let line = status_line("t", 3000, Duration::from_secs(2));
        assert_eq!(line, "ravel [t]: 3000 executions, 1500/s, 2.0s elapsed");
    }
}
