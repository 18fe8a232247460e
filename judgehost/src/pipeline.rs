//! The judging pipeline: compile → run each testcase in the sandbox →
//! validate → verdict, stopping at the first failure as Kattis does.

use std::path::Path;
use std::sync::{Arc, mpsc};
use std::time::Duration;

use floorjudge_proto::Verdict;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::compile::{CompileOutcome, Compiler};
use crate::jvm::{Jvm, JvmProgram, JvmToolchain};
use crate::native_program::{NativeProgram, NativePrograms};
use crate::native_run::NativeRunLimits;
use crate::native_validator::{
    NativeValidator, ValidatorError, ValidatorRun, ValidatorVerdict, Validators, judge_message,
};
use crate::package::{ProblemPackage, TestcaseRef};
use crate::sandbox::{
    CpuUsed, Limits, ModuleFacts, Pipe, Preopen, Prepared, RunOutcome, RunSpec, SandboxError,
    Termination, WasmSandbox,
};
use crate::toolchain::{Backend, Language, SourceFile, ToolchainError, Toolchains};
use crate::validate::{DefaultValidatorFlags, default_validate};

/// Fuel per second of time limit: the contest-wide exchange rate between a
/// problem's time limit and the sandbox's deterministic CPU budget.
///
/// Calibrated on the reference machine with `cargo bench -p
/// floorjudge-judgehost --bench sandbox`, which runs CPU-heavy C programs in
/// the sandbox and divides the fuel they use by their wall time. The rate is
/// the lowest of those (so a program that would finish within the limit on
/// this machine does so in fuel too), rounded down.
pub const FUEL_PER_SECOND: u64 = 8_000_000_000;

/// Python's fuel per second relative to [`FUEL_PER_SECOND`]: the Python
/// runtime (CPython 3.14 in wasm) executes this many times more wasm
/// operators than compiled code does in one second of native CPython 3.11
/// CPU time. Chosen as the geometric centre of the charged/native ratios of
/// `--bench python_cost`'s programs (what fuel cannot see, such as cache
/// misses, makes them spread around it).
pub const PYTHON_FUEL_SCALE: f64 = 1.9;

/// Wall-clock backstop of compiled code, per second of time limit.
pub const COMPILED_WALL_FACTOR: u32 = 3;

/// Wall-clock backstop of Python, per second of time limit: a memory-bound
/// program's wall time is up to ~8× its charged time (`--bench python_cost`),
/// and the backstop must never cut a run that is within its fuel.
pub const PYTHON_WALL_FACTOR: u32 = 10;

/// Time limit used when neither the package nor the caller names one.
pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(2);

/// Most stderr kept from a run, and most feedback read from a validator.
const MESSAGE_BYTES: usize = 4096;

/// The start of a failed run's output, as the jury's diff shows it.
fn output_for_jury(output: &[u8]) -> String {
    let head = &output[..output
        .len()
        .min(floorjudge_proto::judgehost::TEAM_OUTPUT_BYTES)];
    floorjudge_proto::judgehost::truncated(
        String::from_utf8_lossy(head).into_owned(),
        floorjudge_proto::judgehost::TEAM_OUTPUT_BYTES,
    )
}

/// Where the time limit of a judging came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TimeLimitSource {
    /// `--time-limit` / the caller.
    #[serde(rename = "override")]
    Override,
    /// `limits.time_limit` in problem.yaml.
    #[serde(rename = "problem.yaml")]
    ProblemYaml,
    /// A `.timelimit` file.
    #[serde(rename = ".timelimit")]
    TimelimitFile,
    /// The contest default.
    #[serde(rename = "contest default")]
    ContestDefault,
}

/// The result of one testcase.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestcaseResult {
    /// `group/name`, e.g. `data/secret/01`.
    pub name: String,
    /// Sample or secret.
    pub sample: bool,
    /// The verdict.
    pub verdict: Verdict,
    /// Fuel used by the submission.
    pub fuel: u64,
    /// CPU time in ms, from fuel (deterministic).
    pub time_ms: u64,
    /// Wall time of the run in ms (varies with load).
    pub wall_ms: u64,
    /// Peak linear memory in bytes.
    pub memory_bytes: u64,
    /// Exit code, when the program exited.
    pub exit_code: Option<i32>,
    /// What the validator or the sandbox said.
    pub message: String,
    /// On a failed testcase, the start of the program's output (at most
    /// `TEAM_OUTPUT_BYTES`), for the jury's diff.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_output: Option<String>,
}

/// The verdict of a submission with its details.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judgement {
    /// The final verdict.
    pub verdict: Verdict,
    /// Language.
    pub language: String,
    /// Time limit in ms.
    pub time_limit_ms: u64,
    /// Where it came from.
    pub time_limit_source: TimeLimitSource,
    /// The language's time factor: runs get the time limit times this.
    pub time_factor: f64,
    /// Fuel per second used to turn the time limit into fuel.
    pub fuel_per_second: u64,
    /// Compiler output (errors for CE, warnings otherwise).
    pub compile_message: String,
    /// Testcases run, in order, up to the first failure.
    pub testcases: Vec<TestcaseResult>,
}

impl From<ValidatorError> for JudgeError {
    fn from(e: ValidatorError) -> Self {
        match e {
            ValidatorError::Sandbox(e) => JudgeError::Sandbox(e),
            ValidatorError::Io(e) => JudgeError::Io(e),
            other => JudgeError::Validator(other.to_string()),
        }
    }
}

/// A failure of the judge, not of the submission: nothing to tell the team.
#[derive(Debug, thiserror::Error)]
pub enum JudgeError {
    /// A compiler is missing or failed to start.
    #[error(transparent)]
    Toolchain(#[from] ToolchainError),
    /// The sandbox failed.
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    /// The output validator could not be built or misbehaved.
    #[error("output validator: {0}")]
    Validator(String),
    /// The problem uses something not supported yet.
    #[error("not supported: {0}")]
    Unsupported(String),
    /// Local files.
    #[error("judge folder: {0}")]
    Io(#[from] std::io::Error),
}

/// Called with each testcase result as soon as it is known.
pub type OnTestcase<'a> = &'a (dyn Fn(&TestcaseResult) + Sync);

/// What to judge.
#[derive(Clone)]
pub struct JudgeRequest<'a> {
    /// The problem.
    pub package: &'a ProblemPackage,
    /// The submission's language.
    pub language: Language,
    /// The submission's files.
    pub sources: Vec<SourceFile>,
    /// A time limit that overrides the package's.
    pub time_limit: Option<Duration>,
    /// The language's time factor (the contest's language table): the
    /// time limit is multiplied by it. 1.0 for none.
    pub time_factor: f64,
    /// The backend that judges it (the language table's); `None` for the
    /// language's default.
    pub backend: Option<Backend>,
    /// Validator sources to use instead of the package's `output_validators/`.
    pub validator: Option<Vec<SourceFile>>,
    /// Told of each testcase result as it finishes.
    pub on_testcase: Option<OnTestcase<'a>>,
}

impl std::fmt::Debug for JudgeRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JudgeRequest")
            .field("problem", &self.package.id)
            .field("language", &self.language)
            .field("sources", &self.sources.len())
            .field("time_limit", &self.time_limit)
            .finish_non_exhaustive()
    }
}

/// A judge: the wasm sandbox, the compilers and the package validators
/// (both in the native sandbox) and the exchange rate.
#[derive(Debug)]
pub struct Judge {
    sandbox: WasmSandbox,
    compiler: Compiler,
    jvm: Jvm,
    native_programs: NativePrograms,
    validators: Validators,
    fuel_per_second: u64,
    /// The Python runtime, compiled on first use.
    python: std::sync::Mutex<Option<Prepared>>,
}

/// Why a build gave no program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildFailure {
    /// It does not compile (or is too large to prepare): the message says why.
    CompileError(String),
    /// Its static memory alone is over the memory limit: found before it runs.
    MemoryLimit(String),
}

impl BuildFailure {
    /// What to tell the team.
    pub fn message(&self) -> &str {
        match self {
            BuildFailure::CompileError(m) | BuildFailure::MemoryLimit(m) => m,
        }
    }
}

enum Check {
    Default(DefaultValidatorFlags),
    Custom(Arc<NativeValidator>),
}

/// Something runnable: a wasm module, or classes for the JVM.
#[derive(Debug, Clone)]
pub enum Program {
    /// Runs in the wasm sandbox.
    Wasm(WasmProgram),
    /// Runs on the JVM in the native sandbox.
    Jvm(JvmProgram),
    /// C or C++ built with gcc/g++, run in the native sandbox.
    Native(NativeProgram),
}

impl Program {
    /// The linked module of a wasm program.
    pub fn module(&self) -> Option<&Prepared> {
        match self {
            Program::Wasm(w) => Some(&w.module),
            Program::Jvm(_) | Program::Native(_) => None,
        }
    }

    /// Fuel per second for this program, given compiled code's `base` rate
    /// (native programs are timed in CPU seconds: `base` converts back).
    pub fn fuel_per_second(&self, base: u64) -> u64 {
        match self {
            Program::Wasm(w) => (base as f64 * w.fuel_scale) as u64,
            Program::Jvm(_) | Program::Native(_) => base,
        }
    }

    /// Its wall-clock backstop for a run of `time` (CPU or fuel time): long
    /// enough never to cut a run that is within its time.
    pub fn wall_limit(&self, time: Duration) -> Duration {
        let factor = match self {
            Program::Wasm(w) => w.wall_factor,
            Program::Jvm(_) | Program::Native(_) => COMPILED_WALL_FACTOR,
        };
        time * factor + Duration::from_secs(1)
    }

    /// How the wasm sandbox starts a wasm program (its arguments and
    /// environment: Python's are the interpreter's), for callers that run it
    /// themselves; `None` for a native one.
    pub fn run_spec(
        &self,
        stdin: crate::sandbox::PipeReader,
        stdout: Pipe,
        limits: Limits,
    ) -> Option<RunSpec> {
        match self {
            Program::Wasm(w) => Some(w.spec(&[], stdin, stdout, Vec::new(), limits)),
            Program::Jvm(_) | Program::Native(_) => None,
        }
    }
}

/// A module plus how to start it (a compiled program takes no arguments of
/// its own; Python gets the interpreter's).
#[derive(Debug, Clone)]
pub struct WasmProgram {
    module: Prepared,
    args: Vec<String>,
    env: Vec<(String, String)>,
    /// Fuel per second of this program relative to compiled code's (the
    /// Python runtime does more wasm work per second of native CPython).
    fuel_scale: f64,
    /// Wall-clock backstop per second of time limit.
    wall_factor: u32,
}

impl WasmProgram {
    fn spec(
        &self,
        extra: &[String],
        stdin: crate::sandbox::PipeReader,
        stdout: Pipe,
        preopens: Vec<Preopen>,
        limits: Limits,
    ) -> RunSpec {
        let mut args = self.args.clone();
        args.extend(extra.iter().cloned());
        RunSpec {
            stdin,
            stdout,
            args,
            env: self.env.clone(),
            preopens,
            limits,
        }
    }
}

/// How the Python runtime runs a submission: the source is its last
/// argument (the runtime compiles and runs it as `__main__`).
fn python_program(module: Prepared, source: &str) -> WasmProgram {
    WasmProgram {
        module,
        args: vec!["python3".into(), source.into()],
        env: Vec::new(),
        fuel_scale: PYTHON_FUEL_SCALE,
        wall_factor: PYTHON_WALL_FACTOR,
    }
}

impl Judge {
    /// A judge with the default toolchains and [`FUEL_PER_SECOND`].
    pub fn new() -> Result<Judge, JudgeError> {
        Self::with_sandbox(WasmSandbox::new()?)
    }

    /// A judge over a given wasm sandbox (benchmarks compare sandbox settings).
    pub fn with_sandbox(sandbox: WasmSandbox) -> Result<Judge, JudgeError> {
        Self::with_parts(sandbox, Toolchains::default())
    }

    /// A judge over a given wasm sandbox and toolchains.
    pub fn with_parts(sandbox: WasmSandbox, toolchains: Toolchains) -> Result<Judge, JudgeError> {
        let compiler = Compiler::new(toolchains)?;
        let native = compiler.shared_sandbox();
        Ok(Judge {
            sandbox,
            jvm: Jvm::new(JvmToolchain::default(), native.clone()),
            native_programs: NativePrograms::new(native.clone()),
            validators: Validators::new(native)?,
            compiler,
            fuel_per_second: FUEL_PER_SECOND,
            python: Default::default(),
        })
    }

    /// The wasm sandbox, for callers that run modules themselves.
    pub fn sandbox(&self) -> &WasmSandbox {
        &self.sandbox
    }

    /// The compilers.
    pub fn compiler(&self) -> &Compiler {
        &self.compiler
    }

    /// The package validators, built natively and cached by content.
    pub fn validators(&self) -> &Validators {
        &self.validators
    }

    /// The compilers' places and limits.
    pub fn toolchains(&self) -> &Toolchains {
        self.compiler.toolchains()
    }

    /// Compiles, checks and caches a module for a program that may use
    /// `memory_limit` bytes; `Ok(Err(_))` is the submission's failure.
    ///
    /// Before Cranelift sees a module: one whose initial memory or data is
    /// over the memory limit is refused as MLE, one that is not valid wasm
    /// as CE; Cranelift itself is bounded in time.
    pub fn build(
        &self,
        language: Language,
        sources: &[SourceFile],
        memory_limit: u64,
    ) -> Result<Result<(Program, String), BuildFailure>, JudgeError> {
        self.build_for(language, language.backends()[0], sources, memory_limit)
    }

    /// [`Judge::build`] for a given backend.
    pub fn build_for(
        &self,
        language: Language,
        backend: Backend,
        sources: &[SourceFile],
        memory_limit: u64,
    ) -> Result<Result<(Program, String), BuildFailure>, JudgeError> {
        if !language.backends().contains(&backend) {
            return Err(JudgeError::Unsupported(format!(
                "{language} on the {} backend (it runs on {})",
                backend.id(),
                language
                    .backends()
                    .iter()
                    .map(|b| b.id())
                    .collect::<Vec<_>>()
                    .join(" or ")
            )));
        }
        if backend == Backend::Native && !language.is_jvm() {
            return Ok(
                match self
                    .native_programs
                    .compile(language, sources, self.toolchains())?
                {
                    Ok((program, message)) => Ok((Program::Native(program), message)),
                    Err(message) => Err(BuildFailure::CompileError(message)),
                },
            );
        }
        if language == Language::Python {
            return self.build_python(sources);
        }
        if language.is_jvm() {
            return Ok(
                match self.jvm.compile(language, sources, self.toolchains())? {
                    Ok((program, message)) => Ok((Program::Jvm(program), message)),
                    Err(message) => Err(BuildFailure::CompileError(message)),
                },
            );
        }
        let (wasm, message) = match self.compiler.compile(language, sources, memory_limit)? {
            CompileOutcome::Failed { message } => {
                return Ok(Err(BuildFailure::CompileError(message)));
            }
            CompileOutcome::MemoryLimit { message } => {
                return Ok(Err(BuildFailure::MemoryLimit(message)));
            }
            CompileOutcome::Compiled { wasm, message } => (wasm, message),
        };
        let facts = match ModuleFacts::inspect(&wasm) {
            Ok(f) => f,
            Err(m) => return Ok(Err(BuildFailure::CompileError(m))),
        };
        let static_bytes = facts.initial_memory_bytes.max(facts.data_bytes);
        if static_bytes > memory_limit {
            return Ok(Err(BuildFailure::MemoryLimit(format!(
                "the program's static memory is {} MiB before it runs; the memory limit is {} MiB",
                static_bytes >> 20,
                memory_limit >> 20
            ))));
        }
        let key = hex::encode(Sha256::digest(&wasm));
        let module = match self.sandbox.prepare(&key, &wasm) {
            Ok(m) => m,
            Err(SandboxError::PrepareTimeout(t)) => {
                return Ok(Err(BuildFailure::CompileError(format!(
                    "the compiled program ({} KiB of code) took longer than {} s to prepare for running",
                    facts.code_bytes >> 10,
                    t.as_secs()
                ))));
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Ok((
            Program::Wasm(WasmProgram {
                module,
                args: vec!["program".into()],
                env: Vec::new(),
                fuel_scale: 1.0,
                wall_factor: COMPILED_WALL_FACTOR,
            }),
            message,
        )))
    }

    /// Python: the pinned CPython module runs the source; a syntax check in
    /// the sandbox stands in for compilation (a SyntaxError is a CE).
    fn build_python(
        &self,
        sources: &[SourceFile],
    ) -> Result<Result<(Program, String), BuildFailure>, JudgeError> {
        if let Err(m) = self.toolchains().check_sources(sources) {
            return Ok(Err(BuildFailure::CompileError(m)));
        }
        let main = sources
            .iter()
            .find(|s| s.name.ends_with(".py"))
            .unwrap_or(&sources[0]);
        let Ok(source) = std::str::from_utf8(&main.content) else {
            return Ok(Err(BuildFailure::CompileError(format!(
                "{} is not UTF-8 text",
                main.name
            ))));
        };
        // The runtime is read, hashed and compiled once per process (and its
        // compiled form kept on disk for the next process).
        let module = {
            // Held while compiling: concurrent first builds compile it once.
            let mut slot = self.python.lock().unwrap_or_else(|e| e.into_inner());
            match &*slot {
                Some(module) => module.clone(),
                None => {
                    let runtime = self.toolchains().python_runtime()?;
                    let module = self.sandbox.prepare_runtime_component(
                        &runtime.sha256,
                        &runtime.wasm,
                        self.toolchains().compiled_dir.as_deref(),
                    )?;
                    *slot = Some(module.clone());
                    module
                }
            }
        };
        let check = WasmProgram {
            args: vec![
                "python3".into(),
                "--check".into(),
                main.name.clone(),
                source.into(),
            ],
            ..python_program(module.clone(), "")
        };
        let out = self.sandbox.run(
            &check.module,
            check.spec(
                &[],
                Pipe::with_input(b"").reader(),
                Pipe::capped(1 << 20),
                Vec::new(),
                Limits {
                    fuel: 30 * self.fuel_per_second,
                    wall: Duration::from_secs(60),
                    memory_bytes: 1 << 30,
                    output_bytes: 1 << 20,
                    stderr_bytes: 16 << 10,
                },
            ),
        )?;
        if out.termination != Termination::Exited(0) {
            let message = String::from_utf8_lossy(&out.stderr).into_owned();
            return Ok(Err(BuildFailure::CompileError(if message.is_empty() {
                format!("syntax check failed: {:?}", out.termination)
            } else {
                message
            })));
        }
        Ok(Ok((
            Program::Wasm(python_program(module, source)),
            String::new(),
        )))
    }

    /// Judges a submission. Runs on a thread of its own with the stack the
    /// sandbox needs.
    pub fn judge(&self, req: &JudgeRequest<'_>) -> Result<Judgement, JudgeError> {
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("judge".into())
                .stack_size(crate::sandbox::GUEST_THREAD_STACK)
                .spawn_scoped(scope, || self.judge_here(req))
                .map_err(JudgeError::Io)?
                .join()
                .unwrap_or_else(|_| {
                    Err(JudgeError::Unsupported(
                        "the judging thread panicked".into(),
                    ))
                })
        })
    }

    fn judge_here(&self, req: &JudgeRequest<'_>) -> Result<Judgement, JudgeError> {
        let pkg = req.package;
        if pkg.problem_type.multi_pass {
            return Err(JudgeError::Unsupported("multi-pass problems".into()));
        }
        let (tl, tl_source) = match (req.time_limit, pkg.time_limit) {
            (Some(t), _) => (t, TimeLimitSource::Override),
            (None, Some((secs, src))) => (
                Duration::from_secs_f64(secs),
                match src {
                    crate::package::TimeLimitSource::ProblemYaml => TimeLimitSource::ProblemYaml,
                    crate::package::TimeLimitSource::TimelimitFile => {
                        TimeLimitSource::TimelimitFile
                    }
                },
            ),
            (None, None) => (DEFAULT_TIME_LIMIT, TimeLimitSource::ContestDefault),
        };
        if !(req.time_factor.is_finite() && (0.1..=20.0).contains(&req.time_factor)) {
            return Err(JudgeError::Unsupported(format!(
                "time factor {} (must be between 0.1 and 20)",
                req.time_factor
            )));
        }
        let run_time = tl.mul_f64(req.time_factor);
        let mut judgement = Judgement {
            verdict: Verdict::Accepted,
            language: req.language.id().into(),
            time_limit_ms: tl.as_millis() as u64,
            time_limit_source: tl_source,
            time_factor: req.time_factor,
            fuel_per_second: self.fuel_per_second,
            compile_message: String::new(),
            testcases: Vec::new(),
        };
        let check = self.validator(req)?;
        let memory_bytes = (pkg.memory_mib.min(4096) as usize) << 20;
        let backend = req.backend.unwrap_or(req.language.backends()[0]);
        let program =
            match self.build_for(req.language, backend, &req.sources, memory_bytes as u64)? {
                Err(failure) => {
                    judgement.verdict = match failure {
                        BuildFailure::CompileError(_) => Verdict::CompileError,
                        BuildFailure::MemoryLimit(_) => Verdict::MemoryLimit,
                    };
                    judgement.compile_message = failure.message().to_owned();
                    return Ok(judgement);
                }
                Ok((program, message)) => {
                    judgement.compile_message = message;
                    program
                }
            };
        let fuel_per_second = program.fuel_per_second(self.fuel_per_second);
        judgement.fuel_per_second = fuel_per_second;
        let limits = Limits {
            fuel: (run_time.as_secs_f64() * fuel_per_second as f64) as u64,
            wall: program.wall_limit(run_time),
            memory_bytes,
            output_bytes: (pkg.output_mib as usize) << 20,
            stderr_bytes: MESSAGE_BYTES,
        };
        let work = tempfile::Builder::new().prefix("fj-judge-").tempdir()?;
        for (i, tc) in pkg.testcases.iter().enumerate() {
            let dir = work.path().join(format!("{i}"));
            std::fs::create_dir_all(&dir)?;
            let result = self.run_testcase(pkg, tc, &program, &check, limits, &dir)?;
            if let Some(tell) = req.on_testcase {
                tell(&result);
            }
            let verdict = result.verdict;
            judgement.testcases.push(result);
            if verdict != Verdict::Accepted {
                judgement.verdict = verdict;
                break;
            }
        }
        Ok(judgement)
    }

    fn validator(&self, req: &JudgeRequest<'_>) -> Result<Check, JudgeError> {
        let pkg = req.package;
        let sources: Vec<SourceFile> = match &req.validator {
            Some(files) => files.clone(),
            None => pkg
                .output_validator_files
                .iter()
                .filter_map(|path| pkg.file(path))
                .map(|f| SourceFile {
                    name: f.path.rsplit('/').next().unwrap_or_default().to_owned(),
                    content: f.content.clone(),
                })
                .collect(),
        };
        if sources.is_empty() {
            if pkg.custom_validation {
                return Err(JudgeError::Validator(format!(
                    "the problem needs a custom validator ({}) and none was given",
                    pkg.validation()
                )));
            }
            return DefaultValidatorFlags::parse(&pkg.validator_flags)
                .map(Check::Default)
                .map_err(JudgeError::Validator);
        }
        Ok(Check::Custom(self.validators.build(&sources)?))
    }

    fn validator_flags(pkg: &ProblemPackage, tc: &TestcaseRef) -> Vec<String> {
        // The nearest group naming output_validator_flags wins, else the problem's.
        let mut group = tc.group.as_str();
        loop {
            if let Some(g) = pkg.groups.iter().find(|g| g.path == group)
                && let Some(flags) = g
                    .settings
                    .get("output_validator_flags")
                    .and_then(|v| v.as_str())
            {
                return flags.split_whitespace().map(str::to_owned).collect();
            }
            match group.rsplit_once('/') {
                Some((parent, _)) => group = parent,
                None => break,
            }
        }
        pkg.validator_flags
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    }

    fn run_testcase(
        &self,
        pkg: &ProblemPackage,
        tc: &TestcaseRef,
        program: &Program,
        check: &Check,
        limits: Limits,
        dir: &Path,
    ) -> Result<TestcaseResult, JudgeError> {
        let input = file(pkg, &tc.input_path)?;
        let answer = file(pkg, &tc.answer_path)?;
        let mut result = TestcaseResult {
            name: format!("{}/{}", tc.group, tc.name),
            sample: tc.sample,
            verdict: Verdict::Accepted,
            fuel: 0,
            time_ms: 0,
            wall_ms: 0,
            memory_bytes: 0,
            exit_code: None,
            message: String::new(),
            team_output: None,
        };
        let flags = Self::validator_flags(pkg, tc);
        if pkg.problem_type.interactive {
            let Check::Custom(validator) = check else {
                return Err(JudgeError::Validator(
                    "interactive problems need a custom validator".into(),
                ));
            };
            let dirs = self.testcase_dirs(input, answer)?;
            let run = dirs.run(&flags, pkg);
            let (out, validated) = self.run_interactive(program, validator, &run, limits)?;
            self.fill(&mut result, &out, program);
            if let Some(v) = run_failure(&out) {
                // The validator's rejection counts if it came first.
                result.verdict = match &validated {
                    Validated::Rejected {
                        first: true,
                        message,
                    } => {
                        result.message = message.clone();
                        Verdict::WrongAnswer
                    }
                    _ => v,
                };
                if result.verdict != Verdict::WrongAnswer {
                    result.message = termination_message(&out);
                }
                return Ok(result);
            }
            match validated {
                Validated::Accepted { message } => result.message = message,
                Validated::Rejected { message, .. } => {
                    result.verdict = Verdict::WrongAnswer;
                    result.message = message;
                }
            }
            return Ok(result);
        }
        let (out, team_output) = self.run_program(program, input, limits, dir)?;
        self.fill(&mut result, &out, program);
        if let Some(v) = run_failure(&out) {
            result.verdict = v;
            result.message = termination_message(&out);
            result.team_output = Some(output_for_jury(&team_output));
            return Ok(result);
        }
        match check {
            Check::Default(flags) => {
                if let Err(m) = default_validate(answer, &team_output, flags) {
                    result.verdict = Verdict::WrongAnswer;
                    result.message = m;
                }
            }
            Check::Custom(validator) => {
                let dirs = self.testcase_dirs(input, answer)?;
                let team_file = dir.join("team.out");
                std::fs::write(&team_file, &team_output)?;
                let run = dirs.run(&flags, pkg);
                let (said, _) = self.validators.check_output(validator, &run, &team_file)?;
                let message = judge_message(dirs.feedback.path(), MESSAGE_BYTES as u64);
                match said {
                    ValidatorVerdict::Accepted => result.message = message,
                    ValidatorVerdict::Rejected => {
                        result.verdict = Verdict::WrongAnswer;
                        result.message = message;
                    }
                    ValidatorVerdict::Failed(why) => {
                        return Err(JudgeError::Validator(format!("{why} on {}", result.name)));
                    }
                }
            }
        }
        if result.verdict != Verdict::Accepted {
            result.team_output = Some(output_for_jury(&team_output));
        }
        Ok(result)
    }

    /// Runs a program on a testcase's input; its output comes back capped
    /// (`dir` is a private folder of this testcase's, for our own files).
    fn run_program(
        &self,
        program: &Program,
        input: &[u8],
        limits: Limits,
        dir: &Path,
    ) -> Result<(RunOutcome, Vec<u8>), JudgeError> {
        match program {
            Program::Wasm(w) => {
                let stdout = Pipe::capped(limits.output_bytes);
                let out = self.sandbox.run(
                    &w.module,
                    w.spec(
                        &[],
                        Pipe::with_input(input).reader(),
                        stdout.clone(),
                        Vec::new(),
                        limits,
                    ),
                )?;
                Ok((out, stdout.take()))
            }
            Program::Jvm(j) => {
                let file = dir.join("testcase.in");
                std::fs::write(&file, input)?;
                Ok(self.jvm.run(j, &file, self.native_limits(&limits))?)
            }
            Program::Native(n) => {
                let file = dir.join("testcase.in");
                std::fs::write(&file, input)?;
                Ok(self
                    .native_programs
                    .run(n, &file, self.native_limits(&limits))?)
            }
        }
    }

    /// A wasm run's limits for the JVM: the fuel budget back in seconds.
    fn native_limits(&self, limits: &Limits) -> NativeRunLimits {
        NativeRunLimits {
            time: Duration::from_secs_f64(limits.fuel as f64 / self.fuel_per_second as f64),
            memory_bytes: limits.memory_bytes as u64,
            output_bytes: limits.output_bytes,
        }
    }

    fn fill(&self, result: &mut TestcaseResult, out: &RunOutcome, program: &Program) {
        result.fuel = out.cpu.fuel();
        result.time_ms = match out.cpu {
            CpuUsed::Fuel(f) => {
                f.saturating_mul(1000) / program.fuel_per_second(self.fuel_per_second)
            }
            CpuUsed::Measured(t) => t.as_millis() as u64,
        };
        result.wall_ms = out.wall.as_millis() as u64;
        result.memory_bytes = out.peak_memory as u64;
        if let Termination::Exited(code) = out.termination {
            result.exit_code = Some(code);
        }
    }

    /// A testcase's folders for a validator: `judge/` with the input and
    /// answer (read-only in the sandbox) and an empty `feedback/`, both
    /// made for the sandbox user.
    fn testcase_dirs(&self, input: &[u8], answer: &[u8]) -> Result<TestcaseDirs, JudgeError> {
        let sandbox = self.validators.sandbox();
        let judge = sandbox.work_dir("fj-judge-")?;
        std::fs::write(judge.path().join("testcase.in"), input)?;
        std::fs::write(judge.path().join("testcase.ans"), answer)?;
        Ok(TestcaseDirs {
            judge,
            feedback: sandbox.work_dir("fj-feedback-")?,
        })
    }

    fn run_interactive(
        &self,
        program: &Program,
        validator: &NativeValidator,
        run: &ValidatorRun<'_>,
        limits: Limits,
    ) -> Result<(RunOutcome, Validated), JudgeError> {
        // to_team: validator stdout -> submission stdin; from_team: the reverse.
        let to_team = Pipe::capped(64 << 20);
        let from_team = Pipe::capped(limits.output_bytes);
        let (done_tx, done_rx) = mpsc::channel::<&'static str>();
        std::thread::scope(|scope| -> Result<(RunOutcome, Validated), JudgeError> {
            let (t_to, t_from, tx) = (to_team.clone(), from_team.clone(), done_tx.clone());
            let team = std::thread::Builder::new()
                .name("interactive-team".into())
                .stack_size(crate::sandbox::GUEST_THREAD_STACK)
                .spawn_scoped(scope, move || {
                    let r = match program {
                        Program::Wasm(w) => self
                            .sandbox
                            .run(
                                &w.module,
                                w.spec(&[], t_to.reader(), t_from.clone(), Vec::new(), limits),
                            )
                            .map_err(JudgeError::from),
                        Program::Jvm(j) => self
                            .jvm
                            .run_piped(j, &t_to, &t_from, self.native_limits(&limits))
                            .map_err(JudgeError::from),
                        Program::Native(n) => self
                            .native_programs
                            .run_piped(n, &t_to, &t_from, self.native_limits(&limits))
                            .map_err(JudgeError::from),
                    };
                    // Say who finished before cutting the pipes: the other side
                    // wakes up as soon as they are cut.
                    let _ = tx.send("team");
                    t_from.close();
                    t_to.close_reader();
                    r
                })?;
            let (v_to, v_from, tx) = (to_team.clone(), from_team.clone(), done_tx);
            let val = std::thread::Builder::new()
                .name("interactive-validator".into())
                .spawn_scoped(scope, move || {
                    let r = self.validators.interact(validator, run, &v_from, &v_to);
                    let _ = tx.send("validator");
                    v_to.close();
                    v_from.close_reader();
                    (r, judge_message(run.feedback_dir, MESSAGE_BYTES as u64))
                })?;
            // Who finished first decides between a rejection and a crash.
            // Nothing by the submission's wall clock: they wait on each
            // other (a blocked read is not a clock tick). After one ends,
            // the other gets the validator's time to follow.
            let first = done_rx.recv_timeout(limits.wall).ok();
            let then = run.limits.time + Duration::from_secs(1);
            if first.is_none() || done_rx.recv_timeout(then).is_err() {
                // Both blocked (waiting on each other) or one never ends:
                // cut the pipes so the blocked reads return.
                for p in [&to_team, &from_team] {
                    p.close();
                    p.close_reader();
                }
            }
            let team_out = team
                .join()
                .map_err(|_| JudgeError::Unsupported("interactive thread panicked".into()))??;
            let (val_out, message) = val
                .join()
                .map_err(|_| JudgeError::Unsupported("interactive thread panicked".into()))?;
            let (said, _) = val_out?;
            let mut team_out = team_out;
            if first.is_none() && matches!(team_out.termination, Termination::Exited(_)) {
                team_out.termination = Termination::WallTimeout;
            }
            let validated = match said {
                ValidatorVerdict::Accepted => Validated::Accepted { message },
                ValidatorVerdict::Rejected => Validated::Rejected {
                    message,
                    first: first == Some("validator"),
                },
                ValidatorVerdict::Failed(why) => {
                    // A validator cut off because the team stopped talking is the team's fault.
                    if run_failure(&team_out).is_some() {
                        Validated::Rejected {
                            message,
                            first: false,
                        }
                    } else {
                        return Err(JudgeError::Validator(format!(
                            "interactive validator {why}"
                        )));
                    }
                }
            };
            Ok((team_out, validated))
        })
    }
}

/// The folders a validator run sees, removed when dropped.
struct TestcaseDirs {
    judge: tempfile::TempDir,
    feedback: tempfile::TempDir,
}

impl TestcaseDirs {
    fn run<'a>(&'a self, flags: &'a [String], pkg: &ProblemPackage) -> ValidatorRun<'a> {
        ValidatorRun {
            judge_dir: self.judge.path(),
            feedback_dir: self.feedback.path(),
            flags,
            limits: pkg.validation_limits,
        }
    }
}

enum Validated {
    Accepted { message: String },
    Rejected { message: String, first: bool },
}

fn file<'a>(pkg: &'a ProblemPackage, path: &str) -> Result<&'a [u8], JudgeError> {
    pkg.file(path).map(|f| f.content.as_slice()).ok_or_else(|| {
        JudgeError::Io(std::io::Error::other(format!(
            "{path} missing from the package"
        )))
    })
}

/// The verdict of a run that did not end with exit code 0.
fn run_failure(out: &RunOutcome) -> Option<Verdict> {
    match out.termination {
        Termination::Exited(0) => None,
        Termination::Exited(_) | Termination::Trap(_) => Some(Verdict::RunTimeError),
        Termination::Signaled(_) => Some(Verdict::RunTimeError),
        Termination::OutOfFuel | Termination::CpuTimeLimit | Termination::WallTimeout => {
            Some(Verdict::TimeLimit)
        }
        Termination::MemoryLimit => Some(Verdict::MemoryLimit),
        Termination::OutputLimit | Termination::FileSizeLimit => Some(Verdict::OutputLimit),
    }
}

fn termination_message(out: &RunOutcome) -> String {
    match &out.termination {
        Termination::Exited(c) => format!("exited with code {c}"),
        Termination::OutOfFuel | Termination::CpuTimeLimit => "used its whole CPU budget".into(),
        Termination::FileSizeLimit => "wrote a file larger than allowed".into(),
        Termination::Signaled(s) => format!("was killed by signal {s}"),
        Termination::WallTimeout => "ran past the wall-clock limit".into(),
        Termination::MemoryLimit => "tried to use more memory than allowed".into(),
        Termination::OutputLimit => "wrote more output than allowed".into(),
        Termination::Trap(t) => format!("crashed: {}", t.lines().next().unwrap_or_default()),
    }
}
