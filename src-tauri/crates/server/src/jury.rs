//! The jury core: one contest's desks over one shared store. The HTTP
//! adapters ([`crate::http`]), the CLI and the console window all act
//! through these; [`crate::serve::JuryServer`] puts them on a socket.

use std::sync::Arc;
use std::time::Duration;

use crate::callback_fetcher::{CallbackConfig, CallbackFetcher};
use crate::clics_desk::ClicsDesk;
use crate::console_desk::ConsoleDesk;
use crate::event_feed::EventHub;
use crate::judge_desk::JudgeDesk;
use crate::keys::JuryKeys;
use crate::shared_store::SharedStore;
use crate::staff_desk::StaffDesk;
use crate::team_desk::TeamDesk;

/// How the desks behave.
#[derive(Debug, Clone, Default)]
pub struct JurySettings {
    /// Callback timing.
    pub callback: CallbackConfig,
    /// How long a submit call waits for its callback (default 10 s).
    pub submit_wait: Option<Duration>,
    /// Submission references one team may send per minute.
    pub submits_per_minute: Option<usize>,
    /// How long a lease lasts past the judgehost's last request, ms.
    pub lease_ms: Option<i64>,
    /// The fingerprint of the jury's certificate (for the credentials of
    /// judgehosts added from the console).
    pub jury_fingerprint: Option<String>,
}

/// One contest's jury: see the module docs.
#[derive(Debug, Clone)]
pub struct Jury {
    /// The contest's store.
    pub store: SharedStore,
    /// Kiosks: identification, submissions, clarifications, events.
    pub teams: Arc<TeamDesk>,
    /// Judgehosts: leases, runs, verdicts.
    pub judges: Arc<JudgeDesk>,
    /// Pulls submitted files from the kiosks.
    pub fetcher: Arc<CallbackFetcher>,
    /// Staff logins and sessions.
    pub staff: Arc<StaffDesk>,
    /// The Contest API and its event feed.
    pub clics: Arc<ClicsDesk>,
    /// The live event log.
    pub events: Arc<EventHub>,
    /// The jury console's actions.
    pub console: Arc<ConsoleDesk>,
}

impl Jury {
    /// The desks over `store` (inside a tokio runtime: the fetcher, the
    /// event poller and the judge wake-up run as tasks).
    pub fn new(
        store: SharedStore,
        keys: Arc<JuryKeys>,
        uploads: std::path::PathBuf,
        settings: JurySettings,
    ) -> Jury {
        let fetcher = CallbackFetcher::new(store.clone(), keys.clone(), uploads, settings.callback);
        let mut teams = TeamDesk::new(store.clone(), keys.clone(), fetcher.clone());
        if let Some(wait) = settings.submit_wait {
            teams.set_submit_wait(wait);
        }
        if let Some(n) = settings.submits_per_minute {
            teams.set_submits_per_minute(n);
        }
        let judges = Arc::new(JudgeDesk::new(
            store.clone(),
            keys.clone(),
            settings
                .lease_ms
                .unwrap_or(crate::judge_desk::DEFAULT_LEASE_MS),
        ));
        // a received submission wakes the judgehosts' long polls
        let mut received = fetcher.subscribe_received();
        let wake = judges.clone();
        tokio::spawn(async move {
            while let Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) =
                received.recv().await
            {
                wake.work_arrived();
            }
        });
        let events = teams.events();
        let staff = Arc::new(StaffDesk::new(store.clone(), keys.clone()));
        let clics = Arc::new(ClicsDesk::new(store.clone(), events.clone(), staff.clone()));
        Jury {
            console: Arc::new(ConsoleDesk::new(
                store.clone(),
                keys.clone(),
                settings.jury_fingerprint.clone(),
                teams.contacts(),
            )),
            store,
            teams: Arc::new(teams),
            judges,
            fetcher,
            staff,
            clics,
            events,
        }
    }

    /// Every HTTP route of the jury (`scheme` is how judgehosts reach it).
    pub fn router(&self, scheme: &'static str) -> axum::Router {
        crate::http::team::router(self.teams.clone())
            .merge(crate::http::judgehost::router(self.judges.clone(), scheme))
            .merge(crate::http::clics::router(self.clics.clone()))
            .merge(crate::http::staff::router(self.staff.clone()))
            .merge(crate::http::console::router(
                self.staff.clone(),
                self.console.clone(),
            ))
    }
}
