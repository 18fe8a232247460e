//! Programming languages teams may submit in.

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::{Result, Store};

/// A submission language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Language {
    /// CLICS-style id (`c`, `cpp`, `rust`, `python3`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// File extensions, without the dot.
    pub extensions: Vec<String>,
    /// Whether teams may submit in it.
    pub allow_submit: bool,
}

/// The languages a new contest starts with: the ones the judgehost can
/// compile to WebAssembly.
const DEFAULTS: &[(&str, &str, &str)] = &[
    ("c", "C", "c"),
    ("cpp", "C++", "cpp,cc,cxx,c++"),
    ("rust", "Rust", "rs"),
    ("python3", "Python 3", "py"),
];

pub(crate) fn insert_defaults(conn: &Connection) -> Result<()> {
    for (id, name, exts) in DEFAULTS {
        conn.execute(
            "INSERT INTO languages (id, name, extensions) VALUES (?1, ?2, ?3)",
            params![id, name, exts],
        )?;
    }
    Ok(())
}

impl Store {
    /// All languages, by id.
    pub fn languages(&self) -> Result<Vec<Language>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, name, extensions, allow_submit FROM languages ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(Language {
                id: r.get(0)?,
                name: r.get(1)?,
                extensions: r
                    .get::<_, String>(2)?
                    .split(',')
                    .map(str::to_owned)
                    .collect(),
                allow_submit: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
