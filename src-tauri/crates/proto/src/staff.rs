//! The staff contract: console logins under `/api/staff`.

use serde::{Deserialize, Serialize};

/// `POST /api/staff/login`: an account's name, password and, once an
/// authenticator is enrolled, its current code (or a recovery code).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffLogin {
    /// Account name.
    pub name: String,
    /// Password.
    pub password: String,
    /// TOTP or recovery code, when the account needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl std::fmt::Debug for StaffLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffLogin")
            .field("name", &self.name)
            .field("code", &self.code.as_ref().map(|_| "…"))
            .finish_non_exhaustive()
    }
}

/// A fresh console session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionGrant {
    /// `selector.verifier`, sent back as `Authorization: Bearer`.
    pub token: String,
    /// Account name.
    pub name: String,
    /// Its role: `admin`, `jury`, `balloon` or `analyst`.
    pub role: String,
    /// When the session ends, ms since the epoch.
    pub expires_ms: i64,
}

/// A refusal of the staff API: a stable `error` code and plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffApiError {
    /// `code_required`, `bad_code`, `bad_credentials`, `bad_token`,
    /// `rate_limited`, `bad_request`, …
    pub error: String,
    /// What went wrong.
    pub message: String,
}

/// A workstation's pairing code waiting for the jury
/// (`GET /api/staff/pairings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PairingRequest {
    /// The code the workstation shows.
    pub code: String,
    /// The address it asked from (the peer address the jury saw).
    pub ip: String,
    /// When it expires, ms since the epoch.
    pub expires_ms: i64,
}

/// `POST /api/staff/pairings/{code}/approve`: the team the workstation is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairingApproval {
    /// Team id or label.
    pub team: String,
}

/// A team as the jury sees it (`GET /api/staff/teams`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TeamRow {
    /// CLICS id.
    pub id: String,
    /// Label.
    pub label: String,
    /// Name to show.
    pub name: String,
    /// The workstation address bound to it, if any.
    pub ip: Option<String>,
    /// Whether it has a one-time password that was not used yet.
    pub has_password: bool,
    /// Hidden from the public scoreboard.
    pub hidden: bool,
    /// When its kiosk last reached the jury (since the jury started), ms
    /// since the epoch.
    pub last_contact_ms: Option<i64>,
}

/// `POST /api/staff/rejudgings`: what to judge again, and why. Filters
/// combine; at least one is needed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct RejudgeRequest {
    /// These submission ids.
    #[serde(default)]
    pub submissions: Vec<i64>,
    /// All of this problem (id).
    #[serde(default)]
    pub problem: Option<String>,
    /// All of this team (id).
    #[serde(default)]
    pub team: Option<String>,
    /// All in this language (id).
    #[serde(default)]
    pub language: Option<String>,
    /// All whose verdict is this (`WA`, `TLE`, …).
    #[serde(default)]
    pub verdict: Option<String>,
    /// Why (shown in the list and the audit log).
    pub reason: String,
}

/// One submission of a rejudging, old and new verdict side by side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RejudgeChange {
    /// The submission.
    pub submission_id: i64,
    /// Its team.
    pub team_id: String,
    /// Its problem.
    pub problem_id: String,
    /// Its language.
    pub language_id: String,
    /// The verdict that counts now (`None`: judge error).
    pub old_verdict: Option<String>,
    /// The rejudge's verdict (`None` while it runs, or a judge error).
    pub new_verdict: Option<String>,
    /// Whether the rejudge of it is finished.
    pub done: bool,
    /// The rejudge's judge error, if any.
    pub error: Option<String>,
}

/// A rejudging and its preview (`GET /api/staff/rejudgings/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RejudgingView {
    /// Id.
    pub id: i64,
    /// Why.
    pub reason: String,
    /// Who asked for it.
    pub created_by: String,
    /// When, ms since the epoch.
    pub created_ms: i64,
    /// `open` (judging or waiting to be applied), `applied` or `cancelled`.
    pub state: String,
    /// Who applied or cancelled it.
    pub ended_by: Option<String>,
    /// Its submissions.
    pub changes: Vec<RejudgeChange>,
}

/// A clarification as the jury sees it (`GET /api/staff/clarifications`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JuryClarification {
    /// Id.
    pub id: i64,
    /// The team that asked (`None`: written by the jury).
    pub from_team_id: Option<String>,
    /// The team it is for (`None` with no sender: for everyone).
    pub to_team_id: Option<String>,
    /// The question it answers.
    pub reply_to_id: Option<i64>,
    /// The problem it is about (`None`: general).
    pub problem_id: Option<String>,
    /// The text.
    pub text: String,
    /// When, ms since the epoch.
    pub at_ms: i64,
    /// Who wrote it (`team:ID` or `staff:NAME`).
    pub author: String,
    /// For a team's question: whether some answer refers to it.
    pub answered: bool,
}

/// `POST /api/staff/clarifications/{id}/answer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClarificationAnswer {
    /// The answer.
    pub text: String,
    /// To every team instead of only the team that asked.
    #[serde(default)]
    pub to_all: bool,
}

/// `POST /api/staff/announcements`: the jury tells every team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Announcement {
    /// The text.
    pub text: String,
    /// The problem it is about (id or label), if any.
    #[serde(default)]
    pub problem: Option<String>,
}

/// One file of a submission (`GET /api/staff/submissions/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SourceFile {
    /// Its name.
    pub name: String,
    /// Its text (lossy UTF-8).
    pub text: String,
}

/// One testcase run of a judging, as the jury reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RunDetail {
    /// Position in judging order, from 1.
    pub ordinal: i64,
    /// `group/name`, e.g. `secret/03-large`.
    pub testcase: String,
    /// A sample.
    pub sample: bool,
    /// Verdict.
    pub verdict: String,
    /// Charged time, ms.
    pub time_ms: i64,
    /// Peak memory, bytes.
    pub memory_bytes: i64,
    /// The validator's or the sandbox's message.
    pub message: String,
}

/// The first failed testcase of a judging: expected and actual output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FailedTestcase {
    /// Its position.
    pub ordinal: i64,
    /// `group/name`.
    pub testcase: String,
    /// The start of its input.
    pub input: String,
    /// The start of the jury's answer.
    pub expected: String,
    /// The start of what the program wrote (`None`: the judgehost sent
    /// none).
    pub actual: Option<String>,
}

/// One judging with everything the jury looks at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JudgingDetail {
    /// Id.
    pub id: i64,
    /// Verdict, once done (`None` while running or after a judge error).
    pub verdict: Option<String>,
    /// Whether it counts.
    pub valid: bool,
    /// Queue state: `queued`, `leased` or `done`.
    pub state: String,
    /// The judgehost that has or had it.
    pub judgehost: Option<String>,
    /// Judge error, if any.
    pub error: Option<String>,
    /// Compiler messages.
    pub compile_output: Option<String>,
    /// Testcase runs in order.
    pub runs: Vec<RunDetail>,
    /// The first failed testcase, with the outputs to compare.
    pub first_failure: Option<FailedTestcase>,
}

/// A submission as the jury reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SubmissionDetail {
    /// Id.
    pub id: i64,
    /// Team id.
    pub team_id: String,
    /// Problem id.
    pub problem_id: String,
    /// Language id.
    pub language_id: String,
    /// Its files.
    pub files: Vec<SourceFile>,
    /// Its judgings, oldest first.
    pub judgings: Vec<JudgingDetail>,
}

/// A judgehost and its health (`GET /api/staff/judgehosts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JudgehostView {
    /// Its name.
    pub name: String,
    /// Whether its credential is revoked.
    pub revoked: bool,
    /// Its last request, ms since the epoch.
    pub last_seen_ms: Option<i64>,
    /// One-minute load average, as last reported.
    pub load_1m: Option<f64>,
    /// Memory in use, bytes.
    pub memory_used: Option<u64>,
    /// Total memory, bytes.
    pub memory_total: Option<u64>,
    /// Free disk where its cache is, bytes.
    pub disk_free: Option<u64>,
    /// Judgings it runs now.
    pub judgings_in_flight: Option<u32>,
}

/// `POST /api/staff/judgehosts`: a new judgehost's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewJudgehost {
    /// 1 to 36 of `A-Z a-z 0-9 _ - .`.
    pub name: String,
}

/// One audit log entry (`GET /api/staff/audit?q=TEXT`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditLine {
    /// When, ms since the epoch.
    pub at_ms: i64,
    /// Who (`staff:NAME`, `team:ID`, `cli:USER`, …).
    pub actor: String,
    /// What, dotted.
    pub action: String,
    /// To what.
    pub subject: Option<String>,
    /// Details.
    pub detail: Option<String>,
    /// From which address.
    pub source_ip: Option<String>,
}

/// A balloon to hand out (`GET /api/staff/balloons`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BalloonView {
    /// The accepted submission.
    pub submission_id: i64,
    /// Team id.
    pub team_id: String,
    /// Team name.
    pub team_name: String,
    /// Where the team sits, if known.
    pub location: Option<String>,
    /// Problem id.
    pub problem_id: String,
    /// Problem label.
    pub problem_label: String,
    /// The balloon's colour (the problem's), if set.
    pub color: Option<String>,
    /// When it was submitted, ms since the epoch.
    pub submitted_ms: i64,
    /// The first solve of this problem in the contest.
    pub first_of_problem: bool,
    /// Who delivered it, once delivered.
    pub delivered_by: Option<String>,
}

/// `POST /api/staff/passwords`: which teams get a new one-time password.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    /// Only this team (id or label); else every team the flags keep.
    #[serde(default)]
    pub team: Option<String>,
    /// Skip teams with a bound workstation.
    #[serde(default)]
    pub without_ip: bool,
    /// Skip teams that have a password already.
    #[serde(default)]
    pub only_missing: bool,
}

/// A new one-time password, in clear: shown once, for the slip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PasswordSlip {
    /// Team id.
    pub team_id: String,
    /// Team name.
    pub team_name: String,
    /// Where the team sits, if known.
    pub location: Option<String>,
    /// The password.
    pub password: String,
}

/// Which judgehost took a submission's latest judging
/// (`GET /api/staff/judged-by`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgedBy {
    /// The submission.
    pub submission_id: i64,
    /// The judgehost's name.
    pub judgehost: String,
}
