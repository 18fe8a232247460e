//! Embeds ui/dist and the window capabilities; declares the app's commands
//! so each one needs a permission a role's capability grants.

fn main() {
    let dist = std::path::Path::new("../ui/dist/index.html");
    if !dist.is_file() {
        println!(
            "cargo::error=ui/dist is missing: build the front end first (cd ui && npm ci && npm run build)"
        );
    }
    println!("cargo::rerun-if-changed=../ui/dist");
    let commands = tauri_build::AppManifest::new().commands(&[
        "kiosk_state",
        "identify",
        "login",
        "request_pairing",
        "contest",
        "problem",
        "problem_file",
        "download_problem",
        "submit",
        "submit_paths",
        "submissions",
        "scoreboard",
        "clarifications",
        "ask",
        "watch_file",
        "exit_kiosk",
        "console_state",
        "staff_login",
        "staff_logout",
        "jury_submissions",
        "jury_submission",
        "jury_pairings",
        "jury_approve_pairing",
        "jury_refuse_pairing",
        "jury_teams",
        "jury_reset_ip",
        "jury_clarifications",
        "jury_answer",
        "jury_announce",
        "jury_rejudge",
        "jury_rejudgings",
        "jury_end_rejudging",
        "jury_clock",
        "jury_boards",
        "jury_judgehosts",
        "jury_add_judgehost",
        "jury_revoke_judgehost",
        "jury_audit",
        "jury_balloons",
        "jury_deliver_balloon",
        "jury_passwords",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(commands))
        .expect("tauri build script");
}
