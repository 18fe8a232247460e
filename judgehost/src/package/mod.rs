//! Kattis / ICPC problem packages: a folder or a `.zip` holding `problem.yaml`,
//! `data/sample`, `data/secret` (with nested groups and `testdata.yaml`),
//! statements and validators.
//!
//! Supported: the legacy format (DOMjudge's `.timelimit`, `validation:` and
//! `validator_flags:`), 2023-07 (`type:`, `limits.time_limit`) and 2025-09
//! (`test_group.yaml`, `output_validator/`). Refused with a reason: packages
//! with no test data, `submit-answer` problems, symlinks leaving the package.

mod files;
mod yaml;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use files::{MAX_PACKAGE_BYTES, MAX_PACKAGE_FILES, PackageFile};

/// Default memory limit in MiB when `problem.yaml` names none (the format's default).
pub const DEFAULT_MEMORY_MIB: u64 = 2048;
/// Default output limit in MiB when `problem.yaml` names none (the format's default).
pub const DEFAULT_OUTPUT_MIB: u64 = 8;

/// A package that cannot be imported, naming the file (and line, when known).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PackageError {
    /// The file or folder at fault.
    pub path: PathBuf,
    /// 1-based line, when the fault is inside a text file.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for PackageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl PackageError {
    pub(crate) fn new(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        PackageError {
            path: path.into(),
            line: None,
            message: message.into(),
        }
    }
}

/// Where a problem's time limit was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeLimitSource {
    /// `limits.time_limit` in `problem.yaml` (2023-07 and later).
    ProblemYaml,
    /// A `.timelimit` file (DOMjudge).
    TimelimitFile,
}

impl TimeLimitSource {
    /// How the source is named in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            TimeLimitSource::ProblemYaml => "problem.yaml",
            TimeLimitSource::TimelimitFile => ".timelimit",
        }
    }
}

/// The problem's type, from `type:` (2023-07+) or `validation:` (legacy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProblemType {
    /// Scored rather than pass-fail.
    pub scoring: bool,
    /// The submission talks to the validator.
    pub interactive: bool,
    /// The validator may run the submission several times.
    pub multi_pass: bool,
}

impl fmt::Display for ProblemType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.scoring { "scoring" } else { "pass-fail" })?;
        if self.interactive {
            f.write_str(" interactive")?;
        }
        if self.multi_pass {
            f.write_str(" multi-pass")?;
        }
        Ok(())
    }
}

/// One testcase: an `.in` with its `.ans`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestcaseRef {
    /// The group folder, e.g. `data/secret/subtask1`.
    pub group: String,
    /// The base name, e.g. `01`.
    pub name: String,
    /// Whether it is under `data/sample`.
    pub sample: bool,
    /// Package path of the input.
    pub input_path: String,
    /// Package path of the answer.
    pub answer_path: String,
    /// Text of a `.desc` file, if present.
    pub description: Option<String>,
}

/// A test data group and its settings (`testdata.yaml` / `test_group.yaml`).
#[derive(Debug, Clone, PartialEq)]
pub struct TestGroup {
    /// Package path, e.g. `data/secret`.
    pub path: String,
    /// The settings as JSON (an empty object when the folder has none).
    pub settings: serde_json::Value,
}

/// A validator's limits per run (`limits.validation_time`,
/// `validation_memory`, `validation_output`; the problem package format's
/// defaults otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidationLimits {
    /// CPU and wall time of one validator run.
    pub time: std::time::Duration,
    /// Memory, MiB.
    pub memory_mib: u64,
    /// Output (feedback files, and stdout of an interactive one), MiB.
    pub output_mib: u64,
}

impl Default for ValidationLimits {
    fn default() -> Self {
        ValidationLimits {
            time: std::time::Duration::from_secs(60),
            memory_mib: 2048,
            output_mib: 8,
        }
    }
}

/// A problem package read into memory and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemPackage {
    /// The problem id: the package folder (or zip) name.
    pub id: String,
    /// Display name (English when there are several).
    pub name: String,
    /// `problem_format_version`, `legacy` when absent.
    pub format_version: String,
    /// The problem type.
    pub problem_type: ProblemType,
    /// Whether a custom output validator is required.
    pub custom_validation: bool,
    /// Flags for the output validator (legacy `validator_flags`).
    pub validator_flags: String,
    /// Time limit in seconds and where it came from, if the package names one.
    pub time_limit: Option<(f64, TimeLimitSource)>,
    /// Memory limit in MiB.
    pub memory_mib: u64,
    /// Output limit in MiB.
    pub output_mib: u64,
    /// Limits of the output (or interactive) validator.
    pub validation_limits: ValidationLimits,
    /// Every file, sorted by path.
    pub files: Vec<PackageFile>,
    /// Test data groups, parents before children.
    pub groups: Vec<TestGroup>,
    /// Testcases in judging order: samples, then secret, lexicographic.
    pub testcases: Vec<TestcaseRef>,
    /// Paths of the files that make up the output validator, if any.
    pub output_validator_files: Vec<String>,
    /// Things an organizer should know but that do not stop the import.
    pub warnings: Vec<String>,
}

impl ProblemPackage {
    /// `default`, `custom`, `custom interactive`, `custom multi-pass`, …
    pub fn validation(&self) -> String {
        let mut v = String::from(if self.custom_validation {
            "custom"
        } else {
            "default"
        });
        if self.problem_type.interactive {
            v.push_str(" interactive");
        }
        if self.problem_type.multi_pass {
            v.push_str(" multi-pass");
        }
        v
    }

    /// SHA-256 over every path and content: equal packages, equal hash.
    pub fn sha256(&self) -> String {
        let mut h = Sha256::new();
        for f in &self.files {
            h.update(f.path.as_bytes());
            h.update([0]);
            h.update(Sha256::digest(&f.content));
            h.update([b'\n']);
        }
        hex::encode(h.finalize())
    }

    /// How many testcases are samples and how many secret.
    pub fn counts(&self) -> (usize, usize) {
        let samples = self.testcases.iter().filter(|t| t.sample).count();
        (samples, self.testcases.len() - samples)
    }

    /// A file of the package by its path.
    pub fn file(&self, path: &str) -> Option<&PackageFile> {
        self.files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
            .map(|i| &self.files[i])
    }
}

/// Reads and checks a problem package from a folder or a `.zip` file.
pub fn load_package(path: &Path) -> Result<ProblemPackage, PackageError> {
    let (id, files) = files::read(path)?;
    if let Err(e) = floorjudge_proto::id::validate_id(&id) {
        return Err(PackageError::new(
            path,
            format!(
                "the package name {:?} cannot be a problem id: {}",
                id, e.reason
            ),
        ));
    }
    build(path, id, files)
}

fn build(
    origin: &Path,
    id: String,
    files: Vec<PackageFile>,
) -> Result<ProblemPackage, PackageError> {
    let at = |rel: &str| origin.join(rel);
    let mut pkg = ProblemPackage {
        id,
        name: String::new(),
        format_version: "legacy".into(),
        problem_type: ProblemType::default(),
        custom_validation: false,
        validator_flags: String::new(),
        time_limit: None,
        memory_mib: DEFAULT_MEMORY_MIB,
        output_mib: DEFAULT_OUTPUT_MIB,
        validation_limits: ValidationLimits::default(),
        files,
        groups: Vec::new(),
        testcases: Vec::new(),
        output_validator_files: Vec::new(),
        warnings: Vec::new(),
    };
    let has_problem_yaml = pkg.file("problem.yaml").is_some();
    let has_data = pkg.files.iter().any(|f| f.path.starts_with("data/"));
    if !has_problem_yaml && !has_data {
        let hint = if pkg.file("problems.yaml").is_some() || pkg.file("contest.yaml").is_some() {
            ": this looks like a contest folder; use `contest init --from` or import its problem folders"
        } else {
            ""
        };
        return Err(PackageError::new(
            origin,
            format!("not a problem package: no problem.yaml and no data/ folder{hint}"),
        ));
    }
    let meta = match pkg.file("problem.yaml") {
        Some(f) => yaml::parse_problem_yaml(&at("problem.yaml"), &f.content)?,
        None => yaml::ProblemYaml::default(),
    };
    if meta.submit_answer {
        return Err(PackageError::new(
            at("problem.yaml"),
            "submit-answer problems are not supported: floorjudge judges programs",
        ));
    }
    pkg.name = meta.name.unwrap_or_else(|| pkg.id.clone());
    pkg.format_version = meta.format_version;
    pkg.problem_type = meta.problem_type;
    pkg.custom_validation = meta.custom_validation;
    pkg.validator_flags = meta.validator_flags;
    pkg.memory_mib = meta.memory_mib.unwrap_or(DEFAULT_MEMORY_MIB);
    pkg.output_mib = meta.output_mib.unwrap_or(DEFAULT_OUTPUT_MIB);
    let d = ValidationLimits::default();
    pkg.validation_limits = ValidationLimits {
        time: meta
            .validation_time
            .map_or(d.time, std::time::Duration::from_secs_f64),
        memory_mib: meta.validation_memory_mib.unwrap_or(d.memory_mib),
        output_mib: meta.validation_output_mib.unwrap_or(d.output_mib),
    };
    pkg.time_limit = meta.time_limit.map(|t| (t, TimeLimitSource::ProblemYaml));
    if pkg.time_limit.is_none()
        && let Some(f) = pkg.file(".timelimit")
    {
        let secs = parse_timelimit_file(&at(".timelimit"), &f.content)?;
        pkg.time_limit = Some((secs, TimeLimitSource::TimelimitFile));
    }

    pkg.output_validator_files = pkg
        .files
        .iter()
        .filter(|f| {
            f.path.starts_with("output_validators/") || f.path.starts_with("output_validator/")
        })
        .map(|f| f.path.clone())
        .collect();
    if !pkg.output_validator_files.is_empty() && !pkg.custom_validation {
        // 2023-07 and later: a package that ships an output validator uses it.
        if pkg.format_version != "legacy" {
            pkg.custom_validation = true;
        } else {
            pkg.warnings.push(
                "output_validators/ is present but problem.yaml does not say `validation: custom`: \
                 the default validator will be used"
                    .into(),
            );
        }
    }
    if pkg.custom_validation && pkg.output_validator_files.is_empty() {
        pkg.warnings.push(format!(
            "validation is `{}` but the package has no output validator: it cannot be judged \
             (a jury refuses to import it)",
            pkg.validation()
        ));
    }
    if pkg.problem_type.multi_pass {
        pkg.warnings
            .push("multi-pass problems are imported but cannot be judged yet".into());
    }
    if pkg.problem_type.scoring {
        pkg.warnings
            .push("scoring problem: judged pass-fail until partial scores are supported".into());
    }

    resolve_checked_out_symlinks(&mut pkg);
    collect_testdata(origin, &mut pkg)?;
    if pkg.testcases.is_empty() {
        return Err(PackageError::new(
            at("data"),
            "the package has no testcases (no .in/.ans pairs under data/sample or data/secret)",
        ));
    }
    Ok(pkg)
}

/// A symlink that went through a checkout without symlink support becomes a
/// small file holding the link's target path (Kattis packages link test
/// cases between groups). Such a file under `data/` whose whole content is a
/// relative path to another package file is read as that file.
fn resolve_checked_out_symlinks(pkg: &mut ProblemPackage) {
    let mut replacements = Vec::new();
    for (i, f) in pkg.files.iter().enumerate() {
        if !f.path.starts_with("data/") || f.content.len() > 255 {
            continue;
        }
        let Ok(text) = std::str::from_utf8(&f.content) else {
            continue;
        };
        if text.is_empty()
            || text.contains(char::is_whitespace)
            || !text.contains('/')
            || text.starts_with('/')
        {
            continue;
        }
        let mut parts: Vec<&str> = f.path.split('/').collect();
        parts.pop();
        let mut ok = true;
        for c in text.split('/') {
            match c {
                "" | "." => {}
                ".." => ok &= parts.pop().is_some(),
                c => parts.push(c),
            }
        }
        let target = parts.join("/");
        if !ok || target == f.path {
            continue;
        }
        if let Some(t) = pkg.file(&target) {
            replacements.push((i, t.content.clone(), target));
        }
    }
    for (i, content, target) in replacements {
        let f = &mut pkg.files[i];
        pkg.warnings.push(format!(
            "{} holds the path {target:?} (a symlink checked out as a file): used the file it names",
            f.path
        ));
        f.content = content;
    }
}

fn parse_timelimit_file(path: &Path, content: &[u8]) -> Result<f64, PackageError> {
    let text = std::str::from_utf8(content)
        .map_err(|_| PackageError::new(path, "is not UTF-8 text"))?
        .trim();
    match text.parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 && secs <= yaml::MAX_TIME_LIMIT_S => Ok(secs),
        _ => Err(PackageError {
            path: path.to_owned(),
            line: Some(1),
            message: format!(
                "time limit {text:?} is not a number of seconds between 0 and {}",
                yaml::MAX_TIME_LIMIT_S
            ),
        }),
    }
}

/// Walks `data/sample` and `data/secret`, recording groups and testcases in
/// judging order (lexicographic, groups and cases interleaved, as Kattis does).
fn collect_testdata(origin: &Path, pkg: &mut ProblemPackage) -> Result<(), PackageError> {
    if !pkg.files.iter().any(|f| f.path.starts_with("data/")) {
        return Err(PackageError::new(
            origin.join("data"),
            "missing data/ folder",
        ));
    }
    // Folder -> its direct children (files and subfolders), sorted.
    let mut children: BTreeMap<String, BTreeMap<String, bool>> = BTreeMap::new();
    for f in &pkg.files {
        let mut parent = String::new();
        for (i, part) in f.path.split('/').enumerate() {
            let is_file = f.path.split('/').count() == i + 1;
            children
                .entry(parent.clone())
                .or_default()
                .insert(part.to_owned(), is_file);
            if !parent.is_empty() {
                parent.push('/');
            }
            parent.push_str(part);
        }
    }
    let mut groups = Vec::new();
    let mut testcases = Vec::new();
    let mut warnings = Vec::new();
    for top in ["data/sample", "data/secret"] {
        if children.contains_key(top) {
            let sample = top == "data/sample";
            walk_group(
                origin,
                pkg,
                &children,
                top,
                sample,
                &mut groups,
                &mut testcases,
                &mut warnings,
            )?;
        }
    }
    pkg.warnings.extend(warnings);
    if let Some(f) = pkg
        .file("data/testdata.yaml")
        .or_else(|| pkg.file("data/test_group.yaml"))
    {
        let settings = yaml::parse_settings(&origin.join(&f.path), &f.content)?;
        groups.insert(
            0,
            TestGroup {
                path: "data".into(),
                settings,
            },
        );
    }
    pkg.groups = groups;
    pkg.testcases = testcases;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn walk_group(
    origin: &Path,
    pkg: &ProblemPackage,
    children: &BTreeMap<String, BTreeMap<String, bool>>,
    dir: &str,
    sample: bool,
    groups: &mut Vec<TestGroup>,
    testcases: &mut Vec<TestcaseRef>,
    warnings: &mut Vec<String>,
) -> Result<(), PackageError> {
    let Some(entries) = children.get(dir) else {
        return Ok(());
    };
    let settings_file = ["testdata.yaml", "test_group.yaml"]
        .iter()
        .find_map(|n| pkg.file(&format!("{dir}/{n}")));
    let settings = match settings_file {
        Some(f) => yaml::parse_settings(&origin.join(&f.path), &f.content)?,
        None => serde_json::json!({}),
    };
    groups.push(TestGroup {
        path: dir.to_owned(),
        settings,
    });
    for (name, is_file) in entries {
        let path = format!("{dir}/{name}");
        if !is_file {
            walk_group(
                origin, pkg, children, &path, sample, groups, testcases, warnings,
            )?;
            continue;
        }
        let Some(stem) = name.strip_suffix(".in") else {
            if let Some(stem) = name.strip_suffix(".ans")
                && !entries.contains_key(&format!("{stem}.in"))
                && !entries.contains_key(&format!("{stem}.interaction"))
            {
                warnings.push(format!("{path}: answer file without {stem}.in, ignored"));
            }
            continue;
        };
        let answer = format!("{stem}.ans");
        if !entries.get(&answer).copied().unwrap_or(false) {
            return Err(PackageError::new(
                origin.join(&path),
                format!("input file without answer: there is no {answer} beside it"),
            ));
        }
        let description = pkg
            .file(&format!("{dir}/{stem}.desc"))
            .map(|f| String::from_utf8_lossy(&f.content).trim().to_owned());
        testcases.push(TestcaseRef {
            group: dir.to_owned(),
            name: stem.to_owned(),
            sample,
            input_path: path,
            answer_path: format!("{dir}/{answer}"),
            description,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, content: &str) -> PackageFile {
        PackageFile {
            path: path.into(),
            content: content.as_bytes().to_vec(),
        }
    }

    fn pkg(files: Vec<PackageFile>) -> Result<ProblemPackage, PackageError> {
        let mut files = files;
        files.sort_by(|a, b| a.path.cmp(&b.path));
        build(Path::new("/p/x"), "x".into(), files)
    }

    #[test]
    fn orders_groups_and_cases_lexicographically_samples_first() {
        let p = pkg(vec![
            file("problem.yaml", "name: X\n"),
            file("data/secret/b/1.in", ""),
            file("data/secret/b/1.ans", ""),
            file("data/secret/a.in", ""),
            file("data/secret/a.ans", ""),
            file("data/secret/c.in", ""),
            file("data/secret/c.ans", ""),
            file("data/sample/z.in", ""),
            file("data/sample/z.ans", ""),
        ])
        .expect("valid package");
        let order: Vec<_> = p.testcases.iter().map(|t| t.input_path.as_str()).collect();
        assert_eq!(
            order,
            [
                "data/sample/z.in",
                "data/secret/a.in",
                "data/secret/b/1.in",
                "data/secret/c.in"
            ]
        );
        assert_eq!(p.counts(), (1, 3));
        assert_eq!(p.name, "X");
    }

    #[test]
    fn input_without_answer_is_named() {
        let err = pkg(vec![file("data/secret/1.in", "")]).expect_err("must fail");
        assert!(err.to_string().contains("data/secret/1.in"), "{err}");
        assert!(err.message.contains("1.ans"), "{err}");
    }

    #[test]
    fn missing_data_folder_is_refused() {
        let err = pkg(vec![file("problem.yaml", "name: X\n")]).expect_err("must fail");
        assert!(err.message.contains("missing data/"), "{err}");
    }

    #[test]
    fn timelimit_file_is_used_when_problem_yaml_has_none() {
        let p = pkg(vec![
            file(".timelimit", "2.5\n"),
            file("data/secret/1.in", ""),
            file("data/secret/1.ans", ""),
        ])
        .expect("valid");
        assert_eq!(p.time_limit, Some((2.5, TimeLimitSource::TimelimitFile)));
        let err = pkg(vec![
            file(".timelimit", "fast\n"),
            file("data/secret/1.in", ""),
            file("data/secret/1.ans", ""),
        ])
        .expect_err("bad timelimit");
        assert_eq!(err.line, Some(1));
    }

    #[test]
    fn symlinks_checked_out_as_files_are_followed() {
        let p = pkg(vec![
            file("data/secret/a/1.in", "real input\n"),
            file("data/secret/a/1.ans", "real answer\n"),
            file("data/secret/b/1.in", "../a/1.in"),
            file("data/secret/b/1.ans", "../a/1.ans"),
            file("data/secret/b/2.in", "1/2"),
            file("data/secret/b/2.ans", "x"),
        ])
        .expect("valid");
        assert_eq!(
            p.file("data/secret/b/1.in").expect("file").content,
            b"real input\n"
        );
        assert_eq!(
            p.file("data/secret/b/2.in").expect("file").content,
            b"1/2",
            "not a path to a file"
        );
        assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
    }

    #[test]
    fn hash_depends_on_content_and_path() {
        let a = pkg(vec![
            file("data/secret/1.in", "1"),
            file("data/secret/1.ans", "2"),
        ])
        .expect("ok");
        let b = pkg(vec![
            file("data/secret/1.in", "1"),
            file("data/secret/1.ans", "3"),
        ])
        .expect("ok");
        assert_ne!(a.sha256(), b.sha256());
        assert_eq!(a.sha256(), a.clone().sha256());
    }
}
