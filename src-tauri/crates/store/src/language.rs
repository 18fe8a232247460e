//! The language table: which languages teams may submit in, and how each is
//! judged (its backend, the time factor organizers may set, the compile and
//! run commands shown to teams).

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::{Result, Store, StoreError};

/// Smallest and largest time factor.
pub const TIME_FACTOR_RANGE: std::ops::RangeInclusive<f64> = 0.1..=20.0;

/// A submission language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Language {
    /// CLICS-style id (`c`, `cpp`, `rust`, `python3`, `java`, `kotlin`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// File extensions, without the dot.
    pub extensions: Vec<String>,
    /// Whether teams may submit in it.
    pub allow_submit: bool,
    /// `wasm` (deterministic fuel) or `native` (the JVM; CPU time).
    pub backend: String,
    /// A run gets the problem's time limit times this.
    pub time_factor: f64,
    /// The compile command, as shown to teams (empty: none).
    pub compiler: String,
    /// The run command, as shown to teams.
    pub runner: String,
}

/// A change to one language; `None` keeps what is there.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LanguageChange {
    /// The time factor.
    pub time_factor: Option<f64>,
    /// `wasm` or `native`.
    pub backend: Option<String>,
    /// Whether teams may submit in it.
    pub allow_submit: Option<bool>,
}

/// The compile and run commands shown for a language on a backend, where
/// switching backends changes them.
fn commands_for(id: &str, backend: &str) -> Option<(String, String)> {
    let native = "native, CPU time (not deterministic), stack = memory limit";
    match (id, backend) {
        ("c", "native") => Some(("gcc -std=gnu17 -O2 {files} -lm".into(), native.into())),
        ("cpp", "native") => Some(("g++ -std=gnu++20 -O2 {files} -lm".into(), native.into())),
        ("python3", "native") => Some((
            "syntax check by python3 (host CPython)".into(),
            "python3 -S -B {main}: native, CPU time (not deterministic)".into(),
        )),
        (_, "wasm") => default_languages()
            .into_iter()
            .find(|d| d.id == id)
            .map(|d| (d.compiler, d.runner)),
        _ => None,
    }
}

/// The languages a new contest starts with: the ones the judgehost judges.
pub fn default_languages() -> Vec<Language> {
    let wasm = "wasmtime (deterministic fuel)";
    let jvm = |id: &str, name: &str, ext: &str, compiler: &str, runner: &str| Language {
        id: id.into(),
        name: name.into(),
        extensions: vec![ext.into()],
        allow_submit: true,
        backend: "native".into(),
        time_factor: 1.0,
        compiler: compiler.into(),
        runner: runner.into(),
    };
    let lang = |id: &str, name: &str, exts: &[&str], compiler: &str, runner: &str| Language {
        id: id.into(),
        name: name.into(),
        extensions: exts.iter().map(|e| e.to_string()).collect(),
        allow_submit: true,
        backend: "wasm".into(),
        time_factor: 1.0,
        compiler: compiler.into(),
        runner: runner.into(),
    };
    vec![
        lang(
            "c",
            "C",
            &["c"],
            "clang-14 --target=wasm32-wasi -O2 -std=gnu11 {files} -lm",
            wasm,
        ),
        lang(
            "cpp",
            "C++",
            &["cpp", "cc", "cxx", "c++"],
            "clang++-14 --target=wasm32-wasi -O2 -std=gnu++20 -fno-exceptions {files}",
            wasm,
        ),
        lang(
            "rust",
            "Rust",
            &["rs"],
            "rustc --edition 2021 --target wasm32-wasi -O {files}",
            wasm,
        ),
        lang(
            "python3",
            "Python 3",
            &["py"],
            "",
            "CPython 3.14 for WASI in wasmtime (deterministic fuel)",
        ),
        jvm(
            "java",
            "Java",
            "java",
            "javac -encoding UTF-8 {files}",
            "java -Xmx{memory} -Xss64m -XX:+UseSerialGC {main class}",
        ),
        jvm(
            "kotlin",
            "Kotlin",
            "kt",
            "kotlinc 2.4 -no-reflect {files}",
            "java -Xmx{memory} -Xss64m -XX:+UseSerialGC -cp .:kotlin-stdlib.jar {main class}",
        ),
    ]
}

fn insert(conn: &Connection, l: &Language) -> Result<()> {
    conn.execute(
        "INSERT INTO languages
             (id, name, extensions, allow_submit, backend, time_factor, compiler, runner)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET
             name = excluded.name, extensions = excluded.extensions,
             allow_submit = excluded.allow_submit, backend = excluded.backend,
             time_factor = excluded.time_factor, compiler = excluded.compiler,
             runner = excluded.runner",
        params![
            l.id,
            l.name,
            l.extensions.join(","),
            l.allow_submit,
            l.backend,
            l.time_factor,
            l.compiler,
            l.runner
        ],
    )?;
    Ok(())
}

pub(crate) fn insert_defaults(conn: &Connection) -> Result<()> {
    for l in default_languages() {
        insert(conn, &l)?;
    }
    Ok(())
}

/// Checks a language row before it is written.
pub fn check_language(l: &Language) -> Result<()> {
    if !TIME_FACTOR_RANGE.contains(&l.time_factor) {
        return Err(StoreError::Conflict(format!(
            "language {}: time factor {} is outside {}..={}",
            l.id,
            l.time_factor,
            TIME_FACTOR_RANGE.start(),
            TIME_FACTOR_RANGE.end()
        )));
    }
    let allowed: &[&str] = match l.id.as_str() {
        "c" | "cpp" | "python3" => &["wasm", "native"],
        "java" | "kotlin" => &["native"],
        "rust" => &["wasm"],
        _ => &["wasm", "native"],
    };
    if !allowed.contains(&l.backend.as_str()) {
        return Err(StoreError::Conflict(format!(
            "language {}: backend {:?} is not one that judges it ({})",
            l.id,
            l.backend,
            allowed.join(" or ")
        )));
    }
    if l.extensions.is_empty() || l.extensions.iter().any(|e| e.is_empty() || e.contains(',')) {
        return Err(StoreError::Conflict(format!(
            "language {}: needs at least one extension, without dots or commas",
            l.id
        )));
    }
    Ok(())
}

const COLUMNS: &str = "id, name, extensions, allow_submit, backend, time_factor, compiler, runner";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Language> {
    Ok(Language {
        id: r.get(0)?,
        name: r.get(1)?,
        extensions: r
            .get::<_, String>(2)?
            .split(',')
            .map(str::to_owned)
            .collect(),
        allow_submit: r.get(3)?,
        backend: r.get(4)?,
        time_factor: r.get(5)?,
        compiler: r.get(6)?,
        runner: r.get(7)?,
    })
}

impl Store {
    /// All languages, by id.
    pub fn languages(&self) -> Result<Vec<Language>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM languages ORDER BY id"))?;
        let rows = stmt.query_map([], row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One language.
    pub fn language(&self, id: &str) -> Result<Language> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM languages WHERE id = ?1"),
                [id],
                row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                kind: "language",
                id: id.to_owned(),
            })
    }

    /// Changes a language's time factor, backend (C and C++ may be judged
    /// natively with gcc/g++ instead of in wasm) and whether teams may
    /// submit in it.
    pub fn set_language(
        &mut self,
        id: &str,
        change: &LanguageChange,
        actor: &str,
    ) -> Result<Language> {
        let mut l = self.language(id)?;
        if let Some(f) = change.time_factor {
            l.time_factor = f;
        }
        if let Some(b) = &change.backend
            && *b != l.backend
        {
            l.backend = b.clone();
            if let Some(d) = commands_for(&l.id, b) {
                (l.compiler, l.runner) = d;
            }
        }
        let allow_submit = change.allow_submit;
        if let Some(a) = allow_submit {
            l.allow_submit = a;
        }
        check_language(&l)?;
        let tx = self.conn.transaction()?;
        insert(&tx, &l)?;
        let detail = format!(
            "backend {}, time factor {}, submit {}",
            l.backend, l.time_factor, l.allow_submit
        );
        crate::audit::record(&tx, actor, "language.update", Some(id), Some(&detail), None)?;
        tx.commit()?;
        Ok(l)
    }

    /// Makes `languages` the contest's: each is added or updated, and every
    /// other language is closed for submissions (kept, since submissions
    /// may name it). One transaction; nothing changes on error.
    pub fn replace_languages(&mut self, languages: &[Language], actor: &str) -> Result<()> {
        for l in languages {
            check_language(l)?;
        }
        let tx = self.conn.transaction()?;
        tx.execute("UPDATE languages SET allow_submit = 0", [])?;
        for l in languages {
            insert(&tx, l)?;
        }
        let ids: Vec<&str> = languages.iter().map(|l| l.id.as_str()).collect();
        crate::audit::record(
            &tx,
            actor,
            "language.import",
            None,
            Some(&ids.join(",")),
            None,
        )?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_passes_the_checks() {
        let d = default_languages();
        assert_eq!(d.len(), 6);
        for l in &d {
            check_language(l).expect("default");
        }
        let mut bad = d[0].clone();
        bad.time_factor = 0.0;
        assert!(check_language(&bad).is_err());
        bad.time_factor = 1.0;
        bad.extensions = vec!["c,h".into()];
        assert!(check_language(&bad).is_err());
    }
}
