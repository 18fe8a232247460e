//! Package validators as problem setters write them: C++ with exceptions
//! and the standard library (our own headers in the styles of BAPCtools'
//! `validation.h` and of `testlib.h`), built natively with g++ once per
//! content, run in the native sandbox by the Kattis convention; an
//! interactive C++ validator against wasm submissions in C++ and Python;
//! and validators that try to get out.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use floorjudge_judgehost::load_package;
use floorjudge_judgehost::package::ProblemPackage;
use floorjudge_judgehost::pipeline::{Judge, JudgeError, JudgeRequest, Judgement};
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

fn fixture(rel: &str) -> SourceFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    SourceFile {
        name: path.file_name().unwrap().to_str().unwrap().to_owned(),
        content: std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    }
}

fn run(
    package: &ProblemPackage,
    submission: &str,
    validator: Option<&[&str]>,
) -> Result<Judgement, JudgeError> {
    run_on(judge(), package, submission, validator)
}

fn run_on(
    judge: &Judge,
    package: &ProblemPackage,
    submission: &str,
    validator: Option<&[&str]>,
) -> Result<Judgement, JudgeError> {
    let source = fixture(&format!("submissions/{submission}"));
    judge.judge(&JudgeRequest {
        package,
        language: Language::from_extension(Path::new(&source.name)).expect("language"),
        sources: vec![source],
        time_limit: None,
        time_factor: 1.0,
        backend: None,
        validator: validator.map(|v| v.iter().map(|f| fixture(f)).collect()),
        on_testcase: None,
    })
}

fn verdict_of(package: &ProblemPackage, submission: &str, validator: &[&str]) -> Judgement {
    run(package, submission, Some(validator))
        .unwrap_or_else(|e| panic!("{submission} with {validator:?}: judge error: {e}"))
}

fn judge_error(package: &ProblemPackage, validator: &str) -> String {
    match run(package, "different_ac.rs", Some(&[validator])) {
        Err(JudgeError::Validator(m)) => m,
        other => panic!("{validator}: expected a validator judge error, got {other:?}"),
    }
}

const VALIDATION_H: &[&str] = &[
    "validators/validation_h/validate.cpp",
    "validators/validation_h/validation.h",
];
const TESTLIB: &[&str] = &[
    "validators/testlib/checker.cpp",
    "validators/testlib/testlib.h",
];

#[test]
fn validation_h_and_testlib_styles_build_once_and_judge() {
    let p = load_package(&shared("different")).expect("package");
    // a judge of its own: the other tests build validators beside it
    let judge = Judge::new().expect("judge");
    let verdict_of = |submission: &str, validator: &[&str]| {
        run_on(&judge, &p, submission, Some(validator))
            .unwrap_or_else(|e| panic!("{submission} with {validator:?}: judge error: {e}"))
    };
    for (style, validator, accepted) in [
        ("validation.h", VALIDATION_H, "accepted"),
        ("testlib", TESTLIB, "lines"),
    ] {
        let ac = verdict_of("different_ac.rs", validator);
        assert_eq!(ac.verdict, Verdict::Accepted, "{style}: {:?}", ac.testcases);
        assert!(ac.testcases.len() > 1);
        assert!(
            ac.testcases.iter().all(|t| t.message.contains(accepted)),
            "{style}: the validator's judgemessage.txt is kept: {:?}",
            ac.testcases
        );
        let wa = verdict_of("different_wa.c", validator);
        assert_eq!(wa.verdict, Verdict::WrongAnswer, "{style}");
        let message = &wa.testcases.last().unwrap().message;
        assert!(message.contains("expected"), "{style}: {message}");
        // A Python submission judged by the same validator: no second build.
        let py = verdict_of("different_ac.py", validator);
        assert_eq!(py.verdict, Verdict::Accepted, "{style}");
    }
    assert_eq!(
        judge.validators().built(),
        2,
        "one build per validator, however many judgings"
    );
}

#[test]
fn a_package_shipping_validation_h_in_its_folder_is_judged_with_it() {
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
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(shared("different").join(rel), &to).unwrap();
    }
    // a problem.yaml in the 2023-07 layout with validator limits of its own
    std::fs::write(
        pkg.join("problem.yaml"),
        "problem_format_version: 2023-07-draft\nname: A Different Problem\n\
         limits:\n  validation_time: 7\n  validation_memory: 512\n  validation_output: 2\n",
    )
    .unwrap();
    let dir = pkg.join("output_validator");
    std::fs::create_dir_all(&dir).unwrap();
    for f in VALIDATION_H {
        let src = fixture(f);
        std::fs::write(dir.join(&src.name), &src.content).unwrap();
    }
    let p = load_package(&pkg).expect("package");
    assert!(p.custom_validation);
    assert_eq!(p.validation_limits.time, Duration::from_secs(7));
    assert_eq!(
        (
            p.validation_limits.memory_mib,
            p.validation_limits.output_mib
        ),
        (512, 2)
    );
    let ac = run(&p, "different_ac.rs", None).expect("judged");
    assert_eq!(ac.verdict, Verdict::Accepted, "{:?}", ac.testcases);
    let wa = run(&p, "different_wa.c", None).expect("judged");
    assert_eq!(wa.verdict, Verdict::WrongAnswer);
}

#[test]
fn an_interactive_cpp_validator_with_exceptions_against_wasm_cpp_and_python() {
    let p = load_package(&shared("guess")).expect("package");
    let v: &[&str] = &["validators/guess_interactive.cpp"];
    for ac in ["guess_ac.cpp", "guess_ac.py"] {
        let j = verdict_of(&p, ac, v);
        assert_eq!(j.verdict, Verdict::Accepted, "{ac}: {:?}", j.testcases);
        assert_eq!(j.testcases.len(), 10, "{ac}");
        assert!(
            j.testcases
                .iter()
                .all(|t| t.message.starts_with("correct after")),
            "{ac}: {:?}",
            j.testcases
        );
    }
    let wa = verdict_of(&p, "guess_wa.c", v);
    assert_eq!(wa.verdict, Verdict::WrongAnswer);
    assert!(
        wa.testcases[0].message.contains("10 tries"),
        "{:?}",
        wa.testcases[0]
    );
    let tle = verdict_of(&p, "guess_tle.c", v);
    assert_eq!(tle.verdict, Verdict::TimeLimit, "{:?}", tle.testcases);
}

#[test]
fn a_validator_cannot_read_or_write_what_it_must_not() {
    let p = load_package(&shared("different")).expect("package");
    // nothing of the host to read: it accepts
    let j = verdict_of(
        &p,
        "different_ac.rs",
        &["validators/escape/read_secrets.cpp"],
    );
    assert_eq!(j.verdict, Verdict::Accepted, "{:?}", j.testcases);

    let host_file = Path::new("/escaped");
    let _ = std::fs::remove_file(host_file);
    let input_before = std::fs::read(shared("different/data/sample/1.in")).unwrap();
    let j = verdict_of(
        &p,
        "different_ac.rs",
        &["validators/escape/write_outside.cpp"],
    );
    assert_eq!(j.verdict, Verdict::WrongAnswer);
    assert_eq!(
        j.testcases[0].message, "",
        "a judgemessage.txt that links to /etc/shadow is not read back"
    );
    assert!(!host_file.exists(), "nothing written at the host's root");
    assert_eq!(
        std::fs::read(shared("different/data/sample/1.in")).unwrap(),
        input_before
    );
}

#[test]
fn a_validator_has_no_network_no_fork_bomb_and_a_clock() {
    let p = load_package(&shared("different")).expect("package");
    let m = judge_error(&p, "validators/escape/network.cpp");
    assert!(
        m.contains("exited with code 2") && m.contains("socket refused"),
        "{m}"
    );

    let m = judge_error(&p, "validators/escape/fork_bomb.cpp");
    assert!(m.contains("exited with code 4"), "{m}");
    let forked: u32 = m
        .split("forked ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{m}"));
    assert!(forked < 16, "the process limit holds: {m}");

    let mut quick = p.clone();
    quick.validation_limits.time = Duration::from_secs(2);
    let started = std::time::Instant::now();
    let m = judge_error(&quick, "validators/escape/sleep_forever.cpp");
    assert!(m.contains("ran past its time limit of 2 s"), "{m}");
    assert!(started.elapsed() < Duration::from_secs(30));

    let m = judge_error(&p, "validators/escape/does_not_compile.cpp");
    assert!(
        m.contains("does not compile with g++") && m.contains("no_such_header.h"),
        "{m}"
    );
}
