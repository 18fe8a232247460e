//! The `floorjudge-judgehost judge` command as a user runs it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/submissions")
        .join(rel)
}

fn hello() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/problems/hello")
}

fn judge(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_floorjudge-judgehost"))
        .arg("judge")
        .args(args)
        .output()
        .expect("run judgehost");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn json_verdict_with_per_testcase_details_and_exit_zero() {
    let (code, out, err) = judge(&[
        "--problem",
        hello().to_str().expect("p"),
        "--language",
        "cpp",
        "--json",
        fixture("hello_wa.cpp").to_str().expect("p"),
    ]);
    assert_eq!(code, 0, "a wrong answer is still a verdict: {err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "one JSON object: {out}");
    let j: serde_json::Value = serde_json::from_str(lines[0]).expect("json");
    assert_eq!(j["verdict"], "WA");
    assert_eq!(j["time_limit_source"], "contest default");
    let tc = &j["testcases"][0];
    for key in ["verdict", "fuel", "time_ms", "memory_bytes", "message"] {
        assert!(!tc[key].is_null(), "testcase lacks {key}: {tc}");
    }
    assert_eq!(tc["verdict"], "WA");

    let (code, out, _) = judge(&[
        "--problem",
        hello().to_str().expect("p"),
        "--json",
        "--time-limit",
        "0.25",
        fixture("hello_ac.rs").to_str().expect("p"),
    ]);
    assert_eq!(code, 0);
    let j: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(
        (
            j["verdict"].as_str(),
            j["language"].as_str(),
            j["time_limit_ms"].as_u64()
        ),
        (Some("AC"), Some("rust"), Some(250))
    );
    assert_eq!(j["time_limit_source"], "override");
}

#[test]
fn bad_arguments_are_named_and_exit_non_zero() {
    let src = fixture("hello_ac.c");
    let src = src.to_str().expect("p");
    let (code, _, err) = judge(&["--problem", "/no/such/problem", src]);
    assert_eq!(code, 1);
    assert!(err.contains("/no/such/problem"), "{err}");
    let (code, _, err) = judge(&[
        "--problem",
        hello().to_str().expect("p"),
        "--language",
        "cobol",
        src,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown language \"cobol\""), "{err}");
    let (code, _, err) = judge(&[
        "--problem",
        hello().to_str().expect("p"),
        "--time-limit=-1",
        src,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("--time-limit"), "{err}");
    let (code, _, err) = judge(&[
        "--problem",
        hello().to_str().expect("p"),
        "/no/such/source.c",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("/no/such/source.c"), "{err}");
    let (code, _, err) = judge(&["--problem", hello().to_str().expect("p"), "README"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("cannot tell the language of README: pass --language"),
        "{err}"
    );
}
