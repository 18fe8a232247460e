//! The jury server: the team API, the callback fetcher and (later) the judge
//! queue, on one listening socket.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use thiserror::Error;

use crate::callback_fetcher::{CallbackConfig, CallbackFetcher};
use crate::keys::{JuryKeys, KeyError};
use crate::shared_store::SharedStore;
use crate::team_access::TeamDesk;
use crate::{ContestDir, ContestDirError};

/// Settings of a running jury server.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Callback timing.
    pub callback: CallbackConfig,
    /// How long a submit call waits for its callback (default 10 s).
    pub submit_wait: Option<Duration>,
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
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
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
#[derive(Debug)]
pub struct JuryServer {
    listener: tokio::net::TcpListener,
    router: Router,
    fetcher: Arc<CallbackFetcher>,
}

impl JuryServer {
    /// Opens the contest and binds `listen`.
    pub async fn bind(
        dir: &ContestDir,
        listen: SocketAddr,
        options: ServeOptions,
    ) -> Result<Self, ServeError> {
        let store = SharedStore::new(dir.open()?);
        let keys = Arc::new(JuryKeys::load_or_create(dir.root())?);
        std::fs::create_dir_all(dir.uploads())?;
        let fetcher = CallbackFetcher::new(
            store.clone(),
            keys.clone(),
            dir.uploads(),
            options.callback.clone(),
        );
        let mut desk = TeamDesk::new(store.clone(), keys.clone(), fetcher.clone());
        if let Some(wait) = options.submit_wait {
            desk.set_submit_wait(wait);
        }
        let router = crate::team_api::router(Arc::new(desk));
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| ServeError::Listen {
                addr: listen,
                source,
            })?;
        Ok(JuryServer {
            listener,
            router,
            fetcher,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Resumes pending callbacks and serves until `shutdown` completes.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        self.fetcher.resume_pending().await?;
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        Ok(())
    }
}
