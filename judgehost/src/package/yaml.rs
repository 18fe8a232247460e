//! `problem.yaml` and `testdata.yaml` / `test_group.yaml`.

use std::path::Path;

use serde_norway::Value;

use super::{PackageError, ProblemType};

/// Longest time limit we accept, in seconds.
pub(crate) const MAX_TIME_LIMIT_S: f64 = 3600.0;
/// Largest memory limit (wasm32 addresses 4 GiB).
const MAX_MEMORY_MIB: u64 = 4096;
/// Largest memory limit of a validator (it runs natively).
const MAX_VALIDATION_MEMORY_MIB: u64 = 16384;
/// Largest output limit.
const MAX_OUTPUT_MIB: u64 = 1024;

/// What we take from `problem.yaml`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProblemYaml {
    pub format_version: String,
    pub name: Option<String>,
    pub problem_type: ProblemType,
    pub submit_answer: bool,
    pub custom_validation: bool,
    pub validator_flags: String,
    pub time_limit: Option<f64>,
    pub memory_mib: Option<u64>,
    pub output_mib: Option<u64>,
    pub validation_time: Option<f64>,
    pub validation_memory_mib: Option<u64>,
    pub validation_output_mib: Option<u64>,
}

impl Default for ProblemYaml {
    fn default() -> Self {
        ProblemYaml {
            format_version: "legacy".into(),
            name: None,
            problem_type: ProblemType::default(),
            submit_answer: false,
            custom_validation: false,
            validator_flags: String::new(),
            time_limit: None,
            memory_mib: None,
            output_mib: None,
            validation_time: None,
            validation_memory_mib: None,
            validation_output_mib: None,
        }
    }
}

/// The 1-based line where `key:` first appears, to point errors at it.
fn line_of(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start().trim_start_matches("- ");
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|i| i + 1)
}

fn parse_text(path: &Path, content: &[u8]) -> Result<(String, Value), PackageError> {
    let text = std::str::from_utf8(content)
        .map_err(|_| PackageError::new(path, "is not UTF-8 text"))?
        .trim_start_matches('\u{feff}')
        .to_owned();
    let value: Value = serde_norway::from_str(&text).map_err(|e| PackageError {
        path: path.to_owned(),
        line: e.location().map(|l| l.line()),
        message: format!("is not valid YAML: {e}"),
    })?;
    Ok((text, value))
}

struct Fields<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Fields<'_> {
    fn error(&self, key: &str, message: String) -> PackageError {
        PackageError {
            path: self.path.to_owned(),
            line: line_of(self.text, key),
            message,
        }
    }

    fn string(&self, map: &Value, key: &str) -> Result<Option<String>, PackageError> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => {
                Err(self.error(key, format!("`{key}` must be text, not {}", kind(other))))
            }
        }
    }

    fn number(&self, map: &Value, key: &str, max: f64) -> Result<Option<f64>, PackageError> {
        let n = match map.get(key) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
            Some(_) => None,
        };
        match n {
            Some(n) if n.is_finite() && n > 0.0 && n <= max => Ok(Some(n)),
            _ => Err(self.error(
                key,
                format!("`{key}` must be a positive number no larger than {max}"),
            )),
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// Parses `problem.yaml`; `path` is only used in error messages.
pub(crate) fn parse_problem_yaml(path: &Path, content: &[u8]) -> Result<ProblemYaml, PackageError> {
    let (text, root) = parse_text(path, content)?;
    let root = match root {
        Value::Null => Value::Mapping(Default::default()),
        m @ Value::Mapping(_) => m,
        other => {
            return Err(PackageError {
                path: path.to_owned(),
                line: Some(1),
                message: format!("must be a mapping of keys to values, not {}", kind(&other)),
            });
        }
    };
    let f = Fields { path, text: &text };
    let mut out = ProblemYaml::default();
    if let Some(v) = f.string(&root, "problem_format_version")? {
        out.format_version = v;
    }
    out.name = match root.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Mapping(m)) => {
            let pick = m
                .get("en")
                .or_else(|| m.values().next())
                .and_then(Value::as_str)
                .map(str::to_owned);
            if pick.is_none() {
                return Err(f.error("name", "`name` must map languages to text".into()));
            }
            pick
        }
        Some(other) => {
            return Err(f.error("name", format!("`name` must be text, not {}", kind(other))));
        }
    };
    if let Some(t) = f.string(&root, "type")? {
        for word in t.split_whitespace() {
            match word {
                "pass-fail" => {}
                "scoring" => out.problem_type.scoring = true,
                "interactive" => out.problem_type.interactive = true,
                "multi-pass" | "multipass" => out.problem_type.multi_pass = true,
                "submit-answer" => out.submit_answer = true,
                other => {
                    return Err(f.error(
                        "type",
                        format!(
                            "unknown problem type {other:?} (pass-fail, scoring, interactive, \
                             multi-pass, submit-answer)"
                        ),
                    ));
                }
            }
        }
    }
    if let Some(v) = f.string(&root, "validation")? {
        let mut words = v.split_whitespace();
        match words.next() {
            Some("default") | None => {}
            Some("custom") => out.custom_validation = true,
            Some(other) => {
                return Err(f.error(
                    "validation",
                    format!("unknown validation {other:?} (default or custom)"),
                ));
            }
        }
        for word in words {
            match word {
                "interactive" => out.problem_type.interactive = true,
                "multi-pass" | "multipass" => out.problem_type.multi_pass = true,
                "score" => out.problem_type.scoring = true,
                other => {
                    return Err(f.error(
                        "validation",
                        format!(
                            "unknown validation option {other:?} (interactive, multi-pass, score)"
                        ),
                    ));
                }
            }
        }
    }
    if out.problem_type.interactive || out.problem_type.multi_pass {
        out.custom_validation = true;
    }
    out.validator_flags = f.string(&root, "validator_flags")?.unwrap_or_default();
    match root.get("limits") {
        None | Some(Value::Null) => {}
        Some(limits @ Value::Mapping(_)) => {
            out.time_limit = f.number(limits, "time_limit", MAX_TIME_LIMIT_S)?;
            out.memory_mib = whole_mib(&f, limits, "memory", MAX_MEMORY_MIB)?;
            out.output_mib = whole_mib(&f, limits, "output", MAX_OUTPUT_MIB)?;
            out.validation_time = f.number(limits, "validation_time", MAX_TIME_LIMIT_S)?;
            out.validation_memory_mib =
                whole_mib(&f, limits, "validation_memory", MAX_VALIDATION_MEMORY_MIB)?;
            out.validation_output_mib = whole_mib(&f, limits, "validation_output", MAX_OUTPUT_MIB)?;
        }
        Some(other) => {
            return Err(f.error(
                "limits",
                format!("`limits` must be a mapping, not {}", kind(other)),
            ));
        }
    }
    Ok(out)
}

fn whole_mib(
    f: &Fields<'_>,
    map: &Value,
    key: &str,
    max: u64,
) -> Result<Option<u64>, PackageError> {
    Ok(f.number(map, key, max as f64)?.map(|n| n.ceil() as u64))
}

/// Parses a test group's settings file into JSON (an object).
pub(crate) fn parse_settings(
    path: &Path,
    content: &[u8],
) -> Result<serde_json::Value, PackageError> {
    let (_, value) = parse_text(path, content)?;
    match value {
        Value::Null => Ok(serde_json::json!({})),
        m @ Value::Mapping(_) => serde_json::to_value(&m).map_err(|e| {
            PackageError::new(path, format!("cannot be represented as settings: {e}"))
        }),
        other => Err(PackageError {
            path: path.to_owned(),
            line: Some(1),
            message: format!("must be a mapping of settings, not {}", kind(&other)),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ProblemYaml, PackageError> {
        parse_problem_yaml(Path::new("problem.yaml"), text.as_bytes())
    }

    #[test]
    fn legacy_validation_and_flags() {
        let p = parse("name: Boolean\nvalidation: custom interactive\nvalidator_flags: 'float_tolerance 1E-6'\n")
            .expect("valid");
        assert!(p.custom_validation && p.problem_type.interactive);
        assert_eq!(p.validator_flags, "float_tolerance 1E-6");
        assert_eq!(p.format_version, "legacy");
    }

    #[test]
    fn modern_type_limits_and_localised_name() {
        let p = parse(
            "problem_format_version: 2023-07-draft\ntype: interactive\nname:\n  sv: Gissa\n  en: Guess\nlimits:\n  time_limit: 2.5\n  memory: 512\n",
        )
        .expect("valid");
        assert_eq!(p.name.as_deref(), Some("Guess"));
        assert!(p.problem_type.interactive && p.custom_validation);
        assert_eq!(p.time_limit, Some(2.5));
        assert_eq!(p.memory_mib, Some(512));
    }

    #[test]
    fn bad_values_name_their_line() {
        let err = parse("name: X\nlimits:\n  memory: lots\n").expect_err("bad memory");
        assert_eq!(err.line, Some(3), "{err}");
        let err = parse("name: X\ntype: quiz\n").expect_err("bad type");
        assert_eq!(err.line, Some(2), "{err}");
        let err = parse("name: [unclosed\n").expect_err("broken yaml");
        assert!(err.line.is_some(), "{err}");
        assert!(parse("- a list\n").is_err());
    }

    #[test]
    fn settings_must_be_a_mapping() {
        let v = parse_settings(
            Path::new("t.yaml"),
            b"on_reject: continue\naccept_score: 50\n",
        )
        .expect("ok");
        assert_eq!(v["accept_score"], 50);
        assert_eq!(
            parse_settings(Path::new("t.yaml"), b"# only comments\n").expect("ok"),
            serde_json::json!({})
        );
        assert!(parse_settings(Path::new("t.yaml"), b"just text").is_err());
    }
}
