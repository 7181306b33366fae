//! One module per gallery entry, each naming its seed and what the original said.

pub mod e01_bank_account;
pub mod e02_volatile_not_atomic;
pub mod e03_loop_may_never_end;
pub mod e04_badly_ordered;
pub mod e05_class_init_deadlock;
pub mod e06_double_checked_locking;
pub mod e07_safe_construction;
pub mod e08_future_ready_flag;
pub mod e09_roach_motel;
pub mod e10_recursive_mutex;
pub mod e11_misaligned_owner;
pub mod e12_circle;
pub mod e13_dekker;
pub mod e14_x86_store_buffering;
pub mod e15_spinlock_triangular;
pub mod e16_bit_fields;
pub mod e17_heap_free_item;
pub mod e18_lossy_counter;
pub mod e19_idempotent_writes;
pub mod e20_owner_42;
pub mod e21_stack_push;
pub mod e22_bcc_histogram;
pub mod e23_lttng_flight_recorder;

/// The BCC mailing-list question about `Map.clear()` racing with the histogram's writers.
pub(crate) const SEED_000: &str = "000_47ddde7fd722aa53.txt";
/// Jeremy Manson's Java memory model posts: atomicity, visibility, ordering, class init, DCL.
pub(crate) const SEED_001: &str = "001_179ddb6ccf80a090.txt";
/// Mathieu Desnoyers: LTTng's extra reader sub-buffer for flight-recorder mode.
pub(crate) const SEED_002: &str = "002_7bb30f08c089fbdf.txt";
/// Bartosz Milewski: benign data races the C++ way (recursive mutex, `owner = 42`).
pub(crate) const SEED_003: &str = "003_534f6a33796abc10.txt";
/// The Corensic blog: Circle, x86-TSO, spinlocks, bit-fields, the heap, DataCollider.
pub(crate) const SEED_004: &str = "004_2a8a444ea97ab766.txt";
