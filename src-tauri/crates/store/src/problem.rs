//! Problems, their package files and testcases.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use crate::audit::record;
use crate::{Result, Store, StoreError, blob, now_ms};

/// One file of a problem package, relative to the package root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageFile {
    /// Path inside the package, `/`-separated.
    pub path: String,
    /// Its content.
    pub content: Vec<u8>,
}

/// A testcase as imported: its files are named by package path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTestcase {
    /// The group folder, e.g. `data/secret/subtask1`.
    pub group_path: String,
    /// The base name, e.g. `01`.
    pub name: String,
    /// Whether it is a sample (shown to teams).
    pub sample: bool,
    /// Path of the `.in` file among the package files.
    pub input_path: String,
    /// Path of the `.ans` file among the package files.
    pub answer_path: String,
    /// Content of a `.desc` file, if any.
    pub description: Option<String>,
}

/// A parsed problem package, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProblem {
    /// The problem id (package folder name).
    pub id: String,
    /// Label to give it; `None` keeps the existing one or takes the next free.
    pub label: Option<String>,
    /// Display name.
    pub name: String,
    /// Colour name, from problems.yaml.
    pub color: Option<String>,
    /// Colour as `#rrggbb`, from problems.yaml.
    pub rgb: Option<String>,
    /// `problem_format_version` (`legacy` when absent).
    pub format_version: String,
    /// Problem type: `pass-fail`, `scoring`, plus `interactive`, `multi-pass`…
    pub problem_type: String,
    /// `default`, `custom`, `custom interactive`, …
    pub validation: String,
    /// Flags for the output validator.
    pub validator_flags: String,
    /// Time limit in ms.
    pub time_limit_ms: i64,
    /// Where the time limit came from (`problem.yaml`, `.timelimit`, …).
    pub time_limit_source: String,
    /// Memory limit in MiB.
    pub memory_mib: i64,
    /// Output limit in MiB.
    pub output_mib: i64,
    /// SHA-256 over the package's paths and contents.
    pub package_sha256: String,
    /// Every file of the package.
    pub files: Vec<PackageFile>,
    /// Test data groups and their settings (JSON text).
    pub test_groups: Vec<(String, String)>,
    /// Testcases in judging order.
    pub testcases: Vec<NewTestcase>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProblemImported {
    /// The problem id.
    pub id: String,
    /// Its label.
    pub label: String,
    /// Whether an existing problem was replaced.
    pub replaced: bool,
    /// How many testcases it now has.
    pub testcases: usize,
}

/// A stored problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Id (package folder name).
    pub id: String,
    /// Label (A, B, …).
    pub label: String,
    /// Position on the scoreboard.
    pub ordinal: i64,
    /// Display name.
    pub name: String,
    /// Colour name.
    pub color: Option<String>,
    /// Colour as `#rrggbb`.
    pub rgb: Option<String>,
    /// Package format version.
    pub format_version: String,
    /// Problem type.
    pub problem_type: String,
    /// Validation kind.
    pub validation: String,
    /// Output validator flags.
    pub validator_flags: String,
    /// Time limit in ms.
    pub time_limit_ms: i64,
    /// Where the time limit came from.
    pub time_limit_source: String,
    /// Memory limit in MiB.
    pub memory_mib: i64,
    /// Output limit in MiB.
    pub output_mib: i64,
    /// Package hash.
    pub package_sha256: String,
}

/// A problem with its testcase counts, for listings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProblemSummary {
    /// The problem.
    #[serde(flatten)]
    pub problem: Problem,
    /// Sample testcases.
    pub samples: usize,
    /// Secret testcases.
    pub secret: usize,
}

/// A stored testcase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Testcase {
    /// Row id.
    pub id: i64,
    /// Position in judging order, from 1.
    pub ordinal: i64,
    /// Group folder.
    pub group_path: String,
    /// Base name.
    pub name: String,
    /// Sample or secret.
    pub sample: bool,
    /// Hash of the input.
    pub input_sha256: String,
    /// Hash of the answer.
    pub answer_sha256: String,
    /// Description, if the package had one.
    pub description: Option<String>,
}

/// A testcase from `id, ordinal, group_path, name, sample, input_sha256,
/// answer_sha256, description`.
fn testcase_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Testcase> {
    Ok(Testcase {
        id: r.get(0)?,
        ordinal: r.get(1)?,
        group_path: r.get(2)?,
        name: r.get(3)?,
        sample: r.get(4)?,
        input_sha256: r.get(5)?,
        answer_sha256: r.get(6)?,
        description: r.get(7)?,
    })
}

const PROBLEM_COLUMNS: &str = "id, label, ordinal, name, color, rgb, format_version, problem_type,
    validation, validator_flags, time_limit_ms, time_limit_source, memory_mib, output_mib,
    package_sha256";

fn problem_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Problem> {
    Ok(Problem {
        id: r.get(0)?,
        label: r.get(1)?,
        ordinal: r.get(2)?,
        name: r.get(3)?,
        color: r.get(4)?,
        rgb: r.get(5)?,
        format_version: r.get(6)?,
        problem_type: r.get(7)?,
        validation: r.get(8)?,
        validator_flags: r.get(9)?,
        time_limit_ms: r.get(10)?,
        time_limit_source: r.get(11)?,
        memory_mib: r.get(12)?,
        output_mib: r.get(13)?,
        package_sha256: r.get(14)?,
    })
}

/// The n-th label of the default sequence: A…Z, AA…ZZ, …
fn nth_label(mut n: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn lookup(tx: &Transaction<'_>, column: &str, value: &str) -> Result<Option<(String, String)>> {
    Ok(tx
        .query_row(
            &format!("SELECT id, label FROM problems WHERE {column} = ?1"),
            [value],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Finds the row a (re-)import replaces: the problem with the requested
/// label, else the one with the same id. A label held by one problem and an
/// id held by another is a conflict: the import would merge two problems.
fn existing_for(tx: &Transaction<'_>, p: &NewProblem) -> Result<Option<(String, String)>> {
    let by_id = lookup(tx, "id", &p.id)?;
    let Some(label) = &p.label else {
        return Ok(by_id);
    };
    let by_label = lookup(tx, "label", label)?;
    match (by_label, by_id) {
        (Some(l), Some(i)) if l.0 != i.0 => Err(StoreError::Conflict(format!(
            "label {label} belongs to problem {}, but a problem with id {} exists too (label {}); \
             import under label {} or choose another id",
            l.0, i.0, i.1, i.1
        ))),
        (Some(l), _) => Ok(Some(l)),
        (None, i) => Ok(i),
    }
}

fn insert_contents(tx: &Transaction<'_>, p: &NewProblem) -> Result<()> {
    let mut hashes: HashMap<&str, String> = HashMap::with_capacity(p.files.len());
    for f in &p.files {
        let sha = blob::put(tx, &f.content)?;
        tx.prepare_cached(
            "INSERT INTO problem_files (problem_id, path, sha256) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![p.id, f.path, sha])?;
        hashes.insert(f.path.as_str(), sha);
    }
    for (path, settings) in &p.test_groups {
        tx.prepare_cached(
            "INSERT INTO test_groups (problem_id, path, settings_json) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![p.id, path, settings])?;
    }
    let hash_of = |path: &str| {
        hashes.get(path).cloned().ok_or_else(|| {
            StoreError::Conflict(format!(
                "testcase file {path} is not among the package files"
            ))
        })
    };
    for (i, t) in p.testcases.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO testcases (problem_id, ordinal, group_path, name, sample, input_sha256,
                 answer_sha256, description)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            p.id,
            i as i64 + 1,
            t.group_path,
            t.name,
            t.sample,
            hash_of(&t.input_path)?,
            hash_of(&t.answer_path)?,
            t.description
        ])?;
    }
    Ok(())
}

impl Store {
    /// Imports a problem, or re-imports it in place (same label, same
    /// ordinal, submissions kept; old testcases retired so past runs keep
    /// their meaning). One transaction.
    pub fn import_problem(&mut self, p: &NewProblem, actor: &str) -> Result<ProblemImported> {
        let tx = self.conn.transaction()?;
        let existing = existing_for(&tx, p)?;
        let replaced = existing.is_some();
        let label = match (&existing, &p.label) {
            (_, Some(label)) => label.clone(),
            (Some((_, label)), None) => label.clone(),
            (None, None) => {
                let mut n = 0;
                while lookup(&tx, "label", &nth_label(n))?.is_some() {
                    n += 1;
                }
                nth_label(n)
            }
        };
        let row = params![
            p.id,
            label,
            p.name,
            p.color,
            p.rgb,
            p.format_version,
            p.problem_type,
            p.validation,
            p.validator_flags,
            p.time_limit_ms,
            p.time_limit_source,
            p.memory_mib,
            p.output_mib,
            p.package_sha256,
            now_ms()
        ];
        match &existing {
            Some((old_id, _)) => {
                tx.execute(
                    "UPDATE problems SET id = ?1, label = ?2, name = ?3,
                         color = COALESCE(?4, color), rgb = COALESCE(?5, rgb),
                         format_version = ?6, problem_type = ?7, validation = ?8,
                         validator_flags = ?9, time_limit_ms = ?10, time_limit_source = ?11,
                         memory_mib = ?12, output_mib = ?13, package_sha256 = ?14, imported_ms = ?15
                     WHERE id = ?16",
                    rusqlite::params_from_iter(
                        row.iter().copied().chain([old_id as &dyn rusqlite::ToSql]),
                    ),
                )?;
                tx.execute("DELETE FROM problem_files WHERE problem_id = ?1", [&p.id])?;
                tx.execute("DELETE FROM test_groups WHERE problem_id = ?1", [&p.id])?;
                tx.execute(
                    "DELETE FROM testcases WHERE problem_id = ?1
                         AND id NOT IN (SELECT testcase_id FROM runs)",
                    [&p.id],
                )?;
                tx.execute(
                    "UPDATE testcases SET retired = 1 WHERE problem_id = ?1",
                    [&p.id],
                )?;
            }
            None => {
                tx.execute(
                    "INSERT INTO problems (id, label, name, color, rgb, format_version,
                         problem_type, validation, validator_flags, time_limit_ms,
                         time_limit_source, memory_mib, output_mib, package_sha256, imported_ms,
                         ordinal)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                         (SELECT COALESCE(MAX(ordinal), 0) + 1 FROM problems))",
                    row,
                )?;
            }
        }
        insert_contents(&tx, p)?;
        let action = if replaced {
            "problem.reimport"
        } else {
            "problem.import"
        };
        let detail = format!(
            "label {label}, {} testcases, package {}",
            p.testcases.len(),
            p.package_sha256
        );
        record(&tx, actor, action, Some(&p.id), Some(&detail), None)?;
        tx.commit()?;
        Ok(ProblemImported {
            id: p.id.clone(),
            label,
            replaced,
            testcases: p.testcases.len(),
        })
    }

    /// All problems in scoreboard order, with testcase counts.
    pub fn problems(&self) -> Result<Vec<ProblemSummary>> {
        let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
        {
            let mut stmt = self.conn.prepare(
                "SELECT problem_id, sample, COUNT(*) FROM testcases WHERE NOT retired
                 GROUP BY problem_id, sample",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, bool>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?;
            for row in rows {
                let (id, sample, n) = row?;
                let entry = counts.entry(id).or_default();
                if sample {
                    entry.0 = n as usize;
                } else {
                    entry.1 = n as usize;
                }
            }
        }
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {PROBLEM_COLUMNS} FROM problems ORDER BY ordinal"
        ))?;
        let rows = stmt.query_map([], problem_from_row)?;
        let mut out = Vec::new();
        for row in rows {
            let problem = row?;
            let (samples, secret) = counts.get(&problem.id).copied().unwrap_or_default();
            out.push(ProblemSummary {
                problem,
                samples,
                secret,
            });
        }
        Ok(out)
    }

    /// One problem by id or label.
    pub fn problem(&self, key: &str) -> Result<Problem> {
        self.conn
            .query_row(
                &format!(
                    "SELECT {PROBLEM_COLUMNS} FROM problems WHERE id = ?1 OR label = ?1
                     ORDER BY id = ?1 DESC LIMIT 1"
                ),
                [key],
                problem_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                kind: "problem",
                id: key.to_owned(),
            })
    }

    /// A problem's current testcases in judging order.
    pub fn testcases(&self, problem_id: &str) -> Result<Vec<Testcase>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, ordinal, group_path, name, sample, input_sha256, answer_sha256, description
             FROM testcases WHERE problem_id = ?1 AND NOT retired ORDER BY ordinal",
        )?;
        let rows = stmt.query_map([problem_id], testcase_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One testcase by row id, retired ones included (old runs point at
    /// them).
    pub fn testcase(&self, id: i64) -> Result<Option<Testcase>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, ordinal, group_path, name, sample, input_sha256, answer_sha256, description
                 FROM testcases WHERE id = ?1",
                [id],
                testcase_from_row,
            )
            .optional()?)
    }

    /// A problem's package files: path and content hash.
    pub fn problem_files(&self, problem_id: &str) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare(
            "SELECT path, sha256 FROM problem_files WHERE problem_id = ?1 ORDER BY path",
        )?;
        let rows = stmt.query_map([problem_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::nth_label;

    #[test]
    fn labels_run_a_to_z_then_aa() {
        assert_eq!(nth_label(0), "A");
        assert_eq!(nth_label(25), "Z");
        assert_eq!(nth_label(26), "AA");
        assert_eq!(nth_label(27), "AB");
        assert_eq!(nth_label(26 + 26 * 26), "AAA");
    }
}
