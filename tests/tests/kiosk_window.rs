//! The team kiosk window, for real: the `floorjudge` app under Xvfb, driven
//! through tauri-driver + WebKitWebDriver, against a real jury server with
//! its embedded judgehost; each kiosk on its own 127.0.0.N. Screenshots of
//! every state land in `target/ui-screenshots/`.

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use floorjudge_tests::window::{
    Display, Driver, click, fill, open_unknown, runtime, screenshot, team_args, text_of,
    wait_team_page, wait_text,
};
use floorjudge_tests::*;
use sha2::{Digest, Sha256};

/// One window test at a time: each holds a display, a jury and WebKit.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

const WA_C: &str = "#include <stdio.h>\nint main(void) { puts(\"Hello, World!\"); return 0; }\n";
/// The code the head of jury chose to leave a kiosk.
const EXIT_CODE: &str = "orange-kettle-42";
const CE_C: &str = "int main(void) { this is not C; }\n";

/// Logs in as team 5 with its one-time password.
async fn log_in_as_team_5(c: &Client) {
    fill(c, "login-team", "5").await;
    fill(c, "login-password", TEAM5_PASSWORD).await;
    click(c, "login-submit").await;
}

/// Submits `file` for the greetings problem through the Submit page.
async fn submit_file(c: &Client, file: &Path) {
    click(c, "tab-submit").await;
    let problem = c
        .find(Locator::Css("[data-testid=submit-problem]"))
        .await
        .unwrap();
    problem.select_by_value("greetings").await.unwrap();
    let input = c
        .find(Locator::Css("[data-testid=submit-files]"))
        .await
        .unwrap();
    input.send_keys(file.to_str().unwrap()).await.unwrap();
    // the language is guessed from the extension
    let lang = wait_for_value(c, "submit-language", |v| !v.is_empty()).await;
    assert_eq!(lang, "c", "the language guessed for {}", file.display());
    click(c, "submit-button").await;
}

async fn wait_for_value(c: &Client, testid: &str, check: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let el = c
            .find(Locator::Css(&format!("[data-testid={testid}]")))
            .await
            .unwrap();
        let v = el.prop("value").await.unwrap().unwrap_or_default();
        if check(&v) {
            return v;
        }
        assert!(Instant::now() < deadline, "{testid} kept the value {v:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The text of the newest submission's state cell once it says `want`.
async fn newest_state(c: &Client, want: &str) -> String {
    wait_text(
        c,
        "[data-testid=submissions] tr:first-child [data-testid=submission-state]",
        Duration::from_secs(120),
        |t| t.contains(want),
    )
    .await
}

#[test]
fn pre_assigned_kiosk_judges_ac_ce_wa_survives_a_jury_restart_and_hears_the_jury() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let mut jury = JuryProcess::start(&contest, &[]);
    let display = Display::start();
    let driver = Driver::start(&display);
    let (ac, wa, ce) = (
        workspace().join("assets/sample-contest/greetings/submissions/accepted/greet.c"),
        tmp.path().join("wrong.c"),
        tmp.path().join("broken.c"),
    );
    std::fs::write(&wa, WA_C).unwrap();
    std::fs::write(&ce, CE_C).unwrap();
    runtime().block_on(async {
        let opened = Instant::now();
        let mut args = team_args(&jury, tmp.path(), "127.0.0.2", true);
        args.extend([
            "--exit-code-sha256".into(),
            hex::encode(Sha256::digest(EXIT_CODE.as_bytes())),
        ]);
        let c = driver.open(&args).await;
        // pre-assigned: the team page with no typing at all
        let name = wait_team_page(&c, Duration::from_secs(30)).await;
        println!(
            "kiosk cold start to the team page: {} ms",
            opened.elapsed().as_millis()
        );
        assert_eq!(name, "Null Pointers");
        assert_eq!(text_of(&c, "[data-testid=workstation]").await, "127.0.0.2");
        wait_text(
            &c,
            "[data-testid=problem-list]",
            Duration::from_secs(10),
            |t| t.contains("A") && t.contains("B") && t.contains("C"),
        )
        .await;
        click(&c, "problem-A").await;
        // the package's Markdown statement, rendered, and its sample
        wait_text(
            &c,
            "[data-testid=statement]",
            Duration::from_secs(10),
            |t| t.contains("greet it") && t.contains("Input"),
        )
        .await;
        assert_eq!(
            text_of(&c, "[data-testid=sample-in-1]").await.trim(),
            "World"
        );
        screenshot(&c, "kiosk-problems").await;

        // AC, with the states on the way seen by the window
        submit_file(&c, &ac).await;
        let state = newest_state(&c, "Accepted").await;
        let trail = text_of(
            &c,
            "[data-testid=submissions] tr:first-child [data-testid=submission-trail]",
        )
        .await;
        assert!(state.contains("Accepted"), "{state}");
        assert!(
            trail.ends_with("AC") && (trail.contains("queued") || trail.contains("judging")),
            "the window saw the intermediate states: {trail:?}"
        );
        println!("states seen: {trail}");
        screenshot(&c, "kiosk-accepted").await;

        // CE with its compiler message, WA as WA
        submit_file(&c, &ce).await;
        newest_state(&c, "Compile error").await;
        let message = wait_text(
            &c,
            "[data-testid=compile-message]",
            Duration::from_secs(5),
            |t| !t.is_empty(),
        )
        .await;
        assert!(message.contains("error"), "compiler message: {message}");
        screenshot(&c, "kiosk-compile-error").await;
        submit_file(&c, &wa).await;
        newest_state(&c, "Wrong answer").await;
        screenshot(&c, "kiosk-wrong-answer").await;

        // the jury dies: the window says so, keeps a submission, and sends it
        // once the jury is back
        let addr = jury.addr;
        jury.kill();
        wait_text(
            &c,
            "[data-testid=link-banner]",
            Duration::from_secs(20),
            |t| t.contains("cannot be reached"),
        )
        .await;
        submit_file(&c, &ac).await;
        wait_text(
            &c,
            "[data-testid=kept-list]",
            Duration::from_secs(20),
            |t| t.contains("waiting for the jury"),
        )
        .await;
        screenshot(&c, "kiosk-jury-down").await;
        jury = JuryProcess::start_on(&contest, &addr.to_string(), &[]);
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let rows = c
                .find_all(Locator::Css(
                    "[data-testid=submissions] tr[data-verdict=AC]",
                ))
                .await
                .unwrap();
            if rows.len() == 2 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the kept submission was not judged"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(
            c.find_all(Locator::Css("[data-testid=link-banner]"))
                .await
                .unwrap()
                .is_empty(),
            "the banner goes once the jury is back"
        );
        wait_text(
            &c,
            "[data-testid=submit-message]",
            Duration::from_secs(10),
            |t| t.contains("were sent"),
        )
        .await;
        let subs = jury_submissions(&contest);
        assert_eq!(subs.len(), 4, "nothing lost, nothing twice: {subs:?}");
        screenshot(&c, "kiosk-jury-back").await;

        // the jury announces: a notification, an unread badge
        ok(jury_cmd(
            &contest,
            &[
                "clarification",
                "announce",
                "--problem",
                "A",
                "Names have at most 20 letters.",
            ],
        ));
        let toast = wait_text(
            &c,
            "[data-testid=clar-toast]",
            Duration::from_secs(20),
            |t| t.contains("at most 20 letters"),
        )
        .await;
        assert!(toast.contains("problem A"), "{toast}");
        assert_eq!(text_of(&c, "[data-testid=unread-badge]").await, "1");
        screenshot(&c, "kiosk-clarification").await;
        click(&c, "tab-scoreboard").await;
        let own = wait_text(&c, "[data-testid=own-row]", Duration::from_secs(15), |t| {
            t.contains("Null Pointers")
        })
        .await;
        assert!(own.starts_with('1'), "team 1 leads with one solve: {own}");
        screenshot(&c, "kiosk-scoreboard").await;

        // leaving the kiosk: a wrong code is refused, the jury's code closes it
        click(&c, "exit-open").await;
        fill(&c, "exit-code", "let me out").await;
        click(&c, "exit-submit").await;
        wait_text(
            &c,
            "[data-testid=exit-error]",
            Duration::from_secs(10),
            |t| t.contains("not the exit code"),
        )
        .await;
        assert_eq!(
            text_of(&c, "[data-testid=team-name]").await,
            "Null Pointers"
        );
        screenshot(&c, "kiosk-exit-refused").await;
        fill(&c, "exit-code", EXIT_CODE).await;
        // the app may be gone before the click is answered
        let submit = c
            .find(Locator::Css("[data-testid=exit-submit]"))
            .await
            .unwrap();
        let _ = submit.click().await;
        let deadline = Instant::now() + Duration::from_secs(15);
        while c
            .find(Locator::Css("[data-testid=team-name]"))
            .await
            .is_ok()
        {
            assert!(
                Instant::now() < deadline,
                "the exit code did not close the kiosk"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let _ = c.close().await;
    });
    drop(driver);
}

#[test]
fn unknown_workstations_log_in_by_password_or_pair_and_see_refusals_in_words() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    let display = Display::start();
    runtime().block_on(async {
        // the password binds the first workstation to team 5
        let first = Driver::start(&display);
        let c = open_unknown(&first, &jury, tmp.path(), "127.0.0.20").await;
        screenshot(&c, "login-form").await;
        log_in_as_team_5(&c).await;
        let name = wait_team_page(&c, Duration::from_secs(20)).await;
        assert_eq!(name, "Undefined Behaviour");
        screenshot(&c, "login-team-page").await;
        c.close().await.unwrap();
        drop(first);

        // a second workstation with the same password: refused, in words
        let second = Driver::start(&display);
        let c = open_unknown(&second, &jury, tmp.path(), "127.0.0.21").await;
        log_in_as_team_5(&c).await;
        let refusal = wait_text(
            &c,
            "[data-testid=login-error]",
            Duration::from_secs(20),
            |t| !t.is_empty(),
        )
        .await;
        assert!(
            refusal.contains("already bound") && refusal.contains("jury"),
            "{refusal}"
        );
        screenshot(&c, "login-refused").await;
        c.close().await.unwrap();
        drop(second);

        // pairing: the code the window shows, approved on the jury's side
        let third = Driver::start(&display);
        let c = open_unknown(&third, &jury, tmp.path(), "127.0.0.22").await;
        click(&c, "pair-button").await;
        let code = wait_text(
            &c,
            "[data-testid=pairing-code]",
            Duration::from_secs(20),
            |t| t.len() >= 6,
        )
        .await;
        screenshot(&c, "pairing-code").await;
        ok(jury_cmd(&contest, &["team", "pair", code.trim(), "6"]));
        let name = wait_team_page(&c, Duration::from_secs(20)).await;
        assert_eq!(name, "Visiting Team");
        screenshot(&c, "pairing-team-page").await;
        c.close().await.unwrap();
        drop(third);
    });
}
