//! When each team's kiosk last reached the jury: every identification and
//! every authenticated team request notes it, in memory (since this jury
//! process started), for the console's team table.

use std::collections::HashMap;
use std::sync::Mutex;

/// See the module docs.
#[derive(Debug, Default)]
pub struct LastContact(Mutex<HashMap<String, i64>>);

impl LastContact {
    /// `team` reached the jury at `now_ms`.
    pub fn seen(&self, team: &str, now_ms: i64) {
        let mut map = self.0.lock().expect("last contact");
        match map.get_mut(team) {
            Some(at) => *at = (*at).max(now_ms),
            None => {
                map.insert(team.to_owned(), now_ms);
            }
        }
    }

    /// When `team` last reached the jury, ms since the epoch.
    pub fn of(&self, team: &str) -> Option<i64> {
        self.0.lock().expect("last contact").get(team).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_contact_is_kept() {
        let c = LastContact::default();
        assert_eq!(c.of("5"), None);
        c.seen("5", 2000);
        c.seen("5", 1000);
        assert_eq!(c.of("5"), Some(2000), "an older report never moves it back");
        c.seen("5", 3000);
        assert_eq!(c.of("5"), Some(3000));
    }
}
