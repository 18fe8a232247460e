//! The jury console's client: a staff member's connection to a jury server
//! (`/api/staff`), over TLS pinned to the jury's certificate. No window code:
//! the app's console commands are thin adapters over [`StaffClient`].

mod actions;
mod scoreboard;

use std::time::Duration;

use floorjudge_proto::staff::{SessionGrant, StaffApiError, StaffLogin};
use floorjudge_tls::{Fingerprint, TlsError};
use serde::de::DeserializeOwned;

pub use scoreboard::{JuryBoardCell, JuryBoardProblem, JuryBoardRow, JuryBoards};

/// Why a console request failed.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The jury refused, with its stable code (`bad_code`, `bad_credentials`, …).
    #[error("{message}")]
    Refused {
        /// The jury's `error`.
        code: String,
        /// The jury's words.
        message: String,
    },
    /// The jury did not answer.
    #[error("the jury at {url} cannot be reached: {reason}")]
    Unreachable {
        /// Its URL.
        url: String,
        /// What the connection said.
        reason: String,
    },
    /// The jury answered something that is not the staff API.
    #[error("the jury's answer made no sense: {0}")]
    Protocol(String),
    /// The URL or the pin is unusable.
    #[error(transparent)]
    Tls(#[from] TlsError),
}

/// One line of the console's submission list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SubmissionRow {
    /// The submission's id.
    pub id: String,
    /// Its team's id.
    pub team_id: String,
    /// Its team's name (its id when the jury lists no such team).
    pub team_name: String,
    /// Its problem's id.
    pub problem_id: String,
    /// Its language's id.
    pub language_id: String,
    /// When, in contest time (`h:mm:ss.uuu`).
    pub contest_time: String,
    /// The latest judgement's verdict (`AC`, `WA`, …); `None` while pending.
    pub verdict: Option<String>,
    /// The judgehost of its latest judging, once one took it.
    pub judgehost: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
struct ClicsSubmission {
    id: String,
    team_id: String,
    problem_id: String,
    language_id: String,
    contest_time: String,
}

#[derive(Debug, serde::Deserialize)]
struct ClicsJudgement {
    submission_id: String,
    judgement_type_id: Option<String>,
    start_contest_time: String,
}

/// Joins submissions with their latest judgement, newest submission first.
fn submission_rows(
    subs: Vec<ClicsSubmission>,
    judgements: Vec<ClicsJudgement>,
) -> Vec<SubmissionRow> {
    let mut latest: std::collections::HashMap<String, ClicsJudgement> = Default::default();
    for j in judgements {
        match latest.get(&j.submission_id) {
            Some(old) if old.start_contest_time > j.start_contest_time => {}
            _ => {
                latest.insert(j.submission_id.clone(), j);
            }
        }
    }
    let mut rows: Vec<SubmissionRow> = subs
        .into_iter()
        .map(|s| SubmissionRow {
            verdict: latest.get(&s.id).and_then(|j| j.judgement_type_id.clone()),
            id: s.id,
            team_name: s.team_id.clone(),
            team_id: s.team_id,
            problem_id: s.problem_id,
            language_id: s.language_id,
            contest_time: s.contest_time,
            judgehost: None,
        })
        .collect();
    // contest times are h:mm:ss.uuu (hours may grow a digit): compare as numbers
    rows.sort_by_key(|r| std::cmp::Reverse(contest_ms(&r.contest_time)));
    rows
}

/// `h:mm:ss.uuu` (optionally negative) in milliseconds; unparsable is 0.
fn contest_ms(t: &str) -> i64 {
    let (sign, t) = t.strip_prefix('-').map_or((1, t), |rest| (-1, rest));
    let mut parts = t.split(':');
    let (Some(h), Some(m), Some(s)) = (parts.next(), parts.next(), parts.next()) else {
        return 0;
    };
    let secs: f64 = s.parse().unwrap_or(0.0);
    let ms = h.parse::<i64>().unwrap_or(0) * 3_600_000
        + m.parse::<i64>().unwrap_or(0) * 60_000
        + (secs * 1000.0).round() as i64;
    sign * ms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(id: &str, time: &str) -> ClicsSubmission {
        ClicsSubmission {
            id: id.into(),
            team_id: "1".into(),
            problem_id: "a".into(),
            language_id: "c".into(),
            contest_time: time.into(),
        }
    }

    fn judged(id: &str, verdict: Option<&str>, at: &str) -> ClicsJudgement {
        ClicsJudgement {
            submission_id: id.into(),
            judgement_type_id: verdict.map(Into::into),
            start_contest_time: at.into(),
        }
    }

    #[test]
    fn newest_first_with_the_latest_judgement() {
        let rows = submission_rows(
            vec![
                sub("1", "0:09:00.000"),
                sub("2", "10:00:00.000"),
                sub("3", "1:00:00.000"),
            ],
            vec![
                judged("1", Some("WA"), "0:09:01.000"),
                judged("1", Some("AC"), "0:30:00.000"),
                judged("3", None, "1:00:01.000"),
            ],
        );
        let ids: Vec<_> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["2", "3", "1"]);
        assert_eq!(
            rows[2].verdict.as_deref(),
            Some("AC"),
            "the rejudge's verdict wins"
        );
        assert_eq!(rows[1].verdict, None, "still judging");
        assert_eq!(rows[0].verdict, None, "never judged");
    }

    #[test]
    fn contest_times_parse() {
        assert_eq!(contest_ms("1:02:03.500"), 3_723_500);
        assert_eq!(contest_ms("-0:00:01.000"), -1000);
        assert_eq!(contest_ms("nonsense"), 0);
    }
}

/// One staff member's client of one jury.
#[derive(Debug, Clone)]
pub struct StaffClient {
    http: reqwest::Client,
    base: String,
    /// The jury's contest id, asked once (a jury holds one contest).
    contest: std::sync::OnceLock<String>,
}

impl StaffClient {
    /// A client of the jury at `url` (`https://HOST:PORT`), whose certificate
    /// must have the fingerprint `pin`.
    pub fn new(url: &str, pin: Option<Fingerprint>) -> Result<Self, ConsoleError> {
        let builder = floorjudge_tls::http_client_builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30));
        let http = floorjudge_tls::for_jury(builder, url, pin, None)?
            .build()
            .map_err(|e| ConsoleError::Protocol(format!("HTTP client: {e}")))?;
        Ok(StaffClient {
            http,
            base: url.trim_end_matches('/').to_owned(),
            contest: std::sync::OnceLock::new(),
        })
    }

    /// The jury's URL.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// Logs in; `code` is the authenticator's (or a recovery) code when the
    /// account has one.
    pub async fn login(
        &self,
        name: &str,
        password: &str,
        code: Option<&str>,
    ) -> Result<SessionGrant, ConsoleError> {
        let body = StaffLogin {
            name: name.to_owned(),
            password: password.to_owned(),
            code: code.map(str::to_owned),
        };
        let request = self
            .http
            .post(format!("{}/api/staff/login", self.base))
            .json(&body);
        self.answer(request).await
    }

    /// Ends the session of `token` on the jury.
    pub async fn logout(&self, token: &str) -> Result<(), ConsoleError> {
        let request = self
            .http
            .post(format!("{}/api/staff/logout", self.base))
            .bearer_auth(token);
        let response = request.send().await.map_err(|e| self.unreachable(e))?;
        if response.status().is_success() {
            return Ok(());
        }
        Err(Self::refusal(response).await)
    }

    /// A Contest API document (`path` under `/api`) read as the staff
    /// member of `token`.
    pub async fn contest_api<T: DeserializeOwned>(
        &self,
        token: &str,
        path: &str,
    ) -> Result<T, ConsoleError> {
        let request = self
            .http
            .get(format!(
                "{}/api/{}",
                self.base,
                path.trim_start_matches('/')
            ))
            .bearer_auth(token);
        self.answer(request).await
    }

    /// A Contest API document read without credentials: what the public
    /// sees.
    pub async fn public_api<T: DeserializeOwned>(&self, path: &str) -> Result<T, ConsoleError> {
        let request = self.http.get(format!(
            "{}/api/{}",
            self.base,
            path.trim_start_matches('/')
        ));
        self.answer(request).await
    }

    /// Every submission of the jury's contest, newest first, each with the
    /// verdict of its latest judgement (none while it waits or is judged).
    pub async fn submissions(&self, token: &str) -> Result<Vec<SubmissionRow>, ConsoleError> {
        let Some(cid) = self.contest_id(token).await? else {
            return Ok(Vec::new());
        };
        let subs: Vec<ClicsSubmission> = self
            .contest_api(token, &format!("contests/{cid}/submissions"))
            .await?;
        let judgements: Vec<ClicsJudgement> = self
            .contest_api(token, &format!("contests/{cid}/judgements"))
            .await?;
        let teams: Vec<serde_json::Value> = self
            .contest_api(token, &format!("contests/{cid}/teams"))
            .await?;
        let names: std::collections::HashMap<&str, &str> = teams
            .iter()
            .filter_map(|t| {
                Some((
                    t["id"].as_str()?,
                    t["display_name"].as_str().or(t["name"].as_str())?,
                ))
            })
            .collect();
        let judged_by: Vec<floorjudge_proto::staff::JudgedBy> =
            self.staff_get(token, "judged-by").await?;
        let hosts: std::collections::HashMap<String, String> = judged_by
            .into_iter()
            .map(|j| (j.submission_id.to_string(), j.judgehost))
            .collect();
        let mut rows = submission_rows(subs, judgements);
        for r in &mut rows {
            r.team_name = names
                .get(r.team_id.as_str())
                .map_or_else(|| r.team_id.clone(), |n| (*n).to_owned());
            r.judgehost = hosts.get(&r.id).cloned();
        }
        Ok(rows)
    }

    /// The jury's contest id (`None` while it holds none), fetched once.
    async fn contest_id(&self, token: &str) -> Result<Option<String>, ConsoleError> {
        if let Some(cid) = self.contest.get() {
            return Ok(Some(cid.clone()));
        }
        let contests: Vec<serde_json::Value> = self.contest_api(token, "contests").await?;
        let Some(cid) = contests.first().and_then(|c| c["id"].as_str()) else {
            return Ok(None);
        };
        Ok(Some(self.contest.get_or_init(|| cid.to_owned()).clone()))
    }

    async fn answer<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ConsoleError> {
        let response = request.send().await.map_err(|e| self.unreachable(e))?;
        if !response.status().is_success() {
            return Err(Self::refusal(response).await);
        }
        response
            .json()
            .await
            .map_err(|e| ConsoleError::Protocol(e.to_string()))
    }

    fn unreachable(&self, e: reqwest::Error) -> ConsoleError {
        ConsoleError::Unreachable {
            url: self.base.clone(),
            reason: e.to_string(),
        }
    }

    async fn refusal(response: reqwest::Response) -> ConsoleError {
        let status = response.status();
        match response.json::<StaffApiError>().await {
            Ok(e) => ConsoleError::Refused {
                code: e.error,
                message: e.message,
            },
            Err(_) => ConsoleError::Protocol(format!("HTTP {status} without a staff API error")),
        }
    }
}
