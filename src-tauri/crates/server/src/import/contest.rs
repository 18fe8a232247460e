//! Contest-level files: `contest.yaml` (CLICS and DOMjudge spellings),
//! `problems.yaml` / legacy `problemset.yaml`, and `contest init --from DIR`
//! that brings a whole contest package in.

use std::path::{Path, PathBuf};

use floorjudge_store::ContestSettings;
use serde_norway::Value;

use super::{ImportError, line_containing, read_text};
use crate::reltime::{parse_reltime, parse_time};

fn yaml(path: &Path) -> Result<(String, Value), ImportError> {
    let text = read_text(path)?;
    let value = serde_norway::from_str(&text).map_err(|e: serde_norway::Error| {
        ImportError::at(
            path,
            e.location().map(|l| l.line()),
            format!("invalid YAML: {e}"),
        )
    })?;
    Ok((text, value))
}

/// The first of `keys` present in a mapping, with the key found.
fn field<'a>(map: &'a Value, keys: &[&'a str]) -> Option<(&'a str, &'a Value)> {
    keys.iter()
        .find_map(|k| map.get(*k).filter(|v| !v.is_null()).map(|v| (*k, v)))
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Applies `contest.yaml` to `settings`.
pub fn apply_contest_yaml(path: &Path, settings: &mut ContestSettings) -> Result<(), ImportError> {
    let (text, root) = yaml(path)?;
    if !root.is_mapping() {
        return Err(ImportError::at(
            path,
            Some(1),
            "must be a mapping of keys to values",
        ));
    }
    let err = |key: &str, m: String| ImportError::at(path, line_containing(&text, &[key]), m);
    if let Some((k, v)) = field(&root, &["id", "short-name", "short_name"]) {
        let id = as_text(v).ok_or_else(|| err(k, format!("`{k}` must be text")))?;
        floorjudge_proto::id::validate_id(&id).map_err(|e| err(k, e.to_string()))?;
        settings.id = id;
    }
    if let Some((k, v)) = field(&root, &["name"]) {
        settings.name = as_text(v).ok_or_else(|| err(k, "`name` must be text".into()))?;
    }
    if let Some((k, v)) = field(&root, &["formal_name"]) {
        settings.formal_name =
            Some(as_text(v).ok_or_else(|| err(k, "`formal_name` must be text".into()))?);
    }
    if let Some((k, v)) = field(&root, &["start_time", "start-time"]) {
        let t = as_text(v).ok_or_else(|| err(k, format!("`{k}` must be a time")))?;
        settings.start_time_ms = Some(parse_time(&t).map_err(|m| err(k, m))?);
    }
    let duration = |k: &str, v: &Value| -> Result<i64, ImportError> {
        match v {
            Value::Number(n) => n
                .as_i64()
                .ok_or_else(|| err(k, format!("`{k}` must be h:mm:ss"))),
            Value::String(s) => parse_reltime(s).map_err(|m| err(k, m)),
            _ => Err(err(k, format!("`{k}` must be h:mm:ss"))),
        }
    };
    if let Some((k, v)) = field(&root, &["duration"]) {
        let d = duration(k, v)?;
        if d <= 0 {
            return Err(err(k, "the duration must be positive".into()));
        }
        settings.duration_s = d;
    }
    if let Some((k, v)) = field(
        &root,
        &[
            "scoreboard_freeze_duration",
            "scoreboard-freeze-length",
            "scoreboard-freeze-duration",
        ],
    ) {
        let f = duration(k, v)?;
        if f < 0 || f > settings.duration_s {
            return Err(err(
                k,
                "the freeze must be between 0 and the contest's duration".into(),
            ));
        }
        settings.freeze_s = f;
    }
    if let Some((k, v)) = field(&root, &["penalty_time", "penalty-time"]) {
        let minutes = match v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s
                .trim()
                .parse::<i64>()
                .ok()
                .or_else(|| parse_reltime(s).ok().map(|s| s / 60)),
            _ => None,
        };
        settings.penalty_minutes = minutes.filter(|m| *m >= 0).ok_or_else(|| {
            err(
                k,
                format!("`{k}` must be a whole number of minutes or h:mm:ss"),
            )
        })?;
    }
    if let Some((k, v)) = field(&root, &["scoreboard_type", "scoreboard-type"]) {
        let t = as_text(v).unwrap_or_default();
        settings.scoreboard_type = match t.as_str() {
            "pass-fail" => "pass-fail".into(),
            "score" | "scoring" => "score".into(),
            _ => {
                return Err(err(
                    k,
                    format!("unknown scoreboard type {t:?} (pass-fail or score)"),
                ));
            }
        };
    }
    Ok(())
}

/// One problem of a contest's problem list.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemListEntry {
    /// Problem id (package folder name).
    pub id: String,
    /// Label.
    pub label: Option<String>,
    /// Colour name.
    pub color: Option<String>,
    /// Colour as `#rgb`.
    pub rgb: Option<String>,
    /// Time limit in seconds.
    pub time_limit_s: Option<f64>,
    /// Where the entry is (for errors).
    pub line: Option<usize>,
}

/// Reads `problems.yaml` (a list) or legacy `problemset.yaml` (`problems:` with
/// `letter` / `short-name`).
pub fn parse_problem_list(path: &Path) -> Result<Vec<ProblemListEntry>, ImportError> {
    let (text, root) = yaml(path)?;
    let list = match &root {
        Value::Sequence(s) => s.clone(),
        Value::Mapping(_) => match root.get("problems") {
            Some(Value::Sequence(s)) => s.clone(),
            _ => {
                return Err(ImportError::at(
                    path,
                    Some(1),
                    "expected a list of problems",
                ));
            }
        },
        Value::Null => Vec::new(),
        _ => {
            return Err(ImportError::at(
                path,
                Some(1),
                "expected a list of problems",
            ));
        }
    };
    let mut out = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let id = field(item, &["id", "short-name", "short_name"])
            .and_then(|(_, v)| as_text(v))
            .ok_or_else(|| ImportError::file(path, format!("problem {} has no id", i + 1)))?;
        let line = line_containing(&text, &[&id]);
        floorjudge_proto::id::validate_id(&id)
            .map_err(|e| ImportError::at(path, line, e.to_string()))?;
        let label = field(item, &["label", "letter"]).and_then(|(_, v)| as_text(v));
        if let Some(l) = &label {
            super::problems::check_label(l).map_err(|m| ImportError::at(path, line, m))?;
        }
        let time_limit_s = match field(item, &["time_limit", "timelimit"]) {
            None => None,
            Some((_, v)) => match v.as_f64() {
                Some(t) if t > 0.0 && t.is_finite() => Some(t),
                _ => {
                    return Err(ImportError::at(
                        path,
                        line,
                        format!("problem {id}: time_limit must be a positive number of seconds"),
                    ));
                }
            },
        };
        out.push(ProblemListEntry {
            id,
            label,
            color: field(item, &["color"]).and_then(|(_, v)| as_text(v)),
            rgb: field(item, &["rgb"]).and_then(|(_, v)| as_text(v)),
            time_limit_s,
            line,
        });
    }
    Ok(out)
}

/// The files of a contest package folder that `contest init --from` reads.
#[derive(Debug, Clone, Default)]
pub struct ContestPackage {
    /// contest.yaml, if present.
    pub contest_yaml: Option<PathBuf>,
    /// problems.yaml or problemset.yaml, if present.
    pub problem_list: Option<PathBuf>,
    /// languages.yaml or languages.json, if present.
    pub languages: Option<PathBuf>,
    /// Problem package folders or zips, in import order, with their list entry.
    pub problems: Vec<(PathBuf, Option<ProblemListEntry>)>,
    /// Team files (organizations, groups, teams, accounts) present.
    pub team_files: Vec<PathBuf>,
    /// Listed problems with no package found.
    pub missing: Vec<String>,
}

/// Finds what a contest package folder holds.
pub fn scan(dir: &Path) -> Result<ContestPackage, ImportError> {
    if !dir.is_dir() {
        return Err(ImportError::file(dir, "is not a folder"));
    }
    let first = |names: &[&str]| names.iter().map(|n| dir.join(n)).find(|p| p.is_file());
    let mut pkg = ContestPackage {
        contest_yaml: first(&["contest.yaml", "contest.yml"]),
        problem_list: first(&["problems.yaml", "problems.yml", "problemset.yaml"]),
        languages: first(&["languages.yaml", "languages.yml", "languages.json"]),
        ..Default::default()
    };
    let is_package = |p: &Path| p.join("problem.yaml").is_file() || p.join("data").is_dir();
    if let Some(list) = &pkg.problem_list {
        for entry in parse_problem_list(list)? {
            let folder = dir.join(&entry.id);
            let zip = dir.join(format!("{}.zip", entry.id));
            if folder.is_dir() && is_package(&folder) {
                pkg.problems.push((folder, Some(entry)));
            } else if zip.is_file() {
                pkg.problems.push((zip, Some(entry)));
            } else {
                pkg.missing.push(entry.id);
            }
        }
    } else {
        let mut folders: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| ImportError::file(dir, format!("cannot list: {e}")))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir() && is_package(p))
            .collect();
        folders.sort();
        pkg.problems = folders.into_iter().map(|p| (p, None)).collect();
    }
    for group in [
        &["organizations.json"][..],
        &["groups.json", "groups.tsv"],
        &["teams.json", "teams.tsv", "teams2.tsv"],
        &["accounts.yaml", "accounts.json", "accounts.tsv"],
    ] {
        if let Some(p) = first(group) {
            pkg.team_files.push(p);
        }
    }
    Ok(pkg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    #[test]
    fn contest_yaml_in_both_spellings() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut s = ContestSettings::default();
        let p = write(
            dir.path(),
            "contest.yaml",
            "duration: 5:00:00\nname: Demo contest\npenalty-time: 20\nscoreboard-freeze-length: 1:00:00\nshort-name: demo\n",
        );
        apply_contest_yaml(&p, &mut s).expect("legacy");
        assert_eq!(
            (s.id.as_str(), s.duration_s, s.freeze_s, s.penalty_minutes),
            ("demo", 18000, 3600, 20)
        );
        let p = write(
            dir.path(),
            "c2.yaml",
            "id: wf2014\nname: WF\nstart_time: 2014-06-25T10:00:00+01\nduration: 5:00:00\nscoreboard_freeze_duration: 1:00:00\nscoreboard_type: pass-fail\npenalty_time: 20\n",
        );
        apply_contest_yaml(&p, &mut s).expect("clics");
        assert_eq!(s.start_time_ms, Some(1_403_686_800_000));
        let p = write(dir.path(), "c3.yaml", "name: X\nduration: forever\n");
        let e = apply_contest_yaml(&p, &mut s).expect_err("bad duration");
        assert_eq!(e.line, Some(2), "{e}");
    }

    #[test]
    fn problem_lists_new_and_legacy() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = write(
            dir.path(),
            "problems.yaml",
            "- id: hello\n  label: A\n  rgb: '#9486EA'\n  time_limit: 5\n",
        );
        let l = parse_problem_list(&p).expect("list");
        assert_eq!(l[0].label.as_deref(), Some("A"));
        assert_eq!(l[0].time_limit_s, Some(5.0));
        let p = write(
            dir.path(),
            "problemset.yaml",
            "problems:\n- letter: B\n  short-name: fltcmp\n  color: '#E93603'\n",
        );
        let l = parse_problem_list(&p).expect("legacy list");
        assert_eq!(
            (l[0].id.as_str(), l[0].label.as_deref()),
            ("fltcmp", Some("B"))
        );
        let p = write(dir.path(), "bad.yaml", "- id: ../etc\n");
        assert!(parse_problem_list(&p).is_err());
    }
}
