//! `floorjudge-judgehost`: judge a submission against a problem package, in
//! the wasmtime sandbox. (The daemon that leases jobs from a jury comes with
//! the judge-queue issue.)

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use floorjudge_judgehost::load_package;
use floorjudge_judgehost::pipeline::{Judge, JudgeRequest};
use floorjudge_judgehost::toolchain::{Language, SourceFile};

#[derive(Debug, Parser)]
#[command(
    name = "floorjudge-judgehost",
    version,
    about = "floorjudge judgehost: sandboxed judging of submissions"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Judge one submission against a problem package and print the verdict.
    /// Exits 0 whenever a verdict was reached, whatever the verdict.
    Judge {
        /// The problem package (folder or .zip).
        #[arg(long, value_name = "DIR")]
        problem: PathBuf,
        /// c, cpp, rust or python (default: from the first file's extension).
        #[arg(long)]
        language: Option<String>,
        /// Time limit in seconds, overriding the package's.
        #[arg(long, value_name = "SECONDS")]
        time_limit: Option<f64>,
        /// Output validator sources to use instead of the package's.
        #[arg(long, value_name = "FILE", num_args = 1..)]
        validator: Vec<PathBuf>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// The submission's files.
        #[arg(required = true, value_name = "SOURCE")]
        sources: Vec<PathBuf>,
    },
}

fn main() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = run(Cli::parse()) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

/// Largest file `judge` reads as a source or validator.
const MAX_SOURCE_FILE_BYTES: u64 = 64 << 20;

fn read_sources(paths: &[PathBuf]) -> Result<Vec<SourceFile>> {
    paths
        .iter()
        .map(|p| {
            let meta =
                std::fs::metadata(p).with_context(|| format!("cannot read {}", p.display()))?;
            if !meta.is_file() {
                bail!("{} is not a file", p.display());
            }
            // The compile step turns anything over its source limit into a CE;
            // this only keeps a huge file from being read into memory at all.
            if meta.len() > MAX_SOURCE_FILE_BYTES {
                bail!(
                    "{} is {} bytes: larger than any submission can be ({} MiB)",
                    p.display(),
                    meta.len(),
                    MAX_SOURCE_FILE_BYTES >> 20
                );
            }
            let content =
                std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
            let name = p
                .file_name()
                .and_then(|n| n.to_str())
                .with_context(|| format!("{} has no usable file name", p.display()))?
                .to_owned();
            Ok(SourceFile { name, content })
        })
        .collect()
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Judge {
            problem,
            language,
            time_limit,
            validator,
            json,
            sources,
        } => {
            let language: Language = match language {
                Some(l) => l.parse().map_err(anyhow::Error::msg)?,
                None => Language::from_extension(&sources[0]).with_context(|| {
                    format!(
                        "cannot tell the language of {}: pass --language",
                        sources[0].display()
                    )
                })?,
            };
            let time_limit = match time_limit {
                Some(t) if t.is_finite() && t > 0.0 && t <= 3600.0 => {
                    Some(Duration::from_secs_f64(t))
                }
                Some(t) => bail!("--time-limit {t} is not a number of seconds between 0 and 3600"),
                None => None,
            };
            let package = load_package(&problem)?;
            let sources = read_sources(&sources)?;
            let validator = if validator.is_empty() {
                None
            } else {
                Some(read_sources(&validator)?)
            };
            let judge = Judge::new()?;
            let judgement = judge
                .judge(&JudgeRequest {
                    package: &package,
                    language,
                    sources,
                    time_limit,
                    validator,
                })
                .context("judging failed (a judge error, not a verdict)")?;
            if json {
                println!("{}", serde_json::to_string(&judgement)?);
            } else {
                println!(
                    "{} ({} testcases run, time limit {} ms from {:?})",
                    judgement.verdict,
                    judgement.testcases.len(),
                    judgement.time_limit_ms,
                    judgement.time_limit_source
                );
                if !judgement.compile_message.is_empty() {
                    println!("{}", judgement.compile_message);
                }
                for t in &judgement.testcases {
                    println!(
                        "  {:<3} {:<40} {:>6} ms {:>8} KiB  {}",
                        t.verdict.to_string(),
                        t.name,
                        t.time_ms,
                        t.memory_bytes / 1024,
                        t.message
                    );
                }
            }
            Ok(())
        }
    }
}
