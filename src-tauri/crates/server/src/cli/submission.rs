//! `submission list|show|rejudge`.

use anyhow::{Context, Result};
use clap::Subcommand;
use floorjudge_server::ContestDir;
use floorjudge_server::organizer;

#[derive(Debug, Subcommand)]
pub enum SubmissionCmd {
    /// List submissions, oldest first, with their verdicts.
    List {
        /// Only this team's.
        #[arg(long)]
        team: Option<String>,
    },
    /// Show one submission with every judging and its testcase results.
    Show {
        /// Submission id.
        id: i64,
    },
    /// Judge submissions again (old and new verdicts are both kept; the new
    /// one counts once it is in). Combine filters to narrow down.
    Rejudge {
        /// These submission ids.
        ids: Vec<i64>,
        /// All of this problem.
        #[arg(long)]
        problem: Option<String>,
        /// All of this team.
        #[arg(long)]
        team: Option<String>,
        /// All in this language.
        #[arg(long)]
        language: Option<String>,
        /// All whose verdict is this (AC, WA, TLE, …).
        #[arg(long)]
        verdict: Option<String>,
    },
}

/// Runs a `submission` subcommand.
pub fn run(dir: &ContestDir, cmd: SubmissionCmd, json: bool) -> Result<()> {
    match cmd {
        SubmissionCmd::List { team } => {
            let store = dir.open()?;
            let rows = organizer::submission_listing(&store, team.as_deref())?;
            if json {
                return super::print_json(&rows);
            }
            for organizer::SubmissionListing {
                submission: s,
                judge,
            } in rows
            {
                let judge = match judge {
                    floorjudge_store::JudgeState::None => String::new(),
                    floorjudge_store::JudgeState::Queued { position } => {
                        format!("queued #{position}")
                    }
                    floorjudge_store::JudgeState::Judging => "judging".into(),
                    floorjudge_store::JudgeState::Judged { verdict: v } => {
                        v.map_or("judge error", |v| v.clics_id()).to_owned()
                    }
                };
                say!(
                    "{:>6} {:<12} {:<12} {:<8} {:<9} {:<10} {}",
                    s.id,
                    s.team_id,
                    s.problem_id,
                    s.language_id,
                    format!("{:?}", s.state).to_lowercase(),
                    judge,
                    s.reject_reason.unwrap_or_default()
                );
            }
        }
        SubmissionCmd::Show { id } => {
            let store = dir.open()?;
            let sub = store
                .submission(id)?
                .with_context(|| format!("no submission {id}"))?;
            let judgings = store.judgings(id)?;
            if json {
                return super::print_json(
                    &serde_json::json!({ "submission": sub, "judgings": judgings }),
                );
            }
            say!(
                "submission {} by team {} for {} in {}: {:?}",
                sub.id,
                sub.team_id,
                sub.problem_id,
                sub.language_id,
                sub.state
            );
            for j in judgings {
                say!(
                    "  judging {} ({}{}) on {}: {} {}",
                    j.id,
                    j.state,
                    if j.valid { ", counts" } else { "" },
                    j.judgehost.unwrap_or_else(|| "-".into()),
                    j.verdict.map_or("", |v| v.clics_id()),
                    j.error.unwrap_or_default()
                );
                for r in j.runs {
                    say!(
                        "    testcase {:>6}: {:<3} {:>6} ms {:>12} fuel {}",
                        r.testcase_id,
                        r.verdict.clics_id(),
                        r.time_ms,
                        r.fuel,
                        r.message
                    );
                }
            }
        }
        SubmissionCmd::Rejudge {
            ids,
            problem,
            team,
            language,
            verdict,
        } => {
            let mut store = dir.open()?;
            let queued = store
                .rejudge(
                    &floorjudge_store::RejudgeFilter {
                        submissions: ids,
                        problem,
                        team,
                        language,
                        verdict: verdict.map(|v| v.to_uppercase()),
                    },
                    &organizer::cli_actor(),
                )
                .context("rejudge refused")?;
            if json {
                return super::print_json(&queued);
            }
            say!("{} submissions queued for rejudging", queued.len());
        }
    }
    Ok(())
}
