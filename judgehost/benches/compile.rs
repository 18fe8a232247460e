//! Compile benchmark, measured in one run on this machine: a+b in C and in
//! Rust compiled by `Compiler::compile` (the native sandbox: bubblewrap,
//! namespaces, seccomp, rlimits) against the very same command lines run as
//! plain child processes, median of 20 each after warm-up; and the bare
//! sandbox cost of `/bin/true`; and C++ a+b in the sandbox as it was
//! compiled before every C++ compile included the precompiled
//! `bits/stdc++.h` (one clang++ driver run with `<iostream>`) and as it is
//! now (`Compiler::compile`: the PCH force-included, compile then link).
//!
//! Run with `cargo bench -p floorjudge-judgehost --bench compile`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use floorjudge_judgehost::compile::{CompileOutcome, Compiler};
use floorjudge_judgehost::sandbox::{Mount, NativeLimits, NativeSpec, NativeStep, Termination};
use floorjudge_judgehost::toolchain::{Language, SourceFile, Toolchains};

const RUNS: usize = 20;
const WARMUP: usize = 3;
const MEMORY: u64 = 1 << 30;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The same steps, unsandboxed, in a fresh folder each time.
fn direct(compiler: &Compiler, lang: Language, src: &SourceFile) -> Duration {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join(&src.name), &src.content).expect("write");
    let start = Instant::now();
    for step in compiler
        .steps(lang, &[src.name.as_str()], MEMORY)
        .expect("steps")
    {
        let ok = Command::new(&step.argv[0])
            .args(&step.argv[1..])
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", "/usr/bin")
            .env("HOME", dir.path())
            .env("TMPDIR", dir.path())
            .stdin(Stdio::null())
            .status()
            .expect("spawn");
        assert!(ok.success(), "{:?}", step.argv);
    }
    let t = start.elapsed();
    assert!(dir.path().join("out.wasm").is_file());
    t
}

fn sandboxed(compiler: &Compiler, lang: Language, src: &SourceFile) -> Duration {
    let start = Instant::now();
    let out = compiler
        .compile(lang, std::slice::from_ref(src), MEMORY)
        .expect("compile");
    let t = start.elapsed();
    assert!(matches!(out, CompileOutcome::Compiled { .. }), "{out:?}");
    t
}

fn main() {
    let compiler = Compiler::new(Toolchains::default()).expect("compiler");
    let sources = [
        (
            Language::C,
            SourceFile {
                name: "sum.c".into(),
                content: b"#include <stdio.h>\nint main(void){long long a,b;scanf(\"%lld %lld\",&a,&b);printf(\"%lld\\n\",a+b);return 0;}\n".to_vec(),
            },
        ),
        (
            Language::Rust,
            SourceFile {
                name: "sum.rs".into(),
                content: b"use std::io::Read;\nfn main(){let mut s=String::new();std::io::stdin().read_to_string(&mut s).unwrap();let v:Vec<i64>=s.split_whitespace().map(|x|x.parse().unwrap()).collect();println!(\"{}\",v[0]+v[1]);}\n".to_vec(),
            },
        ),
    ];
    for (lang, src) in &sources {
        for _ in 0..WARMUP {
            direct(&compiler, *lang, src);
            sandboxed(&compiler, *lang, src);
        }
        // interleaved, so both see the same load
        let (mut plain, mut boxed) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            plain.push(direct(&compiler, *lang, src));
            boxed.push(sandboxed(&compiler, *lang, src));
        }
        let (p, b) = (median(plain), median(boxed));
        println!(
            "{lang:<5} a+b, median of {RUNS}: plain {:>7.1} ms | sandboxed {:>7.1} ms | overhead {:+.1} ms ({:.3}x)",
            ms(p),
            ms(b),
            ms(b) - ms(p),
            b.as_secs_f64() / p.as_secs_f64()
        );
    }

    // The sandbox alone: /bin/true with the same mounts as a C compile.
    let toolchains = Toolchains::default();
    let mounts: Vec<Mount> = toolchains.mounts(Language::C);
    let limits = NativeLimits {
        wall: Duration::from_secs(10),
        cpu: Duration::from_secs(10),
        address_space_bytes: 1 << 30,
        memory_bytes: None,
        file_bytes: 1 << 20,
        processes: 16,
        open_files: 64,
        tmp_bytes: 1 << 20,
        stdout_bytes: 1 << 10,
        stderr_bytes: 1 << 10,
    };
    let sandbox = compiler.sandbox();
    let (mut plain, mut boxed) = (Vec::new(), Vec::new());
    for i in 0..(RUNS * 5 + WARMUP) {
        let work = sandbox.work_dir("fj-bench-").expect("work");
        let start = Instant::now();
        Command::new("/bin/true").status().expect("true");
        let p = start.elapsed();
        let start = Instant::now();
        let out = sandbox
            .run(&NativeSpec {
                steps: vec![NativeStep::new(vec!["/bin/true".into()])],
                env: Vec::new(),
                mounts: mounts.clone(),
                work: work.path(),
                limits,
            })
            .expect("run");
        let b = start.elapsed();
        assert_eq!(out.run.termination, Termination::Exited(0));
        if i >= WARMUP {
            plain.push(p);
            boxed.push(b);
        }
    }
    let (p, b) = (median(plain), median(boxed));
    println!(
        "/bin/true, median of {}: plain {:.2} ms | sandboxed {:.2} ms | overhead {:+.2} ms",
        RUNS * 5,
        ms(p),
        ms(b),
        ms(b) - ms(p)
    );

    // C++ before and after the precompiled, force-included bits/stdc++.h.
    let cpp = SourceFile {
        name: "sum.cpp".into(),
        content: b"#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;std::cout<<a+b<<'\\n';}\n"
            .to_vec(),
    };
    let mut before_argv = vec![toolchains.clangxx.display().to_string()];
    before_argv.extend(toolchains.c_flags(Language::Cpp));
    before_argv.extend(["-o", "out.wasm", "sum.cpp"].map(String::from));
    before_argv.extend(Toolchains::c_link_flags());
    let before = |_: ()| {
        let work = sandbox.work_dir("fj-bench-").expect("work");
        std::fs::write(work.path().join("sum.cpp"), &cpp.content).expect("write");
        let start = Instant::now();
        let out = sandbox
            .run(&NativeSpec {
                steps: vec![NativeStep::new(before_argv.clone())],
                env: Vec::new(),
                mounts: toolchains.mounts(Language::Cpp),
                work: work.path(),
                limits: NativeLimits {
                    wall: Duration::from_secs(60),
                    cpu: Duration::from_secs(60),
                    address_space_bytes: 4 << 30,
                    file_bytes: 256 << 20,
                    processes: 64,
                    open_files: 256,
                    tmp_bytes: 512 << 20,
                    stdout_bytes: 16 << 10,
                    stderr_bytes: 16 << 10,
                    ..limits
                },
            })
            .expect("run");
        assert_eq!(out.run.termination, Termination::Exited(0), "{out:?}");
        start.elapsed()
    };
    for _ in 0..WARMUP {
        before(());
        sandboxed(&compiler, Language::Cpp, &cpp);
    }
    let (mut old, mut new) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        old.push(before(()));
        new.push(sandboxed(&compiler, Language::Cpp, &cpp));
    }
    let (o, n) = (median(old), median(new));
    println!(
        "C++ a+b, median of {RUNS}, sandboxed: before (<iostream>, one driver) {:.1} ms | now \
         (whole library precompiled and included) {:.1} ms ({:.2}x)",
        ms(o),
        ms(n),
        n.as_secs_f64() / o.as_secs_f64()
    );
}
