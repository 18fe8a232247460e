//! The team agent: identification, the callback folder and server, and
//! submitting by reference with retries that reuse the same nonce.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use floorjudge_proto::callback::validate_file_name;
use floorjudge_proto::team::{
    ContestInfo, FileRef, MAX_SOURCE_FILE_BYTES, MAX_SUBMISSION_BYTES, MAX_SUBMISSION_FILES,
    PairingCode, Session, SubmissionPhase, SubmissionRef, SubmissionStatus,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::callback_dir::{CallbackDir, CallbackDirError, new_callback_name};
use crate::callback_server::CallbackServer;
use crate::jury_client::{ClientError, JuryClient};

/// Default port of the kiosk's callback file server.
pub const DEFAULT_CALLBACK_PORT: u16 = 8471;

/// How an agent reaches the jury and where it keeps its state.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// Jury base URL, `https://host:port`.
    pub jury_url: String,
    /// The jury's certificate fingerprint (required for `https://`).
    pub jury_fingerprint: Option<floorjudge_tls::Fingerprint>,
    /// Source address for every connection, and the callback server's
    /// address (`None`: the system's choice, callback server on all).
    pub source_ip: Option<IpAddr>,
    /// Callback server port.
    pub callback_port: u16,
    /// Folder for the session and the hidden callback folder.
    pub state_dir: PathBuf,
}

/// A team agent operation failed.
#[derive(Debug, Error)]
pub enum AgentError {
    /// The jury refused or could not be reached.
    #[error(transparent)]
    Jury(#[from] ClientError),
    /// The callback folder failed.
    #[error(transparent)]
    CallbackDir(#[from] CallbackDirError),
    /// A file to submit is unusable.
    #[error("{}: {reason}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The submission breaks a limit or rule before anything is sent.
    #[error("{0}")]
    Invalid(String),
    /// The state folder or session file failed.
    #[error("{}: {source}", path.display())]
    State {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The callback server could not start.
    #[error("cannot serve callbacks on {addr}: {source}")]
    CallbackServer {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: crate::callback_server::CallbackServerError,
    },
    /// The kiosk's TLS key is unusable.
    #[error(transparent)]
    Tls(#[from] floorjudge_tls::TlsError),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SavedContest {
    jury_url: String,
    info: ContestInfo,
}

/// Writes a file only its owner may read.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write;
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600);
        }
        let mut f = o.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(tmp, path)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SavedSession {
    jury_url: String,
    session: Session,
}

/// The team agent.
#[derive(Debug)]
pub struct Agent {
    config: AgentConfig,
    client: JuryClient,
    /// The kiosk's key (`None` with a plain-HTTP jury): its client
    /// certificate to the jury and its callback server's certificate.
    kiosk_key: Option<Arc<floorjudge_tls::Identity>>,
    callbacks: CallbackDir,
    server: Option<CallbackServer>,
    session: Mutex<Option<Session>>,
    /// Whether the jury answered the last call (`None`: not asked yet).
    reachable: tokio::sync::watch::Sender<Option<bool>>,
}

const SESSION_FILE: &str = "session.json";
/// File stem of the kiosk's TLS key and certificate in the state folder.
pub const KIOSK_TLS_STEM: &str = "kiosk-tls";
/// The last contest info the jury gave (problems and languages), so a
/// submit while the jury is down can still be resolved and kept.
const CONTEST_FILE: &str = "contest.json";

/// Whether an error means the jury could not be reached at all (as opposed
/// to a refusal): then a submission is kept and sent later.
pub fn is_unreachable(e: &AgentError) -> bool {
    matches!(e, AgentError::Jury(ClientError::Transport { .. }))
}

/// Checks files already in memory (a window's file picker or drop) against
/// the same names and limits as [`read_sources`].
pub fn check_sources(files: &[(String, Vec<u8>)]) -> Result<(), AgentError> {
    if files.is_empty() {
        return Err(AgentError::Invalid("no files to submit".into()));
    }
    if files.len() > MAX_SUBMISSION_FILES {
        return Err(AgentError::Invalid(format!(
            "{} files: at most {MAX_SUBMISSION_FILES} per submission",
            files.len()
        )));
    }
    let mut total = 0u64;
    for (i, (name, data)) in files.iter().enumerate() {
        let bad = |reason: String| AgentError::File {
            path: PathBuf::from(name),
            reason,
        };
        validate_file_name(name).map_err(|e| bad(e.to_string()))?;
        if files[..i].iter().any(|(n, _)| n == name) {
            return Err(bad(format!("a second file named {name}")));
        }
        if data.len() as u64 > MAX_SOURCE_FILE_BYTES {
            return Err(bad(format!(
                "{} bytes: at most {MAX_SOURCE_FILE_BYTES} per file",
                data.len()
            )));
        }
        total += data.len() as u64;
    }
    if total > MAX_SUBMISSION_BYTES {
        return Err(AgentError::Invalid(format!(
            "the files have {total} bytes: at most {MAX_SUBMISSION_BYTES} per submission"
        )));
    }
    Ok(())
}

/// Reads files to submit, checked against the names and limits (a file is
/// measured before it is read).
pub fn read_sources(paths: &[PathBuf]) -> Result<Vec<(String, Vec<u8>)>, AgentError> {
    if paths.len() > MAX_SUBMISSION_FILES {
        return Err(AgentError::Invalid(format!(
            "{} files: at most {MAX_SUBMISSION_FILES} per submission",
            paths.len()
        )));
    }
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    for path in paths {
        let bad = |reason: String| AgentError::File {
            path: path.clone(),
            reason,
        };
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| bad("not a file name".into()))?
            .to_owned();
        let meta = std::fs::metadata(path).map_err(|e| bad(e.to_string()))?;
        if !meta.is_file() {
            return Err(bad("not a regular file".into()));
        }
        if meta.len() > MAX_SOURCE_FILE_BYTES {
            return Err(bad(format!(
                "{} bytes: at most {MAX_SOURCE_FILE_BYTES} per file",
                meta.len()
            )));
        }
        let data = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
        out.push((name, data));
    }
    check_sources(&out)?;
    Ok(out)
}

impl Agent {
    /// An agent with its state in `config.state_dir` (created 0700 if needed).
    pub fn new(config: AgentConfig) -> Result<Agent, AgentError> {
        let state = |source| AgentError::State {
            path: config.state_dir.clone(),
            source,
        };
        std::fs::create_dir_all(&config.state_dir).map_err(state)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&config.state_dir, std::fs::Permissions::from_mode(0o700))
                .map_err(state)?;
        }
        let callbacks = CallbackDir::open(config.state_dir.join(".callback"))?;
        let session = std::fs::read(config.state_dir.join(SESSION_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice::<SavedSession>(&b).ok())
            .filter(|s| s.jury_url == config.jury_url)
            .map(|s| s.session);
        // one key per workstation, made on first start, kept in the state folder
        let kiosk_key = if config.jury_url.starts_with("https://") {
            Some(Arc::new(floorjudge_tls::Identity::load_or_create(
                &config.state_dir,
                KIOSK_TLS_STEM,
                &["floorjudge-kiosk"],
            )?))
        } else {
            None
        };
        Ok(Agent {
            client: JuryClient::new(
                &config.jury_url,
                config.jury_fingerprint,
                config.source_ip,
                kiosk_key.as_deref(),
            )?,
            kiosk_key,
            config,
            callbacks,
            server: None,
            session: Mutex::new(session),
            reachable: tokio::sync::watch::Sender::new(None),
        })
    }

    /// Follows whether the jury answers: `Some(false)` from the first call
    /// that could not reach it until one that did (any answer, a refusal
    /// too, counts as reached).
    pub fn reachability(&self) -> tokio::sync::watch::Receiver<Option<bool>> {
        self.reachable.subscribe()
    }

    /// Records what a call to the jury says about reaching it.
    fn note<T>(&self, r: Result<T, ClientError>) -> Result<T, ClientError> {
        let reached = !matches!(r, Err(ClientError::Transport { .. }));
        self.reachable.send_if_modified(|was| {
            let changed = *was != Some(reached);
            *was = Some(reached);
            changed
        });
        r
    }

    /// The fingerprint of this kiosk's key (what the jury binds with the
    /// workstation address), if it has one.
    pub fn kiosk_fingerprint(&self) -> Option<floorjudge_tls::Fingerprint> {
        self.kiosk_key.as_ref().map(|k| k.fingerprint())
    }

    /// The callback folder.
    pub fn callback_dir(&self) -> &CallbackDir {
        &self.callbacks
    }

    /// The jury client.
    pub fn client(&self) -> &JuryClient {
        &self.client
    }

    /// Starts the callback file server on the source address and callback port.
    pub async fn serve_callbacks(&mut self) -> Result<SocketAddr, AgentError> {
        if let Some(s) = &self.server {
            return Ok(s.local_addr());
        }
        let ip = self
            .config
            .source_ip
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let addr = SocketAddr::new(ip, self.config.callback_port);
        let server = CallbackServer::start(addr, self.callbacks.clone(), self.kiosk_key.as_deref())
            .await
            .map_err(|source| AgentError::CallbackServer { addr, source })?;
        if let Some(s) = self.current_session() {
            let _ = server.set_jury_key(&s.jury_key);
        }
        let bound = server.local_addr();
        self.server = Some(server);
        Ok(bound)
    }

    /// The running callback server, if started.
    pub fn callback_server(&self) -> Option<&CallbackServer> {
        self.server.as_ref()
    }

    /// The session held, if any.
    pub fn current_session(&self) -> Option<Session> {
        self.session
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn keep(&self, session: Session) -> Result<Session, AgentError> {
        if let Some(server) = &self.server {
            let _ = server.set_jury_key(&session.jury_key);
        }
        let path = self.config.state_dir.join(SESSION_FILE);
        let saved = SavedSession {
            jury_url: self.config.jury_url.clone(),
            session: session.clone(),
        };
        let tmp = path.with_extension("tmp");
        let write = || -> std::io::Result<()> {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            use std::io::Write;
            let mut f = options.open(&tmp)?;
            f.write_all(&serde_json::to_vec_pretty(&saved).expect("serializes"))?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|source| AgentError::State {
            path: path.clone(),
            source,
        })?;
        *self.session.lock().unwrap_or_else(|e| e.into_inner()) = Some(session.clone());
        Ok(session)
    }

    /// Identifies by the workstation's address (no typing).
    pub async fn identify(&self) -> Result<Session, AgentError> {
        let s = self.note(self.client.identify().await)?;
        self.keep(s)
    }

    /// Logs in with the team's one-time password, binding this workstation.
    pub async fn login(&self, team: &str, password: &str) -> Result<Session, AgentError> {
        let s = self.note(self.client.login(team, password).await)?;
        self.keep(s)
    }

    /// Asks the jury for a pairing code to show.
    pub async fn request_pairing(&self) -> Result<PairingCode, AgentError> {
        Ok(self.note(self.client.request_pairing().await)?)
    }

    /// The session held, or a new one by address.
    pub async fn session(&self) -> Result<Session, AgentError> {
        match self.current_session() {
            Some(s) if s.expires_ms > chrono::Utc::now().timestamp_millis() => Ok(s),
            _ => self.identify().await,
        }
    }

    /// Runs `call` with the session token, identifying again once if the
    /// jury no longer accepts the token.
    async fn with_session<T, F, Fut>(&self, call: F) -> Result<T, AgentError>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, ClientError>>,
    {
        let session = self.session().await?;
        match self.note(call(session.token).await) {
            Err(e) if matches!(e.code(), Some("bad_session" | "no_session")) => {
                let fresh = self.identify().await?;
                Ok(self.note(call(fresh.token).await)?)
            }
            other => Ok(other?),
        }
    }

    /// Problems, languages and clock (kept in the state folder for
    /// [`Agent::contest_or_last`]).
    pub async fn contest(&self) -> Result<ContestInfo, AgentError> {
        let info = self
            .with_session(|t| async move { self.client.contest(&t).await })
            .await?;
        let path = self.config.state_dir.join(CONTEST_FILE);
        if let Ok(json) = serde_json::to_vec(&SavedContest {
            jury_url: self.config.jury_url.clone(),
            info: info.clone(),
        }) && let Err(e) = write_private(&path, &json)
        {
            tracing::warn!(path = %path.display(), error = %e, "cannot keep the contest info");
        }
        Ok(info)
    }

    /// The contest info from the jury, or, when the jury cannot be reached,
    /// the last it gave this agent (`false`: not fresh).
    pub async fn contest_or_last(&self) -> Result<(ContestInfo, bool), AgentError> {
        match self.contest().await {
            Ok(info) => Ok((info, true)),
            Err(e) if is_unreachable(&e) => {
                let saved = std::fs::read(self.config.state_dir.join(CONTEST_FILE))
                    .ok()
                    .and_then(|b| serde_json::from_slice::<SavedContest>(&b).ok())
                    .filter(|s| s.jury_url == self.config.jury_url);
                match saved {
                    Some(s) => Ok((s.info, false)),
                    None => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Asks the jury, about `problem` (id or label) or in general.
    pub async fn ask(
        &self,
        problem: Option<&str>,
        text: &str,
    ) -> Result<floorjudge_proto::team::ClarificationInfo, AgentError> {
        let req = floorjudge_proto::team::ClarificationRequest {
            problem: problem.map(str::to_owned),
            text: text.to_owned(),
        };
        let req = &req;
        self.with_session(|t| async move { self.client.ask(&t, req).await })
            .await
    }

    /// The clarifications the team may read, oldest first.
    pub async fn clarifications(
        &self,
    ) -> Result<Vec<floorjudge_proto::team::ClarificationInfo>, AgentError> {
        self.with_session(|t| async move { self.client.clarifications(&t).await })
            .await
    }

    /// A problem's statement files and samples (from the start on).
    pub async fn problem(
        &self,
        key: &str,
    ) -> Result<floorjudge_proto::team::ProblemMaterial, AgentError> {
        self.with_session(|t| async move { self.client.problem(&t, key).await })
            .await
    }

    /// Downloads a problem's statement files and samples into `out`
    /// (`out/statement/…`, `out/samples/NAME.in|.ans`); returns the paths
    /// written. A path the jury names that would leave `out` is refused.
    pub async fn download_problem(
        &self,
        key: &str,
        out: &std::path::Path,
    ) -> Result<Vec<PathBuf>, AgentError> {
        let material = self.problem(key).await?;
        let id = material.problem.id.as_str();
        let mut written = Vec::new();
        let mut save = |rel: String, bytes: Vec<u8>| -> Result<(), AgentError> {
            let safe = !rel.is_empty()
                && rel.split('/').all(|part| {
                    !part.is_empty() && part != "." && part != ".." && !part.contains('\\')
                });
            if !safe {
                return Err(AgentError::Invalid(format!(
                    "the jury named a file {rel:?} that would leave the download folder"
                )));
            }
            let path = out.join(&rel);
            let state = |source| AgentError::State {
                path: path.clone(),
                source,
            };
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(state)?;
            }
            std::fs::write(&path, bytes).map_err(state)?;
            written.push(path);
            Ok(())
        };
        for f in &material.statement {
            let mut segments = vec![id, "statement"];
            segments.extend(f.path.split('/'));
            let bytes = self
                .with_session(|t| {
                    let segments = segments.clone();
                    async move { self.client.problem_file(&t, &segments).await }
                })
                .await?;
            save(format!("statement/{}", f.path), bytes)?;
        }
        for sample in &material.samples {
            for (part, ext) in [("in", "in"), ("ans", "ans")] {
                let segments = [id, "samples", sample.name.as_str(), part];
                let bytes = self
                    .with_session(|t| async move { self.client.problem_file(&t, &segments).await })
                    .await?;
                save(format!("samples/{}.{ext}", sample.name), bytes)?;
            }
        }
        Ok(written)
    }

    /// Follows the team's events after `after` (`None`: from now on) until
    /// `until`, reconnecting (with the last id seen, so nothing is lost or
    /// repeated) when the jury goes away; `on_event` returning `false` stops.
    /// Returns the last event id seen.
    pub async fn follow_events(
        &self,
        after: Option<i64>,
        until: tokio::time::Instant,
        mut on_event: impl FnMut(&crate::jury_client::ServerEvent) -> bool,
    ) -> Result<Option<i64>, AgentError> {
        let mut last = after;
        while tokio::time::Instant::now() < until {
            let opened = self
                .with_session(|t| async move { self.client.events(&t, last).await })
                .await;
            let mut stream = match opened {
                Ok(s) => s,
                Err(e) if is_unreachable(&e) => {
                    tracing::info!(error = %e, "event stream: the jury is away; retrying");
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    continue;
                }
                Err(e) => return Err(e),
            };
            loop {
                let next = tokio::select! {
                    n = stream.next() => n,
                    _ = tokio::time::sleep_until(until) => return Ok(last),
                };
                match next {
                    Ok(Some(e)) => {
                        if e.id.is_some() {
                            last = e.id;
                        }
                        if !on_event(&e) {
                            return Ok(last);
                        }
                    }
                    Ok(None) | Err(_) => {
                        tracing::info!("event stream ended; reconnecting");
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        break;
                    }
                }
            }
        }
        Ok(last)
    }

    /// The scoreboard as teams see it (frozen).
    pub async fn scoreboard(&self) -> Result<floorjudge_proto::team::TeamScoreboard, AgentError> {
        self.with_session(|t| async move { self.client.scoreboard(&t).await })
            .await
    }

    /// The team's submissions.
    pub async fn submissions(&self) -> Result<Vec<SubmissionStatus>, AgentError> {
        self.with_session(|t| async move { self.client.submissions(&t).await })
            .await
    }

    /// One submission.
    pub async fn submission(&self, id: i64) -> Result<SubmissionStatus, AgentError> {
        self.with_session(|t| async move { self.client.submission(&t, id).await })
            .await
    }

    /// Puts files into the callback folder and sends their reference.
    pub async fn submit(
        &self,
        problem: &str,
        language: &str,
        paths: &[PathBuf],
    ) -> Result<SubmissionStatus, AgentError> {
        let files = read_sources(paths)?;
        let reference = self.prepare(problem, language, &files)?;
        self.send(&reference).await
    }

    /// Writes `files` into the callback folder under a new name and returns
    /// the reference to send.
    pub fn prepare(
        &self,
        problem: &str,
        language: &str,
        files: &[(String, Vec<u8>)],
    ) -> Result<SubmissionRef, AgentError> {
        let name = new_callback_name();
        let reference = SubmissionRef {
            problem: problem.to_owned(),
            language: language.to_owned(),
            files: files
                .iter()
                .map(|(n, d)| FileRef {
                    name: n.clone(),
                    size: d.len() as u64,
                    sha256: hex::encode(Sha256::digest(d)),
                })
                .collect(),
            callback_name: name.clone(),
            callback_port: self
                .server
                .as_ref()
                .map(|s| s.local_addr().port())
                .unwrap_or(self.config.callback_port),
            client_nonce: hex::encode(rand::random::<[u8; 16]>()),
        };
        self.callbacks.store(&name, files, &reference)?;
        Ok(reference)
    }

    /// Sends (or resends) a reference, retrying transport failures with the
    /// same nonce; drops the callback entry once the jury has the files or
    /// refused them for good.
    pub async fn send(&self, reference: &SubmissionRef) -> Result<SubmissionStatus, AgentError> {
        let mut delay = Duration::from_millis(200);
        let mut tries = 0;
        let result = loop {
            tries += 1;
            let r = self
                .with_session(|t| async move { self.client.submit(&t, reference).await })
                .await;
            match r {
                Err(AgentError::Jury(ClientError::Transport { .. })) if tries < 4 => {
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                other => break other,
            }
        };
        match &result {
            Ok(status) => {
                let resend_may_help =
                    status.phase == SubmissionPhase::PendingCallback || status.retryable;
                if !resend_may_help {
                    self.callbacks.remove(&reference.callback_name);
                }
            }
            Err(AgentError::Jury(ClientError::Refused { status, .. }))
                if (400..500).contains(status) && *status != 401 && *status != 429 =>
            {
                // The jury refused the reference itself: resending cannot help.
                self.callbacks.remove(&reference.callback_name);
            }
            Err(_) => {}
        }
        result
    }

    /// Resends the reference of every entry still in the callback folder
    /// (after a kiosk restart, or when the jury was unreachable).
    pub async fn resend_pending(
        &self,
    ) -> Vec<(SubmissionRef, Result<SubmissionStatus, AgentError>)> {
        let mut out = Vec::new();
        for reference in self.callbacks.pending() {
            let r = self.send(&reference).await;
            out.push((reference, r));
        }
        out
    }

    /// Polls a submission until it is judged or rejected, or `timeout` passes.
    pub async fn wait_final(
        &self,
        id: i64,
        timeout: Duration,
        mut on_change: impl FnMut(&SubmissionStatus),
    ) -> Result<SubmissionStatus, AgentError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut last: Option<SubmissionStatus> = None;
        loop {
            let s = self.submission(id).await?;
            if last.as_ref() != Some(&s) {
                on_change(&s);
            }
            if matches!(s.phase, SubmissionPhase::Judged | SubmissionPhase::Rejected)
                || tokio::time::Instant::now() >= deadline
            {
                return Ok(s);
            }
            last = Some(s);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// This machine's addresses, for the kiosk to show (the jury decides by
/// the address it sees, which behind NAT may differ).
pub fn workstation_addresses() -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = local_ip_address::list_afinet_netifas()
        .map(|l| l.into_iter().map(|(_, ip)| ip).collect())
        .unwrap_or_default();
    out.sort();
    out.dedup();
    out
}
