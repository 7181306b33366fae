//! A pool of coroutine stacks reused across executions. Allocating a fresh stack per thread per
//! execution (mmap/munmap) is where loom spends most of its time; reuse makes thread creation
//! nearly free.

use corosensei::stack::DefaultStack;

/// Stacks of one size, ready for reuse.
pub(crate) struct StackPool {
    size: usize,
    free: Vec<DefaultStack>,
}

thread_local! {
    /// Stacks survive from one exploration to the next on the same OS thread: a test suite
    /// explores many small models, and fresh stacks would dominate their cost.
    static SPARE: std::cell::RefCell<Option<StackPool>> = const { std::cell::RefCell::new(None) };
}

impl StackPool {
    pub(crate) fn new(size: usize) -> StackPool {
        StackPool {
            size,
            free: Vec::new(),
        }
    }

    /// The pool this OS thread kept from its last exploration, if its stacks have this size.
    pub(crate) fn for_this_thread(size: usize) -> StackPool {
        SPARE
            .with(|spare| spare.borrow_mut().take())
            .filter(|pool| pool.size == size)
            .unwrap_or_else(|| StackPool::new(size))
    }

    /// Keeps this pool for the next exploration on this OS thread.
    pub(crate) fn keep_for_this_thread(&mut self) {
        let pool = std::mem::replace(self, StackPool::new(self.size));
        SPARE.with(|spare| *spare.borrow_mut() = Some(pool));
    }

    /// A stack of at least `size` bytes (the pool's size when `None`).
    pub(crate) fn take(&mut self, size: Option<usize>) -> DefaultStack {
        match size {
            Some(s) if s > self.size => {
                DefaultStack::new(s).expect("cannot allocate a coroutine stack")
            }
            _ => self.free.pop().unwrap_or_else(|| {
                DefaultStack::new(self.size).expect("cannot allocate a coroutine stack")
            }),
        }
    }

    /// Returns a stack for reuse.
    pub(crate) fn give_back(&mut self, stack: DefaultStack) {
        use corosensei::stack::Stack;
        let len = stack.base().get() - stack.limit().get();
        if len >= self.size && self.free.len() < 256 {
            self.free.push(stack);
        }
    }
}

/// The size of a memory page: the guard page below each coroutine stack.
pub(crate) fn page_size() -> usize {
    #[cfg(unix)]
    {
        // SAFETY: sysconf has no preconditions.
        let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        if size > 0 {
            return size as usize;
        }
    }
    4096
}

impl std::fmt::Debug for StackPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StackPool")
            .field("size", &self.size)
            .field("free", &self.free.len())
            .finish()
    }
}
