//! Content-addressed file storage (testcases, package files, sources).

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::{Result, Store};

/// The lowercase hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Stores `data` once under its hash and returns the hash.
pub(crate) fn put(conn: &Connection, data: &[u8]) -> Result<String> {
    let sha = sha256_hex(data);
    conn.prepare_cached("INSERT OR IGNORE INTO blobs (sha256, size, data) VALUES (?1, ?2, ?3)")?
        .execute(params![sha, data.len() as i64, data])?;
    Ok(sha)
}

impl Store {
    /// The content stored under a SHA-256 hash, if any.
    pub fn blob(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row("SELECT data FROM blobs WHERE sha256 = ?1", [sha256], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// The size of the content stored under a SHA-256 hash, without
    /// reading it.
    pub fn blob_size(&self, sha256: &str) -> Result<Option<u64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT length(data) FROM blobs WHERE sha256 = ?1",
                [sha256],
                |r| r.get(0),
            )
            .optional()?)
    }
}
