//! Submission intake throughput: one real `floorjudge-jury serve` process,
//! 50 team agents (each on its own 127.0.1.N with its own callback server)
//! submitting as fast as the jury takes them in, verifies and stores them.
//!
//! Latency is measured per submission from sending the reference to the
//! jury's acknowledgement arriving at the agent's callback server.
//!
//! `cargo bench -p floorjudge-tests --bench callback_intake` (build the
//! binaries first: `cargo build --release --bins`, or the debug ones are used).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use floorjudge_team::{Agent, AgentConfig};
use floorjudge_tests::{JuryProcess, free_port};

const AGENTS: usize = 50;
const PER_AGENT: usize = 20;
const TIME_LIMIT: Duration = Duration::from_secs(120);

fn contest(root: &Path) -> std::path::PathBuf {
    let teams: Vec<(String, String)> = (1..=AGENTS)
        .map(|i| (format!("t{i}"), format!("127.0.1.{i}")))
        .collect();
    floorjudge_tests::greetings_contest(root, "intake bench", &teams)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = contest(tmp.path());
    let jury = JuryProcess::start(
        &dir,
        &floorjudge_tests::bench_flags(&["--no-embedded-judgehost"]),
    );
    let port = free_port();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let agents: Vec<Arc<Agent>> = rt.block_on(async {
        let mut out = Vec::new();
        for i in 1..=AGENTS {
            let mut a = Agent::new(AgentConfig {
                jury_url: jury.url.clone(),
                jury_fingerprint: floorjudge_tests::pin_for(&jury.url),
                source_ip: Some(format!("127.0.1.{i}").parse().unwrap()),
                callback_port: port,
                state_dir: tmp.path().join(format!("agent{i}")),
            })
            .unwrap();
            a.serve_callbacks().await.unwrap();
            a.identify().await.unwrap();
            out.push(Arc::new(a));
        }
        out
    });
    let source = b"#include <stdio.h>\nint main(void) { puts(\"Hello World!\"); return 0; }\n";
    let deadline = Instant::now() + TIME_LIMIT;
    let started = Instant::now();
    let results: Vec<(Vec<Duration>, usize)> = rt.block_on(async {
        let tasks: Vec<_> = agents
            .iter()
            .enumerate()
            .map(|(i, agent)| {
                let agent = agent.clone();
                tokio::spawn(async move {
                    let mut latencies = Vec::new();
                    let mut failures = 0;
                    let mut acks = agent.callback_server().unwrap().acknowledgements();
                    for k in 0..PER_AGENT {
                        if Instant::now() > deadline {
                            break;
                        }
                        let body = format!("{}// {i} {k}\n", String::from_utf8_lossy(source));
                        let reference = agent
                            .prepare("greetings", "c", &[("hello.c".into(), body.into_bytes())])
                            .unwrap();
                        let t0 = Instant::now();
                        let token = agent.current_session().unwrap().token;
                        let r = agent.client().submit(&token, &reference).await;
                        let acked = async {
                            loop {
                                match acks.recv().await {
                                    Ok(name) if name == reference.callback_name => return true,
                                    Ok(_) => continue,
                                    Err(_) => return false,
                                }
                            }
                        };
                        let got_ack = tokio::time::timeout(Duration::from_secs(10), acked)
                            .await
                            .unwrap_or(false);
                        match r {
                            Ok(s)
                                if got_ack
                                    && s.phase
                                        != floorjudge_proto::team::SubmissionPhase::Rejected =>
                            {
                                latencies.push(t0.elapsed())
                            }
                            _ => failures += 1,
                        }
                    }
                    (latencies, failures)
                })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    let elapsed = started.elapsed();
    let failures: usize = results.iter().map(|r| r.1).sum();
    let mut all: Vec<Duration> = results.into_iter().flat_map(|r| r.0).collect();
    all.sort();
    let stored = floorjudge_tests::jury_submissions(&dir)
        .iter()
        .filter(|s| s["state"] == "received")
        .count();
    println!("callback intake: {AGENTS} agents x {PER_AGENT} submissions, one jury process");
    println!(
        "  acknowledged {} in {:.2} s = {:.0} submissions/s; {} failed; jury stored {}",
        all.len(),
        elapsed.as_secs_f64(),
        all.len() as f64 / elapsed.as_secs_f64(),
        failures,
        stored
    );
    if !all.is_empty() {
        println!(
            "  reference -> acknowledgement latency: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            percentile(&all, 0.5).as_secs_f64() * 1e3,
            percentile(&all, 0.9).as_secs_f64() * 1e3,
            percentile(&all, 0.99).as_secs_f64() * 1e3,
            all.last().unwrap().as_secs_f64() * 1e3
        );
    }
    assert_eq!(
        stored,
        all.len(),
        "every acknowledged submission is stored once"
    );
}
