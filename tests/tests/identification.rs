//! Identification across real processes: the jury (`floorjudge-jury serve`)
//! and team agents (`floorjudge-team`), each on its own 127.0.0.N address.

use floorjudge_tests::*;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn pre_assigned_address_identifies_without_typing() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    let port = free_port();
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.3", port);
    let me = last_json(&ws.run(&["--json", "whoami"]));
    assert_eq!(me["team"]["id"], "2");
    assert_eq!(me["ip"], "127.0.0.3");
    assert_eq!(me["mode"], "ip");
    // the session file is private
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(ws.state.join("session.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    // an address no team holds is refused, with a reason, and audited
    let stranger = Workstation::new(tmp.path(), &jury.url, "127.0.0.99", port);
    let out = stranger.run(&["whoami"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not registered to a team"),
        "{}",
        stderr(&out)
    );
    let log = audit(&contest);
    assert!(
        log.iter()
            .any(|e| e["action"] == "team.identify.refused" && e["source_ip"] == "127.0.0.99")
    );
    assert!(jury.log().contains("team request refused"));
}

#[test]
fn password_works_once_then_the_address_is_bound() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    let port = free_port();
    let first = Workstation::new(tmp.path(), &jury.url, "127.0.0.7", port);
    let second = Workstation::new(tmp.path(), &jury.url, "127.0.0.8", port);

    // wrong password: refused, nothing bound
    let out = first.run(&["login", "--team", "5", "--password", "wrong-password-1"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("team or password is wrong"));
    let out = first.run(&[
        "login",
        "--team",
        "5",
        "--password",
        TEAM5_PASSWORD,
        "--json",
    ]);
    let me = last_json(&out);
    assert_eq!(
        (me["team"]["id"].as_str(), me["mode"].as_str()),
        (Some("5"), Some("password"))
    );
    // from now on the address alone identifies the team
    assert_eq!(
        last_json(&first.run(&["--json", "whoami"]))["team"]["id"],
        "5"
    );

    // the password is spent: refused from another workstation (even correct)
    let out = second.run(&["login", "--team", "5", "--password", TEAM5_PASSWORD]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("already bound to a workstation"),
        "{}",
        stderr(&out)
    );
    // and from the same one
    let out = first.run(&["login", "--team", "5", "--password", TEAM5_PASSWORD]);
    assert!(!out.status.success());

    // a jury reset frees the team: the password works again, from the new place
    ok(jury_cmd(&contest, &["team", "reset-ip", "5"]));
    let me = last_json(&second.run(&[
        "login",
        "--team",
        "5",
        "--password",
        TEAM5_PASSWORD,
        "--json",
    ]));
    assert_eq!(me["ip"], "127.0.0.8");
    // the first workstation's old token no longer works and it is a stranger again
    let out = first.run(&["status"]);
    assert!(!out.status.success(), "old session still works");

    let log = audit(&contest);
    let binds = log
        .iter()
        .filter(|e| e["action"] == "team.bind_ip" && e["subject"] == "5")
        .count();
    assert_eq!(binds, 2, "{log:#?}");
    assert!(
        log.iter()
            .any(|e| e["action"] == "team.login.refused" && e["source_ip"] == "127.0.0.8")
    );
    assert!(log.iter().any(|e| e["action"] == "team.reset_ip"));
}

#[test]
fn brute_force_logins_are_rate_limited() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    // the runtime outlives the clients (their pooled TLS connections close in it)
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = floorjudge_team::JuryClient::new(
        &jury.url,
        floorjudge_tests::pin_for(&jury.url),
        Some("127.0.0.20".parse().unwrap()),
        None,
    )
    .unwrap();
    let mut codes = Vec::new();
    for i in 0..8 {
        let r = rt.block_on(client.login("5", &format!("guess-{i:04}")));
        codes.push(r.unwrap_err().code().unwrap().to_owned());
    }
    assert_eq!(&codes[..5], &["bad_credentials"; 5]);
    assert_eq!(&codes[5..], &["rate_limited"; 3], "{codes:?}");
    // even the right password is refused while the address is blocked
    let r = rt.block_on(client.login("5", TEAM5_PASSWORD));
    assert_eq!(r.unwrap_err().code(), Some("rate_limited"));
    // another address may still log in; the per-team limit (10 per 10 min) is not reached
    let other = floorjudge_team::JuryClient::new(
        &jury.url,
        floorjudge_tests::pin_for(&jury.url),
        Some("127.0.0.21".parse().unwrap()),
        None,
    )
    .unwrap();
    let s = rt.block_on(other.login("5", TEAM5_PASSWORD)).unwrap();
    assert_eq!(s.team.id, "5");
    // a raw request shows the Retry-After header
    let http = floorjudge_tests::jury_http(&jury.url, Some("127.0.0.20".parse().unwrap()));
    let resp = rt
        .block_on(async {
            http.post(format!("{}/api/team/login", jury.url))
                .json(&serde_json::json!({"team": "6", "password": "x"}))
                .send()
                .await
        })
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert!(resp.headers().get("retry-after").is_some());
}

#[test]
fn pairing_code_approved_by_the_jury_binds_the_workstation() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.9", free_port());
    let mut pairing = ws.spawn(&["--json", "pair", "--wait", "30"]);
    let mut reader = std::io::BufReader::new(pairing.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut reader, &mut line).unwrap();
    let code: serde_json::Value = serde_json::from_str(&line).unwrap();
    let code = code["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 6);

    // an unknown code and a wrong team are refused; nothing is bound
    assert!(
        !jury_cmd(&contest, &["team", "pair", "zzzzzz", "6"])
            .status
            .success()
    );
    let out = jury_cmd(&contest, &["team", "pair", &code, "1"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("already bound"), "{}", stderr(&out));

    ok(jury_cmd(&contest, &["team", "pair", &code, "6"]));
    let status = pairing.wait().unwrap();
    line.clear();
    std::io::BufRead::read_line(&mut reader, &mut line).unwrap();
    assert!(status.success());
    let me: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(me["team"]["id"], "6");
    assert_eq!(last_json(&ws.run(&["--json", "whoami"]))["team"]["id"], "6");
    // a used code cannot be approved again
    let out = jury_cmd(&contest, &["team", "pair", &code, "5"]);
    assert!(
        stderr(&out).contains("already approved"),
        "{}",
        stderr(&out)
    );
    // a bound workstation gets no new code
    let out = ws.run(&["pair", "--wait", "0"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("already registered to team 6"));
}

#[test]
fn a_token_copied_to_another_address_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.2", free_port());
    ok(ws.run(&["whoami"]));
    let token = ws.token();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let get_with = |http: reqwest::Client, token: &str| {
        rt.block_on(async {
            let r = http
                .get(format!("{}/api/team/submissions", jury.url))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        })
    };
    let get = |ip: &str, token: &str| {
        get_with(
            floorjudge_tests::jury_http(&jury.url, Some(ip.parse().unwrap())),
            token,
        )
    };
    assert_eq!(get_with(ws.http(), &token).0, 200);
    // from the workstation's own address, but without its kiosk key
    let (status, body) = get("127.0.0.2", &token);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("kiosk_key_mismatch"), "{body}");
    // from a stranger's address and from another team's address
    for ip in ["127.0.0.30", "127.0.0.3"] {
        let (status, body) = get(ip, &token);
        assert_eq!(status, 403, "{body}");
        assert!(body.contains("session_from_other_address"), "{body}");
    }
    // a forged verifier with a real selector
    let forged = format!("{}.{}", token.split('.').next().unwrap(), "0".repeat(64));
    let (status, body) = get("127.0.0.2", &forged);
    assert_eq!(status, 401, "{body}");
    for garbage in ["", "x", "Bearer", &"a".repeat(5000)] {
        assert_eq!(get("127.0.0.2", garbage).0, 401);
    }
    let log = audit(&contest);
    assert!(log.iter().any(|e| e["action"] == "team.session.refused"
        && e["source_ip"] == "127.0.0.30"
        && e["subject"] == "1"));
}

#[test]
fn modes_turned_off_are_refused_but_bound_addresses_still_identify() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    ok(jury_cmd(&contest, &["contest", "set-id-modes", "ip"]));
    assert!(
        !jury_cmd(&contest, &["contest", "set-id-modes", "ip,fingerprint"])
            .status
            .success()
    );
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.40", free_port());
    let out = ws.run(&["login", "--team", "5", "--password", TEAM5_PASSWORD]);
    assert!(
        stderr(&out).contains("identification by password is turned off"),
        "{}",
        stderr(&out)
    );
    let out = ws.run(&["pair", "--wait", "0"]);
    assert!(
        stderr(&out).contains("identification by pairing is turned off"),
        "{}",
        stderr(&out)
    );
    let out = ws.run(&["whoami"]);
    assert!(
        stderr(&out).contains("ask the organizers to register its address"),
        "{}",
        stderr(&out)
    );
    let bound = Workstation::new(tmp.path(), &jury.url, "127.0.0.2", free_port());
    assert_eq!(
        last_json(&bound.run(&["--json", "whoami"]))["team"]["id"],
        "1"
    );
}

#[test]
fn a_parallel_burst_of_wrong_passwords_gets_no_more_tries_than_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = floorjudge_team::JuryClient::new(
        &jury.url,
        floorjudge_tests::pin_for(&jury.url),
        Some("127.0.0.30".parse().unwrap()),
        None,
    )
    .unwrap();
    // 20 wrong passwords at once: each is counted before its argon2 runs,
    // so only the address's 5 are checked at all
    let codes = rt.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for i in 0..20 {
            let c = client.clone();
            set.spawn(async move {
                c.login("5", &format!("burst-{i:04}"))
                    .await
                    .unwrap_err()
                    .code()
                    .unwrap()
                    .to_owned()
            });
        }
        let mut codes = Vec::new();
        while let Some(code) = set.join_next().await {
            codes.push(code.unwrap());
        }
        codes
    });
    let checked = codes.iter().filter(|c| *c == "bad_credentials").count();
    let limited = codes.iter().filter(|c| *c == "rate_limited").count();
    assert_eq!((checked, limited), (5, 15), "{codes:?}");
    // the team itself is not locked out: its own workstation logs in
    let own = floorjudge_team::JuryClient::new(
        &jury.url,
        floorjudge_tests::pin_for(&jury.url),
        Some("127.0.0.31".parse().unwrap()),
        None,
    )
    .unwrap();
    let s = rt.block_on(own.login("5", TEAM5_PASSWORD)).unwrap();
    assert_eq!(s.team.id, "5");
}

#[test]
fn refusals_from_one_address_are_audited_up_to_a_cap() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let stranger = floorjudge_team::JuryClient::new(
        &jury.url,
        floorjudge_tests::pin_for(&jury.url),
        Some("127.0.0.99".parse().unwrap()),
        None,
    )
    .unwrap();
    for _ in 0..60 {
        let e = rt.block_on(stranger.identify()).unwrap_err();
        assert_eq!(e.code(), Some("unknown_address"));
    }
    let rows = audit(&contest)
        .into_iter()
        .filter(|e| e["source_ip"] == "127.0.0.99" && e["action"] == "team.identify.refused")
        .count();
    // 60 refusals in well under a minute (at most two minutes): the audit log
    // holds at most 20 a minute of them
    assert!((20..=40).contains(&rows), "{rows} rows");
}
