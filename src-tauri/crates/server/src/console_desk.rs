//! The console desk: what staff do from the jury console, besides reading
//! the Contest API. Pairing requests, team addresses, clarifications,
//! previewed rejudgings and the clock. Every action is checked against the
//! staff member's role (admin and jury act; balloon and analyst accounts
//! only read) and audited under `staff:NAME` with the peer address.

use std::net::IpAddr;

use floorjudge_proto::judgehost::{Credentials, Health};
use floorjudge_proto::staff::{
    Announcement, AuditLine, BalloonView, ClarificationAnswer, FailedTestcase, JudgehostView,
    JudgingDetail, JuryClarification, PairingRequest, PasswordRequest, PasswordSlip, RejudgeChange,
    RejudgeRequest, RejudgingView, RunDetail, SourceFile, SubmissionDetail, TeamRow,
};
use floorjudge_store::{RejudgeFilter, Rejudging, RejudgingState, StoreError, now_ms};

use crate::clarifications::{self, ClarificationError};
use crate::clock::{self, ClockError};
use crate::shared_store::SharedStore;
use crate::staff::Role;
use crate::staff_desk::StaffMember;

/// Why a console action was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleRefusal {
    /// The role may not do this.
    #[error("a {role} account may not {what}")]
    Forbidden {
        /// The member's role.
        role: Role,
        /// What was tried.
        what: &'static str,
    },
    /// The request makes no sense, with the reason.
    #[error("{0}")]
    Invalid(String),
    /// No such object.
    #[error("{0}")]
    NotFound(String),
    /// Not now (already applied, still judging, …), with the reason.
    #[error("{0}")]
    Conflict(String),
    /// The store failed.
    #[error("the store failed: {0}")]
    Store(StoreError),
}

impl From<StoreError> for ConsoleRefusal {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => ConsoleRefusal::NotFound(e.to_string()),
            StoreError::Conflict(why) => ConsoleRefusal::Conflict(why),
            e => ConsoleRefusal::Store(e),
        }
    }
}

impl From<ClarificationError> for ConsoleRefusal {
    fn from(e: ClarificationError) -> Self {
        match e {
            ClarificationError::Refused(why) => ConsoleRefusal::Invalid(why),
            ClarificationError::Store(e) => e.into(),
        }
    }
}

impl From<ClockError> for ConsoleRefusal {
    fn from(e: ClockError) -> Self {
        match e {
            ClockError::Refused(why) => ConsoleRefusal::Conflict(why),
            ClockError::Store(e) => e.into(),
        }
    }
}

/// A change to the contest clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockAction {
    /// Start now.
    Start,
    /// Freeze the scoreboard now.
    Freeze,
    /// Unfreeze (thaw) the scoreboard.
    Unfreeze,
    /// End now.
    End,
}

impl std::str::FromStr for ClockAction {
    type Err = ConsoleRefusal;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "start" => Ok(ClockAction::Start),
            "freeze" => Ok(ClockAction::Freeze),
            "unfreeze" => Ok(ClockAction::Unfreeze),
            "end" => Ok(ClockAction::End),
            other => Err(ConsoleRefusal::Invalid(format!(
                "{:?} is not a clock action: start, freeze, unfreeze or end",
                other.chars().take(20).collect::<String>()
            ))),
        }
    }
}

/// How much of a testcase's input the console shows.
const INPUT_BYTES: usize = 4096;
/// How much of a source file or an answer the console shows.
const TEXT_BYTES: usize = 256 * 1024;

/// The start of `data` as text.
fn text_head(data: &[u8], max: usize) -> String {
    floorjudge_proto::judgehost::truncated(
        String::from_utf8_lossy(&data[..data.len().min(max)]).into_owned(),
        max,
    )
}

/// A submission with its files, judgings, runs and first failure.
fn submission_detail(
    s: &floorjudge_store::Store,
    id: i64,
) -> Result<Option<SubmissionDetail>, StoreError> {
    let Some(sub) = s.submission(id)? else {
        return Ok(None);
    };
    let mut files = Vec::new();
    for f in &sub.files {
        let data = s.blob(&f.sha256)?.unwrap_or_default();
        files.push(SourceFile {
            name: f.name.clone(),
            text: text_head(&data, TEXT_BYTES),
        });
    }
    let mut judgings = Vec::new();
    for j in s.judgings(id)? {
        let mut runs = Vec::new();
        let mut first_failure = None;
        for r in j.runs {
            let tc = s.testcase(r.testcase_id)?;
            let (ordinal, name, sample) = tc.as_ref().map_or((0, String::new(), false), |t| {
                (t.ordinal, format!("{}/{}", t.group_path, t.name), t.sample)
            });
            if first_failure.is_none()
                && r.verdict != floorjudge_proto::Verdict::Accepted
                && let Some(t) = &tc
            {
                let input = s.blob(&t.input_sha256)?.unwrap_or_default();
                let answer = s.blob(&t.answer_sha256)?.unwrap_or_default();
                first_failure = Some(FailedTestcase {
                    ordinal,
                    testcase: name.clone(),
                    input: text_head(&input, INPUT_BYTES),
                    expected: text_head(&answer, floorjudge_proto::judgehost::TEAM_OUTPUT_BYTES),
                    actual: r.team_output.clone(),
                });
            }
            runs.push(RunDetail {
                ordinal,
                testcase: name,
                sample,
                verdict: r.verdict.clics_id().to_owned(),
                time_ms: r.time_ms,
                memory_bytes: r.memory_bytes,
                message: r.message,
            });
        }
        judgings.push(JudgingDetail {
            id: j.id,
            verdict: j.verdict.map(|v| v.clics_id().to_owned()),
            valid: j.valid,
            state: j.state,
            judgehost: j.judgehost,
            error: j.error,
            compile_output: j.compile_output.filter(|c| !c.is_empty()),
            runs,
            first_failure,
        });
    }
    Ok(Some(SubmissionDetail {
        id: sub.id,
        team_id: sub.team_id,
        problem_id: sub.problem_id,
        language_id: sub.language_id,
        files,
        judgings,
    }))
}

/// The longest reason a rejudging may carry.
const MAX_REASON_CHARS: usize = 500;

/// See the module docs.
#[derive(Debug, Clone)]
pub struct ConsoleDesk {
    store: SharedStore,
    keys: std::sync::Arc<crate::keys::JuryKeys>,
    /// The jury certificate's fingerprint, for new judgehosts to pin.
    fingerprint: Option<String>,
    /// When each team last reached the jury.
    contacts: std::sync::Arc<crate::last_contact::LastContact>,
}

/// Who acts: the audit log's actor for a staff member.
fn actor(member: &StaffMember) -> String {
    format!("staff:{}", member.name)
}

/// Refuses, and logs, an action the member's role does not allow.
fn may_act(member: &StaffMember, peer: IpAddr, what: &'static str) -> Result<(), ConsoleRefusal> {
    if matches!(member.role, Role::Admin | Role::Jury) {
        return Ok(());
    }
    tracing::warn!(peer = %peer, staff = %member.name, role = %member.role, what, "console action refused: role");
    Err(ConsoleRefusal::Forbidden {
        role: member.role,
        what,
    })
}

fn may_administer(
    member: &StaffMember,
    peer: IpAddr,
    what: &'static str,
) -> Result<(), ConsoleRefusal> {
    if member.role == Role::Admin {
        return Ok(());
    }
    tracing::warn!(peer = %peer, staff = %member.name, role = %member.role, what, "console action refused: admin only");
    Err(ConsoleRefusal::Forbidden {
        role: member.role,
        what,
    })
}

fn may_run_balloons(member: &StaffMember, peer: IpAddr) -> Result<(), ConsoleRefusal> {
    if member.role != Role::Analyst {
        return Ok(());
    }
    tracing::warn!(peer = %peer, staff = %member.name, "console action refused: balloons");
    Err(ConsoleRefusal::Forbidden {
        role: member.role,
        what: "hand out balloons",
    })
}

/// The balloons with team names, seats, labels and colours.
fn balloon_views(s: &floorjudge_store::Store) -> Result<Vec<BalloonView>, StoreError> {
    let teams: std::collections::HashMap<String, floorjudge_store::Team> =
        s.teams()?.into_iter().map(|t| (t.id.clone(), t)).collect();
    let problems: std::collections::HashMap<String, floorjudge_store::Problem> = s
        .problems()?
        .into_iter()
        .map(|p| (p.problem.id.clone(), p.problem))
        .collect();
    Ok(s.balloons()?
        .into_iter()
        .map(|b| {
            let team = teams.get(&b.team_id);
            let problem = problems.get(&b.problem_id);
            BalloonView {
                team_name: team.map_or_else(
                    || b.team_id.clone(),
                    |t| t.display_name.clone().unwrap_or_else(|| t.name.clone()),
                ),
                location: team.and_then(|t| t.location.clone()),
                problem_label: problem.map_or_else(|| b.problem_id.clone(), |p| p.label.clone()),
                color: problem.and_then(|p| p.color.clone().or(p.rgb.clone())),
                submission_id: b.submission_id,
                team_id: b.team_id,
                problem_id: b.problem_id,
                submitted_ms: b.submitted_ms,
                first_of_problem: b.first_of_problem,
                delivered_by: b.delivered_by,
            }
        })
        .collect())
}

fn may_read(member: &StaffMember, peer: IpAddr, what: &'static str) -> Result<(), ConsoleRefusal> {
    if member.role != Role::Balloon {
        return Ok(());
    }
    tracing::warn!(peer = %peer, staff = %member.name, what, "console read refused: role");
    Err(ConsoleRefusal::Forbidden {
        role: member.role,
        what,
    })
}

/// A pairing code as the workstation shows it: letters and digits, short.
fn checked_code(code: &str) -> Result<String, ConsoleRefusal> {
    let code = code.trim().to_lowercase();
    if code.is_empty() || code.len() > 32 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ConsoleRefusal::Invalid(
            "a pairing code is the letters and digits the workstation shows".into(),
        ));
    }
    Ok(code)
}

/// A team, problem, language or verdict id in a filter: short and plain.
fn checked_key(what: &str, key: Option<String>) -> Result<Option<String>, ConsoleRefusal> {
    let Some(key) = key.map(|k| k.trim().to_owned()).filter(|k| !k.is_empty()) else {
        return Ok(None);
    };
    if key.len() > 64 || key.chars().any(char::is_control) {
        return Err(ConsoleRefusal::Invalid(format!(
            "the {what} is not an id (at most 64 characters, no control characters)"
        )));
    }
    Ok(Some(key))
}

fn rejudging_view(r: Rejudging) -> RejudgingView {
    RejudgingView {
        id: r.id,
        reason: r.reason,
        created_by: r.created_by,
        created_ms: r.created_ms,
        state: match r.state {
            RejudgingState::Open => "open",
            RejudgingState::Applied => "applied",
            RejudgingState::Cancelled => "cancelled",
        }
        .to_owned(),
        ended_by: r.ended_by,
        changes: r
            .entries
            .into_iter()
            .map(|e| RejudgeChange {
                submission_id: e.submission_id,
                team_id: e.team_id,
                problem_id: e.problem_id,
                language_id: e.language_id,
                old_verdict: e.old_verdict,
                new_verdict: e.new_verdict,
                done: e.done,
                error: e.error,
            })
            .collect(),
    }
}

impl ConsoleDesk {
    /// A desk over `store`; new judgehosts get secrets from `keys` and
    /// are told to pin `fingerprint`.
    pub fn new(
        store: SharedStore,
        keys: std::sync::Arc<crate::keys::JuryKeys>,
        fingerprint: Option<String>,
        contacts: std::sync::Arc<crate::last_contact::LastContact>,
    ) -> Self {
        ConsoleDesk {
            store,
            keys,
            fingerprint,
            contacts,
        }
    }

    /// New one-time passwords for the teams `req` selects: hashed off the
    /// store's lock (argon2 is slow on purpose), stored in one transaction,
    /// answered in clear once.
    pub async fn passwords(
        &self,
        member: &StaffMember,
        peer: IpAddr,
        req: PasswordRequest,
    ) -> Result<Vec<PasswordSlip>, ConsoleRefusal> {
        may_act(member, peer, "issue team passwords")?;
        let key = checked_key("team", req.team)?;
        let teams = self
            .store
            .run(move |s| match key {
                Some(k) => Ok(vec![s.team(&k)?]),
                None => s.teams(),
            })
            .await?;
        let teams: Vec<_> = teams
            .into_iter()
            .filter(|t| !(req.only_missing && t.has_password))
            .filter(|t| !(req.without_ip && t.ip.is_some()))
            .collect();
        if teams.is_empty() {
            return Err(ConsoleRefusal::Conflict(
                "no team matches: every one has a workstation or a password already".into(),
            ));
        }
        let (slips, hashes) = tokio::task::spawn_blocking(move || {
            let mut slips = Vec::with_capacity(teams.len());
            let mut hashes = Vec::with_capacity(teams.len());
            for t in teams {
                let password = crate::passwords::generate();
                let hash = crate::passwords::hash(&password)
                    .map_err(|e| ConsoleRefusal::Invalid(e.to_string()))?;
                hashes.push((t.id.clone(), hash));
                slips.push(PasswordSlip {
                    team_name: t.display_name.unwrap_or(t.name),
                    team_id: t.id,
                    location: t.location,
                    password,
                });
            }
            Ok::<_, ConsoleRefusal>((slips, hashes))
        })
        .await
        .map_err(|e| ConsoleRefusal::Invalid(format!("hashing the passwords stopped: {e}")))??;
        let who = actor(member);
        self.store
            .run(move |s| s.set_team_password_hashes(&hashes, &who))
            .await?;
        tracing::info!(staff = %member.name, teams = slips.len(), "team passwords issued from the console");
        Ok(slips)
    }

    /// Every judgehost with its last reported health.
    pub async fn judgehosts(
        &self,
        member: &StaffMember,
        peer: IpAddr,
    ) -> Result<Vec<JudgehostView>, ConsoleRefusal> {
        may_read(member, peer, "see judgehosts")?;
        let hosts = self.store.run(|s| s.judgehosts()).await?;
        Ok(hosts
            .into_iter()
            .map(|h| {
                let health: Option<Health> = h
                    .health_json
                    .as_deref()
                    .and_then(|j| serde_json::from_str(j).ok());
                JudgehostView {
                    name: h.name,
                    revoked: h.revoked,
                    last_seen_ms: h.last_seen_ms,
                    load_1m: health.as_ref().map(|x| x.load_1m),
                    memory_used: health.as_ref().map(|x| x.memory_used),
                    memory_total: health.as_ref().map(|x| x.memory_total),
                    disk_free: health.as_ref().map(|x| x.disk_free),
                    judgings_in_flight: health.as_ref().map(|x| x.judgings_in_flight),
                }
            })
            .collect())
    }

    /// Issues credentials for a new judgehost (admin only); the secret is in
    /// the answer and nowhere else.
    pub async fn add_judgehost(
        &self,
        member: &StaffMember,
        peer: IpAddr,
        name: String,
    ) -> Result<Credentials, ConsoleRefusal> {
        may_administer(member, peer, "add judgehosts")?;
        let (keys, who) = (self.keys.clone(), actor(member));
        let mut creds = self
            .store
            .run(move |s| crate::judgehost_credentials::issue(s, &keys, name.trim(), &who))
            .await?;
        creds.jury_fingerprint = self.fingerprint.clone();
        tracing::info!(staff = %member.name, judgehost = %creds.name, "judgehost added from the console");
        Ok(creds)
    }

    /// Revokes a judgehost (admin only): its jobs go back to the queue.
    pub async fn revoke_judgehost(
        &self,
        member: &StaffMember,
        peer: IpAddr,
        name: String,
    ) -> Result<(), ConsoleRefusal> {
        may_administer(member, peer, "revoke judgehosts")?;
        let who = actor(member);
        self.store
            .run(move |s| s.revoke_judgehost(&name, &who))
            .await?;
        Ok(())
    }

    /// The newest audit entries holding `query` (all with an empty one).
    pub async fn audit(
        &self,
        member: &StaffMember,
        peer: IpAddr,
        query: String,
        limit: usize,
    ) -> Result<Vec<AuditLine>, ConsoleRefusal> {
        may_act(member, peer, "read the audit log")?;
        if query.chars().count() > 200 {
            return Err(ConsoleRefusal::Invalid(
                "search for at most 200 characters".into(),
            ));
        }
        let limit = limit.clamp(1, 1000);
        let rows = self
            .store
            .run(move |s| s.search_audit(query.trim(), limit))
            .await?;
        Ok(rows
            .into_iter()
            .map(|e| AuditLine {
                at_ms: e.at_ms,
                actor: e.actor,
                action: e.action,
                subject: e.subject,
                detail: e.detail,
                source_ip: e.source_ip,
            })
            .collect())
    }

    /// Every balloon, oldest first (balloon runners, jury and admin).
    pub async fn balloons(
        &self,
        member: &StaffMember,
        peer: IpAddr,
    ) -> Result<Vec<BalloonView>, ConsoleRefusal> {
        may_run_balloons(member, peer)?;
        self.store
            .run(|s| balloon_views(s))
            .await
            .map_err(Into::into)
    }

    /// Marks a balloon delivered.
    pub async fn deliver_balloon(
        &self,
        member: &StaffMember,
        peer: IpAddr,
        submission: i64,
    ) -> Result<(), ConsoleRefusal> {
        may_run_balloons(member, peer)?;
        let who = actor(member);
        self.store
            .run(move |s| s.deliver_balloon(submission, &who, now_ms()))
            .await?;
        Ok(())
    }

    /// One submission: files, judgings, runs and the first failure's
    /// outputs.
    pub async fn submission(
        &self,
        member: &StaffMember,
        peer: IpAddr,
        id: i64,
    ) -> Result<SubmissionDetail, ConsoleRefusal> {
        may_read(member, peer, "read submissions")?;
        self.store
            .run(move |s| submission_detail(s, id))
            .await?
            .ok_or_else(|| ConsoleRefusal::NotFound(format!("no submission {id}")))
    }

    /// The judgehost of each submission's latest judging (any staff
    /// member: the submission list shows it).
    pub async fn judged_by(
        &self,
    ) -> Result<Vec<floorjudge_proto::staff::JudgedBy>, ConsoleRefusal> {
        let rows = self.store.run(|s| s.latest_judgehosts()).await?;
        Ok(rows
            .into_iter()
            .map(
                |(submission_id, judgehost)| floorjudge_proto::staff::JudgedBy {
                    submission_id,
                    judgehost,
                },
            )
            .collect())
    }

    /// The pairing codes waiting for approval, oldest first.
    pub async fn pairings(
        &self,
        member: &StaffMember,
        peer: IpAddr,
    ) -> Result<Vec<PairingRequest>, ConsoleRefusal> {
        may_read(member, peer, "see pairing requests")?;
        let rows = self.store.run(|s| s.open_pairing_codes(now_ms())).await?;
        Ok(rows
            .into_iter()
            .map(|r| PairingRequest {
                code: r.code,
                ip: r.ip,
                expires_ms: r.expires_ms,
            })
            .collect())
    }

    /// Approves pairing `code` as `team`: binds the workstation's address.
    pub async fn approve_pairing(
        &self,
        member: &StaffMember,
        peer: IpAddr,
        code: &str,
        team: &str,
    ) -> Result<TeamRow, ConsoleRefusal> {
        may_act(member, peer, "approve pairing codes")?;
        let code = checked_code(code)?;
        let team = checked_key("team", Some(team.to_owned()))?
            .ok_or_else(|| ConsoleRefusal::Invalid("say which team the workstation is".into()))?;
        let who = actor(member);
        let row = self
            .store
            .run(move |s| {
                let row = s.approve_pairing(&code, &team, &who, now_ms())?;
                s.team(row.team_id.as_deref().unwrap_or_default())
            })
            .await?;
        tracing::info!(staff = %member.name, team = %row.id, ip = ?row.ip, "pairing approved from the console");
        Ok(self.team_row(row))
    }

    /// Turns pairing `code` down.
    pub async fn refuse_pairing(
        &self,
        member: &StaffMember,
        peer: IpAddr,
        code: &str,
    ) -> Result<(), ConsoleRefusal> {
        may_act(member, peer, "refuse pairing codes")?;
        let code = checked_code(code)?;
        let who = actor(member);
        self.store
            .run(move |s| s.refuse_pairing(&code, &who, now_ms()))
            .await?;
        Ok(())
    }

    /// Every team with its address.
    pub async fn teams(
        &self,
        member: &StaffMember,
        peer: IpAddr,
    ) -> Result<Vec<TeamRow>, ConsoleRefusal> {
        may_read(member, peer, "see the teams' addresses")?;
        let teams = self.store.run(|s| s.teams()).await?;
        Ok(teams.into_iter().map(|t| self.team_row(t)).collect())
    }

    /// Unbinds `team`'s workstation so it can identify again elsewhere.
    pub async fn reset_ip(
        &self,
        member: &StaffMember,
        peer: IpAddr,
        team: &str,
    ) -> Result<TeamRow, ConsoleRefusal> {
        may_act(member, peer, "reset a team's address")?;
        let team = checked_key("team", Some(team.to_owned()))?
            .ok_or_else(|| ConsoleRefusal::Invalid("say which team".into()))?;
        let who = actor(member);
        let source = peer.to_string();
        let row = self
            .store
            .run(move |s| {
                let id = s.team(&team)?.id;
                s.set_team_ip(&id, None, &who, Some(&source))?;
                s.team(&id)
            })
            .await?;
        Ok(self.team_row(row))
    }

    /// Every clarification, oldest first, questions marked answered.
    pub async fn clarifications(
        &self,
        member: &StaffMember,
        peer: IpAddr,
    ) -> Result<Vec<JuryClarification>, ConsoleRefusal> {
        may_read(member, peer, "read clarifications")?;
        let all = self.store.run(|s| s.clarifications()).await?;
        let answered: std::collections::HashSet<i64> =
            all.iter().filter_map(|c| c.reply_to_id).collect();
        Ok(all
            .into_iter()
            .map(|c| JuryClarification {
                answered: answered.contains(&c.id),
                id: c.id,
                from_team_id: c.from_team_id,
                to_team_id: c.to_team_id,
                reply_to_id: c.reply_to_id,
                problem_id: c.problem_id,
                text: c.text,
                at_ms: c.at_ms,
                author: c.author,
            })
            .collect())
    }

    /// Answers clarification `id`, to its team or to everyone.
    pub async fn answer(
        &self,
        member: &StaffMember,
        peer: IpAddr,
        id: i64,
        answer: ClarificationAnswer,
    ) -> Result<i64, ConsoleRefusal> {
        may_act(member, peer, "answer clarifications")?;
        let who = actor(member);
        let c = self
            .store
            .run(move |s| {
                Ok(clarifications::answer(
                    s,
                    id,
                    &answer.text,
                    answer.to_all,
                    &who,
                    now_ms(),
                ))
            })
            .await??;
        Ok(c.id)
    }

    /// Tells every team.
    pub async fn announce(
        &self,
        member: &StaffMember,
        peer: IpAddr,
        a: Announcement,
    ) -> Result<i64, ConsoleRefusal> {
        may_act(member, peer, "send announcements")?;
        let problem = checked_key("problem", a.problem)?;
        let who = actor(member);
        let c = self
            .store
            .run(move |s| {
                Ok(clarifications::announce(
                    s,
                    &a.text,
                    problem.as_deref(),
                    &who,
                    now_ms(),
                ))
            })
            .await??;
        Ok(c.id)
    }

    /// Starts a previewed rejudging of what `req` selects.
    pub async fn rejudge(
        &self,
        member: &StaffMember,
        peer: IpAddr,
        req: RejudgeRequest,
    ) -> Result<RejudgingView, ConsoleRefusal> {
        may_act(member, peer, "rejudge")?;
        let reason = req.reason.trim().to_owned();
        if reason.is_empty() {
            return Err(ConsoleRefusal::Invalid(
                "say why you rejudge (the reason goes in the list and the audit log)".into(),
            ));
        }
        if reason.chars().count() > MAX_REASON_CHARS || reason.chars().any(char::is_control) {
            return Err(ConsoleRefusal::Invalid(format!(
                "a reason is one line of at most {MAX_REASON_CHARS} characters"
            )));
        }
        if req.submissions.len() > 10_000 {
            return Err(ConsoleRefusal::Invalid(
                "at most 10000 submissions by id: filter by problem, team, language or verdict"
                    .into(),
            ));
        }
        let filter = RejudgeFilter {
            submissions: req.submissions,
            problem: checked_key("problem", req.problem)?,
            team: checked_key("team", req.team)?,
            language: checked_key("language", req.language)?,
            verdict: checked_key("verdict", req.verdict)?,
        };
        let who = actor(member);
        let made = self
            .store
            .run(move |s| s.create_rejudging(&filter, &reason, &who, now_ms()))
            .await?;
        tracing::info!(staff = %member.name, rejudging = made.id, submissions = made.entries.len(), "rejudging started");
        Ok(rejudging_view(made))
    }

    /// Every rejudging, newest first.
    pub async fn rejudgings(
        &self,
        member: &StaffMember,
        peer: IpAddr,
    ) -> Result<Vec<RejudgingView>, ConsoleRefusal> {
        may_read(member, peer, "see rejudgings")?;
        let all = self.store.run(|s| s.rejudgings()).await?;
        Ok(all.into_iter().map(rejudging_view).collect())
    }

    /// One rejudging with its preview.
    pub async fn rejudging(
        &self,
        member: &StaffMember,
        peer: IpAddr,
        id: i64,
    ) -> Result<RejudgingView, ConsoleRefusal> {
        may_read(member, peer, "see rejudgings")?;
        let r = self.store.run(move |s| s.rejudging(id)).await?;
        r.map(rejudging_view)
            .ok_or_else(|| ConsoleRefusal::NotFound(format!("no rejudging {id}")))
    }

    /// Applies (`apply`) or cancels an open rejudging.
    pub async fn end_rejudging(
        &self,
        member: &StaffMember,
        peer: IpAddr,
        id: i64,
        apply: bool,
    ) -> Result<RejudgingView, ConsoleRefusal> {
        may_act(
            member,
            peer,
            if apply {
                "apply rejudgings"
            } else {
                "cancel rejudgings"
            },
        )?;
        let who = actor(member);
        let r = self
            .store
            .run(move |s| {
                if apply {
                    s.apply_rejudging(id, &who, now_ms())
                } else {
                    s.cancel_rejudging(id, &who, now_ms())
                }
            })
            .await?;
        tracing::info!(staff = %member.name, rejudging = id, apply, "rejudging ended");
        Ok(rejudging_view(r))
    }

    /// Starts, freezes, unfreezes or ends the contest now.
    pub async fn clock(
        &self,
        member: &StaffMember,
        peer: IpAddr,
        action: ClockAction,
    ) -> Result<(), ConsoleRefusal> {
        may_act(member, peer, "change the contest clock")?;
        let who = actor(member);
        self.store
            .run(move |s| {
                let now = now_ms();
                Ok(match action {
                    ClockAction::Start => clock::start(s, None, now, &who),
                    ClockAction::Freeze => clock::freeze(s, now, &who),
                    ClockAction::Unfreeze => clock::unfreeze(s, now, &who),
                    ClockAction::End => clock::end(s, now, &who),
                })
            })
            .await??;
        tracing::info!(staff = %member.name, ?action, "contest clock changed from the console");
        Ok(())
    }
}

impl ConsoleDesk {
    /// A team as the console shows it, with its last contact.
    fn team_row(&self, t: floorjudge_store::Team) -> TeamRow {
        TeamRow {
            last_contact_ms: self.contacts.of(&t.id),
            name: t.display_name.unwrap_or(t.name),
            id: t.id,
            label: t.label,
            ip: t.ip,
            has_password: t.has_password,
            hidden: t.hidden,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_keys_are_checked() {
        assert_eq!(checked_code(" AB12cd ").unwrap(), "ab12cd");
        assert!(checked_code("").is_err());
        assert!(checked_code("ab-12").is_err());
        assert!(checked_code(&"a".repeat(33)).is_err());
        assert_eq!(checked_key("team", Some("  ".into())).unwrap(), None);
        assert!(checked_key("team", Some("a\u{7}b".into())).is_err());
        assert!(checked_key("team", Some("x".repeat(65))).is_err());
        assert!("rewind".parse::<ClockAction>().is_err());
        assert_eq!("end".parse::<ClockAction>().unwrap(), ClockAction::End);
    }

    #[test]
    fn only_admin_and_jury_act() {
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        for (role, acts) in [
            (Role::Admin, true),
            (Role::Jury, true),
            (Role::Balloon, false),
            (Role::Analyst, false),
        ] {
            let m = StaffMember {
                name: "x".into(),
                role,
            };
            assert_eq!(may_act(&m, peer, "rejudge").is_ok(), acts, "{role}");
        }
    }
}
