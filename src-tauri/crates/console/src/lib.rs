//! The jury console's client: a staff member's connection to a jury server
//! (`/api/staff`), over TLS pinned to the jury's certificate. No window code:
//! the app's console commands are thin adapters over [`StaffClient`].

use std::time::Duration;

use floorjudge_proto::staff::{SessionGrant, StaffApiError, StaffLogin};
use floorjudge_tls::{Fingerprint, TlsError};
use serde::de::DeserializeOwned;

/// Why a console request failed.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The jury refused, with its stable code (`bad_code`, `bad_credentials`, …).
    #[error("{message}")]
    Refused {
        /// The jury's `error`.
        code: String,
        /// The jury's words.
        message: String,
    },
    /// The jury did not answer.
    #[error("the jury at {url} cannot be reached: {reason}")]
    Unreachable {
        /// Its URL.
        url: String,
        /// What the connection said.
        reason: String,
    },
    /// The jury answered something that is not the staff API.
    #[error("the jury's answer made no sense: {0}")]
    Protocol(String),
    /// The URL or the pin is unusable.
    #[error(transparent)]
    Tls(#[from] TlsError),
}

/// One staff member's client of one jury.
#[derive(Debug, Clone)]
pub struct StaffClient {
    http: reqwest::Client,
    base: String,
}

impl StaffClient {
    /// A client of the jury at `url` (`https://HOST:PORT`), whose certificate
    /// must have the fingerprint `pin`.
    pub fn new(url: &str, pin: Option<Fingerprint>) -> Result<Self, ConsoleError> {
        let builder = floorjudge_tls::http_client_builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30));
        let http = floorjudge_tls::for_jury(builder, url, pin, None)?
            .build()
            .map_err(|e| ConsoleError::Protocol(format!("HTTP client: {e}")))?;
        Ok(StaffClient {
            http,
            base: url.trim_end_matches('/').to_owned(),
        })
    }

    /// The jury's URL.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// Logs in; `code` is the authenticator's (or a recovery) code when the
    /// account has one.
    pub async fn login(
        &self,
        name: &str,
        password: &str,
        code: Option<&str>,
    ) -> Result<SessionGrant, ConsoleError> {
        let body = StaffLogin {
            name: name.to_owned(),
            password: password.to_owned(),
            code: code.map(str::to_owned),
        };
        let request = self
            .http
            .post(format!("{}/api/staff/login", self.base))
            .json(&body);
        self.answer(request).await
    }

    /// Ends the session of `token` on the jury.
    pub async fn logout(&self, token: &str) -> Result<(), ConsoleError> {
        let request = self
            .http
            .post(format!("{}/api/staff/logout", self.base))
            .bearer_auth(token);
        let response = request.send().await.map_err(|e| self.unreachable(e))?;
        if response.status().is_success() {
            return Ok(());
        }
        Err(Self::refusal(response).await)
    }

    async fn answer<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ConsoleError> {
        let response = request.send().await.map_err(|e| self.unreachable(e))?;
        if !response.status().is_success() {
            return Err(Self::refusal(response).await);
        }
        response
            .json()
            .await
            .map_err(|e| ConsoleError::Protocol(e.to_string()))
    }

    fn unreachable(&self, e: reqwest::Error) -> ConsoleError {
        ConsoleError::Unreachable {
            url: self.base.clone(),
            reason: e.to_string(),
        }
    }

    async fn refusal(response: reqwest::Response) -> ConsoleError {
        let status = response.status();
        match response.json::<StaffApiError>().await {
            Ok(e) => ConsoleError::Refused {
                code: e.error,
                message: e.message,
            },
            Err(_) => ConsoleError::Protocol(format!("HTTP {status} without a staff API error")),
        }
    }
}
