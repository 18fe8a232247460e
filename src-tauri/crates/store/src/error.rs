//! The store's error type.

use std::fmt;
use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong in the store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database was written by a newer floorjudge.
    #[error(
        "the database has schema version {found}, newer than the {supported} this floorjudge \
         knows: use a newer floorjudge, do not downgrade a contest"
    )]
    NewerSchema {
        /// Version found in the file.
        found: u32,
        /// Newest version this binary knows.
        supported: u32,
    },
    /// `create` was asked to overwrite an existing file.
    #[error("{} already exists: refusing to overwrite a contest", .0.display())]
    AlreadyExists(PathBuf),
    /// `open` was given a path with no database.
    #[error("no contest database at {}", .0.display())]
    Missing(PathBuf),
    /// A named object does not exist.
    #[error("no {kind} {id:?}")]
    NotFound {
        /// What kind of object was looked up ("team", "problem", …).
        kind: &'static str,
        /// The id or label that was asked for.
        id: String,
    },
    /// The change would break a uniqueness or consistency rule.
    #[error("{0}")]
    Conflict(String),
    /// Stored data that does not parse (a bug or a hand-edited file).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The database engine failed.
    #[error("database error: {0}")]
    Database(#[source] DbError),
}

/// An error from the database engine, kept opaque so no driver type leaks out.
pub struct DbError(rusqlite::Error);

impl fmt::Debug for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for DbError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(DbError(e))
    }
}
