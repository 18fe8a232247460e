//! Balloons: each team's first accepted submission of each problem, in
//! the order they were submitted, and whether a runner delivered it.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::audit::record;
use crate::{Result, Store, StoreError};

/// One balloon to hand out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Balloon {
    /// The accepted submission.
    pub submission_id: i64,
    /// Its team.
    pub team_id: String,
    /// Its problem.
    pub problem_id: String,
    /// When it was submitted, ms since the epoch.
    pub submitted_ms: i64,
    /// Whether it is the first solve of the problem in the contest.
    pub first_of_problem: bool,
    /// When it was delivered, if it was.
    pub delivered_ms: Option<i64>,
    /// Who delivered it.
    pub delivered_by: Option<String>,
}

impl Store {
    /// Every balloon (each team's first counted AC per problem), oldest
    /// first.
    pub fn balloons(&self) -> Result<Vec<Balloon>> {
        let mut rows: Vec<Balloon> = self
            .conn
            .prepare(
                "SELECT s.id, s.team_id, s.problem_id, s.submitted_ms, b.delivered_ms, b.delivered_by
                 FROM submissions s JOIN judgings j ON j.submission_id = s.id AND j.valid
                 LEFT JOIN balloons_delivered b ON b.submission_id = s.id
                 WHERE j.verdict = 'AC' AND s.id = (
                     SELECT s2.id FROM submissions s2 JOIN judgings j2 ON j2.submission_id = s2.id AND j2.valid
                     WHERE s2.team_id = s.team_id AND s2.problem_id = s.problem_id AND j2.verdict = 'AC'
                     ORDER BY s2.submitted_ms, s2.id LIMIT 1)
                 ORDER BY s.submitted_ms, s.id",
            )?
            .query_map([], |r| {
                Ok(Balloon {
                    submission_id: r.get(0)?,
                    team_id: r.get(1)?,
                    problem_id: r.get(2)?,
                    submitted_ms: r.get(3)?,
                    first_of_problem: false,
                    delivered_ms: r.get(4)?,
                    delivered_by: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut seen = std::collections::HashSet::new();
        for b in &mut rows {
            b.first_of_problem = seen.insert(b.problem_id.clone());
        }
        Ok(rows)
    }

    /// Marks the balloon of `submission_id` delivered (once).
    pub fn deliver_balloon(&mut self, submission_id: i64, actor: &str, now: i64) -> Result<()> {
        if !self
            .balloons()?
            .iter()
            .any(|b| b.submission_id == submission_id)
        {
            return Err(StoreError::NotFound {
                kind: "balloon of submission",
                id: submission_id.to_string(),
            });
        }
        let tx = self.conn.transaction()?;
        let done: Option<String> = tx
            .query_row(
                "SELECT delivered_by FROM balloons_delivered WHERE submission_id = ?1",
                [submission_id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(by) = done {
            return Err(StoreError::Conflict(format!(
                "the balloon of submission {submission_id} was already delivered by {by}"
            )));
        }
        tx.execute(
            "INSERT INTO balloons_delivered (submission_id, delivered_ms, delivered_by) VALUES (?1, ?2, ?3)",
            params![submission_id, now, actor],
        )?;
        record(
            &tx,
            actor,
            "balloon.delivered",
            Some(&submission_id.to_string()),
            None,
            None,
        )?;
        tx.commit()?;
        Ok(())
    }
}
