//! C and C++ as contestants write them for gcc and g++, in the wasm
//! backend: every C++ compile sees the whole standard library (precompiled
//! `bits/stdc++.h`), GNU's bitset members and `__gnu_pbds` are there, a
//! three-argument `main` runs, `signal`/`raise` work, and what cannot work
//! (`alarm`, exceptions) is a CE that says so plainly. Each program checks
//! itself and prints `Hello World!` only if every check passed.

use std::path::Path;
use std::sync::OnceLock;

use floorjudge_judgehost::load_package;
use floorjudge_judgehost::pipeline::{Judge, JudgeRequest, Judgement};
use floorjudge_judgehost::toolchain::{Language, SourceFile};
use floorjudge_proto::Verdict;

fn judge() -> &'static Judge {
    static JUDGE: OnceLock<Judge> = OnceLock::new();
    JUDGE.get_or_init(|| Judge::new().expect("sandbox"))
}

fn judged(name: &str) -> Judgement {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/submissions/gcc_style");
    let package =
        load_package(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/problems/hello"))
            .expect("package");
    let source = SourceFile {
        name: name.into(),
        content: std::fs::read(dir.join(name)).expect("fixture"),
    };
    judge()
        .judge(&JudgeRequest {
            package: &package,
            language: Language::from_extension(Path::new(name)).expect("language"),
            sources: vec![source],
            time_limit: None,
            time_factor: 1.0,
            backend: None,
            validator: None,
            on_testcase: None,
        })
        .unwrap_or_else(|e| panic!("{name}: judge error: {e}"))
}

fn accepted(name: &str) {
    let j = judged(name);
    assert_eq!(
        j.verdict,
        Verdict::Accepted,
        "{name}: {}\n{:?}",
        j.compile_message,
        j.testcases
    );
}

#[test]
fn cpp_written_for_gpp_is_accepted() {
    // std::array and friends without their headers
    accepted("no_headers.cpp");
    // bitset::_Find_first / _Find_next against a plain scan, shifts, strings, hashing
    accepted("bitset_find.cpp");
    // __gnu_pbds tree with order statistics (set, less_equal multiset, map), hash tables
    accepted("pbds_tree.cpp");
}

#[test]
fn c_written_for_gcc_is_accepted() {
    accepted("main_envp.c");
    accepted("raise.c");
}

#[test]
fn what_cannot_run_here_is_a_plain_compile_error() {
    let alarm = judged("alarm.c");
    assert_eq!(alarm.verdict, Verdict::CompileError);
    assert!(
        alarm
            .compile_message
            .starts_with("`alarm` is not available in this judge"),
        "{}",
        alarm.compile_message
    );
    let throw = judged("throw_catch.cpp");
    assert_eq!(throw.verdict, Verdict::CompileError);
    assert!(
        throw
            .compile_message
            .starts_with("C++ exceptions (`throw`, `try`, `catch`) are not available"),
        "{}",
        throw.compile_message
    );
}
