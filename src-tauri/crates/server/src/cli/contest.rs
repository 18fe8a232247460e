//! `contest init|set-id-modes` and the clock subcommands.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use floorjudge_server::ContestDir;
use floorjudge_server::organizer;

#[derive(Debug, Subcommand)]
pub enum ContestCmd {
    /// Create a new contest with sane defaults.
    Init(InitArgs),
    #[command(flatten)]
    Clock(super::clock::ClockCmd),
    /// Show or set how many medals the contest gives (results export and
    /// the Contest API's awards use them).
    Medals {
        /// Gold medals.
        #[arg(long)]
        gold: Option<u32>,
        /// Silver medals.
        #[arg(long)]
        silver: Option<u32>,
        /// Bronze medals.
        #[arg(long)]
        bronze: Option<u32>,
        /// Extra bronze medals (for ties at the last bronze place).
        #[arg(long)]
        extra_bronze: Option<u32>,
    },
    /// Choose how kiosks may identify: a comma-separated subset of
    /// ip, password, pairing (a bound address always identifies its team).
    SetIdModes {
        /// For example `ip,password`.
        modes: String,
    },
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// A contest package folder: contest.yaml, problems.yaml (or problemset.yaml),
    /// problem folders, and team files (teams, groups, organizations, accounts).
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,
    /// The contest's display name (overrides contest.yaml).
    #[arg(long)]
    pub name: Option<String>,
}

/// Runs a `contest` subcommand.
pub fn run(dir: &ContestDir, cmd: ContestCmd, json: bool) -> Result<()> {
    let root = dir.root();
    match cmd {
        ContestCmd::Init(args) => {
            let report = organizer::init_contest(
                dir,
                args.from.as_deref(),
                args.name.as_deref(),
                &mut super::progress(),
            )
            .with_context(|| format!("cannot create a contest in {}", root.display()))?;
            if json {
                return super::print_json(&report);
            }
            let fingerprint = floorjudge_server::serve::jury_tls_identity(dir)?.fingerprint();
            say!("created contest in {}", root.display());
            say!(
                "jury certificate fingerprint: {fingerprint} (`tls show` prints how clients pin it)"
            );
            super::problem::print_problem_reports(&report.problems);
            if let Some(c) = report.teams {
                say!(
                    "imported {} teams, {} groups, {} organizations, {} accounts ({} IPs, {} passwords)",
                    c.teams,
                    c.groups,
                    c.organizations,
                    c.accounts,
                    c.ips,
                    c.passwords
                );
            }
            super::print_warnings(&report.warnings);
        }
        ContestCmd::Clock(cmd) => super::clock::run(dir, cmd, json)?,
        ContestCmd::Medals {
            gold,
            silver,
            bronze,
            extra_bronze,
        } => {
            let mut store = dir.open()?;
            let m = organizer::set_medals(
                &mut store,
                gold,
                silver,
                bronze,
                extra_bronze,
                &organizer::cli_actor(),
            )?;
            if json {
                return super::print_json(&m);
            }
            say!(
                "medals: {} gold, {} silver, {} bronze, {} extra bronze",
                m.gold,
                m.silver,
                m.bronze,
                m.extra_bronze
            );
        }
        ContestCmd::SetIdModes { modes } => {
            let mut store = dir.open()?;
            organizer::set_id_modes(&mut store, &modes, &organizer::cli_actor())?;
            say!("identification modes: {modes}");
        }
    }
    Ok(())
}
