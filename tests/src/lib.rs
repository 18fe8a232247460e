//! Helpers for floorjudge's cross-process system tests: start the real
//! `floorjudge-jury` and `floorjudge-team` binaries, each team on its own
//! 127.0.0.N address, and read what they print.
//!
//! The binaries are looked up beside the test executable (`target/debug`);
//! `installer/test.sh` builds them before running the tests.

pub mod soak;
pub mod window;

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// The crates (folders) each binary is built from.
fn sources_of(binary: &str) -> &'static [&'static str] {
    const COMMON: [&str; 2] = ["src-tauri/crates/proto", "src-tauri/crates/tls"];
    match binary {
        "floorjudge-jury" => &[
            COMMON[0],
            COMMON[1],
            "src-tauri/crates/store",
            "src-tauri/crates/server",
            "judgehost",
        ],
        "floorjudge-team" => &[COMMON[0], COMMON[1], "src-tauri/crates/team"],
        "floorjudge-judgehost" => &[COMMON[0], COMMON[1], "judgehost"],
        "floorjudge" => &[COMMON[0], COMMON[1], "src-tauri/crates/team", "src-tauri"],
        _ => &[],
    }
}

/// The newest modification time of what `binary` is built from (its
/// crates' `src/`, manifests and migrations).
fn newest_source(binary: &str) -> std::time::SystemTime {
    // scanned once per binary and test process, not on every command
    static NEWEST: std::sync::OnceLock<
        Mutex<std::collections::HashMap<String, std::time::SystemTime>>,
    > = std::sync::OnceLock::new();
    let cache = NEWEST.get_or_init(Default::default);
    if let Some(t) = cache.lock().unwrap().get(binary) {
        return *t;
    }
    let newest = {
        fn walk(dir: &Path, newest: &mut std::time::SystemTime) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let path = e.path();
                let name = e.file_name();
                if name == "target" || name.to_string_lossy().starts_with('.') {
                    continue;
                }
                if path.is_dir() {
                    walk(&path, newest);
                } else if path
                    .extension()
                    .is_some_and(|x| x == "rs" || x == "sql" || x == "toml")
                    && let Ok(t) = e.metadata().and_then(|m| m.modified())
                {
                    *newest = (*newest).max(t);
                }
            }
        }
        let mut newest = std::time::SystemTime::UNIX_EPOCH;
        for krate in sources_of(binary) {
            let root = workspace().join(krate);
            walk(&root.join("src"), &mut newest);
            walk(&root.join("migrations"), &mut newest);
            if let Ok(t) = std::fs::metadata(root.join("Cargo.toml")).and_then(|m| m.modified()) {
                newest = newest.max(t);
            }
        }
        newest
    };
    cache.lock().unwrap().insert(binary.to_owned(), newest);
    newest
}

/// Path of one of the workspace's binaries, built beside the tests. A
/// binary older than the newest source is refused: the test would run
/// yesterday's code.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} is missing: build the binaries first (`cargo build --workspace --bins`)",
        path.display()
    );
    let built = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .expect("binary mtime");
    assert!(
        built >= newest_source(name),
        "{} is older than the sources: rebuild it (`cargo build --workspace --bins`)",
        path.display()
    );
    path
}

/// The median of `v` (the upper one of an even count); for the benches.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs `floorjudge-jury --contest DIR ARGS…` to completion.
pub fn jury_cmd(contest: &Path, args: &[&str]) -> Output {
    Command::new(bin("floorjudge-jury"))
        .arg("--contest")
        .arg(contest)
        .args(args)
        .output()
        .expect("run floorjudge-jury")
}

/// Like [`jury_cmd`], feeding `stdin`.
pub fn jury_cmd_stdin(contest: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(bin("floorjudge-jury"))
        .arg("--contest")
        .arg(contest)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run floorjudge-jury");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Asserts a command succeeded and returns its stdout.
pub fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "command failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A contest made from the sample contest, started, with team 5's password
/// set to [`TEAM5_PASSWORD`].
pub fn sample_contest(root: &Path) -> PathBuf {
    let dir = root.join("contest");
    let sample = workspace().join("assets/sample-contest");
    ok(jury_cmd(
        &dir,
        &["contest", "init", "--from", sample.to_str().unwrap()],
    ));
    ok(jury_cmd(&dir, &["contest", "start"]));
    ok(jury_cmd_stdin(
        &dir,
        &["team", "set-password", "5"],
        TEAM5_PASSWORD,
    ));
    dir
}

/// A started contest named `name` with the sample `greetings` problem and
/// one team per `(id, address)` in `teams` (pre-assigned: each identifies
/// from its address with no typing).
pub fn greetings_contest(root: &Path, name: &str, teams: &[(String, String)]) -> PathBuf {
    let dir = root.join("contest");
    ok(jury_cmd(&dir, &["contest", "init", "--name", name]));
    let list: Vec<_> = teams
        .iter()
        .map(|(id, _)| serde_json::json!({"id": id, "name": format!("Team {id}")}))
        .collect();
    let mut accounts = String::new();
    for (id, ip) in teams {
        accounts.push_str(&format!(
            "- id: {id}\n  username: {id}\n  type: team\n  team_id: {id}\n  ip: {ip}\n"
        ));
    }
    let (teams_file, accounts_file) = (root.join("teams.json"), root.join("accounts.yaml"));
    std::fs::write(&teams_file, serde_json::to_vec(&list).unwrap()).unwrap();
    std::fs::write(&accounts_file, accounts).unwrap();
    ok(jury_cmd(
        &dir,
        &[
            "team",
            "import",
            teams_file.to_str().unwrap(),
            accounts_file.to_str().unwrap(),
        ],
    ));
    let greetings = workspace().join("assets/sample-contest/greetings");
    ok(jury_cmd(
        &dir,
        &["problem", "import", greetings.to_str().unwrap()],
    ));
    ok(jury_cmd(&dir, &["contest", "start"]));
    dir
}

/// Team 5's password in [`sample_contest`].
pub const TEAM5_PASSWORD: &str = "tangerine-kiosk-42";

/// A free TCP port on loopback (for callback servers).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Collects what a child writes to `stream`, line by line, in the background.
fn capture(stream: impl std::io::Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = text.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let mut s = sink.lock().unwrap();
            s.push_str(&line);
            s.push('\n');
        }
    });
    text
}

/// Issues judgehost credentials with `floorjudge-jury judgehost add NAME
/// --out`; returns the file.
pub fn issue_credentials(contest: &Path, name: &str) -> PathBuf {
    let file = contest.join(format!("{name}.credentials.json"));
    ok(jury_cmd(
        contest,
        &["judgehost", "add", name, "--out", file.to_str().unwrap()],
    ));
    file
}

/// The certificate fingerprint of every jury this test process started, by
/// URL: what a workstation or client of that jury pins.
fn pins() -> &'static Mutex<std::collections::HashMap<String, floorjudge_tls::Fingerprint>> {
    static PINS: std::sync::OnceLock<
        Mutex<std::collections::HashMap<String, floorjudge_tls::Fingerprint>>,
    > = std::sync::OnceLock::new();
    PINS.get_or_init(Default::default)
}

/// The fingerprint of the jury at `url` (started by this process).
pub fn pin_for(url: &str) -> Option<floorjudge_tls::Fingerprint> {
    pins().lock().unwrap().get(url).copied()
}

/// Pins the jury at `url` (started by someone else, e.g. a console) to the
/// certificate of `contest`.
pub fn pin_contest(url: &str, contest: &Path) {
    let out = ok(jury_cmd(contest, &["--json", "tls", "show"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let fp = v["fingerprint"].as_str().unwrap().parse().unwrap();
    pins().lock().unwrap().insert(url.to_owned(), fp);
}

/// An HTTP client of the jury at `url` (pinned), from `source`.
pub fn jury_http(url: &str, source: Option<std::net::IpAddr>) -> reqwest::Client {
    floorjudge_team::jury_client::jury_http_client(url, pin_for(url), source, None).expect("client")
}

/// A bench's `serve` flags: `extra`, plus `--plain-http` when
/// `FLOORJUDGE_BENCH_PLAIN_HTTP=1` (to compare TLS with plain HTTP).
pub fn bench_flags<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut flags = extra.to_vec();
    if std::env::var("FLOORJUDGE_BENCH_PLAIN_HTTP").as_deref() == Ok("1") {
        flags.push("--plain-http");
    }
    flags
}

/// A running `floorjudge-jury serve`, killed on drop.
#[derive(Debug)]
pub struct JuryProcess {
    child: Child,
    /// Base URL of its API (`https://…`, or `http://…` with `--plain-http`).
    pub url: String,
    /// Its address.
    pub addr: SocketAddr,
    /// Its TLS certificate's fingerprint, as it printed it.
    pub fingerprint: floorjudge_tls::Fingerprint,
    stderr: Arc<Mutex<String>>,
}

impl JuryProcess {
    /// Starts `floorjudge-jury serve` on a free loopback port with `extra` flags.
    pub fn start(contest: &Path, extra: &[&str]) -> JuryProcess {
        Self::start_on(contest, "127.0.0.1:0", extra)
    }

    /// Starts it on `listen`.
    pub fn start_on(contest: &Path, listen: &str, extra: &[&str]) -> JuryProcess {
        let mut child = Command::new(bin("floorjudge-jury"))
            .arg("--contest")
            .arg(contest)
            .args(["-v", "serve", "--listen", listen])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start floorjudge-jury serve");
        let stderr = capture(child.stderr.take().unwrap());
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        // "floorjudge jury listening on URL certificate FINGERPRINT"
        let words: Vec<&str> = line.split_whitespace().collect();
        let (url, fingerprint) = match words.as_slice() {
            [.., "on", url, "certificate", fp] if url.starts_with("http") => {
                (url.to_string(), fp.parse().expect("fingerprint"))
            }
            _ => panic!("jury did not start: {line:?}\n{}", stderr.lock().unwrap()),
        };
        std::thread::spawn(move || {
            let mut sink = String::new();
            while out.read_line(&mut sink).unwrap_or(0) > 0 {}
        });
        pins().lock().unwrap().insert(url.clone(), fingerprint);
        let addr = url
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .parse()
            .unwrap();
        JuryProcess {
            child,
            url,
            addr,
            fingerprint,
            stderr,
        }
    }

    /// What it logged so far.
    pub fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Kills it at once (SIGKILL: no graceful anything).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for JuryProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One simulated workstation: a `floorjudge-team` on 127.0.0.N with its own
/// state folder.
#[derive(Debug, Clone)]
pub struct Workstation {
    /// Its address.
    pub ip: String,
    /// Jury URL.
    pub jury: String,
    /// Callback port.
    pub port: u16,
    /// State folder.
    pub state: PathBuf,
}

impl Workstation {
    /// A workstation at `ip` with its state under `root`.
    pub fn new(root: &Path, jury: &str, ip: &str, port: u16) -> Workstation {
        Workstation {
            ip: ip.to_owned(),
            jury: jury.to_owned(),
            port,
            state: root.join(format!("ws-{ip}")),
        }
    }

    /// The kiosk key this workstation's `floorjudge-team` made in its state
    /// folder (on its first run).
    pub fn kiosk_key(&self) -> floorjudge_tls::Identity {
        floorjudge_tls::Identity::load_or_create(
            &self.state,
            floorjudge_team::agent::KIOSK_TLS_STEM,
            &["floorjudge-kiosk"],
        )
        .expect("the workstation's kiosk key")
    }

    /// An HTTP client of the jury from this workstation's address, proving
    /// its kiosk key (as its `floorjudge-team` does).
    pub fn http(&self) -> reqwest::Client {
        floorjudge_team::jury_client::jury_http_client(
            &self.jury,
            pin_for(&self.jury),
            Some(self.ip.parse().expect("workstation address")),
            Some(&self.kiosk_key()),
        )
        .expect("client")
    }

    /// The command with the workstation's global flags.
    pub fn command(&self) -> Command {
        let mut c = Command::new(bin("floorjudge-team"));
        c.args(["--jury", &self.jury, "--source-ip", &self.ip]);
        if let Some(pin) = pin_for(&self.jury) {
            c.args(["--jury-fingerprint", &pin.to_string()]);
        }
        c.args(["--callback-port", &self.port.to_string()])
            .arg("--state-dir")
            .arg(&self.state);
        c
    }

    /// Runs `floorjudge-team ARGS…` to completion.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command()
            .args(args)
            .output()
            .expect("run floorjudge-team")
    }

    /// Starts `floorjudge-team ARGS…` in the background.
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start floorjudge-team")
    }

    /// The session token it saved.
    pub fn token(&self) -> String {
        let s: serde_json::Value =
            serde_json::from_slice(&std::fs::read(self.state.join("session.json")).unwrap())
                .unwrap();
        s["session"]["token"].as_str().unwrap().to_owned()
    }

    /// `floorjudge-team --json submit --problem P --wait FILE` (up to 120 s).
    pub fn submit_waiting(&self, problem: &str, file: &Path) -> Output {
        self.run(&[
            "--json",
            "submit",
            "--problem",
            problem,
            "--wait",
            "--timeout",
            "120",
            file.to_str().unwrap(),
        ])
    }

    /// What [`Workstation::submit_waiting`] answered last, as JSON.
    pub fn submit_and_wait(&self, problem: &str, file: &Path) -> serde_json::Value {
        last_json(&self.submit_waiting(problem, file))
    }

    /// The entries still in its callback folder.
    pub fn callback_entries(&self) -> Vec<String> {
        let Ok(rd) = std::fs::read_dir(self.state.join(".callback")) else {
            return Vec::new();
        };
        rd.filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| !n.starts_with('.'))
            .collect()
    }
}

/// The last line of a command's stdout, as JSON.
pub fn last_json(out: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or_else(|| {
        panic!(
            "no output; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}"))
}

/// The contest's submissions as the jury lists them.
pub fn jury_submissions(contest: &Path) -> Vec<serde_json::Value> {
    let out = ok(jury_cmd(contest, &["--json", "submission", "list"]));
    serde_json::from_str::<Vec<serde_json::Value>>(&out).unwrap()
}

/// The newest audit entries.
pub fn audit(contest: &Path) -> Vec<serde_json::Value> {
    let out = ok(jury_cmd(contest, &["--json", "audit", "--limit", "1000"]));
    serde_json::from_str::<Vec<serde_json::Value>>(&out).unwrap()
}

/// Polls `check` every 50 ms until it returns `Some`, or panics after `limit`.
pub fn wait_for<T>(what: &str, limit: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + limit;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A judgehost speaking the signed API by hand, so tests can also send
/// what an honest judgehost never would.
#[derive(Debug, Clone)]
pub struct HandJudgehost {
    /// Jury base URL.
    pub url: String,
    /// Its credentials.
    pub credentials: floorjudge_proto::judgehost::Credentials,
    http: reqwest::Client,
}

/// How to (mis)sign one request.
#[derive(Debug, Clone, Default)]
pub struct Signing {
    /// Use this Date instead of now.
    pub date: Option<String>,
    /// Use this signature instead of the right one.
    pub signature: Option<String>,
    /// Send no signing headers at all.
    pub unsigned: bool,
    /// Use this `?n=` nonce instead of a random one (to repeat a request exactly).
    pub nonce: Option<String>,
}

impl HandJudgehost {
    /// Issues credentials with `floorjudge-jury judgehost add NAME --out`.
    pub fn add(contest: &Path, url: &str, name: &str) -> HandJudgehost {
        let file = issue_credentials(contest, name);
        let credentials = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        HandJudgehost {
            url: url.to_owned(),
            credentials,
            http: jury_http(url, None),
        }
    }

    /// The signature of a request, as the protocol defines it.
    pub fn sign(&self, method: &str, url: &str, date: &str, body: &[u8]) -> String {
        use base64::Engine;
        let key = ring::hmac::Key::new(
            ring::hmac::HMAC_SHA256,
            &hex::decode(&self.credentials.secret).unwrap(),
        );
        let tag = ring::hmac::sign(
            &key,
            &floorjudge_proto::judgehost::signed_request(method, url, date, body),
        );
        base64::engine::general_purpose::STANDARD.encode(tag.as_ref())
    }

    /// Sends one request; returns status and body.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: &serde_json::Value,
        how: &Signing,
    ) -> (u16, Vec<u8>) {
        let body = if body.is_null() {
            Vec::new()
        } else {
            serde_json::to_vec(body).unwrap()
        };
        let nonce = how
            .nonce
            .clone()
            .unwrap_or_else(|| hex::encode(rand_bytes()));
        let url = format!("{}{path}?n={nonce}", self.url);
        let date = how
            .date
            .clone()
            .unwrap_or_else(|| chrono::Utc::now().to_rfc2822());
        let signature = how
            .signature
            .clone()
            .unwrap_or_else(|| self.sign(method, &url, &date, &body));
        let mut req = self
            .http
            .request(method.parse().unwrap(), &url)
            .body(body.clone());
        if !how.unsigned {
            req = req
                .header(
                    floorjudge_proto::judgehost::KEY_HEADER,
                    &self.credentials.key_id,
                )
                .header("date", date)
                .header(floorjudge_proto::judgehost::SIGNATURE_HEADER, signature);
        }
        let r = req.send().await.unwrap();
        (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
    }

    /// A correctly signed request.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let (status, bytes) = self.send(method, path, &body, &Signing::default()).await;
        let value = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (status, value)
    }

    /// Leases a job, waiting up to `wait_ms`.
    pub async fn lease(&self, wait_ms: u64) -> Option<serde_json::Value> {
        let (status, job) = self
            .call(
                "POST",
                "/api/judgehost/lease",
                serde_json::json!({ "wait_ms": wait_ms }),
            )
            .await;
        match status {
            200 => Some(job),
            204 => None,
            other => panic!("lease answered {other}: {job}"),
        }
    }
}

fn rand_bytes() -> [u8; 8] {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    (t ^ COUNTER.fetch_add(1, Ordering::Relaxed).rotate_left(32)).to_le_bytes()
}

/// A `floorjudge-judgehost run` daemon, killed on drop.
#[derive(Debug)]
pub struct JudgehostProcess {
    child: Child,
    log: Arc<Mutex<String>>,
    command: Vec<std::ffi::OsString>,
}

impl JudgehostProcess {
    /// Issues credentials `name` and starts a daemon against `url`.
    pub fn start(contest: &Path, url: &str, name: &str) -> JudgehostProcess {
        Self::start_with(contest, url, name, &[])
    }

    /// Like [`JudgehostProcess::start`], with extra flags for `run`.
    pub fn start_with(contest: &Path, url: &str, name: &str, extra: &[&str]) -> JudgehostProcess {
        let file = issue_credentials(contest, name);
        let mut command: Vec<std::ffi::OsString> = ["run", "--jury", url, "--credentials"]
            .iter()
            .map(Into::into)
            .collect();
        command.push(file.into());
        command.push("--cache".into());
        command.push(contest.join(format!("cache-{name}")).into());
        command.extend(extra.iter().map(Into::into));
        let (child, log) = Self::spawn(&command);
        JudgehostProcess {
            child,
            log,
            command,
        }
    }

    fn spawn(command: &[std::ffi::OsString]) -> (Child, Arc<Mutex<String>>) {
        let mut child = Command::new(bin("floorjudge-judgehost"))
            .args(command)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start floorjudge-judgehost run");
        let log = capture(child.stderr.take().unwrap());
        (child, log)
    }

    /// Starts it again with the same credentials and cache (after [`JudgehostProcess::kill`]).
    pub fn restart(&mut self) {
        let (child, log) = Self::spawn(&self.command);
        (self.child, self.log) = (child, log);
    }

    /// What it logged.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// SIGKILL.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits for it to exit (at most `limit`).
    pub fn terminate(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let end = Instant::now() + limit;
        while Instant::now() < end {
            if let Ok(Some(s)) = self.child.try_wait() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for JudgehostProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
