//! `language list|set|import`: the contest's language table.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use floorjudge_server::ContestDir;
use floorjudge_server::organizer;

#[derive(Debug, Subcommand)]
pub enum LanguageCmd {
    /// List the languages with their backend, time factor and commands.
    List,
    /// Change a language: its time factor, backend, whether teams may submit in it.
    Set {
        /// Language id (c, cpp, rust, python3, java, kotlin).
        id: String,
        /// Runs get the problem's time limit times this (0.1 to 20).
        #[arg(long)]
        time_factor: Option<f64>,
        /// `native` judges C or C++ with gcc/g++ in the native sandbox (CPU
        /// time, not deterministic); `wasm` (the default) with clang in wasm.
        #[arg(long, value_parser = ["wasm", "native"])]
        backend: Option<String>,
        /// Let teams submit in it.
        #[arg(long, conflicts_with = "deny")]
        allow: bool,
        /// Stop teams submitting in it (its submissions are kept and judged).
        #[arg(long)]
        deny: bool,
    },
    /// Make a languages.yaml / languages.json (CLICS) the contest's table.
    Import {
        /// The file.
        file: PathBuf,
    },
}

/// Runs a `language` subcommand (each prints the table after).
pub fn run(dir: &ContestDir, cmd: LanguageCmd, json: bool) -> Result<()> {
    let mut store = dir.open()?;
    match cmd {
        LanguageCmd::List => {}
        LanguageCmd::Set {
            id,
            time_factor,
            backend,
            allow,
            deny,
        } => {
            if time_factor.is_none() && backend.is_none() && !allow && !deny {
                bail!("nothing to change: pass --time-factor, --backend, --allow or --deny");
            }
            let change = floorjudge_store::LanguageChange {
                time_factor,
                backend,
                allow_submit: (allow || deny).then_some(allow),
            };
            store
                .set_language(&id, &change, &organizer::cli_actor())
                .with_context(|| format!("cannot change language {id}"))?;
        }
        LanguageCmd::Import { file } => {
            let languages = floorjudge_server::import::languages::parse_languages(&file)
                .context("language table refused; nothing was changed")?;
            store.replace_languages(&languages, &organizer::cli_actor())?;
        }
    }
    let languages = store.languages()?;
    if json {
        return super::print_json(&languages);
    }
    for l in languages {
        say!(
            "{:<8} {:<10} .{:<16} {:<6} ×{:<4} {:<6} {}{}",
            l.id,
            l.name,
            l.extensions.join(" ."),
            l.backend,
            l.time_factor,
            if l.allow_submit { "open" } else { "closed" },
            if l.compiler.is_empty() {
                String::new()
            } else {
                format!("{} → ", l.compiler)
            },
            l.runner
        );
    }
    Ok(())
}
