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
    include_str!("../migrations/0011_clics_events.sql"),
    include_str!("../migrations/0012_staff_sessions.sql"),
    include_str!("../migrations/0013_medals.sql"),
    include_str!("../migrations/0014_rejudgings.sql"),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A contest made before the Contest API's event log (schema 10) gets
    /// its setup, its received submissions with their judgings and runs,
    /// and its clarifications logged as objects, in that order.
    #[test]
    fn migration_11_logs_what_an_older_contest_holds() {
        let mut conn = Connection::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        for sql in &MIGRATIONS[..10] {
            tx.execute_batch(sql).unwrap();
        }
        tx.execute_batch(
            "INSERT INTO contest (singleton, id, name, duration_s, created_ms) VALUES (1, 'c', 'C', 3600, 1000);
             INSERT INTO teams (id, name) VALUES ('t1', 'One');
             INSERT INTO languages (id, name, extensions) VALUES ('c', 'C', 'c');
             INSERT INTO blobs (sha256, size, data) VALUES ('x', 0, x'');
             INSERT INTO problems (id, label, ordinal, name, format_version, problem_type, validation,
                 time_limit_ms, time_limit_source, memory_mib, output_mib, package_sha256, imported_ms)
                 VALUES ('p', 'A', 1, 'P', 'legacy', 'pass-fail', 'default', 1000, 'x', 256, 8, 'x', 2000);
             INSERT INTO testcases (id, problem_id, ordinal, group_path, name, sample, input_sha256, answer_sha256)
                 VALUES (7, 'p', 1, 'secret', '1', 0, 'x', 'x');
             INSERT INTO submissions (id, team_id, problem_id, language_id, submitted_ms, source_ip,
                 callback_name, client_nonce, state) VALUES (5, 't1', 'p', 'c', 3000, '127.0.0.2', 'n', 'a', 'received');
             INSERT INTO submissions (id, team_id, problem_id, language_id, submitted_ms, source_ip,
                 callback_name, client_nonce, state) VALUES (6, 't1', 'p', 'c', 3500, '127.0.0.2', 'n', 'b', 'rejected');
             INSERT INTO judgings (id, submission_id, started_ms, finished_ms, verdict) VALUES (9, 5, 4000, 5000, 'AC');
             INSERT INTO judge_queue (judging_id, priority, state) VALUES (9, 0, 'done');
             INSERT INTO runs (judging_id, testcase_id, verdict) VALUES (9, 7, 'AC');
             INSERT INTO clarifications (id, from_team_id, text, at_ms, author) VALUES (3, 't1', 'q', 6000, 'team:t1');",
        )
        .unwrap();
        tx.execute_batch(MIGRATIONS[10]).unwrap();
        let objects: Vec<(String, Option<String>)> = tx
            .prepare("SELECT object, object_id FROM events WHERE object IS NOT NULL ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let has = |o: &str, id: Option<&str>| {
            objects
                .iter()
                .position(|(a, b)| a == o && b.as_deref() == id)
                .unwrap_or_else(|| panic!("no {o} {id:?} in {objects:?}"))
        };
        assert_eq!(has("contest", None), 0);
        assert!(has("teams", Some("t1")) < has("problems", Some("p")));
        assert!(has("problems", Some("p")) < has("submissions", Some("5")));
        assert!(has("submissions", Some("5")) < has("judgements", Some("9")));
        assert!(has("judgements", Some("9")) < has("runs", Some("9-1")));
        assert!(has("runs", Some("9-1")) < has("clarifications", Some("3")));
        assert!(
            !objects
                .iter()
                .any(|(o, id)| o == "submissions" && id.as_deref() == Some("6")),
            "a rejected submission is no CLICS submission: {objects:?}"
        );
        let recorded: i64 = tx
            .query_row("SELECT recorded_ms FROM runs", [], |r| r.get(0))
            .unwrap();
        assert_eq!(recorded, 5000);
    }
}
