//! Judging across real processes: the jury, judgehost daemons and team
//! agents; signed judgehost requests; verdicts bound to leases.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use floorjudge_tests::*;
use serde_json::{Value, json};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

fn code(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .map(|v| v["error"].as_str().unwrap_or("").to_owned())
        .unwrap_or_default()
}

fn fixture(name: &str) -> PathBuf {
    workspace()
        .join("judgehost/tests/fixtures/submissions")
        .join(name)
}

const GREET: &str = "assets/sample-contest/greetings/submissions/accepted/greet.c";

fn submit(ws: &Workstation, problem: &str, file: &Path) -> Value {
    let out = ws.run(&[
        "--json",
        "submit",
        "--problem",
        problem,
        file.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    last_json(&out)
}

/// The sample contest with the shared `hello` problem added (its TLE burns
/// 2 s of fuel per testcase: time to catch a judgehost mid-judging).
fn contest_with_hello(root: &Path) -> PathBuf {
    let contest = sample_contest(root);
    let hello = workspace().join("../shared/problems/hello");
    ok(jury_cmd(
        &contest,
        &["problem", "import", hello.to_str().unwrap()],
    ));
    contest
}

fn show(contest: &Path, id: i64) -> Value {
    serde_json::from_str(&ok(jury_cmd(
        contest,
        &["--json", "submission", "show", &id.to_string()],
    )))
    .unwrap()
}

#[test]
fn judgehost_requests_must_be_signed_fresh_and_never_replayed() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    let host = HandJudgehost::add(&contest, &jury.url, "hand");
    let rt = rt();
    rt.block_on(async {
        let (status, me) = host
            .call("POST", "/api/judgehost/register", json!({}))
            .await;
        assert_eq!((status, me["name"].as_str()), (200, Some("hand")));
        let register = |how: Signing| {
            let host = host.clone();
            async move {
                host.send("POST", "/api/judgehost/register", &json!({}), &how)
                    .await
            }
        };
        let (s, b) = register(Signing {
            unsigned: true,
            ..Default::default()
        })
        .await;
        assert_eq!((s, code(&b).as_str()), (401, "unsigned"));
        let zeros = "A".repeat(43) + "=";
        let (s, b) = register(Signing {
            signature: Some(zeros),
            ..Default::default()
        })
        .await;
        assert_eq!((s, code(&b).as_str()), (401, "bad_signature"));
        // a signature made for another body
        let date = chrono::Utc::now().to_rfc2822();
        let url = format!("{}/api/judgehost/register?n=fixed", jury.url);
        let other = host.sign("POST", &url, &date, b"{\"x\":1}");
        let (s, b) = register(Signing {
            date: Some(date),
            signature: Some(other),
            nonce: Some("fixed".into()),
            ..Default::default()
        })
        .await;
        assert_eq!((s, code(&b).as_str()), (401, "bad_signature"));
        for minutes in [-11i64, 11] {
            let date = (chrono::Utc::now() + chrono::Duration::minutes(minutes)).to_rfc2822();
            let (s, b) = register(Signing {
                date: Some(date),
                ..Default::default()
            })
            .await;
            assert_eq!(
                (s, code(&b).as_str()),
                (401, "skewed_date"),
                "{minutes} min"
            );
        }
        let (s, b) = register(Signing {
            date: Some("yesterday".into()),
            ..Default::default()
        })
        .await;
        assert_eq!((s, code(&b).as_str()), (401, "unsigned"));
        // an exact replay inside the window
        let date = chrono::Utc::now().to_rfc2822();
        let sig = host.sign("POST", &url, &date, b"{}");
        let once = Signing {
            date: Some(date),
            signature: Some(sig),
            nonce: Some("fixed".into()),
            ..Default::default()
        };
        assert_eq!(register(once.clone()).await.0, 200);
        let (s, b) = register(once).await;
        assert_eq!((s, code(&b).as_str()), (401, "replayed"));
        // a key the jury never issued
        let mut stranger = host.clone();
        stranger.credentials.key_id = "00".repeat(12);
        let (s, _) = stranger
            .call("POST", "/api/judgehost/register", json!({}))
            .await;
        assert_eq!(s, 401);
        // blobs need a signature too
        let (s, _) = host
            .send(
                "GET",
                &format!("/api/judgehost/blobs/{}", "0".repeat(64)),
                &Value::Null,
                &Signing {
                    unsigned: true,
                    ..Default::default()
                },
            )
            .await;
        assert_eq!(s, 401);
    });
    ok(jury_cmd(&contest, &["judgehost", "revoke", "hand"]));
    let (s, _) = rt.block_on(host.call("POST", "/api/judgehost/register", json!({})));
    assert_eq!(s, 401, "revoked credentials still work");
    let log = audit(&contest);
    assert!(
        log.iter()
            .filter(|e| e["action"] == "judgehost.refused")
            .count()
            >= 7
    );
    assert!(jury.log().contains("judgehost request refused"));
}

#[test]
fn a_verdict_counts_only_from_the_judgehost_holding_a_live_lease() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let mut jury = JuryProcess::start(&contest, &["--no-embedded-judgehost", "--lease-ms", "1500"]);
    let alpha = HandJudgehost::add(&contest, &jury.url, "alpha");
    let beta = HandJudgehost::add(&contest, &jury.url, "beta");
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.2", free_port());
    let greet = workspace().join(GREET);
    let first = submit(&ws, "greetings", &greet);
    assert_eq!(first["phase"], "queued");
    assert_eq!(first["queue_position"], 1);
    let rt = rt();
    rt.block_on(async {
        let job = alpha.lease(2000).await.expect("a job");
        let (jid, token) = (job["judging_id"].as_i64().unwrap(), job["job_token"].as_str().unwrap().to_owned());
        let testcase = job["testcases"][0]["id"].as_i64().unwrap();
        let run = |token: &str| json!({"job_token": token, "runs": [{"testcase_id": testcase, "verdict": "AC", "fuel": 1, "time_ms": 0, "memory_bytes": 0, "message": ""}]});
        let finish = |token: &str, v: &str| json!({"job_token": token, "verdict": v, "compile_output": "", "error": null});
        // another judgehost with alpha's token
        let (s, v) = beta.call("POST", &format!("/api/judgehost/jobs/{jid}/runs"), run(&token)).await;
        assert_eq!((s, v["error"].as_str()), (403, Some("not_your_job")));
        let (s, _) = beta.call("POST", &format!("/api/judgehost/jobs/{jid}/finish"), finish(&token, "AC")).await;
        assert_eq!(s, 403);
        // a forged token: beta's id put into alpha's token
        let parts: Vec<&str> = token.split('.').collect();
        let beta_id = beta.call("POST", "/api/judgehost/register", json!({})).await.1["judgehost_id"].as_i64().unwrap();
        let forged = format!("{}.{beta_id}.{}", parts[0], parts[2..].join("."));
        let (s, v) = beta.call("POST", &format!("/api/judgehost/jobs/{jid}/finish"), finish(&forged, "AC")).await;
        assert_eq!((s, v["error"].as_str()), (403, Some("bad_job_token")));
        // alpha's token on another judging
        let (s, _) = alpha.call("POST", &format!("/api/judgehost/jobs/{}/finish", jid + 1), finish(&token, "AC")).await;
        assert_eq!(s, 403);
        // malformed report
        let (s, _) = alpha.call("POST", &format!("/api/judgehost/jobs/{jid}/finish"), json!({"job_token": token})).await;
        assert_eq!(s, 400);
        // the holder reports: accepted, once
        assert_eq!(alpha.call("POST", &format!("/api/judgehost/jobs/{jid}/runs"), run(&token)).await.0, 204);
        assert_eq!(alpha.call("POST", &format!("/api/judgehost/jobs/{jid}/finish"), finish(&token, "WA")).await.0, 204);
        let (s, v) = alpha.call("POST", &format!("/api/judgehost/jobs/{jid}/finish"), finish(&token, "AC")).await;
        assert_eq!((s, v["error"].as_str()), (409, Some("judging_finished")));
    });
    let status = last_json(&ws.run(&["--json", "status"]));
    assert_eq!(status[0]["verdict"], "WA");

    // a judgehost that goes silent loses its lease; the job is judged once, by another
    let second = submit(&ws, "greetings", &greet);
    rt.block_on(async {
        let job = alpha.lease(2000).await.expect("a job");
        let (jid, token) = (job["judging_id"].as_i64().unwrap(), job["job_token"].as_str().unwrap().to_owned());
        let started = Instant::now();
        let again = beta.lease(8000).await.expect("the expired job");
        assert_eq!(again["judging_id"].as_i64(), Some(jid));
        assert!(started.elapsed() >= Duration::from_millis(1000), "re-leased before the lease ran out");
        let late = json!({"job_token": token, "verdict": "WA", "compile_output": "", "error": null});
        let (s, v) = alpha.call("POST", &format!("/api/judgehost/jobs/{jid}/finish"), late).await;
        assert_eq!((s, v["error"].as_str()), (409, Some("not_leased_to_you")));
        let done = json!({"job_token": again["job_token"], "verdict": "AC", "compile_output": "", "error": null});
        assert_eq!(beta.call("POST", &format!("/api/judgehost/jobs/{jid}/finish"), done).await.0, 204);
    });
    let shown = show(&contest, second["id"].as_i64().unwrap());
    let judgings = shown["judgings"].as_array().unwrap();
    assert_eq!(judgings.len(), 1);
    assert_eq!(
        (
            judgings[0]["verdict"].as_str(),
            judgings[0]["judgehost"].as_str()
        ),
        (Some("AC"), Some("beta"))
    );
    assert!(
        audit(&contest)
            .iter()
            .any(|e| e["action"] == "judging.lease_expired")
    );

    // the jury restarts while a job is leased: the lease and its token survive
    let third = submit(&ws, "greetings", &greet);
    let job = rt.block_on(alpha.lease(2000)).expect("a job");
    let addr = jury.addr;
    jury.kill();
    let jury = JuryProcess::start_on(
        &contest,
        &addr.to_string(),
        &["--no-embedded-judgehost", "--lease-ms", "60000"],
    );
    let jid = job["judging_id"].as_i64().unwrap();
    let done = json!({"job_token": job["job_token"], "verdict": "AC", "compile_output": "", "error": null});
    assert_eq!(
        rt.block_on(alpha.call("POST", &format!("/api/judgehost/jobs/{jid}/finish"), done))
            .0,
        204
    );
    let shown = show(&contest, third["id"].as_i64().unwrap());
    assert_eq!(shown["judgings"].as_array().unwrap().len(), 1);
    assert_eq!(shown["judgings"][0]["verdict"], "AC");
    drop(jury);
}

/// A copy of the shared "different" package with our exact-token validator in it.
fn different_with_validator(root: &Path) -> PathBuf {
    let dest = root.join("different");
    copy_dir(&workspace().join("../shared/problems/different"), &dest);
    let v = dest.join("output_validators/exact");
    std::fs::create_dir_all(&v).unwrap();
    std::fs::copy(
        workspace().join("judgehost/tests/fixtures/validators/exact_tokens.cpp"),
        v.join("exact_tokens.cpp"),
    )
    .unwrap();
    dest
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[test]
fn two_judgehost_daemons_judge_100_submissions_exactly_once_even_when_one_dies() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let shared = workspace().join("../shared/problems");
    ok(jury_cmd(
        &contest,
        &[
            "problem",
            "import",
            shared.join("hello").to_str().unwrap(),
            shared.join("oddecho").to_str().unwrap(),
            shared.join("domjudge-example/fltcmp").to_str().unwrap(),
            different_with_validator(tmp.path()).to_str().unwrap(),
        ],
    ));
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost", "--lease-ms", "3000"]);
    let mut first = JudgehostProcess::start(&contest, &jury.url, "jh-one");
    let second = JudgehostProcess::start(&contest, &jury.url, "jh-two");

    let plan: Vec<(&str, PathBuf, &str, usize)> = vec![
        ("hello", fixture("hello_ac.c"), "AC", 30),
        ("hello", fixture("hello_wa.cpp"), "WA", 5),
        ("hello", fixture("hello_rte.c"), "RTE", 10),
        ("hello", fixture("hello_tle.c"), "TLE", 3),
        ("hello", fixture("hello_ac.py"), "AC", 1),
        ("oddecho", fixture("oddecho_ac.c"), "AC", 12),
        ("oddecho", fixture("oddecho_wa.c"), "WA", 10),
        ("fltcmp", fixture("fltcmp_ac.c"), "AC", 12),
        ("different", fixture("different_wa.c"), "WA", 5),
        ("different", fixture("different_ac.rs"), "AC", 2),
        ("greetings", workspace().join(GREET), "AC", 10),
    ];
    let mut jobs: Vec<(String, PathBuf, String)> = Vec::new();
    for (p, f, v, n) in &plan {
        for _ in 0..*n {
            jobs.push((p.to_string(), f.clone(), v.to_string()));
        }
    }
    assert_eq!(jobs.len(), 100);
    // four workstations submit a quarter each, at the same time
    let port = free_port();
    let expected: Vec<(i64, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|w| {
                let ws =
                    Workstation::new(tmp.path(), &jury.url, &format!("127.0.0.{}", w + 2), port);
                let mine: Vec<_> = jobs.iter().skip(w).step_by(4).cloned().collect();
                scope.spawn(move || {
                    mine.into_iter()
                        .map(|(p, f, v)| {
                            let s = submit(&ws, &p, &f);
                            (s["id"].as_i64().unwrap(), v)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(expected.len(), 100);

    let judged = |contest: &Path| -> usize {
        jury_submissions(contest)
            .iter()
            .filter(|s| s["judge"]["state"] == "judged")
            .count()
    };
    wait_for(
        "a quarter of the submissions to be judged",
        Duration::from_secs(240),
        || (judged(&contest) >= 25).then_some(()),
    );
    first.kill();
    let killed_at = judged(&contest);
    wait_for(
        "every submission to be judged",
        Duration::from_secs(400),
        || (judged(&contest) == 100).then_some(()),
    );

    let mut hosts = std::collections::BTreeMap::new();
    let finished: Vec<serde_json::Value> = serde_json::from_str::<Vec<serde_json::Value>>(&ok(
        jury_cmd(&contest, &["--json", "audit", "--limit", "100000"]),
    ))
    .unwrap()
    .into_iter()
    .filter(|e| e["action"] == "judging.finished")
    .collect();
    assert!(
        finished.len() >= 100,
        "{} finishes in the audit log",
        finished.len()
    );
    for (id, verdict) in &expected {
        let shown = show(&contest, *id);
        let judgings = shown["judgings"].as_array().unwrap();
        assert_eq!(
            judgings.len(),
            1,
            "submission {id} judged {} times",
            judgings.len()
        );
        let j = &judgings[0];
        assert_eq!(
            j["verdict"].as_str(),
            Some(verdict.as_str()),
            "submission {id}: {j}"
        );
        assert_eq!(
            (j["state"].as_str(), j["valid"].as_bool()),
            (Some("done"), Some(true))
        );
        // the runs of one lease: each testcase once (a re-lease starts over)
        let runs = j["runs"].as_array().unwrap();
        assert!(!runs.is_empty(), "submission {id} has no testcase results");
        let cases: std::collections::BTreeSet<i64> = runs
            .iter()
            .map(|r| r["testcase_id"].as_i64().expect("testcase id"))
            .collect();
        assert_eq!(
            cases.len(),
            runs.len(),
            "submission {id}: a testcase twice: {j}"
        );
        // and one accepted finish
        let judging = j["id"].as_i64().expect("judging id").to_string();
        let finishes = finished
            .iter()
            .filter(|e| e["subject"].as_str() == Some(judging.as_str()))
            .count();
        assert_eq!(
            finishes, 1,
            "judging {judging} of submission {id} finished {finishes} times"
        );
        *hosts
            .entry(j["judgehost"].as_str().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    assert!(
        killed_at < 100,
        "the judgehost was killed after everything was judged"
    );
    assert_eq!(hosts.len(), 2, "both judgehosts judged: {hosts:?}");
    assert!(
        audit(&contest)
            .iter()
            .any(|e| e["action"] == "judging.lease_expired"),
        "the killed judgehost's job was not re-leased; log: {}",
        first.log()
    );

    // rejudge every hello submission: old and new verdicts are both kept
    let out = ok(jury_cmd(
        &contest,
        &["--json", "submission", "rejudge", "--problem", "hello"],
    ));
    let queued: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(queued.len(), 49);
    let hello_id = expected
        .iter()
        .find(|(id, _)| queued.iter().any(|q| q[0] == *id))
        .unwrap()
        .0;
    wait_for("the rejudges", Duration::from_secs(300), || {
        let shown = show(&contest, hello_id);
        let js = shown["judgings"].as_array().unwrap().clone();
        (js.len() == 2 && js[1]["state"] == "done").then_some(())
    });
    let shown = show(&contest, hello_id);
    let js = shown["judgings"].as_array().unwrap();
    assert_eq!(js[1]["rejudge_of"], js[0]["id"]);
    assert_eq!(
        (js[0]["valid"].as_bool(), js[1]["valid"].as_bool()),
        (Some(false), Some(true))
    );
    assert_eq!(
        js[0]["verdict"], js[1]["verdict"],
        "fuel is deterministic: a rejudge does not flip"
    );
    drop(second);
}

#[test]
fn the_embedded_judgehost_judges_and_a_daemon_stops_gracefully() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &[]);
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.3", free_port());
    let out = ws.run(&[
        "--json",
        "submit",
        "--problem",
        "A",
        "--wait",
        "--timeout",
        "120",
        workspace().join(GREET).to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last = last_json(&out);
    assert_eq!(
        (last["phase"].as_str(), last["verdict"].as_str()),
        (Some("judged"), Some("AC"))
    );
    let hosts: Vec<Value> =
        serde_json::from_str(&ok(jury_cmd(&contest, &["--json", "judgehost", "list"]))).unwrap();
    let embedded = hosts
        .iter()
        .find(|h| h["name"] == "embedded")
        .expect("embedded judgehost registered");
    let health: Value =
        serde_json::from_str(embedded["health_json"].as_str().expect("health reported")).unwrap();
    assert!(health["memory_total"].as_u64().unwrap() > 0, "{health}");

    // a daemon asked to stop while idle exits cleanly
    let mut daemon = JudgehostProcess::start(&contest, &jury.url, "leaving");
    wait_for("registration", Duration::from_secs(30), || {
        daemon.log().contains("registered").then_some(())
    });
    let status = daemon
        .terminate(Duration::from_secs(20))
        .expect("stopped within 20 s");
    assert!(status.success(), "{}", daemon.log());
}

#[test]
fn a_daemon_stopped_mid_judging_returns_its_job_and_another_judges_it_once() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = contest_with_hello(tmp.path());
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    let mut leaving =
        JudgehostProcess::start_with(&contest, &jury.url, "leaving", &["--grace", "0"]);
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.4", free_port());
    // a TLE burns the whole 2 s of fuel on each testcase: time to stop the daemon mid-judging
    let sub = submit(&ws, "hello", &fixture("hello_tle.c"));
    let id = sub["id"].as_i64().unwrap();
    // stopped as soon as the jury leased the job: the daemon may be judging
    // or its lease answer may still be on the way; either way the job is
    // back in the queue when it has stopped (not 30 s later, at expiry)
    wait_for("the judging to start", Duration::from_secs(60), || {
        let s = jury_submissions(&contest);
        (s[0]["judge"]["state"] == "judging").then_some(())
    });
    let status = leaving
        .terminate(Duration::from_secs(20))
        .expect("stopped within 20 s");
    assert!(status.success(), "{}", leaving.log());
    assert!(leaving.log().contains("left the jury"), "{}", leaving.log());
    let s = jury_submissions(&contest);
    assert_eq!(
        s[0]["judge"],
        serde_json::json!({"state": "queued", "position": 1}),
        "{s:?}"
    );
    let _next = JudgehostProcess::start(&contest, &jury.url, "staying");
    wait_for("the verdict", Duration::from_secs(120), || {
        let shown = show(&contest, id);
        (shown["judgings"][0]["state"] == "done").then_some(())
    });
    let shown = show(&contest, id);
    let js = shown["judgings"].as_array().unwrap();
    assert_eq!(js.len(), 1);
    assert_eq!(
        (js[0]["verdict"].as_str(), js[0]["judgehost"].as_str()),
        (Some("TLE"), Some("staying"))
    );
    assert!(
        audit(&contest)
            .iter()
            .any(|e| e["action"] == "judging.returned")
    );
}

/// While a submission is judged, its team sees how far: testcase k of n.
#[test]
fn a_team_sees_which_testcase_its_submission_is_on() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    let hand = HandJudgehost::add(&contest, &jury.url, "hand");
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.2", free_port());
    let sub = submit(&ws, "greetings", &workspace().join(GREET));
    let rt = rt();
    let job = rt.block_on(hand.lease(2000)).expect("a job");
    let total = job["testcases"].as_array().unwrap().len() as u64;
    assert!(total >= 2);
    let status = || last_json(&ws.run(&["--json", "status"]))[0].clone();
    // leased, nothing judged yet: testcase 0 of n done
    let s = status();
    assert_eq!(s["phase"], "judging");
    assert_eq!(
        (s["testcases_done"].as_u64(), s["testcases_total"].as_u64()),
        (Some(0), Some(total))
    );
    let jid = job["judging_id"].as_i64().unwrap();
    let testcase = job["testcases"][0]["id"].as_i64().unwrap();
    let run = json!({"job_token": job["job_token"], "runs": [{"testcase_id": testcase, "verdict": "AC", "fuel": 1, "time_ms": 0, "memory_bytes": 0, "message": ""}]});
    assert_eq!(
        rt.block_on(hand.call("POST", &format!("/api/judgehost/jobs/{jid}/runs"), run))
            .0,
        204
    );
    let s = status();
    assert_eq!(
        (s["testcases_done"].as_u64(), s["testcases_total"].as_u64()),
        (Some(1), Some(total))
    );
    let text = String::from_utf8_lossy(&ws.run(&["status"]).stdout).into_owned();
    assert!(
        text.contains(&format!("judging (testcase 2 of {total})")),
        "{text}"
    );
    // judged: no progress any more, the verdict instead
    let done = json!({"job_token": job["job_token"], "verdict": "AC", "compile_output": "", "error": null});
    assert_eq!(
        rt.block_on(hand.call("POST", &format!("/api/judgehost/jobs/{jid}/finish"), done))
            .0,
        204
    );
    let s = status();
    assert_eq!(
        (s["phase"].as_str(), s["verdict"].as_str()),
        (Some("judged"), Some("AC"))
    );
    assert!(s.get("testcases_done").is_none(), "{s}");
    assert_eq!(s["id"], sub["id"]);
}

/// A judgehost run that leaves gives back every job the jury leased it,
/// also one whose lease answer it never read, and gets no new one until it
/// registers again.
#[test]
fn a_judgehost_that_leaves_gives_back_even_a_lease_it_never_read() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(
        &contest,
        &["--no-embedded-judgehost", "--lease-ms", "60000"],
    );
    let alpha = HandJudgehost::add(&contest, &jury.url, "alpha");
    let beta = HandJudgehost::add(&contest, &jury.url, "beta");
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.2", free_port());
    let sub = submit(&ws, "greetings", &workspace().join(GREET));
    let rt = rt();
    rt.block_on(async {
        assert_eq!(alpha.call("POST", "/api/judgehost/register", json!({})).await.0, 200);
        // leased to alpha; alpha "never reads" the answer and leaves
        let job = alpha.lease(2000).await.expect("a job");
        let jid = job["judging_id"].as_i64().unwrap();
        assert_eq!(alpha.call("POST", "/api/judgehost/leave", json!({})).await.0, 204);
        // back in the queue at once, although the lease had 60 s to run
        assert_eq!(
            jury_submissions(&contest)[0]["judge"],
            serde_json::json!({"state": "queued", "position": 1})
        );
        // the left run gets nothing, even while work waits; beta gets the job
        assert!(alpha.lease(300).await.is_none(), "a leaver was given a job");
        let again = beta.lease(2000).await.expect("the returned job");
        assert_eq!(again["judging_id"].as_i64(), Some(jid));
        // alpha's old token is dead
        let late = json!({"job_token": job["job_token"], "verdict": "WA", "compile_output": "", "error": null});
        let (s, v) = alpha.call("POST", &format!("/api/judgehost/jobs/{jid}/finish"), late).await;
        assert_eq!((s, v["error"].as_str()), (409, Some("not_leased_to_you")), "{v}");
        let done = json!({"job_token": again["job_token"], "verdict": "AC", "compile_output": "", "error": null});
        assert_eq!(beta.call("POST", &format!("/api/judgehost/jobs/{jid}/finish"), done).await.0, 204);
        // registering again (a new run) lifts the leave
        let second = submit(&ws, "greetings", &workspace().join(GREET));
        assert_eq!(alpha.call("POST", "/api/judgehost/register", json!({})).await.0, 200);
        let next = alpha.lease(2000).await.expect("a job after registering again");
        assert_eq!(next["submission_id"].as_i64(), second["id"].as_i64());
    });
    let shown = show(&contest, sub["id"].as_i64().unwrap());
    assert_eq!(shown["judgings"][0]["judgehost"], "beta");
    assert!(
        audit(&contest)
            .iter()
            .any(|e| e["action"] == "judging.returned" && e["detail"] == "the judgehost left")
    );
}

/// A judging that takes its judgehost down (here: the daemon is killed
/// while it holds the job, three times) is leased at most twice more, then
/// ends as a judge error the jury sees instead of felling the next one.
#[test]
fn a_judging_that_fells_its_judgehost_three_times_ends_as_a_judge_error() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = contest_with_hello(tmp.path());
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost", "--lease-ms", "1000"]);
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.4", free_port());
    // a TLE burns 2 s of fuel per testcase: long enough to be caught judging
    let sub = submit(&ws, "hello", &fixture("hello_tle.c"));
    let id = sub["id"].as_i64().unwrap();
    for round in 1..=3 {
        let name = format!("felled{round}");
        let mut host = JudgehostProcess::start(&contest, &jury.url, &name);
        wait_for(
            "this judgehost to lease it",
            Duration::from_secs(60),
            || {
                let j = &show(&contest, id)["judgings"][0];
                (j["state"] == "leased" && j["judgehost"] == name.as_str()).then_some(())
            },
        );
        host.kill();
        // past the lease: the next judgehost's request expires it
        std::thread::sleep(Duration::from_millis(1500));
    }
    let survivor = JudgehostProcess::start(&contest, &jury.url, "survivor");
    wait_for(
        "the judging to be given up",
        Duration::from_secs(30),
        || {
            let shown = show(&contest, id);
            (shown["judgings"][0]["state"] == "done").then_some(())
        },
    );
    let shown = show(&contest, id);
    let js = shown["judgings"].as_array().unwrap();
    assert_eq!(js.len(), 1, "{shown}");
    assert_eq!(js[0]["verdict"], Value::Null, "{shown}");
    let error = js[0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("3 times"), "{shown}");
    assert!(
        audit(&contest)
            .iter()
            .any(|e| e["action"] == "judging.given_up")
    );
    // the survivor is never handed the job
    std::thread::sleep(Duration::from_millis(1000));
    let shown = show(&contest, id);
    assert_eq!(
        (
            shown["judgings"][0]["state"].as_str(),
            shown["judgings"][0]["judgehost"].as_str()
        ),
        (Some("done"), Some("felled3")),
        "{shown}\n{}",
        survivor.log()
    );
}

/// A judgehost killed while judging and started again under the same
/// credentials (a new run of it) gives its old job back the moment it
/// registers: no waiting out the lease, which its heartbeats would
/// otherwise have kept alive for ever.
#[test]
fn a_restarted_judgehost_gives_back_the_job_its_dead_run_held_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = contest_with_hello(tmp.path());
    // a lease that would outlast the test
    let jury = JuryProcess::start(
        &contest,
        &["--no-embedded-judgehost", "--lease-ms", "600000"],
    );
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.4", free_port());
    let sub = submit(&ws, "hello", &fixture("hello_tle.c"));
    let id = sub["id"].as_i64().unwrap();
    let mut host = JudgehostProcess::start(&contest, &jury.url, "phoenix");
    wait_for("the judging to start", Duration::from_secs(60), || {
        let j = &show(&contest, id)["judgings"][0];
        (j["state"] == "leased").then_some(())
    });
    host.kill();
    let restarted = Instant::now();
    host.restart();
    wait_for(
        "the verdict of the new run",
        Duration::from_secs(120),
        || {
            let j = &show(&contest, id)["judgings"][0];
            (j["state"] == "done").then_some(())
        },
    );
    assert!(
        restarted.elapsed() < Duration::from_secs(100),
        "judged long before the 600 s lease could run out"
    );
    let shown = show(&contest, id);
    let js = shown["judgings"].as_array().unwrap();
    assert_eq!(js.len(), 1, "{shown}");
    assert_eq!(js[0]["verdict"], "TLE", "{shown}");
    assert!(
        audit(&contest)
            .iter()
            .any(|e| e["action"] == "judging.lease_lost_on_register"),
        "{}",
        jury.log()
    );
}

#[test]
fn java_kotlin_and_native_cpp_are_judged_end_to_end_with_the_contest_s_table() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = contest_with_hello(tmp.path());
    ok(jury_cmd(
        &contest,
        &["language", "set", "java", "--time-factor", "1.5"],
    ));
    // C++ on the native backend: g++, with exceptions
    ok(jury_cmd(
        &contest,
        &["language", "set", "cpp", "--backend", "native"],
    ));
    let refused = jury_cmd(
        &contest,
        &["language", "set", "java", "--time-factor", "50"],
    );
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("outside 0.1..=20"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let jury = JuryProcess::start(&contest, &[]);
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.3", free_port());
    // the team sees the table: how each language is run, and its factor
    let info = last_json(&ws.run(&["--json", "contest"]));
    let java = info["languages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "java")
        .cloned()
        .expect("java is offered");
    assert_eq!(java["time_factor"], 1.5);
    assert!(java["runner"].as_str().unwrap().contains("java -Xmx"));
    let jvm = workspace().join("judgehost/tests/fixtures/jvm");
    let native_cpp =
        workspace().join("judgehost/tests/fixtures/submissions/gcc_style/throw_catch.cpp");
    for file in [
        jvm.join("HelloAc.java"),
        jvm.join("hello_ac.kt"),
        native_cpp,
    ] {
        let out = ws.run(&[
            "--json",
            "submit",
            "--problem",
            "hello",
            "--wait",
            "--timeout",
            "180",
            file.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let last = last_json(&out);
        assert_eq!(
            (last["phase"].as_str(), last["verdict"].as_str()),
            (Some("judged"), Some("AC")),
            "{}: {last}",
            file.display()
        );
    }
    let subs = jury_submissions(&contest);
    let langs: Vec<&str> = subs
        .iter()
        .filter_map(|s| s["language_id"].as_str())
        .collect();
    assert!(
        langs.contains(&"java") && langs.contains(&"kotlin"),
        "{langs:?}"
    );
}

#[test]
fn a_judgehost_holds_no_more_leases_than_it_judges_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    let greedy = HandJudgehost::add(&contest, &jury.url, "greedy");
    let other = HandJudgehost::add(&contest, &jury.url, "other");
    let greet = workspace().join(GREET);
    for ip in ["127.0.0.2", "127.0.0.3", "127.0.0.4"] {
        let ws = Workstation::new(tmp.path(), &jury.url, ip, free_port());
        assert_eq!(submit(&ws, "greetings", &greet)["phase"], "queued");
    }
    let rt = rt();
    rt.block_on(async {
        // an impossible declaration is refused with a reason
        let (s, v) = greedy
            .call("POST", "/api/judgehost/register", json!({"parallel": 1000}))
            .await;
        assert_eq!(s, 400, "{v}");
        assert!(v["message"].as_str().unwrap().contains("1 to 16"), "{v}");
        // declared nothing: one job at a time, though three are queued
        greedy
            .call("POST", "/api/judgehost/register", json!({}))
            .await;
        assert!(greedy.lease(500).await.is_some(), "the first job");
        assert!(
            greedy.lease(500).await.is_none(),
            "a second lease while holding one"
        );
        // the rest go to another judgehost
        assert!(
            other.lease(500).await.is_some(),
            "another judgehost gets the next job"
        );
        // one that declares two may hold two
        let (s, _) = other
            .call("POST", "/api/judgehost/register", json!({"parallel": 2}))
            .await;
        assert_eq!(s, 200);
        assert!(
            other.lease(500).await.is_some(),
            "the third job, as its second"
        );
    });
    assert!(
        jury.log().contains("already holds as many jobs"),
        "the refusal is logged"
    );
}
