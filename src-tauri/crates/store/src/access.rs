//! Team access: sessions, IP binding by login, pairing codes.
//!
//! Policy (who may bind what) lives in the jury; this module keeps the rows
//! and makes each change atomic, with its audit entry.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::audit::record;
use crate::team::{check_ip_free, require_team, team_id_for};
use crate::{IdMode, Result, Store, StoreError};

/// Live sessions one team keeps per workstation address (a kiosk's window,
/// its `serve` and a CLI may each hold one); older ones are dropped.
pub const SESSIONS_PER_WORKSTATION: i64 = 4;

/// A session row: the selector and a MAC of the verifier, never the verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    /// Public half of the token.
    pub selector: String,
    /// The team.
    pub team_id: String,
    /// The only address the token is valid from.
    pub ip: String,
    /// How the team was identified.
    pub mode: IdMode,
    /// Hex HMAC-SHA256 of verifier, team and expiry.
    pub verifier_mac: String,
    /// Issued, ms since the epoch.
    pub created_ms: i64,
    /// Expiry, ms since the epoch.
    pub expires_ms: i64,
}

/// What the jury needs to know about a team on every request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamIdentity {
    /// Team id.
    pub id: String,
    /// Name to show (display name if set).
    pub name: String,
    /// The bound workstation address.
    pub ip: Option<String>,
    /// Whether a password is set.
    pub has_password: bool,
    /// Fingerprint (`sha256:…`) of the kiosk key bound with the address.
    pub kiosk_key: Option<String>,
}

/// A pairing code waiting for, or given, the jury's approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PairingRow {
    /// The code.
    pub code: String,
    /// The address that asked for it.
    pub ip: String,
    /// Expiry, ms since the epoch.
    pub expires_ms: i64,
    /// The team it was approved for.
    pub team_id: Option<String>,
}

/// A pairing row from `code, ip, expires_ms, team_id`.
fn pairing_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PairingRow> {
    Ok(PairingRow {
        code: r.get(0)?,
        ip: r.get(1)?,
        expires_ms: r.get(2)?,
        team_id: r.get(3)?,
    })
}

/// A pairing code's address, expiry, approved team and refusal time.
fn pairing_code(
    conn: &rusqlite::Connection,
    code: &str,
) -> Result<(String, i64, Option<String>, Option<i64>)> {
    conn.query_row(
        "SELECT ip, expires_ms, team_id, refused_ms FROM pairing_codes WHERE code = ?1",
        [code],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .optional()?
    .ok_or_else(|| StoreError::NotFound {
        kind: "pairing code",
        id: code.to_owned(),
    })
}

fn identity_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TeamIdentity> {
    let name: String = r.get(1)?;
    let display: Option<String> = r.get(2)?;
    Ok(TeamIdentity {
        id: r.get(0)?,
        name: display.unwrap_or(name),
        ip: r.get(3)?,
        has_password: r.get::<_, Option<String>>(4)?.is_some(),
        kiosk_key: r.get(5)?,
    })
}

const IDENTITY_COLUMNS: &str = "id, name, display_name, ip, password_hash, kiosk_fingerprint";

impl Store {
    /// The team bound to `ip`, if any.
    pub fn identity_by_ip(&self, ip: &str) -> Result<Option<TeamIdentity>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {IDENTITY_COLUMNS} FROM teams WHERE ip = ?1"
            ))?
            .query_row([ip], identity_from_row)
            .optional()?)
    }

    /// A team by id or team account username.
    pub fn identity(&self, key: &str) -> Result<Option<TeamIdentity>> {
        let Some(id) = team_id_for(&self.conn, key)? else {
            return Ok(None);
        };
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {IDENTITY_COLUMNS} FROM teams WHERE id = ?1"
            ))?
            .query_row([id], identity_from_row)
            .optional()?)
    }

    /// Binds the kiosk key `fingerprint` with the team's address `ip`, if
    /// the team is still bound to `ip` and has no key yet. Returns the key
    /// now bound (this one, or the one that was there first).
    pub fn bind_kiosk_key(
        &mut self,
        team_id: &str,
        ip: &str,
        fingerprint: &str,
    ) -> Result<Option<String>> {
        let tx = self.conn.transaction()?;
        let changed = tx.execute(
            "UPDATE teams SET kiosk_fingerprint = ?1
             WHERE id = ?2 AND ip = ?3 AND kiosk_fingerprint IS NULL",
            params![fingerprint, team_id, ip],
        )?;
        if changed == 1 {
            record(
                &tx,
                &format!("team:{team_id}"),
                "team.bind_kiosk_key",
                Some(team_id),
                Some(fingerprint),
                Some(ip),
            )?;
        }
        let now: Option<String> = tx
            .query_row(
                "SELECT kiosk_fingerprint FROM teams WHERE id = ?1 AND ip = ?2",
                params![team_id, ip],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        tx.commit()?;
        Ok(now)
    }

    /// Binds `ip` to a team that has no address yet (password login or
    /// pairing). Refuses if the team is already bound or the address is
    /// another team's.
    pub fn bind_team_ip(
        &mut self,
        team_id: &str,
        ip: &str,
        mode: IdMode,
        actor: &str,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        require_team(&tx, team_id)?;
        let current: Option<String> =
            tx.query_row("SELECT ip FROM teams WHERE id = ?1", [team_id], |r| {
                r.get(0)
            })?;
        if let Some(current) = current {
            return Err(StoreError::Conflict(format!(
                "team {team_id} is already bound to {current}; a jury member must reset it first"
            )));
        }
        check_ip_free(&tx, team_id, ip)?;
        tx.execute(
            "UPDATE teams SET ip = ?1 WHERE id = ?2",
            params![ip, team_id],
        )?;
        record(
            &tx,
            actor,
            "team.bind_ip",
            Some(team_id),
            Some(&format!("{ip} by {mode}")),
            Some(ip),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Stores a new session.
    pub fn insert_session(&mut self, s: &StoredSession) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.prepare_cached(
            "INSERT INTO sessions (selector, team_id, ip, mode, verifier_mac, created_ms, expires_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            s.selector,
            s.team_id,
            s.ip,
            s.mode.as_str(),
            s.verifier_mac,
            s.created_ms,
            s.expires_ms
        ])?;
        // bounded: expired sessions go, and a workstation keeps only its
        // newest few sessions however often it identifies
        tx.prepare_cached("DELETE FROM sessions WHERE expires_ms < ?1")?
            .execute([s.created_ms])?;
        tx.prepare_cached(
            "DELETE FROM sessions WHERE team_id = ?1 AND ip = ?2 AND selector NOT IN
               (SELECT selector FROM sessions WHERE team_id = ?1 AND ip = ?2
                ORDER BY created_ms DESC, rowid DESC LIMIT ?3)",
        )?
        .execute(params![s.team_id, s.ip, SESSIONS_PER_WORKSTATION])?;
        tx.commit()?;
        Ok(())
    }

    /// A session by its selector.
    pub fn session(&self, selector: &str) -> Result<Option<StoredSession>> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT selector, team_id, ip, mode, verifier_mac, created_ms, expires_ms
                 FROM sessions WHERE selector = ?1",
            )?
            .query_row([selector], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                ))
            })
            .optional()?;
        let Some((selector, team_id, ip, mode, verifier_mac, created_ms, expires_ms)) = row else {
            return Ok(None);
        };
        Ok(Some(StoredSession {
            selector,
            team_id,
            ip,
            mode: mode.parse().map_err(StoreError::Corrupt)?,
            verifier_mac,
            created_ms,
            expires_ms,
        }))
    }

    /// Deletes expired sessions and pairing codes; returns how many.
    pub fn purge_expired_access(&mut self, now_ms: i64) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let a = tx.execute("DELETE FROM sessions WHERE expires_ms < ?1", [now_ms])?;
        let b = tx.execute(
            "DELETE FROM pairing_codes WHERE expires_ms < ?1 AND team_id IS NULL",
            [now_ms],
        )?;
        tx.commit()?;
        Ok(a + b)
    }

    /// The unexpired, unapproved pairing code an address already holds.
    pub fn open_pairing_code(&self, ip: &str, now_ms: i64) -> Result<Option<PairingRow>> {
        Ok(self
            .conn
            .query_row(
                "SELECT code, ip, expires_ms, team_id FROM pairing_codes
                 WHERE ip = ?1 AND team_id IS NULL AND refused_ms IS NULL AND expires_ms >= ?2
                 ORDER BY created_ms DESC LIMIT 1",
                params![ip, now_ms],
                pairing_from_row,
            )
            .optional()?)
    }

    /// Every pairing code waiting for the jury (unexpired, neither approved
    /// nor refused), oldest first.
    pub fn open_pairing_codes(&self, now_ms: i64) -> Result<Vec<PairingRow>> {
        Ok(self
            .conn
            .prepare(
                "SELECT code, ip, expires_ms, team_id FROM pairing_codes
                 WHERE team_id IS NULL AND refused_ms IS NULL AND expires_ms >= ?1
                 ORDER BY created_ms",
            )?
            .query_map([now_ms], pairing_from_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Turns a waiting pairing code down: it is no longer offered, and the
    /// workstation has to ask for a new one.
    pub fn refuse_pairing(&mut self, code: &str, actor: &str, now_ms: i64) -> Result<PairingRow> {
        let tx = self.conn.transaction()?;
        let (ip, expires_ms, team_id, refused) = pairing_code(&tx, code)?;
        if let Some(team) = team_id {
            return Err(StoreError::Conflict(format!(
                "pairing code {code} was already approved for team {team}: reset that team's address instead"
            )));
        }
        if refused.is_some() {
            return Err(StoreError::Conflict(format!(
                "pairing code {code} was already refused"
            )));
        }
        tx.execute(
            "UPDATE pairing_codes SET refused_ms = ?1 WHERE code = ?2",
            params![now_ms, code],
        )?;
        record(
            &tx,
            actor,
            "team.pairing.refuse",
            None,
            Some(code),
            Some(&ip),
        )?;
        tx.commit()?;
        Ok(PairingRow {
            code: code.to_owned(),
            ip,
            expires_ms,
            team_id: None,
        })
    }

    /// Stores a new pairing code for `ip`.
    pub fn insert_pairing_code(
        &mut self,
        code: &str,
        ip: &str,
        now_ms: i64,
        expires_ms: i64,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        let taken: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM pairing_codes WHERE code = ?1)",
            [code],
            |r| r.get(0),
        )?;
        if taken {
            return Err(StoreError::Conflict(format!("pairing code {code} exists")));
        }
        tx.execute(
            "INSERT INTO pairing_codes (code, ip, created_ms, expires_ms) VALUES (?1, ?2, ?3, ?4)",
            params![code, ip, now_ms, expires_ms],
        )?;
        record(
            &tx,
            "kiosk",
            "team.pairing.request",
            None,
            Some(code),
            Some(ip),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Approves a pairing code for a team: binds the code's address to the
    /// team, in one transaction. Refuses unknown, expired or used codes, a
    /// team that is already bound and an address bound to another team.
    pub fn approve_pairing(
        &mut self,
        code: &str,
        team_key: &str,
        actor: &str,
        now_ms: i64,
    ) -> Result<PairingRow> {
        let tx = self.conn.transaction()?;
        let (ip, expires_ms, used_by, refused) = pairing_code(&tx, code)?;
        if let Some(team) = used_by {
            return Err(StoreError::Conflict(format!(
                "pairing code {code} was already approved for team {team}"
            )));
        }
        if refused.is_some() {
            return Err(StoreError::Conflict(format!(
                "pairing code {code} was refused: ask the workstation to show a new one"
            )));
        }
        if expires_ms < now_ms {
            return Err(StoreError::Conflict(format!(
                "pairing code {code} has expired: ask the workstation to show a new one"
            )));
        }
        let team_id = team_id_for(&tx, team_key)?.ok_or_else(|| StoreError::NotFound {
            kind: "team",
            id: team_key.to_owned(),
        })?;
        let current: Option<String> =
            tx.query_row("SELECT ip FROM teams WHERE id = ?1", [&team_id], |r| {
                r.get(0)
            })?;
        if let Some(current) = current {
            return Err(StoreError::Conflict(format!(
                "team {team_id} is already bound to {current}; reset it first \
                 (`floorjudge-jury team reset-ip {team_id}`)"
            )));
        }
        check_ip_free(&tx, &team_id, &ip)?;
        tx.execute(
            "UPDATE teams SET ip = ?1 WHERE id = ?2",
            params![ip, team_id],
        )?;
        tx.execute(
            "UPDATE pairing_codes SET team_id = ?1, approved_ms = ?2 WHERE code = ?3",
            params![team_id, now_ms, code],
        )?;
        record(
            &tx,
            actor,
            "team.bind_ip",
            Some(&team_id),
            Some(&format!("{ip} by pairing code {code}")),
            Some(&ip),
        )?;
        tx.commit()?;
        Ok(PairingRow {
            code: code.to_owned(),
            ip,
            expires_ms,
            team_id: Some(team_id),
        })
    }
}
