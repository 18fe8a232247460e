//! Submission by callback across real processes: the jury pulls each file
//! from the team's registered address, verifies it and stores it once; every
//! hostile or faulty case ends refused or recovered, with a reason.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use floorjudge_proto::team::{FileRef, SubmissionRef};
use floorjudge_team::{Agent, AgentConfig, JuryClient};
use floorjudge_tests::*;
use sha2::{Digest, Sha256};

/// A change that makes a good reference bad.
type Mutation = Box<dyn Fn(&mut SubmissionRef)>;

const HELLO_C: &str = "#include <stdio.h>\nint main(void) { puts(\"Hello World!\"); return 0; }\n";

fn sha(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn uploaded(contest: &Path, team: &str, callback: &str, file: &str) -> Vec<u8> {
    std::fs::read(contest.join("uploads").join(team).join(callback).join(file)).unwrap()
}

fn agent(rt: &tokio::runtime::Runtime, root: &Path, jury: &str, ip: &str, port: u16) -> Agent {
    let mut agent = Agent::new(AgentConfig {
        jury_url: jury.to_owned(),
        jury_fingerprint: floorjudge_tests::pin_for(jury),
        source_ip: Some(ip.parse().unwrap()),
        callback_port: port,
        state_dir: root.join(format!("agent-{ip}")),
    })
    .unwrap();
    rt.block_on(async {
        agent.serve_callbacks().await.unwrap();
        agent.identify().await.unwrap();
    });
    agent
}

#[test]
fn teams_on_one_port_submit_and_the_jury_pulls_each_from_its_registered_address() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    let port = free_port();
    let src = tmp.path().join("hello.c");
    std::fs::write(&src, HELLO_C).unwrap();
    let helper = tmp.path().join("util.h");
    std::fs::write(&helper, "#define ANSWER 42\n").unwrap();

    let teams = [("127.0.0.2", "1"), ("127.0.0.3", "2"), ("127.0.0.4", "3")];
    let children: Vec<_> = teams
        .iter()
        .map(|(ip, _)| {
            Workstation::new(tmp.path(), &jury.url, ip, port).spawn(&[
                "--json",
                "submit",
                "--problem",
                "A",
                src.to_str().unwrap(),
                helper.to_str().unwrap(),
            ])
        })
        .collect();
    for ((ip, team), child) in teams.iter().zip(children) {
        let out = child.wait_with_output().unwrap();
        let status = last_json(&out);
        assert_eq!(status["phase"], "queued", "{ip}: {status} {}", stderr(&out));
        assert_eq!(status["language"], "c", "language from the extension");
        let callback = status["callback_name"].as_str().unwrap();
        assert_eq!(
            uploaded(&contest, team, callback, "hello.c"),
            HELLO_C.as_bytes()
        );
        assert_eq!(
            uploaded(&contest, team, callback, "util.h"),
            b"#define ANSWER 42\n"
        );
        let ws = Workstation::new(tmp.path(), &jury.url, ip, port);
        assert!(
            ws.callback_entries().is_empty(),
            "{ip} kept {:?}",
            ws.callback_entries()
        );
    }
    let mut subs = jury_submissions(&contest);
    assert_eq!(subs.len(), 3);
    subs.sort_by_key(|s| s["team_id"].as_str().unwrap().to_owned());
    for (s, (ip, team)) in subs.iter().zip(teams) {
        assert_eq!(
            (s["team_id"].as_str(), s["source_ip"].as_str()),
            (Some(team), Some(ip))
        );
        assert_eq!(s["state"], "received");
    }
    // status shows them
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.2", port);
    let list = last_json(&ws.run(&["--json", "status"]));
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[test]
fn a_resent_reference_is_stored_once_and_a_reused_nonce_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let agent = agent(&rt, tmp.path(), &jury.url, "127.0.0.4", free_port());
    let files = vec![("hello.c".to_owned(), HELLO_C.as_bytes().to_vec())];
    let reference = agent.prepare("greetings", "c", &files).unwrap();
    let token = agent.current_session().unwrap().token;
    let first = rt
        .block_on(agent.client().submit(&token, &reference))
        .unwrap();
    let again = rt
        .block_on(agent.client().submit(&token, &reference))
        .unwrap();
    assert_eq!(first.id, again.id);
    assert_eq!(again.phase, floorjudge_proto::team::SubmissionPhase::Queued);
    let mut other = reference.clone();
    other.problem = "bigsum".into();
    let err = rt
        .block_on(agent.client().submit(&token, &other))
        .unwrap_err();
    assert_eq!(err.code(), Some("conflict"), "{err}");
    let subs = jury_submissions(&contest);
    assert_eq!(subs.len(), 1, "{subs:#?}");
}

#[test]
fn hostile_references_are_refused_with_a_reason_and_nothing_is_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let port = free_port();
    let alice = agent(&rt, tmp.path(), &jury.url, "127.0.0.2", port);
    let mallory = agent(&rt, tmp.path(), &jury.url, "127.0.0.3", port);
    let m_token = mallory.current_session().unwrap().token;
    let submit = |r: &SubmissionRef| rt.block_on(mallory.client().submit(&m_token, r));
    let content = HELLO_C.as_bytes().to_vec();

    // 1. a reference naming a file the workstation does not hold
    let r = mallory
        .prepare("A", "c", &[("hello.c".into(), content.clone())])
        .unwrap();
    assert!(mallory.callback_dir().remove(&r.callback_name));
    let s = submit(&r).unwrap();
    assert_eq!(s.phase, floorjudge_proto::team::SubmissionPhase::Rejected);
    assert!(
        s.reason.as_deref().unwrap().contains("does not hold"),
        "{s:?}"
    );

    // 2. hash and sizes that differ from the file served
    let mut cases = Vec::new();
    for (declared_size, declared_sha, expect) in [
        (content.len() as u64, sha(b"something else"), "SHA-256"),
        (content.len() as u64 - 5, sha(&content), "larger than"),
        (
            content.len() as u64 + 5,
            sha(&content),
            "bytes, the reference declared",
        ),
    ] {
        let name = floorjudge_team::callback_dir::new_callback_name();
        let r = SubmissionRef {
            problem: "A".into(),
            language: "c".into(),
            files: vec![FileRef {
                name: "hello.c".into(),
                size: declared_size,
                sha256: declared_sha,
            }],
            callback_name: name.clone(),
            callback_port: port,
            client_nonce: hex::encode(rand_bytes()),
        };
        mallory
            .callback_dir()
            .store(&name, &[("hello.c".into(), content.clone())], &r)
            .unwrap();
        let s = submit(&r).unwrap();
        assert_eq!(
            s.phase,
            floorjudge_proto::team::SubmissionPhase::Rejected,
            "{expect}"
        );
        assert!(
            s.reason.as_deref().unwrap().contains(expect),
            "{expect}: {s:?}"
        );
        cases.push(s.id);
    }

    // 3. guessing (here: knowing) another team's callback name and hashes:
    //    the jury only calls back the submitter's own address, which does not hold it
    let alice_ref = alice
        .prepare("A", "c", &[("hello.c".into(), content.clone())])
        .unwrap();
    let mut stolen = alice_ref.clone();
    stolen.client_nonce = hex::encode(rand_bytes());
    let s = submit(&stolen).unwrap();
    assert_eq!(s.phase, floorjudge_proto::team::SubmissionPhase::Rejected);
    assert!(
        alice.callback_dir().holds(&alice_ref.callback_name),
        "alice's file was taken"
    );
    // and reading alice's callback server directly is refused: plain HTTP
    // gets no answer at all (it speaks TLS), TLS without the jury's
    // signature gets 401
    let url = format!(
        "127.0.0.2:{port}/callback/{}/hello.c",
        alice_ref.callback_name
    );
    let plain = floorjudge_tls::http_client_builder()
        .local_address(Some("127.0.0.3".parse().unwrap()))
        .build()
        .unwrap();
    assert!(
        rt.block_on(plain.get(format!("http://{url}")).send())
            .is_err(),
        "the callback server answered plain HTTP"
    );
    let tls = floorjudge_tls::pinned(
        floorjudge_tls::http_client_builder().local_address(Some("127.0.0.3".parse().unwrap())),
        alice.kiosk_fingerprint().expect("alice has a kiosk key"),
    )
    .unwrap()
    .build()
    .unwrap();
    let direct = rt
        .block_on(tls.get(format!("https://{url}")).send())
        .unwrap();
    assert_eq!(direct.status().as_u16(), 401);
    // (path traversal in a *signed* request: team/tests/callback_server.rs)
    // alice's own submission goes through untouched
    let a_token = alice.current_session().unwrap().token;
    let s = rt
        .block_on(alice.client().submit(&a_token, &alice_ref))
        .unwrap();
    assert_eq!(s.phase, floorjudge_proto::team::SubmissionPhase::Queued);

    // 4. malformed references: refused before anything is recorded
    let good = SubmissionRef {
        problem: "A".into(),
        language: "c".into(),
        files: vec![FileRef {
            name: "a.c".into(),
            size: 3,
            sha256: sha(b"abc"),
        }],
        callback_name: floorjudge_team::callback_dir::new_callback_name(),
        callback_port: port,
        client_nonce: hex::encode(rand_bytes()),
    };
    let before = jury_submissions(&contest).len();
    let bad_cases: Vec<(&str, Mutation)> = vec![
        (
            "file name",
            Box::new(|r| r.files[0].name = "../../etc/passwd".into()),
        ),
        (
            "file name",
            Box::new(|r| r.files[0].name = "a\u{0}.c".into()),
        ),
        ("file name", Box::new(|r| r.files[0].name = "a b.c".into())),
        (
            "file name",
            Box::new(|r| r.files[0].name = ".bashrc".into()),
        ),
        (
            "callback name",
            Box::new(|r| r.callback_name = "../../../root/.ssh".into()),
        ),
        (
            "callback name",
            Box::new(|r| r.callback_name.make_ascii_uppercase()),
        ),
        ("nonce", Box::new(|r| r.client_nonce = "1".into())),
        ("sha256", Box::new(|r| r.files[0].sha256 = "zz".into())),
        (
            "at most 262144 per file",
            Box::new(|r| r.files[0].size = 300_000),
        ),
        (
            "at most 16 per submission",
            Box::new(|r| {
                r.files = (0..17)
                    .map(|i| FileRef {
                        name: format!("f{i}.c"),
                        size: 1,
                        sha256: sha(b"x"),
                    })
                    .collect()
            }),
        ),
        (
            "appears twice",
            Box::new(|r| r.files.push(r.files[0].clone())),
        ),
        ("at least one file", Box::new(|r| r.files.clear())),
        ("no problem", Box::new(|r| r.problem = "nonexistent".into())),
        ("no language", Box::new(|r| r.language = "cobol".into())),
        ("port 0", Box::new(|r| r.callback_port = 0)),
    ];
    for (expect, mutate) in &bad_cases {
        let mut r = good.clone();
        mutate(&mut r);
        let err = submit(&r).unwrap_err();
        assert!(
            err.to_string().contains(expect),
            "expected {expect:?}, got {err}"
        );
    }
    // oversized and malformed bodies
    let jury_http = floorjudge_tests::jury_http(&jury.url, Some("127.0.0.3".parse().unwrap()));
    let raw = |body: Vec<u8>| {
        rt.block_on(async {
            let r = jury_http
                .post(format!("{}/api/team/submissions", jury.url))
                .bearer_auth(&m_token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        })
    };
    let (status, _) = raw(vec![b' '; 100_000]);
    assert_eq!(status, 413);
    let (status, body) = raw(b"{\"problem\": ".to_vec());
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("bad_request"), "{body}");
    let (status, body) = raw(b"{\"problem\": 5}".to_vec());
    assert!(status == 400 || status == 422, "{status} {body}");
    assert_eq!(
        jury_submissions(&contest).len(),
        before,
        "a malformed reference was recorded"
    );

    // a CLI submit of an oversized file fails before anything is sent
    let big = tmp.path().join("big.c");
    std::fs::write(&big, vec![b'/'; 300_000]).unwrap();
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.5", free_port());
    let out = ws.run(&["submit", "--problem", "A", big.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("at most 262144"), "{}", stderr(&out));
    let odd = tmp.path().join("we ird.c");
    std::fs::write(&odd, HELLO_C).unwrap();
    let out = ws.run(&["submit", "--problem", "A", odd.to_str().unwrap()]);
    assert!(
        stderr(&out).contains("invalid file name"),
        "{}",
        stderr(&out)
    );

    // the jury holds: 1 missing + 3 mismatches + 1 stolen rejected, alice's received
    let subs = jury_submissions(&contest);
    let states: Vec<_> = subs
        .iter()
        .map(|s| (s["team_id"].as_str().unwrap(), s["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [
            ("2", "rejected"),
            ("2", "rejected"),
            ("2", "rejected"),
            ("2", "rejected"),
            ("2", "rejected"),
            ("1", "received")
        ]
    );
    let log = audit(&contest);
    assert!(
        log.iter()
            .filter(|e| e["action"] == "submission.rejected")
            .count()
            >= 5
    );
    assert!(
        log.iter()
            .any(|e| e["action"] == "submission.refused" && e["source_ip"] == "127.0.0.3")
    );
    // each mismatch case is its own submission, stored as rejected
    let rejected: Vec<i64> = subs
        .iter()
        .filter(|s| s["state"] == "rejected")
        .filter_map(|s| s["id"].as_i64())
        .collect();
    let mut distinct = cases.clone();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "{cases:?}");
    for id in &cases {
        assert!(
            rejected.contains(id),
            "case {id} is not stored as rejected: {rejected:?}"
        );
    }
}

fn rand_bytes() -> [u8; 16] {
    let mut b = [0u8; 16];
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    b.copy_from_slice(&Sha256::digest(t.to_le_bytes())[..16]);
    b
}

/// A misbehaving kiosk callback server (raw TCP) for one kind of fault.
fn faulty_server(
    addr: SocketAddr,
    fault: &'static str,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    let listener = TcpListener::bind(addr).unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let end = Instant::now() + Duration::from_secs(30);
        while !stop.load(Ordering::Relaxed) && Instant::now() < end {
            let Ok((mut conn, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            };
            std::thread::spawn(move || {
                conn.set_nonblocking(false).unwrap();
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf);
                match fault {
                    "slow" => {
                        let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n");
                        for _ in 0..20 {
                            if conn.write_all(b"x").is_err() {
                                break;
                            }
                            std::thread::sleep(Duration::from_millis(150));
                        }
                    }
                    "too much" => {
                        let _ =
                            conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 4000000\r\n\r\n");
                        let chunk = vec![b'y'; 64 * 1024];
                        for _ in 0..60 {
                            if conn.write_all(&chunk).is_err() {
                                break;
                            }
                        }
                    }
                    _ => std::thread::sleep(Duration::from_secs(4)),
                }
            });
        }
    })
}

#[test]
fn slow_flooding_and_silent_callback_servers_end_in_clear_rejections() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(
        &contest,
        &[
            "--no-embedded-judgehost",
            "--callback-timeout-ms",
            "600",
            "--callback-attempts",
            "2",
            "--callback-backoff-ms",
            "100",
        ],
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = JuryClient::new(
        &jury.url,
        floorjudge_tests::pin_for(&jury.url),
        Some("127.0.0.2".parse().unwrap()),
        None,
    )
    .unwrap();
    let token = rt.block_on(client.identify()).unwrap().token;
    let port = free_port();
    for (fault, expect) in [
        ("slow", "did not arrive within 600 ms"),
        ("too much", "larger than the 20 bytes"),
        ("silent", "did not arrive within 600 ms"),
    ] {
        let stop = Arc::new(AtomicBool::new(false));
        let server = faulty_server(
            format!("127.0.0.2:{port}").parse().unwrap(),
            fault,
            stop.clone(),
        );
        let r = SubmissionRef {
            problem: "A".into(),
            language: "c".into(),
            files: vec![FileRef {
                name: "a.c".into(),
                size: 20,
                sha256: sha(&[b'x'; 20]),
            }],
            callback_name: floorjudge_team::callback_dir::new_callback_name(),
            callback_port: port,
            client_nonce: hex::encode(rand_bytes()),
        };
        let started = Instant::now();
        let s = rt.block_on(client.submit(&token, &r)).unwrap();
        assert_eq!(
            s.phase,
            floorjudge_proto::team::SubmissionPhase::Rejected,
            "{fault}: {s:?}"
        );
        assert!(
            s.reason.as_deref().unwrap().contains(expect),
            "{fault}: {s:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "{fault} took {:?}",
            started.elapsed()
        );
        stop.store(true, Ordering::Relaxed);
        server.join().unwrap();
    }
    let subs = jury_submissions(&contest);
    assert_eq!(subs.len(), 3);
    assert!(subs.iter().all(|s| s["state"] == "rejected"));
    assert!(
        !contest.join("uploads/1").exists(),
        "nothing of a failed pull was kept"
    );
}

#[test]
fn a_kiosk_restart_before_the_acknowledgement_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(
        &contest,
        &[
            "--no-embedded-judgehost",
            "--submit-wait-ms",
            "300",
            "--callback-backoff-ms",
            "2000",
            "--callback-attempts",
            "20",
        ],
    );
    let src = tmp.path().join("hello.c");
    std::fs::write(&src, HELLO_C).unwrap();
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.4", free_port());
    // the reference goes out, but nothing answers the callback (kiosk down)
    let out = ws.run(&[
        "--json",
        "submit",
        "--problem",
        "A",
        "--no-callback-server",
        src.to_str().unwrap(),
    ]);
    let s = last_json(&out);
    assert_eq!(s["phase"], "pending_callback", "{}", stderr(&out));
    assert_eq!(
        ws.callback_entries().len(),
        1,
        "the file is kept until acknowledged"
    );
    // the kiosk comes back: it serves its folder and resends the reference
    let mut kiosk = ws.spawn(&["serve"]);
    wait_for(
        "the submission to be received",
        Duration::from_secs(15),
        || {
            let subs = jury_submissions(&contest);
            (subs.len() == 1 && subs[0]["state"] == "received").then_some(())
        },
    );
    wait_for(
        "the callback entry to be deleted",
        Duration::from_secs(5),
        || ws.callback_entries().is_empty().then_some(()),
    );
    let _ = kiosk.kill();
    let _ = kiosk.wait();
    assert_eq!(jury_submissions(&contest).len(), 1, "stored twice");
    let callback = s["callback_name"].as_str().unwrap();
    assert_eq!(
        uploaded(&contest, "3", callback, "hello.c"),
        HELLO_C.as_bytes()
    );
}

#[test]
fn a_jury_restart_between_reference_and_pull_resumes_the_callback() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let flags = [
        "--no-embedded-judgehost",
        "--submit-wait-ms",
        "300",
        "--callback-backoff-ms",
        "60000",
    ];
    let mut jury = JuryProcess::start(&contest, &flags);
    let src = tmp.path().join("hello.c");
    std::fs::write(&src, HELLO_C).unwrap();
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.5", free_port());
    let s = last_json(&ws.run(&[
        "--json",
        "submit",
        "--problem",
        "A",
        "--no-callback-server",
        src.to_str().unwrap(),
    ]));
    assert_eq!(s["phase"], "pending_callback");
    // the jury dies with the callback pending (its next try was a minute away)
    let addr = jury.addr;
    jury.kill();
    let mut kiosk = ws.spawn(&["serve"]);
    std::thread::sleep(Duration::from_millis(300));
    let jury = JuryProcess::start_on(&contest, &addr.to_string(), &flags);
    wait_for("the resumed callback", Duration::from_secs(4), || {
        let subs = jury_submissions(&contest);
        (subs.len() == 1 && subs[0]["state"] == "received").then_some(())
    });
    assert!(
        jury.log().contains("resuming pending callbacks"),
        "{}",
        jury.log()
    );
    wait_for(
        "the callback entry to be deleted",
        Duration::from_secs(5),
        || ws.callback_entries().is_empty().then_some(()),
    );
    let _ = kiosk.kill();
    let _ = kiosk.wait();
    assert_eq!(jury_submissions(&contest).len(), 1);
}

#[test]
fn submissions_are_refused_while_the_contest_is_not_running() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("contest");
    let sample = workspace().join("assets/sample-contest");
    ok(jury_cmd(
        &dir,
        &["contest", "init", "--from", sample.to_str().unwrap()],
    ));
    let jury = JuryProcess::start(&dir, &["--no-embedded-judgehost"]);
    let src = tmp.path().join("hello.c");
    std::fs::write(&src, HELLO_C).unwrap();
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.2", free_port());
    // before the start a team sees the contest's name and clock, no problems
    let info = last_json(&ws.run(&["--json", "contest"]));
    assert_eq!(info["running"], false, "{info}");
    assert!(
        info["name"].as_str().is_some_and(|n| !n.is_empty()),
        "{info}"
    );
    assert_eq!(info["problems"], serde_json::json!([]), "{info}");
    assert!(info["server_time_ms"].as_i64().unwrap() > 0, "{info}");
    let out = ws.run(&[
        "submit",
        "--problem",
        "A",
        "--language",
        "c",
        src.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not running: it has not been scheduled"),
        "{}",
        stderr(&out)
    );
    assert!(jury_submissions(&dir).is_empty());
    assert!(
        ws.callback_entries().is_empty(),
        "a refused reference leaves no callback file"
    );
}

#[test]
fn a_submit_while_the_jury_is_down_is_kept_and_sent_when_it_is_back() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let flags = ["--no-embedded-judgehost"];
    let mut jury = JuryProcess::start(&contest, &flags);
    let src = tmp.path().join("hello.c");
    std::fs::write(&src, HELLO_C).unwrap();
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.4", free_port());
    // the kiosk has seen the contest (problems, languages) once
    assert!(ws.run(&["contest"]).status.success());
    let addr = jury.addr;
    jury.kill();
    // the jury is down: the submission is kept, not lost
    let out = ws.run(&["--json", "submit", "--problem", "A", src.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kept = last_json(&out);
    assert_eq!(kept["phase"], "kept", "{kept}");
    assert_eq!(kept["language"], "c", "resolved from the last contest info");
    assert_eq!(ws.callback_entries().len(), 1);
    // a kiosk that never saw the contest cannot guess the language: it says so
    let fresh = Workstation::new(
        tmp.path(),
        &format!("https://{addr}"),
        "127.0.0.7",
        free_port(),
    );
    let out = fresh.run(&["submit", "--problem", "A", src.to_str().unwrap()]);
    assert!(!out.status.success());
    // the jury comes back; `serve` sends the kept reference with its nonce
    let jury = JuryProcess::start_on(&contest, &addr.to_string(), &flags);
    let mut kiosk = ws.spawn(&["serve"]);
    wait_for(
        "the kept submission to be received",
        Duration::from_secs(30),
        || {
            let subs = jury_submissions(&contest);
            (subs.len() == 1 && subs[0]["state"] == "received").then_some(())
        },
    );
    wait_for(
        "the callback entry to be deleted",
        Duration::from_secs(15),
        || ws.callback_entries().is_empty().then_some(()),
    );
    // more resend rounds change nothing: stored once
    std::thread::sleep(Duration::from_secs(6));
    let _ = kiosk.kill();
    let _ = kiosk.wait();
    let subs = jury_submissions(&contest);
    assert_eq!(subs.len(), 1, "{subs:?}");
    assert_eq!(
        subs[0]["client_nonce"], kept["client_nonce"],
        "sent with the same nonce"
    );
    drop(jury);
}

#[test]
fn a_team_whose_kiosk_never_answers_cannot_delay_another_team() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &["--submit-wait-ms", "200"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    // mallory (team 2) sends 200 references to a port that accepts and
    // never answers
    let mallory = JuryClient::new(
        &jury.url,
        floorjudge_tests::pin_for(&jury.url),
        Some("127.0.0.3".parse().unwrap()),
        None,
    )
    .unwrap();
    let token = rt.block_on(mallory.identify()).unwrap().token;
    let port = free_port();
    let stop = Arc::new(AtomicBool::new(false));
    let _silent = faulty_server(
        format!("127.0.0.3:{port}").parse().unwrap(),
        "silent",
        stop.clone(),
    );
    let (mut pending, mut refused, mut limited) = (0, 0, 0);
    for _ in 0..200 {
        let r = SubmissionRef {
            problem: "A".into(),
            language: "c".into(),
            files: vec![FileRef {
                name: "a.c".into(),
                size: 20,
                sha256: sha(&[b'x'; 20]),
            }],
            callback_name: floorjudge_team::callback_dir::new_callback_name(),
            callback_port: port,
            client_nonce: hex::encode(rand_bytes()),
        };
        match rt.block_on(mallory.submit(&token, &r)) {
            Ok(s) => {
                assert_eq!(
                    s.phase,
                    floorjudge_proto::team::SubmissionPhase::PendingCallback
                );
                pending += 1;
            }
            Err(e) if e.code() == Some("too_many_pending") => {
                assert!(e.to_string().contains("still waiting"), "{e}");
                refused += 1;
            }
            Err(e) if e.code() == Some("rate_limited") => {
                assert!(e.to_string().contains("submissions in a minute"), "{e}");
                limited += 1;
            }
            Err(e) => panic!("{e}"),
        }
    }
    // 3 wait for their callback, the rest of the first 30 in a minute are
    // refused as too many waiting, and everything after the 30th as too fast
    assert_eq!((pending, refused, limited), (3, 27, 170));
    // meanwhile alice (team 1) submits: judged within 2 s
    let alice = agent(&rt, tmp.path(), &jury.url, "127.0.0.2", free_port());
    let src = tmp.path().join("hello.c");
    std::fs::write(&src, HELLO_C).unwrap();
    let started = Instant::now();
    let s = rt
        .block_on(alice.submit("A", "c", std::slice::from_ref(&src)))
        .unwrap();
    let a_token = alice.current_session().unwrap().token;
    let verdict = wait_for("alice's verdict", Duration::from_secs(10), || {
        let now = rt
            .block_on(alice.client().submission(&a_token, s.id))
            .unwrap();
        (now.phase == floorjudge_proto::team::SubmissionPhase::Judged).then_some(now)
    });
    let took = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    assert!(verdict.verdict.is_some(), "{verdict:?}");
    assert!(
        took < Duration::from_secs(2),
        "alice waited {took:?} behind mallory's silent kiosk"
    );
}

#[test]
fn a_reference_revived_by_a_resend_gets_the_revival_time() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(
        &contest,
        &[
            "--no-embedded-judgehost",
            "--callback-attempts",
            "1",
            "--callback-timeout-ms",
            "500",
        ],
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = JuryClient::new(
        &jury.url,
        floorjudge_tests::pin_for(&jury.url),
        Some("127.0.0.5".parse().unwrap()),
        None,
    )
    .unwrap();
    let session = rt.block_on(client.identify()).unwrap();
    // the file is kept, but no callback server answers yet
    let dir = floorjudge_team::CallbackDir::open(tmp.path().join("cb")).unwrap();
    let port = free_port();
    let name = floorjudge_team::callback_dir::new_callback_name();
    let r = SubmissionRef {
        problem: "A".into(),
        language: "c".into(),
        files: vec![FileRef {
            name: "hello.c".into(),
            size: HELLO_C.len() as u64,
            sha256: sha(HELLO_C.as_bytes()),
        }],
        callback_name: name.clone(),
        callback_port: port,
        client_nonce: hex::encode(rand_bytes()),
    };
    dir.store(
        &name,
        &[("hello.c".into(), HELLO_C.as_bytes().to_vec())],
        &r,
    )
    .unwrap();
    let first = rt.block_on(client.submit(&session.token, &r)).unwrap();
    assert_eq!(
        first.phase,
        floorjudge_proto::team::SubmissionPhase::Rejected
    );
    std::thread::sleep(Duration::from_millis(1500));
    // the team opens its port and resends: received, with the time of the resend
    let server = rt
        .block_on(floorjudge_team::CallbackServer::start(
            format!("127.0.0.5:{port}").parse().unwrap(),
            dir,
            None,
        ))
        .unwrap();
    server.set_jury_key(&session.jury_key).unwrap();
    let again = rt.block_on(client.submit(&session.token, &r)).unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(
        again.phase,
        floorjudge_proto::team::SubmissionPhase::Queued,
        "{again:?}"
    );
    assert!(
        again.submitted_ms >= first.submitted_ms + 1400,
        "official time {} must be the revival's, not the first reference's {}",
        again.submitted_ms,
        first.submitted_ms
    );
}
