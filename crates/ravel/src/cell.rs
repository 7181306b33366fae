//! Shared mutable memory without synchronisation, shaped like loom's `UnsafeCell`: every access
//! goes through `with` (read) or `with_mut` (write) and is checked for data races against
//! happens-before.

use crate::rt::perform;
use ravel_core::event::{Loc, Op, SourceSpan};

/// A cell whose accesses ravel checks for data races.
#[derive(Debug, Default)]
pub struct UnsafeCell<T: ?Sized> {
    data: std::cell::UnsafeCell<T>,
}

// SAFETY: like loom's UnsafeCell, sharing is the user's responsibility; ravel reports every
// unsynchronised conflicting access as a data race.
unsafe impl<T: ?Sized + Send> Sync for UnsafeCell<T> {}

impl<T> UnsafeCell<T> {
    /// A new cell; usable in statics.
    pub const fn new(value: T) -> UnsafeCell<T> {
        UnsafeCell {
            data: std::cell::UnsafeCell::new(value),
        }
    }

    /// Consumes the cell and answers its value.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> UnsafeCell<T> {
    fn loc(&self) -> Loc {
        Loc::unresolved(self as *const UnsafeCell<T> as *const u8 as usize)
    }

    /// Reads through a shared pointer; recorded as a non-atomic read.
    #[track_caller]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        perform(
            Op::CellAccess {
                loc: self.loc(),
                write: false,
            },
            SourceSpan::caller(),
        );
        f(self.data.get())
    }

    /// Writes through a mutable pointer; recorded as a non-atomic write.
    #[track_caller]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        perform(
            Op::CellAccess {
                loc: self.loc(),
                write: true,
            },
            SourceSpan::caller(),
        );
        f(self.data.get())
    }

    /// Mutable access: the borrow proves exclusivity, so nothing is recorded.
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }
}
