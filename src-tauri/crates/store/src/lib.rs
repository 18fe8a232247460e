//! floorjudge's contest storage: one SQLite file per contest.
//!
//! This is the only crate that writes SQL. The database runs in WAL mode with
//! foreign keys on; the schema comes from numbered, append-only migrations
//! embedded in the binary and applied when the file is opened. A database
//! written by a newer floorjudge is refused rather than guessed at.
//!
//! Every method that changes state runs in one transaction: it happens whole
//! or not at all. No `rusqlite` type appears in the public API.

mod access;
mod audit;
mod balloon;
mod blob;
mod clarification;
mod contest;
mod error;
mod events;
mod judging;
mod language;
mod migrate;
mod problem;
mod rejudging;
mod staff;
mod submission;
mod team;

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags};

pub use access::{PairingRow, SESSIONS_PER_WORKSTATION, StoredSession, TeamIdentity};
pub use audit::AuditEntry;
pub use balloon::Balloon;
pub use blob::sha256_hex;
pub use clarification::{Clarification, NewClarification};
pub use contest::{Contest, ContestSettings, IdMode, MedalCounts};
pub use error::StoreError;
pub use events::Event;
pub use judging::{
    ExpiredLease, JudgeState, Judgehost, JudgingRow, Lease, LeaseCheck, MAX_LOST_LEASES,
    RejudgeFilter, RunRecord, RunRow,
};
pub use language::{
    Language, LanguageChange, TIME_FACTOR_RANGE, check_language, default_languages,
};
pub use migrate::SCHEMA_VERSION;
pub use problem::{
    NewProblem, NewTestcase, PackageFile, Problem, ProblemImported, ProblemSummary, Testcase,
};
pub use rejudging::{RejudgeEntry, Rejudging, RejudgingState};
pub use staff::{StaffAccount, StaffSecrets, StaffSession};
pub use submission::{
    Inserted, NewSubmission, OFFICIAL_TIME_GRACE_MS, RejectKind, Submission, SubmissionState,
    SubmittedFile,
};
pub use team::{
    Account, AccountKind, Group, ImportCounts, Organization, Team, TeamBatch, TeamImport,
};

/// Result type of every store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An open contest database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Creates a new contest database at `path` (which must not exist yet),
    /// applies the schema and writes the contest settings and default languages.
    pub fn create(path: &Path, settings: &ContestSettings) -> Result<Store> {
        if path.exists() {
            return Err(StoreError::AlreadyExists(path.to_owned()));
        }
        let mut store = Self::open_with(path, OpenFlags::default())?;
        let tx = store.conn.transaction()?;
        contest::insert(&tx, settings, now_ms())?;
        language::insert_defaults(&tx)?;
        audit::record(
            &tx,
            "organizer",
            "contest.init",
            Some(&settings.id),
            None,
            None,
        )?;
        tx.commit()?;
        Ok(store)
    }

    /// Opens an existing contest database, upgrading its schema if it is older
    /// than this binary, refusing it if it is newer.
    pub fn open(path: &Path) -> Result<Store> {
        if !path.is_file() {
            return Err(StoreError::Missing(path.to_owned()));
        }
        let flags = OpenFlags::default() - OpenFlags::SQLITE_OPEN_CREATE;
        Self::open_with(path, flags)
    }

    fn open_with(path: &Path, flags: OpenFlags) -> Result<Store> {
        let mut conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Every transaction takes the write lock when it begins: a deferred
        // one that reads and then writes fails at once with "database is
        // locked" (the busy timeout does not apply to that upgrade) when
        // another process wrote in between, as the CLI beside a running jury does.
        conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        migrate::apply(&mut conn)?;
        Ok(Store {
            conn,
            path: path.to_owned(),
        })
    }

    /// Where the database file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<u32> {
        migrate::current_version(&self.conn)
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
