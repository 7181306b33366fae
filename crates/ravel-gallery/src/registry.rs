//! Every entry, in gallery order.

use crate::entries::*;
use crate::entry::Entry;

static ENTRIES: [Entry; 26] = [
    e01_bank_account::ENTRY,
    e02_volatile_not_atomic::ENTRY,
    e03_loop_may_never_end::ENTRY,
    e03_loop_may_never_end::ENTRY_B,
    e04_badly_ordered::ENTRY,
    e05_class_init_deadlock::ENTRY,
    e06_double_checked_locking::ENTRY,
    e07_safe_construction::ENTRY,
    e08_future_ready_flag::ENTRY,
    e09_roach_motel::ENTRY,
    e10_recursive_mutex::ENTRY,
    e11_misaligned_owner::ENTRY,
    e12_circle::ENTRY,
    e12_circle::ENTRY_B,
    e13_dekker::ENTRY,
    e14_x86_store_buffering::ENTRY,
    e15_spinlock_triangular::ENTRY,
    e15_spinlock_triangular::ENTRY_B,
    e16_bit_fields::ENTRY,
    e17_heap_free_item::ENTRY,
    e18_lossy_counter::ENTRY,
    e19_idempotent_writes::ENTRY,
    e20_owner_42::ENTRY,
    e21_stack_push::ENTRY,
    e22_bcc_histogram::ENTRY,
    e23_lttng_flight_recorder::ENTRY,
];

/// Every entry, in gallery order.
pub fn entries() -> &'static [Entry] {
    &ENTRIES
}

/// The entry with this id ("1", "3b", ...; case-insensitive).
pub fn find(id: &str) -> Option<&'static Entry> {
    ENTRIES
        .iter()
        .find(|e| e.id.eq_ignore_ascii_case(id.trim()))
}
