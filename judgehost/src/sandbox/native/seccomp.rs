//! The seccomp policy of native runs, compiled to BPF with `seccompiler`
//! (rust-vmm's, as Firecracker uses) and handed to bubblewrap.
//!
//! An allow-list: what compilers and the shell need to read, write, map
//! memory, make threads and child processes, and wait. Everything else fails
//! with `EPERM`, among it: sockets (but for a unix `socketpair`, which the
//! JVM needs and which reaches nothing), `ptrace`, mounts, new namespaces (also
//! through `clone` flags), keyrings, `bpf`, `perf_event_open`, `io_uring`,
//! `userfaultfd`, module loading, `process_vm_*`, `personality`, chown.
//!
//! `clone3` passes its flags in memory, out of a filter's reach, so a second
//! filter answers it with `ENOSYS`; glibc then falls back to `clone`, whose
//! flags the allow-list checks.

// `c_long` syscall numbers and ioctl request types are `i64`/`u64` on the
// 64-bit targets we build for, but not by definition: the casts stay.
#![allow(clippy::unnecessary_cast)]

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

use crate::sandbox::SandboxError;

fn arch() -> Result<TargetArch, SandboxError> {
    TargetArch::try_from(std::env::consts::ARCH)
        .map_err(|e| SandboxError::NativeSetup(format!("seccomp: {e:?}")))
}

fn err(e: impl std::fmt::Debug) -> SandboxError {
    SandboxError::NativeSetup(format!("seccomp filter: {e:?}"))
}

/// System calls allowed whatever their arguments.
#[rustfmt::skip]
const ALLOWED: &[libc::c_long] = &[
    // files and folders
    libc::SYS_read, libc::SYS_write, libc::SYS_readv, libc::SYS_writev,
    libc::SYS_pread64, libc::SYS_pwrite64, libc::SYS_preadv, libc::SYS_pwritev,
    libc::SYS_preadv2, libc::SYS_pwritev2, libc::SYS_lseek, libc::SYS_close,
    libc::SYS_close_range, libc::SYS_openat, libc::SYS_newfstatat, libc::SYS_fstat,
    libc::SYS_statx, libc::SYS_faccessat, libc::SYS_faccessat2, libc::SYS_readlinkat,
    libc::SYS_getdents64, libc::SYS_mkdirat, libc::SYS_unlinkat, libc::SYS_renameat,
    libc::SYS_renameat2, libc::SYS_symlinkat, libc::SYS_linkat, libc::SYS_fchmod,
    libc::SYS_fchmodat, libc::SYS_utimensat, libc::SYS_ftruncate, libc::SYS_truncate,
    libc::SYS_fsync, libc::SYS_fdatasync, libc::SYS_fallocate, libc::SYS_fadvise64,
    libc::SYS_copy_file_range, libc::SYS_sendfile, libc::SYS_getcwd, libc::SYS_chdir,
    libc::SYS_fchdir, libc::SYS_umask, libc::SYS_fcntl, libc::SYS_flock, libc::SYS_dup,
    libc::SYS_dup3, libc::SYS_pipe2, libc::SYS_statfs, libc::SYS_fstatfs,
    libc::SYS_getxattr, libc::SYS_lgetxattr, libc::SYS_fgetxattr,
    // memory
    libc::SYS_mmap, libc::SYS_munmap, libc::SYS_mprotect, libc::SYS_mremap,
    libc::SYS_madvise, libc::SYS_msync, libc::SYS_mincore, libc::SYS_brk,
    libc::SYS_membarrier,
    // signals (kill reaches only the sandbox's own pid namespace)
    libc::SYS_rt_sigaction, libc::SYS_rt_sigprocmask, libc::SYS_rt_sigreturn,
    libc::SYS_rt_sigsuspend, libc::SYS_rt_sigtimedwait, libc::SYS_sigaltstack,
    libc::SYS_kill, libc::SYS_tgkill, libc::SYS_tkill, libc::SYS_restart_syscall,
    // processes and threads (clone is checked below; clone3 gets ENOSYS)
    libc::SYS_clone3, libc::SYS_execve, libc::SYS_execveat, libc::SYS_exit,
    libc::SYS_exit_group, libc::SYS_wait4, libc::SYS_waitid, libc::SYS_getpid,
    libc::SYS_getppid, libc::SYS_gettid, libc::SYS_getuid, libc::SYS_geteuid,
    libc::SYS_getgid, libc::SYS_getegid, libc::SYS_getgroups, libc::SYS_getresuid,
    libc::SYS_getresgid, libc::SYS_getpgid, libc::SYS_getsid, libc::SYS_setpgid,
    libc::SYS_set_tid_address, libc::SYS_set_robust_list, libc::SYS_get_robust_list,
    libc::SYS_rseq, libc::SYS_futex, libc::SYS_futex_waitv, libc::SYS_prctl,
    libc::SYS_sched_yield, libc::SYS_sched_getaffinity, libc::SYS_sched_setaffinity,
    libc::SYS_sched_getparam, libc::SYS_sched_getscheduler, libc::SYS_getpriority,
    libc::SYS_uname, libc::SYS_sysinfo, libc::SYS_getrusage, libc::SYS_times,
    libc::SYS_getrlimit, libc::SYS_setrlimit, libc::SYS_prlimit64, libc::SYS_getrandom,
    // time and waiting
    libc::SYS_nanosleep, libc::SYS_clock_nanosleep, libc::SYS_clock_gettime,
    libc::SYS_clock_getres, libc::SYS_gettimeofday, libc::SYS_getitimer,
    libc::SYS_setitimer, libc::SYS_ppoll, libc::SYS_pselect6, libc::SYS_epoll_create1,
    libc::SYS_epoll_ctl, libc::SYS_epoll_pwait, libc::SYS_epoll_pwait2, libc::SYS_eventfd2,
];

/// The x86-64 forms of the same calls that newer architectures dropped.
#[cfg(target_arch = "x86_64")]
#[rustfmt::skip]
const ALLOWED_LEGACY: &[libc::c_long] = &[
    libc::SYS_open, libc::SYS_creat, libc::SYS_stat, libc::SYS_lstat, libc::SYS_access,
    libc::SYS_readlink, libc::SYS_getdents, libc::SYS_mkdir, libc::SYS_rmdir,
    libc::SYS_unlink, libc::SYS_rename, libc::SYS_symlink, libc::SYS_link, libc::SYS_chmod,
    libc::SYS_utime, libc::SYS_utimes, libc::SYS_dup2, libc::SYS_pipe, libc::SYS_fork,
    libc::SYS_vfork, libc::SYS_getpgrp, libc::SYS_arch_prctl, libc::SYS_poll,
    libc::SYS_select, libc::SYS_epoll_create, libc::SYS_epoll_wait, libc::SYS_eventfd,
    libc::SYS_alarm, libc::SYS_time,
];
#[cfg(not(target_arch = "x86_64"))]
const ALLOWED_LEGACY: &[libc::c_long] = &[];

/// `ioctl` requests allowed: terminal queries and non-blocking mode.
const IOCTLS: &[u64] = &[
    libc::TCGETS as u64,
    libc::TIOCGWINSZ as u64,
    libc::FIONREAD as u64,
    libc::FIONBIO as u64,
    libc::FIOCLEX as u64,
    libc::FIONCLEX as u64,
];

/// `clone` flags that make namespaces: refused.
const NAMESPACE_FLAGS: u64 = (libc::CLONE_NEWNS
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUSER
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWCGROUP) as u64;

/// The allow-list filter.
pub fn allow_list() -> Result<BpfProgram, SandboxError> {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = ALLOWED
        .iter()
        .chain(ALLOWED_LEGACY)
        .map(|&nr| (nr as i64, Vec::new()))
        .collect();
    let ioctl: Vec<SeccompRule> = IOCTLS
        .iter()
        .map(|&req| {
            SeccompRule::new(vec![
                SeccompCondition::new(1, SeccompCmpArgLen::Dword, SeccompCmpOp::Eq, req)
                    .map_err(err)?,
            ])
            .map_err(err)
        })
        .collect::<Result<_, _>>()?;
    rules.insert(libc::SYS_ioctl as i64, ioctl);
    // On x86-64 and aarch64 the flags are clone's first argument.
    let clone = SeccompRule::new(vec![
        SeccompCondition::new(
            0,
            SeccompCmpArgLen::Qword,
            SeccompCmpOp::MaskedEq(NAMESPACE_FLAGS),
            0,
        )
        .map_err(err)?,
    ])
    .map_err(err)?;
    rules.insert(libc::SYS_clone as i64, vec![clone]);
    // The JVM makes a connected pair of unix sockets as it starts (to close
    // files safely); that is no way out of the sandbox, which has no network
    // and no unix socket to reach. No other socket is allowed.
    let unix_pair = SeccompRule::new(vec![
        SeccompCondition::new(
            0,
            SeccompCmpArgLen::Dword,
            SeccompCmpOp::Eq,
            libc::AF_UNIX as u64,
        )
        .map_err(err)?,
    ])
    .map_err(err)?;
    rules.insert(libc::SYS_socketpair as i64, vec![unix_pair]);
    SeccompFilter::new(
        rules,
        SeccompAction::Errno(libc::EPERM as u32),
        SeccompAction::Allow,
        arch()?,
    )
    .map_err(err)?
    .try_into()
    .map_err(err)
}

/// The filter that answers `clone3` with `ENOSYS`.
pub fn clone3_enosys() -> Result<BpfProgram, SandboxError> {
    let rules = BTreeMap::from([(libc::SYS_clone3 as i64, Vec::new())]);
    SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::ENOSYS as u32),
        arch()?,
    )
    .map_err(err)?
    .try_into()
    .map_err(err)
}

/// A program as the kernel (and bubblewrap's `--add-seccomp-fd`) reads it:
/// `struct sock_filter` after `struct sock_filter`, in native byte order.
pub fn to_bytes(program: &BpfProgram) -> Vec<u8> {
    let mut out = Vec::with_capacity(program.len() * 8);
    for f in program {
        out.extend_from_slice(&f.code.to_ne_bytes());
        out.push(f.jt);
        out.push(f.jf);
        out.extend_from_slice(&f.k.to_ne_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filters_compile() {
        let allow = allow_list().expect("allow-list");
        assert!(allow.len() > ALLOWED.len(), "{} instructions", allow.len());
        assert_eq!(to_bytes(&allow).len(), allow.len() * 8);
        assert!(!clone3_enosys().expect("clone3").is_empty());
    }
}
