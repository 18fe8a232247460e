//! Python's cost calibration: for CPU-heavy Python programs, the CPU time of
//! the program under the host's native CPython (measured inside it, without
//! the interpreter's start), the time the wasm backend charges (fuel ÷
//! Python's fuel rate) and its wall time, with their ratios, and the
//! geometric centre of the ratios (what `PYTHON_FUEL_SCALE` is set from).
//!
//! Run with `cargo bench -p floorjudge-judgehost --bench python_cost`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use floorjudge_judgehost::pipeline::{FUEL_PER_SECOND, Judge, PYTHON_FUEL_SCALE};
use floorjudge_judgehost::sandbox::{GUEST_THREAD_STACK, Limits, Pipe, RunSpec, Termination};
use floorjudge_judgehost::toolchain::{Language, SourceFile};

const PROGRAMS: &[&str] = &[
    "loops.py",
    "dicts.py",
    "strings.py",
    "sorting.py",
    "recursion.py",
    "floats.py",
    "comprehension.py",
    "dijkstra.py",
    "objects.py",
    "bigint.py",
    "parse.py",
];

/// Runs a file under native CPython and prints the CPU time of its own
/// execution (process_time around exec) on stderr.
const NATIVE_TIMER: &str = "import sys, time\nsrc = open(sys.argv[1]).read()\nt = time.process_time()\nexec(compile(src, sys.argv[1], 'exec'), {'__name__': '__main__'})\nprint(time.process_time() - t, file=sys.stderr)";
const RUNS: usize = 5;

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
        "native: {}; wasm: CPython 3.14 (componentize-py component); {RUNS} runs each: native the quickest, wasm medians",
        String::from_utf8_lossy(&version.stdout).trim()
    );
    println!(
        "{:<14} {:>10} {:>11} {:>9} {:>15} {:>12}",
        "program", "native ms", "charged ms", "wall ms", "charged/native", "wall/native"
    );
    let mut log_ratios = Vec::new();
    for name in PROGRAMS {
        let path = dir.join(name);
        let source = SourceFile {
            name: name.to_string(),
            content: std::fs::read(&path).expect("program"),
        };
        let mut native = Vec::new();
        for _ in 0..RUNS {
            let out = Command::new("python3")
                .args(["-S", "-c", NATIVE_TIMER])
                .arg(&path)
                .output()
                .expect("python3");
            assert!(out.status.success());
            let secs: f64 = String::from_utf8_lossy(&out.stderr)
                .trim()
                .parse()
                .expect("seconds");
            native.push(secs * 1e3);
        }
        let (program, _) = judge
            .build(Language::Python, &[source], 1 << 30)
            .expect("build")
            .expect("syntax ok");
        let rate = program.fuel_per_second(FUEL_PER_SECOND);
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
            charged.push(r.cpu.fuel() as f64 * 1e3 / rate as f64);
        }
        assert!(
            fuels.windows(2).all(|w| w[0] == w[1]),
            "fuel must repeat: {fuels:?}"
        );
        // The quickest native run: noise on this shared machine only adds.
        let n = native.iter().copied().fold(f64::MAX, f64::min);
        let (c, w) = (median(charged), median(wall));
        log_ratios.push((c / n).ln());
        println!(
            "{name:<14} {n:>10.1} {c:>11.1} {w:>9.1} {:>15.2} {:>12.2}",
            c / n,
            w / n
        );
    }
    let (lo, hi) = log_ratios
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), &r| (l.min(r), h.max(r)));
    println!(
        "charged/native from {:.2} to {:.2}; their geometric centre is {:.2} (PYTHON_FUEL_SCALE = {PYTHON_FUEL_SCALE} is 1.00 there)",
        lo.exp(),
        hi.exp(),
        ((lo + hi) / 2.0).exp()
    );
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
