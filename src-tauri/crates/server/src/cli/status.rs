//! `status` and `audit`: a summary of the contest and its audit log.

use anyhow::Result;
use floorjudge_server::ContestDir;
use floorjudge_server::status::Status;

/// `floorjudge-jury audit`: the newest `limit` entries.
pub fn audit(dir: &ContestDir, limit: usize, json: bool) -> Result<()> {
    let store = dir.open()?;
    let log = store.audit_log(limit)?;
    if json {
        return super::print_json(&log);
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
    Ok(())
}

/// `floorjudge-jury status`.
pub fn status(dir: &ContestDir, json: bool) -> Result<()> {
    let store = dir.open()?;
    let status = Status::gather(&store)?;
    if json {
        return super::print_json(&status);
    }
    say!("{status}");
    Ok(())
}
