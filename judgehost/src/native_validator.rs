//! A package's own validators (output and interactive), as problem setters
//! write them: C++ with exceptions and the whole standard library
//! (BAPCtools' `validation.h`, `testlib.h`), C, or Python. They are
//! compiled natively with the host's `g++`/`gcc`, once per content hash,
//! and run natively; both in the native sandbox, since a validator reads
//! contestant output and is as dangerous as the submission.
//!
//! Calling convention (Kattis): `validator input answer feedback_dir
//! [flags]`, the team's output on stdin (for an interactive validator, the
//! submission's output on stdin and its input on stdout), exit 42 accepts,
//! 43 rejects, anything else is a judge error. In the sandbox the validator
//! sees its own files read-only at `/validator`, the testcase's input and
//! answer read-only at `/judge`, the system's libraries read-only, and one
//! writable folder, the feedback folder at `/work`. No `/tmp`, no network,
//! no other process, the package's `validation_*` limits.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::native_run::{self, gcc_mounts as compiler_mounts, python_mounts, system_mounts};
use crate::package::ValidationLimits;
use crate::sandbox::{
    Mount, NativeIo, NativeLimits, NativeOutcome, NativeSandbox, NativeSpec, NativeStep, Pipe,
    ReadBack, SandboxError, Termination, read_back,
};
use crate::toolchain::SourceFile;

/// Where a validator's own files appear in the sandbox.
pub const VALIDATOR_DIR: &str = "/validator";
/// Where the testcase's input and answer appear.
pub const JUDGE_DIR: &str = "/judge";
/// The feedback folder as the validator is told it (the sandbox's `/work`).
pub const FEEDBACK_DIR: &str = "/work/";

/// Bumped when the compile command changes, so cached builds are not reused.
const BUILD_VERSION: &str = "floorjudge-native-validator-1";
/// Largest compiled validator.
const BINARY_BYTES: u64 = 256 << 20;
/// Longest compiler message kept.
const MESSAGE_BYTES: usize = 16 << 10;
/// Most stderr kept from a validator run.
const STDERR_BYTES: usize = 4096;

/// Why a validator gave no verdict: always the judge's problem, never the team's.
#[derive(Debug, thiserror::Error)]
pub enum ValidatorError {
    /// No file in a language we build validators in.
    #[error("no validator source in C++, C or Python among: {0}")]
    NoSource(String),
    /// A file name that is not a plain name.
    #[error("validator file name {0:?} is not a plain file name")]
    BadName(String),
    /// The compiler refused it.
    #[error("does not compile with {compiler}:\n{message}")]
    DoesNotCompile {
        /// `g++` or `gcc`.
        compiler: &'static str,
        /// What it said, capped.
        message: String,
    },
    /// The sandbox failed.
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    /// Local files.
    #[error("validator folder: {0}")]
    Io(#[from] std::io::Error),
}

/// How a validator is built and started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Cpp,
    C,
    Python,
}

impl Kind {
    fn of(sources: &[SourceFile]) -> Option<(Kind, Vec<&SourceFile>)> {
        let ext = |s: &SourceFile| {
            Path::new(&s.name)
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_owned)
        };
        let pick = |exts: &[&str]| -> Vec<&SourceFile> {
            sources
                .iter()
                .filter(|s| ext(s).is_some_and(|e| exts.contains(&e.as_str())))
                .collect()
        };
        for (kind, exts) in [
            (Kind::Cpp, &["cpp", "cc", "cxx", "c++", "C"][..]),
            (Kind::C, &["c"][..]),
            (Kind::Python, &["py"][..]),
        ] {
            let found = pick(exts);
            if !found.is_empty() {
                return Some((kind, found));
            }
        }
        None
    }
}

/// A built validator, ready to run.
#[derive(Debug)]
pub struct NativeValidator {
    /// Content hash of its sources (and of how we build them).
    pub key: String,
    /// Its folder, shown at [`VALIDATOR_DIR`].
    dir: PathBuf,
    /// How to start it, before the convention's arguments.
    argv: Vec<String>,
    /// What it needs of the host besides its folder.
    mounts: Vec<Mount>,
}

/// One validator run: what it judges and where it writes.
#[derive(Debug)]
pub struct ValidatorRun<'a> {
    /// Holds `testcase.in` and `testcase.ans` (make it with
    /// [`NativeSandbox::work_dir`] so the sandbox user can read it).
    pub judge_dir: &'a Path,
    /// The empty feedback folder (made the same way).
    pub feedback_dir: &'a Path,
    /// `output_validator_flags`.
    pub flags: &'a [String],
    /// The package's limits.
    pub limits: ValidationLimits,
}

/// What a validator said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValidatorVerdict {
    /// Exit 42.
    Accepted,
    /// Exit 43.
    Rejected,
    /// Anything else: a judge error, with what happened.
    Failed(String),
}

/// Builds validators (once each) and runs them.
#[derive(Debug)]
pub struct Validators {
    sandbox: Arc<NativeSandbox>,
    /// Built validators by key, each in a folder of this one (mode 0755: the
    /// sandbox user reads them). Lives as long as the judge.
    store: tempfile::TempDir,
    built: Mutex<HashMap<String, Arc<NativeValidator>>>,
}

/// The content hash of a validator's sources.
fn key_of(sources: &[SourceFile]) -> String {
    let mut sorted: Vec<&SourceFile> = sources.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut h = Sha256::new();
    h.update(BUILD_VERSION);
    for s in sorted {
        h.update((s.name.len() as u64).to_le_bytes());
        h.update(&s.name);
        h.update((s.content.len() as u64).to_le_bytes());
        h.update(&s.content);
    }
    hex::encode(h.finalize())
}

fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\0'])
        && name.len() <= 255
}

fn cap(text: &[u8], max: usize) -> String {
    let mut s = String::from_utf8_lossy(&text[..text.len().min(max)]).into_owned();
    if text.len() > max {
        s.push_str("\n[… truncated]");
    }
    s
}

impl Validators {
    /// Over the given native sandbox, with an empty store.
    pub fn new(sandbox: Arc<NativeSandbox>) -> Result<Validators, ValidatorError> {
        use std::os::unix::fs::PermissionsExt;
        let store = tempfile::Builder::new()
            .prefix("floorjudge-validators-")
            .tempdir_in(std::env::temp_dir())?;
        std::fs::set_permissions(store.path(), std::fs::Permissions::from_mode(0o755))?;
        Ok(Validators {
            sandbox,
            store,
            built: Mutex::new(HashMap::new()),
        })
    }

    /// The native sandbox validators run in (for its work folders).
    pub fn sandbox(&self) -> &NativeSandbox {
        &self.sandbox
    }

    /// How many validators have been built.
    pub fn built(&self) -> usize {
        self.built.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// The validator of `sources`, built now or found built.
    pub fn build(&self, sources: &[SourceFile]) -> Result<Arc<NativeValidator>, ValidatorError> {
        if let Some(bad) = sources.iter().find(|s| !is_plain_name(&s.name)) {
            return Err(ValidatorError::BadName(bad.name.clone()));
        }
        let key = key_of(sources);
        // Held while building: two judgings of one problem build it once.
        let mut built = self.built.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = built.get(&key) {
            return Ok(v.clone());
        }
        let (kind, mains) = Kind::of(sources).ok_or_else(|| {
            ValidatorError::NoSource(
                sources
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })?;
        let dir = self.store.path().join(&key);
        std::fs::create_dir_all(&dir)?;
        let started = std::time::Instant::now();
        let validator = match kind {
            Kind::Python => {
                for s in sources {
                    write_public(&dir.join(&s.name), &s.content)?;
                }
                // A `validate.py` or the only script is the entry point.
                let main = mains
                    .iter()
                    .find(|s| s.name == "validate.py")
                    .unwrap_or(&mains[0]);
                NativeValidator {
                    key: key.clone(),
                    dir,
                    argv: vec![
                        "/usr/bin/python3".into(),
                        "-B".into(),
                        format!("{VALIDATOR_DIR}/{}", main.name),
                    ],
                    mounts: python_mounts(),
                }
            }
            Kind::Cpp | Kind::C => {
                let binary = self.compile(kind, sources, &mains)?;
                write_public(&dir.join("validator"), &binary)?;
                NativeValidator {
                    key: key.clone(),
                    dir,
                    argv: vec![format!("{VALIDATOR_DIR}/validator")],
                    mounts: system_mounts(),
                }
            }
        };
        tracing::info!(
            key = %&key[..12],
            kind = ?kind,
            ms = started.elapsed().as_millis() as u64,
            "validator built"
        );
        let validator = Arc::new(validator);
        built.insert(key, validator.clone());
        Ok(validator)
    }

    fn compile(
        &self,
        kind: Kind,
        sources: &[SourceFile],
        mains: &[&SourceFile],
    ) -> Result<Vec<u8>, ValidatorError> {
        let work = self.sandbox.work_dir("fj-validator-build-")?;
        for s in sources {
            std::fs::write(work.path().join(&s.name), &s.content)?;
        }
        let (compiler, mut argv) = match kind {
            Kind::Cpp => (
                "g++",
                vec!["/usr/bin/g++".to_owned(), "-std=gnu++20".into()],
            ),
            _ => ("gcc", vec!["/usr/bin/gcc".to_owned(), "-std=gnu17".into()]),
        };
        argv.extend(["-O2", "-pipe", "-o", "validator"].map(str::to_owned));
        argv.extend(mains.iter().map(|s| s.name.clone()));
        if kind == Kind::C {
            argv.push("-lm".into());
        }
        let limits = NativeLimits {
            wall: Duration::from_secs(120),
            cpu: Duration::from_secs(120),
            address_space_bytes: 4 << 30,
            memory_bytes: None,
            file_bytes: BINARY_BYTES,
            processes: 64,
            open_files: 256,
            tmp_bytes: 512 << 20,
            stdout_bytes: MESSAGE_BYTES,
            stderr_bytes: MESSAGE_BYTES,
        };
        let out = self.sandbox.run(&NativeSpec {
            steps: vec![NativeStep::new(argv)],
            env: Vec::new(),
            mounts: compiler_mounts(),
            work: work.path(),
            limits,
        })?;
        let failed = |message: String| ValidatorError::DoesNotCompile {
            compiler,
            message: cap(message.as_bytes(), MESSAGE_BYTES),
        };
        let message = native_run::compiled(out, &limits).map_err(failed)?;
        match read_back(&work.path().join("validator"), BINARY_BYTES)? {
            ReadBack::Bytes(b) => Ok(b),
            ReadBack::TooLarge => Err(failed(format!(
                "the validator is larger than {} MiB",
                BINARY_BYTES >> 20
            ))),
            ReadBack::Missing => Err(failed(format!("no program was produced\n{message}"))),
        }
    }

    fn spec<'a>(&self, v: &NativeValidator, run: &'a ValidatorRun<'a>) -> NativeSpec<'a> {
        let mut argv = v.argv.clone();
        argv.extend(
            [
                format!("{JUDGE_DIR}/testcase.in"),
                format!("{JUDGE_DIR}/testcase.ans"),
                FEEDBACK_DIR.to_owned(),
            ]
            .into_iter()
            .chain(run.flags.iter().cloned()),
        );
        let mut mounts = v.mounts.clone();
        mounts.push(Mount::at(&v.dir, VALIDATOR_DIR));
        mounts.push(Mount::at(run.judge_dir, JUDGE_DIR));
        let output = run.limits.output_mib << 20;
        NativeSpec {
            steps: vec![NativeStep::new(argv)],
            env: Vec::new(),
            mounts,
            work: run.feedback_dir,
            limits: NativeLimits {
                wall: run.limits.time + Duration::from_secs(1),
                cpu: run.limits.time,
                address_space_bytes: run.limits.memory_mib << 20,
                memory_bytes: Some(run.limits.memory_mib << 20),
                file_bytes: output,
                processes: 16,
                open_files: 64,
                tmp_bytes: 0,
                stdout_bytes: output as usize,
                stderr_bytes: STDERR_BYTES,
            },
        }
    }

    /// Runs an output validator on a team's output (a file of ours, given
    /// as its stdin).
    pub fn check_output(
        &self,
        v: &NativeValidator,
        run: &ValidatorRun<'_>,
        team_output: &Path,
    ) -> Result<(ValidatorVerdict, NativeOutcome), ValidatorError> {
        let stdin = std::fs::File::open(team_output)?;
        let out = self.sandbox.run_with_io(
            &self.spec(v, run),
            NativeIo {
                stdin: Some(stdin.into()),
                stdout: None,
            },
        )?;
        Ok((verdict(&out, run.limits), out))
    }

    /// Runs an interactive validator against a submission talking through
    /// `from_team` (the submission's stdout) and `to_team` (its stdin).
    /// When the validator ends, the submission's stdout has no reader and
    /// its stdin ends.
    pub fn interact(
        &self,
        v: &NativeValidator,
        run: &ValidatorRun<'_>,
        from_team: &Pipe,
        to_team: &Pipe,
    ) -> Result<(ValidatorVerdict, NativeOutcome), ValidatorError> {
        let out = self
            .sandbox
            .run_piped(&self.spec(v, run), from_team, to_team)?;
        Ok((verdict(&out, run.limits), out))
    }
}

/// A validator's exit, read by the convention.
fn verdict(out: &NativeOutcome, limits: ValidationLimits) -> ValidatorVerdict {
    let stderr = || {
        let text = String::from_utf8_lossy(&out.run.stderr);
        let text = text.trim();
        if text.is_empty() {
            String::new()
        } else {
            format!(": {text}")
        }
    };
    match out.run.termination {
        Termination::Exited(crate::validate::EXIT_ACCEPT) => ValidatorVerdict::Accepted,
        Termination::Exited(crate::validate::EXIT_WRONG_ANSWER) => ValidatorVerdict::Rejected,
        Termination::Exited(code) => ValidatorVerdict::Failed(format!(
            "exited with code {code} (42 accepts, 43 rejects){}",
            stderr()
        )),
        Termination::WallTimeout | Termination::CpuTimeLimit => ValidatorVerdict::Failed(format!(
            "ran past its time limit of {} s (validation_time){}",
            limits.time.as_secs_f64(),
            stderr()
        )),
        Termination::FileSizeLimit => ValidatorVerdict::Failed(format!(
            "wrote more than {} MiB (validation_output){}",
            limits.output_mib,
            stderr()
        )),
        Termination::Signaled(sig) => {
            ValidatorVerdict::Failed(format!("was killed by signal {sig}{}", stderr()))
        }
        ref other => ValidatorVerdict::Failed(format!("ended with {other:?}{}", stderr())),
    }
}

/// Writes a file the sandbox user may read but not change.
fn write_public(path: &Path, content: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, content)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    if let Some(dir) = path.parent() {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// What a validator left in `feedback/judgemessage.txt`, at most `cap`
/// bytes; a link, FIFO or folder in its place is not read.
pub fn judge_message(feedback_dir: &Path, cap: u64) -> String {
    match read_back(&feedback_dir.join("judgemessage.txt"), cap) {
        Ok(ReadBack::Bytes(b)) => String::from_utf8_lossy(&b).trim().to_owned(),
        Ok(ReadBack::TooLarge) => "[judgemessage.txt is larger than allowed]".into(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(name: &str, content: &str) -> SourceFile {
        SourceFile {
            name: name.into(),
            content: content.as_bytes().to_vec(),
        }
    }

    #[test]
    fn the_key_is_the_content_not_the_order() {
        let a = [src("v.cpp", "int main(){}"), src("validation.h", "x")];
        let b = [src("validation.h", "x"), src("v.cpp", "int main(){}")];
        assert_eq!(key_of(&a), key_of(&b));
        assert_ne!(key_of(&a), key_of(&[src("v.cpp", "int main(){ }")]));
    }

    #[test]
    fn the_language_is_found_from_the_files() {
        let files = [src("validation.h", ""), src("v.cpp", "")];
        let (k, m) = Kind::of(&files).expect("c++");
        assert_eq!((k, m.len()), (Kind::Cpp, 1));
        assert_eq!(Kind::of(&[src("v.c", "")]).map(|x| x.0), Some(Kind::C));
        assert_eq!(
            Kind::of(&[src("v.py", "")]).map(|x| x.0),
            Some(Kind::Python)
        );
        assert!(Kind::of(&[src("v.rs", ""), src("README", "")]).is_none());
        assert!(!is_plain_name("../x.cpp") && !is_plain_name("a/b") && is_plain_name("v.cpp"));
    }
}
