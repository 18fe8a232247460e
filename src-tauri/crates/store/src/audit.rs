//! The audit log: who did what, when, from where.

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::{Result, Store, now_ms};

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// When, in ms since the epoch.
    pub at_ms: i64,
    /// Who acted ("organizer", "jury:alice", "team:42", …).
    pub actor: String,
    /// What was done, dotted ("team.set_ip", "team.login.refused", …).
    pub action: String,
    /// What it was done to.
    pub subject: Option<String>,
    /// Free-form detail (never a secret).
    pub detail: Option<String>,
    /// The peer address the request came from, if it came over the network.
    pub source_ip: Option<String>,
}

/// An entry from `at_ms, actor, action, subject, detail, source_ip`.
fn entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        at_ms: r.get(0)?,
        actor: r.get(1)?,
        action: r.get(2)?,
        subject: r.get(3)?,
        detail: r.get(4)?,
        source_ip: r.get(5)?,
    })
}

pub(crate) fn record(
    conn: &Connection,
    actor: &str,
    action: &str,
    subject: Option<&str>,
    detail: Option<&str>,
    source_ip: Option<&str>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at_ms, actor, action, subject, detail, source_ip)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![now_ms(), actor, action, subject, detail, source_ip])?;
    Ok(())
}

impl Store {
    /// Appends one entry to the audit log.
    pub fn audit(
        &self,
        actor: &str,
        action: &str,
        subject: Option<&str>,
        detail: Option<&str>,
        source_ip: Option<&str>,
    ) -> Result<()> {
        record(&self.conn, actor, action, subject, detail, source_ip)
    }

    /// The newest `limit` audit entries, newest first.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        let mut stmt = self.conn.prepare(
            "SELECT at_ms, actor, action, subject, detail, source_ip FROM audit_log
             ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], entry_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The newest `limit` entries whose actor, action, subject, detail or
    /// address holds `text` (ignoring ASCII case), newest first.
    pub fn search_audit(&self, text: &str, limit: usize) -> Result<Vec<AuditEntry>> {
        let mut stmt = self.conn.prepare(
            "SELECT at_ms, actor, action, subject, detail, source_ip FROM audit_log
             WHERE instr(lower(actor || ' ' || action || ' ' || COALESCE(subject, '') || ' '
                               || COALESCE(detail, '') || ' ' || COALESCE(source_ip, '')),
                         lower(?1)) > 0
             ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(rusqlite::params![text, limit as i64], entry_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
