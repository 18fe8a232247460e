//! Kiosk cold start and memory: the real `floorjudge team --kiosk` app
//! under Xvfb (with openbox), against a real jury server, on the
//! pre-assigned workstation 127.0.0.2, with a fresh state folder each run.
//!
//! Cold start is measured from asking tauri-driver for a session (which
//! launches the app) until the team's name is rendered on the team page, so
//! it includes the WebDriver session setup: an upper bound. Memory is taken
//! on that page after 2 s: the app process and every process it started
//! (WebKit's web and network processes), as the sum of their RSS (shared
//! pages counted once per process), of their PSS (shared pages split), and
//! of PSS's anonymous part (heaps and buffers, without the libraries' text).
//!
//! `cargo build --release --workspace --bins && cargo bench -p floorjudge-tests --bench kiosk_start`

use std::path::Path;
use std::time::{Duration, Instant};

use floorjudge_tests::window::{Display, Driver, runtime, team_args, wait_team_page};
use floorjudge_tests::{JuryProcess, bin, jury_cmd, median, ok, sample_contest};

const RUNS: usize = 10;

/// Every process id in /proc.
fn all_pids() -> impl Iterator<Item = u32> {
    std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
}

/// Every process id whose parent is `pid`, recursively, with `pid` itself.
fn process_tree(pid: u32) -> Vec<u32> {
    let mut all = vec![pid];
    let mut i = 0;
    while i < all.len() {
        let parent = all[i];
        for child in all_pids() {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
                continue;
            };
            // the command name is in parentheses and may hold spaces
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if ppid == Some(parent) && !all.contains(&child) {
                all.push(child);
            }
        }
        i += 1;
    }
    all
}

/// The app's process: the `floorjudge` binary whose arguments hold `marker`.
fn app_pid(app: &Path, marker: &str) -> u32 {
    for pid in all_pids() {
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if args.first().map(Path::new) == Some(app) && args.iter().any(|a| a.contains(marker)) {
            return pid;
        }
    }
    panic!("no floorjudge process with {marker} in its arguments");
}

/// The number of kB on the `key` line (`Key:   123 kB`) of a /proc file.
fn kb(file: &str, key: &str) -> u64 {
    file.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Memory of a set of processes, in MB.
struct Memory {
    /// Resident pages, shared ones counted in each process.
    rss: f64,
    /// Proportional: shared pages split between the processes mapping them.
    pss: f64,
    /// The anonymous part of `pss` (heaps, JIT, buffers): what the app
    /// itself costs, beyond the shared libraries' text.
    anon: f64,
    /// Each process's name and PSS.
    each: Vec<String>,
}

fn memory(pids: &[u32]) -> Memory {
    let (mut rss, mut pss, mut anon, mut each) = (0, 0, 0, Vec::new());
    for pid in pids {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let rollup =
            std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
        rss += kb(&status, "VmRSS:");
        pss += kb(&rollup, "Pss:");
        anon += kb(&rollup, "Pss_Anon:");
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        each.push(format!(
            "{} {:.0}",
            name.trim(),
            kb(&rollup, "Pss:") as f64 / 1024.0
        ));
    }
    let mb = |kb: u64| kb as f64 / 1024.0;
    Memory {
        rss: mb(rss),
        pss: mb(pss),
        anon: mb(anon),
        each,
    }
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let contest = sample_contest(tmp.path());
    let jury = JuryProcess::start(&contest, &["--no-embedded-judgehost"]);
    let display = Display::start();
    let app = bin("floorjudge");
    let runtime = runtime();
    let (mut starts, mut seen) = (Vec::new(), Vec::new());
    for run in 0..RUNS {
        // a new workstation key each run: the jury forgets the last one
        ok(jury_cmd(&contest, &["team", "reset-ip", "1"]));
        ok(jury_cmd(&contest, &["team", "set-ip", "1", "127.0.0.2"]));
        let driver = Driver::start(&display);
        let root = tmp.path().join(format!("run{run}"));
        let args = team_args(&jury, &root, "127.0.0.2", true);
        runtime.block_on(async {
            let opened = Instant::now();
            let c = driver.open(&args).await;
            let name = wait_team_page(&c, Duration::from_secs(30)).await;
            let ms = opened.elapsed().as_secs_f64() * 1000.0;
            assert_eq!(name, "Null Pointers");
            tokio::time::sleep(Duration::from_secs(2)).await;
            let pid = app_pid(&app, &root.display().to_string());
            let m = memory(&process_tree(pid));
            println!(
                "run {run}: team page after {ms:.0} ms; RSS {:.1} MB, PSS {:.1} MB, anonymous {:.1} MB (PSS MB: {})",
                m.rss,
                m.pss,
                m.anon,
                m.each.join(", ")
            );
            starts.push(ms);
            seen.push(m);
            c.close().await.unwrap();
        });
        drop(driver);
    }
    println!(
        "kiosk cold start to the team page: median {:.0} ms (min {:.0}, max {:.0}) over {RUNS} runs",
        median(starts.clone()),
        starts.iter().copied().fold(f64::INFINITY, f64::min),
        starts.iter().copied().fold(0.0, f64::max),
    );
    let of = |f: fn(&Memory) -> f64| median(seen.iter().map(f).collect());
    println!(
        "memory on the team page (app + WebKit processes), medians: RSS {:.1} MB, PSS {:.1} MB, of which anonymous {:.1} MB",
        of(|m| m.rss),
        of(|m| m.pss),
        of(|m| m.anon),
    );
}
