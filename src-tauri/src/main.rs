//! `floorjudge`: the desktop app. `floorjudge team …` opens the team kiosk
//! window; `floorjudge jury --connect …` the jury console. The window
//! code here is glue: every command is a thin adapter over the `team`
//! library.

mod bindings;
mod cli;
mod error;
mod jury;
mod team;
mod webview;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    let filter = match cli.verbose {
        0 => "warn,floorjudge=info,floorjudge_team=info",
        1 => "info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| filter.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.role {
        cli::Role::Team(args) => team::run(args),
        cli::Role::Jury(args) => jury::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("floorjudge: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
