//! One count per thread (a vector clock's components, a view's prefix lengths), stored in a
//! fixed array for the first [`INLINE_THREADS`] threads and in a vector beyond. With the array's
//! width known to the compiler, a copy is a fixed move and a pointwise maximum a few vector
//! instructions; the graph copies and joins one such value for every event it adds.

/// Threads whose counts live in the fixed array (beyond them, the counts allocate).
pub const INLINE_THREADS: usize = 16;

/// A count per thread; threads never set count 0.
#[derive(Debug, Default)]
pub(crate) struct ThreadCounts {
    inline: [u32; INLINE_THREADS],
    /// Threads `INLINE_THREADS..`, empty (no allocation) until one is set.
    more: Vec<u32>,
}

impl Clone for ThreadCounts {
    /// The array copied inline; the vector's clone, a call even when empty, only when it has
    /// counts (clocks and views are copied at most operations).
    #[inline]
    fn clone(&self) -> ThreadCounts {
        ThreadCounts {
            inline: self.inline,
            more: if self.more.is_empty() {
                Vec::new()
            } else {
                self.more.clone()
            },
        }
    }
}

impl ThreadCounts {
    /// The count of thread `t`.
    #[inline]
    pub(crate) fn get(&self, t: usize) -> u32 {
        match self.inline.get(t) {
            Some(&c) => c,
            None => self.more.get(t - INLINE_THREADS).copied().unwrap_or(0),
        }
    }

    /// The count of thread `t`, to change.
    #[inline]
    pub(crate) fn get_mut(&mut self, t: usize) -> &mut u32 {
        if t < INLINE_THREADS {
            return &mut self.inline[t];
        }
        self.more_mut(t - INLINE_THREADS)
    }

    /// The `i`-th count beyond the array, to change (out of line, as in `join_more`).
    #[cold]
    #[inline(never)]
    fn more_mut(&mut self, i: usize) -> &mut u32 {
        if self.more.len() <= i {
            self.more.resize(i + 1, 0);
        }
        &mut self.more[i]
    }

    /// Pointwise maximum with `other`.
    #[inline]
    pub(crate) fn join(&mut self, other: &ThreadCounts) {
        for (a, &b) in self.inline.iter_mut().zip(other.inline.iter()) {
            *a = (*a).max(b);
        }
        if !other.more.is_empty() {
            self.join_more(other);
        }
    }

    /// [`ThreadCounts::join`] beyond the array: out of line, so that the common case stays
    /// small enough to inline.
    #[cold]
    #[inline(never)]
    fn join_more(&mut self, other: &ThreadCounts) {
        if self.more.len() < other.more.len() {
            self.more.resize(other.more.len(), 0);
        }
        for (a, &b) in self.more.iter_mut().zip(&other.more) {
            *a = (*a).max(b);
        }
    }

    /// Whether every count is 0.
    pub(crate) fn is_zero(&self) -> bool {
        self.inline.iter().all(|&c| c == 0) && self.more.iter().all(|&c| c == 0)
    }

    /// How many threads may have a count other than 0.
    pub(crate) fn width(&self) -> usize {
        INLINE_THREADS + self.more.len()
    }
}

impl PartialEq for ThreadCounts {
    /// The same count for every thread (however many threads each has room for).
    fn eq(&self, other: &ThreadCounts) -> bool {
        self.inline == other.inline
            && (INLINE_THREADS..self.width().max(other.width()))
                .all(|t| self.get(t) == other.get(t))
    }
}

impl Eq for ThreadCounts {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts past the array behave like the ones in it, and equality ignores room.
    #[test]
    fn inline_and_spilled_counts() {
        let mut a = ThreadCounts::default();
        let mut b = ThreadCounts::default();
        *a.get_mut(2) = 5;
        *b.get_mut(INLINE_THREADS + 3) = 7;
        assert_ne!(a, b);
        a.join(&b);
        assert_eq!(
            (
                a.get(2),
                a.get(INLINE_THREADS + 3),
                a.get(INLINE_THREADS + 9)
            ),
            (5, 7, 0)
        );
        let mut c = ThreadCounts::default();
        *c.get_mut(INLINE_THREADS + 5) = 0;
        assert_eq!(c, ThreadCounts::default());
        assert!(c.is_zero());
        assert!(!a.is_zero());
        assert_eq!(a.width(), INLINE_THREADS + 4);
    }
}
