//! A contest folder: the SQLite database plus the files beside it.

use std::path::{Path, PathBuf};

use floorjudge_store::{ContestSettings, Store, StoreError};
use thiserror::Error;

/// File name of the database inside a contest folder.
pub const DATABASE_FILE: &str = "contest.sqlite";

/// A contest folder could not be created or opened.
#[derive(Debug, Error)]
pub enum ContestDirError {
    /// No contest database in the folder.
    #[error("{} holds no contest (no {DATABASE_FILE}): run `floorjudge-jury --contest {} contest init` first", .0.display(), .0.display())]
    NotAContest(PathBuf),
    /// The folder already holds a contest.
    #[error("{} already holds a contest: refusing to overwrite it", .0.display())]
    AlreadyAContest(PathBuf),
    /// The folder could not be created.
    #[error("cannot create {}: {source}", path.display())]
    Create {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The store refused.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Makes a folder 0700: team sources, testcases and keys live under it.
fn private_dir(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
}

/// Makes a file 0600.
fn private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

/// A contest's folder on disk.
#[derive(Debug, Clone)]
pub struct ContestDir {
    root: PathBuf,
}

impl ContestDir {
    /// Names a contest folder (nothing is touched yet).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ContestDir { root: root.into() }
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The database file.
    pub fn database(&self) -> PathBuf {
        self.root.join(DATABASE_FILE)
    }

    /// Where received submission sources are kept, one folder per callback name.
    pub fn uploads(&self) -> PathBuf {
        self.root.join("uploads")
    }

    /// Whether the folder holds a contest.
    pub fn exists(&self) -> bool {
        self.database().is_file()
    }

    /// Creates the folder (if needed) and a new contest database in it.
    pub fn create(&self, settings: &ContestSettings) -> Result<Store, ContestDirError> {
        if self.exists() {
            return Err(ContestDirError::AlreadyAContest(self.root.clone()));
        }
        for dir in [self.root.clone(), self.uploads()] {
            std::fs::create_dir_all(&dir)
                .and_then(|()| private_dir(&dir))
                .map_err(|source| ContestDirError::Create {
                    path: dir.clone(),
                    source,
                })?;
        }
        let store = Store::create(&self.database(), settings)?;
        let db = self.database();
        private_file(&db).map_err(|source| ContestDirError::Create { path: db, source })?;
        Ok(store)
    }

    /// Opens the contest database (making the folder, the database and
    /// `uploads/` private to this user if an older version left them open).
    pub fn open(&self) -> Result<Store, ContestDirError> {
        if !self.exists() {
            return Err(ContestDirError::NotAContest(self.root.clone()));
        }
        let tighten = |path: PathBuf, dir: bool| {
            let r = if dir {
                private_dir(&path)
            } else {
                private_file(&path)
            };
            if let Err(e) = r {
                tracing::warn!(path = %path.display(), error = %e, "cannot make it private to this user");
            }
        };
        tighten(self.root.clone(), true);
        tighten(self.database(), false);
        if self.uploads().is_dir() {
            tighten(self.uploads(), true);
        }
        Ok(Store::open(&self.database())?)
    }

    /// Removes a contest database that a failed `contest init` left behind.
    pub fn remove_database(&self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.database().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
    }
}
