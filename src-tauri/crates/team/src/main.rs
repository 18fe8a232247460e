//! `floorjudge-team`: the headless team agent (what the kiosk window drives).

use std::io::{BufRead, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use floorjudge_proto::team::{Session, SubmissionPhase, SubmissionStatus};
use floorjudge_team::agent::read_sources;
use floorjudge_team::watch::FileWatch;
use floorjudge_team::{Agent, AgentConfig, DEFAULT_CALLBACK_PORT, workstation_addresses};

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

#[derive(Debug, Parser)]
#[command(
    name = "floorjudge-team",
    version,
    about = "floorjudge team agent: identify, submit by callback, follow results"
)]
struct Cli {
    /// The jury's team API.
    #[arg(
        long,
        global = true,
        default_value = "https://127.0.0.1:8470",
        value_name = "URL"
    )]
    jury: String,
    /// SHA-256 fingerprint of the jury's certificate (`floorjudge-jury tls
    /// show` prints it); needed for an https jury.
    #[arg(long, global = true, value_name = "SHA256")]
    jury_fingerprint: Option<floorjudge_tls::Fingerprint>,
    /// Connect from this address, and serve callbacks on it.
    #[arg(long, global = true, value_name = "IP")]
    source_ip: Option<IpAddr>,
    /// Port of this workstation's callback file server.
    #[arg(long, global = true, default_value_t = DEFAULT_CALLBACK_PORT, value_name = "PORT")]
    callback_port: u16,
    /// Where the session and the hidden callback folder live
    /// (default: ~/.local/state/floorjudge-team/<source ip>).
    #[arg(long, global = true, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// Print JSON (one object per line).
    #[arg(long, global = true)]
    json: bool,
    /// Log more (repeat for more detail).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum ClarificationCmd {
    /// Ask the jury, about a problem or in general.
    Ask {
        /// The problem (id or label); without it, a general question.
        #[arg(long)]
        problem: Option<String>,
        /// The question.
        #[arg(required = true, num_args = 1.., value_name = "TEXT")]
        text: Vec<String>,
    },
    /// The team's questions, the jury's answers and announcements.
    List,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Identify by this workstation's address and show the team.
    Whoami,
    /// Log in with the team's one-time password (binds this workstation).
    Login {
        /// Team id or account username.
        #[arg(long)]
        team: String,
        /// The password (read from standard input if omitted).
        #[arg(long)]
        password: Option<String>,
    },
    /// Print the team's live events (JSON lines), reconnecting when the jury
    /// restarts, for --seconds or until --count events.
    Events {
        /// Resume after this event id (default: from now on).
        #[arg(long)]
        since: Option<i64>,
        /// How long to follow.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Stop after this many events.
        #[arg(long)]
        count: Option<usize>,
    },
    /// A problem's statement files and samples; with --out, download them.
    Problem {
        /// Problem id or label.
        problem: String,
        /// Download into this folder (statement/…, samples/NAME.in|.ans).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Ask the jury a question, or read the clarifications.
    #[command(subcommand)]
    Clarification(ClarificationCmd),
    /// Ask for a pairing code to read out to the jury, and wait for approval.
    Pair {
        /// Seconds to wait for the jury's approval (0: do not wait).
        #[arg(long, default_value_t = 600)]
        wait: u64,
    },
    /// Submit files for a problem.
    Submit {
        /// Problem id or label.
        #[arg(long)]
        problem: String,
        /// Language id (default: from the first file's extension).
        #[arg(long)]
        language: Option<String>,
        /// Wait for the verdict.
        #[arg(long)]
        wait: bool,
        /// Seconds to wait with --wait.
        #[arg(long, default_value_t = 600)]
        timeout: u64,
        /// Only send the reference: a `floorjudge-team serve` running with
        /// the same state folder answers the callback.
        #[arg(long)]
        no_callback_server: bool,
        /// Source files (the first is the main file).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Show the contest: its problems, and the languages with how each is
    /// compiled and run and its time factor.
    Contest,
    /// Show the team's submissions.
    Status {
        /// Keep printing each change (queue position, judging, verdict) until
        /// every submission is judged or rejected, or --timeout passes.
        #[arg(long)]
        follow: bool,
        /// Seconds to follow.
        #[arg(long, default_value_t = 600)]
        timeout: u64,
    },
    /// Resend the references of submissions still in the callback folder.
    Resend,
    /// Run the kiosk's background part: serve callbacks and resend anything
    /// pending, until stopped.
    Serve,
    /// Watch a file and offer (or, with --auto, do) a resubmission when it changes.
    Watch {
        /// Problem id or label.
        #[arg(long)]
        problem: String,
        /// Language id (default: from the file's extension).
        #[arg(long)]
        language: Option<String>,
        /// Resubmit on every change instead of only announcing it.
        #[arg(long)]
        auto: bool,
        /// The file.
        file: PathBuf,
    },
}

fn main() {
    let cli = Cli::parse();
    let default = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default)),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("the async runtime starts");
    match runtime.block_on(run(cli)) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    }
}

fn default_state_dir(source_ip: Option<IpAddr>) -> PathBuf {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir);
    let leaf = source_ip.map_or("default".to_owned(), |ip| ip.to_string().replace(':', "_"));
    base.join("floorjudge-team").join(leaf)
}

fn print_status(json: bool, s: &SubmissionStatus) {
    if json {
        say!("{}", serde_json::to_string(s).expect("serializes"));
        return;
    }
    let mut line = format!("submission {} ({} / {}): ", s.id, s.problem, s.language);
    match s.phase {
        SubmissionPhase::PendingCallback => {
            line.push_str("waiting for the jury to fetch the files")
        }
        SubmissionPhase::Queued => match s.queue_position {
            Some(p) => line.push_str(&format!("received, queued (position {p})")),
            None => line.push_str("received, queued"),
        },
        SubmissionPhase::Judging => match (s.testcases_done, s.testcases_total) {
            (Some(done), Some(total)) => line.push_str(&format!(
                "judging (testcase {} of {total})",
                (done + 1).min(total)
            )),
            _ => line.push_str("judging"),
        },
        SubmissionPhase::Judged => {
            line.push_str(s.verdict.map(|v| v.clics_id()).unwrap_or("judged"))
        }
        SubmissionPhase::Rejected => {
            line.push_str(&format!("rejected: {}", s.reason.as_deref().unwrap_or("")));
            if s.retryable {
                line.push_str(" (`floorjudge-team resend` retries it)");
            }
        }
    }
    say!("{line}");
}

/// Prints who this workstation is: one JSON object, or `text`.
fn print_session(json: bool, s: &Session, mode: &str, text: &str) -> Result<()> {
    if json {
        let who = serde_json::json!({ "team": s.team, "ip": s.ip, "mode": mode });
        say!("{}", serde_json::to_string(&who)?);
    } else {
        say!("{text}");
    }
    Ok(())
}

async fn language_for(
    agent: &Agent,
    given: Option<String>,
    file: &std::path::Path,
) -> Result<String> {
    if let Some(l) = given {
        return Ok(l);
    }
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_lowercase();
    // the last contest info the jury gave, if it cannot be reached now
    let (contest, _) = agent.contest_or_last().await?;
    contest
        .languages
        .iter()
        .find(|l| l.extensions.contains(&ext))
        .map(|l| l.id.clone())
        .with_context(|| format!("no language for .{ext} files: pass --language"))
}

async fn run(cli: Cli) -> Result<i32> {
    let state_dir = cli
        .state_dir
        .clone()
        .unwrap_or_else(|| default_state_dir(cli.source_ip));
    let mut agent = Agent::new(AgentConfig {
        jury_url: cli.jury.clone(),
        jury_fingerprint: cli.jury_fingerprint,
        source_ip: cli.source_ip,
        callback_port: cli.callback_port,
        state_dir,
    })?;
    let json = cli.json;
    match cli.command {
        Command::Contest => {
            let c = agent.contest().await?;
            if json {
                println!("{}", serde_json::to_string(&c)?);
            } else {
                say!("{}{}", c.name, if c.running { " (running)" } else { "" });
                for p in &c.problems {
                    say!("  {:<3} {}", p.label, p.name);
                }
                say!("languages:");
                for l in &c.languages {
                    let factor = if l.time_factor == 1.0 {
                        String::new()
                    } else {
                        format!(", time limit ×{}", l.time_factor)
                    };
                    say!(
                        "  {:<8} {} (.{}{factor})",
                        l.id,
                        l.name,
                        l.extensions.join(" .")
                    );
                    if !l.compiler.is_empty() {
                        say!("           compiled: {}", l.compiler);
                    }
                    say!("           run:      {}", l.runner);
                }
            }
        }
        Command::Whoami => {
            let addresses = workstation_addresses();
            match agent.identify().await {
                Ok(s) => {
                    print_session(
                        json,
                        &s,
                        &s.mode,
                        &format!("team {} ({}) at {}", s.team.name, s.team.id, s.ip),
                    )?;
                }
                Err(e) => {
                    eprintln!(
                        "this workstation has addresses {}",
                        addresses
                            .iter()
                            .map(|a| a.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    return Err(e.into());
                }
            }
        }
        Command::Login { team, password } => {
            let password = match password {
                Some(p) => p,
                None => {
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .context("cannot read the password")?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let s = agent.login(&team, &password).await?;
            print_session(
                json,
                &s,
                &s.mode,
                &format!(
                    "logged in: this workstation ({}) is now team {} ({})",
                    s.ip, s.team.name, s.team.id
                ),
            )?;
        }
        Command::Pair { wait } => {
            let code = agent.request_pairing().await?;
            if json {
                say!("{}", serde_json::to_string(&code)?);
            } else {
                say!(
                    "pairing code: {}  (ask the jury to run: floorjudge-jury team pair {} TEAM)",
                    code.code,
                    code.code
                );
            }
            std::io::stdout().flush()?;
            if wait == 0 {
                return Ok(0);
            }
            let deadline = tokio::time::Instant::now() + Duration::from_secs(wait);
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                match agent.identify().await {
                    Ok(s) => {
                        print_session(
                            json,
                            &s,
                            "pairing",
                            &format!(
                                "paired: this workstation is now team {} ({})",
                                s.team.name, s.team.id
                            ),
                        )?;
                        break;
                    }
                    Err(_) if tokio::time::Instant::now() < deadline => continue,
                    Err(e) => bail!("not approved within {wait} s: {e}"),
                }
            }
        }
        Command::Submit {
            problem,
            language,
            wait,
            timeout,
            no_callback_server,
            files,
        } => {
            let sources = read_sources(&files)?;
            if !no_callback_server {
                agent.serve_callbacks().await?;
            }
            let language = language_for(&agent, language, &files[0]).await?;
            let reference = agent.prepare(&problem, &language, &sources)?;
            let status = match agent.send(&reference).await {
                Ok(status) => status,
                Err(e) if floorjudge_team::agent::is_unreachable(&e) => {
                    // The files are in the callback folder with their nonce:
                    // `serve` (or the next submit's resend) sends them.
                    if json {
                        say!(
                            "{}",
                            serde_json::json!({
                                "phase": "kept",
                                "problem": reference.problem,
                                "language": reference.language,
                                "callback_name": reference.callback_name,
                                "client_nonce": reference.client_nonce,
                                "reason": e.to_string(),
                            })
                        );
                    } else {
                        say!(
                            "kept: the jury cannot be reached ({e}); the submission is in the \
                             callback folder and will be sent when the jury is back \
                             (`floorjudge-team serve` sends it)"
                        );
                    }
                    return Ok(0);
                }
                Err(e) => return Err(e.into()),
            };
            print_status(json, &status);
            let status = if wait && status.phase != SubmissionPhase::Rejected {
                let last = agent
                    .wait_final(status.id, Duration::from_secs(timeout), |s| {
                        if s.phase != status.phase || s.queue_position != status.queue_position {
                            print_status(json, s)
                        }
                    })
                    .await?;
                if !matches!(
                    last.phase,
                    SubmissionPhase::Judged | SubmissionPhase::Rejected
                ) {
                    eprintln!("error: no verdict within {timeout} s");
                    return Ok(2);
                }
                last
            } else {
                status
            };
            if status.phase == SubmissionPhase::Rejected {
                eprintln!(
                    "error: submission {} rejected: {}",
                    status.id,
                    status.reason.unwrap_or_default()
                );
                return Ok(1);
            }
        }
        Command::Status {
            follow: true,
            timeout,
        } => {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
            let mut seen: std::collections::HashMap<i64, SubmissionStatus> = Default::default();
            loop {
                let subs = agent.submissions().await?;
                for s in &subs {
                    if seen.get(&s.id) != Some(s) {
                        print_status(json, s);
                        seen.insert(s.id, s.clone());
                    }
                }
                std::io::stdout().flush()?;
                let open = subs.iter().any(|s| {
                    !matches!(s.phase, SubmissionPhase::Judged | SubmissionPhase::Rejected)
                });
                if !open {
                    break;
                }
                if tokio::time::Instant::now() >= deadline {
                    return Ok(2);
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        Command::Events {
            since,
            seconds,
            count,
        } => {
            let until = tokio::time::Instant::now() + Duration::from_secs(seconds);
            let mut seen = 0usize;
            agent
                .follow_events(since, until, |e| {
                    say!("{}", serde_json::to_string(e).unwrap_or_default());
                    let _ = std::io::stdout().flush();
                    seen += 1;
                    count.is_none_or(|c| seen < c)
                })
                .await?;
        }
        Command::Problem { problem, out } => {
            let material = agent.problem(&problem).await?;
            if let Some(dir) = out {
                let written = agent.download_problem(&problem, &dir).await?;
                if json {
                    say!("{}", serde_json::to_string(&written)?);
                } else {
                    for p in written {
                        say!("{}", p.display());
                    }
                }
            } else if json {
                say!("{}", serde_json::to_string(&material)?);
            } else {
                say!("{} {}", material.problem.label, material.problem.name);
                for f in &material.statement {
                    say!(
                        "  statement/{} ({}, {} bytes)",
                        f.path,
                        f.media_type,
                        f.size
                    );
                }
                for s in &material.samples {
                    say!(
                        "  sample {} (input {} bytes, answer {} bytes)",
                        s.name,
                        s.input_size,
                        s.answer_size
                    );
                }
            }
        }
        Command::Clarification(ClarificationCmd::Ask { problem, text }) => {
            let c = agent.ask(problem.as_deref(), &text.join(" ")).await?;
            if json {
                say!("{}", serde_json::to_string(&c)?);
            } else {
                say!("clarification {} sent to the jury", c.id);
            }
        }
        Command::Clarification(ClarificationCmd::List) => {
            let list = agent.clarifications().await?;
            if json {
                say!("{}", serde_json::to_string(&list)?);
            } else if list.is_empty() {
                say!("no clarifications yet");
            } else {
                for c in list {
                    let who = if c.from_us {
                        "we asked"
                    } else if c.to_everyone {
                        "jury to all"
                    } else {
                        "jury to us"
                    };
                    let about = c.problem.as_deref().unwrap_or("general");
                    say!("#{} [{who}, {about}] {}", c.id, c.text);
                }
            }
        }
        Command::Status { follow: false, .. } => {
            let subs = agent.submissions().await?;
            if json {
                say!("{}", serde_json::to_string(&subs)?);
            } else if subs.is_empty() {
                say!("no submissions yet");
            } else {
                for s in &subs {
                    print_status(false, s);
                }
            }
        }
        Command::Resend => {
            agent.serve_callbacks().await?;
            let results = agent.resend_pending().await;
            let mut failed = 0;
            for (reference, r) in results {
                match r {
                    Ok(s) => print_status(json, &s),
                    Err(e) => {
                        failed += 1;
                        eprintln!("error: {}: {e}", reference.callback_name);
                    }
                }
            }
            return Ok(if failed > 0 { 1 } else { 0 });
        }
        Command::Serve => {
            let addr = agent.serve_callbacks().await?;
            if let Ok(s) = agent.session().await {
                eprintln!("team {} ({}) at {}", s.team.name, s.team.id, s.ip);
            }
            say!("callback server listening on {addr}");
            std::io::stdout().flush()?;
            let stop = tokio::signal::ctrl_c();
            tokio::pin!(stop);
            loop {
                for (reference, r) in agent.resend_pending().await {
                    match r {
                        Ok(s) => print_status(json, &s),
                        Err(e) => {
                            tracing::warn!(callback = %reference.callback_name, error = %e, "resend failed; will retry")
                        }
                    }
                }
                std::io::stdout().flush()?;
                tokio::select! {
                    _ = &mut stop => break,
                    _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                }
            }
        }
        Command::Watch {
            problem,
            language,
            auto,
            file,
        } => {
            agent.serve_callbacks().await?;
            let language = language_for(&agent, language, &file).await?;
            let mut watch = FileWatch::new(&file)
                .with_context(|| format!("cannot watch {}", file.display()))?;
            say!("watching {}", watch.path().display());
            std::io::stdout().flush()?;
            while let Some(path) = watch.next_change(Duration::from_millis(300)).await {
                if !auto {
                    say!(
                        "{} changed: submit it again with `floorjudge-team submit --problem {problem} {}`",
                        path.display(),
                        path.display()
                    );
                } else {
                    match agent
                        .submit(&problem, &language, std::slice::from_ref(&path))
                        .await
                    {
                        Ok(s) => print_status(json, &s),
                        Err(e) => eprintln!("error: {e}"),
                    }
                }
                std::io::stdout().flush()?;
            }
        }
    }
    Ok(0)
}
