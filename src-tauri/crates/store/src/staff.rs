//! Staff accounts: name, role, password hash, TOTP secret and recovery codes.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::audit::record;
use crate::{Result, Store, StoreError};

/// A staff account as listed (no secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffAccount {
    /// Login name.
    pub name: String,
    /// `admin`, `jury`, `balloon` or `analyst`.
    pub role: String,
    /// Whether a TOTP authenticator is enrolled.
    pub totp: bool,
    /// Recovery codes not used yet.
    pub recovery_codes_left: i64,
    /// Created, ms since the epoch.
    pub created_ms: i64,
}

/// What a login is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSecrets {
    /// Role.
    pub role: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Base32 TOTP secret, once enrolled.
    pub totp_secret: Option<String>,
}

impl Store {
    /// Adds a staff account (audited); a taken name is a conflict.
    pub fn add_staff(
        &mut self,
        name: &str,
        role: &str,
        password_hash: &str,
        actor: &str,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        let taken: bool = tx
            .query_row("SELECT 1 FROM staff WHERE name = ?1", [name], |_| Ok(()))
            .optional()?
            .is_some();
        if taken {
            return Err(StoreError::Conflict(format!(
                "there is already a staff account {name}"
            )));
        }
        tx.execute(
            "INSERT INTO staff (name, role, password_hash, created_ms) VALUES (?1, ?2, ?3, ?4)",
            params![name, role, password_hash, crate::now_ms()],
        )?;
        record(&tx, actor, "staff.add", Some(name), Some(role), None)?;
        tx.commit()?;
        Ok(())
    }

    /// Every staff account, by name.
    pub fn staff(&self) -> Result<Vec<StaffAccount>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.name, s.role, s.totp_secret IS NOT NULL, s.created_ms,
                    (SELECT COUNT(*) FROM staff_recovery_codes r WHERE r.name = s.name AND r.used_ms IS NULL)
             FROM staff s ORDER BY s.name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(StaffAccount {
                name: r.get(0)?,
                role: r.get(1)?,
                totp: r.get(2)?,
                created_ms: r.get(3)?,
                recovery_codes_left: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Removes a staff account (audited).
    pub fn remove_staff(&mut self, name: &str, actor: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        if tx.execute("DELETE FROM staff WHERE name = ?1", [name])? == 0 {
            return Err(StoreError::NotFound {
                kind: "staff account",
                id: name.to_owned(),
            });
        }
        record(&tx, actor, "staff.remove", Some(name), None, None)?;
        tx.commit()?;
        Ok(())
    }

    /// What a login of `name` is checked against.
    pub fn staff_secrets(&self, name: &str) -> Result<Option<StaffSecrets>> {
        Ok(self
            .conn
            .query_row(
                "SELECT role, password_hash, totp_secret FROM staff WHERE name = ?1",
                [name],
                |r| {
                    Ok(StaffSecrets {
                        role: r.get(0)?,
                        password_hash: r.get(1)?,
                        totp_secret: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Enrols a TOTP secret with fresh recovery codes (their hashes),
    /// replacing any earlier enrolment (audited).
    pub fn enrol_staff_totp(
        &mut self,
        name: &str,
        secret_base32: &str,
        recovery_code_hashes: &[String],
        actor: &str,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE staff SET totp_secret = ?1, totp_last_step = NULL WHERE name = ?2",
            params![secret_base32, name],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound {
                kind: "staff account",
                id: name.to_owned(),
            });
        }
        tx.execute("DELETE FROM staff_recovery_codes WHERE name = ?1", [name])?;
        for h in recovery_code_hashes {
            tx.execute(
                "INSERT INTO staff_recovery_codes (name, code_hash) VALUES (?1, ?2)",
                params![name, h],
            )?;
        }
        record(&tx, actor, "staff.totp_enrol", Some(name), None, None)?;
        tx.commit()?;
        Ok(())
    }

    /// Takes TOTP time step `step` for `name` if no later or equal step was
    /// taken before (so a code works once); `false` otherwise.
    pub fn take_staff_totp_step(&mut self, name: &str, step: i64) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE staff SET totp_last_step = ?1
             WHERE name = ?2 AND (totp_last_step IS NULL OR totp_last_step < ?1)",
            params![step, name],
        )? == 1)
    }

    /// Uses the recovery code with hash `code_hash` of `name`, once.
    pub fn use_staff_recovery_code(&mut self, name: &str, code_hash: &str) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let used = tx.execute(
            "UPDATE staff_recovery_codes SET used_ms = ?1
             WHERE name = ?2 AND code_hash = ?3 AND used_ms IS NULL",
            params![crate::now_ms(), name, code_hash],
        )? == 1;
        if used {
            record(
                &tx,
                &format!("staff:{name}"),
                "staff.recovery_code_used",
                Some(name),
                None,
                None,
            )?;
        }
        tx.commit()?;
        Ok(used)
    }
}

/// A stored staff console session (the token's verifier is not kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSession {
    /// The token's public half.
    pub selector: String,
    /// The staff account.
    pub name: String,
    /// HMAC of verifier, name and expiry, hex.
    pub verifier_mac: String,
    /// Where the login came from.
    pub source_ip: String,
    /// Made, ms since the epoch.
    pub created_ms: i64,
    /// Ends, ms since the epoch.
    pub expires_ms: i64,
}

impl Store {
    /// Stores a new staff session (audited as `staff.session.start`),
    /// dropping the account's expired ones.
    pub fn insert_staff_session(&mut self, s: &StaffSession) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM staff_sessions WHERE name = ?1 AND expires_ms <= ?2",
            params![s.name, s.created_ms],
        )?;
        tx.execute(
            "INSERT INTO staff_sessions (selector, name, verifier_mac, source_ip, created_ms, expires_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                s.selector,
                s.name,
                s.verifier_mac,
                s.source_ip,
                s.created_ms,
                s.expires_ms
            ],
        )?;
        record(
            &tx,
            &format!("staff:{}", s.name),
            "staff.session.start",
            Some(&s.name),
            None,
            Some(&s.source_ip),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The staff session with this selector, with its account's role.
    pub fn staff_session(&self, selector: &str) -> Result<Option<(StaffSession, String)>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT s.selector, s.name, s.verifier_mac, s.source_ip, s.created_ms, s.expires_ms, a.role
                 FROM staff_sessions s JOIN staff a ON a.name = s.name WHERE s.selector = ?1",
            )?
            .query_row([selector], |r| {
                Ok((
                    StaffSession {
                        selector: r.get(0)?,
                        name: r.get(1)?,
                        verifier_mac: r.get(2)?,
                        source_ip: r.get(3)?,
                        created_ms: r.get(4)?,
                        expires_ms: r.get(5)?,
                    },
                    r.get(6)?,
                ))
            })
            .optional()?)
    }

    /// Ends a staff session (audited as `staff.session.end`); whether it existed.
    pub fn end_staff_session(&mut self, selector: &str) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let name: Option<String> = tx
            .query_row(
                "DELETE FROM staff_sessions WHERE selector = ?1 RETURNING name",
                [selector],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(n) = &name {
            record(
                &tx,
                &format!("staff:{n}"),
                "staff.session.end",
                Some(n),
                None,
                None,
            )?;
        }
        tx.commit()?;
        Ok(name.is_some())
    }
}
