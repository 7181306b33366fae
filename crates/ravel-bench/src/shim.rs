//! The sync types each checker provides, behind one trait, so a workload is written once.
//!
//! Every method is `#[track_caller]` where the checker records source locations, so ravel's and
//! loom's reports point at the workload rather than at this file.

use std::ops::{Deref, DerefMut};

/// One checker's `thread`, `Arc`, `Mutex` and `AtomicUsize`, all atomics `SeqCst`.
pub trait Tool: 'static {
    /// The checker's name, as printed in tables.
    const NAME: &'static str;

    /// The checker's `Arc`.
    type Arc<T: Send + Sync + 'static>: Clone + Deref<Target = T> + Send + Sync + 'static;
    /// The checker's `Mutex`.
    type Mutex<T: Send + 'static>: Send + Sync + 'static;
    /// The checker's `AtomicUsize`.
    type AtomicUsize: Send + Sync + 'static;
    /// The checker's `JoinHandle`.
    type JoinHandle<T: Send + 'static>;

    /// `Arc::new`.
    fn arc<T: Send + Sync + 'static>(value: T) -> Self::Arc<T>;
    /// `Mutex::new`.
    fn mutex<T: Send + 'static>(value: T) -> Self::Mutex<T>;
    /// `mutex.lock().unwrap()`.
    fn lock<T: Send + 'static>(mutex: &Self::Mutex<T>) -> impl DerefMut<Target = T> + '_;
    /// `AtomicUsize::new`.
    fn atomic(value: usize) -> Self::AtomicUsize;
    /// `load(SeqCst)`.
    fn load(a: &Self::AtomicUsize) -> usize;
    /// `store(v, SeqCst)`.
    fn store(a: &Self::AtomicUsize, v: usize);
    /// `fetch_add(v, SeqCst)`.
    fn fetch_add(a: &Self::AtomicUsize, v: usize) -> usize;
    /// `compare_exchange(current, new, SeqCst, SeqCst)`.
    fn compare_exchange(a: &Self::AtomicUsize, current: usize, new: usize) -> Result<usize, usize>;
    /// `thread::spawn`.
    fn spawn<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static;
    /// `handle.join().unwrap()`.
    fn join<T: Send + 'static>(handle: Self::JoinHandle<T>) -> T;
}

/// Implements [`Tool`] for a checker whose modules are shaped like `std`'s.
macro_rules! std_shaped_tool {
    ($(#[$doc:meta])* $name:ident, $label:literal, $krate:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name;

        impl Tool for $name {
            const NAME: &'static str = $label;

            type Arc<T: Send + Sync + 'static> = $krate::sync::Arc<T>;
            type Mutex<T: Send + 'static> = $krate::sync::Mutex<T>;
            type AtomicUsize = $krate::sync::atomic::AtomicUsize;
            type JoinHandle<T: Send + 'static> = $krate::thread::JoinHandle<T>;

            fn arc<T: Send + Sync + 'static>(value: T) -> Self::Arc<T> {
                $krate::sync::Arc::new(value)
            }

            #[track_caller]
            fn mutex<T: Send + 'static>(value: T) -> Self::Mutex<T> {
                $krate::sync::Mutex::new(value)
            }

            #[track_caller]
            fn lock<T: Send + 'static>(mutex: &Self::Mutex<T>) -> impl DerefMut<Target = T> + '_ {
                mutex.lock().unwrap()
            }

            #[track_caller]
            fn atomic(value: usize) -> Self::AtomicUsize {
                $krate::sync::atomic::AtomicUsize::new(value)
            }

            #[track_caller]
            fn load(a: &Self::AtomicUsize) -> usize {
                a.load($krate::sync::atomic::Ordering::SeqCst)
            }

            #[track_caller]
            fn store(a: &Self::AtomicUsize, v: usize) {
                a.store(v, $krate::sync::atomic::Ordering::SeqCst)
            }

            #[track_caller]
            fn fetch_add(a: &Self::AtomicUsize, v: usize) -> usize {
                a.fetch_add(v, $krate::sync::atomic::Ordering::SeqCst)
            }

            #[track_caller]
            fn compare_exchange(
                a: &Self::AtomicUsize,
                current: usize,
                new: usize,
            ) -> Result<usize, usize> {
                use $krate::sync::atomic::Ordering::SeqCst;
                a.compare_exchange(current, new, SeqCst, SeqCst)
            }

            #[track_caller]
            fn spawn<F, T>(f: F) -> Self::JoinHandle<T>
            where
                F: FnOnce() -> T + Send + 'static,
                T: Send + 'static,
            {
                $krate::thread::spawn(f)
            }

            #[track_caller]
            fn join<T: Send + 'static>(handle: Self::JoinHandle<T>) -> T {
                handle.join().unwrap()
            }
        }
    };
}

std_shaped_tool!(
    /// ravel's `thread` and `sync`.
    Ravel,
    "ravel",
    ravel
);
std_shaped_tool!(
    /// loom 0.7's `thread` and `sync`.
    Loom,
    "loom",
    loom
);
std_shaped_tool!(
    /// shuttle 0.9's `thread` and `sync`.
    Shuttle,
    "shuttle",
    shuttle
);
