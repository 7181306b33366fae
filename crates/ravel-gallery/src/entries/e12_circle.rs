//! Entry 12: Circle (seed 004, the Corensic blog, "Toy Example").
//!
//! The original:
//! ```c++
//! class Circle {
//!    std::mutex mutex;
//!    double r; // radius
//!    double c; // circumference
//!    void SetRadius(double radius) { lock; r = radius; }
//!    void UpdateCircumference() { lock; c = 2 * PI * r; }
//!    double GetArea() { lock; double area = 0.5 * c * r; return area; }
//! };
//! // thread A: circle.SetRadius(2); circle.UpdateCircumference();
//! // thread B: area = circle.GetArea();
//! //           assert(area == PI * circle.GetRadius() * circle.GetRadius());
//! ```
//! Every access holds the lock, yet if B's `GetArea` runs between A's two calls it combines the
//! new radius with the old circumference: an atomicity violation, found in "about 10 days of
//! testing" at one call per second. The post also asks: "did you notice that this assertion has
//! a concurrency bug of its own?" `GetRadius` takes the lock again, so it can see a radius newer
//! than the one `GetArea` used.
//!
//! The fix makes the update one critical section and reads area and radius in one critical
//! section too.
//!
//! Entry 12b is the same model without the assertion: nothing panics, and ravel's atomicity
//! detector reports `GetArea`'s critical section falling between `SetRadius` and
//! `UpdateCircumference`, the second of which re-reads the radius the first wrote (one update
//! split in two critical sections), with A's two writes and B's two reads as its sides.

use super::SEED_004;
use crate::entry::{BugClass, Entry, Expect, ModelNeed, Side};
use ravel::cell::UnsafeCell;
use ravel::sync::{Arc, Mutex};
use ravel::{thread, FindingKind};
use std::f64::consts::PI;

/// The gallery entry.
pub const ENTRY: Entry = Entry {
    id: "12",
    slug: "e12_circle",
    title: "Circle",
    seed: SEED_004,
    class: BugClass::Atomicity,
    model: ModelNeed::Sc,
    expect: Expect::finding(
        FindingKind::Panic,
        "GetArea runs between SetRadius and UpdateCircumference: area != PI * r * r",
    ),
    buggy: Side::ready(buggy),
    fixed: Some(Side::ready(fixed)),
};

/// Entry 12b: Circle without the assertion, caught as an atomicity violation.
pub const ENTRY_B: Entry = Entry {
    id: "12b",
    slug: "e12b_circle_unchecked",
    title: "Circle, no assertion",
    seed: SEED_004,
    class: BugClass::Atomicity,
    model: ModelNeed::Sc,
    expect: Expect {
        kind: FindingKind::AtomicityViolation,
        mentions: &["in one critical section", "new", "old"],
        shows: "GetArea's critical section falls between SetRadius and UpdateCircumference: it \
                reads the new radius with the old circumference",
    },
    buggy: Side::ready(buggy_unchecked),
    fixed: Some(Side::ready(fixed_unchecked)),
};

/// The seed's class: a mutex and two plain fields it guards.
#[derive(Debug)]
pub struct Circle {
    mutex: Mutex<()>,
    r: UnsafeCell<f64>,
    c: UnsafeCell<f64>,
}

impl Circle {
    /// `Circle(double radius) : r(radius), c(2 * PI * r) {}`.
    pub fn new(radius: f64) -> Circle {
        Circle {
            mutex: Mutex::new(()),
            r: UnsafeCell::new(radius),
            c: UnsafeCell::new(2.0 * PI * radius),
        }
    }

    /// Reads `r`; callers hold the mutex.
    fn r(&self) -> f64 {
        // SAFETY: a plain read under `mutex`; ravel checks it for races.
        self.r.with(|p| unsafe { *p })
    }

    /// Reads `c`; callers hold the mutex.
    fn c(&self) -> f64 {
        // SAFETY: as for `r`.
        self.c.with(|p| unsafe { *p })
    }

    /// `void SetRadius(double radius)`.
    pub fn set_radius(&self, radius: f64) {
        let _lock = self.mutex.lock().unwrap();
        // SAFETY: a plain write under `mutex`.
        self.r.with_mut(|p| unsafe { *p = radius });
    }

    /// `void UpdateCircumference()`.
    pub fn update_circumference(&self) {
        let _lock = self.mutex.lock().unwrap();
        let c = 2.0 * PI * self.r();
        // SAFETY: a plain write under `mutex`.
        self.c.with_mut(|p| unsafe { *p = c });
    }

    /// `double GetArea()`.
    pub fn get_area(&self) -> f64 {
        let _lock = self.mutex.lock().unwrap();
        0.5 * self.c() * self.r()
    }

    /// `double GetRadius()`.
    pub fn get_radius(&self) -> f64 {
        let _lock = self.mutex.lock().unwrap();
        self.r()
    }

    /// The fix: the radius and the circumference change in one critical section.
    pub fn set_radius_atomically(&self, radius: f64) {
        let _lock = self.mutex.lock().unwrap();
        // SAFETY: plain writes under `mutex`.
        self.r.with_mut(|p| unsafe { *p = radius });
        self.c.with_mut(|p| unsafe { *p = 2.0 * PI * radius });
    }

    /// The fix for the assertion: the area and the radius it was computed from, together.
    pub fn area_and_radius(&self) -> (f64, f64) {
        let _lock = self.mutex.lock().unwrap();
        (0.5 * self.c() * self.r(), self.r())
    }
}

fn check(area: f64, radius: f64) {
    assert!(
        (area - PI * radius * radius).abs() < 1e-9,
        "area {area} != PI * r * r for r = {radius}"
    );
}

/// Thread A (`a_name`) updates the circle while thread B (`b_name`) reads it; both joined.
fn a_and_b(
    a_name: &str,
    a: impl FnOnce(&Circle) + 'static,
    b_name: &str,
    b: impl FnOnce(&Circle) + 'static,
) {
    let circle = Arc::new(Circle::new(1.0));
    let on_circle = |name: &str, f: Box<dyn FnOnce(&Circle)>| {
        let circle = circle.clone();
        thread::Builder::new()
            .name(name.into())
            .spawn(move || f(&circle))
            .unwrap()
    };
    let a = on_circle(a_name, Box::new(a));
    let b = on_circle(b_name, Box::new(b));
    a.join().unwrap();
    b.join().unwrap();
}

const SET_IN_TWO_STEPS: &str = "A: SetRadius(2); UpdateCircumference()";
const SET_AT_ONCE: &str = "A: SetRadius(2)";
const GET_AREA: &str = "B: GetArea()";

fn set_in_two_steps(circle: &Circle) {
    circle.set_radius(2.0);
    circle.update_circumference();
}

fn set_at_once(circle: &Circle) {
    circle.set_radius_atomically(2.0);
}

/// Thread A updates the radius in two steps; thread B checks the area.
pub fn buggy() {
    a_and_b(SET_IN_TWO_STEPS, set_in_two_steps, GET_AREA, |circle| {
        let area = circle.get_area();
        check(area, circle.get_radius());
    });
}

/// One critical section for the update, one for the check.
pub fn fixed() {
    a_and_b(SET_AT_ONCE, set_at_once, GET_AREA, |circle| {
        let (area, radius) = circle.area_and_radius();
        check(area, radius);
    });
}

/// Thread A updates the radius in two steps; thread B computes the area and checks nothing.
pub fn buggy_unchecked() {
    a_and_b(SET_IN_TWO_STEPS, set_in_two_steps, GET_AREA, |circle| {
        let _area = circle.get_area();
    });
}

/// One critical section for the update, none of the checks.
pub fn fixed_unchecked() {
    a_and_b(SET_AT_ONCE, set_at_once, GET_AREA, |circle| {
        let _area = circle.get_area();
    });
}
