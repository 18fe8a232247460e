//! `judgehost add|list|revoke`: judgehost credentials.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;
use floorjudge_server::ContestDir;
use floorjudge_server::organizer;

#[derive(Debug, Subcommand)]
pub enum JudgehostCmd {
    /// Issue credentials for a judgehost (the secret is shown once).
    Add {
        /// Its name.
        name: String,
        /// Write the credentials to this file (mode 0600, never overwritten).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// List judgehosts with their last contact and health.
    List,
    /// Revoke a judgehost's credentials; its jobs go back to the queue.
    Revoke {
        /// Its name.
        name: String,
    },
}

/// Runs a `judgehost` subcommand.
pub fn run(dir: &ContestDir, cmd: JudgehostCmd, json: bool) -> Result<()> {
    match cmd {
        JudgehostCmd::Add { name, out } => {
            let mut store = dir.open()?;
            let creds =
                organizer::issue_judgehost(dir, &mut store, &name, &organizer::cli_actor())?;
            let text = serde_json::to_string_pretty(&creds)?;
            match out {
                Some(path) => {
                    write_private_new(&path, text.as_bytes())?;
                    say!(
                        "credentials for judgehost {name} written to {}",
                        path.display()
                    );
                }
                None => say!("{text}"),
            }
        }
        JudgehostCmd::List => {
            let store = dir.open()?;
            let hosts = store.judgehosts()?;
            if json {
                return super::print_json(&hosts);
            }
            for h in hosts {
                say!(
                    "{:<20} {:<8} last seen {:<14} {}",
                    h.name,
                    if h.revoked { "revoked" } else { "active" },
                    h.last_seen_ms
                        .map(|t| t.to_string())
                        .unwrap_or_else(|| "never".into()),
                    h.health_json.unwrap_or_default()
                );
            }
        }
        JudgehostCmd::Revoke { name } => {
            let mut store = dir.open()?;
            store.revoke_judgehost(&name, &organizer::cli_actor())?;
            say!("judgehost {name} revoked; its jobs went back to the queue");
        }
    }
    Ok(())
}

/// Writes a new file readable only by its owner; never overwrites.
fn write_private_new(path: &std::path::Path, data: &[u8]) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .with_context(|| format!("cannot create {} (it must not exist)", path.display()))?;
    f.write_all(data)?;
    Ok(())
}
