//! Entry 23: LTTng's flight recorder with an extra reader sub-buffer (seed 002, Mathieu
//! Desnoyers, "LTTng 0.146, adds extra read-side sub-buffer for flight recorder").
//!
//! The original: in flight-recorder (overwrite) mode, writers wrap around and overwrite old
//! sub-buffers, so a reader could see a sub-buffer a writer is refilling. LTTng 0.146 gives the
//! reader one extra sub-buffer of its own. "I am using an array of pointers (one pointer for each
//! subbuffer), plus a pointer to the reader subbuffer [..] By modifying the top-level subbuffer
//! pointer, we can swap a whole subbuffer in a single operation." When no writer is inside a
//! sub-buffer, its pointer carries `RCHAN_NOREF_FLAG` (0x1). "When the writer needs to access
//! this subbuffer for writing, it clears the flag, and sets it back after committing the last
//! piece of data to it. When the reader figures out that the write-side subbuffer it is trying to
//! exchange has a reference, it fails with -EAGAIN." Space reservation and commit counting are a
//! separate layer, unchanged.
//!
//! The model keeps both layers, after `ltt-relay-lockless.c` and `ltt-relay.h`:
//! - **reservation**: a write `offset` advanced by compare-and-swap; a writer entering a
//!   sub-buffer first checks that the sub-buffer's previous lap was delivered (else the event is
//!   lost, "next subbuffer corrupted"); in overwrite mode it pushes the reader's `consumed`
//!   position past a sub-buffer it is about to overwrite;
//! - **commit**: per sub-buffer, a commit count (`cc`, hot) and a delivered count (`cc_sb`,
//!   cold); the writer whose commit fills a sub-buffer delivers it;
//! - **backend**: `buf_wsb`, the writers' table of sub-buffer pointers ([`SbId`]: a page index
//!   with the NOREF flag, in an atomic word), and `buf_rsb`, the reader's own sub-buffer. A writer
//!   clears NOREF (by CAS) after reserving, looks its pages up through the table, writes, and the
//!   delivering writer sets NOREF again before it publishes `cc_sb`;
//! - **reader**: `get_subbuf` checks that the sub-buffer at `consumed` was delivered and that the
//!   writer's head has left it, then exchanges it with its own sub-buffer by compare-and-swap on
//!   the table entry, failing with `EAGAIN` when NOREF is clear; it reads, then `put_subbuf`
//!   advances `consumed` (finding itself pushed is fine: the pages were exchanged).
//!
//! Two details come from later LTTng (the lib ring buffer), because exhaustive exploration shows
//! the 0.146 protocol needs them (see [`with_protocol`] and the gallery tests): the delivering writer sets NOREF *before*
//! publishing `cc_sb` (otherwise the next lap's writer can clear the flag and have it set again
//! behind its back), and the table entry carries the lap it was delivered for, which the reader
//! compares with the lap it expects (otherwise a reader that read `consumed`, then lost a race
//! with two writers, takes a newer lap's pages, is pushed onto that lap, and later takes its own
//! stale spare sub-buffer as that lap's data).
//!
//! Sizes: two writer sub-buffers of one two-word record each, one reader sub-buffer; two writers
//! (two records and one, so the third record wraps onto sub-buffer 0) and one reader making two
//! attempts. Records carry a
//! sequence number and a checksum; the reader asserts every record it reads is whole and belongs
//! to the sub-buffer it asked for. The buggy model skips the NOREF check, so the reader can take a
//! sub-buffer a writer is filling. Page words are Relaxed atomics: the kernel fills pages with
//! `memcpy` while a reader may be looking, racy but defined; what the protocol must guarantee, and
//! the model checks, is that the reader never sees a partial record.
//!
//! Orderings: the record's words before `cc`, NOREF and `cc_sb` (Release); the reader's checks and
//! its exchange CAS acquire (Acquire/AcqRel), so the words of the sub-buffer it takes are visible
//! to it; a writer's CAS clearing NOREF acquires too, since the pages may come from the reader.

use super::SEED_002;
use crate::entry::{BugClass, Entry, Expect, ModelNeed, Side};
use ravel::cell::UnsafeCell;
use ravel::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use ravel::sync::Arc;
use ravel::{thread, FindingKind};

/// The gallery entry.
pub const ENTRY: Entry = Entry {
    id: "23",
    slug: "e23_lttng_flight_recorder",
    title: "LTTng flight recorder, NOREF flag",
    seed: SEED_002,
    class: BugClass::Atomicity,
    model: ModelNeed::Rc11,
    expect: Expect::finding(
        FindingKind::Panic,
        "without the NOREF check the reader exchanges a sub-buffer a writer is filling and reads \
         a partial record",
    ),
    buggy: Side::ready(buggy),
    fixed: Some(Side::ready(fixed)),
};

/// Writer sub-buffers.
const N_SB: usize = 2;
/// Physical sub-buffers: the writers' and the reader's extra one.
const N_PAGES: usize = N_SB + 1;
/// Words per record (and per sub-buffer: one record each).
const RECORD_WORDS: usize = 2;
/// Records each writer traces in the gallery's models: three records, so the third wraps
/// around onto sub-buffer 0. (Two each, so both writers wrap, explores 103,440 executions in
/// about 5 s in release: see the gallery tests.)
pub const WRITES: [usize; 2] = [2, 1];
/// `get_subbuf` attempts the reader makes.
const READER_ATTEMPTS: usize = 2;

/// `-EAGAIN`: try again later.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Again;

/// Which checks the protocol makes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Protocol {
    /// The reader refuses a sub-buffer whose NOREF flag is clear (false: the bug).
    pub check_noref: bool,
    /// The reader refuses a sub-buffer delivered for another lap than the one it expects
    /// (false: LTTng 0.146).
    pub check_lap: bool,
    /// The delivering writer sets NOREF before publishing `cc_sb` (false: LTTng 0.146, which
    /// publishes first).
    pub noref_before_delivery: bool,
}

/// An event of the fixed protocol that a coverage check asks ravel to reach: the model panics
/// when it happens, so finding the panic proves the fixed model is not vacuously correct.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Probe {
    /// The reader reads a whole record of a sub-buffer that a writer wrapped around to.
    ReadsWrappedRecord,
    /// The reader's exchange fails with `EAGAIN` because a writer holds a reference.
    AgainOnReference,
}

/// A sub-buffer table entry (`chanbuf_sb.pages`; `id` in later LTTng): the page index, the
/// NOREF flag in the low bit, and the lap the sub-buffer was last delivered for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SbId(usize);

impl SbId {
    const NOREF: usize = 0x1;
    const PAGE_SHIFT: u32 = 1;
    const LAP_SHIFT: u32 = 8;

    fn new(page: usize, noref: bool, lap: usize) -> SbId {
        SbId(lap << Self::LAP_SHIFT | page << Self::PAGE_SHIFT | usize::from(noref))
    }

    fn page(self) -> usize {
        (self.0 & ((1 << Self::LAP_SHIFT) - 1)) >> Self::PAGE_SHIFT
    }

    fn is_noref(self) -> bool {
        self.0 & Self::NOREF != 0
    }

    fn lap(self) -> usize {
        self.0 >> Self::LAP_SHIFT
    }

    fn with_noref(self, noref: bool) -> SbId {
        SbId::new(self.page(), noref, self.lap())
    }

    fn with_lap(self, lap: usize) -> SbId {
        SbId::new(self.page(), self.is_noref(), lap)
    }
}

/// The checksum word of a record.
fn checksum(seq: u64) -> u64 {
    seq.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1
}

/// One physical sub-buffer: its pages, reduced to one record's words.
#[derive(Debug, Default)]
struct SubBuffer {
    words: [AtomicU64; RECORD_WORDS],
}

/// Per-sub-buffer commit counters.
#[derive(Debug, Default)]
struct CommitCount {
    /// Records committed, all laps (`cc`).
    hot: AtomicUsize,
    /// Records delivered to the reader, all laps (`cc_sb`).
    cold: AtomicUsize,
}

/// A per-CPU channel buffer in flight-recorder mode.
#[derive(Debug)]
pub struct ChannelBuffer {
    pages: [SubBuffer; N_PAGES],
    /// `buf_wsb[i]`: [`SbId`] bits.
    buf_wsb: [AtomicUsize; N_SB],
    /// `buf_rsb`: the reader's sub-buffer; only the reader touches it.
    buf_rsb: UnsafeCell<SbId>,
    /// The write position, in records, over all laps.
    offset: AtomicUsize,
    /// The read position, in records (sub-buffer aligned).
    consumed: AtomicUsize,
    commit_count: [CommitCount; N_SB],
    events_lost: AtomicUsize,
    /// `WARN_ON_ONCE` hits: a writer found NOREF set on the sub-buffer it was writing.
    warnings: AtomicUsize,
    protocol: Protocol,
    /// The event to report by panicking, for coverage checks.
    probe: Option<Probe>,
}

impl ChannelBuffer {
    /// A buffer as allocated: zeroed. [`ChannelBuffer::init`] sets it up.
    pub fn new(protocol: Protocol, probe: Option<Probe>) -> ChannelBuffer {
        ChannelBuffer {
            pages: Default::default(),
            buf_wsb: Default::default(),
            buf_rsb: UnsafeCell::new(SbId::new(N_SB, true, 0)),
            offset: AtomicUsize::new(0),
            consumed: AtomicUsize::new(0),
            commit_count: Default::default(),
            events_lost: AtomicUsize::new(0),
            warnings: AtomicUsize::new(0),
            protocol,
            probe,
        }
    }

    /// `ltt_chanbuf_alloc_create`: point writer sub-buffer `i` at page `i`, flagged NOREF (the
    /// reader's sub-buffer is the last page). Done with stores before tracing starts, as the
    /// kernel does; this also gives every atomic its first use in the same order in every
    /// execution, which ravel currently needs (an atomic first touched in a different order can
    /// read another one's initial value).
    pub fn init(&self) {
        for (i, table_entry) in self.buf_wsb.iter().enumerate() {
            table_entry.store(SbId::new(i, true, 0).0, Ordering::Relaxed);
        }
    }

    fn table(&self, idx: usize, order: Ordering) -> SbId {
        SbId(self.buf_wsb[idx].load(order))
    }

    /// `ltt_reserve_slot`: claims the next record slot, or `None` when the event is lost.
    fn reserve(&self) -> Option<usize> {
        loop {
            let old = self.offset.load(Ordering::Relaxed);
            let (idx, lap) = (old % N_SB, old / N_SB);
            // Test new buffer integrity: the previous lap of this sub-buffer must have been
            // delivered, or a writer is still in it ("next subbuffer corrupted").
            if self.commit_count[idx].cold.load(Ordering::Acquire) != lap {
                self.events_lost.fetch_add(1, Ordering::Relaxed);
                return None;
            }
            if self
                .offset
                .compare_exchange(old, old + 1, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                return Some(old);
            }
        }
    }

    /// `ltt_reserve_push_reader`: in overwrite mode, move `consumed` past a sub-buffer the
    /// writer at `offset` is about to overwrite.
    fn push_reader(&self, offset: usize) {
        loop {
            let consumed = self.consumed.load(Ordering::Relaxed);
            if offset - consumed < N_SB {
                return;
            }
            if self
                .consumed
                .compare_exchange(consumed, consumed + 1, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
        }
    }

    /// Sets table entry `idx` to `update(current)` by CAS, unless `done(current)`.
    fn update_table(
        &self,
        idx: usize,
        done: impl Fn(SbId) -> bool,
        update: impl Fn(SbId) -> SbId,
        success: Ordering,
    ) {
        let mut current = self.table(idx, Ordering::Acquire);
        while !done(current) {
            match self.buf_wsb[idx].compare_exchange(
                current.0,
                update(current).0,
                success,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(now) => current = SbId(now),
            }
        }
    }

    /// `ltt_clear_noref_flag`: take a reference to sub-buffer `idx`.
    fn clear_noref(&self, idx: usize) {
        self.update_table(
            idx,
            |c| !c.is_noref(),
            |c| c.with_noref(false),
            Ordering::AcqRel,
        );
    }

    /// `ltt_set_noref_flag` (with the lap, as later LTTng's `set_noref_offset`): drop the
    /// reference to a sub-buffer delivered for `lap`.
    fn set_noref(&self, idx: usize, lap: usize) {
        self.update_table(
            idx,
            |c| c.is_noref(),
            |c| c.with_noref(true).with_lap(lap),
            Ordering::Release,
        );
    }

    /// One event: reserve, take a reference, write the record, commit.
    pub fn trace_event(&self) {
        let Some(offset) = self.reserve() else {
            return;
        };
        let (idx, lap) = (offset % N_SB, offset / N_SB);
        self.push_reader(offset);
        self.clear_noref(idx);
        // `_ltt_relay_write`: the pages are looked up through the table at write time.
        let id = self.table(idx, Ordering::Acquire);
        if id.is_noref() {
            // WARN_ON_ONCE(RCHAN_SB_IS_NOREF(rpages)): the kernel warns and writes on.
            self.warnings.fetch_add(1, Ordering::Relaxed);
        }
        let page = &self.pages[id.page()];
        let seq = offset as u64 + 1;
        page.words[0].store(seq, Ordering::Relaxed);
        page.words[1].store(checksum(seq), Ordering::Relaxed);
        // Commit; the writer whose commit fills the sub-buffer delivers it: NOREF first, then
        // `cc_sb`.
        let committed = self.commit_count[idx].hot.fetch_add(1, Ordering::Release) + 1;
        if committed == lap + 1 {
            if self.protocol.noref_before_delivery {
                self.set_noref(idx, lap);
                self.commit_count[idx]
                    .cold
                    .store(lap + 1, Ordering::Release);
            } else {
                self.commit_count[idx]
                    .cold
                    .store(lap + 1, Ordering::Release);
                self.set_noref(idx, lap);
            }
        }
    }

    /// `update_read_sb_index`: exchange writer sub-buffer `idx`, expected to hold `lap`, with the
    /// reader's own.
    fn exchange(&self, idx: usize, lap: usize) -> Result<(), Again> {
        let old = self.table(idx, Ordering::Acquire);
        if self.protocol.check_noref && !old.is_noref() {
            assert_ne!(
                self.probe,
                Some(Probe::AgainOnReference),
                "probe reached: EAGAIN"
            );
            return Err(Again);
        }
        if self.protocol.check_lap && old.lap() != lap {
            return Err(Again);
        }
        // SAFETY: `buf_rsb` is the reader's alone.
        let ours = self.buf_rsb.with(|p| unsafe { *p }).with_lap(lap);
        self.buf_wsb[idx]
            .compare_exchange(old.0, ours.0, Ordering::AcqRel, Ordering::Relaxed)
            .map_err(|_| Again)?;
        // SAFETY: as above. RCHAN_SB_CLEAR_NOREF: the reader now holds a reference.
        self.buf_rsb
            .with_mut(|p| unsafe { *p = old.with_noref(false) });
        Ok(())
    }

    /// `ltt_chanbuf_get_subbuf`: answers the `consumed` position of the sub-buffer now in the
    /// reader's hands.
    fn get_subbuf(&self) -> Result<usize, Again> {
        let consumed = self.consumed.load(Ordering::Acquire);
        let (idx, lap) = (consumed % N_SB, consumed / N_SB);
        // The sub-buffer must have been fully committed and delivered for this lap.
        if self.commit_count[idx].cold.load(Ordering::Acquire) != lap + 1 {
            return Err(Again);
        }
        // The writer's head must not be inside it.
        if self.offset.load(Ordering::Relaxed) == consumed {
            return Err(Again);
        }
        self.exchange(idx, lap)?;
        Ok(consumed)
    }

    /// Reads the reader's sub-buffer and checks the record is whole.
    fn read_subbuf(&self, consumed: usize) {
        // SAFETY: `buf_rsb` is the reader's alone.
        let page = &self.pages[self.buf_rsb.with(|p| unsafe { *p }).page()];
        let seq = page.words[0].load(Ordering::Relaxed);
        let check = page.words[1].load(Ordering::Relaxed);
        assert!(
            seq != 0 && check == checksum(seq),
            "reader sees partially written data in sub-buffer {}: record {seq} with the \
             checksum of another record",
            consumed % N_SB
        );
        assert_eq!(
            (seq as usize - 1) % N_SB,
            consumed % N_SB,
            "the record belongs to another sub-buffer"
        );
        if self.probe == Some(Probe::ReadsWrappedRecord) {
            assert!(
                seq as usize <= N_SB,
                "probe reached: record {seq} read whole"
            );
        }
    }

    /// `ltt_chanbuf_put_subbuf`: give the pages back (flagged) and move past them, unless a
    /// writer pushed us already ("We exchanged the subbuffer pages. No corruption possible").
    fn put_subbuf(&self, consumed: usize) {
        // SAFETY: `buf_rsb` is the reader's alone.
        self.buf_rsb
            .with_mut(|p| unsafe { *p = (*p).with_noref(true) });
        let _pushed = self
            .consumed
            .compare_exchange(consumed, consumed + 1, Ordering::Release, Ordering::Relaxed)
            .is_err();
    }

    /// The consumer daemon: a few rounds of get, read, put.
    pub fn consume(&self) {
        for _ in 0..READER_ATTEMPTS {
            if let Ok(consumed) = self.get_subbuf() {
                self.read_subbuf(consumed);
                self.put_subbuf(consumed);
            }
        }
    }
}

fn run(protocol: Protocol, probe: Option<Probe>, writes: [usize; 2]) {
    let buffer = Arc::new(ChannelBuffer::new(protocol, probe));
    buffer.init();
    let writers: Vec<_> = writes
        .iter()
        .enumerate()
        .map(|(w, &events)| {
            let buffer = buffer.clone();
            thread::Builder::new()
                .name(format!("writer {w}"))
                .spawn(move || {
                    for _ in 0..events {
                        buffer.trace_event();
                    }
                })
                .unwrap()
        })
        .collect();
    let reader = {
        let buffer = buffer.clone();
        thread::Builder::new()
            .name("reader".into())
            .spawn(move || buffer.consume())
            .unwrap()
    };
    for w in writers {
        w.join().unwrap();
    }
    reader.join().unwrap();
    if protocol.check_noref {
        assert_eq!(
            buffer.warnings.load(Ordering::Relaxed),
            0,
            "a writer found NOREF set on the sub-buffer it was writing"
        );
    }
}

/// The complete protocol.
pub const FIXED: Protocol = Protocol {
    check_noref: true,
    check_lap: true,
    noref_before_delivery: true,
};

/// The reader exchanges without looking at NOREF.
pub fn buggy() {
    run(
        Protocol {
            check_noref: false,
            ..FIXED
        },
        None,
        WRITES,
    );
}

/// The flag protocol: the reader gets `EAGAIN` while a writer holds a reference.
pub fn fixed() {
    run(FIXED, None, WRITES);
}

/// The fixed model with a probe: panics when the probed event happens.
pub fn fixed_with_probe(probe: Probe) {
    run(FIXED, Some(probe), WRITES);
}

/// Any protocol and number of records per writer, for the checks of the two details later
/// LTTng added.
pub fn with_protocol(protocol: Protocol, writes: [usize; 2]) {
    run(protocol, None, writes);
}
