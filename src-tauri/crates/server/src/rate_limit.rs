//! Failed-login limits, per address and per team.
//!
//! In memory: a jury restart forgets them, which costs an attacker one
//! restart's worth of guesses against ~50-bit passwords.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Sliding-window counter of failures per key.
#[derive(Debug)]
pub struct FailureLimiter {
    max_failures: usize,
    window_ms: i64,
    failures: Mutex<HashMap<String, VecDeque<i64>>>,
}

impl FailureLimiter {
    /// Allows `max_failures` failures per `window_ms` for each key.
    pub fn new(max_failures: usize, window_ms: i64) -> Self {
        FailureLimiter {
            max_failures,
            window_ms,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `None` if `key` may try now, else the milliseconds until it may.
    pub fn check(&self, key: &str, now_ms: i64) -> Option<i64> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let q = map.get_mut(key)?;
        while q.front().is_some_and(|&t| t <= now_ms - self.window_ms) {
            q.pop_front();
        }
        if q.len() >= self.max_failures {
            q.front().map(|&t| (t + self.window_ms - now_ms).max(1))
        } else {
            None
        }
    }

    /// Counts an attempt for `key` *before* it is tried (a success is
    /// forgiven with [`FailureLimiter::clear`]): `None` if it may go ahead,
    /// else the milliseconds until it may. Check and count are one step, so
    /// a burst of parallel attempts cannot all pass before any is counted.
    pub fn attempt(&self, key: &str, now_ms: i64) -> Option<i64> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            let window = self.window_ms;
            map.retain(|_, q| q.back().is_some_and(|&t| t > now_ms - window));
        }
        let q = map.entry(key.to_owned()).or_default();
        while q.front().is_some_and(|&t| t <= now_ms - self.window_ms) {
            q.pop_front();
        }
        if q.len() >= self.max_failures {
            return q.front().map(|&t| (t + self.window_ms - now_ms).max(1));
        }
        q.push_back(now_ms);
        None
    }

    /// Counts a failure for `key`.
    pub fn fail(&self, key: &str, now_ms: i64) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            let window = self.window_ms;
            map.retain(|_, q| q.back().is_some_and(|&t| t > now_ms - window));
        }
        map.entry(key.to_owned()).or_default().push_back(now_ms);
    }

    /// Forgets `key`'s failures (after a success).
    pub fn clear(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_until_the_window_passes() {
        let l = FailureLimiter::new(3, 1000);
        for t in 0..3 {
            assert_eq!(l.check("a", t), None);
            l.fail("a", t);
        }
        assert_eq!(l.check("a", 10), Some(990));
        assert_eq!(l.check("b", 10), None);
        assert_eq!(
            l.check("a", 1001),
            None,
            "the first failure left the window"
        );
        l.clear("a");
        assert_eq!(l.check("a", 2), None);
    }
}
