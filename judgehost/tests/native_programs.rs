//! C, C++ and Python on the native backend, as an organizer may choose: real
//! gcc/g++ builds and the host's CPython run in the native sandbox, with
//! every verdict, what only g++ has (exceptions, the real `__gnu_pbds`), a
//! deep recursion on a stack as large as the memory limit, and the limits
//! that hold them in.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use floorjudge_judgehost::load_package;
use floorjudge_judgehost::pipeline::{Judge, JudgeError, JudgeRequest, Judgement};
use floorjudge_judgehost::toolchain::{Backend, Language, SourceFile};
use floorjudge_proto::Verdict;

fn judge() -> &'static Judge {
    static JUDGE: OnceLock<Judge> = OnceLock::new();
    JUDGE.get_or_init(|| Judge::new().expect("sandbox"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(problem: &Path, file: &str, backend: Backend) -> Result<Judgement, JudgeError> {
    let package = load_package(problem).expect("package");
    let path = root().join("tests/fixtures/submissions").join(file);
    let name = path.file_name().unwrap().to_str().unwrap().to_owned();
    judge().judge(&JudgeRequest {
        package: &package,
        language: Language::from_extension(&path).expect("language"),
        sources: vec![SourceFile {
            name,
            content: std::fs::read(&path).expect("fixture"),
        }],
        time_limit: Some(Duration::from_secs(1)),
        time_factor: 1.0,
        backend: Some(backend),
        validator: None,
        on_testcase: None,
    })
}

fn hello() -> PathBuf {
    root().join("../../shared/problems/hello")
}

fn expect(file: &str, verdict: Verdict) -> Judgement {
    let j = run(&hello(), file, Backend::Native).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert_eq!(
        j.verdict, verdict,
        "{file}: {} {:?}",
        j.compile_message, j.testcases
    );
    j
}

#[test]
fn gcc_and_gpp_give_every_verdict() {
    let ac = expect("hello_ac.cpp", Verdict::Accepted);
    assert_eq!(ac.testcases[0].fuel, 0, "CPU time, not fuel");
    assert!(
        ac.testcases[0].memory_bytes > 0,
        "peak memory from the cgroup"
    );
    expect("hello_ac.c", Verdict::Accepted);
    expect("hello_wa.cpp", Verdict::WrongAnswer);
    expect("hello_tle.c", Verdict::TimeLimit);
    expect("hello_rte.cpp", Verdict::RunTimeError);
    expect("memory_bomb.c", Verdict::MemoryLimit);
    let ce = expect("gcc_style/no_such_header.cpp", Verdict::CompileError);
    assert!(
        ce.compile_message.contains("no_such_header.h"),
        "{}",
        ce.compile_message
    );
}

#[test]
fn what_only_gpp_has_works_natively() {
    // exceptions, and the real __gnu_pbds (our shim stays out of g++'s way)
    expect("gcc_style/throw_catch.cpp", Verdict::Accepted);
    expect("gcc_style/pbds_tree.cpp", Verdict::Accepted);
    expect("gcc_style/bitset_find.cpp", Verdict::Accepted);
    // a million frames deep: the stack is the memory limit, as on Kattis
    let greetings = root().join("../assets/sample-contest/greetings");
    let j = run(&greetings, "deep_recursion.c", Backend::Native).expect("judged");
    assert_eq!(j.verdict, Verdict::Accepted, "{:?}", j.testcases);
}

#[test]
fn native_programs_are_held_in() {
    // the process limit
    expect("gcc_style/fork_native.c", Verdict::Accepted);
    // files of the host, the network
    expect("gcc_style/host_native.c", Verdict::Accepted);
}

#[test]
fn python_on_the_host_cpython_gives_every_verdict() {
    let ac = expect("hello_ac.py", Verdict::Accepted);
    assert_eq!(ac.testcases[0].fuel, 0, "CPU time, not fuel");
    assert!(
        ac.testcases[0].memory_bytes > 0,
        "peak memory from the cgroup"
    );
    expect("hello_wa.py", Verdict::WrongAnswer);
    let tle = expect("hello_tle.py", Verdict::TimeLimit);
    assert!(
        tle.testcases[0].time_ms >= 1000,
        "stopped after its 1 s of CPU: {:?}",
        tle.testcases[0]
    );
    let rte = expect("hello_rte.py", Verdict::RunTimeError);
    assert_eq!(rte.testcases[0].exit_code, Some(1));
    expect("native_py/memory_bomb.py", Verdict::MemoryLimit);
    // the network, the host's files and its own program are out of reach
    expect("native_py/escape.py", Verdict::Accepted);
    let ce = expect("syntax_error.py", Verdict::CompileError);
    assert!(
        ce.compile_message.contains("SyntaxError"),
        "{}",
        ce.compile_message
    );
}

#[test]
fn a_backend_that_cannot_judge_the_language_is_refused() {
    let err = run(&hello(), "hello_ac.rs", Backend::Native).expect_err("rust is wasm only");
    assert!(
        err.to_string().contains("rust on the native backend"),
        "{err}"
    );
}
