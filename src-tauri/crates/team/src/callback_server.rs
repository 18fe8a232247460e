//! The callback file server: answers the jury's signed requests for files in
//! the callback folder, and deletes an entry when the jury acknowledges it.
//!
//! Only `GET /callback/<name>/<file>` and `DELETE /callback/<name>` exist.
//! Each must carry a date within ten minutes and the jury's Ed25519 signature
//! over method, the address the request arrived at, path and date; a
//! signature is accepted once. Everything else is refused and logged. It
//! speaks TLS with the kiosk's own key, which the jury pins.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};

use bytes::Bytes;
use floorjudge_proto::callback::{
    DATE_HEADER, MAX_CLOCK_SKEW_MS, SIGNATURE_HEADER, signed_message, validate_callback_name,
    validate_file_name,
};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use ring::signature::{ED25519, UnparsedPublicKey};
use tokio::net::TcpListener;
use tokio::sync::broadcast;

use floorjudge_tls::{ConnectionLimits, Identity, Peer};

use crate::callback_dir::CallbackDir;

/// The callback server could not start.
#[derive(Debug, thiserror::Error)]
pub enum CallbackServerError {
    /// The address could not be bound.
    #[error("{0}")]
    Bind(std::io::Error),
    /// The kiosk's TLS key is unusable.
    #[error(transparent)]
    Tls(floorjudge_tls::TlsError),
}

/// State shared by the connections of one callback server.
#[derive(Debug)]
struct Shared {
    dir: CallbackDir,
    jury_key: RwLock<Option<Vec<u8>>>,
    /// Signatures accepted recently, as decoded bytes (so another spelling
    /// of the same hex is the same signature).
    seen: Mutex<HashMap<Vec<u8>, i64>>,
    acknowledged: broadcast::Sender<String>,
}

/// A running callback server.
#[derive(Debug, Clone)]
pub struct CallbackServer {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
}

impl CallbackServer {
    /// Binds `addr` and serves `dir` in the background: over TLS with the
    /// kiosk's key `tls` (the jury pins it), plain HTTP without (for a
    /// `--plain-http` jury only).
    pub async fn start(
        addr: SocketAddr,
        dir: CallbackDir,
        tls: Option<&Identity>,
    ) -> Result<CallbackServer, CallbackServerError> {
        let acceptor = tls
            .map(|id| id.acceptor(false))
            .transpose()
            .map_err(CallbackServerError::Tls)?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(CallbackServerError::Bind)?;
        let local_addr = listener.local_addr().map_err(CallbackServerError::Bind)?;
        let shared = Arc::new(Shared {
            dir,
            jury_key: RwLock::new(None),
            seen: Mutex::new(HashMap::new()),
            acknowledged: broadcast::channel(256).0,
        });
        let accept_shared = shared.clone();
        let per_connection = move |peer: Peer| {
            let shared = accept_shared.clone();
            hyper::service::service_fn(move |req| {
                let shared = shared.clone();
                async move { Ok::<_, Infallible>(handle(&shared, peer.addr, peer.local, req)) }
            })
        };
        tokio::spawn(async move {
            let served = floorjudge_tls::serve(
                listener,
                acceptor,
                ConnectionLimits::kiosk(),
                per_connection,
                std::future::pending(),
            )
            .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "the callback server stopped");
            }
        });
        Ok(CallbackServer { shared, local_addr })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Sets the jury's public key (hex) that requests must be signed with.
    pub fn set_jury_key(&self, key_hex: &str) -> Result<(), hex::FromHexError> {
        let key = hex::decode(key_hex)?;
        *self
            .shared
            .jury_key
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some(key);
        Ok(())
    }

    /// Subscribes to the names the jury acknowledges (and that were deleted).
    pub fn acknowledgements(&self) -> broadcast::Receiver<String> {
        self.shared.acknowledged.subscribe()
    }
}

fn reply(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = status;
    r
}

fn handle(
    shared: &Shared,
    peer: SocketAddr,
    local: SocketAddr,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    let refuse = |status, why: &str| {
        let shown: String = path.chars().take(120).collect();
        tracing::warn!(%peer, path = %shown, reason = why, "callback request refused");
        reply(status, "refused\n")
    };
    if req.uri().query().is_some() {
        return refuse(StatusCode::BAD_REQUEST, "query strings are not used");
    }
    if let Err(why) = verify(shared, req.method(), local, &path, req.headers()) {
        return refuse(StatusCode::UNAUTHORIZED, why);
    }
    let Some(rest) = path.strip_prefix("/callback/") else {
        return refuse(StatusCode::NOT_FOUND, "unknown path");
    };
    let parts: Vec<&str> = rest.split('/').collect();
    match (req.method(), parts.as_slice()) {
        (&Method::GET, [name, file]) => {
            if validate_callback_name(name).is_err() || validate_file_name(file).is_err() {
                return refuse(StatusCode::NOT_FOUND, "malformed name");
            }
            match shared.dir.read(name, file) {
                Some(data) => {
                    tracing::info!(%peer, callback = name, file, "callback file served");
                    Response::new(Full::new(Bytes::from(data)))
                }
                None => refuse(StatusCode::NOT_FOUND, "no such callback file"),
            }
        }
        (&Method::DELETE, [name]) => {
            if shared.dir.remove(name) {
                tracing::info!(%peer, callback = name, "acknowledged by the jury; deleted");
                let _ = shared.acknowledged.send((*name).to_owned());
                reply(StatusCode::NO_CONTENT, "")
            } else {
                refuse(StatusCode::NOT_FOUND, "no such callback name")
            }
        }
        _ => refuse(StatusCode::NOT_FOUND, "unknown method or path"),
    }
}

fn verify(
    shared: &Shared,
    method: &Method,
    local: SocketAddr,
    path: &str,
    headers: &hyper::HeaderMap,
) -> Result<(), &'static str> {
    let key = shared
        .jury_key
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .ok_or("no jury key yet: the kiosk has not identified")?;
    let date = headers
        .get(DATE_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or("no date header")?;
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or("no signature header")?;
    let when = chrono::DateTime::parse_from_rfc3339(date)
        .map_err(|_| "unreadable date")?
        .timestamp_millis();
    let now = chrono::Utc::now().timestamp_millis();
    if (now - when).abs() > MAX_CLOCK_SKEW_MS {
        return Err("date more than 10 minutes off");
    }
    let sig = hex::decode(signature).map_err(|_| "malformed signature")?;
    let message = signed_message(method.as_str(), &local.to_string(), path, date);
    UnparsedPublicKey::new(&ED25519, &key)
        .verify(&message, &sig)
        .map_err(|_| "bad signature")?;
    let mut seen = shared.seen.lock().unwrap_or_else(|e| e.into_inner());
    seen.retain(|_, t| *t > now - 2 * MAX_CLOCK_SKEW_MS);
    if seen.insert(sig, when).is_some() {
        return Err("replayed request");
    }
    Ok(())
}
