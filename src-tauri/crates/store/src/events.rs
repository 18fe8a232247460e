//! The event log (written by the schema's triggers, in the transaction of
//! each change): what changed, in order, for whom.

use rusqlite::params;
use serde::Serialize;

use crate::{Result, Store};

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Its place in the log (increasing, never reused).
    pub id: i64,
    /// When, ms since the epoch.
    pub at_ms: i64,
    /// What kiosks follow: `submission`, `clarification`, `contest`, or
    /// `setup` (nothing a kiosk shows).
    pub kind: String,
    /// The submission or clarification it concerns.
    pub ref_id: Option<i64>,
    /// The team it is for (`None`: everyone).
    pub team_id: Option<String>,
    /// The CLICS type of the object it changed (`contest`, `state`,
    /// `teams`, `submissions`, …), if it is one the Contest API shows.
    pub object: Option<String>,
    /// That object's CLICS id (`None` for `contest` and `state`).
    pub object_id: Option<String>,
}

const EVENT_COLUMNS: &str = "id, at_ms, kind, ref_id, team_id, object, object_id";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Event> {
    Ok(Event {
        id: r.get(0)?,
        at_ms: r.get(1)?,
        kind: r.get(2)?,
        ref_id: r.get(3)?,
        team_id: r.get(4)?,
        object: r.get(5)?,
        object_id: r.get(6)?,
    })
}

impl Store {
    /// Events after `after_id`, oldest first, at most `limit`: those for
    /// `team` and for everyone, or with `team` `None` all of them (the jury).
    pub fn events_since(
        &self,
        after_id: i64,
        team: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Event>> {
        let limit = limit.min(100_000) as i64;
        let rows = match team {
            Some(t) => {
                let mut stmt = self.conn.prepare_cached(&format!(
                    "SELECT {EVENT_COLUMNS} FROM events
                     WHERE id > ?1 AND (team_id = ?2 OR team_id IS NULL) ORDER BY id LIMIT ?3"
                ))?;
                stmt.query_map(params![after_id, t, limit], from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?
            }
            None => {
                let mut stmt = self.conn.prepare_cached(&format!(
                    "SELECT {EVENT_COLUMNS} FROM events WHERE id > ?1 ORDER BY id LIMIT ?2"
                ))?;
                stmt.query_map(params![after_id, limit], from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?
            }
        };
        Ok(rows)
    }

    /// The newest event's id (0 with none).
    pub fn last_event_id(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT COALESCE(MAX(id), 0) FROM events", [], |r| r.get(0))?)
    }

    /// Events that changed a Contest API object, after `after_id`, oldest
    /// first, at most `limit`.
    pub fn object_events_since(&self, after_id: i64, limit: usize) -> Result<Vec<Event>> {
        let limit = limit.min(100_000) as i64;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM events
             WHERE id > ?1 AND object IS NOT NULL ORDER BY id LIMIT ?2"
        ))?;
        let rows = stmt
            .query_map(params![after_id, limit], from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Logs that the contest's state changed by the clock alone (it
    /// started, froze or ended at `boundary_ms`), once: nothing is added
    /// when a state event at or after that time exists. Returns whether
    /// one was added.
    pub fn log_clock_boundary(&mut self, boundary_ms: i64, now_ms: i64) -> Result<bool> {
        const SEEN: &str =
            "SELECT EXISTS (SELECT 1 FROM events WHERE object = 'state' AND at_ms >= ?1)";
        // read first: the write lock only when there is something to write
        if self
            .conn
            .query_row(SEEN, [boundary_ms], |r| r.get::<_, bool>(0))?
        {
            return Ok(false);
        }
        let tx = self.conn.transaction()?;
        let seen: bool = tx.query_row(SEEN, [boundary_ms], |r| r.get(0))?;
        if !seen {
            tx.execute(
                "INSERT INTO events (at_ms, kind, object) VALUES (?1, 'contest', 'state')",
                [now_ms.max(boundary_ms)],
            )?;
        }
        tx.commit()?;
        Ok(!seen)
    }

    /// The first state event at or after `at_ms` (the one a thaw wrote).
    pub fn first_state_event_since(&self, at_ms: i64) -> Result<Option<i64>> {
        Ok(self.conn.query_row(
            "SELECT MIN(id) FROM events WHERE object = 'state' AND at_ms >= ?1",
            [at_ms],
            |r| r.get(0),
        )?)
    }
}
