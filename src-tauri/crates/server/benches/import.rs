//! Import benchmark: every problem package in ../shared/problems into a fresh
//! contest, several rounds; prints the median time and the database size.
//!
//! Run with `cargo bench -p floorjudge-server --bench import`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use floorjudge_server::ContestDir;
use floorjudge_server::organizer::import_problems;
use floorjudge_store::ContestSettings;

const ROUNDS: usize = 7;

fn packages(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                if p.join("problem.yaml").is_file() || p.join("data").is_dir() {
                    out.push(p);
                } else {
                    stack.push(p);
                }
            }
        }
    }
    out.sort();
    out
}

fn dir_size(dir: &Path, name: &str) -> u64 {
    std::fs::metadata(dir.join(name))
        .map(|m| m.len())
        .unwrap_or(0)
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/problems");
    let all = packages(&root);
    let mut times = Vec::new();
    let mut summary = (0, 0, 0, 0u64);
    for _ in 0..ROUNDS {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = ContestDir::new(tmp.path().join("c"));
        let mut store = dir.create(&ContestSettings::default()).expect("create");
        let (mut imported, mut refused, mut testcases) = (0, 0, 0);
        let start = Instant::now();
        for p in &all {
            match import_problems(&mut store, std::slice::from_ref(p), None, &mut |_, _, _| {}) {
                Ok(r) => {
                    imported += 1;
                    testcases += r[0].samples + r[0].secret;
                }
                Err(_) => refused += 1,
            }
        }
        times.push(start.elapsed());
        drop(store); // checkpoints the WAL into the database file
        let db =
            dir_size(dir.root(), "contest.sqlite") + dir_size(dir.root(), "contest.sqlite-wal");
        summary = (imported, refused, testcases, db);
    }
    times.sort();
    let median: Duration = times[ROUNDS / 2];
    let (imported, refused, testcases, db) = summary;
    println!(
        "import of {} packages from {} ({imported} imported, {refused} refused with a reason, {testcases} testcases)",
        all.len(),
        root.display()
    );
    println!(
        "median of {ROUNDS} rounds: {:.1} ms in all, {:.2} ms per imported package (min {:.1} ms, max {:.1} ms)",
        median.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e3 / imported.max(1) as f64,
        times[0].as_secs_f64() * 1e3,
        times[ROUNDS - 1].as_secs_f64() * 1e3
    );
    let package_bytes: u64 = all.iter().map(|p| du(p)).sum();
    println!(
        "database size: {:.2} MiB for {:.2} MiB of package files",
        db as f64 / 1048576.0,
        package_bytes as f64 / 1048576.0
    );
}

fn du(p: &Path) -> u64 {
    let Ok(m) = std::fs::metadata(p) else {
        return 0;
    };
    if m.is_file() {
        return m.len();
    }
    std::fs::read_dir(p)
        .map(|es| es.flatten().map(|e| du(&e.path())).sum())
        .unwrap_or(0)
}
