//! HTTP client of the team API, bound to the workstation's source address.

use std::net::IpAddr;
use std::time::Duration;

use floorjudge_proto::team::{
    ApiError, ClarificationInfo, ClarificationRequest, ContestInfo, LoginRequest, PairingCode,
    ProblemMaterial, Session, SubmissionRef, SubmissionStatus,
};
use floorjudge_tls::{Fingerprint, Identity};
use serde::de::DeserializeOwned;
use thiserror::Error;

/// A team API call failed.
#[derive(Debug, Error)]
pub enum ClientError {
    /// The jury answered with a refusal.
    #[error("the jury refused: {} ({})", .error.message, .error.error)]
    Refused {
        /// HTTP status.
        status: u16,
        /// The jury's reason.
        error: ApiError,
    },
    /// The client could not be set up (a bad URL or missing fingerprint).
    #[error("{0}")]
    Setup(String),
    /// The jury could not be reached or answered nonsense.
    #[error("cannot reach the jury at {url}: {reason}")]
    Transport {
        /// The URL called.
        url: String,
        /// Why.
        reason: String,
    },
}

impl ClientError {
    /// The jury's error code, if it refused.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Refused { error, .. } => Some(&error.error),
            ClientError::Transport { .. } | ClientError::Setup(_) => None,
        }
    }
}

/// The team API client.
#[derive(Debug, Clone)]
pub struct JuryClient {
    base: String,
    http: reqwest::Client,
}

/// The one constructor of kiosk → jury HTTP clients: TLS to the
/// certificate `pin` for an `https://` jury, presenting the kiosk's key
/// `kiosk` as client certificate; plain only for `http://` (a jury started
/// with `--plain-http`).
pub fn jury_http_client(
    base: &str,
    pin: Option<Fingerprint>,
    source_ip: Option<IpAddr>,
    kiosk: Option<&Identity>,
) -> Result<reqwest::Client, ClientError> {
    let builder = floorjudge_tls::http_client_builder()
        .local_address(source_ip)
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy();
    let builder = floorjudge_tls::for_jury(builder, base, pin, kiosk)
        .map_err(|e| ClientError::Setup(e.to_string()))?;
    builder
        .build()
        .map_err(|e| ClientError::Setup(format!("HTTP client: {e}")))
}

/// The jury's refusal in an error answer (its `{error, message}` body, or
/// the start of whatever it sent).
fn refusal(status: u16, body: &[u8]) -> ClientError {
    let error = serde_json::from_slice::<ApiError>(body).unwrap_or_else(|_| ApiError {
        error: format!("http_{status}"),
        message: String::from_utf8_lossy(body).chars().take(300).collect(),
    });
    ClientError::Refused { status, error }
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

impl JuryClient {
    /// A client of the jury at `base` (`https://host:port`) whose
    /// certificate has the fingerprint `pin`, connecting from `source_ip` if
    /// given and proving the kiosk key `kiosk` if given.
    pub fn new(
        base: &str,
        pin: Option<Fingerprint>,
        source_ip: Option<IpAddr>,
        kiosk: Option<&Identity>,
    ) -> Result<Self, ClientError> {
        Ok(JuryClient {
            base: base.trim_end_matches('/').to_owned(),
            http: jury_http_client(base, pin, source_ip, kiosk)?,
        })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&impl serde::Serialize>,
    ) -> Result<T, ClientError> {
        let url = format!("{}{path}", self.base);
        let transport = |reason: String| ClientError::Transport {
            url: url.clone(),
            reason,
        };
        let mut req = self.http.request(method, &url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(|e| transport(chain(&e)))?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(|e| transport(chain(&e)))?;
        if (200..300).contains(&status) {
            serde_json::from_slice(&bytes).map_err(|e| transport(format!("unreadable answer: {e}")))
        } else {
            Err(refusal(status, &bytes))
        }
    }

    /// Identification by address.
    pub async fn identify(&self) -> Result<Session, ClientError> {
        self.call(
            reqwest::Method::POST,
            "/api/team/identify",
            None,
            None::<&()>,
        )
        .await
    }

    /// Password login.
    pub async fn login(&self, team: &str, password: &str) -> Result<Session, ClientError> {
        let body = LoginRequest {
            team: team.to_owned(),
            password: password.to_owned(),
        };
        self.call(reqwest::Method::POST, "/api/team/login", None, Some(&body))
            .await
    }

    /// Asks for a pairing code.
    pub async fn request_pairing(&self) -> Result<PairingCode, ClientError> {
        self.call(
            reqwest::Method::POST,
            "/api/team/pairing",
            None,
            None::<&()>,
        )
        .await
    }

    /// Problems, languages, clock.
    pub async fn contest(&self, token: &str) -> Result<ContestInfo, ClientError> {
        self.call(
            reqwest::Method::GET,
            "/api/team/contest",
            Some(token),
            None::<&()>,
        )
        .await
    }

    /// The scoreboard as teams see it.
    pub async fn scoreboard(
        &self,
        token: &str,
    ) -> Result<floorjudge_proto::team::TeamScoreboard, ClientError> {
        self.call(
            reqwest::Method::GET,
            "/api/team/scoreboard",
            Some(token),
            None::<&()>,
        )
        .await
    }

    /// Sends a submission reference.
    pub async fn submit(
        &self,
        token: &str,
        reference: &SubmissionRef,
    ) -> Result<SubmissionStatus, ClientError> {
        self.call(
            reqwest::Method::POST,
            "/api/team/submissions",
            Some(token),
            Some(reference),
        )
        .await
    }

    /// The team's submissions.
    pub async fn submissions(&self, token: &str) -> Result<Vec<SubmissionStatus>, ClientError> {
        self.call(
            reqwest::Method::GET,
            "/api/team/submissions",
            Some(token),
            None::<&()>,
        )
        .await
    }

    /// One submission.
    pub async fn submission(&self, token: &str, id: i64) -> Result<SubmissionStatus, ClientError> {
        self.call(
            reqwest::Method::GET,
            &format!("/api/team/submissions/{id}"),
            Some(token),
            None::<&()>,
        )
        .await
    }

    /// Asks the jury.
    pub async fn ask(
        &self,
        token: &str,
        req: &ClarificationRequest,
    ) -> Result<ClarificationInfo, ClientError> {
        self.call(
            reqwest::Method::POST,
            "/api/team/clarifications",
            Some(token),
            Some(req),
        )
        .await
    }

    /// The clarifications the team may read.
    pub async fn clarifications(&self, token: &str) -> Result<Vec<ClarificationInfo>, ClientError> {
        self.call(
            reqwest::Method::GET,
            "/api/team/clarifications",
            Some(token),
            None::<&()>,
        )
        .await
    }

    /// A problem's statement files and samples.
    pub async fn problem(&self, token: &str, key: &str) -> Result<ProblemMaterial, ClientError> {
        let path = format!("/api/team/problems/{}", encode_segment(key));
        self.call(reqwest::Method::GET, &path, Some(token), None::<&()>)
            .await
    }

    /// The bytes of a problem file: `segments` after `/api/team/problems/`
    /// (each encoded here).
    pub async fn problem_file(
        &self,
        token: &str,
        segments: &[&str],
    ) -> Result<Vec<u8>, ClientError> {
        let path: Vec<String> = segments.iter().map(|s| encode_segment(s)).collect();
        let url = format!("{}/api/team/problems/{}", self.base, path.join("/"));
        let transport = |reason: String| ClientError::Transport {
            url: url.clone(),
            reason,
        };
        let resp = self
            .http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| transport(chain(&e)))?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(|e| transport(chain(&e)))?;
        if (200..300).contains(&status) {
            Ok(bytes.to_vec())
        } else {
            Err(refusal(status, &bytes))
        }
    }

    /// Opens the team's event stream (server-sent events) after event
    /// `after` (`None`: from now on); read it with [`EventStream::next`].
    pub async fn events(
        &self,
        token: &str,
        after: Option<i64>,
    ) -> Result<EventStream, ClientError> {
        let url = format!("{}/api/team/events", self.base);
        let mut req = self
            .http
            .get(&url)
            .bearer_auth(token)
            .header("accept", "text/event-stream")
            // a stream lasts as long as the jury keeps it: no overall limit
            .timeout(Duration::from_secs(7 * 24 * 3600));
        if let Some(a) = after {
            req = req.header("last-event-id", a.to_string());
        }
        let resp = req.send().await.map_err(|e| ClientError::Transport {
            url: url.clone(),
            reason: chain(&e),
        })?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            let bytes = resp.bytes().await.unwrap_or_default();
            return Err(refusal(status, &bytes));
        }
        Ok(EventStream {
            resp,
            buf: Vec::new(),
            url,
        })
    }
}

/// One server-sent event from the jury.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ServerEvent {
    /// Its id (what a reconnect resumes after).
    pub id: Option<i64>,
    /// Its kind (`submission`, `clarification`, `contest`).
    pub kind: String,
    /// Its data, as JSON.
    pub data: serde_json::Value,
}

/// An open event stream.
#[derive(Debug)]
pub struct EventStream {
    resp: reqwest::Response,
    buf: Vec<u8>,
    url: String,
}

/// Longest line of an event stream we hold (a line is one event's data).
const MAX_EVENT_LINE: usize = 4 * 1024 * 1024;

impl EventStream {
    /// The next event; `Ok(None)` when the jury closed the stream.
    pub async fn next(&mut self) -> Result<Option<ServerEvent>, ClientError> {
        let (mut id, mut kind, mut data) = (None, String::from("message"), String::new());
        loop {
            while let Some(nl) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=nl).collect();
                let line = String::from_utf8_lossy(&line);
                let line = line.trim_end_matches(['\n', '\r']);
                if line.is_empty() {
                    if data.is_empty() {
                        continue;
                    }
                    let value =
                        serde_json::from_str(&data).unwrap_or(serde_json::Value::String(data));
                    return Ok(Some(ServerEvent {
                        id,
                        kind,
                        data: value,
                    }));
                }
                let (field, value) = line.split_once(':').unwrap_or((line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value);
                match field {
                    "id" => id = value.parse().ok(),
                    "event" => kind = value.to_owned(),
                    "data" => {
                        if !data.is_empty() {
                            data.push('\n');
                        }
                        data.push_str(value);
                    }
                    _ => {} // comments (keep-alives) and unknown fields
                }
            }
            if self.buf.len() > MAX_EVENT_LINE {
                return Err(ClientError::Transport {
                    url: self.url.clone(),
                    reason: format!("an event line over {MAX_EVENT_LINE} bytes"),
                });
            }
            match self.resp.chunk().await {
                Ok(Some(bytes)) => self.buf.extend_from_slice(&bytes),
                Ok(None) => return Ok(None),
                Err(e) => {
                    return Err(ClientError::Transport {
                        url: self.url.clone(),
                        reason: chain(&e),
                    });
                }
            }
        }
    }
}

/// Percent-encodes one URL path segment (everything but unreserved
/// characters; a `/` inside a name is encoded too).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
