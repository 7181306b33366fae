//! Replay tokens: the choices of one execution, written as a short printable string, so that a
//! finding can be reproduced with `RAVEL_REPLAY=<token>`.
//!
//! A token holds the thread scheduled at every step, run-length encoded, and the data choices
//! (which write each read read, where each write went in coherence order) in execution order,
//! all as LEB128 varints, in URL-safe base64 behind a version prefix.

use super::scheduler::Scheduler;
use crate::event::ThreadId;
use base64::Engine as _;
use std::fmt;

const PREFIX: &str = "r1.";

/// The choices of one execution.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ReplayToken {
    /// (thread, number of consecutive steps).
    pub steps: Vec<(u32, u32)>,
    /// Data choices in order.
    pub data: Vec<u32>,
}

/// Why a token could not be read.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TokenError(pub String);

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid replay token: {}", self.0)
    }
}

impl std::error::Error for TokenError {}

impl ReplayToken {
    /// Empties the token, keeping its allocations for the next execution.
    pub fn clear(&mut self) {
        self.steps.clear();
        self.data.clear();
    }

    /// Appends one scheduling step.
    pub fn push_step(&mut self, thread: ThreadId) {
        match self.steps.last_mut() {
            Some((t, n)) if *t == thread.0 => *n += 1,
            _ => self.steps.push((thread.0, 1)),
        }
    }

    /// Appends one data choice.
    pub fn push_data(&mut self, choice: u32) {
        self.data.push(choice);
    }

    /// The printable form.
    pub fn encode(&self) -> String {
        let mut bytes = Vec::new();
        put(&mut bytes, self.steps.len() as u64);
        for &(t, n) in &self.steps {
            put(&mut bytes, u64::from(t));
            put(&mut bytes, u64::from(n));
        }
        put(&mut bytes, self.data.len() as u64);
        for &d in &self.data {
            put(&mut bytes, u64::from(d));
        }
        format!(
            "{PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        )
    }

    /// Reads a printable token.
    pub fn decode(text: &str) -> Result<ReplayToken, TokenError> {
        let body = text
            .trim()
            .strip_prefix(PREFIX)
            .ok_or_else(|| TokenError(format!("expected it to start with `{PREFIX}`")))?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|e| TokenError(format!("not base64: {e}")))?;
        let mut cursor = bytes.as_slice();
        let n_steps = take(&mut cursor)?;
        let mut token = ReplayToken::default();
        for _ in 0..n_steps {
            let t = narrow(take(&mut cursor)?)?;
            let n = narrow(take(&mut cursor)?)?;
            token.steps.push((t, n));
        }
        let n_data = take(&mut cursor)?;
        for _ in 0..n_data {
            token.data.push(narrow(take(&mut cursor)?)?);
        }
        if !cursor.is_empty() {
            return Err(TokenError("trailing bytes".to_string()));
        }
        Ok(token)
    }
}

fn put(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn take(input: &mut &[u8]) -> Result<u64, TokenError> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = input
            .split_first()
            .ok_or_else(|| TokenError("truncated".to_string()))?;
        *input = rest;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(TokenError("number too long".to_string()))
}

fn narrow(v: u64) -> Result<u32, TokenError> {
    u32::try_from(v).map_err(|_| TokenError("number out of range".to_string()))
}

/// Follows a token: one execution, every choice as recorded.
#[derive(Debug)]
pub(crate) struct TokenScheduler {
    token: ReplayToken,
    run: usize,
    used_in_run: u32,
    data: usize,
    done: bool,
}

impl TokenScheduler {
    pub(crate) fn new(token: ReplayToken) -> TokenScheduler {
        TokenScheduler {
            token,
            run: 0,
            used_in_run: 0,
            data: 0,
            done: false,
        }
    }
}

impl Scheduler for TokenScheduler {
    fn begin_execution(&mut self) -> bool {
        !std::mem::replace(&mut self.done, true)
    }

    fn pick_thread(&mut self, enabled: &[ThreadId], _current: Option<ThreadId>) -> ThreadId {
        while let Some(&(t, n)) = self.token.steps.get(self.run) {
            if self.used_in_run < n {
                self.used_in_run += 1;
                let t = ThreadId(t);
                // A thread that is not enabled means the program changed; the engine reports it.
                return t;
            }
            self.run += 1;
            self.used_in_run = 0;
        }
        // Past the end of the token: continue deterministically.
        enabled[0]
    }

    fn pick_option(&mut self, n: usize) -> usize {
        n - 1
    }

    fn replays_token(&self) -> bool {
        true
    }

    fn next_recorded(&mut self) -> Option<u32> {
        let d = self.token.data.get(self.data).copied();
        self.data += 1;
        d
    }
}
