//! The Python cost calibration the wasm backend still lacks: for CPU-heavy
//! Python programs, the CPU time under the host's native CPython, the time
//! the wasm backend charges (fuel ÷ FUEL_PER_SECOND) and its wall time,
//! with their ratios. Goal (not met yet): charged/native within 0.75–1.25.
//!
//! Run with `cargo bench -p floorjudge-judgehost --bench python_cost`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use floorjudge_judgehost::pipeline::{FUEL_PER_SECOND, Judge};
use floorjudge_judgehost::sandbox::{GUEST_THREAD_STACK, Limits, Pipe, RunSpec, Termination};
use floorjudge_judgehost::toolchain::{Language, SourceFile};

const PROGRAMS: &[&str] = &[
    "loops.py",
    "dicts.py",
    "strings.py",
    "sorting.py",
    "recursion.py",
];
const RUNS: usize = 3;

/// CPU time of finished children so far (user + system).
fn children_cpu() -> Duration {
    let mut u = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given.
    #[allow(unsafe_code)]
    let u = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, u.as_mut_ptr());
        u.assume_init()
    };
    let t = |v: libc::timeval| Duration::new(v.tv_sec as u64, v.tv_usec as u32 * 1000);
    t(u.ru_utime) + t(u.ru_stime)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
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
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/programs/py");
    let version = Command::new("python3")
        .arg("--version")
        .output()
        .expect("python3");
    println!(
        "native: {}; wasm: CPython 3.12 for WASI; {RUNS} runs each, medians",
        String::from_utf8_lossy(&version.stdout).trim()
    );
    println!(
        "{:<14} {:>10} {:>11} {:>9} {:>15} {:>12}",
        "program", "native ms", "charged ms", "wall ms", "charged/native", "wall/native"
    );
    for name in PROGRAMS {
        let path = dir.join(name);
        let source = SourceFile {
            name: name.to_string(),
            content: std::fs::read(&path).expect("program"),
        };
        let mut native = Vec::new();
        for _ in 0..RUNS {
            let before = children_cpu();
            let out = Command::new("python3")
                .arg(&path)
                .output()
                .expect("python3");
            assert!(out.status.success());
            native.push((children_cpu() - before).as_secs_f64() * 1e3);
        }
        let (program, _) = judge
            .build(Language::Python, &[source], 1 << 30)
            .expect("build")
            .expect("syntax ok");
        let (mut charged, mut wall, mut fuels) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..RUNS {
            let start = Instant::now();
            let r = judge
                .sandbox()
                .run(program.module().expect("wasm"), program_spec(&program))
                .expect("run");
            wall.push(start.elapsed().as_secs_f64() * 1e3);
            assert_eq!(
                r.termination,
                Termination::Exited(0),
                "{}",
                String::from_utf8_lossy(&r.stderr)
            );
            fuels.push(r.cpu.fuel());
            charged.push(r.cpu.fuel() as f64 * 1e3 / FUEL_PER_SECOND as f64);
        }
        assert!(
            fuels.windows(2).all(|w| w[0] == w[1]),
            "fuel must repeat: {fuels:?}"
        );
        let (n, c, w) = (median(native), median(charged), median(wall));
        println!(
            "{name:<14} {n:>10.1} {c:>11.1} {w:>9.1} {:>15.2} {:>12.2}",
            c / n,
            w / n
        );
    }
}

fn program_spec(program: &floorjudge_judgehost::pipeline::Program) -> RunSpec {
    program
        .run_spec(
            Pipe::with_input(b"").reader(),
            Pipe::capped(1 << 20),
            Limits {
                fuel: 1 << 42,
                wall: Duration::from_secs(600),
                memory_bytes: 1 << 30,
                output_bytes: 1 << 20,
                stderr_bytes: 4096,
            },
        )
        .expect("a wasm program")
}
