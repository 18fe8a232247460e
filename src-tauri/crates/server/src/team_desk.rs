//! The jury's side of the team API: identification, sessions and submission
//! references. HTTP handlers are thin adapters over [`TeamDesk`].
//!
//! The team is always the one bound to the peer address of the connection;
//! nothing a kiosk says about itself is believed. Every refusal is logged
//! (`tracing`) and written to the audit log with its reason and address.

use std::collections::HashMap;
use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use floorjudge_proto::callback::{
    validate_callback_name, validate_file_name, validate_nonce, validate_sha256,
};
use floorjudge_proto::team::{
    ClarificationInfo, ClarificationRequest, ContestInfo, LanguageInfo, LoginRequest,
    MAX_SOURCE_FILE_BYTES, MAX_SUBMISSION_BYTES, MAX_SUBMISSION_FILES, PairingCode, ProblemInfo,
    ProblemMaterial, Session, SubmissionPhase, SubmissionRef, SubmissionStatus, TeamInfo,
};
use floorjudge_store::{
    IdMode, Inserted, JudgeState, NewSubmission, RejectKind, StoreError, Submission,
    SubmissionState, SubmittedFile, TeamIdentity, now_ms,
};
use thiserror::Error;

use floorjudge_tls::{Fingerprint, Peer};

use crate::callback_fetcher::CallbackFetcher;
use crate::keys::JuryKeys;
use crate::rate_limit::FailureLimiter;
use crate::session_token;
use crate::shared_store::SharedStore;

/// How long a session token lasts.
pub const SESSION_TTL_MS: i64 = 24 * 3600 * 1000;
/// How long a pairing code lasts.
pub const PAIRING_TTL_MS: i64 = 10 * 60 * 1000;

/// Most submissions of one team waiting for their callback at once: more
/// are refused, so one team cannot fill the callback fetcher.
pub const MAX_PENDING_PER_TEAM: i64 = 3;

/// Why the jury refused a team request.
#[derive(Debug, Error)]
pub enum TeamRefusal {
    /// No team is bound to the peer address.
    #[error(
        "this workstation ({ip}) is not registered to a team: {}",
        modes_hint(.modes)
    )]
    UnknownAddress {
        /// The peer address.
        ip: String,
        /// Modes that could bind it.
        modes: Vec<IdMode>,
    },
    /// No or malformed token.
    #[error("no valid session token: identify first")]
    NoSession,
    /// The token does not verify, expired, or its team's address changed.
    #[error("session refused: {0}; identify again")]
    BadSession(&'static str),
    /// A token used from an address it was not issued to.
    #[error("this session belongs to another workstation: identify from this one")]
    SessionFromOtherAddress,
    /// Wrong team or password (the same answer for both).
    #[error("team or password is wrong")]
    BadCredentials,
    /// Password login for a team that already has a workstation.
    #[error(
        "team {0} is already bound to a workstation; its password works only once. \
         Ask a jury member to reset the team's address"
    )]
    TeamAlreadyBound(String),
    /// The address already belongs to a team.
    #[error("this workstation is already registered to team {0}: identify instead")]
    AddressAlreadyBound(String),
    /// Too many tries in a short time.
    #[error("too many {what}: wait {retry_after_s} s")]
    RateLimited {
        /// What there were too many of.
        what: &'static str,
        /// Seconds until the next try is allowed.
        retry_after_s: i64,
    },
    /// The contest does not allow this way of identifying.
    #[error("identification by {0} is turned off for this contest")]
    ModeDisabled(IdMode),
    /// Submissions are not accepted now.
    #[error("the contest is not running: {0}")]
    ContestNotRunning(String),
    /// The reference is malformed or over a limit.
    #[error("{0}")]
    BadReference(String),
    /// The team already has that many submissions waiting for their callback.
    #[error(
        "{0} of your submissions are still waiting for the jury to fetch them: wait until they are received (is `floorjudge-team serve` running?)"
    )]
    TooManyPending(i64),
    /// The nonce or callback name was already used differently.
    #[error("{0}")]
    Conflict(String),
    /// No such submission of this team.
    #[error("no submission {0} of this team")]
    NoSuchSubmission(i64),
    /// No such problem file (or problem) for teams.
    #[error("{0}")]
    NotFound(String),
    /// A clarification that cannot be taken.
    #[error("{0}")]
    BadClarification(String),
    /// The address is bound with a kiosk key this machine did not prove.
    #[error(
        "this workstation's address is bound to team {team}'s kiosk, and this machine {}: \
         if the workstation was replaced, ask the jury to reset the team's address \
         (`floorjudge-jury team reset-ip {team}`)",
        if *.presented { "holds another kiosk key" } else { "presented no kiosk key" }
    )]
    KioskKeyMismatch {
        /// The team bound to the address.
        team: String,
        /// Whether the machine presented a key at all.
        presented: bool,
    },
    /// Our own failure.
    #[error("internal error: {0}")]
    Internal(String),
}

fn modes_hint(modes: &[IdMode]) -> String {
    let mut ways = Vec::new();
    if modes.contains(&IdMode::Password) {
        ways.push("log in with the team's password");
    }
    if modes.contains(&IdMode::Pairing) {
        ways.push("ask the jury to pair it");
    }
    if ways.is_empty() {
        "ask the organizers to register its address".into()
    } else {
        ways.join(" or ")
    }
}

impl TeamRefusal {
    /// HTTP status for this refusal.
    pub fn status(&self) -> u16 {
        match self {
            TeamRefusal::UnknownAddress { .. }
            | TeamRefusal::NoSession
            | TeamRefusal::BadSession(_)
            | TeamRefusal::BadCredentials => 401,
            TeamRefusal::SessionFromOtherAddress
            | TeamRefusal::KioskKeyMismatch { .. }
            | TeamRefusal::ModeDisabled(_)
            | TeamRefusal::ContestNotRunning(_) => 403,
            TeamRefusal::TeamAlreadyBound(_)
            | TeamRefusal::AddressAlreadyBound(_)
            | TeamRefusal::Conflict(_) => 409,
            TeamRefusal::RateLimited { .. } | TeamRefusal::TooManyPending(_) => 429,
            TeamRefusal::BadReference(_) | TeamRefusal::BadClarification(_) => 400,
            TeamRefusal::NoSuchSubmission(_) | TeamRefusal::NotFound(_) => 404,
            TeamRefusal::Internal(_) => 500,
        }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            TeamRefusal::UnknownAddress { .. } => "unknown_address",
            TeamRefusal::NoSession => "no_session",
            TeamRefusal::BadSession(_) => "bad_session",
            TeamRefusal::SessionFromOtherAddress => "session_from_other_address",
            TeamRefusal::BadCredentials => "bad_credentials",
            TeamRefusal::TeamAlreadyBound(_) => "team_already_bound",
            TeamRefusal::AddressAlreadyBound(_) => "address_already_bound",
            TeamRefusal::RateLimited { .. } => "rate_limited",
            TeamRefusal::ModeDisabled(_) => "mode_disabled",
            TeamRefusal::ContestNotRunning(_) => "contest_not_running",
            TeamRefusal::BadReference(_) => "bad_reference",
            TeamRefusal::TooManyPending(_) => "too_many_pending",
            TeamRefusal::Conflict(_) => "conflict",
            TeamRefusal::NoSuchSubmission(_) => "no_such_submission",
            TeamRefusal::KioskKeyMismatch { .. } => "kiosk_key_mismatch",
            TeamRefusal::BadClarification(_) => "bad_clarification",
            TeamRefusal::NotFound(_) => "not_found",
            TeamRefusal::Internal(_) => "internal",
        }
    }
}

impl From<StoreError> for TeamRefusal {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => TeamRefusal::Conflict(m),
            other => {
                tracing::error!(error = %other, "store failed");
                TeamRefusal::Internal(other.to_string())
            }
        }
    }
}

/// The team desk: what the jury does for kiosks.
#[derive(Debug)]
pub struct TeamDesk {
    store: SharedStore,
    keys: Arc<JuryKeys>,
    fetcher: Arc<CallbackFetcher>,
    ip_failures: FailureLimiter,
    pair_failures: FailureLimiter,
    team_failures: FailureLimiter,
    /// Password verifications running at once.
    argon2: tokio::sync::Semaphore,
    /// Audit budget of refusals, per address.
    refusals: std::sync::Mutex<HashMap<String, RefusalBudget>>,
    /// Submissions (references) per team per minute.
    submits: FailureLimiter,
    /// Clarification questions per team per minute.
    questions: FailureLimiter,
    submit_wait: Duration,
    events: Arc<crate::event_feed::EventHub>,
    /// The frozen scoreboard as last computed: (newest log id then, when).
    board: tokio::sync::Mutex<Option<(i64, std::time::Instant, Arc<serde_json::Value>)>>,
    /// When each team last reached the jury.
    contacts: Arc<crate::last_contact::LastContact>,
}

/// The frozen scoreboard is computed at most this often, for all kiosks.
pub const BOARD_REFRESH: Duration = Duration::from_secs(1);

/// Refusals written to the audit log per address per minute; the rest are
/// counted, and the count is written with the address's next refusal in a
/// later minute (every refusal is still in the `tracing` log).
pub const REFUSALS_AUDITED_PER_MINUTE: u32 = 20;

/// One address's audit budget in the current minute.
#[derive(Debug, Clone, Copy)]
struct RefusalBudget {
    minute: i64,
    written: u32,
    dropped: u32,
}

/// Most clarification questions one team may ask in a minute.
pub const QUESTIONS_PER_MINUTE: usize = 10;

/// Most submission references one team may send in a minute.
pub const SUBMITS_PER_MINUTE: usize = 30;

fn peer_text(peer: IpAddr) -> String {
    peer.to_canonical().to_string()
}

impl TeamDesk {
    /// A desk over the shared store.
    pub fn new(store: SharedStore, keys: Arc<JuryKeys>, fetcher: Arc<CallbackFetcher>) -> Self {
        TeamDesk {
            events: crate::event_feed::EventHub::start(store.clone()),
            store,
            keys,
            fetcher,
            ip_failures: FailureLimiter::new(5, 60_000),
            pair_failures: FailureLimiter::new(10, 600_000),
            // loose: it takes many workstations to lock a team out
            team_failures: FailureLimiter::new(50, 600_000),
            argon2: tokio::sync::Semaphore::new(2),
            refusals: Default::default(),
            submits: FailureLimiter::new(SUBMITS_PER_MINUTE, 60_000),
            questions: FailureLimiter::new(QUESTIONS_PER_MINUTE, 60_000),
            submit_wait: Duration::from_secs(10),
            board: tokio::sync::Mutex::new(None),
            contacts: Default::default(),
        }
    }

    /// When each team last reached the jury (shared with the console).
    pub fn contacts(&self) -> Arc<crate::last_contact::LastContact> {
        self.contacts.clone()
    }

    /// The live event log this desk follows (shared with the Contest API).
    pub fn events(&self) -> Arc<crate::event_feed::EventHub> {
        self.events.clone()
    }

    /// Sets how many submission references a team may send per minute.
    pub fn set_submits_per_minute(&mut self, n: usize) {
        self.submits = FailureLimiter::new(n.max(1), 60_000);
    }

    /// How long a submit call waits for the callback before answering
    /// "pending".
    pub fn set_submit_wait(&mut self, wait: Duration) {
        self.submit_wait = wait;
    }

    /// Logs a refusal and writes it to the audit log.
    async fn refuse(
        &self,
        peer: &str,
        action: &str,
        subject: Option<String>,
        e: TeamRefusal,
    ) -> TeamRefusal {
        tracing::warn!(peer, action, subject = subject.as_deref().unwrap_or(""), reason = %e, "team request refused");
        let (write, dropped_before) = self.refusal_budget(peer);
        let (peer, action, detail) = (peer.to_owned(), format!("{action}.refused"), e.to_string());
        let logged = self
            .store
            .run(move |s| {
                if dropped_before > 0 {
                    s.audit(
                        "kiosk",
                        "team.refusals.dropped",
                        None,
                        Some(&format!(
                            "{dropped_before} more refusals from this address in an earlier minute were not written one by one"
                        )),
                        Some(&peer),
                    )?;
                }
                if write {
                    s.audit(
                        "kiosk",
                        &action,
                        subject.as_deref(),
                        Some(&detail),
                        Some(&peer),
                    )?;
                }
                Ok(())
            })
            .await;
        if let Err(err) = logged {
            tracing::error!(error = %err, "audit log write failed");
        }
        e
    }

    /// Whether this refusal from `peer` is written to the audit log, and how
    /// many were dropped in an earlier minute (to write as one row now).
    fn refusal_budget(&self, peer: &str) -> (bool, u32) {
        let minute = now_ms() / 60_000;
        let mut map = self.refusals.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, b| b.minute >= minute - 1);
        }
        let b = map.entry(peer.to_owned()).or_insert(RefusalBudget {
            minute,
            written: 0,
            dropped: 0,
        });
        let mut dropped_before = 0;
        if b.minute != minute {
            dropped_before = b.dropped;
            *b = RefusalBudget {
                minute,
                written: 0,
                dropped: 0,
            };
        }
        if b.written < REFUSALS_AUDITED_PER_MINUTE {
            b.written += 1;
            (true, dropped_before)
        } else {
            b.dropped += 1;
            (false, dropped_before)
        }
    }

    async fn session_for(
        &self,
        team: &TeamIdentity,
        ip: &str,
        mode: IdMode,
    ) -> Result<Session, TeamRefusal> {
        let now = now_ms();
        self.contacts.seen(&team.id, now);
        let minted = session_token::mint(
            self.keys.session_mac(),
            &team.id,
            ip,
            mode,
            now,
            now + SESSION_TTL_MS,
        );
        let stored = minted.stored.clone();
        self.store.run(move |s| s.insert_session(&stored)).await?;
        Ok(Session {
            token: minted.token,
            team: TeamInfo {
                id: team.id.clone(),
                name: team.name.clone(),
            },
            ip: ip.to_owned(),
            mode: mode.as_str().to_owned(),
            expires_ms: minted.stored.expires_ms,
            jury_key: self.keys.public_hex().to_owned(),
        })
    }

    /// Checks the kiosk key of `team`'s workstation at `ip`: binds `key`
    /// with the address the first time the kiosk presents one, and from then
    /// on refuses a machine that did not prove that key in its handshake.
    async fn check_kiosk_key(
        &self,
        team: &TeamIdentity,
        ip: &str,
        key: Option<Fingerprint>,
    ) -> Result<(), TeamRefusal> {
        let bound = match (&team.kiosk_key, key) {
            (Some(bound), _) => bound.clone(),
            (None, None) => return Ok(()),
            (None, Some(key)) => {
                let (id, ip_owned, text) = (team.id.clone(), ip.to_owned(), key.to_string());
                let now = self
                    .store
                    .run(move |s| s.bind_kiosk_key(&id, &ip_owned, &text))
                    .await?;
                match now {
                    Some(now) if now == key.to_string() => {
                        tracing::info!(peer = ip, team = %team.id, kiosk_key = %key, "kiosk key bound with the workstation address");
                        return Ok(());
                    }
                    // another kiosk bound first, or the address changed meanwhile
                    Some(other) => other,
                    None => {
                        return Err(TeamRefusal::BadSession(
                            "the team's workstation address was changed",
                        ));
                    }
                }
            }
        };
        if key.map(|k| k.to_string()).as_deref() == Some(bound.as_str()) {
            return Ok(());
        }
        Err(TeamRefusal::KioskKeyMismatch {
            team: team.id.clone(),
            presented: key.is_some(),
        })
    }

    /// Identifies the kiosk by its peer address alone (and, once bound, the
    /// kiosk key it proved).
    pub async fn identify(&self, peer: &Peer) -> Result<Session, TeamRefusal> {
        let ip = peer_text(peer.ip());
        let key = ip.clone();
        let (team, modes) = self
            .store
            .run(move |s| Ok((s.identity_by_ip(&key)?, s.contest()?.settings.id_modes)))
            .await?;
        match team {
            Some(team) => {
                if let Err(e) = self.check_kiosk_key(&team, &ip, peer.client).await {
                    return Err(self
                        .refuse(&ip, "team.identify", Some(team.id.clone()), e)
                        .await);
                }
                tracing::info!(peer = %ip, team = %team.id, "kiosk identified by address");
                self.session_for(&team, &ip, IdMode::Ip).await
            }
            None => {
                let e = TeamRefusal::UnknownAddress {
                    ip: ip.clone(),
                    modes,
                };
                Err(self.refuse(&ip, "team.identify", None, e).await)
            }
        }
    }

    /// Password login: binds the peer address to the team, once.
    pub async fn login(&self, peer: &Peer, req: LoginRequest) -> Result<Session, TeamRefusal> {
        let ip = peer_text(peer.ip());
        let subject = Some(req.team.chars().take(64).collect::<String>());
        match self.login_inner(&ip, peer.client, req).await {
            Ok(s) => Ok(s),
            Err(e) => Err(self.refuse(&ip, "team.login", subject, e).await),
        }
    }

    async fn login_inner(
        &self,
        ip: &str,
        kiosk_key: Option<Fingerprint>,
        req: LoginRequest,
    ) -> Result<Session, TeamRefusal> {
        let now = now_ms();
        // Every attempt counts before anything is checked (a success is
        // forgiven below): per address, per address and team, and loosely
        // per team, so one workstation cannot lock a team out for everyone.
        let team_label: String = req.team.chars().take(64).collect();
        let keys = [
            (&self.ip_failures, format!("ip:{ip}")),
            (&self.pair_failures, format!("pair:{ip}:{team_label}")),
            (&self.team_failures, format!("team:{team_label}")),
        ];
        for (limiter, key) in &keys {
            if let Some(wait_ms) = limiter.attempt(key, now) {
                return Err(TeamRefusal::RateLimited {
                    what: "failed logins",
                    retry_after_s: (wait_ms + 999) / 1000,
                });
            }
        }
        if req.team.len() > 200 || req.password.len() > 200 {
            return Err(TeamRefusal::BadCredentials);
        }
        let (ip_owned, team_name) = (ip.to_owned(), req.team.clone());
        let (modes, bound, team, hash) = self
            .store
            .run(move |s| {
                let modes = s.contest()?.settings.id_modes;
                let bound = s.identity_by_ip(&ip_owned)?;
                let team = s.identity(&team_name)?;
                let hash = match &team {
                    Some(t) => s.team_password_hash(&t.id)?,
                    None => None,
                };
                Ok((modes, bound, team, hash))
            })
            .await?;
        if !modes.contains(&IdMode::Password) {
            return Err(TeamRefusal::ModeDisabled(IdMode::Password));
        }
        if let Some(b) = bound {
            return Err(TeamRefusal::AddressAlreadyBound(b.id));
        }
        let Some(team) = team else {
            return Err(TeamRefusal::BadCredentials);
        };
        if team.ip.is_some() {
            // Refused before the password is even checked: a bound team's
            // password is spent, and this answer reveals nothing about it.
            return Err(TeamRefusal::TeamAlreadyBound(team.id));
        }
        let Some(hash) = hash else {
            return Err(TeamRefusal::BadCredentials);
        };
        let password = req.password;
        // argon2 is slow on purpose: a few at a time, on blocking threads, so
        // a login burst leaves CPU and the store to everyone else
        let ok = {
            let _slot = self.argon2.acquire().await.expect("semaphore never closed");
            tokio::task::spawn_blocking(move || crate::passwords::verify(&password, &hash))
                .await
                .unwrap_or(false)
        };
        if !ok {
            return Err(TeamRefusal::BadCredentials);
        }
        let (team_id, ip_owned) = (team.id.clone(), ip.to_owned());
        self.store
            .run(move |s| {
                s.bind_team_ip(
                    &team_id,
                    &ip_owned,
                    IdMode::Password,
                    &format!("team:{team_id}"),
                )
            })
            .await?;
        for (limiter, key) in &keys {
            limiter.clear(key);
        }
        tracing::info!(peer = %ip, team = %team.id, "team bound to workstation by password");
        self.check_kiosk_key(&team, ip, kiosk_key).await?;
        self.session_for(&team, ip, IdMode::Password).await
    }

    /// Gives an unknown workstation a pairing code for the jury to approve
    /// (the same code again while it is valid).
    pub async fn request_pairing(&self, peer: IpAddr) -> Result<PairingCode, TeamRefusal> {
        let ip = peer_text(peer);
        let key = ip.clone();
        let result = self
            .store
            .run(move |s| {
                let modes = s.contest()?.settings.id_modes;
                if !modes.contains(&IdMode::Pairing) {
                    return Ok(Err(TeamRefusal::ModeDisabled(IdMode::Pairing)));
                }
                if let Some(t) = s.identity_by_ip(&key)? {
                    return Ok(Err(TeamRefusal::AddressAlreadyBound(t.id)));
                }
                let now = now_ms();
                if let Some(open) = s.open_pairing_code(&key, now)? {
                    return Ok(Ok(open));
                }
                s.purge_expired_access(now)?;
                loop {
                    let code = pairing_code();
                    match s.insert_pairing_code(&code, &key, now, now + PAIRING_TTL_MS) {
                        Ok(()) => {
                            return Ok(Ok(floorjudge_store::PairingRow {
                                code,
                                ip: key.clone(),
                                expires_ms: now + PAIRING_TTL_MS,
                                team_id: None,
                            }));
                        }
                        Err(StoreError::Conflict(_)) => continue,
                        Err(e) => return Err(e),
                    }
                }
            })
            .await?;
        match result {
            Ok(row) => {
                tracing::info!(peer = %ip, code = %row.code, "pairing code issued");
                Ok(PairingCode {
                    code: row.code,
                    ip: row.ip,
                    expires_ms: row.expires_ms,
                })
            }
            Err(e) => Err(self.refuse(&ip, "team.pairing", None, e).await),
        }
    }

    /// The team behind a token presented from `peer`.
    pub async fn authenticate(
        &self,
        peer: &Peer,
        token: Option<&str>,
    ) -> Result<TeamIdentity, TeamRefusal> {
        let ip = peer_text(peer.ip());
        let Some((selector, verifier)) = token.and_then(session_token::split) else {
            return Err(self
                .refuse(&ip, "team.session", None, TeamRefusal::NoSession)
                .await);
        };
        let (sel, key_ip) = (selector.to_owned(), ip.clone());
        let (session, bound) = self
            .store
            .run(move |s| Ok((s.session(&sel)?, s.identity_by_ip(&key_ip)?)))
            .await?;
        let check = || {
            let Some(session) = session.as_ref() else {
                return Err(TeamRefusal::BadSession("unknown token"));
            };
            if !session_token::verifier_matches(self.keys.session_mac(), session, verifier) {
                return Err(TeamRefusal::BadSession("token does not verify"));
            }
            if session.expires_ms < now_ms() {
                return Err(TeamRefusal::BadSession("token expired"));
            }
            if session.ip != ip {
                return Err(TeamRefusal::SessionFromOtherAddress);
            }
            let team = match &bound {
                Some(t) if t.id == session.team_id => t.clone(),
                _ => {
                    return Err(TeamRefusal::BadSession(
                        "the team's workstation address was changed",
                    ));
                }
            };
            // a session is only as good as the kiosk key bound with its address
            if let Some(bound_key) = &team.kiosk_key
                && peer.client.map(|k| k.to_string()).as_deref() != Some(bound_key.as_str())
            {
                return Err(TeamRefusal::KioskKeyMismatch {
                    team: team.id.clone(),
                    presented: peer.client.is_some(),
                });
            }
            Ok(team)
        };
        match check() {
            Ok(team) => {
                self.contacts.seen(&team.id, now_ms());
                Ok(team)
            }
            Err(e) => {
                let subject = session.map(|s| s.team_id);
                Err(self.refuse(&ip, "team.session", subject, e).await)
            }
        }
    }

    /// Problems, languages and clock. Before the start, the problems are
    /// not named: a team learns them when the contest begins.
    pub async fn contest_info(&self) -> Result<ContestInfo, TeamRefusal> {
        Ok(self.store.run(|s| contest_info_of(s, now_ms())).await?)
    }

    /// The scoreboard teams see (frozen after the freeze, hidden teams left
    /// out): `{started, frozen, columns, rows}`. One computation serves
    /// every kiosk: it is redone only when the log moved on, at most every
    /// [`BOARD_REFRESH`].
    pub async fn scoreboard(&self) -> Result<Arc<serde_json::Value>, TeamRefusal> {
        let mut cached = self.board.lock().await;
        // fresh enough without asking the store
        if let Some((_, at, board)) = cached.as_ref()
            && at.elapsed() < BOARD_REFRESH
        {
            return Ok(board.clone());
        }
        let newest = self.store.run(|s| s.last_event_id()).await?;
        if let Some((seen, at, board)) = cached.as_mut()
            && *seen >= newest
        {
            // nothing changed: good for another second
            *at = std::time::Instant::now();
            return Ok(board.clone());
        }
        let board = self
            .store
            .run(|s| {
                let now = now_ms();
                let clock = crate::clock::Clock::of(&s.contest()?.settings);
                Ok(match crate::scoreboard::from_store(s) {
                    Ok(b) => serde_json::json!({
                        "started": true,
                        "frozen": clock.frozen(now),
                        "columns": b.columns(),
                        "rows": b.rows(crate::scoreboard::View::Public),
                    }),
                    Err(crate::scoreboard::ScoreboardError::NotStarted) => serde_json::json!({
                        "started": false, "frozen": false, "columns": [], "rows": [],
                    }),
                    Err(crate::scoreboard::ScoreboardError::Store(e)) => return Err(e),
                })
            })
            .await?;
        let board = Arc::new(board);
        *cached = Some((newest, std::time::Instant::now(), board.clone()));
        Ok(board)
    }

    /// Runs `f` on the store once the problems are public (the contest has
    /// started); a missing problem is a 404.
    async fn problem_material<T: Send + 'static>(
        &self,
        peer: IpAddr,
        team: &TeamIdentity,
        what: String,
        f: impl FnOnce(&floorjudge_store::Store) -> Result<Option<T>, StoreError> + Send + 'static,
    ) -> Result<T, TeamRefusal> {
        let found = self
            .store
            .run(move |s| {
                let c = s.contest()?.settings;
                if c.start_time_ms.is_none_or(|start| now_ms() < start) {
                    return Ok(Err(TeamRefusal::ContestNotRunning(
                        "the problems are public from the start".into(),
                    )));
                }
                match f(s) {
                    Ok(Some(v)) => Ok(Ok(v)),
                    Ok(None) | Err(StoreError::NotFound { .. }) => Ok(Err(TeamRefusal::NotFound(
                        format!("no {what} in this contest"),
                    ))),
                    Err(e) => Err(e),
                }
            })
            .await?;
        match found {
            Ok(v) => Ok(v),
            Err(e) => Err(self
                .refuse(&peer_text(peer), "team.problem", Some(team.id.clone()), e)
                .await),
        }
    }

    /// A problem's statement files and samples (from the start on).
    pub async fn material(
        &self,
        peer: IpAddr,
        team: &TeamIdentity,
        problem: String,
    ) -> Result<ProblemMaterial, TeamRefusal> {
        let what = format!("problem {:?}", short(&problem));
        self.problem_material(peer, team, what, move |s| {
            crate::statements::material(s, &problem).map(Some)
        })
        .await
    }

    /// One statement file (from the start on).
    pub async fn statement_file(
        &self,
        peer: IpAddr,
        team: &TeamIdentity,
        problem: String,
        path: String,
    ) -> Result<(Vec<u8>, &'static str), TeamRefusal> {
        let what = format!(
            "statement file {:?} of problem {:?}",
            short(&path),
            short(&problem)
        );
        self.problem_material(peer, team, what, move |s| {
            crate::statements::statement_file(s, &problem, &path)
        })
        .await
    }

    /// A sample's input or answer (from the start on).
    pub async fn sample_file(
        &self,
        peer: IpAddr,
        team: &TeamIdentity,
        problem: String,
        name: String,
        answer: bool,
    ) -> Result<Vec<u8>, TeamRefusal> {
        let what = format!("sample {:?} of problem {:?}", short(&name), short(&problem));
        self.problem_material(peer, team, what, move |s| {
            crate::statements::sample_file(s, &problem, &name, answer)
        })
        .await
    }

    /// The team's live events after event `after` (`None`: from now on):
    /// its submissions' states, clarifications for it or for everyone, and
    /// the contest's clock and problems, each as it is when sent.
    pub async fn follow_events(
        &self,
        team: &TeamIdentity,
        after: Option<i64>,
    ) -> Result<tokio::sync::mpsc::Receiver<crate::event_feed::TeamEvent>, TeamRefusal> {
        let id = team.id.clone();
        let render = move |s: &floorjudge_store::Store,
                           e: &floorjudge_store::Event|
              -> Result<Option<serde_json::Value>, StoreError> {
            Ok(match (e.kind.as_str(), e.ref_id) {
                ("submission", Some(sub)) => match s.submission(sub)? {
                    Some(x) if x.team_id == id => Some(to_json(&team_status(s, &x)?)),
                    _ => None,
                },
                ("clarification", Some(c)) => match s.clarification(c)? {
                    Some(c) => Some(to_json(&crate::clarifications::team_view(s, &id, &c)?)),
                    None => None,
                },
                ("contest", _) => Some(to_json(&contest_info_of(s, now_ms())?)),
                _ => None,
            })
        };
        Ok(self.events.follow(team.id.clone(), after, render).await?)
    }

    /// A team asks the jury, about a problem or in general (at most
    /// [`QUESTIONS_PER_MINUTE`] a minute).
    pub async fn ask(
        &self,
        peer: IpAddr,
        team: &TeamIdentity,
        req: ClarificationRequest,
    ) -> Result<ClarificationInfo, TeamRefusal> {
        let ip = peer_text(peer);
        let now = now_ms();
        if let Some(wait_ms) = self.questions.check(&team.id, now) {
            let e = TeamRefusal::RateLimited {
                what: "clarification questions in a minute",
                retry_after_s: (wait_ms + 999) / 1000,
            };
            return Err(self
                .refuse(&ip, "clarification", Some(team.id.clone()), e)
                .await);
        }
        self.questions.fail(&team.id, now);
        let id = team.id.clone();
        let asked = self
            .store
            .run(move |s| {
                let c = s.contest()?.settings;
                let public = c.start_time_ms.is_some_and(|start| now >= start);
                let asked = crate::clarifications::ask(
                    s,
                    &id,
                    req.problem.as_deref(),
                    &req.text,
                    public,
                    now,
                );
                match asked {
                    Ok(c) => Ok(Ok(crate::clarifications::team_view(s, &id, &c)?)),
                    Err(crate::clarifications::ClarificationError::Refused(why)) => {
                        Ok(Err(TeamRefusal::BadClarification(why)))
                    }
                    Err(crate::clarifications::ClarificationError::Store(e)) => Err(e),
                }
            })
            .await?;
        match asked {
            Ok(c) => {
                tracing::info!(peer = %ip, team = %team.id, clarification = c.id, "clarification asked");
                Ok(c)
            }
            Err(e) => Err(self
                .refuse(&ip, "clarification", Some(team.id.clone()), e)
                .await),
        }
    }

    /// What a team reads: its questions, the jury's answers to it and
    /// everything sent to every team, oldest first.
    pub async fn clarifications(
        &self,
        team: &TeamIdentity,
    ) -> Result<Vec<ClarificationInfo>, TeamRefusal> {
        let id = team.id.clone();
        Ok(self
            .store
            .run(move |s| {
                s.team_clarifications(&id)?
                    .iter()
                    .map(|c| crate::clarifications::team_view(s, &id, c))
                    .collect::<Result<Vec<_>, StoreError>>()
            })
            .await?)
    }

    /// Takes a submission reference from an identified team (at most
    /// [`MAX_PENDING_PER_TEAM`] waiting for their callback), calls back for
    /// the files and answers with the submission's state (pending if the
    /// callback takes longer than the submit wait).
    pub async fn submit(
        &self,
        peer: IpAddr,
        team: &TeamIdentity,
        r: SubmissionRef,
    ) -> Result<SubmissionStatus, TeamRefusal> {
        let ip = peer_text(peer);
        let subject = Some(team.id.clone());
        let now = now_ms();
        if let Some(wait_ms) = self.submits.check(&team.id, now) {
            let e = TeamRefusal::RateLimited {
                what: "submissions in a minute",
                retry_after_s: (wait_ms + 999) / 1000,
            };
            return Err(self.refuse(&ip, "submission", subject, e).await);
        }
        self.submits.fail(&team.id, now);
        let checked = match check_reference(&r) {
            Ok(files) => files,
            Err(e) => return Err(self.refuse(&ip, "submission", subject, e).await),
        };
        let (team_id, source_ip) = (team.id.clone(), ip.clone());
        let inserted = self
            .store
            .run(move |s| {
                let c = s.contest()?.settings;
                if let Err(why) = crate::clock::Clock::of(&c).accepting(now_ms()) {
                    return Ok(Err(TeamRefusal::ContestNotRunning(why)));
                }
                let problem = match s.problem(&r.problem) {
                    Ok(p) => p,
                    Err(StoreError::NotFound { .. }) => {
                        return Ok(Err(TeamRefusal::BadReference(format!(
                            "no problem {:?} in this contest",
                            r.problem.chars().take(40).collect::<String>()
                        ))));
                    }
                    Err(e) => return Err(e),
                };
                let languages = s.languages()?;
                if !languages
                    .iter()
                    .any(|l| l.id == r.language && l.allow_submit)
                {
                    let ids: Vec<_> = languages
                        .iter()
                        .filter(|l| l.allow_submit)
                        .map(|l| l.id.as_str())
                        .collect();
                    return Ok(Err(TeamRefusal::BadReference(format!(
                        "no language {:?}: use one of {}",
                        r.language.chars().take(40).collect::<String>(),
                        ids.join(", ")
                    ))));
                }
                // a resent reference (same nonce) is not a new wait
                let resent = s.nonce_used(&team_id, &r.client_nonce)?;
                let pending = s.pending_count(&team_id)?;
                if !resent && pending >= MAX_PENDING_PER_TEAM {
                    return Ok(Err(TeamRefusal::TooManyPending(pending)));
                }
                let new = NewSubmission {
                    team_id,
                    problem_id: problem.id,
                    language_id: r.language,
                    source_ip,
                    callback_name: r.callback_name,
                    callback_port: r.callback_port,
                    client_nonce: r.client_nonce,
                    files: checked,
                };
                let inserted = match s.insert_submission(&new) {
                    Ok(i) => i,
                    Err(StoreError::Conflict(m)) => return Ok(Err(TeamRefusal::Conflict(m))),
                    Err(e) => return Err(e),
                };
                if let Inserted::Existing(id) = inserted {
                    s.revive_submission(id)?;
                }
                Ok(Ok(inserted))
            })
            .await?;
        let id = match inserted {
            Ok(Inserted::New(id)) => {
                tracing::info!(peer = %ip, team = %team.id, submission = id, "submission reference accepted");
                id
            }
            Ok(Inserted::Existing(id)) => {
                tracing::info!(peer = %ip, team = %team.id, submission = id, "submission reference resent");
                id
            }
            Err(e) => return Err(self.refuse(&ip, "submission", subject, e).await),
        };
        let mut done = self.fetcher.start(id);
        let _ = tokio::time::timeout(self.submit_wait, done.wait_for(|d| *d)).await;
        self.status_of(team, id).await
    }

    /// One of the team's submissions.
    pub async fn status_of(
        &self,
        team: &TeamIdentity,
        id: i64,
    ) -> Result<SubmissionStatus, TeamRefusal> {
        let team_id = team.id.clone();
        let status = self
            .store
            .run(move |s| match s.submission(id)? {
                Some(sub) if sub.team_id == team_id => Ok(Some(team_status(s, &sub)?)),
                _ => Ok(None),
            })
            .await?;
        status.ok_or(TeamRefusal::NoSuchSubmission(id))
    }

    /// All of the team's submissions, oldest first.
    pub async fn submissions(
        &self,
        team: &TeamIdentity,
    ) -> Result<Vec<SubmissionStatus>, TeamRefusal> {
        let id = team.id.clone();
        Ok(self
            .store
            .run(move |s| {
                s.team_submissions(&id)?
                    .iter()
                    .map(|sub| team_status(s, sub))
                    .collect::<Result<Vec<_>, StoreError>>()
            })
            .await?)
    }
}

/// What a kiosk is told of the contest at `now`: name, clock, languages,
/// and the problems from the start on.
pub fn contest_info_of(s: &floorjudge_store::Store, now: i64) -> Result<ContestInfo, StoreError> {
    let c = s.contest()?.settings;
    let clock = crate::clock::Clock::of(&c);
    let running = clock.accepting(now).is_ok();
    let started = c.start_time_ms.is_some_and(|start| now >= start);
    let problems = if started {
        s.problems()?
            .into_iter()
            .map(|p| ProblemInfo {
                id: p.problem.id,
                label: p.problem.label,
                name: p.problem.name,
                rgb: p.problem.rgb,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(ContestInfo {
        name: c.name,
        start_time_ms: c.start_time_ms,
        duration_s: c.duration_s,
        end_time_ms: clock.end_ms(),
        freeze_time_ms: clock.freeze_ms(),
        frozen: clock.frozen(now),
        running,
        server_time_ms: now,
        problems,
        languages: s
            .languages()?
            .into_iter()
            .filter(|l| l.allow_submit)
            .map(|l| LanguageInfo {
                id: l.id,
                name: l.name,
                extensions: l.extensions,
                time_factor: l.time_factor,
                compiler: l.compiler,
                runner: l.runner,
            })
            .collect(),
    })
}

/// A value as JSON (what an event carries).
fn to_json(v: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// At most 60 characters of a name a team sent, for messages.
fn short(s: &str) -> String {
    s.chars().take(60).collect()
}

fn check_reference(r: &SubmissionRef) -> Result<Vec<SubmittedFile>, TeamRefusal> {
    let bad = |m: String| Err(TeamRefusal::BadReference(m));
    if let Err(e) = validate_callback_name(&r.callback_name) {
        return bad(e.to_string());
    }
    if let Err(e) = validate_nonce(&r.client_nonce) {
        return bad(e.to_string());
    }
    if r.callback_port == 0 {
        return bad("callback port 0 is not a port".into());
    }
    if r.files.is_empty() {
        return bad("a submission needs at least one file".into());
    }
    if r.files.len() > MAX_SUBMISSION_FILES {
        return bad(format!(
            "{} files: at most {MAX_SUBMISSION_FILES} per submission",
            r.files.len()
        ));
    }
    let mut names = HashSet::new();
    let mut total = 0u64;
    for f in &r.files {
        if let Err(e) = validate_file_name(&f.name) {
            return bad(e.to_string());
        }
        if let Err(e) = validate_sha256(&f.sha256) {
            return bad(format!("{}: {e}", f.name));
        }
        if !names.insert(f.name.as_str()) {
            return bad(format!("file name {} appears twice", f.name));
        }
        if f.size > MAX_SOURCE_FILE_BYTES {
            return bad(format!(
                "{} has {} bytes: at most {MAX_SOURCE_FILE_BYTES} per file",
                f.name, f.size
            ));
        }
        total += f.size;
    }
    if total > MAX_SUBMISSION_BYTES {
        return bad(format!(
            "the files have {total} bytes: at most {MAX_SUBMISSION_BYTES} per submission"
        ));
    }
    Ok(r.files
        .iter()
        .map(|f| SubmittedFile {
            name: f.name.clone(),
            size: f.size,
            sha256: f.sha256.clone(),
        })
        .collect())
}

/// What a team sees of `sub` now, with the judging's progress.
pub fn team_status(
    store: &floorjudge_store::Store,
    sub: &Submission,
) -> Result<SubmissionStatus, StoreError> {
    let mut status = team_view(sub, &store.judge_state(sub.id)?);
    if status.phase == SubmissionPhase::Judging
        && let Some((done, total)) = store.judging_progress(sub.id)?
    {
        status.testcases_done = Some(done);
        status.testcases_total = Some(total);
    }
    if status.verdict == Some(floorjudge_proto::Verdict::CompileError) {
        status.compile_message = store
            .judgings(sub.id)?
            .into_iter()
            .rev()
            .find(|j| j.valid)
            .and_then(|j| j.compile_output)
            .map(|m| m.chars().take(TEAM_COMPILE_MESSAGE_CHARS).collect());
    }
    Ok(status)
}

/// Most characters of a compiler message a team is shown.
pub const TEAM_COMPILE_MESSAGE_CHARS: usize = 16 * 1024;

/// A submission as its team sees it, from its judge state (no progress).
pub fn team_view(s: &Submission, judge: &JudgeState) -> SubmissionStatus {
    let (phase, queue_position, verdict) = match (s.state, judge) {
        (SubmissionState::Pending, _) => (SubmissionPhase::PendingCallback, None, None),
        (SubmissionState::Rejected, _) => (SubmissionPhase::Rejected, None, None),
        (SubmissionState::Received, JudgeState::Queued { position: n }) => {
            (SubmissionPhase::Queued, Some(*n), None)
        }
        (SubmissionState::Received, JudgeState::None) => (SubmissionPhase::Queued, None, None),
        (SubmissionState::Received, JudgeState::Judging) => (SubmissionPhase::Judging, None, None),
        // a judge error: the jury is looking, the team sees "judging"
        (SubmissionState::Received, JudgeState::Judged { verdict: None }) => {
            (SubmissionPhase::Judging, None, None)
        }
        (SubmissionState::Received, JudgeState::Judged { verdict: Some(v) }) => {
            (SubmissionPhase::Judged, None, Some(*v))
        }
    };
    SubmissionStatus {
        id: s.id,
        problem: s.problem_id.clone(),
        language: s.language_id.clone(),
        submitted_ms: s.submitted_ms,
        callback_name: s.callback_name.clone(),
        phase,
        queue_position,
        verdict,
        reason: s.reject_reason.clone(),
        retryable: s.state == SubmissionState::Rejected
            && s.reject_kind == Some(RejectKind::Unreachable),
        testcases_done: None,
        testcases_total: None,
        compile_message: None,
    }
}

/// A short code from the unambiguous password alphabet (6 characters, ~30 bits).
fn pairing_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
    let mut rng = rand::rng();
    (0..6)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}
