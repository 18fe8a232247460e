//! What the team window receives: the kiosk's own state and the events it
//! hears. Their TypeScript twins in `ui/src/bindings.ts` are generated.

use floorjudge_proto::team::{ClarificationInfo, ContestInfo, Session, SubmissionStatus};
use serde::{Deserialize, Serialize};

/// The kiosk as its window starts: where it is and whom it talks to.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct KioskState {
    /// The jury's URL.
    pub jury_url: String,
    /// The jury certificate's pinned fingerprint, if any.
    pub jury_fingerprint: Option<String>,
    /// This workstation's addresses (the jury decides by the one it sees).
    pub addresses: Vec<String>,
    /// The address connections come from, if set.
    pub source_ip: Option<String>,
    /// Where the callback file server listens.
    pub callback_addr: String,
    /// Kiosk mode (fullscreen, exit only with the code).
    pub kiosk: bool,
    /// Whether an exit code is configured.
    pub exit_code_set: bool,
    /// The session held from an earlier start (`None`: not identified).
    pub session: Option<Session>,
    /// Whether the jury answered the last call.
    pub link: JuryLink,
    /// Submissions waiting in the callback folder for the jury.
    pub pending: Vec<PendingSubmission>,
    /// Where problem downloads go.
    pub downloads: String,
}

/// The contest as the jury told it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ContestView {
    /// The contest.
    pub info: ContestInfo,
    /// `false`: the jury cannot be reached and this is what it last said.
    pub fresh: bool,
}

/// Whether the jury can be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum JuryLink {
    /// Not asked yet.
    Unknown,
    /// The last call was answered.
    Up,
    /// The last call could not reach it.
    Down,
}

/// A submission the kiosk holds for the jury (not acknowledged yet).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct PendingSubmission {
    /// The callback name it is held under.
    pub callback_name: String,
    /// Problem id or label.
    pub problem: String,
    /// Language id.
    pub language: String,
    /// Its files' names.
    pub files: Vec<String>,
}

impl From<&floorjudge_proto::team::SubmissionRef> for PendingSubmission {
    fn from(r: &floorjudge_proto::team::SubmissionRef) -> Self {
        PendingSubmission {
            callback_name: r.callback_name.clone(),
            problem: r.problem.clone(),
            language: r.language.clone(),
            files: r.files.iter().map(|f| f.name.clone()).collect(),
        }
    }
}

/// One file the window hands over (from the file picker or a drop).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct UploadFile {
    /// Its name.
    pub name: String,
    /// Its content, base64.
    pub base64: String,
}

/// What became of a submit.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SubmitOutcome {
    /// The jury has the reference.
    Sent {
        /// Where it stands.
        status: SubmissionStatus,
    },
    /// The jury could not be reached: kept, sent when it is back.
    Kept {
        /// What is kept.
        pending: PendingSubmission,
    },
}

/// An event the window hears (Tauri event `push`).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum TeamPush {
    /// One of the team's submissions moved on.
    Submission(SubmissionStatus),
    /// A clarification for the team or for everyone.
    Clarification(ClarificationInfo),
    /// The contest's clock or problems changed.
    Contest(ContestInfo),
    /// The jury became reachable or unreachable.
    Link(JuryLink),
    /// The kept submissions changed.
    Pending(Vec<PendingSubmission>),
    /// A watched file changed on disk.
    Watch(WatchChange),
}

/// A watched file's new version.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct WatchChange {
    /// The file.
    pub path: String,
}
