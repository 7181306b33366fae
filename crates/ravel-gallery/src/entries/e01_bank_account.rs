//! Entry 1: BrokenBankAccount (seed 001, Jeremy Manson, "Atomicity, Visibility and Ordering").
//!
//! The original: `getBalance()` and `setBalance()` are each `synchronized`, so every access to
//! `balance` holds the lock and the class is free of data races. But `deposit(x)` is
//! `setBalance(getBalance() + x)`, two critical sections, so one thread's `deposit(5)` and
//! another's `withdraw(5)` on a balance of 10 can end at 15: the withdrawal is a lost update.
//! The fix the post gives: make `deposit` and `withdraw` themselves `synchronized`.
//!
//! `synchronized` is the object's monitor, a `Mutex<()>`; `balance` is only ever touched while
//! holding it. It is a Relaxed atomic rather than an `UnsafeCell` so that the report shows the
//! values each thread reads and writes (the lock provides all the ordering; Relaxed adds none
//! and hides nothing).

use super::SEED_001;
use crate::entry::{BugClass, Entry, Expect, ModelNeed, Side};
use ravel::sync::atomic::{AtomicI64, Ordering::Relaxed};
use ravel::sync::{Arc, Mutex};
use ravel::{thread, FindingKind};

/// The gallery entry.
pub const ENTRY: Entry = Entry {
    id: "1",
    slug: "e01_bank_account",
    title: "BrokenBankAccount",
    seed: SEED_001,
    class: BugClass::Atomicity,
    model: ModelNeed::ScAndRc11,
    expect: Expect::finding(
        FindingKind::Panic,
        "the balance assertion fails after a deposit and a withdrawal interleave",
    ),
    buggy: Side::ready(buggy),
    fixed: Some(Side::ready(fixed)),
};

/// The seed's class: every method that touches `balance` locks, but only one access at a time.
#[derive(Debug)]
pub struct BrokenBankAccount {
    monitor: Mutex<()>,
    balance: AtomicI64,
}

impl BrokenBankAccount {
    /// An account holding `balance`.
    pub fn new(balance: i64) -> BrokenBankAccount {
        BrokenBankAccount {
            monitor: Mutex::new(()),
            balance: AtomicI64::new(balance),
        }
    }

    /// `synchronized int getBalance()`.
    pub fn get_balance(&self) -> i64 {
        let _this = self.monitor.lock().unwrap();
        self.balance.load(Relaxed)
    }

    /// `synchronized void setBalance(int x) throws IllegalStateException`.
    pub fn set_balance(&self, x: i64) {
        let _this = self.monitor.lock().unwrap();
        self.balance.store(x, Relaxed);
        if x < 0 {
            panic!("IllegalStateException: Negative Balance");
        }
    }

    /// `void deposit(int x)`: read, then write, in two critical sections.
    pub fn deposit(&self, x: i64) {
        let b = self.get_balance();
        self.set_balance(b + x);
    }

    /// `void withdraw(int x)`: read, then write, in two critical sections.
    pub fn withdraw(&self, x: i64) {
        let b = self.get_balance();
        self.set_balance(b - x);
    }
}

/// The repaired class: `deposit` and `withdraw` are `synchronized` as a whole.
#[derive(Debug)]
pub struct BankAccount {
    monitor: Mutex<()>,
    balance: AtomicI64,
}

impl BankAccount {
    /// An account holding `balance`.
    pub fn new(balance: i64) -> BankAccount {
        BankAccount {
            monitor: Mutex::new(()),
            balance: AtomicI64::new(balance),
        }
    }

    /// `synchronized int getBalance()`.
    pub fn get_balance(&self) -> i64 {
        let _this = self.monitor.lock().unwrap();
        self.balance.load(Relaxed)
    }

    /// `synchronized void deposit(int x)`.
    pub fn deposit(&self, x: i64) {
        let _this = self.monitor.lock().unwrap();
        let b = self.balance.load(Relaxed);
        self.balance.store(b + x, Relaxed);
    }

    /// `synchronized void withdraw(int x)`, still refusing to go negative.
    pub fn withdraw(&self, x: i64) {
        let _this = self.monitor.lock().unwrap();
        let b = self.balance.load(Relaxed);
        if b - x < 0 {
            panic!("IllegalStateException: Negative Balance");
        }
        self.balance.store(b - x, Relaxed);
    }
}

/// One thread deposits 5 and another withdraws 5 from a balance of 10; the balance must end
/// at 10.
pub fn buggy() {
    let account = Arc::new(BrokenBankAccount::new(10));
    let depositor = {
        let account = account.clone();
        thread::Builder::new()
            .name("deposit(5)".into())
            .spawn(move || account.deposit(5))
            .unwrap()
    };
    let withdrawer = {
        let account = account.clone();
        thread::Builder::new()
            .name("withdraw(5)".into())
            .spawn(move || account.withdraw(5))
            .unwrap()
    };
    depositor.join().unwrap();
    withdrawer.join().unwrap();
    let balance = account.get_balance();
    assert_eq!(balance, 10, "lost update: balance is {balance}, not 10");
}

/// The same two threads against the repaired class.
pub fn fixed() {
    let account = Arc::new(BankAccount::new(10));
    let depositor = {
        let account = account.clone();
        thread::Builder::new()
            .name("deposit(5)".into())
            .spawn(move || account.deposit(5))
            .unwrap()
    };
    let withdrawer = {
        let account = account.clone();
        thread::Builder::new()
            .name("withdraw(5)".into())
            .spawn(move || account.withdraw(5))
            .unwrap()
    };
    depositor.join().unwrap();
    withdrawer.join().unwrap();
    assert_eq!(account.get_balance(), 10);
}
