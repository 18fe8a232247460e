//! The Contest API event feed under load: a contest of 500 teams and 15
//! problems (4 testcases each) with 20 000 judged submissions written
//! through the store (received, leased, runs, verdict: what judging
//! writes), served by one real `floorjudge-jury serve` process over TLS; 100
//! concurrent readers each read the whole feed (`stream=false`, as an
//! analyst). Prints lines per reader, the first reader's time (every batch
//! rendered cold) and the lines per second delivered to all readers.
//!
//! `cargo build --release --bins && cargo bench -p floorjudge-tests --bench event_feed`

use std::path::Path;
use std::time::{Duration, Instant};

use floorjudge_proto::Verdict;
use floorjudge_store::{NewSubmission, RunRow, Store, SubmittedFile, sha256_hex};
use floorjudge_tests::{JuryProcess, jury_cmd, jury_cmd_stdin, jury_http, ok};

const TEAMS: usize = 500;
const PROBLEMS: usize = 15;
const SUBMISSIONS: usize = 20_000;
const READERS: usize = 100;
const TIME_LIMIT: Duration = Duration::from_secs(900);

/// A problem with 1 sample and 3 secret testcases.
fn problem(root: &Path, n: usize) -> std::path::PathBuf {
    let dir = root.join(format!("p{n:02}"));
    std::fs::create_dir_all(dir.join("data/sample")).unwrap();
    std::fs::create_dir_all(dir.join("data/secret")).unwrap();
    std::fs::write(
        dir.join("problem.yaml"),
        format!("problem_format_version: 2023-07-draft\nname: Problem {n}\n"),
    )
    .unwrap();
    for i in 0..4 {
        let group = if i == 0 { "sample" } else { "secret" };
        std::fs::write(dir.join(format!("data/{group}/{i}.in")), format!("{i}\n")).unwrap();
        std::fs::write(dir.join(format!("data/{group}/{i}.ans")), format!("{i}\n")).unwrap();
    }
    dir
}

/// Writes the judged submissions as judging would.
fn fill(store: &mut Store) {
    let judgehost = store.add_judgehost("bench", "bench-key", "bench").unwrap();
    let testcases: Vec<Vec<i64>> = (0..PROBLEMS)
        .map(|p| {
            store
                .testcases(&format!("p{p:02}"))
                .unwrap()
                .iter()
                .map(|t| t.id)
                .collect()
        })
        .collect();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for i in 0..SUBMISSIONS {
        let (team, p) = (next() as usize % TEAMS, next() as usize % PROBLEMS);
        let source = format!("int main(void) {{ return {i}; }}\n").into_bytes();
        let id = match store
            .insert_submission(&NewSubmission {
                team_id: format!("{}", team + 1),
                problem_id: format!("p{p:02}"),
                language_id: "c".into(),
                source_ip: "127.0.0.2".into(),
                callback_name: format!("bench-{i}"),
                callback_port: 9,
                client_nonce: format!("nonce-{i}"),
                files: vec![SubmittedFile {
                    name: "main.c".into(),
                    size: source.len() as u64,
                    sha256: sha256_hex(&source),
                }],
            })
            .unwrap()
        {
            floorjudge_store::Inserted::New(id) | floorjudge_store::Inserted::Existing(id) => id,
        };
        assert!(
            store
                .receive_submission(id, &[("main.c".into(), source)])
                .unwrap()
        );
        let now = floorjudge_store::now_ms();
        let lease = store
            .lease_job(judgehost, &format!("n{i}"), now, now + 60_000)
            .unwrap()
            .expect("a job");
        let verdict = if next() % 3 == 0 {
            Verdict::Accepted
        } else {
            Verdict::WrongAnswer
        };
        let runs: Vec<RunRow> = testcases[p]
            .iter()
            .map(|t| RunRow {
                testcase_id: *t,
                verdict,
                fuel: 1000,
                time_ms: 12,
                memory_bytes: 1 << 20,
                message: String::new(),
                team_output: None,
            })
            .collect();
        store
            .record_runs(
                lease.judging_id,
                judgehost,
                &lease.nonce,
                &runs,
                now + 60_000,
            )
            .unwrap()
            .unwrap();
        store
            .finish_judging(
                lease.judging_id,
                judgehost,
                &lease.nonce,
                Some(verdict),
                "",
                None,
                now,
            )
            .unwrap()
            .unwrap();
    }
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("contest");
    ok(jury_cmd(&dir, &["contest", "init", "--name", "feed bench"]));
    for p in 0..PROBLEMS {
        ok(jury_cmd(
            &dir,
            &[
                "problem",
                "import",
                problem(tmp.path(), p).to_str().unwrap(),
            ],
        ));
    }
    let teams: Vec<_> = (1..=TEAMS)
        .map(|t| serde_json::json!({"id": t.to_string(), "name": format!("Team {t:03}")}))
        .collect();
    let teams_file = tmp.path().join("teams.json");
    std::fs::write(&teams_file, serde_json::to_vec(&teams).unwrap()).unwrap();
    ok(jury_cmd(
        &dir,
        &["team", "import", teams_file.to_str().unwrap()],
    ));
    ok(jury_cmd(&dir, &["contest", "start"]));
    ok(jury_cmd_stdin(
        &dir,
        &["staff", "add", "ana", "--role", "analyst"],
        "bench-analyst-password\n",
    ));
    let started = Instant::now();
    {
        let mut store = Store::open(&dir.join("contest.sqlite")).unwrap();
        fill(&mut store);
    }
    println!(
        "wrote {SUBMISSIONS} judged submissions in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // 100 readers from one address: above the default cap of 64 a address
    let jury = JuryProcess::start(
        &dir,
        &[
            "--no-embedded-judgehost",
            "--max-connections-per-address",
            "256",
        ],
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = format!("{}/api/contests/contest/event-feed?stream=false", jury.url);
    let client = jury_http(&jury.url, None);
    let read = |client: reqwest::Client, url: String| async move {
        let begun = Instant::now();
        let mut resp = client
            .get(&url)
            .basic_auth("ana", Some("bench-analyst-password"))
            .timeout(TIME_LIMIT)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let (mut lines, mut bytes) = (0usize, 0usize);
        while let Some(chunk) = resp.chunk().await.unwrap() {
            lines += chunk.iter().filter(|b| **b == b'\n').count();
            bytes += chunk.len();
        }
        (lines, bytes, begun.elapsed())
    };
    // one reader alone renders every batch
    let (lines, bytes, cold) = rt.block_on(read(client.clone(), url.clone()));
    println!(
        "one reader, cold: {lines} lines ({:.1} MB) in {:.2} s = {:.0} lines/s",
        bytes as f64 / 1e6,
        cold.as_secs_f64(),
        lines as f64 / cold.as_secs_f64()
    );
    let begun = Instant::now();
    let results = rt.block_on(async {
        let tasks: Vec<_> = (0..READERS)
            .map(|_| {
                // each reader its own connection
                let c = jury_http(&jury.url, None);
                tokio::spawn(read(c, url.clone()))
            })
            .collect();
        tokio::time::timeout(TIME_LIMIT, futures_all(tasks))
            .await
            .expect("the readers finish within the time limit")
    });
    let wall = begun.elapsed();
    let total: usize = results.iter().map(|r| r.0).sum();
    let mut times: Vec<Duration> = results.iter().map(|r| r.2).collect();
    times.sort();
    assert!(
        results.iter().all(|r| r.0 == lines),
        "every reader gets every line"
    );
    println!(
        "{READERS} readers at once: {total} lines in {:.2} s = {:.0} lines/s (goal ≥ 50 000); reader time median {:.2} s, slowest {:.2} s",
        wall.as_secs_f64(),
        total as f64 / wall.as_secs_f64(),
        times[times.len() / 2].as_secs_f64(),
        times[times.len() - 1].as_secs_f64()
    );
}

async fn futures_all<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}
