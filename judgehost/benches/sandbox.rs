//! Sandbox benchmark, measured in one run on this machine:
//! 1. per-testcase overhead of a trivial program (precompiled module, median
//!    of 2000 runs: new Store, instantiate, run, tear down);
//! 2. CPU-heavy C programs in the sandbox (fuel, epoch and memory limits all
//!    on) against the same source built natively with gcc -O2, median of 5;
//! 3. fuel per second of those programs: the calibration of FUEL_PER_SECOND.
//!
//! Run with `cargo bench -p floorjudge-judgehost --bench sandbox`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use floorjudge_judgehost::pipeline::{FUEL_PER_SECOND, Judge, Program};
use floorjudge_judgehost::sandbox::{
    Checks, GUEST_THREAD_STACK, Limits, Pipe, RunSpec, Termination, WasmSandbox,
};
use floorjudge_judgehost::toolchain::{Language, SourceFile};

const OVERHEAD_RUNS: usize = 2000;
const HEAVY_RUNS: usize = 5;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn program(name: &str) -> (std::path::PathBuf, SourceFile) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches/programs")
        .join(name);
    let content = std::fs::read(&path).expect("benchmark program");
    (
        path,
        SourceFile {
            name: name.into(),
            content,
        },
    )
}

fn limits() -> Limits {
    Limits {
        fuel: 1 << 40,
        wall: Duration::from_secs(60),
        memory_bytes: 1 << 30,
        output_bytes: 1 << 20,
        stderr_bytes: 4096,
    }
}

fn run_once(judge: &Judge, module: &Program) -> (Duration, u64, Vec<u8>) {
    run_in(judge, module)
}

fn run_in(judge: &Judge, module: &Program) -> (Duration, u64, Vec<u8>) {
    let out = Pipe::capped(1 << 20);
    let start = Instant::now();
    let r = judge
        .sandbox()
        .run(
            module.module().expect("a wasm program"),
            RunSpec {
                stdin: Pipe::with_input(b"").reader(),
                stdout: out.clone(),
                args: vec!["p".into()],
                env: vec![],
                preopens: vec![],
                limits: limits(),
            },
        )
        .expect("run");
    let t = start.elapsed();
    assert_eq!(r.termination, Termination::Exited(0), "{:?}", r.stderr);
    (t, r.cpu.fuel(), out.take())
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
    let (_, hello) = program("hello.c");
    let module = judge
        .build(Language::C, &[hello], 1 << 30)
        .expect("build")
        .expect("compiles")
        .0;
    for _ in 0..50 {
        run_once(&judge, &module);
    }
    let times: Vec<Duration> = (0..OVERHEAD_RUNS)
        .map(|_| run_once(&judge, &module).0)
        .collect();
    let m = median(times);
    println!(
        "overhead per testcase (trivial C program, precompiled, median of {OVERHEAD_RUNS}): {:.1} µs",
        m.as_secs_f64() * 1e6
    );

    let tmp = tempfile::tempdir().expect("tmp");
    let mut min_rate = f64::MAX;
    let mut per_native = Vec::new();
    let bare = Judge::with_sandbox(
        WasmSandbox::with_checks(Checks {
            fuel: false,
            epoch: false,
        })
        .expect("sandbox"),
    )
    .expect("judge");
    let fuel_only = Judge::with_sandbox(
        WasmSandbox::with_checks(Checks {
            fuel: true,
            epoch: false,
        })
        .expect("sandbox"),
    )
    .expect("judge");
    for name in ["sieve_lcg.c", "sort.c", "matmul.c"] {
        let (path, src) = program(name);
        let native = tmp.path().join(name.trim_end_matches(".c"));
        let ok = Command::new("gcc")
            .args(["-O2", "-o"])
            .arg(&native)
            .arg(&path)
            .status()
            .expect("gcc");
        assert!(ok.success(), "gcc failed on {name}");
        let module = judge
            .build(Language::C, std::slice::from_ref(&src), 1 << 30)
            .expect("build")
            .expect("compiles")
            .0;
        let bare_module = bare
            .build(Language::C, std::slice::from_ref(&src), 1 << 30)
            .expect("build")
            .expect("compiles")
            .0;
        let fuel_module = fuel_only
            .build(Language::C, &[src], 1 << 30)
            .expect("build")
            .expect("compiles")
            .0;
        let mut bare_times = Vec::new();
        let mut fuel_times = Vec::new();
        let mut native_times = Vec::new();
        let mut native_out = Vec::new();
        let mut wasm_times = Vec::new();
        let mut fuels = Vec::new();
        let mut wasm_out = Vec::new();
        for _ in 0..HEAVY_RUNS {
            let start = Instant::now();
            let o = Command::new(&native).output().expect("native run");
            native_times.push(start.elapsed());
            native_out = o.stdout;
            bare_times.push(run_in(&bare, &bare_module).0);
            fuel_times.push(run_in(&fuel_only, &fuel_module).0);
            let (t, fuel, out) = run_once(&judge, &module);
            wasm_times.push(t);
            fuels.push(fuel);
            wasm_out = out;
        }
        assert_eq!(
            native_out, wasm_out,
            "{name}: native and sandboxed outputs differ"
        );
        let (n, w) = (median(native_times), median(wasm_times));
        fuels.dedup();
        let rate = fuels[0] as f64 / w.as_secs_f64();
        min_rate = min_rate.min(rate);
        per_native.push(fuels[0] as f64 / n.as_secs_f64());
        let (b, f) = (median(bare_times), median(fuel_times));
        let r = |t: Duration| t.as_secs_f64() / n.as_secs_f64();
        println!(
            "{name:<12} native gcc -O2 {:>7.1} ms | wasm, no checks {:.2}x | fuel only {:.2}x | fuel+epoch+memory limits {:>7.1} ms = {:.2}x | fuel {} ({} distinct value{} in {HEAVY_RUNS} runs), {:.2e} fuel per sandbox second, {:.2e} per native second",
            n.as_secs_f64() * 1e3,
            r(b),
            r(f),
            w.as_secs_f64() * 1e3,
            r(w),
            fuels[0],
            fuels.len(),
            if fuels.len() == 1 { "" } else { "s" },
            rate,
            fuels[0] as f64 / n.as_secs_f64()
        );
    }
    per_native.sort_by(f64::total_cmp);
    println!(
        "fuel per sandbox second, lowest: {min_rate:.2e}; fuel per native second, median: {:.2e}; FUEL_PER_SECOND in use: {FUEL_PER_SECOND:.2e}",
        per_native[per_native.len() / 2]
    );
}
