//! `staff add|totp|list|remove|login`: the jury's own accounts.

use std::io::BufRead;

use anyhow::{Context, Result};
use clap::Subcommand;
use floorjudge_server::ContestDir;
use floorjudge_server::staff::{self, Role};
use floorjudge_store::now_ms;

/// `staff` subcommands.
#[derive(Debug, Subcommand)]
pub enum StaffCmd {
    /// Add a staff account; the password is read from standard input.
    Add {
        /// Login name.
        name: String,
        /// admin, jury, balloon or analyst.
        #[arg(long)]
        role: String,
    },
    /// Enrol a TOTP authenticator (shows its secret and recovery codes once).
    Totp {
        /// Login name.
        name: String,
    },
    /// List the staff accounts.
    List,
    /// Remove a staff account.
    Remove {
        /// Login name.
        name: String,
    },
    /// Check a login as the console does: the password from standard input,
    /// the authenticator or recovery code with --code.
    Login {
        /// Login name.
        name: String,
        /// The authenticator's 6 digits, or a recovery code.
        #[arg(long)]
        code: Option<String>,
    },
}

fn password_from_stdin() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Runs a staff subcommand.
pub fn run(dir: &ContestDir, cmd: StaffCmd, json: bool) -> Result<()> {
    let mut store = dir.open()?;
    let actor = floorjudge_server::organizer::cli_actor();
    match cmd {
        StaffCmd::Add { name, role } => {
            let role: Role = role.parse()?;
            let password = password_from_stdin()?;
            staff::add(&mut store, &name, role, &password, &actor)?;
            say!("staff account {name} ({role}) added");
        }
        StaffCmd::Totp { name } => {
            let e = staff::enrol_totp(&mut store, &name, &actor)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&e)?);
            } else {
                say!("authenticator for {name}: enter this secret in the app (shown once)");
                say!("  secret  {}", e.secret);
                say!("  uri     {}", e.uri);
                say!("recovery codes (each works once; keep them on paper):");
                for c in &e.recovery_codes {
                    say!("  {c}");
                }
            }
        }
        StaffCmd::List => {
            let list = staff::list(&store)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for a in list {
                    say!(
                        "{:<20} {:<8} totp: {:<3} recovery codes left: {}",
                        a.name,
                        a.role,
                        if a.totp { "yes" } else { "no" },
                        a.recovery_codes_left
                    );
                }
            }
        }
        StaffCmd::Remove { name } => {
            store.remove_staff(&name, &actor)?;
            say!("staff account {name} removed");
        }
        StaffCmd::Login { name, code } => {
            let password = password_from_stdin()?;
            let result = staff::login(
                &mut store,
                &name,
                &password,
                code.as_deref(),
                true,
                now_ms(),
            );
            match result {
                Ok(role) => say!("{name}: {role}"),
                Err(e) => {
                    // refused logins are logged and audited with their reason
                    tracing::warn!(staff = %name, reason = %e, "staff login refused");
                    let _ = store.audit(
                        &actor,
                        "staff.login.refused",
                        Some(&name),
                        Some(&e.to_string()),
                        None,
                    );
                    return Err(e.into());
                }
            }
        }
    }
    Ok(())
}
