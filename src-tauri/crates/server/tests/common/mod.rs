//! Running the real `floorjudge-jury` binary against real contest folders.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// `../shared/problems`, beside the repository.
pub fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../../shared")
}

/// A problem package or contest folder from `../shared/problems`.
pub fn problems(rel: &str) -> PathBuf {
    shared().join("problems").join(rel)
}

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

/// The result of one command.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "command failed:\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn fails_with(self, needles: &[&str]) -> Run {
        assert_ne!(
            self.code, 0,
            "command should have failed:\nstdout: {}",
            self.stdout
        );
        for n in needles {
            assert!(
                self.stderr.contains(n),
                "stderr lacks {n:?}:\n{}",
                self.stderr
            );
        }
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

fn finish(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `floorjudge-jury --contest DIR ARGS...`.
pub fn jury(contest: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_floorjudge-jury"))
        .arg("--contest")
        .arg(contest)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run floorjudge-jury");
    finish(out)
}

/// Runs the jury with a line on stdin.
pub fn jury_stdin(contest: &Path, args: &[&str], input: &str) -> Run {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_floorjudge-jury"))
        .arg("--contest")
        .arg(contest)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    finish(child.wait_with_output().expect("wait"))
}

/// A new contest in a temporary folder.
pub fn new_contest() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("contest");
    jury(&dir, &["contest", "init"]).ok();
    (tmp, dir)
}

/// Writes a file (creating folders).
pub fn write(path: &Path, content: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, content).expect("write");
}

/// Everything a contest holds, as JSON, to show that a refused import changed nothing.
pub fn snapshot(contest: &Path) -> (serde_json::Value, serde_json::Value, serde_json::Value) {
    (
        jury(contest, &["--json", "status"]).ok().json(),
        jury(contest, &["--json", "team", "list"]).ok().json(),
        jury(contest, &["--json", "problem", "list"]).ok().json(),
    )
}
