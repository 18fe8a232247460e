//! The 500-kiosk rush: the soak harness (`floorjudge_tests::soak`) with 500
//! kiosks on 127.0.2.1 … 127.0.3.250 for 60 s, two judgehost daemons, the
//! jury SIGKILLed twice, a judgehost once and five kiosks killed and
//! restarted. Prints made, stored, judged, lost, duplicated, submit→verdict
//! p50/p99 and the time to drain after the last restart.
//!
//! `cargo build --release --bins && cargo bench -p floorjudge-tests --bench rush`
//! (`FLOORJUDGE_RUSH_KIOSKS`, `FLOORJUDGE_RUSH_SECONDS` and
//! `FLOORJUDGE_RUSH_RATE` change the size).

use std::time::Duration;

use floorjudge_tests::soak::{SoakPlan, run};

fn env(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = SoakPlan {
        kiosks: env("FLOORJUDGE_RUSH_KIOSKS", 500.0) as usize,
        judgehosts: 2,
        rush: Duration::from_secs_f64(env("FLOORJUDGE_RUSH_SECONDS", 60.0)),
        rate: env("FLOORJUDGE_RUSH_RATE", 8.0),
        jury_kills: 2,
        judgehost_kills: 1,
        kiosk_kills: 5,
        jury_down: Duration::from_secs(2),
        drain_limit: Duration::from_secs(300),
    };
    println!(
        "rush: {} kiosks, {} judgehosts, {:.0} s at {} submissions/s",
        plan.kiosks,
        plan.judgehosts,
        plan.rush.as_secs_f64(),
        plan.rate
    );
    let report = run(tmp.path(), &plan);
    println!("{}", report.summary());
    for (what, list) in [
        ("lost", &report.lost),
        ("duplicated", &report.duplicated),
        ("judged twice", &report.judged_twice),
        ("wrong verdict", &report.wrong_verdict),
        ("stuck", &report.stuck),
    ] {
        for item in list.iter().take(10) {
            println!("  {what}: {item}");
        }
    }
}
