//! Benign races: which data races are usually meant, after Erickson, Musuvathi, Burckhardt and
//! Olynyk, "Effective Data-Race Detection for the Kernel" (DataCollider, OSDI 2010), which found
//! that most races in a well-tested kernel are benign and de-emphasised them with a few
//! heuristics instead of hiding them. Narayanasamy et al., "Automatically Classifying Benign and
//! Harmful Data Races Using Replay Analysis" (PLDI 2007), classify by replaying both orders of a
//! race and comparing the states; ravel explores both orders anyway, so assertions judge the
//! effect, and this module only names the intent.
//!
//! A benign race is still reported, as a [`FindingKind::BenignRace`] of low severity; the
//! execution goes on, and the race does not fail a check unless configured to. The classes
//! (DataCollider's table, as seed 004 summarises it):
//!
//! - **Lossy counter**: every write to the location so far stores more than its thread last
//!   read or wrote there ("they are the ones that are always incremented"). A location that is
//!   also written otherwise (decremented: a reference count) is not one, and its race is a data
//!   race; if that write comes after the race was classified, the race is reported again then,
//!   as a data race at the same place, which supersedes the benign report.
//! - **Different bits**: a read of some bits of a word races with a write that changes only
//!   other bits. This is DataCollider's "read and write of different bits" (as opposed to "of the
//!   whole word"): the write stores the whole word back, but the bits the reader looks at keep
//!   their values. Two *writes* of different bits are not benign, whatever the masks: with
//!   plain read-modify-writes each stores the whole word, so one can undo the other (the lost
//!   update of seed 004's heap `region_header` bit-fields). For the same reason the read half
//!   of such a store takes the whole word: its race with a write of other bits is the first
//!   half of that lost update, not a benign read. Bits that hardware writes
//!   separately (byte stores, atomic bit operations) are separate locations or atomics in a
//!   model, and never race here.
//! - **Declared racy**: the location is racy by design (`ravel::cell::RacyCell`), like the
//!   kernel variables DataCollider hard-codes (the current time).
//! - **Idempotent writes** (two racing writes of the same value) are *not* benign: DataCollider
//!   keeps reporting them "because more often than not they led to the uncovering of
//!   concurrency bugs". The data race report says the writes were idempotent.
//!
//! Deviations, and why:
//!
//! - DataCollider sees machine values and instructions. ravel sees values only where the
//!   producer shows them ([`CellShape`]: `ravel::cell::UnsafeCell::read`/`write` on integers);
//!   `with`/`with_mut` closures are opaque, so their races are always data races.
//! - DataCollider infers bit masks from the surrounding code; ravel takes them from the access
//!   (`read_bits`/`write_bits`), which stores only the bits of its mask by construction.
//! - "Always incremented" is judged within one execution, up to the race and after it until the
//!   execution ends, not over a whole run of the system; an increment compares the value
//!   written with the one its thread last saw in the cell, as unsigned integers.
//! - DataCollider prunes double-checked locking by hand; ravel has no class for it.

use super::race::{CellEvent, Stamp};
use super::{BenignClass, FindingKind};
use crate::event::{CellShape, SourceSpan, ThreadId, Value};

/// A write that is not an increment (or whose values ravel cannot see).
#[derive(Clone, Copy, Debug)]
pub(super) struct OtherWrite {
    thread: ThreadId,
    span: SourceSpan,
    /// What its thread last saw in the cell.
    saw: Option<Value>,
    /// What it stores.
    stores: Option<Value>,
    /// It changes only some bits (a bit-field store is never an increment).
    bits: bool,
}

/// What the values of one cell did in this execution.
#[derive(Clone, Debug, Default)]
pub(super) struct CellValues {
    /// The value of the last write performed, if known (meaningful when `written_at > 0`).
    content: Option<Value>,
    /// The step of the last write performed; 0 when there was none.
    written_at: u64,
    /// What each thread last read or wrote, where known.
    seen: Vec<(ThreadId, Value)>,
    /// Writes that stored more than their thread had seen.
    increments: u32,
    /// The first write that did not.
    other: Option<OtherWrite>,
    /// The first race classified as a lossy counter, reported again as a data race if a write
    /// other than an increment follows.
    pub(super) lossy: Option<(Stamp, Stamp)>,
}

/// What an access did to the values.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Performed {
    /// The value it read or wrote, when known.
    pub value: Option<Value>,
    /// A write that is not an increment.
    pub other: Option<OtherWrite>,
}

impl CellValues {
    /// Follows one access: the value it reads or writes, and whether a write is an increment.
    pub(super) fn perform(&mut self, e: &CellEvent) -> Performed {
        // The cell's value now: the last write's, if one was performed in this execution; a
        // value seen when a read was asked for still holds unless a write came since.
        let written = if self.written_at > 0 {
            self.content
        } else {
            None
        };
        let slot = self.seen.iter().position(|&(t, _)| t == e.thread);
        if !e.write {
            let value = match e.shape.value() {
                Some(v) if self.written_at <= e.asked => Some(v),
                _ => written,
            };
            self.remember(slot, e.thread, value);
            return Performed { value, other: None };
        }
        let new = e.shape.value();
        let saw = slot.map(|i| self.seen[i].1).or(written);
        let bits = e.shape.mask != CellShape::ALL_BITS;
        let increment = !bits && matches!((new, saw), (Some(n), Some(s)) if n > s);
        let other = if increment {
            self.increments += 1;
            None
        } else {
            let w = OtherWrite {
                thread: e.thread,
                span: e.span,
                saw,
                stores: new,
                bits,
            };
            self.other.get_or_insert(w);
            Some(w)
        };
        self.content = new;
        self.written_at = e.step;
        self.remember(slot, e.thread, new);
        Performed { value: new, other }
    }

    fn remember(&mut self, slot: Option<usize>, t: ThreadId, value: Option<Value>) {
        match (slot, value) {
            (Some(i), Some(v)) => self.seen[i].1 = v,
            (Some(i), None) => {
                self.seen.swap_remove(i);
            }
            (None, Some(v)) => self.seen.push((t, v)),
            (None, None) => {}
        }
    }

    /// Every write so far stored more than its thread had seen.
    fn only_incremented(&self) -> bool {
        self.increments > 0 && self.other.is_none()
    }
}

/// What a data race report says beyond its sides.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Note {
    /// Both writes store this value.
    idempotent: Option<Value>,
    /// Two writes of different bits, each storing the whole word.
    bits_lost: bool,
    /// The read half of a bit-field store races with a write of other bits, which the store
    /// will undo.
    undone: bool,
    /// The cell is incremented, but this write is not an increment.
    not_counter: Option<OtherWrite>,
    /// The race was classified a lossy counter; this later write overturns it.
    overturned: Option<OtherWrite>,
}

impl Note {
    /// The note of a lossy-counter race that `write` shows to be a bug.
    pub(super) fn overturned(write: OtherWrite) -> Note {
        Note {
            overturned: Some(write),
            ..Note::default()
        }
    }
}

/// Classifies a race between `earlier` and `later` (two accesses of one cell, at least one a
/// write, unordered by happens-before).
pub(super) fn classify(earlier: &Stamp, later: &Stamp, values: &CellValues) -> (FindingKind, Note) {
    if earlier.racy || later.racy {
        return (
            FindingKind::BenignRace(BenignClass::DeclaredRacy),
            Note::default(),
        );
    }
    // At least one side writes; this is the other (a write too when both write).
    let read = if earlier.write { later } else { earlier };
    let disjoint = earlier.mask & later.mask == 0;
    // The read half of a bit-field store takes the whole word, to store it back.
    if !read.write && disjoint && !read.rmw {
        return (
            FindingKind::BenignRace(BenignClass::DifferentBits),
            Note::default(),
        );
    }
    if values.only_incremented() {
        return (
            FindingKind::BenignRace(BenignClass::LossyCounter),
            Note::default(),
        );
    }
    let both_write = earlier.write && later.write;
    let idempotent = match (earlier.value, later.value) {
        (Some(a), Some(b)) if both_write && a == b => Some(a),
        _ => None,
    };
    let note = Note {
        idempotent,
        bits_lost: both_write && idempotent.is_none() && disjoint,
        undone: !read.write && read.rmw && disjoint,
        not_counter: values
            .other
            .filter(|o| values.increments > 0 && o.decrements()),
        overturned: None,
    };
    (FindingKind::DataRace, note)
}

impl OtherWrite {
    /// It stores less than its thread saw.
    fn decrements(&self) -> bool {
        !self.bits && matches!((self.saw, self.stores), (Some(s), Some(n)) if n < s)
    }
}

fn other_write(o: &OtherWrite) -> String {
    match (o.saw, o.stores) {
        (Some(saw), Some(stores)) => {
            format!(
                "thread {} stores {stores} after seeing {saw} at {}",
                o.thread, o.span
            )
        }
        _ => format!(
            "thread {} writes it at {} without ravel seeing the values",
            o.thread, o.span
        ),
    }
}

/// The detail lines and the hint of a race report.
pub(super) fn explain(
    kind: FindingKind,
    earlier: &Stamp,
    later: &Stamp,
    note: &Note,
    cell: &str,
) -> (Vec<String>, Option<String>) {
    let (write, read) = if earlier.write {
        (earlier, later)
    } else {
        (later, earlier)
    };
    match kind {
        FindingKind::BenignRace(BenignClass::LossyCounter) => (
            vec![format!(
                "benign: every write to cell {cell} so far stores more than its thread saw \
                 there: a lossy counter, whose races lose increments and nothing else"
            )],
            Some("if every increment must count, make it an atomic and use fetch_add".into()),
        ),
        FindingKind::BenignRace(BenignClass::DifferentBits) => (
            vec![format!(
                "benign: the read looks at bits {:#x} and the write changes only bits {:#x}: the \
                 bits read keep their values",
                read.mask, write.mask
            )],
            Some(
                "two threads writing bits of one word lose updates: give each field its own \
                 location, or use atomic fetch_or/fetch_and"
                    .into(),
            ),
        ),
        FindingKind::BenignRace(BenignClass::DeclaredRacy) => (
            vec![format!(
                "benign: cell {cell} is declared racy by design (a RacyCell)"
            )],
            None,
        ),
        _ => {
            let mut details = Vec::new();
            if let Some(v) = note.idempotent {
                details.push(format!(
                    "both writes store {v}: idempotent writes, reported all the same (as \
                     DataCollider does: racing writes of one value often point at a real bug)"
                ));
            }
            if note.undone {
                details.push(format!(
                    "the read takes the whole word to store bits {:#x} back: the write of bits \
                     {:#x} in between will be undone (a lost update)",
                    read.mask, write.mask
                ));
            }
            if note.bits_lost {
                details.push(format!(
                    "the writes change different bits ({:#x} and {:#x}), but each stores the \
                     whole word: one can undo the other (a lost update)",
                    earlier.mask, later.mask
                ));
            }
            if let Some(o) = &note.not_counter {
                details.push(format!(
                    "not a lossy counter: cell {cell} does not only grow ({}); a value that \
                     also goes down (a reference count, an owner, a flag) makes its races bugs",
                    other_write(o)
                ));
            }
            if let Some(o) = &note.overturned {
                details.push(format!(
                    "this race looked like a lossy counter's, but then {}: cell {cell} is not \
                     only incremented{}, so its races are bugs",
                    other_write(o),
                    if o.decrements() {
                        " (it is decremented: a reference count)"
                    } else {
                        ""
                    }
                ));
            }
            (
                details,
                Some(
                    "order the accesses with a lock, a Release store read by an Acquire load, \
                     or join"
                        .to_string(),
                ),
            )
        }
    }
}
