//! What a staff member does from the console: pairing requests, team
//! addresses, clarifications, previewed rejudgings and the clock, through
//! the jury's `/api/staff` routes.

use floorjudge_proto::judgehost::Credentials;
use floorjudge_proto::staff::{
    Announcement, ClarificationAnswer, JuryClarification, PairingApproval, PairingRequest,
    RejudgeRequest, RejudgingView, SubmissionDetail, TeamRow,
};
use floorjudge_proto::staff::{
    AuditLine, BalloonView, JudgehostView, NewJudgehost, PasswordRequest, PasswordSlip,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{ConsoleError, StaffClient};

/// A path segment the console puts in a URL: plain letters, digits, `-`
/// and `_`, so a typed value never reaches another route.
fn segment<'a>(what: &str, value: &'a str) -> Result<&'a str, ConsoleError> {
    if value.is_empty()
        || value.len() > 64
        || !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(ConsoleError::Refused {
            code: "invalid".into(),
            message: format!("a {what} is letters, digits, - and _"),
        });
    }
    Ok(value)
}

#[derive(serde::Deserialize)]
struct Created {
    id: i64,
}

impl StaffClient {
    pub(crate) async fn staff_get<T: DeserializeOwned>(
        &self,
        token: &str,
        path: &str,
    ) -> Result<T, ConsoleError> {
        let request = self
            .http
            .get(format!("{}/api/staff/{path}", self.base))
            .bearer_auth(token);
        self.answer(request).await
    }

    async fn staff_post<B: Serialize, T: DeserializeOwned>(
        &self,
        token: &str,
        path: &str,
        body: &B,
    ) -> Result<T, ConsoleError> {
        let request = self
            .http
            .post(format!("{}/api/staff/{path}", self.base))
            .bearer_auth(token)
            .json(body);
        self.answer(request).await
    }

    /// One submission with its files, judgings, runs and first failure.
    pub async fn submission(&self, token: &str, id: i64) -> Result<SubmissionDetail, ConsoleError> {
        self.staff_get(token, &format!("submissions/{id}")).await
    }

    /// New one-time passwords (in clear, once) for the teams `req` selects.
    pub async fn passwords(
        &self,
        token: &str,
        req: &PasswordRequest,
    ) -> Result<Vec<PasswordSlip>, ConsoleError> {
        self.staff_post(token, "passwords", req).await
    }

    /// Every judgehost with its health.
    pub async fn judgehosts(&self, token: &str) -> Result<Vec<JudgehostView>, ConsoleError> {
        self.staff_get(token, "judgehosts").await
    }

    /// Issues credentials for a new judgehost (admin only).
    pub async fn add_judgehost(
        &self,
        token: &str,
        name: &str,
    ) -> Result<Credentials, ConsoleError> {
        let body = NewJudgehost {
            name: name.to_owned(),
        };
        self.staff_post(token, "judgehosts", &body).await
    }

    /// Revokes judgehost `name` (admin only).
    pub async fn revoke_judgehost(&self, token: &str, name: &str) -> Result<(), ConsoleError> {
        let name = segment("judgehost name", name)?;
        self.staff_post::<_, serde_json::Value>(
            token,
            &format!("judgehosts/{name}/revoke"),
            &serde_json::json!({}),
        )
        .await
        .map(drop)
    }

    /// The newest audit entries holding `query`.
    pub async fn audit(&self, token: &str, query: &str) -> Result<Vec<AuditLine>, ConsoleError> {
        let url = reqwest::Url::parse_with_params(
            &format!("{}/api/staff/audit", self.base),
            &[("q", query), ("limit", "500")],
        )
        .map_err(|e| ConsoleError::Protocol(format!("the audit URL: {e}")))?;
        let request = self.http.get(url).bearer_auth(token);
        self.answer(request).await
    }

    /// Every balloon, oldest first.
    pub async fn balloons(&self, token: &str) -> Result<Vec<BalloonView>, ConsoleError> {
        self.staff_get(token, "balloons").await
    }

    /// Marks the balloon of `submission` delivered.
    pub async fn deliver_balloon(&self, token: &str, submission: i64) -> Result<(), ConsoleError> {
        self.staff_post::<_, serde_json::Value>(
            token,
            &format!("balloons/{submission}/delivered"),
            &serde_json::json!({}),
        )
        .await
        .map(drop)
    }

    /// The pairing codes waiting for approval, oldest first.
    pub async fn pairings(&self, token: &str) -> Result<Vec<PairingRequest>, ConsoleError> {
        self.staff_get(token, "pairings").await
    }

    /// Approves pairing `code` as `team`; answers the team, now bound.
    pub async fn approve_pairing(
        &self,
        token: &str,
        code: &str,
        team: &str,
    ) -> Result<TeamRow, ConsoleError> {
        let code = segment("pairing code", code)?;
        let body = PairingApproval {
            team: team.to_owned(),
        };
        self.staff_post(token, &format!("pairings/{code}/approve"), &body)
            .await
    }

    /// Turns pairing `code` down.
    pub async fn refuse_pairing(&self, token: &str, code: &str) -> Result<(), ConsoleError> {
        let code = segment("pairing code", code)?;
        self.staff_post::<_, serde_json::Value>(
            token,
            &format!("pairings/{code}/refuse"),
            &serde_json::json!({}),
        )
        .await
        .map(drop)
    }

    /// Every team with its address.
    pub async fn teams(&self, token: &str) -> Result<Vec<TeamRow>, ConsoleError> {
        self.staff_get(token, "teams").await
    }

    /// Unbinds `team`'s workstation.
    pub async fn reset_ip(&self, token: &str, team: &str) -> Result<TeamRow, ConsoleError> {
        let team = segment("team id", team)?;
        self.staff_post(
            token,
            &format!("teams/{team}/reset-ip"),
            &serde_json::json!({}),
        )
        .await
    }

    /// Every clarification, oldest first.
    pub async fn clarifications(
        &self,
        token: &str,
    ) -> Result<Vec<JuryClarification>, ConsoleError> {
        self.staff_get(token, "clarifications").await
    }

    /// Answers clarification `id` (to its team, or to all); answers the
    /// new clarification's id.
    pub async fn answer_clarification(
        &self,
        token: &str,
        id: i64,
        text: &str,
        to_all: bool,
    ) -> Result<i64, ConsoleError> {
        let body = ClarificationAnswer {
            text: text.to_owned(),
            to_all,
        };
        let made: Created = self
            .staff_post(token, &format!("clarifications/{id}/answer"), &body)
            .await?;
        Ok(made.id)
    }

    /// Tells every team; answers the announcement's id.
    pub async fn announce(
        &self,
        token: &str,
        text: &str,
        problem: Option<&str>,
    ) -> Result<i64, ConsoleError> {
        let body = Announcement {
            text: text.to_owned(),
            problem: problem.map(str::to_owned),
        };
        let made: Created = self.staff_post(token, "announcements", &body).await?;
        Ok(made.id)
    }

    /// Starts a previewed rejudging.
    pub async fn rejudge(
        &self,
        token: &str,
        req: &RejudgeRequest,
    ) -> Result<RejudgingView, ConsoleError> {
        self.staff_post(token, "rejudgings", req).await
    }

    /// Every rejudging, newest first, each with its preview.
    pub async fn rejudgings(&self, token: &str) -> Result<Vec<RejudgingView>, ConsoleError> {
        self.staff_get(token, "rejudgings").await
    }

    /// Applies (`apply`) or cancels rejudging `id`.
    pub async fn end_rejudging(
        &self,
        token: &str,
        id: i64,
        apply: bool,
    ) -> Result<RejudgingView, ConsoleError> {
        let how = if apply { "apply" } else { "cancel" };
        self.staff_post(
            token,
            &format!("rejudgings/{id}/{how}"),
            &serde_json::json!({}),
        )
        .await
    }

    /// Starts, freezes, unfreezes or ends the contest now (`action` is one
    /// of those words).
    pub async fn clock(&self, token: &str, action: &str) -> Result<(), ConsoleError> {
        if !matches!(action, "start" | "freeze" | "unfreeze" | "end") {
            return Err(ConsoleError::Refused {
                code: "invalid".into(),
                message: "the clock starts, freezes, unfreezes or ends".into(),
            });
        }
        self.staff_post::<_, serde_json::Value>(
            token,
            &format!("clock/{action}"),
            &serde_json::json!({}),
        )
        .await
        .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_value_stays_one_path_segment() {
        assert_eq!(segment("team id", "team-5_a").unwrap(), "team-5_a");
        for bad in ["", "../staff", "a/b", "a b", "a?x=1", "é"] {
            assert!(segment("team id", bad).is_err(), "{bad:?}");
        }
        assert!(segment("team id", &"a".repeat(65)).is_err());
    }
}
