//! `tls show`: the jury certificate's fingerprint and how clients pin it.

use anyhow::Result;
use clap::Subcommand;
use floorjudge_server::ContestDir;

#[derive(Debug, Subcommand)]
pub enum TlsCmd {
    /// Print the certificate's SHA-256 fingerprint and how clients use it
    /// (made on first use, like `serve` does).
    Show {
        /// The address teams and judgehosts reach the jury at.
        #[arg(long, default_value = "JURY-ADDRESS:8470", value_name = "HOST:PORT")]
        public: String,
    },
}

/// Runs a `tls` subcommand.
pub fn run(dir: &ContestDir, cmd: TlsCmd, json: bool) -> Result<()> {
    match cmd {
        TlsCmd::Show { public } => {
            dir.open()?;
            let fingerprint = floorjudge_server::serve::jury_tls_identity(dir)?.fingerprint();
            if json {
                return super::print_json(
                    &serde_json::json!({ "fingerprint": fingerprint.to_string() }),
                );
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
    }
    Ok(())
}
