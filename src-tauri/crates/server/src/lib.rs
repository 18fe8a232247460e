//! The floorjudge jury: the contest core and its adapters.
//!
//! The organizer's side: the contest folder, imports of problem packages and
//! team lists in the formats organizers already have (Kattis, DOMjudge, CLICS),
//! passwords and a status summary. The contest server: the team desk
//! ([`team_desk`]) behind its HTTP adapter ([`http::team`]) and the callback
//! fetcher, started by [`serve`]. The CLI and the console window are thin
//! adapters over these.

pub mod callback_fetcher;
pub mod clarifications;
pub mod clics;
pub mod clics_desk;
pub mod clock;
pub mod collation;
pub mod console_desk;
pub mod contest_dir;
pub mod event_feed;
pub mod http;
pub mod import;
pub mod job_token;
pub mod judge_desk;
pub mod judgehost_credentials;
pub mod jury;
pub mod keys;
pub mod last_contact;
pub mod organizer;
pub mod passwords;
pub mod rate_limit;
pub mod reltime;
pub mod results;
pub mod scoreboard;
pub mod serve;
pub mod session_token;
pub mod shared_store;
pub mod staff;
pub mod staff_desk;
pub mod statements;
pub mod status;
pub mod team_desk;

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
