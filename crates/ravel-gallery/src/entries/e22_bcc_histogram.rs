//! Entry 22: a BCC histogram map read, then cleared, while the kernel updates it (seed 000, Mark
//! Price on the iovisor mailing list, "concurrency considerations around Map.clear()").
//!
//! The original: BCC's `strlen` histogram example. Every call to `strlen()`, in any thread, runs
//! the BPF program, which does `dist.increment(bpf_log2l(len))` on a `BPF_HISTOGRAM`. The Python
//! side prints the histogram, then calls `dist.clear()`:
//! 1. the python program reads data & displays output;
//! 2. some kernel or user thread invokes strlen(), an entry is added to the histogram;
//! 3. the python program calls clear() on the histogram.
//!
//! "My question is whether the value written in (2) will be lost?" It is. The model is the map
//! as BCC builds it: a `BPF_HISTOGRAM` is an array map of `u64` slots indexed by
//! `bpf_log2l(len)`; `increment` is an atomic add on the slot (`lock xadd`); `items()` copies
//! each slot out with `BPF_MAP_LOOKUP_ELEM`; `clear()` zeroes each slot with
//! `BPF_MAP_UPDATE_ELEM`. Two "CPUs" (writer threads) call `strlen` on a couple of strings, the
//! reader prints and clears one interval, and after tracing stops it prints the rest. Every
//! increment must be printed exactly once.
//!
//! Two fixes are verified (both inside the fixed model):
//! - drain with an atomic exchange: the reader swaps each slot with 0 (`xchg`), so an increment
//!   lands either before the swap (and is printed) or after it (and stays for the next interval);
//! - per-CPU maps merged by the reader (`BPF_PERCPU_ARRAY`): each CPU counts in its own copy,
//!   the reader never clears, and it prints the difference between successive sums.
//!
//! Orderings: the slots carry counts and nothing else, so Relaxed everywhere; the final check
//! runs after every thread is joined.

use super::SEED_000;
use crate::entry::{BugClass, Entry, Expect, ModelNeed, Side};
use ravel::cell::UnsafeCell;
use ravel::sync::atomic::{AtomicU64, Ordering::Relaxed};
use ravel::sync::Arc;
use ravel::{thread, FindingKind};

/// The gallery entry.
pub const ENTRY: Entry = Entry {
    id: "22",
    slug: "e22_bcc_histogram",
    title: "BCC histogram: read, then clear()",
    seed: SEED_000,
    class: BugClass::Atomicity,
    model: ModelNeed::Rc11,
    expect: Expect::finding(
        FindingKind::Panic,
        "an increment lands between the reader's copy of a slot and clear(): it is never printed",
    ),
    buggy: Side::ready(buggy),
    fixed: Some(Side::ready(fixed)),
};

/// Histogram slots (`BPF_HISTOGRAM` has 64; three cover the strings below).
const SLOTS: usize = 3;
/// Writer threads, each standing for one CPU.
const CPUS: usize = 2;
/// The strings each CPU measures.
const WORKLOAD: [&[&str]; CPUS] = [&["ab"], &["a", "abc"]];

/// bcc's `bpf_log2l`: the slot of a value in a log2 histogram (0 and 1 share slot 1).
pub fn bpf_log2l(v: u64) -> usize {
    // floor(log2(v)) + 1, with v == 0 treated as 1, as bcc's helpers compute it.
    (64 - v.max(1).leading_zeros()) as usize
}

/// The slot `strlen(s)` lands in, clamped to the model's slots.
fn slot_of(s: &str) -> usize {
    bpf_log2l(s.len() as u64).min(SLOTS - 1)
}

/// How many increments each slot gets in total.
fn expected_counts() -> [u64; SLOTS] {
    let mut counts = [0; SLOTS];
    for s in WORKLOAD.iter().flat_map(|w| w.iter()) {
        counts[slot_of(s)] += 1;
    }
    counts
}

/// A `BPF_HISTOGRAM`: an array map of `u64` slots in kernel memory.
#[derive(Debug, Default)]
pub struct Histogram {
    slots: [AtomicU64; SLOTS],
}

impl Histogram {
    /// Kernel side, `dist.increment(key)`: `lock xadd` on the slot.
    pub fn increment(&self, key: usize) {
        self.slots[key].fetch_add(1, Relaxed);
    }

    /// User side, `dist.items()`: one `BPF_MAP_LOOKUP_ELEM` copy per slot.
    pub fn items(&self) -> [u64; SLOTS] {
        std::array::from_fn(|k| self.slots[k].load(Relaxed))
    }

    /// User side, `dist.clear()`: for an array map, `BPF_MAP_UPDATE_ELEM` with zero per slot.
    pub fn clear(&self) {
        for slot in &self.slots {
            slot.store(0, Relaxed);
        }
    }

    /// The first fix: read and zero each slot in one atomic exchange.
    pub fn drain(&self) -> [u64; SLOTS] {
        std::array::from_fn(|k| self.slots[k].swap(0, Relaxed))
    }
}

/// A `BPF_PERCPU_ARRAY` histogram: one copy of the slots per CPU.
#[derive(Debug, Default)]
pub struct PerCpuHistogram {
    cpus: [[AtomicU64; SLOTS]; CPUS],
}

impl PerCpuHistogram {
    /// Kernel side on `cpu`: a plain `++` on the CPU's own copy. Only that CPU writes it (BPF
    /// programs do not migrate), so a load and a store suffice; the reader's concurrent copy
    /// is racy but defined, hence Relaxed atomics.
    pub fn increment(&self, cpu: usize, key: usize) {
        let slot = &self.cpus[cpu][key];
        slot.store(slot.load(Relaxed) + 1, Relaxed);
    }

    /// User side: the lookup returns every CPU's copy; the reader sums them.
    pub fn sum(&self) -> [u64; SLOTS] {
        std::array::from_fn(|k| self.cpus.iter().map(|cpu| cpu[k].load(Relaxed)).sum())
    }
}

/// What the user-space reader printed: one interval while tracing, one after it stopped.
type Printed = [[u64; SLOTS]; 2];

/// Spawns the CPUs (each runs `trace` on its strings) and the reader, and checks that every
/// increment was printed exactly once.
fn run<M: Send + Sync + 'static>(
    map: M,
    trace: fn(&M, usize, &str),
    interval: fn(&M) -> [u64; SLOTS],
) {
    let map = Arc::new(map);
    let cpus: Vec<_> = (0..CPUS)
        .map(|cpu| {
            let map = map.clone();
            thread::Builder::new()
                .name(format!("cpu {cpu}: strlen()"))
                .spawn(move || {
                    for s in WORKLOAD[cpu] {
                        trace(&map, cpu, s);
                    }
                })
                .unwrap()
        })
        .collect();
    let reader = {
        let map = map.clone();
        thread::Builder::new()
            .name("python: print, clear".into())
            .spawn(move || interval(&map))
            .unwrap()
    };
    for cpu in cpus {
        cpu.join().unwrap();
    }
    let first = reader.join().unwrap();
    let printed: Printed = [first, interval(&map)];
    let expected = expected_counts();
    for (key, want) in expected.iter().enumerate() {
        let got = printed[0][key] + printed[1][key];
        assert_eq!(
            got, *want,
            "slot {key}: {want} increments, {got} printed ({} + {}): an update was lost",
            printed[0][key], printed[1][key]
        );
    }
}

/// `b["dist"].print_log2_hist(); b["dist"].clear()` racing with the CPUs.
pub fn buggy() {
    run(
        Histogram::default(),
        |map, _cpu, s| map.increment(slot_of(s)),
        |map| {
            let printed = map.items();
            map.clear();
            printed
        },
    );
}

/// Both fixes, one after the other.
pub fn fixed() {
    fixed_drain();
    fixed_per_cpu();
}

/// The reader drains each slot with an atomic exchange.
pub fn fixed_drain() {
    run(
        Histogram::default(),
        |map, _cpu, s| map.increment(slot_of(s)),
        Histogram::drain,
    );
}

/// Per-CPU maps, never cleared; the reader prints the difference between successive sums.
pub fn fixed_per_cpu() {
    run(
        PerCpuSession::default(),
        |session, cpu, s| session.map.increment(cpu, slot_of(s)),
        PerCpuSession::interval,
    );
}

/// The per-CPU map and the reader's memory of the last sums it printed.
#[derive(Debug, Default)]
struct PerCpuSession {
    map: PerCpuHistogram,
    /// Only the reader touches this, then the main thread once the reader is joined.
    last_sums: UnsafeCell<[u64; SLOTS]>,
}

impl PerCpuSession {
    /// Prints this interval: the sums now, minus the sums printed last time.
    fn interval(&self) -> [u64; SLOTS] {
        let now = self.map.sum();
        // SAFETY: the reader's private state; ravel checks the accesses for races.
        let last = self.last_sums.with(|p| unsafe { *p });
        let delta = std::array::from_fn(|k| {
            assert!(
                now[k] >= last[k],
                "slot {k}: a per-CPU count went backwards"
            );
            now[k] - last[k]
        });
        // SAFETY: as above.
        self.last_sums.with_mut(|p| unsafe { *p = now });
        delta
    }
}
