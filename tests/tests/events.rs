//! One team's live events across real processes: its submissions from
//! sent to verdict and an announcement reach its kiosk's event stream in
//! order, exactly once, across a jury SIGKILL and restart in the middle;
//! resuming after an id gives exactly what followed it. The same changes
//! reach a Contest API event-feed reader that reconnects with its last
//! `since_token` across the restart: every line once, none lost.

use std::io::{BufRead, BufReader};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use floorjudge_tests::*;

const GREET: &str = "assets/sample-contest/greetings/submissions/accepted/greet.c";

/// Starts `floorjudge-team events` and collects its lines.
fn follow(
    ws: &Workstation,
    args: &[&str],
) -> (std::process::Child, Arc<Mutex<Vec<serde_json::Value>>>) {
    let mut child = ws.spawn(&[&["events"], args].concat());
    let out = child.stdout.take().unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                sink.lock().unwrap().push(v);
            }
        }
    });
    (child, lines)
}

/// Streams the Contest API event feed as an analyst, reconnecting after
/// the last token whenever the connection ends, until `stop`.
fn follow_feed(
    url: String,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> (
    std::thread::JoinHandle<()>,
    Arc<Mutex<Vec<serde_json::Value>>>,
) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let handle = std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let client = jury_http(&url, None);
        let mut token: Option<String> = None;
        while !stop.load(std::sync::atomic::Ordering::SeqCst) {
            let query = token
                .as_ref()
                .map(|t| format!("?since_token={t}"))
                .unwrap_or_default();
            let feed = format!("{url}/api/contests/floordemo/event-feed{query}");
            rt.block_on(async {
                let Ok(mut resp) = client
                    .get(&feed)
                    .basic_auth("ana", Some("analyst-password-1"))
                    .send()
                    .await
                else {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    return;
                };
                let mut pending = String::new();
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let chunk = match tokio::time::timeout(Duration::from_millis(500), resp.chunk())
                        .await
                    {
                        Err(_) => continue,
                        Ok(Ok(Some(c))) => c,
                        Ok(_) => return,
                    };
                    pending.push_str(std::str::from_utf8(&chunk).unwrap());
                    while let Some(end) = pending.find('\n') {
                        let line: String = pending.drain(..=end).collect();
                        if line.trim().is_empty() {
                            continue;
                        }
                        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
                        if let Some(t) = v["token"].as_str() {
                            token = Some(t.to_owned());
                        }
                        sink.lock().unwrap().push(v);
                    }
                }
            });
        }
    });
    (handle, lines)
}

/// The ids of the events that have one (a scoreboard ping has none).
fn ids(events: &[serde_json::Value]) -> Vec<i64> {
    events.iter().filter_map(|e| e["id"].as_i64()).collect()
}

#[test]
fn a_team_follows_its_submissions_and_announcements_through_a_jury_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let mut jury = JuryProcess::start(&contest, &[]);
    let addr = jury.addr;
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.2", free_port());
    let other = Workstation::new(tmp.path(), &jury.url, "127.0.0.3", free_port());
    ok(ws.run(&["whoami"]));
    let (mut follower, seen) = follow(&ws, &["--since", "0", "--seconds", "120"]);
    ok(jury_cmd_stdin(
        &contest,
        &["staff", "add", "ana", "--role", "analyst"],
        "analyst-password-1\n",
    ));
    let stop_feed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (feed_reader, feed) = follow_feed(jury.url.clone(), stop_feed.clone());
    let greet = workspace().join(GREET);
    let wrong = tmp.path().join("wrong.c");
    std::fs::write(
        &wrong,
        "#include <stdio.h>\nint main(void) { puts(\"no\"); return 0; }\n",
    )
    .unwrap();
    let submit = |ws: &Workstation, f: &std::path::Path| ws.submit_and_wait("greetings", f);
    let first = submit(&ws, &greet);
    assert_eq!(first["verdict"], "AC");
    // another team's submission is not ours to see
    let theirs = submit(&other, &greet);
    let verdict_seen = |id: i64, verdict: &str| {
        seen.lock().unwrap().iter().any(|e| {
            e["kind"] == "submission" && e["data"]["id"] == id && e["data"]["verdict"] == verdict
        })
    };
    wait_for(
        "the first verdict as an event",
        Duration::from_secs(20),
        || verdict_seen(first["id"].as_i64().unwrap(), "AC").then_some(()),
    );
    // team 2's AC changes the board: a ping without an id, and the frozen
    // view every kiosk fetches shows it
    wait_for("a scoreboard ping", Duration::from_secs(20), || {
        seen.lock()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "scoreboard" && e["id"].is_null())
            .then_some(())
    });
    {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let _in = rt.enter();
        let board: serde_json::Value = rt
            .block_on(async {
                ws.http()
                    .get(format!("{}/api/team/scoreboard", jury.url))
                    .bearer_auth(ws.token())
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
            })
            .unwrap();
        assert_eq!(board["started"], true, "{board}");
        let row_of = |team: &str| {
            board["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["team_id"] == team)
                .cloned()
                .unwrap_or_else(|| panic!("no row of team {team}: {board}"))
        };
        assert_eq!(row_of("2")["score"]["solved"], 1, "{board}");
        assert_eq!(row_of("1")["score"]["solved"], 1, "{board}");
        let unauthenticated = rt
            .block_on(
                ws.http()
                    .get(format!("{}/api/team/scoreboard", jury.url))
                    .send(),
            )
            .unwrap()
            .status()
            .as_u16();
        assert_eq!(unauthenticated, 401);
    }
    // the jury dies and comes back; the kiosk's stream reconnects after its last id
    jury.kill();
    std::thread::sleep(Duration::from_millis(500));
    let jury = JuryProcess::start_on(&contest, &addr.to_string(), &[]);
    let second = submit(&ws, &wrong);
    assert_eq!(second["verdict"], "WA");
    ok(jury_cmd(
        &contest,
        &["clarification", "announce", "Problem A is fine."],
    ));
    wait_for(
        "the second verdict and the announcement",
        Duration::from_secs(30),
        || {
            let s = seen.lock().unwrap();
            let announced = s
                .iter()
                .any(|e| e["kind"] == "clarification" && e["data"]["text"] == "Problem A is fine.");
            (announced
                && s.iter()
                    .any(|e| e["data"]["id"] == second["id"] && e["data"]["verdict"] == "WA"))
            .then_some(())
        },
    );
    let _ = follower.kill();
    // the Contest API reader: every line of the feed once, in order, none
    // lost across the restart; our second submission from received to WA
    let second_id = second["id"].as_i64().unwrap().to_string();
    let full_feed = |lines: &[serde_json::Value]| {
        lines.iter().any(|l| {
            l["type"] == "judgements"
                && l["data"]["submission_id"] == second_id
                && l["data"]["judgement_type_id"] == "WA"
        })
    };
    wait_for(
        "the WA in the Contest API feed",
        Duration::from_secs(20),
        || full_feed(&feed.lock().unwrap()).then_some(()),
    );
    stop_feed.store(true, std::sync::atomic::Ordering::SeqCst);
    feed_reader.join().unwrap();
    let streamed = feed.lock().unwrap().clone();
    let tokens = |lines: &[serde_json::Value]| -> Vec<i64> {
        lines
            .iter()
            .filter_map(|l| l["token"].as_str().map(|t| t.parse().unwrap()))
            .collect()
    };
    let streamed_tokens = tokens(&streamed);
    assert!(
        streamed_tokens.windows(2).all(|w| w[0] < w[1]),
        "a feed line repeated or out of order: {streamed_tokens:?}"
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let whole: Vec<serde_json::Value> = rt
        .block_on(async {
            jury_http(&jury.url, None)
                .get(format!(
                    "{}/api/contests/floordemo/event-feed?stream=false",
                    jury.url
                ))
                .basic_auth("ana", Some("analyst-password-1"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        })
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let whole_tokens: Vec<i64> = tokens(&whole)
        .into_iter()
        .filter(|t| t <= streamed_tokens.last().unwrap())
        .collect();
    assert_eq!(
        streamed_tokens, whole_tokens,
        "lines lost across the restart"
    );
    let of_second: Vec<&str> = streamed
        .iter()
        .filter(|l| {
            l["id"] == second_id
                || l["data"]["submission_id"] == second_id
                || l["data"]["judgement_id"].as_str().is_some_and(|j| {
                    streamed.iter().any(|x| {
                        x["type"] == "judgements"
                            && x["id"] == j
                            && x["data"]["submission_id"] == second_id
                    })
                })
        })
        .map(|l| l["type"].as_str().unwrap())
        .collect();
    for ty in ["submissions", "judgements", "runs"] {
        assert!(
            of_second.contains(&ty),
            "no {ty} line of the second submission: {of_second:?}"
        );
    }
    drop(rt);
    let events = seen.lock().unwrap().clone();
    let list = ids(&events);
    assert!(
        list.windows(2).all(|w| w[0] < w[1]),
        "out of order or repeated: {list:?}"
    );
    // our submissions' phases, in order, each ending judged
    let phases = |id: &serde_json::Value| -> Vec<String> {
        events
            .iter()
            .filter(|e| e["kind"] == "submission" && e["data"]["id"] == *id)
            .map(|e| e["data"]["phase"].as_str().unwrap().to_owned())
            .collect()
    };
    // each event carries the state when it is sent: phases only move
    // forward, and each submission ends judged
    let rank = |p: &str| {
        ["pending_callback", "queued", "judging", "judged"]
            .iter()
            .position(|x| *x == p)
    };
    for sub in [&first["id"], &second["id"]] {
        let p = phases(sub);
        assert!(!p.is_empty(), "no events of {sub}");
        let r: Vec<usize> = p
            .iter()
            .map(|x| rank(x).unwrap_or_else(|| panic!("{x}")))
            .collect();
        assert!(
            r.windows(2).all(|w| w[0] <= w[1]),
            "{sub}: went back: {p:?}"
        );
        assert_eq!(p.last().map(String::as_str), Some("judged"), "{sub}: {p:?}");
    }
    assert!(
        !events
            .iter()
            .any(|e| e["kind"] == "submission" && e["data"]["id"] == theirs["id"]),
        "team 2's submission reached team 1"
    );
    // resuming after an event in the middle gives exactly what followed it
    let mid = list[list.len() / 2];
    let out = ws.run(&[
        "--json",
        "events",
        "--since",
        &mid.to_string(),
        "--seconds",
        "3",
    ]);
    let resumed: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let tail: Vec<i64> = list.iter().copied().filter(|i| *i > mid).collect();
    assert_eq!(ids(&resumed)[..tail.len()], tail[..], "resume after {mid}");
    // a bad resume point is refused
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _in = rt.enter();
    let http = ws.http();
    let status = rt
        .block_on(
            http.get(format!("{}/api/team/events", jury.url))
                .bearer_auth(ws.token())
                .header("last-event-id", "yesterday")
                .send(),
        )
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(status, 400);
}
