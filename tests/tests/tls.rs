//! TLS on the jury's socket across real processes: the pinned certificate
//! works; a wrong fingerprint, a missing one, a plain-HTTP client and a man
//! in the middle with a certificate of its own are refused; an exposed key
//! stops the jury at start.

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
        .arg(root.join(format!("ws-{}", rand_suffix())));
    if let Some(p) = pin {
        c.args(["--jury-fingerprint", p]);
    }
    c.args(["--json", "whoami"])
        .output()
        .expect("floorjudge-team")
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
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
