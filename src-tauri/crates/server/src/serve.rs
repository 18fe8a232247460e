//! The jury server: the team API, the callback fetcher and (later) the judge
//! queue, on one listening socket.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use floorjudge_tls::{ConnectionLimits, Peer};
use thiserror::Error;

use crate::callback_fetcher::{CallbackConfig, CallbackFetcher};
use crate::keys::{JuryKeys, KeyError};
use crate::shared_store::SharedStore;
use crate::{ContestDir, ContestDirError};

/// Settings of a running jury server.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Callback timing.
    pub callback: CallbackConfig,
    /// How long a submit call waits for its callback (default 10 s).
    pub submit_wait: Option<Duration>,
    /// Do not start the embedded judgehost.
    pub no_embedded_judgehost: bool,
    /// How long a lease lasts past the judgehost's last request, ms
    /// (default 30 s).
    pub lease_ms: Option<i64>,
    /// Serve plain HTTP instead of TLS (development only: warned about at
    /// start and on every connection).
    pub plain_http: bool,
    /// Submission references one team may send per minute (default
    /// [`crate::team_desk::SUBMITS_PER_MINUTE`]).
    pub submits_per_minute: Option<usize>,
    /// Connection caps and timeouts of the listening socket.
    pub connections: ConnectionLimits,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            callback: CallbackConfig::default(),
            submit_wait: None,
            no_embedded_judgehost: false,
            lease_ms: None,
            plain_http: false,
            submits_per_minute: None,
            connections: ConnectionLimits::jury(),
        }
    }
}

/// The server could not start.
#[derive(Debug, Error)]
pub enum ServeError {
    /// The contest folder is unusable.
    #[error(transparent)]
    ContestDir(#[from] ContestDirError),
    /// The key file is unusable.
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// The TLS key or certificate is unusable.
    #[error(transparent)]
    Tls(#[from] floorjudge_tls::TlsError),
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The store failed while resuming.
    #[error(transparent)]
    Store(#[from] floorjudge_store::StoreError),
    /// Serving failed.
    #[error("server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// A jury bound to its socket, ready to serve.
pub struct JuryServer {
    listener: tokio::net::TcpListener,
    /// `None` with `--plain-http`.
    tls: Option<tokio_rustls::TlsAcceptor>,
    fingerprint: floorjudge_tls::Fingerprint,
    router: Router,
    fetcher: Arc<CallbackFetcher>,
    embedded: Option<(floorjudge_proto::judgehost::Credentials, std::path::PathBuf)>,
    connections: ConnectionLimits,
}

impl std::fmt::Debug for JuryServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JuryServer")
            .field("listener", &self.listener)
            .field("tls", &self.tls.is_some())
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl JuryServer {
    /// Opens the contest and binds `listen`.
    pub async fn bind(
        dir: &ContestDir,
        listen: SocketAddr,
        options: ServeOptions,
    ) -> Result<Self, ServeError> {
        let mut opened = dir.open()?;
        let keys = Arc::new(JuryKeys::load_or_create(dir.root())?);
        let identity = jury_tls_identity(dir)?;
        let fingerprint = identity.fingerprint();
        let tls = if options.plain_http {
            tracing::warn!(
                "serving plain HTTP (--plain-http): source code and testcases cross the network unencrypted; development only"
            );
            None
        } else {
            // kiosks present their own key as a client certificate
            Some(identity.acceptor(true)?)
        };
        let embedded = if options.no_embedded_judgehost {
            None
        } else {
            let creds = crate::judgehost_credentials::embedded(&mut opened, &keys)?;
            Some((creds, dir.root().join("judgehost-cache")))
        };
        let store = SharedStore::new(opened);
        std::fs::create_dir_all(dir.uploads())?;
        let jury = crate::jury::Jury::new(
            store,
            keys,
            dir.uploads(),
            crate::jury::JurySettings {
                callback: options.callback.clone(),
                submit_wait: options.submit_wait,
                submits_per_minute: options.submits_per_minute,
                lease_ms: options.lease_ms,
                jury_fingerprint: Some(fingerprint.to_string()),
            },
        );
        let router = jury.router(if options.plain_http { "http" } else { "https" });
        let fetcher = jury.fetcher.clone();
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| ServeError::Listen {
                addr: listen,
                source,
            })?;
        Ok(JuryServer {
            listener,
            tls,
            fingerprint,
            router,
            fetcher,
            embedded,
            connections: options.connections,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The fingerprint of the jury's TLS certificate (what clients pin).
    pub fn fingerprint(&self) -> floorjudge_tls::Fingerprint {
        self.fingerprint
    }

    /// Resumes pending callbacks and serves until `shutdown` completes.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        self.fetcher.resume_pending().await?;
        let addr = self.listener.local_addr()?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let judgehost = self.embedded.map(|(credentials, cache_dir)| {
            // the embedded judgehost speaks the same signed API over loopback
            let ip = if addr.ip().is_unspecified() {
                match addr {
                    SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                    SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
                }
            } else {
                addr.ip()
            };
            let scheme = if self.tls.is_some() { "https" } else { "http" };
            let config = floorjudge_judgehost::daemon::DaemonConfig {
                jury_url: format!("{scheme}://{}", SocketAddr::new(ip, addr.port())),
                jury_fingerprint: Some(self.fingerprint),
                credentials,
                cache_dir,
                lease_wait: Duration::from_secs(20),
                shutdown_grace: Duration::from_secs(10),
            };
            tokio::spawn(async move {
                if let Err(e) = floorjudge_judgehost::daemon::run(config, stopped).await {
                    tracing::error!(error = %e, "the embedded judgehost stopped");
                }
            })
        });
        let shutdown = async move {
            shutdown.await;
            let _ = stop.send(true);
        };
        let router = self.router;
        let per_connection = move |peer: Peer| {
            let router = router.clone();
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                crate::http::without_trailing_slash(&mut req);
                let mut router = router.clone();
                async move { tower_service::Service::call(&mut router, req).await }
            })
        };
        floorjudge_tls::serve(
            self.listener,
            self.tls,
            self.connections,
            per_connection,
            shutdown,
        )
        .await?;
        if let Some(j) = judgehost {
            let _ = tokio::time::timeout(Duration::from_secs(12), j).await;
        }
        Ok(())
    }
}

/// File stem of the jury's TLS key and certificate in the contest folder.
pub const JURY_TLS_STEM: &str = "jury-tls";

/// The jury's TLS key and certificate: made in the contest folder the first
/// time (key 0600), loaded afterwards; a key others may read is refused.
pub fn jury_tls_identity(dir: &ContestDir) -> Result<floorjudge_tls::Identity, ServeError> {
    Ok(floorjudge_tls::Identity::load_or_create(
        dir.root(),
        JURY_TLS_STEM,
        &["floorjudge-jury", "localhost"],
    )?)
}
