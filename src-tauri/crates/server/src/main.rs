//! `floorjudge-jury`: the headless jury and the organizer's commands.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::{Parser, Subcommand};
use floorjudge_server::ContestDir;

/// `println!` for listings: what peers supplied (names, messages) is
/// printed with its control characters escaped.
macro_rules! say {
    () => {
        println!()
    };
    ($($arg:tt)*) => {
        println!("{}", floorjudge_proto::terminal::printable(&format!($($arg)*)))
    };
}

mod cli;

#[derive(Debug, Parser)]
#[command(
    name = "floorjudge-jury",
    version,
    about = "floorjudge jury: contest setup and the headless jury server"
)]
struct Cli {
    /// The contest folder (holds contest.sqlite and received sources).
    #[arg(long, global = true, value_name = "DIR")]
    contest: Option<PathBuf>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Log more (repeat for more detail).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create and configure the contest.
    #[command(subcommand)]
    Contest(cli::contest::ContestCmd),
    /// Import and list problems.
    #[command(subcommand)]
    Problem(cli::problem::ProblemCmd),
    /// Import teams, assign IPs, hand out passwords.
    #[command(subcommand)]
    Team(cli::team::TeamCmd),
    /// List, inspect and rejudge submissions.
    #[command(subcommand)]
    Submission(cli::submission::SubmissionCmd),
    /// Issue, list and revoke judgehost credentials.
    #[command(subcommand)]
    Judgehost(cli::judgehost::JudgehostCmd),
    /// The language table: list, set a time factor, open or close, import.
    #[command(subcommand)]
    Language(cli::language::LanguageCmd),
    /// The jury's TLS certificate: its fingerprint and the settings kiosks
    /// and judgehosts need to pin it.
    #[command(subcommand)]
    Tls(cli::tls::TlsCmd),
    /// Staff accounts: add, enrol an authenticator, list, remove, check a login.
    #[command(subcommand)]
    Staff(cli::staff::StaffCmd),
    /// Clarifications: list, answer a team (or everyone), announce.
    #[command(subcommand)]
    Clarification(cli::clarifications::ClarificationCmd),
    /// The scoreboard: the jury's (everything) or the public, frozen one.
    Scoreboard(cli::standings::ScoreboardArgs),
    /// Final results and awards.
    #[command(subcommand)]
    Results(cli::standings::ResultsCmd),
    /// Summarise the contest: teams, IPs, problems, languages.
    Status,
    /// Show the newest audit log entries (binds, resets, refusals, …).
    Audit {
        /// How many entries.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Run the jury server: the team API and the callback fetcher.
    Serve {
        /// Address and port to listen on (port 0 picks a free one).
        #[arg(long, default_value = "0.0.0.0:8470", value_name = "ADDR:PORT")]
        listen: std::net::SocketAddr,
        #[command(flatten)]
        callback: cli::serve::ServeArgs,
    },
}

fn main() {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    if let Err(e) = run(cli) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

fn run(cli: Cli) -> Result<()> {
    let Some(root) = cli.contest.clone() else {
        bail!("no contest folder: pass --contest DIR");
    };
    let dir = ContestDir::new(&root);
    let json = cli.json;
    match cli.command {
        Command::Contest(cmd) => cli::contest::run(&dir, cmd, json),
        Command::Problem(cmd) => cli::problem::run(&dir, cmd, json),
        Command::Team(cmd) => cli::team::run(&dir, cmd, json),
        Command::Submission(cmd) => cli::submission::run(&dir, cmd, json),
        Command::Judgehost(cmd) => cli::judgehost::run(&dir, cmd, json),
        Command::Language(cmd) => cli::language::run(&dir, cmd, json),
        Command::Tls(cmd) => cli::tls::run(&dir, cmd, json),
        Command::Staff(cmd) => cli::staff::run(&dir, cmd, json),
        Command::Clarification(cmd) => cli::clarifications::run(&dir, cmd, json),
        Command::Scoreboard(args) => cli::standings::scoreboard(&dir, &args, json),
        Command::Results(cmd) => cli::standings::results(&dir, cmd),
        Command::Status => cli::status::status(&dir, json),
        Command::Audit { limit } => cli::status::audit(&dir, limit, json),
        Command::Serve { listen, callback } => {
            cli::serve::serve(&dir, listen, callback.options(), callback.stop_on_stdin_eof)
        }
    }
}
