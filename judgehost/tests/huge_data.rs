//! One submission cannot take the judgehost down: huge initialised static
//! data ends as MLE or CE within seconds, and this process (the judging
//! process; this test binary holds nothing else) stays under 1 GiB.
//! The compilers run in the native sandbox: their memory is theirs.

use std::time::{Duration, Instant};

use floorjudge_judgehost::load_package;
use floorjudge_judgehost::pipeline::{Judge, JudgeRequest};
use floorjudge_judgehost::toolchain::{Language, SourceFile};
use floorjudge_proto::Verdict;

/// Peak resident memory of this process so far, bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    kib << 10
}

#[test]
fn huge_initialised_arrays_end_quickly_and_the_judge_stays_small() {
    let judge = Judge::new().expect("judge");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (memory_mib, size) in [
        (256, "0x30000000"),
        (2048, "0x30000000"),
        (256, "0x7f000000"),
        (2048, "0x7f000000"),
    ] {
        // the sample package with another memory limit
        let tmp = tempfile::tempdir().expect("tmp");
        let pkg = tmp.path().join("greetings");
        let from = dir.join("../assets/sample-contest/greetings");
        for rel in ["data/sample/1.in", "data/sample/1.ans"] {
            std::fs::create_dir_all(pkg.join(rel).parent().expect("parent")).expect("mkdir");
            std::fs::copy(from.join(rel), pkg.join(rel)).expect("copy");
        }
        std::fs::write(
            pkg.join("problem.yaml"),
            format!("name: Greetings\nlimits:\n  time_limit: 1\n  memory: {memory_mib}\n"),
        )
        .expect("yaml");
        let package = load_package(&pkg).expect("package");
        let source = format!(
            "#include <stdio.h>\nchar big[{size}] = {{1}};\n\
             int main(void) {{ printf(\"%d\\n\", big[12345]); return 0; }}\n"
        );
        let start = Instant::now();
        let j = judge
            .judge(&JudgeRequest {
                package: &package,
                language: Language::C,
                sources: vec![SourceFile {
                    name: "big.c".into(),
                    content: source.into_bytes(),
                }],
                time_limit: None,
                time_factor: 1.0,
                backend: None,
                validator: None,
                on_testcase: None,
            })
            .expect("judged");
        let took = start.elapsed();
        let rss = peak_rss();
        println!(
            "{size} with {memory_mib} MiB: {:?} in {took:?}, judging process peak RSS {} MiB: {}",
            j.verdict,
            rss >> 20,
            j.compile_message.lines().next().unwrap_or_default()
        );
        assert!(
            matches!(j.verdict, Verdict::MemoryLimit | Verdict::CompileError),
            "{size}/{memory_mib}: {j:?}"
        );
        assert!(j.testcases.is_empty(), "never run: {:?}", j.testcases);
        // a hang guard, not a speed figure (the compile benchmark measures
        // that): the compiler is stopped at its output limit instead of
        // writing gigabytes for minutes. 768 MiB of data takes about 5 s on
        // an idle 2-core machine and 2 GiB a few seconds more; the bound
        // leaves room for a loaded CI machine (5.09 s was seen, and failed,
        // against a 5 s bound)
        let bound = 30;
        assert!(
            took < Duration::from_secs(bound),
            "{size}/{memory_mib}: {took:?}"
        );
        assert!(rss < 1 << 30, "peak RSS {} MiB", rss >> 20);
    }
}
