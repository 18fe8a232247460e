//! Clarifications across real processes: teams on 127.0.0.N ask through
//! their kiosks, the jury answers one team, answers everyone and announces;
//! each team reads exactly what is meant for it; bad input is refused with a
//! reason and stores nothing.

use floorjudge_tests::*;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn list(ws: &Workstation) -> Vec<serde_json::Value> {
    let out = ws.run(&["--json", "clarification", "list"]);
    serde_json::from_str::<Vec<serde_json::Value>>(
        String::from_utf8_lossy(&out.stdout).lines().last().unwrap(),
    )
    .unwrap()
}

#[test]
fn questions_answers_and_announcements_reach_exactly_their_teams() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    let port = free_port();
    let one = Workstation::new(tmp.path(), &jury.url, "127.0.0.2", port);
    let two = Workstation::new(tmp.path(), &jury.url, "127.0.0.3", port);
    // team 1 asks about problem A (by label), team 2 in general
    let q1 = last_json(&one.run(&[
        "--json",
        "clarification",
        "ask",
        "--problem",
        "A",
        "Is",
        "n",
        "≤",
        "10⁹?",
    ]));
    assert_eq!(
        (q1["from_us"].as_bool(), q1["problem"].as_str()),
        (Some(true), Some("A"))
    );
    let q2 = last_json(&two.run(&["--json", "clarification", "ask", "May we use C++20?"]));
    let (q1, q2) = (q1["id"].as_i64().unwrap(), q2["id"].as_i64().unwrap());
    // the jury sees both, with who asked
    let all: Vec<serde_json::Value> = serde_json::from_str(&ok(jury_cmd(
        &contest,
        &["--json", "clarification", "list"],
    )))
    .unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["from_team_id"], "1");
    assert_eq!(all[0]["text"], "Is n ≤ 10⁹?");
    assert_eq!(all[0]["problem_id"], "greetings");
    // an answer to team 1 only, an answer to everyone, an announcement
    ok(jury_cmd(
        &contest,
        &["clarification", "answer", &q1.to_string(), "Yes."],
    ));
    ok(jury_cmd(
        &contest,
        &[
            "clarification",
            "answer",
            &q2.to_string(),
            "--to-all",
            "C++20 is fine.",
        ],
    ));
    ok(jury_cmd(
        &contest,
        &[
            "clarification",
            "announce",
            "--problem",
            "B",
            "Sample 2 is fixed.",
        ],
    ));
    let texts = |ws: &Workstation| -> Vec<String> {
        list(ws)
            .iter()
            .map(|c| c["text"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        texts(&one),
        vec![
            "Is n ≤ 10⁹?",
            "Yes.",
            "C++20 is fine.",
            "Sample 2 is fixed."
        ]
    );
    assert_eq!(
        texts(&two),
        vec!["May we use C++20?", "C++20 is fine.", "Sample 2 is fixed."],
        "team 2 sees its question, the answer to all and the announcement, not team 1's"
    );
    let three = Workstation::new(tmp.path(), &jury.url, "127.0.0.4", port);
    assert_eq!(texts(&three), vec!["C++20 is fine.", "Sample 2 is fixed."]);
    let l = list(&one);
    assert_eq!(
        (l[1]["reply_to_id"].as_i64(), l[1]["to_everyone"].as_bool()),
        (Some(q1), Some(false))
    );
    assert_eq!(
        (l[3]["problem"].as_str(), l[3]["to_everyone"].as_bool()),
        (Some("B"), Some(true))
    );
    let text = String::from_utf8_lossy(&one.run(&["clarification", "list"]).stdout).into_owned();
    assert!(text.contains("[jury to us, A] Yes."), "{text}");
    // every step is audited with who did it
    let actions: Vec<String> = audit(&contest)
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    for a in [
        "clarification.ask",
        "clarification.answer",
        "clarification.announce",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a}: {actions:?}");
    }

    // bad input: a clear refusal, nothing stored
    for (args, says) in [
        (vec!["clarification", "ask", " "], "needs some text"),
        (
            vec!["clarification", "ask", "--problem", "Z", "what?"],
            "no problem \"Z\"",
        ),
        (vec!["clarification", "ask", "bell\u{7}"], "U+0007"),
    ] {
        let out = one.run(&args);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    let long = "x".repeat(2001);
    let out = one.run(&["clarification", "ask", &long]);
    assert!(stderr(&out).contains("at most 2000"), "{}", stderr(&out));
    for (args, says) in [
        (
            vec!["clarification", "answer", "999", "no"],
            "no clarification 999",
        ),
        (
            vec!["clarification", "announce", "--problem", "Z", "x"],
            "no problem",
        ),
        (
            vec!["clarification", "answer", "3", "jury's own"],
            "written by the jury",
        ),
    ] {
        let out = jury_cmd(&contest, &args);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    let all: Vec<serde_json::Value> = serde_json::from_str(&ok(jury_cmd(
        &contest,
        &["--json", "clarification", "list"],
    )))
    .unwrap();
    assert_eq!(all.len(), 5, "refusals stored nothing");
    // a flood of questions is rate-limited
    let mut limited = false;
    for i in 0..12 {
        let out = two.run(&["clarification", "ask", &format!("question {i}")]);
        if stderr(&out).contains("too many clarification questions") {
            limited = true;
            break;
        }
    }
    assert!(limited, "12 questions in a minute were all taken");
    drop(jury);
}

#[test]
fn before_the_start_only_general_questions() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("contest");
    let sample = workspace().join("assets/sample-contest");
    ok(jury_cmd(
        &dir,
        &["contest", "init", "--from", sample.to_str().unwrap()],
    ));
    let jury = JuryProcess::start(&dir, &["--no-embedded-judgehost"]);
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.2", free_port());
    let out = ws.run(&["clarification", "ask", "--problem", "A", "hint?"]);
    assert!(
        stderr(&out).contains("not public before the start"),
        "{}",
        stderr(&out)
    );
    ok(ws.run(&["clarification", "ask", "When do we start?"]));
}
