//! The jury's side of the judgehost API: request signing, leases with job
//! tokens, results that count only from the judgehost holding the lease.
//! HTTP handlers ([`crate::http::judgehost`]) are thin adapters over
//! [`JudgeDesk`].

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use floorjudge_proto::judgehost::{
    BlobRef, FinishReport, Health, Job, JobTestcase, MAX_SKEW_MS, Registered, RunReport,
    signed_request,
};
use floorjudge_store::{Judgehost, LeaseCheck, RunRow, Store, StoreError, now_ms};
use ring::hmac;
use thiserror::Error;
use tokio::sync::Notify;

use crate::job_token::{self, JobClaims, TokenError};
use crate::keys::JuryKeys;
use crate::shared_store::SharedStore;

/// By default a lease lasts this long without a heartbeat.
pub const DEFAULT_LEASE_MS: i64 = 30_000;
/// A job token is valid this long after the lease.
pub const JOB_TOKEN_TTL_MS: i64 = 30 * 60 * 1000;
/// The longest a lease request waits for work.
pub const MAX_LEASE_WAIT: Duration = Duration::from_secs(30);

/// Why a judgehost request was refused.
#[derive(Debug, Error)]
pub enum JudgehostRefusal {
    /// A signing header is missing or unreadable.
    #[error("unsigned request: {0}")]
    Unsigned(&'static str),
    /// No active judgehost has this key.
    #[error("unknown or revoked judgehost key")]
    UnknownKey,
    /// The Date is too far off.
    #[error("the Date header is more than 10 minutes off the jury's clock")]
    Skewed,
    /// The signature does not verify.
    #[error("the request signature does not verify")]
    BadSignature,
    /// The exact request was seen before.
    #[error("replayed request")]
    Replayed,
    /// The job token is wrong.
    #[error("{0}")]
    Token(#[from] TokenError),
    /// The job token names another judgehost or judging.
    #[error("the job token belongs to another judgehost or judging")]
    NotYourToken,
    /// The lease no longer matches.
    #[error("{0}")]
    Lease(LeaseCheck),
    /// Bad body.
    #[error("{0}")]
    BadRequest(String),
    /// No such blob.
    #[error("no such file")]
    NotFound,
    /// Our failure.
    #[error("internal error: {0}")]
    Internal(String),
}

impl JudgehostRefusal {
    /// HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unsigned(_)
            | Self::UnknownKey
            | Self::Skewed
            | Self::BadSignature
            | Self::Replayed => 401,
            Self::Token(_) | Self::NotYourToken => 403,
            Self::Lease(_) => 409,
            Self::BadRequest(_) => 400,
            Self::NotFound => 404,
            Self::Internal(_) => 500,
        }
    }

    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unsigned(_) => "unsigned",
            Self::UnknownKey => "unknown_key",
            Self::Skewed => "skewed_date",
            Self::BadSignature => "bad_signature",
            Self::Replayed => "replayed",
            Self::Token(_) => "bad_job_token",
            Self::NotYourToken => "not_your_job",
            Self::Lease(LeaseCheck::Finished) => "judging_finished",
            Self::Lease(_) => "not_leased_to_you",
            Self::BadRequest(_) => "bad_request",
            Self::NotFound => "not_found",
            Self::Internal(_) => "internal",
        }
    }
}

impl From<StoreError> for JudgehostRefusal {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "store failed");
        JudgehostRefusal::Internal(e.to_string())
    }
}

/// The signed parts of a judgehost request.
#[derive(Debug)]
pub struct SignedRequest<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// `http://host/path?query` as the judgehost addressed it.
    pub url: String,
    /// Key id header.
    pub key: Option<&'a str>,
    /// Date header.
    pub date: Option<&'a str>,
    /// Signature header.
    pub signature: Option<&'a str>,
    /// Body.
    pub body: &'a [u8],
}

/// The judge desk.
#[derive(Debug)]
pub struct JudgeDesk {
    store: SharedStore,
    keys: Arc<JuryKeys>,
    work: Notify,
    lease_ms: i64,
    /// How many jobs each judgehost said at registration it judges at once
    /// (1 unless it said otherwise, as after a jury restart).
    parallel: std::sync::Mutex<HashMap<i64, u32>>,
    /// Judgehosts whose run said it is leaving: they get no lease until
    /// they register again. Read and written inside store calls, so a lease
    /// and a leave never interleave.
    leaving: Arc<std::sync::Mutex<HashSet<i64>>>,
}

/// Most jobs one judgehost may hold at once, whatever it declares.
pub const MAX_PARALLEL: u32 = 16;

impl JudgeDesk {
    /// A desk over the shared store; leases last `lease_ms` past the
    /// judgehost's last request.
    pub fn new(store: SharedStore, keys: Arc<JuryKeys>, lease_ms: i64) -> Self {
        JudgeDesk {
            store,
            keys,
            work: Notify::new(),
            lease_ms: lease_ms.max(1000),
            parallel: Default::default(),
            leaving: Default::default(),
        }
    }

    /// Wakes waiting lease requests (new work may be queued).
    pub fn work_arrived(&self) {
        self.work.notify_waiters();
    }

    async fn refuse(&self, who: &str, what: &str, e: JudgehostRefusal) -> JudgehostRefusal {
        tracing::warn!(judgehost = who, request = what, reason = %e, "judgehost request refused");
        let (who, detail, what) = (who.to_owned(), e.to_string(), what.to_owned());
        let _ = self
            .store
            .run(move |s| {
                s.audit(
                    &format!("judgehost:{who}"),
                    "judgehost.refused",
                    Some(&what),
                    Some(&detail),
                    None,
                )
            })
            .await;
        e
    }

    /// Checks a request's key, date, signature and freshness.
    pub async fn authenticate(
        &self,
        req: SignedRequest<'_>,
    ) -> Result<Judgehost, JudgehostRefusal> {
        let who = req.key.unwrap_or("-").chars().take(40).collect::<String>();
        let what = format!(
            "{} {}",
            req.method,
            req.url.chars().take(120).collect::<String>()
        );
        match self.authenticate_inner(req).await {
            Ok(j) => Ok(j),
            Err(e) => Err(self.refuse(&who, &what, e).await),
        }
    }

    async fn authenticate_inner(
        &self,
        req: SignedRequest<'_>,
    ) -> Result<Judgehost, JudgehostRefusal> {
        let key = req.key.ok_or(JudgehostRefusal::Unsigned("no key header"))?;
        let date = req
            .date
            .ok_or(JudgehostRefusal::Unsigned("no Date header"))?;
        let signature = req
            .signature
            .ok_or(JudgehostRefusal::Unsigned("no signature header"))?;
        let when = chrono::DateTime::parse_from_rfc2822(date)
            .map_err(|_| JudgehostRefusal::Unsigned("unreadable Date header"))?
            .timestamp_millis();
        let now = now_ms();
        if (now - when).abs() > MAX_SKEW_MS {
            return Err(JudgehostRefusal::Skewed);
        }
        let key_owned = key.to_owned();
        let host = self
            .store
            .run(move |s| s.judgehost_by_key(&key_owned))
            .await?
            .ok_or(JudgehostRefusal::UnknownKey)?;
        let tag = base64::engine::general_purpose::STANDARD
            .decode(signature)
            .map_err(|_| JudgehostRefusal::Unsigned("signature is not base64"))?;
        let secret = hmac::Key::new(hmac::HMAC_SHA256, &self.keys.judgehost_secret(key));
        hmac::verify(
            &secret,
            &signed_request(req.method, &req.url, date, req.body),
            &tag,
        )
        .map_err(|_| JudgehostRefusal::BadSignature)?;
        let sig = signature.to_owned();
        let id = host.id;
        let fresh = self
            .store
            .run(move |s| {
                let fresh = s.remember_signature(&sig, now, now - 2 * MAX_SKEW_MS)?;
                if fresh {
                    // heard from, but no lease is extended: only news of a job keeps its lease
                    s.judgehost_seen(id, now, None, now, &[])?;
                }
                Ok(fresh)
            })
            .await?;
        if !fresh {
            return Err(JudgehostRefusal::Replayed);
        }
        Ok(host)
    }

    /// Registration (at every start of a judgehost): it learns its id, and
    /// the jobs it held in an earlier run go back to the queue at once (or,
    /// lost too often, end as judge errors): that run will never report.
    /// `parallel` is how many jobs it judges at once (1 to
    /// [`MAX_PARALLEL`]; default 1): it is never given more leases than that.
    pub async fn register(
        &self,
        host: &Judgehost,
        parallel: Option<u64>,
    ) -> Result<Registered, JudgehostRefusal> {
        let parallel = match parallel {
            None => 1,
            Some(n) if (1..=u64::from(MAX_PARALLEL)).contains(&n) => n as u32,
            Some(n) => {
                return Err(self
                    .refuse(
                        &host.name,
                        "register",
                        JudgehostRefusal::BadRequest(format!(
                            "parallel {n}: a judgehost judges 1 to {MAX_PARALLEL} jobs at once"
                        )),
                    )
                    .await);
            }
        };
        self.parallel
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(host.id, parallel);
        let (id, now, leaving) = (host.id, now_ms(), self.leaving.clone());
        let released = self
            .store
            .run(move |s| {
                leaving
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&id);
                s.release_leases_of(id, now)
            })
            .await?;
        for e in &released {
            tracing::warn!(
                judgehost = %host.name,
                judging = e.judging_id,
                lost_leases = e.lost_leases,
                given_up = e.given_up,
                "the judgehost restarted while holding this job: its lease is lost"
            );
        }
        if !released.is_empty() {
            self.work.notify_waiters();
        }
        tracing::info!(judgehost = %host.name, "judgehost registered");
        Ok(Self::identity(host))
    }

    fn identity(host: &Judgehost) -> Registered {
        Registered {
            judgehost_id: host.id,
            name: host.name.clone(),
        }
    }

    /// Heartbeat: stores health, extends the judgehost's leases.
    pub async fn heartbeat(
        &self,
        host: &Judgehost,
        health: Health,
    ) -> Result<Registered, JudgehostRefusal> {
        let json = serde_json::to_string(&health).unwrap_or_default();
        let (id, now, lease_ms) = (host.id, now_ms(), self.lease_ms);
        let judgings: Vec<i64> = health.judgings.iter().copied().take(1000).collect();
        self.store
            .run(move |s| s.judgehost_seen(id, now, Some(&json), now + lease_ms, &judgings))
            .await?;
        tracing::debug!(judgehost = %host.name, "heartbeat");
        Ok(Self::identity(host))
    }

    /// Leases the next job, waiting up to `wait` for one.
    pub async fn lease(
        &self,
        host: &Judgehost,
        wait: Duration,
    ) -> Result<Option<Job>, JudgehostRefusal> {
        let deadline = tokio::time::Instant::now() + wait.min(MAX_LEASE_WAIT);
        loop {
            let notified = self.work.notified();
            if self.is_leaving(host.id) {
                return Ok(None);
            }
            if let Some(job) = self.try_lease(host).await? {
                return Ok(Some(job));
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            // woken by new work, or a periodic look (rejudges from the CLI,
            // expired leases of dead judgehosts)
            let tick = (deadline - now).min(Duration::from_millis(500));
            let _ = tokio::time::timeout(tick, notified).await;
        }
    }

    async fn try_lease(&self, host: &Judgehost) -> Result<Option<Job>, JudgehostRefusal> {
        let nonce = hex::encode(rand::random::<[u8; 12]>());
        let (host_id, now, lease_ms) = (host.id, now_ms(), self.lease_ms);
        let allowed = i64::from(
            *self
                .parallel
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&host.id)
                .unwrap_or(&1),
        );
        let name = host.name.clone();
        let leaving = self.leaving.clone();
        let leased = self
            .store
            .run(move |s| {
                if leaving.lock().unwrap_or_else(|e| e.into_inner()).contains(&host_id) {
                    return Ok(None);
                }
                for e in s.expire_leases(now)? {
                    if e.given_up {
                        tracing::error!(
                            judging = e.judging_id,
                            lost_leases = e.lost_leases,
                            "lease expired again: the judging crashed or hung its judgehost each time; it ends as a judge error"
                        );
                    } else {
                        tracing::warn!(
                            judging = e.judging_id,
                            lost_leases = e.lost_leases,
                            "lease expired: the job goes back to the queue"
                        );
                    }
                }
                // the same store call as the lease: two requests cannot both pass
                let held = s.leases_held(host_id)?;
                if held >= allowed {
                    tracing::warn!(judgehost = %name, held, allowed, "lease refused: the judgehost already holds as many jobs as it judges at once");
                    return Ok(None);
                }
                let Some(lease) = s.lease_job(host_id, &nonce, now, now + lease_ms)? else {
                    return Ok(None);
                };
                let sub = s.submission(lease.submission_id)?.ok_or_else(|| {
                    StoreError::Corrupt(format!("judging {} without submission", lease.judging_id))
                })?;
                let problem = s.problem(&sub.problem_id)?;
                let files = s.problem_files(&problem.id)?;
                let testcases = s.testcases(&problem.id)?;
                // a language since removed from the table is judged unscaled
                let (time_factor, backend) = s
                    .language(&sub.language_id)
                    .map_or((1.0, String::new()), |l| (l.time_factor, l.backend));
                Ok(Some((lease, sub, problem, files, testcases, time_factor, backend)))
            })
            .await?;
        let Some((lease, sub, problem, files, testcases, time_factor, backend)) = leased else {
            return Ok(None);
        };
        let claims = JobClaims {
            judging_id: lease.judging_id,
            judgehost_id: host.id,
            submission_id: lease.submission_id,
            expires_ms: now + JOB_TOKEN_TTL_MS,
            nonce: lease.nonce.clone(),
        };
        tracing::info!(judgehost = %host.name, judging = lease.judging_id, submission = lease.submission_id, lease = lease.leases, "job leased");
        Ok(Some(Job {
            judging_id: lease.judging_id,
            submission_id: lease.submission_id,
            job_token: job_token::mint(self.keys.job_tokens(), &claims),
            language: sub.language_id,
            sources: sub
                .files
                .iter()
                .map(|f| BlobRef {
                    path: f.name.clone(),
                    sha256: f.sha256.clone(),
                })
                .collect(),
            problem_id: problem.id,
            package_sha256: problem.package_sha256,
            package_files: files
                .into_iter()
                .map(|(path, sha256)| BlobRef { path, sha256 })
                .collect(),
            testcases: testcases
                .into_iter()
                .map(|t| JobTestcase {
                    id: t.id,
                    name: format!("{}/{}", t.group_path, t.name),
                })
                .collect(),
            time_limit_ms: problem.time_limit_ms as u64,
            time_factor,
            backend,
            heartbeat_ms: (self.lease_ms / 3) as u64,
        }))
    }

    /// A stored file by content hash.
    pub async fn blob(&self, sha256: String) -> Result<Vec<u8>, JudgehostRefusal> {
        if floorjudge_proto::callback::validate_sha256(&sha256).is_err() {
            return Err(JudgehostRefusal::BadRequest("not a SHA-256".into()));
        }
        self.store
            .run(move |s| s.blob(&sha256))
            .await?
            .ok_or(JudgehostRefusal::NotFound)
    }

    fn claims(
        &self,
        host: &Judgehost,
        judging_id: i64,
        token: &str,
    ) -> Result<JobClaims, JudgehostRefusal> {
        let claims = job_token::verify(self.keys.job_tokens(), token, now_ms())?;
        if claims.judgehost_id != host.id || claims.judging_id != judging_id {
            return Err(JudgehostRefusal::NotYourToken);
        }
        Ok(claims)
    }

    async fn checked<T>(
        &self,
        host: &Judgehost,
        what: &str,
        r: Result<T, JudgehostRefusal>,
    ) -> Result<T, JudgehostRefusal> {
        match r {
            Ok(v) => Ok(v),
            Err(e) => Err(self.refuse(&host.name, what, e).await),
        }
    }

    /// Runs `op` on the store under the lease that `token` names, after
    /// checking the token; a refusal is logged with `what`.
    async fn under_lease<F>(
        &self,
        host: &Judgehost,
        judging_id: i64,
        token: &str,
        what: String,
        op: F,
    ) -> Result<(), JudgehostRefusal>
    where
        F: FnOnce(&mut Store, i64, &str) -> Result<Result<(), LeaseCheck>, StoreError>
            + Send
            + 'static,
    {
        let r = match self.claims(host, judging_id, token) {
            Err(e) => Err(e),
            Ok(claims) => {
                let host_id = host.id;
                match self.store.run(move |s| op(s, host_id, &claims.nonce)).await {
                    Ok(inner) => inner.map_err(JudgehostRefusal::Lease),
                    Err(StoreError::Database(e)) => {
                        Err(JudgehostRefusal::BadRequest(format!("not stored: {e}")))
                    }
                    Err(e) => Err(e.into()),
                }
            }
        };
        self.checked(host, &what, r).await
    }

    /// Testcase results of a leased judging (all stored, or none).
    pub async fn run(
        &self,
        host: &Judgehost,
        judging_id: i64,
        report: RunReport,
    ) -> Result<(), JudgehostRefusal> {
        let what = format!("runs of judging {judging_id}");
        let lease_ms = self.lease_ms;
        if report.runs.is_empty() || report.runs.len() > 10_000 {
            let e = JudgehostRefusal::BadRequest("a report holds 1 to 10000 runs".into());
            return Err(self.refuse(&host.name, &what, e).await);
        }
        let rows: Vec<RunRow> = report
            .runs
            .into_iter()
            .map(|r| RunRow {
                testcase_id: r.testcase_id,
                verdict: r.verdict,
                fuel: r.fuel.min(i64::MAX as u64) as i64,
                time_ms: r.time_ms.min(i64::MAX as u64) as i64,
                memory_bytes: r.memory_bytes.min(i64::MAX as u64) as i64,
                message: r.message.chars().take(4096).collect(),
                // a judgehost's word on the size is not trusted either
                team_output: r.team_output.map(|t| {
                    floorjudge_proto::judgehost::truncated(
                        t,
                        floorjudge_proto::judgehost::TEAM_OUTPUT_BYTES,
                    )
                }),
            })
            .collect();
        self.under_lease(
            host,
            judging_id,
            &report.job_token,
            what,
            move |s, h, nonce| s.record_runs(judging_id, h, nonce, &rows, now_ms() + lease_ms),
        )
        .await
    }

    /// The end of a leased judging.
    pub async fn finish(
        &self,
        host: &Judgehost,
        judging_id: i64,
        report: FinishReport,
    ) -> Result<(), JudgehostRefusal> {
        let what = format!("finish of judging {judging_id}");
        if report.verdict.is_none() && report.error.is_none() {
            let e = JudgehostRefusal::BadRequest("a finish needs a verdict or an error".into());
            return Err(self.refuse(&host.name, &what, e).await);
        }
        let verdict = report.verdict;
        let compile: String = report.compile_output.chars().take(64 * 1024).collect();
        let error: Option<String> = report.error.map(|e| e.chars().take(4096).collect());
        self.under_lease(
            host,
            judging_id,
            &report.job_token,
            what,
            move |s, h, nonce| {
                s.finish_judging(
                    judging_id,
                    h,
                    nonce,
                    verdict,
                    &compile,
                    error.as_deref(),
                    now_ms(),
                )
            },
        )
        .await?;
        tracing::info!(judgehost = %host.name, judging = judging_id, verdict = verdict.map_or("judge error", |v| v.clics_id()), "judging finished");
        Ok(())
    }

    fn is_leaving(&self, judgehost_id: i64) -> bool {
        self.leaving
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&judgehost_id)
    }

    /// A judgehost run stops: every job it holds goes back to the queue, and
    /// it gets no new one (a lease request still waiting is answered "no
    /// work") until it registers again. A job the jury leased in the same
    /// moment, whose answer the stopping judgehost never reads, is among the
    /// returned: nothing waits for a lease to expire.
    pub async fn leave(&self, host: &Judgehost) -> Result<(), JudgehostRefusal> {
        let (id, leaving) = (host.id, self.leaving.clone());
        let returned = self
            .store
            .run(move |s| {
                leaving.lock().unwrap_or_else(|e| e.into_inner()).insert(id);
                s.return_jobs_of(id)
            })
            .await?;
        tracing::info!(judgehost = %host.name, returned = ?returned, "judgehost left; its jobs are back in the queue");
        // waiting lease requests look again: the leaver's answers "no work",
        // the others may take what it returned
        self.work.notify_waiters();
        Ok(())
    }

    /// A job handed back unjudged.
    pub async fn give_back(
        &self,
        host: &Judgehost,
        judging_id: i64,
        token: &str,
    ) -> Result<(), JudgehostRefusal> {
        let what = format!("return of judging {judging_id}");
        self.under_lease(host, judging_id, token, what, move |s, h, nonce| {
            s.return_job(judging_id, h, nonce)
        })
        .await?;
        self.work_arrived();
        Ok(())
    }
}
