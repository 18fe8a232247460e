//! `contest start|end|set|freeze|unfreeze|clock`: the jury's clock.

use anyhow::{Context, Result};
use clap::Subcommand;
use floorjudge_server::ContestDir;
use floorjudge_server::clock::{self, Clock, Phase, show_time};
use floorjudge_server::reltime::{format_reltime, parse_reltime, parse_time};
use floorjudge_store::{ContestSettings, now_ms};

/// The clock subcommands of `contest`.
#[derive(Debug, Subcommand)]
pub enum ClockCmd {
    /// Start the contest now, or at `--at`: submissions are accepted from
    /// then for the contest's duration.
    Start {
        /// Start time, RFC 3339 (`2026-12-02T10:00:00+01:00`); a time in
        /// the past only while no submission exists.
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
    },
    /// End the running contest now.
    End,
    /// Set the contest's length, freeze and penalty.
    Set {
        /// Length, h:mm:ss.
        #[arg(long, value_name = "H:MM:SS")]
        duration: Option<String>,
        /// Scoreboard freeze before the end, h:mm:ss (0:00:00: none).
        #[arg(long, value_name = "H:MM:SS")]
        freeze: Option<String>,
        /// Penalty minutes per rejected try on a solved problem.
        #[arg(long, value_name = "MIN")]
        penalty: Option<i64>,
    },
    /// Freeze the public scoreboard now.
    Freeze,
    /// Lift the freeze: the public scoreboard shows everything.
    Unfreeze,
    /// Show the clock: start, freeze, end and where the contest stands.
    Clock,
}

/// Runs a clock subcommand.
pub fn run(dir: &ContestDir, cmd: ClockCmd, json: bool) -> Result<()> {
    let mut store = dir.open()?;
    let actor = floorjudge_server::organizer::cli_actor();
    let now = now_ms();
    let reltime = |flag: &str, v: Option<String>| -> Result<Option<i64>> {
        v.map(|t| {
            parse_reltime(&t)
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("--{flag}"))
        })
        .transpose()
    };
    let settings = match cmd {
        ClockCmd::Start { at } => {
            let at = at
                .map(|t| {
                    parse_time(&t)
                        .map_err(anyhow::Error::msg)
                        .context("--at wants an RFC 3339 time such as 2026-12-02T10:00:00+01:00")
                })
                .transpose()?;
            clock::start(&mut store, at, now, &actor)?
        }
        ClockCmd::End => clock::end(&mut store, now, &actor)?,
        ClockCmd::Set {
            duration,
            freeze,
            penalty,
        } => {
            let (d, f) = (reltime("duration", duration)?, reltime("freeze", freeze)?);
            clock::set(&mut store, d, f, penalty, now, &actor)?
        }
        ClockCmd::Freeze => clock::freeze(&mut store, now, &actor)?,
        ClockCmd::Unfreeze => clock::unfreeze(&mut store, now, &actor)?,
        ClockCmd::Clock => store.contest()?.settings,
    };
    show(&settings, now, json)
}

fn show(s: &ContestSettings, now: i64, json: bool) -> Result<()> {
    let clock = Clock::of(s);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "start_time_ms": clock.start_ms,
                "end_time_ms": clock.end_ms(),
                "freeze_time_ms": clock.freeze_ms(),
                "thawed_ms": clock.thawed_ms,
                "frozen": clock.frozen(now),
                "running": clock.accepting(now).is_ok(),
                "duration_s": s.duration_s,
                "freeze_s": s.freeze_s,
                "penalty_minutes": s.penalty_minutes,
                "server_time_ms": now,
            }))?
        );
        return Ok(());
    }
    let at = |ms: Option<i64>| ms.map(show_time).unwrap_or_else(|| "-".into());
    let state = match clock.phase(now) {
        Phase::NotScheduled => "not scheduled".to_string(),
        Phase::Before { starts_ms } => {
            format!(
                "starts in {}",
                format_reltime((starts_ms - now + 999) / 1000)
            )
        }
        Phase::Running { ends_ms } => {
            format!("running, {} left", format_reltime((ends_ms - now) / 1000))
        }
        Phase::Over { .. } => "over".to_string(),
    };
    say!("contest {}: {state}", s.name);
    say!("  start   {}", at(clock.start_ms));
    say!(
        "  freeze  {}{}",
        at(clock.freeze_ms()),
        match (clock.frozen(now), clock.thawed_ms) {
            (true, _) => " (frozen now)".to_string(),
            (false, Some(t)) => format!(" (lifted at {})", show_time(t)),
            _ => String::new(),
        }
    );
    say!("  end     {}", at(clock.end_ms()));
    say!(
        "  length {}, freeze {}, penalty {} min",
        format_reltime(s.duration_s),
        format_reltime(s.freeze_s),
        s.penalty_minutes
    );
    Ok(())
}
