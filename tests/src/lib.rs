//! Helpers for floorjudge's cross-process system tests: start the real
//! `floorjudge-jury` and `floorjudge-team` binaries, each team on its own
//! 127.0.0.N address, and read what they print.
//!
//! The binaries are looked up beside the test executable (`target/debug`);
//! `installer/test.sh` builds them before running the tests.

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

/// Path of one of the workspace's binaries, built beside the tests.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} is missing: build the binaries first (`cargo build --workspace --bins`)",
        path.display()
    );
    path
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

/// A running `floorjudge-jury serve`, killed on drop.
#[derive(Debug)]
pub struct JuryProcess {
    child: Child,
    /// Base URL of its API.
    pub url: String,
    /// Its address.
    pub addr: SocketAddr,
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
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let url = line
            .trim()
            .rsplit(' ')
            .next()
            .filter(|u| u.starts_with("http://"))
            .unwrap_or_else(|| panic!("jury did not start: {line:?}\n{}", stderr.lock().unwrap()))
            .to_owned();
        std::thread::spawn(move || {
            let mut sink = String::new();
            while out.read_line(&mut sink).unwrap_or(0) > 0 {}
        });
        let addr = url.trim_start_matches("http://").parse().unwrap();
        JuryProcess {
            child,
            url,
            addr,
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

    /// The command with the workstation's global flags.
    pub fn command(&self) -> Command {
        let mut c = Command::new(bin("floorjudge-team"));
        c.args(["--jury", &self.jury, "--source-ip", &self.ip])
            .args(["--callback-port", &self.port.to_string()])
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
