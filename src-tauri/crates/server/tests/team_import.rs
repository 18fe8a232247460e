//! `team import`, IPs and passwords through the real binary, with DOMjudge's
//! and CLICS's own example files and every kind of bad input.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn dj(name: &str) -> PathBuf {
    shared()
        .join("contest-samples/domjudge/import-examples")
        .join(name)
}

fn clics(name: &str) -> PathBuf {
    shared()
        .join("contest-samples/ccs-specs/examples-2023-06/contest-package")
        .join(name)
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

fn team<'a>(teams: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    teams
        .as_array()
        .expect("teams")
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("no team {id} in {teams}"))
}

#[test]
fn domjudge_json_examples_import_together() {
    let (_tmp, c) = new_contest();
    let out = jury(
        &c,
        &[
            "--json",
            "team",
            "import",
            p(&dj("accounts.yaml")),
            p(&dj("teams.json")),
            p(&dj("groups.json")),
            p(&dj("organizations.json")),
        ],
    )
    .ok()
    .json();
    // Files come in any order: organizations, groups, teams, accounts are applied in that order.
    assert_eq!(out["imported"]["teams"], 2);
    assert_eq!(out["imported"]["ips"], 2);
    assert_eq!(out["imported"]["passwords"], 3);
    // teams.json names groups 24 and 25, which groups.json does not define.
    let warnings = out["warnings"].as_array().expect("warnings");
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().expect("w").contains("group 24")),
        "{warnings:?}"
    );
    let teams = jury(&c, &["--json", "team", "list"]).ok().json();
    let t1 = team(&teams, "1");
    assert_eq!(t1["name"], "¡i¡i¡");
    assert_eq!(t1["ip"], "10.10.2.1");
    assert_eq!(t1["has_password"], true);
    assert_eq!(t1["organization_id"], "INST-42");
    assert_eq!(t1["location"], "AUD 10");
    assert_eq!(team(&teams, "2")["ip"], "10.10.2.2");
    let status = jury(&c, &["--json", "status"]).ok().json();
    assert_eq!(
        (status["groups"].as_u64(), status["organizations"].as_u64()),
        (Some(5), Some(2))
    );
}

#[test]
fn domjudge_tsv_examples_import() {
    let (_tmp, c) = new_contest();
    jury(&c, &["team", "import", p(&dj("groups.tsv"))]).ok();
    let out = jury(&c, &["--json", "team", "import", p(&dj("teams2.tsv"))])
        .ok()
        .json();
    assert_eq!(out["imported"]["teams"], 2);
    let teams = jury(&c, &["--json", "team", "list"]).ok().json();
    assert_eq!(team(&teams, "2")["name"], "Pleading not FAUlty");
    assert_eq!(team(&teams, "2")["organization_id"], "INST-43");
    assert_eq!(team(&teams, "1")["group_ids"], serde_json::json!(["24"]));
    let out = jury(&c, &["--json", "team", "import", p(&dj("accounts.tsv"))])
        .ok()
        .json();
    assert_eq!(
        (
            out["imported"]["accounts"].as_u64(),
            out["imported"]["ips"].as_u64()
        ),
        (Some(3), Some(2))
    );
    let teams = jury(&c, &["--json", "team", "list"]).ok().json();
    assert_eq!(
        team(&teams, "1")["ip"],
        "10.10.2.1",
        "team001 is team 1 by DOMjudge's convention"
    );
    let status = jury(&c, &["--json", "status"]).ok().json();
    assert_eq!(status["teams_with_ip"], 2);
    assert_eq!(status["teams_with_password"], 2);
}

#[test]
fn clics_accounts_examples_import_in_json_and_yaml() {
    for file in [
        "example-yaml-files-accounts-yaml-1.json",
        "example-yaml-files-accounts-yaml-2.yaml",
    ] {
        let (tmp, c) = new_contest();
        let teams = tmp.path().join("teams.json");
        write(&teams, r#"[{"id": "45", "name": "Forty-five"}]"#);
        // The CLICS file is named after its section; give it the name organizers use.
        let ext = if file.ends_with(".json") {
            "json"
        } else {
            "yaml"
        };
        let accounts = tmp.path().join(format!("accounts.{ext}"));
        std::fs::copy(clics(file), &accounts).expect("copy");
        let out = jury(&c, &["--json", "team", "import", p(&teams), p(&accounts)])
            .ok()
            .json();
        assert_eq!(out["imported"]["accounts"], 2, "{file}");
        let list = jury(&c, &["--json", "team", "list"]).ok().json();
        assert_eq!(team(&list, "45")["ip"], "10.1.1.45", "{file}");
        assert_eq!(team(&list, "45")["has_password"], true, "{file}");
    }
}

#[test]
fn reimport_updates_teams_instead_of_duplicating() {
    let (tmp, c) = new_contest();
    let f = tmp.path().join("teams.json");
    write(&f, r#"[{"id": "7", "name": "Old"}]"#);
    jury(&c, &["team", "import", p(&f)]).ok();
    write(
        &f,
        r#"[{"id": "7", "name": "New", "display_name": "New (Lund)"}]"#,
    );
    jury(&c, &["team", "import", p(&f)]).ok();
    let list = jury(&c, &["--json", "team", "list"]).ok().json();
    assert_eq!(list.as_array().expect("list").len(), 1);
    assert_eq!(team(&list, "7")["display_name"], "New (Lund)");
}

/// Runs a team import expected to fail and checks that nothing changed.
fn refused(files: &[(&str, &str)], needles: &[&str]) {
    let (tmp, c) = new_contest();
    let base = tmp.path().join("base.json");
    write(
        &base,
        r#"[{"id": "1", "name": "One"}, {"id": "2", "name": "Two"}]"#,
    );
    let base = base.with_file_name("teams-base.json");
    write(
        &base,
        r#"[{"id": "1", "name": "One"}, {"id": "2", "name": "Two"}]"#,
    );
    jury(&c, &["team", "import", p(&base)]).ok();
    jury(&c, &["team", "set-ip", "1", "127.0.0.2"]).ok();
    let before = snapshot(&c);
    let paths: Vec<PathBuf> = files
        .iter()
        .map(|(name, content)| {
            let path = tmp.path().join(name);
            write(&path, content);
            path
        })
        .collect();
    let mut args = vec!["team", "import"];
    args.extend(paths.iter().map(|x| p(x)));
    jury(&c, &args).fails_with(needles);
    assert_eq!(snapshot(&c), before, "a refused import changed the contest");
}

#[test]
fn unknown_tsv_version_is_refused() {
    refused(
        &[("teams.tsv", "File_Version\t3\n9\t\t\tNine\n")],
        &["teams.tsv:1:", "unknown TSV version \"3\""],
    );
    refused(
        &[("whatever.tsv", "teams\t1\n")],
        &["whatever.tsv:1:", "unknown TSV header"],
    );
}

#[test]
fn duplicate_team_ids_are_refused_naming_both_lines() {
    refused(
        &[(
            "teams.tsv",
            "File_Version\t2\n10\t\t\tTen\n11\t\t\tEleven\n10\t\t\tTen again\n",
        )],
        &["teams.tsv:4:", "team id 10 appears twice", "teams.tsv:2"],
    );
    refused(
        &[(
            "teams.json",
            "[\n{\"id\": \"5\", \"name\": \"A\"},\n{\"id\": \"5\", \"name\": \"B\"}\n]\n",
        )],
        &["teams.json:", "team id 5 appears twice"],
    );
}

#[test]
fn duplicate_ips_are_refused() {
    refused(
        &[(
            "accounts.tsv",
            "accounts\t1\nteam\tOne\tteam1\tgood-pass-1\t10.0.0.1\nteam\tTwo\tteam2\tgood-pass-2\t10.0.0.1\n",
        )],
        &[
            "accounts.tsv:3:",
            "IP 10.0.0.1 appears twice",
            "accounts.tsv:2",
        ],
    );
    // An IP another team already holds in the contest.
    refused(
        &[(
            "accounts.tsv",
            "accounts\t1\nteam\tTwo\tteam2\tgood-pass-2\t127.0.0.2\n",
        )],
        &["accounts.tsv:2:", "already assigned to team 1"],
    );
}

#[test]
fn an_ip_that_is_not_an_ip_is_refused() {
    refused(
        &[(
            "accounts.tsv",
            "accounts\t1\nteam\tOne\tteam1\tgood-pass-1\t10.0.0.300\n",
        )],
        &["accounts.tsv:2:", "\"10.0.0.300\" is not an IP address"],
    );
    refused(
        &[(
            "accounts.yaml",
            "- username: team2\n  type: team\n  ip: not-an-ip\n",
        )],
        &["accounts.yaml:", "is not an IP address"],
    );
}

#[test]
fn malformed_files_are_refused_with_their_line() {
    refused(
        &[(
            "teams.json",
            "[{\"id\": \"3\", \"name\": \"Three\"},\n{\"id\": }]\n",
        )],
        &["teams.json:2:", "invalid JSON"],
    );
    refused(
        &[("groups.tsv", "File_Version\t1\nonly-one-column\n")],
        &["groups.tsv:2:", "2 tab-separated columns"],
    );
    refused(
        &[("teams.json", "[{\"id\": \"../x\", \"name\": \"X\"}]")],
        &["teams.json", "team id \"../x\" is not valid"],
    );
    refused(
        &[("accounts.tsv", "accounts\t1\nwizard\tW\tw\tgood-pass-1\n")],
        &["accounts.tsv:2:", "unknown account type \"wizard\""],
    );
    refused(
        &[(
            "accounts.tsv",
            "accounts\t1\nteam\tNobody\tteam77\tgood-pass-1\n",
        )],
        &["accounts.tsv:2:", "names no known team"],
    );
    refused(
        &[("accounts.tsv", "accounts\t1\nteam\tOne\tteam1\tpass\n")],
        &["accounts.tsv:2:", "too short"],
    );
    refused(
        &[(
            "accounts.tsv",
            "accounts\t1\nteam\tOne\tteam1\tpassword123\n",
        )],
        &["accounts.tsv:2:", "common"],
    );
    refused(
        &[(
            "teams.tsv",
            "File_Version\t2\n4\t\t\tFour\tLund University\tLU\tSweden\tINST-1\n",
        )],
        &["teams.tsv:2:", "alpha-3"],
    );
    refused(
        &[("roster.json", "[]")],
        &["roster.json", "cannot tell what this file holds"],
    );
    refused(&[("contest.yaml", "name: x\n")], &["contest init --from"]);
    // A good file and a bad one in the same command: neither is imported.
    refused(
        &[
            ("teams.json", "[{\"id\": \"9\", \"name\": \"Nine\"}]"),
            ("groups.tsv", "File_Version\t7\n"),
        ],
        &["groups.tsv:1:", "unknown TSV version"],
    );
}

#[test]
fn non_utf8_and_oversized_files_are_refused() {
    let (tmp, c) = new_contest();
    let before = snapshot(&c);
    let f = tmp.path().join("teams.json");
    std::fs::write(&f, b"[{\"id\": \"1\", \"name\": \"\xff\xfe\"}]").expect("write");
    jury(&c, &["team", "import", p(&f)]).fails_with(&["teams.json:1:", "not UTF-8"]);
    let big = tmp.path().join("groups.json");
    let file = std::fs::File::create(&big).expect("create");
    file.set_len(33 << 20).expect("sparse file");
    jury(&c, &["team", "import", p(&big)]).fails_with(&["groups.json", "larger than 32 MiB"]);
    jury(&c, &["team", "import", "/no/such/teams.json"])
        .fails_with(&["/no/such/teams.json", "cannot read"]);
    assert_eq!(snapshot(&c), before);
}

#[test]
fn set_ip_reset_ip_and_their_errors() {
    let (tmp, c) = new_contest();
    let f = tmp.path().join("teams.json");
    write(
        &f,
        r#"[{"id": "1", "name": "One"}, {"id": "2", "name": "Two"}]"#,
    );
    jury(&c, &["team", "import", p(&f)]).ok();
    // --contest may come after the subcommand too.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_floorjudge-jury"))
        .args(["team", "set-ip", "1", "127.0.0.2", "--contest", p(&c)])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    jury(&c, &["team", "set-ip", "2", "127.0.0.2"])
        .fails_with(&["127.0.0.2 is already assigned to team 1"]);
    jury(&c, &["team", "set-ip", "2", "127.0.0.256"])
        .fails_with(&["\"127.0.0.256\" is not an IP address"]);
    jury(&c, &["team", "set-ip", "99", "127.0.0.9"]).fails_with(&["no team \"99\""]);
    jury(&c, &["team", "set-ip", "2", "::1"]).ok();
    jury(&c, &["team", "reset-ip", "1"]).ok();
    jury(&c, &["team", "set-ip", "2", "127.0.0.2"]).ok();
    let list = jury(&c, &["--json", "team", "list"]).ok().json();
    assert_eq!(team(&list, "1")["ip"], serde_json::Value::Null);
    assert_eq!(team(&list, "2")["ip"], "127.0.0.2");
}

#[test]
fn passwords_are_generated_shown_once_and_stored_hashed() {
    let (tmp, c) = new_contest();
    let f = tmp.path().join("teams.json");
    write(
        &f,
        r#"[{"id": "1", "name": "One"}, {"id": "2", "name": "Two"}, {"id": "3", "name": "Three, Inc."}]"#,
    );
    jury(&c, &["team", "import", p(&f)]).ok();
    let csv = tmp.path().join("passwords.csv");
    jury(&c, &["team", "passwords", "--out", p(&csv)]).ok();
    let text = std::fs::read_to_string(&csv).expect("csv");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "team_id,team_name,ip,password");
    assert_eq!(lines.len(), 4);
    assert!(lines[3].starts_with("3,\"Three, Inc.\","), "{}", lines[3]);
    let pws: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.rsplit(',').next().expect("pw"))
        .collect();
    for pw in &pws {
        assert_eq!(pw.len(), 10);
        assert!(
            pw.bytes()
                .all(|b| b"23456789abcdefghjkmnpqrstuvwxyz".contains(&b)),
            "{pw}"
        );
    }
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&csv).expect("meta").permissions().mode() & 0o777,
        0o600
    );
    // Never overwrite the sheet.
    jury(&c, &["team", "passwords", "--out", p(&csv)]).fails_with(&["refusing to overwrite"]);
    // The clear passwords are nowhere in the database.
    let db = std::fs::read(c.join("contest.sqlite")).expect("db");
    let wal = std::fs::read(c.join("contest.sqlite-wal")).unwrap_or_default();
    for pw in &pws {
        let found = |hay: &[u8]| hay.windows(pw.len()).any(|w| w == pw.as_bytes());
        assert!(!found(&db) && !found(&wal), "clear password {pw} stored");
    }
    // One team, JSON.
    let one = jury(&c, &["--json", "team", "passwords", "--team", "2"])
        .ok()
        .json();
    assert_eq!(one.as_array().expect("one").len(), 1);
    assert_ne!(one[0]["password"].as_str(), Some(pws[1]));
    assert_eq!(
        jury(&c, &["--json", "team", "passwords", "--only-missing"])
            .ok()
            .json(),
        serde_json::json!([])
    );
    let with_password = jury(&c, &["--json", "status"]).ok().json()["teams_with_password"].clone();
    assert_eq!(with_password, 3);
    jury(&c, &["team", "set-ip", "1", "127.0.0.2"]).ok();
    let no_ip = jury(&c, &["--json", "team", "passwords", "--without-ip"])
        .ok()
        .json();
    let ids: Vec<&str> = no_ip
        .as_array()
        .expect("list")
        .iter()
        .map(|p| p["team_id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["2", "3"]);
}

#[test]
fn hand_set_passwords_follow_the_policy() {
    let (tmp, c) = new_contest();
    let f = tmp.path().join("teams.json");
    write(&f, r#"[{"id": "1", "name": "Rocketeers"}]"#);
    jury(&c, &["team", "import", p(&f)]).ok();
    jury_stdin(&c, &["team", "set-password", "1"], "short\n").fails_with(&["too short"]);
    jury_stdin(&c, &["team", "set-password", "1"], "qwertyuiop\n").fails_with(&["common"]);
    jury_stdin(&c, &["team", "set-password", "1"], "rocketeers\n").fails_with(&["team's name"]);
    assert_eq!(
        jury(&c, &["--json", "team", "list"]).ok().json()[0]["has_password"],
        false
    );
    jury_stdin(&c, &["team", "set-password", "1"], "blue-kettle-42\n").ok();
    assert_eq!(
        jury(&c, &["--json", "team", "list"]).ok().json()[0]["has_password"],
        true
    );
    jury_stdin(&c, &["team", "set-password", "nobody"], "blue-kettle-42\n")
        .fails_with(&["no team \"nobody\""]);
}

#[test]
fn control_characters_in_team_names_are_escaped_in_listings() {
    let (tmp, c) = new_contest();
    let teams = tmp.path().join("teams.json");
    // a name that would clear the screen and forge a line of its own
    write(
        &teams,
        r#"[{"id": "evil", "name": "Evil\u001b[2J\u001b[31m\nimported 99 teams\rX"}]"#,
    );
    jury(&c, &["team", "import", p(&teams)]).ok();
    let list = jury(&c, &["team", "list"]).ok().stdout;
    assert!(!list.contains('\u{1b}') && !list.contains('\r'), "{list:?}");
    assert!(
        list.contains("Evil\\x1b[2J\\x1b[31m\\nimported 99 teams\\rX"),
        "{list}"
    );
    assert_eq!(list.lines().count(), 1, "one team, one line: {list:?}");
    // the JSON listing keeps the name exactly (JSON escapes it)
    let json = jury(&c, &["--json", "team", "list"]).ok().json();
    assert_eq!(
        team(&json, "evil")["name"],
        "Evil\u{1b}[2J\u{1b}[31m\nimported 99 teams\rX"
    );
}
