//! `floorjudge-jury`: the headless jury and the organizer's commands.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use floorjudge_server::ContestDir;
use floorjudge_server::import::problems::ProblemReport;
use floorjudge_server::organizer::{self, IssuedPassword, PasswordFilter};
use floorjudge_server::status::Status;

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
    Contest(ContestCmd),
    /// Import and list problems.
    #[command(subcommand)]
    Problem(ProblemCmd),
    /// Import teams, assign IPs, hand out passwords.
    #[command(subcommand)]
    Team(TeamCmd),
    /// List, inspect and rejudge submissions.
    #[command(subcommand)]
    Submission(SubmissionCmd),
    /// Issue, list and revoke judgehost credentials.
    #[command(subcommand)]
    Judgehost(JudgehostCmd),
    /// The language table: list, set a time factor, open or close, import.
    #[command(subcommand)]
    Language(LanguageCmd),
    /// The jury's TLS certificate: its fingerprint and the settings kiosks
    /// and judgehosts need to pin it.
    #[command(subcommand)]
    Tls(TlsCmd),
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
        callback: ServeArgs,
    },
}

/// Settings of the jury server.
#[derive(Debug, Args)]
struct ServeArgs {
    /// Time allowed to receive one file from a kiosk, in ms.
    #[arg(long, default_value_t = 5000, value_name = "MS")]
    callback_timeout_ms: u64,
    /// Callback attempts before a submission is rejected as unreachable.
    #[arg(long, default_value_t = 6, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    callback_attempts: u32,
    /// Wait before the second attempt, doubled for each further one, in ms.
    #[arg(long, default_value_t = 500, value_name = "MS")]
    callback_backoff_ms: u64,
    /// How long a submit call waits for its callback before answering
    /// "pending", in ms.
    #[arg(long, default_value_t = 10_000, value_name = "MS")]
    submit_wait_ms: u64,
    /// Do not start the embedded judgehost (judge only with
    /// `floorjudge-judgehost run` daemons).
    #[arg(long)]
    no_embedded_judgehost: bool,
    /// How long a judging lease lasts past the judgehost's last request;
    /// a dead judgehost's job returns to the queue after this, in ms.
    #[arg(long, default_value_t = 30_000, value_name = "MS", value_parser = clap::value_parser!(i64).range(1000..=3_600_000))]
    lease_ms: i64,
    /// Submission references one team may send per minute; more are refused
    /// (HTTP 429 with Retry-After).
    #[arg(long, default_value_t = floorjudge_server::team_access::SUBMITS_PER_MINUTE, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    submits_per_minute: usize,
    /// Serve plain HTTP instead of TLS. Development only: every team's
    /// source code and every testcase then cross the network readable.
    #[arg(long)]
    plain_http: bool,
    /// Connections held open at once; more are closed at once.
    #[arg(long, default_value_t = 4096, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(16..=1_000_000))]
    max_connections: usize,
    /// Connections held open at once from one address.
    #[arg(long, default_value_t = 64, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(2..=100_000))]
    max_connections_per_address: usize,
    /// Time a client has to send a request's head (from connecting, or from
    /// the previous answer on a kept-alive connection), in ms.
    #[arg(long, default_value_t = 30_000, value_name = "MS", value_parser = clap::value_parser!(u64).range(200..=600_000))]
    header_timeout_ms: u64,
    /// A connection with no byte either way for this long is closed, in ms
    /// (keep it above the judgehosts' 20 s long poll).
    #[arg(long, default_value_t = 60_000, value_name = "MS", value_parser = clap::value_parser!(u64).range(200..=3_600_000))]
    idle_timeout_ms: u64,
}

impl ServeArgs {
    fn options(&self) -> floorjudge_server::serve::ServeOptions {
        use std::time::Duration;
        floorjudge_server::serve::ServeOptions {
            callback: floorjudge_server::callback_fetcher::CallbackConfig {
                file_timeout: Duration::from_millis(self.callback_timeout_ms),
                max_attempts: self.callback_attempts,
                first_backoff: Duration::from_millis(self.callback_backoff_ms),
                ..Default::default()
            },
            submit_wait: Some(Duration::from_millis(self.submit_wait_ms)),
            no_embedded_judgehost: self.no_embedded_judgehost,
            lease_ms: Some(self.lease_ms),
            plain_http: self.plain_http,
            submits_per_minute: Some(self.submits_per_minute),
            connections: floorjudge_tls::ConnectionLimits {
                total: self.max_connections,
                per_address: self.max_connections_per_address,
                header_read: Duration::from_millis(self.header_timeout_ms),
                idle: Duration::from_millis(self.idle_timeout_ms),
                ..floorjudge_tls::ConnectionLimits::jury()
            },
        }
    }
}

#[derive(Debug, Subcommand)]
enum TlsCmd {
    /// Print the certificate's SHA-256 fingerprint and how clients use it
    /// (made on first use, like `serve` does).
    Show {
        /// The address teams and judgehosts reach the jury at.
        #[arg(long, default_value = "JURY-ADDRESS:8470", value_name = "HOST:PORT")]
        public: String,
    },
}

#[derive(Debug, Subcommand)]
enum SubmissionCmd {
    /// List submissions, oldest first, with their verdicts.
    List {
        /// Only this team's.
        #[arg(long)]
        team: Option<String>,
    },
    /// Show one submission with every judging and its testcase results.
    Show {
        /// Submission id.
        id: i64,
    },
    /// Judge submissions again (old and new verdicts are both kept; the new
    /// one counts once it is in). Combine filters to narrow down.
    Rejudge {
        /// These submission ids.
        ids: Vec<i64>,
        /// All of this problem.
        #[arg(long)]
        problem: Option<String>,
        /// All of this team.
        #[arg(long)]
        team: Option<String>,
        /// All in this language.
        #[arg(long)]
        language: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum LanguageCmd {
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

#[derive(Debug, Subcommand)]
enum JudgehostCmd {
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

#[derive(Debug, Subcommand)]
enum ContestCmd {
    /// Create a new contest with sane defaults.
    Init(InitArgs),
    #[command(flatten)]
    Clock(cli::clock::ClockCmd),
    /// Choose how kiosks may identify: a comma-separated subset of
    /// ip, password, pairing (a bound address always identifies its team).
    SetIdModes {
        /// For example `ip,password`.
        modes: String,
    },
}

#[derive(Debug, Args)]
struct InitArgs {
    /// A contest package folder: contest.yaml, problems.yaml (or problemset.yaml),
    /// problem folders, and team files (teams, groups, organizations, accounts).
    #[arg(long, value_name = "DIR")]
    from: Option<PathBuf>,
    /// The contest's display name (overrides contest.yaml).
    #[arg(long)]
    name: Option<String>,
}

#[derive(Debug, Subcommand)]
enum ProblemCmd {
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

#[derive(Debug, Subcommand)]
enum TeamCmd {
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

/// Progress on stderr, only when a person is watching.
fn progress() -> impl FnMut(&str, usize, usize) {
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

fn print_json(value: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    let Some(root) = cli.contest.clone() else {
        bail!("no contest folder: pass --contest DIR");
    };
    let dir = ContestDir::new(&root);
    let mut progress = progress();
    match cli.command {
        Command::Contest(ContestCmd::Init(args)) => {
            let report = organizer::init_contest(
                &dir,
                args.from.as_deref(),
                args.name.as_deref(),
                &mut progress,
            )
            .with_context(|| format!("cannot create a contest in {}", root.display()))?;
            if cli.json {
                return print_json(&report);
            }
            let fingerprint = floorjudge_server::serve::jury_tls_identity(&dir)?.fingerprint();
            say!("created contest in {}", root.display());
            say!(
                "jury certificate fingerprint: {fingerprint} (`tls show` prints how clients pin it)"
            );
            print_problem_reports(&report.problems);
            if let Some(c) = report.teams {
                say!(
                    "imported {} teams, {} groups, {} organizations, {} accounts ({} IPs, {} passwords)",
                    c.teams,
                    c.groups,
                    c.organizations,
                    c.accounts,
                    c.ips,
                    c.passwords
                );
            }
            print_warnings(&report.warnings);
        }
        Command::Problem(ProblemCmd::Import { paths, label }) => {
            let mut store = dir.open()?;
            let reports =
                organizer::import_problems(&mut store, &paths, label.as_deref(), &mut progress)
                    .context("problem import refused; nothing was imported")?;
            if cli.json {
                return print_json(&reports);
            }
            print_problem_reports(&reports);
        }
        Command::Problem(ProblemCmd::List) => {
            let store = dir.open()?;
            let problems = store.problems()?;
            if cli.json {
                return print_json(&problems);
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
        Command::Contest(ContestCmd::Clock(cmd)) => cli::clock::run(&dir, cmd, cli.json)?,
        Command::Contest(ContestCmd::SetIdModes { modes }) => {
            let parsed = modes
                .split(',')
                .map(|m| m.trim().parse::<floorjudge_store::IdMode>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(anyhow::Error::msg)?;
            let mut store = dir.open()?;
            let mut settings = store.contest()?.settings;
            settings.id_modes = parsed;
            store.update_contest(&settings, &organizer::cli_actor())?;
            say!("identification modes: {modes}");
        }
        Command::Team(cmd) => run_team(&dir, cmd, cli.json, &mut progress)?,
        Command::Submission(SubmissionCmd::List { team }) => {
            let store = dir.open()?;
            let mut rows = Vec::new();
            for s in store.submissions()? {
                if team.as_ref().is_some_and(|t| &s.team_id != t) {
                    continue;
                }
                let judge = store.judge_state(s.id)?;
                let mut v = serde_json::to_value(&s)?;
                v["judge"] = serde_json::to_value(&judge)?;
                rows.push((s, judge, v));
            }
            if cli.json {
                return print_json(&rows.into_iter().map(|r| r.2).collect::<Vec<_>>());
            }
            for (s, judge, _) in rows {
                let judge = match judge {
                    floorjudge_store::JudgeState::None => String::new(),
                    floorjudge_store::JudgeState::Queued { position } => {
                        format!("queued #{position}")
                    }
                    floorjudge_store::JudgeState::Judging => "judging".into(),
                    floorjudge_store::JudgeState::Judged { verdict: v } => {
                        v.map_or("judge error", |v| v.clics_id()).to_owned()
                    }
                };
                say!(
                    "{:>6} {:<12} {:<12} {:<8} {:<9} {:<10} {}",
                    s.id,
                    s.team_id,
                    s.problem_id,
                    s.language_id,
                    format!("{:?}", s.state).to_lowercase(),
                    judge,
                    s.reject_reason.unwrap_or_default()
                );
            }
        }
        Command::Submission(SubmissionCmd::Show { id }) => {
            let store = dir.open()?;
            let sub = store
                .submission(id)?
                .with_context(|| format!("no submission {id}"))?;
            let judgings = store.judgings(id)?;
            if cli.json {
                return print_json(&serde_json::json!({ "submission": sub, "judgings": judgings }));
            }
            say!(
                "submission {} by team {} for {} in {}: {:?}",
                sub.id,
                sub.team_id,
                sub.problem_id,
                sub.language_id,
                sub.state
            );
            for j in judgings {
                say!(
                    "  judging {} ({}{}) on {}: {} {}",
                    j.id,
                    j.state,
                    if j.valid { ", counts" } else { "" },
                    j.judgehost.unwrap_or_else(|| "-".into()),
                    j.verdict.map_or("", |v| v.clics_id()),
                    j.error.unwrap_or_default()
                );
                for r in j.runs {
                    say!(
                        "    testcase {:>6}: {:<3} {:>6} ms {:>12} fuel {}",
                        r.testcase_id,
                        r.verdict.clics_id(),
                        r.time_ms,
                        r.fuel,
                        r.message
                    );
                }
            }
        }
        Command::Submission(SubmissionCmd::Rejudge {
            ids,
            problem,
            team,
            language,
        }) => {
            let mut store = dir.open()?;
            let queued = store
                .rejudge(
                    &floorjudge_store::RejudgeFilter {
                        submissions: ids,
                        problem,
                        team,
                        language,
                    },
                    &organizer::cli_actor(),
                )
                .context("rejudge refused")?;
            if cli.json {
                return print_json(&queued);
            }
            say!("{} submissions queued for rejudging", queued.len());
        }
        Command::Tls(TlsCmd::Show { public }) => {
            dir.open()?;
            let fingerprint = floorjudge_server::serve::jury_tls_identity(&dir)?.fingerprint();
            if cli.json {
                return print_json(&serde_json::json!({ "fingerprint": fingerprint.to_string() }));
            }
            say!("jury certificate fingerprint: {fingerprint}");
            say!();
            say!(
                "kiosks:      floorjudge-team --jury https://{public} --jury-fingerprint {fingerprint} …"
            );
            say!(
                "judgehosts:  floorjudge-judgehost run --jury https://{public} --credentials FILE"
            );
            say!("             (`judgehost add NAME --out FILE` writes the fingerprint into FILE;");
            say!("              or pass --jury-fingerprint {fingerprint})");
        }
        Command::Judgehost(JudgehostCmd::Add { name, out }) => {
            let mut store = dir.open()?;
            let keys = floorjudge_server::keys::JuryKeys::load_or_create(dir.root())?;
            let mut creds = floorjudge_server::judgehost_credentials::issue(
                &mut store,
                &keys,
                &name,
                &organizer::cli_actor(),
            )?;
            creds.jury_fingerprint = Some(
                floorjudge_server::serve::jury_tls_identity(&dir)?
                    .fingerprint()
                    .to_string(),
            );
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
        Command::Judgehost(JudgehostCmd::List) => {
            let store = dir.open()?;
            let hosts = store.judgehosts()?;
            if cli.json {
                return print_json(&hosts);
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
        Command::Judgehost(JudgehostCmd::Revoke { name }) => {
            let mut store = dir.open()?;
            store.revoke_judgehost(&name, &organizer::cli_actor())?;
            say!("judgehost {name} revoked; its jobs went back to the queue");
        }
        Command::Clarification(cmd) => cli::clarifications::run(&dir, cmd, cli.json)?,
        Command::Staff(cmd) => cli::staff::run(&dir, cmd, cli.json)?,
        Command::Scoreboard(args) => cli::standings::scoreboard(&dir, &args, cli.json)?,
        Command::Results(cmd) => cli::standings::results(&dir, cmd)?,
        Command::Audit { limit } => {
            let store = dir.open()?;
            let log = store.audit_log(limit)?;
            if cli.json {
                return print_json(&log);
            }
            for e in log {
                say!(
                    "{} {:<16} {:<28} {:<12} {:<15} {}",
                    e.at_ms,
                    e.actor,
                    e.action,
                    e.subject.unwrap_or_default(),
                    e.source_ip.unwrap_or_default(),
                    e.detail.unwrap_or_default()
                );
            }
        }
        Command::Serve { listen, callback } => serve(&dir, listen, callback.options())?,
        Command::Language(cmd) => {
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
                        bail!(
                            "nothing to change: pass --time-factor, --backend, --allow or --deny"
                        );
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
            if cli.json {
                return print_json(&languages);
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
        }
        Command::Status => {
            let store = dir.open()?;
            let status = Status::gather(&store)?;
            if cli.json {
                return print_json(&status);
            }
            say!("{status}");
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

fn serve(
    dir: &ContestDir,
    listen: std::net::SocketAddr,
    options: floorjudge_server::serve::ServeOptions,
) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let plain = options.plain_http;
    runtime.block_on(async {
        let server = floorjudge_server::serve::JuryServer::bind(dir, listen, options)
            .await
            .with_context(|| {
                format!("cannot start the jury server for {}", dir.root().display())
            })?;
        let addr = server.local_addr()?;
        let scheme = if plain { "http" } else { "https" };
        say!(
            "floorjudge jury listening on {scheme}://{addr} certificate {}",
            server.fingerprint()
        );
        std::io::stdout().flush()?;
        server
            .run(shutdown_signal())
            .await
            .context("the jury server failed")?;
        tracing::info!("jury server stopped");
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => return ctrl_c.await.unwrap_or(()),
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await.unwrap_or(());
}

fn run_team(
    dir: &ContestDir,
    cmd: TeamCmd,
    json: bool,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<()> {
    let mut store = dir.open()?;
    match cmd {
        TeamCmd::Import { files } => {
            let (counts, warnings) = organizer::import_teams(&mut store, &files, progress)
                .context("team import refused; nothing was changed")?;
            if json {
                return print_json(
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
            print_warnings(&warnings);
        }
        TeamCmd::List => {
            let teams = store.teams()?;
            if json {
                return print_json(&teams);
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
                None if json => print_json(&issued)?,
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
                return print_json(&row);
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

fn print_problem_reports(reports: &[ProblemReport]) {
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

fn print_warnings(warnings: &[String]) {
    for w in warnings {
        say!("warning: {w}");
    }
}
