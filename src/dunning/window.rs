//! The send window: local business days between `send_from` and `send_until`.

use super::calendar::Calendar;
use super::config::DunningConfig;
use anyhow::Result;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

pub fn local_today(tz: Tz, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

/// `day` at local `time`, as an instant. A time skipped by a DST change is taken an hour later.
fn at(tz: Tz, day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = day.and_time(time);
    tz.from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(local + Duration::hours(1)))
                .earliest()
        })
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&local))
}

/// Is `now` inside the window on a business day?
pub fn is_open(
    cfg: &DunningConfig,
    tz: Tz,
    calendar: &Calendar,
    now: DateTime<Utc>,
) -> Result<bool> {
    let (from, until) = cfg.window()?;
    let local = now.with_timezone(&tz);
    let t = local.time();
    Ok(calendar.is_business_day(local.date_naive()) && t >= from && t < until)
}

/// When mail decided for `day` may leave: now if the window is open, else the next opening on or
/// after `day`. `None` means "now".
pub fn not_before(
    cfg: &DunningConfig,
    tz: Tz,
    calendar: &Calendar,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    let (from, until) = cfg.window()?;
    let mut d = calendar.on_or_after(day);
    loop {
        let open = at(tz, d, from);
        let close = at(tz, d, until);
        if now < open {
            return Ok(Some(open));
        }
        if now < close {
            return Ok(None);
        }
        d = calendar.on_or_after(d + Duration::days(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn the_window_is_local_time_on_business_days() {
        let cfg = DunningConfig::default();
        let tz = chrono_tz::Europe::Warsaw;
        let cal = Calendar::default();
        // Monday 23 Nov 2026, CET = UTC+1: 08:30 UTC is 09:30 local.
        assert!(is_open(&cfg, tz, &cal, utc("2026-11-23T08:30:00Z")).unwrap());
        assert!(!is_open(&cfg, tz, &cal, utc("2026-11-23T07:59:00Z")).unwrap());
        assert!(!is_open(&cfg, tz, &cal, utc("2026-11-23T15:00:00Z")).unwrap());
        // Summer time (UTC+2): 07:30 UTC is 09:30 local.
        assert!(is_open(&cfg, tz, &cal, utc("2026-06-10T07:30:00Z")).unwrap());
        // Saturday and 11 November: closed all day.
        assert!(!is_open(&cfg, tz, &cal, utc("2026-11-21T10:00:00Z")).unwrap());
        assert!(!is_open(&cfg, tz, &cal, utc("2026-11-11T10:00:00Z")).unwrap());
        // Queued on Friday evening for Friday: Monday 09:00 local.
        let d = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        assert_eq!(
            not_before(&cfg, tz, &cal, d, utc("2026-11-20T17:00:00Z")).unwrap(),
            Some(utc("2026-11-23T08:00:00Z"))
        );
        assert_eq!(
            not_before(&cfg, tz, &cal, d, utc("2026-11-20T10:00:00Z")).unwrap(),
            None
        );
    }
}
