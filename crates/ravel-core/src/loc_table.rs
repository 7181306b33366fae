//! A map from locations to what is known about them, indexed directly by number for the small
//! numbers producers hand out (the runtime numbers objects 0, 1, 2, … in each execution; litmus
//! tests number their variables from 1), and hashed beyond. Exploration looks a location up
//! several times per read and write; hashing was a tenth of the engine's time.

use crate::event::Loc;
use rustc_hash::FxHashMap;

/// Locations numbered below this live in the vector.
const DIRECT: u64 = 1 << 12;

/// Values per location: by number below a few thousand, hashed above.
#[derive(Clone, Debug)]
pub struct LocTable<V> {
    direct: Vec<Option<V>>,
    hashed: FxHashMap<Loc, V>,
}

impl<V> Default for LocTable<V> {
    fn default() -> LocTable<V> {
        LocTable {
            direct: Vec::new(),
            hashed: FxHashMap::default(),
        }
    }
}

impl<V> LocTable<V> {
    fn index(loc: Loc) -> Option<usize> {
        (loc.0 < DIRECT).then_some(loc.0 as usize)
    }

    /// The value of `loc`, if any.
    pub fn get(&self, loc: Loc) -> Option<&V> {
        match LocTable::<V>::index(loc) {
            Some(i) => self.direct.get(i).and_then(Option::as_ref),
            None => self.hashed.get(&loc),
        }
    }

    /// The value of `loc`, if any, to change.
    pub fn get_mut(&mut self, loc: Loc) -> Option<&mut V> {
        match LocTable::<V>::index(loc) {
            Some(i) => self.direct.get_mut(i).and_then(Option::as_mut),
            None => self.hashed.get_mut(&loc),
        }
    }

    /// Whether `loc` has a value.
    pub fn contains(&self, loc: Loc) -> bool {
        self.get(loc).is_some()
    }

    /// The value of `loc`, made by `make` if there is none.
    pub fn get_or_insert_with(&mut self, loc: Loc, make: impl FnOnce() -> V) -> &mut V {
        match LocTable::<V>::index(loc) {
            Some(i) => {
                if self.direct.len() <= i {
                    self.direct.resize_with(i + 1, || None);
                }
                self.direct[i].get_or_insert_with(make)
            }
            None => self.hashed.entry(loc).or_insert_with(make),
        }
    }

    /// Every location with its value: the numbered ones in order, then the hashed ones.
    pub fn iter(&self) -> impl Iterator<Item = (Loc, &V)> {
        let direct = self
            .direct
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.as_ref().map(|v| (Loc(i as u64), v)));
        direct.chain(self.hashed.iter().map(|(&l, v)| (l, v)))
    }

    /// Every value, to change.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.direct
            .iter_mut()
            .filter_map(Option::as_mut)
            .chain(self.hashed.values_mut())
    }

    /// Keeps the locations `keep` accepts (it may take from the values it rejects).
    pub fn retain(&mut self, mut keep: impl FnMut(Loc, &mut V) -> bool) {
        for (i, slot) in self.direct.iter_mut().enumerate() {
            if let Some(v) = slot {
                if !keep(Loc(i as u64), v) {
                    *slot = None;
                }
            }
        }
        self.hashed.retain(|&l, v| keep(l, v));
    }

    /// Removes every location, keeping the table's memory.
    pub fn clear(&mut self) {
        self.clear_into(drop);
    }

    /// Sets the value of `loc`.
    pub fn insert(&mut self, loc: Loc, value: V) {
        match LocTable::<V>::index(loc) {
            Some(i) => {
                if self.direct.len() <= i {
                    self.direct.resize_with(i + 1, || None);
                }
                self.direct[i] = Some(value);
            }
            None => {
                self.hashed.insert(loc, value);
            }
        }
    }

    /// Removes every location, handing each value to `take`.
    pub fn clear_into(&mut self, mut take: impl FnMut(V)) {
        for slot in &mut self.direct {
            if let Some(v) = slot.take() {
                take(v);
            }
        }
        for (_, v) in self.hashed.drain() {
            take(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small and large numbers behave alike; iteration gives the numbered ones in order.
    #[test]
    fn direct_and_hashed_locations() {
        let mut t: LocTable<u32> = LocTable::default();
        let far = Loc(DIRECT + 7);
        *t.get_or_insert_with(Loc(3), || 30) += 1;
        *t.get_or_insert_with(far, || 70) += 1;
        *t.get_or_insert_with(Loc(1), || 10) += 1;
        assert_eq!(t.get(Loc(3)), Some(&31));
        assert_eq!(t.get(far), Some(&71));
        assert_eq!(t.get(Loc(2)), None);
        assert!(!t.contains(Loc(DIRECT + 8)));
        let all: Vec<_> = t.iter().map(|(l, &v)| (l.0, v)).collect();
        assert_eq!(all, vec![(1, 11), (3, 31), (DIRECT + 7, 71)]);
        t.retain(|l, _| l != Loc(3));
        assert!(!t.contains(Loc(3)));
        for v in t.values_mut() {
            *v = 0;
        }
        let mut taken = Vec::new();
        t.clear_into(|v| taken.push(v));
        assert_eq!(taken, vec![0, 0]);
        assert!(t.iter().next().is_none());
    }
}
