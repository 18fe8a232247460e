//! The jury role: the console window over a jury server. A staff member
//! logs in here; the bearer token stays in this process and never reaches
//! the page.

mod commands;
mod local;

use std::sync::Arc;

use anyhow::{Context, Result};
use floorjudge_console::StaffClient;
use floorjudge_proto::staff::SessionGrant;
use serde::Serialize;
use tauri::{WebviewUrl, WebviewWindowBuilder};

use crate::cli::JuryArgs;

/// Label of the console window (its capability names it).
pub const WINDOW: &str = "console";

/// What the console's commands share.
#[derive(Debug)]
pub struct Console {
    client: StaffClient,
    session: tokio::sync::Mutex<Option<SessionGrant>>,
}

/// The logged-in staff member, as the page sees it (no token).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct StaffMember {
    /// Account name.
    pub name: String,
    /// `admin`, `jury`, `balloon` or `analyst`.
    pub role: String,
    /// When the session ends, ms since the epoch.
    pub expires_ms: i64,
}

impl From<&SessionGrant> for StaffMember {
    fn from(g: &SessionGrant) -> StaffMember {
        StaffMember {
            name: g.name.clone(),
            role: g.role.clone(),
            expires_ms: g.expires_ms,
        }
    }
}

/// The console as its window starts.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ConsoleState {
    /// The jury's URL.
    pub jury_url: String,
    /// Who is logged in, if anyone.
    pub member: Option<StaffMember>,
}

/// Opens the console on the jury at `--connect`, or on the contest at
/// `--contest` (see [`local`]).
pub fn run(args: JuryArgs) -> Result<()> {
    let local = match &args.contest {
        Some(dir) => Some(local::LocalJury::open(
            dir,
            args.listen,
            args.no_serve,
            &args.serve_args,
        )?),
        None => None,
    };
    let (url, pin) = match (&local, &args.connect) {
        (Some(l), _) => (l.url.clone(), Some(l.fingerprint)),
        (None, Some(url)) => (url.clone(), args.jury_fingerprint),
        (None, None) => anyhow::bail!("say where the jury is: --connect URL or --contest DIR"),
    };
    let client = StaffClient::new(&url, pin).with_context(|| format!("the jury at {url}"))?;
    let console = Arc::new(Console {
        client,
        session: Default::default(),
    });
    let app = tauri::Builder::default()
        .manage(console)
        .invoke_handler(commands::handler())
        .setup(move |app| {
            WebviewWindowBuilder::new(app, WINDOW, WebviewUrl::App("index.html".into()))
                .title("floorjudge — jury console")
                .inner_size(1280.0, 720.0)
                .min_inner_size(960.0, 600.0)
                .build()?;
            // compositing stays on here: with it off (as the kiosk has it)
            // this window never painted under Xvfb (no animation frame ran,
            // so every WebDriver script call hung); a console runs on a few
            // jury machines, where its memory matters little
            Ok(())
        })
        .build(tauri::generate_context!())
        .context("the window")?;
    // the server this console started stops with the window (run() may
    // end the process without returning)
    let mut local = local;
    app.run(move |_, event| {
        if let tauri::RunEvent::Exit = event {
            drop(local.take());
        }
    });
    Ok(())
}
