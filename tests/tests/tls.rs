//! TLS on the jury's socket across real processes: the pinned certificate
//! works; a wrong fingerprint, a missing one, a plain-HTTP client and a man
//! in the middle with a certificate of its own are refused; an exposed key
//! stops the jury at start. The kiosk key: bound with the workstation
//! address at first identification, proved on every later call, pinned by
//! the jury when it pulls files, and forgotten by `team reset-ip`.

use std::process::Command;

use floorjudge_tests::*;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `floorjudge-team whoami` from 127.0.0.3 (team 2's pre-assigned address)
/// against `url`, pinning `pin` (no pin flag when `None`).
fn whoami(root: &std::path::Path, url: &str, pin: Option<&str>) -> std::process::Output {
    let mut c = Command::new(bin("floorjudge-team"));
    c.args(["--jury", url, "--source-ip", "127.0.0.3"])
        .arg("--state-dir")
        .arg(root.join("ws-tls"));
    if let Some(p) = pin {
        c.args(["--jury-fingerprint", p]);
    }
    c.args(["--json", "whoami"])
        .output()
        .expect("floorjudge-team")
}

#[test]
fn a_machine_taking_over_a_bound_address_without_the_kiosk_key_is_refused_until_reset() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    // team 2's pre-assigned workstation identifies: its key is bound
    let kiosk = Workstation::new(tmp.path(), &jury.url, "127.0.0.3", free_port());
    assert_eq!(
        last_json(&kiosk.run(&["--json", "whoami"]))["team"]["id"],
        "2"
    );
    // another machine on the same address (another state folder, another key)
    let intruder = Workstation::new(
        &tmp.path().join("intruder"),
        &jury.url,
        "127.0.0.3",
        free_port(),
    );
    let out = intruder.run(&["whoami"]);
    assert!(!out.status.success(), "the intruder was identified");
    let err = stderr(&out);
    assert!(
        err.contains("kiosk key") && err.contains("team reset-ip 2"),
        "{err}"
    );
    let audit = ok(jury_cmd(&contest, &["audit", "--limit", "20"]));
    assert!(audit.contains("team.identify.refused"), "{audit}");
    // the real kiosk is unaffected
    assert_eq!(
        last_json(&kiosk.run(&["--json", "whoami"]))["team"]["id"],
        "2"
    );
    // the jury replaces the workstation: reset, bind the address again; the
    // new machine binds its own key and the old one is now the stranger
    ok(jury_cmd(&contest, &["team", "reset-ip", "2"]));
    ok(jury_cmd(&contest, &["team", "set-ip", "2", "127.0.0.3"]));
    assert_eq!(
        last_json(&intruder.run(&["--json", "whoami"]))["team"]["id"],
        "2"
    );
    let out = kiosk.run(&["whoami"]);
    assert!(!out.status.success(), "the replaced kiosk was identified");
    assert!(stderr(&out).contains("kiosk key"), "{}", stderr(&out));
}

#[test]
fn the_jury_pulls_files_only_from_the_kiosk_key_bound_with_the_address() {
    use floorjudge_proto::team::{FileRef, SubmissionPhase, SubmissionRef};
    use sha2::Digest;
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
    let key = |dir: &str| {
        floorjudge_tls::Identity::load_or_create(
            &{
                let d = tmp.path().join(dir);
                std::fs::create_dir_all(&d).unwrap();
                d
            },
            "kiosk-tls",
            &["floorjudge-kiosk"],
        )
        .unwrap()
    };
    let (kiosk_key, impostor_key) = (key("kiosk"), key("impostor"));
    let client = floorjudge_team::JuryClient::new(
        &jury.url,
        pin_for(&jury.url),
        Some("127.0.0.5".parse().unwrap()),
        Some(&kiosk_key),
    )
    .unwrap();
    let session = rt.block_on(client.identify()).unwrap();
    let dir = floorjudge_team::CallbackDir::open(tmp.path().join("cb")).unwrap();
    let source = b"#include <stdio.h>\nint main(void) { puts(\"Hello World!\"); return 0; }\n";
    let reference = |port: u16| {
        let name = floorjudge_team::callback_dir::new_callback_name();
        let r = SubmissionRef {
            problem: "A".into(),
            language: "c".into(),
            files: vec![FileRef {
                name: "hello.c".into(),
                size: source.len() as u64,
                sha256: hex::encode(sha2::Sha256::digest(source)),
            }],
            callback_name: name.clone(),
            callback_port: port,
            client_nonce: hex::encode(rand::random::<[u8; 16]>()),
        };
        dir.store(&name, &[("hello.c".into(), source.to_vec())], &r)
            .unwrap();
        r
    };
    // an impostor at the team's address, holding the right files, with a
    // key of its own: the jury's pull fails in the handshake
    let impostor_port = free_port();
    let impostor = rt
        .block_on(floorjudge_team::CallbackServer::start(
            format!("127.0.0.5:{impostor_port}").parse().unwrap(),
            dir.clone(),
            Some(&impostor_key),
        ))
        .unwrap();
    impostor.set_jury_key(&session.jury_key).unwrap();
    let r = reference(impostor_port);
    let status = rt.block_on(client.submit(&session.token, &r)).unwrap();
    assert_eq!(status.phase, SubmissionPhase::Rejected, "{status:?}");
    let reason = status.reason.unwrap_or_default();
    assert!(
        reason.contains(&impostor_key.fingerprint().to_string())
            && reason.contains(&kiosk_key.fingerprint().to_string()),
        "{reason}"
    );
    assert!(dir.holds(&r.callback_name), "the impostor was never read");
    // the kiosk itself serves with its own key: pulled
    let port = free_port();
    let real = rt
        .block_on(floorjudge_team::CallbackServer::start(
            format!("127.0.0.5:{port}").parse().unwrap(),
            dir.clone(),
            Some(&kiosk_key),
        ))
        .unwrap();
    real.set_jury_key(&session.jury_key).unwrap();
    let r = reference(port);
    let status = rt.block_on(client.submit(&session.token, &r)).unwrap();
    assert_eq!(status.phase, SubmissionPhase::Queued, "{status:?}");
}

#[test]
fn only_the_pinned_certificate_is_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    assert!(jury.url.starts_with("https://"), "{}", jury.url);
    let pin = jury.fingerprint.to_string();

    // the right fingerprint: identified, and `tls show` prints the same one
    let me = last_json(&whoami(tmp.path(), &jury.url, Some(&pin)));
    assert_eq!(me["team"]["id"], "2");
    let shown = Command::new(bin("floorjudge-jury"))
        .arg("--contest")
        .arg(&contest)
        .args(["tls", "show"])
        .output()
        .unwrap();
    assert!(ok(shown).contains(&pin));

    // a wrong fingerprint is refused, naming both
    let wrong = format!("sha256:{}", "ab".repeat(32));
    let out = whoami(tmp.path(), &jury.url, Some(&wrong));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains(&pin) && err.contains(&wrong), "{err}");

    // no fingerprint for an https jury: a clear error, no connection
    let out = whoami(tmp.path(), &jury.url, None);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("needs its certificate fingerprint"),
        "{}",
        stderr(&out)
    );

    // a malformed fingerprint is refused by the argument parser
    let out = whoami(tmp.path(), &jury.url, Some("sha256:xyz"));
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not a certificate fingerprint"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_plain_http_client_gets_nothing_and_is_logged() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    let plain = jury.url.replace("https://", "http://");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = floorjudge_tls::http_client_builder().build().unwrap();
    let r = rt.block_on(async { http.post(format!("{plain}/api/team/identify")).send().await });
    assert!(r.is_err(), "a plain request must get no HTTP answer: {r:?}");
    wait_for(
        "the refusal in the log",
        std::time::Duration::from_secs(5),
        || jury.log().contains("TLS handshake failed").then_some(()),
    );
}

#[test]
fn a_man_in_the_middle_with_its_own_certificate_is_refused() {
    // another jury (its own contest, its own key) stands in for an
    // interceptor: a client pinned to the real jury must not talk to it
    let tmp = tempfile::tempdir().unwrap();
    let real = sample_contest(&tmp.path().join("real"));
    let fake = sample_contest(&tmp.path().join("fake"));
    let jury = JuryProcess::start(&real, &["--no-embedded-judgehost"]);
    let mitm = JuryProcess::start(&fake, &["--no-embedded-judgehost"]);
    assert_ne!(jury.fingerprint, mitm.fingerprint);
    let pin = jury.fingerprint.to_string();
    let out = whoami(tmp.path(), &mitm.url, Some(&pin));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&mitm.fingerprint.to_string()) && err.contains(&pin),
        "{err}"
    );
    // the client broke off in the handshake: the interceptor saw no request
    wait_for(
        "the broken handshake in the interceptor's log",
        std::time::Duration::from_secs(5),
        || mitm.log().contains("TLS handshake failed").then_some(()),
    );
}

#[test]
fn a_tls_key_readable_by_others_stops_the_jury() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let key = contest.join("jury-tls.key");
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600,
        "contest init made the key private"
    );
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = Command::new(bin("floorjudge-jury"))
        .arg("--contest")
        .arg(&contest)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("chmod 600"), "{}", stderr(&out));
}

#[test]
fn the_contest_folder_is_private_and_an_exposed_jury_key_stops_the_jury() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    // the serve below makes jury.key; first, what init left
    assert_eq!(mode(&contest), 0o700, "the contest folder");
    assert_eq!(mode(&contest.join("contest.sqlite")), 0o600);
    assert_eq!(mode(&contest.join("uploads")), 0o700);
    // an older contest left open is made private when it is next opened
    std::fs::set_permissions(&contest, std::fs::Permissions::from_mode(0o755)).unwrap();
    ok(jury_cmd(&contest, &["status"]));
    assert_eq!(mode(&contest), 0o700, "tightened on open");
    {
        let _jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    }
    let key = contest.join("jury.key");
    assert_eq!(mode(&key), 0o600);
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = Command::new(bin("floorjudge-jury"))
        .arg("--contest")
        .arg(&contest)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("jury.key") && err.contains("chmod 600"),
        "{err}"
    );
}
