//! Atomics, shaped like `std::sync::atomic`: every integer width, `AtomicBool` and `AtomicPtr`,
//! with every std method. `compare_exchange_weak` may fail spuriously, and ravel explores that.
//!
//! Values live in the model, not in the object. `get_mut` hands out a private copy that is
//! written back (as a plain store) before the object's next operation.

use crate::rt::context::perform_on;
use crate::rt::ObjectId;
use ravel_core::event::{
    FenceMode, Op, OpResult, ReadMode, RmwKind, RmwMode, RmwUpdate, SourceSpan, Value, WriteMode,
};
use std::cell::UnsafeCell;
pub use std::sync::atomic::Ordering;

fn read_mode(o: Ordering) -> ReadMode {
    match o {
        Ordering::Relaxed => ReadMode::Relaxed,
        Ordering::Acquire => ReadMode::Acquire,
        Ordering::SeqCst => ReadMode::SeqCst,
        Ordering::Release => panic!("there is no such thing as a release load"),
        Ordering::AcqRel => panic!("there is no such thing as an acquire-release load"),
        _ => ReadMode::SeqCst,
    }
}

fn write_mode(o: Ordering) -> WriteMode {
    match o {
        Ordering::Relaxed => WriteMode::Relaxed,
        Ordering::Release => WriteMode::Release,
        Ordering::SeqCst => WriteMode::SeqCst,
        Ordering::Acquire => panic!("there is no such thing as an acquire store"),
        Ordering::AcqRel => panic!("there is no such thing as an acquire-release store"),
        _ => WriteMode::SeqCst,
    }
}

fn rmw_mode(o: Ordering) -> RmwMode {
    match o {
        Ordering::Relaxed => RmwMode::Relaxed,
        Ordering::Acquire => RmwMode::Acquire,
        Ordering::Release => RmwMode::Release,
        Ordering::AcqRel => RmwMode::AcqRel,
        _ => RmwMode::SeqCst,
    }
}

fn failure_mode(o: Ordering) -> ReadMode {
    match o {
        Ordering::Release => panic!("there is no such thing as a release failure ordering"),
        Ordering::AcqRel => panic!("there is no such thing as an acquire-release failure ordering"),
        other => read_mode(other),
    }
}

/// A memory fence.
#[track_caller]
pub fn fence(order: Ordering) {
    let mode = match order {
        Ordering::Acquire => FenceMode::Acquire,
        Ordering::Release => FenceMode::Release,
        Ordering::AcqRel => FenceMode::AcqRel,
        Ordering::SeqCst => FenceMode::SeqCst,
        _ => panic!("there is no such thing as a relaxed fence"),
    };
    crate::rt::perform(Op::Fence(mode), SourceSpan::caller());
}

/// A compiler fence restricts only compiler reordering of this thread's accesses; the model
/// already executes each thread in program order, so it has no effect.
pub fn compiler_fence(order: Ordering) {
    if order == Ordering::Relaxed {
        panic!("there is no such thing as a relaxed compiler fence");
    }
}

/// The model-side state shared by every atomic type: identity, initial value, and the private
/// copy `get_mut` hands out.
#[derive(Debug)]
struct Cell64 {
    id: ObjectId,
    init_bits: Value,
    /// The initial value of an `AtomicPtr`: pointers cannot become integers in a `const fn`.
    init_ptr: *mut (),
    local: UnsafeCell<Value>,
    dirty: std::sync::atomic::AtomicBool,
}

// SAFETY: `local` is only touched through `&mut self` (get_mut) or by the model thread that
// currently runs, and model threads never run in parallel.
unsafe impl Sync for Cell64 {}
// SAFETY: `init_ptr` is only an initial value, never dereferenced.
unsafe impl Send for Cell64 {}

impl Cell64 {
    const fn new(init: Value) -> Cell64 {
        Cell64::with_ptr(init, std::ptr::null_mut())
    }

    const fn with_ptr(init_bits: Value, init_ptr: *mut ()) -> Cell64 {
        Cell64 {
            id: ObjectId::new(),
            init_bits,
            init_ptr,
            local: UnsafeCell::new(init_bits),
            dirty: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn init(&self) -> Value {
        self.init_bits | self.init_ptr as usize as Value
    }

    fn op(&self, make: impl FnOnce(ravel_core::event::Loc) -> Op, span: SourceSpan) -> OpResult {
        // Relaxed: the flag is private to the OS thread running the model. The swap (which
        // stress mode's real threads need, so that one of them writes the value back) only
        // when the flag is set: a swap at every operation is a locked instruction.
        if self.dirty.load(std::sync::atomic::Ordering::Relaxed)
            && self.dirty.swap(false, std::sync::atomic::Ordering::Relaxed)
        {
            // SAFETY: see the `Sync` impl; no `&mut` from get_mut is alive during `&self` calls.
            let val = unsafe { *self.local.get() };
            let init = self.init();
            perform_on(
                &[&self.id],
                |l| Op::Store {
                    loc: l[0],
                    init,
                    val,
                    mode: WriteMode::NonAtomic,
                },
                span,
            );
        }
        perform_on(&[&self.id], |l| make(l[0]), span)
    }

    fn load(&self, order: Ordering, span: SourceSpan) -> Value {
        let init = self.init();
        let mode = read_mode(order);
        value(self.op(|loc| Op::Load { loc, init, mode }, span))
    }

    /// A plain (non-atomic) read of the atomic's location: it races with any store not ordered
    /// before it by happens-before, as a mixed atomic/non-atomic access does in RC11.
    fn load_non_atomic(&self, span: SourceSpan) -> Value {
        let init = self.init();
        let mode = ReadMode::NonAtomic;
        value(self.op(|loc| Op::Load { loc, init, mode }, span))
    }

    fn store(&self, val: Value, order: Ordering, span: SourceSpan) {
        let init = self.init();
        let mode = write_mode(order);
        self.op(
            |loc| Op::Store {
                loc,
                init,
                val,
                mode,
            },
            span,
        );
    }

    fn rmw(
        &self,
        kind: RmwKind,
        operand: Value,
        bits: u32,
        signed: bool,
        order: Ordering,
        span: SourceSpan,
    ) -> Value {
        let init = self.init();
        let update = RmwUpdate {
            kind,
            operand,
            bits: bits as u8,
            signed,
        };
        let mode = rmw_mode(order);
        value(self.op(
            |loc| Op::Rmw {
                loc,
                init,
                update,
                mode,
            },
            span,
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn cas(
        &self,
        expected: Value,
        new: Value,
        success: Ordering,
        failure: Ordering,
        weak: bool,
        span: SourceSpan,
    ) -> Result<Value, Value> {
        let init = self.init();
        let (success, failure) = (rmw_mode(success), failure_mode(failure));
        match self.op(
            |loc| Op::CompareExchange {
                loc,
                init,
                expected,
                new,
                success,
                failure,
                weak,
            },
            span,
        ) {
            OpResult::Cas { value, ok: true } => Ok(value),
            OpResult::Cas { value, ok: false } => Err(value),
            other => Err(value(other)),
        }
    }

    fn get_mut(&mut self, span: SourceSpan) -> &mut Value {
        let current = self.load(Ordering::SeqCst, span);
        *self.local.get_mut() = current;
        *self.dirty.get_mut() = true;
        self.local.get_mut()
    }
}

fn value(r: OpResult) -> Value {
    match r {
        OpResult::Value(v) | OpResult::Cas { value: v, .. } => v,
        _ => 0,
    }
}

macro_rules! atomic_int {
    ($(#[$doc:meta])* $name:ident, $t:ty, $bits:expr, $signed:expr) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name {
            cell: Cell64,
        }

        impl $name {
            /// A new atomic; usable in statics.
            pub const fn new(v: $t) -> $name {
                $name { cell: Cell64::new(v as Value & mask($bits)) }
            }

            fn from_bits(v: Value) -> $t {
                v as $t
            }

            fn to_bits(v: $t) -> Value {
                v as Value & mask($bits)
            }

            /// Loads the value.
            #[track_caller]
            pub fn load(&self, order: Ordering) -> $t {
                Self::from_bits(self.cell.load(order, SourceSpan::caller()))
            }

            /// Stores a value.
            #[track_caller]
            pub fn store(&self, v: $t, order: Ordering) {
                self.cell.store(Self::to_bits(v), order, SourceSpan::caller())
            }

            /// Stores a value and answers the old one.
            #[track_caller]
            pub fn swap(&self, v: $t, order: Ordering) -> $t {
                self.rmw(RmwKind::Swap, v, order, SourceSpan::caller())
            }

            fn rmw(&self, kind: RmwKind, v: $t, order: Ordering, span: SourceSpan) -> $t {
                Self::from_bits(self.cell.rmw(kind, Self::to_bits(v), $bits, $signed, order, span))
            }

            /// Stores `new` if the value is `current`; answers the previous value.
            #[track_caller]
            pub fn compare_exchange(&self, current: $t, new: $t, success: Ordering, failure: Ordering) -> Result<$t, $t> {
                self.cell
                    .cas(Self::to_bits(current), Self::to_bits(new), success, failure, false, SourceSpan::caller())
                    .map(Self::from_bits)
                    .map_err(Self::from_bits)
            }

            /// Like `compare_exchange`, but may fail spuriously (and ravel explores that).
            #[track_caller]
            pub fn compare_exchange_weak(&self, current: $t, new: $t, success: Ordering, failure: Ordering) -> Result<$t, $t> {
                self.cell
                    .cas(Self::to_bits(current), Self::to_bits(new), success, failure, true, SourceSpan::caller())
                    .map(Self::from_bits)
                    .map_err(Self::from_bits)
            }

            /// Adds, wrapping; answers the old value.
            #[track_caller]
            pub fn fetch_add(&self, v: $t, order: Ordering) -> $t {
                self.rmw(RmwKind::Add, v, order, SourceSpan::caller())
            }

            /// Subtracts, wrapping; answers the old value.
            #[track_caller]
            pub fn fetch_sub(&self, v: $t, order: Ordering) -> $t {
                self.rmw(RmwKind::Sub, v, order, SourceSpan::caller())
            }

            /// Bitwise and; answers the old value.
            #[track_caller]
            pub fn fetch_and(&self, v: $t, order: Ordering) -> $t {
                self.rmw(RmwKind::And, v, order, SourceSpan::caller())
            }

            /// Bitwise nand; answers the old value.
            #[track_caller]
            pub fn fetch_nand(&self, v: $t, order: Ordering) -> $t {
                self.rmw(RmwKind::Nand, v, order, SourceSpan::caller())
            }

            /// Bitwise or; answers the old value.
            #[track_caller]
            pub fn fetch_or(&self, v: $t, order: Ordering) -> $t {
                self.rmw(RmwKind::Or, v, order, SourceSpan::caller())
            }

            /// Bitwise xor; answers the old value.
            #[track_caller]
            pub fn fetch_xor(&self, v: $t, order: Ordering) -> $t {
                self.rmw(RmwKind::Xor, v, order, SourceSpan::caller())
            }

            /// Maximum; answers the old value.
            #[track_caller]
            pub fn fetch_max(&self, v: $t, order: Ordering) -> $t {
                self.rmw(RmwKind::Max, v, order, SourceSpan::caller())
            }

            /// Minimum; answers the old value.
            #[track_caller]
            pub fn fetch_min(&self, v: $t, order: Ordering) -> $t {
                self.rmw(RmwKind::Min, v, order, SourceSpan::caller())
            }

            /// Like `fetch_update` (std's newer name for it).
            #[track_caller]
            pub fn try_update<F>(&self, set_order: Ordering, fetch_order: Ordering, f: F) -> Result<$t, $t>
            where
                F: FnMut($t) -> Option<$t>,
            {
                self.fetch_update(set_order, fetch_order, f)
            }

            /// Applies `f` until it sticks; answers the previous value.
            #[track_caller]
            pub fn update<F>(&self, set_order: Ordering, fetch_order: Ordering, mut f: F) -> $t
            where
                F: FnMut($t) -> $t,
            {
                match self.fetch_update(set_order, fetch_order, |v| Some(f(v))) {
                    Ok(v) | Err(v) => v,
                }
            }

            /// The deprecated std (and loom) compare-and-swap: answers the previous value.
            #[track_caller]
            pub fn compare_and_swap(&self, current: $t, new: $t, order: Ordering) -> $t {
                let failure = match order {
                    Ordering::Release | Ordering::Relaxed => Ordering::Relaxed,
                    Ordering::AcqRel | Ordering::Acquire => Ordering::Acquire,
                    _ => Ordering::SeqCst,
                };
                match self.compare_exchange(current, new, order, failure) {
                    Ok(v) | Err(v) => v,
                }
            }

            /// loom's `unsync_load`: a load the caller promises races with no store. ravel checks
            /// the promise: the load is a plain read, so a store not ordered before it by
            /// happens-before is a `data race`.
            ///
            /// # Safety
            ///
            /// As in loom: no store to this atomic may be concurrent with the load.
            #[track_caller]
            pub unsafe fn unsync_load(&self) -> $t {
                Self::from_bits(self.cell.load_non_atomic(SourceSpan::caller()))
            }

            /// Applies `f` with a compare-exchange loop, like std.
            #[track_caller]
            pub fn fetch_update<F>(&self, set_order: Ordering, fetch_order: Ordering, mut f: F) -> Result<$t, $t>
            where
                F: FnMut($t) -> Option<$t>,
            {
                let span = SourceSpan::caller();
                let mut prev = Self::from_bits(self.cell.load(fetch_order, span));
                while let Some(next) = f(prev) {
                    match self.cell.cas(Self::to_bits(prev), Self::to_bits(next), set_order, fetch_order, true, span) {
                        Ok(v) => return Ok(Self::from_bits(v)),
                        Err(v) => prev = Self::from_bits(v),
                    }
                }
                Err(prev)
            }

            /// Mutable access: the borrow proves no other thread can access the atomic.
            #[track_caller]
            pub fn get_mut(&mut self) -> &mut $t {
                let bits = self.cell.get_mut(SourceSpan::caller());
                // SAFETY: `Value` is a u64 holding the bits zero-extended; every integer type up
                // to 64 bits has alignment at most u64's and lives at offset 0 on little-endian
                // targets, which are the only ones ravel supports.
                unsafe { &mut *(bits as *mut Value as *mut $t) }
            }

            /// Consumes the atomic and answers its value.
            #[track_caller]
            pub fn into_inner(self) -> $t {
                self.load(Ordering::SeqCst)
            }
        }

        impl Default for $name {
            fn default() -> $name {
                $name::new(0 as $t)
            }
        }

        impl From<$t> for $name {
            fn from(v: $t) -> $name {
                $name::new(v)
            }
        }
    };
}

const fn mask(bits: u32) -> Value {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

#[cfg(not(target_endian = "little"))]
compile_error!("ravel's atomics assume a little-endian target");

atomic_int!(/// An atomic `u8`.
    AtomicU8, u8, 8, false);
atomic_int!(/// An atomic `u16`.
    AtomicU16, u16, 16, false);
atomic_int!(/// An atomic `u32`.
    AtomicU32, u32, 32, false);
atomic_int!(/// An atomic `u64`.
    AtomicU64, u64, 64, false);
atomic_int!(/// An atomic `usize`.
    AtomicUsize, usize, usize::BITS, false);
atomic_int!(/// An atomic `i8`.
    AtomicI8, i8, 8, true);
atomic_int!(/// An atomic `i16`.
    AtomicI16, i16, 16, true);
atomic_int!(/// An atomic `i32`.
    AtomicI32, i32, 32, true);
atomic_int!(/// An atomic `i64`.
    AtomicI64, i64, 64, true);
atomic_int!(/// An atomic `isize`.
    AtomicIsize, isize, isize::BITS, true);

/// An atomic `bool`.
#[derive(Debug, Default)]
pub struct AtomicBool {
    inner: AtomicU8,
}

impl AtomicBool {
    /// A new atomic; usable in statics.
    pub const fn new(v: bool) -> AtomicBool {
        AtomicBool {
            inner: AtomicU8::new(v as u8),
        }
    }

    /// Loads the value.
    #[track_caller]
    pub fn load(&self, order: Ordering) -> bool {
        self.inner.load(order) != 0
    }

    /// Stores a value.
    #[track_caller]
    pub fn store(&self, v: bool, order: Ordering) {
        self.inner.store(v as u8, order)
    }

    /// Stores a value and answers the old one.
    #[track_caller]
    pub fn swap(&self, v: bool, order: Ordering) -> bool {
        self.inner.swap(v as u8, order) != 0
    }

    /// Stores `new` if the value is `current`.
    #[track_caller]
    pub fn compare_exchange(
        &self,
        current: bool,
        new: bool,
        success: Ordering,
        failure: Ordering,
    ) -> Result<bool, bool> {
        self.inner
            .compare_exchange(current as u8, new as u8, success, failure)
            .map(|v| v != 0)
            .map_err(|v| v != 0)
    }

    /// Like `compare_exchange`, but may fail spuriously.
    #[track_caller]
    pub fn compare_exchange_weak(
        &self,
        current: bool,
        new: bool,
        success: Ordering,
        failure: Ordering,
    ) -> Result<bool, bool> {
        self.inner
            .compare_exchange_weak(current as u8, new as u8, success, failure)
            .map(|v| v != 0)
            .map_err(|v| v != 0)
    }

    /// Logical and; answers the old value.
    #[track_caller]
    pub fn fetch_and(&self, v: bool, order: Ordering) -> bool {
        self.inner.fetch_and(v as u8, order) != 0
    }

    /// Logical nand; answers the old value.
    #[track_caller]
    pub fn fetch_nand(&self, v: bool, order: Ordering) -> bool {
        // On 0/1 values, nand must stay 0/1: !(a & b) & 1.
        let span = SourceSpan::caller();
        let old = self
            .inner
            .cell
            .rmw(RmwKind::Nand, v as Value, 1, false, order, span);
        old != 0
    }

    /// Logical or; answers the old value.
    #[track_caller]
    pub fn fetch_or(&self, v: bool, order: Ordering) -> bool {
        self.inner.fetch_or(v as u8, order) != 0
    }

    /// Logical xor; answers the old value.
    #[track_caller]
    pub fn fetch_xor(&self, v: bool, order: Ordering) -> bool {
        self.inner.fetch_xor(v as u8, order) != 0
    }

    /// Logical not; answers the old value.
    #[track_caller]
    pub fn fetch_not(&self, order: Ordering) -> bool {
        self.inner.fetch_xor(1, order) != 0
    }

    /// Applies `f` with a compare-exchange loop.
    #[track_caller]
    pub fn fetch_update<F>(
        &self,
        set_order: Ordering,
        fetch_order: Ordering,
        mut f: F,
    ) -> Result<bool, bool>
    where
        F: FnMut(bool) -> Option<bool>,
    {
        self.inner
            .fetch_update(set_order, fetch_order, |v| f(v != 0).map(u8::from))
            .map(|v| v != 0)
            .map_err(|v| v != 0)
    }

    /// Mutable access.
    #[track_caller]
    pub fn get_mut(&mut self) -> &mut bool {
        let byte = self.inner.get_mut();
        // SAFETY: the byte holds 0 or 1, the only valid bit patterns of `bool`, which has the
        // size and alignment of `u8`.
        unsafe { &mut *(byte as *mut u8 as *mut bool) }
    }

    /// Consumes the atomic and answers its value.
    #[track_caller]
    pub fn into_inner(self) -> bool {
        self.inner.into_inner() != 0
    }
}

impl From<bool> for AtomicBool {
    fn from(v: bool) -> AtomicBool {
        AtomicBool::new(v)
    }
}

/// An atomic raw pointer.
#[derive(Debug)]
pub struct AtomicPtr<T> {
    inner: AtomicUsize,
    _marker: std::marker::PhantomData<*mut T>,
}

// SAFETY: as for std's AtomicPtr: the pointer value is shared, not the pointee.
unsafe impl<T> Send for AtomicPtr<T> {}
// SAFETY: as for std's AtomicPtr.
unsafe impl<T> Sync for AtomicPtr<T> {}

impl<T> AtomicPtr<T> {
    /// A new atomic pointer; usable in statics.
    pub const fn new(p: *mut T) -> AtomicPtr<T> {
        AtomicPtr {
            inner: AtomicUsize {
                cell: Cell64::with_ptr(0, p as *mut ()),
            },
            _marker: std::marker::PhantomData,
        }
    }

    /// Loads the pointer.
    #[track_caller]
    pub fn load(&self, order: Ordering) -> *mut T {
        self.inner.load(order) as *mut T
    }

    /// Stores a pointer.
    #[track_caller]
    pub fn store(&self, p: *mut T, order: Ordering) {
        self.inner.store(p as usize, order)
    }

    /// Stores a pointer and answers the old one.
    #[track_caller]
    pub fn swap(&self, p: *mut T, order: Ordering) -> *mut T {
        self.inner.swap(p as usize, order) as *mut T
    }

    /// Stores `new` if the pointer is `current`.
    #[track_caller]
    pub fn compare_exchange(
        &self,
        current: *mut T,
        new: *mut T,
        success: Ordering,
        failure: Ordering,
    ) -> Result<*mut T, *mut T> {
        self.inner
            .compare_exchange(current as usize, new as usize, success, failure)
            .map(|v| v as *mut T)
            .map_err(|v| v as *mut T)
    }

    /// Like `compare_exchange`, but may fail spuriously.
    #[track_caller]
    pub fn compare_exchange_weak(
        &self,
        current: *mut T,
        new: *mut T,
        success: Ordering,
        failure: Ordering,
    ) -> Result<*mut T, *mut T> {
        self.inner
            .compare_exchange_weak(current as usize, new as usize, success, failure)
            .map(|v| v as *mut T)
            .map_err(|v| v as *mut T)
    }

    /// Applies `f` with a compare-exchange loop.
    #[track_caller]
    pub fn fetch_update<F>(
        &self,
        set_order: Ordering,
        fetch_order: Ordering,
        mut f: F,
    ) -> Result<*mut T, *mut T>
    where
        F: FnMut(*mut T) -> Option<*mut T>,
    {
        self.inner
            .fetch_update(set_order, fetch_order, |v| {
                f(v as *mut T).map(|p| p as usize)
            })
            .map(|v| v as *mut T)
            .map_err(|v| v as *mut T)
    }

    /// Mutable access.
    #[track_caller]
    pub fn get_mut(&mut self) -> &mut *mut T {
        let bits = self.inner.get_mut();
        // SAFETY: `usize` and `*mut T` (T: Sized) have the same size and alignment.
        unsafe { &mut *(bits as *mut usize as *mut *mut T) }
    }

    /// Consumes the atomic and answers the pointer.
    #[track_caller]
    pub fn into_inner(self) -> *mut T {
        self.inner.into_inner() as *mut T
    }
}

impl<T> Default for AtomicPtr<T> {
    fn default() -> AtomicPtr<T> {
        AtomicPtr::new(std::ptr::null_mut())
    }
}
