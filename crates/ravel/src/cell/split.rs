//! A plain integer that memory reads and writes in two parts: a field of a packed struct that
//! straddles an alignment boundary, or a value wider than the machine word (seed 004, the
//! Corensic blog's misaligned `owner`). A reader racing with a writer can then combine part of
//! one write with part of another and see a value no thread wrote: a `torn read`
//! (`ravel_core::detect`'s torn-read module).

use crate::rt::context::perform_on;
use crate::rt::ObjectId;
use ravel_core::event::{Op, OpResult, SourceSpan, SplitPart, Value};

/// The integers a [`SplitCell`] can hold: 16 to 128 bits, signed or not. Sealed.
pub trait SplitInteger: Copy + sealed::Sealed {
    /// Whether reports print the value as signed.
    #[doc(hidden)]
    const SIGNED: bool;
    /// The value's bits, zero-extended.
    #[doc(hidden)]
    fn to_bits(self) -> u128;
    /// The value from its bits (truncated).
    #[doc(hidden)]
    fn from_bits(bits: u128) -> Self;
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! split_integer {
    ($($t:ty => $u:ty, $signed:expr);*) => {$(
        impl sealed::Sealed for $t {}
        impl SplitInteger for $t {
            const SIGNED: bool = $signed;
            fn to_bits(self) -> u128 {
                self as $u as u128
            }
            fn from_bits(bits: u128) -> Self {
                bits as $u as $t
            }
        }
    )*};
}

split_integer!(
    u16 => u16, false; u32 => u32, false; u64 => u64, false; u128 => u128, false;
    usize => usize, false;
    i16 => u16, true; i32 => u32, true; i64 => u64, true; i128 => u128, true;
    isize => usize, true
);

/// Which part an access of a [`SplitCell`] does first; the other follows right after, unless
/// another thread runs in between. Reads and writes use the same order.
///
/// The order decides which torn values can appear. With the default, a read racing with one
/// write can see the write's low part with the old high part (it reads between the write's two
/// parts) or the old low part with the new high part (the write happens between the read's two
/// parts). Under sequential consistency, a cell whose reads and writes went in opposite orders
/// could tear only one way; a weaker memory model lets each part read any write it may read
/// anyway.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum PartOrder {
    /// The low part (the lower addresses of a little-endian value) first: what a copy that
    /// walks up through memory does, and the seed's "first 3 bytes, then the last byte".
    #[default]
    LowFirst,
    /// The high part first.
    HighFirst,
}

/// A plain integer that memory reads and writes in two parts, each at its own place, so that
/// accesses of different threads can interleave part by part.
///
/// A [`write`](SplitCell::write) is two non-atomic writes, one per part, and a
/// [`read`](SplitCell::read) two non-atomic reads, in the cell's [`PartOrder`]. ravel explores
/// the parts like any other accesses: another thread may run between them, and under a weak
/// memory model each part may read any write it may consistently read. A read whose parts come
/// from different writes (or one from a write and one from the initial value) and make a value
/// no thread wrote is reported as a `torn read`, with the value observed, the writes its parts
/// came from and the interleaving.
///
/// Unsynchronised accesses are also a data race. ravel reports the torn read, the race's more
/// specific consequence, when any explored execution shows one; a race that never tears (no
/// interleaving makes a new value) is reported as a `data race` once the exploration finds no
/// other bug. The fix is usually a naturally aligned atomic, which is one access.
///
/// ```
/// use ravel::cell::SplitCell;
/// use ravel::sync::Arc;
/// use ravel::{Builder, FindingKind};
///
/// let outcome = Builder::new().explore(|| {
///     // A misaligned u32: its first three bytes and its last byte are separate accesses.
///     let owner = Arc::new(SplitCell::split_at(0u32, 3));
///     let o = owner.clone();
///     let t = ravel::thread::spawn(move || o.write(0x0200_0001));
///     let seen = owner.read();
///     t.join().unwrap();
///     let _ = seen;
/// });
/// assert_eq!(outcome.findings()[0].kind(), FindingKind::TornRead);
/// ```
#[derive(Debug)]
pub struct SplitCell<T: SplitInteger> {
    /// Each part's identity: a part is a location of its own.
    ids: [ObjectId; 2],
    /// The layout of the low part (index 0) and the high part (index 1).
    layout: [SplitPart; 2],
    init: T,
    order: PartOrder,
}

impl<T: SplitInteger> SplitCell<T> {
    /// A cell accessed in two halves, low half first; usable in statics.
    #[track_caller]
    pub const fn new(value: T) -> SplitCell<T> {
        SplitCell::split_at(value, std::mem::size_of::<T>() / 2)
    }

    /// A cell whose first `low_bytes` bytes (the low part, little-endian) and remaining bytes
    /// are accessed separately, low part first (see [`SplitCell::order`]). A misaligned `u32`
    /// one byte past a 4-byte boundary is `split_at(v, 3)`.
    ///
    /// # Panics
    ///
    /// Unless `0 < low_bytes < size_of::<T>()` and each part is at most 8 bytes (the widest
    /// single access ravel models); [`SplitCell::split_at_checked`] answers `None` instead.
    #[track_caller]
    pub const fn split_at(value: T, low_bytes: usize) -> SplitCell<T> {
        match SplitCell::split_at_checked(value, low_bytes) {
            Some(cell) => cell,
            None => {
                panic!("SplitCell::split_at: the split must leave 1 to 8 bytes on each side of it")
            }
        }
    }

    /// Like [`SplitCell::split_at`], but `None` for a split it does not allow.
    #[track_caller]
    pub const fn split_at_checked(value: T, low_bytes: usize) -> Option<SplitCell<T>> {
        let size = std::mem::size_of::<T>();
        let fits = low_bytes > 0 && low_bytes < size && low_bytes <= 8 && size - low_bytes <= 8;
        if !fits {
            return None;
        }
        let width = (size * 8) as u8;
        let low_bits = (low_bytes * 8) as u8;
        let low = SplitPart::new(0, 2, 0, low_bits, width, T::SIGNED);
        let high = SplitPart::new(1, 2, low_bits, width - low_bits, width, T::SIGNED);
        match (low, high) {
            (Some(low), Some(high)) => Some(SplitCell {
                ids: [ObjectId::new(), ObjectId::new()],
                layout: [low, high],
                init: value,
                order: PartOrder::LowFirst,
            }),
            _ => None,
        }
    }

    /// The same cell, with its accesses doing their parts in `order`.
    pub const fn order(mut self, order: PartOrder) -> SplitCell<T> {
        self.order = order;
        self
    }

    /// The part indices in the order accesses do them.
    fn sequence(&self) -> [usize; 2] {
        match self.order {
            PartOrder::LowFirst => [0, 1],
            PartOrder::HighFirst => [1, 0],
        }
    }

    /// Reads the value: two non-atomic reads, one per part.
    #[track_caller]
    pub fn read(&self) -> T {
        let span = SourceSpan::caller();
        let init = self.init.to_bits();
        let mut whole = 0u128;
        for i in self.sequence() {
            let part = self.layout[i];
            let part_init = part.of(init);
            let op = |l: &[_]| Op::SplitAccess {
                loc: l[0],
                init: part_init,
                whole: [0, 0],
                part,
            };
            let value = match perform_on(&[&self.ids[i]], op, span) {
                OpResult::Value(v) => v,
                // A thread being torn down gets no answer from the model.
                _ => part_init,
            };
            whole |= part.place(value);
        }
        T::from_bits(whole)
    }

    /// Writes the value: two non-atomic writes, one per part.
    #[track_caller]
    pub fn write(&self, value: T) {
        let span = SourceSpan::caller();
        let init = self.init.to_bits();
        let bits = value.to_bits();
        let whole: [Value; 2] = [bits as Value, (bits >> 64) as Value];
        for i in self.sequence() {
            let part = self.layout[i];
            let op = |l: &[_]| Op::SplitAccess {
                loc: l[0],
                init: part.of(init),
                whole,
                part: part.writing(),
            };
            perform_on(&[&self.ids[i]], op, span);
        }
    }
}

impl<T: SplitInteger + Default> Default for SplitCell<T> {
    /// A cell of the default value, accessed in two halves.
    #[track_caller]
    fn default() -> SplitCell<T> {
        SplitCell::new(T::default())
    }
}
