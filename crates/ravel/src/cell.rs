//! Shared mutable memory without synchronisation, shaped like loom's `UnsafeCell`: every access
//! goes through `with` (read) or `with_mut` (write) and is checked for data races against
//! happens-before.
//!
//! Races are classified after DataCollider (see `ravel_core::detect`'s benign-race module). A
//! `with`/`with_mut` closure is opaque, so its races are data races. Integer cells also have
//! [`read`](UnsafeCell::read)/[`write`](UnsafeCell::write) and
//! [`read_bits`](UnsafeCell::read_bits)/[`write_bits`](UnsafeCell::write_bits), which show ravel
//! the values and the bits: a race on a counter that is only ever incremented is then a `benign
//! race (lossy counter)`, and a read of some bits racing with a write of others a `benign race
//! (different bits)`. [`RacyCell`] declares a location racy by design: `benign race (declared
//! racy)`. Benign races are reported at low severity and fail a check only when the builder asks
//! ([`Builder::fail_on_benign`](crate::Builder::fail_on_benign)).
//!
//! [`SplitCell`] is a plain integer that memory accesses in two parts (a misaligned field, a
//! value wider than the machine word): a read racing with a write may be torn, and ravel
//! reports the value no thread wrote (`torn read`).

mod split;

pub use split::{PartOrder, SplitCell, SplitInteger};

use crate::rt::claim::Claim;
use crate::rt::compiler_effects;
use crate::rt::object::Identity;
use crate::rt::perform;
use ravel_core::event::{CellShape, Loc, Op, SourceSpan};

/// A cell whose accesses ravel checks for data races.
#[derive(Debug, Default)]
pub struct UnsafeCell<T: ?Sized> {
    /// Keeps parallel workers from sharing the contents of a static cell.
    claim: Claim,
    /// Names the cell in accesses (not its address, which a later cell may reuse).
    identity: Identity,
    data: std::cell::UnsafeCell<T>,
}

// SAFETY: like loom's UnsafeCell, sharing is the user's responsibility; ravel reports every
// unsynchronised conflicting access as a data race.
unsafe impl<T: ?Sized + Send> Sync for UnsafeCell<T> {}

impl<T> UnsafeCell<T> {
    /// A new cell; usable in statics.
    pub const fn new(value: T) -> UnsafeCell<T> {
        UnsafeCell {
            claim: Claim::new(),
            identity: Identity::new(),
            data: std::cell::UnsafeCell::new(value),
        }
    }

    /// Consumes the cell and answers its value.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> UnsafeCell<T> {
    /// The location to name in an access, claimed for this worker first (every access asks).
    fn loc(&self) -> Loc {
        self.claim.check();
        self.identity.loc()
    }

    /// What names the cell for the compiler-consequence search (its identity, see
    /// [`Identity`]).
    fn key(&self) -> usize {
        self.identity.number() as usize
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

impl<T: ?Sized> UnsafeCell<T> {
    /// Asks for an access that tells ravel what it does (see [`CellShape`]).
    fn shaped(&self, write: bool, shape: CellShape, span: SourceSpan) {
        perform(
            Op::ShapedCellAccess {
                loc: self.loc(),
                write,
                shape,
            },
            span,
        );
    }
}

/// The integers whose values a cell access can show ravel, so that a race on them can be
/// classified as benign (a lossy counter, different bits) or said to be idempotent writes.
/// Implemented for the primitive integers up to 64 bits; sealed.
pub trait Integer: Copy + sealed::Sealed {
    /// The value as ravel's 64-bit word (zero-extended).
    #[doc(hidden)]
    fn to_word(self) -> u64;
    /// The value from ravel's 64-bit word (truncated).
    #[doc(hidden)]
    fn from_word(word: u64) -> Self;
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! integer {
    ($($t:ty => $u:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl Integer for $t {
            fn to_word(self) -> u64 {
                self as $u as u64
            }
            fn from_word(word: u64) -> Self {
                word as $u as $t
            }
        }
    )*};
}

integer!(
    u8 => u8, u16 => u16, u32 => u32, u64 => u64, usize => usize,
    i8 => u8, i16 => u16, i32 => u32, i64 => u64, isize => usize
);

/// Plain accesses of a whole integer (or some of its bits) that show ravel the values, which
/// `with`/`with_mut` closures cannot. Each is one non-atomic access (two for `write_bits`),
/// checked for data races like any other, and a race on them is classified:
///
/// - a location whose every write stores more than its thread saw there (`c.write(c.read() + 1)`)
///   is a **lossy counter**: `benign race (lossy counter)`. A location that is also decremented
///   is a reference count, and its races stay data races.
/// - a [`read_bits`](UnsafeCell::read_bits) racing with a [`write_bits`](UnsafeCell::write_bits)
///   of other bits is **different bits**: `benign race (different bits)`. Two `write_bits` of
///   different bits still race as a data race: each stores the whole word, so one can undo the
///   other (a lost update, as with C bit-fields); the read half of a `write_bits` takes the
///   whole word for the same reason.
/// - two racing writes of the same value stay a data race, said to be idempotent in the report.
///
/// They are also where [`Builder::compiler_effects`](crate::Builder::compiler_effects) applies a
/// compiler's transformations (a scratch store, a hoisted read) to show what a race may lead to.
///
/// ```
/// use ravel::cell::UnsafeCell;
/// use ravel::sync::Arc;
///
/// ravel::model(|| {
///     let lookups = Arc::new(UnsafeCell::new(0u64));
///     let l = lookups.clone();
///     let t = ravel::thread::spawn(move || l.write(l.read() + 1));
///     lookups.write(lookups.read() + 1); // a statistic: losing an increment is fine
///     t.join().unwrap();
/// }); // passes: the race is a benign race (lossy counter), reported but not a failure
/// ```
impl<T: Integer> UnsafeCell<T> {
    fn current(&self) -> u64 {
        // SAFETY: model threads run one at a time on this OS thread, and a `with`/`with_mut`
        // closure that could hold a reference into the cell is not running (this is a plain
        // copy of an integer, made between two operations).
        unsafe { *self.data.get() }.to_word()
    }

    fn store(&self, value: T) {
        // SAFETY: as in `current`: no other access is in progress.
        unsafe { *self.data.get() = value }
    }

    /// A read shows the value the cell holds when it asks; a write, the value it stores.
    fn shape(&self, mask: u64, new: Option<T>, racy: bool) -> CellShape {
        let value = new.map_or_else(|| self.current(), Integer::to_word);
        let shape = CellShape::OPAQUE.with_mask(mask).with_value(value);
        if racy {
            shape.declared_racy()
        } else {
            shape
        }
    }

    /// Reads the whole value (a non-atomic read that shows ravel the value).
    #[track_caller]
    pub fn read(&self) -> T {
        self.read_shaped(CellShape::ALL_BITS, false, SourceSpan::caller())
    }

    /// Writes the whole value (a non-atomic write that shows ravel the value).
    #[track_caller]
    pub fn write(&self, value: T) {
        self.write_shaped(CellShape::ALL_BITS, value, false, SourceSpan::caller());
    }

    /// Reads the bits of `mask` (the others read as zero): a non-atomic read of the word that
    /// looks only at those bits.
    #[track_caller]
    pub fn read_bits(&self, mask: T) -> T {
        let mask = mask.to_word();
        let word = self
            .read_shaped(mask, false, SourceSpan::caller())
            .to_word();
        T::from_word(word & mask)
    }

    /// Sets the bits of `mask` to those of `bits`, keeping the others: a read of the word, then a
    /// write of the whole word that changes only the bits of `mask` (what a C bit-field store
    /// compiles to). Another thread may run between the two.
    #[track_caller]
    pub fn write_bits(&self, mask: T, bits: T) {
        let span = SourceSpan::caller();
        let mask = mask.to_word();
        let old = compiler_effects::read(self.key(), self.current(), span).unwrap_or_else(|| {
            let read = self.shape(mask, None, false).read_modify_write();
            self.shaped(false, read, span);
            self.current()
        });
        let new = (old & !mask) | (bits.to_word() & mask);
        self.write_shaped(mask, T::from_word(new), false, span);
    }

    fn read_shaped(&self, mask: u64, racy: bool, span: SourceSpan) -> T {
        if let Some(word) = compiler_effects::read(self.key(), self.current(), span) {
            return T::from_word(word);
        }
        self.shaped(false, self.shape(mask, None, racy), span);
        T::from_word(self.current())
    }

    fn write_shaped(&self, mask: u64, value: T, racy: bool, span: SourceSpan) {
        let word = value.to_word();
        if !compiler_effects::write(self.key(), self.current(), word, span) {
            self.shaped(true, self.shape(mask, Some(value), racy), span);
        }
        self.store(value);
    }
}

/// A cell that is racy by design, like the variables DataCollider knows to be racy (a clock
/// read without a lock, a hint that may be stale): its accesses are checked for data races like
/// an [`UnsafeCell`]'s, and every race on it is reported as `benign race (declared racy)`, at
/// low severity, not as a bug. Opting in is the annotation: keep it for data whose races are
/// meant, and remember that Rust itself still calls such a race undefined behaviour (a
/// `Relaxed` atomic is the portable way to say the same).
#[derive(Debug, Default)]
pub struct RacyCell<T: ?Sized> {
    cell: UnsafeCell<T>,
}

impl<T> RacyCell<T> {
    /// A new cell; usable in statics.
    pub const fn new(value: T) -> RacyCell<T> {
        RacyCell {
            cell: UnsafeCell::new(value),
        }
    }

    /// Consumes the cell and answers its value.
    pub fn into_inner(self) -> T {
        self.cell.into_inner()
    }
}

impl<T: ?Sized> RacyCell<T> {
    const RACY: CellShape = CellShape::OPAQUE.declared_racy();

    /// Reads through a shared pointer; recorded as a non-atomic read of a racy cell.
    #[track_caller]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        self.cell.shaped(false, Self::RACY, SourceSpan::caller());
        f(self.cell.data.get())
    }

    /// Writes through a mutable pointer; recorded as a non-atomic write of a racy cell.
    #[track_caller]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        self.cell.shaped(true, Self::RACY, SourceSpan::caller());
        f(self.cell.data.get())
    }

    /// Mutable access: the borrow proves exclusivity, so nothing is recorded.
    pub fn get_mut(&mut self) -> &mut T {
        self.cell.get_mut()
    }
}

impl<T: Integer> RacyCell<T> {
    /// Reads the whole value (a non-atomic read of a racy cell).
    #[track_caller]
    pub fn read(&self) -> T {
        self.cell
            .read_shaped(CellShape::ALL_BITS, true, SourceSpan::caller())
    }

    /// Writes the whole value (a non-atomic write of a racy cell).
    #[track_caller]
    pub fn write(&self, value: T) {
        self.cell
            .write_shaped(CellShape::ALL_BITS, value, true, SourceSpan::caller());
    }
}
