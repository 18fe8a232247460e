//! Messages of the team API (kiosk ⇄ jury).
//!
//! A kiosk never says who it is: the jury identifies it by the peer address of
//! the connection. These are the bodies exchanged once it has.

use serde::{Deserialize, Serialize};

use crate::Verdict;

/// Header carrying a session token (`selector.verifier`).
pub const SESSION_HEADER: &str = "authorization";

/// Largest source file a team may submit, in bytes.
pub const MAX_SOURCE_FILE_BYTES: u64 = 256 * 1024;
/// Largest total of all files of one submission, in bytes.
pub const MAX_SUBMISSION_BYTES: u64 = 512 * 1024;
/// Most files in one submission.
pub const MAX_SUBMISSION_FILES: usize = 16;

/// An error answer from the jury: a stable code and a sentence for people.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Machine-readable reason (`unknown_address`, `bad_password`, …).
    pub error: String,
    /// What went wrong and what to do about it.
    pub message: String,
}

/// The team as its kiosk shows it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamInfo {
    /// Team id.
    pub id: String,
    /// Name to show.
    pub name: String,
}

/// A session handed to an identified kiosk.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// `selector.verifier`; valid only from `ip`.
    pub token: String,
    /// The team.
    pub team: TeamInfo,
    /// The workstation address the jury sees and has bound to the team.
    pub ip: String,
    /// How the team was identified (`ip`, `password`, `pairing`).
    pub mode: String,
    /// When the token stops working, ms since the epoch.
    pub expires_ms: i64,
    /// The jury's Ed25519 public key (hex): callback requests are signed with it.
    pub jury_key: String,
}

/// Password login body.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    /// Team id or team account username.
    pub team: String,
    /// The team's one-time password.
    pub password: String,
}

/// A pairing code shown on an unknown workstation, for the jury to approve.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairingCode {
    /// The code to read out to the jury.
    pub code: String,
    /// The address the jury will bind.
    pub ip: String,
    /// When the code stops working, ms since the epoch.
    pub expires_ms: i64,
}

/// One file of a submission reference.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    /// File name (a safe name: see [`crate::callback::validate_file_name`]).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
}

/// What a kiosk sends to submit: a reference, never the source itself.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionRef {
    /// Problem id or label.
    pub problem: String,
    /// Language id.
    pub language: String,
    /// The files, in order (the first is the main file).
    pub files: Vec<FileRef>,
    /// The callback name the files are held under.
    pub callback_name: String,
    /// The port of the kiosk's callback file server.
    pub callback_port: u16,
    /// Idempotency key: a retry carries the same nonce (32 lowercase hex).
    pub client_nonce: String,
}

/// Where a submission stands, as its team sees it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionPhase {
    /// The jury has the reference and is calling back for the files.
    PendingCallback,
    /// The files were verified and stored; waiting for a judgehost.
    Queued,
    /// A judgehost is judging it.
    Judging,
    /// Judged: see `verdict`.
    Judged,
    /// Refused: see `reason`.
    Rejected,
}

/// A submission as its team sees it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionStatus {
    /// Submission id.
    pub id: i64,
    /// Problem id.
    pub problem: String,
    /// Language id.
    pub language: String,
    /// When the reference arrived, ms since the epoch.
    pub submitted_ms: i64,
    /// The callback name.
    pub callback_name: String,
    /// Where it stands.
    pub phase: SubmissionPhase,
    /// Place in the judge queue (1 = next), while queued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_position: Option<u64>,
    /// The verdict, once judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// Why it was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Rejected only because the callback failed: sending the same
    /// reference again retries it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retryable: bool,
    /// While judging: testcases judged so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub testcases_done: Option<u32>,
    /// While judging: testcases in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub testcases_total: Option<u32>,
    /// The compiler's message, for a compile error (capped by the jury).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compile_message: Option<String>,
}

/// Problems and languages a kiosk offers, and the contest clock.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContestInfo {
    /// Contest name.
    pub name: String,
    /// Start, ms since the epoch, if scheduled.
    pub start_time_ms: Option<i64>,
    /// Length in seconds.
    pub duration_s: i64,
    /// End, ms since the epoch, if scheduled.
    #[serde(default)]
    pub end_time_ms: Option<i64>,
    /// When the public scoreboard freezes, ms since the epoch (none: no freeze).
    #[serde(default)]
    pub freeze_time_ms: Option<i64>,
    /// Whether the public scoreboard is frozen now.
    #[serde(default)]
    pub frozen: bool,
    /// Whether submissions are accepted now.
    pub running: bool,
    /// The jury's clock when it answered, ms since the epoch (a kiosk counts
    /// down with it, not with its own clock).
    #[serde(default)]
    pub server_time_ms: i64,
    /// Problems, by label: none before the contest starts.
    pub problems: Vec<ProblemInfo>,
    /// Languages teams may submit in.
    pub languages: Vec<LanguageInfo>,
}

/// A problem as a kiosk lists it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemInfo {
    /// Problem id.
    pub id: String,
    /// Label (A, B, …).
    pub label: String,
    /// Name.
    pub name: String,
    /// Its colour, `#RRGGBB`, if the contest gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rgb: Option<String>,
}

/// A language as a kiosk lists it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LanguageInfo {
    /// Language id.
    pub id: String,
    /// Name.
    pub name: String,
    /// File extensions, without the dot.
    pub extensions: Vec<String>,
    /// A run gets the problem's time limit times this.
    #[serde(default = "one")]
    pub time_factor: f64,
    /// How it is compiled, as the judgehost does it (empty: not compiled).
    #[serde(default)]
    pub compiler: String,
    /// How it is run.
    #[serde(default)]
    pub runner: String,
}

fn one() -> f64 {
    1.0
}

/// Longest clarification text, in characters.
pub const MAX_CLARIFICATION_CHARS: usize = 2000;

/// A team's question to the jury.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClarificationRequest {
    /// The problem it is about (id or label; none: a general question).
    #[serde(default)]
    pub problem: Option<String>,
    /// The question.
    pub text: String,
}

/// A clarification as a team reads it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClarificationInfo {
    /// Id.
    pub id: i64,
    /// Whether this team asked it (else the jury wrote it).
    pub from_us: bool,
    /// Whether the jury sent it to every team.
    pub to_everyone: bool,
    /// The clarification it answers.
    pub reply_to_id: Option<i64>,
    /// The problem's label (none: general).
    pub problem: Option<String>,
    /// Text.
    pub text: String,
    /// When, ms since the epoch.
    pub time_ms: i64,
}

/// A problem's statement files and samples, as a team may download them.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemMaterial {
    /// The problem.
    pub problem: ProblemInfo,
    /// The statement folder's files (Markdown, HTML, LaTeX, PDF, images),
    /// under `/api/team/problems/{id}/statement/{path}`.
    pub statement: Vec<MaterialFile>,
    /// The samples, under `/api/team/problems/{id}/samples/{name}/in|ans`.
    pub samples: Vec<SampleInfo>,
}

/// One downloadable file.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialFile {
    /// Path inside the statement folder.
    pub path: String,
    /// Its media type.
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
}

/// One sample testcase.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleInfo {
    /// Its name (`1`, `sample-02`, …).
    pub name: String,
    /// Input size, bytes.
    pub input_size: u64,
    /// Answer size, bytes.
    pub answer_size: u64,
}

/// The scoreboard as teams see it (frozen, hidden teams left out).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamScoreboard {
    /// Whether the contest has started (before: no columns, no rows).
    pub started: bool,
    /// Whether the board is frozen now.
    pub frozen: bool,
    /// The problems, in order.
    pub columns: Vec<BoardColumn>,
    /// Ranked lines, best first.
    pub rows: Vec<BoardRow>,
}

/// A scoreboard column.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardColumn {
    /// Problem id.
    pub problem_id: String,
    /// Label (A, B, …).
    pub label: String,
}

/// One ranked line of the scoreboard.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardRow {
    /// Rank (shared by teams with equal scores).
    pub rank: u32,
    /// Team id.
    pub team_id: String,
    /// Team name.
    pub name: String,
    /// Score.
    pub score: BoardScore,
    /// One cell per column, in column order.
    pub cells: Vec<BoardCell>,
}

/// A team's score.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardScore {
    /// Problems solved.
    pub solved: u32,
    /// Total minutes, penalties included.
    pub total_time: i64,
}

/// One team's result on one problem.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardCell {
    /// Solved.
    pub solved: bool,
    /// Tries that count.
    pub tries: u32,
    /// Tries not judged yet (or frozen).
    pub pending: u32,
    /// Minutes from the start to the solve.
    #[serde(default)]
    pub solve_minute: Option<i64>,
    /// First team to solve the problem.
    #[serde(default)]
    pub first_to_solve: bool,
}
