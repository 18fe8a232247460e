//! Live events for kiosks, from the store's event log: one poller reads new
//! log rows and fans them out; each follower gets, in log order and exactly
//! once, the events for its team and for everyone, each with the current
//! state of what changed. A follower that reconnects with the last id it
//! saw resumes after it, across jury restarts too (the log is in SQLite).

use std::sync::Arc;
use std::time::Duration;

use floorjudge_store::{Event, Store, StoreError};
use serde::Serialize;
use tokio::sync::{broadcast, mpsc};

use crate::shared_store::SharedStore;

/// How often the poller looks for new log rows (changes made by other
/// processes, such as a CLI, arrive this way too).
const POLL: Duration = Duration::from_millis(150);
/// Log rows read at once.
const BATCH: usize = 1000;
/// At most one `scoreboard` ping this often per follower.
pub const BOARD_PING: Duration = Duration::from_secs(2);

/// The fan-out of the event log.
#[derive(Debug)]
pub struct EventHub {
    store: SharedStore,
    live: broadcast::Sender<Event>,
    /// The newest log row that may change the scoreboard.
    board: std::sync::atomic::AtomicI64,
}

/// One event for a team, ready to send.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamEvent {
    /// Its id in the log (what a follower resumes after); `None` for a
    /// `scoreboard` ping, which is no place in the log.
    pub id: Option<i64>,
    /// `submission`, `clarification`, `contest`, or `scoreboard` (the
    /// frozen scoreboard may have changed: fetch it again).
    pub kind: String,
    /// The current state of what changed (a `SubmissionStatus`, a
    /// `ClarificationInfo` or the `ContestInfo`).
    pub data: serde_json::Value,
}

impl EventHub {
    /// Starts the poller over `store`.
    pub fn start(store: SharedStore) -> Arc<EventHub> {
        let (live, _) = broadcast::channel(4096);
        let hub = Arc::new(EventHub {
            store,
            live,
            board: std::sync::atomic::AtomicI64::new(0),
        });
        let poller = hub.clone();
        tokio::spawn(async move {
            let mut last = poller.store.run(|s| s.last_event_id()).await.unwrap_or(0);
            loop {
                tokio::time::sleep(POLL).await;
                // the clock moves the contest's state without a write: log it
                let frozen = match poller.store.run(log_clock_boundaries).await {
                    Ok(frozen) => frozen,
                    Err(e) => {
                        tracing::error!(error = %e, "logging the contest clock failed");
                        false
                    }
                };
                match poller
                    .store
                    .run(move |s| s.events_since(last, None, BATCH))
                    .await
                {
                    Ok(batch) => {
                        for e in batch {
                            last = e.id;
                            if changes_board(&e, frozen) {
                                poller
                                    .board
                                    .fetch_max(e.id, std::sync::atomic::Ordering::Relaxed);
                            }
                            // no follower: nothing to do
                            let _ = poller.live.send(e);
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "reading the event log failed"),
                }
                if Arc::strong_count(&poller) == 1 {
                    return;
                }
            }
        });
        hub
    }

    /// Every new log row from now on, as the poller reads it (a receiver
    /// that falls behind gets `Lagged` and should re-read the store).
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.live.subscribe()
    }

    /// The id of the newest event (0 with none).
    pub async fn last_id(&self) -> Result<i64, StoreError> {
        self.store.run(|s| s.last_event_id()).await
    }

    /// Follows `team`'s events after `after` (`None`: from now on). `render`
    /// turns a log row into what is sent (`None`: skip it). The receiver
    /// ends when the hub stops; dropping it ends the follower.
    pub async fn follow<R>(
        self: &Arc<Self>,
        team: String,
        after: Option<i64>,
        render: R,
    ) -> Result<mpsc::Receiver<TeamEvent>, StoreError>
    where
        R: Fn(&Store, &Event) -> Result<Option<serde_json::Value>, StoreError>
            + Send
            + Sync
            + 'static,
    {
        // subscribe before reading the backlog: nothing falls between them
        let mut live = self.live.subscribe();
        let mut last = match after {
            Some(a) => a,
            None => self.last_id().await?,
        };
        let (tx, rx) = mpsc::channel(256);
        let hub = self.clone();
        let render = Arc::new(render);
        let mut board_seen = self.board.load(std::sync::atomic::Ordering::Relaxed);
        let mut pings = tokio::time::interval(BOARD_PING);
        pings.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::spawn(async move {
            loop {
                // the backlog, from the store
                loop {
                    let (t, r) = (team.clone(), render.clone());
                    let from = last;
                    let batch = hub
                        .store
                        .run(move |s| {
                            let rows = s.events_since(from, Some(&t), BATCH)?;
                            rows.into_iter()
                                .map(|e| Ok((e.id, e.kind.clone(), r(s, &e)?)))
                                .collect::<Result<Vec<_>, StoreError>>()
                        })
                        .await;
                    let batch = match batch {
                        Ok(b) => b,
                        Err(e) => {
                            tracing::error!(error = %e, "event backlog failed");
                            return;
                        }
                    };
                    if batch.is_empty() {
                        break;
                    }
                    for (id, kind, data) in batch {
                        last = id;
                        if let Some(data) = data
                            && tx
                                .send(TeamEvent {
                                    id: Some(id),
                                    kind,
                                    data,
                                })
                                .await
                                .is_err()
                        {
                            return;
                        }
                    }
                }
                // then live, until the follower falls behind; now and then
                // a ping when the scoreboard may have changed
                loop {
                    let received = tokio::select! {
                        r = live.recv() => r,
                        _ = pings.tick() => {
                            let board = hub.board.load(std::sync::atomic::Ordering::Relaxed);
                            if board > board_seen {
                                board_seen = board;
                                let ping = TeamEvent {
                                    id: None,
                                    kind: "scoreboard".into(),
                                    data: serde_json::json!({}),
                                };
                                if tx.send(ping).await.is_err() {
                                    return;
                                }
                            }
                            continue;
                        }
                    };
                    let e = match received {
                        Ok(e) => e,
                        Err(broadcast::error::RecvError::Lagged(_)) => break,
                        Err(broadcast::error::RecvError::Closed) => return,
                    };
                    if e.id <= last {
                        continue;
                    }
                    last = e.id;
                    // another team's, or nothing a kiosk shows: no store round trip
                    if e.kind == "setup" || e.team_id.as_ref().is_some_and(|t| *t != team) {
                        continue;
                    }
                    let r = render.clone();
                    let (id, kind) = (e.id, e.kind.clone());
                    let data = match hub.store.run(move |s| r(s, &e)).await {
                        Ok(d) => d,
                        Err(err) => {
                            tracing::error!(error = %err, event = id, "rendering an event failed");
                            None
                        }
                    };
                    if let Some(data) = data
                        && tx
                            .send(TeamEvent {
                                id: Some(id),
                                kind,
                                data,
                            })
                            .await
                            .is_err()
                    {
                        return;
                    }
                }
            }
        });
        Ok(rx)
    }
}

/// Logs the start, the freeze and the end of the contest once each has
/// passed (the log's state events are otherwise only written by changes).
/// Returns whether the public scoreboard is frozen now.
fn log_clock_boundaries(store: &mut Store) -> Result<bool, StoreError> {
    let clock = crate::clock::Clock::of(&store.contest()?.settings);
    let now = floorjudge_store::now_ms();
    let passed = [clock.start_ms, clock.freeze_ms(), clock.end_ms()]
        .into_iter()
        .flatten()
        .filter(|t| *t <= now)
        .max();
    if let Some(boundary) = passed {
        store.log_clock_boundary(boundary, now)?;
    }
    Ok(clock.frozen(now))
}

/// Whether a log row may change the frozen scoreboard: a submission, a
/// judgement (not during the freeze: a ping then would tell that a verdict
/// came), the contest's clock, a team or a problem.
fn changes_board(e: &Event, frozen: bool) -> bool {
    match e.object.as_deref() {
        Some("judgements") => !frozen,
        Some("submissions" | "contest" | "state" | "teams" | "problems") => true,
        _ => false,
    }
}
