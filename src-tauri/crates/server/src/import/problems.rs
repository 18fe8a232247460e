//! Problem packages into the contest: limits resolved, label chosen, stored
//! in one transaction per package.

use std::path::Path;

use floorjudge_judgehost::package::{ProblemPackage, load_package};
use floorjudge_store::{NewProblem, NewTestcase, PackageFile, ProblemImported, Store};
use serde::Serialize;

use super::ImportError;
use crate::OrganizerError;

/// What the contest (problems.yaml or the command line) says about a problem
/// beyond its package.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProblemOverrides {
    /// Label to give it.
    pub label: Option<String>,
    /// Colour name.
    pub color: Option<String>,
    /// Colour as `#rgb` / `#rrggbb`.
    pub rgb: Option<String>,
    /// Time limit from problems.yaml, used when the package names none.
    pub time_limit_s: Option<f64>,
}

/// What one package import did, for the organizer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProblemReport {
    /// Problem id.
    pub id: String,
    /// Label.
    pub label: String,
    /// Name.
    pub name: String,
    /// Whether it replaced an existing problem.
    pub replaced: bool,
    /// Sample testcases.
    pub samples: usize,
    /// Secret testcases.
    pub secret: usize,
    /// Test data groups.
    pub groups: usize,
    /// Time limit in ms.
    pub time_limit_ms: i64,
    /// Where the time limit came from.
    pub time_limit_source: String,
    /// Memory limit in MiB.
    pub memory_mib: u64,
    /// Output limit in MiB.
    pub output_mib: u64,
    /// Problem type.
    pub problem_type: String,
    /// Validation kind.
    pub validation: String,
    /// Whether the package ships an output validator.
    pub has_output_validator: bool,
    /// Things to know.
    pub warnings: Vec<String>,
}

/// Checks a problem label: 1 to 10 letters and digits.
pub fn check_label(label: &str) -> Result<(), String> {
    if label.is_empty() || label.len() > 10 || !label.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(format!("label {label:?} must be 1 to 10 letters or digits"));
    }
    Ok(())
}

/// A package read and checked, ready to store.
#[derive(Debug)]
pub struct PlannedProblem {
    new: NewProblem,
    report: ProblemReport,
}

impl PlannedProblem {
    /// The problem id.
    pub fn id(&self) -> &str {
        &self.new.id
    }
}

/// Reads and checks one package; nothing is written.
pub fn plan(
    path: &Path,
    overrides: &ProblemOverrides,
    default_time_limit_ms: i64,
) -> Result<PlannedProblem, OrganizerError> {
    if let Some(label) = &overrides.label {
        check_label(label).map_err(|m| ImportError::file(path, m))?;
    }
    let pkg = load_package(path)?;
    if pkg.custom_validation && pkg.output_validator_files.is_empty() {
        // Judging it could only give judge errors: refuse it now, saying why.
        return Err(ImportError::file(
            path,
            format!(
                "validation is `{}` but the package has no output validator                  (output_validators/ or output_validator/): add one and import again",
                pkg.validation()
            ),
        )
        .into());
    }
    Ok(to_new_problem(pkg, overrides, default_time_limit_ms))
}

fn to_new_problem(pkg: ProblemPackage, o: &ProblemOverrides, default_ms: i64) -> PlannedProblem {
    let (time_limit_ms, source) = match (pkg.time_limit, o.time_limit_s) {
        (Some((secs, src)), _) => ((secs * 1000.0).round() as i64, src.as_str().to_owned()),
        (None, Some(secs)) => ((secs * 1000.0).round() as i64, "problems.yaml".to_owned()),
        (None, None) => (default_ms, "contest default".to_owned()),
    };
    let (samples, secret) = pkg.counts();
    let validation = pkg.validation();
    let sha = pkg.sha256();
    let report = ProblemReport {
        id: pkg.id.clone(),
        label: String::new(),
        name: pkg.name.clone(),
        replaced: false,
        samples,
        secret,
        groups: pkg.groups.len(),
        time_limit_ms,
        time_limit_source: source.clone(),
        memory_mib: pkg.memory_mib,
        output_mib: pkg.output_mib,
        problem_type: pkg.problem_type.to_string(),
        validation: validation.clone(),
        has_output_validator: !pkg.output_validator_files.is_empty(),
        warnings: pkg.warnings.clone(),
    };
    let new = NewProblem {
        label: o.label.clone(),
        name: pkg.name,
        color: o.color.clone(),
        rgb: o.rgb.clone(),
        format_version: pkg.format_version,
        problem_type: pkg.problem_type.to_string(),
        validation,
        validator_flags: pkg.validator_flags,
        time_limit_ms,
        time_limit_source: source,
        memory_mib: pkg.memory_mib as i64,
        output_mib: pkg.output_mib as i64,
        package_sha256: sha,
        test_groups: pkg
            .groups
            .into_iter()
            .map(|g| (g.path, g.settings.to_string()))
            .collect(),
        testcases: pkg
            .testcases
            .into_iter()
            .map(|t| NewTestcase {
                group_path: t.group,
                name: t.name,
                sample: t.sample,
                input_path: t.input_path,
                answer_path: t.answer_path,
                description: t.description,
            })
            .collect(),
        files: pkg
            .files
            .into_iter()
            .map(|f| PackageFile {
                path: f.path,
                content: f.content,
            })
            .collect(),
        id: pkg.id,
    };
    PlannedProblem { new, report }
}

/// Stores a checked package (one transaction) and reports what was done.
pub fn store(
    store: &mut Store,
    planned: PlannedProblem,
    actor: &str,
) -> Result<ProblemReport, OrganizerError> {
    let ProblemImported {
        label, replaced, ..
    } = store.import_problem(&planned.new, actor)?;
    Ok(ProblemReport {
        label,
        replaced,
        ..planned.report
    })
}
