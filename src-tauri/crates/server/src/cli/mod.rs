//! `floorjudge-jury` subcommands, one file per area, each parsing its
//! arguments and calling the jury core; the output helpers they share.

use std::io::{IsTerminal, Write};

use anyhow::Result;

pub mod clarifications;
pub mod clock;
pub mod contest;
pub mod judgehost;
pub mod language;
pub mod problem;
pub mod serve;
pub mod staff;
pub mod standings;
pub mod status;
pub mod submission;
pub mod team;
pub mod tls;

/// Prints `value` as pretty JSON (the `--json` output).
pub fn print_json(value: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Progress on stderr, only when a person is watching.
pub fn progress() -> impl FnMut(&str, usize, usize) {
    let tty = std::io::stderr().is_terminal();
    move |what: &str, done: usize, total: usize| {
        if tty && total > 1 {
            eprint!("\r{what}: {done}/{total}");
            if done == total {
                eprintln!();
            }
            let _ = std::io::stderr().flush();
        }
    }
}

/// Prints warnings, one a line.
pub fn print_warnings(warnings: &[String]) {
    for w in warnings {
        say!("warning: {w}");
    }
}
