//! The hidden callback folder: one sub-folder per submission, named
//! `YYYY-MM-DDThhmmssSSS±zzzz_<32 hex>`, holding the files (0600) and the
//! reference the kiosk sent (so it can be resent after a restart).

use std::io::Write;
use std::path::{Path, PathBuf};

use floorjudge_proto::callback::{validate_callback_name, validate_file_name};
use floorjudge_proto::team::SubmissionRef;
use thiserror::Error;

/// Name of the reference kept beside the files (never served: it starts with a dot).
const REFERENCE_FILE: &str = ".reference.json";

/// The callback folder could not be used.
#[derive(Debug, Error)]
#[error("callback folder {}: {source}", path.display())]
pub struct CallbackDirError {
    /// The path involved.
    pub path: PathBuf,
    /// Why.
    pub source: std::io::Error,
}

/// A kiosk's hidden callback folder.
#[derive(Debug, Clone)]
pub struct CallbackDir {
    root: PathBuf,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> CallbackDirError + '_ {
    move |source| CallbackDirError {
        path: path.to_owned(),
        source,
    }
}

/// A new callback name: the local time (for order) and 128 random bits.
pub fn new_callback_name() -> String {
    let time = chrono::Local::now().format("%Y-%m-%dT%H%M%S%3f%z");
    format!("{time}_{}", hex::encode(rand::random::<[u8; 16]>()))
}

impl CallbackDir {
    /// Opens (creating it 0700 if needed) the callback folder at `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, CallbackDirError> {
        let root = root.into();
        std::fs::create_dir_all(&root).map_err(io_err(&root))?;
        set_mode(&root, 0o700).map_err(io_err(&root))?;
        Ok(CallbackDir { root })
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Stores the files of a new submission under `name` together with its
    /// reference. Written to a temporary folder and renamed, so a crash
    /// never leaves half an entry.
    pub fn store(
        &self,
        name: &str,
        files: &[(String, Vec<u8>)],
        reference: &SubmissionRef,
    ) -> Result<(), CallbackDirError> {
        let tmp = self.root.join(format!(".new-{name}"));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir(&tmp).map_err(io_err(&tmp))?;
        set_mode(&tmp, 0o700).map_err(io_err(&tmp))?;
        for (file, data) in files {
            write_private(&tmp.join(file), data)?;
        }
        let json = serde_json::to_vec_pretty(reference).expect("a reference serializes");
        write_private(&tmp.join(REFERENCE_FILE), &json)?;
        let dest = self.root.join(name);
        std::fs::rename(&tmp, &dest).map_err(io_err(&dest))?;
        Ok(())
    }

    /// The content of `file` held under `name`, if the name is well-formed,
    /// held here, and its reference lists the file.
    pub fn read(&self, name: &str, file: &str) -> Option<Vec<u8>> {
        validate_callback_name(name).ok()?;
        validate_file_name(file).ok()?;
        let reference = self.reference(name)?;
        if !reference.files.iter().any(|f| f.name == file) {
            return None;
        }
        std::fs::read(self.root.join(name).join(file)).ok()
    }

    /// The reference stored with `name`.
    pub fn reference(&self, name: &str) -> Option<SubmissionRef> {
        validate_callback_name(name).ok()?;
        let text = std::fs::read(self.root.join(name).join(REFERENCE_FILE)).ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// Whether an entry with this name is held.
    pub fn holds(&self, name: &str) -> bool {
        validate_callback_name(name).is_ok() && self.root.join(name).is_dir()
    }

    /// Deletes the entry `name`; `true` if it existed.
    pub fn remove(&self, name: &str) -> bool {
        validate_callback_name(name).is_ok()
            && std::fs::remove_dir_all(self.root.join(name)).is_ok()
    }

    /// The references of every entry still held, oldest first.
    pub fn pending(&self) -> Vec<SubmissionRef> {
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| validate_callback_name(n).is_ok())
            .collect();
        names.sort();
        names.iter().filter_map(|n| self.reference(n)).collect()
    }
}

fn write_private(path: &Path, data: &[u8]) -> Result<(), CallbackDirError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path).map_err(io_err(path))?;
    f.write_all(data).map_err(io_err(path))?;
    f.sync_all().map_err(io_err(path))
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use floorjudge_proto::team::FileRef;

    fn reference(name: &str) -> SubmissionRef {
        SubmissionRef {
            problem: "hello".into(),
            language: "c".into(),
            files: vec![FileRef {
                name: "a.c".into(),
                size: 3,
                sha256: "00".repeat(32),
            }],
            callback_name: name.into(),
            callback_port: 1,
            client_nonce: "ab".repeat(16),
        }
    }

    #[test]
    fn names_have_the_protocol_shape_and_differ() {
        let a = new_callback_name();
        let b = new_callback_name();
        validate_callback_name(&a).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn entries_are_private_and_only_listed_files_are_readable() {
        let t = tempfile::tempdir().unwrap();
        let dir = CallbackDir::open(t.path().join(".callback")).unwrap();
        let name = new_callback_name();
        dir.store(&name, &[("a.c".into(), b"int".to_vec())], &reference(&name))
            .unwrap();
        assert_eq!(dir.read(&name, "a.c").unwrap(), b"int");
        assert!(dir.read(&name, REFERENCE_FILE).is_none());
        assert!(dir.read(&name, "../a.c").is_none());
        assert!(dir.read("../../etc", "passwd").is_none());
        assert!(dir.read(&new_callback_name(), "a.c").is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(dir.root()), 0o700);
            assert_eq!(mode(&dir.root().join(&name)), 0o700);
            assert_eq!(mode(&dir.root().join(&name).join("a.c")), 0o600);
        }
        assert_eq!(dir.pending(), vec![reference(&name)]);
        assert!(dir.remove(&name));
        assert!(!dir.remove(&name));
        assert!(dir.pending().is_empty());
    }
}
