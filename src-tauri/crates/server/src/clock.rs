//! The contest clock: when the contest starts, ends and freezes, what that
//! means at a given moment, and the jury's changes to it (start, end,
//! lengths, freeze, unfreeze), each audited with its own action.
//!
//! The clock is the jury's: kiosks count down with `server_time_ms`, never
//! with their own clocks.

use floorjudge_store::{ContestSettings, Store, StoreError};

use crate::reltime::format_reltime;

/// The clock of one contest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// Start, ms since the epoch (`None`: not scheduled).
    pub start_ms: Option<i64>,
    /// Length, s.
    pub duration_s: i64,
    /// Freeze before the end, s (0: none).
    pub freeze_s: i64,
    /// When the jury lifted the freeze.
    pub thawed_ms: Option<i64>,
}

/// Where the contest stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// No start time set.
    NotScheduled,
    /// Scheduled, not begun.
    Before {
        /// Start, ms since the epoch.
        starts_ms: i64,
    },
    /// Submissions are accepted.
    Running {
        /// End, ms since the epoch.
        ends_ms: i64,
    },
    /// Over.
    Over {
        /// End, ms since the epoch.
        ended_ms: i64,
    },
}

/// Shows a moment for people: UTC, to the second.
pub fn show_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| ms.to_string())
}

impl Clock {
    /// The clock of `settings`.
    pub fn of(settings: &ContestSettings) -> Clock {
        Clock {
            start_ms: settings.start_time_ms,
            duration_s: settings.duration_s,
            freeze_s: settings.freeze_s,
            thawed_ms: settings.thawed_ms,
        }
    }

    /// End, ms since the epoch.
    pub fn end_ms(&self) -> Option<i64> {
        Some(self.start_ms? + self.duration_s * 1000)
    }

    /// When the scoreboard freezes (`None`: no freeze).
    pub fn freeze_ms(&self) -> Option<i64> {
        (self.freeze_s > 0).then(|| self.end_ms().map(|e| e - self.freeze_s * 1000))?
    }

    /// The freeze the public scoreboard applies: none once lifted.
    pub fn scoreboard_freeze_ms(&self) -> Option<i64> {
        self.freeze_ms().filter(|_| self.thawed_ms.is_none())
    }

    /// Whether the public scoreboard is frozen at `now`.
    pub fn frozen(&self, now: i64) -> bool {
        self.scoreboard_freeze_ms().is_some_and(|f| now >= f)
    }

    /// The phase at `now`.
    pub fn phase(&self, now: i64) -> Phase {
        match (self.start_ms, self.end_ms()) {
            (Some(start), _) if now < start => Phase::Before { starts_ms: start },
            (Some(_), Some(end)) if now < end => Phase::Running { ends_ms: end },
            (Some(_), Some(end)) => Phase::Over { ended_ms: end },
            _ => Phase::NotScheduled,
        }
    }

    /// Whether submissions are accepted at `now`; if not, why, saying when
    /// the contest starts or that it has ended.
    pub fn accepting(&self, now: i64) -> Result<(), String> {
        match self.phase(now) {
            Phase::Running { .. } => Ok(()),
            Phase::NotScheduled => Err("it has not been scheduled yet".into()),
            Phase::Before { starts_ms } => Err(format!(
                "it starts at {} (in {})",
                show_time(starts_ms),
                format_reltime((starts_ms - now + 999) / 1000)
            )),
            Phase::Over { ended_ms } => Err(format!("it ended at {}", show_time(ended_ms))),
        }
    }
}

/// A change to the clock that makes no sense now.
#[derive(Debug, thiserror::Error)]
pub enum ClockError {
    /// Refused, with the reason.
    #[error("{0}")]
    Refused(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn refused<T>(why: impl Into<String>) -> Result<T, ClockError> {
    Err(ClockError::Refused(why.into()))
}

/// Starts the contest at `at` (default `now`). A start in the past is
/// allowed only while no submission exists (else their times would move);
/// a running or finished contest is not started again.
pub fn start(
    store: &mut Store,
    at: Option<i64>,
    now: i64,
    actor: &str,
) -> Result<ContestSettings, ClockError> {
    let mut s = store.contest()?.settings;
    let at = at.unwrap_or(now);
    match Clock::of(&s).phase(now) {
        Phase::Running { .. } => return refused("the contest is already running"),
        Phase::Over { .. } => return refused("the contest is over; it cannot be started again"),
        Phase::NotScheduled | Phase::Before { .. } => {}
    }
    if at < now - 1000 {
        let n = store.submission_count()?;
        if n > 0 {
            return refused(format!(
                "a start in the past would move the time of the {n} submissions the contest holds"
            ));
        }
    }
    s.start_time_ms = Some(at);
    s.thawed_ms = None;
    store.change_contest(&s, actor, "contest.start", Some(&show_time(at)))?;
    Ok(s)
}

/// Ends the running contest now.
pub fn end(store: &mut Store, now: i64, actor: &str) -> Result<ContestSettings, ClockError> {
    let mut s = store.contest()?.settings;
    let Phase::Running { .. } = Clock::of(&s).phase(now) else {
        return refused("the contest is not running");
    };
    let start = s.start_time_ms.expect("a running contest has a start");
    s.duration_s = ((now - start) / 1000).max(1);
    // a freeze longer than what is left of the contest covers all of it
    s.freeze_s = s.freeze_s.min(s.duration_s);
    store.change_contest(&s, actor, "contest.end", Some(&show_time(now)))?;
    Ok(s)
}

/// Sets the contest's length, freeze and penalty (those given).
pub fn set(
    store: &mut Store,
    duration_s: Option<i64>,
    freeze_s: Option<i64>,
    penalty_minutes: Option<i64>,
    now: i64,
    actor: &str,
) -> Result<ContestSettings, ClockError> {
    let mut s = store.contest()?.settings;
    if let Some(d) = duration_s {
        if !(60..=30 * 24 * 3600).contains(&d) {
            return refused(format!(
                "a duration of {}: between 0:01:00 and 720:00:00",
                format_reltime(d)
            ));
        }
        if let Some(start) = s.start_time_ms
            && start + d * 1000 < now
            && now >= start
        {
            return refused(format!(
                "a duration of {} would have ended the contest already: use `contest end`",
                format_reltime(d)
            ));
        }
        s.duration_s = d;
    }
    if let Some(f) = freeze_s {
        s.freeze_s = f;
    }
    if !(0..=s.duration_s).contains(&s.freeze_s) {
        return refused(format!(
            "a freeze of {} in a contest of {}: between 0:00:00 and the contest's length",
            format_reltime(s.freeze_s),
            format_reltime(s.duration_s)
        ));
    }
    if let Some(p) = penalty_minutes {
        if !(0..=1000).contains(&p) {
            return refused(format!("a penalty of {p} minutes: between 0 and 1000"));
        }
        s.penalty_minutes = p;
    }
    let detail = format!(
        "duration {}, freeze {}, penalty {} min",
        format_reltime(s.duration_s),
        format_reltime(s.freeze_s),
        s.penalty_minutes
    );
    store.change_contest(&s, actor, "contest.set", Some(&detail))?;
    Ok(s)
}

/// Freezes the public scoreboard now, from the next whole second of the
/// contest (the contest must be running).
pub fn freeze(store: &mut Store, now: i64, actor: &str) -> Result<ContestSettings, ClockError> {
    let mut s = store.contest()?.settings;
    let clock = Clock::of(&s);
    let Phase::Running { ends_ms } = clock.phase(now) else {
        return refused("the contest is not running");
    };
    if clock.frozen(now) {
        return refused("the scoreboard is already frozen");
    }
    // freezes are whole seconds before the end: this one is in force from
    // the next whole second, so nothing submitted before the command is hidden
    s.freeze_s = ((ends_ms - now) / 1000).max(1);
    s.thawed_ms = None;
    store.change_contest(&s, actor, "contest.freeze", Some(&show_time(now)))?;
    Ok(s)
}

/// Lifts the freeze: the public scoreboard shows everything again.
pub fn unfreeze(store: &mut Store, now: i64, actor: &str) -> Result<ContestSettings, ClockError> {
    let mut s = store.contest()?.settings;
    let clock = Clock::of(&s);
    if clock.freeze_ms().is_none() {
        return refused("the contest has no freeze");
    }
    if clock.thawed_ms.is_some() {
        return refused("the freeze is already lifted");
    }
    s.thawed_ms = Some(now);
    store.change_contest(&s, actor, "contest.unfreeze", Some(&show_time(now)))?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    fn clock() -> Clock {
        Clock {
            start_ms: Some(10 * H),
            duration_s: 5 * 3600,
            freeze_s: 3600,
            thawed_ms: None,
        }
    }

    #[test]
    fn phases_and_the_freeze() {
        let c = clock();
        assert_eq!(c.phase(9 * H), Phase::Before { starts_ms: 10 * H });
        assert_eq!(c.phase(10 * H), Phase::Running { ends_ms: 15 * H });
        assert_eq!(c.phase(15 * H), Phase::Over { ended_ms: 15 * H });
        assert_eq!(c.freeze_ms(), Some(14 * H));
        assert!(!c.frozen(14 * H - 1));
        assert!(c.frozen(14 * H));
        let thawed = Clock {
            thawed_ms: Some(16 * H),
            ..c
        };
        assert!(!thawed.frozen(14 * H + 1));
        assert_eq!(thawed.scoreboard_freeze_ms(), None);
        let none = Clock { freeze_s: 0, ..c };
        assert_eq!(none.freeze_ms(), None);
        let unscheduled = Clock {
            start_ms: None,
            ..c
        };
        assert_eq!(unscheduled.phase(0), Phase::NotScheduled);
    }

    #[test]
    fn refusals_say_when() {
        let c = clock();
        let before = c.accepting(10 * H - 90_000).unwrap_err();
        assert!(
            before.contains("starts at 1970-01-01 10:00:00 UTC (in 0:01:30)"),
            "{before}"
        );
        let after = c.accepting(16 * H).unwrap_err();
        assert_eq!(after, "it ended at 1970-01-01 15:00:00 UTC");
        assert!(c.accepting(12 * H).is_ok());
    }
}
