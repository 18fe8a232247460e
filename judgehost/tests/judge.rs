//! The judging pipeline end to end: real clang and rustc builds of real
//! submissions, run in the real wasmtime sandbox, against the real packages
//! in ../shared/problems and our own sample contest.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use floorjudge_judgehost::compile::{CompileOutcome, Compiler};
use floorjudge_judgehost::load_package;
use floorjudge_judgehost::pipeline::{Judge, JudgeError, JudgeRequest, Judgement};
use floorjudge_judgehost::sandbox::WasmSandbox;
use floorjudge_judgehost::toolchain::{CompileLimits, Language, SourceFile, Toolchains};
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

fn assets(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../assets/sample-contest")
        .join(rel)
}

fn fixture(rel: &str) -> SourceFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    SourceFile {
        name: path
            .file_name()
            .expect("name")
            .to_str()
            .expect("utf-8")
            .to_owned(),
        content: std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    }
}

fn language(file: &SourceFile) -> Language {
    Language::from_extension(Path::new(&file.name)).expect("known extension")
}

fn run(
    problem: &Path,
    source: SourceFile,
    validator: Option<&str>,
    time_limit: Option<f64>,
) -> Result<Judgement, JudgeError> {
    let package = load_package(problem).expect("package loads");
    judge().judge(&JudgeRequest {
        package: &package,
        language: language(&source),
        sources: vec![source],
        time_limit: time_limit.map(Duration::from_secs_f64),
        time_factor: 1.0,
        backend: None,
        validator: validator.map(|v| vec![fixture(v)]),
        on_testcase: None,
    })
}

/// Judges and checks the verdict; returns the judgement for more checks.
fn expect(
    problem: &Path,
    submission: &str,
    validator: Option<&str>,
    verdict: Verdict,
) -> Judgement {
    let j = run(
        problem,
        fixture(&format!("submissions/{submission}")),
        validator,
        None,
    )
    .unwrap_or_else(|e| panic!("{submission} on {}: judge error: {e}", problem.display()));
    assert_eq!(
        j.verdict,
        verdict,
        "{submission} on {}: {:#?}",
        problem.display(),
        j.testcases.last()
    );
    j
}

#[test]
fn hello_in_c_cpp_and_rust_with_every_verdict() {
    let p = shared("hello");
    for ac in ["hello_ac.c", "hello_ac.cpp", "hello_ac.rs"] {
        let j = expect(&p, ac, None, Verdict::Accepted);
        assert_eq!(j.testcases.len(), 1);
        assert_eq!(j.testcases[0].verdict, Verdict::Accepted);
        assert!(j.testcases[0].fuel > 0 && j.testcases[0].memory_bytes > 0);
    }
    let wa = expect(&p, "hello_wa.cpp", None, Verdict::WrongAnswer);
    assert!(
        wa.testcases[0].message.contains("token 2 differs"),
        "{}",
        wa.testcases[0].message
    );
    let tle = expect(&p, "hello_tle.rs", None, Verdict::TimeLimit);
    assert_eq!(tle.time_limit_ms, 2000);
    assert_eq!(
        tle.testcases[0].fuel,
        2 * tle.fuel_per_second,
        "a TLE uses exactly the budget"
    );
    // Every verdict in every compiled language.
    expect(&p, "hello_wa.rs", None, Verdict::WrongAnswer);
    expect(&p, "hello_tle.c", None, Verdict::TimeLimit);
    expect(&p, "hello_rte.cpp", None, Verdict::RunTimeError);
    let rte = expect(&p, "hello_rte.c", None, Verdict::RunTimeError);
    assert!(
        rte.testcases[0].message.contains("crashed"),
        "{}",
        rte.testcases[0].message
    );
}

#[test]
fn different_with_our_custom_validator() {
    let p = shared("different");
    let ac = expect(
        &p,
        "different_ac.rs",
        Some("validators/exact_tokens.cpp"),
        Verdict::Accepted,
    );
    assert_eq!(ac.testcases.len(), 3);
    assert!(
        ac.testcases[0].message.contains("tokens match"),
        "{:?}",
        ac.testcases[0].message
    );
    let wa = expect(
        &p,
        "different_wa.c",
        Some("validators/exact_tokens.cpp"),
        Verdict::WrongAnswer,
    );
    assert!(
        wa.testcases
            .last()
            .expect("tc")
            .message
            .contains("expected"),
        "{:?}",
        wa.testcases
    );
    expect(
        &p,
        "different_tle.cpp",
        Some("validators/exact_tokens.cpp"),
        Verdict::TimeLimit,
    );
    expect(
        &p,
        "different_rte.rs",
        Some("validators/exact_tokens.cpp"),
        Verdict::RunTimeError,
    );
    // Without a validator the custom problem cannot be judged: a judge error, not a verdict.
    let err =
        run(&p, fixture("submissions/different_ac.rs"), None, None).expect_err("needs a validator");
    assert!(err.to_string().contains("custom validator"), "{err}");
}

#[test]
fn guess_is_interactive_with_our_validator() {
    let p = shared("guess");
    for ac in ["guess_ac.cpp", "guess_ac.rs"] {
        let j = expect(&p, ac, Some("validators/guess.c"), Verdict::Accepted);
        assert_eq!(
            j.testcases.len(),
            10,
            "every secret case, fixed, random and adaptive"
        );
        assert!(
            j.testcases
                .iter()
                .all(|t| t.message.starts_with("correct after")),
            "{:?}",
            j.testcases
        );
    }
    let wa = expect(
        &p,
        "guess_wa.c",
        Some("validators/guess.c"),
        Verdict::WrongAnswer,
    );
    assert!(
        wa.testcases[0].message.contains("10 tries"),
        "{:?}",
        wa.testcases[0]
    );
    expect(
        &p,
        "guess_tle.c",
        Some("validators/guess.c"),
        Verdict::TimeLimit,
    );
}

#[test]
fn interactive_deadlock_ends_by_the_wall_clock() {
    // The submission waits for the validator, which waits for a guess. The
    // judging runs on a thread of its own: a broken wall clock fails this
    // test by its timeout instead of hanging it.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let package = load_package(&shared("guess")).expect("package");
        let j = judge().judge(&JudgeRequest {
            package: &package,
            language: Language::C,
            sources: vec![fixture("submissions/guess_silent.c")],
            time_limit: Some(Duration::from_millis(300)),
            time_factor: 1.0,
            backend: None,
            validator: Some(vec![fixture("validators/guess.c")]),
            on_testcase: None,
        });
        let _ = tx.send(j);
    });
    let j = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the wall clock must end a deadlock within 60 s")
        .expect("judged");
    assert_eq!(j.verdict, Verdict::TimeLimit, "{:?}", j.testcases);
    assert_eq!(j.testcases.len(), 1, "{:?}", j.testcases);
}

#[test]
fn oddecho_nested_groups_and_fltcmp_tolerance() {
    let j = expect(&shared("oddecho"), "oddecho_ac.c", None, Verdict::Accepted);
    assert_eq!(j.testcases.len(), 18);
    assert!(j.testcases[0].sample && !j.testcases[2].sample);
    let wa = expect(
        &shared("oddecho"),
        "oddecho_wa.c",
        None,
        Verdict::WrongAnswer,
    );
    assert_eq!(wa.testcases.len(), 1, "judging stops at the first failure");
    let tl = expect(
        &shared("domjudge-example/fltcmp"),
        "fltcmp_ac.c",
        None,
        Verdict::Accepted,
    );
    assert_eq!(
        (
            tl.time_limit_ms,
            serde_json::to_value(tl.time_limit_source).expect("json")
        ),
        (5000, serde_json::json!(".timelimit"))
    );
}

#[test]
fn scoring_and_newer_format_packages_judge_pass_fail() {
    expect(
        &shared("domjudge-scoring/addone"),
        "addone_ac.c",
        None,
        Verdict::Accepted,
    );
    expect(
        &shared("domjudge-scoring/fibonacci"),
        "fibonacci_ac.cpp",
        None,
        Verdict::Accepted,
    );
    expect(
        &shared("domjudge-scoring/largestsum"),
        "largestsum_ac.rs",
        None,
        Verdict::Accepted,
    );
    expect(
        &shared("problem-package-format-2025-09/passfail"),
        "addone_ac.c",
        None,
        Verdict::Accepted,
    );
    expect(
        &shared("problem-package-format-2025-09/scoring"),
        "echo_ac.c",
        None,
        Verdict::Accepted,
    );
    let m = expect(
        &shared("problem-package-format-2025-09/maximal"),
        "addone_ac.c",
        None,
        Verdict::WrongAnswer,
    );
    assert_eq!(
        m.time_limit_ms, 10_000,
        "limits.time_limit from problem.yaml"
    );
    // Its secret answers are empty: the sample passes, the first secret fails.
    let names: Vec<(&str, Verdict)> = m
        .testcases
        .iter()
        .map(|t| (t.name.as_str(), t.verdict))
        .collect();
    assert_eq!(
        names,
        [
            ("data/sample/1", Verdict::Accepted),
            ("data/secret/1", Verdict::WrongAnswer)
        ]
    );
}

#[test]
fn multi_pass_is_refused_not_misjudged() {
    let err = run(
        &shared("domjudge-example/jumble"),
        fixture("submissions/echo_ac.c"),
        None,
        None,
    )
    .expect_err("unsupported");
    assert!(err.to_string().contains("multi-pass"), "{err}");
}

#[test]
fn hostile_programs_get_their_verdicts_and_the_host_is_untouched() {
    let p = assets("greetings");
    expect(&p, "greetings_ac.cpp", None, Verdict::Accepted);
    expect(&p, "infinite_loop.c", None, Verdict::TimeLimit);
    expect(&p, "infinite_loop.cpp", None, Verdict::TimeLimit);
    let mle = expect(&p, "memory_bomb.c", None, Verdict::MemoryLimit);
    // Reported: the request that broke the 256 MiB limit (one more 1 MiB block).
    let asked = mle.testcases[0].memory_bytes;
    assert!(asked > 256 << 20 && asked <= 258 << 20, "{asked}");
    expect(&p, "huge_static.c", None, Verdict::MemoryLimit);
    expect(&p, "output_flood.c", None, Verdict::OutputLimit);
    expect(&p, "stack_overflow.c", None, Verdict::RunTimeError);
    expect(&p, "abort.c", None, Verdict::RunTimeError);
    expect(&p, "deep_recursion.c", None, Verdict::Accepted);
    // AC means every attempt to read host files, answers or the environment failed.
    expect(&p, "host_files.c", None, Verdict::Accepted);
    assert!(!Path::new("/tmp/floorjudge-escape").exists());
}

#[test]
fn a_submission_cannot_open_a_socket() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let mut src = fixture("submissions/network.rs");
    src.content = String::from_utf8(src.content)
        .expect("utf-8")
        .replace("PORT", &port.to_string())
        .into_bytes();
    let j = run(&assets("greetings"), src, None, None).expect("judged");
    assert_eq!(
        j.verdict,
        Verdict::Accepted,
        "the connection must fail: {:?}",
        j.testcases.last()
    );
    assert!(
        listener.accept().is_err(),
        "nothing may connect to the host"
    );
}

#[test]
fn oversized_sources_and_compiler_bombs_are_compile_errors() {
    let p = assets("greetings");
    let mut big = fixture("submissions/hello_ac.c");
    big.content.extend(std::iter::repeat_n(b'\n', 10 << 20));
    let j = run(&p, big, None, None).expect("judged");
    assert_eq!(j.verdict, Verdict::CompileError);
    assert!(j.compile_message.contains("limit"), "{}", j.compile_message);
    let broken = SourceFile {
        name: "broken.c".into(),
        content: b"int main( { return 0; }".to_vec(),
    };
    let j = run(&p, broken, None, None).expect("judged");
    assert_eq!(j.verdict, Verdict::CompileError);
    assert!(j.compile_message.contains("error"), "{}", j.compile_message);
    assert!(j.testcases.is_empty());

    // Exponential macro expansion: the compiler needs more time or memory
    // than it is given and is stopped.
    let mut bomb = String::from("#define A0 x x\n");
    for i in 1..40 {
        bomb.push_str(&format!("#define A{i} A{} A{}\n", i - 1, i - 1));
    }
    bomb.push_str("int main(void) { A39; return 0; }\n");
    let compiler = Compiler::new(Toolchains {
        limits: CompileLimits {
            wall: Duration::from_secs(3),
            memory_bytes: 1 << 30,
            ..CompileLimits::default()
        },
        ..Toolchains::default()
    })
    .expect("compiler");
    let start = std::time::Instant::now();
    let out = compiler
        .compile(
            Language::C,
            &[SourceFile {
                name: "bomb.c".into(),
                content: bomb.into_bytes(),
            }],
            256 << 20,
        )
        .expect("compiler ran");
    let CompileOutcome::Failed { message } = out else {
        panic!("{out:?}")
    };
    assert!(
        message.contains("stopped"),
        "stopped by its limits: {message}"
    );
    assert!(start.elapsed() < Duration::from_secs(20));
    let bad_name = SourceFile {
        name: "../evil.c".into(),
        content: b"int main(){}".to_vec(),
    };
    assert!(matches!(
        compiler
            .compile(Language::C, &[bad_name], 256 << 20)
            .expect("ran"),
        CompileOutcome::Failed { .. }
    ));
}

#[test]
fn the_same_program_uses_the_same_fuel_every_time() {
    let p = assets("greetings");
    let runs: Vec<Vec<u64>> = (0..3)
        .map(|_| {
            let j = expect(&p, "fuel_sieve.c", None, Verdict::Accepted);
            j.testcases.iter().map(|t| t.fuel).collect()
        })
        .collect();
    assert_eq!(runs[0].len(), 9);
    assert!(runs[0].iter().all(|f| *f > 1_000_000));
    assert_eq!(runs[0], runs[1]);
    assert_eq!(runs[1], runs[2]);
    // Different input, different work: the numbers are real.
    assert_ne!(runs[0][0], runs[0][1]);
}

#[test]
fn time_limit_override_is_reported() {
    let j = run(
        &assets("greetings"),
        fixture("submissions/hello_ac.c"),
        None,
        Some(0.5),
    )
    .expect("judged");
    assert_eq!(j.time_limit_ms, 500);
    assert_eq!(
        serde_json::to_value(j.time_limit_source).expect("json"),
        "override"
    );
    assert_eq!(j.verdict, Verdict::WrongAnswer);
}

#[test]
fn python_submissions_run_on_the_wasi_cpython() {
    let p = shared("hello");
    let ac = expect(&p, "hello_ac.py", None, Verdict::Accepted);
    assert_eq!(ac.language, "python3");
    expect(&p, "hello_wa.py", None, Verdict::WrongAnswer);
    expect(&p, "hello_tle.py", None, Verdict::TimeLimit);
    let rte = expect(&p, "hello_rte.py", None, Verdict::RunTimeError);
    assert_eq!(
        rte.testcases[0].exit_code,
        Some(1),
        "an uncaught exception exits 1"
    );
    let ce = expect(&p, "syntax_error.py", None, Verdict::CompileError);
    assert!(
        ce.compile_message.contains("SyntaxError"),
        "{}",
        ce.compile_message
    );
    expect(
        &shared("different"),
        "different_ac.py",
        Some("validators/exact_tokens.cpp"),
        Verdict::Accepted,
    );
    let guess = expect(
        &shared("guess"),
        "guess_ac.py",
        Some("validators/guess.c"),
        Verdict::Accepted,
    );
    assert_eq!(guess.testcases.len(), 10);
    // The hash seed is fixed, so Python's fuel is as repeatable as C's.
    let a = expect(
        &assets("greetings"),
        "greetings_ac.py",
        None,
        Verdict::Accepted,
    );
    let b = expect(
        &assets("greetings"),
        "greetings_ac.py",
        None,
        Verdict::Accepted,
    );
    let fuel = |j: &Judgement| j.testcases.iter().map(|t| t.fuel).collect::<Vec<_>>();
    assert_eq!(fuel(&a), fuel(&b));
}

#[test]
fn a_validator_shipped_in_the_package_is_used() {
    // A copy of `different` with our validator where Kattis packages keep it.
    let tmp = tempfile::tempdir().expect("tmp");
    let pkg = tmp.path().join("different");
    for rel in [
        "problem.yaml",
        "data/sample/1.in",
        "data/sample/1.ans",
        "data/secret/01.in",
        "data/secret/01.ans",
    ] {
        let to = pkg.join(rel);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(shared("different").join(rel), &to).expect("copy");
    }
    let v = pkg.join("output_validators/exact/exact_tokens.cpp");
    std::fs::create_dir_all(v.parent().expect("parent")).expect("mkdir");
    std::fs::write(&v, fixture("validators/exact_tokens.cpp").content).expect("write");
    let j = expect(&pkg, "different_ac.rs", None, Verdict::Accepted);
    assert!(
        j.testcases
            .iter()
            .all(|t| t.message.contains("tokens match")),
        "{:?}",
        j.testcases
    );
    expect(&pkg, "different_wa.c", None, Verdict::WrongAnswer);
}

#[test]
fn cranelift_is_bounded_in_time_and_the_module_cache_in_bytes() {
    let p = assets("greetings");
    let package = load_package(&p).expect("package");
    let request = |source: &str| JudgeRequest {
        package: &package,
        language: Language::C,
        sources: vec![fixture(&format!("submissions/{source}"))],
        time_limit: None,
        time_factor: 1.0,
        backend: None,
        validator: None,
        on_testcase: None,
    };
    // no time at all for Cranelift: a CE that says why, not a hang or a judge error
    let mut sandbox = WasmSandbox::new().expect("sandbox");
    sandbox.set_bounds(64 << 20, Duration::ZERO);
    let hasty = Judge::with_sandbox(sandbox).expect("judge");
    let j = hasty.judge(&request("hello_ac.c")).expect("judged");
    assert_eq!(j.verdict, Verdict::CompileError);
    assert!(
        j.compile_message.contains("to prepare for running"),
        "{}",
        j.compile_message
    );
    // a budget for about one module: the older ones go, the cache stays under it
    let mut sandbox = WasmSandbox::new().expect("sandbox");
    sandbox.set_bounds(1 << 20, Duration::from_secs(60));
    let small = Judge::with_sandbox(sandbox).expect("judge");
    for source in [
        "hello_ac.c",
        "greetings_ac.cpp",
        "infinite_loop.c",
        "abort.c",
    ] {
        small.judge(&request(source)).expect("judged");
        let (bytes, count) = small.sandbox().cache_usage();
        assert!(bytes <= 1 << 20, "{bytes} bytes in {count} modules");
        assert!(count >= 1, "the last module is kept");
    }
    assert!(
        small.sandbox().cache_usage().1 < 4,
        "older modules were dropped"
    );
}
