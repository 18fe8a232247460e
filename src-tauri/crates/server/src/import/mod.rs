//! Organizer imports: problem packages, team lists and contest settings, in
//! the formats organizers already have (Kattis, DOMjudge, CLICS).
//!
//! Every import parses and checks everything first, then writes in one
//! transaction: a bad file leaves the contest exactly as it was.

pub mod contest;
pub mod languages;
pub mod problems;
pub mod teams;

use std::fmt;
use std::path::{Path, PathBuf};

/// An import that was refused, naming the file and, when known, the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ImportError {
    /// The file at fault.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl ImportError {
    /// An error about a whole file.
    pub fn file(file: &Path, message: impl Into<String>) -> Self {
        ImportError {
            file: file.to_owned(),
            line: None,
            message: message.into(),
        }
    }

    /// An error at one line of a file.
    pub fn at(file: &Path, line: Option<usize>, message: impl Into<String>) -> Self {
        ImportError {
            file: file.to_owned(),
            line,
            message: message.into(),
        }
    }
}

/// Largest team, group, account or contest file we read.
pub const MAX_FILE_BYTES: u64 = 32 << 20;

/// Reads a text file for import: bounded, UTF-8, without a byte-order mark.
pub fn read_text(path: &Path) -> Result<String, ImportError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| ImportError::file(path, format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(ImportError::file(path, "is not a file"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ImportError::file(
            path,
            format!(
                "is larger than {} MiB: refusing to read it",
                MAX_FILE_BYTES >> 20
            ),
        ));
    }
    let bytes =
        std::fs::read(path).map_err(|e| ImportError::file(path, format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        ImportError::at(path, Some(line), "is not UTF-8 text")
    })?;
    Ok(text.trim_start_matches('\u{feff}').to_owned())
}

/// The 1-based line of the first line that contains all of `needles`.
pub(crate) fn line_containing(text: &str, needles: &[&str]) -> Option<usize> {
    text.lines()
        .position(|l| needles.iter().all(|n| l.contains(n)))
        .map(|i| i + 1)
}

/// Parses JSON or YAML (by extension) into `T`, with the parser's line on error.
pub(crate) fn parse_structured<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<T, ImportError> {
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        serde_json::from_str(text)
            .map_err(|e| ImportError::at(path, Some(e.line()), format!("invalid JSON: {e}")))
    } else {
        serde_norway::from_str(text).map_err(|e| {
            ImportError::at(
                path,
                e.location().map(|l| l.line()),
                format!("invalid YAML: {e}"),
            )
        })
    }
}
