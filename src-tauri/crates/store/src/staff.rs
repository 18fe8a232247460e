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
