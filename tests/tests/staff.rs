//! Staff accounts through the real `floorjudge-jury` binary: roles and the
//! password policy, a TOTP authenticator (checked here with an independent
//! RFC 6238 computation), a wrong or replayed code refused, recovery codes
//! working once, every refusal audited.

use floorjudge_tests::*;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// RFC 6238 with HMAC-SHA1, 30 s, 6 digits, written again for this test.
fn totp(secret_b32: &str, unix_s: u64) -> String {
    // RFC 4648 base32, no padding
    let mut bits = 0u64;
    let mut n = 0;
    let mut key = Vec::new();
    for c in secret_b32.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => panic!("not base32: {c}"),
        } as u64;
        bits = (bits << 5) | v;
        n += 5;
        if n >= 8 {
            n -= 8;
            key.push((bits >> n) as u8);
        }
    }
    let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &key);
    let tag = ring::hmac::sign(&k, &(unix_s / 30).to_be_bytes());
    let h = tag.as_ref();
    let o = (h[19] & 15) as usize;
    let v = u32::from_be_bytes([h[o] & 0x7f, h[o + 1], h[o + 2], h[o + 3]]) % 1_000_000;
    format!("{v:06}")
}

fn now_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn staff_log_in_with_password_and_authenticator_and_wrong_codes_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let pw = "juniper-lantern-77";
    // bad input first
    for (args, stdin, says) in [
        (
            vec!["staff", "add", "alice", "--role", "root"],
            pw,
            "not a role",
        ),
        (
            vec!["staff", "add", "alice", "--role", "jury"],
            "password",
            "password",
        ),
        (
            vec!["staff", "add", "al ice", "--role", "jury"],
            pw,
            "a staff name is",
        ),
    ] {
        let out = jury_cmd_stdin(&contest, &args, &format!("{stdin}\n"));
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    ok(jury_cmd_stdin(
        &contest,
        &["staff", "add", "alice", "--role", "jury"],
        &format!("{pw}\n"),
    ));
    ok(jury_cmd_stdin(
        &contest,
        &["staff", "add", "ana", "--role", "analyst"],
        &format!("{pw}\n"),
    ));
    let out = jury_cmd_stdin(
        &contest,
        &["staff", "add", "alice", "--role", "admin"],
        &format!("{pw}\n"),
    );
    assert!(
        stderr(&out).contains("already a staff account"),
        "{}",
        stderr(&out)
    );
    let login = |name: &str, password: &str, code: Option<&str>| {
        let mut args = vec!["staff", "login", name];
        if let Some(c) = code {
            args.extend(["--code", c]);
        }
        jury_cmd_stdin(&contest, &args, &format!("{password}\n"))
    };
    // before enrolment: the password alone
    assert!(ok(login("alice", pw, None)).contains("alice: jury"));
    for (name, password) in [("alice", "wrong-password-1"), ("nobody", pw)] {
        let out = login(name, password, None);
        assert!(
            stderr(&out).contains("name or password is wrong"),
            "{}",
            stderr(&out)
        );
    }
    // enrol: the secret and recovery codes are shown once
    let e: serde_json::Value = serde_json::from_str(&ok(jury_cmd(
        &contest,
        &["--json", "staff", "totp", "alice"],
    )))
    .unwrap();
    let secret = e["secret"].as_str().unwrap().to_owned();
    assert!(
        e["uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/floorjudge:alice?secret=")
    );
    let codes: Vec<String> = e["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    // now a jury login needs the code
    let out = login("alice", pw, None);
    assert!(
        stderr(&out).contains("needs its authenticator code"),
        "{}",
        stderr(&out)
    );
    let right = totp(&secret, now_s());
    let wrong = format!(
        "{:06}",
        (right.parse::<u32>().unwrap() + 500_000) % 1_000_000
    );
    let out = login("alice", pw, Some(&wrong));
    assert!(stderr(&out).contains("code is wrong"), "{}", stderr(&out));
    // the right code, once; the same code again is a replay
    let mut accepted = None;
    for _ in 0..2 {
        // a step boundary between computing and checking: take the next step's code
        let code = totp(&secret, now_s());
        let out = login("alice", pw, Some(&code));
        if out.status.success() {
            accepted = Some(code);
            break;
        }
    }
    let code = accepted.expect("the authenticator's code was accepted");
    let out = login("alice", pw, Some(&code));
    assert!(stderr(&out).contains("already used"), "{}", stderr(&out));
    // a recovery code works once
    assert!(ok(login("alice", pw, Some(&codes[0]))).contains("alice: jury"));
    let out = login("alice", pw, Some(&codes[0]));
    assert!(!out.status.success(), "a recovery code worked twice");
    // a right code with a wrong password is still refused
    let out = login("alice", "wrong-password-1", Some(&codes[1]));
    assert!(stderr(&out).contains("name or password is wrong"));
    // an analyst (read-only) needs no code
    assert!(ok(login("ana", pw, None)).contains("ana: analyst"));
    let list: Vec<serde_json::Value> =
        serde_json::from_str(&ok(jury_cmd(&contest, &["--json", "staff", "list"]))).unwrap();
    let alice = list.iter().find(|a| a["name"] == "alice").unwrap();
    assert_eq!(
        (
            alice["totp"].as_bool(),
            alice["recovery_codes_left"].as_i64()
        ),
        (Some(true), Some(9))
    );
    let refused = audit(&contest)
        .iter()
        .filter(|e| e["action"] == "staff.login.refused")
        .count();
    assert!(refused >= 6, "{refused} refusals audited");
    ok(jury_cmd(&contest, &["staff", "remove", "ana"]));
    let out = login("ana", pw, None);
    assert!(!out.status.success());
}

/// A console login over the jury's TLS port: the TOTP code is needed once
/// enrolled, a wrong one is refused and audited, the session token opens
/// the Contest API with the account's role, and logging out ends it.
#[test]
fn a_console_login_needs_the_code_and_its_session_opens_the_contest_api() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let pw = "boardroom-lantern-77";
    ok(jury_cmd_stdin(
        &contest,
        &["staff", "add", "alice", "--role", "admin"],
        &format!("{pw}\n"),
    ));
    let e: serde_json::Value = serde_json::from_str(&ok(jury_cmd(
        &contest,
        &["--json", "staff", "totp", "alice"],
    )))
    .unwrap();
    let secret = e["secret"].as_str().unwrap().to_owned();
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    let client = jury_http(&jury.url, None);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let post = |body: serde_json::Value| -> (u16, serde_json::Value) {
        rt.block_on(async {
            let r = client
                .post(format!("{}/api/staff/login", jury.url))
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json().await.unwrap())
        })
    };
    let get = |path: &str, token: Option<&str>| -> u16 {
        rt.block_on(async {
            let mut req = client.get(format!("{}{path}", jury.url));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            req.send().await.unwrap().status().as_u16()
        })
    };
    let (status, body) = post(serde_json::json!({"name": "alice", "password": pw}));
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("code_required")),
        "{body}"
    );
    let right = totp(&secret, now_s());
    let wrong = format!(
        "{:06}",
        (right.parse::<u32>().unwrap() + 500_000) % 1_000_000
    );
    let (status, body) = post(serde_json::json!({"name": "alice", "password": pw, "code": wrong}));
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("bad_code")),
        "{body}"
    );
    let (status, body) =
        post(serde_json::json!({"name": "alice", "password": "not-it-at-all", "code": right}));
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("bad_credentials")),
        "{body}"
    );
    let (status, body) = post(serde_json::json!({"name": "alice", "password": pw, "extra": 1}));
    assert_eq!(status, 422, "unknown fields are refused: {body}");
    assert!(
        body["message"].as_str().unwrap().contains("extra"),
        "{body}"
    );
    // the password alone does not open the Contest API for this account
    let basic = rt.block_on(async {
        client
            .get(format!("{}/api/contests/floordemo/accounts", jury.url))
            .basic_auth("alice", Some(pw))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(basic, 401);
    let (status, grant) = post(serde_json::json!({"name": "alice", "password": pw, "code": right}));
    assert_eq!(status, 200, "{grant}");
    assert_eq!(grant["role"], "admin");
    let token = grant["token"].as_str().unwrap().to_owned();
    // a code works once
    let (status, body) = post(serde_json::json!({"name": "alice", "password": pw, "code": right}));
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("bad_code")),
        "{body}"
    );
    assert_eq!(get("/api/staff/me", Some(&token)), 200);
    assert_eq!(get("/api/contests/floordemo/accounts", Some(&token)), 200);
    assert_eq!(get("/api/contests/floordemo/accounts", None), 403);
    assert_eq!(
        get("/api/contests/floordemo/accounts", Some("nonsense")),
        401
    );
    // the last character changed (to 0, or to 1 when it was 0)
    let last = if token.ends_with('0') { '1' } else { '0' };
    let tampered = format!("{}{last}", &token[..token.len() - 1]);
    assert_ne!(tampered, token);
    assert_eq!(get("/api/staff/me", Some(&tampered)), 401);
    let out = rt.block_on(async {
        client
            .post(format!("{}/api/staff/logout", jury.url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(out, 204);
    assert_eq!(get("/api/staff/me", Some(&token)), 401);
    // a recovery code logs in too; removing the account ends its sessions
    let recovery = e["recovery_codes"][0].as_str().unwrap();
    let (status, grant) =
        post(serde_json::json!({"name": "alice", "password": pw, "code": recovery}));
    assert_eq!(status, 200, "{grant}");
    let token = grant["token"].as_str().unwrap().to_owned();
    assert_eq!(get("/api/staff/me", Some(&token)), 200);
    ok(jury_cmd(&contest, &["staff", "remove", "alice"]));
    assert_eq!(get("/api/staff/me", Some(&token)), 401);
    let refused: Vec<serde_json::Value> = audit(&contest)
        .into_iter()
        .filter(|e| e["action"] == "staff.login.refused" && e["actor"] == "staff-api")
        .collect();
    assert!(refused.len() >= 4, "{refused:?}");
    assert!(
        refused.iter().all(|e| e["source_ip"] == "127.0.0.1"),
        "{refused:?}"
    );
}
