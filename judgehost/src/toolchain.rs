//! The contestant languages, and the compilers of those that target
//! `wasm32-wasi` (C, C++, Rust; Python runs on a WASI CPython): where they
//! are, what of the host they need to see, and their command lines. Running
//! them is [`crate::compile`]'s business, always in the native sandbox.
//! Java and Kotlin run natively on the JVM: see [`crate::jvm`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use crate::sandbox::{Mount, NativeStep, SandboxError};

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
    /// Java, OpenJDK's javac and JVM (native backend).
    Java,
    /// Kotlin/JVM, kotlinc and the JVM (native backend).
    Kotlin,
}

impl Language {
    /// The CLICS-style id.
    pub fn id(self) -> &'static str {
        match self {
            Language::C => "c",
            Language::Cpp => "cpp",
            Language::Rust => "rust",
            Language::Python => "python3",
            Language::Java => "java",
            Language::Kotlin => "kotlin",
        }
    }

    /// Whether it runs on the JVM (the native backend) rather than in wasm.
    pub fn is_jvm(self) -> bool {
        matches!(self, Language::Java | Language::Kotlin)
    }

    /// The backends that can judge it, the default first.
    pub fn backends(self) -> &'static [Backend] {
        match self {
            Language::C | Language::Cpp => &[Backend::Wasm, Backend::Native],
            Language::Python => &[Backend::Wasm, Backend::Native],
            Language::Rust => &[Backend::Wasm],
            Language::Java | Language::Kotlin => &[Backend::Native],
        }
    }
}

/// Which sandbox judges a language's programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// wasmtime: deterministic fuel.
    Wasm,
    /// The native sandbox: CPU time (Java, Kotlin; C and C++ with gcc/g++
    /// as an organizer's choice).
    Native,
}

impl Backend {
    /// `wasm` or `native`, as the language table writes it.
    pub fn id(self) -> &'static str {
        match self {
            Backend::Wasm => "wasm",
            Backend::Native => "native",
        }
    }
}

impl FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "wasm" => Ok(Backend::Wasm),
            "native" => Ok(Backend::Native),
            other => Err(format!("unknown backend {other:?} (wasm or native)")),
        }
    }
}

impl Language {
    /// Guesses the language of a file from its extension.
    pub fn from_extension(path: &Path) -> Option<Language> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "c" => Some(Language::C),
            "cc" | "cpp" | "cxx" | "c++" => Some(Language::Cpp),
            "rs" => Some(Language::Rust),
            "py" => Some(Language::Python),
            "java" => Some(Language::Java),
            "kt" => Some(Language::Kotlin),
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
            "java" => Ok(Language::Java),
            "kotlin" | "kt" => Ok(Language::Kotlin),
            other => Err(format!(
                "unknown language {other:?} (c, cpp, rust, python3, java, kotlin)"
            )),
        }
    }
}

/// Limits for one compilation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompileLimits {
    /// Wall-clock limit of the whole compile.
    pub wall: Duration,
    /// Address-space limit of each compiler process, bytes.
    pub memory_bytes: u64,
    /// Largest compiled module, bytes (also the linker's file-size limit).
    pub module_bytes: u64,
    /// Room for code beside the data in an object file: clang-14 writes
    /// static arrays, zero ones included, into wasm object files in full, so
    /// an object may be as large as the program's memory limit plus this.
    pub object_slack_bytes: u64,
    /// Processes and threads of one compile.
    pub processes: u32,
    /// Open files per compiler process.
    pub open_files: u64,
    /// Size of the compiler's `/tmp`, bytes.
    pub tmp_bytes: u64,
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
            module_bytes: 128 << 20,
            object_slack_bytes: 64 << 20,
            processes: 64,
            open_files: 256,
            tmp_bytes: 512 << 20,
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
    /// The Python runtime is missing or not a component.
    #[error("Python runtime: {0} (installer/lib.sh fetches it: ensure_python_runtime)")]
    PythonRuntime(String),
    /// The native sandbox failed (not the compiler).
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
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
    /// The Python runtime component ([`PYTHON_RUNTIME_NAME`]).
    pub python_wasm: Option<PathBuf>,
    /// Where compiled runtimes are kept between processes.
    pub compiled_dir: Option<PathBuf>,
    /// Limits.
    pub limits: CompileLimits,
}

impl Default for Toolchains {
    fn default() -> Self {
        Toolchains {
            clang: "/usr/bin/clang-14".into(),
            clangxx: "/usr/bin/clang++-14".into(),
            rustc: "/usr/bin/rustc".into(),
            python_wasm: locate_python_runtime(),
            compiled_dir: compiled_runtime_dir(),
            limits: CompileLimits::default(),
        }
    }
}

/// C library functions a wasm program cannot have, by what they need: a
/// link that misses one of these fails with this plain reason first.
pub const UNAVAILABLE_IN_WASM: &[(&str, &[&str])] = &[
    (
        "timers and signals from outside (the time limit is enforced for you)",
        &[
            "alarm",
            "ualarm",
            "setitimer",
            "timer_create",
            "sigaction",
            "sigprocmask",
            "pause",
            "kill",
        ],
    ),
    (
        "other processes",
        &[
            "fork", "vfork", "execl", "execlp", "execle", "execv", "execvp", "execve", "system",
            "popen", "wait", "waitpid",
        ],
    ),
    (
        "threads",
        &["pthread_create", "pthread_join", "pthread_detach"],
    ),
    (
        "the network",
        &[
            "socket",
            "connect",
            "bind",
            "listen",
            "accept",
            "gethostbyname",
            "getaddrinfo",
        ],
    ),
];

/// The plain reasons for what a failed link's message says is missing:
/// "`alarm` is not available in this judge: …".
pub fn unavailable_reasons(linker_message: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in linker_message.lines() {
        let Some(name) = line.split("undefined symbol: ").nth(1).map(str::trim) else {
            continue;
        };
        for (needs, names) in UNAVAILABLE_IN_WASM {
            if names.contains(&name) {
                let reason = format!(
                    "`{name}` is not available in this judge: programs run in a WebAssembly \
                     sandbox without {needs}"
                );
                if !out.contains(&reason) {
                    out.push(reason);
                }
            }
        }
    }
    out
}

/// What a C/C++ build adds to the submission's own command lines: flags
/// for each compile (the precompiled `bits/stdc++.h`) and objects of ours
/// to link after the submission's.
#[derive(Debug, Clone, Copy, Default)]
pub struct CExtras<'a> {
    /// Flags after the language's own, before the sources.
    pub compile: &'a [String],
    /// Objects linked after the submission's.
    pub link_objects: &'a [String],
}

/// Where our shim headers (`bits/stdc++.h`) appear in the sandbox.
pub const SHIM_DIR: &str = "/opt/floorjudge/include";

/// Our shim headers, `(path under SHIM_DIR, content)`: built into the binary.
pub const SHIM_HEADERS: &[(&str, &[u8])] = &[
    ("bits/stdc++.h", include_bytes!("../shim/bits/stdc++.h")),
    (
        "floorjudge/main_envp.c",
        include_bytes!("../shim/floorjudge/main_envp.c"),
    ),
    (
        "ext/pb_ds/assoc_container.hpp",
        include_bytes!("../shim/ext/pb_ds/assoc_container.hpp"),
    ),
    (
        "ext/pb_ds/tree_policy.hpp",
        include_bytes!("../shim/ext/pb_ds/tree_policy.hpp"),
    ),
    (
        "ext/pb_ds/hash_policy.hpp",
        include_bytes!("../shim/ext/pb_ds/hash_policy.hpp"),
    ),
    ("bitset", include_bytes!("../shim/bitset")),
];

const STACK_BYTES: &str = "67108864";

/// Stands for the object files in a learnt linker command line.
pub const LINK_PLACEHOLDER: &str = "__floorjudge_objects__.o";

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

/// File name of the Python runtime: CPython 3.14 as a WASI 0.2 command
/// component, built by componentize-py from `judgehost/python/judge_app.py`
/// (installer/lib.sh, `ensure_python_runtime`).
pub const PYTHON_RUNTIME_NAME: &str = "python-judge.wasm";

/// Where the Python runtime is: `$FLOORJUDGE_PYTHON_RUNTIME`, else
/// `~/.cache/floorjudge/`, else `/usr/local/share/floorjudge/`.
pub fn locate_python_runtime() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(p) = std::env::var_os("FLOORJUDGE_PYTHON_RUNTIME") {
        candidates.push(PathBuf::from(p));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(
            Path::new(&home)
                .join(".cache/floorjudge")
                .join(PYTHON_RUNTIME_NAME),
        );
    }
    candidates.push(Path::new("/usr/local/share/floorjudge").join(PYTHON_RUNTIME_NAME));
    candidates.into_iter().find(|p| p.is_file())
}

/// Where compiled runtimes are kept between processes:
/// `~/.cache/floorjudge/compiled` (none without a home).
pub fn compiled_runtime_dir() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/floorjudge/compiled"))
}

/// The Python runtime as read: its bytes and their SHA-256 (the key its
/// compiled form is kept under, and what judgehosts must share for their
/// fuel to agree).
#[derive(Debug, Clone)]
pub struct PythonRuntime {
    /// The component.
    pub wasm: Vec<u8>,
    /// SHA-256 of `wasm`, hex.
    pub sha256: String,
}

pub(crate) const APT_HINT_C: &str = "apt-get install clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32 libc++-14-dev-wasm32 libc++abi-14-dev-wasm32";
pub(crate) const APT_HINT_RUST: &str = "apt-get install rustc libstd-rust-dev-wasm32 lld-14";

fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && !name.starts_with(['.', '-'])
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

impl Toolchains {
    /// The compiler program of `lang` (Python has none: it is interpreted).
    pub fn program(&self, lang: Language) -> Result<&Path, ToolchainError> {
        let (prog, hint) = match lang {
            Language::C => (&self.clang, APT_HINT_C),
            Language::Cpp => (&self.clangxx, APT_HINT_C),
            Language::Rust => (&self.rustc, APT_HINT_RUST),
            Language::Python | Language::Java | Language::Kotlin => {
                return Err(ToolchainError::Unsupported(lang));
            }
        };
        if prog.is_file() {
            Ok(prog)
        } else {
            Err(ToolchainError::Missing {
                language: lang,
                program: prog.display().to_string(),
                hint,
            })
        }
    }

    /// What of the host a compiler of `lang` needs to see, read-only at the
    /// same paths: its binaries, its libraries, the wasm sysroot. Nothing
    /// else: no `/etc`, `/home`, `/root`, contest, cache or package.
    pub fn mounts(&self, lang: Language) -> Vec<Mount> {
        let multiarch = format!("/usr/lib/{}-linux-gnu", std::env::consts::ARCH);
        let mut m = vec![
            Mount::same_if_present("/usr/bin"),
            Mount::same_if_present(multiarch),
            Mount::same_if_present("/usr/lib64"),
            Mount::same_if_present("/etc/ld.so.cache"),
        ];
        // clang and lld live in the LLVM tree their /usr/bin links point into.
        let llvm_of = |p: &Path| {
            std::fs::canonicalize(p)
                .ok()
                .and_then(|real| Some(real.parent()?.parent()?.to_owned()))
        };
        match lang {
            Language::C | Language::Cpp => {
                if let Some(llvm) = llvm_of(if lang == Language::C {
                    &self.clang
                } else {
                    &self.clangxx
                }) {
                    m.push(Mount::same_if_present(llvm));
                }
                m.push(Mount::same_if_present("/usr/lib/wasm32-wasi"));
                m.push(Mount::same_if_present("/usr/include/wasm32-wasi"));
            }
            Language::Rust => {
                m.push(Mount::same_if_present("/usr/lib/rustlib"));
                if let Some(llvm) = llvm_of(Path::new("/usr/bin/rust-lld")) {
                    m.push(Mount::same_if_present(llvm));
                }
            }
            Language::Python | Language::Java | Language::Kotlin => {}
        }
        m
    }

    /// The flags every C/C++ compile gets.
    pub fn c_flags(&self, lang: Language) -> Vec<String> {
        let std = if lang == Language::C {
            "-std=gnu11"
        } else {
            "-std=gnu++20"
        };
        let mut flags: Vec<String> = [
            "--target=wasm32-wasi",
            "-O2",
            "-msimd128",
            std,
            "-w",
            // clang otherwise turns `for(;;);` into a trap (RTE where
            // gcc-judged systems give TLE)
            "-fno-finite-loops",
        ]
        .map(String::from)
        .to_vec();
        if lang == Language::Cpp {
            flags.push("-fno-exceptions".into());
        }
        flags.push("-I".into());
        flags.push(SHIM_DIR.into());
        flags.extend(
            [
                "-D_WASI_EMULATED_PROCESS_CLOCKS",
                // signal() and raise() work (wasi-libc's emulation); no timer
                // or other process ever sends one
                "-D_WASI_EMULATED_SIGNAL",
                "-DONLINE_JUDGE",
                "-DFLOORJUDGE",
            ]
            .map(String::from),
        );
        flags
    }

    /// Link flags and libraries of C/C++ programs (after the objects).
    pub fn c_link_flags() -> Vec<String> {
        vec![
            "-Wl,--stack-first".into(),
            format!("-Wl,-z,stack-size={STACK_BYTES}"),
            "-lwasi-emulated-process-clocks".into(),
            "-lwasi-emulated-signal".into(),
            "-lc-printscan-long-double".into(),
            "-lm".into(),
        ]
    }

    /// The command that makes the clang driver print its linker command
    /// line (`-###`) for [`LINK_PLACEHOLDER`] as the only object.
    pub fn link_probe(&self, lang: Language) -> Result<Vec<String>, ToolchainError> {
        let mut argv = vec![self.program(lang)?.display().to_string()];
        argv.extend(self.c_flags(lang));
        argv.push("-###".into());
        argv.extend(["-o", "out.wasm", LINK_PLACEHOLDER].map(String::from));
        argv.extend(Self::c_link_flags());
        Ok(argv)
    }

    /// The linker line in the output of [`Toolchains::link_probe`], if it
    /// names wasm-ld and the placeholder.
    pub fn parse_link_line(driver_output: &str) -> Option<Vec<String>> {
        let line = driver_output
            .lines()
            .map(split_quoted)
            .find(|args| args.first().is_some_and(|a| a.contains("wasm-ld")))?;
        line.iter().any(|a| a == LINK_PLACEHOLDER).then_some(line)
    }

    /// The C/C++ translation units among `names` (headers left out) and the
    /// object file `clang -c` makes of each.
    pub fn c_objects<'a>(names: &[&'a str]) -> (Vec<&'a str>, Vec<String>) {
        let inputs: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| !n.ends_with(".h") && !n.ends_with(".hpp"))
            .collect();
        let objects = inputs
            .iter()
            .map(|n| {
                let stem = Path::new(n).file_stem().and_then(|s| s.to_str());
                format!("{}.o", stem.unwrap_or("a"))
            })
            .collect();
        (inputs, objects)
    }

    /// The command lines that build `names` (already checked with
    /// [`Toolchains::check_sources`]) into `out.wasm` in the work folder.
    ///
    /// C/C++: `clang -c`, then the linker directly with the line the driver
    /// would use (`link_line`, learnt once with [`Toolchains::link_probe`]),
    /// which saves a driver start per submission; one `clang` doing both if
    /// there is no such line. Object files may be as large as
    /// `object_bytes`; the linker's output only [`CompileLimits::module_bytes`].
    pub fn steps(
        &self,
        lang: Language,
        names: &[&str],
        link_line: Option<&[String]>,
        object_bytes: u64,
        extras: &CExtras<'_>,
    ) -> Result<Vec<NativeStep>, ToolchainError> {
        let prog = self.program(lang)?.display().to_string();
        let module = Some(self.limits.module_bytes);
        match lang {
            Language::C | Language::Cpp => {
                let (inputs, objects) = Self::c_objects(names);
                let distinct = objects
                    .iter()
                    .collect::<std::collections::HashSet<_>>()
                    .len()
                    == objects.len();
                match link_line {
                    Some(line) if distinct && !inputs.is_empty() => {
                        let mut compile = vec![prog];
                        compile.extend(self.c_flags(lang));
                        compile.extend(extras.compile.iter().cloned());
                        compile.push("-c".into());
                        compile.extend(inputs.iter().map(|s| s.to_string()));
                        let mut link = Vec::new();
                        for a in line {
                            if a == LINK_PLACEHOLDER {
                                link.extend(objects.iter().cloned());
                                link.extend(extras.link_objects.iter().cloned());
                            } else {
                                link.push(a.clone());
                            }
                        }
                        Ok(vec![
                            NativeStep {
                                argv: compile,
                                file_bytes: Some(object_bytes),
                                stack_bytes: None,
                            },
                            NativeStep {
                                argv: link,
                                file_bytes: module,
                                stack_bytes: None,
                            },
                        ])
                    }
                    _ => {
                        let mut argv = vec![prog];
                        argv.extend(self.c_flags(lang));
                        argv.extend(extras.compile.iter().cloned());
                        argv.extend(["-o".to_owned(), "out.wasm".to_owned()]);
                        argv.extend(inputs.iter().map(|s| s.to_string()));
                        argv.extend(extras.link_objects.iter().cloned());
                        argv.extend(Self::c_link_flags());
                        Ok(vec![NativeStep {
                            argv,
                            file_bytes: Some(object_bytes),
                            stack_bytes: None,
                        }])
                    }
                }
            }
            Language::Rust => {
                let main = names
                    .iter()
                    .find(|n| **n == "main.rs")
                    .or_else(|| names.iter().find(|n| n.ends_with(".rs")))
                    .copied()
                    .unwrap_or(names[0]);
                let mut argv = vec![prog];
                argv.extend(
                    [
                        "--edition",
                        "2021",
                        "--target",
                        "wasm32-wasi",
                        "-O",
                        "-C",
                        "strip=debuginfo",
                        "-C",
                        "link-arg=--stack-first",
                    ]
                    .map(String::from),
                );
                argv.push("-C".into());
                argv.push(format!("link-arg=-zstack-size={STACK_BYTES}"));
                argv.extend(["--cfg", "online_judge", "-o", "out.wasm", main].map(String::from));
                Ok(vec![NativeStep {
                    argv,
                    file_bytes: Some(object_bytes),
                    stack_bytes: None,
                }])
            }
            Language::Python | Language::Java | Language::Kotlin => {
                Err(ToolchainError::Unsupported(lang))
            }
        }
    }

    /// The Python runtime component, read and hashed.
    pub fn python_runtime(&self) -> Result<PythonRuntime, ToolchainError> {
        use sha2::{Digest, Sha256};
        let path = self.python_wasm.as_ref().ok_or_else(|| {
            ToolchainError::PythonRuntime(format!("{PYTHON_RUNTIME_NAME} not found"))
        })?;
        let wasm = std::fs::read(path)
            .map_err(|e| ToolchainError::PythonRuntime(format!("{}: {e}", path.display())))?;
        // A component's preamble: the wasm magic, then layer 1.
        if wasm.get(..8) != Some(&[0, b'a', b's', b'm', 0x0d, 0, 1, 0]) {
            return Err(ToolchainError::PythonRuntime(format!(
                "{} is not a WebAssembly component",
                path.display()
            )));
        }
        let sha256 = hex::encode(Sha256::digest(&wasm));
        Ok(PythonRuntime { wasm, sha256 })
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
}
