//! Staff accounts in the jury core: roles, argon2id passwords (the teams'
//! policy), TOTP (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits, one step of
//! clock drift either way, each code accepted once) with single-use
//! recovery codes, and the login check every adapter uses.

use std::fmt;
use std::str::FromStr;

use floorjudge_store::{StaffAccount, StaffSecrets, Store, StoreError};
use sha2::{Digest, Sha256};

use crate::passwords;

/// What a staff member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Everything, setup included.
    Admin,
    /// Judging: submissions, rejudges, clarifications, teams.
    Jury,
    /// The balloon list.
    Balloon,
    /// Read-only (ICPC tools and analysts).
    Analyst,
}

impl Role {
    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Jury => "jury",
            Role::Balloon => "balloon",
            Role::Analyst => "analyst",
        }
    }

    /// Whether an interactive login of this role needs the TOTP code once
    /// one is enrolled.
    pub fn needs_totp(self) -> bool {
        matches!(self, Role::Admin | Role::Jury)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = StaffError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Role::Admin),
            "jury" => Ok(Role::Jury),
            "balloon" => Ok(Role::Balloon),
            "analyst" => Ok(Role::Analyst),
            other => Err(StaffError::Refused(format!(
                "{:?} is not a role: admin, jury, balloon or analyst",
                other.chars().take(40).collect::<String>()
            ))),
        }
    }
}

/// Why a staff operation or login was refused.
#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    /// Bad input, with the reason.
    #[error("{0}")]
    Refused(String),
    /// Unknown name or wrong password (the same answer for both).
    #[error("name or password is wrong")]
    BadCredentials,
    /// The account has TOTP and no code was given.
    #[error("this account needs its authenticator code (TOTP) or a recovery code")]
    CodeRequired,
    /// The code is wrong, expired or already used.
    #[error("the authenticator code is wrong, expired or already used")]
    BadCode,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// TOTP time step length, seconds.
pub const TOTP_STEP_S: i64 = 30;
/// Recovery codes made at enrolment.
pub const RECOVERY_CODES: usize = 10;

/// The 6-digit TOTP code of `secret` at time step `step` (RFC 6238 with
/// HMAC-SHA1, RFC 4226's dynamic truncation).
pub fn totp_code(secret: &[u8], step: u64) -> u32 {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let mac = ring::hmac::sign(&key, &step.to_be_bytes());
    let h = mac.as_ref();
    let offset = (h[h.len() - 1] & 0x0f) as usize;
    let bin = u32::from_be_bytes([
        h[offset] & 0x7f,
        h[offset + 1],
        h[offset + 2],
        h[offset + 3],
    ]);
    bin % 1_000_000
}

fn check_name(name: &str) -> Result<(), StaffError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(StaffError::Refused(format!(
            "{:?}: a staff name is 1 to 64 letters, digits, dots, dashes or underscores",
            name.chars().take(70).collect::<String>()
        )))
    }
}

/// Adds a staff account with `password` (the teams' password policy).
pub fn add(
    store: &mut Store,
    name: &str,
    role: Role,
    password: &str,
    actor: &str,
) -> Result<(), StaffError> {
    check_name(name)?;
    passwords::check_policy(password, &[name]).map_err(|e| StaffError::Refused(e.to_string()))?;
    let hash = passwords::hash(password).map_err(|e| StaffError::Refused(e.to_string()))?;
    store.add_staff(name, role.as_str(), &hash, actor)?;
    Ok(())
}

/// A fresh enrolment, shown once.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Enrolment {
    /// The secret, base32 (what an authenticator app takes by hand).
    pub secret: String,
    /// The `otpauth://` URI (what a QR code would hold).
    pub uri: String,
    /// Single-use recovery codes.
    pub recovery_codes: Vec<String>,
}

fn code_hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.trim().to_ascii_lowercase().as_bytes()))
}

/// Enrols a new TOTP authenticator for `name` (replacing any earlier one)
/// with fresh recovery codes.
pub fn enrol_totp(store: &mut Store, name: &str, actor: &str) -> Result<Enrolment, StaffError> {
    if store.staff_secrets(name)?.is_none() {
        return Err(StaffError::Refused(format!("no staff account {name}")));
    }
    let secret: [u8; 20] = rand::random();
    let b32 = data_encoding::BASE32_NOPAD.encode(&secret);
    let recovery_codes: Vec<String> = (0..RECOVERY_CODES).map(|_| passwords::generate()).collect();
    let hashes: Vec<String> = recovery_codes.iter().map(|c| code_hash(c)).collect();
    store.enrol_staff_totp(name, &b32, &hashes, actor)?;
    Ok(Enrolment {
        uri: format!(
            "otpauth://totp/floorjudge:{name}?secret={b32}&issuer=floorjudge&algorithm=SHA1&digits=6&period={TOTP_STEP_S}"
        ),
        secret: b32,
        recovery_codes,
    })
}

/// Checks a login: the password, and for an interactive login of a role
/// that needs it, the TOTP code of this moment (or a recovery code) once
/// enrolled. Returns the role.
pub fn login(
    store: &mut Store,
    name: &str,
    password: &str,
    code: Option<&str>,
    interactive: bool,
    now_ms: i64,
) -> Result<Role, StaffError> {
    let secrets = store.staff_secrets(name)?;
    if !password_matches(secrets.as_ref(), password) {
        return Err(StaffError::BadCredentials);
    }
    let secrets = secrets.ok_or(StaffError::BadCredentials)?;
    check_code(store, name, &secrets, code, interactive, now_ms)
}

/// Whether `password` is the account's (argon2id: slow on purpose, so
/// call it off the store's lock). An unknown account costs the same work.
pub fn password_matches(secrets: Option<&StaffSecrets>, password: &str) -> bool {
    let hash = secrets
        .map(|s| s.password_hash.as_str())
        .unwrap_or_else(|| dummy_hash());
    let ok = password.len() <= passwords::MAX_LEN && passwords::verify(password, hash);
    ok && secrets.is_some()
}

/// The second step of a login whose password matched: for an interactive
/// login of a role that needs it, the TOTP code of this moment (each step
/// once) or a recovery code (once), when an authenticator is enrolled.
/// Returns the role.
pub fn check_code(
    store: &mut Store,
    name: &str,
    secrets: &StaffSecrets,
    code: Option<&str>,
    interactive: bool,
    now_ms: i64,
) -> Result<Role, StaffError> {
    let role: Role = secrets.role.parse()?;
    let Some(secret) = secrets
        .totp_secret
        .as_ref()
        .filter(|_| interactive && role.needs_totp())
    else {
        return Ok(role);
    };
    let code = code
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or(StaffError::CodeRequired)?;
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        let key = data_encoding::BASE32_NOPAD
            .decode(secret.as_bytes())
            .map_err(|_| {
                StaffError::Store(StoreError::Corrupt(format!("the TOTP secret of {name}")))
            })?;
        let given: u32 = code.parse().map_err(|_| StaffError::BadCode)?;
        let now_step = now_ms.div_euclid(1000 * TOTP_STEP_S);
        for step in [now_step - 1, now_step, now_step + 1] {
            if step >= 0 && totp_code(&key, step as u64) == given {
                return if store.take_staff_totp_step(name, step)? {
                    Ok(role)
                } else {
                    Err(StaffError::BadCode)
                };
            }
        }
        return Err(StaffError::BadCode);
    }
    if store.use_staff_recovery_code(name, &code_hash(code))? {
        Ok(role)
    } else {
        Err(StaffError::BadCode)
    }
}

/// An argon2id hash of a random password, verified against when the name
/// is unknown (made once).
pub(crate) fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| passwords::hash(&passwords::generate()).unwrap_or_default())
}

/// The staff accounts.
pub fn list(store: &Store) -> Result<Vec<StaffAccount>, StaffError> {
    Ok(store.staff()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 rows (the last 6 of the 8 digits).
    #[test]
    fn totp_matches_the_rfc_6238_vectors() {
        let secret = b"12345678901234567890";
        for (t, code) in [
            (59u64, 287_082u32),
            (1_111_111_109, 81_804),
            (1_111_111_111, 50_471),
            (1_234_567_890, 5_924),
            (2_000_000_000, 279_037),
        ] {
            assert_eq!(totp_code(secret, t / 30), code, "T = {t}");
        }
    }

    #[test]
    fn roles_parse_and_say_what_they_need() {
        assert_eq!("jury".parse::<Role>().unwrap(), Role::Jury);
        assert!("root".parse::<Role>().is_err());
        assert!(Role::Admin.needs_totp() && !Role::Analyst.needs_totp());
    }
}
