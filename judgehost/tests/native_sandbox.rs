//! The native sandbox as a program inside it sees it: the real bubblewrap,
//! namespaces, seccomp filter and rlimits, probed by shell commands and by a
//! small C program built natively with gcc.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use floorjudge_judgehost::sandbox::{
    Mount, NativeLimits, NativeOutcome, NativeSandbox, NativeSpec, NativeStep, SandboxError,
    Termination,
};

fn sandbox() -> &'static NativeSandbox {
    static S: OnceLock<NativeSandbox> = OnceLock::new();
    S.get_or_init(|| NativeSandbox::new().expect("bubblewrap is installed"))
}

fn limits() -> NativeLimits {
    NativeLimits {
        wall: Duration::from_secs(20),
        cpu: Duration::from_secs(10),
        address_space_bytes: 1 << 30,
        memory_bytes: None,
        file_bytes: 8 << 20,
        processes: 32,
        open_files: 64,
        tmp_bytes: 4 << 20,
        stdout_bytes: 64 << 10,
        stderr_bytes: 16 << 10,
    }
}

/// Only what a shell and coreutils need.
fn mounts() -> Vec<Mount> {
    vec![
        Mount::same_if_present("/usr/bin"),
        Mount::same_if_present(format!("/usr/lib/{}-linux-gnu", std::env::consts::ARCH)),
        Mount::same_if_present("/usr/lib64"),
    ]
}

fn sh(script: &str, work: &Path, limits: NativeLimits) -> NativeOutcome {
    sandbox()
        .run(&NativeSpec {
            steps: vec![NativeStep::new(vec![
                "/bin/sh".into(),
                "-c".into(),
                script.into(),
            ])],
            env: Vec::new(),
            mounts: mounts(),
            work,
            limits,
        })
        .expect("sandbox ran")
}

fn stdout(out: &NativeOutcome) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_program_sees_only_its_mounts_one_writable_folder_and_no_privilege() {
    let work = sandbox().work_dir("fj-test-").expect("work");
    std::fs::write(work.path().join("input.txt"), "hello").expect("write");
    let out = sh(
        "ls -a /; echo ---; ls /work; echo ---; id -u; grep -E '^(NoNewPrivs|Seccomp|CapEff|CapBnd):' /proc/self/status; \
         echo ---; echo; echo ---; ls /proc | grep -E '^[0-9]+$' | wc -l; hostname 2>/dev/null || cat /proc/sys/kernel/hostname; \
         echo ---; ls /proc/self/fd; echo ---; cat /proc/net/dev | tail -n +3 | cut -d: -f1; echo ---; \
         for p in /etc/passwd /etc/hostname /root /home /var /usr/local /usr/share /usr/include /tmp/x; do [ -e $p ] && echo SEEN $p; done; \
         echo made > /work/out.txt; echo made > /tmp/t && echo tmp-writable; touch /usr/bin/x 2>/dev/null && echo USR-WRITABLE; echo end",
        work.path(),
        limits(),
    );
    assert_eq!(out.run.termination, Termination::Exited(0), "{out:?}");
    let text = stdout(&out);
    let parts: Vec<&str> = text.split("---\n").collect();
    assert_eq!(parts.len(), 8, "{text}");
    let root: Vec<&str> = parts[0].lines().collect();
    assert_eq!(
        root,
        [
            ".", "..", "bin", "dev", "lib", "lib64", "proc", "tmp", "usr", "work"
        ],
        "{text}"
    );
    assert_eq!(parts[1].trim(), "input.txt");
    let status = parts[2];
    assert!(status.starts_with("60000\n"), "{status}");
    for want in [
        "NoNewPrivs:\t1",
        "Seccomp:\t2",
        "CapEff:\t0000000000000000",
        "CapBnd:\t0000000000000000",
    ] {
        assert!(status.contains(want), "{want} missing: {status}");
    }
    assert_ne!(sandbox().host_uid(), 0);
    let mut procs_and_host = parts[4].lines();
    let procs: u32 = procs_and_host
        .next()
        .expect("count")
        .trim()
        .parse()
        .expect("n");
    assert!(procs <= 6, "a fresh pid namespace: {procs} processes");
    assert_eq!(procs_and_host.next(), Some("judge"));
    let fds: Vec<&str> = parts[5].lines().collect();
    assert!(
        fds.iter().all(|fd| ["0", "1", "2", "3"].contains(fd)),
        "only stdio (and ls's own directory) are open: {fds:?}"
    );
    let interfaces: Vec<&str> = parts[6].split_whitespace().collect();
    assert!(interfaces.iter().all(|i| *i == "lo"), "{interfaces:?}");
    let rest = parts[7];
    assert!(!rest.contains("SEEN"), "{rest}");
    assert!(
        rest.contains("tmp-writable") && !rest.contains("USR-WRITABLE"),
        "{rest}"
    );
    assert!(rest.ends_with("end\n"), "{rest}");
    assert_eq!(
        std::fs::read_to_string(work.path().join("out.txt")).expect("written"),
        "made\n"
    );
}

/// Seen from the host, a sandboxed process runs as the sandbox user when we
/// are root, as our own uid otherwise; never as root.
#[test]
fn from_the_host_the_program_runs_unprivileged() {
    let work = sandbox().work_dir("fj-test-").expect("work");
    let path = work.path().to_owned();
    let runner = std::thread::spawn(move || {
        sh(
            "exec sleep 3.217",
            &path,
            NativeLimits {
                wall: Duration::from_millis(1500),
                ..limits()
            },
        )
    });
    let until = Instant::now() + Duration::from_secs(5);
    let mut uids = Vec::new();
    while uids.is_empty() && Instant::now() < until {
        for e in std::fs::read_dir("/proc").expect("proc").flatten() {
            let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else {
                continue;
            };
            if String::from_utf8_lossy(&cmd).contains("3.217") {
                let status = std::fs::read_to_string(e.path().join("status")).unwrap_or_default();
                if let Some(uid) = status.lines().find_map(|l| l.strip_prefix("Uid:")) {
                    uids.push(uid.split_whitespace().next().unwrap_or("").to_owned());
                }
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = runner.join().expect("runner");
    assert_eq!(out.run.termination, Termination::WallTimeout);
    let want = sandbox().host_uid().to_string();
    assert!(!uids.is_empty(), "the sandboxed sleep was never seen");
    assert!(uids.iter().all(|u| *u == want), "{uids:?} vs {want}");
    if rustix::process::geteuid().is_root() {
        assert_ne!(want, "0");
    }
}

#[test]
fn the_wall_clock_kills_the_whole_process_tree() {
    let work = sandbox().work_dir("fj-test-").expect("work");
    let start = Instant::now();
    let out = sh(
        "sleep 987.651 & (setsid sleep 987.652 &) ; sleep 987.653 & exec sleep 987.654",
        work.path(),
        NativeLimits {
            wall: Duration::from_millis(500),
            ..limits()
        },
    );
    assert_eq!(out.run.termination, Termination::WallTimeout);
    assert!(start.elapsed() < Duration::from_secs(5));
    let survivors = || {
        std::fs::read_dir("/proc")
            .expect("proc")
            .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
            .filter(|c| String::from_utf8_lossy(c).contains("987.65"))
            .count()
    };
    let until = Instant::now() + Duration::from_secs(3);
    while survivors() > 0 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(survivors(), 0, "a sandboxed process outlived its sandbox");
}

#[test]
fn rlimits_hold_inside() {
    let work = sandbox().work_dir("fj-test-").expect("work");
    let out = sh(
        "ulimit -t; ulimit -v; ulimit -f; ulimit -n; ulimit -p; ulimit -c",
        work.path(),
        limits(),
    );
    let l = limits();
    let want = format!(
        "{}\n{}\n{}\n{}\n{}\n0\n",
        l.cpu.as_secs(),
        l.address_space_bytes >> 10,
        l.file_bytes / 512,
        l.open_files,
        l.processes
    );
    assert_eq!(stdout(&out), want);
    // a file past the limit: SIGXFSZ
    let out = sh("yes | head -c 9000000 > /work/big", work.path(), limits());
    assert_eq!(out.run.termination, Termination::FileSizeLimit, "{out:?}");
    // a fork bomb stops at the process limit and the sandbox ends
    let out = sh(
        "i=0; while [ $i -lt 200 ]; do sleep 30 & i=$((i+1)); done 2>/dev/null; echo forked; jobs -p | wc -l",
        work.path(),
        NativeLimits {
            wall: Duration::from_secs(10),
            ..limits()
        },
    );
    let text = stdout(&out);
    let n: u32 = text
        .lines()
        .last()
        .unwrap_or("0")
        .trim()
        .parse()
        .unwrap_or(0);
    assert!(n < 32, "{n} processes: {text} {out:?}");
    // CPU time
    let start = Instant::now();
    let out = sh(
        "while :; do :; done",
        work.path(),
        NativeLimits {
            cpu: Duration::from_secs(1),
            ..limits()
        },
    );
    assert_eq!(out.run.termination, Termination::CpuTimeLimit, "{out:?}");
    assert!(start.elapsed() < Duration::from_secs(5));
    let cpu = match out.run.cpu {
        floorjudge_judgehost::sandbox::CpuUsed::Measured(d) => d,
        other => panic!("{other:?}"),
    };
    assert!(cpu >= Duration::from_millis(900), "{cpu:?}");
    assert!(!out.run.cpu.is_deterministic());
}

#[test]
fn output_is_capped_and_drained() {
    let work = sandbox().work_dir("fj-test-").expect("work");
    let out = sh(
        "yes | head -c 5000000; yes | head -c 5000000 >&2; echo done >&2",
        work.path(),
        limits(),
    );
    assert_eq!(out.run.termination, Termination::Exited(0));
    assert_eq!(out.stdout.len(), limits().stdout_bytes);
    assert_eq!(out.run.stderr.len(), limits().stderr_bytes);
    assert!(out.truncated);
}

#[test]
fn forbidden_system_calls_fail() {
    let tmp = tempfile::tempdir().expect("tmp");
    let src = tmp.path().join("probe.c");
    std::fs::write(
        &src,
        r#"
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
static void report(const char *what, long r) { printf("%s %ld %d\n", what, r, r < 0 ? errno : 0); }
int main(void) {
    report("socket", socket(AF_INET, SOCK_STREAM, 0));
    report("socket_unix", socket(AF_UNIX, SOCK_STREAM, 0));
    report("ptrace", ptrace(PTRACE_TRACEME, 0, 0, 0));
    report("mount", mount("none", "/tmp", "tmpfs", 0, 0));
    report("unshare", unshare(CLONE_NEWUSER));
    report("clone_newns", syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0));
    report("clone_newuser", syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0));
    report("setns", syscall(SYS_setns, 0, 0));
    report("clone3", syscall(SYS_clone3, 0, 0));
    report("chown", chown("/work/probe", 0, 0));
    report("keyctl", syscall(SYS_keyctl, 0, 0, 0, 0, 0));
    report("bpf", syscall(SYS_bpf, 0, 0, 0));
    report("perf_event_open", syscall(SYS_perf_event_open, 0, 0, -1, -1, 0));
    report("userfaultfd", syscall(SYS_userfaultfd, 0));
    report("io_uring_setup", syscall(SYS_io_uring_setup, 1, 0));
    report("personality", syscall(SYS_personality, 0xffffffff));
    pid_t p = fork();
    if (p == 0) _exit(7);
    report("fork", p > 0 ? 0 : -1);
    return 0;
}
"#,
    )
    .expect("write");
    let work = sandbox().work_dir("fj-test-").expect("work");
    let probe = work.path().join("probe");
    let ok = Command::new("gcc")
        .arg("-O1")
        .arg("-o")
        .arg(&probe)
        .arg(&src)
        .status()
        .expect("gcc");
    assert!(ok.success());
    let out = sandbox()
        .run(&NativeSpec {
            steps: vec![NativeStep::new(vec!["/work/probe".into()])],
            env: Vec::new(),
            mounts: mounts(),
            work: work.path(),
            limits: limits(),
        })
        .expect("ran");
    assert_eq!(out.run.termination, Termination::Exited(0), "{out:?}");
    let text = stdout(&out);
    let results: std::collections::HashMap<&str, (i64, i32)> = text
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (
                f[0],
                (f[1].parse().expect("r"), f[2].parse().expect("errno")),
            )
        })
        .collect();
    let (eperm, enosys) = (libc::EPERM, libc::ENOSYS);
    for call in [
        "socket",
        "socket_unix",
        "ptrace",
        "mount",
        "unshare",
        "clone_newns",
        "clone_newuser",
        "setns",
        "chown",
        "keyctl",
        "bpf",
        "perf_event_open",
        "userfaultfd",
        "io_uring_setup",
        "personality",
    ] {
        assert_eq!(results.get(call), Some(&(-1, eperm)), "{call}: {text}");
    }
    assert_eq!(results.get("clone3"), Some(&(-1, enosys)), "{text}");
    assert_eq!(results.get("fork"), Some(&(0, 0)), "{text}");
}

#[test]
fn a_setup_failure_is_our_error_with_bubblewraps_reason() {
    let work = sandbox().work_dir("fj-test-").expect("work");
    let err = sandbox()
        .run(&NativeSpec {
            steps: vec![NativeStep::new(vec!["/bin/true".into()])],
            env: Vec::new(),
            mounts: vec![Mount::at("/no/such/toolchain", "/opt/x")],
            work: work.path(),
            limits: limits(),
        })
        .expect_err("cannot mount");
    assert!(
        matches!(&err, SandboxError::NativeSetup(m) if m.contains("/no/such/toolchain")),
        "{err}"
    );
    // a program that merely says what bubblewrap would say is the program's business
    let out = sh("echo 'bwrap: fake' >&2; exit 1", work.path(), limits());
    assert_eq!(out.run.termination, Termination::Exited(1));
}

/// The judgehost run by an ordinary user: the same compile sandbox works
/// without root (a user namespace of its own, under the operator's uid).
#[test]
fn an_unprivileged_operator_judges_in_the_same_sandbox() {
    if !rustix::process::geteuid().is_root() {
        // we are the unprivileged operator already: the other tests cover it
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let bin = tmp.path().join("floorjudge-judgehost");
    std::fs::copy(env!("CARGO_BIN_EXE_floorjudge-judgehost"), &bin).expect("copy binary");
    let pkg = tmp.path().join("greetings");
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/sample-contest/greetings");
    for rel in ["problem.yaml", "data/sample/1.in", "data/sample/1.ans"] {
        std::fs::create_dir_all(pkg.join(rel).parent().expect("parent")).expect("mkdir");
        std::fs::copy(from.join(rel), pkg.join(rel)).expect("copy");
    }
    let src = tmp.path().join("hello.c");
    std::fs::write(
        &src,
        "#include <stdio.h>\nint main(void){char n[64];scanf(\"%63s\",n);printf(\"Hello, %s!\\n\",n);return 0;}\n",
    )
    .expect("write");
    for p in [&pkg, &pkg.join("data"), &pkg.join("data/sample")] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    use std::os::unix::process::CommandExt;
    let out = Command::new(&bin)
        .args(["judge", "--json", "--problem"])
        .arg(&pkg)
        .arg(&src)
        .env_clear()
        .env("HOME", tmp.path())
        .env("PATH", "/usr/bin:/bin")
        .uid(65534)
        .gid(65534)
        .output()
        .expect("judgehost ran");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v["verdict"], "AC", "{v}");
}

#[test]
fn a_cgroup_holds_the_whole_run_to_its_memory_and_measures_it() {
    let Some(cgroups) = sandbox().cgroups() else {
        // not root: reported, never passed silently
        eprintln!("SKIPPED: no cgroup this user may create (run as root)");
        return;
    };
    let work = sandbox().work_dir("fj-test-").expect("work");
    let with_memory = |bytes: u64| NativeLimits {
        address_space_bytes: 4 << 30,
        memory_bytes: Some(bytes),
        ..limits()
    };
    // a shell holding 40 MB in a variable fits in 256 MiB, and its peak is seen
    let fits = sh(
        "x=$(yes | head -c 40000000); echo ${#x}",
        work.path(),
        with_memory(256 << 20),
    );
    assert_eq!(fits.run.termination, Termination::Exited(0), "{fits:?}");
    // $(…) drops the last newline
    assert_eq!(stdout(&fits).trim(), "39999999");
    assert!(
        fits.run.peak_memory > 40_000_000,
        "{} cgroup peak: {}",
        cgroups.version(),
        fits.run.peak_memory
    );
    // the same across three processes is over 64 MiB: the OOM killer, MLE
    let over = sh(
        "for i in 1 2 3; do (x=$(yes | head -c 40000000); sleep 5) & done; wait",
        work.path(),
        with_memory(64 << 20),
    );
    assert_eq!(over.run.termination, Termination::MemoryLimit, "{over:?}");
    // CPU time counts every process of the run, including ones left running
    let busy = sh(
        "(i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done) & \
         (i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done) & wait",
        work.path(),
        with_memory(64 << 20),
    );
    assert_eq!(busy.run.termination, Termination::Exited(0), "{busy:?}");
    let floorjudge_judgehost::sandbox::CpuUsed::Measured(cpu) = busy.run.cpu else {
        panic!("native runs measure CPU time");
    };
    assert!(cpu > Duration::from_millis(100), "{cpu:?}");
}
