//! The team window's commands: each one a thin adapter over the agent.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use base64::Engine;
use floorjudge_proto::team::{
    ClarificationInfo, PairingCode, ProblemMaterial, Session, SubmissionRef, SubmissionStatus,
    TeamScoreboard,
};
use sha2::{Digest, Sha256};
use tauri::{AppHandle, State};

use super::push::{self, emit};
use super::{
    ContestView, Kiosk, KioskState, PendingSubmission, SubmitOutcome, TeamPush, UploadFile,
    WatchChange,
};
use crate::error::CommandError;

type Shared<'a> = State<'a, Arc<Kiosk>>;
type Answer<T> = Result<T, CommandError>;

/// The handler with every team command.
pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        kiosk_state,
        identify,
        login,
        request_pairing,
        contest,
        problem,
        problem_file,
        download_problem,
        submit,
        submit_paths,
        submissions,
        scoreboard,
        clarifications,
        ask,
        watch_file,
        exit_kiosk,
    ]
}

#[tauri::command]
async fn kiosk_state(kiosk: Shared<'_>) -> Answer<KioskState> {
    let k = kiosk.inner();
    Ok(KioskState {
        jury_url: k.args.jury.clone(),
        jury_fingerprint: k.args.jury_fingerprint.map(|f| f.to_string()),
        addresses: floorjudge_team::workstation_addresses()
            .into_iter()
            .map(|a| a.to_string())
            .collect(),
        source_ip: k.args.source_ip.map(|ip| ip.to_string()),
        callback_addr: k.callback_addr.to_string(),
        kiosk: k.args.kiosk,
        exit_code_set: k.args.exit_code_sha256.is_some(),
        session: k.agent.current_session(),
        link: push::link_of(*k.agent.reachability().borrow()),
        pending: push::kept(k),
        downloads: k.downloads.display().to_string(),
    })
}

/// Identifies by the workstation's address (pre-assigned, or bound by a
/// password login or an approved pairing).
#[tauri::command]
async fn identify(kiosk: Shared<'_>) -> Answer<Session> {
    Ok(kiosk.agent.identify().await?)
}

#[tauri::command]
async fn login(kiosk: Shared<'_>, team: String, password: String) -> Answer<Session> {
    if team.trim().is_empty() || password.is_empty() {
        return Err(CommandError::new(
            "invalid",
            "type the team's name or number and its password",
        ));
    }
    Ok(kiosk.agent.login(team.trim(), &password).await?)
}

#[tauri::command]
async fn request_pairing(kiosk: Shared<'_>) -> Answer<PairingCode> {
    Ok(kiosk.agent.request_pairing().await?)
}

/// The contest as the jury tells it now, or as it last did (`fresh: false`)
/// while it cannot be reached.
#[tauri::command]
async fn contest(kiosk: Shared<'_>) -> Answer<ContestView> {
    let (info, fresh) = kiosk.agent.contest_or_last().await?;
    Ok(ContestView { info, fresh })
}

#[tauri::command]
async fn problem(kiosk: Shared<'_>, key: String) -> Answer<ProblemMaterial> {
    Ok(kiosk.agent.problem(&key).await?)
}

/// One statement file (`part`: `statement`) or sample (`in`, `ans`), as bytes.
#[tauri::command]
async fn problem_file(
    kiosk: Shared<'_>,
    problem: String,
    part: String,
    path: String,
) -> Answer<tauri::ipc::Response> {
    let segments = problem_file_segments(&problem, &part, &path)?;
    let token = kiosk.agent.session().await?.token;
    let bytes = kiosk
        .agent
        .client()
        .problem_file(&token, &segments)
        .await
        .map_err(floorjudge_team::AgentError::from)?;
    Ok(tauri::ipc::Response::new(bytes))
}

/// The jury's path segments of one problem file; refuses a part it does
/// not know and a path that could leave the problem's folder.
fn problem_file_segments<'a>(
    problem: &'a str,
    part: &'a str,
    path: &'a str,
) -> Answer<Vec<&'a str>> {
    let plain = |s: &str| !s.is_empty() && s != "." && s != ".." && !s.contains('\\');
    if !plain(problem) || problem.contains('/') {
        return Err(CommandError::new(
            "invalid",
            format!("{problem:?} is not a problem"),
        ));
    }
    if !path.split('/').all(plain) {
        return Err(CommandError::new(
            "invalid",
            format!("{path:?}: a problem file's path is plain names joined by /"),
        ));
    }
    let mut segments = vec![problem];
    match part {
        "statement" => {
            segments.push("statement");
            segments.extend(path.split('/'));
        }
        "in" | "ans" if !path.contains('/') => segments.extend(["samples", path, part]),
        "in" | "ans" => {
            return Err(CommandError::new(
                "invalid",
                format!("{path:?}: a sample is named by one name"),
            ));
        }
        _ => {
            return Err(CommandError::new(
                "invalid",
                format!("{part:?}: a problem file is `statement`, `in` or `ans`"),
            ));
        }
    }
    Ok(segments)
}

/// The folder under the downloads folder a problem's files go to: its key
/// with nothing but letters, digits, `-` and `_` (never `..` or a path).
fn download_folder(key: &str) -> Answer<String> {
    let name: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    if name.is_empty() {
        return Err(CommandError::new(
            "invalid",
            format!("{key:?} is not a problem"),
        ));
    }
    Ok(name)
}

/// Saves a problem's statement and samples under the downloads folder;
/// returns the files written.
#[tauri::command]
async fn download_problem(kiosk: Shared<'_>, key: String) -> Answer<Vec<String>> {
    let out = kiosk.downloads.join(download_folder(&key)?);
    let written = kiosk.agent.download_problem(&key, &out).await?;
    Ok(written.iter().map(|p| p.display().to_string()).collect())
}

/// Writes the files into the callback folder and sends their reference;
/// with the jury away the reference is kept and sent when it is back.
async fn submit_files(
    app: &AppHandle,
    kiosk: &Kiosk,
    problem: &str,
    language: &str,
    files: Vec<(String, Vec<u8>)>,
) -> Answer<SubmitOutcome> {
    if problem.is_empty() || language.is_empty() {
        return Err(CommandError::new(
            "invalid",
            "choose a problem and a language",
        ));
    }
    floorjudge_team::check_sources(&files)?;
    let reference: SubmissionRef = kiosk.agent.prepare(problem, language, &files)?;
    match kiosk.agent.send(&reference).await {
        Ok(status) => Ok(SubmitOutcome::Sent { status }),
        Err(e) if floorjudge_team::is_unreachable(&e) => {
            tracing::warn!(callback = %reference.callback_name, "the jury is away: submission kept");
            let pending = PendingSubmission::from(&reference);
            kiosk
                .kept
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(reference);
            emit(app, TeamPush::Pending(push::kept(kiosk)));
            Ok(SubmitOutcome::Kept { pending })
        }
        Err(e) => Err(e.into()),
    }
}

/// The files the window sent, decoded; names the one that is not base64.
fn decode_uploads(files: Vec<UploadFile>) -> Answer<Vec<(String, Vec<u8>)>> {
    files
        .into_iter()
        .map(|f| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(f.base64.as_bytes())
                .map_err(|e| {
                    CommandError::new("invalid", format!("{}: not base64 ({e})", f.name))
                })?;
            Ok((f.name, bytes))
        })
        .collect()
}

#[tauri::command]
async fn submit(
    app: AppHandle,
    kiosk: Shared<'_>,
    problem: String,
    language: String,
    files: Vec<UploadFile>,
) -> Answer<SubmitOutcome> {
    let decoded = decode_uploads(files)?;
    submit_files(&app, kiosk.inner(), &problem, &language, decoded).await
}

/// Submits files from disk (a watched file's new version).
#[tauri::command]
async fn submit_paths(
    app: AppHandle,
    kiosk: Shared<'_>,
    problem: String,
    language: String,
    paths: Vec<String>,
) -> Answer<SubmitOutcome> {
    let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
    let files = floorjudge_team::agent::read_sources(&paths)?;
    submit_files(&app, kiosk.inner(), &problem, &language, files).await
}

#[tauri::command]
async fn submissions(kiosk: Shared<'_>) -> Answer<Vec<SubmissionStatus>> {
    Ok(kiosk.agent.submissions().await?)
}

#[tauri::command]
async fn scoreboard(kiosk: Shared<'_>) -> Answer<TeamScoreboard> {
    Ok(kiosk.agent.scoreboard().await?)
}

#[tauri::command]
async fn clarifications(kiosk: Shared<'_>) -> Answer<Vec<ClarificationInfo>> {
    Ok(kiosk.agent.clarifications().await?)
}

#[tauri::command]
async fn ask(
    kiosk: Shared<'_>,
    problem: Option<String>,
    text: String,
) -> Answer<ClarificationInfo> {
    if text.trim().is_empty() {
        return Err(CommandError::new("invalid", "write your question first"));
    }
    let problem = problem.filter(|p| !p.is_empty());
    Ok(kiosk.agent.ask(problem.as_deref(), text.trim()).await?)
}

/// Watches one file (`None`: stop watching); each saved version is pushed
/// as [`TeamPush::Watch`].
#[tauri::command]
async fn watch_file(app: AppHandle, kiosk: Shared<'_>, path: Option<String>) -> Answer<()> {
    let mut slot = kiosk.watch.lock().await;
    if let Some(old) = slot.take() {
        old.abort();
    }
    let Some(path) = path.filter(|p| !p.trim().is_empty()) else {
        return Ok(());
    };
    let path = PathBuf::from(path.trim());
    let mut watch = floorjudge_team::watch::FileWatch::new(&path)
        .map_err(|e| CommandError::new("invalid", format!("{}: {e}", path.display())))?;
    *slot = Some(tauri::async_runtime::spawn(async move {
        while let Some(changed) = watch.next_change(Duration::from_millis(300)).await {
            emit(
                &app,
                TeamPush::Watch(WatchChange {
                    path: changed.display().to_string(),
                }),
            );
        }
    }));
    Ok(())
}

/// Whether `code` (surrounding blanks ignored) hashes to `want_sha256_hex`.
fn exit_code_matches(code: &str, want_sha256_hex: &str) -> bool {
    let code = code.trim();
    !code.is_empty()
        && hex::encode(Sha256::digest(code.as_bytes())).eq_ignore_ascii_case(want_sha256_hex.trim())
}

/// Leaves kiosk mode with the code the jury chose.
#[tauri::command]
async fn exit_kiosk(app: AppHandle, kiosk: Shared<'_>, code: String) -> Answer<()> {
    let Some(want) = &kiosk.args.exit_code_sha256 else {
        return Err(CommandError::new(
            "no_exit_code",
            "this kiosk has no exit code: only the organizers can stop it",
        ));
    };
    // guesses wait for each other, so one a second holds however they come
    static ONE_GUESS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = ONE_GUESS.lock().await;
    if !exit_code_matches(&code, want) {
        tracing::warn!("kiosk: a wrong exit code was refused");
        // one guess a second
        tokio::time::sleep(Duration::from_secs(1)).await;
        return Err(CommandError::new("wrong_code", "that is not the exit code"));
    }
    tracing::info!("kiosk: left with the exit code");
    kiosk.may_close.store(true, Ordering::SeqCst);
    app.exit(0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_files_are_plain_paths_inside_the_problem() {
        assert_eq!(
            problem_file_segments("greetings", "statement", "img/a.png").unwrap(),
            ["greetings", "statement", "img", "a.png"]
        );
        assert_eq!(
            problem_file_segments("greetings", "in", "1").unwrap(),
            ["greetings", "samples", "1", "in"]
        );
        for (problem, part, path) in [
            ("greetings", "statement", "../secret/1.ans"),
            ("greetings", "statement", "a//b"),
            ("greetings", "statement", ""),
            ("greetings", "statement", "a\\..\\b"),
            ("..", "statement", "problem.md"),
            ("a/b", "statement", "problem.md"),
            ("greetings", "in", "x/1"),
            ("greetings", "secret", "1"),
        ] {
            let e = problem_file_segments(problem, part, path).unwrap_err();
            assert_eq!(e.code, "invalid", "{problem} {part} {path}");
        }
        let e = problem_file_segments("greetings", "secret", "1").unwrap_err();
        assert!(
            e.message.contains("`statement`, `in` or `ans`"),
            "{}",
            e.message
        );
    }

    #[test]
    fn downloads_stay_in_their_folder() {
        assert_eq!(download_folder("greetings").unwrap(), "greetings");
        assert_eq!(download_folder("../../etc").unwrap(), "etc");
        assert_eq!(download_folder("A_b-1").unwrap(), "A_b-1");
        for hostile in ["..", "/", "", "../.."] {
            assert_eq!(
                download_folder(hostile).unwrap_err().code,
                "invalid",
                "{hostile:?}"
            );
        }
    }

    #[test]
    fn uploads_must_be_base64_and_the_bad_one_is_named() {
        let ok = decode_uploads(vec![UploadFile {
            name: "a.c".into(),
            base64: "aW50IG1haW4oKTs=".into(),
        }])
        .unwrap();
        assert_eq!(ok, [("a.c".to_string(), b"int main();".to_vec())]);
        let e = decode_uploads(vec![
            UploadFile {
                name: "a.c".into(),
                base64: "aW50".into(),
            },
            UploadFile {
                name: "b.c".into(),
                base64: "not base64!".into(),
            },
        ])
        .unwrap_err();
        assert_eq!(e.code, "invalid");
        assert!(e.message.starts_with("b.c: not base64"), "{}", e.message);
    }

    #[test]
    fn the_exit_code_is_checked_against_its_hash() {
        let want = hex::encode(Sha256::digest(b"orange-kettle-42"));
        assert!(exit_code_matches("orange-kettle-42", &want));
        assert!(exit_code_matches(
            "  orange-kettle-42\n",
            &want.to_uppercase()
        ));
        assert!(!exit_code_matches("orange-kettle-43", &want));
        assert!(!exit_code_matches("", &hex::encode(Sha256::digest(b""))));
    }
}
