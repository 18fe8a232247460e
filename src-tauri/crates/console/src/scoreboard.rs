//! The scoreboard as the console shows it: the full one (what the staff
//! session sees) beside the public one (what a visitor without credentials
//! sees: frozen during the freeze), both from the Contest API.

use serde::{Deserialize, Serialize};

use crate::{ConsoleError, StaffClient};

/// One problem column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JuryBoardProblem {
    /// Problem id.
    pub id: String,
    /// Its label (`A`, `B`, …).
    pub label: String,
}

/// One team's cell for one problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JuryBoardCell {
    /// Problem id.
    pub problem_id: String,
    /// Judged tries.
    #[serde(rename(deserialize = "num_judged"))]
    pub tries: i64,
    /// Tries waiting (or hidden by the freeze).
    #[serde(rename(deserialize = "num_pending"))]
    pub pending: i64,
    /// Solved.
    pub solved: bool,
    /// Contest minute of the solve.
    #[serde(default, rename(deserialize = "time"))]
    pub minute: Option<i64>,
}

/// One team's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JuryBoardRow {
    /// Rank.
    pub rank: i64,
    /// Team id.
    pub team_id: String,
    /// Team name.
    pub team_name: String,
    /// Problems solved.
    pub solved: i64,
    /// Penalty time, minutes.
    pub penalty: i64,
    /// One cell a problem, in column order.
    pub cells: Vec<JuryBoardCell>,
}

/// The full and the public scoreboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JuryBoards {
    /// Problem columns in contest order.
    pub problems: Vec<JuryBoardProblem>,
    /// What the jury sees: every judgement counts.
    pub full: Vec<JuryBoardRow>,
    /// What the public sees (frozen during the freeze).
    pub public: Vec<JuryBoardRow>,
    /// Whether the public board is frozen now.
    pub frozen: bool,
}

#[derive(Deserialize)]
struct ClicsBoard {
    #[serde(default)]
    state: serde_json::Value,
    rows: Vec<ClicsRow>,
}

#[derive(Deserialize)]
struct ClicsRow {
    rank: i64,
    team_id: String,
    score: ClicsScore,
    problems: Vec<JuryBoardCell>,
}

#[derive(Deserialize)]
struct ClicsScore {
    num_solved: i64,
    total_time: i64,
}

fn rows(board: ClicsBoard, names: &std::collections::HashMap<String, String>) -> Vec<JuryBoardRow> {
    board
        .rows
        .into_iter()
        .map(|r| JuryBoardRow {
            rank: r.rank,
            team_name: names
                .get(&r.team_id)
                .cloned()
                .unwrap_or_else(|| r.team_id.clone()),
            team_id: r.team_id,
            solved: r.score.num_solved,
            penalty: r.score.total_time,
            cells: r.problems,
        })
        .collect()
}

/// Whether a CLICS state says the scoreboard is frozen now.
fn frozen(state: &serde_json::Value) -> bool {
    state["frozen"].is_string() && !state["thawed"].is_string()
}

impl StaffClient {
    /// The full and the public scoreboard.
    pub async fn boards(&self, token: &str) -> Result<JuryBoards, ConsoleError> {
        let Some(cid) = self.contest_id(token).await? else {
            return Ok(JuryBoards {
                problems: Vec::new(),
                full: Vec::new(),
                public: Vec::new(),
                frozen: false,
            });
        };
        let full: ClicsBoard = self
            .contest_api(token, &format!("contests/{cid}/scoreboard"))
            .await?;
        let public: ClicsBoard = self
            .public_api(&format!("contests/{cid}/scoreboard"))
            .await?;
        let teams: Vec<serde_json::Value> = self
            .contest_api(token, &format!("contests/{cid}/teams"))
            .await?;
        let names = teams
            .iter()
            .filter_map(|t| {
                Some((
                    t["id"].as_str()?.to_owned(),
                    t["display_name"]
                        .as_str()
                        .or(t["name"].as_str())?
                        .to_owned(),
                ))
            })
            .collect();
        let mut problems: Vec<serde_json::Value> = self
            .contest_api(token, &format!("contests/{cid}/problems"))
            .await?;
        problems.sort_by_key(|p| p["ordinal"].as_i64().unwrap_or(0));
        let frozen = frozen(&public.state);
        Ok(JuryBoards {
            problems: problems
                .iter()
                .filter_map(|p| {
                    Some(JuryBoardProblem {
                        id: p["id"].as_str()?.to_owned(),
                        label: p["label"].as_str()?.to_owned(),
                    })
                })
                .collect(),
            full: rows(full, &names),
            public: rows(public, &names),
            frozen,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clics_scoreboard_reads_with_team_names() {
        let board: ClicsBoard = serde_json::from_value(serde_json::json!({
            "state": {"started": "x", "frozen": "y", "thawed": null},
            "rows": [{"rank": 1, "team_id": "3", "score": {"num_solved": 1, "total_time": 27, "time": 7},
                      "problems": [{"problem_id": "a", "num_judged": 2, "num_pending": 0, "solved": true, "time": 7},
                                   {"problem_id": "b", "num_judged": 0, "num_pending": 1, "solved": false}]}]
        }))
        .unwrap();
        assert!(frozen(&board.state));
        let names = [("3".to_owned(), "Null Pointers".to_owned())].into();
        let r = &rows(board, &names)[0];
        assert_eq!(
            (r.team_name.as_str(), r.solved, r.penalty),
            ("Null Pointers", 1, 27)
        );
        assert_eq!(r.cells[0].minute, Some(7));
        assert_eq!((r.cells[1].pending, r.cells[1].minute), (1, None));
        assert!(!frozen(&serde_json::json!({"frozen": "y", "thawed": "z"})));
    }
}
