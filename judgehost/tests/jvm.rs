//! Java and Kotlin on the native backend: real javac and kotlinc builds,
//! run on the real JVM in the native sandbox against the shared `hello`
//! package, with every verdict, the entry point found as DOMjudge and
//! Kattis find it, and programs that attack the sandbox.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use floorjudge_judgehost::load_package;
use floorjudge_judgehost::package::ProblemPackage;
use floorjudge_judgehost::pipeline::{Judge, JudgeRequest, Judgement};
use floorjudge_judgehost::toolchain::{Language, SourceFile};
use floorjudge_proto::Verdict;

fn judge() -> &'static Judge {
    static JUDGE: OnceLock<Judge> = OnceLock::new();
    JUDGE.get_or_init(|| Judge::new().expect("sandbox"))
}

fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/problems")
        .join(rel)
}

fn hello() -> &'static ProblemPackage {
    static HELLO: OnceLock<ProblemPackage> = OnceLock::new();
    HELLO.get_or_init(|| load_package(&shared("hello")).expect("package"))
}

fn fixture(name: &str) -> SourceFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/jvm")
        .join(name);
    SourceFile {
        name: name.to_owned(),
        content: std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    }
}

fn judged(name: &str, time_limit: Option<f64>) -> Judgement {
    let source = fixture(name);
    let language = Language::from_extension(Path::new(name)).expect("language");
    judge()
        .judge(&JudgeRequest {
            package: hello(),
            language,
            sources: vec![source],
            time_limit: time_limit.map(Duration::from_secs_f64),
            time_factor: 1.0,
            backend: None,
            validator: None,
            on_testcase: None,
        })
        .unwrap_or_else(|e| panic!("{name}: judge error: {e}"))
}

fn expect(name: &str, verdict: Verdict) -> Judgement {
    let j = judged(name, Some(1.0));
    assert_eq!(
        j.verdict,
        verdict,
        "{name}: {} {:#?}",
        j.compile_message,
        j.testcases.last()
    );
    j
}

#[test]
fn java_gets_every_verdict() {
    let ac = expect("HelloAc.java", Verdict::Accepted);
    let t = &ac.testcases[0];
    assert!(t.time_ms > 0, "CPU time is measured: {t:?}");
    assert_eq!(t.fuel, 0, "no fuel on the native backend");
    assert!(
        t.memory_bytes > 10 << 20,
        "peak memory comes from the run's cgroup: {t:?}"
    );
    expect("HelloWa.java", Verdict::WrongAnswer);
    let tle = expect("HelloTle.java", Verdict::TimeLimit);
    assert!(tle.testcases[0].time_ms >= 1000, "{:?}", tle.testcases[0]);
    expect("HelloRte.java", Verdict::RunTimeError);
    let mle = judged("HelloMle.java", Some(3.0));
    assert_eq!(mle.verdict, Verdict::MemoryLimit, "{:?}", mle.testcases);
    assert!(
        mle.testcases[0].memory_bytes > 256 << 20,
        "{:?}",
        mle.testcases[0]
    );
    let ce = expect("HelloCe.java", Verdict::CompileError);
    assert!(
        ce.compile_message.contains("';' expected"),
        "{}",
        ce.compile_message
    );
}

#[test]
fn kotlin_gets_every_verdict() {
    expect("hello_ac.kt", Verdict::Accepted);
    expect("hello_wa.kt", Verdict::WrongAnswer);
    expect("hello_tle.kt", Verdict::TimeLimit);
    let rte = expect("hello_rte.kt", Verdict::RunTimeError);
    assert!(
        rte.testcases[0].message.contains("exited with code 1"),
        "{:?}",
        rte.testcases[0]
    );
    assert_eq!(
        judged("hello_mle.kt", Some(3.0)).verdict,
        Verdict::MemoryLimit
    );
    let ce = expect("hello_ce.kt", Verdict::CompileError);
    assert!(
        ce.compile_message.contains("mismatch"),
        "{}",
        ce.compile_message
    );
}

#[test]
fn the_entry_point_is_the_class_with_main() {
    // two classes with main: the one named like the file
    expect("TwoMains.java", Verdict::Accepted);
    // a class in a package
    expect("InPackage.java", Verdict::Accepted);
}

#[test]
fn a_time_factor_gives_a_language_more_time() {
    let source = fixture("HelloTle.java");
    let j = judge()
        .judge(&JudgeRequest {
            package: hello(),
            language: Language::Java,
            sources: vec![source],
            time_limit: Some(Duration::from_millis(500)),
            time_factor: 2.0,
            backend: None,
            validator: None,
            on_testcase: None,
        })
        .expect("judged");
    assert_eq!(j.verdict, Verdict::TimeLimit);
    assert_eq!((j.time_limit_ms, j.time_factor), (500, 2.0));
    assert!(
        j.testcases[0].time_ms >= 1000,
        "ran for the limit times the factor: {:?}",
        j.testcases[0]
    );
}

/// Processes on the host whose command line is `sleep <arg>`.
fn sleepers(arg: &str) -> usize {
    let want = format!("sleep\0{arg}\0");
    std::fs::read_dir("/proc")
        .expect("proc")
        .flatten()
        .filter(|e| {
            std::fs::read(e.path().join("cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).ends_with(&want))
        })
        .count()
}

#[test]
fn hostile_jvm_programs_are_contained() {
    // processes and threads: the process limit stops both, the JVM's own
    // threads fit under it, and nothing is left behind
    let fork = judged("ForkBomb.java", Some(2.0));
    // it stops at the limit: a failed start, or a reaper thread the JVM
    // cannot make (an Error, so a run-time error)
    assert!(
        matches!(fork.verdict, Verdict::Accepted | Verdict::RunTimeError),
        "{:?}",
        fork.testcases
    );
    assert!(
        fork.testcases[0].wall_ms < 20_000,
        "{:?}",
        fork.testcases[0]
    );
    // main dies of the Error, but its sleeping threads keep the JVM alive
    // until the wall clock: TLE, as on any JVM judge
    let threads = judged("ThreadBomb.java", Some(2.0));
    assert_eq!(
        threads.verdict,
        Verdict::TimeLimit,
        "{:?}",
        threads.testcases
    );
    assert!(threads.testcases[0].wall_ms < 20_000);
    let started = Instant::now();
    expect("LeftBehind.java", Verdict::Accepted);
    assert!(started.elapsed() < Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        sleepers("313"),
        0,
        "a process left behind dies with the run"
    );
    assert_eq!(sleepers("600"), 0, "the fork bomb's processes died too");

    // files and secrets
    let huge = expect("HugeFile.java", Verdict::RunTimeError);
    assert!(huge.testcases[0].wall_ms < 30_000);
    expect("ReadSecrets.java", Verdict::Accepted);
    expect("Network.java", Verdict::Accepted);
    if Path::new("/usr/bin/perl").is_file() {
        expect("Ptrace.java", Verdict::Accepted);
    } else {
        eprintln!("SKIPPED: Ptrace.java needs /usr/bin/perl to make the system call");
    }

    // time and output
    let sleep = expect("SleepForever.java", Verdict::TimeLimit);
    assert!(
        sleep.testcases[0].wall_ms < 10_000,
        "{:?}",
        sleep.testcases[0]
    );
    expect("ClosesStdout.java", Verdict::WrongAnswer);
}

#[test]
fn an_interactive_java_submission_talks_to_a_native_validator() {
    let package = load_package(&shared("guess")).expect("package");
    let validator = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/validators/guess.c");
    let j = judge()
        .judge(&JudgeRequest {
            package: &package,
            language: Language::Java,
            sources: vec![fixture("GuessAc.java")],
            time_limit: None,
            time_factor: 1.0,
            backend: None,
            validator: Some(vec![SourceFile {
                name: "guess.c".into(),
                content: std::fs::read(validator).expect("validator"),
            }]),
            on_testcase: None,
        })
        .expect("judged");
    assert_eq!(j.verdict, Verdict::Accepted, "{:?}", j.testcases);
    assert_eq!(j.testcases.len(), 10);
    assert!(
        j.testcases
            .iter()
            .all(|t| t.message.starts_with("correct after")),
        "{:?}",
        j.testcases
    );
}
