//! Rejudgings the jury previews (DOMjudge's rejudging sets): the selected
//! submissions are judged again at rejudge priority, and their new verdicts
//! are shown beside the old ones; they count only when a jury member
//! applies the rejudging. Cancelling it drops what has not run and changes
//! no verdict.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::audit::record;
use crate::judging::{RejudgeFilter, enqueue};
use crate::{Result, Store, StoreError};

/// Where a rejudging stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RejudgingState {
    /// Judging or judged; nothing counts yet.
    Open,
    /// Its new verdicts count.
    Applied,
    /// Dropped: the old verdicts stay.
    Cancelled,
}

impl RejudgingState {
    fn parse(s: &str) -> Result<Self> {
        match s {
            "open" => Ok(RejudgingState::Open),
            "applied" => Ok(RejudgingState::Applied),
            "cancelled" => Ok(RejudgingState::Cancelled),
            other => Err(StoreError::Corrupt(format!("rejudging state {other:?}"))),
        }
    }
}

/// One submission of a rejudging: its old and new verdicts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejudgeEntry {
    /// The submission.
    pub submission_id: i64,
    /// Its team.
    pub team_id: String,
    /// Its problem.
    pub problem_id: String,
    /// Its language.
    pub language_id: String,
    /// The new judging.
    pub judging_id: i64,
    /// The verdict of the judging it may replace (CLICS id; `None` after a
    /// judge error).
    pub old_verdict: Option<String>,
    /// The new verdict, once judged (`None` while it runs or after a judge
    /// error).
    pub new_verdict: Option<String>,
    /// Whether the new judging is finished (or dropped).
    pub done: bool,
    /// The new judging's judge error, if any.
    pub error: Option<String>,
}

/// A rejudging with its submissions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejudging {
    /// Id.
    pub id: i64,
    /// Why the jury rejudges.
    pub reason: String,
    /// Who made it.
    pub created_by: String,
    /// When, ms since the epoch.
    pub created_ms: i64,
    /// Where it stands.
    pub state: RejudgingState,
    /// Who applied or cancelled it.
    pub ended_by: Option<String>,
    /// Its submissions, in submission order.
    pub entries: Vec<RejudgeEntry>,
}

/// The received submissions `filter` selects whose judging is finished,
/// each with its counting judging (the one a rejudge may replace).
pub(crate) fn select(conn: &Connection, filter: &RejudgeFilter) -> Result<Vec<(i64, Option<i64>)>> {
    if filter.submissions.is_empty()
        && filter.problem.is_none()
        && filter.team.is_none()
        && filter.language.is_none()
        && filter.verdict.is_none()
    {
        return Err(StoreError::Conflict(
            "say what to rejudge: submissions, a problem, a team, a language or a verdict".into(),
        ));
    }
    type Candidate = (
        i64,
        String,
        String,
        String,
        Option<i64>,
        Option<String>,
        bool,
    );
    let candidates: Vec<Candidate> = conn
        .prepare(
            "SELECT s.id, s.problem_id, s.team_id, s.language_id, j.id, j.verdict,
                    EXISTS (SELECT 1 FROM judgings o JOIN judge_queue q ON q.judging_id = o.id
                            WHERE o.submission_id = s.id AND q.state <> 'done')
             FROM submissions s
             LEFT JOIN judgings j ON j.id = (SELECT id FROM judgings WHERE submission_id = s.id
                                              AND valid ORDER BY id DESC LIMIT 1)
             WHERE s.state = 'received' ORDER BY s.id",
        )?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for id in &filter.submissions {
        if !candidates.iter().any(|c| c.0 == *id) {
            return Err(StoreError::NotFound {
                kind: "received submission",
                id: id.to_string(),
            });
        }
    }
    Ok(candidates
        .into_iter()
        .filter(|(id, problem, team, language, _, verdict, open)| {
            !open
                && (filter.submissions.is_empty() || filter.submissions.contains(id))
                && filter.problem.as_ref().is_none_or(|p| p == problem)
                && filter.team.as_ref().is_none_or(|t| t == team)
                && filter.language.as_ref().is_none_or(|l| l == language)
                && filter
                    .verdict
                    .as_ref()
                    .is_none_or(|v| verdict.as_deref() == Some(v.as_str()))
        })
        .map(|(id, .., current, _, _)| (id, current))
        .collect())
}

impl Store {
    /// Starts a rejudging of what `filter` selects (see the module docs);
    /// refuses one that selects nothing.
    pub fn create_rejudging(
        &mut self,
        filter: &RejudgeFilter,
        reason: &str,
        actor: &str,
        now: i64,
    ) -> Result<Rejudging> {
        let tx = self.conn.transaction()?;
        let selected = select(&tx, filter)?;
        if selected.is_empty() {
            return Err(StoreError::Conflict(
                "nothing to rejudge: no judged submission matches (one still being judged is left out)"
                    .into(),
            ));
        }
        tx.execute(
            "INSERT INTO rejudgings (reason, created_by, created_ms) VALUES (?1, ?2, ?3)",
            params![reason, actor, now],
        )?;
        let id = tx.last_insert_rowid();
        for (submission, current) in &selected {
            let judging = enqueue(&tx, *submission, 1, *current, now)?;
            tx.execute(
                "UPDATE judgings SET rejudging_id = ?1 WHERE id = ?2",
                [id, judging],
            )?;
        }
        record(
            &tx,
            actor,
            "rejudging.create",
            Some(&id.to_string()),
            Some(&format!("{} submissions: {reason}", selected.len())),
            None,
        )?;
        let made = rejudging_in(&tx, id)?.ok_or_else(|| StoreError::Corrupt("rejudging".into()))?;
        tx.commit()?;
        Ok(made)
    }

    /// Every rejudging, newest first.
    pub fn rejudgings(&self) -> Result<Vec<Rejudging>> {
        let ids: Vec<i64> = self
            .conn
            .prepare("SELECT id FROM rejudgings ORDER BY id DESC")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.into_iter()
            .filter_map(|id| rejudging_in(&self.conn, id).transpose())
            .collect()
    }

    /// One rejudging.
    pub fn rejudging(&self, id: i64) -> Result<Option<Rejudging>> {
        rejudging_in(&self.conn, id)
    }

    /// Makes an open rejudging's new verdicts count, once every one of its
    /// judgings is finished. A judging that ended in a judge error replaces
    /// nothing.
    pub fn apply_rejudging(&mut self, id: i64, actor: &str, now: i64) -> Result<Rejudging> {
        let tx = self.conn.transaction()?;
        let r = open_rejudging(&tx, id)?;
        let running = r.entries.iter().filter(|e| !e.done).count();
        if running > 0 {
            return Err(StoreError::Conflict(format!(
                "rejudging {id} still has {running} submissions being judged: apply it once all are done"
            )));
        }
        let mut changed = 0;
        for e in r.entries.iter().filter(|e| e.new_verdict.is_some()) {
            tx.execute(
                "UPDATE judgings SET valid = 0 WHERE submission_id = ?1 AND valid AND id <> ?2",
                [e.submission_id, e.judging_id],
            )?;
            tx.execute(
                "UPDATE judgings SET valid = 1 WHERE id = ?1",
                [e.judging_id],
            )?;
            changed += usize::from(e.new_verdict != e.old_verdict);
        }
        end(&tx, id, "applied", actor, now)?;
        record(
            &tx,
            actor,
            "rejudging.apply",
            Some(&id.to_string()),
            Some(&format!("{changed} verdicts changed")),
            None,
        )?;
        let done = rejudging_in(&tx, id)?.ok_or_else(|| StoreError::Corrupt("rejudging".into()))?;
        tx.commit()?;
        Ok(done)
    }

    /// Drops an open rejudging: its waiting judgings leave the queue (a
    /// judgehost's later report on one is refused) and no verdict changes.
    pub fn cancel_rejudging(&mut self, id: i64, actor: &str, now: i64) -> Result<Rejudging> {
        let tx = self.conn.transaction()?;
        open_rejudging(&tx, id)?;
        tx.execute(
            "UPDATE judgings SET error = 'the rejudging was cancelled', finished_ms = ?2
             WHERE rejudging_id = ?1 AND finished_ms IS NULL",
            [id, now],
        )?;
        tx.execute(
            "UPDATE judge_queue SET state = 'done', lease_expires_ms = NULL
             WHERE state <> 'done' AND judging_id IN (SELECT id FROM judgings WHERE rejudging_id = ?1)",
            [id],
        )?;
        end(&tx, id, "cancelled", actor, now)?;
        record(
            &tx,
            actor,
            "rejudging.cancel",
            Some(&id.to_string()),
            None,
            None,
        )?;
        let done = rejudging_in(&tx, id)?.ok_or_else(|| StoreError::Corrupt("rejudging".into()))?;
        tx.commit()?;
        Ok(done)
    }
}

fn open_rejudging(conn: &Connection, id: i64) -> Result<Rejudging> {
    let r = rejudging_in(conn, id)?.ok_or_else(|| StoreError::NotFound {
        kind: "rejudging",
        id: id.to_string(),
    })?;
    if r.state != RejudgingState::Open {
        return Err(StoreError::Conflict(format!(
            "rejudging {id} is already {}",
            match r.state {
                RejudgingState::Applied => "applied",
                _ => "cancelled",
            }
        )));
    }
    Ok(r)
}

fn end(conn: &Connection, id: i64, state: &str, actor: &str, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE rejudgings SET state = ?1, ended_by = ?2, ended_ms = ?3 WHERE id = ?4",
        params![state, actor, now, id],
    )?;
    Ok(())
}

fn rejudging_in(conn: &Connection, id: i64) -> Result<Option<Rejudging>> {
    let head: Option<(String, String, i64, String, Option<String>)> = conn
        .query_row(
            "SELECT reason, created_by, created_ms, state, ended_by FROM rejudgings WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((reason, created_by, created_ms, state, ended_by)) = head else {
        return Ok(None);
    };
    let entries = conn
        .prepare_cached(
            "SELECT s.id, s.team_id, s.problem_id, s.language_id, j.id, o.verdict, j.verdict,
                    COALESCE(q.state = 'done', 1), j.error
             FROM judgings j JOIN submissions s ON s.id = j.submission_id
             LEFT JOIN judgings o ON o.id = j.rejudge_of
             LEFT JOIN judge_queue q ON q.judging_id = j.id
             WHERE j.rejudging_id = ?1 ORDER BY s.id",
        )?
        .query_map([id], |r| {
            Ok(RejudgeEntry {
                submission_id: r.get(0)?,
                team_id: r.get(1)?,
                problem_id: r.get(2)?,
                language_id: r.get(3)?,
                judging_id: r.get(4)?,
                old_verdict: r.get(5)?,
                new_verdict: r.get(6)?,
                done: r.get(7)?,
                error: r.get(8)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(Rejudging {
        id,
        reason,
        created_by,
        created_ms,
        state: RejudgingState::parse(&state)?,
        ended_by,
        entries,
    }))
}
