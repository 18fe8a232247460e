//! The soak harness: a rush of submissions from many kiosks (each a real
//! `floorjudge-team serve` on its own 127.0.x.y, submitting with
//! `floorjudge-team submit`), one real jury and several real judgehost
//! daemons, while the jury, a judgehost and some kiosks are SIGKILLed at
//! planned moments and started again. At the end every submission a team
//! made is looked up in the contest's store: stored once, judged once, with
//! the verdict its program earns.
//!
//! Used by `tests/tests/soak.rs` (bounded, in CI) and `benches/rush.rs`
//! (500 kiosks).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::{JudgehostProcess, JuryProcess, Workstation, free_port, ok, workspace};

/// What to run and what to break.
#[derive(Debug, Clone)]
pub struct SoakPlan {
    /// Kiosks (teams), each on its own address.
    pub kiosks: usize,
    /// Judgehost daemons (the jury's embedded one is off).
    pub judgehosts: usize,
    /// How long submissions are made.
    pub rush: Duration,
    /// Submissions started per second, over all kiosks.
    pub rate: f64,
    /// Times the jury is SIGKILLed during the rush (and started at once).
    pub jury_kills: usize,
    /// Times a judgehost is SIGKILLed during the rush (and started again).
    pub judgehost_kills: usize,
    /// Kiosks SIGKILLed mid-rush, which go on submitting (references only)
    /// while down and are started again a few seconds later.
    pub kiosk_kills: usize,
    /// How long the jury stays down each time it is killed.
    pub jury_down: Duration,
    /// Longest wait for every submission to be judged after the rush.
    pub drain_limit: Duration,
}

/// What came out.
#[derive(Debug, Clone, Default)]
pub struct SoakReport {
    /// Submissions the teams made (the kiosk said queued, pending or kept).
    pub made: usize,
    /// Of those, made while the jury was down (kept by the kiosk).
    pub kept: usize,
    /// Of those, made by a kiosk whose `serve` was down.
    pub while_kiosk_down: usize,
    /// Submits the jury refused (rate or pending limits), with the reason.
    pub refused: BTreeMap<String, usize>,
    /// Made submissions the jury stored.
    pub stored: usize,
    /// Made submissions judged with one valid judging.
    pub judged: usize,
    /// Made submissions the jury does not have.
    pub lost: Vec<String>,
    /// Made submissions stored more than once.
    pub duplicated: Vec<String>,
    /// Judgings finished more than once.
    pub judged_twice: Vec<String>,
    /// Judged with another verdict than the program earns.
    pub wrong_verdict: Vec<String>,
    /// Stored but not judged when the drain limit ran out.
    pub stuck: Vec<String>,
    /// Submit → verdict, per judged submission.
    pub latencies: Vec<Duration>,
    /// From the last restart to the last verdict.
    pub drain: Option<Duration>,
    /// From the end of the rush to the last verdict.
    pub drain_after_rush: Option<Duration>,
    /// Kills done: (jury, judgehost, kiosk).
    pub kills: (usize, usize, usize),
    /// The rush's real length.
    pub elapsed: Duration,
}

impl SoakReport {
    /// Whether nothing was lost, duplicated, judged twice, misjudged or stuck.
    pub fn clean(&self) -> bool {
        self.lost.is_empty()
            && self.duplicated.is_empty()
            && self.judged_twice.is_empty()
            && self.wrong_verdict.is_empty()
            && self.stuck.is_empty()
    }

    /// Percentile `p` (0..=1) of the submit → verdict times.
    pub fn latency(&self, p: f64) -> Option<Duration> {
        let mut l = self.latencies.clone();
        l.sort();
        (!l.is_empty()).then(|| l[((l.len() - 1) as f64 * p).round() as usize])
    }

    /// The report as lines for a person.
    pub fn summary(&self) -> String {
        let ms = |d: Option<Duration>| {
            d.map_or("-".into(), |d| {
                format!("{:.0} ms", d.as_secs_f64() * 1000.0)
            })
        };
        format!(
            "made {} ({} kept while the jury was down, {} while their kiosk was down; refused {:?})\n\
             stored {} judged {} lost {} duplicated {} judged twice {} wrong verdict {} stuck {}\n\
             kills: jury {} judgehost {} kiosk {}; rush {:.1} s\n\
             submit→verdict p50 {} p99 {}; last verdict {} after the last restart, {} after the rush",
            self.made,
            self.kept,
            self.while_kiosk_down,
            self.refused,
            self.stored,
            self.judged,
            self.lost.len(),
            self.duplicated.len(),
            self.judged_twice.len(),
            self.wrong_verdict.len(),
            self.stuck.len(),
            self.kills.0,
            self.kills.1,
            self.kills.2,
            self.elapsed.as_secs_f64(),
            ms(self.latency(0.5)),
            ms(self.latency(0.99)),
            ms(self.drain),
            ms(self.drain_after_rush),
        )
    }
}

/// The address of kiosk `i` (0-based): 127.0.2.1 … 127.0.2.250, 127.0.3.1 …
pub fn kiosk_ip(i: usize) -> String {
    format!("127.0.{}.{}", 2 + i / 250, 1 + i % 250)
}

/// The programs teams submit, with the verdict each earns.
fn programs(root: &Path) -> Vec<(PathBuf, &'static str)> {
    let wrong = root.join("wrong.c");
    std::fs::write(
        &wrong,
        "#include <stdio.h>\nint main(void) { puts(\"Hello, nobody!\"); return 0; }\n",
    )
    .unwrap();
    vec![
        (
            workspace().join("assets/sample-contest/greetings/submissions/accepted/greet.c"),
            "AC",
        ),
        (wrong, "WA"),
    ]
}

/// A started contest with `kiosks` teams on their pre-assigned addresses
/// and the sample `greetings` problem.
fn contest(root: &Path, kiosks: usize) -> PathBuf {
    let teams: Vec<(String, String)> = (0..kiosks)
        .map(|i| (format!("t{i}"), kiosk_ip(i)))
        .collect();
    crate::greetings_contest(root, "soak", &teams)
}

/// One kiosk: its workstation and its running `serve`.
struct Kiosk {
    ws: Workstation,
    serve: Option<Child>,
    logs: PathBuf,
}

impl Kiosk {
    fn start(&mut self) {
        let n = std::fs::read_dir(&self.logs).map_or(0, |d| d.count());
        let log = std::fs::File::create(self.logs.join(format!("serve-{n}.log"))).unwrap();
        let child = self
            .ws
            .command()
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start floorjudge-team serve");
        self.serve = Some(child);
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.serve.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Kiosk {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One submission a team made.
#[derive(Debug, Clone)]
struct Made {
    team: String,
    callback_name: String,
    expected: &'static str,
    at_ms: i64,
    kept: bool,
    kiosk_down: bool,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Runs the plan in `root` and reports.
pub fn run(root: &Path, plan: &SoakPlan) -> SoakReport {
    let contest = contest(root, plan.kiosks);
    let listen = format!("127.0.0.1:{}", free_port());
    let jury_flags = [
        "--no-embedded-judgehost",
        "--submit-wait-ms",
        "2000",
        "--lease-ms",
        "10000",
        "--callback-attempts",
        "8",
        "--submits-per-minute",
        "600",
    ];
    let jury = Arc::new(Mutex::new(Some(JuryProcess::start_on(
        &contest,
        &listen,
        &jury_flags,
    ))));
    let url = jury.lock().unwrap().as_ref().unwrap().url.clone();
    let hosts: Vec<_> = (0..plan.judgehosts)
        .map(|i| Mutex::new(JudgehostProcess::start(&contest, &url, &format!("jh{i}"))))
        .collect();
    let port = free_port();
    let kiosks: Vec<Mutex<Kiosk>> = (0..plan.kiosks)
        .map(|i| {
            let logs = root.join(format!("logs-{i}"));
            std::fs::create_dir_all(&logs).unwrap();
            let mut k = Kiosk {
                ws: Workstation::new(root, &url, &kiosk_ip(i), port),
                serve: None,
                logs,
            };
            k.start();
            Mutex::new(k)
        })
        .collect();
    // every kiosk identified and has seen the contest before the rush
    // (a kiosk that never saw it cannot keep a submission while the jury is down)
    std::thread::scope(|scope| {
        for chunk in kiosks.chunks(kiosks.len().div_ceil(8).max(1)) {
            scope.spawn(move || {
                for k in chunk {
                    let ws = k.lock().unwrap().ws.clone();
                    ok(ws.run(&["contest"]));
                }
            });
        }
    });
    let programs = programs(root);
    let made: Mutex<Vec<Made>> = Mutex::new(Vec::new());
    let refused: Mutex<BTreeMap<String, usize>> = Mutex::new(BTreeMap::new());
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    let last_restart = Mutex::new(start);
    let mut kills = (0, 0, 0);
    let mut down: Vec<usize> = Vec::new();
    std::thread::scope(|scope| {
        // the submitters: submission k starts at k / rate, from kiosk k mod N
        for _ in 0..8 {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let due = Duration::from_secs_f64(k as f64 / plan.rate);
                    if due >= plan.rush {
                        return;
                    }
                    if let Some(wait) = due.checked_sub(start.elapsed()) {
                        std::thread::sleep(wait);
                    }
                    let i = k % plan.kiosks;
                    let (file, expected) = &programs[(k / plan.kiosks + i) % programs.len()];
                    let (ws, kiosk_down) = {
                        let k = kiosks[i].lock().unwrap();
                        (k.ws.clone(), k.serve.is_none())
                    };
                    let at_ms = now_ms();
                    let out = ws.run(&[
                        "--json",
                        "submit",
                        "--no-callback-server",
                        "--problem",
                        "greetings",
                        "--language",
                        "c",
                        file.to_str().unwrap(),
                    ]);
                    let line = String::from_utf8_lossy(&out.stdout)
                        .lines()
                        .last()
                        .unwrap_or("")
                        .to_owned();
                    let status: serde_json::Value =
                        serde_json::from_str(&line).unwrap_or(serde_json::Value::Null);
                    // made: the jury has it or will (kept, or rejected as
                    // unreachable, which `serve` resends)
                    let will_count = status["phase"] != "rejected"
                        || status["retryable"] == serde_json::Value::Bool(true);
                    match status["callback_name"].as_str() {
                        Some(name) if will_count => {
                            made.lock().unwrap().push(Made {
                                team: format!("t{i}"),
                                callback_name: name.to_owned(),
                                expected,
                                at_ms,
                                kept: status["phase"] == "kept",
                                kiosk_down,
                            });
                        }
                        _ => {
                            let err = String::from_utf8_lossy(&out.stderr);
                            let reason = err
                                .split("the jury refused:")
                                .nth(1)
                                .and_then(|r| r.rsplit_once('(').map(|(_, code)| code))
                                .map_or_else(
                                    || err.lines().last().unwrap_or("?").chars().take(80).collect(),
                                    |code| code.trim_end_matches([')', '\n']).to_owned(),
                                );
                            *refused.lock().unwrap().entry(reason).or_insert(0) += 1;
                        }
                    }
                }
            });
        }
        // the chaos, at planned fractions of the rush
        let mut events: Vec<(f64, &str, usize)> = Vec::new();
        for j in 0..plan.jury_kills {
            events.push((
                0.25 + 0.5 * j as f64 / plan.jury_kills.max(1) as f64,
                "jury",
                j,
            ));
        }
        for h in 0..plan.judgehost_kills {
            events.push((
                0.3 + 0.4 * h as f64 / plan.judgehost_kills.max(1) as f64,
                "judgehost",
                h,
            ));
        }
        if plan.kiosk_kills > 0 {
            events.push((0.4, "kiosks down", 0));
            events.push((0.55, "kiosks up", 0));
        }
        events.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (at, what, n) in events {
            let due = plan.rush.mul_f64(at);
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                std::thread::sleep(wait);
            }
            match what {
                "jury" => {
                    let mut j = jury.lock().unwrap();
                    if let Some(mut old) = j.take() {
                        old.kill();
                    }
                    std::thread::sleep(plan.jury_down);
                    *j = Some(JuryProcess::start_on(&contest, &listen, &jury_flags));
                    kills.0 += 1;
                }
                "judgehost" => {
                    let mut h = hosts[n % hosts.len()].lock().unwrap();
                    h.kill();
                    h.restart();
                    kills.1 += 1;
                }
                "kiosks down" => {
                    // the kiosks the next submissions go to
                    let k0 = next.load(Ordering::Relaxed);
                    down = (0..plan.kiosk_kills)
                        .map(|j| (k0 + 2 + j) % plan.kiosks)
                        .collect();
                    for &i in &down {
                        kiosks[i].lock().unwrap().kill();
                        kills.2 += 1;
                    }
                }
                _ => {
                    for &i in &down {
                        kiosks[i].lock().unwrap().start();
                    }
                }
            }
            *last_restart.lock().unwrap() = Instant::now();
        }
    });
    let elapsed = start.elapsed();
    let rush_end_ms = now_ms();
    let made = made.into_inner().unwrap();
    let last_restart = *last_restart.lock().unwrap();

    // drain: every made submission judged, or the limit
    let db = contest.join("contest.sqlite");
    let by_name: HashMap<(String, String), &Made> = made
        .iter()
        .map(|m| ((m.team.clone(), m.callback_name.clone()), m))
        .collect();
    let drain_end = Instant::now() + plan.drain_limit;
    let mut last_verdict = None;
    loop {
        let store = floorjudge_store::Store::open(&db).expect("open the contest store");
        let subs = store.submissions().unwrap();
        let mut judged = 0;
        let mut newest = 0;
        for s in &subs {
            if !by_name.contains_key(&(s.team_id.clone(), s.callback_name.clone())) {
                continue;
            }
            if let Ok(floorjudge_store::JudgeState::Judged { .. }) = store.judge_state(s.id) {
                judged += 1;
                for j in store.judgings(s.id).unwrap() {
                    newest = newest.max(j.finished_ms.unwrap_or(0));
                }
            }
        }
        if judged >= made.len() {
            last_verdict = Some(newest);
            break;
        }
        if Instant::now() > drain_end {
            break;
        }
        drop(store);
        std::thread::sleep(Duration::from_millis(500));
    }

    // the check, against the store
    let store = floorjudge_store::Store::open(&db).expect("open the contest store");
    let finishes: HashMap<String, usize> = store
        .audit_log(10_000_000)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "judging.finished")
        .fold(HashMap::new(), |mut m, e| {
            *m.entry(e.subject.unwrap_or_default()).or_insert(0) += 1;
            m
        });
    let mut copies: HashMap<(String, String), Vec<floorjudge_store::Submission>> = HashMap::new();
    for s in store.submissions().unwrap() {
        copies
            .entry((s.team_id.clone(), s.callback_name.clone()))
            .or_default()
            .push(s);
    }
    let mut report = SoakReport {
        made: made.len(),
        kept: made.iter().filter(|m| m.kept).count(),
        while_kiosk_down: made.iter().filter(|m| m.kiosk_down).count(),
        refused: refused.into_inner().unwrap(),
        kills,
        elapsed,
        ..Default::default()
    };
    for m in &made {
        let key = format!("{} {}", m.team, m.callback_name);
        let Some(stored) = copies.get(&(m.team.clone(), m.callback_name.clone())) else {
            report.lost.push(key);
            continue;
        };
        report.stored += 1;
        if stored.len() > 1 {
            report.duplicated.push(key.clone());
        }
        let s = &stored[0];
        let judgings = store.judgings(s.id).unwrap();
        let valid: Vec<_> = judgings.iter().filter(|j| j.valid).collect();
        match valid.as_slice() {
            [j] if j.state == "done" => {
                if finishes.get(&j.id.to_string()).copied().unwrap_or(0) != 1 {
                    report.judged_twice.push(key.clone());
                }
                if j.verdict.map(|v| v.clics_id()) != Some(m.expected) {
                    report
                        .wrong_verdict
                        .push(format!("{key}: {:?} ({:?})", j.verdict, j.error));
                }
                report.judged += 1;
                if let Some(done) = j.finished_ms {
                    report
                        .latencies
                        .push(Duration::from_millis((done - m.at_ms).max(0) as u64));
                }
            }
            _ => report.stuck.push(format!(
                "{key}: {:?}, {:?}, {} judgings",
                s.state,
                s.reject_reason,
                judgings.len()
            )),
        }
    }
    if let Some(newest) = last_verdict {
        let restart_ms = now_ms() - last_restart.elapsed().as_millis() as i64;
        report.drain = Some(Duration::from_millis((newest - restart_ms).max(0) as u64));
        report.drain_after_rush = Some(Duration::from_millis((newest - rush_end_ms).max(0) as u64));
    }
    drop(hosts);
    drop(kiosks);
    drop(jury);
    report
}
