//! The team role: a kiosk window over the team agent. The agent (session,
//! callback folder and server, jury client) lives here for the window's
//! life; the window asks through [`commands`] and hears through the events
//! of [`push`].

mod commands;
mod push;
mod views;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use floorjudge_team::{Agent, AgentConfig};
use tauri::{Manager, WebviewUrl, WebviewWindowBuilder};

use crate::cli::TeamArgs;

pub use views::{
    ContestView, JuryLink, KioskState, PendingSubmission, SubmitOutcome, TeamPush, UploadFile,
    WatchChange,
};

/// Label of the team window (its capability names it).
pub const WINDOW: &str = "team";

/// What the team window's commands share.
#[derive(Debug)]
pub struct Kiosk {
    agent: Arc<Agent>,
    args: TeamArgs,
    callback_addr: SocketAddr,
    downloads: PathBuf,
    /// The window may close (kiosk mode: only after the exit code).
    may_close: AtomicBool,
    /// References kept while the jury could not be reached, sent again by
    /// [`push::resend_kept`].
    kept: std::sync::Mutex<Vec<floorjudge_proto::team::SubmissionRef>>,
    watch: tokio::sync::Mutex<Option<tauri::async_runtime::JoinHandle<()>>>,
}

fn default_state_dir(args: &TeamArgs) -> PathBuf {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let who = args
        .source_ip
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "default".into());
    home.join(".local/state/floorjudge-team").join(who)
}

/// Opens the team window and runs until it closes.
pub fn run(args: TeamArgs) -> Result<()> {
    if !args.jury.starts_with("https://") && !args.jury.starts_with("http://") {
        anyhow::bail!("--jury {:?}: give the jury as https://HOST:PORT", args.jury);
    }
    if let Some(hash) = &args.exit_code_sha256
        && (hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        anyhow::bail!("--exit-code-sha256: 64 hex digits expected (sha256sum of the code)");
    }
    let state_dir = args
        .state_dir
        .clone()
        .unwrap_or_else(|| default_state_dir(&args));
    let downloads = args.downloads.clone().unwrap_or_else(|| {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."))
            .join("floorjudge-problems")
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("tokio runtime")?;
    tauri::async_runtime::set(runtime.handle().clone());
    let (agent, callback_addr) = runtime.block_on(async {
        let mut agent = Agent::new(AgentConfig {
            jury_url: args.jury.clone(),
            jury_fingerprint: args.jury_fingerprint,
            source_ip: args.source_ip,
            callback_port: args.callback_port,
            state_dir: state_dir.clone(),
        })
        .with_context(|| format!("team state in {}", state_dir.display()))?;
        let addr = agent
            .serve_callbacks()
            .await
            .context("the callback file server")?;
        anyhow::Ok((Arc::new(agent), addr))
    })?;
    tracing::info!(%callback_addr, state = %state_dir.display(), "kiosk agent ready");
    let kiosk = Arc::new(Kiosk {
        agent,
        may_close: AtomicBool::new(!args.kiosk),
        args: args.clone(),
        callback_addr,
        downloads,
        kept: Default::default(),
        watch: Default::default(),
    });

    let app = tauri::Builder::default()
        .manage(kiosk.clone())
        .invoke_handler(commands::handler())
        .setup(move |app| {
            let mut window =
                WebviewWindowBuilder::new(app, WINDOW, WebviewUrl::App("index.html".into()))
                    .title("floorjudge — team")
                    .inner_size(1280.0, 720.0)
                    .min_inner_size(960.0, 600.0)
                    // the page takes dropped files itself (HTML drag and drop)
                    .disable_drag_drop_handler();
            if args.kiosk {
                window = window
                    .fullscreen(true)
                    .decorations(false)
                    .always_on_top(true)
                    .closable(false)
                    .minimizable(false);
            }
            let window = window.build()?;
            if !args.gpu_compositing {
                crate::webview::without_compositing(&window)?;
            }
            push::start(
                app.handle().clone(),
                app.state::<Arc<Kiosk>>().inner().clone(),
            );
            Ok(())
        })
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                let kiosk = window.state::<Arc<Kiosk>>();
                if !kiosk.may_close.load(Ordering::SeqCst) {
                    tracing::warn!("kiosk: a close without the exit code was refused");
                    api.prevent_close();
                }
            }
        })
        .build(tauri::generate_context!())
        .context("the window")?;
    app.run(|_, _| {});
    Ok(())
}
