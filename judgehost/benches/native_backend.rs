//! The native backend next to the wasm one, measured in one run:
//! 1. per-run overhead of the same trivial C program (`hello.c`): a wasm
//!    module in the wasm sandbox, and the gcc build of it in the native
//!    sandbox (bubblewrap, with and without a cgroup), beside a plain
//!    fork/exec; plus Java's hello for scale;
//! 2. the spread (max/min) over 20 runs of a CPU-heavy program's measured
//!    time: Java CPU time from the cgroup, wasm fuel, and wall time of both.
//!
//! Run with `cargo bench -p floorjudge-judgehost --bench native_backend`
//! (as root for the cgroup figures).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use floorjudge_judgehost::jvm::{Jvm, JvmToolchain};
use floorjudge_judgehost::native_run::NativeRunLimits as JvmLimits;
use floorjudge_judgehost::pipeline::{FUEL_PER_SECOND, Judge, Program};
use floorjudge_judgehost::sandbox::{
    CpuUsed, GUEST_THREAD_STACK, Limits, Mount, NativeLimits, NativeSandbox, NativeSpec,
    NativeStep, Pipe, RunSpec, Termination,
};
use floorjudge_judgehost::toolchain::{Language, SourceFile};

const TRIVIAL_RUNS: usize = 100;
const HEAVY_RUNS: usize = 20;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn spread(v: &[f64]) -> f64 {
    let max = v.iter().cloned().fold(f64::MIN, f64::max);
    let min = v.iter().cloned().fold(f64::MAX, f64::min);
    max / min
}

fn source(name: &str) -> SourceFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches/programs")
        .join(name);
    SourceFile {
        name: name.into(),
        content: std::fs::read(&path).expect("benchmark program"),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn wasm_run(judge: &Judge, program: &Program) -> (Duration, u64) {
    let out = Pipe::capped(1 << 20);
    let start = Instant::now();
    let r = judge
        .sandbox()
        .run(
            program.module().expect("wasm"),
            RunSpec {
                stdin: Pipe::with_input(b"").reader(),
                stdout: out,
                args: vec!["p".into()],
                env: vec![],
                preopens: vec![],
                limits: Limits {
                    fuel: 1 << 40,
                    wall: Duration::from_secs(120),
                    memory_bytes: 1 << 30,
                    output_bytes: 1 << 20,
                    stderr_bytes: 4096,
                },
            },
        )
        .expect("run");
    assert_eq!(r.termination, Termination::Exited(0));
    (start.elapsed(), r.cpu.fuel())
}

fn main() {
    std::thread::Builder::new()
        .stack_size(GUEST_THREAD_STACK)
        .spawn(bench)
        .expect("thread")
        .join()
        .expect("bench");
}

fn bench() {
    let judge = Judge::new().expect("judge");
    let native = NativeSandbox::new().expect("native sandbox");
    println!(
        "cgroups: {}",
        native.cgroups().map_or("none (not root?)", |c| c.version())
    );

    // 1. the trivial program both ways
    let hello = judge
        .build(Language::C, &[source("hello.c")], 1 << 30)
        .expect("build")
        .expect("compiles")
        .0;
    for _ in 0..20 {
        wasm_run(&judge, &hello);
    }
    let wasm = median(
        (0..TRIVIAL_RUNS)
            .map(|_| wasm_run(&judge, &hello).0)
            .collect(),
    );

    let bin_dir = native.work_dir("fj-bench-bin-").expect("dir");
    let binary = bin_dir.path().join("hello");
    let gcc = Command::new("gcc")
        .args(["-O2", "-o"])
        .arg(&binary)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/programs/hello.c"))
        .status()
        .expect("gcc");
    assert!(gcc.success());
    let plain = median(
        (0..TRIVIAL_RUNS)
            .map(|_| {
                let t = Instant::now();
                let out = Command::new(&binary).output().expect("run");
                assert!(out.status.success());
                t.elapsed()
            })
            .collect(),
    );
    let work = native.work_dir("fj-bench-work-").expect("work");
    let run_native = |memory: Option<u64>| {
        let spec = NativeSpec {
            steps: vec![NativeStep::new(vec!["/program/hello".into()])],
            env: Vec::new(),
            mounts: vec![
                Mount::same_if_present("/usr/bin"),
                Mount::same_if_present("/usr/lib/x86_64-linux-gnu"),
                Mount::same_if_present("/usr/lib64"),
                Mount::same_if_present("/etc/ld.so.cache"),
                Mount::at(bin_dir.path(), "/program"),
            ],
            work: work.path(),
            limits: NativeLimits {
                wall: Duration::from_secs(10),
                cpu: Duration::from_secs(5),
                address_space_bytes: 1 << 30,
                memory_bytes: memory,
                file_bytes: 1 << 20,
                processes: 16,
                open_files: 64,
                tmp_bytes: 0,
                stdout_bytes: 4096,
                stderr_bytes: 4096,
            },
        };
        let t = Instant::now();
        let out = native.run(&spec).expect("native run");
        assert_eq!(
            out.run.termination,
            Termination::Exited(0),
            "{:?}",
            out.run.stderr
        );
        assert_eq!(out.stdout, b"hello\n");
        t.elapsed()
    };
    for _ in 0..10 {
        run_native(None);
    }
    let bwrap = median((0..TRIVIAL_RUNS).map(|_| run_native(None)).collect());
    let bwrap_cg = median(
        (0..TRIVIAL_RUNS)
            .map(|_| run_native(Some(256 << 20)))
            .collect(),
    );

    let jvm = Jvm::new(
        JvmToolchain::default(),
        std::sync::Arc::new(NativeSandbox::new().expect("native sandbox")),
    );
    let input = tempfile::NamedTempFile::new().expect("input");
    let java_hello = SourceFile {
        name: "Hello.java".into(),
        content: b"public class Hello { public static void main(String[] a) { System.out.println(\"hello\"); } }".to_vec(),
    };
    let hello_jvm = jvm
        .compile(Language::Java, &[java_hello], judge.toolchains())
        .expect("javac")
        .expect("compiles")
        .0;
    let jvm_limits = JvmLimits {
        time: Duration::from_secs(10),
        memory_bytes: 256 << 20,
        output_bytes: 1 << 20,
    };
    let java = median(
        (0..20)
            .map(|_| {
                let t = Instant::now();
                let (out, _) = jvm.run(&hello_jvm, input.path(), jvm_limits).expect("java");
                assert_eq!(out.termination, Termination::Exited(0));
                t.elapsed()
            })
            .collect(),
    );
    println!("\ntrivial program, median of {TRIVIAL_RUNS} runs (wall per run):");
    println!(
        "  wasm sandbox, hello.c module          {:8.2} ms",
        ms(wasm)
    );
    println!(
        "  plain fork/exec of gcc's hello        {:8.2} ms",
        ms(plain)
    );
    println!(
        "  native sandbox, gcc's hello           {:8.2} ms ({:.1}x wasm)",
        ms(bwrap),
        ms(bwrap) / ms(wasm)
    );
    println!(
        "  native sandbox + cgroup, gcc's hello  {:8.2} ms ({:.1}x wasm)",
        ms(bwrap_cg),
        ms(bwrap_cg) / ms(wasm)
    );
    println!(
        "  native sandbox + cgroup, Java hello   {:8.2} ms (median of 20)",
        ms(java)
    );

    // 2. spread of a CPU-heavy program's measured time
    let heavy_java = jvm
        .compile(
            Language::Java,
            &[source("SieveLcg.java")],
            judge.toolchains(),
        )
        .expect("javac")
        .expect("compiles")
        .0;
    let heavy_limits = JvmLimits {
        time: Duration::from_secs(60),
        memory_bytes: 512 << 20,
        output_bytes: 1 << 20,
    };
    let mut java_cpu = Vec::new();
    let mut java_wall = Vec::new();
    for _ in 0..HEAVY_RUNS {
        let (out, _) = jvm
            .run(&heavy_java, input.path(), heavy_limits)
            .expect("java");
        assert_eq!(
            out.termination,
            Termination::Exited(0),
            "{:?}",
            String::from_utf8_lossy(&out.stderr)
        );
        let CpuUsed::Measured(cpu) = out.cpu else {
            unreachable!()
        };
        java_cpu.push(ms(cpu));
        java_wall.push(ms(out.wall));
    }
    let heavy_wasm = judge
        .build(Language::C, &[source("sieve_lcg.c")], 1 << 30)
        .expect("build")
        .expect("compiles")
        .0;
    let mut fuel = Vec::new();
    let mut wasm_wall = Vec::new();
    for _ in 0..HEAVY_RUNS {
        let (wall, f) = wasm_run(&judge, &heavy_wasm);
        fuel.push(f as f64);
        wasm_wall.push(ms(wall));
    }
    let med = |v: &[f64]| {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    };
    println!("\nCPU-heavy program, {HEAVY_RUNS} runs each (spread = max/min):");
    println!(
        "  Java SieveLcg, CPU time (cgroup)  median {:8.1} ms  spread {:.3}",
        med(&java_cpu),
        spread(&java_cpu)
    );
    println!(
        "  Java SieveLcg, wall time          median {:8.1} ms  spread {:.3}",
        med(&java_wall),
        spread(&java_wall)
    );
    println!(
        "  wasm sieve_lcg.c, fuel            median {:8.1} ms  spread {:.3}",
        med(&fuel) * 1000.0 / FUEL_PER_SECOND as f64,
        spread(&fuel)
    );
    println!(
        "  wasm sieve_lcg.c, wall time       median {:8.1} ms  spread {:.3}",
        med(&wasm_wall),
        spread(&wasm_wall)
    );
}
