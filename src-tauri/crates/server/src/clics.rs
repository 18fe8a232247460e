//! The contest as the CLICS Contest API (2023-06) shows it: each object
//! built from the store, for one audience. The public sees the frozen
//! contest (no problems before the start, no hidden teams, no judgements of
//! submissions made during the freeze until it is lifted, no runs, only
//! clarifications to everyone); staff see everything, and only admins the
//! accounts. The HTTP adapter is [`crate::http::clics`]; the event feed's
//! lines are made here too ([`feed_line`]), so the REST and the feed views
//! of an object are the same.

use std::collections::HashMap;

use floorjudge_store::{
    Clarification, ContestSettings, Event, JudgingRow, RunRecord, Store, StoreError, Submission,
    SubmissionState, Team,
};
use serde_json::{Value, json};

use crate::clock::Clock;
use crate::reltime::{format_reltime_ms, format_time};
use crate::scoreboard::View;
use crate::staff::Role;

/// The Contest API version served.
pub const API_VERSION: &str = "2023-06";

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// No credentials: the frozen, public contest.
    Public,
    /// A staff account (jury, analyst, balloon): everything but accounts.
    Staff,
    /// An administrator: everything.
    Admin,
}

impl Audience {
    /// The audience of a staff role.
    pub fn of_role(role: Role) -> Audience {
        match role {
            Role::Admin => Audience::Admin,
            Role::Jury | Role::Balloon | Role::Analyst => Audience::Staff,
        }
    }

    fn full(self) -> bool {
        self != Audience::Public
    }
}

/// Why a Contest API request has no answer.
#[derive(Debug, thiserror::Error)]
pub enum ClicsError {
    /// No such endpoint or object.
    #[error("{0}")]
    NotFound(String),
    /// The audience may not see it.
    #[error("{0}")]
    Forbidden(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The endpoints of a contest that hold collections of objects.
pub const COLLECTIONS: &[&str] = &[
    "judgement-types",
    "languages",
    "problems",
    "groups",
    "organizations",
    "teams",
    "accounts",
    "submissions",
    "judgements",
    "runs",
    "clarifications",
    "awards",
];

/// The judgement types floorjudge gives (CLICS ids).
const JUDGEMENT_TYPES: &[(&str, &str, bool, bool)] = &[
    ("AC", "Accepted", false, true),
    ("WA", "Wrong Answer", true, false),
    ("TLE", "Time Limit Exceeded", true, false),
    ("MLE", "Memory Limit Exceeded", true, false),
    ("RTE", "Run-Time Error", true, false),
    ("OLE", "Output Limit Exceeded", true, false),
    ("CE", "Compile Error", false, false),
    ("JE", "Judging Error", false, false),
];

/// `GET /api`: what this server is.
pub fn api_information() -> Value {
    json!({
        "version": API_VERSION,
        "version_url": "https://ccs-specs.icpc.io/2023-06/contest_api",
        "provider": { "name": "floorjudge", "version": env!("CARGO_PKG_VERSION") },
    })
}

/// A read of the contest for one audience at one moment.
pub struct ContestView<'a> {
    store: &'a Store,
    audience: Audience,
    now: i64,
    contest: ContestSettings,
    clock: Clock,
    teams: Option<HashMap<String, Team>>,
    hidden_groups: std::collections::HashSet<String>,
}

impl std::fmt::Debug for ContestView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContestView")
            .field("audience", &self.audience)
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

/// Whole milliseconds as seconds (at most three decimals).
fn seconds(ms: i64) -> Value {
    json!(ms as f64 / 1000.0)
}

impl<'a> ContestView<'a> {
    /// The contest in `store` as `audience` sees it at `now` (ms).
    pub fn new(store: &'a Store, audience: Audience, now: i64) -> Result<Self, StoreError> {
        let contest = store.contest()?.settings;
        let clock = Clock::of(&contest);
        Ok(ContestView {
            store,
            audience,
            now,
            contest,
            clock,
            teams: None,
            hidden_groups: crate::scoreboard::hidden_groups(store)?,
        })
    }

    /// The contest's CLICS id.
    pub fn contest_id(&self) -> &str {
        &self.contest.id
    }

    fn started(&self) -> bool {
        self.clock.start_ms.is_some_and(|s| self.now >= s)
    }

    fn contest_time(&self, ms: i64) -> String {
        format_reltime_ms(ms - self.clock.start_ms.unwrap_or(ms))
    }

    /// `contests/{id}`.
    pub fn contest(&self) -> Value {
        let c = &self.contest;
        let mut v = json!({
            "id": c.id,
            "name": c.name,
            "formal_name": c.formal_name.clone().unwrap_or_else(|| c.name.clone()),
            "start_time": c.start_time_ms.map(format_time),
            "duration": format_reltime_ms(c.duration_s * 1000),
            "scoreboard_freeze_duration": format_reltime_ms(c.freeze_s * 1000),
            "scoreboard_type": "pass-fail",
            "penalty_time": c.penalty_minutes,
        });
        if c.freeze_s == 0 {
            v["scoreboard_freeze_duration"] = Value::Null;
        }
        v
    }

    /// `contests/{id}/state`.
    pub fn state(&self) -> Value {
        let now = self.now;
        let passed = |t: Option<i64>| t.filter(|t| now >= *t).map(format_time);
        let ended = self.clock.end_ms().filter(|e| now >= *e);
        let thawed = self.clock.thawed_ms.filter(|t| now >= *t);
        json!({
            "started": passed(self.clock.start_ms),
            "frozen": passed(self.clock.freeze_ms()),
            "ended": ended.map(format_time),
            "thawed": thawed.map(format_time),
            // final once ended and, with a freeze, thawed
            "finalized": ended
                .filter(|_| self.clock.freeze_ms().is_none() || thawed.is_some())
                .map(|e| format_time(e.max(thawed.unwrap_or(e)))),
            "end_of_updates": Value::Null,
        })
    }

    fn team_map(&mut self) -> Result<&HashMap<String, Team>, StoreError> {
        if self.teams.is_none() {
            let map = self
                .store
                .teams()?
                .into_iter()
                .map(|t| (t.id.clone(), t))
                .collect();
            self.teams = Some(map);
        }
        Ok(self.teams.as_ref().expect("just filled"))
    }

    /// Whether the audience sees `team` (hidden teams are the jury's).
    fn sees_team(&mut self, team_id: &str) -> Result<bool, StoreError> {
        if self.audience.full() {
            return Ok(true);
        }
        let hidden = self.hidden_groups.clone();
        Ok(self
            .team_map()?
            .get(team_id)
            .is_some_and(|t| !crate::scoreboard::publicly_hidden(t, &hidden)))
    }

    /// Every object of `endpoint`, in id order.
    pub fn collection(&mut self, endpoint: &str) -> Result<Vec<Value>, ClicsError> {
        Ok(match endpoint {
            "judgement-types" => JUDGEMENT_TYPES
                .iter()
                .map(|t| judgement_type(t.0).expect("listed"))
                .collect(),
            "languages" => self
                .store
                .languages()?
                .iter()
                .filter(|l| l.allow_submit)
                .map(|l| self.language(l))
                .collect(),
            "problems" => {
                if !self.audience.full() && !self.started() {
                    return Ok(Vec::new());
                }
                let mut out = Vec::new();
                for p in self.store.problems()? {
                    out.push(problem_json(&p));
                }
                out
            }
            "groups" => self
                .store
                .groups()?
                .into_iter()
                .filter(|g| self.audience.full() || !g.hidden)
                .map(|g| group_json(&g))
                .collect(),
            "organizations" => self
                .store
                .organizations()?
                .iter()
                .map(organization_json)
                .collect(),
            "teams" => {
                let teams: Vec<Team> = self.team_map()?.values().cloned().collect();
                let mut out: Vec<(String, Value)> = Vec::new();
                for t in teams {
                    if self.audience.full()
                        || !crate::scoreboard::publicly_hidden(&t, &self.hidden_groups)
                    {
                        out.push((t.id.clone(), team_json(&t)));
                    }
                }
                out.sort_by(|a, b| natural(&a.0).cmp(&natural(&b.0)));
                out.into_iter().map(|(_, v)| v).collect()
            }
            "accounts" => {
                self.require_admin()?;
                self.accounts()?
            }
            "submissions" => {
                let mut out = Vec::new();
                for s in self.store.submissions()? {
                    if let Some(v) = self.submission_json(&s)? {
                        out.push(v);
                    }
                }
                out
            }
            "judgements" => {
                let subs = self.submission_index()?;
                let mut out = Vec::new();
                for j in self.store.started_judgings()? {
                    if let Some(s) = subs.get(&j.submission_id)
                        && let Some(v) = self.judgement_json(s, &j)?
                    {
                        out.push(v);
                    }
                }
                out
            }
            "runs" => {
                if !self.audience.full() {
                    return Ok(Vec::new());
                }
                self.store
                    .run_records(None, None)?
                    .iter()
                    .map(|r| self.run_json(r))
                    .collect()
            }
            "clarifications" => {
                let mut out = Vec::new();
                for c in self.store.clarifications()? {
                    if let Some(v) = self.clarification_json(&c) {
                        out.push(v);
                    }
                }
                out
            }
            "awards" => self.awards()?,
            other => {
                return Err(ClicsError::NotFound(format!(
                    "no endpoint {other:?} (the Contest API 2023-06 endpoints: {})",
                    COLLECTIONS.join(", ")
                )));
            }
        })
    }

    /// One object of `endpoint` by its id; `None` when there is none the
    /// audience may see.
    pub fn object(&mut self, endpoint: &str, id: &str) -> Result<Option<Value>, ClicsError> {
        Ok(match endpoint {
            "judgement-types" => judgement_type(id),
            "languages" => match self.store.language(id) {
                Ok(l) if l.allow_submit => Some(self.language(&l)),
                Ok(_) | Err(StoreError::NotFound { .. }) => None,
                Err(e) => return Err(e.into()),
            },
            "submissions" => match id.parse::<i64>().ok() {
                Some(n) => match self.store.submission(n)? {
                    Some(s) => self.submission_json(&s)?,
                    None => None,
                },
                None => None,
            },
            "judgements" => match id.parse::<i64>().ok() {
                Some(n) => match self.store.judging(n)? {
                    Some(j) if j.started_ms.is_some() => {
                        match self.store.submission(j.submission_id)? {
                            Some(s) => self.judgement_json(&s, &j)?,
                            None => None,
                        }
                    }
                    _ => None,
                },
                None => None,
            },
            "runs" => {
                let Some((judging, ordinal)) = id
                    .split_once('-')
                    .and_then(|(j, o)| Some((j.parse::<i64>().ok()?, o.parse::<i64>().ok()?)))
                else {
                    return Ok(None);
                };
                if !self.audience.full() {
                    return Ok(None);
                }
                self.store
                    .run_records(Some(judging), Some(ordinal))?
                    .first()
                    .map(|r| self.run_json(r))
            }
            "clarifications" => match id.parse::<i64>().ok() {
                Some(n) => self
                    .store
                    .clarification(n)?
                    .and_then(|c| self.clarification_json(&c)),
                None => None,
            },
            // small collections: looked up in the list
            _ => self
                .collection(endpoint)?
                .into_iter()
                .find(|v| v["id"].as_str() == Some(id)),
        })
    }

    fn require_admin(&self) -> Result<(), ClicsError> {
        if self.audience == Audience::Admin {
            Ok(())
        } else {
            Err(ClicsError::Forbidden(
                "accounts are shown to admin accounts only".into(),
            ))
        }
    }

    fn language(&self, l: &floorjudge_store::Language) -> Value {
        let mut v = json!({
            "id": l.id,
            "name": l.name,
            "entry_point_required": false,
            "extensions": l.extensions,
        });
        if !l.compiler.is_empty() {
            v["compiler"] = json!({ "command": l.compiler });
        }
        if !l.runner.is_empty() {
            v["runner"] = json!({ "command": l.runner });
        }
        v
    }

    fn accounts(&mut self) -> Result<Vec<Value>, ClicsError> {
        let mut out: Vec<Value> = self
            .store
            .accounts()?
            .iter()
            .map(|a| {
                json!({
                    "id": a.id,
                    "username": a.username,
                    "name": a.name.clone().unwrap_or_else(|| a.username.clone()),
                    "type": a.kind.as_str(),
                    "ip": a.ip,
                    "team_id": a.team_id,
                })
            })
            .collect();
        for s in self.store.staff()? {
            let kind = match s.role.as_str() {
                "admin" => "admin",
                "jury" => "judge",
                "analyst" => "analyst",
                _ => "staff",
            };
            out.push(json!({
                "id": format!("staff-{}", s.name),
                "username": s.name,
                "name": s.name,
                "type": kind,
            }));
        }
        Ok(out)
    }

    fn submission_index(&self) -> Result<HashMap<i64, Submission>, StoreError> {
        Ok(self
            .store
            .submissions()?
            .into_iter()
            .map(|s| (s.id, s))
            .collect())
    }

    /// A submission, once its files are verified (before that, or refused,
    /// it is not one).
    fn submission_json(&mut self, s: &Submission) -> Result<Option<Value>, StoreError> {
        if s.state != SubmissionState::Received || !self.sees_team(&s.team_id)? {
            return Ok(None);
        }
        let files = if self.audience.full() {
            json!([{
                "href": format!("contests/{}/submissions/{}/files", self.contest.id, s.id),
                "filename": "files.zip",
                "mime": "application/zip",
            }])
        } else {
            json!([])
        };
        Ok(Some(json!({
            "id": s.id.to_string(),
            "language_id": s.language_id,
            "problem_id": s.problem_id,
            "team_id": s.team_id,
            "time": format_time(s.submitted_ms),
            "contest_time": self.contest_time(s.submitted_ms),
            "entry_point": Value::Null,
            "files": files,
        })))
    }

    /// Whether the public may see how `s` was judged: made before the
    /// freeze, or the freeze lifted.
    fn verdict_public(&self, s: &Submission) -> bool {
        match self.clock.scoreboard_freeze_ms() {
            Some(freeze) => s.submitted_ms < freeze,
            None => true,
        }
    }

    fn judgement_json(
        &mut self,
        s: &Submission,
        j: &JudgingRow,
    ) -> Result<Option<Value>, StoreError> {
        let Some(start) = j.started_ms else {
            return Ok(None);
        };
        // only of a submission this audience sees
        if s.state != SubmissionState::Received || !self.sees_team(&s.team_id)? {
            return Ok(None);
        }
        if !self.audience.full() && (!j.valid || !self.verdict_public(s)) {
            return Ok(None);
        }
        let mut v = json!({
            "id": j.id.to_string(),
            "submission_id": s.id.to_string(),
            "start_time": format_time(start),
            "start_contest_time": self.contest_time(start),
        });
        if j.state == "done"
            && let Some(end) = j.finished_ms
        {
            let verdict = j.verdict.map_or("JE", |v| v.clics_id());
            v["judgement_type_id"] = json!(verdict);
            v["end_time"] = json!(format_time(end));
            v["end_contest_time"] = json!(self.contest_time(end));
            let runs = self.store.run_records(Some(j.id), None)?;
            v["max_run_time"] = match runs.iter().map(|r| r.time_ms).max() {
                Some(ms) => seconds(ms),
                None => Value::Null,
            };
        }
        Ok(Some(v))
    }

    fn run_json(&self, r: &RunRecord) -> Value {
        json!({
            "id": format!("{}-{}", r.judging_id, r.ordinal),
            "judgement_id": r.judging_id.to_string(),
            "ordinal": r.ordinal,
            "judgement_type_id": r.verdict,
            "time": format_time(r.recorded_ms),
            "contest_time": self.contest_time(r.recorded_ms),
            "run_time": seconds(r.time_ms),
        })
    }

    fn clarification_json(&self, c: &Clarification) -> Option<Value> {
        if !self.audience.full() && (c.from_team_id.is_some() || c.to_team_id.is_some()) {
            return None;
        }
        Some(json!({
            "id": c.id.to_string(),
            "from_team_id": c.from_team_id,
            "to_team_id": c.to_team_id,
            "reply_to_id": c.reply_to_id.map(|r| r.to_string()),
            "problem_id": c.problem_id,
            "text": c.text,
            "time": format_time(c.at_ms),
            "contest_time": self.contest_time(c.at_ms),
        }))
    }

    fn view(&self) -> View {
        if self.audience.full() {
            View::Jury
        } else {
            View::Public
        }
    }

    fn awards(&self) -> Result<Vec<Value>, ClicsError> {
        let board = match crate::scoreboard::from_store(self.store) {
            Ok(b) => b,
            Err(crate::scoreboard::ScoreboardError::NotStarted) => return Ok(Vec::new()),
            Err(crate::scoreboard::ScoreboardError::Store(e)) => return Err(e.into()),
        };
        let rows = board.rows(self.view());
        let standings = crate::results::standings_from_store(self.store)?;
        let results = crate::results::results(
            &rows,
            &standings,
            &crate::results::MedalRules::of(self.contest.medals),
            crate::results::ResultsStyle {
                individually_ranked: false,
                honors: false,
            },
        );
        Ok(
            crate::results::awards(&rows, board.columns(), &standings, &results)
                .into_iter()
                .map(|a| json!({ "id": a.id, "citation": a.citation, "team_ids": a.team_ids }))
                .collect(),
        )
    }

    /// `contests/{id}/scoreboard`: the jury's for staff, the frozen one
    /// for the public.
    pub fn scoreboard(&self) -> Result<Value, ClicsError> {
        let rows = match crate::scoreboard::from_store(self.store) {
            Ok(board) => {
                let columns = board.columns().to_vec();
                board
                    .rows(self.view())
                    .into_iter()
                    .map(|r| {
                        let problems: Vec<Value> = columns
                            .iter()
                            .zip(&r.cells)
                            .map(|(col, c)| {
                                let mut p = json!({
                                    "problem_id": col.problem_id,
                                    "num_judged": c.tries,
                                    "num_pending": c.pending,
                                    "solved": c.solved,
                                });
                                if c.solved {
                                    p["time"] = json!(c.solve_minute.unwrap_or(0).max(0));
                                }
                                p
                            })
                            .collect();
                        json!({
                            "rank": r.rank,
                            "team_id": r.team_id,
                            "score": {
                                "num_solved": r.score.solved,
                                "total_time": r.score.total_time.max(0),
                                "time": r.score.last_solve.max(0),
                            },
                            "problems": problems,
                        })
                    })
                    .collect()
            }
            Err(crate::scoreboard::ScoreboardError::NotStarted) => Vec::new(),
            Err(crate::scoreboard::ScoreboardError::Store(e)) => return Err(e.into()),
        };
        Ok(json!({
            "time": format_time(self.now),
            "contest_time": self.contest_time(self.now),
            "state": self.state(),
            "rows": rows,
        }))
    }

    /// The event-feed line of one log row (`None`: nothing this audience
    /// sees), its token the row's id. A removed object is `data: null`.
    pub fn feed_line(&mut self, e: &Event) -> Result<Option<Value>, ClicsError> {
        let Some(object) = e.object.as_deref() else {
            return Ok(None);
        };
        let (id, data) = match object {
            "contest" => (Some(self.contest.id.clone()), Some(self.contest())),
            "state" => (None, Some(self.state())),
            endpoint => {
                let Some(id) = e.object_id.clone() else {
                    return Ok(None);
                };
                let data = match self.object(endpoint, &id) {
                    Ok(d) => d,
                    Err(ClicsError::NotFound(_) | ClicsError::Forbidden(_)) => return Ok(None),
                    Err(err) => return Err(err),
                };
                if data.is_none() && !self.gone(endpoint, &id)? {
                    // it exists, but not for this audience (yet)
                    return Ok(None);
                }
                (Some(id), data)
            }
        };
        Ok(Some(json!({
            "type": object,
            "id": id,
            "data": data,
            "token": e.id.to_string(),
        })))
    }

    /// Whether an object the audience does not see was removed (rather
    /// than hidden from it): only setup objects are ever removed.
    fn gone(&self, endpoint: &str, id: &str) -> Result<bool, StoreError> {
        Ok(match endpoint {
            "teams" => !self.store.teams()?.iter().any(|t| t.id == id),
            "problems" => !self.store.problems()?.iter().any(|p| p.problem.id == id),
            "languages" => match self.store.language(id) {
                Ok(l) => !l.allow_submit,
                Err(StoreError::NotFound { .. }) => true,
                Err(e) => return Err(e),
            },
            _ => false,
        })
    }

    /// The problems the public could not see before the start, for the
    /// line the start wrote (staff saw them when they were imported).
    pub fn start_lines(&mut self) -> Result<Vec<Value>, ClicsError> {
        if self.audience.full() || !self.started() {
            return Ok(Vec::new());
        }
        Ok(self
            .collection("problems")?
            .into_iter()
            .map(|p| json!({ "type": "problems", "id": p["id"].clone(), "data": p, "token": Value::Null }))
            .collect())
    }

    /// The start, ms since the epoch, once it has passed.
    pub fn started_at(&self) -> Option<i64> {
        self.clock.start_ms.filter(|_| self.started())
    }

    /// The judgements the freeze withheld from the public, for the line
    /// that lifts it (staff saw them when they happened).
    pub fn thaw_lines(&mut self) -> Result<Vec<Value>, ClicsError> {
        let (Audience::Public, Some(freeze)) = (self.audience, self.clock.freeze_ms()) else {
            return Ok(Vec::new());
        };
        if self.clock.thawed_ms.is_none() {
            return Ok(Vec::new());
        }
        let subs = self.submission_index()?;
        let mut out = Vec::new();
        for j in self.store.started_judgings()? {
            if let Some(s) = subs.get(&j.submission_id)
                && s.submitted_ms >= freeze
                && let Some(v) = self.judgement_json(s, &j)?
            {
                out.push(json!({
                    "type": "judgements",
                    "id": v["id"].clone(),
                    "data": v,
                    "token": Value::Null,
                }));
            }
        }
        Ok(out)
    }
}

/// The judgement-types lines that open a feed read from its start (they
/// are not in the log: they never change).
pub fn opening_lines() -> Vec<Value> {
    JUDGEMENT_TYPES
        .iter()
        .map(|t| {
            json!({
                "type": "judgement-types",
                "id": t.0,
                "data": judgement_type(t.0),
                "token": Value::Null,
            })
        })
        .collect()
}

fn judgement_type(id: &str) -> Option<Value> {
    JUDGEMENT_TYPES
        .iter()
        .find(|t| t.0 == id)
        .map(|(id, name, penalty, solved)| {
            json!({ "id": id, "name": name, "penalty": penalty, "solved": solved })
        })
}

fn problem_json(p: &floorjudge_store::ProblemSummary) -> Value {
    let q = &p.problem;
    let mut v = json!({
        "id": q.id,
        "label": q.label,
        "name": q.name,
        "ordinal": q.ordinal,
        "time_limit": seconds(q.time_limit_ms),
        "test_data_count": p.samples + p.secret,
    });
    if let Some(rgb) = &q.rgb {
        v["rgb"] = json!(rgb);
    }
    if let Some(color) = &q.color {
        v["color"] = json!(color);
    }
    v
}

fn group_json(g: &floorjudge_store::Group) -> Value {
    json!({ "id": g.id, "icpc_id": g.icpc_id, "name": g.name })
}

fn organization_json(o: &floorjudge_store::Organization) -> Value {
    json!({
        "id": o.id,
        "icpc_id": o.icpc_id,
        "name": o.name,
        "formal_name": o.formal_name,
        "country": o.country.as_ref().filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase())),
    })
}

fn team_json(t: &Team) -> Value {
    json!({
        "id": t.id,
        "icpc_id": t.icpc_id,
        "name": t.name,
        "label": t.label,
        "display_name": t.display_name,
        "organization_id": t.organization_id,
        "group_ids": t.group_ids,
        "hidden": t.hidden,
    })
}

/// Numeric ids in number order, others after them by text.
fn natural(id: &str) -> (u8, u64, &str) {
    match id.parse::<u64>() {
        Ok(n) => (0, n, id),
        Err(_) => (1, 0, id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_times_are_seconds_to_the_millisecond() {
        assert_eq!(seconds(1234), json!(1.234));
        assert_eq!(seconds(2000), json!(2.0));
    }
}
