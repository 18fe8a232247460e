//! A compiler is contestant code: every attack a submission can make at
//! compile time, through the real clang, wasm-ld and rustc in the real
//! native sandbox. Each ends as CE (or WA), never AC, and no compile message
//! holds a byte of the secrets.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use floorjudge_judgehost::load_package;
use floorjudge_judgehost::pipeline::{Judge, JudgeRequest, Judgement};
use floorjudge_judgehost::toolchain::{Language, SourceFile};
use floorjudge_proto::Verdict;

/// The secret answer: a C initializer and a line of output at once, so a
/// program that could read it would print it and be accepted.
const SECRET: &str = "31415926535";
/// What the fake contest folder's key holds.
const KEY: &str = "FJKEY9f8e7d6c5b4a3";

struct Fixture {
    _dir: tempfile::TempDir,
    package: PathBuf,
    answer: PathBuf,
    key: PathBuf,
}

/// A package whose only testcase's answer is [`SECRET`], beside a contest
/// folder with a `jury.key`, in a private temporary folder.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tmp");
        let package = dir.path().join("secretive");
        std::fs::create_dir_all(package.join("data/secret")).expect("mkdir");
        std::fs::write(
            package.join("problem.yaml"),
            "name: Secretive\nlimits:\n  time_limit: 1\n  memory: 256\n",
        )
        .expect("yaml");
        std::fs::write(package.join("data/secret/1.in"), "\n").expect("in");
        let answer = package.join("data/secret/1.ans");
        std::fs::write(&answer, format!("{SECRET}\n")).expect("ans");
        let contest = dir.path().join("contest");
        std::fs::create_dir_all(&contest).expect("mkdir");
        let key = contest.join("jury.key");
        std::fs::write(&key, format!("{KEY}\n")).expect("key");
        Fixture {
            _dir: dir,
            package,
            answer,
            key,
        }
    })
}

fn judge() -> &'static Judge {
    static JUDGE: OnceLock<Judge> = OnceLock::new();
    JUDGE.get_or_init(|| Judge::new().expect("judge"))
}

fn judged(name: &str, source: String) -> Judgement {
    let package = load_package(&fixture().package).expect("package");
    let lang = Language::from_extension(Path::new(name)).expect("language");
    judge()
        .judge(&JudgeRequest {
            package: &package,
            language: lang,
            sources: vec![SourceFile {
                name: name.into(),
                content: source.into_bytes(),
            }],
            time_limit: None,
            time_factor: 1.0,
            backend: None,
            validator: None,
            on_testcase: None,
        })
        .unwrap_or_else(|e| panic!("{name}: judge error {e}"))
}

/// Judges the attack and checks it failed and leaked nothing; returns the
/// judgement.
fn refused(name: &str, source: String, allowed: &[Verdict]) -> Judgement {
    let j = judged(name, source);
    assert!(
        allowed.contains(&j.verdict),
        "{name}: {:?} ({})",
        j.verdict,
        j.compile_message
    );
    for secret in [SECRET, KEY, "root:x:0:0"] {
        assert!(
            !j.compile_message.contains(secret),
            "{name} leaked {secret}: {}",
            j.compile_message
        );
    }
    // (a WA's validator message quotes the expected answer to the jury: the
    // secret may appear there, what the program printed may not)
    for t in &j.testcases {
        for secret in [KEY, "root:x:0:0"] {
            assert!(!t.message.contains(secret), "{name} leaked {secret}: {t:?}");
        }
    }
    j
}

fn ce(name: &str, source: String) -> Judgement {
    refused(name, source, &[Verdict::CompileError])
}

fn path(p: &Path) -> String {
    p.to_str().expect("utf-8 path").to_owned()
}

#[test]
fn an_honest_submission_is_accepted_so_the_package_is_fair() {
    let j = judged(
        "honest.c",
        format!("#include <stdio.h>\nint main(void) {{ puts(\"{SECRET}\"); return 0; }}\n"),
    );
    assert_eq!(j.verdict, Verdict::Accepted, "{j:?}");
}

#[test]
fn c_include_of_absolute_paths_finds_nothing() {
    let f = fixture();
    for target in [path(&f.answer), "/etc/passwd".into(), path(&f.key)] {
        let j = ce(
            "include_abs.c",
            format!(
                "#include <stdio.h>\nlong long a[] = {{\n#include \"{target}\"\n}};\n\
                 int main(void) {{ printf(\"%lld\\n\", a[0]); return 0; }}\n"
            ),
        );
        assert!(
            j.compile_message.contains("not found"),
            "{target}: {}",
            j.compile_message
        );
    }
    // <…> include, and the same through /proc and through ..
    for target in [
        format!("<{}>", path(&f.answer)),
        format!("\"/proc/self/root{}\"", path(&f.answer)),
        format!("\"/proc/1/root{}\"", path(&f.answer)),
        format!("\"/proc/self/cwd/../../../..{}\"", path(&f.answer)),
        format!("\"../../../../../../..{}\"", path(&f.answer)),
    ] {
        ce(
            "include_indirect.c",
            format!(
                "#include <stdio.h>\nlong long a[] = {{\n#include {target}\n}};\n\
                 int main(void) {{ printf(\"%lld\\n\", a[0]); return 0; }}\n"
            ),
        );
    }
}

#[test]
fn the_environment_of_the_sandbox_is_empty() {
    // pid 1 of the sandbox is our script, whose environment is only PATH,
    // HOME and TMPDIR, and clang reads /proc files as empty (their size is
    // 0): the initializer is empty, the program prints 1 and is wrong.
    refused(
        "environ.c",
        "#include <stdio.h>\nchar a[] = {\n#include \"/proc/1/environ\"\n0};\n\
         int main(void) { printf(\"%zu\\n\", sizeof a); return 0; }\n"
            .into(),
        &[Verdict::WrongAnswer],
    );
}

#[test]
fn incbin_in_inline_assembly_finds_nothing() {
    let j = ce(
        "incbin.c",
        format!(
            "#include <stdio.h>\n__asm__(\".section .data.secret,\\\"\\\",@\\n.globl secret\\n\
             secret:\\n.incbin \\\"{}\\\"\\n.int8 0\\n.size secret, 13\\n\");\n\
             extern char secret[];\nint main(void) {{ fputs(secret, stdout); return 0; }}\n",
            path(&fixture().answer)
        ),
    );
    assert!(
        j.compile_message.contains("incbin") || j.compile_message.contains("No such file"),
        "{}",
        j.compile_message
    );
}

#[test]
fn has_include_cannot_probe_the_host() {
    // Prints the secret only if the compiler can see where it is kept.
    let f = fixture();
    let probes = [
        path(&f.answer),
        path(&f.key),
        "/etc/passwd".into(),
        "/etc/hostname".into(),
        "/root".into(),
        "/home".into(),
        path(f.package.parent().expect("parent")),
    ];
    let mut src = String::from("#include <stdio.h>\nint main(void) {\n  int seen = 0;\n");
    for p in &probes {
        src.push_str(&format!("#if __has_include(\"{p}\")\n  seen++;\n#endif\n"));
    }
    src.push_str(&format!(
        "  if (seen) puts(\"{SECRET}\"); else puts(\"nothing\");\n  return 0;\n}}\n"
    ));
    let j = refused("probe.c", src, &[Verdict::WrongAnswer]);
    assert_eq!(j.testcases.len(), 1);
}

#[test]
fn cpp_include_of_the_secret_finds_nothing() {
    ce(
        "include.cpp",
        format!(
            "#include <bits/stdc++.h>\nlong long a[] = {{\n#include \"{}\"\n}};\n\
             int main() {{ std::cout << a[0] << std::endl; }}\n",
            path(&fixture().answer)
        ),
    );
}

#[test]
fn rust_include_str_and_include_bytes_find_nothing() {
    let f = fixture();
    ce(
        "include_str.rs",
        format!(
            "const S: &str = include_str!(\"{}\");\nfn main() {{ print!(\"{{}}\", S); }}\n",
            path(&f.answer)
        ),
    );
    ce(
        "include_bytes.rs",
        format!(
            "const B: &[u8] = include_bytes!(\"{}\");\n\
             fn main() {{ print!(\"{{}}\", String::from_utf8_lossy(B)); }}\n",
            path(&f.key)
        ),
    );
}

#[test]
fn source_names_that_point_elsewhere_are_refused() {
    for name in [
        "../evil.c",
        "/tmp/evil.c",
        "a/b.c",
        ".hidden.c",
        "-evil.c",
        "out.wasm/..c",
    ] {
        let package = load_package(&fixture().package).expect("package");
        let j = judge()
            .judge(&JudgeRequest {
                package: &package,
                language: Language::C,
                sources: vec![SourceFile {
                    name: name.into(),
                    content: b"int main(void){return 0;}".to_vec(),
                }],
                time_limit: None,
                time_factor: 1.0,
                backend: None,
                validator: None,
                on_testcase: None,
            })
            .expect("judged");
        assert_eq!(j.verdict, Verdict::CompileError, "{name}");
        assert!(
            j.compile_message.contains("not allowed"),
            "{name}: {}",
            j.compile_message
        );
    }
}
