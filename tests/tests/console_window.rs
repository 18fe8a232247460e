//! The jury console window, for real: `floorjudge jury --connect …` under
//! Xvfb through tauri-driver + WebKitWebDriver, against a real jury server.
//! Screenshots land in `target/ui-screenshots/`.

use std::time::Duration;

use fantoccini::Locator;
use floorjudge_tests::window::{
    Display, Driver, console_args, runtime, screenshot, staff_log_in, text_of, wait_text,
};
use floorjudge_tests::*;

#[test]
fn staff_log_in_to_the_console_and_a_wrong_authenticator_code_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    for (name, role, password) in [
        ("judy", "jury", "jury-password-123"),
        ("bert", "balloon", "balloon-password-9"),
    ] {
        ok(jury_cmd_stdin(
            &contest,
            &["staff", "add", name, "--role", role],
            password,
        ));
    }
    // judy enrols an authenticator: her logins need its code from now on
    ok(jury_cmd(&contest, &["--json", "staff", "totp", "judy"]));
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    let display = Display::start();
    let driver = Driver::start(&display);
    runtime().block_on(async {
        let c = driver.open(&console_args(&jury)).await;
        wait_text(&c, "[data-testid=jury-url]", Duration::from_secs(30), |t| {
            t == jury.url
        })
        .await;
        screenshot(&c, "console-login").await;

        // no code, then a wrong one: refused in words, still on the login
        staff_log_in(&c, "judy", "jury-password-123", "").await;
        wait_text(
            &c,
            "[data-testid=staff-error]",
            Duration::from_secs(20),
            |t| t.contains("needs its authenticator code"),
        )
        .await;
        staff_log_in(&c, "judy", "jury-password-123", "000000").await;
        let refusal = wait_text(
            &c,
            "[data-testid=staff-error]",
            Duration::from_secs(20),
            |t| t.contains("code is wrong"),
        )
        .await;
        assert!(refusal.contains("try again"), "{refusal}");
        assert!(
            c.find_all(Locator::Css("[data-testid=console-home]"))
                .await
                .unwrap()
                .is_empty(),
            "a wrong code opens nothing"
        );
        screenshot(&c, "console-bad-code").await;
        staff_log_in(&c, "bert", "not-his-password", "").await;
        wait_text(
            &c,
            "[data-testid=staff-error]",
            Duration::from_secs(20),
            |t| t.contains("Wrong account name or password"),
        )
        .await;

        // a balloon runner needs no code
        staff_log_in(&c, "bert", "balloon-password-9", "").await;
        wait_text(
            &c,
            "[data-testid=console-home]",
            Duration::from_secs(20),
            |t| t.contains("Signed in as bert"),
        )
        .await;
        assert_eq!(
            text_of(&c, "[data-testid=staff-member]").await,
            "bert · balloon"
        );
        screenshot(&c, "console-signed-in").await;
        let _ = c.close().await;
    });
    drop(driver);
    // the jury saw each refusal with its reason, and who logged in
    let audit = jury_cmd(&contest, &["audit"]);
    let audit = String::from_utf8_lossy(&audit.stdout);
    assert!(audit.contains("staff.login.refused"), "{audit}");
}

#[test]
fn submissions_appear_live_in_two_consoles_with_their_verdicts() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    ok(jury_cmd_stdin(
        &contest,
        &["staff", "add", "jules", "--role", "jury"],
        "jury-password-456",
    ));
    let jury = JuryProcess::start(&contest, &[]);
    let team1 = Workstation::new(tmp.path(), &jury.url, "127.0.0.2", free_port());
    let display = Display::start();
    let (first, second) = (Driver::start(&display), Driver::start(&display));
    let args = console_args(&jury);
    runtime().block_on(async {
        let here = first.open(&args).await;
        let remote = second.open(&args).await;
        for c in [&here, &remote] {
            wait_text(c, "[data-testid=jury-url]", Duration::from_secs(30), |t| {
                t == jury.url
            })
            .await;
            staff_log_in(c, "jules", "jury-password-456", "").await;
            wait_text(
                c,
                "[data-testid=submissions]",
                Duration::from_secs(20),
                |t| t.contains("No submissions yet"),
            )
            .await;
        }

        // a team submits a wrong and a right solution: both consoles list
        // them, newest first, with the judgehost's verdicts
        let wrong = tmp.path().join("wrong.c");
        std::fs::write(
            &wrong,
            "#include <stdio.h>\nint main(void) { puts(\"no\"); }\n",
        )
        .unwrap();
        let greet =
            workspace().join("assets/sample-contest/greetings/submissions/accepted/greet.c");
        assert_eq!(team1.submit_and_wait("greetings", &wrong)["verdict"], "WA");
        assert_eq!(team1.submit_and_wait("greetings", &greet)["verdict"], "AC");
        for c in [&here, &remote] {
            wait_text(
                c,
                "[data-testid=submissions] tbody",
                Duration::from_secs(20),
                |t| {
                    t.matches("greetings").count() == 2
                        && !t.contains("pending")
                        && t.contains("Null Pointers")
                },
            )
            .await;
            let verdicts: Vec<String> = {
                let mut v = Vec::new();
                for el in c
                    .find_all(Locator::Css("[data-testid=submission-verdict]"))
                    .await
                    .unwrap()
                {
                    v.push(el.prop("innerText").await.unwrap().unwrap_or_default());
                }
                v
            };
            assert_eq!(verdicts, ["AC", "WA"], "newest first, with their verdicts");
        }
        screenshot(&here, "console-submissions").await;

        // the filter narrows the list to the wrong answers
        here.find(Locator::Css(
            "[data-testid=filter-verdict] option[value=WA]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
        wait_text(
            &here,
            "[data-testid=submissions] tbody",
            Duration::from_secs(10),
            |t| t.matches("greetings").count() == 1 && t.contains("WA"),
        )
        .await;
        screenshot(&remote, "console-submissions-remote").await;

        // the WA opens with its judging and every testcase's verdict
        here.find(Locator::Css(
            "[data-testid=submission-row][data-id='1'] [data-testid=submission-open]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
        let detail = wait_text(
            &here,
            "[data-testid=submission-detail]",
            Duration::from_secs(10),
            |t| t.contains("Judging 1") && t.contains("WA"),
        )
        .await;
        assert!(detail.contains("Null Pointers"), "{detail}");
        let runs = here
            .find_all(Locator::Css("[data-testid=run-row]"))
            .await
            .unwrap();
        assert!(!runs.is_empty(), "the testcase runs are listed");
        let first = runs[0].prop("innerText").await.unwrap().unwrap_or_default();
        assert!(first.starts_with('1') && first.contains("WA"), "{first}");
        screenshot(&here, "console-submission-detail").await;
        let _ = here.close().await;
        let _ = remote.close().await;
    });
}
