//! Reading a package's files from a folder or a zip, safely: bounded in size
//! and count, no path leaving the package, no zip-slip, no symlink escapes.

use std::fs;
use std::io::Read;
use std::path::{Component, Path};

use super::PackageError;

/// Most bytes a package may hold in all.
pub const MAX_PACKAGE_BYTES: u64 = 1 << 30;
/// Most files a package may hold.
pub const MAX_PACKAGE_FILES: usize = 100_000;
/// Deepest folder nesting we follow.
const MAX_DEPTH: usize = 32;

/// One file of a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageFile {
    /// Path inside the package, `/`-separated.
    pub path: String,
    /// Its content.
    pub content: Vec<u8>,
}

/// Folders that are version-control noise, not package content.
fn is_vcs(name: &str) -> bool {
    matches!(name, ".git" | ".svn" | ".hg")
}

struct Budget {
    bytes: u64,
    files: usize,
}

impl Budget {
    fn charge(&mut self, origin: &Path, size: u64) -> Result<(), PackageError> {
        self.files += 1;
        self.bytes = self.bytes.saturating_add(size);
        if self.files > MAX_PACKAGE_FILES {
            return Err(PackageError::new(
                origin,
                format!("the package has more than {MAX_PACKAGE_FILES} files"),
            ));
        }
        if self.bytes > MAX_PACKAGE_BYTES {
            return Err(PackageError::new(
                origin,
                format!("the package is larger than {} MiB", MAX_PACKAGE_BYTES >> 20),
            ));
        }
        Ok(())
    }
}

/// Reads a package; returns its id (folder or zip name) and its files sorted by path.
pub(crate) fn read(path: &Path) -> Result<(String, Vec<PackageFile>), PackageError> {
    let meta =
        fs::metadata(path).map_err(|e| PackageError::new(path, format!("cannot read: {e}")))?;
    let (id, mut files) = if meta.is_dir() {
        let root = fs::canonicalize(path)
            .map_err(|e| PackageError::new(path, format!("cannot resolve: {e}")))?;
        let mut files = Vec::new();
        let mut budget = Budget { bytes: 0, files: 0 };
        walk(&root, &root, "", 0, &mut files, &mut budget)?;
        let id = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        (id, files)
    } else if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
    {
        read_zip(path)?
    } else {
        return Err(PackageError::new(
            path,
            "not a problem package: expected a folder or a .zip file",
        ));
    };
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((id, files))
}

fn walk(
    root: &Path,
    dir: &Path,
    prefix: &str,
    depth: usize,
    out: &mut Vec<PackageFile>,
    budget: &mut Budget,
) -> Result<(), PackageError> {
    if depth > MAX_DEPTH {
        return Err(PackageError::new(
            dir,
            "folders nested too deep (a symlink loop?)",
        ));
    }
    let entries =
        fs::read_dir(dir).map_err(|e| PackageError::new(dir, format!("cannot list: {e}")))?;
    for entry in entries {
        let entry = entry.map_err(|e| PackageError::new(dir, format!("cannot list: {e}")))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            return Err(PackageError::new(
                entry.path(),
                "file name is not UTF-8: rename it",
            ));
        };
        if is_vcs(name) {
            continue;
        }
        let path = entry.path();
        // Follow symlinks, but only to places inside the package.
        let real = fs::canonicalize(&path).map_err(|e| {
            PackageError::new(&path, format!("cannot resolve (broken symlink?): {e}"))
        })?;
        if !real.starts_with(root) {
            return Err(PackageError::new(
                &path,
                "symlink points outside the package: refusing to import it",
            ));
        }
        let rel = if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}/{name}")
        };
        let meta = fs::metadata(&real)
            .map_err(|e| PackageError::new(&path, format!("cannot read: {e}")))?;
        if meta.is_dir() {
            walk(root, &real, &rel, depth + 1, out, budget)?;
        } else if meta.is_file() {
            budget.charge(root, meta.len())?;
            let content = fs::read(&real)
                .map_err(|e| PackageError::new(&path, format!("cannot read: {e}")))?;
            out.push(PackageFile { path: rel, content });
        }
    }
    Ok(())
}

fn read_zip(path: &Path) -> Result<(String, Vec<PackageFile>), PackageError> {
    let fail = |m: String| PackageError::new(path, m);
    let file = fs::File::open(path).map_err(|e| fail(format!("cannot open: {e}")))?;
    let mut zip =
        zip::ZipArchive::new(file).map_err(|e| fail(format!("not a valid zip file: {e}")))?;
    if zip.len() > MAX_PACKAGE_FILES {
        return Err(fail(format!(
            "the zip holds more than {MAX_PACKAGE_FILES} entries"
        )));
    }
    let mut budget = Budget { bytes: 0, files: 0 };
    let mut files = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| fail(format!("entry {i} cannot be read: {e}")))?;
        let raw_name = entry.name().to_owned();
        let Some(rel) = entry.enclosed_name().and_then(|p| normal_path(&p)) else {
            return Err(fail(format!(
                "entry {raw_name:?} has an unsafe path (absolute or with ..)"
            )));
        };
        if entry.is_dir() || rel.split('/').any(is_vcs) || rel.starts_with("__MACOSX/") {
            continue;
        }
        if entry.unix_mode().is_some_and(|m| m & 0o170000 == 0o120000) {
            return Err(fail(format!(
                "entry {rel:?} is a symlink: zips with symlinks are refused"
            )));
        }
        // Never trust the size the header claims: count what we inflate.
        let mut content = Vec::new();
        let limit = MAX_PACKAGE_BYTES.saturating_sub(budget.bytes) + 1;
        (&mut entry)
            .take(limit)
            .read_to_end(&mut content)
            .map_err(|e| fail(format!("entry {rel:?} cannot be inflated: {e}")))?;
        budget.charge(path, content.len() as u64)?;
        files.push(PackageFile { path: rel, content });
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A zip holds the package at its root, or inside one top folder.
    let at_root = files
        .iter()
        .any(|f| f.path == "problem.yaml" || f.path.starts_with("data/"));
    if !at_root {
        let tops: std::collections::BTreeSet<&str> = files
            .iter()
            .filter_map(|f| f.path.split_once('/').map(|(t, _)| t))
            .collect();
        let all_nested = files.iter().all(|f| f.path.contains('/'));
        if tops.len() == 1 && all_nested {
            let top = tops.into_iter().next().unwrap_or_default().to_owned();
            for f in &mut files {
                f.path = f.path[top.len() + 1..].to_owned();
            }
            return Ok((top, files));
        }
    }
    Ok((stem, files))
}

/// A relative path made only of normal components, `/`-joined.
fn normal_path(p: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for c in p.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_str()?.to_owned()),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}
