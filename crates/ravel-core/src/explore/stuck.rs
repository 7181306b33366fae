//! Explaining why no thread can run: who waits for what while holding what (deadlock), or who
//! spins on values nobody will change (livelock).

use super::driver::Engine;
use super::run_state::ThreadState;
use crate::detect::{Access, Finding, FindingKind};
use crate::event::{loc_name, Op, OpAt, ThreadId};

impl Engine<'_> {
    pub(crate) fn deadlock_finding(&self, stuck: &[ThreadId]) -> Finding {
        let mut sides = Vec::new();
        let mut details = Vec::new();
        for &t in stuck {
            let Some(run) = self.run.thread_ref(t) else {
                continue;
            };
            let ThreadState::Pending(OpAt { op, span }) = run.state else {
                continue;
            };
            let locs = op.locations();
            let op = op.with_locations([
                locs[0].and_then(|l| self.canonical(l)),
                locs[1].and_then(|l| self.canonical(l)),
            ]);
            let waits = match op {
                Op::Lock(l) => match self.holder(l) {
                    Some((h, at)) => format!(
                        "waits for mutex {} held by thread {} (acquired at {})",
                        loc_name(l),
                        self.name(h),
                        at
                    ),
                    None => format!("waits for mutex {}", loc_name(l)),
                },
                Op::Join(c) => format!("waits for thread {} to finish", self.name(c)),
                Op::CondWake { cv, .. } => format!(
                    "waits on condvar {}, which is never notified again",
                    loc_name(cv)
                ),
                other => format!("cannot {}", other.describe()),
            };
            let holds: Vec<String> = run
                .held
                .iter()
                .map(|(l, at)| format!("mutex {} (acquired at {})", loc_name(*l), at))
                .collect();
            let holding = if holds.is_empty() {
                "holding nothing".to_string()
            } else {
                format!("holding {}", holds.join(", "))
            };
            details.push(format!("thread {} {}, {}", self.name(t), waits, holding));
            sides.push(Access {
                thread: t,
                thread_name: None,
                operation: op.describe(),
                span: Some(span),
            });
        }
        Finding {
            kind: FindingKind::Deadlock,
            summary: format!("{} thread(s) wait forever", sides.len()),
            sides,
            details,
            hint: None,
        }
    }

    pub(crate) fn livelock_finding(&self, stuck: &[ThreadId]) -> Finding {
        let mut sides = Vec::new();
        let mut details = Vec::new();
        for &t in stuck {
            let Some(run) = self.run.thread_ref(t) else {
                continue;
            };
            let Some(spin) = &run.spin else { continue };
            let locs: Vec<String> = spin.watched.iter().map(|(l, _)| loc_name(*l)).collect();
            details.push(format!(
                "thread {} spins at {} reading {} and no other thread will write them",
                self.name(t),
                spin.span,
                locs.join(", ")
            ));
            sides.push(Access {
                thread: t,
                thread_name: None,
                operation: format!("spin loop waiting on {}", locs.join(", ")),
                span: Some(spin.span),
            });
        }
        Finding {
            kind: FindingKind::Livelock,
            summary: "every remaining thread spins on values no thread will change".to_string(),
            sides,
            details,
            hint: Some("the write that would end the loop never happens in this execution".into()),
        }
    }

    fn holder(&self, l: crate::event::Loc) -> Option<(ThreadId, crate::event::SourceSpan)> {
        self.run.threads.iter().enumerate().find_map(|(t, r)| {
            let r = r.as_ref()?;
            r.held
                .iter()
                .find(|(h, _)| *h == l)
                .map(|(_, at)| (ThreadId(t as u32), *at))
        })
    }

    fn name(&self, t: ThreadId) -> String {
        match self.program.thread_name(t) {
            Some(n) => format!("{t} `{n}`"),
            None => t.to_string(),
        }
    }
}
