//! Java and Kotlin on the native backend: compiled with OpenJDK's `javac`
//! or with `kotlinc` (the compiler jar run on the same JVM), run with
//! `java`, both in the native sandbox.
//!
//! - The entry point is found as DOMjudge and Kattis find it: the class
//!   with `public static void main(String[])`, read from the compiled class
//!   files (with `cafebabe`), and if several have one, the class named like
//!   a source file (`Main.java` → `Main`, `hello.kt` → `HelloKt`).
//! - The memory limit is the heap (`-Xmx`); the run's cgroup allows the
//!   JVM's own overhead on top, and its peak memory and the CPU time of
//!   every thread and process come from there. A heap that runs out is
//!   MLE; CPU time past the limit is TLE even if the program then finishes.
//! - The JVM's own threads (GC, JIT, signal handler) fit in the process
//!   limit, which still stops a thread or fork bomb.
//!
//! Time here is CPU time, which varies with load: not deterministic like
//! the wasm languages' fuel.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::native_run::{self, NativeRunLimits as JvmLimits};
use crate::sandbox::{
    Mount, NativeLimits, NativeSandbox, NativeSpec, NativeStep, Pipe, ReadBack, RunOutcome,
    read_back,
};
use crate::toolchain::{Language, SourceFile, ToolchainError, Toolchains};

/// Where Kotlin is looked for when `$FLOORJUDGE_KOTLIN_HOME` is not set
/// (the installer unpacks the npm package `kotlin-compiler` there).
pub const KOTLIN_HOME: &str = "/opt/floorjudge/kotlinc";
/// The JVM when `$FLOORJUDGE_JAVA_HOME` is not set: `/usr/bin/java`'s JDK.
const JAVA: &str = "/usr/bin/java";
/// Where a compiled program's classes appear in the sandbox.
const PROGRAM_DIR: &str = "/program";
/// Where Kotlin's runtime library appears in the sandbox.
const KOTLIN_LIB_DIR: &str = "/opt/kotlin/lib";
/// Memory the JVM needs beside the heap (metaspace, code cache, stacks).
const JVM_OVERHEAD_BYTES: u64 = 384 << 20;
/// Most class files read when looking for `main`.
const MAX_CLASSES: usize = 4096;
/// Most stderr kept.
const STDERR_BYTES: usize = 8192;

const APT_HINT_JAVA: &str = "apt-get install openjdk-17-jdk-headless";
const KOTLIN_HINT: &str = "installer/lib.sh ensure_kotlin unpacks the npm package kotlin-compiler";

/// Where the JDK and Kotlin are.
#[derive(Debug, Clone)]
pub struct JvmToolchain {
    /// The JDK (`bin/java`, `bin/javac`).
    pub java_home: Option<PathBuf>,
    /// Kotlin's home (`lib/kotlin-compiler.jar`, `lib/kotlin-stdlib.jar`).
    pub kotlin_home: Option<PathBuf>,
}

impl Default for JvmToolchain {
    fn default() -> Self {
        let java_home = std::env::var_os("FLOORJUDGE_JAVA_HOME")
            .map(PathBuf::from)
            .or_else(|| {
                // /usr/bin/java → /etc/alternatives/java → $JDK/bin/java
                let real = std::fs::canonicalize(JAVA).ok()?;
                Some(real.parent()?.parent()?.to_owned())
            })
            .filter(|h| h.join("bin/javac").is_file());
        let kotlin_home = std::env::var_os("FLOORJUDGE_KOTLIN_HOME")
            .map_or_else(|| PathBuf::from(KOTLIN_HOME), PathBuf::from);
        JvmToolchain {
            java_home,
            kotlin_home: kotlin_home
                .join("lib/kotlin-compiler.jar")
                .is_file()
                .then_some(kotlin_home),
        }
    }
}

/// A compiled Java or Kotlin program.
#[derive(Debug, Clone)]
pub struct JvmProgram {
    /// Java or Kotlin.
    pub language: Language,
    /// The class `java` starts.
    pub main_class: String,
    /// The compile folder; its `classes/` is shown at [`PROGRAM_DIR`].
    dir: Arc<tempfile::TempDir>,
}

/// Compiles and runs JVM programs in the native sandbox.
#[derive(Debug)]
pub struct Jvm {
    toolchain: JvmToolchain,
    sandbox: Arc<NativeSandbox>,
}

fn jvm_mounts(java_home: &Path) -> Vec<Mount> {
    let mut m = native_run::system_mounts();
    m.push(Mount::at(java_home, java_home));
    // Debian's JDK links its configuration (jvm.cfg, security) from /etc.
    if let Ok(entries) = std::fs::read_dir("/etc") {
        for e in entries.flatten() {
            let name = e.file_name();
            if name.to_string_lossy().starts_with("java-") {
                m.push(Mount::same_if_present(e.path()));
            }
        }
    }
    m
}

impl Jvm {
    /// The JDK and Kotlin found where they are installed.
    pub fn new(toolchain: JvmToolchain, sandbox: Arc<NativeSandbox>) -> Jvm {
        Jvm { toolchain, sandbox }
    }

    /// Where the JDK and Kotlin are.
    pub fn toolchain(&self) -> &JvmToolchain {
        &self.toolchain
    }

    fn java_home(&self, lang: Language) -> Result<&Path, ToolchainError> {
        self.toolchain
            .java_home
            .as_deref()
            .ok_or(ToolchainError::Missing {
                language: lang,
                program: "javac".into(),
                hint: APT_HINT_JAVA,
            })
    }

    fn kotlin_home(&self) -> Result<&Path, ToolchainError> {
        self.toolchain
            .kotlin_home
            .as_deref()
            .ok_or(ToolchainError::Missing {
                language: Language::Kotlin,
                program: format!("{KOTLIN_HOME}/lib/kotlin-compiler.jar"),
                hint: KOTLIN_HINT,
            })
    }

    /// Address-space limit: none needed where a cgroup holds the memory
    /// (the JVM reserves far more address space than it uses); else a
    /// generous bound.
    fn address_space(&self, memory: u64) -> u64 {
        if self.sandbox.cgroups().is_some() {
            u64::MAX
        } else {
            memory.saturating_mul(2).saturating_add(4 << 30)
        }
    }

    /// Compiles `sources`; `Ok(Err(message))` is a compile error.
    pub fn compile(
        &self,
        lang: Language,
        sources: &[SourceFile],
        toolchains: &Toolchains,
    ) -> Result<Result<(JvmProgram, String), String>, ToolchainError> {
        if let Err(m) = toolchains.check_sources(sources) {
            return Ok(Err(m));
        }
        let java_home = self.java_home(lang)?.to_owned();
        let ext = if lang == Language::Java {
            ".java"
        } else {
            ".kt"
        };
        let names: Vec<String> = sources
            .iter()
            .filter(|s| s.name.ends_with(ext))
            .map(|s| s.name.clone())
            .collect();
        if names.is_empty() {
            return Ok(Err(format!("no {ext} file among the sources")));
        }
        let work = self.sandbox.work_dir("fj-jvm-")?;
        for s in sources {
            std::fs::write(work.path().join(&s.name), &s.content)?;
        }
        let javac = java_home.join("bin/javac").display().to_string();
        let java = java_home.join("bin/java").display().to_string();
        let mut mounts = jvm_mounts(&java_home);
        let mut argv: Vec<String> = match lang {
            Language::Java => vec![
                javac,
                "-J-Xmx1024m".into(),
                "-J-XX:+UseSerialGC".into(),
                "-J-XX:TieredStopAtLevel=1".into(),
                "-J-XX:-UsePerfData".into(),
                "-encoding".into(),
                "UTF-8".into(),
                "-d".into(),
                "classes".into(),
            ],
            _ => {
                let home = self.kotlin_home()?.to_owned();
                mounts.push(Mount::at(&home, &home));
                vec![
                    java,
                    "-Xmx1536m".into(),
                    "-Xss32m".into(),
                    "-XX:+UseSerialGC".into(),
                    "-XX:TieredStopAtLevel=1".into(),
                    "-XX:-UsePerfData".into(),
                    "-cp".into(),
                    home.join("lib/kotlin-compiler.jar").display().to_string(),
                    "org.jetbrains.kotlin.cli.jvm.K2JVMCompiler".into(),
                    "-kotlin-home".into(),
                    home.display().to_string(),
                    "-no-reflect".into(),
                    "-nowarn".into(),
                    "-d".into(),
                    "classes".into(),
                ]
            }
        };
        argv.extend(names.iter().cloned());
        let wall = Duration::from_secs(120);
        let memory = 2560 << 20;
        let limits = NativeLimits {
            wall,
            cpu: wall,
            address_space_bytes: self.address_space(memory),
            memory_bytes: Some(memory),
            file_bytes: toolchains.limits.module_bytes,
            processes: 256,
            open_files: 1024,
            tmp_bytes: toolchains.limits.tmp_bytes,
            stdout_bytes: toolchains.limits.message_bytes,
            stderr_bytes: toolchains.limits.message_bytes,
        };
        let out = self.sandbox.run(&NativeSpec {
            steps: vec![NativeStep::new(argv)],
            env: Vec::new(),
            mounts,
            work: work.path(),
            limits,
        })?;
        let message = match native_run::compiled(out, &limits) {
            Ok(m) => m,
            Err(why) => return Ok(Err(why)),
        };
        let classes = work.path().join("classes");
        match find_main(&classes, lang, &names) {
            Ok(main_class) => Ok(Ok((
                JvmProgram {
                    language: lang,
                    main_class,
                    dir: Arc::new(work),
                },
                message,
            ))),
            Err(why) => Ok(Err(why)),
        }
    }

    /// The command line and limits of a run; `work` is a fresh, empty
    /// folder (nothing a run writes reaches the next one: the classes are
    /// read-only).
    fn run_spec<'a>(
        &self,
        program: &JvmProgram,
        limits: JvmLimits,
        work: &'a Path,
    ) -> Result<NativeSpec<'a>, ToolchainError> {
        let java_home = self.java_home(program.language)?;
        let mut mounts = jvm_mounts(java_home);
        mounts.push(Mount::at(program.dir.path().join("classes"), PROGRAM_DIR));
        let mut classpath = PROGRAM_DIR.to_owned();
        if program.language == Language::Kotlin {
            mounts.push(Mount::at(self.kotlin_home()?.join("lib"), KOTLIN_LIB_DIR));
            classpath.push_str(&format!(":{KOTLIN_LIB_DIR}/kotlin-stdlib.jar"));
        }
        let heap_mib = (limits.memory_bytes >> 20).max(16);
        let argv = vec![
            java_home.join("bin/java").display().to_string(),
            format!("-Xmx{heap_mib}m"),
            format!("-Xms{}m", heap_mib.min(64)),
            "-Xss64m".into(),
            "-XX:+UseSerialGC".into(),
            "-XX:-UsePerfData".into(),
            "-Dfile.encoding=UTF-8".into(),
            "-cp".into(),
            classpath,
            program.main_class.clone(),
        ];
        let memory = limits.memory_bytes + JVM_OVERHEAD_BYTES;
        Ok(NativeSpec {
            steps: vec![NativeStep::new(argv)],
            env: Vec::new(),
            mounts,
            work,
            limits: NativeLimits {
                // JVM start-up is on the wall clock too
                wall: limits.time * 2 + Duration::from_secs(3),
                // the rlimit is a backstop; the limit is checked on the cgroup's figure
                cpu: Duration::from_secs(limits.time.as_secs_f64().ceil() as u64 + 1),
                address_space_bytes: self.address_space(memory),
                memory_bytes: Some(memory),
                file_bytes: 16 << 20,
                processes: 128,
                open_files: 256,
                tmp_bytes: 16 << 20,
                stdout_bytes: limits.output_bytes + 1,
                stderr_bytes: STDERR_BYTES,
            },
        })
    }

    /// Runs `program` on the input file `input` (ours, given as its stdin);
    /// returns how it ended and its output.
    pub fn run(
        &self,
        program: &JvmProgram,
        input: &Path,
        limits: JvmLimits,
    ) -> Result<(RunOutcome, Vec<u8>), ToolchainError> {
        let work = self.sandbox.work_dir("fj-jvm-run-")?;
        let spec = self.run_spec(program, limits, work.path())?;
        Ok(native_run::on_file(
            &self.sandbox,
            &spec,
            input,
            limits,
            heap_gone,
        )?)
    }

    /// Runs `program` reading `from` and writing `to` (an interactive
    /// validator's pipes).
    pub fn run_piped(
        &self,
        program: &JvmProgram,
        from: &Pipe,
        to: &Pipe,
        limits: JvmLimits,
    ) -> Result<RunOutcome, ToolchainError> {
        let work = self.sandbox.work_dir("fj-jvm-run-")?;
        let spec = self.run_spec(program, limits, work.path())?;
        Ok(native_run::on_pipes(
            &self.sandbox,
            &spec,
            from,
            to,
            limits,
            heap_gone,
        )?)
    }
}

/// Whether a JVM's stderr says its heap ran out.
fn heap_gone(stderr: &[u8]) -> bool {
    let stderr = String::from_utf8_lossy(stderr);
    [
        "java.lang.OutOfMemoryError: Java heap space",
        "java.lang.OutOfMemoryError: GC overhead limit exceeded",
        "java.lang.OutOfMemoryError: Requested array size exceeds VM limit",
    ]
    .iter()
    .any(|m| stderr.contains(m))
}

/// The class to start: the one with `public static void main(String[])`;
/// among several, the one named like a source file.
fn find_main(classes: &Path, lang: Language, sources: &[String]) -> Result<String, String> {
    let mut found = Vec::new();
    let mut stack = vec![classes.to_owned()];
    let mut seen = 0;
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(kind) = e.file_type() else { continue };
            let path = e.path();
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() && path.extension().is_some_and(|x| x == "class") {
                seen += 1;
                if seen > MAX_CLASSES {
                    return Err(format!("more than {MAX_CLASSES} classes"));
                }
                if let Ok(ReadBack::Bytes(bytes)) = read_back(&path, 16 << 20)
                    && let Some(name) = main_class_of(&bytes)
                {
                    found.push(name);
                }
            }
        }
    }
    found.sort();
    match found.len() {
        0 => Err("no class has a `public static void main(String[] args)`".into()),
        1 => Ok(found.remove(0)),
        _ => {
            let wanted: Vec<String> = sources
                .iter()
                .filter_map(|s| Path::new(s).file_stem()?.to_str())
                .map(|stem| match lang {
                    Language::Kotlin => {
                        let mut c = stem.chars();
                        let first = c.next().map(|f| f.to_uppercase().collect::<String>());
                        format!("{}{}Kt", first.unwrap_or_default(), c.as_str())
                    }
                    _ => stem.to_owned(),
                })
                .collect();
            let simple = |c: &str| c.rsplit('.').next().unwrap_or(c).to_owned();
            found
                .iter()
                .find(|c| wanted.contains(&simple(c)))
                .cloned()
                .ok_or_else(|| {
                    format!(
                        "several classes have a main method ({}): name the file after the one to run",
                        found.join(", ")
                    )
                })
        }
    }
}

/// The class's name if it has `public static void main(String[])`.
fn main_class_of(bytes: &[u8]) -> Option<String> {
    use cafebabe::MethodAccessFlags;
    let mut opts = cafebabe::ParseOptions::default();
    opts.parse_bytecode(false);
    let class = cafebabe::parse_class_with_options(bytes, &opts).ok()?;
    class
        .methods
        .iter()
        .any(|m| {
            m.name == "main"
                && m.access_flags
                    .contains(MethodAccessFlags::PUBLIC | MethodAccessFlags::STATIC)
                && m.descriptor.to_string() == "([Ljava/lang/String;)V"
        })
        .then(|| class.this_class.replace('/', "."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::{CpuUsed, NativeOutcome, Termination};

    fn outcome(termination: Termination, cpu_ms: u64, stderr: &str) -> NativeOutcome {
        NativeOutcome {
            run: RunOutcome {
                termination,
                cpu: CpuUsed::Measured(Duration::from_millis(cpu_ms)),
                wall: Duration::from_millis(cpu_ms),
                peak_memory: 0,
                stderr: stderr.as_bytes().to_vec(),
            },
            stdout: Vec::new(),
            truncated: false,
        }
    }

    #[test]
    fn jvm_endings_become_verdict_terminations() {
        let limits = JvmLimits {
            time: Duration::from_secs(1),
            memory_bytes: 256 << 20,
            output_bytes: 1 << 20,
        };
        let t = |o: NativeOutcome, over| {
            let heap = heap_gone(&o.run.stderr);
            native_run::judged(o, limits, over, heap).termination
        };
        assert_eq!(
            t(outcome(Termination::Exited(0), 900, ""), false),
            Termination::Exited(0)
        );
        assert_eq!(
            t(outcome(Termination::Exited(0), 1100, ""), false),
            Termination::CpuTimeLimit,
            "over the limit is TLE even when it finished"
        );
        assert_eq!(
            t(
                outcome(
                    Termination::Exited(1),
                    300,
                    "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space"
                ),
                false
            ),
            Termination::MemoryLimit
        );
        assert_eq!(
            t(
                outcome(
                    Termination::Exited(1),
                    300,
                    "java.lang.OutOfMemoryError: unable to create native thread"
                ),
                false
            ),
            Termination::Exited(1),
            "a thread bomb is a run-time error, not MLE"
        );
        assert_eq!(
            t(outcome(Termination::Exited(0), 10, ""), true),
            Termination::OutputLimit
        );
    }
}
