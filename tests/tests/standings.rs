//! The scoreboard and the results export from a real contest: three teams
//! on 127.0.0.N submit through their kiosks, the embedded judgehost judges,
//! and `floorjudge-jury scoreboard` and `results export` show what the ICPC
//! rules make of it.

use floorjudge_tests::*;

const GREET: &str = "assets/sample-contest/greetings/submissions/accepted/greet.c";

fn submit_and_wait(ws: &Workstation, file: &std::path::Path) -> serde_json::Value {
    ws.submit_and_wait("greetings", file)
}

#[test]
fn the_scoreboard_and_results_follow_the_icpc_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &[]);
    let port = free_port();
    let greet = workspace().join(GREET);
    let wrong = tmp.path().join("wrong.c");
    std::fs::write(
        &wrong,
        "#include <stdio.h>\nint main(void) { puts(\"no\"); return 0; }\n",
    )
    .unwrap();
    let broken = tmp.path().join("broken.c");
    std::fs::write(&broken, "int main( {\n").unwrap();
    let one = Workstation::new(tmp.path(), &jury.url, "127.0.0.2", port);
    let two = Workstation::new(tmp.path(), &jury.url, "127.0.0.3", port);
    let three = Workstation::new(tmp.path(), &jury.url, "127.0.0.4", port);
    // team 1 solves at once; team 2 after a wrong answer (20 minutes of
    // penalty); team 3 after a compile error (no penalty)
    assert_eq!(submit_and_wait(&one, &greet)["verdict"], "AC");
    assert_eq!(submit_and_wait(&two, &wrong)["verdict"], "WA");
    assert_eq!(submit_and_wait(&two, &greet)["verdict"], "AC");
    assert_eq!(submit_and_wait(&three, &broken)["verdict"], "CE");
    assert_eq!(submit_and_wait(&three, &greet)["verdict"], "AC");

    let board: serde_json::Value =
        serde_json::from_str(&ok(jury_cmd(&contest, &["--json", "scoreboard"]))).unwrap();
    let rows = board["rows"].as_array().unwrap();
    let line = |team: &str| rows.iter().find(|r| r["team_id"] == team).unwrap().clone();
    // the contest started moments ago: every solve is in minute 0
    assert_eq!(
        (
            line("1")["rank"].as_u64(),
            line("1")["score"]["total_time"].as_i64()
        ),
        (Some(1), Some(0))
    );
    assert_eq!(
        (
            line("3")["rank"].as_u64(),
            line("3")["score"]["total_time"].as_i64()
        ),
        (Some(1), Some(0))
    );
    assert_eq!(
        (
            line("2")["rank"].as_u64(),
            line("2")["score"]["total_time"].as_i64()
        ),
        (Some(3), Some(20))
    );
    assert_eq!(line("2")["cells"][0]["tries"], 2);
    assert_eq!(
        line("3")["cells"][0]["tries"],
        1,
        "the compile error is not a try"
    );
    assert_eq!(line("1")["cells"][0]["first_to_solve"], true);
    assert_eq!(line("4")["score"]["solved"], 0);
    // the guests group is hidden: its team 6 is on the jury's board only
    assert!(rows.iter().any(|r| r["team_id"] == "6"));
    let public: serde_json::Value = serde_json::from_str(&ok(jury_cmd(
        &contest,
        &["--json", "scoreboard", "--public"],
    )))
    .unwrap();
    let text = ok(jury_cmd(&contest, &["scoreboard"]));
    assert!(text.contains("*1/0"), "{text}");
    assert!(public["rows"].as_array().unwrap().len() >= 5);

    // results: two gold medals for the shared first place, bronze for team 2
    let tsv = ok(jury_cmd(
        &contest,
        &[
            "results", "export", "--gold", "2", "--silver", "0", "--bronze", "1",
        ],
    ));
    // the same medals stored with the contest: the export's default
    let out = jury_cmd(&contest, &["contest", "medals", "--gold", "5000"]);
    assert!(!out.status.success());
    let m: serde_json::Value = serde_json::from_str(&ok(jury_cmd(
        &contest,
        &[
            "--json", "contest", "medals", "--gold", "2", "--silver", "0", "--bronze", "1",
        ],
    )))
    .unwrap();
    assert_eq!(
        m,
        serde_json::json!({"gold": 2, "silver": 0, "bronze": 1, "extra_bronze": 0})
    );
    assert_eq!(ok(jury_cmd(&contest, &["results", "export"])), tsv);
    assert!(
        audit(&contest)
            .iter()
            .any(|e| e["action"] == "contest.medals")
    );
    let lines: Vec<&str> = tsv.lines().collect();
    assert_eq!(lines[0], "results\t1");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("1\t1\tGold Medal\t1\t0\t0")),
        "{tsv}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("3\t1\tGold Medal\t1\t0\t0")),
        "{tsv}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("2\t3\tBronze Medal\t1\t20\t0")),
        "{tsv}"
    );
    assert!(lines.contains(&"4\t\tHonorable\t0\t0\t0"), "{tsv}");
    assert!(
        !tsv.contains("\n6\t"),
        "a team of a hidden group has no result: {tsv}"
    );
    // the CLICS awards
    let out = tmp.path().join("awards.json");
    ok(jury_cmd(
        &contest,
        &[
            "results",
            "export",
            "--format",
            "json",
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let award = |id: &str| {
        v["awards"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .unwrap_or_else(|| panic!("no {id} award: {v}"))["team_ids"]
            .clone()
    };
    assert_eq!(award("first-to-solve-greetings"), serde_json::json!(["1"]));
    let winners = award("winner");
    assert!(winners.as_array().unwrap().len() == 2, "{winners}");
    // bad input is refused with a reason
    let out = jury_cmd(&contest, &["results", "export", "--medal-group", "nope"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such group"));
    let out = jury_cmd(&contest, &["results", "export", "--format", "xml"]);
    assert!(!out.status.success());
    drop(jury);
}

#[test]
fn there_is_no_scoreboard_before_the_start() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("contest");
    ok(jury_cmd(&dir, &["contest", "init", "--name", "not yet"]));
    let out = jury_cmd(&dir, &["scoreboard"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("has not been started"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
