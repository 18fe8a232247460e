//! The judgehost daemon: registers with a jury, leases jobs (long-poll),
//! fetches sources, packages and testcases by content hash into an on-disk
//! cache, judges in the sandbox, reports each testcase as it finishes and
//! then the verdict, every request signed. Heartbeats carry health.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use floorjudge_proto::judgehost::{
    Credentials, FinishReport, Health, Job, KEY_HEADER, LeaseRequest, Registered, ReturnReport,
    RunReport, SIGNATURE_HEADER, TestcaseRun, signed_request,
};
use ring::hmac;
use sha2::{Digest, Sha256};
use thiserror::Error;
use tokio::sync::watch;

use crate::package::ProblemPackage;
use crate::pipeline::{Judge, JudgeRequest, TestcaseResult};
use crate::toolchain::{Language, SourceFile};

/// How a daemon reaches its jury.
#[derive(Debug, Clone)]
pub struct DaemonConfig {
    /// Jury base URL (`https://host:port`; `http://` only for a jury
    /// started with `--plain-http`).
    pub jury_url: String,
    /// The jury's certificate fingerprint (required for `https://`).
    pub jury_fingerprint: Option<floorjudge_tls::Fingerprint>,
    /// Its credentials.
    pub credentials: Credentials,
    /// Cache of fetched files and unpacked packages.
    pub cache_dir: PathBuf,
    /// How long one lease request waits for work.
    pub lease_wait: Duration,
    /// How long a shutdown waits for the job in hand before returning it.
    pub shutdown_grace: Duration,
}

/// The daemon failed for good.
#[derive(Debug, Error)]
pub enum DaemonError {
    /// The jury refused our credentials.
    #[error("the jury refused this judgehost: {0}")]
    Refused(String),
    /// Local trouble.
    #[error("{0}")]
    Local(String),
}

/// One failed call.
#[derive(Debug, Error)]
enum CallError {
    #[error("jury unreachable: {0}")]
    Transport(String),
    #[error("jury answered {status}: {body}")]
    Status { status: u16, body: String },
}

/// A signed connection to the jury.
#[derive(Debug, Clone)]
struct Jury {
    base: String,
    http: reqwest::Client,
    key_id: String,
    secret: Arc<hmac::Key>,
}

/// The one constructor of judgehost → jury HTTP clients: TLS to the
/// certificate `pin` for an `https://` jury; plain only for `http://`.
pub fn jury_client(
    jury_url: &str,
    pin: Option<floorjudge_tls::Fingerprint>,
) -> Result<reqwest::Client, DaemonError> {
    let builder = floorjudge_tls::http_client_builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(60))
        .no_proxy();
    let builder = floorjudge_tls::for_jury(builder, jury_url, pin, None)
        .map_err(|e| DaemonError::Local(e.to_string()))?;
    builder
        .build()
        .map_err(|e| DaemonError::Local(format!("HTTP client: {e}")))
}

impl Jury {
    fn new(config: &DaemonConfig) -> Result<Jury, DaemonError> {
        let secret = hex::decode(&config.credentials.secret)
            .map_err(|_| DaemonError::Local("the credentials' secret is not hex".into()))?;
        Ok(Jury {
            base: config.jury_url.trim_end_matches('/').to_owned(),
            http: jury_client(&config.jury_url, config.jury_fingerprint)?,
            key_id: config.credentials.key_id.clone(),
            secret: Arc::new(hmac::Key::new(hmac::HMAC_SHA256, &secret)),
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Vec<u8>,
    ) -> Result<(u16, bytes::Bytes), CallError> {
        // a random query parameter makes every request unique, so an honest
        // judgehost never trips the jury's replay check (Date has 1 s resolution)
        let url = format!(
            "{}{path}?n={}",
            self.base,
            hex::encode(rand::random::<[u8; 8]>())
        );
        let date = chrono::Utc::now().to_rfc2822();
        let tag = hmac::sign(
            &self.secret,
            &signed_request(method.as_str(), &url, &date, &body),
        );
        let sig = base64::engine::general_purpose::STANDARD.encode(tag.as_ref());
        let resp = self
            .http
            .request(method, &url)
            .header(KEY_HEADER, &self.key_id)
            .header("date", date)
            .header(SIGNATURE_HEADER, sig)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| CallError::Transport(e.to_string()))?;
        let status = resp.status().as_u16();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| CallError::Transport(e.to_string()))?;
        if (200..300).contains(&status) {
            Ok((status, bytes))
        } else {
            Err(CallError::Status {
                status,
                body: String::from_utf8_lossy(&bytes).chars().take(300).collect(),
            })
        }
    }

    async fn post<T: serde::Serialize>(
        &self,
        path: &str,
        body: &T,
    ) -> Result<(u16, bytes::Bytes), CallError> {
        self.call(
            reqwest::Method::POST,
            path,
            serde_json::to_vec(body).expect("serializes"),
        )
        .await
    }
}

fn health(cache: &Path, judgings: Vec<i64>) -> Health {
    // sysinfo reports what it can; a reading it cannot take stays 0
    let (memory_used, memory_total) = sysinfo::System::new()
        .ok()
        .map(|mut sys| {
            sys.refresh_memory();
            (sys.used_memory(), sys.total_memory())
        })
        .unwrap_or_default();
    let disk_free = sysinfo::Disks::new_with_refreshed_list()
        .ok()
        .and_then(|disks| {
            disks
                .iter()
                .filter(|d| cache.starts_with(d.mount_point()))
                .max_by_key(|d| d.mount_point().as_os_str().len())
                .map(|d| d.available_space())
        })
        .unwrap_or(0);
    Health {
        load_1m: sysinfo::System::load_average()
            .map(|l| l.one)
            .unwrap_or(0.0),
        memory_used,
        memory_total,
        disk_free,
        judgings_in_flight: judgings.len() as u32,
        judgings,
    }
}

/// The on-disk cache of content-addressed files and unpacked packages.
#[derive(Debug)]
struct Cache {
    root: PathBuf,
    packages: Mutex<HashMap<String, Arc<ProblemPackage>>>,
}

impl Cache {
    async fn blob(&self, jury: &Jury, sha256: &str) -> Result<Vec<u8>, String> {
        if floorjudge_proto::callback::validate_sha256(sha256).is_err() {
            return Err(format!("bad hash {sha256:?} in job"));
        }
        let path = self.root.join("blobs").join(sha256);
        if let Ok(data) = std::fs::read(&path)
            && hex::encode(Sha256::digest(&data)) == sha256
        {
            return Ok(data);
        }
        let (_, data) = jury
            .call(
                reqwest::Method::GET,
                &format!("/api/judgehost/blobs/{sha256}"),
                Vec::new(),
            )
            .await
            .map_err(|e| format!("fetching {sha256}: {e}"))?;
        if hex::encode(Sha256::digest(&data)) != sha256 {
            return Err(format!(
                "the jury sent a file that does not hash to {sha256}"
            ));
        }
        let tmp = path.with_extension(format!("part{}", rand::random::<u32>()));
        std::fs::create_dir_all(self.root.join("blobs")).map_err(|e| e.to_string())?;
        std::fs::write(&tmp, &data).map_err(|e| e.to_string())?;
        std::fs::rename(&tmp, &path).map_err(|e| e.to_string())?;
        Ok(data.to_vec())
    }

    async fn package(&self, jury: &Jury, job: &Job) -> Result<Arc<ProblemPackage>, String> {
        let key = format!("{}-{}", job.problem_id, job.package_sha256);
        if let Some(p) = self
            .packages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(p.clone());
        }
        let dir = self.root.join("packages").join(&key).join(&job.problem_id);
        if !dir.is_dir() {
            let tmp = self
                .root
                .join("packages")
                .join(format!(".{key}.{}", rand::random::<u32>()));
            for f in &job.package_files {
                if f.path
                    .split('/')
                    .any(|c| c.is_empty() || c == "." || c == "..")
                    || f.path.starts_with('/')
                {
                    return Err(format!("unsafe package path {:?} in job", f.path));
                }
                let data = self.blob(jury, &f.sha256).await?;
                let dest = tmp.join(&job.problem_id).join(&f.path);
                std::fs::create_dir_all(dest.parent().expect("has a parent"))
                    .map_err(|e| e.to_string())?;
                std::fs::write(&dest, data).map_err(|e| e.to_string())?;
            }
            std::fs::create_dir_all(dir.parent().expect("has a parent"))
                .map_err(|e| e.to_string())?;
            if std::fs::rename(tmp.join(&job.problem_id), &dir).is_err() && !dir.is_dir() {
                return Err(format!("cannot unpack the package into {}", dir.display()));
            }
            let _ = std::fs::remove_dir_all(&tmp);
        }
        let pkg = Arc::new(crate::load_package(&dir).map_err(|e| e.to_string())?);
        self.packages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, pkg.clone());
        Ok(pkg)
    }
}

/// Runs the daemon until `shutdown` turns true: finishes the job in hand
/// (or returns it after the grace period) and stops.
pub async fn run(
    config: DaemonConfig,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), DaemonError> {
    let jury = Jury::new(&config)?;
    let judge = Arc::new(
        Judge::new().map_err(|e| DaemonError::Local(format!("cannot start the sandbox: {e}")))?,
    );
    let cache = Arc::new(Cache {
        root: config.cache_dir.clone(),
        packages: Mutex::new(HashMap::new()),
    });
    // the cache holds secret testcases: this user's only
    std::fs::create_dir_all(&config.cache_dir)
        .and_then(|()| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&config.cache_dir, std::fs::Permissions::from_mode(0o700))
        })
        .map_err(|e| DaemonError::Local(format!("cache {}: {e}", config.cache_dir.display())))?;

    // register, retrying while the jury is unreachable
    let mut delay = Duration::from_millis(200);
    let me: Registered = loop {
        match jury
            .post("/api/judgehost/register", &serde_json::json!({}))
            .await
        {
            Ok((_, body)) => {
                break serde_json::from_slice(&body)
                    .map_err(|e| DaemonError::Local(e.to_string()))?;
            }
            Err(CallError::Status { status: 401, body }) => return Err(DaemonError::Refused(body)),
            Err(e) => {
                tracing::warn!(error = %e, "cannot register yet; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = shutdown.changed() => return Ok(()),
                }
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    };
    tracing::info!(name = %me.name, id = me.judgehost_id, "registered with the jury");

    // the judgings in hand: the heartbeat names them, which keeps their leases
    let in_flight: Arc<Mutex<std::collections::BTreeSet<i64>>> = Arc::default();
    // the jury says with every job how often to beat to keep its lease
    let beat_ms = Arc::new(AtomicU64::new(5000));
    let beat = {
        let (jury, in_flight, cache_dir, beat_ms) = (
            jury.clone(),
            in_flight.clone(),
            config.cache_dir.clone(),
            beat_ms.clone(),
        );
        tokio::spawn(async move {
            loop {
                let judgings = in_flight
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .iter()
                    .copied()
                    .collect();
                let h = health(&cache_dir, judgings);
                if let Err(e) = jury.post("/api/judgehost/heartbeat", &h).await {
                    tracing::warn!(error = %e, "heartbeat failed");
                }
                let wait = beat_ms.load(Ordering::Relaxed).clamp(200, 5000);
                tokio::time::sleep(Duration::from_millis(wait)).await;
            }
        })
    };

    let mut left = false;
    let result = loop {
        if *shutdown.borrow() {
            break Ok(());
        }
        let ask = LeaseRequest {
            wait_ms: config.lease_wait.as_millis() as u64,
        };
        let asking = jury.post("/api/judgehost/lease", &ask);
        tokio::pin!(asking);
        let lease = tokio::select! {
            r = &mut asking => r,
            _ = shutdown.changed() => {
                // The jury may be granting a job this very moment; an answer
                // dropped unread would hold that job until its lease expired.
                // Leaving returns it, and then the waiting request is
                // answered at once.
                leave(&jury).await;
                let _ = tokio::time::timeout(Duration::from_secs(3), asking).await;
                left = true;
                break Ok(());
            }
        };
        let job: Job = match lease {
            Ok((204, _)) => continue,
            Ok((_, body)) => match serde_json::from_slice(&body) {
                Ok(job) => job,
                Err(e) => {
                    tracing::error!(error = %e, "unreadable job");
                    continue;
                }
            },
            Err(CallError::Status { status: 401, body }) => break Err(DaemonError::Refused(body)),
            Err(e) => {
                tracing::warn!(error = %e, "lease failed; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(job.judging_id);
        beat_ms.store(job.heartbeat_ms, Ordering::Relaxed);
        tracing::info!(judging = job.judging_id, "job received");
        let work = judge_job(jury.clone(), judge.clone(), cache.clone(), job.clone());
        tokio::pin!(work);
        let budget = judging_budget(&job);
        tokio::select! {
            _ = &mut work => {}
            _ = tokio::time::sleep(budget) => {
                // Every step has its own bound, so this is a hang of ours:
                // stop naming the job, so its lease lapses and the jury gives
                // it to another judgehost (or, the third time, to the jury as
                // a judge error); the stuck work is left behind.
                tracing::error!(judging = job.judging_id, ?budget, "the judging overran every bound: given up, its lease will lapse");
            }
            _ = shutdown.changed() => {
                tracing::info!(judging = job.judging_id, "shutting down: finishing the job in hand");
                if tokio::time::timeout(config.shutdown_grace, &mut work).await.is_err() {
                    let r = jury
                        .post(&format!("/api/judgehost/jobs/{}/return", job.judging_id), &ReturnReport { job_token: job.job_token.clone() })
                        .await;
                    tracing::info!(judging = job.judging_id, returned = r.is_ok(), "job returned to the queue");
                }
                in_flight.lock().unwrap_or_else(|e| e.into_inner()).remove(&job.judging_id);
                break Ok(());
            }
        }
        in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&job.judging_id);
    };
    beat.abort();
    if result.is_ok() && !left {
        leave(&jury).await;
    }
    result
}

/// Tells the jury this run stops: whatever it still holds goes back to the
/// queue at once.
async fn leave(jury: &Jury) {
    match tokio::time::timeout(
        Duration::from_secs(3),
        jury.post("/api/judgehost/leave", &serde_json::json!({})),
    )
    .await
    {
        Ok(Ok(_)) => tracing::info!("left the jury"),
        Ok(Err(e)) => tracing::warn!(error = %e, "could not tell the jury this judgehost stops"),
        Err(_) => tracing::warn!("the jury did not answer the leave in time"),
    }
}

/// How long a judging may take before the daemon takes it for hung: the
/// bounds of its steps added up with room to spare (fetching, compiling and
/// preparing; per testcase the wall-clock backstop of 3 × the time limit +
/// 1 s, and a validator's 60 s).
pub fn judging_budget(job: &Job) -> Duration {
    let factor = job.time_factor.clamp(0.1, 20.0);
    let per_testcase = Duration::from_millis(job.time_limit_ms.min(3_600_000) * 3).mul_f64(factor)
        + Duration::from_secs(61);
    let testcases = u32::try_from(job.testcases.len()).unwrap_or(u32::MAX);
    Duration::from_secs(180).saturating_add(per_testcase.saturating_mul(testcases))
}

async fn judge_job(jury: Jury, judge: Arc<Judge>, cache: Arc<Cache>, job: Job) {
    let id = job.judging_id;
    let outcome = prepare_and_judge(&jury, judge, &cache, &job).await;
    let report = match outcome {
        Ok(Some(report)) => report,
        Ok(None) => return,
        Err(error) => {
            tracing::error!(judging = id, %error, "judge error");
            FinishReport {
                job_token: job.job_token.clone(),
                verdict: None,
                compile_output: String::new(),
                error: Some(error),
            }
        }
    };
    for attempt in 0..5 {
        match jury
            .post(&format!("/api/judgehost/jobs/{id}/finish"), &report)
            .await
        {
            Ok(_) => return,
            Err(CallError::Status { status, body }) => {
                tracing::warn!(judging = id, status, %body, "the jury refused the result");
                return;
            }
            Err(e) => {
                tracing::warn!(judging = id, error = %e, attempt, "cannot report the result; retrying");
                tokio::time::sleep(Duration::from_millis(500 << attempt)).await;
            }
        }
    }
}

/// Judges a job; `Ok(None)` if the lease was lost along the way.
async fn prepare_and_judge(
    jury: &Jury,
    judge: Arc<Judge>,
    cache: &Cache,
    job: &Job,
) -> Result<Option<FinishReport>, String> {
    let language: Language = job.language.parse().map_err(|e: String| e)?;
    let package = cache.package(jury, job).await?;
    let mut sources = Vec::new();
    for f in &job.sources {
        sources.push(SourceFile {
            name: f.path.clone(),
            content: cache.blob(jury, &f.sha256).await?,
        });
    }
    let ids: HashMap<String, i64> = job
        .testcases
        .iter()
        .map(|t| (t.name.clone(), t.id))
        .collect();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<TestcaseResult>();
    let poster = {
        let (jury, token, id) = (jury.clone(), job.job_token.clone(), job.judging_id);
        tokio::spawn(async move {
            // send each result as it comes; those that finish while a
            // report is in flight go together in the next one
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while let Ok(more) = rx.try_recv() {
                    batch.push(more);
                }
                let runs: Vec<TestcaseRun> = batch
                    .into_iter()
                    .filter_map(|r| {
                        let Some(&testcase_id) = ids.get(&r.name) else {
                            tracing::warn!(testcase = %r.name, "the jury did not list this testcase");
                            return None;
                        };
                        Some(TestcaseRun {
                            testcase_id,
                            verdict: r.verdict,
                            fuel: r.fuel,
                            time_ms: r.time_ms,
                            memory_bytes: r.memory_bytes,
                            message: r.message,
                            team_output: r.team_output,
                        })
                    })
                    .collect();
                if runs.is_empty() {
                    continue;
                }
                let report = RunReport {
                    job_token: token.clone(),
                    runs,
                };
                match jury
                    .post(&format!("/api/judgehost/jobs/{id}/runs"), &report)
                    .await
                {
                    Ok(_) => {}
                    Err(CallError::Status {
                        status: 409 | 403,
                        body,
                    }) => {
                        tracing::warn!(judging = id, %body, "lease lost");
                        return false;
                    }
                    Err(e) => tracing::warn!(judging = id, error = %e, "run report failed"),
                }
            }
            true
        })
    };
    let time_limit = Duration::from_millis(job.time_limit_ms.max(1));
    let time_factor = job.time_factor;
    let backend = match job.backend.as_str() {
        "" => None,
        b => Some(
            b.parse::<crate::toolchain::Backend>()
                .map_err(|e| format!("the job's backend: {e}"))?,
        ),
    };
    let judgement = tokio::task::spawn_blocking(move || {
        let tell = move |r: &TestcaseResult| {
            let _ = tx.send(r.clone());
        };
        judge.judge(&JudgeRequest {
            package: &package,
            language,
            sources,
            time_limit: Some(time_limit),
            time_factor,
            backend,
            validator: None,
            on_testcase: Some(&tell),
        })
    })
    .await
    .map_err(|e| format!("the judging task failed: {e}"))?;
    let lease_held = poster.await.unwrap_or(false);
    if !lease_held {
        return Ok(None);
    }
    let judgement = judgement.map_err(|e| e.to_string())?;
    Ok(Some(FinishReport {
        job_token: job.job_token.clone(),
        verdict: Some(judgement.verdict),
        compile_output: judgement.compile_message,
        error: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use floorjudge_proto::judgehost::JobTestcase;

    fn job(time_limit_ms: u64, testcases: usize) -> Job {
        Job {
            judging_id: 1,
            submission_id: 1,
            job_token: String::new(),
            language: "c".into(),
            sources: Vec::new(),
            problem_id: "p".into(),
            package_sha256: String::new(),
            package_files: Vec::new(),
            testcases: (0..testcases)
                .map(|i| JobTestcase {
                    id: i as i64,
                    name: format!("data/secret/{i}"),
                })
                .collect(),
            time_limit_ms,
            time_factor: 1.0,
            backend: String::new(),
            heartbeat_ms: 1000,
        }
    }

    #[test]
    fn the_budget_covers_every_bound_and_grows_with_the_work() {
        // 10 testcases of 2 s: 180 s + 10 × (6 s + 61 s)
        assert_eq!(judging_budget(&job(2000, 10)), Duration::from_secs(850));
        assert!(judging_budget(&job(2000, 11)) > judging_budget(&job(2000, 10)));
        assert!(judging_budget(&job(4000, 10)) > judging_budget(&job(2000, 10)));
        // absurd inputs do not overflow
        assert!(judging_budget(&job(u64::MAX, 1 << 20)) >= Duration::from_secs(180));
    }
}
