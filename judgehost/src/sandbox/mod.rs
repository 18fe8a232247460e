//! Sandboxes: two backends behind one set of types.
//!
//! - [`wasm`] runs submissions in wasmtime: no host at all, and CPU counted
//!   in fuel, so the same program on the same input costs the same on every
//!   judgehost (its time is *deterministic*).
//! - [`native`] runs host programs that read contestant input (compilers
//!   today; package validators and JVM languages next) in bubblewrap: fresh
//!   namespaces, a read-only root of only what the program needs, an
//!   unprivileged uid, no-new-privs, a seccomp allow-list, rlimits and a
//!   wall clock that kills the whole process tree. Its time is CPU time,
//!   which varies with load (*not* deterministic).
//!
//! What happened to the sandboxed program is data ([`RunOutcome`],
//! [`Termination`]); what went wrong with us is a [`SandboxError`].

pub mod cgroup;
mod compiled_cache;
mod module_cache;
pub mod native;
pub mod pipe;
pub mod wasm;

use std::path::PathBuf;
use std::time::Duration;

pub use native::{
    Mount, NativeIo, NativeLimits, NativeOutcome, NativeSandbox, NativeSpec, NativeStep,
};
pub use pipe::{Pipe, PipeReader, PipeWriter};
pub use wasm::{
    Checks, EPOCH_TICK, GUEST_THREAD_STACK, MAX_WASM_STACK, ModuleFacts, Preopen, Prepared,
    RunSpec, WasmSandbox,
};

/// A file a sandboxed program left for us, read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadBack {
    /// Its bytes.
    Bytes(Vec<u8>),
    /// It is larger than asked for.
    TooLarge,
    /// Not there, or not a regular file (a link, a FIFO, a folder).
    Missing,
}

/// Reads a file that a sandboxed program wrote (a module, a validator's
/// feedback) without following a link it may have put in its place (to
/// `/etc/shadow` on the host, say), without blocking on a FIFO, and no more
/// than `cap` bytes of it.
pub fn read_back(path: &std::path::Path, cap: u64) -> std::io::Result<ReadBack> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
    {
        Ok(f) => f,
        Err(_) => return Ok(ReadBack::Missing),
    };
    if !file.metadata()?.is_file() {
        return Ok(ReadBack::Missing);
    }
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Ok(ReadBack::TooLarge);
    }
    Ok(ReadBack::Bytes(bytes))
}

/// An error of ours (not the sandboxed program's).
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// wasmtime refused the configuration or the module.
    #[error("sandbox: {0}")]
    Wasmtime(String),
    /// A host folder for a validator could not be opened.
    #[error("sandbox: cannot preopen {path}: {message}")]
    Preopen {
        /// The folder.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// Preparing a module (Cranelift) took longer than its bound.
    #[error("sandbox: preparing the program took longer than {0:?}")]
    PrepareTimeout(Duration),
    /// bubblewrap is not installed.
    #[error("native sandbox: {path} is missing (apt-get install bubblewrap)")]
    BwrapMissing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The native sandbox could not be set up (namespaces refused, a mount
    /// source missing, …): bubblewrap's own message.
    #[error("native sandbox could not start: {0}")]
    NativeSetup(String),
    /// Local files, pipes or processes.
    #[error("native sandbox: {0}")]
    Io(#[from] std::io::Error),
}

/// Limits of one wasm run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Fuel (the CPU budget).
    pub fuel: u64,
    /// Wall-clock backstop.
    pub wall: Duration,
    /// Largest linear memory, in bytes.
    pub memory_bytes: usize,
    /// Most bytes the guest may write to stdout.
    pub output_bytes: usize,
    /// Bytes of stderr kept (the rest is dropped, not an error).
    pub stderr_bytes: usize,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Termination {
    /// `exit(code)` or a return from `main`.
    Exited(i32),
    /// Ran out of fuel: the CPU limit (wasm).
    OutOfFuel,
    /// Used up its CPU time (native: `SIGXCPU`, or `SIGKILL` at the hard limit).
    CpuTimeLimit,
    /// Hit the wall-clock limit.
    WallTimeout,
    /// Tried to grow memory past the limit (or started with too much).
    MemoryLimit,
    /// Wrote more than the output cap.
    OutputLimit,
    /// Wrote a file larger than allowed (native: `SIGXFSZ`).
    FileSizeLimit,
    /// Killed by another signal (native).
    Signaled(i32),
    /// A trap: stack overflow, out-of-bounds access, division by zero,
    /// `unreachable` (abort), … (wasm).
    Trap(String),
}

/// The CPU a run used, and whether that figure is the same on every judgehost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuUsed {
    /// wasm fuel: deterministic.
    Fuel(u64),
    /// Measured CPU time of the whole process tree (native): varies with
    /// load, so a rejudge may differ.
    Measured(Duration),
}

impl CpuUsed {
    /// Whether the same program on the same input uses the same amount everywhere.
    pub fn is_deterministic(&self) -> bool {
        matches!(self, CpuUsed::Fuel(_))
    }

    /// Fuel used (0 for a native run).
    pub fn fuel(&self) -> u64 {
        match self {
            CpuUsed::Fuel(f) => *f,
            CpuUsed::Measured(_) => 0,
        }
    }
}

/// What happened in a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutcome {
    /// How it ended.
    pub termination: Termination,
    /// CPU used: exact fuel, except 0 (unknown) when a wasm run ended by the
    /// wall clock.
    pub cpu: CpuUsed,
    /// Wall time of the run.
    pub wall: Duration,
    /// Largest linear memory the guest had (or, after a memory limit, asked
    /// for), in bytes; native: the peak resident memory of the largest
    /// process of the sandbox.
    pub peak_memory: usize,
    /// stderr (truncated to the cap).
    pub stderr: Vec<u8>,
}
