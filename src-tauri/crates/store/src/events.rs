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
    /// `submission`, `clarification` or `contest`.
    pub kind: String,
    /// The submission or clarification it concerns.
    pub ref_id: Option<i64>,
    /// The team it is for (`None`: everyone).
    pub team_id: Option<String>,
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Event> {
    Ok(Event {
        id: r.get(0)?,
        at_ms: r.get(1)?,
        kind: r.get(2)?,
        ref_id: r.get(3)?,
        team_id: r.get(4)?,
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
                let mut stmt = self.conn.prepare_cached(
                    "SELECT id, at_ms, kind, ref_id, team_id FROM events
                     WHERE id > ?1 AND (team_id = ?2 OR team_id IS NULL) ORDER BY id LIMIT ?3",
                )?;
                stmt.query_map(params![after_id, t, limit], from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?
            }
            None => {
                let mut stmt = self.conn.prepare_cached(
                    "SELECT id, at_ms, kind, ref_id, team_id FROM events WHERE id > ?1 ORDER BY id LIMIT ?2",
                )?;
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
}
