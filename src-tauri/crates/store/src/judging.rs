//! Judgings and the judge queue: queued → leased → done, FIFO with new
//! submissions before rejudges, leases that expire, results that count only
//! from the judgehost holding the lease.

use floorjudge_proto::Verdict;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::audit::record;
use crate::{Result, Store, StoreError};

/// A registered judgehost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Judgehost {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Public key id (the token header).
    pub key_id: Option<String>,
    /// Whether its credential is revoked.
    pub revoked: bool,
    /// Last request, ms since the epoch.
    pub last_seen_ms: Option<i64>,
    /// Last reported health (JSON).
    pub health_json: Option<String>,
}

/// A job handed to a judgehost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The judging.
    pub judging_id: i64,
    /// Its submission.
    pub submission_id: i64,
    /// Random per lease; part of the job token.
    pub nonce: String,
    /// When the lease runs out unless extended, ms since the epoch.
    pub expires_ms: i64,
    /// How many times this judging was leased (1 = first time).
    pub leases: i64,
}

/// How many lost leases end a judging as a judge error: the first lease
/// and two re-leases.
pub const MAX_LOST_LEASES: i64 = 3;

/// A lease that ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiredLease {
    /// The judging.
    pub judging_id: i64,
    /// Leases of it lost so far, this one included.
    pub lost_leases: i64,
    /// Lost too often: ended as a judge error instead of queued again.
    pub given_up: bool,
}

/// One testcase result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunRow {
    /// Testcase id.
    pub testcase_id: i64,
    /// Verdict.
    pub verdict: Verdict,
    /// Fuel used.
    pub fuel: i64,
    /// Charged time.
    pub time_ms: i64,
    /// Peak memory.
    pub memory_bytes: i64,
    /// Message (validator feedback, trap).
    pub message: String,
    /// On a failed testcase, the start of the program's output.
    pub team_output: Option<String>,
}

/// One testcase result as the Contest API names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunRecord {
    /// The judging.
    pub judging_id: i64,
    /// The testcase's position in judging order, from 1.
    pub ordinal: i64,
    /// Verdict.
    pub verdict: Verdict,
    /// Charged time, ms.
    pub time_ms: i64,
    /// When it was recorded, ms since the epoch (0: unknown).
    pub recorded_ms: i64,
}

/// A judging with its runs, for the jury.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JudgingRow {
    /// Id.
    pub id: i64,
    /// Submission.
    pub submission_id: i64,
    /// Judgehost that finished (or holds) it.
    pub judgehost: Option<String>,
    /// Queue state: queued, leased, done.
    pub state: String,
    /// Verdict, once done (`None` after a judge error).
    pub verdict: Option<Verdict>,
    /// Whether this judging counts.
    pub valid: bool,
    /// The judging a rejudge may replace.
    pub rejudge_of: Option<i64>,
    /// Judge error, if any.
    pub error: Option<String>,
    /// Compiler output.
    pub compile_output: Option<String>,
    /// Queued, ms since the epoch.
    pub queued_ms: Option<i64>,
    /// Leased to a judgehost (the latest time), ms since the epoch.
    pub started_ms: Option<i64>,
    /// Finished, ms since the epoch.
    pub finished_ms: Option<i64>,
    /// Testcase results in order.
    pub runs: Vec<RunRow>,
}

/// Where a submission stands with the judges, for its team. As JSON:
/// `{"state": "queued", "position": 1}`, `{"state": "judged", "verdict":
/// "AC"}` (a `null` verdict: a judge error), `{"state": "judging"}`,
/// `{"state": "none"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum JudgeState {
    /// Not enqueued (not received).
    None,
    /// Waiting.
    Queued {
        /// 1 = next.
        position: u64,
    },
    /// A judgehost has it.
    Judging,
    /// Finished.
    Judged {
        /// The counting verdict (`None`: judge error, the jury is looking).
        verdict: Option<Verdict>,
    },
}

/// Why a judgehost's report was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseCheck {
    /// The judging does not exist.
    Unknown,
    /// It is finished.
    Finished,
    /// It is queued or leased to someone else (or under an older lease).
    NotYours,
}

impl std::fmt::Display for LeaseCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LeaseCheck::Unknown => "no such judging",
            LeaseCheck::Finished => "the judging is already finished",
            LeaseCheck::NotYours => "the judging is not leased to this judgehost under this job",
        })
    }
}

/// Which submissions to rejudge.
#[derive(Debug, Clone, Default)]
pub struct RejudgeFilter {
    /// These submissions.
    pub submissions: Vec<i64>,
    /// All for this problem.
    pub problem: Option<String>,
    /// All of this team.
    pub team: Option<String>,
    /// All in this language.
    pub language: Option<String>,
    /// All whose counting verdict is this CLICS id (`WA`, `TLE`, …).
    pub verdict: Option<String>,
}

const JUDGEHOST_COLUMNS: &str =
    "id, name, key_id, revoked_ms IS NOT NULL, last_seen_ms, health_json";

fn judgehost_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Judgehost> {
    Ok(Judgehost {
        id: r.get(0)?,
        name: r.get(1)?,
        key_id: r.get(2)?,
        revoked: r.get(3)?,
        last_seen_ms: r.get(4)?,
        health_json: r.get(5)?,
    })
}

/// Queues a new judging of `submission_id` (`rejudge_of`: the judging it
/// may replace).
pub(crate) fn enqueue(
    conn: &Connection,
    submission_id: i64,
    priority: i64,
    rejudge_of: Option<i64>,
    now: i64,
) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO judgings (submission_id, valid, queued_ms, rejudge_of) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![submission_id, rejudge_of.is_none(), now, rejudge_of])?;
    let id = conn.last_insert_rowid();
    conn.prepare_cached(
        "INSERT INTO judge_queue (judging_id, priority, state) VALUES (?1, ?2, 'queued')",
    )?
    .execute(params![id, priority])?;
    Ok(id)
}

/// Extends the lease of `judging_id` if `judgehost_id` holds it.
fn extend_lease(tx: &Connection, judging_id: i64, judgehost_id: i64, until_ms: i64) -> Result<()> {
    tx.prepare_cached(
        "UPDATE judge_queue SET lease_expires_ms = MAX(lease_expires_ms, ?1)
         WHERE judging_id = ?2 AND state = 'leased' AND judgehost_id = ?3",
    )?
    .execute(params![until_ms, judging_id, judgehost_id])?;
    Ok(())
}

/// Takes leases away, `(judging, lost leases with this one)` each: the
/// partial runs go; a judging back in the queue, or, at [`MAX_LOST_LEASES`],
/// ended as a judge error. `action` names the audit entry of a requeue.
fn lose_leases(
    tx: &Connection,
    ids: &[(i64, i64)],
    now: i64,
    action: &str,
) -> Result<Vec<ExpiredLease>> {
    let mut lost = Vec::with_capacity(ids.len());
    for &(id, count) in ids {
        tx.execute("DELETE FROM runs WHERE judging_id = ?1", [id])?;
        let given_up = count >= MAX_LOST_LEASES;
        if given_up {
            let error = format!(
                "its judgehost stopped answering while judging it {count} times \
                 (crashed or hung); not leased again"
            );
            tx.execute(
                "UPDATE judge_queue SET state = 'done', lost_leases = ?1, lease_nonce = NULL,
                     lease_expires_ms = NULL WHERE judging_id = ?2",
                params![count, id],
            )?;
            tx.execute(
                "UPDATE judgings SET verdict = NULL, error = ?1, finished_ms = ?2 WHERE id = ?3",
                params![error, now, id],
            )?;
            record(
                tx,
                "jury",
                "judging.given_up",
                Some(&id.to_string()),
                Some(&error),
                None,
            )?;
        } else {
            tx.execute(
                "UPDATE judge_queue SET state = 'queued', judgehost_id = NULL, lease_nonce = NULL,
                     lease_expires_ms = NULL, lost_leases = ?1 WHERE judging_id = ?2",
                params![count, id],
            )?;
            record(tx, "jury", action, Some(&id.to_string()), None, None)?;
        }
        lost.push(ExpiredLease {
            judging_id: id,
            lost_leases: count,
            given_up,
        });
    }
    Ok(lost)
}

fn check_lease(
    conn: &Connection,
    judging_id: i64,
    judgehost_id: i64,
    nonce: &str,
) -> Result<std::result::Result<(), LeaseCheck>> {
    let row: Option<(String, Option<i64>, Option<String>)> = conn
        .prepare_cached(
            "SELECT state, judgehost_id, lease_nonce FROM judge_queue WHERE judging_id = ?1",
        )?
        .query_row([judging_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    Ok(match row {
        None => Err(LeaseCheck::Unknown),
        Some((state, _, _)) if state == "done" => Err(LeaseCheck::Finished),
        Some((state, host, n))
            if state == "leased" && host == Some(judgehost_id) && n.as_deref() == Some(nonce) =>
        {
            Ok(())
        }
        Some(_) => Err(LeaseCheck::NotYours),
    })
}

impl Store {
    /// Registers a judgehost credential (or renews a revoked one's).
    pub fn add_judgehost(&mut self, name: &str, key_id: &str, actor: &str) -> Result<i64> {
        let tx = self.conn.transaction()?;
        let existing: Option<(i64, Option<i64>)> = tx
            .query_row(
                "SELECT id, revoked_ms FROM judgehosts WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let id = match existing {
            Some((_, None)) => {
                return Err(StoreError::Conflict(format!(
                    "judgehost {name} exists; revoke it first to issue new credentials"
                )));
            }
            Some((id, Some(_))) => {
                tx.execute(
                    "UPDATE judgehosts SET key_id = ?1, revoked_ms = NULL, enabled = 1, created_ms = ?2 WHERE id = ?3",
                    params![key_id, crate::now_ms(), id],
                )?;
                id
            }
            None => {
                tx.execute(
                    "INSERT INTO judgehosts (name, key_id, created_ms) VALUES (?1, ?2, ?3)",
                    params![name, key_id, crate::now_ms()],
                )?;
                tx.last_insert_rowid()
            }
        };
        record(&tx, actor, "judgehost.add", Some(name), None, None)?;
        tx.commit()?;
        Ok(id)
    }

    /// Revokes a judgehost's credential; its leased jobs go back to the queue.
    pub fn revoke_judgehost(&mut self, name: &str, actor: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        let id: i64 = tx
            .query_row(
                "SELECT id FROM judgehosts WHERE name = ?1 AND revoked_ms IS NULL",
                [name],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                kind: "active judgehost",
                id: name.to_owned(),
            })?;
        tx.execute(
            "UPDATE judgehosts SET revoked_ms = ?1, enabled = 0 WHERE id = ?2",
            params![crate::now_ms(), id],
        )?;
        tx.execute(
            "UPDATE judge_queue SET state = 'queued', judgehost_id = NULL, lease_nonce = NULL,
                 lease_expires_ms = NULL WHERE state = 'leased' AND judgehost_id = ?1",
            [id],
        )?;
        record(&tx, actor, "judgehost.revoke", Some(name), None, None)?;
        tx.commit()?;
        Ok(())
    }

    /// Every judgehost.
    pub fn judgehosts(&self) -> Result<Vec<Judgehost>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {JUDGEHOST_COLUMNS} FROM judgehosts ORDER BY name"
        ))?;
        let rows = stmt.query_map([], judgehost_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The active judgehost with this key id (asked on every judgehost request).
    pub fn judgehost_by_key(&self, key_id: &str) -> Result<Option<Judgehost>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {JUDGEHOST_COLUMNS} FROM judgehosts WHERE key_id = ?1 AND revoked_ms IS NULL"
            ))?
            .query_row([key_id], judgehost_from_row)
            .optional()?)
    }

    /// Notes that a judgehost was heard from (with its health, if reported)
    /// and extends to `lease_until_ms` the leases it holds of `judgings`,
    /// the ones it says it is working on: a lease is kept alive only by
    /// news of its own job, never by any request of its judgehost.
    pub fn judgehost_seen(
        &mut self,
        id: i64,
        now: i64,
        health_json: Option<&str>,
        lease_until_ms: i64,
        judgings: &[i64],
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.prepare_cached(
            "UPDATE judgehosts SET last_seen_ms = ?1, health_json = COALESCE(?2, health_json) WHERE id = ?3",
        )?
        .execute(params![now, health_json, id])?;
        for judging in judgings {
            extend_lease(&tx, *judging, id, lease_until_ms)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A judgehost (re-)registers: the leases it held from an earlier run
    /// are lost at once, as if they had expired (they count towards
    /// [`MAX_LOST_LEASES`]): that run is gone and will never report.
    pub fn release_leases_of(&mut self, judgehost_id: i64, now: i64) -> Result<Vec<ExpiredLease>> {
        let tx = self.conn.transaction()?;
        let ids: Vec<(i64, i64)> = tx
            .prepare_cached(
                "SELECT judging_id, lost_leases + 1 FROM judge_queue WHERE state = 'leased' AND judgehost_id = ?1",
            )?
            .query_map([judgehost_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let lost = lose_leases(&tx, &ids, now, "judging.lease_lost_on_register")?;
        tx.commit()?;
        Ok(lost)
    }

    /// Records a request signature; `false` if it was seen before (a replay).
    /// Forgets signatures older than `forget_before_ms`.
    pub fn remember_signature(
        &mut self,
        signature: &str,
        now: i64,
        forget_before_ms: i64,
    ) -> Result<bool> {
        self.conn
            .prepare_cached("DELETE FROM request_signatures WHERE seen_ms < ?1")?
            .execute([forget_before_ms])?;
        let n = self
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO request_signatures (signature, seen_ms) VALUES (?1, ?2)",
            )?
            .execute(params![signature, now])?;
        Ok(n == 1)
    }

    /// Returns expired leases to the queue; the judgings' partial runs are
    /// dropped. A judging whose lease was lost [`MAX_LOST_LEASES`] times (its
    /// judgehost crashed or hung on it each time) is not queued again: it
    /// ends as a judge error for the jury.
    pub fn expire_leases(&mut self, now: i64) -> Result<Vec<ExpiredLease>> {
        let tx = self.conn.transaction()?;
        let ids: Vec<(i64, i64)> = tx
            .prepare_cached("SELECT judging_id, lost_leases + 1 FROM judge_queue WHERE state = 'leased' AND lease_expires_ms < ?1")?
            .query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let expired = lose_leases(&tx, &ids, now, "judging.lease_expired")?;
        tx.commit()?;
        Ok(expired)
    }

    /// Leases the next job to a judgehost: the oldest queued judging of the
    /// highest priority.
    /// How many jobs `judgehost_id` holds leased now.
    pub fn leases_held(&self, judgehost_id: i64) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM judge_queue WHERE state = 'leased' AND judgehost_id = ?1",
            [judgehost_id],
            |r| r.get(0),
        )?)
    }

    pub fn lease_job(
        &mut self,
        judgehost_id: i64,
        nonce: &str,
        now: i64,
        expires_ms: i64,
    ) -> Result<Option<Lease>> {
        let tx = self.conn.transaction()?;
        let next: Option<i64> = tx
            .prepare_cached(
                "SELECT judging_id FROM judge_queue WHERE state = 'queued' ORDER BY priority, judging_id LIMIT 1",
            )?
            .query_row([], |r| r.get(0))
            .optional()?;
        let Some(judging_id) = next else {
            return Ok(None);
        };
        tx.prepare_cached(
            "UPDATE judge_queue SET state = 'leased', judgehost_id = ?1, lease_nonce = ?2,
                 lease_expires_ms = ?3, leases = leases + 1 WHERE judging_id = ?4",
        )?
        .execute(params![judgehost_id, nonce, expires_ms, judging_id])?;
        tx.prepare_cached("DELETE FROM runs WHERE judging_id = ?1")?
            .execute([judging_id])?;
        tx.prepare_cached("UPDATE judgings SET judgehost_id = ?1, started_ms = ?2 WHERE id = ?3")?
            .execute(params![judgehost_id, now, judging_id])?;
        let (submission_id, leases): (i64, i64) = tx.query_row(
            "SELECT j.submission_id, q.leases FROM judgings j JOIN judge_queue q ON q.judging_id = j.id WHERE j.id = ?1",
            [judging_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        tx.commit()?;
        Ok(Some(Lease {
            judging_id,
            submission_id,
            nonce: nonce.to_owned(),
            expires_ms,
            leases,
        }))
    }

    /// Stores testcase results of a leased judging, all or none.
    /// News of the job: its lease is extended to `lease_until_ms`.
    pub fn record_runs(
        &mut self,
        judging_id: i64,
        judgehost_id: i64,
        nonce: &str,
        runs: &[RunRow],
        lease_until_ms: i64,
    ) -> Result<std::result::Result<(), LeaseCheck>> {
        let tx = self.conn.transaction()?;
        if let Err(e) = check_lease(&tx, judging_id, judgehost_id, nonce)? {
            return Ok(Err(e));
        }
        extend_lease(&tx, judging_id, judgehost_id, lease_until_ms)?;
        for run in runs {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO runs (judging_id, testcase_id, verdict, fuel, time_ms, memory_bytes, message,
                     recorded_ms, team_output)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, CAST(unixepoch('subsec') * 1000 AS INTEGER), ?8)",
            )?
            .execute(params![
                judging_id,
                run.testcase_id,
                run.verdict.clics_id(),
                run.fuel,
                run.time_ms,
                run.memory_bytes,
                run.message,
                run.team_output
            ])?;
        }
        tx.commit()?;
        Ok(Ok(()))
    }

    /// Finishes a leased judging with its verdict (or a judge error), once.
    /// A finished rejudge replaces the judging it was made from.
    #[allow(clippy::too_many_arguments)]
    pub fn finish_judging(
        &mut self,
        judging_id: i64,
        judgehost_id: i64,
        nonce: &str,
        verdict: Option<Verdict>,
        compile_output: &str,
        error: Option<&str>,
        now: i64,
    ) -> Result<std::result::Result<(), LeaseCheck>> {
        let tx = self.conn.transaction()?;
        if let Err(e) = check_lease(&tx, judging_id, judgehost_id, nonce)? {
            return Ok(Err(e));
        }
        tx.execute(
            "UPDATE judgings SET verdict = ?1, compile_output = ?2, error = ?3, finished_ms = ?4 WHERE id = ?5",
            params![verdict.map(Verdict::clics_id), compile_output, error, now, judging_id],
        )?;
        tx.execute(
            "UPDATE judge_queue SET state = 'done', lease_expires_ms = NULL WHERE judging_id = ?1",
            [judging_id],
        )?;
        let (rejudge_of, previewed): (Option<i64>, bool) = tx.query_row(
            "SELECT rejudge_of, rejudging_id IS NOT NULL FROM judgings WHERE id = ?1",
            [judging_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        // a previewed rejudging's judgings wait for the jury to apply it
        if let (Some(old), Some(_), false) = (rejudge_of, verdict, previewed) {
            tx.execute("UPDATE judgings SET valid = 0 WHERE id = ?1", [old])?;
            tx.execute("UPDATE judgings SET valid = 1 WHERE id = ?1", [judging_id])?;
        }
        record(
            &tx,
            &format!("judgehost:{judgehost_id}"),
            "judging.finished",
            Some(&judging_id.to_string()),
            Some(verdict.map(Verdict::clics_id).or(error).unwrap_or("")),
            None,
        )?;
        tx.commit()?;
        Ok(Ok(()))
    }

    /// Gives a leased job back to the queue (a judgehost shutting down).
    pub fn return_job(
        &mut self,
        judging_id: i64,
        judgehost_id: i64,
        nonce: &str,
    ) -> Result<std::result::Result<(), LeaseCheck>> {
        let tx = self.conn.transaction()?;
        if let Err(e) = check_lease(&tx, judging_id, judgehost_id, nonce)? {
            return Ok(Err(e));
        }
        tx.execute(
            "UPDATE judge_queue SET state = 'queued', judgehost_id = NULL, lease_nonce = NULL,
                 lease_expires_ms = NULL WHERE judging_id = ?1",
            [judging_id],
        )?;
        tx.execute("DELETE FROM runs WHERE judging_id = ?1", [judging_id])?;
        record(
            &tx,
            &format!("judgehost:{judgehost_id}"),
            "judging.returned",
            Some(&judging_id.to_string()),
            None,
            None,
        )?;
        tx.commit()?;
        Ok(Ok(()))
    }

    /// Gives every job `judgehost_id` holds back to the queue (a judgehost
    /// leaving cleanly); returns their judging ids.
    pub fn return_jobs_of(&mut self, judgehost_id: i64) -> Result<Vec<i64>> {
        let tx = self.conn.transaction()?;
        let ids: Vec<i64> = tx
            .prepare_cached(
                "SELECT judging_id FROM judge_queue WHERE state = 'leased' AND judgehost_id = ?1",
            )?
            .query_map([judgehost_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for id in &ids {
            tx.execute(
                "UPDATE judge_queue SET state = 'queued', judgehost_id = NULL, lease_nonce = NULL,
                     lease_expires_ms = NULL WHERE judging_id = ?1",
                [id],
            )?;
            tx.execute("DELETE FROM runs WHERE judging_id = ?1", [id])?;
            record(
                &tx,
                &format!("judgehost:{judgehost_id}"),
                "judging.returned",
                Some(&id.to_string()),
                Some("the judgehost left"),
                None,
            )?;
        }
        tx.commit()?;
        Ok(ids)
    }

    /// Queues a rejudge of every received submission the filter selects
    /// whose judging is finished; returns `(submission, new judging)` pairs.
    /// Each new judging replaces the old one as soon as it has a verdict
    /// (see [`Store::create_rejudging`] for the previewed kind).
    pub fn rejudge(&mut self, filter: &RejudgeFilter, actor: &str) -> Result<Vec<(i64, i64)>> {
        let tx = self.conn.transaction()?;
        let now = crate::now_ms();
        let mut out = Vec::new();
        for (id, current) in crate::rejudging::select(&tx, filter)? {
            out.push((id, enqueue(&tx, id, 1, current, now)?));
        }
        record(
            &tx,
            actor,
            "submission.rejudge",
            None,
            Some(&format!("{} submissions", out.len())),
            None,
        )?;
        tx.commit()?;
        Ok(out)
    }

    /// The judgehost of each submission's latest judging that one took,
    /// as `(submission, judgehost name)`.
    pub fn latest_judgehosts(&self) -> Result<Vec<(i64, String)>> {
        Ok(self
            .conn
            .prepare(
                "SELECT j.submission_id, h.name FROM judgings j JOIN judgehosts h ON h.id = j.judgehost_id
                 WHERE j.id = (SELECT MAX(o.id) FROM judgings o
                               WHERE o.submission_id = j.submission_id AND o.judgehost_id IS NOT NULL)",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// How far the counting judging of a submission that is being judged
    /// has got: (testcases with a result, testcases in all); `None` when it
    /// is not being judged.
    pub fn judging_progress(&self, submission_id: i64) -> Result<Option<(u32, u32)>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT (SELECT COUNT(*) FROM runs r WHERE r.judging_id = j.id),
                        (SELECT COUNT(*) FROM testcases t WHERE t.problem_id = s.problem_id AND NOT t.retired)
                 FROM judgings j
                 JOIN judge_queue q ON q.judging_id = j.id
                 JOIN submissions s ON s.id = j.submission_id
                 WHERE j.submission_id = ?1 AND j.valid AND q.state = 'leased'
                 ORDER BY j.id DESC LIMIT 1",
            )?
            .query_row([submission_id], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, u32>(1)?)))
            .optional()?)
    }

    /// Where a submission stands with the judges.
    pub fn judge_state(&self, submission_id: i64) -> Result<JudgeState> {
        let valid: Option<(i64, Option<Verdict>, Option<i64>, String)> = self
            .conn
            .prepare_cached(
                "SELECT j.id, j.verdict, j.finished_ms, q.state FROM judgings j JOIN judge_queue q ON q.judging_id = j.id
                 WHERE j.submission_id = ?1 AND j.valid ORDER BY j.id DESC LIMIT 1",
            )?
            .query_row([submission_id], |r| {
                Ok((r.get(0)?, verdict_at(r, 1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        let Some((judging, verdict, _, state)) = valid else {
            return Ok(JudgeState::None);
        };
        Ok(match state.as_str() {
            "done" => JudgeState::Judged { verdict },
            "leased" => JudgeState::Judging,
            _ => {
                let ahead: u64 = self
                    .conn
                    .prepare_cached(
                        "SELECT COUNT(*) FROM judge_queue WHERE state = 'queued' AND
                         (priority < (SELECT priority FROM judge_queue WHERE judging_id = ?1)
                          OR (priority = (SELECT priority FROM judge_queue WHERE judging_id = ?1) AND judging_id < ?1))",
                    )?
                    .query_row([judging], |r| r.get(0))?;
                JudgeState::Queued {
                    position: ahead + 1,
                }
            }
        })
    }

    /// A submission's judgings with their runs, oldest first.
    pub fn judgings(&self, submission_id: i64) -> Result<Vec<JudgingRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {JUDGING_COLUMNS} {JUDGING_FROM} WHERE j.submission_id = ?1 ORDER BY j.id"
        ))?;
        let mut rows: Vec<JudgingRow> = stmt
            .query_map([submission_id], judging_from_row)?
            .collect::<Result<_, _>>()?;
        self.fill_runs(&mut rows)?;
        Ok(rows)
    }

    /// One judging with its runs.
    pub fn judging(&self, judging_id: i64) -> Result<Option<JudgingRow>> {
        let row = self
            .conn
            .prepare_cached(&format!(
                "SELECT {JUDGING_COLUMNS} {JUDGING_FROM} WHERE j.id = ?1"
            ))?
            .query_row([judging_id], judging_from_row)
            .optional()?;
        let mut rows: Vec<JudgingRow> = row.into_iter().collect();
        self.fill_runs(&mut rows)?;
        Ok(rows.pop())
    }

    /// Every judging that has started, in id order, without runs.
    pub fn started_judgings(&self) -> Result<Vec<JudgingRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {JUDGING_COLUMNS} {JUDGING_FROM} WHERE j.started_ms IS NOT NULL ORDER BY j.id"
        ))?;
        let rows = stmt
            .query_map([], judging_from_row)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Testcase results as the Contest API shows them: of one judging
    /// (`Some`) or of all, by judging and testcase order; with `ordinal`,
    /// only that testcase's.
    pub fn run_records(
        &self,
        judging_id: Option<i64>,
        ordinal: Option<i64>,
    ) -> Result<Vec<RunRecord>> {
        // one statement per shape, so each uses the runs' primary key
        const SELECT: &str = "SELECT r.judging_id, t.ordinal, r.verdict, r.time_ms, r.recorded_ms
             FROM runs r JOIN testcases t ON t.id = r.testcase_id";
        let (sql, args) = match (judging_id, ordinal) {
            (Some(j), Some(o)) => (
                format!("{SELECT} WHERE r.judging_id = ?1 AND t.ordinal = ?2"),
                vec![j, o],
            ),
            (Some(j), None) => (
                format!("{SELECT} WHERE r.judging_id = ?1 ORDER BY t.ordinal"),
                vec![j],
            ),
            (None, _) => (format!("{SELECT} ORDER BY r.judging_id, t.ordinal"), vec![]),
        };
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args), |r| {
                Ok(RunRecord {
                    judging_id: r.get(0)?,
                    ordinal: r.get(1)?,
                    verdict: required_verdict_at(r, 2)?,
                    time_ms: r.get::<_, Option<i64>>(3)?.unwrap_or(0),
                    recorded_ms: r.get::<_, Option<i64>>(4)?.unwrap_or(0),
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    fn fill_runs(&self, rows: &mut [JudgingRow]) -> Result<()> {
        for j in rows {
            let mut runs = self.conn.prepare_cached(
                "SELECT r.testcase_id, r.verdict, r.fuel, r.time_ms, r.memory_bytes, r.message, r.team_output
                 FROM runs r JOIN testcases t ON t.id = r.testcase_id WHERE r.judging_id = ?1 ORDER BY t.ordinal",
            )?;
            j.runs = runs
                .query_map([j.id], |r| {
                    Ok(RunRow {
                        testcase_id: r.get(0)?,
                        verdict: required_verdict_at(r, 1)?,
                        fuel: r.get::<_, Option<i64>>(2)?.unwrap_or(0),
                        time_ms: r.get::<_, Option<i64>>(3)?.unwrap_or(0),
                        memory_bytes: r.get::<_, Option<i64>>(4)?.unwrap_or(0),
                        message: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                        team_output: r.get(6)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
        }
        Ok(())
    }
}

const JUDGING_COLUMNS: &str =
    "j.id, j.submission_id, h.name, q.state, j.verdict, j.valid, j.rejudge_of,
    j.error, j.compile_output, j.queued_ms, j.started_ms, j.finished_ms";
const JUDGING_FROM: &str = "FROM judgings j JOIN judge_queue q ON q.judging_id = j.id
    LEFT JOIN judgehosts h ON h.id = j.judgehost_id";

fn judging_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<JudgingRow> {
    Ok(JudgingRow {
        id: r.get(0)?,
        submission_id: r.get(1)?,
        judgehost: r.get(2)?,
        state: r.get(3)?,
        verdict: verdict_at(r, 4)?,
        valid: r.get(5)?,
        rejudge_of: r.get(6)?,
        error: r.get(7)?,
        compile_output: r.get(8)?,
        queued_ms: r.get(9)?,
        started_ms: r.get(10)?,
        finished_ms: r.get(11)?,
        runs: Vec::new(),
    })
}

/// The verdict in column `i` (a CLICS id; NULL: none).
fn verdict_at(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<Verdict>> {
    match r.get::<_, Option<String>>(i)? {
        None => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
        }),
    }
}

/// The verdict in column `i`, which is never NULL.
fn required_verdict_at(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Verdict> {
    verdict_at(r, i)?.ok_or_else(|| {
        rusqlite::Error::InvalidColumnType(i, "verdict".into(), rusqlite::types::Type::Null)
    })
}
