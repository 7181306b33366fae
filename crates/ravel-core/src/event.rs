//! The vocabulary every producer speaks: threads, locations, values, typed memory orderings and
//! the operations a thread asks the engine to perform.
//!
//! Orderings are split by access kind (as miri does) so that a "Release load" or an "Acquire
//! store" cannot be written down at all.

use std::fmt;

/// A model thread. Thread 0 is the main thread (the closure given to the model).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default)]
pub struct ThreadId(pub u32);

impl ThreadId {
    /// The main thread.
    pub const MAIN: ThreadId = ThreadId(0);

    /// The thread's index, for tables indexed by thread.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for ThreadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            write!(f, "main")
        } else {
            write!(f, "t{}", self.0)
        }
    }
}

/// A shared memory location (an atomic, a lock, a cell). Producers choose the numbering; it must be
/// the same for the same object in every re-execution of the same prefix.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Loc(pub u64);

impl Loc {
    const UNRESOLVED: u64 = 1 << 63;

    /// A location known only by an object's address: the engine gives it a stable number the
    /// first time it is used in an execution (adopting the recorded number when it re-executes a
    /// recorded event), so numbering does not depend on which thread touches an object first.
    pub fn unresolved(address: usize) -> Loc {
        Loc(address as u64 | Loc::UNRESOLVED)
    }

    const CELL: u64 = 1 << 62;

    /// The `n`-th cell of an execution (cells are checked for races, never read through the
    /// graph, so they live in their own numbering).
    pub fn cell(n: u64) -> Loc {
        Loc(n | Loc::CELL)
    }

    /// Whether this is a cell (see [`Loc::cell`]).
    pub fn is_cell(self) -> bool {
        self.0 & Loc::CELL != 0 && !self.is_unresolved()
    }

    /// Whether this still needs resolving.
    pub fn is_unresolved(self) -> bool {
        self.0 & Loc::UNRESOLVED != 0
    }
}

/// The contents of a location. Narrower integers are zero-extended; signedness lives in
/// [`RmwUpdate`], the only place where it matters.
pub type Value = u64;

/// A place in the user's source, captured with `#[track_caller]`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct SourceSpan {
    /// The file, as the compiler spells it.
    pub file: &'static str,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl SourceSpan {
    /// A span for events that have no user source (thread start, thread end).
    pub const UNKNOWN: SourceSpan = SourceSpan {
        file: "<unknown>",
        line: 0,
        column: 0,
    };

    /// The caller's location (also in `const` constructors, so statics know where they were
    /// built).
    #[track_caller]
    pub const fn caller() -> SourceSpan {
        let l = std::panic::Location::caller();
        SourceSpan {
            file: l.file(),
            line: l.line(),
            column: l.column(),
        }
    }
}

impl fmt::Display for SourceSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// How a load accesses memory.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ReadMode {
    /// A plain (non-atomic) read: racing with any write is undefined behaviour.
    NonAtomic,
    /// `Ordering::Relaxed`.
    Relaxed,
    /// `Ordering::Acquire`.
    Acquire,
    /// `Ordering::SeqCst`.
    SeqCst,
}

/// How a store accesses memory.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum WriteMode {
    /// A plain (non-atomic) write.
    NonAtomic,
    /// `Ordering::Relaxed`.
    Relaxed,
    /// `Ordering::Release`.
    Release,
    /// `Ordering::SeqCst`.
    SeqCst,
}

/// The ordering of a read-modify-write.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RmwMode {
    /// `Ordering::Relaxed`.
    Relaxed,
    /// `Ordering::Acquire`.
    Acquire,
    /// `Ordering::Release`.
    Release,
    /// `Ordering::AcqRel`.
    AcqRel,
    /// `Ordering::SeqCst`.
    SeqCst,
}

impl RmwMode {
    /// The ordering of the read half.
    pub fn read_part(self) -> ReadMode {
        match self {
            RmwMode::Relaxed | RmwMode::Release => ReadMode::Relaxed,
            RmwMode::Acquire | RmwMode::AcqRel => ReadMode::Acquire,
            RmwMode::SeqCst => ReadMode::SeqCst,
        }
    }

    /// The ordering of the write half.
    pub fn write_part(self) -> WriteMode {
        match self {
            RmwMode::Relaxed | RmwMode::Acquire => WriteMode::Relaxed,
            RmwMode::Release | RmwMode::AcqRel => WriteMode::Release,
            RmwMode::SeqCst => WriteMode::SeqCst,
        }
    }
}

/// The ordering of a fence. A Relaxed fence does not exist.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum FenceMode {
    /// `fence(Acquire)`.
    Acquire,
    /// `fence(Release)`.
    Release,
    /// `fence(AcqRel)`.
    AcqRel,
    /// `fence(SeqCst)`.
    SeqCst,
}

impl ReadMode {
    /// Whether this read takes part in acquire synchronisation.
    pub fn is_acquire(self) -> bool {
        matches!(self, ReadMode::Acquire | ReadMode::SeqCst)
    }
}

impl WriteMode {
    /// Whether this write heads a release sequence.
    pub fn is_release(self) -> bool {
        matches!(self, WriteMode::Release | WriteMode::SeqCst)
    }
}

impl FenceMode {
    /// Whether the fence has acquire semantics.
    pub fn is_acquire(self) -> bool {
        !matches!(self, FenceMode::Release)
    }

    /// Whether the fence has release semantics.
    pub fn is_release(self) -> bool {
        !matches!(self, FenceMode::Acquire)
    }
}

/// The arithmetic of a fetch-and-op or swap.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RmwKind {
    /// `fetch_add`.
    Add,
    /// `fetch_sub`.
    Sub,
    /// `fetch_and`.
    And,
    /// `fetch_or`.
    Or,
    /// `fetch_xor`.
    Xor,
    /// `fetch_nand`.
    Nand,
    /// `fetch_max`.
    Max,
    /// `fetch_min`.
    Min,
    /// `swap`.
    Swap,
}

/// A fetch-and-op: what to combine with the old value, and at which width.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct RmwUpdate {
    /// The operation.
    pub kind: RmwKind,
    /// The right-hand operand.
    pub operand: Value,
    /// Width in bits (8, 16, 32, 64); results wrap at this width.
    pub bits: u8,
    /// Whether `Max`/`Min` compare as signed integers.
    pub signed: bool,
}

impl RmwUpdate {
    /// The new value stored when the old value was `old`.
    pub fn apply(&self, old: Value) -> Value {
        let mask = if self.bits >= 64 {
            u64::MAX
        } else {
            (1u64 << self.bits) - 1
        };
        let sign_extend = |v: Value| -> i64 {
            let shift = 64 - u32::from(self.bits.min(64));
            ((v << shift) as i64) >> shift
        };
        let new = match self.kind {
            RmwKind::Add => old.wrapping_add(self.operand),
            RmwKind::Sub => old.wrapping_sub(self.operand),
            RmwKind::And => old & self.operand,
            RmwKind::Or => old | self.operand,
            RmwKind::Xor => old ^ self.operand,
            RmwKind::Nand => !(old & self.operand),
            RmwKind::Swap => self.operand,
            RmwKind::Max | RmwKind::Min => {
                let take_operand = if self.signed {
                    let (a, b) = (sign_extend(old & mask), sign_extend(self.operand & mask));
                    (self.kind == RmwKind::Max) == (b > a)
                } else {
                    let (a, b) = (old & mask, self.operand & mask);
                    (self.kind == RmwKind::Max) == (b > a)
                };
                if take_operand {
                    self.operand
                } else {
                    old
                }
            }
        };
        new & mask
    }
}

/// A visible operation a thread asks the engine to perform. Everything a thread does between two
/// operations is invisible to other threads and runs without interruption.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Op {
    /// Read `loc`; `init` is the location's initial value (used when it is first touched).
    Load {
        /// The location.
        loc: Loc,
        /// Its initial value.
        init: Value,
        /// The ordering.
        mode: ReadMode,
    },
    /// Write `val` to `loc`.
    Store {
        /// The location.
        loc: Loc,
        /// Its initial value.
        init: Value,
        /// The value written.
        val: Value,
        /// The ordering.
        mode: WriteMode,
    },
    /// Fetch-and-op or swap; answers the old value.
    Rmw {
        /// The location.
        loc: Loc,
        /// Its initial value.
        init: Value,
        /// The update.
        update: RmwUpdate,
        /// The ordering.
        mode: RmwMode,
    },
    /// Compare-and-exchange; answers [`OpResult::Cas`].
    CompareExchange {
        /// The location.
        loc: Loc,
        /// Its initial value.
        init: Value,
        /// The value that must be present for success.
        expected: Value,
        /// The value stored on success.
        new: Value,
        /// The ordering on success.
        success: RmwMode,
        /// The ordering on failure.
        failure: ReadMode,
        /// `compare_exchange_weak`: may fail spuriously, and ravel explores that.
        weak: bool,
    },
    /// A memory fence.
    Fence(FenceMode),
    /// Acquire a mutex; blocks while it is held.
    Lock(Loc),
    /// Try to acquire a mutex; answers [`OpResult::Bool`].
    TryLock(Loc),
    /// Release a mutex.
    Unlock(Loc),
    /// Start a new thread; answers [`OpResult::Spawned`].
    Spawn,
    /// Wait for a thread to finish.
    Join(ThreadId),
    /// Start waiting on the condition variable `cv` and release `mutex`. The wait starts before
    /// the release in program order, so a notification that follows the release is never missed.
    CondWait {
        /// The condition variable.
        cv: Loc,
        /// The mutex the waiter holds.
        mutex: Loc,
    },
    /// Return from a wait begun by [`Op::CondWait`]: blocks until `cv` is notified (a waiter
    /// nobody notifies is a deadlock); waking without the notification, spuriously, is explored as
    /// well. Answers [`OpResult::Woken`].
    CondWake {
        /// The condition variable.
        cv: Loc,
        /// A timed wait: it may also return without a notification (a time-out).
        timed: bool,
    },
    /// Wake threads waiting on `cv`.
    Notify {
        /// The condition variable.
        cv: Loc,
        /// `notify_all` rather than `notify_one`.
        all: bool,
    },
    /// A spin-loop iteration ends here (`yield_now`, `spin_loop`, `sleep`). A thread whose
    /// iteration changed nothing is descheduled until someone writes what it read.
    Yield,
    /// A non-atomic access through `UnsafeCell`: checked for data races, not a choice point.
    CellAccess {
        /// The cell.
        loc: Loc,
        /// Whether it writes.
        write: bool,
    },
    /// A cell access that says what it does (the values, the bits, a cell racy by design), so
    /// that a race on it can be classified as benign; otherwise as [`Op::CellAccess`]. A read
    /// answers [`OpResult::Value`] with the value it reads when the engine knows it.
    ShapedCellAccess {
        /// The cell.
        loc: Loc,
        /// Whether it writes.
        write: bool,
        /// What it does.
        shape: CellShape,
    },
    /// One part of a plain access that memory performs in parts (a misaligned field, a value
    /// wider than the machine word: `ravel::cell::SplitCell`). Each part is its own location
    /// and a non-atomic read or write of it in the graph, so exploration interleaves the parts
    /// of different accesses; the producer performs the parts of one access back to back, in
    /// the order the model chose. A read answers [`OpResult::Value`] with the part's bits.
    SplitAccess {
        /// The part's location.
        loc: Loc,
        /// The part's initial value (its bits of the whole initial value).
        init: Value,
        /// For a write, the whole value it writes, low 64 bits first (up to 128 bits); the
        /// part stores its own bits of it. Zero for a read.
        whole: [Value; 2],
        /// Which part, where its bits lie, and whether it writes.
        part: SplitPart,
    },
}

/// Where one part of a split access lies in the whole value, and what the access does
/// ([`Op::SplitAccess`]). Built with [`SplitPart::new`], which rejects a layout that does not
/// fit, so the engine never sees one.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct SplitPart {
    index: u8,
    count: u8,
    shift: u8,
    bits: u8,
    width: u8,
    flags: u8,
}

impl SplitPart {
    /// The most parts a value may be split into.
    pub const MAX_PARTS: u8 = 16;
    const WRITE: u8 = 1;
    const SIGNED: u8 = 2;

    /// Part `index` of `count`, holding the `bits` bits from bit `shift` of a `width`-bit value;
    /// `None` unless `index < count <= MAX_PARTS`, `1 <= bits <= 64` and the part lies inside
    /// the value (`shift + bits <= width <= 128`). `signed` only changes how reports print the
    /// value.
    pub const fn new(
        index: u8,
        count: u8,
        shift: u8,
        bits: u8,
        width: u8,
        signed: bool,
    ) -> Option<SplitPart> {
        let fits = index < count
            && count <= SplitPart::MAX_PARTS
            && bits >= 1
            && bits <= 64
            && width <= 128
            && shift as u16 + bits as u16 <= width as u16;
        if !fits {
            return None;
        }
        Some(SplitPart {
            index,
            count,
            shift,
            bits,
            width,
            flags: if signed { SplitPart::SIGNED } else { 0 },
        })
    }

    /// The same part, for a write.
    pub const fn writing(mut self) -> SplitPart {
        self.flags |= SplitPart::WRITE;
        self
    }

    /// Which part (0 holds the lowest bits).
    pub const fn index(&self) -> u8 {
        self.index
    }

    /// How many parts the value has.
    pub const fn count(&self) -> u8 {
        self.count
    }

    /// The part's lowest bit in the whole value.
    pub const fn shift(&self) -> u8 {
        self.shift
    }

    /// How many bits the part holds.
    pub const fn bits(&self) -> u8 {
        self.bits
    }

    /// The whole value's width in bits.
    pub const fn width(&self) -> u8 {
        self.width
    }

    /// Whether the access writes.
    pub const fn is_write(&self) -> bool {
        self.flags & SplitPart::WRITE != 0
    }

    /// Whether the whole value is a signed integer (for reports).
    pub const fn is_signed(&self) -> bool {
        self.flags & SplitPart::SIGNED != 0
    }

    /// This part's bits of `whole`, shifted down.
    pub const fn of(&self, whole: u128) -> Value {
        ((whole >> self.shift) as Value) & (Value::MAX >> (64 - self.bits as u32))
    }

    /// `part` (this part's bits, shifted down) in its place in the whole value.
    pub const fn place(&self, part: Value) -> u128 {
        ((part & (Value::MAX >> (64 - self.bits as u32))) as u128) << self.shift
    }

    /// A value of this part (its bits, shifted down) for people: hexadecimal with every digit
    /// of the part's width.
    pub fn format_part(&self, part: Value) -> String {
        let digits = usize::from(self.bits).div_ceil(4);
        format!("{part:#0w$x}", w = digits + 2)
    }

    /// The part's place for people: "bytes 0..3" (or "byte 3"), or bits when it is not whole
    /// bytes.
    pub fn describe_place(&self) -> String {
        let (from, to) = (self.shift as u32, self.shift as u32 + self.bits as u32);
        match (from % 8, to % 8) {
            (0, 0) if to - from == 8 => format!("byte {}", from / 8),
            (0, 0) => format!("bytes {}..{}", from / 8, to / 8),
            _ if to - from == 1 => format!("bit {from}"),
            _ => format!("bits {from}..{to}"),
        }
    }
}

/// A whole value of `width` bits as reports print it: hexadecimal with every digit of the width,
/// and decimal (signed when the type is).
pub fn format_wide(value: u128, width: u8, signed: bool) -> String {
    let digits = (width as usize).div_ceil(4).max(1);
    let decimal = if signed && width > 0 && width <= 128 {
        let shift = 128 - u32::from(width);
        (((value << shift) as i128) >> shift).to_string()
    } else {
        value.to_string()
    };
    format!("{value:#0w$x} ({decimal})", w = digits + 2)
}

/// What a cell access tells the engine beyond "read" or "write", for classifying its races
/// (`detect::benign`). [`CellShape::OPAQUE`] tells nothing: a race on it is a data race. Kept
/// to 24 bytes so that an [`Op`] stays 40.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct CellShape {
    /// The cell is racy by design (`ravel::cell::RacyCell`): its races are benign.
    pub racy: bool,
    /// A read that is the first half of a read-modify-write of the bits of `mask` (a bit-field
    /// store): it takes the whole word, to store it back.
    pub rmw: bool,
    /// Whether `value` is known.
    known: bool,
    value: Value,
    /// The bits the access is about: those a read looks at, the only ones a write may change.
    /// [`CellShape::ALL_BITS`] for an access of the whole value.
    pub mask: Value,
}

impl CellShape {
    /// Every bit.
    pub const ALL_BITS: Value = Value::MAX;

    /// An access of the whole value that tells nothing more.
    pub const OPAQUE: CellShape = CellShape {
        racy: false,
        rmw: false,
        known: false,
        value: 0,
        mask: CellShape::ALL_BITS,
    };

    /// The same, with a value the producer sees: for a read, the cell's value when the access
    /// was asked for (the engine takes the read's value from it unless a write performed since
    /// changed the cell); for a write, the value it stores.
    pub const fn with_value(mut self, value: Value) -> CellShape {
        self.known = true;
        self.value = value;
        self
    }

    /// The same, about the bits of `mask` only.
    pub const fn with_mask(mut self, mask: Value) -> CellShape {
        self.mask = mask;
        self
    }

    /// The same, as the read half of a read-modify-write of the bits of the mask.
    pub const fn read_modify_write(mut self) -> CellShape {
        self.rmw = true;
        self
    }

    /// The same, to a cell racy by design.
    pub const fn declared_racy(mut self) -> CellShape {
        self.racy = true;
        self
    }

    /// The value given with [`CellShape::with_value`], if any.
    pub const fn value(&self) -> Option<Value> {
        if self.known {
            Some(self.value)
        } else {
            None
        }
    }
}

impl Op {
    /// A short description used in reports and non-determinism messages.
    pub fn describe(&self) -> String {
        match *self {
            Op::Load { loc, mode, .. } => format!("load {} ({:?})", loc_name(loc), mode),
            Op::Store { loc, val, mode, .. } => {
                format!("store {} = {} ({:?})", loc_name(loc), val, mode)
            }
            Op::Rmw {
                loc, update, mode, ..
            } => format!(
                "{:?} {} with {} ({:?})",
                update.kind,
                loc_name(loc),
                update.operand,
                mode
            ),
            Op::CompareExchange {
                loc, expected, new, ..
            } => format!("compare_exchange {} {} -> {}", loc_name(loc), expected, new),
            Op::Fence(m) => format!("fence({m:?})"),
            Op::Lock(l) => format!("lock mutex {}", loc_name(l)),
            Op::TryLock(l) => format!("try_lock mutex {}", loc_name(l)),
            Op::Unlock(l) => format!("unlock mutex {}", loc_name(l)),
            Op::Spawn => "spawn".to_string(),
            Op::Join(t) => format!("join {t}"),
            Op::CondWait { cv, mutex } => format!(
                "wait on condvar {} (releasing mutex {})",
                loc_name(cv),
                loc_name(mutex)
            ),
            Op::CondWake { cv, .. } => format!("wake from condvar {}", loc_name(cv)),
            Op::Notify { cv, all } => format!(
                "notify_{} condvar {}",
                if all { "all" } else { "one" },
                loc_name(cv)
            ),
            Op::Yield => "yield".to_string(),
            Op::CellAccess { loc, write } => format!(
                "{} cell {}",
                if write { "write to" } else { "read of" },
                loc_name(loc)
            ),
            Op::ShapedCellAccess { loc, write, shape } => {
                let mut text = format!(
                    "{} {}cell {}",
                    if write { "write to" } else { "read of" },
                    if shape.racy { "racy " } else { "" },
                    loc_name(loc)
                );
                if shape.mask != CellShape::ALL_BITS {
                    text.push_str(&format!(" bits {:#x}", shape.mask));
                }
                if let (true, Some(v)) = (write, shape.value()) {
                    text.push_str(&format!(" = {v}"));
                }
                text
            }
            Op::SplitAccess {
                loc, whole, part, ..
            } => {
                let place = part.describe_place();
                if part.is_write() {
                    let whole = u128::from(whole[0]) | u128::from(whole[1]) << 64;
                    let digits = usize::from(part.width()).div_ceil(4);
                    format!(
                        "write to {} = {} ({place} of {whole:#0w$x})",
                        loc_name(loc),
                        part.format_part(part.of(whole)),
                        w = digits + 2
                    )
                } else {
                    format!("read of {} ({place} of a split value)", loc_name(loc))
                }
            }
        }
    }
}

/// A readable name for a location in messages.
pub fn loc_name(loc: Loc) -> String {
    if loc.is_unresolved() {
        format!("@{:x}", loc.0 & !Loc::UNRESOLVED)
    } else if loc.0 & Loc::CELL != 0 {
        format!("#c{}", loc.0 & !Loc::CELL)
    } else {
        format!("#{}", loc.0)
    }
}

impl Op {
    /// The locations this operation touches, in the order of the events it creates.
    pub fn locations(&self) -> [Option<Loc>; 2] {
        match *self {
            Op::Load { loc, .. }
            | Op::Store { loc, .. }
            | Op::Rmw { loc, .. }
            | Op::CompareExchange { loc, .. }
            | Op::SplitAccess { loc, .. } => [Some(loc), None],
            Op::Lock(l) | Op::TryLock(l) | Op::Unlock(l) => [Some(l), None],
            Op::CondWait { cv, mutex } => [Some(cv), Some(mutex)],
            Op::CondWake { cv, .. } | Op::Notify { cv, .. } => [Some(cv), None],
            Op::Fence(_)
            | Op::Spawn
            | Op::Join(_)
            | Op::Yield
            | Op::CellAccess { .. }
            | Op::ShapedCellAccess { .. } => [None, None],
        }
    }

    /// The same operation with its locations replaced (in [`Op::locations`] order).
    pub fn with_locations(mut self, locs: [Option<Loc>; 2]) -> Op {
        self.set_locations(locs);
        self
    }

    /// Replaces the operation's locations (in [`Op::locations`] order).
    pub fn set_locations(&mut self, locs: [Option<Loc>; 2]) {
        let first = locs[0];
        match self {
            Op::Load { loc, .. }
            | Op::Store { loc, .. }
            | Op::Rmw { loc, .. }
            | Op::CompareExchange { loc, .. }
            | Op::SplitAccess { loc, .. }
            | Op::Lock(loc)
            | Op::TryLock(loc)
            | Op::Unlock(loc)
            | Op::CondWake { cv: loc, .. }
            | Op::Notify { cv: loc, .. } => {
                if let Some(l) = first {
                    *loc = l;
                }
            }
            Op::CondWait { cv, mutex } => {
                if let Some(l) = first {
                    *cv = l;
                }
                if let Some(l) = locs[1] {
                    *mutex = l;
                }
            }
            Op::Fence(_)
            | Op::Spawn
            | Op::Join(_)
            | Op::Yield
            | Op::CellAccess { .. }
            | Op::ShapedCellAccess { .. } => {}
        }
    }
}

/// What the engine answers to an [`Op`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OpResult {
    /// Nothing to report.
    Unit,
    /// The value read (loads, fetch-and-op, swap).
    Value(Value),
    /// The outcome of a compare-and-exchange: the value read, and whether it stored.
    Cas {
        /// The value read.
        value: Value,
        /// Whether the exchange happened.
        ok: bool,
    },
    /// A yes/no answer (try_lock).
    Bool(bool),
    /// The new thread's id.
    Spawned(ThreadId),
    /// A wait returned: `true` if it was notified, `false` on a spurious wake-up.
    Woken(bool),
}

/// An operation and the place in the program that asked for it. One value, so that each move of
/// it between the program, the thread's pending state and the trace is one block copy: moved as
/// two values, the second was read across the copy's block boundaries and stalled on store
/// forwarding at every operation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct OpAt {
    /// The operation.
    pub op: Op,
    /// Where it was asked for.
    pub span: SourceSpan,
}

/// What a thread says when it stops running: it wants an operation, it ended, or it panicked.
#[derive(Clone, Debug)]
pub enum Request {
    /// Perform this operation.
    Op(OpAt),
    /// The thread returned.
    Finished,
    /// The thread panicked (or failed an assertion).
    Panicked {
        /// The panic message.
        message: String,
        /// Where it panicked, if known.
        span: Option<SourceSpan>,
    },
    /// The thread ended with a panic that joining it returns, as `std::thread::JoinHandle::join`
    /// does: a finding only when no thread joins it before the execution ends (or when a thread
    /// that joined it panics in turn, which the report then traces back to it).
    PanickedJoinable {
        /// The panic message.
        message: String,
        /// Where it panicked, if known.
        span: Option<SourceSpan>,
    },
}

impl Request {
    /// A request to perform `op`, asked for at `span`.
    pub fn op(op: Op, span: SourceSpan) -> Request {
        Request::Op(OpAt { op, span })
    }
}

/// A program the engine can run again and again: the runtime's coroutines, the litmus interpreter
/// and the test-suite's naive programs all implement it.
pub trait Program {
    /// Start a fresh execution from the beginning; answers the main thread's first request.
    fn start(&mut self) -> Request;
    /// Give `thread` the result of its pending operation and run it to its next request. A newly
    /// spawned thread is resumed first with [`OpResult::Unit`].
    fn resume(&mut self, thread: ThreadId, result: OpResult) -> Request;
    /// Abandon the current execution: suspended threads are torn down.
    fn abort(&mut self);
    /// The engine numbered the object at `address` (see [`Loc::unresolved`]) as `loc` for the rest
    /// of this execution.
    fn resolved(&mut self, address: Loc, loc: Loc) {
        let _ = (address, loc);
    }
    /// A thread's name, for reports.
    fn thread_name(&self, thread: ThreadId) -> Option<String> {
        let _ = thread;
        None
    }
    /// Where the object numbered `loc` in the current execution was built: its identity
    /// across executions (lockdep's lock class), if the producer knows it.
    fn class_of(&self, loc: Loc) -> Option<SourceSpan> {
        let _ = loc;
        None
    }
    /// A benign race ([`FindingKind::is_benign`](crate::detect::FindingKind::is_benign)) in the
    /// current execution, with the execution so far: the execution goes on. Sent at most once
    /// per class and place in an exploration. A lossy-counter classification can be overturned
    /// later in the same execution (the counter is then decremented): the engine reports that
    /// as a data race at the same place, which supersedes this report.
    fn benign_race(&mut self, report: crate::report::Report) {
        let _ = report;
    }
}
