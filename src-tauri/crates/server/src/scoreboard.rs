//! The ICPC scoreboard, kept up to date one team at a time.
//!
//! Rules (those DOMjudge applies by default):
//! - a problem is solved by its first correct submission; its time is the
//!   whole minutes from the contest start to that submission, plus the
//!   contest's penalty minutes for each earlier rejected try;
//! - compile errors, judge errors and submissions the callback rejected
//!   never count; submissions after the first correct one are ignored;
//! - teams are ordered by problems solved (more first), then total time,
//!   then the time of their last solve (earlier first); teams equal on all
//!   three share a rank and are listed by name.
//!
//! Two views are kept: the jury's, which shows everything, and the public
//! one (teams and spectators), where every submission made at or after the
//! freeze shows as pending until the freeze is lifted.
//!
//! [`Scoreboard::apply`] takes one submission's new state and recomputes
//! only its team's row; the order is a sorted set updated in O(log teams).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use floorjudge_proto::Verdict;
use floorjudge_store::{JudgeState, Store, StoreError, SubmissionState};
use serde::Serialize;

/// How a submission counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Accepted.
    Correct,
    /// Rejected by a judge (wrong answer, time limit, run-time error, …):
    /// a penalty if the problem is solved later.
    Rejected,
    /// Not judged yet (queued, judging, or a judge error the jury looks at).
    Pending,
    /// Never counts (compile error).
    Ignored,
}

impl Outcome {
    /// The outcome of a judging's verdict (`None`: judge error).
    pub fn of_verdict(verdict: Option<Verdict>) -> Outcome {
        match verdict {
            Some(Verdict::Accepted) => Outcome::Correct,
            Some(Verdict::CompileError) => Outcome::Ignored,
            Some(_) => Outcome::Rejected,
            None => Outcome::Pending,
        }
    }
}

/// One submission as the scoreboard sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// Submission id (ties in time are broken by it).
    pub submission_id: i64,
    /// Team id.
    pub team_id: String,
    /// Problem id.
    pub problem_id: String,
    /// Official submission time, ms since the epoch.
    pub at_ms: i64,
    /// How it counts now.
    pub outcome: Outcome,
}

/// A scoreboard column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    /// Problem id.
    pub problem_id: String,
    /// Label (A, B, …).
    pub label: String,
}

/// A scoreboard line's team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entrant {
    /// Team id.
    pub team_id: String,
    /// Name to show (ties are listed by it).
    pub name: String,
    /// Hidden from the public view.
    pub hidden: bool,
}

/// What the scoreboard is computed over.
#[derive(Debug, Clone)]
pub struct Setup {
    /// Contest start, ms since the epoch.
    pub start_ms: i64,
    /// Freeze, ms since the epoch (`None`: no freeze, or lifted).
    pub freeze_ms: Option<i64>,
    /// Penalty minutes per rejected try on a solved problem.
    pub penalty_minutes: i64,
    /// The problems, in order.
    pub columns: Vec<Column>,
    /// The teams.
    pub entrants: Vec<Entrant>,
}

/// Which view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Everything (the jury).
    Jury,
    /// Frozen (teams, spectators): hidden teams left out.
    Public,
}

impl View {
    fn index(self) -> usize {
        match self {
            View::Jury => 0,
            View::Public => 1,
        }
    }
}

/// One team's result on one problem.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// Solved.
    pub solved: bool,
    /// Judged tries that count: the rejected ones before the first correct,
    /// and that one.
    pub tries: u32,
    /// Tries not judged yet (or frozen) before the first correct one.
    pub pending: u32,
    /// Minutes from the start to the solve.
    pub solve_minute: Option<i64>,
    /// The first correct submission (ms since the epoch, submission id).
    #[serde(skip)]
    pub solved_at: Option<(i64, i64)>,
    /// Minutes this problem adds to the total (solve time plus penalty).
    pub time: i64,
    /// First team to solve the problem.
    pub first_to_solve: bool,
}

/// A team's score: what orders the scoreboard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Score {
    /// Problems solved.
    pub solved: u32,
    /// Total minutes, penalties included.
    pub total_time: i64,
    /// Minute of the last solve (0 with none).
    pub last_solve: i64,
}

impl Score {
    /// Sorts best first.
    fn key(&self) -> (Reverse<u32>, i64, i64) {
        (Reverse(self.solved), self.total_time, self.last_solve)
    }
}

/// One ranked line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Rank (shared by teams with equal scores).
    pub rank: u32,
    /// Team id.
    pub team_id: String,
    /// Team name.
    pub name: String,
    /// Score.
    pub score: Score,
    /// One cell per column, in column order.
    pub cells: Vec<Cell>,
}

/// Score, then the team's place in name order, then its id.
type OrderKey = ((Reverse<u32>, i64, i64), usize, String);

/// One view's computed lines.
#[derive(Debug, Default)]
struct Board {
    rows: HashMap<String, (Score, Vec<Cell>)>,
    order: BTreeSet<OrderKey>,
}

/// The scoreboard; see the module docs.
#[derive(Debug)]
pub struct Scoreboard {
    setup: Setup,
    columns: HashMap<String, usize>,
    /// Name, hidden, place in name order.
    names: HashMap<String, (String, bool, usize)>,
    attempts: HashMap<String, BTreeMap<(i64, i64), Attempt>>,
    by_submission: HashMap<i64, (String, (i64, i64))>,
    boards: [Board; 2],
}

impl Scoreboard {
    /// An empty scoreboard: every team with nothing solved.
    pub fn new(setup: Setup) -> Scoreboard {
        let columns = setup
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.problem_id.clone(), i))
            .collect();
        let mut by_name: Vec<&Entrant> = setup.entrants.iter().collect();
        by_name.sort_by(|a, b| {
            crate::collation::compare(&a.name, &b.name).then_with(|| a.team_id.cmp(&b.team_id))
        });
        let names = by_name
            .iter()
            .enumerate()
            .map(|(place, e)| (e.team_id.clone(), (e.name.clone(), e.hidden, place)))
            .collect();
        let mut board = Scoreboard {
            setup,
            columns,
            names,
            attempts: HashMap::new(),
            by_submission: HashMap::new(),
            boards: [Board::default(), Board::default()],
        };
        let teams: Vec<String> = board
            .setup
            .entrants
            .iter()
            .map(|e| e.team_id.clone())
            .collect();
        for team in teams {
            board.recompute(&team);
        }
        board
    }

    /// Takes a submission's new state (new, judged, rejudged) and updates
    /// its team's row. A submission of an unknown team or problem is left
    /// out.
    pub fn apply(&mut self, attempt: Attempt) {
        if !self.names.contains_key(&attempt.team_id)
            || !self.columns.contains_key(&attempt.problem_id)
        {
            return;
        }
        let team = attempt.team_id.clone();
        let key = (attempt.at_ms, attempt.submission_id);
        if let Some((old_team, old_key)) = self
            .by_submission
            .insert(attempt.submission_id, (team.clone(), key))
            && let Some(list) = self.attempts.get_mut(&old_team)
        {
            list.remove(&old_key);
            if old_team != team {
                self.recompute(&old_team);
            }
        }
        self.attempts
            .entry(team.clone())
            .or_default()
            .insert(key, attempt);
        self.recompute(&team);
    }

    /// Lifts (`None`) or moves the freeze; every row is recomputed.
    pub fn set_freeze(&mut self, freeze_ms: Option<i64>) {
        self.setup.freeze_ms = freeze_ms;
        let teams: Vec<String> = self.names.keys().cloned().collect();
        for team in teams {
            self.recompute(&team);
        }
    }

    /// The columns.
    pub fn columns(&self) -> &[Column] {
        &self.setup.columns
    }

    fn recompute(&mut self, team: &str) {
        let Some((_, hidden, place)) = self.names.get(team).cloned() else {
            return;
        };
        for view in [View::Jury, View::Public] {
            let (score, cells) = self.row_of(team, view);
            let board = &mut self.boards[view.index()];
            if let Some((old, _)) = board.rows.get(team) {
                board.order.remove(&(old.key(), place, team.to_owned()));
            }
            if view == View::Public && hidden {
                board.rows.remove(team);
                continue;
            }
            board.order.insert((score.key(), place, team.to_owned()));
            board.rows.insert(team.to_owned(), (score, cells));
        }
    }

    fn row_of(&self, team: &str, view: View) -> (Score, Vec<Cell>) {
        let mut cells = vec![Cell::default(); self.setup.columns.len()];
        let frozen_from = match view {
            View::Public => self.setup.freeze_ms,
            View::Jury => None,
        };
        if let Some(list) = self.attempts.get(team) {
            for a in list.values() {
                let Some(&col) = self.columns.get(&a.problem_id) else {
                    continue;
                };
                let cell = &mut cells[col];
                if cell.solved {
                    continue;
                }
                let outcome = match frozen_from {
                    Some(f) if a.at_ms >= f => Outcome::Pending,
                    _ => a.outcome,
                };
                match outcome {
                    Outcome::Ignored => {}
                    Outcome::Pending => cell.pending += 1,
                    Outcome::Rejected => cell.tries += 1,
                    Outcome::Correct => {
                        let minute = (a.at_ms - self.setup.start_ms).max(0) / 60_000;
                        cell.time = minute + self.setup.penalty_minutes * i64::from(cell.tries);
                        cell.tries += 1;
                        cell.solved = true;
                        cell.solve_minute = Some(minute);
                        cell.solved_at = Some((a.at_ms, a.submission_id));
                    }
                }
            }
        }
        let mut score = Score::default();
        for c in cells.iter().filter(|c| c.solved) {
            score.solved += 1;
            score.total_time += c.time;
            score.last_solve = score.last_solve.max(c.solve_minute.unwrap_or(0));
        }
        (score, cells)
    }

    /// The ranked lines of `view`, first-to-solve marked.
    pub fn rows(&self, view: View) -> Vec<Row> {
        let board = &self.boards[view.index()];
        // the first solve of each problem, among the teams this view shows
        let mut first: Vec<Option<((i64, i64), &str)>> = vec![None; self.setup.columns.len()];
        for (team, (_, cells)) in &board.rows {
            for (i, c) in cells.iter().enumerate() {
                if let Some(at) = c.solved_at
                    && first[i].is_none_or(|(best, _)| at < best)
                {
                    first[i] = Some((at, team.as_str()));
                }
            }
        }
        let mut out = Vec::with_capacity(board.order.len());
        let mut previous: Option<(Score, u32)> = None;
        for (position, (_, _, team)) in board.order.iter().enumerate() {
            let (score, cells) = &board.rows[team];
            let rank = match previous {
                Some((s, r)) if s == *score => r,
                _ => position as u32 + 1,
            };
            previous = Some((*score, rank));
            let mut cells = cells.clone();
            for (i, c) in cells.iter_mut().enumerate() {
                c.first_to_solve = first[i].is_some_and(|(_, t)| t == team);
            }
            out.push(Row {
                rank,
                team_id: team.clone(),
                name: self.names[team].0.clone(),
                score: *score,
                cells,
            });
        }
        out
    }

    /// One team's line in `view` (its rank computed over the view).
    pub fn row(&self, view: View, team: &str) -> Option<Row> {
        self.rows(view).into_iter().find(|r| r.team_id == team)
    }
}

/// Why a scoreboard cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ScoreboardError {
    /// The contest has no start time yet.
    #[error(
        "the contest has not been started (`floorjudge-jury contest start`): there is no scoreboard yet"
    )]
    NotStarted,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The ids of the groups hidden from the public.
pub fn hidden_groups(store: &Store) -> Result<std::collections::HashSet<String>, StoreError> {
    Ok(store
        .groups()?
        .into_iter()
        .filter(|g| g.hidden)
        .map(|g| g.id)
        .collect())
}

/// Whether the public does not see `team`: hidden itself, or in a hidden
/// group (as DOMjudge hides the teams of an invisible category).
pub fn publicly_hidden(
    team: &floorjudge_store::Team,
    hidden_groups: &std::collections::HashSet<String>,
) -> bool {
    team.hidden || team.group_ids.iter().any(|g| hidden_groups.contains(g))
}

/// The scoreboard of the contest in `store`: its teams, problems and every
/// received submission with its counting judgement. Submissions the
/// callback rejected, or not yet received, are not on it.
pub fn from_store(store: &Store) -> Result<Scoreboard, ScoreboardError> {
    let contest = store.contest()?.settings;
    let start_ms = contest.start_time_ms.ok_or(ScoreboardError::NotStarted)?;
    // the public view's freeze, none once the jury lifted it
    let freeze_ms = crate::clock::Clock::of(&contest).scoreboard_freeze_ms();
    let setup = Setup {
        start_ms,
        freeze_ms,
        penalty_minutes: contest.penalty_minutes,
        columns: store
            .problems()?
            .into_iter()
            .map(|p| Column {
                problem_id: p.problem.id,
                label: p.problem.label,
            })
            .collect(),
        entrants: {
            let hidden_groups = hidden_groups(store)?;
            store
                .teams()?
                .into_iter()
                .map(|t| Entrant {
                    hidden: publicly_hidden(&t, &hidden_groups),
                    name: t.display_name.unwrap_or(t.name),
                    team_id: t.id,
                })
                .collect()
        },
    };
    let mut board = Scoreboard::new(setup);
    for sub in store.submissions()? {
        if sub.state != SubmissionState::Received {
            continue;
        }
        let outcome = match store.judge_state(sub.id)? {
            JudgeState::Judged { verdict } => Outcome::of_verdict(verdict),
            JudgeState::None | JudgeState::Queued { .. } | JudgeState::Judging => Outcome::Pending,
        };
        board.apply(Attempt {
            submission_id: sub.id,
            team_id: sub.team_id,
            problem_id: sub.problem_id,
            at_ms: sub.submitted_ms,
            outcome,
        });
    }
    Ok(board)
}
