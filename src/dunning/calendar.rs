//! Business days in Poland: Monday to Friday, except public holidays (the statutory list, with
//! 24 December from 2025) and extra closed days a company configures. Pure; the Easter date is
//! computed (anonymous Gregorian algorithm), which is the whole of what a holiday crate would add.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use std::collections::BTreeSet;

/// Easter Sunday of a Gregorian year (Meeus/Jones/Butcher).
pub fn easter(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or(NaiveDate::MIN)
}

/// Polish public holidays (ustawa o dniach wolnych od pracy) of a year.
pub fn public_holidays(year: i32) -> Vec<NaiveDate> {
    let mut fixed: Vec<(u32, u32)> = vec![
        (1, 1),
        (1, 6),
        (5, 1),
        (5, 3),
        (8, 15),
        (11, 1),
        (11, 11),
        (12, 25),
        (12, 26),
    ];
    if year >= 2025 {
        fixed.push((12, 24));
    }
    let mut days: Vec<NaiveDate> = fixed
        .into_iter()
        .filter_map(|(m, d)| NaiveDate::from_ymd_opt(year, m, d))
        .collect();
    let e = easter(year);
    days.extend([
        e,
        e + Duration::days(1),
        e + Duration::days(49),
        e + Duration::days(60),
    ]);
    days.sort();
    days
}

/// Which days mail may go out on.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    /// Extra closed days (a company holiday, a bridge day).
    pub closed: BTreeSet<NaiveDate>,
}

impl Calendar {
    pub fn is_business_day(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
            && !self.closed.contains(&day)
            && !public_holidays(day.year()).contains(&day)
    }

    /// The day itself if it is a business day, else the next one.
    pub fn on_or_after(&self, mut day: NaiveDate) -> NaiveDate {
        // A year has at most a few dozen closed days in a row; the bound only guards bad config.
        for _ in 0..400 {
            if self.is_business_day(day) {
                return day;
            }
            day = day.succ_opt().unwrap_or(day);
        }
        day
    }

    /// The `n`-th business day after `from` (`from` itself for 0).
    pub fn add_business_days(&self, from: NaiveDate, n: i64) -> NaiveDate {
        let mut d = from;
        let mut left = n;
        // Bounded like `on_or_after`: a bad config cannot loop forever.
        for _ in 0..(n.max(0) * 10 + 400) {
            if left <= 0 {
                break;
            }
            d = d.succ_opt().unwrap_or(d);
            if self.is_business_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Business days strictly after `from` up to and including `to`.
    pub fn business_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = d.succ_opt().unwrap_or(to);
            if self.is_business_day(d) {
                n += 1;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_dates() {
        assert_eq!(easter(2024), d(2024, 3, 31));
        assert_eq!(easter(2025), d(2025, 4, 20));
        assert_eq!(easter(2026), d(2026, 4, 5));
        assert_eq!(easter(2027), d(2027, 3, 28));
        assert_eq!(easter(2038), d(2038, 4, 25));
    }

    #[test]
    fn holidays_2026() {
        let h = public_holidays(2026);
        assert_eq!(h.len(), 14);
        for day in [
            d(2026, 4, 5),
            d(2026, 4, 6),
            d(2026, 5, 24),
            d(2026, 6, 4),
            d(2026, 12, 24),
        ] {
            assert!(h.contains(&day), "{day}");
        }
        assert!(
            !public_holidays(2024).contains(&d(2024, 12, 24)),
            "24 Dec is a holiday from 2025"
        );
    }

    #[test]
    fn next_business_day() {
        let c = Calendar::default();
        // Thursday 24 Dec 2026 → Friday 25 and Saturday 26 are holidays too → Monday 28.
        assert_eq!(c.on_or_after(d(2026, 12, 24)), d(2026, 12, 28));
        // Corpus Christi 2026 is Thursday 4 June.
        assert_eq!(c.on_or_after(d(2026, 6, 4)), d(2026, 6, 5));
        assert_eq!(c.on_or_after(d(2026, 11, 23)), d(2026, 11, 23));
        // 11 November (Wednesday in 2026) is closed; Easter Monday too.
        assert!(!c.is_business_day(d(2026, 11, 11)));
        assert_eq!(c.on_or_after(d(2026, 4, 4)), d(2026, 4, 7));
        // The May long weekend: Fri 1 May, Sat 2, Sun 3 May (a holiday on a Sunday) → Mon 4.
        assert_eq!(c.on_or_after(d(2026, 5, 1)), d(2026, 5, 4));
        // An ordinary weekend.
        assert_eq!(c.on_or_after(d(2026, 11, 21)), d(2026, 11, 23));
        let mut closed = Calendar::default();
        closed.closed.insert(d(2026, 11, 23));
        assert_eq!(closed.on_or_after(d(2026, 11, 21)), d(2026, 11, 24));
        assert_eq!(c.business_days_between(d(2026, 11, 20), d(2026, 11, 24)), 2);
    }
}
