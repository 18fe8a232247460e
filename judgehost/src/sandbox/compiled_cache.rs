//! Compiled runtimes kept on disk: Cranelift takes 15–30 s on the Python
//! runtime component, so a judgehost compiles it once and later processes
//! load the result.
//!
//! Loading compiled code runs it as native code, so only files this process's
//! user made, in a folder no one else may write to, are loaded; anything else
//! is ignored and compiled afresh.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use wasmtime::Engine;
use wasmtime::component::Component;

use super::SandboxError;

fn wt(e: impl std::fmt::Display) -> SandboxError {
    SandboxError::Wasmtime(format!("{e:#}"))
}

/// Where the compiled form of `key` for `engine` lives in `dir`: its name
/// carries the engine's compatibility hash (wasmtime version, settings,
/// CPU features), so another engine never loads it.
pub fn path_for(engine: &Engine, key: &str, dir: &Path) -> PathBuf {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    let safe: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(64)
        .collect();
    dir.join(format!("{safe}-{:016x}.cwasm", h.finish()))
}

/// Whether a file may be loaded as compiled code: a regular file owned by
/// us, writable by no one else, in a folder owned by us (or root) that no one
/// else may write to.
fn trusted(path: &Path) -> bool {
    let uid = rustix::process::geteuid().as_raw();
    let ok = |p: &Path, file: bool| match std::fs::symlink_metadata(p) {
        Ok(m) => {
            (if file { m.is_file() } else { m.is_dir() })
                && (m.uid() == uid || (!file && m.uid() == 0))
                && m.permissions().mode() & 0o022 == 0
        }
        Err(_) => false,
    };
    ok(path, true) && path.parent().is_some_and(|d| ok(d, false))
}

/// The runtime component `wasm` compiled for `engine`: loaded from `dir`
/// when a trusted compiled copy is there, else compiled and written there
/// (0600, atomically) for the next process.
pub fn component(
    engine: &Engine,
    key: &str,
    wasm: &[u8],
    dir: &Path,
) -> Result<Component, SandboxError> {
    let path = path_for(engine, key, dir);
    if trusted(&path) {
        // SAFETY: the file was written by `serialize` below for an engine
        // with this compatibility hash, by this user, in a folder only this
        // user (or root) can write to; wasmtime checks its header again.
        #[allow(unsafe_code)]
        match unsafe { Component::deserialize_file(engine, &path) } {
            Ok(c) => return Ok(c),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "compiled runtime refused: compiling it again")
            }
        }
    }
    let component = Component::new(engine, wasm).map_err(wt)?;
    if let Err(e) = store(&component, &path) {
        tracing::warn!(path = %path.display(), error = %e, "could not keep the compiled runtime");
    }
    Ok(component)
}

fn store(component: &Component, path: &Path) -> std::io::Result<()> {
    let bytes = component
        .serialize()
        .map_err(|e| std::io::Error::other(format!("{e:#}")))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{}.tmp", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(&bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}
