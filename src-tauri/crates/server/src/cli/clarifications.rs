//! `clarification list|answer|announce`: the jury's side of clarifications.

use anyhow::Result;
use clap::Subcommand;
use floorjudge_server::ContestDir;
use floorjudge_server::clarifications;
use floorjudge_server::clock::show_time;
use floorjudge_store::now_ms;

/// `clarification` subcommands.
#[derive(Debug, Subcommand)]
pub enum ClarificationCmd {
    /// Every clarification, oldest first: questions, answers, announcements.
    List,
    /// Answer a team's question: to that team, or with --to-all to every team.
    Answer {
        /// The question's id.
        id: i64,
        /// The answer.
        #[arg(required = true, num_args = 1.., value_name = "TEXT")]
        text: Vec<String>,
        /// Send the answer (and so the question's topic) to every team.
        #[arg(long)]
        to_all: bool,
    },
    /// Tell every team, about a problem or in general.
    Announce {
        /// The problem (id or label).
        #[arg(long)]
        problem: Option<String>,
        /// The announcement.
        #[arg(required = true, num_args = 1.., value_name = "TEXT")]
        text: Vec<String>,
    },
}

/// Runs a clarification subcommand.
pub fn run(dir: &ContestDir, cmd: ClarificationCmd, json: bool) -> Result<()> {
    let mut store = dir.open()?;
    let actor = floorjudge_server::organizer::cli_actor();
    let written = match cmd {
        ClarificationCmd::List => {
            let list = store.clarifications()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            for c in list {
                let from = c
                    .from_team_id
                    .map_or_else(|| "jury".to_owned(), |t| format!("team {t}"));
                let to = match (&c.to_team_id, from.as_str()) {
                    (Some(t), _) => format!("team {t}"),
                    (None, "jury") => "everyone".to_owned(),
                    (None, _) => "the jury".to_owned(),
                };
                let re = c
                    .reply_to_id
                    .map(|r| format!(" re #{r}"))
                    .unwrap_or_default();
                say!(
                    "#{} {} {from} → {to}{re} [{}]: {}",
                    c.id,
                    show_time(c.at_ms),
                    c.problem_id.as_deref().unwrap_or("general"),
                    c.text
                );
            }
            return Ok(());
        }
        ClarificationCmd::Answer { id, text, to_all } => {
            clarifications::answer(&mut store, id, &text.join(" "), to_all, &actor, now_ms())?
        }
        ClarificationCmd::Announce { problem, text } => clarifications::announce(
            &mut store,
            &text.join(" "),
            problem.as_deref(),
            &actor,
            now_ms(),
        )?,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&written)?);
    } else {
        let to = written
            .to_team_id
            .as_deref()
            .map_or_else(|| "every team".to_owned(), |t| format!("team {t}"));
        say!("clarification {} sent to {to}", written.id);
    }
    Ok(())
}
