//! The floorjudge jury: the contest core and its adapters.
//!
//! Today this is the organizer's side: the contest folder, imports of problem
//! packages and team lists in the formats organizers already have (Kattis,
//! DOMjudge, CLICS), passwords and a status summary. The HTTP API, callback
//! fetcher and judge queue build on the same [`ContestDir`] and [`organizer`]
//! operations; the CLI and the console window are thin adapters over them.

pub mod contest_dir;
pub mod import;
pub mod organizer;
pub mod passwords;
pub mod reltime;
pub mod status;

pub use contest_dir::{ContestDir, ContestDirError};

use floorjudge_judgehost::PackageError;
use floorjudge_store::StoreError;

/// Why an organizer operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum OrganizerError {
    /// A file to import is wrong.
    #[error(transparent)]
    Import(#[from] import::ImportError),
    /// A problem package is wrong.
    #[error(transparent)]
    Package(#[from] PackageError),
    /// The contest folder could not be used.
    #[error(transparent)]
    ContestDir(#[from] ContestDirError),
    /// The store refused the change.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A request that makes no sense (bad argument).
    #[error("{0}")]
    Invalid(String),
}
