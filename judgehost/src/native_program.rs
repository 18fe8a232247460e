//! C, C++ and Python on the native backend, an organizer's choice (the
//! language table's `backend: native`): C and C++ built with the host's
//! gcc/g++ as Kattis and DOMjudge build them (exceptions, all of libstdc++,
//! GNU extensions), Python run by the host's `/usr/bin/python3`, natively in
//! the native sandbox, with the problem's memory as the run's cgroup limit
//! and stack. Time is CPU time, which varies with load: the wasm backend's
//! fuel is deterministic, this is not.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::native_run::{self, NativeRunLimits, gcc_mounts, python_mounts, system_mounts};
use crate::sandbox::{
    Mount, NativeLimits, NativeSandbox, NativeSpec, NativeStep, Pipe, RunOutcome,
};
use crate::toolchain::{Language, SourceFile, ToolchainError, Toolchains};

/// Where the program appears in the sandbox.
const PROGRAM_DIR: &str = "/program";
/// Largest program binary.
const BINARY_BYTES: u64 = 256 << 20;
/// Most stderr kept.
const STDERR_BYTES: usize = 4096;

/// The host's CPython.
const PYTHON: &str = "/usr/bin/python3";
/// The name a Python submission's main file gets in [`PROGRAM_DIR`].
const PYTHON_MAIN: &str = "solution.py";

/// The limits of a build step (a compiler, a syntax check): the
/// toolchains' compile limits, with what it may write.
fn build_limits(toolchains: &Toolchains, file_bytes: u64, tmp_bytes: u64) -> NativeLimits {
    let c = toolchains.limits;
    NativeLimits {
        wall: c.wall,
        cpu: c.wall,
        address_space_bytes: c.memory_bytes,
        memory_bytes: None,
        file_bytes,
        processes: c.processes,
        open_files: c.open_files,
        tmp_bytes,
        stdout_bytes: c.message_bytes,
        stderr_bytes: c.message_bytes,
    }
}

/// A C, C++ or Python program ready to run natively.
#[derive(Debug, Clone)]
pub struct NativeProgram {
    /// C, C++ or Python.
    pub language: Language,
    /// Holds `program` (or the Python source), shown read-only at
    /// [`PROGRAM_DIR`].
    dir: Arc<tempfile::TempDir>,
}

/// Builds and runs native C, C++ and Python programs.
#[derive(Debug)]
pub struct NativePrograms {
    sandbox: Arc<NativeSandbox>,
}

impl NativePrograms {
    /// Over the given native sandbox.
    pub fn new(sandbox: Arc<NativeSandbox>) -> NativePrograms {
        NativePrograms { sandbox }
    }

    /// Builds `sources` with gcc (C, gnu17) or g++ (C++, gnu++20), `-O2`,
    /// or checks a Python source's syntax; `Ok(Err(message))` is a compile
    /// error.
    pub fn compile(
        &self,
        lang: Language,
        sources: &[SourceFile],
        toolchains: &Toolchains,
    ) -> Result<Result<(NativeProgram, String), String>, ToolchainError> {
        if let Err(m) = toolchains.check_sources(sources) {
            return Ok(Err(m));
        }
        if lang == Language::Python {
            return self.check_python(sources, toolchains);
        }
        let (compiler, std, exts): (&str, &str, &[&str]) = match lang {
            Language::C => ("/usr/bin/gcc", "-std=gnu17", &["c"]),
            Language::Cpp => ("/usr/bin/g++", "-std=gnu++20", &["cpp", "cc", "cxx", "c++"]),
            other => return Err(ToolchainError::Unsupported(other)),
        };
        if !Path::new(compiler).is_file() {
            return Err(ToolchainError::Missing {
                language: lang,
                program: compiler.into(),
                hint: "apt-get install build-essential",
            });
        }
        let names: Vec<String> = sources
            .iter()
            .filter(|s| {
                Path::new(&s.name)
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| exts.contains(&e.to_ascii_lowercase().as_str()))
            })
            .map(|s| s.name.clone())
            .collect();
        if names.is_empty() {
            return Ok(Err(format!("no {} source among the files", lang.id())));
        }
        let work = self.sandbox.work_dir("fj-native-cc-")?;
        for s in sources {
            std::fs::write(work.path().join(&s.name), &s.content)?;
        }
        let mut argv: Vec<String> = [
            compiler,
            std,
            "-O2",
            "-pipe",
            "-DONLINE_JUDGE",
            "-DFLOORJUDGE",
        ]
        .map(str::to_owned)
        .to_vec();
        argv.extend(["-o".to_owned(), "program".to_owned()]);
        argv.extend(names);
        argv.push("-lm".into());
        let limits = build_limits(toolchains, BINARY_BYTES, toolchains.limits.tmp_bytes);
        let out = self.sandbox.run(&NativeSpec {
            steps: vec![NativeStep::new(argv)],
            env: Vec::new(),
            mounts: gcc_mounts(),
            work: work.path(),
            limits,
        })?;
        let message = match native_run::compiled(out, &limits) {
            Ok(m) => m,
            Err(why) => return Ok(Err(why)),
        };
        // the program must be a regular file the compiler made (the file-size
        // rlimit bounds it); it is only ever mounted, never read by us
        let made = std::fs::symlink_metadata(work.path().join("program"));
        if !made.is_ok_and(|m| m.is_file()) {
            return Ok(Err(format!("the compiler produced no program\n{message}")));
        }
        Ok(Ok((
            NativeProgram {
                language: lang,
                dir: Arc::new(work),
            },
            message,
        )))
    }

    /// Python: the main file (the first `.py`) is kept as the program and
    /// compiled (not run) by the host's CPython in the sandbox; a
    /// SyntaxError is the compile error.
    fn check_python(
        &self,
        sources: &[SourceFile],
        toolchains: &Toolchains,
    ) -> Result<Result<(NativeProgram, String), String>, ToolchainError> {
        if !Path::new(PYTHON).is_file() {
            return Err(ToolchainError::Missing {
                language: Language::Python,
                program: PYTHON.into(),
                hint: "apt-get install python3",
            });
        }
        let Some(main) = sources.iter().find(|s| s.name.ends_with(".py")) else {
            return Ok(Err("no .py source among the files".into()));
        };
        let work = self.sandbox.work_dir("fj-native-py-")?;
        std::fs::write(work.path().join(PYTHON_MAIN), &main.content)?;
        // a syntax check writes nothing
        let limits = build_limits(toolchains, 0, 0);
        let check = format!(
            "import sys\nsrc = open({PYTHON_MAIN:?}, 'rb').read()\ncompile(src, {:?}, 'exec')",
            main.name
        );
        let out = self.sandbox.run(&NativeSpec {
            steps: vec![NativeStep::new(
                [PYTHON, "-S", "-B", "-c", &check]
                    .map(str::to_owned)
                    .to_vec(),
            )],
            env: Vec::new(),
            mounts: python_mounts(),
            work: work.path(),
            limits,
        })?;
        if let Err(why) = native_run::compiled(out, &limits) {
            return Ok(Err(why));
        }
        Ok(Ok((
            NativeProgram {
                language: Language::Python,
                dir: Arc::new(work),
            },
            String::new(),
        )))
    }

    fn spec<'a>(
        &self,
        program: &NativeProgram,
        limits: NativeRunLimits,
        work: &'a Path,
    ) -> NativeSpec<'a> {
        let python = program.language == Language::Python;
        let mut mounts = if python {
            python_mounts()
        } else {
            system_mounts()
        };
        mounts.push(Mount::at(program.dir.path(), PROGRAM_DIR));
        let argv = if python {
            [PYTHON, "-S", "-B", &format!("{PROGRAM_DIR}/{PYTHON_MAIN}")]
                .map(str::to_owned)
                .to_vec()
        } else {
            vec![format!("{PROGRAM_DIR}/program")]
        };
        NativeSpec {
            steps: vec![NativeStep {
                argv,
                file_bytes: None,
                // as Kattis: the stack may use the whole memory limit
                stack_bytes: Some(limits.memory_bytes),
            }],
            env: Vec::new(),
            mounts,
            work,
            limits: NativeLimits {
                wall: limits.time * 3 + Duration::from_secs(1),
                cpu: Duration::from_secs(limits.time.as_secs_f64().ceil() as u64 + 1),
                // the cgroup holds the memory; the address space only backs it up
                address_space_bytes: if self.sandbox.cgroups().is_some() {
                    limits
                        .memory_bytes
                        .saturating_mul(2)
                        .saturating_add(1 << 30)
                } else {
                    limits.memory_bytes
                },
                memory_bytes: Some(limits.memory_bytes),
                file_bytes: 16 << 20,
                processes: 4,
                open_files: 64,
                tmp_bytes: 16 << 20,
                stdout_bytes: limits.output_bytes + 1,
                stderr_bytes: STDERR_BYTES,
            },
        }
    }

    /// Runs `program` on the input file `input` (ours, given as its stdin).
    pub fn run(
        &self,
        program: &NativeProgram,
        input: &Path,
        limits: NativeRunLimits,
    ) -> Result<(RunOutcome, Vec<u8>), ToolchainError> {
        let work = self.sandbox.work_dir("fj-native-run-")?;
        let spec = self.spec(program, limits, work.path());
        Ok(native_run::on_file(
            &self.sandbox,
            &spec,
            input,
            limits,
            |_| false,
        )?)
    }

    /// Runs `program` reading `from` and writing `to` (an interactive
    /// validator's pipes).
    pub fn run_piped(
        &self,
        program: &NativeProgram,
        from: &Pipe,
        to: &Pipe,
        limits: NativeRunLimits,
    ) -> Result<RunOutcome, ToolchainError> {
        let work = self.sandbox.work_dir("fj-native-run-")?;
        let spec = self.spec(program, limits, work.path());
        Ok(native_run::on_pipes(
            &self.sandbox,
            &spec,
            from,
            to,
            limits,
            |_| false,
        )?)
    }
}
