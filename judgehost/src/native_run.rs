//! What native-backend programs share (Java, Kotlin, and C/C++ with g++ as
//! an organizer's choice): their limits, what of the host they see, and
//! how a run's ending becomes a verdict's termination.

use std::path::Path;
use std::time::Duration;

use crate::sandbox::{
    CpuUsed, Mount, NativeIo, NativeOutcome, NativeSandbox, NativeSpec, Pipe, RunOutcome,
    SandboxError, Termination,
};

/// Limits of one native run of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NativeRunLimits {
    /// CPU time (the problem's limit times the language's factor).
    pub time: Duration,
    /// Memory (for the JVM: its heap), bytes.
    pub memory_bytes: u64,
    /// Output, bytes.
    pub output_bytes: usize,
}

/// The system's binaries and libraries, read-only: `/bin/sh` starts every
/// run, programs built with gcc/g++ link libstdc++ and libc dynamically.
pub fn system_mounts() -> Vec<Mount> {
    vec![
        Mount::same_if_present("/usr/bin"),
        Mount::same_if_present(format!("/usr/lib/{}-linux-gnu", std::env::consts::ARCH)),
        Mount::same_if_present("/usr/lib64"),
        Mount::same_if_present("/etc/ld.so.cache"),
    ]
}

/// What the host's CPython needs besides [`system_mounts`]: its standard
/// library (`/usr/lib/python3*`).
pub fn python_mounts() -> Vec<Mount> {
    let mut m = system_mounts();
    if let Ok(entries) = std::fs::read_dir("/usr/lib") {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with("python3") {
                m.push(Mount::same_if_present(e.path()));
            }
        }
    }
    m
}

/// What `gcc`/`g++` need besides [`system_mounts`].
pub fn gcc_mounts() -> Vec<Mount> {
    let mut m = system_mounts();
    m.extend(
        [
            "/usr/lib/gcc",
            "/usr/libexec/gcc",
            "/usr/include",
            "/usr/lib/bfd-plugins",
        ]
        .map(Mount::same_if_present),
    );
    m
}

/// How a native run ended, as a verdict sees it. What stopped it comes
/// first: memory (the cgroup, or a JVM heap that ran out: `heap_gone`),
/// then CPU time over the limit (TLE even if the program then finished),
/// then too much output.
pub fn judged(
    out: NativeOutcome,
    limits: NativeRunLimits,
    overflowed: bool,
    heap_gone: bool,
) -> RunOutcome {
    let mut run = out.run;
    let CpuUsed::Measured(cpu) = run.cpu else {
        return run;
    };
    run.termination = match run.termination {
        Termination::MemoryLimit => Termination::MemoryLimit,
        Termination::Exited(1) if heap_gone => Termination::MemoryLimit,
        _ if cpu > limits.time => Termination::CpuTimeLimit,
        Termination::Exited(0) if overflowed => Termination::OutputLimit,
        t => t,
    };
    run
}

/// Whether a run's stderr says a managed heap ran out (the JVM's
/// `OutOfMemoryError`); `|_| false` for programs without one.
pub type HeapGone = fn(&[u8]) -> bool;

/// Runs a submission on an input file of ours (given as its stdin); returns
/// how it ended, as a verdict sees it, and its output capped at the limit.
pub fn on_file(
    sandbox: &NativeSandbox,
    spec: &NativeSpec<'_>,
    input: &Path,
    limits: NativeRunLimits,
    heap_gone: HeapGone,
) -> Result<(RunOutcome, Vec<u8>), SandboxError> {
    let stdin = std::fs::File::open(input)?;
    let mut out = sandbox.run_with_io(
        spec,
        NativeIo {
            stdin: Some(stdin.into()),
            stdout: None,
        },
    )?;
    // the spec keeps one byte past the limit: a byte there is too much output
    let overflowed = out.stdout.len() > limits.output_bytes;
    let mut stdout = std::mem::take(&mut out.stdout);
    stdout.truncate(limits.output_bytes);
    let heap = heap_gone(&out.run.stderr);
    Ok((judged(out, limits, overflowed, heap), stdout))
}

/// Runs a submission reading `from` and writing `to` (an interactive
/// validator's pipes).
pub fn on_pipes(
    sandbox: &NativeSandbox,
    spec: &NativeSpec<'_>,
    from: &Pipe,
    to: &Pipe,
    limits: NativeRunLimits,
    heap_gone: HeapGone,
) -> Result<RunOutcome, SandboxError> {
    let out = sandbox.run_piped(spec, from, to)?;
    let heap = heap_gone(&out.run.stderr);
    Ok(judged(out, limits, to.overflowed(), heap))
}

/// A native compiler's run read as a build: `Ok(message)` (its warnings)
/// when it succeeded, else `Err` with what to tell the team first, then
/// what the compiler said. `limits` are the ones it ran with.
pub fn compiled(
    out: NativeOutcome,
    limits: &crate::sandbox::NativeLimits,
) -> Result<String, String> {
    let mut text = out.run.stderr;
    text.extend_from_slice(&out.stdout);
    let message = String::from_utf8_lossy(&text).trim().to_owned();
    let why = match out.run.termination {
        Termination::Exited(0) => return Ok(message),
        Termination::WallTimeout | Termination::CpuTimeLimit => format!(
            "compilation took longer than {} s and was stopped",
            limits.wall.as_secs()
        ),
        Termination::MemoryLimit => "the compiler ran out of memory and was stopped".into(),
        Termination::FileSizeLimit => format!(
            "the compiled program is larger than {} MiB",
            limits.file_bytes >> 20
        ),
        Termination::Signaled(sig) => format!("the compiler died with signal {sig}"),
        _ => return Err(message),
    };
    Err(format!("{why}\n{message}"))
}
