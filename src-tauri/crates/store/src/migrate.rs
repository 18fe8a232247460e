//! Embedded, numbered, append-only schema migrations.
//!
//! The schema version lives in SQLite's `user_version`. Migration N brings a
//! database from version N-1 to N; all pending ones run in one transaction.

use rusqlite::Connection;

use crate::{Result, StoreError};

/// The migrations, in order. Never edit or reorder one that has shipped.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_team_access.sql"),
    include_str!("../migrations/0003_judge_queue.sql"),
    include_str!("../migrations/0004_lost_leases.sql"),
    include_str!("../migrations/0005_language_table.sql"),
    include_str!("../migrations/0006_kiosk_key.sql"),
    include_str!("../migrations/0007_contest_thaw.sql"),
    include_str!("../migrations/0008_clarifications.sql"),
    include_str!("../migrations/0009_events.sql"),
    include_str!("../migrations/0010_staff.sql"),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

pub(crate) fn current_version(conn: &Connection) -> Result<u32> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get::<_, u32>(0))?)
}

pub(crate) fn apply(conn: &mut Connection) -> Result<()> {
    let found = current_version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction()?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tracing::info!(version = index + 1, "applying schema migration");
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}
