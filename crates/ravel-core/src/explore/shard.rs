//! Splitting one exhaustive exploration into disjoint parts, for machines that never talk to
//! each other (a CI matrix, a batch array job).
//!
//! Every shard explores the same first executions (exploration is deterministic) until the work
//! list holds enough alternatives, then keeps every n-th one. The shared beginning is counted
//! and reported by shard 1 only, so the shards' counts add up exactly to the whole.

use std::fmt;
use std::str::FromStr;

/// Part `index` (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shard {
    index: u64,
    count: u64,
}

impl Shard {
    /// Part `index` of `count`, 1-based; `None` unless `1 <= index <= count`.
    pub fn new(index: u64, count: u64) -> Option<Shard> {
        (1..=count)
            .contains(&index)
            .then_some(Shard { index, count })
    }

    /// The part, 1-based.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The number of parts.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Whether this shard counts and reports the executions all shards share.
    pub(crate) fn owns_shared_prefix(&self) -> bool {
        self.index == 1
    }

    /// Enough alternatives to split: a few per shard, so the parts are not too uneven, or at
    /// least one each once the search has run a while (small explorations split too).
    pub(crate) fn ready_to_split(&self, pending: usize, executions: u64) -> bool {
        let pending = pending as u64;
        pending >= 4 * self.count || (executions >= 32 && pending >= self.count)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Why a shard specification was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardError(String);

impl fmt::Display for ShardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid shard `{}`: expected `k/n` with 1 <= k <= n, e.g. `2/4`",
            self.0
        )
    }
}

impl std::error::Error for ShardError {}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Shard, ShardError> {
        let error = || ShardError(text.to_string());
        let (k, n) = text.trim().split_once('/').ok_or_else(error)?;
        let k: u64 = k.trim().parse().map_err(|_| error())?;
        let n: u64 = n.trim().parse().map_err(|_| error())?;
        Shard::new(k, n).ok_or_else(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_one_based_parts_and_rejects_the_rest() {
        assert_eq!("2/4".parse::<Shard>().unwrap(), Shard::new(2, 4).unwrap());
        assert_eq!(" 1 / 1 ".parse::<Shard>().unwrap().count(), 1);
        for bad in ["0/4", "5/4", "1/0", "x/2", "3", "", "1/2/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
