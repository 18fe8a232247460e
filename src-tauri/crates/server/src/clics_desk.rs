//! The Contest API desk: who is asking (through the [`StaffDesk`]) and the
//! event feed (NDJSON from the store's event log, resumable with
//! `since_token`). Read-only: nothing here changes the contest.
//!
//! The feed renders the log in aligned batches of [`BATCH`] rows. A
//! complete batch is rendered once (readers that want it meanwhile wait for
//! that rendering) and kept for every reader of the same audience and
//! phase, so a hundred readers replaying a contest render it once.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use floorjudge_store::{Store, StoreError, now_ms};
use tokio::sync::{broadcast, mpsc};

use crate::clics::{Audience, ClicsError, ContestView};
use crate::event_feed::EventHub;
use crate::shared_store::SharedStore;
use crate::staff_desk::{StaffDesk, StaffRefusal};

/// Log rows per feed batch.
pub const BATCH: i64 = 500;
/// Bytes of complete batches kept (the oldest dropped first): a five-hour
/// regional's whole feed, for each audience.
const KEPT_BYTES: usize = 256 * 1024 * 1024;
/// The spec asks for a newline at least every 120 s on an idle feed.
pub const KEEP_ALIVE: Duration = Duration::from_secs(60);

/// What a request presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// Nothing: the public.
    None,
    /// HTTP Basic user name and password.
    Basic(String, String),
    /// A console session token.
    Bearer(String),
}

/// Why a Contest API request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ClicsRefusal {
    /// The staff login or token is not good.
    #[error(transparent)]
    Staff(#[from] StaffRefusal),
    /// Not found, forbidden, or a store failure.
    #[error(transparent)]
    Clics(#[from] ClicsError),
}

impl From<StoreError> for ClicsRefusal {
    fn from(e: StoreError) -> Self {
        ClicsRefusal::Clics(ClicsError::Store(e))
    }
}

/// Rendered lines of one batch of log rows.
#[derive(Debug)]
struct Batch {
    /// (row id, its lines, newline-terminated).
    lines: Vec<(i64, Bytes)>,
}

/// See the module docs.
#[derive(Debug)]
pub struct ClicsDesk {
    store: SharedStore,
    hub: Arc<EventHub>,
    staff: Arc<StaffDesk>,
    batches: Mutex<KeptBatches>,
    /// The newest log id seen (rows at or below it never change).
    logged: std::sync::atomic::AtomicI64,
}

/// A batch's key: (audience and phase, batch number): 0 for staff, for
/// the public 1 + started + 2 × thawed.
type BatchKey = (u8, i64);

/// The public's phase (see [`BatchKey`]).
fn public_phase(s: &Store) -> Result<u8, StoreError> {
    let c = s.contest()?.settings;
    let started = c.start_time_ms.is_some_and(|t| t <= now_ms());
    Ok(1 + u8::from(started) + 2 * u8::from(c.thawed_ms.is_some()))
}

/// The complete batches kept, oldest dropped first. Each is rendered
/// once: readers that want one being rendered wait for it.
#[derive(Debug, Default)]
struct KeptBatches {
    by_key: HashMap<BatchKey, Arc<tokio::sync::OnceCell<Arc<Batch>>>>,
    order: VecDeque<(BatchKey, usize)>,
    bytes: usize,
}

impl KeptBatches {
    /// The cell of batch `key` (new and empty the first time).
    fn cell(&mut self, key: BatchKey) -> Arc<tokio::sync::OnceCell<Arc<Batch>>> {
        self.by_key.entry(key).or_default().clone()
    }

    /// Counts a rendered batch and drops the oldest over the budget.
    fn rendered(&mut self, key: BatchKey, size: usize) {
        self.order.push_back((key, size));
        self.bytes += size;
        while self.bytes > KEPT_BYTES {
            let Some((old, n)) = self.order.pop_front() else {
                break;
            };
            self.by_key.remove(&old);
            self.bytes -= n;
        }
    }
}

impl ClicsDesk {
    /// A desk over `store`, woken by `hub`, its staff checked by `staff`.
    pub fn new(store: SharedStore, hub: Arc<EventHub>, staff: Arc<StaffDesk>) -> Self {
        ClicsDesk {
            store,
            hub,
            staff,
            batches: Mutex::new(KeptBatches::default()),
            logged: std::sync::atomic::AtomicI64::new(0),
        }
    }

    /// The audience of a request: public without credentials; with a
    /// console session or HTTP Basic, the staff account's (see
    /// [`StaffDesk`]).
    pub async fn audience(
        &self,
        peer: IpAddr,
        credentials: Credentials,
    ) -> Result<Audience, ClicsRefusal> {
        let member = match credentials {
            Credentials::None => return Ok(Audience::Public),
            Credentials::Basic(user, password) => self.staff.basic(peer, user, password).await?,
            Credentials::Bearer(token) => self.staff.session(peer, &token).await?,
        };
        Ok(Audience::of_role(member.role))
    }

    /// Runs `f` on a view of the contest for `audience` now.
    pub async fn read<T, F>(&self, audience: Audience, f: F) -> Result<T, ClicsError>
    where
        T: Send + 'static,
        F: FnOnce(&mut ContestView<'_>) -> Result<T, ClicsError> + Send + 'static,
    {
        self.store
            .run(move |s| {
                let mut view = ContestView::new(s, audience, now_ms())?;
                Ok(f(&mut view))
            })
            .await?
    }

    /// A received submission's files as a zip (staff only).
    pub async fn submission_zip(&self, audience: Audience, id: i64) -> Result<Vec<u8>, ClicsError> {
        if audience == Audience::Public {
            return Err(ClicsError::Forbidden(
                "submission files are shown to staff only".into(),
            ));
        }
        self.store.run(move |s| Ok(zip_of(s, id))).await?
    }

    /// The event feed for `audience`: the lines after `since` (a token
    /// from an earlier line; `None`: from the start, with the judgement
    /// types first), then, with `stream`, every new one as it is logged and
    /// a newline every [`KEEP_ALIVE`] when there is none. The receiver ends
    /// when the reader should stop; dropping it stops the feed.
    pub async fn feed(
        self: &Arc<Self>,
        audience: Audience,
        since: Option<i64>,
        stream: bool,
    ) -> Result<mpsc::Receiver<Bytes>, ClicsError> {
        let mut live = self.hub.subscribe();
        let (tx, rx) = mpsc::channel(64);
        let desk = self.clone();
        if since.is_none() {
            let mut opening = Vec::new();
            for line in crate::clics::opening_lines() {
                opening.extend_from_slice(line.to_string().as_bytes());
                opening.push(b'\n');
            }
            // the channel is new and has room
            let _ = tx.try_send(Bytes::from(opening));
        }
        tokio::spawn(async move {
            let mut last = since.unwrap_or(0);
            loop {
                let (lines, read_to) = match desk.lines_after(audience, last).await {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::error!(error = %e, "the event feed could not be read");
                        return;
                    }
                };
                let progressed = read_to > last;
                last = read_to;
                for line in lines {
                    if tx.send(line).await.is_err() {
                        return;
                    }
                }
                if progressed {
                    continue;
                }
                if !stream {
                    return;
                }
                tokio::select! {
                    r = live.recv() => match r {
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                    _ = tokio::time::sleep(KEEP_ALIVE) => {
                        if tx.send(Bytes::from_static(b"\n")).await.is_err() {
                            return;
                        }
                    }
                    _ = tx.closed() => return,
                }
            }
        });
        Ok(rx)
    }

    /// The lines of the rows after `after` in its batch, and the id read
    /// up to (equal to `after` when nothing new was logged).
    async fn lines_after(
        &self,
        audience: Audience,
        after: i64,
    ) -> Result<(Vec<Bytes>, i64), StoreError> {
        // what the public sees changes at the start and at the thaw: its
        // batches are kept per phase
        let class = if audience == Audience::Public {
            self.store.run(|s| public_phase(s)).await?
        } else {
            0
        };
        let k = after.div_euclid(BATCH);
        let (first, end) = (k * BATCH, (k + 1) * BATCH);
        use std::sync::atomic::Ordering;
        if self.logged.load(Ordering::Relaxed) < end {
            let newest = self.store.run(|s| s.last_event_id()).await?;
            self.logged.fetch_max(newest, Ordering::Relaxed);
        }
        // rows up to the newest committed one: those below it are all
        // committed (SQLite has one writer), so none is missed
        let upto = self.logged.load(Ordering::Relaxed).clamp(first, end);
        let batch = if upto == end {
            let cell = self.batches.lock().expect("batches").cell((class, k));
            let mut fresh = None;
            let batch = cell
                .get_or_try_init(|| async {
                    let b = self
                        .store
                        .run(move |s| render_batch(s, audience, first, end))
                        .await?;
                    let b = Arc::new(b);
                    fresh = Some(b.lines.iter().map(|(_, l)| l.len() + 16).sum::<usize>());
                    Ok::<_, StoreError>(b)
                })
                .await?
                .clone();
            if let Some(size) = fresh {
                self.batches
                    .lock()
                    .expect("batches")
                    .rendered((class, k), size);
            }
            batch
        } else {
            Arc::new(
                self.store
                    .run(move |s| render_batch(s, audience, first, upto))
                    .await?,
            )
        };
        let read_to = upto;
        let lines: Vec<Bytes> = batch
            .lines
            .iter()
            .filter(|(id, _)| *id > after)
            .map(|(_, l)| l.clone())
            .collect();
        Ok((lines, read_to.max(after)))
    }
}

/// The lines of log rows `first+1 ..= end` for `audience`.
fn render_batch(s: &Store, audience: Audience, first: i64, end: i64) -> Result<Batch, StoreError> {
    let rows = s.object_events_since(first, (end - first) as usize)?;
    let mut view = ContestView::new(s, audience, now_ms())?;
    let thaw_row = match (audience, s.contest()?.settings.thawed_ms) {
        (Audience::Public, Some(t)) => s.first_state_event_since(t)?,
        _ => None,
    };
    let start_row = match (audience, view.started_at()) {
        (Audience::Public, Some(t)) => s.first_state_event_since(t)?,
        _ => None,
    };
    let mut lines = Vec::with_capacity(rows.len());
    for e in rows.iter().filter(|e| e.id <= end) {
        let mut text = Vec::new();
        if Some(e.id) == start_row {
            for l in view.start_lines().map_err(store_of)? {
                text.extend_from_slice(l.to_string().as_bytes());
                text.push(b'\n');
            }
        }
        if Some(e.id) == thaw_row {
            for l in view.thaw_lines().map_err(store_of)? {
                text.extend_from_slice(l.to_string().as_bytes());
                text.push(b'\n');
            }
        }
        if let Some(l) = view.feed_line(e).map_err(store_of)? {
            text.extend_from_slice(l.to_string().as_bytes());
            text.push(b'\n');
        }
        if !text.is_empty() {
            lines.push((e.id, Bytes::from(text)));
        }
    }
    Ok(Batch { lines })
}

fn store_of(e: ClicsError) -> StoreError {
    match e {
        ClicsError::Store(e) => e,
        other => StoreError::Corrupt(other.to_string()),
    }
}

/// The zip of submission `id`'s verified files.
fn zip_of(s: &Store, id: i64) -> Result<Vec<u8>, ClicsError> {
    use std::io::Write;
    let sub = s
        .submission(id)?
        .filter(|x| x.state == floorjudge_store::SubmissionState::Received)
        .ok_or_else(|| ClicsError::NotFound(format!("no received submission {id}")))?;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for f in &sub.files {
        let data = s.blob(&f.sha256)?.ok_or_else(|| {
            StoreError::Corrupt(format!("the file {} of submission {id}", f.name))
        })?;
        out.start_file(f.name.as_str(), options)
            .and_then(|_| out.write_all(&data).map_err(Into::into))
            .map_err(|e| StoreError::Corrupt(format!("zipping submission {id}: {e}")))?;
    }
    let cursor = out
        .finish()
        .map_err(|e| StoreError::Corrupt(format!("zipping submission {id}: {e}")))?;
    Ok(cursor.into_inner())
}
