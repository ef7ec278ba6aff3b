//! Time, behind one narrow trait, passed in to everything that asks "when is now?": the store's
//! timestamps, the outbox's retries, the dunning's "today" and send window, the daemon's wake-ups.
//!
//! * [`SystemClock`]: the wall clock.
//! * [`FixedClock`]: frozen until a test moves it ([`FixedClock::set`], [`FixedClock::advance`]).
//! * [`PinnedClock`]: starts at a given instant and runs on at the wall clock's pace. `SKARBNIK_NOW`
//!   (RFC 3339) builds one, in [`from_env`] and nowhere else, so a demo or a test of the binary can
//!   live on a chosen Monday while retries and grace periods still pass in real seconds.

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::{Arc, Mutex};

/// The environment variable that pins the clock of the `skarbnik` binary.
pub const ENV_VAR: &str = "SKARBNIK_NOW";

/// Where "now" comes from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;

    /// The calendar date in a time zone (company time: Europe/Warsaw unless configured).
    fn today(&self, tz: chrono_tz::Tz) -> NaiveDate {
        self.now().with_timezone(&tz).date_naive()
    }

    /// Now as the store writes it: RFC 3339 UTC with seconds.
    fn now_text(&self) -> String {
        stamp(self.now())
    }
}

/// The form every stored timestamp has: RFC 3339 UTC with seconds (sorts as text).
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Reads a stored timestamp back; `None` for text that is not one.
pub fn parse_stamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// A shared clock, as the application passes it around.
pub type SharedClock = Arc<dyn Clock>;

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until told otherwise: tests drive time step by step.
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> FixedClock {
        FixedClock(Mutex::new(at))
    }

    /// From RFC 3339 text; `None` when it is not a time.
    pub fn at(rfc3339: &str) -> Option<FixedClock> {
        parse_stamp(rfc3339).map(FixedClock::new)
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.lock() = at;
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.lock();
        *t += by;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DateTime<Utc>> {
        // A panic while holding this lock cannot leave the time half-written: recover it.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.lock()
    }
}

/// Starts at `start` when created and runs on with the wall clock.
#[derive(Debug, Clone, Copy)]
pub struct PinnedClock {
    start: DateTime<Utc>,
    created: std::time::Instant,
}

impl PinnedClock {
    pub fn new(start: DateTime<Utc>) -> PinnedClock {
        PinnedClock {
            start,
            created: std::time::Instant::now(),
        }
    }
}

impl Clock for PinnedClock {
    fn now(&self) -> DateTime<Utc> {
        let ran = chrono::Duration::from_std(self.created.elapsed()).unwrap_or_default();
        self.start + ran
    }
}

/// The binary's clock: pinned by `SKARBNIK_NOW` when set, else the wall clock. A value that is
/// not an RFC 3339 time is an error, not a silent fallback to the real date.
pub fn from_env() -> Result<SharedClock> {
    match std::env::var(ENV_VAR) {
        Ok(v) if !v.trim().is_empty() => {
            let start = parse_stamp(v.trim())
                .with_context(|| format!("{ENV_VAR}={v:?} is not an RFC 3339 time"))?;
            Ok(Arc::new(PinnedClock::new(start)))
        }
        _ => Ok(Arc::new(SystemClock)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_moves_only_when_told() {
        let c = FixedClock::at("2026-11-23T22:30:00Z").unwrap();
        assert_eq!(c.now_text(), "2026-11-23T22:30:00Z");
        // 23:30 in Warsaw is still the 23rd; an hour later it is the 24th.
        assert_eq!(
            c.today(chrono_tz::Europe::Warsaw),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
        c.advance(chrono::Duration::hours(1));
        assert_eq!(
            c.today(chrono_tz::Europe::Warsaw),
            NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
        );
    }

    #[test]
    fn a_pinned_clock_runs_on_from_its_start() {
        let start = parse_stamp("2026-11-23T09:00:00Z").unwrap();
        let c = PinnedClock::new(start);
        let now = c.now();
        assert!(now >= start && now - start < chrono::Duration::seconds(5));
    }
}
