//! Torn reads: a plain value that memory reads and writes in parts (a misaligned field, a value
//! wider than the machine word) can be read half from one write and half from another, so the
//! reader sees a value no thread wrote. This is the hazard of seed 004 (the Corensic blog's
//! "non-serializable single instructions": a packed `int owner` straddling an alignment
//! boundary), after the processor-level view of a data race in that post and in Boehm's "How to
//! miscompile programs with benign data races" (HotPar 2011), which names tearing among the ways
//! a racy read can return a value never written.
//!
//! The producer performs each access as [`Op::SplitAccess`](crate::event::Op::SplitAccess)
//! parts, back to back. Each part is a non-atomic read or write of its own location in the
//! graph, so exploration lets parts of other accesses fall between them and lets each read part
//! read any write the memory model allows. This detector runs online, at every part:
//!
//! - it groups a thread's parts into one access, remembers each write's whole value, and maps
//!   every part's graph event to the write it belongs to;
//! - when a read's last part is done, it looks at where each part came from (a write, or the
//!   initial value). If the parts come from more than one origin and the value they make is
//!   neither the initial value nor any value written to the location so far in the execution,
//!   the read is **torn**: [`FindingKind::TornRead`], with the value observed, the writes the
//!   parts came from (their threads, sites and whole values) and the interleaving;
//! - it checks the parts for data races with happens-before clocks (FastTrack-style epochs, as
//!   the cell race detector does), and keeps the first race of the execution aside instead of
//!   stopping: the torn read is the race's more specific consequence, so exploration goes on
//!   looking for one. The explorer reports a kept race (as a `data race`) only if the whole
//!   exploration found no bug; with `keep_going`, both are reported.
//!
//! Deviations, and why:
//!
//! - "Written so far" is the execution order of the explored graph: a torn value that some
//!   write makes later in the same execution still counts as torn when it is read, since no
//!   whole write had made it yet. Under SC that order is a real interleaving; under weaker
//!   models it is the order the graph was re-executed in.
//! - Parts of one access are recognised by coming from one thread back to back; producers
//!   perform every access of a location in the same part order (the order is part of the
//!   model, chosen when the location is made), and the location is named by the first part an
//!   access performs.

use super::{Access, Finding, FindingKind};
use crate::clock::{Epoch, VectorClock};
use crate::event::{format_wide, loc_name, Loc, SourceSpan, SplitPart, ThreadId, Value};
use crate::graph::{EventId, Source};
use rustc_hash::FxHashMap;

/// One part of a split access, as the engine performed it.
#[derive(Clone, Copy, Debug)]
pub struct SplitEvent {
    /// Who.
    pub thread: ThreadId,
    /// The part's location.
    pub loc: Loc,
    /// Which part, and whether it writes.
    pub part: SplitPart,
    /// The part's initial value.
    pub init: Value,
    /// For a write, the whole value written.
    pub whole: u128,
    /// The part's value: the bits written, or the bits read.
    pub value: Value,
    /// The graph event of the part.
    pub event: EventId,
    /// For a read, the write it read from.
    pub source: Source,
    /// Where.
    pub span: SourceSpan,
}

/// Where a read part's bits came from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Origin {
    /// The location's initial value.
    Init,
    /// The whole write at this index of [`TornReadDetector::writes`].
    Write(usize),
    /// A write that is not part of a split access (a producer mixing accesses).
    Unknown,
}

/// One part of a read, once performed.
#[derive(Clone, Copy, Debug)]
struct ReadPart {
    part: SplitPart,
    value: Value,
    init: Value,
    origin: Origin,
}

/// A split access some thread has begun and not finished.
#[derive(Clone, Debug)]
struct OpenAccess {
    /// The location's name: its first part's location.
    cell: Loc,
    write: bool,
    /// The parts done so far, one bit per index.
    done: u32,
    /// For a write, its index in `writes`.
    write_index: usize,
    /// For a read, the parts done so far.
    parts: Vec<ReadPart>,
}

/// A whole write to a split location.
#[derive(Clone, Copy, Debug)]
struct WholeWrite {
    cell: Loc,
    thread: ThreadId,
    span: SourceSpan,
    value: u128,
}

/// One part access as the race check remembers it.
#[derive(Clone, Copy, Debug)]
struct Stamp {
    epoch: Epoch,
    span: SourceSpan,
    part: SplitPart,
    /// For a write, the whole value.
    whole: u128,
}

/// The accesses of one part's location, for the race check.
#[derive(Clone, Debug, Default)]
struct PartHistory {
    last_write: Option<Stamp>,
    reads: Vec<Stamp>,
}

/// The first race on a split location in an execution.
#[derive(Clone, Copy, Debug)]
struct SplitRace {
    cell: Loc,
    earlier: Stamp,
    later: Stamp,
}

/// Finds torn reads of split accesses in one execution (see the module documentation).
#[derive(Clone, Debug, Default)]
pub struct TornReadDetector {
    /// The access each thread is in the middle of, by thread index.
    open: Vec<Option<OpenAccess>>,
    writes: Vec<WholeWrite>,
    /// Each write part's graph event, to the whole write it belongs to.
    write_of: FxHashMap<EventId, usize>,
    /// Each part's location, to the location's name (its first part's location).
    cell_of: FxHashMap<Loc, Loc>,
    /// Each location's parts, by index, for names in reports.
    part_locs: FxHashMap<Loc, Vec<Option<Loc>>>,
    history: FxHashMap<Loc, PartHistory>,
    race: Option<SplitRace>,
}

impl TornReadDetector {
    /// Forgets everything (a new execution begins).
    pub fn clear(&mut self) {
        self.open.clear();
        self.writes.clear();
        self.write_of.clear();
        self.cell_of.clear();
        self.part_locs.clear();
        self.history.clear();
        self.race = None;
    }

    /// Records one part, performed by a thread whose clock before the part was `clock`.
    /// Answers a torn-read finding when the part completes a read that is torn.
    pub fn access(&mut self, e: &SplitEvent, clock: &VectorClock) -> Option<Finding> {
        let t = e.thread.index();
        if self.open.len() <= t {
            self.open.resize(t + 1, None);
        }
        let bit = 1u32 << e.part.index();
        let continues = self.open[t].as_ref().is_some_and(|a| {
            a.write == e.part.is_write()
                && a.done & bit == 0
                && self.cell_of.get(&e.loc).is_none_or(|&c| c == a.cell)
        });
        if !continues {
            let cell = *self.cell_of.get(&e.loc).unwrap_or(&e.loc);
            let write_index = self.writes.len();
            if e.part.is_write() {
                self.writes.push(WholeWrite {
                    cell,
                    thread: e.thread,
                    span: e.span,
                    value: e.whole,
                });
            }
            self.open[t] = Some(OpenAccess {
                cell,
                write: e.part.is_write(),
                done: 0,
                write_index,
                parts: Vec::new(),
            });
        }
        let (cell, write_index) = {
            let access = self.open[t].as_ref().expect("opened above");
            (access.cell, access.write_index)
        };
        if let std::collections::hash_map::Entry::Vacant(slot) = self.cell_of.entry(e.loc) {
            // A part location belongs to one cell for the whole execution: named once.
            slot.insert(cell);
            let names = self.part_locs.entry(cell).or_default();
            if names.len() < usize::from(e.part.count()) {
                names.resize(usize::from(e.part.count()), None);
            }
            names[usize::from(e.part.index())] = Some(e.loc);
        }
        self.check_race(e, cell, clock);
        let access = self.open[t].as_mut().expect("opened above");
        access.done |= bit;
        if e.part.is_write() {
            self.write_of.insert(e.event, write_index);
        } else {
            let origin = match e.source {
                Source::Init => Origin::Init,
                Source::Write(w) => self
                    .write_of
                    .get(&w)
                    .map_or(Origin::Unknown, |&i| Origin::Write(i)),
            };
            access.parts.push(ReadPart {
                part: e.part,
                value: e.value,
                init: e.init,
                origin,
            });
        }
        let complete = access.done.count_ones() == u32::from(e.part.count());
        if !complete {
            return None;
        }
        let access = self.open[t].take().expect("checked above");
        if access.write {
            return None;
        }
        self.torn(e, &access)
    }

    /// The data race kept aside in this execution, as a finding (at most one per execution).
    pub fn take_race(&mut self) -> Option<Finding> {
        let race = self.race.take()?;
        Some(self.race_finding(&race))
    }

    /// Checks a part against the earlier accesses of its location, FastTrack-style, and keeps
    /// the execution's first race.
    fn check_race(&mut self, e: &SplitEvent, cell: Loc, clock: &VectorClock) {
        let now = Stamp {
            epoch: clock.epoch(e.thread),
            span: e.span,
            part: e.part,
            whole: e.whole,
        };
        let history = self.history.entry(e.loc).or_default();
        let races = |s: &Stamp| s.epoch.thread != e.thread && !clock.covers(s.epoch);
        let mut earlier = history.last_write.filter(races);
        if e.part.is_write() {
            earlier = earlier.or_else(|| history.reads.iter().copied().find(races));
            history.reads.clear();
            history.last_write = Some(now);
        } else if let Some(r) = history
            .reads
            .iter_mut()
            .find(|r| r.epoch.thread == e.thread)
        {
            *r = now;
        } else {
            history.reads.push(now);
        }
        if let (None, Some(earlier)) = (self.race, earlier) {
            self.race = Some(SplitRace {
                cell,
                earlier,
                later: now,
            });
        }
    }

    /// The finding for a completed read, if it is torn.
    fn torn(&self, last: &SplitEvent, access: &OpenAccess) -> Option<Finding> {
        let parts = &access.parts;
        let first = parts.first()?;
        if parts.iter().all(|p| p.origin == first.origin)
            || parts.iter().any(|p| p.origin == Origin::Unknown)
        {
            return None;
        }
        let observed = parts.iter().fold(0, |v, p| v | p.part.place(p.value));
        let initial = parts.iter().fold(0, |v, p| v | p.part.place(p.init));
        let written: Vec<&WholeWrite> = self
            .writes
            .iter()
            .filter(|w| w.cell == access.cell)
            .collect();
        if observed == initial || written.iter().any(|w| w.value == observed) {
            return None;
        }
        let (width, signed) = (first.part.width(), first.part.is_signed());
        let show = |v: u128| format_wide(v, width, signed);
        let cell = self.cell_name(access.cell);
        let mut by_index: Vec<&ReadPart> = parts.iter().collect();
        by_index.sort_by_key(|p| p.part.index());
        // The writes the parts came from, in the order of the parts they gave.
        let mut sources: Vec<usize> = Vec::new();
        for p in &by_index {
            if let Origin::Write(i) = p.origin {
                if !sources.contains(&i) {
                    sources.push(i);
                }
            }
        }
        let part_hex = |p: &ReadPart| p.part.format_part(p.value);
        let mut sides: Vec<Access> = sources
            .iter()
            .map(|&i| {
                let w = &self.writes[i];
                let gave: Vec<String> = by_index
                    .iter()
                    .filter(|p| p.origin == Origin::Write(i))
                    .map(|p| format!("{} ({})", p.part.describe_place(), part_hex(p)))
                    .collect();
                Access {
                    thread: w.thread,
                    thread_name: None,
                    operation: format!(
                        "write of {} to split value {cell}: the read took its {}",
                        show(w.value),
                        gave.join(" and ")
                    ),
                    span: Some(w.span),
                }
            })
            .collect();
        sides.push(Access {
            thread: last.thread,
            thread_name: None,
            operation: format!("read of split value {cell} -> {}", show(observed)),
            span: Some(last.span),
        });
        let took: Vec<String> = by_index
            .iter()
            .map(|p| {
                let from = match p.origin {
                    Origin::Write(i) => {
                        let side = sources.iter().position(|&s| s == i).unwrap_or(0) + 1;
                        format!("write ({side})")
                    }
                    _ => format!("the initial value {}", show(initial)),
                };
                format!("{} ({}) from {from}", p.part.describe_place(), part_hex(p))
            })
            .collect();
        let values: Vec<String> = written.iter().map(|w| show(w.value)).collect();
        let mut details = vec![
            format!("the read took {}", took.join(", ")),
            format!(
                "split value {cell} held {} initially, then was written {}; never {}",
                show(initial),
                values.join(", "),
                show(observed)
            ),
        ];
        if self.race.is_some_and(|r| r.cell == access.cell) {
            details.push(format!(
                "the parts of split value {cell} are plain accesses not ordered by \
                 happens-before: a data race, reported as the torn read it causes"
            ));
        }
        Some(Finding {
            kind: FindingKind::TornRead,
            summary: format!(
                "{} read {} from split value {cell}, a value no thread wrote",
                last.thread,
                show(observed)
            ),
            sides,
            details,
            hint: Some(
                "make the value a naturally aligned atomic, read and written in one access, or \
                 order every access of it with one lock"
                    .to_string(),
            ),
        })
    }

    /// "#3/#4": the locations of a split value's parts, lowest bits first.
    fn cell_name(&self, cell: Loc) -> String {
        match self.part_locs.get(&cell) {
            Some(locs) if locs.iter().all(Option::is_some) => locs
                .iter()
                .flatten()
                .map(|&l| loc_name(l))
                .collect::<Vec<_>>()
                .join("/"),
            _ => loc_name(cell),
        }
    }

    fn race_finding(&self, race: &SplitRace) -> Finding {
        let cell = self.cell_name(race.cell);
        let what = |s: &Stamp| if s.part.is_write() { "write" } else { "read" };
        let side = |s: &Stamp| {
            let mut operation = format!(
                "non-atomic {} of {} of split value {cell}",
                what(s),
                s.part.describe_place()
            );
            if s.part.is_write() {
                operation.push_str(&format!(
                    " (writes {})",
                    format_wide(s.whole, s.part.width(), s.part.is_signed())
                ));
            }
            Access {
                thread: s.epoch.thread,
                thread_name: None,
                operation,
                span: Some(s.span),
            }
        };
        Finding {
            kind: FindingKind::DataRace,
            // A write first, whichever ran first (see `Finding::same_place`): reads never race
            // with reads, so the second is a write only if both are.
            summary: format!(
                "non-atomic write and non-atomic {} of split value {cell} are not ordered by \
                 happens-before",
                if race.earlier.part.is_write() && race.later.part.is_write() {
                    "write"
                } else {
                    "read"
                }
            ),
            sides: vec![side(&race.earlier), side(&race.later)],
            details: vec![format!(
                "the parts of split value {cell} are plain accesses, so this race is undefined \
                 behaviour, and a racing read may combine parts of different writes: a `torn \
                 read`, which ravel reports ahead of the race when an explored execution shows \
                 one"
            )],
            hint: Some(
                "order the accesses with a lock, a Release store read by an Acquire load, or \
                 join; or make the value a naturally aligned atomic"
                    .to_string(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPAN: SourceSpan = SourceSpan::UNKNOWN;
    const LOW: Loc = Loc(1);
    const HIGH: Loc = Loc(2);

    /// A u32 split in 16-bit halves: (location, layout) of part `i`.
    fn half(i: u8) -> (Loc, SplitPart) {
        let part = SplitPart::new(i, 2, 16 * i, 16, 32, false).expect("fits");
        ([LOW, HIGH][usize::from(i)], part)
    }

    /// Writes `whole` from thread `t` (graph events `first` and `first + 1`).
    fn write(d: &mut TornReadDetector, t: u32, first: u32, whole: u32, clock: &VectorClock) {
        for i in 0..2 {
            let (loc, part) = half(i);
            let e = SplitEvent {
                thread: ThreadId(t),
                loc,
                part: part.writing(),
                init: 0,
                whole: u128::from(whole),
                value: part.of(u128::from(whole)),
                event: EventId::new(ThreadId(t), first + u32::from(i)),
                source: Source::Init,
                span: SPAN,
            };
            assert!(d.access(&e, clock).is_none());
        }
    }

    /// Reads from thread `t`, each half from `sources`; answers the finding.
    fn read(
        d: &mut TornReadDetector,
        t: u32,
        sources: [(Source, u32); 2],
        clock: &VectorClock,
    ) -> Option<Finding> {
        let mut found = None;
        for i in 0..2u8 {
            let (loc, part) = half(i);
            let (source, whole) = sources[usize::from(i)];
            let e = SplitEvent {
                thread: ThreadId(t),
                loc,
                part,
                init: 0,
                whole: 0,
                value: part.of(u128::from(whole)),
                event: EventId::new(ThreadId(t), 10 + u32::from(i)),
                source,
                span: SPAN,
            };
            found = d.access(&e, clock);
            assert!(i == 1 || found.is_none(), "only a complete read is judged");
        }
        found
    }

    fn from(t: u32, index: u32) -> Source {
        Source::Write(EventId::new(ThreadId(t), index))
    }

    #[test]
    fn halves_of_two_writes_are_torn() {
        let mut d = TornReadDetector::default();
        let clock = VectorClock::new();
        write(&mut d, 1, 1, 0x1111_1111, &clock);
        write(&mut d, 2, 1, 0x2222_2222, &clock);
        let f = read(
            &mut d,
            3,
            [(from(1, 1), 0x1111_1111), (from(2, 2), 0x2222_2222)],
            &clock,
        )
        .expect("torn");
        assert_eq!(f.kind, FindingKind::TornRead);
        assert!(f.summary.contains("0x22221111"), "{}", f.summary);
        assert_eq!(f.sides.len(), 3);
        assert_eq!(f.sides[0].thread, ThreadId(1));
        assert_eq!(f.sides[1].thread, ThreadId(2));
    }

    #[test]
    fn a_whole_write_read_whole_is_not_torn() {
        let mut d = TornReadDetector::default();
        let clock = VectorClock::new();
        write(&mut d, 1, 1, 0x1111_1111, &clock);
        let f = read(
            &mut d,
            3,
            [(from(1, 1), 0x1111_1111), (from(1, 2), 0x1111_1111)],
            &clock,
        );
        assert!(f.is_none());
        let f = read(&mut d, 3, [(Source::Init, 0), (Source::Init, 0)], &clock);
        assert!(f.is_none());
    }

    #[test]
    fn a_mix_that_some_write_made_is_not_torn() {
        let mut d = TornReadDetector::default();
        let clock = VectorClock::new();
        write(&mut d, 1, 1, 0x0000_1111, &clock);
        // The low half of thread 1's write with the initial high half: 0x00001111, written.
        let f = read(
            &mut d,
            3,
            [(from(1, 1), 0x0000_1111), (Source::Init, 0)],
            &clock,
        );
        assert!(f.is_none());
    }

    #[test]
    fn races_are_kept_aside_and_ordered_accesses_are_not_races() {
        let mut d = TornReadDetector::default();
        let mut writer = VectorClock::new();
        writer.tick(ThreadId(1));
        write(&mut d, 1, 1, 5, &writer);
        // A reader that has seen the writer's clock (joined it): no race.
        let mut joined = writer.clone();
        joined.tick(ThreadId(2));
        read(&mut d, 2, [(from(1, 1), 5), (from(1, 2), 5)], &joined);
        assert!(d.take_race().is_none());
        // A reader that has not: a race, kept until taken, once.
        let mut unordered = VectorClock::new();
        unordered.tick(ThreadId(3));
        read(&mut d, 3, [(from(1, 1), 5), (from(1, 2), 5)], &unordered);
        let race = d.take_race().expect("race");
        assert_eq!(race.kind, FindingKind::DataRace);
        assert!(
            race.summary.contains("split value #1/#2"),
            "{}",
            race.summary
        );
        assert!(d.take_race().is_none());
    }
}
