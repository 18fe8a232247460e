//! A control group per native run: a memory limit the kernel enforces on
//! the whole process tree (a JVM's heap, threads and JIT included), its
//! peak memory, the CPU time of every process in it (orphans included), and
//! whether the kernel's OOM killer stepped in.
//!
//! Both hierarchies: cgroup v2 where its memory controller is enabled, else
//! cgroup v1's `memory` and `cpuacct` controllers (this Debian machine's
//! kernel mounts v2 without the memory controller). Creating groups needs
//! root (or a delegated subtree); without them a run falls back to rlimits
//! and the shell's CPU times, and peak memory is unknown.

use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const ROOT: &str = "/sys/fs/cgroup";
/// Our folder under each hierarchy's root.
const OURS: &str = "floorjudge";

/// Which hierarchy, and where our parent groups are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cgroups {
    /// Unified hierarchy: one parent with `memory` and `cpu` enabled.
    V2 {
        /// `/sys/fs/cgroup/floorjudge`.
        parent: PathBuf,
    },
    /// Legacy hierarchy: one parent per controller.
    V1 {
        /// `/sys/fs/cgroup/memory/floorjudge`.
        memory: PathBuf,
        /// `/sys/fs/cgroup/cpuacct/floorjudge`.
        cpuacct: PathBuf,
    },
}

/// What a run's group measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CgroupUsage {
    /// Most memory the group used at once, bytes.
    pub peak_bytes: u64,
    /// CPU time of every process that ran in it.
    pub cpu: Duration,
    /// How many times the OOM killer killed one of its processes.
    pub oom_kills: u64,
}

/// The group of one run; removed when dropped.
#[derive(Debug)]
pub struct RunCgroup {
    /// Our group in each hierarchy (one for v2, memory and cpuacct for v1).
    dirs: Vec<PathBuf>,
    /// Their `cgroup.procs`, open for writing: the child writes `0` to each
    /// before it execs, which moves it (and all it starts) inside.
    procs: Vec<File>,
    v2: bool,
}

fn read_u64(path: &Path) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// `key value` lines (`memory.events`, `cpu.stat`, `memory.oom_control`).
fn keyed(path: &Path, key: &str) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok())?
    })
}

impl Cgroups {
    /// Finds a hierarchy we may create groups in, and makes our parents.
    pub fn detect() -> Option<Cgroups> {
        Self::detect_v2().or_else(Self::detect_v1)
    }

    fn detect_v2() -> Option<Cgroups> {
        let root = Path::new(ROOT);
        let controllers = std::fs::read_to_string(root.join("cgroup.controllers")).ok()?;
        if !controllers.split_whitespace().any(|c| c == "memory") {
            return None;
        }
        let parent = root.join(OURS);
        std::fs::create_dir_all(&parent).ok()?;
        // Children of the root may use memory and cpu only if it hands them down.
        let _ = std::fs::write(root.join("cgroup.subtree_control"), "+memory +cpu");
        std::fs::write(parent.join("cgroup.subtree_control"), "+memory +cpu").ok()?;
        Self::sweep(&parent);
        Some(Cgroups::V2 { parent })
    }

    fn detect_v1() -> Option<Cgroups> {
        let memory = Path::new(ROOT).join("memory").join(OURS);
        let cpuacct = Path::new(ROOT).join("cpuacct").join(OURS);
        if !Path::new(ROOT)
            .join("memory/memory.limit_in_bytes")
            .exists()
            || !Path::new(ROOT).join("cpuacct/cpuacct.usage").exists()
        {
            return None;
        }
        std::fs::create_dir_all(&memory).ok()?;
        std::fs::create_dir_all(&cpuacct).ok()?;
        Self::sweep(&memory);
        Self::sweep(&cpuacct);
        Some(Cgroups::V1 { memory, cpuacct })
    }

    /// Removes the groups of judgehost processes that are gone (killed
    /// before they could remove their own).
    fn sweep(parent: &Path) {
        let Ok(entries) = std::fs::read_dir(parent) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let Some(pid) = name
                .to_str()
                .and_then(|n| n.strip_prefix("run-"))
                .and_then(|n| n.split('-').next())
            else {
                continue;
            };
            if !Path::new("/proc").join(pid).exists() {
                let _ = std::fs::remove_dir(e.path());
            }
        }
    }

    /// `v1` or `v2`, for logs and `status`.
    pub fn version(&self) -> &'static str {
        match self {
            Cgroups::V2 { .. } => "v2",
            Cgroups::V1 { .. } => "v1",
        }
    }

    /// A new, empty group for one run that may use `memory_bytes`.
    pub fn create(&self, memory_bytes: u64) -> std::io::Result<RunCgroup> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "run-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut group = RunCgroup {
            dirs: Vec::new(),
            procs: Vec::new(),
            v2: matches!(self, Cgroups::V2 { .. }),
        };
        match self {
            Cgroups::V2 { parent } => {
                let dir = parent.join(&name);
                std::fs::create_dir(&dir)?;
                group.dirs.push(dir.clone());
                std::fs::write(dir.join("memory.max"), memory_bytes.to_string())?;
                // no swap to hide in
                let _ = std::fs::write(dir.join("memory.swap.max"), "0");
            }
            Cgroups::V1 { memory, cpuacct } => {
                let mem = memory.join(&name);
                std::fs::create_dir(&mem)?;
                group.dirs.push(mem.clone());
                std::fs::write(mem.join("memory.limit_in_bytes"), memory_bytes.to_string())?;
                let _ = std::fs::write(
                    mem.join("memory.memsw.limit_in_bytes"),
                    memory_bytes.to_string(),
                );
                let cpu = cpuacct.join(&name);
                std::fs::create_dir(&cpu)?;
                group.dirs.push(cpu);
            }
        }
        for dir in &group.dirs {
            group.procs.push(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(dir.join("cgroup.procs"))?,
            );
        }
        Ok(group)
    }
}

impl RunCgroup {
    /// The `cgroup.procs` files the child joins by writing `0`.
    pub fn procs_fds(&self) -> Vec<RawFd> {
        self.procs.iter().map(|f| f.as_raw_fd()).collect()
    }

    /// Joins the calling process (for tests and benches).
    pub fn join_self(&self) -> std::io::Result<()> {
        for mut f in &self.procs {
            f.write_all(b"0")?;
        }
        Ok(())
    }

    /// What the group measured so far.
    pub fn usage(&self) -> CgroupUsage {
        let Some(first) = self.dirs.first() else {
            return CgroupUsage::default();
        };
        if self.v2 {
            CgroupUsage {
                peak_bytes: read_u64(&first.join("memory.peak")).unwrap_or(0),
                cpu: Duration::from_micros(
                    keyed(&first.join("cpu.stat"), "usage_usec").unwrap_or(0),
                ),
                oom_kills: keyed(&first.join("memory.events"), "oom_kill").unwrap_or(0),
            }
        } else {
            let cpu = self
                .dirs
                .get(1)
                .and_then(|d| read_u64(&d.join("cpuacct.usage")));
            CgroupUsage {
                peak_bytes: read_u64(&first.join("memory.max_usage_in_bytes")).unwrap_or(0),
                cpu: Duration::from_nanos(cpu.unwrap_or(0)),
                oom_kills: keyed(&first.join("memory.oom_control"), "oom_kill").unwrap_or(0),
            }
        }
    }
}

impl Drop for RunCgroup {
    fn drop(&mut self) {
        self.procs.clear();
        for dir in &self.dirs {
            // The processes are dead once the sandbox's pid 1 is; their
            // exit may still be settling for a moment.
            for _ in 0..100 {
                match std::fs::remove_dir(dir) {
                    Ok(()) => break,
                    Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    Err(e) => {
                        tracing::warn!(group = %dir.display(), error = %e, "cannot remove a run's cgroup");
                        break;
                    }
                }
            }
        }
    }
}
