//! The ICPC scoreboard against results computed by hand.

use floorjudge_server::scoreboard::{
    Attempt, Column, Entrant, Outcome, Row, Scoreboard, Setup, View,
};

const MIN: i64 = 60_000;
/// Contest start (any instant; times below are minutes after it).
const START: i64 = 1_700_000_000_000;

fn board(teams: &[&str], freeze_minute: Option<i64>) -> Scoreboard {
    Scoreboard::new(Setup {
        start_ms: START,
        freeze_ms: freeze_minute.map(|m| START + m * MIN),
        penalty_minutes: 20,
        columns: ["A", "B", "C"]
            .iter()
            .map(|l| Column {
                problem_id: format!("p{l}"),
                label: (*l).into(),
            })
            .collect(),
        entrants: teams
            .iter()
            .map(|t| Entrant {
                team_id: (*t).into(),
                name: format!("Team {t}"),
                hidden: *t == "hidden",
            })
            .collect(),
    })
}

/// Submission `id` of `team` on problem `p` at minute `m` (plus `s` seconds).
fn at(id: i64, team: &str, p: &str, m: i64, s: i64, outcome: Outcome) -> Attempt {
    Attempt {
        submission_id: id,
        team_id: team.into(),
        problem_id: format!("p{p}"),
        at_ms: START + m * MIN + s * 1000,
        outcome,
    }
}

use Outcome::{Correct, Ignored, Pending, Rejected};

/// (team, rank, solved, total time) per line, in order.
fn lines(rows: &[Row]) -> Vec<(String, u32, u32, i64)> {
    rows.iter()
        .map(|r| {
            (
                r.team_id.clone(),
                r.rank,
                r.score.solved,
                r.score.total_time,
            )
        })
        .collect()
}

fn l(team: &str, rank: u32, solved: u32, time: i64) -> (String, u32, u32, i64) {
    (team.into(), rank, solved, time)
}

#[test]
fn equal_solves_are_broken_by_time_then_last_solve_then_shared() {
    let mut b = board(&["w", "x", "y", "z", "idle"], None);
    // w: A at 10, B at 50 with one rejected try: 10 + 50 + 20 = 80
    b.apply(at(1, "w", "A", 10, 0, Correct));
    b.apply(at(2, "w", "B", 40, 0, Rejected));
    b.apply(at(3, "w", "B", 50, 0, Correct));
    // x: A at 30, B at 40: 70, less than w
    b.apply(at(4, "x", "A", 30, 0, Correct));
    b.apply(at(5, "x", "B", 40, 59, Correct)); // 40:59 counts as minute 40
    // y: A at 20, B at 50: 70 as x, but its last solve (50) is later
    b.apply(at(6, "y", "A", 20, 0, Correct));
    b.apply(at(7, "y", "B", 50, 0, Correct));
    // z: exactly as x (70, last solve 40): shares x's rank, listed by name
    b.apply(at(8, "z", "B", 30, 0, Correct));
    b.apply(at(9, "z", "A", 40, 0, Correct));
    assert_eq!(
        lines(&b.rows(View::Jury)),
        vec![
            l("x", 1, 2, 70),
            l("z", 1, 2, 70),
            l("y", 3, 2, 70),
            l("w", 4, 2, 80),
            l("idle", 5, 0, 0),
        ]
    );
    let x = b.row(View::Jury, "x").unwrap();
    assert_eq!(x.score.last_solve, 40);
    // the team with no submissions has an empty line
    let idle = b.row(View::Jury, "idle").unwrap();
    assert!(
        idle.cells
            .iter()
            .all(|c| !c.solved && c.tries == 0 && c.pending == 0)
    );
}

#[test]
fn compile_and_judge_errors_cost_nothing_and_later_submissions_are_ignored() {
    let mut b = board(&["t"], None);
    b.apply(at(1, "t", "A", 5, 0, Ignored)); // compile error
    b.apply(at(2, "t", "A", 6, 0, Pending)); // judge error: the jury looks at it
    b.apply(at(3, "t", "A", 7, 0, Rejected));
    b.apply(at(4, "t", "A", 8, 0, Correct));
    b.apply(at(5, "t", "A", 9, 0, Rejected)); // after the solve: ignored
    b.apply(at(6, "t", "A", 10, 0, Correct)); // so is a second AC
    let row = b.row(View::Jury, "t").unwrap();
    let a = &row.cells[0];
    assert_eq!((a.solved, a.tries, a.pending, a.time), (true, 2, 1, 8 + 20));
    assert_eq!(row.score.total_time, 28);
    // the judge error is rejudged as WA: one more penalty
    b.apply(at(2, "t", "A", 6, 0, Rejected));
    assert_eq!(b.row(View::Jury, "t").unwrap().score.total_time, 48);
}

#[test]
fn a_rejudge_flips_verdicts_and_first_to_solve_follows() {
    let mut b = board(&["u", "v"], None);
    b.apply(at(1, "u", "A", 10, 0, Rejected));
    b.apply(at(2, "v", "A", 20, 0, Correct));
    assert!(b.row(View::Jury, "v").unwrap().cells[0].first_to_solve);
    assert_eq!(
        lines(&b.rows(View::Jury)),
        vec![l("v", 1, 1, 20), l("u", 2, 0, 0)]
    );
    // WA → AC: u solved first, at minute 10
    b.apply(at(1, "u", "A", 10, 0, Correct));
    assert_eq!(
        lines(&b.rows(View::Jury)),
        vec![l("u", 1, 1, 10), l("v", 2, 1, 20)]
    );
    assert!(b.row(View::Jury, "u").unwrap().cells[0].first_to_solve);
    assert!(!b.row(View::Jury, "v").unwrap().cells[0].first_to_solve);
    // AC → WA for v: nothing solved any more
    b.apply(at(2, "v", "A", 20, 0, Rejected));
    assert_eq!(
        lines(&b.rows(View::Jury)),
        vec![l("u", 1, 1, 10), l("v", 2, 0, 0)]
    );
    let v = b.row(View::Jury, "v").unwrap();
    assert_eq!((v.cells[0].tries, v.cells[0].solved), (1, false));
}

#[test]
fn the_public_view_is_frozen_and_the_jury_sees_everything() {
    let mut b = board(&["f", "g", "hidden"], Some(240));
    b.apply(at(1, "f", "A", 100, 0, Rejected)); // before the freeze: shown
    b.apply(at(2, "f", "A", 250, 0, Rejected)); // after: pending in public
    b.apply(at(3, "f", "A", 260, 0, Correct));
    b.apply(at(4, "g", "B", 200, 0, Correct));
    b.apply(at(5, "hidden", "C", 1, 0, Correct));
    let jury = b.rows(View::Jury);
    assert_eq!(
        lines(&jury),
        vec![
            l("hidden", 1, 1, 1),
            l("g", 2, 1, 200),
            l("f", 3, 1, 260 + 40)
        ]
    );
    let public = b.rows(View::Public);
    assert_eq!(lines(&public), vec![l("g", 1, 1, 200), l("f", 2, 0, 0)]);
    let f = &public[1].cells[0];
    assert_eq!((f.tries, f.pending, f.solved), (1, 2, false));
    // first to solve in public: among the teams it shows
    assert!(public[0].cells[1].first_to_solve);
    // the jury lifts the freeze: the public view is the jury's, minus hidden teams
    b.set_freeze(None);
    assert_eq!(
        lines(&b.rows(View::Public)),
        vec![l("g", 1, 1, 200), l("f", 2, 1, 300)]
    );
}

#[test]
fn unknown_teams_and_problems_are_left_out() {
    let mut b = board(&["t"], None);
    b.apply(at(1, "nobody", "A", 1, 0, Correct));
    b.apply(at(2, "t", "Z", 1, 0, Correct));
    assert_eq!(lines(&b.rows(View::Jury)), vec![l("t", 1, 0, 0)]);
}
