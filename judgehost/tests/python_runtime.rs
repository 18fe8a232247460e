//! The Python runtime (CPython 3.14 as a WASI component) as contestants use
//! it: standard modules, stdin in every style, deep recursion, exits, sleep,
//! and repeatable fuel. Runs the real component in the real sandbox.

use std::sync::OnceLock;
use std::time::Duration;

use floorjudge_judgehost::pipeline::{BuildFailure, FUEL_PER_SECOND, Judge, PYTHON_FUEL_SCALE};
use floorjudge_judgehost::sandbox::{GUEST_THREAD_STACK, Limits, Pipe, RunOutcome, Termination};
use floorjudge_judgehost::toolchain::{Language, SourceFile};

fn judge() -> &'static Judge {
    static JUDGE: OnceLock<Judge> = OnceLock::new();
    JUDGE.get_or_init(|| Judge::new().expect("sandbox"))
}

fn source(text: &str) -> SourceFile {
    SourceFile {
        name: "solution.py".into(),
        content: text.as_bytes().to_vec(),
    }
}

/// Runs `program` on `input` with a 10 s budget; returns the outcome and
/// its stdout.
fn run(program: &str, input: &str) -> (RunOutcome, String) {
    let (program, input) = (program.to_owned(), input.to_owned());
    std::thread::Builder::new()
        .stack_size(GUEST_THREAD_STACK)
        .spawn(move || {
            let (built, _) = judge()
                .build(Language::Python, &[source(&program)], 1 << 30)
                .expect("build")
                .expect("compiles");
            let stdout = Pipe::capped(1 << 20);
            let spec = built
                .run_spec(
                    Pipe::with_input(input.as_bytes()).reader(),
                    stdout.clone(),
                    Limits {
                        fuel: 10 * FUEL_PER_SECOND,
                        wall: Duration::from_secs(60),
                        memory_bytes: 1 << 30,
                        output_bytes: 1 << 20,
                        stderr_bytes: 16 << 10,
                    },
                )
                .expect("wasm");
            let out = judge()
                .sandbox()
                .run(built.module().expect("wasm"), spec)
                .expect("run");
            let text = String::from_utf8(stdout.take()).expect("utf-8");
            (out, text)
        })
        .expect("thread")
        .join()
        .expect("run thread")
}

fn stderr(out: &RunOutcome) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn standard_modules_and_every_way_of_reading_stdin_work() {
    let program = r#"
import sys, heapq, bisect, itertools, math
from collections import Counter, deque, defaultdict
from functools import lru_cache, reduce
from fractions import Fraction
from decimal import Decimal
n = int(input())
xs = list(map(int, sys.stdin.readline().split()))
rest = sys.stdin.read().split()
@lru_cache(maxsize=None)
def f(k):
    return k if k < 2 else f(k - 1) + f(k - 2)
h = list(xs); heapq.heapify(h)
print(n, sorted(xs)[bisect.bisect_left(sorted(xs), 3)], heapq.heappop(h))
print(Counter(rest).most_common(1)[0], deque(rest, maxlen=2)[0], len(defaultdict(int)))
print(f(90), math.comb(30, 15), Fraction(3, 9), Decimal("1.10") + Decimal("2.20"))
print(list(itertools.accumulate(xs)), reduce(lambda a, b: a * b, xs))
"#;
    let (out, text) = run(program, "5\n4 1 3 5 2\nb a b c\n");
    assert_eq!(out.termination, Termination::Exited(0), "{}", stderr(&out));
    assert_eq!(
        text,
        "5 3 1\n('b', 2) b 0\n2880067194370816120 155117520 1/3 3.30\n[4, 5, 8, 13, 15] 120\n"
    );
}

#[test]
fn binary_stdin_deep_recursion_and_a_sleep_work() {
    let program = r#"
import sys, time
sys.setrecursionlimit(200000)
data = sys.stdin.buffer.read()
def depth(k):
    return 0 if k == 0 else 1 + depth(k - 1)
time.sleep(30)
print(len(data), depth(100000))
"#;
    let (out, text) = run(program, "abc\n");
    assert_eq!(out.termination, Termination::Exited(0), "{}", stderr(&out));
    assert_eq!(text, "4 100000\n");
    assert!(
        out.wall < Duration::from_secs(20),
        "time.sleep must not block: {:?}",
        out.wall
    );
}

#[test]
fn exits_and_errors_end_as_kattis_expects() {
    let (out, text) = run("print('done')\nraise SystemExit(0)\n", "");
    assert_eq!(out.termination, Termination::Exited(0), "{}", stderr(&out));
    assert_eq!(text, "done\n");
    let (out, text) = run("import sys\nprint('partial')\nsys.exit(3)\n", "");
    assert_eq!(out.termination, Termination::Exited(1));
    assert_eq!(text, "partial\n", "output before the exit is kept");
    let (out, _) = run("x = [1]\nprint(x[5])\n", "");
    assert_eq!(out.termination, Termination::Exited(1));
    assert!(stderr(&out).contains("IndexError"), "{}", stderr(&out));
    // A module the runtime does not carry is an error that names it.
    let (out, _) = run("import tkinter\n", "");
    assert_eq!(out.termination, Termination::Exited(1));
    assert!(stderr(&out).contains("tkinter"), "{}", stderr(&out));
}

#[test]
fn a_syntax_error_is_a_compile_error_naming_the_line() {
    let failure = judge()
        .build(
            Language::Python,
            &[source("x = 1\nif x\n    print(x)\n")],
            1 << 30,
        )
        .expect("build")
        .expect_err("does not compile");
    let BuildFailure::CompileError(message) = failure else {
        panic!("{failure:?}")
    };
    assert!(message.contains("SyntaxError"), "{message}");
    assert!(message.contains("line 2"), "{message}");
}

#[test]
fn fuel_repeats_randomness_is_fixed_and_starting_costs_little() {
    let program = "import random\nprint(random.random(), sum(random.randrange(1000) for _ in range(20000)))\n";
    let (a, ta) = run(program, "");
    let (b, tb) = run(program, "");
    assert_eq!(a.termination, Termination::Exited(0), "{}", stderr(&a));
    assert_eq!(ta, tb, "random is seeded the same on every run");
    assert_eq!(a.cpu.fuel(), b.cpu.fuel(), "fuel repeats");
    // The interpreter starts from a snapshot: an empty program is charged
    // under 5 ms.
    let (empty, _) = run("", "");
    assert_eq!(empty.termination, Termination::Exited(0));
    let charged_ms = empty.cpu.fuel() as f64 * 1e3 / (FUEL_PER_SECOND as f64 * PYTHON_FUEL_SCALE);
    assert!(charged_ms < 5.0, "{charged_ms} ms to start");
}
