//! The CLICS Contest API of a running jury, checked against the spec's own
//! JSON schemas (2023-06, strict: no property the spec does not name): every
//! endpoint and every event-feed line of a small contest with judged
//! submissions, a clarification and a freeze, for the public and for staff;
//! unknown ids 404; a `since_token` resume gives exactly what followed; the
//! public sees the frozen contest until the jury lifts the freeze.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use floorjudge_tests::*;
use serde_json::Value;

const GREET: &str = "assets/sample-contest/greetings/submissions/accepted/greet.c";
const SCHEMA_ID: &str = "https://github.com/icpc/ccs-specs/raw/2023-06/json-schema/";

/// The spec's schemas, strict, served from `../shared` by file name.
struct Schemas {
    files: HashMap<String, Value>,
}

impl jsonschema::Retrieve for Schemas {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri.as_str().trim_start_matches(SCHEMA_ID);
        self.files
            .get(name)
            .cloned()
            .ok_or_else(|| format!("no schema {uri}").into())
    }
}

fn schemas() -> Schemas {
    let dir = workspace().join("../shared/contest-samples/ccs-specs/json-schema-2023-06");
    let mut files = HashMap::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        // the spec's own switch to strict checking
        let text = text.replace(
            r#""$comment": "ANCHOR_TO_INSERT_REQUIRE_STRICT_PROPERTIES""#,
            r#""additionalProperties": false"#,
        );
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        files.insert(name, serde_json::from_str(&text).unwrap());
    }
    Schemas { files }
}

struct Checker {
    validators: HashMap<String, jsonschema::Validator>,
}

impl Checker {
    fn new() -> Checker {
        let all = schemas();
        let mut validators = HashMap::new();
        for (name, schema) in &all.files {
            let v = jsonschema::options()
                .with_retriever(Schemas {
                    files: all.files.clone(),
                })
                .build(schema)
                .unwrap_or_else(|e| panic!("schema {name}: {e}"));
            validators.insert(name.trim_end_matches(".json").to_owned(), v);
        }
        Checker { validators }
    }

    fn check(&self, schema: &str, what: &str, v: &Value) {
        let validator = &self.validators[schema];
        let errors: Vec<String> = validator
            .iter_errors(v)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{what} is not a valid {schema}:\n{}\n{}",
            errors.join("\n"),
            serde_json::to_string_pretty(v).unwrap()
        );
    }
}

struct Api {
    client: reqwest::Client,
    base: String,
    rt: tokio::runtime::Runtime,
}

impl Api {
    fn get(&self, path: &str, user: Option<(&str, &str)>) -> (u16, String) {
        self.rt.block_on(async {
            let mut req = self.client.get(format!("{}{path}", self.base));
            if let Some((u, p)) = user {
                req = req.basic_auth(u, Some(p));
            }
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            (status, resp.text().await.unwrap())
        })
    }

    fn json(&self, path: &str, user: Option<(&str, &str)>) -> Value {
        let (status, body) = self.get(path, user);
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
    }

    /// The feed without streaming: every line so far.
    fn feed(&self, query: &str, user: Option<(&str, &str)>) -> Vec<Value> {
        let (status, body) = self.get(
            &format!("/api/contests/floordemo/event-feed?stream=false{query}"),
            user,
        );
        assert_eq!(status, 200, "{body}");
        body.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

fn add_staff(contest: &Path, name: &str, role: &str, password: &str) {
    ok(jury_cmd_stdin(
        contest,
        &["staff", "add", name, "--role", role],
        &format!("{password}\n"),
    ));
}

fn submit(ws: &Workstation, file: &Path) -> Value {
    ws.submit_and_wait("greetings", file)
}

fn schema_of(endpoint: &str) -> &str {
    match endpoint {
        "judgement-types" => "judgement-type",
        "languages" => "language",
        "problems" => "problem",
        "groups" => "group",
        "organizations" => "organization",
        "teams" => "team",
        "accounts" => "account",
        "submissions" => "submission",
        "judgements" => "judgement",
        "runs" => "run",
        "clarifications" => "clarification",
        "awards" => "award",
        other => panic!("{other}"),
    }
}

const ENDPOINTS: &[&str] = &[
    "judgement-types",
    "languages",
    "problems",
    "groups",
    "organizations",
    "teams",
    "accounts",
    "submissions",
    "judgements",
    "runs",
    "clarifications",
    "awards",
];

#[test]
fn the_contest_api_answers_every_endpoint_and_feed_line_as_the_spec_s_schemas_say() {
    let checker = Checker::new();
    // the schemas are strict: a property the spec does not name fails
    let extra = serde_json::json!({"id": "1", "name": "A", "label": "1", "colour": "red"});
    assert!(!checker.validators["team"].is_valid(&extra));
    assert!(
        checker.validators["team"]
            .is_valid(&serde_json::json!({"id": "1", "name": "A", "label": "1"}))
    );
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    add_staff(&contest, "ana", "analyst", "analyst-password-1");
    add_staff(&contest, "root", "admin", "admin-password-12");
    add_staff(&contest, "judy", "jury", "jury-password-123");
    ok(jury_cmd(&contest, &["--json", "staff", "totp", "judy"]));
    // the freeze begins 8 s after the start
    ok(jury_cmd(
        &contest,
        &["contest", "set", "--freeze", "1:59:52"],
    ));
    let jury = JuryProcess::start(&contest, &[]);
    let api = Api {
        client: jury_http(&jury.url, None),
        base: jury.url.clone(),
        rt: tokio::runtime::Runtime::new().unwrap(),
    };
    let analyst = Some(("ana", "analyst-password-1"));
    let admin = Some(("root", "admin-password-12"));

    let team1 = Workstation::new(tmp.path(), &jury.url, "127.0.0.2", free_port());
    let team6 = Workstation::new(tmp.path(), &jury.url, "127.0.0.7", free_port());
    ok(jury_cmd(&contest, &["team", "set-ip", "6", "127.0.0.7"]));
    let greet = workspace().join(GREET);
    let wrong = tmp.path().join("wrong.c");
    std::fs::write(
        &wrong,
        "#include <stdio.h>\nint main(void) { puts(\"no\"); }\n",
    )
    .unwrap();
    let before = submit(&team1, &wrong);
    assert_eq!(before["verdict"], "WA", "{before}");
    let hidden = submit(&team6, &greet);
    assert_eq!(hidden["verdict"], "AC", "{hidden}");
    ok(team1.run(&[
        "clarification",
        "ask",
        "--problem",
        "greetings",
        "Is the name ASCII?",
    ]));
    ok(jury_cmd(
        &contest,
        &["clarification", "announce", "Names are ASCII."],
    ));
    // after the freeze: an AC the public must not see until the thaw
    wait_for("the freeze", Duration::from_secs(30), || {
        let state = api.json("/api/contests/floordemo/state", None);
        state["frozen"].is_string().then_some(())
    });
    let during = submit(&team1, &greet);
    assert_eq!(during["verdict"], "AC", "{during}");

    // the root, the contests, the contest, state, scoreboard and access
    checker.check("api_information", "/api", &api.json("/api", None));
    for user in [None, analyst, admin] {
        let list = api.json("/api/contests", user);
        assert_eq!(list.as_array().unwrap().len(), 1);
        checker.check("contest", "/api/contests[0]", &list[0]);
        let c = api.json("/api/contests/floordemo/", user);
        checker.check("contest", "contest", &c);
        assert_eq!(c["penalty_time"], 20);
        assert_eq!(c["scoreboard_freeze_duration"], "1:59:52.000");
        checker.check(
            "state",
            "state",
            &api.json("/api/contests/floordemo/state", user),
        );
        checker.check(
            "scoreboard",
            "scoreboard",
            &api.json("/api/contests/floordemo/scoreboard", user),
        );
        checker.check(
            "access",
            "access",
            &api.json("/api/contests/floordemo/access", user),
        );
    }
    // every collection and each of its objects by id
    let mut seen: HashMap<(&str, bool), Vec<Value>> = HashMap::new();
    for (user, staff) in [(None, false), (admin, true)] {
        for endpoint in ENDPOINTS {
            if *endpoint == "accounts" && !staff {
                let (status, body) = api.get("/api/contests/floordemo/accounts", None);
                assert_eq!(status, 403, "{body}");
                continue;
            }
            let list = api.json(&format!("/api/contests/floordemo/{endpoint}/"), user);
            let list = list.as_array().unwrap().clone();
            for item in &list {
                checker.check(schema_of(endpoint), endpoint, item);
                let id = item["id"].as_str().unwrap();
                if *endpoint != "awards" {
                    let one = api.json(&format!("/api/contests/floordemo/{endpoint}/{id}"), user);
                    assert_eq!(&one, item, "{endpoint}/{id}");
                }
            }
            seen.insert((endpoint, staff), list);
        }
    }
    let ids = |endpoint: &str, staff: bool| -> Vec<String> {
        seen[&(endpoint, staff)]
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let sid = |v: &Value| v["id"].as_i64().unwrap().to_string();
    // what each audience sees
    assert_eq!(ids("problems", true), ids("problems", false));
    assert!(ids("teams", true).contains(&"6".to_owned()));
    assert!(
        !ids("teams", false).contains(&"6".to_owned()),
        "team 6 is in a hidden group"
    );
    let staff_subs = ids("submissions", true);
    for s in [&before, &hidden, &during] {
        assert!(
            staff_subs.contains(&sid(s)),
            "staff see submission {}",
            sid(s)
        );
    }
    assert!(ids("submissions", false).contains(&sid(&during)));
    assert!(!ids("submissions", false).contains(&sid(&hidden)));
    let verdicts = |staff: bool| -> HashMap<String, Value> {
        seen[&("judgements", staff)]
            .iter()
            .map(|j| {
                (
                    j["submission_id"].as_str().unwrap().to_owned(),
                    j["judgement_type_id"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(verdicts(true)[&sid(&during)], "AC");
    assert_eq!(verdicts(false)[&sid(&before)], "WA");
    assert!(
        !verdicts(false).contains_key(&sid(&during)),
        "the public must not see a verdict from the freeze"
    );
    assert!(!seen[&("runs", true)].is_empty());
    assert!(seen[&("runs", false)].is_empty(), "runs are the jury's");
    assert_eq!(
        seen[&("clarifications", false)].len(),
        1,
        "only the announcement is public"
    );
    assert_eq!(seen[&("clarifications", true)].len(), 2);
    let accounts = ids("accounts", true);
    assert!(accounts.contains(&"team1".to_owned()) && accounts.contains(&"staff-ana".to_owned()));
    // the frozen scoreboard and the jury's
    let board = |user| api.json("/api/contests/floordemo/scoreboard", user);
    let team1_row = |b: &Value| -> Value {
        b["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["team_id"] == "1")
            .cloned()
            .unwrap()
    };
    assert_eq!(team1_row(&board(analyst))["score"]["num_solved"], 1);
    let public_row = team1_row(&board(None));
    assert_eq!(public_row["score"]["num_solved"], 0, "{public_row}");
    assert_eq!(public_row["problems"][0]["num_pending"], 1, "{public_row}");

    // unknown ids and endpoints
    for path in [
        "/api/contests/nope",
        "/api/contests/nope/teams",
        "/api/contests/floordemo/teams/999",
        "/api/contests/floordemo/submissions/abc",
        "/api/contests/floordemo/runs/1-999",
        "/api/contests/floordemo/problems/nope",
        "/api/contests/floordemo/nothing",
        &format!("/api/contests/floordemo/submissions/{}", sid(&hidden)),
    ] {
        let (status, body) = api.get(path, None);
        assert_eq!(status, 404, "{path}: {body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert!(
            v["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
    }
    // credentials: wrong ones, a TOTP account, malformed headers
    let (status, _) = api.get("/api/contests/floordemo/teams", Some(("ana", "wrong")));
    assert_eq!(status, 401);
    let (status, body) = api.get(
        "/api/contests/floordemo/teams",
        Some(("judy", "jury-password-123")),
    );
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("TOTP"), "{body}");
    let raw = api.rt.block_on(async {
        api.client
            .get(format!("{}/api/contests", api.base))
            .header("authorization", "Basic !!!")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(raw, 401);
    let (status, body) = api.get("/api/contests/floordemo/event-feed?since_token=x", None);
    assert_eq!(status, 400, "{body}");
    // the submission's files, to staff only
    let (status, _) = api.get(
        &format!("/api/contests/floordemo/submissions/{}/files", sid(&during)),
        None,
    );
    assert_eq!(status, 403);
    let (status, zip) = api.get(
        &format!("/api/contests/floordemo/submissions/{}/files", sid(&during)),
        analyst,
    );
    assert_eq!(status, 200);
    assert!(zip.starts_with("PK"), "a zip");

    // the event feed: every line valid, tokens increasing, objects agreeing
    let check_feed = |lines: &[Value], what: &str| {
        let mut last = 0i64;
        for l in lines {
            checker.check("event-feed", what, l);
            let ty = l["type"].as_str().unwrap();
            if !l["data"].is_null() {
                let schema = match ty {
                    "contest" => "contest",
                    "state" => "state",
                    other => schema_of(other),
                };
                checker.check(schema, &format!("{what} {ty} line"), &l["data"]);
            }
            if let Some(t) = l["token"].as_str() {
                let t: i64 = t.parse().unwrap();
                assert!(t > last, "{what}: token {t} after {last}");
                last = t;
            }
        }
    };
    let staff_feed = api.feed("", analyst);
    check_feed(&staff_feed, "staff feed");
    let public_feed = api.feed("", None);
    check_feed(&public_feed, "public feed");
    assert_eq!(staff_feed[0]["type"], "judgement-types");
    let types: Vec<&str> = staff_feed
        .iter()
        .map(|l| l["type"].as_str().unwrap())
        .collect();
    for t in [
        "contest",
        "state",
        "languages",
        "groups",
        "organizations",
        "teams",
        "problems",
        "submissions",
        "judgements",
        "runs",
        "clarifications",
    ] {
        assert!(types.contains(&t), "no {t} line in {types:?}");
    }
    let feed_has = |lines: &[Value], ty: &str, pick: &dyn Fn(&Value) -> bool| {
        lines
            .iter()
            .any(|l| l["type"] == ty && !l["data"].is_null() && pick(&l["data"]))
    };
    let during_verdict =
        |d: &Value| d["submission_id"] == sid(&during) && d["judgement_type_id"] == "AC";
    assert!(feed_has(&staff_feed, "judgements", &during_verdict));
    assert!(!feed_has(&public_feed, "judgements", &during_verdict));
    assert!(!feed_has(&public_feed, "runs", &|_| true));
    assert!(feed_has(&public_feed, "problems", &|d| d["id"] == "greetings"));
    assert!(!feed_has(&public_feed, "teams", &|d| d["id"] == "6"));

    // since_token: a resume gives exactly the lines after it
    let tokens: Vec<&Value> = staff_feed
        .iter()
        .filter(|l| l["token"].is_string())
        .collect();
    let middle = tokens[tokens.len() / 2];
    let token = middle["token"].as_str().unwrap();
    let resumed = api.feed(&format!("&since_token={token}"), analyst);
    let expected: Vec<&Value> = staff_feed
        .iter()
        .skip_while(|l| l["token"] != middle["token"])
        .skip(1)
        .collect();
    assert_eq!(
        resumed.iter().collect::<Vec<_>>(),
        expected,
        "resumed after {token}"
    );

    // the thaw: the public feed gives the withheld verdict, the board counts it
    let last_token = tokens.last().unwrap()["token"].as_str().unwrap().to_owned();
    ok(jury_cmd(&contest, &["contest", "unfreeze"]));
    let after = wait_for(
        "the thaw in the public feed",
        Duration::from_secs(20),
        || {
            let lines = api.feed(&format!("&since_token={last_token}"), None);
            lines
                .iter()
                .any(|l| l["type"] == "state" && l["data"]["thawed"].is_string())
                .then_some(lines)
        },
    );
    check_feed(&after, "public feed after the thaw");
    assert!(feed_has(&after, "judgements", &during_verdict), "{after:?}");
    assert_eq!(team1_row(&board(None))["score"]["num_solved"], 1);
    let awards = api.json("/api/contests/floordemo/awards", None);
    let first = awards
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "first-to-solve-greetings")
        .cloned()
        .unwrap();
    assert_eq!(
        first["team_ids"],
        serde_json::json!(["1"]),
        "team 6 is hidden: {awards}"
    );
}

#[test]
fn a_streaming_feed_sends_new_lines_as_they_happen() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &[]);
    let client = jury_http(&jury.url, None);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = format!("{}/api/contests/floordemo/event-feed", jury.url);
    let got = rt.block_on(async {
        let mut resp = client.get(url).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(resp.headers()["content-type"], "application/x-ndjson");
        let contest = contest.clone();
        // the announcement is made while the feed is open
        let announce = tokio::task::spawn_blocking(move || {
            std::thread::sleep(Duration::from_millis(500));
            ok(jury_cmd(&contest, &["clarification", "announce", "Live!"]));
        });
        let mut text = String::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !text.contains("Live!") {
            let chunk = tokio::time::timeout_at(deadline, resp.chunk())
                .await
                .expect("the announcement within 20 s")
                .unwrap()
                .expect("the feed stays open");
            text.push_str(std::str::from_utf8(&chunk).unwrap());
        }
        announce.await.unwrap();
        text
    });
    let line = got
        .lines()
        .find(|l| l.contains("Live!"))
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .unwrap();
    assert_eq!(line["type"], "clarifications");
    assert!(line["data"]["from_team_id"].is_null() && line["data"]["to_team_id"].is_null());
}
