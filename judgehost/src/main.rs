//! `floorjudge-judgehost`: the judgehost daemon (`run`), and one-off judging
//! of a submission against a problem package (`judge`), in the wasmtime
//! sandbox.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use floorjudge_judgehost::load_package;
use floorjudge_judgehost::pipeline::{Judge, JudgeRequest};
use floorjudge_judgehost::toolchain::{Backend, Language, SourceFile};

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
    /// Run as a judgehost of a jury until stopped (Ctrl-C / SIGTERM finish
    /// the job in hand, or return it after the grace period).
    Run {
        /// The jury's URL: https://HOST:PORT (http:// only for a jury run
        /// with --plain-http).
        #[arg(long, value_name = "URL")]
        jury: String,
        /// SHA-256 fingerprint of the jury's certificate (`floorjudge-jury
        /// tls show`); default: the one in the credentials file.
        #[arg(long, value_name = "SHA256")]
        jury_fingerprint: Option<String>,
        /// Credentials file from `floorjudge-jury judgehost add NAME --out FILE`.
        #[arg(long, value_name = "FILE")]
        credentials: PathBuf,
        /// Cache of fetched testcases, packages and sources.
        #[arg(long, value_name = "DIR")]
        cache: Option<PathBuf>,
        /// Seconds a shutdown waits for the job in hand before returning it.
        #[arg(long, default_value_t = 30)]
        grace: u64,
    },
    /// Judge one submission against a problem package and print the verdict.
    /// Exits 0 whenever a verdict was reached, whatever the verdict.
    Judge {
        /// The problem package (folder or .zip).
        #[arg(long, value_name = "DIR")]
        problem: PathBuf,
        /// c, cpp, rust, python3, java or kotlin (default: from the first file's extension).
        #[arg(long)]
        language: Option<String>,
        /// Time limit in seconds, overriding the package's.
        #[arg(long, value_name = "SECONDS")]
        time_limit: Option<f64>,
        /// The language's time factor: runs get the time limit times this.
        #[arg(long, default_value_t = 1.0)]
        time_factor: f64,
        /// wasm or native (C and C++ with gcc/g++); default: the language's.
        #[arg(long)]
        backend: Option<String>,
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
    let cli = Cli::parse();
    let default = if matches!(cli.command, Command::Run { .. }) {
        "info"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    if let Err(e) = run(cli) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run_daemon(
    jury: String,
    jury_fingerprint: Option<String>,
    credentials: PathBuf,
    cache: Option<PathBuf>,
    grace: u64,
) -> Result<()> {
    use floorjudge_judgehost::daemon::{self, DaemonConfig};
    let text = std::fs::read(&credentials)
        .with_context(|| format!("cannot read credentials {}", credentials.display()))?;
    let credentials: floorjudge_proto::judgehost::Credentials = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not a credentials file", credentials.display()))?;
    let pin = jury_fingerprint
        .or_else(|| credentials.jury_fingerprint.clone())
        .map(|f| f.parse::<floorjudge_tls::Fingerprint>())
        .transpose()
        .context("--jury-fingerprint")?;
    let cache = cache.unwrap_or_else(|| {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir)
            .join(".cache/floorjudge/judgehost")
            .join(&credentials.name)
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("stopping");
            let _ = stop.send(true);
        });
        eprintln!("judgehost {} serving {jury}", credentials.name);
        daemon::run(
            DaemonConfig {
                jury_url: jury,
                jury_fingerprint: pin,
                credentials,
                cache_dir: cache,
                lease_wait: Duration::from_secs(20),
                shutdown_grace: Duration::from_secs(grace),
            },
            stopped,
        )
        .await
        .context("the judgehost stopped")
    })
}

async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(t) => t,
        Err(_) => return tokio::signal::ctrl_c().await.unwrap_or(()),
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
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
        Command::Run {
            jury,
            jury_fingerprint,
            credentials,
            cache,
            grace,
        } => run_daemon(jury, jury_fingerprint, credentials, cache, grace),
        Command::Judge {
            problem,
            language,
            time_limit,
            time_factor,
            backend,
            validator,
            json,
            sources,
        } => {
            let backend: Option<Backend> = backend
                .map(|b| b.parse().map_err(anyhow::Error::msg))
                .transpose()?;
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
                    time_factor,
                    backend,
                    validator,
                    on_testcase: None,
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
