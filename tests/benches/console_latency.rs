//! The jury console's cold start and how soon it shows a verdict: the real
//! `floorjudge jury --connect …` under Xvfb against a real jury server with
//! its embedded judgehost, and real team agents on 127.0.0.2–5.
//!
//! Cold start: from asking tauri-driver for a session (which launches the
//! app) until the login page shows the jury's address (an upper bound: it
//! includes WebDriver's session setup). Verdict to console: the team agent
//! submits and waits for its verdict; from the moment the agent has it
//! until the console's newest row shows that verdict.
//!
//! `cargo build --release --workspace --bins && cargo bench -p floorjudge-tests --bench console_latency`

use std::time::{Duration, Instant};

use floorjudge_tests::window::{Display, Driver, console_args, runtime, staff_log_in, wait_text};
use floorjudge_tests::*;

const STARTS: usize = 10;
const SUBMISSIONS: usize = 50;

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    ok(jury_cmd_stdin(
        &contest,
        &["staff", "add", "jules", "--role", "jury"],
        "jury-password-456",
    ));
    let jury = JuryProcess::start(&contest, &[]);
    let display = Display::start();
    let args = console_args(&jury);
    let rt = runtime();
    let mut starts = Vec::new();
    for run in 0..STARTS {
        let driver = Driver::start(&display);
        rt.block_on(async {
            let opened = Instant::now();
            let c = driver.open(&args).await;
            wait_text(&c, "[data-testid=jury-url]", Duration::from_secs(30), |t| {
                t == jury.url
            })
            .await;
            let ms = opened.elapsed().as_secs_f64() * 1000.0;
            println!("run {run}: login page after {ms:.0} ms");
            starts.push(ms);
            let _ = c.close().await;
        });
        drop(driver);
    }
    println!(
        "console cold start to the login page: median {:.0} ms (min {:.0}, max {:.0}) over {STARTS} runs",
        median(starts.clone()),
        starts.iter().copied().fold(f64::INFINITY, f64::min),
        starts.iter().copied().fold(0.0, f64::max),
    );

    // teams 1–4 (pre-assigned 127.0.0.2–5) take turns: one team may send
    // at most 30 submissions a minute
    let teams: Vec<Workstation> = (2..=5)
        .map(|n| Workstation::new(tmp.path(), &jury.url, &format!("127.0.0.{n}"), free_port()))
        .collect();
    let greet = workspace().join("assets/sample-contest/greetings/submissions/accepted/greet.c");
    let driver = Driver::start(&display);
    let mut lags = Vec::new();
    rt.block_on(async {
        let c = driver.open(&args).await;
        wait_text(&c, "[data-testid=jury-url]", Duration::from_secs(30), |t| {
            t == jury.url
        })
        .await;
        staff_log_in(&c, "jules", "jury-password-456", "").await;
        wait_text(
            &c,
            "[data-testid=submissions]",
            Duration::from_secs(20),
            |t| t.contains("Submissions"),
        )
        .await;
        for n in 1..=SUBMISSIONS {
            let verdict = teams[(n - 1) % teams.len()].submit_and_wait("greetings", &greet);
            let seen_by_team = Instant::now();
            assert_eq!(verdict["verdict"], "AC", "{verdict}");
            let newest = format!(
                "[data-testid=submission-row][data-id='{n}'] [data-testid=submission-verdict]"
            );
            wait_text(&c, &newest, Duration::from_secs(20), |t| t == "AC").await;
            let ms = seen_by_team.elapsed().as_secs_f64() * 1000.0;
            lags.push(ms);
        }
        let _ = c.close().await;
    });
    println!(
        "verdict (as the team agent got it) to the console showing it: median {:.0} ms (min {:.0}, max {:.0}) over {SUBMISSIONS} submissions",
        median(lags.clone()),
        lags.iter().copied().fold(f64::INFINITY, f64::min),
        lags.iter().copied().fold(0.0, f64::max),
    );
}
