//! Submit → verdict latency with the embedded judgehost: one real
//! `floorjudge-jury serve` process, one team agent submitting a C solution
//! to a 10-testcase problem, one submission at a time, each source distinct.
//! Measured from sending the reference to the verdict being visible to the
//! team (polled every 5 ms through the team API).
//!
//! `cargo build --release --bins && cargo bench -p floorjudge-tests --bench verdict_latency`

use std::path::Path;
use std::time::{Duration, Instant};

use floorjudge_proto::team::SubmissionPhase;
use floorjudge_team::{Agent, AgentConfig};
use floorjudge_tests::{JuryProcess, free_port, jury_cmd, ok};

const SUBMISSIONS: usize = 200;
const TIME_LIMIT: Duration = Duration::from_secs(600);

/// A problem of our own with 1 sample and 9 secret testcases: print a + b.
fn problem(root: &Path) -> std::path::PathBuf {
    let dir = root.join("sum10");
    std::fs::create_dir_all(dir.join("data/sample")).unwrap();
    std::fs::create_dir_all(dir.join("data/secret")).unwrap();
    std::fs::write(
        dir.join("problem.yaml"),
        "problem_format_version: 2023-07-draft\nname: Sum of two\nlimits:\n  time_limit: 1\n",
    )
    .unwrap();
    for i in 0..10u64 {
        let group = if i == 0 { "sample" } else { "secret" };
        let (a, b) = (i * 7919 + 3, i * 104729 + 11);
        std::fs::write(
            dir.join(format!("data/{group}/{i:02}.in")),
            format!("{a} {b}\n"),
        )
        .unwrap();
        std::fs::write(
            dir.join(format!("data/{group}/{i:02}.ans")),
            format!("{}\n", a + b),
        )
        .unwrap();
    }
    dir
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("contest");
    ok(jury_cmd(
        &dir,
        &["contest", "init", "--name", "latency bench"],
    ));
    ok(jury_cmd(
        &dir,
        &["problem", "import", problem(tmp.path()).to_str().unwrap()],
    ));
    let teams = tmp.path().join("teams.json");
    std::fs::write(&teams, r#"[{"id": "1", "name": "Bench"}]"#).unwrap();
    ok(jury_cmd(&dir, &["team", "import", teams.to_str().unwrap()]));
    ok(jury_cmd(&dir, &["team", "set-ip", "1", "127.0.2.1"]));
    ok(jury_cmd(&dir, &["contest", "start"]));
    let jury = JuryProcess::start(
        &dir,
        &floorjudge_tests::bench_flags(&["--submits-per-minute", "1000000"]),
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut agent = Agent::new(AgentConfig {
        jury_url: jury.url.clone(),
        jury_fingerprint: floorjudge_tests::pin_for(&jury.url),
        source_ip: Some("127.0.2.1".parse().unwrap()),
        callback_port: free_port(),
        state_dir: tmp.path().join("agent"),
    })
    .unwrap();
    rt.block_on(async {
        agent.serve_callbacks().await.unwrap();
        agent.identify().await.unwrap();
    });
    let deadline = Instant::now() + TIME_LIMIT;
    let mut latencies = Vec::new();
    let mut wrong = 0;
    // one warm-up submission (the first judging creates the sandbox's caches)
    for k in 0..=SUBMISSIONS {
        if Instant::now() > deadline {
            break;
        }
        let source = format!(
            "#include <stdio.h>\n/* {k} */\nint main(void) {{ long long a, b; if (scanf(\"%lld %lld\", &a, &b) == 2) printf(\"%lld\\n\", a + b); return 0; }}\n"
        );
        let reference = agent
            .prepare("sum10", "c", &[("sum.c".into(), source.into_bytes())])
            .unwrap();
        let token = agent.current_session().unwrap().token;
        let t0 = Instant::now();
        let verdict = rt.block_on(async {
            let s = agent.client().submit(&token, &reference).await.unwrap();
            loop {
                let now = agent.client().submission(&token, s.id).await.unwrap();
                if matches!(
                    now.phase,
                    SubmissionPhase::Judged | SubmissionPhase::Rejected
                ) {
                    return now.verdict;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        let took = t0.elapsed();
        if verdict != Some(floorjudge_proto::Verdict::Accepted) {
            wrong += 1;
        }
        if k > 0 {
            latencies.push(took);
        }
    }
    latencies.sort();
    println!(
        "submit -> verdict latency, embedded judgehost, 10-testcase problem, C, one at a time"
    );
    println!("  {} submissions ({wrong} not AC)", latencies.len());
    println!(
        "  p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, min {:.1} ms, max {:.1} ms",
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.9).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies[0].as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3
    );
    assert_eq!(wrong, 0, "every submission is AC");
}
