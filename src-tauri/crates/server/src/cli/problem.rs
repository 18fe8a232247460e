//! `problem import|list`: Kattis / ICPC problem packages.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;
use floorjudge_server::ContestDir;
use floorjudge_server::import::problems::ProblemReport;
use floorjudge_server::organizer;

#[derive(Debug, Subcommand)]
pub enum ProblemCmd {
    /// Import Kattis / ICPC problem packages (folders or .zip); re-importing a
    /// problem updates it in place, keeping its label.
    Import {
        /// Package folders or zip files.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Label for the problem (one package only); an existing problem with
        /// this label is replaced in place.
        #[arg(long)]
        label: Option<String>,
    },
    /// List the problems.
    List,
}

/// Runs a `problem` subcommand.
pub fn run(dir: &ContestDir, cmd: ProblemCmd, json: bool) -> Result<()> {
    match cmd {
        ProblemCmd::Import { paths, label } => {
            let mut store = dir.open()?;
            let reports = organizer::import_problems(
                &mut store,
                &paths,
                label.as_deref(),
                &mut super::progress(),
            )
            .context("problem import refused; nothing was imported")?;
            if json {
                return super::print_json(&reports);
            }
            print_problem_reports(&reports);
        }
        ProblemCmd::List => {
            let store = dir.open()?;
            let problems = store.problems()?;
            if json {
                return super::print_json(&problems);
            }
            for p in problems {
                say!(
                    "{:<3} {:<16} {:<30} {} sample, {} secret, TL {} ms ({}), {}",
                    p.problem.label,
                    p.problem.id,
                    p.problem.name,
                    p.samples,
                    p.secret,
                    p.problem.time_limit_ms,
                    p.problem.time_limit_source,
                    p.problem.validation
                );
            }
        }
    }
    Ok(())
}

/// Prints what each package import did, with its warnings.
pub fn print_problem_reports(reports: &[ProblemReport]) {
    for r in reports {
        say!(
            "{} {} {} ({}): {} sample + {} secret testcases in {} groups, TL {} ms ({}), ML {} MiB, output {} MiB, {}, validation {}{}",
            if r.replaced { "updated" } else { "imported" },
            r.label,
            r.id,
            r.name,
            r.samples,
            r.secret,
            r.groups,
            r.time_limit_ms,
            r.time_limit_source,
            r.memory_mib,
            r.output_mib,
            r.problem_type,
            r.validation,
            if r.has_output_validator {
                " (validator included)"
            } else {
                ""
            }
        );
        for w in &r.warnings {
            say!("  warning: {w}");
        }
    }
}
