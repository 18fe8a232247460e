//! The staff contract: console logins under `/api/staff`.

use serde::{Deserialize, Serialize};

/// `POST /api/staff/login`: an account's name, password and, once an
/// authenticator is enrolled, its current code (or a recovery code).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffLogin {
    /// Account name.
    pub name: String,
    /// Password.
    pub password: String,
    /// TOTP or recovery code, when the account needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl std::fmt::Debug for StaffLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffLogin")
            .field("name", &self.name)
            .field("code", &self.code.as_ref().map(|_| "…"))
            .finish_non_exhaustive()
    }
}

/// A fresh console session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionGrant {
    /// `selector.verifier`, sent back as `Authorization: Bearer`.
    pub token: String,
    /// Account name.
    pub name: String,
    /// Its role: `admin`, `jury`, `balloon` or `analyst`.
    pub role: String,
    /// When the session ends, ms since the epoch.
    pub expires_ms: i64,
}

/// A refusal of the staff API: a stable `error` code and plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffApiError {
    /// `code_required`, `bad_code`, `bad_credentials`, `bad_token`,
    /// `rate_limited`, `bad_request`, …
    pub error: String,
    /// What went wrong.
    pub message: String,
}
