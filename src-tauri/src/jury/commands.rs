//! The console window's commands: thin adapters over the staff client.

use std::sync::Arc;

use tauri::State;

use super::{Console, ConsoleState, StaffMember};
use crate::error::CommandError;

type Shared<'a> = State<'a, Arc<Console>>;
type Answer<T> = Result<T, CommandError>;

/// The handler with every console command.
pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        console_state,
        staff_login,
        staff_logout,
        jury_submissions,
        jury_judgements
    ]
}

#[tauri::command]
async fn console_state(console: Shared<'_>) -> Answer<ConsoleState> {
    Ok(ConsoleState {
        jury_url: console.client.url().to_owned(),
        member: console.session.lock().await.as_ref().map(StaffMember::from),
    })
}

/// Logs a staff member in (the code once an authenticator is enrolled).
#[tauri::command]
async fn staff_login(
    console: Shared<'_>,
    name: String,
    password: String,
    code: Option<String>,
) -> Answer<StaffMember> {
    let (name, code) = (name.trim(), code.as_deref().map(str::trim));
    if name.is_empty() || password.is_empty() {
        return Err(CommandError::new(
            "invalid",
            "type your account name and password",
        ));
    }
    let code = code.filter(|c| !c.is_empty());
    let grant = console.client.login(name, &password, code).await?;
    tracing::info!(name = %grant.name, role = %grant.role, "console: logged in");
    let member = StaffMember::from(&grant);
    *console.session.lock().await = Some(grant);
    Ok(member)
}

/// Ends the session here and on the jury.
#[tauri::command]
async fn staff_logout(console: Shared<'_>) -> Answer<()> {
    if let Some(grant) = console.session.lock().await.take() {
        console.client.logout(&grant.token).await?;
    }
    Ok(())
}

/// The contest's submissions, newest first, with their latest verdicts.
#[tauri::command]
async fn jury_submissions(console: Shared<'_>) -> Answer<Vec<floorjudge_console::SubmissionRow>> {
    let token = token(&console).await?;
    Ok(console.client.submissions(&token).await?)
}

/// One submission's judgings with their testcase runs.
#[tauri::command]
async fn jury_judgements(
    console: Shared<'_>,
    id: String,
) -> Answer<Vec<floorjudge_console::JudgementView>> {
    if id.is_empty()
        || id.len() > 64
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(CommandError::new(
            "invalid",
            "a submission id is letters, digits, - and _",
        ));
    }
    let token = token(&console).await?;
    Ok(console.client.judgements_of(&token, &id).await?)
}

/// The session's bearer token, or "log in first".
async fn token(console: &Console) -> Answer<String> {
    console
        .session
        .lock()
        .await
        .as_ref()
        .map(|g| g.token.clone())
        .ok_or_else(|| CommandError::new("logged_out", "log in first"))
}
