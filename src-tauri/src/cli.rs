//! The app's command line: one binary, a role per subcommand.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use floorjudge_team::DEFAULT_CALLBACK_PORT;

#[derive(Debug, Parser)]
#[command(
    name = "floorjudge",
    version,
    about = "floorjudge desktop app: the team kiosk window and the jury console"
)]
pub struct Cli {
    /// Log more (repeat for more detail).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub role: Role,
}

#[derive(Debug, Subcommand)]
pub enum Role {
    /// The team kiosk window of one workstation.
    Team(TeamArgs),
    /// The jury console window, connected to a jury server.
    Jury(JuryArgs),
}

/// How a kiosk reaches its jury and shows itself.
#[derive(Debug, Clone, Args)]
pub struct TeamArgs {
    /// The jury's team API.
    #[arg(long, value_name = "URL")]
    pub jury: String,
    /// SHA-256 fingerprint of the jury's certificate (`floorjudge-jury tls
    /// show` prints it); needed for an https jury.
    #[arg(long, value_name = "SHA256")]
    pub jury_fingerprint: Option<floorjudge_tls::Fingerprint>,
    /// Connect from this address, and serve callbacks on it.
    #[arg(long, value_name = "IP")]
    pub source_ip: Option<IpAddr>,
    /// Port of this workstation's callback file server.
    #[arg(long, default_value_t = DEFAULT_CALLBACK_PORT, value_name = "PORT")]
    pub callback_port: u16,
    /// Where the session and the hidden callback folder live (default:
    /// ~/.local/state/floorjudge-team/<source ip>, shared with `floorjudge-team`).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Where problem downloads go (default: ~/floorjudge-problems).
    #[arg(long, value_name = "DIR")]
    pub downloads: Option<PathBuf>,
    /// Kiosk mode: fullscreen, undecorated, on top; the window cannot be
    /// closed except with the exit code.
    #[arg(long)]
    pub kiosk: bool,
    /// SHA-256 (hex) of the code that lets the kiosk be left (the head of
    /// jury chooses the code; the contest image carries only its hash).
    /// Without it a kiosk cannot be left from the window at all.
    #[arg(long, value_name = "SHA256")]
    pub exit_code_sha256: Option<String>,
    /// Let WebKit composite on the GPU. Off by default: the window's pages
    /// do not need it, and without it the kiosk takes about 80 MB less.
    #[arg(long)]
    pub gpu_compositing: bool,
}

/// Where the console finds its jury.
#[derive(Debug, Clone, Args)]
pub struct JuryArgs {
    /// A jury server running elsewhere (`https://HOST:PORT`, as
    /// `floorjudge-jury serve` listens).
    #[arg(long, value_name = "URL", required_unless_present = "contest")]
    pub connect: Option<String>,
    /// SHA-256 fingerprint of the jury's certificate (`floorjudge-jury tls
    /// show` prints it); needed for an https jury.
    #[arg(long, value_name = "SHA256", conflicts_with = "contest")]
    pub jury_fingerprint: Option<floorjudge_tls::Fingerprint>,
    /// The contest folder on this machine: its jury server (with the
    /// embedded judgehost) starts beside the window, or, when one already
    /// listens on --listen, the console connects to that one.
    #[arg(long, value_name = "DIR", conflicts_with = "connect")]
    pub contest: Option<PathBuf>,
    /// Where the contest's jury server listens (with --contest).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8470")]
    pub listen: std::net::SocketAddr,
    /// With --contest: do not start a server, connect to the one on --listen.
    #[arg(long, requires = "contest")]
    pub no_serve: bool,
    /// Flags passed on to `floorjudge-jury serve` (with --contest), e.g.
    /// `--serve-arg=--no-embedded-judgehost`.
    #[arg(
        long = "serve-arg",
        value_name = "FLAG",
        requires = "contest",
        allow_hyphen_values = true
    )]
    pub serve_args: Vec<String>,
}
