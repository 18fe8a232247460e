//! A contest package's language table: `languages.yaml` or `languages.json`,
//! a list of CLICS language objects (`id`, `name`, `extensions`, `compiler`
//! and `runner` commands), each optionally with our `time_factor` and
//! `allow_submit`. The languages listed are the contest's; the others stay
//! in the table, closed for submissions.

use std::collections::HashSet;
use std::path::Path;
use std::str::FromStr;

use floorjudge_judgehost::toolchain::Language as Judged;
use floorjudge_store::{Language, check_language, default_languages};
use serde::Deserialize;

use super::{ImportError, line_containing, parse_structured, read_text};

#[derive(Debug, Deserialize)]
struct Entry {
    id: String,
    name: Option<String>,
    extensions: Option<Vec<String>>,
    compiler: Option<Command>,
    runner: Option<Command>,
    time_factor: Option<f64>,
    allow_submit: Option<bool>,
}

/// A CLICS command object (version fields are informative and ignored).
#[derive(Debug, Deserialize)]
struct Command {
    command: String,
    args: Option<String>,
}

impl Command {
    fn shown(&self) -> String {
        match &self.args {
            Some(a) if !a.is_empty() => format!("{} {a}", self.command),
            _ => self.command.clone(),
        }
    }
}

/// Reads a language table; every entry must be a language the judgehost
/// judges (CLICS and DOMjudge ids are both understood: `kt`, `py3`).
pub fn parse_languages(path: &Path) -> Result<Vec<Language>, ImportError> {
    let text = read_text(path)?;
    let entries: Vec<Entry> = parse_structured(path, &text)?;
    if entries.is_empty() {
        return Err(ImportError::file(path, "lists no language"));
    }
    let defaults = default_languages();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for e in entries {
        let at = |m: String| ImportError::at(path, line_containing(&text, &[&e.id]), m);
        let alias = if e.id == "py3" {
            "python3"
        } else {
            e.id.as_str()
        };
        let judged = Judged::from_str(alias).map_err(|_| {
            at(format!(
                "language {:?}: the judgehost cannot judge it (it judges {})",
                e.id,
                defaults
                    .iter()
                    .map(|d| d.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let mut l = defaults
            .iter()
            .find(|d| d.id == judged.id())
            .cloned()
            .ok_or_else(|| at(format!("language {:?} has no defaults", e.id)))?;
        if !seen.insert(l.id.clone()) {
            return Err(at(format!("language {:?} is listed twice", e.id)));
        }
        if let Some(name) = e.name {
            l.name = name;
        }
        if let Some(exts) = e.extensions {
            l.extensions = exts
                .into_iter()
                .map(|x| x.trim_start_matches('.').to_owned())
                .collect();
        }
        if let Some(c) = e.compiler {
            l.compiler = c.shown();
        }
        if let Some(r) = e.runner {
            l.runner = r.shown();
        }
        if let Some(f) = e.time_factor {
            l.time_factor = f;
        }
        l.allow_submit = e.allow_submit.unwrap_or(true);
        check_language(&l).map_err(|err| at(err.to_string()))?;
        out.push(l);
    }
    Ok(out)
}
