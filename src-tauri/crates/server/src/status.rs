//! The organizer's one-screen summary of a contest.

use std::fmt;

use floorjudge_store::{Contest, Language, ProblemSummary, Store, StoreError};
use serde::Serialize;

use crate::reltime::{format_reltime, format_time};

/// Counts and listings for `floorjudge-jury status`.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The contest settings.
    pub contest: Contest,
    /// Number of teams.
    pub teams: usize,
    /// Teams with a workstation IP bound.
    pub teams_with_ip: usize,
    /// Teams with a password set.
    pub teams_with_password: usize,
    /// Teams that can identify in no way yet (no IP, no password).
    pub teams_unreachable: usize,
    /// Groups.
    pub groups: usize,
    /// Organizations.
    pub organizations: usize,
    /// Problems with testcase counts.
    pub problems: Vec<ProblemSummary>,
    /// Languages.
    pub languages: Vec<Language>,
}

impl Status {
    /// Reads the summary from the store.
    pub fn gather(store: &Store) -> Result<Status, StoreError> {
        let teams = store.teams()?;
        Ok(Status {
            contest: store.contest()?,
            teams: teams.len(),
            teams_with_ip: teams.iter().filter(|t| t.ip.is_some()).count(),
            teams_with_password: teams.iter().filter(|t| t.has_password).count(),
            teams_unreachable: teams
                .iter()
                .filter(|t| t.ip.is_none() && !t.has_password)
                .count(),
            groups: store.groups()?.len(),
            organizations: store.organizations()?.len(),
            problems: store.problems()?,
            languages: store.languages()?,
        })
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.contest.settings;
        writeln!(f, "contest    {} ({})", s.name, s.id)?;
        match s.start_time_ms {
            Some(ms) => writeln!(f, "start      {}", format_time(ms))?,
            None => writeln!(f, "start      not scheduled")?,
        }
        writeln!(
            f,
            "duration   {}, freeze {} before the end, penalty {} min, scoreboard {}",
            format_reltime(s.duration_s),
            format_reltime(s.freeze_s),
            s.penalty_minutes,
            s.scoreboard_type
        )?;
        let modes: Vec<_> = s.id_modes.iter().map(|m| m.as_str()).collect();
        writeln!(f, "identify   by {}", modes.join(", "))?;
        writeln!(
            f,
            "teams      {} ({} with an IP, {} without; {} with a password; {} with neither) in {} groups, {} organizations",
            self.teams,
            self.teams_with_ip,
            self.teams - self.teams_with_ip,
            self.teams_with_password,
            self.teams_unreachable,
            self.groups,
            self.organizations
        )?;
        writeln!(f, "problems   {}", self.problems.len())?;
        for p in &self.problems {
            let pr = &p.problem;
            writeln!(
                f,
                "  {:<3} {:<14} {:<28} {:>3} sample {:>4} secret  TL {}s ({})  ML {} MiB  {}",
                pr.label,
                pr.id,
                truncate(&pr.name, 28),
                p.samples,
                p.secret,
                pr.time_limit_ms as f64 / 1000.0,
                pr.time_limit_source,
                pr.memory_mib,
                pr.validation
            )?;
        }
        let langs: Vec<String> = self
            .languages
            .iter()
            .filter(|l| l.allow_submit)
            .map(|l| {
                if l.time_factor == 1.0 {
                    format!("{} ({})", l.id, l.backend)
                } else {
                    format!("{} ({}, time ×{})", l.id, l.backend, l.time_factor)
                }
            })
            .collect();
        write!(f, "languages  {}", langs.join(", "))
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}
