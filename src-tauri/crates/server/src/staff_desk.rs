//! The staff desk: who a staff request comes from. Two ways in:
//! - a console login (`POST /api/staff/login`): password, and for admin and
//!   jury accounts with an authenticator the TOTP code (or a recovery code),
//!   gives a session token sent as `Authorization: Bearer`;
//! - HTTP Basic, for API-only clients (ICPC tools): the password alone,
//!   checked with argon2 once and remembered for a minute; refused for
//!   admin and jury accounts with an authenticator (a password alone must
//!   not open what password and code protect).
//!
//! Failed logins are limited per address, logged with their reason and
//! audited (`staff.login.refused`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use floorjudge_store::{StaffSession, StoreError, now_ms};
use ring::hmac;
use sha2::{Digest, Sha256};

use crate::keys::JuryKeys;
use crate::rate_limit::FailureLimiter;
use crate::shared_store::SharedStore;
use crate::staff::{Role, StaffError};

/// How long a console session lasts.
pub const SESSION_MS: i64 = 12 * 3600 * 1000;
/// How long a checked HTTP Basic login is remembered.
const BASIC_MEMORY: Duration = Duration::from_secs(60);

/// A staff member, as a request proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    /// Account name.
    pub name: String,
    /// Role.
    pub role: Role,
}

pub use floorjudge_proto::staff::SessionGrant;

/// Why a staff request was refused.
#[derive(Debug, thiserror::Error)]
pub enum StaffRefusal {
    /// The login or token is not good, with the reason.
    #[error("{message}")]
    Unauthorized {
        /// Stable code (`bad_credentials`, `code_required`, `bad_code`,
        /// `totp_account`, `bad_token`).
        code: &'static str,
        /// For people.
        message: String,
    },
    /// Too many failed logins from this address.
    #[error("too many failed logins from this address: try again in {retry_after_s} s")]
    RateLimited {
        /// Seconds to wait.
        retry_after_s: i64,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl StaffRefusal {
    fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        StaffRefusal::Unauthorized {
            code,
            message: message.into(),
        }
    }
}

/// See the module docs.
#[derive(Debug)]
pub struct StaffDesk {
    store: SharedStore,
    keys: Arc<JuryKeys>,
    basic: Mutex<HashMap<[u8; 32], (StaffMember, Instant)>>,
    failures: FailureLimiter,
    /// Password checks running at once (argon2 is slow on purpose).
    argon2: tokio::sync::Semaphore,
}

fn mac_input(verifier: &str, name: &str, expires_ms: i64) -> Vec<u8> {
    format!("staff\n{verifier}\n{name}\n{expires_ms}").into_bytes()
}

fn basic_key(user: &str, password: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(user.as_bytes());
    h.update([0]);
    h.update(password.as_bytes());
    h.finalize().into()
}

impl StaffDesk {
    /// A desk over `store`, signing sessions with the jury's keys.
    pub fn new(store: SharedStore, keys: Arc<JuryKeys>) -> Self {
        StaffDesk {
            store,
            keys,
            basic: Mutex::new(HashMap::new()),
            failures: FailureLimiter::new(10, 600_000),
            argon2: tokio::sync::Semaphore::new(2),
        }
    }

    fn check_rate(&self, ip: &str, who: &str, now: i64) -> Result<(), StaffRefusal> {
        match self.failures.check(ip, now) {
            Some(wait_ms) => {
                tracing::warn!(
                    peer = ip,
                    staff = who,
                    "staff login refused: too many failures"
                );
                Err(StaffRefusal::RateLimited {
                    retry_after_s: (wait_ms + 999) / 1000,
                })
            }
            None => Ok(()),
        }
    }

    async fn refused(&self, ip: &str, name: &str, e: StaffRefusal, now: i64) -> StaffRefusal {
        if let StaffRefusal::Unauthorized { code, message } = &e {
            self.failures.fail(ip, now);
            tracing::warn!(peer = ip, staff = name, code, reason = %message, "staff login refused");
            let (ip, name, detail) = (ip.to_owned(), name.to_owned(), message.clone());
            let _ = self
                .store
                .run(move |s| {
                    s.audit(
                        "staff-api",
                        "staff.login.refused",
                        Some(&name),
                        Some(&detail),
                        Some(&ip),
                    )
                })
                .await;
        }
        e
    }

    /// A console login: password and, where enrolled, the code. Gives a
    /// session of [`SESSION_MS`].
    pub async fn login(
        &self,
        peer: IpAddr,
        name: String,
        password: String,
        code: Option<String>,
    ) -> Result<SessionGrant, StaffRefusal> {
        let ip = peer.to_string();
        let now = now_ms();
        self.check_rate(&ip, &name, now)?;
        let (matched, secrets) = self.password(&name, password).await?;
        let checked = match (matched, secrets) {
            (true, Some(secrets)) => {
                let who = name.clone();
                self.store
                    .run(move |s| {
                        Ok(crate::staff::check_code(
                            s,
                            &who,
                            &secrets,
                            code.as_deref(),
                            true,
                            now,
                        ))
                    })
                    .await?
            }
            _ => Err(StaffError::BadCredentials),
        };
        let role = match checked {
            Ok(role) => role,
            Err(StaffError::Store(e)) => return Err(e.into()),
            Err(e) => {
                let code = match e {
                    StaffError::CodeRequired => "code_required",
                    StaffError::BadCode => "bad_code",
                    _ => "bad_credentials",
                };
                let refusal = StaffRefusal::unauthorized(code, e.to_string());
                return Err(self.refused(&ip, &name, refusal, now).await);
            }
        };
        let selector = hex::encode(rand::random::<[u8; 12]>());
        let verifier = hex::encode(rand::random::<[u8; 32]>());
        let expires_ms = now + SESSION_MS;
        let tag = hmac::sign(
            self.keys.session_mac(),
            &mac_input(&verifier, &name, expires_ms),
        );
        let session = StaffSession {
            selector: selector.clone(),
            name: name.clone(),
            verifier_mac: hex::encode(tag.as_ref()),
            source_ip: ip.clone(),
            created_ms: now,
            expires_ms,
        };
        self.store
            .run(move |s| s.insert_staff_session(&session))
            .await?;
        self.failures.clear(&ip);
        tracing::info!(
            peer = ip,
            staff = name,
            role = role.as_str(),
            "staff logged in"
        );
        Ok(SessionGrant {
            token: format!("{selector}.{verifier}"),
            name,
            role: role.as_str().to_owned(),
            expires_ms,
        })
    }

    /// The staff member of a console session token.
    pub async fn session(&self, peer: IpAddr, token: &str) -> Result<StaffMember, StaffRefusal> {
        let bad = |why: &str| {
            tracing::warn!(peer = %peer, reason = why, "staff request refused");
            StaffRefusal::unauthorized("bad_token", format!("{why}: log in again"))
        };
        let Some((selector, verifier)) = crate::session_token::split(token) else {
            return Err(bad("the session token is malformed"));
        };
        let sel = selector.to_owned();
        let Some((stored, role)) = self.store.run(move |s| s.staff_session(&sel)).await? else {
            return Err(bad("the session is unknown or ended"));
        };
        let ok = hex::decode(&stored.verifier_mac).is_ok_and(|tag| {
            hmac::verify(
                self.keys.session_mac(),
                &mac_input(verifier, &stored.name, stored.expires_ms),
                &tag,
            )
            .is_ok()
        });
        if !ok {
            return Err(bad("the session token is not valid"));
        }
        if stored.expires_ms <= now_ms() {
            return Err(bad("the session has expired"));
        }
        let role: Role = role
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("the role of {}", stored.name)))?;
        Ok(StaffMember {
            name: stored.name,
            role,
        })
    }

    /// Ends the session of `token` (a token that is not one is refused).
    pub async fn logout(&self, peer: IpAddr, token: &str) -> Result<(), StaffRefusal> {
        self.session(peer, token).await?;
        let selector = token.split('.').next().unwrap_or_default().to_owned();
        self.store
            .run(move |s| s.end_staff_session(&selector))
            .await?;
        Ok(())
    }

    /// Whether `password` is `name`'s, checked off the store's lock, a few
    /// at a time; with the account's secrets.
    async fn password(
        &self,
        name: &str,
        password: String,
    ) -> Result<(bool, Option<floorjudge_store::StaffSecrets>), StaffRefusal> {
        let who = name.to_owned();
        let secrets = self.store.run(move |s| s.staff_secrets(&who)).await?;
        let _slot = self
            .argon2
            .acquire()
            .await
            .map_err(|e| StoreError::Corrupt(format!("the password check stopped: {e}")))?;
        let checked = tokio::task::spawn_blocking(move || {
            (
                crate::staff::password_matches(secrets.as_ref(), &password),
                secrets,
            )
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("checking a password failed: {e}")))?;
        Ok(checked)
    }

    /// An HTTP Basic login (see the module docs).
    pub async fn basic(
        &self,
        peer: IpAddr,
        user: String,
        password: String,
    ) -> Result<StaffMember, StaffRefusal> {
        let key = basic_key(&user, &password);
        if let Some((member, at)) = self.basic.lock().expect("basic logins").get(&key)
            && at.elapsed() < BASIC_MEMORY
        {
            return Ok(member.clone());
        }
        let ip = peer.to_string();
        let now = now_ms();
        self.check_rate(&ip, &user, now)?;
        let checked = self.password(&user, password).await?;
        let (true, Some(secrets)) = checked else {
            let e = StaffRefusal::unauthorized("bad_credentials", "name or password is wrong");
            return Err(self.refused(&ip, &user, e, now).await);
        };
        let role: Role = secrets
            .role
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("the role of {user}")))?;
        if role.needs_totp() && secrets.totp_secret.is_some() {
            let e = StaffRefusal::unauthorized(
                "totp_account",
                "this account logs in with a TOTP code (the console); API clients use an analyst account",
            );
            return Err(self.refused(&ip, &user, e, now).await);
        }
        let member = StaffMember { name: user, role };
        self.basic
            .lock()
            .expect("basic logins")
            .insert(key, (member.clone(), Instant::now()));
        Ok(member)
    }
}
