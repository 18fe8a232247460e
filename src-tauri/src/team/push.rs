//! What the window hears without asking: the team's live events from the
//! jury (resumed after the last one seen when the jury comes back), whether
//! the jury answers, and kept submissions going out once it does.

use std::sync::Arc;
use std::time::Duration;

use floorjudge_team::jury_client::ServerEvent;
use tauri::{AppHandle, Emitter};

use super::{JuryLink, Kiosk, PendingSubmission, TeamPush, WINDOW};

/// The Tauri event every push arrives as.
pub const EVENT: &str = "push";

/// Sends `push` to the team window (a closed window hears nothing).
pub fn emit(app: &AppHandle, push: TeamPush) {
    if let Err(e) = app.emit_to(WINDOW, EVENT, &push) {
        tracing::debug!(error = %e, "push to the window");
    }
}

/// A jury event as the window's push, `None` for what it does not show.
fn push_of(e: &ServerEvent) -> Option<TeamPush> {
    let data = e.data.clone();
    match e.kind.as_str() {
        "submission" => serde_json::from_value(data).ok().map(TeamPush::Submission),
        "clarification" => serde_json::from_value(data)
            .ok()
            .map(TeamPush::Clarification),
        "contest" => serde_json::from_value(data).ok().map(TeamPush::Contest),
        _ => None,
    }
}

/// Starts the background work of the window's life.
pub fn start(app: AppHandle, kiosk: Arc<Kiosk>) {
    tauri::async_runtime::spawn(follow_link(app.clone(), kiosk.clone()));
    tauri::async_runtime::spawn(follow_events(app.clone(), kiosk.clone()));
    tauri::async_runtime::spawn(resend_kept(app, kiosk));
}

/// The link's state, as the window shows it.
pub fn link_of(v: Option<bool>) -> JuryLink {
    match v {
        None => JuryLink::Unknown,
        Some(true) => JuryLink::Up,
        Some(false) => JuryLink::Down,
    }
}

async fn follow_link(app: AppHandle, kiosk: Arc<Kiosk>) {
    let mut rx = kiosk.agent.reachability();
    loop {
        let now = *rx.borrow_and_update();
        emit(&app, TeamPush::Link(link_of(now)));
        if rx.changed().await.is_err() {
            return;
        }
    }
}

async fn follow_events(app: AppHandle, kiosk: Arc<Kiosk>) {
    let mut last: Option<i64> = None;
    loop {
        if kiosk.agent.current_session().is_none() {
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        }
        let until = tokio::time::Instant::now() + Duration::from_secs(24 * 3600);
        let followed = kiosk
            .agent
            .follow_events(last, until, |e| {
                if let Some(p) = push_of(e) {
                    emit(&app, p);
                }
                true
            })
            .await;
        match followed {
            Ok(seen) => last = seen.or(last),
            Err(e) => {
                tracing::info!(error = %e, "event stream refused; trying again");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// The kept references, for the window.
pub fn kept(kiosk: &Kiosk) -> Vec<PendingSubmission> {
    kiosk
        .kept
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(PendingSubmission::from)
        .collect()
}

/// Sends what the callback folder still holds from an earlier start, then
/// every kept reference until the jury takes it.
async fn resend_kept(app: AppHandle, kiosk: Arc<Kiosk>) {
    {
        let held = kiosk.agent.callback_dir().pending();
        let mut kept = kiosk.kept.lock().unwrap_or_else(|e| e.into_inner());
        for r in held {
            if !kept.iter().any(|k| k.callback_name == r.callback_name) {
                kept.push(r);
            }
        }
    }
    loop {
        let batch: Vec<_> = kiosk.kept.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if !batch.is_empty() && kiosk.agent.current_session().is_some() {
            let mut changed = false;
            for r in batch {
                match kiosk.agent.send(&r).await {
                    Err(e) if floorjudge_team::is_unreachable(&e) => break,
                    outcome => {
                        changed = true;
                        kiosk
                            .kept
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .retain(|k| k.callback_name != r.callback_name);
                        match outcome {
                            Ok(status) => emit(&app, TeamPush::Submission(status)),
                            Err(e) => {
                                tracing::warn!(callback = %r.callback_name, error = %e, "a kept submission was refused")
                            }
                        }
                    }
                }
            }
            if changed {
                emit(&app, TeamPush::Pending(kept(&kiosk)));
            }
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}
