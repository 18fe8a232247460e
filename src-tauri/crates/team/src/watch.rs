//! Watches a solution file so the kiosk can offer to resubmit it when it
//! changes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

/// A running watch; dropping it stops watching.
#[derive(Debug)]
pub struct FileWatch {
    _watcher: notify::RecommendedWatcher,
    changes: mpsc::UnboundedReceiver<PathBuf>,
    path: PathBuf,
}

impl FileWatch {
    /// Watches `file` (through its folder, so editors that replace the
    /// file are seen too).
    pub fn new(file: &Path) -> notify::Result<FileWatch> {
        let path = std::path::absolute(file).map_err(notify::Error::io)?;
        let folder = path.parent().unwrap_or(Path::new("/")).to_owned();
        let (tx, changes) = mpsc::unbounded_channel();
        let target = path.clone();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                if let Ok(event) = event
                    && (event.kind.is_modify() || event.kind.is_create())
                    && event.paths.iter().any(|p| p == &target)
                {
                    let _ = tx.send(target.clone());
                }
            })?;
        watcher.watch(&folder, RecursiveMode::NonRecursive)?;
        Ok(FileWatch {
            _watcher: watcher,
            changes,
            path,
        })
    }

    /// The watched file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Waits for the next change, then for `settle` of quiet (editors write
    /// in bursts); `None` if watching stopped.
    pub async fn next_change(&mut self, settle: Duration) -> Option<PathBuf> {
        let first = self.changes.recv().await?;
        loop {
            match tokio::time::timeout(settle, self.changes.recv()).await {
                Ok(Some(_)) => continue,
                Ok(None) => return None,
                Err(_) => return Some(first),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_change_to_the_file_is_reported_once_per_burst() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("a.c");
        std::fs::write(&file, "v1").unwrap();
        let mut watch = FileWatch::new(&file).unwrap();
        std::fs::write(tmp.path().join("other.c"), "x").unwrap();
        for v in ["v2", "v3", "v4"] {
            std::fs::write(&file, v).unwrap();
        }
        let changed = tokio::time::timeout(
            Duration::from_secs(5),
            watch.next_change(Duration::from_millis(200)),
        )
        .await
        .expect("a change within 5 s");
        assert_eq!(changed.as_deref(), Some(watch.path()));
        // the burst was folded into one report; the other file never counts
        let more = tokio::time::timeout(
            Duration::from_millis(400),
            watch.next_change(Duration::from_millis(50)),
        )
        .await;
        assert!(more.is_err(), "unexpected second report: {more:?}");
    }
}
