//! Clarifications: questions from teams, answers and announcements from the
//! jury, each with who wrote it, when and to whom.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::audit::record;
use crate::{Result, Store, StoreError};

/// A stored clarification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clarification {
    /// Id.
    pub id: i64,
    /// The team that asked (`None`: written by the jury).
    pub from_team_id: Option<String>,
    /// The team it is for (`None` from the jury: everyone).
    pub to_team_id: Option<String>,
    /// The clarification it answers.
    pub reply_to_id: Option<i64>,
    /// The problem it is about (`None`: general).
    pub problem_id: Option<String>,
    /// Its text.
    pub text: String,
    /// When, ms since the epoch.
    pub at_ms: i64,
    /// Who wrote it (`team:5`, or the jury member).
    pub author: String,
}

/// A clarification to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClarification {
    /// The asking team, for a question.
    pub from_team_id: Option<String>,
    /// The team addressed, for a jury answer to one team.
    pub to_team_id: Option<String>,
    /// What it answers.
    pub reply_to_id: Option<i64>,
    /// The problem.
    pub problem_id: Option<String>,
    /// Text.
    pub text: String,
    /// When.
    pub at_ms: i64,
    /// Who.
    pub author: String,
}

const COLUMNS: &str = "id, from_team_id, to_team_id, reply_to_id, problem_id, text, at_ms, author";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Clarification> {
    Ok(Clarification {
        id: r.get(0)?,
        from_team_id: r.get(1)?,
        to_team_id: r.get(2)?,
        reply_to_id: r.get(3)?,
        problem_id: r.get(4)?,
        text: r.get(5)?,
        at_ms: r.get(6)?,
        author: r.get(7)?,
    })
}

impl Store {
    /// Stores a clarification (audited); refuses an unknown team, problem
    /// or clarification to reply to, and a question addressed to a team.
    pub fn add_clarification(&mut self, c: &NewClarification) -> Result<Clarification> {
        let tx = self.conn.transaction()?;
        let exists = |sql: &str, key: &dyn rusqlite::ToSql| -> Result<bool> {
            Ok(tx.query_row(sql, [key], |_| Ok(())).optional()?.is_some())
        };
        for team in c.from_team_id.iter().chain(c.to_team_id.iter()) {
            if !exists("SELECT 1 FROM teams WHERE id = ?1", team)? {
                return Err(StoreError::NotFound {
                    kind: "team",
                    id: team.clone(),
                });
            }
        }
        if let Some(p) = &c.problem_id
            && !exists("SELECT 1 FROM problems WHERE id = ?1", p)?
        {
            return Err(StoreError::NotFound {
                kind: "problem",
                id: p.clone(),
            });
        }
        if let Some(r) = c.reply_to_id
            && !exists("SELECT 1 FROM clarifications WHERE id = ?1", &r)?
        {
            return Err(StoreError::NotFound {
                kind: "clarification",
                id: r.to_string(),
            });
        }
        if c.from_team_id.is_some() && c.to_team_id.is_some() {
            return Err(StoreError::Conflict(
                "a team's question goes to the jury, not to a team".into(),
            ));
        }
        tx.execute(
            "INSERT INTO clarifications (from_team_id, to_team_id, reply_to_id, problem_id, text, at_ms, author)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                c.from_team_id,
                c.to_team_id,
                c.reply_to_id,
                c.problem_id,
                c.text,
                c.at_ms,
                c.author
            ],
        )?;
        let id = tx.last_insert_rowid();
        let action = match (&c.from_team_id, &c.to_team_id, c.reply_to_id) {
            (Some(_), _, _) => "clarification.ask",
            (None, _, Some(_)) => "clarification.answer",
            (None, _, None) => "clarification.announce",
        };
        let to = c
            .to_team_id
            .as_deref()
            .map_or_else(|| "everyone".to_owned(), |t| format!("team {t}"));
        record(
            &tx,
            &c.author,
            action,
            Some(&id.to_string()),
            Some(&if c.from_team_id.is_some() {
                "the jury".to_owned()
            } else {
                to
            }),
            None,
        )?;
        let stored = tx.query_row(
            &format!("SELECT {COLUMNS} FROM clarifications WHERE id = ?1"),
            [id],
            from_row,
        )?;
        tx.commit()?;
        Ok(stored)
    }

    /// Every clarification, oldest first.
    pub fn clarifications(&self) -> Result<Vec<Clarification>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM clarifications ORDER BY id"))?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// What `team` may read: its own questions, the jury's answers to it
    /// and everything the jury sent to everyone, oldest first.
    pub fn team_clarifications(&self, team: &str) -> Result<Vec<Clarification>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM clarifications
             WHERE from_team_id = ?1 OR to_team_id = ?1
                OR (from_team_id IS NULL AND to_team_id IS NULL)
             ORDER BY id"
        ))?;
        let rows = stmt.query_map([team], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One clarification.
    pub fn clarification(&self, id: i64) -> Result<Option<Clarification>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM clarifications WHERE id = ?1"),
                [id],
                from_row,
            )
            .optional()?)
    }
}
