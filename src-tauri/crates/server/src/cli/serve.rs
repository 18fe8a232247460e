//! `serve`: the jury server until SIGINT or SIGTERM (or, with
//! `--stop-on-stdin-eof`, the end of standard input).

use std::io::Write;

use anyhow::{Context, Result};
use clap::Args;
use floorjudge_server::ContestDir;

/// Settings of the jury server.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Time allowed to receive one file from a kiosk, in ms.
    #[arg(long, default_value_t = 5000, value_name = "MS")]
    callback_timeout_ms: u64,
    /// Callback attempts before a submission is rejected as unreachable.
    #[arg(long, default_value_t = 6, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    callback_attempts: u32,
    /// Wait before the second attempt, doubled for each further one, in ms.
    #[arg(long, default_value_t = 500, value_name = "MS")]
    callback_backoff_ms: u64,
    /// How long a submit call waits for its callback before answering
    /// "pending", in ms.
    #[arg(long, default_value_t = 10_000, value_name = "MS")]
    submit_wait_ms: u64,
    /// Do not start the embedded judgehost (judge only with
    /// `floorjudge-judgehost run` daemons).
    #[arg(long)]
    no_embedded_judgehost: bool,
    /// How long a judging lease lasts past the judgehost's last request;
    /// a dead judgehost's job returns to the queue after this, in ms.
    #[arg(long, default_value_t = 30_000, value_name = "MS", value_parser = clap::value_parser!(i64).range(1000..=3_600_000))]
    lease_ms: i64,
    /// Submission references one team may send per minute; more are refused
    /// (HTTP 429 with Retry-After).
    #[arg(long, default_value_t = floorjudge_server::team_desk::SUBMITS_PER_MINUTE, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    submits_per_minute: usize,
    /// Serve plain HTTP instead of TLS. Development only: every team's
    /// source code and every testcase then cross the network readable.
    #[arg(long)]
    plain_http: bool,
    /// Connections held open at once; more are closed at once.
    #[arg(long, default_value_t = 4096, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(16..=1_000_000))]
    max_connections: usize,
    /// Connections held open at once from one address.
    #[arg(long, default_value_t = 64, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(2..=100_000))]
    max_connections_per_address: usize,
    /// Time a client has to send a request's head (from connecting, or from
    /// the previous answer on a kept-alive connection), in ms.
    #[arg(long, default_value_t = 30_000, value_name = "MS", value_parser = clap::value_parser!(u64).range(200..=600_000))]
    header_timeout_ms: u64,
    /// A connection with no byte either way for this long is closed, in ms
    /// (keep it above the judgehosts' 20 s long poll).
    #[arg(long, default_value_t = 60_000, value_name = "MS", value_parser = clap::value_parser!(u64).range(200..=3_600_000))]
    idle_timeout_ms: u64,
    /// Stop (cleanly, as on SIGTERM) when standard input ends: a parent
    /// such as the jury console window holds the other end, so the server
    /// stops with it however it ends.
    #[arg(long)]
    pub stop_on_stdin_eof: bool,
}

impl ServeArgs {
    /// The server options these flags give.
    pub fn options(&self) -> floorjudge_server::serve::ServeOptions {
        use std::time::Duration;
        floorjudge_server::serve::ServeOptions {
            callback: floorjudge_server::callback_fetcher::CallbackConfig {
                file_timeout: Duration::from_millis(self.callback_timeout_ms),
                max_attempts: self.callback_attempts,
                first_backoff: Duration::from_millis(self.callback_backoff_ms),
                ..Default::default()
            },
            submit_wait: Some(Duration::from_millis(self.submit_wait_ms)),
            no_embedded_judgehost: self.no_embedded_judgehost,
            lease_ms: Some(self.lease_ms),
            plain_http: self.plain_http,
            submits_per_minute: Some(self.submits_per_minute),
            connections: floorjudge_tls::ConnectionLimits {
                total: self.max_connections,
                per_address: self.max_connections_per_address,
                header_read: Duration::from_millis(self.header_timeout_ms),
                idle: Duration::from_millis(self.idle_timeout_ms),
                ..floorjudge_tls::ConnectionLimits::jury()
            },
        }
    }
}

/// Serves the contest in `dir` on `listen`.
pub fn serve(
    dir: &ContestDir,
    listen: std::net::SocketAddr,
    options: floorjudge_server::serve::ServeOptions,
    stop_on_stdin_eof: bool,
) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let plain = options.plain_http;
    runtime.block_on(async {
        let server = floorjudge_server::serve::JuryServer::bind(dir, listen, options)
            .await
            .with_context(|| {
                format!("cannot start the jury server for {}", dir.root().display())
            })?;
        let addr = server.local_addr()?;
        let scheme = if plain { "http" } else { "https" };
        say!(
            "floorjudge jury listening on {scheme}://{addr} certificate {}",
            server.fingerprint()
        );
        std::io::stdout().flush()?;
        server
            .run(shutdown_signal(stop_on_stdin_eof))
            .await
            .context("the jury server failed")?;
        tracing::info!("jury server stopped");
        Ok(())
    })
}

async fn shutdown_signal(stop_on_stdin_eof: bool) {
    let stdin_ended = async move {
        if !stop_on_stdin_eof {
            return std::future::pending().await;
        }
        let _ = tokio::task::spawn_blocking(|| {
            let mut sink = [0u8; 256];
            let mut stdin = std::io::stdin().lock();
            while std::io::Read::read(&mut stdin, &mut sink).is_ok_and(|n| n > 0) {}
        })
        .await;
        tracing::info!("standard input ended: stopping");
    };
    tokio::select! {
        _ = stdin_ended => {}
        _ = signals() => {}
    }
}

async fn signals() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => return ctrl_c.await.unwrap_or(()),
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await.unwrap_or(());
}
