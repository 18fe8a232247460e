//! The contest clock across real processes: teams submit only while the
//! jury's clock says the contest runs, are told when it starts or that it
//! ended, and the public scoreboard freezes and thaws when the jury says.

use std::time::Duration;

use floorjudge_tests::*;

const GREET: &str = "assets/sample-contest/greetings/submissions/accepted/greet.c";

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339()
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[test]
fn the_jury_s_clock_decides_when_teams_may_submit_and_what_the_public_sees() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("contest");
    let sample = workspace().join("assets/sample-contest");
    ok(jury_cmd(
        &dir,
        &["contest", "init", "--from", sample.to_str().unwrap()],
    ));
    let jury = JuryProcess::start(&dir, &[]);
    let greet = workspace().join(GREET);
    let port = free_port();
    let one = Workstation::new(tmp.path(), &jury.url, "127.0.0.2", port);
    let two = Workstation::new(tmp.path(), &jury.url, "127.0.0.3", port);
    let submit = |ws: &Workstation| ws.submit_waiting("greetings", &greet);
    // not scheduled
    let out = submit(&one);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("has not been scheduled"),
        "{}",
        stderr(&out)
    );
    // scheduled in an hour: the kiosk learns when, and is told when it may submit
    let at = now_ms() + 3_600_000;
    ok(jury_cmd(&dir, &["contest", "start", "--at", &rfc3339(at)]));
    let info = last_json(&one.run(&["--json", "contest"]));
    assert_eq!(info["start_time_ms"].as_i64(), Some(at));
    let length = info["duration_s"].as_i64().unwrap() * 1000;
    assert_eq!(info["end_time_ms"].as_i64(), Some(at + length));
    assert_eq!(info["running"], false);
    assert!(info["problems"].as_array().unwrap().is_empty());
    let out = submit(&one);
    let says = stderr(&out);
    assert!(
        says.contains("starts at") && (says.contains("(in 0:59:") || says.contains("(in 1:00:00)")),
        "{says}"
    );
    // moved to ten minutes ago (no submission exists yet): running
    ok(jury_cmd(
        &dir,
        &["contest", "start", "--at", &rfc3339(now_ms() - 600_000)],
    ));
    assert_eq!(last_json(&submit(&one))["verdict"], "AC");
    // the jury freezes the board; team 2's solve after it shows as pending in public
    ok(jury_cmd(&dir, &["contest", "freeze"]));
    // in force from the next whole second of the contest
    wait_for("the freeze", Duration::from_secs(3), || {
        (last_json(&one.run(&["--json", "contest"]))["frozen"] == true).then_some(())
    });
    assert_eq!(last_json(&submit(&two))["verdict"], "AC");
    let board = |public: bool| -> serde_json::Value {
        let mut args = vec!["--json", "scoreboard"];
        if public {
            args.push("--public");
        }
        serde_json::from_str(&ok(jury_cmd(&dir, &args))).unwrap()
    };
    let cell = |b: &serde_json::Value, team: &str| {
        b["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["team_id"] == team)
            .unwrap()["cells"][0]
            .clone()
    };
    let public = board(true);
    assert_eq!(
        (
            cell(&public, "2")["solved"].as_bool(),
            cell(&public, "2")["pending"].as_u64()
        ),
        (Some(false), Some(1))
    );
    assert_eq!(
        cell(&public, "1")["solved"],
        true,
        "before the freeze: shown"
    );
    assert_eq!(
        cell(&board(false), "2")["solved"],
        true,
        "the jury sees everything"
    );
    // lifted: the public sees it too
    ok(jury_cmd(&dir, &["contest", "unfreeze"]));
    assert_eq!(cell(&board(true), "2")["solved"], true);
    let out = jury_cmd(&dir, &["contest", "unfreeze"]);
    assert!(stderr(&out).contains("already lifted"), "{}", stderr(&out));
    // ended: no more submissions, and no second start
    ok(jury_cmd(&dir, &["contest", "end"]));
    let out = submit(&one);
    assert!(stderr(&out).contains("it ended at"), "{}", stderr(&out));
    let out = jury_cmd(&dir, &["contest", "start"]);
    assert!(stderr(&out).contains("over"), "{}", stderr(&out));
    let clock: serde_json::Value =
        serde_json::from_str(&ok(jury_cmd(&dir, &["--json", "contest", "clock"]))).unwrap();
    assert_eq!(clock["running"], false);
    // every change is in the audit log
    let actions: Vec<String> = audit(&dir)
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    for a in [
        "contest.start",
        "contest.freeze",
        "contest.unfreeze",
        "contest.end",
    ] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} not audited: {actions:?}"
        );
    }
    drop(jury);
}

#[test]
fn bad_clock_settings_are_refused_with_a_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("contest");
    ok(jury_cmd(&dir, &["contest", "init", "--name", "clock"]));
    for (args, says) in [
        (
            vec!["contest", "set", "--freeze", "9:00:00"],
            "between 0:00:00 and the contest's length",
        ),
        (vec!["contest", "set", "--duration", "5"], "h:mm:ss"),
        (
            vec!["contest", "set", "--duration", "0:00:10"],
            "between 0:01:00",
        ),
        (vec!["contest", "set", "--penalty=-3"], "between 0 and 1000"),
        (
            vec!["contest", "set", "--penalty", "2000"],
            "between 0 and 1000",
        ),
        (vec!["contest", "start", "--at", "yesterday"], "RFC 3339"),
        (vec!["contest", "freeze"], "not running"),
        (vec!["contest", "end"], "not running"),
    ] {
        let out = jury_cmd(&dir, &args);
        assert!(!out.status.success(), "{args:?} was accepted");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    // nothing was changed by the refusals
    let clock: serde_json::Value =
        serde_json::from_str(&ok(jury_cmd(&dir, &["--json", "contest", "clock"]))).unwrap();
    assert_eq!(
        (clock["duration_s"].as_i64(), clock["freeze_s"].as_i64()),
        (Some(5 * 3600), Some(3600))
    );
    ok(jury_cmd(
        &dir,
        &[
            "contest",
            "set",
            "--duration",
            "3:00:00",
            "--freeze",
            "0:30:00",
            "--penalty",
            "10",
        ],
    ));
    let clock: serde_json::Value =
        serde_json::from_str(&ok(jury_cmd(&dir, &["--json", "contest", "clock"]))).unwrap();
    assert_eq!(
        (
            clock["duration_s"].as_i64(),
            clock["freeze_s"].as_i64(),
            clock["penalty_minutes"].as_i64()
        ),
        (Some(3 * 3600), Some(1800), Some(10))
    );
}
