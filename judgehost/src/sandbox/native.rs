//! The native backend: host programs that read contestant input (compilers,
//! and next package validators and JVM languages) run inside bubblewrap.
//!
//! Why bubblewrap (Debian's `bubblewrap`): it is the namespace sandbox that
//! Flatpak ships to millions of desktops, needs no setuid bit here (we run it
//! unprivileged, with a user namespace), and does mounts, `pivot_root`,
//! no-new-privs and seccomp loading correctly; writing that ourselves would
//! be a pile of `unsafe` for nothing. The seccomp filter is ours, compiled
//! with `seccompiler` (see [`seccomp`]).
//!
//! Every run gets:
//! - fresh user, mount, pid, net, ipc, uts and cgroup namespaces; no further
//!   user namespaces inside; a new session (no terminal to inject into);
//! - a root of read-only bind mounts of exactly the [`Mount`]s asked for, a
//!   fresh `/proc` of its own pid namespace, `/dev/null`, a size-capped
//!   empty `/tmp`, and one writable folder, `/work`;
//! - an unprivileged uid: when the judgehost runs as root, bubblewrap is
//!   started as the `floorjudge-sandbox` user (else `nobody`), never as the
//!   jury's user; an unprivileged judgehost's sandbox runs under its own uid,
//!   with the mount namespace as the wall;
//! - rlimits (CPU, address space, file size, processes, open files, no core
//!   dumps), a capped stdout and stderr, and a wall clock that kills the whole
//!   process tree: the sandbox's pid 1 (our script) dies with bubblewrap, and
//!   the kernel kills everything in a pid namespace whose init is gone.

pub mod seccomp;

use super::cgroup::{Cgroups, RunCgroup};
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{CpuUsed, Pipe, RunOutcome, SandboxError, Termination};

/// Where the writable folder appears in the sandbox (also the working folder).
pub const WORK_DIR: &str = "/work";
/// The user the sandbox runs as when the judgehost runs as root.
pub const SANDBOX_USER: &str = "floorjudge-sandbox";
/// Where bubblewrap is.
pub const BWRAP: &str = "/usr/bin/bwrap";
/// The uid and gid the program sees inside (no name: there is no `/etc/passwd`).
const INSIDE_ID: &str = "60000";
/// File descriptors handed to bubblewrap: two seccomp programs, and a pipe
/// the sandbox's script writes one byte to (then closes) once it runs, which
/// tells bubblewrap's own setup failures from the program's.
const FD_ALLOW: i32 = 3;
const FD_CLONE3: i32 = 4;
const FD_STARTED: i32 = 5;

/// A host path shown read-only in the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// On the host.
    pub host: PathBuf,
    /// In the sandbox.
    pub guest: PathBuf,
    /// Whether a missing host path is an error (else it is left out).
    pub required: bool,
}

impl Mount {
    /// `path` at the same place inside, left out if the host has none.
    pub fn same_if_present(path: impl Into<PathBuf>) -> Mount {
        let path = path.into();
        Mount {
            guest: path.clone(),
            host: path,
            required: false,
        }
    }

    /// `host` shown at `guest`; it must exist.
    pub fn at(host: impl Into<PathBuf>, guest: impl Into<PathBuf>) -> Mount {
        Mount {
            host: host.into(),
            guest: guest.into(),
            required: true,
        }
    }
}

/// Limits of one native run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NativeLimits {
    /// Wall clock for the whole run (all steps).
    pub wall: Duration,
    /// CPU time of each process.
    pub cpu: Duration,
    /// Address space of each process, bytes.
    pub address_space_bytes: u64,
    /// Memory of the whole run, enforced by a cgroup where we may make one
    /// (then peak memory and the CPU time of every process are measured
    /// there too); `None` for the rlimits alone.
    pub memory_bytes: Option<u64>,
    /// Largest file any step may write, bytes (a step may lower it for itself).
    pub file_bytes: u64,
    /// Processes and threads inside the sandbox.
    pub processes: u32,
    /// Open files per process.
    pub open_files: u64,
    /// Size of the sandbox's `/tmp`, bytes; 0 for no `/tmp` at all.
    pub tmp_bytes: u64,
    /// stdout kept, bytes (the rest is drained and dropped).
    pub stdout_bytes: usize,
    /// stderr kept, bytes.
    pub stderr_bytes: usize,
}

/// One program to run; the steps of a run go one after another, stopping at
/// the first that fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeStep {
    /// `argv`, with `argv[0]` an absolute path inside the sandbox.
    pub argv: Vec<String>,
    /// A lower file-size limit for this step only.
    pub file_bytes: Option<u64>,
    /// A stack of this size for this step (else the system's 8 MiB).
    pub stack_bytes: Option<u64>,
}

impl NativeStep {
    /// A step with the run's limits.
    pub fn new(argv: Vec<String>) -> NativeStep {
        NativeStep {
            argv,
            file_bytes: None,
            stack_bytes: None,
        }
    }
}

/// What a native run gets.
#[derive(Debug, Clone)]
pub struct NativeSpec<'a> {
    /// The programs, in order.
    pub steps: Vec<NativeStep>,
    /// Environment (besides `PATH=/usr/bin`, `HOME=/tmp`, `TMPDIR=/tmp`).
    pub env: Vec<(String, String)>,
    /// Read-only mounts: the program's binaries, libraries and data.
    pub mounts: Vec<Mount>,
    /// The host folder shown writable at [`WORK_DIR`]; make it with
    /// [`NativeSandbox::work_dir`] so the sandbox user may write there.
    pub work: &'a Path,
    /// Limits.
    pub limits: NativeLimits,
}

/// Where a native run's stdin and stdout go, when not the defaults (stdin
/// empty, stdout captured into [`NativeOutcome::stdout`]).
#[derive(Debug, Default)]
pub struct NativeIo {
    /// Read by the program as its stdin: a file opened by us, or a pipe.
    pub stdin: Option<OwnedFd>,
    /// Written by the program as its stdout (then nothing is captured).
    pub stdout: Option<OwnedFd>,
}

/// What a native run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeOutcome {
    /// How it ended, CPU time, wall time, stderr.
    pub run: RunOutcome,
    /// stdout, capped.
    pub stdout: Vec<u8>,
    /// Whether stdout or stderr passed its cap.
    pub truncated: bool,
}

/// The uid and gid bubblewrap is started as when we are root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RunAs {
    uid: u32,
    gid: u32,
}

/// The native sandbox: where bubblewrap is, whom it runs as, and the
/// compiled seccomp programs.
#[derive(Debug)]
pub struct NativeSandbox {
    bwrap: PathBuf,
    run_as: Option<RunAs>,
    cgroups: Option<Cgroups>,
    allow_list: Vec<u8>,
    clone3_enosys: Vec<u8>,
}

impl NativeSandbox {
    /// Finds bubblewrap and, when we are root, the sandbox user; compiles
    /// the seccomp filters.
    pub fn new() -> Result<NativeSandbox, SandboxError> {
        let bwrap = PathBuf::from(BWRAP);
        if !bwrap.is_file() {
            return Err(SandboxError::BwrapMissing { path: bwrap });
        }
        let run_as = if rustix::process::geteuid().is_root() {
            Some(match passwd_entry(SANDBOX_USER) {
                Some((uid, gid)) => RunAs { uid, gid },
                None => {
                    tracing::warn!(
                        user = SANDBOX_USER,
                        "no such user (installer/lib.sh creates it): the native sandbox runs as nobody"
                    );
                    RunAs {
                        uid: 65534,
                        gid: 65534,
                    }
                }
            })
        } else {
            None
        };
        let cgroups = Cgroups::detect();
        match &cgroups {
            Some(c) => tracing::debug!(version = c.version(), "native runs get a cgroup"),
            None => tracing::info!(
                "no cgroup we may create (not root, or no memory controller): native runs \
                 are limited by rlimits alone and their peak memory is not measured"
            ),
        }
        Ok(NativeSandbox {
            bwrap,
            run_as,
            cgroups,
            allow_list: seccomp::to_bytes(&seccomp::allow_list()?),
            clone3_enosys: seccomp::to_bytes(&seccomp::clone3_enosys()?),
        })
    }

    /// The cgroup hierarchy runs are measured in, if any.
    pub fn cgroups(&self) -> Option<&Cgroups> {
        self.cgroups.as_ref()
    }

    /// The host uid sandboxed programs run as.
    pub fn host_uid(&self) -> u32 {
        self.run_as
            .map_or_else(|| rustix::process::getuid().as_raw(), |r| r.uid)
    }

    /// A fresh private folder for [`NativeSpec::work`], writable by the
    /// sandbox user (and by no one else but us).
    pub fn work_dir(&self, prefix: &str) -> Result<tempfile::TempDir, SandboxError> {
        let dir = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir_in(std::env::temp_dir())?;
        if let Some(r) = self.run_as {
            std::os::unix::fs::chown(dir.path(), Some(r.uid), Some(r.gid))?;
        }
        Ok(dir)
    }

    /// Runs the steps of `spec` in a fresh sandbox, with empty stdin and
    /// captured stdout.
    pub fn run(&self, spec: &NativeSpec<'_>) -> Result<NativeOutcome, SandboxError> {
        self.run_with_io(spec, NativeIo::default())
    }

    /// Runs `spec` talking through in-memory pipes: `from` is what it reads
    /// (another program's output), `to` gets what it writes. Two host
    /// threads pump bytes between those and its OS pipes. When it ends,
    /// `to` ends and `from` has no reader any more.
    pub fn run_piped(
        &self,
        spec: &NativeSpec<'_>,
        from: &Pipe,
        to: &Pipe,
    ) -> Result<NativeOutcome, SandboxError> {
        let (stdin_read, mut stdin_write) = std::io::pipe()?;
        let (mut stdout_read, stdout_write) = std::io::pipe()?;
        std::thread::scope(|scope| {
            let into = std::thread::Builder::new()
                .name("native-stdin".into())
                .spawn_scoped(scope, move || {
                    while let Some(bytes) = from.read_blocking(64 << 10) {
                        if stdin_write.write_all(&bytes).is_err() {
                            break;
                        }
                    }
                    // the write end drops here: the program sees end of file
                    from.close_reader();
                })?;
            let out_of = std::thread::Builder::new()
                .name("native-stdout".into())
                .spawn_scoped(scope, move || {
                    let mut buf = vec![0u8; 64 << 10];
                    // past the cap the rest is drained, so the program never blocks
                    while let Ok(n @ 1..) = stdout_read.read(&mut buf) {
                        to.write_from_host(&buf[..n]);
                    }
                    to.close();
                })?;
            let out = self.run_with_io(
                spec,
                NativeIo {
                    stdin: Some(OwnedFd::from(stdin_read)),
                    stdout: Some(OwnedFd::from(stdout_write)),
                },
            );
            // Its processes are gone: its stdout has ended, and its stdin has
            // no reader, so the pump into it stops too.
            from.close_reader();
            let _ = out_of.join();
            let _ = into.join();
            out
        })
    }

    /// Runs the steps of `spec` in a fresh sandbox with the given stdin
    /// and stdout.
    pub fn run_with_io(
        &self,
        spec: &NativeSpec<'_>,
        io: NativeIo,
    ) -> Result<NativeOutcome, SandboxError> {
        let limits = spec.limits;
        let mut cmd = Command::new(&self.bwrap);
        cmd.args([
            "--unshare-all",
            "--unshare-user",
            "--disable-userns",
            "--die-with-parent",
            // the script is pid 1: one fork less, and when it ends the
            // kernel ends every other process of the sandbox
            "--as-pid-1",
            "--new-session",
            "--uid",
            INSIDE_ID,
            "--gid",
            INSIDE_ID,
            "--hostname",
            "judge",
            "--clearenv",
        ]);
        for m in &spec.mounts {
            cmd.arg(if m.required {
                "--ro-bind"
            } else {
                "--ro-bind-try"
            })
            .arg(&m.host)
            .arg(&m.guest);
        }
        cmd.args(["--symlink", "usr/bin", "/bin"])
            .args(["--symlink", "usr/lib", "/lib"])
            .args(["--symlink", "usr/lib64", "/lib64"])
            // compilers read /proc/self (rustc finds its sysroot there) and
            // no device but /dev/null
            .args(["--proc", "/proc", "--dev-bind", "/dev/null", "/dev/null"]);
        if limits.tmp_bytes > 0 {
            cmd.args(["--size", &limits.tmp_bytes.to_string(), "--tmpfs", "/tmp"]);
        }
        cmd.arg("--bind")
            .arg(spec.work)
            .arg(WORK_DIR)
            .args(["--chdir", WORK_DIR])
            .args(["--setenv", "PATH", "/usr/bin"])
            .args(["--setenv", "HOME", "/tmp"])
            .args(["--setenv", "TMPDIR", "/tmp"]);
        for (k, v) in &spec.env {
            cmd.args(["--setenv", k, v]);
        }
        cmd.args(["--add-seccomp-fd", &FD_ALLOW.to_string()])
            .args(["--add-seccomp-fd", &FD_CLONE3.to_string()])
            .args(["--", "/bin/sh", "-c", &script(&spec.steps, limits)?]);
        cmd.env_clear()
            .stdin(io.stdin.map_or_else(Stdio::null, Stdio::from))
            .stdout(io.stdout.map_or_else(Stdio::piped, Stdio::from))
            .stderr(Stdio::piped());
        if let Some(r) = self.run_as {
            use std::os::unix::process::CommandExt;
            // std drops the supplementary groups too when it leaves root.
            cmd.uid(r.uid).gid(r.gid);
        }

        // What bubblewrap reads at fds 3 and 4 and the script writes at 5,
        // first moved above 10 so that placing them cannot overwrite one another.
        let allow = filled_pipe(&self.allow_list)?;
        let clone3 = filled_pipe(&self.clone3_enosys)?;
        let (started_read, started_write) = std::io::pipe()?;
        let started_write: OwnedFd = started_write.into();
        let moves = [
            (high_fd(&allow)?, FD_ALLOW),
            (high_fd(&clone3)?, FD_CLONE3),
            (high_fd(&started_write)?, FD_STARTED),
        ];
        let raw = moves.each_ref().map(|(fd, to)| (fd.as_raw_fd(), *to));
        let group: Option<RunCgroup> = match (limits.memory_bytes, &self.cgroups) {
            (Some(bytes), Some(c)) => Some(c.create(bytes)?),
            _ => None,
        };
        let join_fds = group.as_ref().map(RunCgroup::procs_fds).unwrap_or_default();
        let cpu = limits.cpu.as_secs().max(1);
        let (address_space, file_size, open_files) = (
            limits.address_space_bytes,
            limits.file_bytes,
            limits.open_files,
        );
        #[allow(unsafe_code)]
        // SAFETY: the closure runs in the forked child before exec. It only
        // calls dup2, close_range and setrlimit, which are async-signal-safe, on
        // descriptors that stay open in the parent until spawn returns, and
        // allocates nothing.
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(move || {
                // into the run's cgroup before anything is started
                for fd in &join_fds {
                    if libc::write(*fd, b"0".as_ptr().cast(), 1) != 1 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                for (from, to) in raw {
                    if libc::dup2(from, to) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                // Nothing else the judgehost inherited or opened reaches the
                // sandbox (marked close-on-exec rather than closed: std
                // reports a failed exec through one of them).
                if libc::close_range(
                    FD_STARTED as u32 + 1,
                    u32::MAX,
                    libc::CLOSE_RANGE_CLOEXEC as i32,
                ) < 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                use rlimit::{Resource, setrlimit};
                setrlimit(Resource::CPU, cpu, cpu + 1)?;
                setrlimit(Resource::AS, address_space, address_space)?;
                setrlimit(Resource::FSIZE, file_size, file_size)?;
                setrlimit(Resource::NOFILE, open_files, open_files)?;
                setrlimit(Resource::CORE, 0, 0)?;
                Ok(())
            });
        }
        let start = Instant::now();
        let deadline = start + limits.wall;
        let mut child = cmd.spawn()?;
        // The command holds the parent's copies of the stdio ends given to
        // the child: a pipe would never see its end while they live.
        drop(cmd);
        drop(moves);
        drop((allow, clone3, started_write));
        let pid = rustix::process::Pid::from_child(&child);
        let pidfd = rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty())
            .map_err(std::io::Error::from)?;
        let mut stdout = Capture::new(child.stdout.take(), limits.stdout_bytes);
        let mut stderr = Capture::new(child.stderr.take(), limits.stderr_bytes);

        let mut timed_out = false;
        loop {
            let now = Instant::now();
            if now >= deadline {
                timed_out = true;
                break;
            }
            if wait_readable(
                Some(&pidfd),
                &mut [&mut stdout, &mut stderr],
                deadline - now,
            )? {
                break;
            }
        }
        if timed_out {
            // bubblewrap dies; the sandbox's pid 1 follows (die-with-parent),
            // and with it every process of its pid namespace.
            let _ = child.kill();
        }
        let status = child.wait()?;
        let wall = start.elapsed();
        // Everything that held the pipes is gone now; what is left is buffered.
        let drain_until = Instant::now() + Duration::from_secs(2);
        while !(stdout.done() && stderr.done()) && Instant::now() < drain_until {
            let left = drain_until - Instant::now();
            wait_readable(None, &mut [&mut stdout, &mut stderr], left)?;
        }
        let mut report = String::new();
        let _ = std::fs::File::from(OwnedFd::from(started_read))
            .take(4096)
            .read_to_string(&mut report);
        let started = report.starts_with('s');
        // after a kill the script could not tell: the wall time stands in
        let usage = group.as_ref().map(RunCgroup::usage);
        let cpu_used = match usage {
            Some(u) => u.cpu,
            None => children_cpu_time(&report[started as usize..]).unwrap_or(wall),
        };

        use std::os::unix::process::ExitStatusExt as _;
        let termination = if timed_out {
            Termination::WallTimeout
        } else if let Some(sig) = status.signal() {
            // bubblewrap itself was killed: not by us, so by its limits
            signal_termination(sig)
        } else {
            let code = status.code().unwrap_or(-1);
            if !started {
                let message = String::from_utf8_lossy(&stderr.bytes).trim().to_owned();
                tracing::error!(code, %message, "native sandbox did not start");
                return Err(SandboxError::NativeSetup(if message.is_empty() {
                    format!("bubblewrap exited with {code}")
                } else {
                    message
                }));
            }
            // bubblewrap reports a child killed by signal N as 128 + N.
            match code {
                129..=192 => signal_termination(code - 128),
                c => Termination::Exited(c),
            }
        };
        let termination = match usage {
            // the kernel's OOM killer ended a process of the run: the run
            // as a whole reached its memory limit
            Some(u) if u.oom_kills > 0 => Termination::MemoryLimit,
            _ => termination,
        };
        Ok(NativeOutcome {
            run: RunOutcome {
                termination,
                cpu: CpuUsed::Measured(cpu_used),
                wall,
                peak_memory: usage.map_or(0, |u| u.peak_bytes as usize),
                stderr: stderr.bytes,
            },
            stdout: stdout.bytes,
            truncated: stdout.dropped + stderr.dropped > 0,
        })
    }
}

fn signal_termination(sig: i32) -> Termination {
    match sig {
        libc::SIGXCPU => Termination::CpuTimeLimit,
        libc::SIGXFSZ => Termination::FileSizeLimit,
        s => Termination::Signaled(s),
    }
}

/// The shell script that runs the steps: it says it started (fd 5), sets
/// the process limit (inside the new user namespace, so it counts only the
/// sandbox's own processes), runs each step with its file-size limit and
/// without fd 5, stops at the first failure, and reports the CPU time of
/// the steps on fd 5 (`times`).
fn script(steps: &[NativeStep], limits: NativeLimits) -> Result<String, SandboxError> {
    if steps.is_empty() {
        return Err(SandboxError::NativeSetup("nothing to run".into()));
    }
    let fd = FD_STARTED;
    let mut s = format!(
        "printf s >&{fd} || exit 126\nulimit -p {} || exit 126\n",
        limits.processes
    );
    for step in steps {
        let bytes = step
            .file_bytes
            .map_or(limits.file_bytes, |b| b.min(limits.file_bytes));
        let quoted = shlex::try_join(step.argv.iter().map(String::as_str))
            .map_err(|e| SandboxError::NativeSetup(format!("argument cannot be quoted: {e}")))?;
        let stack = step.stack_bytes.map_or(String::new(), |b| {
            format!("ulimit -s {} || exit 126\n", b.div_ceil(1024))
        });
        s.push_str(&format!(
            "ulimit -S -f {} || exit 126\n{stack}{quoted} {fd}>&-\nst=$?\n\
             [ $st -eq 0 ] || {{ times >&{fd}; exit $st; }}\n",
            bytes.div_ceil(512)
        ));
    }
    s.push_str(&format!("times >&{fd}\n"));
    Ok(s)
}

/// A pipe whose read end holds `bytes` (a seccomp program: a few KiB, well
/// inside a pipe's buffer).
fn filled_pipe(bytes: &[u8]) -> Result<OwnedFd, SandboxError> {
    let (read, mut write) = std::io::pipe()?;
    write.write_all(bytes)?;
    Ok(read.into())
}

fn high_fd(fd: &impl AsFd) -> Result<OwnedFd, SandboxError> {
    Ok(rustix::io::fcntl_dupfd_cloexec(fd, 10).map_err(std::io::Error::from)?)
}

/// stdout or stderr of the sandbox, read as it comes, the first `cap` bytes kept.
struct Capture {
    pipe: Option<std::fs::File>,
    bytes: Vec<u8>,
    cap: usize,
    dropped: usize,
}

impl Capture {
    fn new(pipe: Option<impl Into<OwnedFd>>, cap: usize) -> Capture {
        Capture {
            pipe: pipe.map(|p| std::fs::File::from(p.into())),
            bytes: Vec::new(),
            cap,
            dropped: 0,
        }
    }

    fn done(&self) -> bool {
        self.pipe.is_none()
    }

    /// Reads what is there (the pipe said it is readable).
    fn read_some(&mut self) {
        let Some(pipe) = &mut self.pipe else { return };
        let mut buf = [0u8; 16 << 10];
        match pipe.read(&mut buf) {
            Ok(0) | Err(_) => self.pipe = None,
            Ok(n) => {
                let keep = n.min(self.cap.saturating_sub(self.bytes.len()));
                self.bytes.extend_from_slice(&buf[..keep]);
                self.dropped += n - keep;
            }
        }
    }
}

/// Waits up to `timeout` for output or the exit of the process (if a
/// `pidfd` is given); reads what came. `true` once the process has exited.
fn wait_readable(
    pidfd: Option<&OwnedFd>,
    captures: &mut [&mut Capture],
    timeout: Duration,
) -> Result<bool, SandboxError> {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let ready = {
        let mut fds = Vec::new();
        if let Some(pidfd) = pidfd {
            fds.push(PollFd::new(pidfd, PollFlags::IN));
        }
        let skip = fds.len();
        let mut owners = Vec::new();
        for (i, c) in captures.iter().enumerate() {
            if let Some(p) = &c.pipe {
                fds.push(PollFd::new(p, PollFlags::IN));
                owners.push(i);
            }
        }
        let timeout = Timespec {
            tv_sec: timeout.as_secs() as i64,
            tv_nsec: i64::from(timeout.subsec_nanos()),
        };
        match poll(&mut fds, Some(&timeout)) {
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => return Ok(false),
            Err(e) => return Err(std::io::Error::from(e).into()),
        }
        let exited = skip == 1 && !fds[0].revents().is_empty();
        let readable: Vec<usize> = fds[skip..]
            .iter()
            .zip(&owners)
            .filter(|(fd, _)| !fd.revents().is_empty())
            .map(|(_, i)| *i)
            .collect();
        (exited, readable)
    };
    for i in ready.1 {
        captures[i].read_some();
    }
    Ok(ready.0)
}

/// CPU time of the steps (user + system of the script's children, as the
/// shell's `times` reports it: "0m0.01s 0m0.00s" for the shell, then the
/// same for its children).
fn children_cpu_time(times: &str) -> Option<Duration> {
    let line = times.lines().nth(1)?;
    let mut total = Duration::ZERO;
    for field in line.split_whitespace().take(2) {
        let (min, sec) = field.strip_suffix('s')?.split_once('m')?;
        total += Duration::from_secs(min.parse::<u64>().ok()? * 60)
            + Duration::from_secs_f64(sec.parse::<f64>().ok()?);
    }
    Some(total)
}

/// The uid and gid of `user` from `/etc/passwd`.
fn passwd_entry(user: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        (f.len() >= 4 && f[0] == user).then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> NativeLimits {
        NativeLimits {
            wall: Duration::from_secs(10),
            cpu: Duration::from_secs(5),
            address_space_bytes: 1 << 30,
            memory_bytes: None,
            file_bytes: 1 << 20,
            processes: 16,
            open_files: 64,
            tmp_bytes: 1 << 20,
            stdout_bytes: 1 << 10,
            stderr_bytes: 1 << 10,
        }
    }

    #[test]
    fn steps_become_one_quoted_script() {
        let s = script(
            &[
                NativeStep::new(vec!["/usr/bin/cc".into(), "a b.c".into(), "it's".into()]),
                NativeStep {
                    argv: vec!["/usr/bin/ld".into(), "-o".into(), "x".into()],
                    file_bytes: Some(1024),
                    stack_bytes: None,
                },
            ],
            limits(),
        )
        .expect("script");
        assert_eq!(
            s,
            "printf s >&5 || exit 126\n\
             ulimit -p 16 || exit 126\n\
             ulimit -S -f 2048 || exit 126\n\
             /usr/bin/cc 'a b.c' \"it's\" 5>&-\n\
             st=$?\n[ $st -eq 0 ] || { times >&5; exit $st; }\n\
             ulimit -S -f 2 || exit 126\n\
             /usr/bin/ld -o x 5>&-\n\
             st=$?\n[ $st -eq 0 ] || { times >&5; exit $st; }\n\
             times >&5\n"
        );
        assert_eq!(
            children_cpu_time("0m0.001s 0m0.002s\n1m2.500000s 0m0.250000s\n"),
            Some(Duration::from_millis(62_750))
        );
        assert_eq!(children_cpu_time("garbage"), None);
        assert!(script(&[], limits()).is_err());
    }

    #[test]
    fn passwd_lines_are_read() {
        assert_eq!(passwd_entry("root"), Some((0, 0)));
        assert_eq!(passwd_entry("no-such-user-here"), None);
    }
}
