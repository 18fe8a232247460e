//! `floorjudge jury --contest DIR`: the console on a contest held on this
//! machine. The jury server runs as its own process, `floorjudge-jury
//! serve --stop-on-stdin-eof` (found beside this binary, else on PATH),
//! whose standard input this process holds: however the window ends
//! (closed, crashed, killed), the pipe closes and the server shuts down
//! cleanly. Its own process, not this one: the window binary stays free of
//! the server and wasmtime. When a server already listens on the address
//! (a systemd unit, say), the console connects to it instead. The
//! certificate is pinned from the contest folder itself.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use floorjudge_tls::Fingerprint;

/// A jury server this console started; stopped on drop.
#[derive(Debug)]
pub struct LocalJury {
    child: Option<Child>,
    /// Its URL.
    pub url: String,
    /// Its certificate's fingerprint.
    pub fingerprint: Fingerprint,
}

/// `floorjudge-jury`, beside this binary or on PATH.
fn jury_binary() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.join("floorjudge-jury")))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("floorjudge-jury"))
}

/// The contest's certificate fingerprint (`floorjudge-jury tls show`).
fn fingerprint_of(contest: &Path) -> Result<Fingerprint> {
    let out = Command::new(jury_binary())
        .arg("--contest")
        .arg(contest)
        .args(["--json", "tls", "show"])
        .output()
        .context("cannot run floorjudge-jury (is it installed beside floorjudge?)")?;
    if !out.status.success() {
        bail!(
            "floorjudge-jury tls show failed for {}: {}",
            contest.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("the answer of floorjudge-jury tls show")?;
    v["fingerprint"]
        .as_str()
        .context("no fingerprint in the answer of floorjudge-jury tls show")?
        .parse()
        .map_err(|e| anyhow::anyhow!("the contest's fingerprint: {e}"))
}

impl LocalJury {
    /// Starts (unless `no_serve`, or one already listens on `listen`) the
    /// jury server of `contest`.
    pub fn open(
        contest: &Path,
        listen: SocketAddr,
        no_serve: bool,
        serve_args: &[String],
    ) -> Result<LocalJury> {
        if !contest.join("contest.sqlite").is_file() {
            bail!(
                "{} holds no contest (contest.sqlite): make one with `floorjudge-jury --contest {} contest init`",
                contest.display(),
                contest.display()
            );
        }
        let url = format!("https://{listen}");
        let listening =
            std::net::TcpStream::connect_timeout(&listen, Duration::from_millis(500)).is_ok();
        if no_serve || listening {
            if !listening {
                bail!("no jury server listens on {listen} (--no-serve)");
            }
            tracing::info!(%url, "a jury server already listens: connecting to it");
            return Ok(LocalJury {
                child: None,
                fingerprint: fingerprint_of(contest)?,
                url,
            });
        }
        let mut child = Command::new(jury_binary())
            .arg("--contest")
            .arg(contest)
            .arg("serve")
            .arg("--listen")
            .arg(listen.to_string())
            .arg("--stop-on-stdin-eof")
            .args(serve_args)
            .stdout(Stdio::piped())
            .stdin(Stdio::piped())
            .spawn()
            .context("cannot start floorjudge-jury serve (is it installed beside floorjudge?)")?;
        let stdout = child.stdout.take().context("the server's stdout")?;
        let mut lines = BufReader::new(stdout);
        let mut line = String::new();
        lines
            .read_line(&mut line)
            .context("reading the jury server's first line")?;
        // "floorjudge jury listening on URL certificate FINGERPRINT"
        let words: Vec<&str> = line.split_whitespace().collect();
        let [.., "on", url, "certificate", fp] = words.as_slice() else {
            let status = child.wait().ok();
            bail!(
                "the jury server for {} did not start ({status:?}); its messages are above",
                contest.display()
            );
        };
        let fingerprint = fp
            .parse()
            .map_err(|e| anyhow::anyhow!("the server's fingerprint: {e}"))?;
        let url = (*url).to_owned();
        // keep reading so the server never blocks on a full pipe
        std::thread::spawn(move || {
            let mut sink = String::new();
            while lines.read_line(&mut sink).unwrap_or(0) > 0 {
                sink.clear();
            }
        });
        tracing::info!(%url, contest = %contest.display(), "jury server started");
        Ok(LocalJury {
            child: Some(child),
            url,
            fingerprint,
        })
    }
}

impl Drop for LocalJury {
    fn drop(&mut self) {
        let Some(child) = self.child.as_mut() else {
            return;
        };
        // closing its standard input stops the server cleanly
        drop(child.stdin.take());
        for _ in 0..100 {
            if let Ok(Some(_)) = child.try_wait() {
                tracing::info!("jury server stopped");
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        tracing::warn!("the jury server did not stop in 10 s: killing it");
        let _ = child.kill();
        let _ = child.wait();
    }
}
