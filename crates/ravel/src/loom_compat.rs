//! Names loom has and std does not, so `cfg(loom)` suites port by changing the import:
//! `ravel::model::Builder` with loom's public fields, and `ravel::lazy_static!`.

/// loom's model configuration, mapped onto [`crate::Builder`].
pub mod model {
    use std::time::Duration;

    /// loom's `model::Builder`: public fields, then `check`.
    #[derive(Clone, Debug)]
    pub struct Builder {
        /// Steps per execution (loom: branches).
        pub max_branches: usize,
        /// Executions to explore at most.
        pub max_permutations: Option<usize>,
        /// Time to explore at most.
        pub max_duration: Option<Duration>,
        /// Preemptions per execution at most.
        pub preemption_bound: Option<usize>,
        /// Accepted and ignored: ravel has no thread cap.
        pub max_threads: usize,
        /// Accepted and ignored: ravel's replay tokens replace checkpoints.
        pub checkpoint_interval: usize,
        /// Accepted and ignored.
        pub location: bool,
        /// Accepted and ignored.
        pub log: bool,
    }

    impl Default for Builder {
        fn default() -> Builder {
            Builder::new()
        }
    }

    impl Builder {
        /// loom's defaults.
        pub fn new() -> Builder {
            Builder {
                max_branches: 10_000,
                max_permutations: None,
                max_duration: None,
                preemption_bound: None,
                max_threads: usize::MAX,
                checkpoint_interval: 20_000,
                location: false,
                log: false,
            }
        }

        /// Explores `f` and panics with the report of the first bug found.
        pub fn check<F: Fn() + Sync>(&self, f: F) {
            let mut b = crate::Builder::new().max_steps(self.max_branches as u64);
            if let Some(n) = self.max_permutations {
                b = b.max_executions(n as u64);
            }
            if let Some(d) = self.max_duration {
                b = b.max_duration(d);
            }
            if let Some(k) = self.preemption_bound {
                b = b.preemption_bound(k as u32);
            }
            b.check(f)
        }
    }
}

/// loom's `lazy_static!`: statics initialised on first use, afresh in every execution.
#[macro_export]
macro_rules! lazy_static {
    () => {};
    ($(#[$attr:meta])* $vis:vis static ref $name:ident : $t:ty = $init:expr; $($rest:tt)*) => {
        $(#[$attr])* $vis static $name: $crate::sync::LazyLock<$t> =
            $crate::sync::LazyLock::new(|| $init);
        $crate::lazy_static!($($rest)*);
    };
}
