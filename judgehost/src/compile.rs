//! Compiling a submission (or a package's validator) to wasm. A compiler is
//! contestant code too (`#include "/path"`, `.incbin`, `include_str!` read
//! whatever the compiler can see), so every compile runs in the native
//! sandbox: the sources go into a private work folder, the toolchain's
//! command lines run with only the toolchain in view, and the module comes
//! back capped in size. A compiler's complaint is a compile error (data); a
//! missing compiler or a broken sandbox is our error.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use crate::sandbox::{
    Mount, NativeLimits, NativeSandbox, NativeSpec, NativeStep, ReadBack, Termination, read_back,
};
use crate::toolchain::{
    CExtras, LINK_PLACEHOLDER, Language, SHIM_DIR, SHIM_HEADERS, SourceFile, ToolchainError,
    Toolchains,
};

/// What a compilation produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompileOutcome {
    /// A WebAssembly module.
    Compiled {
        /// The module.
        wasm: Vec<u8>,
        /// The compiler's warnings, capped.
        message: String,
    },
    /// A compile error: the message is shown to the team.
    Failed {
        /// Why, capped.
        message: String,
    },
    /// The program's static arrays alone are larger than its memory limit:
    /// an object file passed the limit plus the slack for code.
    MemoryLimit {
        /// Why.
        message: String,
    },
}

/// Our shim headers written out once per process, world-readable, for the
/// sandbox to mount at [`SHIM_DIR`]; nothing reads the source checkout.
#[derive(Debug)]
struct ShimHeaders(tempfile::TempDir);

impl ShimHeaders {
    fn write() -> Result<ShimHeaders, ToolchainError> {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::Builder::new()
            .prefix("floorjudge-shim-")
            .tempdir_in(std::env::temp_dir())?;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))?;
        for (rel, content) in SHIM_HEADERS {
            let path = dir.path().join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
                std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o755))?;
            }
            std::fs::write(&path, content)?;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))?;
        }
        Ok(ShimHeaders(dir))
    }
}

/// The compilers, run in the native sandbox.
#[derive(Debug)]
pub struct Compiler {
    toolchains: Toolchains,
    sandbox: std::sync::Arc<NativeSandbox>,
    /// Kept for the folder the mounts below point at.
    _shim: ShimHeaders,
    /// What each compiler sees (its toolchain and our shim headers), found once.
    mounts: HashMap<Language, Vec<Mount>>,
    /// Linker command lines learnt from the clang driver, per language.
    link_lines: Mutex<HashMap<&'static str, Option<Vec<String>>>>,
    /// Made on the first C/C++ compile.
    prelude: Mutex<Option<Prelude>>,
}

/// What C/C++ builds share, made once per process in the sandbox from our
/// shim sources alone: the precompiled `bits/stdc++.h` that every C++
/// compile includes (so code written for g++, which gets `std::array`
/// through other headers, compiles, and faster than with `<iostream>`
/// alone), and the start shim for a three-argument `main`. Paths are as the
/// sandbox sees them; `None` where the build failed (then C++ includes the
/// header itself, slower, and a three-argument main stays an RTE).
#[derive(Debug, Clone, Default)]
struct Prelude {
    pch: Option<String>,
    main_envp: Option<String>,
}

/// wasm-ld's warning when `main` takes three arguments: wasi-libc's start
/// code calls it with two, and the call would trap.
fn main_takes_envp(linker_message: &str) -> bool {
    linker_message.contains("function signature mismatch: main")
        && linker_message.contains("(i32, i32, i32) -> i32")
}

fn cap(text: &[u8], max: usize) -> String {
    let mut s = String::from_utf8_lossy(&text[..text.len().min(max)]).into_owned();
    if text.len() > max {
        s.push_str("\n[… compiler output truncated]");
    }
    s
}

const MIB: u64 = 1 << 20;

impl Compiler {
    /// Compilers at the given places, with the native sandbox.
    pub fn new(toolchains: Toolchains) -> Result<Compiler, ToolchainError> {
        let shim = ShimHeaders::write()?;
        let mounts = [Language::C, Language::Cpp, Language::Rust]
            .into_iter()
            .map(|lang| {
                let mut m = toolchains.mounts(lang);
                m.push(Mount::at(shim.0.path(), SHIM_DIR));
                (lang, m)
            })
            .collect();
        Ok(Compiler {
            toolchains,
            sandbox: std::sync::Arc::new(NativeSandbox::new()?),
            _shim: shim,
            mounts,
            link_lines: Mutex::new(HashMap::new()),
            prelude: Mutex::new(None),
        })
    }

    fn prelude(&self) -> Result<Prelude, ToolchainError> {
        let mut slot = self.prelude.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = &*slot {
            return Ok(p.clone());
        }
        let header = format!("{SHIM_DIR}/bits/stdc++.h");
        let mut pch = vec![
            self.toolchains
                .program(Language::Cpp)?
                .display()
                .to_string(),
        ];
        pch.extend(self.toolchains.c_flags(Language::Cpp));
        pch.extend(
            [
                "-fpch-instantiate-templates",
                "-x",
                "c++-header",
                &header,
                "-o",
                "stdcxx.pch",
            ]
            .map(str::to_owned),
        );
        let mut shim = vec![self.toolchains.program(Language::C)?.display().to_string()];
        shim.extend(self.toolchains.c_flags(Language::C));
        shim.extend(
            [
                "-c",
                &format!("{SHIM_DIR}/floorjudge/main_envp.c"),
                "-o",
                "main_envp.o",
            ]
            .map(str::to_owned),
        );
        let built = Prelude {
            pch: self.build_prelude(Language::Cpp, pch, "stdcxx.pch")?,
            main_envp: self.build_prelude(Language::C, shim, "main_envp.o")?,
        };
        *slot = Some(built.clone());
        Ok(built)
    }

    /// Runs one prelude build and puts its output beside the shim headers.
    fn build_prelude(
        &self,
        lang: Language,
        argv: Vec<String>,
        output: &str,
    ) -> Result<Option<String>, ToolchainError> {
        use std::os::unix::fs::PermissionsExt;
        let started = std::time::Instant::now();
        let work = self.sandbox.work_dir("fj-prelude-")?;
        let out = self.run(
            lang,
            vec![NativeStep::new(argv)],
            work.path(),
            self.toolchains.limits.module_bytes,
        )?;
        let bytes = match (
            &out.run.termination,
            read_back(&work.path().join(output), 256 * MIB)?,
        ) {
            (Termination::Exited(0), ReadBack::Bytes(b)) => b,
            (t, _) => {
                tracing::warn!(
                    output,
                    termination = ?t,
                    message = %String::from_utf8_lossy(&out.run.stderr),
                    "could not build a C/C++ prelude file: compiles go on without it"
                );
                return Ok(None);
            }
        };
        let dir = self._shim.0.path().join("prelude");
        std::fs::create_dir_all(&dir)?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))?;
        std::fs::write(dir.join(output), &bytes)?;
        std::fs::set_permissions(dir.join(output), std::fs::Permissions::from_mode(0o644))?;
        tracing::info!(
            output,
            bytes = bytes.len(),
            ms = started.elapsed().as_millis() as u64,
            "C/C++ prelude built"
        );
        Ok(Some(format!("{SHIM_DIR}/prelude/{output}")))
    }

    /// The flags every compile of `lang` adds: C++ includes the whole
    /// standard library, precompiled.
    fn compile_extras(&self, lang: Language) -> Result<Vec<String>, ToolchainError> {
        if lang != Language::Cpp {
            return Ok(Vec::new());
        }
        Ok(match self.prelude()?.pch {
            Some(pch) => vec!["-include-pch".into(), pch],
            None => vec!["-include".into(), "bits/stdc++.h".into()],
        })
    }

    /// Where the compilers are and their limits.
    pub fn toolchains(&self) -> &Toolchains {
        &self.toolchains
    }

    /// The native sandbox compiles run in.
    pub fn sandbox(&self) -> &NativeSandbox {
        &self.sandbox
    }

    /// The same sandbox, for the other native parts of a judge to share
    /// (one seccomp build and one cgroup setup per judge, not four).
    pub fn shared_sandbox(&self) -> std::sync::Arc<NativeSandbox> {
        self.sandbox.clone()
    }

    /// Compiles `sources` to a wasm module for a program that may use
    /// `memory_limit` bytes (object files, which hold static arrays in
    /// full, may not pass that by more than the slack).
    pub fn compile(
        &self,
        lang: Language,
        sources: &[SourceFile],
        memory_limit: u64,
    ) -> Result<CompileOutcome, ToolchainError> {
        let failed = |m: String| Ok(CompileOutcome::Failed { message: m });
        if let Err(m) = self.toolchains.check_sources(sources) {
            return failed(m);
        }
        let limits = self.toolchains.limits;
        let work = self.sandbox.work_dir("fj-compile-")?;
        for s in sources {
            std::fs::write(work.path().join(&s.name), &s.content)?;
        }
        let names: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
        let object_bytes = self.object_bytes(memory_limit);
        let compile_extras = self.compile_extras(lang)?;
        let extras = CExtras {
            compile: &compile_extras,
            link_objects: &[],
        };
        let steps = self.steps_with(lang, &names, memory_limit, &extras)?;
        let file_bytes = object_bytes.max(limits.module_bytes);
        let mut out = self.run(lang, steps, work.path(), file_bytes)?;
        let mut text = std::mem::take(&mut out.run.stderr);
        text.extend_from_slice(&out.stdout);
        let mut message = cap(&text, limits.message_bytes);
        if out.run.termination == Termination::Exited(0)
            && matches!(lang, Language::C | Language::Cpp)
            && main_takes_envp(&message)
            && let Some(shim) = self.prelude()?.main_envp
        {
            // `main(argc, argv, envp)`: link again with our start shim
            let shim = [shim];
            let extras = CExtras {
                compile: &compile_extras,
                link_objects: &shim,
            };
            let steps = self.steps_with(lang, &names, memory_limit, &extras)?;
            out = self.run(lang, steps, work.path(), file_bytes)?;
            let mut text = std::mem::take(&mut out.run.stderr);
            text.extend_from_slice(&out.stdout);
            message = cap(&text, limits.message_bytes);
        }
        match out.run.termination {
            Termination::Exited(0) => {}
            Termination::WallTimeout => {
                return failed(format!(
                    "compilation took longer than {} s and was stopped\n{message}",
                    limits.wall.as_secs()
                ));
            }
            Termination::FileSizeLimit if !objects_made(work.path(), &names) => {
                return Ok(CompileOutcome::MemoryLimit {
                    message: format!(
                        "the program's static arrays are larger than its memory limit of {} MiB \
                         (the compiler stopped at an object file of {} MiB)",
                        memory_limit / MIB,
                        object_bytes / MIB
                    ),
                });
            }
            Termination::FileSizeLimit => {
                return failed(format!(
                    "the compiled program is larger than {} MiB\n{message}",
                    limits.module_bytes / MIB
                ));
            }
            Termination::CpuTimeLimit | Termination::Signaled(libc::SIGKILL) => {
                return failed(format!(
                    "the compiler ran out of time or memory and was stopped\n{message}"
                ));
            }
            Termination::Signaled(sig) => {
                return failed(format!("the compiler died with signal {sig}\n{message}"));
            }
            _ if message.contains("PLEASE submit a bug report") => {
                return failed(format!(
                    "the compiler crashed (most often it ran out of memory: it holds static \
                     arrays in memory in full)\n{message}"
                ));
            }
            _ => {
                let mut reasons = crate::toolchain::unavailable_reasons(&message);
                if message.contains("with exceptions disabled") {
                    reasons.push(
                        "C++ exceptions (`throw`, `try`, `catch`) are not available in this \
                         judge: its C++ runs as WebAssembly without exception handling"
                            .into(),
                    );
                }
                if reasons.is_empty() {
                    return failed(message);
                }
                return failed(format!("{}\n\n{message}", reasons.join("\n")));
            }
        }
        match read_back(&work.path().join("out.wasm"), limits.module_bytes)? {
            ReadBack::Bytes(wasm) => Ok(CompileOutcome::Compiled { wasm, message }),
            ReadBack::TooLarge => failed(format!(
                "the compiled program is larger than {} MiB\n{message}",
                limits.module_bytes / MIB
            )),
            ReadBack::Missing => failed(format!("the compiler produced no program\n{message}")),
        }
    }

    /// The command lines a compile of `names` runs (the same as
    /// [`Compiler::compile`] runs in the sandbox), for benchmarks that
    /// compare them with and without it.
    pub fn steps(
        &self,
        lang: Language,
        names: &[&str],
        memory_limit: u64,
    ) -> Result<Vec<NativeStep>, ToolchainError> {
        let compile = self.compile_extras(lang)?;
        let extras = CExtras {
            compile: &compile,
            link_objects: &[],
        };
        self.steps_with(lang, names, memory_limit, &extras)
    }

    fn steps_with(
        &self,
        lang: Language,
        names: &[&str],
        memory_limit: u64,
        extras: &CExtras<'_>,
    ) -> Result<Vec<NativeStep>, ToolchainError> {
        let link_line = match lang {
            Language::C | Language::Cpp => self.link_line(lang)?,
            _ => None,
        };
        self.toolchains.steps(
            lang,
            names,
            link_line.as_deref(),
            self.object_bytes(memory_limit),
            extras,
        )
    }

    /// Largest object file for a program of `memory_limit` bytes.
    fn object_bytes(&self, memory_limit: u64) -> u64 {
        memory_limit.saturating_add(self.toolchains.limits.object_slack_bytes)
    }

    fn run(
        &self,
        lang: Language,
        steps: Vec<NativeStep>,
        work: &Path,
        file_bytes: u64,
    ) -> Result<crate::sandbox::NativeOutcome, ToolchainError> {
        let limits = self.toolchains.limits;
        Ok(self.sandbox.run(&NativeSpec {
            steps,
            env: Vec::new(),
            mounts: self.mounts.get(&lang).cloned().unwrap_or_default(),
            work,
            limits: NativeLimits {
                wall: limits.wall,
                cpu: limits.wall,
                address_space_bytes: limits.memory_bytes,
                memory_bytes: None,
                file_bytes,
                processes: limits.processes,
                open_files: limits.open_files,
                tmp_bytes: limits.tmp_bytes,
                stdout_bytes: limits.message_bytes + 1,
                stderr_bytes: limits.message_bytes + 1,
            },
        })?)
    }

    /// The linker line of `lang`, learnt once from `clang -###` (run in the
    /// sandbox like every compile); `None` if it cannot be learnt.
    fn link_line(&self, lang: Language) -> Result<Option<Vec<String>>, ToolchainError> {
        let mut cache = self.link_lines.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(line) = cache.get(lang.id()) {
            return Ok(line.clone());
        }
        let probe = self.toolchains.link_probe(lang)?;
        // the driver leaves out inputs that do not exist
        let work = self.sandbox.work_dir("fj-link-")?;
        std::fs::write(work.path().join(LINK_PLACEHOLDER), b"")?;
        let out = self.run(
            lang,
            vec![NativeStep::new(probe)],
            work.path(),
            self.toolchains.limits.module_bytes,
        )?;
        let line = Toolchains::parse_link_line(&String::from_utf8_lossy(&out.run.stderr));
        if line.is_none() {
            tracing::warn!(
                language = lang.id(),
                "could not learn the linker line: clang drives each link"
            );
        }
        cache.insert(lang.id(), line.clone());
        Ok(line)
    }
}

/// Whether every object file of a C/C++ build is there (so a file-size stop
/// came from the linker, not from the compiler writing static data).
fn objects_made(work: &Path, names: &[&str]) -> bool {
    let (_, objects) = Toolchains::c_objects(names);
    !objects.is_empty()
        && objects
            .iter()
            .all(|o| std::fs::symlink_metadata(work.join(o)).is_ok_and(|m| m.is_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_linker_line_is_learnt_once_per_language_in_the_sandbox() {
        let c = Compiler::new(Toolchains::default()).expect("compiler");
        for lang in [Language::C, Language::Cpp] {
            let line = c
                .link_line(lang)
                .expect("ran")
                .expect("clang -### names wasm-ld");
            assert!(line[0].contains("wasm-ld"), "{line:?}");
            assert!(line.iter().any(|a| a == LINK_PLACEHOLDER));
            assert!(
                line.iter()
                    .any(|a| a.contains("stack-size") || a == "--stack-first")
            );
            assert!(line.iter().any(|a| a == "out.wasm"));
        }
        assert_eq!(c.link_lines.lock().unwrap().len(), 2);
        let cpp = c.link_line(Language::Cpp).unwrap().unwrap();
        assert!(cpp.iter().any(|a| a == "-lc++"), "{cpp:?}");
    }

    #[test]
    fn a_link_in_place_of_the_module_is_not_followed() {
        let dir = tempfile::tempdir().expect("tmp");
        let secret = dir.path().join("secret");
        std::fs::write(&secret, b"secret").expect("write");
        let out = dir.path().join("out.wasm");
        std::os::unix::fs::symlink(&secret, &out).expect("symlink");
        assert!(matches!(read_back(&out, 100), Ok(ReadBack::Missing)));
        std::fs::remove_file(&out).expect("rm");
        std::fs::write(&out, [0u8; 101]).expect("write");
        assert!(matches!(read_back(&out, 100), Ok(ReadBack::TooLarge)));
    }
}
