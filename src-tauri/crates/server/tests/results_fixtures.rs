//! The results export against DOMjudge's own fixtures (a sample contest and
//! a World Finals): the submissions each fixture scoreboard implies (the
//! rejected tries a minute before the solve) go through our scoreboard, whose
//! ranks and times must match the fixture's, and our `results.tsv` must
//! equal DOMjudge's expected file byte for byte, in all four styles.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use floorjudge_server::results::{MedalRules, ResultsStyle, Standing, results, to_tsv};
use floorjudge_server::scoreboard::{Attempt, Column, Entrant, Outcome, Scoreboard, Setup, View};
use serde_json::Value;

fn fixtures(set: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../../shared/contest-samples/domjudge/results-fixtures")
        .join(set)
}

fn json(set: &str, file: &str) -> Value {
    let path = fixtures(set).join(file);
    serde_json::from_slice(
        &std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

fn check(set: &str) {
    let teams = json(set, "sample-teams.json");
    let groups = json(set, "sample-groups.json");
    let problems = json(set, "sample-problems.json");
    let board = json(set, "sample-scoreboard.json");
    let medals = json(set, "sample-medals.json");
    let group_names: HashMap<&str, &str> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["id"].as_str().unwrap(), g["name"].as_str().unwrap()))
        .collect();
    let name_of = |t: &Value| {
        t["display_name"]
            .as_str()
            .filter(|n| !n.is_empty())
            .or(t["name"].as_str())
            .unwrap()
            .to_owned()
    };
    let setup = Setup {
        start_ms: 0,
        freeze_ms: None,
        penalty_minutes: 20,
        columns: problems
            .as_array()
            .unwrap()
            .iter()
            .map(|p| Column {
                problem_id: p["id"].as_str().unwrap().into(),
                label: p["label"].as_str().unwrap().into(),
            })
            .collect(),
        entrants: teams
            .as_array()
            .unwrap()
            .iter()
            .map(|t| Entrant {
                team_id: t["id"].as_str().unwrap().into(),
                name: name_of(t),
                hidden: false,
            })
            .collect(),
    };
    let mut scoreboard = Scoreboard::new(setup);
    let mut id = 0;
    let rows = board["rows"].as_array().unwrap();
    for row in rows {
        let team = row["team_id"].as_str().unwrap();
        for p in row["problems"].as_array().unwrap() {
            if p["solved"] != true {
                continue;
            }
            let minute = p["time"].as_i64().unwrap();
            let tries = p["num_judged"].as_i64().unwrap();
            for k in 0..tries {
                id += 1;
                let correct = k == tries - 1;
                scoreboard.apply(Attempt {
                    submission_id: id,
                    team_id: team.into(),
                    problem_id: p["problem_id"].as_str().unwrap().into(),
                    at_ms: if correct { minute } else { minute - 1 } * 60_000,
                    outcome: if correct {
                        Outcome::Correct
                    } else {
                        Outcome::Rejected
                    },
                });
            }
        }
    }
    let ours = scoreboard.rows(View::Jury);
    let by_team: HashMap<&str, &floorjudge_server::scoreboard::Row> =
        ours.iter().map(|r| (r.team_id.as_str(), r)).collect();
    // the same totals, and the same order (a fixture may rank apart two
    // teams whose seconds differed; the minutes it gives tie them here)
    let mut previous_rank = 0;
    for row in rows {
        let team = row["team_id"].as_str().unwrap();
        let mine = by_team[team];
        assert_eq!(
            mine.score.total_time,
            row["score"]["total_time"].as_i64().unwrap(),
            "{set}: team {team}"
        );
        assert!(
            i64::from(mine.rank) <= row["rank"].as_i64().unwrap() && mine.rank >= previous_rank,
            "{set}: team {team} ranked {} here, {} in the fixture",
            mine.rank,
            row["rank"]
        );
        previous_rank = mine.rank;
    }
    let standings: HashMap<String, Standing> = teams
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let group = t["group_ids"][0].as_str().unwrap();
            (
                t["id"].as_str().unwrap().to_owned(),
                Standing {
                    export_id: t["icpc_id"]
                        .as_str()
                        .unwrap_or(t["id"].as_str().unwrap())
                        .into(),
                    name: name_of(t),
                    group: Some((group.into(), group_names[group].into())),
                },
            )
        })
        .collect();
    let rules = MedalRules {
        gold: medals["medals"]["gold"].as_u64().unwrap() as u32,
        silver: medals["medals"]["silver"].as_u64().unwrap() as u32,
        bronze: medals["medals"]["bronze"].as_u64().unwrap() as u32,
        extra_bronze: 0,
        groups: Some(
            medals["medal_categories"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g.as_str().unwrap().to_owned())
                .collect::<HashSet<_>>(),
        ),
    };
    for (file, individually_ranked, honors) in [
        ("results-full-honors.tsv", true, true),
        ("results-wf-honors.tsv", false, true),
        ("results-full-ranked.tsv", true, false),
        ("results-wf-ranked.tsv", false, false),
    ] {
        let expected = std::fs::read_to_string(fixtures(set).join(file)).unwrap();
        let got = to_tsv(&results(
            &ours,
            &standings,
            &rules,
            ResultsStyle {
                individually_ranked,
                honors,
            },
        ));
        if got != expected {
            let diff: Vec<String> = expected
                .lines()
                .zip(got.lines())
                .filter(|(e, g)| e != g)
                .take(8)
                .map(|(e, g)| format!("expected {e:?}\n     got {g:?}"))
                .collect();
            panic!("{set}/{file} differs:\n{}", diff.join("\n"));
        }
    }
}

#[test]
fn the_sample_contest_s_results_equal_domjudge_s() {
    check("sample");
}

#[test]
fn the_world_finals_results_equal_domjudge_s() {
    check("wf");
}
