//! `RAVEL_REPLAY=<token>` replays one execution. The variable is process-wide, so this test
//! lives in its own binary.

use ravel::sync::atomic::{AtomicUsize, Ordering};
use ravel::sync::Arc;
use ravel::{thread, Builder, FindingKind};

fn lost_update() {
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    let t = thread::spawn(move || {
        let v = n2.load(Ordering::SeqCst);
        n2.store(v + 1, Ordering::SeqCst);
    });
    let v = n.load(Ordering::SeqCst);
    n.store(v + 1, Ordering::SeqCst);
    t.join().unwrap();
    assert_eq!(n.load(Ordering::SeqCst), 2);
}

#[test]
fn the_environment_variable_replays_the_finding() {
    let found = Builder::new().explore(lost_update);
    let finding = &found.findings()[0];
    let line = finding.to_string();
    assert!(
        line.contains(&format!(
            "RAVEL_REPLAY={} cargo test",
            finding.replay_token()
        )),
        "{line}"
    );
    std::env::set_var("RAVEL_REPLAY", finding.replay_token());
    let replayed = Builder::new().explore(lost_update);
    std::env::remove_var("RAVEL_REPLAY");
    assert_eq!(replayed.executions(), 1);
    assert_eq!(replayed.findings()[0].kind(), FindingKind::Panic);
    assert_eq!(
        replayed.findings()[0].report().trace.len(),
        finding.report().trace.len()
    );
}

#[test]
#[should_panic(expected = "RAVEL_REPLAY: invalid replay token")]
fn a_malformed_token_is_a_clear_error() {
    // Runs in the same binary as the test above; both set the variable only inside a test, and
    // cargo's harness may run them in parallel, so this one uses a private child process.
    if std::env::var_os("RAVEL_REPLAY_CHILD").is_none() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["a_malformed_token_is_a_clear_error", "--exact"])
            .env("RAVEL_REPLAY_CHILD", "1")
            .env("RAVEL_REPLAY", "r1.???")
            .output()
            .unwrap();
        // The child's should_panic passed: it panicked with the clear message.
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        panic!("RAVEL_REPLAY: invalid replay token (checked in a child process)");
    }
    Builder::new().explore(lost_update);
}
