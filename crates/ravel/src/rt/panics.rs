//! Capturing panics of model threads: the message and location go into the finding, and nothing
//! is printed for panics ravel catches. Panics elsewhere reach the previous hook unchanged.

use ravel_core::event::SourceSpan;
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::sync::{Mutex, Once};

thread_local! {
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    static LAST: RefCell<Option<(String, Option<SourceSpan>)>> = const { RefCell::new(None) };
}

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
                let previous = LAST.with(|last| last.borrow_mut().replace((message.clone(), span)));
                super::context::on_model_panic(&message, previous.as_ref());
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
    let old = CAPTURING.with(|c| c.replace(true));
    let _restore = Restore(old);
    f()
}

/// The last captured panic.
pub(crate) fn take_last() -> (String, Option<SourceSpan>) {
    LAST.with(|l| l.borrow_mut().take())
        .unwrap_or_else(|| ("panic without a message".to_string(), None))
}
