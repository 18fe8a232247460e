//! Scoreboard update cost: 500 teams × 15 problems, 20 000 submissions of a
//! five-hour contest replayed in time order. Each submission is applied
//! twice, as the jury sees it: when it is received (pending) and when its
//! verdict arrives. Prints the median and p99 time of one update after a
//! verdict (the team's row in both views and the order), and the time to
//! list the whole board.
//!
//! `cargo bench -p floorjudge-server --bench scoreboard`

use std::time::{Duration, Instant};

use floorjudge_server::scoreboard::{Attempt, Column, Entrant, Outcome, Scoreboard, Setup, View};

const TEAMS: usize = 500;
const PROBLEMS: usize = 15;
const SUBMISSIONS: usize = 20_000;
const CONTEST_MS: i64 = 5 * 3600 * 1000;

/// A small deterministic generator (xorshift), so every run replays the same contest.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let start = 1_700_000_000_000;
    let setup = Setup {
        start_ms: start,
        freeze_ms: Some(start + CONTEST_MS - 3600 * 1000),
        penalty_minutes: 20,
        columns: (0..PROBLEMS)
            .map(|p| Column {
                problem_id: format!("p{p}"),
                label: ((b'A' + p as u8) as char).to_string(),
            })
            .collect(),
        entrants: (0..TEAMS)
            .map(|t| Entrant {
                team_id: format!("t{t}"),
                name: format!("Team {t:03}"),
                hidden: t % 50 == 0,
            })
            .collect(),
    };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut attempts: Vec<Attempt> = (0..SUBMISSIONS)
        .map(|i| {
            // stronger teams solve more; easier (earlier) problems more often
            let team = rng.below(TEAMS as u64) as usize;
            let problem = (rng.below(PROBLEMS as u64) * rng.below(PROBLEMS as u64)
                / PROBLEMS as u64) as usize;
            let outcome = match rng.below(100) {
                n if n < (30 + team * 40 / TEAMS) as u64 => Outcome::Correct,
                n if n < 90 => Outcome::Rejected,
                _ => Outcome::Ignored,
            };
            Attempt {
                submission_id: i as i64 + 1,
                team_id: format!("t{team}"),
                problem_id: format!("p{problem}"),
                at_ms: start + rng.below(CONTEST_MS as u64) as i64,
                outcome,
            }
        })
        .collect();
    attempts.sort_by_key(|a| a.at_ms);
    let started = Instant::now();
    let mut board = Scoreboard::new(setup);
    let built = started.elapsed();
    let mut updates = Vec::with_capacity(SUBMISSIONS);
    let replay = Instant::now();
    for a in attempts {
        board.apply(Attempt {
            outcome: Outcome::Pending,
            ..a.clone()
        });
        let t = Instant::now();
        board.apply(a);
        updates.push(t.elapsed());
    }
    let replayed = replay.elapsed();
    updates.sort();
    let mut lists = Vec::new();
    for _ in 0..21 {
        let t = Instant::now();
        let rows = board.rows(View::Public);
        lists.push(t.elapsed());
        assert_eq!(rows.len(), TEAMS - TEAMS / 50);
    }
    lists.sort();
    let leader = &board.rows(View::Jury)[0];
    println!("scoreboard: {TEAMS} teams x {PROBLEMS} problems, {SUBMISSIONS} submissions replayed");
    println!(
        "  empty board built in {:.2} ms; whole replay {:.1} ms",
        built.as_secs_f64() * 1e3,
        replayed.as_secs_f64() * 1e3
    );
    println!(
        "  one update after a verdict: median {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        percentile(&updates, 0.5).as_secs_f64() * 1e6,
        percentile(&updates, 0.99).as_secs_f64() * 1e6,
        updates.last().unwrap().as_secs_f64() * 1e6,
    );
    println!(
        "  listing the public board (ranks, first solves): median {:.2} ms",
        percentile(&lists, 0.5).as_secs_f64() * 1e3
    );
    println!(
        "  leader: {} with {} solved, {} min",
        leader.name, leader.score.solved, leader.score.total_time
    );
}
