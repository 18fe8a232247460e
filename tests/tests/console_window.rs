//! The jury console window, for real: `floorjudge jury --connect …` under
//! Xvfb through tauri-driver + WebKitWebDriver, against a real jury server.
//! Screenshots land in `target/ui-screenshots/`.

use std::time::Duration;

use fantoccini::Locator;
use floorjudge_tests::window::{
    Display, Driver, click, console_args, fill, open_unknown, runtime, screenshot, staff_log_in,
    team_args, text_of, wait_team_page, wait_text,
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
            let rows = text_of(c, "[data-testid=submissions] tbody").await;
            assert_eq!(rows.matches("embedded").count(), 2, "judged by: {rows}");
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
        here.find(Locator::Css(
            "[data-testid=filter-judgehost] option[value=embedded]",
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
            |t| t.matches("greetings").count() == 1 && t.contains("embedded"),
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
        // its source, highlighted, and the first failure side by side
        let source = text_of(&here, "[data-testid=source-file]").await;
        assert!(
            source.contains("wrong.c") && source.contains("puts(\"no\")"),
            "{source}"
        );
        let diff = wait_text(&here, "[data-testid=diff]", Duration::from_secs(10), |t| {
            t.contains("Hello, ") && t.contains("no")
        })
        .await;
        assert!(diff.contains("testcase 1"), "{diff}");
        assert_eq!(
            text_of(&here, "[data-testid=diff-first-line]").await,
            "first difference on line 1"
        );
        let marked = text_of(&here, "[data-testid=diff-line]").await;
        assert!(
            marked.contains("Hello, ") && marked.contains("no"),
            "{marked}"
        );
        screenshot(&here, "console-submission-detail").await;
        let _ = here.close().await;
        let _ = remote.close().await;
    });
}

/// Logs `name` (role jury, no authenticator) into the console `c` and waits
/// for its submission list.
async fn jury_log_in(c: &fantoccini::Client, jury: &JuryProcess, name: &str, password: &str) {
    wait_text(c, "[data-testid=jury-url]", Duration::from_secs(30), |t| {
        t == jury.url
    })
    .await;
    staff_log_in(c, name, password, "").await;
    wait_text(
        c,
        "[data-testid=console-home]",
        Duration::from_secs(20),
        |t| t.contains(name),
    )
    .await;
}

/// Waits until `team`'s row on the console's `board` (full or public)
/// shows `solved` problems solved.
async fn wait_solved(c: &fantoccini::Client, board: &str, team: &str, solved: &str) {
    let css = format!("[data-testid=solved-{board}-{team}]");
    wait_text(c, &css, Duration::from_secs(20), |t| t == solved).await;
}

#[test]
fn a_rejudging_previews_the_changed_verdict_and_applying_it_updates_the_scoreboard() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    // the jury's answer to testcase 01 is wrong: right solutions get WA
    let original = workspace().join("assets/sample-contest/greetings");
    let broken = tmp.path().join("broken/greetings");
    copy_dir(&original, &broken);
    std::fs::write(broken.join("data/secret/01.ans"), "Hello, Adda!\n").unwrap();
    ok(jury_cmd(
        &contest,
        &[
            "problem",
            "import",
            "--label",
            "A",
            broken.to_str().unwrap(),
        ],
    ));
    ok(jury_cmd_stdin(
        &contest,
        &["staff", "add", "rita", "--role", "jury"],
        "jury-password-789",
    ));
    let jury = JuryProcess::start(&contest, &[]);
    let team1 = Workstation::new(tmp.path(), &jury.url, "127.0.0.2", free_port());
    let greet = original.join("submissions/accepted/greet.c");
    assert_eq!(team1.submit_and_wait("greetings", &greet)["verdict"], "WA");
    // the jury fixes the answer; the verdict stands until a rejudge
    ok(jury_cmd(
        &contest,
        &[
            "problem",
            "import",
            "--label",
            "A",
            original.to_str().unwrap(),
        ],
    ));
    let display = Display::start();
    let driver = Driver::start(&display);
    runtime().block_on(async {
        let c = driver.open(&console_args(&jury)).await;
        jury_log_in(&c, &jury, "rita", "jury-password-789").await;
        click(&c, "tab-standings").await;
        wait_text(
            &c,
            "[data-testid=board-full]",
            Duration::from_secs(20),
            |t| t.contains("Null Pointers"),
        )
        .await;
        screenshot(&c, "console-scoreboard-before").await;
        wait_solved(&c, "full", "1", "0").await;

        // a reason is required, in words
        click(&c, "tab-rejudgings").await;
        fill(&c, "rejudge-problem", "greetings").await;
        click(&c, "rejudge-start").await;
        wait_text(
            &c,
            "[data-testid=rejudge-error]",
            Duration::from_secs(10),
            |t| t.contains("say why"),
        )
        .await;
        // every WA of greetings: the preview shows WA -> AC, nothing counts yet
        c.find(Locator::Css(
            "[data-testid=rejudge-verdict] option[value=WA]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
        fill(&c, "rejudge-reason", "answer of testcase 01 fixed").await;
        click(&c, "rejudge-start").await;
        let state = wait_text(
            &c,
            "[data-testid=rejudging-state]",
            Duration::from_secs(60),
            |t| t.contains("would change"),
        )
        .await;
        assert!(state.contains("1 of 1 would change"), "{state}");
        let change = text_of(&c, "[data-testid=rejudge-change]").await;
        assert!(change.contains("WA") && change.contains("→ AC"), "{change}");
        screenshot(&c, "console-rejudge-preview").await;
        click(&c, "tab-standings").await;
        wait_text(
            &c,
            "[data-testid=board-full]",
            Duration::from_secs(20),
            |t| t.contains("Null Pointers"),
        )
        .await;
        // a previewed rejudge changes no score
        wait_solved(&c, "full", "1", "0").await;

        // applied: the verdict counts, the board moves
        click(&c, "tab-rejudgings").await;
        click(&c, "rejudging-apply").await;
        wait_text(
            &c,
            "[data-testid=rejudging-state]",
            Duration::from_secs(20),
            |t| t.contains("applied by staff:rita"),
        )
        .await;
        screenshot(&c, "console-rejudge-applied").await;
        click(&c, "tab-standings").await;
        wait_solved(&c, "full", "1", "1").await;
        // not frozen yet: the public board moves too
        wait_solved(&c, "public", "1", "1").await;
        screenshot(&c, "console-scoreboard").await;

        // the solve is a balloon to hand out; delivered, it leaves the list
        click(&c, "tab-balloons").await;
        let balloon = wait_text(
            &c,
            "[data-testid=balloon-row]",
            Duration::from_secs(20),
            |t| t.contains("Null Pointers"),
        )
        .await;
        assert!(balloon.contains("A (first solve)"), "{balloon}");
        screenshot(&c, "console-balloons").await;
        click(&c, "balloon-deliver").await;
        wait_text(
            &c,
            "[data-testid=balloons-waiting]",
            Duration::from_secs(10),
            |t| t == "0",
        )
        .await;
        // the embedded judgehost reports its health
        click(&c, "tab-judgehosts").await;
        let host = wait_text(
            &c,
            "[data-testid=judgehost-row]",
            Duration::from_secs(20),
            |t| t.contains("active") && t.contains("GiB"),
        )
        .await;
        assert!(host.contains("s ago"), "{host}");
        screenshot(&c, "console-judgehosts").await;
        // the audit log finds who applied the rejudging
        click(&c, "tab-audit").await;
        fill(&c, "audit-query", "rejudging.apply").await;
        click(&c, "audit-search").await;
        let line = wait_text(
            &c,
            "[data-testid=audit-row]",
            Duration::from_secs(10),
            |t| t.contains("rejudging.apply"),
        )
        .await;
        assert!(line.contains("staff:rita"), "{line}");
        screenshot(&c, "console-audit").await;
        let _ = c.close().await;
    });
    // the team sees the new verdict, and the audit names who applied it
    assert_eq!(
        last_json(&team1.run(&["--json", "status"]))[0]["verdict"],
        "AC"
    );
    let audit = audit(&contest);
    assert!(
        audit
            .iter()
            .any(|e| e["action"] == "rejudging.apply" && e["actor"] == "staff:rita"),
        "{audit:?}"
    );
}

#[test]
fn a_pairing_is_approved_and_a_question_answered_to_all_from_the_console() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    ok(jury_cmd_stdin(
        &contest,
        &["staff", "add", "paul", "--role", "jury"],
        "jury-password-321",
    ));
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    // team 2 asks from its workstation's command-line agent
    let team2 = Workstation::new(tmp.path(), &jury.url, "127.0.0.3", free_port());
    ok(team2.run(&[
        "clarification",
        "ask",
        "--problem",
        "A",
        "May a name hold digits?",
    ]));
    let display = Display::start();
    let (console_driver, kiosk_driver, visitor_driver) = (
        Driver::start(&display),
        Driver::start(&display),
        Driver::start(&display),
    );
    runtime().block_on(async {
        let c = console_driver.open(&console_args(&jury)).await;
        jury_log_in(&c, &jury, "paul", "jury-password-321").await;
        let kiosk = kiosk_driver
            .open(&team_args(&jury, tmp.path(), "127.0.0.2", false))
            .await;
        assert_eq!(
            wait_team_page(&kiosk, Duration::from_secs(30)).await,
            "Null Pointers"
        );

        // the question waits, counted on the tab; answered to all teams
        assert_eq!(
            wait_text(
                &c,
                "[data-testid=unanswered]",
                Duration::from_secs(20),
                |t| { t == "1" }
            )
            .await,
            "1"
        );
        click(&c, "tab-clarifications").await;
        let q = wait_text(&c, "[data-testid=question]", Duration::from_secs(10), |t| {
            t.contains("May a name hold digits?")
        })
        .await;
        assert!(q.contains("unanswered") && q.contains("team 2"), "{q}");
        screenshot(&c, "console-clarification-inbox").await;
        fill(&c, "answer-text", "No: names are letters only.").await;
        click(&c, "answer-to-all").await;
        click(&c, "answer-send").await;
        wait_text(&c, "[data-testid=answer]", Duration::from_secs(10), |t| {
            t.contains("to all") && t.contains("letters only")
        })
        .await;
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !c
            .find_all(Locator::Css("[data-testid=unanswered]"))
            .await
            .unwrap()
            .is_empty()
        {
            assert!(
                std::time::Instant::now() < deadline,
                "a question still waits"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // team 1 did not ask, and reads the answer
        let toast = wait_text(
            &kiosk,
            "[data-testid=clar-toast]",
            Duration::from_secs(20),
            |t| t.contains("letters only"),
        )
        .await;
        assert!(!toast.is_empty());
        screenshot(&kiosk, "kiosk-answer-to-all").await;

        // an unknown workstation asks to pair; the console approves it as team 6
        let visitor = open_unknown(&visitor_driver, &jury, tmp.path(), "127.0.0.22").await;
        click(&visitor, "pair-button").await;
        let code = wait_text(
            &visitor,
            "[data-testid=pairing-code]",
            Duration::from_secs(20),
            |t| t.len() >= 6,
        )
        .await;
        let code = code.trim().to_lowercase();
        click(&c, "tab-teams").await;
        let row = format!("[data-testid=pairing-row][data-code='{code}']");
        let listed = wait_text(&c, &row, Duration::from_secs(20), |t| {
            t.contains("127.0.0.22")
        })
        .await;
        assert!(listed.to_lowercase().contains(&code), "{listed}");
        c.find(Locator::Css(&format!(
            "{row} [data-testid=pairing-team] option[value='6']"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
        screenshot(&c, "console-pairing-request").await;
        click(&c, "pairing-approve").await;
        wait_text(
            &c,
            "[data-testid=teams-notice]",
            Duration::from_secs(10),
            |t| t.contains("Visiting Team") && t.contains("127.0.0.22"),
        )
        .await;
        assert_eq!(
            wait_team_page(&visitor, Duration::from_secs(30)).await,
            "Visiting Team"
        );
        screenshot(&visitor, "kiosk-paired-from-console").await;
        let bound = text_of(
            &c,
            "[data-testid=team-row][data-id='6'] [data-testid=team-ip]",
        )
        .await;
        assert_eq!(bound, "127.0.0.22");
        // the kiosks that reached the jury show when; team 3's never did
        for team in ["1", "6"] {
            let css =
                format!("[data-testid=team-row][data-id='{team}'] [data-testid=team-contact]");
            wait_text(&c, &css, Duration::from_secs(10), |t| t.contains(':')).await;
        }
        assert_eq!(
            text_of(
                &c,
                "[data-testid=team-row][data-id='3'] [data-testid=team-contact]"
            )
            .await,
            "–"
        );
        screenshot(&c, "console-teams").await;

        // a new password for the one team still without a workstation,
        // on a slip to print; a workstation logs in with it
        click(&c, "passwords-issue").await;
        let slip = wait_text(
            &c,
            "[data-testid=password-slip]",
            Duration::from_secs(30),
            |t| t.contains("Undefined Behaviour"),
        )
        .await;
        assert_eq!(
            c.find_all(Locator::Css("[data-testid=password-slip]"))
                .await
                .unwrap()
                .len(),
            1,
            "teams 1-4 and 6 have workstations: {slip}"
        );
        let password = text_of(&c, "[data-testid=slip-password]").await;
        c.execute(
            "document.querySelector('[data-testid=passwords]').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
        screenshot(&c, "console-password-slips").await;
        let team5 = Workstation::new(tmp.path(), &jury.url, "127.0.0.23", free_port());
        ok(team5.run(&["login", "--team", "5", "--password", password.trim()]));
        for w in [c, kiosk, visitor] {
            let _ = w.close().await;
        }
    });
    let audit = audit(&contest);
    assert!(
        audit
            .iter()
            .any(|e| e["action"] == "team.bind_ip" && e["actor"] == "staff:paul"),
        "{audit:?}"
    );
}

/// Copies the folder `from` to `to`, recursively.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn the_console_on_a_contest_folder_starts_its_jury_server_and_judges() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    ok(jury_cmd_stdin(
        &contest,
        &["staff", "add", "lena", "--role", "admin"],
        "admin-password-654",
    ));
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let display = Display::start();
    let driver = Driver::start(&display);
    let args: Vec<String> = [
        "jury",
        "--contest",
        contest.to_str().unwrap(),
        "--listen",
        &listen,
    ]
    .map(String::from)
    .to_vec();
    runtime().block_on(async {
        let c = driver.open(&args).await;
        let url = format!("https://{listen}");
        wait_text(&c, "[data-testid=jury-url]", Duration::from_secs(60), |t| {
            t == url
        })
        .await;
        staff_log_in(&c, "lena", "admin-password-654", "").await;
        wait_text(
            &c,
            "[data-testid=console-home]",
            Duration::from_secs(20),
            |t| t.contains("lena"),
        )
        .await;
        // the server the console started takes a team's submission and
        // judges it with its embedded judgehost
        pin_contest(&url, &contest);
        let team1 = Workstation::new(tmp.path(), &url, "127.0.0.2", free_port());
        let greet =
            workspace().join("assets/sample-contest/greetings/submissions/accepted/greet.c");
        assert_eq!(team1.submit_and_wait("greetings", &greet)["verdict"], "AC");
        wait_text(
            &c,
            "[data-testid=submission-verdict]",
            Duration::from_secs(20),
            |t| t == "AC",
        )
        .await;
        // an admin adds a judgehost: its credentials are shown once
        click(&c, "tab-judgehosts").await;
        fill(&c, "judgehost-name", "box-2").await;
        click(&c, "judgehost-add").await;
        let creds = wait_text(
            &c,
            "[data-testid=judgehost-credentials]",
            Duration::from_secs(10),
            |t| t.contains("\"secret\""),
        )
        .await;
        assert!(
            creds.contains("box-2") && creds.contains("jury_fingerprint"),
            "{creds}"
        );
        screenshot(&c, "console-judgehost-added").await;
        // closed as a person closes it: the app ends, and its server with it
        let _ = c.close_window().await;
        let _ = c.close().await;
    });
    drop(driver);
    wait_for(
        "the console's jury server to stop",
        Duration::from_secs(20),
        || std::net::TcpStream::connect(&listen).is_err().then_some(()),
    );
}
