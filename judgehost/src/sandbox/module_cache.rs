//! Compiled modules kept for reuse, bounded in bytes: the least recently
//! used go first once the total passes the budget. Built on the `lru` crate
//! for the order; this module only adds the byte accounting.

use lru::LruCache;

/// A byte-bounded LRU map from content hash to a compiled module.
#[derive(Debug)]
pub(crate) struct ModuleCache<T> {
    entries: LruCache<String, (T, usize)>,
    bytes: usize,
    budget: usize,
}

impl<T: Clone> ModuleCache<T> {
    /// An empty cache holding at most `budget` bytes of modules.
    pub(crate) fn new(budget: usize) -> Self {
        ModuleCache {
            entries: LruCache::unbounded(),
            bytes: 0,
            budget,
        }
    }

    /// The module under `key`, marked as just used.
    pub(crate) fn get(&mut self, key: &str) -> Option<T> {
        self.entries.get(key).map(|(m, _)| m.clone())
    }

    /// Keeps `module` (of `bytes`) under `key`, dropping the least recently
    /// used until the total fits. A module larger than the whole budget is
    /// not kept.
    pub(crate) fn insert(&mut self, key: &str, module: T, bytes: usize) {
        if let Some((_, old)) = self.entries.pop(key) {
            self.bytes -= old;
        }
        if bytes > self.budget {
            return;
        }
        while self.bytes + bytes > self.budget {
            match self.entries.pop_lru() {
                Some((_, (_, b))) => self.bytes -= b,
                None => break,
            }
        }
        self.entries.put(key.to_owned(), (module, bytes));
        self.bytes += bytes;
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Modules held.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_go_first_and_the_budget_holds() {
        let mut c = ModuleCache::new(100);
        c.insert("a", 1, 40);
        c.insert("b", 2, 40);
        assert_eq!(c.get("a"), Some(1)); // a is now the most recent
        c.insert("c", 3, 40); // evicts b
        assert_eq!(c.get("b"), None);
        assert_eq!((c.get("a"), c.get("c")), (Some(1), Some(3)));
        assert_eq!((c.bytes(), c.len()), (80, 2));
        c.insert("huge", 4, 101);
        assert_eq!(c.get("huge"), None, "larger than the budget: not kept");
        assert_eq!(c.bytes(), 80);
        c.insert("a", 5, 10); // replacing re-counts
        assert_eq!((c.get("a"), c.bytes()), (Some(5), 50));
        c.insert("d", 6, 100);
        assert_eq!((c.len(), c.bytes()), (1, 100));
    }
}
