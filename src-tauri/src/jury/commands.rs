//! The console window's commands: thin adapters over the staff client.

use std::sync::Arc;

use tauri::State;

use floorjudge_console::JuryBoards;
use floorjudge_proto::staff::{
    AuditLine, BalloonView, JudgehostView, JuryClarification, PairingRequest, PasswordRequest,
    PasswordSlip, RejudgeRequest, RejudgingView, SubmissionDetail, TeamRow,
};

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
        jury_submission,
        jury_pairings,
        jury_approve_pairing,
        jury_refuse_pairing,
        jury_teams,
        jury_reset_ip,
        jury_clarifications,
        jury_answer,
        jury_announce,
        jury_rejudge,
        jury_rejudgings,
        jury_end_rejudging,
        jury_clock,
        jury_boards,
        jury_judgehosts,
        jury_add_judgehost,
        jury_revoke_judgehost,
        jury_audit,
        jury_balloons,
        jury_deliver_balloon,
        jury_passwords
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

/// One submission: its files, judgings, runs and the first failure's
/// outputs.
#[tauri::command]
async fn jury_submission(console: Shared<'_>, id: i64) -> Answer<SubmissionDetail> {
    if id < 1 {
        return Err(CommandError::new(
            "invalid",
            "a submission id is a positive number",
        ));
    }
    let token = token(&console).await?;
    Ok(console.client.submission(&token, id).await?)
}

/// The pairing codes waiting for approval.
#[tauri::command]
async fn jury_pairings(console: Shared<'_>) -> Answer<Vec<PairingRequest>> {
    let token = token(&console).await?;
    Ok(console.client.pairings(&token).await?)
}

/// Approves a pairing code as a team.
#[tauri::command]
async fn jury_approve_pairing(console: Shared<'_>, code: String, team: String) -> Answer<TeamRow> {
    if team.trim().is_empty() {
        return Err(CommandError::new(
            "invalid",
            "pick the team this workstation is",
        ));
    }
    let token = token(&console).await?;
    Ok(console
        .client
        .approve_pairing(&token, code.trim(), team.trim())
        .await?)
}

/// Turns a pairing code down.
#[tauri::command]
async fn jury_refuse_pairing(console: Shared<'_>, code: String) -> Answer<()> {
    let token = token(&console).await?;
    Ok(console.client.refuse_pairing(&token, code.trim()).await?)
}

/// Every team with its workstation address.
#[tauri::command]
async fn jury_teams(console: Shared<'_>) -> Answer<Vec<TeamRow>> {
    let token = token(&console).await?;
    Ok(console.client.teams(&token).await?)
}

/// Unbinds a team's workstation.
#[tauri::command]
async fn jury_reset_ip(console: Shared<'_>, team: String) -> Answer<TeamRow> {
    let token = token(&console).await?;
    Ok(console.client.reset_ip(&token, &team).await?)
}

/// Every clarification.
#[tauri::command]
async fn jury_clarifications(console: Shared<'_>) -> Answer<Vec<JuryClarification>> {
    let token = token(&console).await?;
    Ok(console.client.clarifications(&token).await?)
}

/// Answers a team's question, to that team or to all.
#[tauri::command]
async fn jury_answer(console: Shared<'_>, id: i64, text: String, to_all: bool) -> Answer<i64> {
    let token = token(&console).await?;
    Ok(console
        .client
        .answer_clarification(&token, id, &text, to_all)
        .await?)
}

/// Tells every team.
#[tauri::command]
async fn jury_announce(console: Shared<'_>, text: String, problem: Option<String>) -> Answer<i64> {
    let token = token(&console).await?;
    let problem = problem.as_deref().map(str::trim).filter(|p| !p.is_empty());
    Ok(console.client.announce(&token, &text, problem).await?)
}

/// Starts a previewed rejudging.
#[tauri::command]
async fn jury_rejudge(console: Shared<'_>, request: RejudgeRequest) -> Answer<RejudgingView> {
    let token = token(&console).await?;
    Ok(console.client.rejudge(&token, &request).await?)
}

/// Every rejudging with its preview, newest first.
#[tauri::command]
async fn jury_rejudgings(console: Shared<'_>) -> Answer<Vec<RejudgingView>> {
    let token = token(&console).await?;
    Ok(console.client.rejudgings(&token).await?)
}

/// Applies or cancels a rejudging.
#[tauri::command]
async fn jury_end_rejudging(console: Shared<'_>, id: i64, apply: bool) -> Answer<RejudgingView> {
    let token = token(&console).await?;
    Ok(console.client.end_rejudging(&token, id, apply).await?)
}

/// Starts, freezes, unfreezes or ends the contest.
#[tauri::command]
async fn jury_clock(console: Shared<'_>, action: String) -> Answer<()> {
    let token = token(&console).await?;
    Ok(console.client.clock(&token, &action).await?)
}

/// The full and the public scoreboard.
#[tauri::command]
async fn jury_boards(console: Shared<'_>) -> Answer<JuryBoards> {
    let token = token(&console).await?;
    Ok(console.client.boards(&token).await?)
}

/// Every judgehost with its health.
#[tauri::command]
async fn jury_judgehosts(console: Shared<'_>) -> Answer<Vec<JudgehostView>> {
    let token = token(&console).await?;
    Ok(console.client.judgehosts(&token).await?)
}

/// Adds a judgehost; answers its credentials file (shown once).
#[tauri::command]
async fn jury_add_judgehost(console: Shared<'_>, name: String) -> Answer<String> {
    let token = token(&console).await?;
    let creds = console.client.add_judgehost(&token, name.trim()).await?;
    serde_json::to_string_pretty(&creds)
        .map_err(|e| CommandError::new("internal", format!("the credentials: {e}")))
}

/// Revokes a judgehost.
#[tauri::command]
async fn jury_revoke_judgehost(console: Shared<'_>, name: String) -> Answer<()> {
    let token = token(&console).await?;
    Ok(console.client.revoke_judgehost(&token, &name).await?)
}

/// Searches the audit log.
#[tauri::command]
async fn jury_audit(console: Shared<'_>, query: String) -> Answer<Vec<AuditLine>> {
    let token = token(&console).await?;
    Ok(console.client.audit(&token, &query).await?)
}

/// The balloons to hand out.
#[tauri::command]
async fn jury_balloons(console: Shared<'_>) -> Answer<Vec<BalloonView>> {
    let token = token(&console).await?;
    Ok(console.client.balloons(&token).await?)
}

/// Marks a balloon delivered.
#[tauri::command]
async fn jury_deliver_balloon(console: Shared<'_>, submission: i64) -> Answer<()> {
    let token = token(&console).await?;
    Ok(console.client.deliver_balloon(&token, submission).await?)
}

/// New one-time passwords for the slips.
#[tauri::command]
async fn jury_passwords(
    console: Shared<'_>,
    request: PasswordRequest,
) -> Answer<Vec<PasswordSlip>> {
    let token = token(&console).await?;
    Ok(console.client.passwords(&token, &request).await?)
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
