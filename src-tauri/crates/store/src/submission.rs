//! Submissions: the reference a team sent, the callback that pulls its files,
//! and the verified sources.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::audit::record;
use crate::{Result, Store, StoreError, blob, now_ms};

/// How long after its reference a submission's file may arrive and the
/// reference's time still be its official time; later, the official time is
/// when the file was pulled.
pub const OFFICIAL_TIME_GRACE_MS: i64 = 60_000;

/// One file a submission reference names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubmittedFile {
    /// Safe file name.
    pub name: String,
    /// Declared size.
    pub size: u64,
    /// Declared lowercase hex SHA-256.
    pub sha256: String,
}

/// A reference accepted from a team, before its files are pulled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubmission {
    /// The team (identified by the jury, never by the kiosk).
    pub team_id: String,
    /// Problem id.
    pub problem_id: String,
    /// Language id.
    pub language_id: String,
    /// Peer address the reference came from.
    pub source_ip: String,
    /// Callback name the kiosk holds the files under.
    pub callback_name: String,
    /// The kiosk's callback port.
    pub callback_port: u16,
    /// The kiosk's idempotency key.
    pub client_nonce: String,
    /// The files, in order.
    pub files: Vec<SubmittedFile>,
}

/// What happened to a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// A new submission with this id.
    New(i64),
    /// The same reference was seen before (a retry): this id.
    Existing(i64),
}

/// Why a submission was rejected, as a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RejectKind {
    /// The callback could not be reached: a resend of the reference retries.
    Unreachable,
    /// The pulled files did not match the reference: final, a spoof attempt.
    Mismatch,
    /// The submission was refused for another reason: final.
    Invalid,
}

impl RejectKind {
    fn as_str(self) -> &'static str {
        match self {
            RejectKind::Unreachable => "unreachable",
            RejectKind::Mismatch => "mismatch",
            RejectKind::Invalid => "invalid",
        }
    }
}

/// Where a submission stands in the callback stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SubmissionState {
    /// Waiting for the callback.
    Pending,
    /// Files verified and stored.
    Received,
    /// Refused.
    Rejected,
}

/// A stored submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Submission {
    /// Id.
    pub id: i64,
    /// Team id.
    pub team_id: String,
    /// Problem id.
    pub problem_id: String,
    /// Language id.
    pub language_id: String,
    /// When the reference arrived, ms since the epoch.
    pub submitted_ms: i64,
    /// Peer address the reference came from.
    pub source_ip: String,
    /// Callback name.
    pub callback_name: String,
    /// Kiosk callback port.
    pub callback_port: u16,
    /// Idempotency key.
    pub client_nonce: String,
    /// Callback stage.
    pub state: SubmissionState,
    /// Why it was rejected.
    pub reject_reason: Option<String>,
    /// Kind of rejection.
    pub reject_kind: Option<RejectKind>,
    /// When the files were verified, ms since the epoch.
    pub received_ms: Option<i64>,
    /// Callback attempts so far.
    pub fetch_attempts: u32,
    /// The files named by the reference.
    pub files: Vec<SubmittedFile>,
}

const COLUMNS: &str =
    "id, team_id, problem_id, language_id, submitted_ms, source_ip, callback_name,
    callback_port, client_nonce, state, reject_reason, reject_kind, received_ms, fetch_attempts";

fn submission_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Submission> {
    let state = match r.get::<_, String>(9)?.as_str() {
        "pending" => SubmissionState::Pending,
        "received" => SubmissionState::Received,
        _ => SubmissionState::Rejected,
    };
    let reject_kind = match r.get::<_, Option<String>>(11)?.as_deref() {
        None => None,
        Some("unreachable") => Some(RejectKind::Unreachable),
        Some("mismatch") => Some(RejectKind::Mismatch),
        Some(_) => Some(RejectKind::Invalid),
    };
    Ok(Submission {
        id: r.get(0)?,
        team_id: r.get(1)?,
        problem_id: r.get(2)?,
        language_id: r.get(3)?,
        submitted_ms: r.get(4)?,
        source_ip: r.get(5)?,
        callback_name: r.get(6)?,
        callback_port: r.get(7)?,
        client_nonce: r.get(8)?,
        state,
        reject_reason: r.get(10)?,
        reject_kind,
        received_ms: r.get(12)?,
        fetch_attempts: r.get(13)?,
        files: Vec::new(),
    })
}

fn files_of(conn: &Connection, id: i64) -> Result<Vec<SubmittedFile>> {
    let mut stmt = conn.prepare_cached(
        "SELECT filename, size, sha256 FROM submission_files WHERE submission_id = ?1 ORDER BY rowid",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok(SubmittedFile {
            name: r.get(0)?,
            size: r.get::<_, i64>(1)? as u64,
            sha256: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn load(conn: &Connection, id: i64) -> Result<Option<Submission>> {
    let sub = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM submissions WHERE id = ?1"))?
        .query_row([id], submission_from_row)
        .optional()?;
    match sub {
        Some(mut s) => {
            s.files = files_of(conn, id)?;
            Ok(Some(s))
        }
        None => Ok(None),
    }
}

impl Store {
    /// Records a reference as a pending submission, or finds the one a
    /// previous try with the same nonce created. A nonce reused for a
    /// different reference is a conflict.
    pub fn insert_submission(&mut self, s: &NewSubmission) -> Result<Inserted> {
        let tx = self.conn.transaction()?;
        let existing: Option<i64> = tx
            .prepare_cached("SELECT id FROM submissions WHERE team_id = ?1 AND client_nonce = ?2")?
            .query_row(params![s.team_id, s.client_nonce], |r| r.get(0))
            .optional()?;
        if let Some(id) = existing {
            let old = load(&tx, id)?.ok_or_else(|| StoreError::Corrupt("vanished".into()))?;
            let same = old.problem_id == s.problem_id
                && old.language_id == s.language_id
                && old.callback_name == s.callback_name
                && old.files == s.files;
            if !same {
                return Err(StoreError::Conflict(format!(
                    "nonce {} was already used for submission {id} with a different reference",
                    s.client_nonce
                )));
            }
            return Ok(Inserted::Existing(id));
        }
        let taken: bool = tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM submissions WHERE team_id = ?1 AND callback_name = ?2)",
            )?
            .query_row(params![s.team_id, s.callback_name], |r| r.get(0))?;
        if taken {
            return Err(StoreError::Conflict(format!(
                "callback name {} was already used by another submission",
                s.callback_name
            )));
        }
        tx.prepare_cached(
            "INSERT INTO submissions (team_id, problem_id, language_id, submitted_ms, source_ip,
                 callback_name, callback_port, client_nonce, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending')",
        )?
        .execute(params![
            s.team_id,
            s.problem_id,
            s.language_id,
            now_ms(),
            s.source_ip,
            s.callback_name,
            s.callback_port,
            s.client_nonce
        ])?;
        let id = tx.last_insert_rowid();
        for f in &s.files {
            tx.prepare_cached(
                "INSERT INTO submission_files (submission_id, filename, size, sha256)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![id, f.name, f.size as i64, f.sha256])?;
        }
        tx.commit()?;
        Ok(Inserted::New(id))
    }

    /// One submission with its files.
    pub fn submission(&self, id: i64) -> Result<Option<Submission>> {
        load(&self.conn, id)
    }

    /// A team's submissions, oldest first.
    pub fn team_submissions(&self, team_id: &str) -> Result<Vec<Submission>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM submissions WHERE team_id = ?1 ORDER BY id"
        ))?;
        let mut subs = stmt
            .query_map([team_id], submission_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        for s in &mut subs {
            s.files = files_of(&self.conn, s.id)?;
        }
        Ok(subs)
    }

    /// All submissions, oldest first (for the jury).
    pub fn submissions(&self) -> Result<Vec<Submission>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM submissions ORDER BY id"))?;
        let mut subs = stmt
            .query_map([], submission_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        for s in &mut subs {
            s.files = files_of(&self.conn, s.id)?;
        }
        Ok(subs)
    }

    /// Ids of the submissions still waiting for their callback.
    pub fn pending_submission_ids(&self) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM submissions WHERE state = 'pending' ORDER BY id")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether `team_id` already used `nonce` (a resent reference).
    pub fn nonce_used(&self, team_id: &str, nonce: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM submissions WHERE team_id = ?1 AND client_nonce = ?2")?
            .query_row(params![team_id, nonce], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// How many of `team_id`'s submissions wait for their callback.
    pub fn pending_count(&self, team_id: &str) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM submissions WHERE state = 'pending' AND team_id = ?1",
            [team_id],
            |r| r.get(0),
        )?)
    }

    /// Counts one more callback attempt; returns the new count.
    pub fn note_fetch_attempt(&mut self, id: i64) -> Result<u32> {
        Ok(self
            .conn
            .prepare_cached(
                "UPDATE submissions SET fetch_attempts = fetch_attempts + 1 WHERE id = ?1
                 RETURNING fetch_attempts",
            )?
            .query_row([id], |r| r.get(0))?)
    }

    /// Stores the verified files of a pending submission and marks it
    /// received, in one transaction. The caller has checked every size and
    /// hash against the reference; this checks them again. Returns `false`
    /// (changing nothing) if the submission is no longer pending.
    pub fn receive_submission(&mut self, id: i64, contents: &[(String, Vec<u8>)]) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let Some(sub) = load(&tx, id)? else {
            return Err(StoreError::NotFound {
                kind: "submission",
                id: id.to_string(),
            });
        };
        if sub.state != SubmissionState::Pending {
            return Ok(false);
        }
        if sub.files.len() != contents.len() {
            return Err(StoreError::Conflict(format!(
                "submission {id} names {} files, {} were given",
                sub.files.len(),
                contents.len()
            )));
        }
        for (f, (name, data)) in sub.files.iter().zip(contents) {
            let sha = blob::put(&tx, data)?;
            if *name != f.name || sha != f.sha256 || data.len() as u64 != f.size {
                return Err(StoreError::Conflict(format!(
                    "file {name} of submission {id} does not match its reference"
                )));
            }
            tx.prepare_cached(
                "UPDATE submission_files SET blob_sha256 = ?1 WHERE submission_id = ?2 AND filename = ?3",
            )?
            .execute(params![sha, id, name])?;
        }
        let now = now_ms();
        // the official time is the reference's only if its file came soon
        // after: a team cannot send references early and let the files come
        // when it likes
        tx.prepare_cached(
            "UPDATE submissions SET state = 'received', received_ms = ?1,
                 submitted_ms = CASE WHEN ?1 - submitted_ms > ?3 THEN ?1 ELSE submitted_ms END
             WHERE id = ?2",
        )?
        .execute(params![now, id, OFFICIAL_TIME_GRACE_MS])?;
        crate::judging::enqueue(&tx, id, 0, None, now)?;
        record(
            &tx,
            "jury",
            "submission.received",
            Some(&id.to_string()),
            Some(&sub.callback_name),
            Some(&sub.source_ip),
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Rejects a pending submission with a reason. Returns `false` (changing
    /// nothing) if it is no longer pending.
    pub fn reject_submission(&mut self, id: i64, kind: RejectKind, reason: &str) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let changed = tx
            .prepare_cached(
                "UPDATE submissions SET state = 'rejected', reject_kind = ?1, reject_reason = ?2
                 WHERE id = ?3 AND state = 'pending'",
            )?
            .execute(params![kind.as_str(), reason, id])?;
        if changed == 1 {
            record(
                &tx,
                "jury",
                "submission.rejected",
                Some(&id.to_string()),
                Some(&format!("{}: {reason}", kind.as_str())),
                None,
            )?;
        }
        tx.commit()?;
        Ok(changed == 1)
    }

    /// Puts a submission rejected as unreachable back to pending (the kiosk
    /// resent its reference); its official time becomes now, the revival.
    /// Returns whether it changed.
    pub fn revive_submission(&mut self, id: i64) -> Result<bool> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE submissions SET state = 'pending', reject_kind = NULL, reject_reason = NULL,
                     fetch_attempts = 0, submitted_ms = ?2
                 WHERE id = ?1 AND state = 'rejected' AND reject_kind = 'unreachable'",
            )?
            .execute(params![id, now_ms()])?;
        Ok(changed == 1)
    }
}
