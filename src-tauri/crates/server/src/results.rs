//! Final results and awards from the jury's scoreboard: medals, honors and
//! group winners, in the layout of DOMjudge's `results.tsv` (which ICPC
//! regionals upload) and as CLICS awards.
//!
//! The rules are DOMjudge's, so a contest moved to floorjudge gets the same
//! results file:
//! - medals go down the ranking to teams of the medal groups, `gold`, then
//!   `silver`, then `bronze` (+ `extra_bronze`) places; teams outside the
//!   medal groups are skipped and do not use up a place;
//! - a team that solved nothing gets no rank and an honorable mention;
//! - a team without a medal that solved at least as many problems as the
//!   median team is ranked ("Ranked"; or with honors: "Highest Honors" for
//!   as many solved as the last medallist or a place within the medal
//!   places, "High Honors" for one fewer, "Honors" otherwise); teams with
//!   equal solved counts share the rank of the first of them unless ranked
//!   individually;
//! - below the median: "Honorable", no rank;
//! - the first team of each group (in scoreboard order) is its group winner.

use std::collections::{HashMap, HashSet};

use floorjudge_store::{Store, StoreError};
use serde::Serialize;

use crate::scoreboard::{Column, Row};

/// How many medals, and who can win them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MedalRules {
    /// Gold medals.
    pub gold: u32,
    /// Silver medals.
    pub silver: u32,
    /// Bronze medals.
    pub bronze: u32,
    /// Extra bronze medals (DOMjudge's `b`).
    pub extra_bronze: u32,
    /// Group ids whose teams can win medals (`None`: every group).
    pub groups: Option<HashSet<String>>,
}

impl MedalRules {
    /// The contest's medal counts, every group eligible.
    pub fn of(counts: floorjudge_store::MedalCounts) -> MedalRules {
        MedalRules {
            gold: counts.gold,
            silver: counts.silver,
            bronze: counts.bronze,
            extra_bronze: counts.extra_bronze,
            groups: None,
        }
    }
}

impl Default for MedalRules {
    /// DOMjudge's defaults: 4 of each, no extra bronze, every group.
    fn default() -> Self {
        MedalRules {
            gold: 4,
            silver: 4,
            bronze: 4,
            extra_bronze: 0,
            groups: None,
        }
    }
}

/// How the results file ranks teams without a medal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultsStyle {
    /// Every team its own scoreboard rank (else equal solved counts share one).
    pub individually_ranked: bool,
    /// Honors ("Highest Honors", …) instead of "Ranked".
    pub honors: bool,
}

/// What the results need to know of a team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// The id the file names the team by (its ICPC id if known).
    pub export_id: String,
    /// The name results are sorted by within a rank.
    pub name: String,
    /// The group it is scored in, with the group's name.
    pub group: Option<(String, String)>,
}

/// One line of the results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResultRow {
    /// The team (ICPC id if known).
    pub team_id: String,
    /// Rank, if it has one.
    pub rank: Option<u32>,
    /// Award text.
    pub award: String,
    /// Problems solved.
    pub num_solved: u32,
    /// Total time, minutes.
    pub total_time: i64,
    /// Minute of the last solve.
    pub time_of_last_submission: i64,
    /// The group it won, if any.
    pub group_winner: Option<String>,
    /// That group's id.
    #[serde(skip)]
    pub group_won: Option<String>,
}

/// The results of the jury's ranked `rows`; `standings` by team id
/// (teams without one are left out).
pub fn results(
    rows: &[Row],
    standings: &HashMap<String, Standing>,
    medals: &MedalRules,
    style: ResultsStyle,
) -> Vec<ResultRow> {
    let rows: Vec<(&Row, &Standing)> = rows
        .iter()
        .filter_map(|r| Some((r, standings.get(&r.team_id)?)))
        .collect();
    // the solved count of the median team
    let mut median = 0;
    for (count, (row, _)) in rows.iter().enumerate() {
        median = row.score.solved;
        if (count + 1) * 2 > rows.len() {
            break;
        }
    }
    let gold = medals.gold;
    let silver = gold + medals.silver;
    let bronze = silver + medals.bronze + medals.extra_bronze;
    let mut shared_ranks: HashMap<u32, u32> = HashMap::new();
    let mut groups_won: HashSet<String> = HashSet::new();
    let mut lowest_medal_solved = 0;
    let mut skipped = 0u32;
    let mut out = Vec::with_capacity(rows.len());
    for (row, standing) in rows {
        let solved = row.score.solved;
        let medal_group = match (&standing.group, &medals.groups) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some((id, _)), Some(allowed)) => allowed.contains(id),
        };
        if !medal_group {
            skipped += 1;
        }
        let base = ResultRow {
            team_id: standing.export_id.clone(),
            rank: None,
            award: "Honorable".into(),
            num_solved: solved,
            total_time: row.score.total_time,
            time_of_last_submission: row.score.last_solve,
            group_winner: None,
            group_won: None,
        };
        if solved == 0 {
            out.push(base);
            continue;
        }
        let mut rank = Some(row.rank);
        let place = row.rank.saturating_sub(skipped);
        let award = if medal_group && place <= gold {
            lowest_medal_solved = solved;
            "Gold Medal"
        } else if medal_group && place <= silver {
            lowest_medal_solved = solved;
            "Silver Medal"
        } else if medal_group && place <= bronze {
            lowest_medal_solved = solved;
            "Bronze Medal"
        } else if solved >= median {
            let r = if style.individually_ranked {
                row.rank
            } else {
                *shared_ranks.entry(solved).or_insert(row.rank)
            };
            rank = Some(r);
            if !style.honors {
                "Ranked"
            } else if solved == lowest_medal_solved || r.saturating_sub(skipped) <= bronze {
                "Highest Honors"
            } else if solved + 1 == lowest_medal_solved {
                "High Honors"
            } else {
                "Honors"
            }
        } else {
            rank = None;
            "Honorable"
        };
        let group_winner = standing
            .group
            .as_ref()
            .and_then(|(id, name)| groups_won.insert(id.clone()).then(|| name.clone()));
        out.push(ResultRow {
            rank,
            award: award.into(),
            group_winner,
            ..base
        });
    }
    // by rank (no rank last), then by name
    let names: HashMap<&str, &str> = standings
        .values()
        .map(|s| (s.export_id.as_str(), s.name.as_str()))
        .collect();
    out.sort_by(|a, b| {
        let rank = |r: &ResultRow| r.rank.unwrap_or(u32::MAX);
        let name = |r: &ResultRow| names.get(r.team_id.as_str()).copied().unwrap_or("");
        rank(a)
            .cmp(&rank(b))
            .then_with(|| crate::collation::compare(name(a), name(b)))
    });
    out
}

/// The results as DOMjudge's `results.tsv` (version 1): a `results\t1`
/// line, then one tab-separated line per team: id, rank (empty without),
/// award, solved, total time, last solve minute and the group won (left
/// off when none).
pub fn to_tsv(rows: &[ResultRow]) -> String {
    let mut out = String::from("results\t1\n");
    for r in rows {
        let mut fields = vec![
            tsv_field(&r.team_id),
            r.rank.map(|n| n.to_string()).unwrap_or_default(),
            tsv_field(&r.award),
            r.num_solved.to_string(),
            r.total_time.to_string(),
            r.time_of_last_submission.to_string(),
        ];
        if let Some(g) = &r.group_winner {
            fields.push(tsv_field(g));
        }
        out.push_str(&fields.join("\t"));
        out.push('\n');
    }
    out
}

/// Tabs and line breaks inside a field would break the file's layout.
fn tsv_field(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

/// A CLICS award.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Award {
    /// CLICS award id (`gold-medal`, `first-to-solve-<problem>`, …).
    pub id: String,
    /// What it says.
    pub citation: String,
    /// The teams (CLICS team ids).
    pub team_ids: Vec<String>,
}

/// The CLICS awards of `results` (made from the jury's `rows` with
/// `standings`): the winner, the medals, each group's winner, each
/// problem's first solver and the honorable mentions.
pub fn awards(
    rows: &[Row],
    columns: &[Column],
    standings: &HashMap<String, Standing>,
    results: &[ResultRow],
) -> Vec<Award> {
    let team_of: HashMap<&str, &str> = standings
        .iter()
        .map(|(team, s)| (s.export_id.as_str(), team.as_str()))
        .collect();
    let teams = |pick: &dyn Fn(&ResultRow) -> bool| -> Vec<String> {
        results
            .iter()
            .filter(|r| pick(r))
            .filter_map(|r| team_of.get(r.team_id.as_str()).map(|t| (*t).to_owned()))
            .collect()
    };
    let mut out = vec![Award {
        id: "winner".into(),
        citation: "Contest winner".into(),
        team_ids: teams(&|r| r.rank == Some(1)),
    }];
    for (id, award, citation) in [
        ("gold-medal", "Gold Medal", "Gold medal winner"),
        ("silver-medal", "Silver Medal", "Silver medal winner"),
        ("bronze-medal", "Bronze Medal", "Bronze medal winner"),
    ] {
        out.push(Award {
            id: id.into(),
            citation: citation.into(),
            team_ids: teams(&|r| r.award == award),
        });
    }
    let mut groups: Vec<(&str, &str)> = results
        .iter()
        .filter_map(|r| Some((r.group_won.as_deref()?, r.team_id.as_str())))
        .collect();
    groups.sort();
    for (group, export_id) in groups {
        let name = results
            .iter()
            .find(|r| r.group_won.as_deref() == Some(group))
            .and_then(|r| r.group_winner.clone())
            .unwrap_or_default();
        out.push(Award {
            id: format!("group-winner-{group}"),
            citation: format!("Winner of {name}"),
            team_ids: team_of
                .get(export_id)
                .map(|t| vec![(*t).to_owned()])
                .unwrap_or_default(),
        });
    }
    for (i, column) in columns.iter().enumerate() {
        out.push(Award {
            id: format!("first-to-solve-{}", column.problem_id),
            citation: format!("First to solve problem {}", column.label),
            team_ids: rows
                .iter()
                .filter(|r| r.cells.get(i).is_some_and(|c| c.first_to_solve))
                .map(|r| r.team_id.clone())
                .collect(),
        });
    }
    out.push(Award {
        id: "honorable-mention".into(),
        citation: "Honorable mention".into(),
        team_ids: teams(&|r| r.award == "Honorable"),
    });
    out
}

/// What the results need of each team in `store`: its ICPC id (else its
/// id), its name and its first group, by team id. Hidden teams and teams
/// of hidden groups are left out.
pub fn standings_from_store(store: &Store) -> Result<HashMap<String, Standing>, StoreError> {
    let groups: HashMap<String, (String, bool)> = store
        .groups()?
        .into_iter()
        .map(|g| (g.id, (g.name, g.hidden)))
        .collect();
    let mut out = HashMap::new();
    for t in store.teams()? {
        let group = t.group_ids.first().and_then(|g| {
            groups
                .get(g)
                .map(|(name, hidden)| (g.clone(), name.clone(), *hidden))
        });
        if t.hidden || group.as_ref().is_some_and(|(_, _, hidden)| *hidden) {
            continue;
        }
        out.insert(
            t.id.clone(),
            Standing {
                export_id: t.icpc_id.clone().unwrap_or_else(|| t.id.clone()),
                name: t.display_name.clone().unwrap_or_else(|| t.name.clone()),
                group: group.map(|(id, name, _)| (id, name)),
            },
        );
    }
    Ok(out)
}
