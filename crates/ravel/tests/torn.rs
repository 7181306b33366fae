//! Split accesses (`ravel::cell::SplitCell`): a read whose parts come from different writes and
//! make a value no thread wrote is a `torn read`; properly ordered accesses never are, and a
//! race that cannot tear is still reported as a data race.

use ravel::cell::{PartOrder, SplitCell, SplitInteger};
use ravel::sync::{Arc, Mutex};
use ravel::{thread, Builder, FindingKind, MemoryModel, Outcome};

fn kinds(outcome: &Outcome) -> Vec<FindingKind> {
    outcome.findings().iter().map(|f| f.kind()).collect()
}

/// The one finding of `outcome`, which must be a torn read.
fn torn(outcome: &Outcome) -> &ravel::Finding {
    let first = &outcome.findings()[0];
    assert_eq!(first.kind(), FindingKind::TornRead, "{first}");
    first
}

/// A thread writes `value` over a fresh split value (`cell`) while main reads it: the race
/// most of these tests explore.
fn write_while_main_reads<T: SplitInteger + Send + Sync + 'static>(
    builder: Builder,
    cell: fn() -> SplitCell<T>,
    value: T,
) -> Outcome {
    builder.explore(move || {
        let v = Arc::new(cell());
        let w = v.clone();
        let t = thread::spawn(move || w.write(value));
        let _ = v.read();
        t.join().unwrap();
    })
}

#[test]
fn two_writers_and_a_reader_tear() {
    // Main's write happens before both threads, so the initial value is gone: a torn read can
    // only take one half from each write.
    let outcome = Builder::new().explore(|| {
        let v = Arc::new(SplitCell::new(0u32));
        v.write(0x1111_1111);
        let w = v.clone();
        let writer = thread::spawn(move || w.write(0x2222_2222));
        let r = v.clone();
        let reader = thread::spawn(move || {
            let _ = r.read();
        });
        writer.join().unwrap();
        reader.join().unwrap();
    });
    let finding = &torn(&outcome).report().finding;
    assert!(
        finding.summary.contains("0x11112222") || finding.summary.contains("0x22221111"),
        "{finding:?}"
    );
    // The two partial writes (thread, site, whole value), then the read.
    assert_eq!(finding.sides.len(), 3, "{finding:?}");
    let writes: Vec<&str> = finding.sides[..2]
        .iter()
        .map(|s| s.operation.as_str())
        .collect();
    assert!(
        writes.iter().any(|w| w.starts_with("write of 0x11111111")),
        "{writes:?}"
    );
    assert!(
        writes.iter().any(|w| w.starts_with("write of 0x22222222")),
        "{writes:?}"
    );
    assert_ne!(finding.sides[0].thread, finding.sides[1].thread);
    assert_ne!(finding.sides[0].span, finding.sides[1].span);
    assert!(finding.sides.iter().all(|s| s.span.is_some()));
    assert!(finding.sides[2]
        .operation
        .starts_with("read of split value"));
}

#[test]
fn a_write_and_the_initial_value_tear() {
    let outcome = write_while_main_reads(Builder::new(), || SplitCell::new(0u32), 0xaaaa_bbbb);
    let finding = torn(&outcome);
    let f = &finding.report().finding;
    assert!(
        f.summary.contains("0x0000bbbb") || f.summary.contains("0xaaaa0000"),
        "{finding}"
    );
    // One partial write and the read; the other part came from the initial value.
    assert_eq!(f.sides.len(), 2, "{finding}");
    assert!(f.sides[0].operation.contains("0xaaaabbbb"), "{finding}");
    assert!(
        f.details.iter().any(|d| d.contains("the initial value")),
        "{finding}"
    );
    assert!(
        f.details.iter().any(|d| d.contains("data race")),
        "{finding}"
    );
}

#[test]
fn both_tears_are_reachable_under_sc() {
    // Reads and writes both go low part first: a read between the write's parts takes the new
    // low half, a write between the read's parts gives it the new high half.
    let builder = Builder::new()
        .memory_model(MemoryModel::Sc)
        .keep_going(true);
    let outcome = write_while_main_reads(builder, || SplitCell::new(0u32), 0xaaaa_bbbb);
    let summaries: Vec<&str> = outcome
        .findings()
        .iter()
        .filter(|f| f.kind() == FindingKind::TornRead)
        .map(|f| f.report().finding.summary.as_str())
        .collect();
    assert!(
        summaries.iter().any(|s| s.contains("0x0000bbbb")),
        "{summaries:?}"
    );
    assert!(
        summaries.iter().any(|s| s.contains("0xaaaa0000")),
        "{summaries:?}"
    );
}

#[test]
fn high_part_first_tears_too() {
    let outcome = write_while_main_reads(
        Builder::new().memory_model(MemoryModel::Sc),
        || SplitCell::new(0u64).order(PartOrder::HighFirst),
        u64::MAX,
    );
    torn(&outcome);
}

#[test]
fn a_mutex_keeps_reads_whole() {
    let outcome = Builder::new().explore(|| {
        let v = Arc::new((Mutex::new(()), SplitCell::new(0u32)));
        let writers: Vec<_> = [0x1111_1111u32, 0x2222_2222]
            .into_iter()
            .map(|x| {
                let v = v.clone();
                thread::spawn(move || {
                    let _g = v.0.lock().unwrap();
                    v.1.write(x);
                })
            })
            .collect();
        let seen = {
            let _g = v.0.lock().unwrap();
            v.1.read()
        };
        assert!([0, 0x1111_1111, 0x2222_2222].contains(&seen), "{seen:#x}");
        for w in writers {
            w.join().unwrap();
        }
    });
    assert!(outcome.findings().is_empty(), "{:?}", kinds(&outcome));
    assert!(outcome.complete());
    // Three lock orders of three threads.
    assert_eq!(outcome.executions(), 6);
}

#[test]
fn a_write_before_the_spawn_is_read_whole() {
    let outcome = Builder::new().explore(|| {
        let v = Arc::new(SplitCell::new(0u32));
        v.write(0xaaaa_bbbb);
        let r = v.clone();
        let t = thread::spawn(move || assert_eq!(r.read(), 0xaaaa_bbbb));
        t.join().unwrap();
    });
    assert!(outcome.findings().is_empty(), "{:?}", kinds(&outcome));
    assert!(outcome.complete());
}

#[test]
fn wide_values_tear_in_64_bit_halves() {
    let outcome = write_while_main_reads(Builder::new(), || SplitCell::new(0u128), u128::MAX);
    let finding = torn(&outcome);
    let summary = &finding.report().finding.summary;
    let low_half = format!("{:#034x}", u128::from(u64::MAX));
    let high_half = format!("{:#034x}", u128::MAX << 64);
    assert!(
        summary.contains(&low_half) || summary.contains(&high_half),
        "{summary}"
    );
}

#[test]
fn signed_values_print_as_signed() {
    let outcome = write_while_main_reads(Builder::new(), || SplitCell::new(0i16), -1);
    let summary = &torn(&outcome).report().finding.summary;
    assert!(
        summary.contains("0x00ff (255)") || summary.contains("0xff00 (-256)"),
        "{summary}"
    );
}

#[test]
fn a_race_that_cannot_tear_is_a_data_race() {
    // Only the low half ever changes, so every read sees a whole value; the race remains.
    let outcome = Builder::new().explore(|| {
        let v = Arc::new(SplitCell::new(0u32));
        let w = v.clone();
        let t = thread::spawn(move || w.write(7));
        assert!([0, 7].contains(&v.read()));
        t.join().unwrap();
    });
    assert_eq!(kinds(&outcome), [FindingKind::DataRace]);
    assert!(
        outcome.complete(),
        "the whole search ran looking for a torn read"
    );
    let finding = &outcome.findings()[0];
    assert!(
        finding.report().finding.summary.contains("split value"),
        "{finding}"
    );
}

#[test]
fn keep_going_reports_the_torn_read_and_the_race() {
    let builder = Builder::new().keep_going(true);
    let outcome = write_while_main_reads(builder, || SplitCell::new(0u32), 0xaaaa_bbbb);
    let kinds = kinds(&outcome);
    assert!(kinds.contains(&FindingKind::TornRead), "{kinds:?}");
    assert!(kinds.contains(&FindingKind::DataRace), "{kinds:?}");
}

#[test]
fn the_torn_read_wins_over_a_later_panic() {
    // The reader acts on the torn value; the torn read is reported, not the assertion.
    let outcome = Builder::new().explore(|| {
        let v = Arc::new(SplitCell::new(0u32));
        let w = v.clone();
        let t = thread::spawn(move || w.write(0xaaaa_bbbb));
        let seen = v.read();
        assert!(seen == 0 || seen == 0xaaaa_bbbb, "torn: {seen:#x}");
        t.join().unwrap();
    });
    torn(&outcome);
}

#[test]
fn the_same_torn_read_on_several_workers() {
    let model = || {
        let v = Arc::new(SplitCell::new(0u32));
        let writers: Vec<_> = [0x1111_1111u32, 0x2222_2222]
            .into_iter()
            .map(|x| {
                let v = v.clone();
                thread::spawn(move || v.write(x))
            })
            .collect();
        let _ = v.read();
        for w in writers {
            w.join().unwrap();
        }
    };
    let one = Builder::new().workers(1).explore(model);
    let two = Builder::new().workers(2).explore(model);
    let (a, b) = (torn(&one).report(), torn(&two).report());
    assert_eq!(a.finding, b.finding);
    assert_eq!(a.token, b.token);
}

#[test]
fn splits_that_do_not_fit_are_refused() {
    assert!(SplitCell::<u32>::split_at_checked(0, 0).is_none());
    assert!(SplitCell::<u32>::split_at_checked(0, 4).is_none());
    assert!(
        SplitCell::<u128>::split_at_checked(0, 4).is_none(),
        "a 12-byte part"
    );
    assert!(SplitCell::<u128>::split_at_checked(0, 8).is_some());
    assert!(SplitCell::<u32>::split_at_checked(0, 3).is_some());
    let refused = std::panic::catch_unwind(|| SplitCell::<u16>::split_at(0, 2));
    assert!(refused.is_err());
}

#[test]
fn a_race_kept_for_the_end_replays() {
    let model = || {
        let v = Arc::new(SplitCell::new(0u32));
        let w = v.clone();
        let t = thread::spawn(move || w.write(7));
        let _ = v.read();
        t.join().unwrap();
    };
    let found = Builder::new().explore(model);
    let first = &found.findings()[0];
    assert_eq!(first.kind(), FindingKind::DataRace);
    let token = ravel_core::explore::ReplayToken::decode(first.replay_token()).unwrap();
    let again = Builder::new()
        .strategy(ravel::Strategy::Replay(token))
        .explore(model);
    assert_eq!(again.executions(), 1);
    let replayed = &again.findings()[0];
    assert_eq!(replayed.report().finding, first.report().finding);
}

/// A `const` constructor: usable in statics (its values live in the model, not in the object).
static PACKED: SplitCell<u32> = SplitCell::split_at(0, 3);

#[test]
fn a_static_split_cell_tears() {
    let outcome = Builder::new().explore(|| {
        let t = thread::spawn(|| PACKED.write(0x0200_0001));
        let _ = PACKED.read();
        t.join().unwrap();
    });
    let summary = &torn(&outcome).report().finding.summary;
    assert!(
        summary.contains("0x02000000") || summary.contains("0x00000001"),
        "{summary}"
    );
}
