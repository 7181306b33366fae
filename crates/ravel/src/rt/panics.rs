//! Capturing panics of model threads: the message and location go into the finding, and nothing
//! is printed for panics ravel catches. Panics elsewhere reach the previous hook unchanged.

use ravel_core::event::SourceSpan;
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::sync::{Mutex, Once};

thread_local! {
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    static LAST: RefCell<Option<(String, Option<SourceSpan>)>> = const { RefCell::new(None) };
    /// The panic captured before [`LAST`]: when Rust gives up on a panic that escaped a
    /// destructor during unwinding, `LAST` is Rust's own message and this is the destructor's.
    static BEFORE_LAST: RefCell<Option<(String, Option<SourceSpan>)>> = const { RefCell::new(None) };
}

/// The messages with which Rust aborts when a panic cannot unwind further.
const CANNOT_UNWIND: [&str; 2] = [
    "panic in a destructor during cleanup",
    "panic in a function that cannot unwind",
];

static INSTALL: Once = Once::new();

/// File names are interned so spans can hold `&'static str`.
static FILES: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);

fn intern(file: &str) -> &'static str {
    let mut files = FILES.lock().unwrap_or_else(|e| e.into_inner());
    let set = files.get_or_insert_with(HashSet::new);
    if let Some(&f) = set.get(file) {
        return f;
    }
    let leaked: &'static str = Box::leak(file.to_string().into_boxed_str());
    set.insert(leaked);
    leaked
}

/// Installs the hook once per process.
pub(crate) fn install() {
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CAPTURING.with(|c| c.get()) {
                let message = if let Some(s) = info.payload().downcast_ref::<&str>() {
                    s.to_string()
                } else if let Some(s) = info.payload().downcast_ref::<String>() {
                    s.clone()
                } else {
                    "non-string panic payload".to_string()
                };
                let span = info.location().map(|l| SourceSpan {
                    file: intern(l.file()),
                    line: l.line(),
                    column: l.column(),
                });
                let cannot_unwind = CANNOT_UNWIND.contains(&message.as_str());
                let previous = LAST.with(|last| last.borrow_mut().replace((message.clone(), span)));
                if !cannot_unwind {
                    super::context::on_model_panic(&message, span);
                } else if !super::trap::SUPPORTED {
                    super::context::on_abort(previous.as_ref());
                }
                BEFORE_LAST.with(|before| *before.borrow_mut() = previous);
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f` with panics captured instead of printed.
pub(crate) fn capturing<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            CAPTURING.with(|c| c.set(self.0));
        }
    }
    install();
    super::trap::install();
    let old = CAPTURING.with(|c| c.replace(true));
    let _restore = Restore(old);
    f()
}

/// When the last captured panic is Rust giving up on a panic that could not unwind, the panic
/// that could not (the destructor's): what a double panic report names.
pub(crate) fn escaped_destructor() -> Option<(String, Option<SourceSpan>)> {
    let last_cannot_unwind = LAST.with(|l| {
        l.borrow()
            .as_ref()
            .is_some_and(|(m, _)| CANNOT_UNWIND.contains(&m.as_str()))
    });
    if !last_cannot_unwind {
        return None;
    }
    LAST.with(|l| l.borrow_mut().take());
    BEFORE_LAST.with(|b| b.borrow_mut().take())
}

/// The last captured panic.
pub(crate) fn take_last() -> (String, Option<SourceSpan>) {
    LAST.with(|l| l.borrow_mut().take())
        .unwrap_or_else(|| ("panic without a message".to_string(), None))
}
