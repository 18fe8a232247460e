//! `team import|list|set-ip|reset-ip|passwords|set-password|pair`.

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use floorjudge_server::ContestDir;
use floorjudge_server::organizer::{self, IssuedPassword, PasswordFilter};

#[derive(Debug, Subcommand)]
pub enum TeamCmd {
    /// Import teams.json, teams.tsv, groups.json/.tsv, organizations.json,
    /// accounts.yaml/.json/.tsv (any mix, one transaction).
    Import {
        /// Files to import.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// List the teams with their IPs.
    List,
    /// Bind a workstation IP to a team.
    SetIp {
        /// Team id (or its account username).
        team: String,
        /// The workstation's address.
        ip: String,
    },
    /// Release a team's IP so it can log in from another workstation.
    ResetIp {
        /// Team id (or its account username).
        team: String,
    },
    /// Generate random passwords (shown once; only their hashes are stored).
    Passwords {
        /// Only this team.
        #[arg(long)]
        team: Option<String>,
        /// Only teams that have no password yet.
        #[arg(long)]
        only_missing: bool,
        /// Only teams with no pre-assigned workstation IP.
        #[arg(long)]
        without_ip: bool,
        /// Write them to this CSV file (mode 0600; an existing file is not overwritten).
        #[arg(long, value_name = "FILE.csv")]
        out: Option<PathBuf>,
    },
    /// Set a team's password from the first line of standard input (at least
    /// 8 characters, not a common password).
    SetPassword {
        /// Team id (or its account username).
        team: String,
    },
    /// Approve a pairing code shown on a workstation: binds that
    /// workstation's address to the team.
    Pair {
        /// The code the workstation shows.
        code: String,
        /// Team id (or its account username).
        team: String,
    },
}

/// Runs a `team` subcommand.
pub fn run(dir: &ContestDir, cmd: TeamCmd, json: bool) -> Result<()> {
    let mut store = dir.open()?;
    let mut progress = super::progress();
    let progress = &mut progress;
    match cmd {
        TeamCmd::Import { files } => {
            let (counts, warnings) = organizer::import_teams(&mut store, &files, progress)
                .context("team import refused; nothing was changed")?;
            if json {
                return super::print_json(
                    &serde_json::json!({ "imported": counts, "warnings": warnings }),
                );
            }
            say!(
                "imported {} teams, {} groups, {} organizations, {} accounts ({} IPs, {} passwords)",
                counts.teams,
                counts.groups,
                counts.organizations,
                counts.accounts,
                counts.ips,
                counts.passwords
            );
            super::print_warnings(&warnings);
        }
        TeamCmd::List => {
            let teams = store.teams()?;
            if json {
                return super::print_json(&teams);
            }
            for t in teams {
                say!(
                    "{:<10} {:<32} {:<16} {}",
                    t.id,
                    t.display_name.as_deref().unwrap_or(&t.name),
                    t.ip.as_deref().unwrap_or("-"),
                    if t.has_password {
                        "password set"
                    } else {
                        "no password"
                    }
                );
            }
        }
        TeamCmd::SetIp { team, ip } => {
            let ip = organizer::parse_ip(&ip)?;
            let t = store.team(&team)?;
            store.set_team_ip(&t.id, Some(&ip), &organizer::cli_actor(), None)?;
            say!("team {} is now bound to {ip}", t.id);
        }
        TeamCmd::ResetIp { team } => {
            let t = store.team(&team)?;
            store.set_team_ip(&t.id, None, &organizer::cli_actor(), None)?;
            say!(
                "team {} has no IP now (was {}); it can identify again",
                t.id,
                t.ip.as_deref().unwrap_or("none")
            );
        }
        TeamCmd::Passwords {
            team,
            only_missing,
            without_ip,
            out,
        } => {
            if let Some(out) = &out
                && out.exists()
            {
                bail!(
                    "{} exists: refusing to overwrite it (passwords are shown once)",
                    out.display()
                );
            }
            let issued = organizer::generate_passwords(
                &mut store,
                team.as_deref(),
                PasswordFilter {
                    only_missing,
                    without_ip,
                },
                progress,
            )?;
            match out {
                Some(out) => {
                    organizer::write_password_csv(&out, &issued).with_context(|| {
                        format!(
                            "passwords were set but cannot be written to {}: run again",
                            out.display()
                        )
                    })?;
                    say!(
                        "{} passwords written to {} (mode 0600)",
                        issued.len(),
                        out.display()
                    );
                }
                None if json => super::print_json(&issued)?,
                None => print_passwords(&issued),
            }
        }
        TeamCmd::SetPassword { team } => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("cannot read the password from stdin")?;
            let password = line.trim_end_matches(['\r', '\n']);
            organizer::set_password(&mut store, &team, password)?;
            say!("password set for team {team}");
        }
        TeamCmd::Pair { code, team } => {
            let code = code.trim().to_lowercase();
            let row = store
                .approve_pairing(
                    &code,
                    &team,
                    &organizer::cli_actor(),
                    floorjudge_store::now_ms(),
                )
                .with_context(|| format!("pairing code {code} not approved"))?;
            if json {
                return super::print_json(&row);
            }
            say!(
                "team {} is now bound to workstation {}",
                row.team_id.unwrap_or_default(),
                row.ip
            );
        }
    }
    Ok(())
}

fn print_passwords(issued: &[IssuedPassword]) {
    say!("{:<10} {:<32} {:<16} password", "team", "name", "ip");
    for p in issued {
        say!(
            "{:<10} {:<32} {:<16} {}",
            p.team_id,
            p.team_name,
            p.ip.as_deref().unwrap_or("-"),
            p.password
        );
    }
}
