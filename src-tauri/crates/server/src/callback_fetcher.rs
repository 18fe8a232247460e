//! The callback fetcher: pulls each submission's files from the team's
//! *registered* address, verifies them against the reference and stores them.
//!
//! One task per pending submission (never two for the same one). Transient
//! failures (no answer, too slow, refused signature) are retried with backoff
//! and end as an `unreachable` rejection that a resent reference revives;
//! a file that is missing, too big, too small or has another hash is a final
//! `mismatch`, logged as a spoof attempt.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use floorjudge_proto::callback::{DATE_HEADER, SIGNATURE_HEADER, signed_message};
use floorjudge_store::{RejectKind, Submission, SubmissionState};
use sha2::{Digest, Sha256};
use tokio::sync::{Semaphore, watch};

use floorjudge_tls::Fingerprint;

use crate::keys::JuryKeys;
use crate::shared_store::SharedStore;

/// Timing of callbacks.
#[derive(Debug, Clone)]
pub struct CallbackConfig {
    /// Time to open the TCP connection to a kiosk.
    pub connect_timeout: Duration,
    /// Time to receive one whole file.
    pub file_timeout: Duration,
    /// Attempts before a submission is rejected as unreachable.
    pub max_attempts: u32,
    /// Wait before the second attempt; doubled for each further one.
    pub first_backoff: Duration,
    /// Callbacks running at once.
    pub max_concurrent: usize,
}

impl Default for CallbackConfig {
    fn default() -> Self {
        CallbackConfig {
            connect_timeout: Duration::from_secs(3),
            file_timeout: Duration::from_secs(5),
            max_attempts: 6,
            first_backoff: Duration::from_millis(500),
            max_concurrent: 64,
        }
    }
}

/// How one attempt ended.
enum Attempt {
    /// Stored.
    Received,
    /// No longer pending (someone else decided).
    Decided,
    /// Final refusal.
    Refused(RejectKind, String),
    /// Worth another try.
    Transient(String),
}

/// Where one submission's files are pulled from, and how.
struct Target {
    addr: SocketAddr,
    client: reqwest::Client,
    tls: bool,
}

/// Pulls pending submissions' files; see the module docs.
#[derive(Debug)]
pub struct CallbackFetcher {
    store: SharedStore,
    keys: Arc<JuryKeys>,
    uploads: PathBuf,
    config: CallbackConfig,
    /// The plain-HTTP client, for kiosks that bound no key (a
    /// `--plain-http` jury's).
    plain: reqwest::Client,
    /// TLS clients by the kiosk key they accept (each keeps its kiosk's
    /// connections open for the next pull).
    pinned: Mutex<HashMap<Fingerprint, reqwest::Client>>,
    permits: Semaphore,
    /// One callback at a time per team: a team whose kiosk accepts and never
    /// answers holds one of the permits, never all of them.
    team_slots: Mutex<HashMap<String, Arc<Semaphore>>>,
    in_flight: Mutex<HashMap<i64, watch::Receiver<bool>>>,
    received: tokio::sync::broadcast::Sender<i64>,
}

/// Most TLS clients kept (one per kiosk key); more and the map starts over.
const PINNED_CLIENTS: usize = 4096;

/// The one HTTP client constructor for jury → kiosk calls: TLS accepting
/// only the kiosk key `pin` (the one bound with the team's address), or
/// plain HTTP for a kiosk that bound none.
pub fn kiosk_client(
    config: &CallbackConfig,
    pin: Option<Fingerprint>,
) -> Result<reqwest::Client, String> {
    let builder = floorjudge_tls::http_client_builder()
        .connect_timeout(config.connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .pool_max_idle_per_host(2);
    let builder = match pin {
        Some(pin) => {
            floorjudge_tls::pinned(builder.https_only(true), pin).map_err(|e| e.to_string())?
        }
        None => builder,
    };
    builder.build().map_err(|e| format!("HTTP client: {e}"))
}

impl CallbackFetcher {
    /// A fetcher storing into `store` and `uploads`.
    pub fn new(
        store: SharedStore,
        keys: Arc<JuryKeys>,
        uploads: PathBuf,
        config: CallbackConfig,
    ) -> Arc<Self> {
        Arc::new(CallbackFetcher {
            store,
            keys,
            uploads,
            plain: kiosk_client(&config, None).expect("the plain HTTP client builds"),
            pinned: Mutex::new(HashMap::new()),
            permits: Semaphore::new(config.max_concurrent),
            team_slots: Mutex::new(HashMap::new()),
            config,
            in_flight: Mutex::new(HashMap::new()),
            received: tokio::sync::broadcast::channel(1024).0,
        })
    }

    /// Subscribes to the ids of submissions as they are received.
    pub fn subscribe_received(&self) -> tokio::sync::broadcast::Receiver<i64> {
        self.received.subscribe()
    }

    /// Starts the callback of submission `id` unless one is running, and
    /// returns a receiver that turns `true` when it has ended.
    pub fn start(self: &Arc<Self>, id: i64) -> watch::Receiver<bool> {
        let mut map = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(rx) = map.get(&id) {
            return rx.clone();
        }
        let (tx, rx) = watch::channel(false);
        map.insert(id, rx.clone());
        drop(map);
        let this = self.clone();
        tokio::spawn(async move {
            this.run(id).await;
            this.in_flight
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&id);
            let _ = tx.send(true);
        });
        rx
    }

    /// Restarts the callbacks of every pending submission (after a restart).
    pub async fn resume_pending(self: &Arc<Self>) -> Result<usize, floorjudge_store::StoreError> {
        let ids = self.store.run(|s| s.pending_submission_ids()).await?;
        for &id in &ids {
            self.start(id);
        }
        if !ids.is_empty() {
            tracing::info!(count = ids.len(), "resuming pending callbacks");
        }
        Ok(ids.len())
    }

    /// The slot of `team` (one callback of the team at a time).
    fn team_slot(&self, team: &str) -> Arc<Semaphore> {
        self.team_slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(team.to_owned())
            .or_insert_with(|| Arc::new(Semaphore::new(1)))
            .clone()
    }

    async fn run(self: &Arc<Self>, id: i64) {
        let mut backoff = self.config.first_backoff;
        let team = match self.store.run(move |s| s.submission(id)).await {
            Ok(Some(sub)) => sub.team_id,
            Ok(None) => return,
            Err(e) => {
                tracing::error!(submission = id, error = %e, "callback bookkeeping failed");
                return;
            }
        };
        let slot = self.team_slot(&team);
        loop {
            let outcome = {
                // the team's own turn first, then one of the shared permits
                let _turn = slot.acquire().await.expect("semaphore never closed");
                let _permit = self
                    .permits
                    .acquire()
                    .await
                    .expect("semaphore never closed");
                self.attempt(id).await
            };
            let result = match outcome {
                Ok(Attempt::Received) | Ok(Attempt::Decided) => return,
                Ok(Attempt::Refused(kind, reason)) => {
                    tracing::warn!(submission = id, ?kind, %reason, "submission rejected");
                    self.store
                        .run(move |s| s.reject_submission(id, kind, &reason))
                        .await
                }
                Ok(Attempt::Transient(reason)) => {
                    let attempts = self.store.run(move |s| s.note_fetch_attempt(id)).await;
                    match attempts {
                        Ok(n) if n < self.config.max_attempts => {
                            tracing::info!(submission = id, attempt = n, %reason, "callback failed, retrying");
                            tokio::time::sleep(backoff).await;
                            backoff = (backoff * 2).min(Duration::from_secs(30));
                            continue;
                        }
                        Ok(n) => {
                            let reason =
                                format!("callback failed {n} times, last because {reason}");
                            tracing::warn!(submission = id, %reason, "submission rejected");
                            self.store
                                .run(move |s| {
                                    s.reject_submission(id, RejectKind::Unreachable, &reason)
                                })
                                .await
                        }
                        Err(e) => Err(e),
                    }
                }
                Err(e) => Err(e),
            };
            if let Err(e) = result {
                tracing::error!(submission = id, error = %e, "callback bookkeeping failed");
            }
            return;
        }
    }

    async fn attempt(&self, id: i64) -> Result<Attempt, floorjudge_store::StoreError> {
        let (sub, registered) = self
            .store
            .run(move |s| {
                let Some(sub) = s.submission(id)? else {
                    return Ok((None, None));
                };
                let registered = s
                    .identity(&sub.team_id)?
                    .and_then(|t| Some((t.ip?, t.kiosk_key)));
                Ok((Some(sub), registered))
            })
            .await?;
        let Some(sub) = sub else {
            return Ok(Attempt::Decided);
        };
        if sub.state != SubmissionState::Pending {
            return Ok(Attempt::Decided);
        }
        let Some((ip, kiosk_key)) =
            registered.and_then(|(ip, key)| Some((ip.parse::<IpAddr>().ok()?, key)))
        else {
            return Ok(Attempt::Transient(format!(
                "team {} has no registered address to call back",
                sub.team_id
            )));
        };
        let target = Target {
            addr: SocketAddr::new(ip, sub.callback_port),
            client: match self.client_for(kiosk_key.as_deref()) {
                Ok(c) => c,
                Err(e) => return Ok(Attempt::Transient(e)),
            },
            tls: kiosk_key.is_some(),
        };
        let mut contents = Vec::with_capacity(sub.files.len());
        for f in &sub.files {
            match self.pull(&sub, &target, &f.name, f.size, &f.sha256).await {
                Ok(data) => contents.push((f.name.clone(), data)),
                Err(outcome) => return Ok(outcome),
            }
        }
        if let Err(e) = self.write_uploads(&sub, &contents) {
            return Ok(Attempt::Transient(format!(
                "cannot write the upload folder: {e}"
            )));
        }
        let stored = self
            .store
            .run(move |s| s.receive_submission(id, &contents))
            .await?;
        if !stored {
            return Ok(Attempt::Decided);
        }
        tracing::info!(submission = id, team = %sub.team_id, callback = %sub.callback_name, "submission received");
        let _ = self.received.send(id);
        self.acknowledge(&sub, &target).await;
        Ok(Attempt::Received)
    }

    /// The client that speaks to the kiosk holding `key` (bound with the
    /// team's address), or the plain one if the kiosk bound none.
    fn client_for(&self, key: Option<&str>) -> Result<reqwest::Client, String> {
        let Some(key) = key else {
            return Ok(self.plain.clone());
        };
        let pin: Fingerprint = key
            .parse()
            .map_err(|e| format!("the stored kiosk key is unusable: {e}"))?;
        let mut map = self.pinned.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = map.get(&pin) {
            return Ok(c.clone());
        }
        if map.len() >= PINNED_CLIENTS {
            map.clear();
        }
        let client = kiosk_client(&self.config, Some(pin))?;
        map.insert(pin, client.clone());
        Ok(client)
    }

    fn signed(
        &self,
        method: reqwest::Method,
        target: &Target,
        path: &str,
    ) -> reqwest::RequestBuilder {
        let date = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let signature = self.keys.sign_callback(&signed_message(
            method.as_str(),
            &target.addr.to_string(),
            path,
            &date,
        ));
        let scheme = if target.tls { "https" } else { "http" };
        target
            .client
            .request(method, format!("{scheme}://{}{path}", target.addr))
            .header(DATE_HEADER, date)
            .header(SIGNATURE_HEADER, signature)
    }

    async fn pull(
        &self,
        sub: &Submission,
        target: &Target,
        name: &str,
        size: u64,
        sha256: &str,
    ) -> Result<Vec<u8>, Attempt> {
        let path = format!("/callback/{}/{name}", sub.callback_name);
        let transient =
            |what: String| Attempt::Transient(format!("{what} ({}{path})", target.addr));
        let fetch = async {
            let mut resp = self
                .signed(reqwest::Method::GET, target, &path)
                .send()
                .await
                .map_err(|e| transient(format!("no answer: {}", error_chain(&e))))?;
            match resp.status().as_u16() {
                200 => {}
                404 => {
                    return Err(Attempt::Refused(
                        RejectKind::Mismatch,
                        format!("the workstation does not hold {name} under the callback name"),
                    ));
                }
                code => return Err(transient(format!("the workstation answered HTTP {code}"))),
            }
            let mut data = Vec::with_capacity(size as usize);
            let mut hasher = Sha256::new();
            while let Some(chunk) = resp
                .chunk()
                .await
                .map_err(|e| transient(format!("transfer broke: {}", error_chain(&e))))?
            {
                if data.len() as u64 + chunk.len() as u64 > size {
                    return Err(Attempt::Refused(
                        RejectKind::Mismatch,
                        format!("{name} is larger than the {size} bytes the reference declared"),
                    ));
                }
                hasher.update(&chunk);
                data.extend_from_slice(&chunk);
            }
            if data.len() as u64 != size {
                return Err(Attempt::Refused(
                    RejectKind::Mismatch,
                    format!(
                        "{name} has {} bytes, the reference declared {size}",
                        data.len()
                    ),
                ));
            }
            let got = hex::encode(hasher.finalize());
            if got != sha256 {
                return Err(Attempt::Refused(
                    RejectKind::Mismatch,
                    format!("{name} has SHA-256 {got}, the reference declared {sha256}"),
                ));
            }
            Ok(data)
        };
        match tokio::time::timeout(self.config.file_timeout, fetch).await {
            Ok(r) => r,
            Err(_) => Err(transient(format!(
                "{name} did not arrive within {} ms",
                self.config.file_timeout.as_millis()
            ))),
        }
    }

    fn write_uploads(
        &self,
        sub: &Submission,
        contents: &[(String, Vec<u8>)],
    ) -> std::io::Result<()> {
        let dir = self.uploads.join(&sub.team_id).join(&sub.callback_name);
        std::fs::create_dir_all(&dir)?;
        for (name, data) in contents {
            let tmp = dir.join(format!(".{name}.part"));
            std::fs::write(&tmp, data)?;
            std::fs::rename(&tmp, dir.join(name))?;
        }
        Ok(())
    }

    async fn acknowledge(&self, sub: &Submission, target: &Target) {
        let path = format!("/callback/{}", sub.callback_name);
        let sent = self
            .signed(reqwest::Method::DELETE, target, &path)
            .timeout(Duration::from_secs(2))
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => {}
            Ok(r) => {
                tracing::info!(submission = sub.id, status = %r.status(), "acknowledgement refused")
            }
            Err(e) => {
                tracing::info!(submission = sub.id, error = %error_chain(&e), "acknowledgement not delivered")
            }
        }
    }
}

/// An error with its causes, on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
