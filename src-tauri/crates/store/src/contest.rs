//! The contest's own settings: name, clock, scoring and identification modes.

use std::fmt;
use std::str::FromStr;

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::{Result, Store, StoreError};

/// How a kiosk may identify its team (see ARCHITECTURE.md, "Identification").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdMode {
    /// The workstation's IP was pre-assigned by the organizers.
    Ip,
    /// A one-time password binds the workstation's IP to the team.
    Password,
    /// The jury approves a short code shown by the workstation.
    Pairing,
}

impl IdMode {
    /// Every mode, in the order they are tried.
    pub const ALL: [IdMode; 3] = [IdMode::Ip, IdMode::Password, IdMode::Pairing];

    /// The mode's name as written in settings.
    pub fn as_str(self) -> &'static str {
        match self {
            IdMode::Ip => "ip",
            IdMode::Password => "password",
            IdMode::Pairing => "pairing",
        }
    }
}

impl fmt::Display for IdMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IdMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        IdMode::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| format!("unknown identification mode {s:?} (ip, password, pairing)"))
    }
}

/// What an organizer decides about a contest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContestSettings {
    /// Short id (CLICS `contest.id`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Long name, if any.
    pub formal_name: Option<String>,
    /// Scheduled start, ms since the epoch; `None` until scheduled.
    pub start_time_ms: Option<i64>,
    /// Length of the contest in seconds.
    pub duration_s: i64,
    /// Scoreboard freeze before the end, in seconds (0: no freeze).
    pub freeze_s: i64,
    /// Penalty minutes per rejected submission on a solved problem.
    pub penalty_minutes: i64,
    /// `pass-fail` or `score`.
    pub scoreboard_type: String,
    /// Identification modes the kiosks may use.
    pub id_modes: Vec<IdMode>,
    /// Time limit for problems whose package names none, in ms.
    pub default_time_limit_ms: i64,
    /// When the jury lifted the scoreboard freeze, ms since the epoch.
    #[serde(default)]
    pub thawed_ms: Option<i64>,
    /// How many medals the contest gives.
    #[serde(default)]
    pub medals: MedalCounts,
}

/// How many medals of each kind a contest gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedalCounts {
    /// Gold medals.
    pub gold: u32,
    /// Silver medals.
    pub silver: u32,
    /// Bronze medals.
    pub bronze: u32,
    /// Extra bronze medals (for ties at the last bronze place).
    pub extra_bronze: u32,
}

impl Default for MedalCounts {
    /// DOMjudge's defaults: 4 of each, no extra bronze.
    fn default() -> Self {
        MedalCounts {
            gold: 4,
            silver: 4,
            bronze: 4,
            extra_bronze: 0,
        }
    }
}

impl Default for ContestSettings {
    fn default() -> Self {
        ContestSettings {
            id: "contest".into(),
            name: "floorjudge contest".into(),
            formal_name: None,
            start_time_ms: None,
            duration_s: 5 * 3600,
            freeze_s: 3600,
            penalty_minutes: 20,
            scoreboard_type: "pass-fail".into(),
            id_modes: IdMode::ALL.to_vec(),
            default_time_limit_ms: 2000,
            thawed_ms: None,
            medals: MedalCounts::default(),
        }
    }
}

/// The stored contest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contest {
    /// Its settings.
    #[serde(flatten)]
    pub settings: ContestSettings,
    /// When the database was created, ms since the epoch.
    pub created_ms: i64,
}

fn modes_to_text(modes: &[IdMode]) -> String {
    modes
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Writes the settings into the single contest row (creating it with
/// `created_ms` the first time).
fn write(conn: &Connection, s: &ContestSettings, created_ms: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO contest (singleton, id, name, formal_name, start_time_ms, duration_s,
             freeze_s, penalty_minutes, scoreboard_type, id_modes, default_time_limit_ms, created_ms,
             thawed_ms, gold_medals, silver_medals, bronze_medals, extra_bronze_medals)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT (singleton) DO UPDATE SET id = excluded.id, name = excluded.name,
             formal_name = excluded.formal_name, start_time_ms = excluded.start_time_ms,
             duration_s = excluded.duration_s, freeze_s = excluded.freeze_s,
             penalty_minutes = excluded.penalty_minutes, scoreboard_type = excluded.scoreboard_type,
             id_modes = excluded.id_modes, default_time_limit_ms = excluded.default_time_limit_ms,
             thawed_ms = excluded.thawed_ms, gold_medals = excluded.gold_medals,
             silver_medals = excluded.silver_medals, bronze_medals = excluded.bronze_medals,
             extra_bronze_medals = excluded.extra_bronze_medals",
        params![
            s.id,
            s.name,
            s.formal_name,
            s.start_time_ms,
            s.duration_s,
            s.freeze_s,
            s.penalty_minutes,
            s.scoreboard_type,
            modes_to_text(&s.id_modes),
            s.default_time_limit_ms,
            created_ms,
            s.thawed_ms,
            s.medals.gold,
            s.medals.silver,
            s.medals.bronze,
            s.medals.extra_bronze
        ],
    )?;
    Ok(())
}

pub(crate) fn insert(conn: &Connection, s: &ContestSettings, now: i64) -> Result<()> {
    write(conn, s, now)
}

impl Store {
    /// The contest's settings.
    pub fn contest(&self) -> Result<Contest> {
        let (settings, modes, created_ms) = self.conn.query_row(
            "SELECT id, name, formal_name, start_time_ms, duration_s, freeze_s, penalty_minutes,
                    scoreboard_type, id_modes, default_time_limit_ms, created_ms, thawed_ms,
                    gold_medals, silver_medals, bronze_medals, extra_bronze_medals
             FROM contest WHERE singleton = 1",
            [],
            |r| {
                Ok((
                    ContestSettings {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        formal_name: r.get(2)?,
                        start_time_ms: r.get(3)?,
                        duration_s: r.get(4)?,
                        freeze_s: r.get(5)?,
                        penalty_minutes: r.get(6)?,
                        scoreboard_type: r.get(7)?,
                        id_modes: Vec::new(),
                        default_time_limit_ms: r.get(9)?,
                        thawed_ms: r.get(11)?,
                        medals: MedalCounts {
                            gold: r.get(12)?,
                            silver: r.get(13)?,
                            bronze: r.get(14)?,
                            extra_bronze: r.get(15)?,
                        },
                    },
                    r.get::<_, String>(8)?,
                    r.get(10)?,
                ))
            },
        )?;
        let id_modes = modes
            .split(',')
            .filter(|m| !m.is_empty())
            .map(IdMode::from_str)
            .collect::<Result<Vec<_>, _>>()
            .map_err(StoreError::Corrupt)?;
        Ok(Contest {
            settings: ContestSettings {
                id_modes,
                ..settings
            },
            created_ms,
        })
    }

    /// Replaces the contest's settings.
    pub fn update_contest(&mut self, s: &ContestSettings, actor: &str) -> Result<()> {
        self.change_contest(s, actor, "contest.update", None)
    }

    /// Replaces the contest's settings, audited as `action` with `detail`
    /// (`contest.start`, `contest.freeze`, …).
    pub fn change_contest(
        &mut self,
        s: &ContestSettings,
        actor: &str,
        action: &str,
        detail: Option<&str>,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        write(&tx, s, crate::now_ms())?;
        crate::audit::record(&tx, actor, action, Some(&s.id), detail, None)?;
        tx.commit()?;
        Ok(())
    }

    /// How many submissions (references) the contest holds.
    pub fn submission_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM submissions", [], |r| r.get(0))?)
    }
}
