//! Billing periods: which periods of a subscription exist, and on which day each is invoiced.
//!
//! A period starts on the anchor day of a month (clamped to the month's length: a 31st anchor is
//! the 28th or 29th in February, the 30th in April) and ends the day before the next period
//! starts. The first period is the first one starting on or after the subscription's start; a
//! period starting after the end date is not billed, one starting on or before it is billed whole.
//! Billed in advance, a period is invoiced on its first day; in arrears, on the day after its last.

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How often a subscription is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cycle {
    Monthly,
    Quarterly,
    Yearly,
    /// Every N months (1..=36).
    Months(u32),
}

impl Cycle {
    pub fn months(self) -> u32 {
        match self {
            Cycle::Monthly => 1,
            Cycle::Quarterly => 3,
            Cycle::Yearly => 12,
            Cycle::Months(n) => n,
        }
    }

    /// Reads a cycle as people write it: `monthly`, `miesięcznie`, `co miesiąc`, `quarterly`,
    /// `kwartalnie`, `yearly`, `rocznie`, `co 2 miesiące`, `every 6 months`, `2m`, `months:6`.
    pub fn parse(raw: &str) -> Option<Cycle> {
        let t = crate::domain::text::fold_diacritics(raw.trim()).to_lowercase();
        let t = t.trim();
        match t {
            "monthly" | "month" | "miesiecznie" | "miesieczny" | "miesieczna" | "co miesiac"
            | "1m" | "m" => return Some(Cycle::Monthly),
            "quarterly" | "quarter" | "kwartalnie" | "kwartalny" | "kwartalna" | "co kwartal"
            | "3m" | "q" => return Some(Cycle::Quarterly),
            "yearly" | "annually" | "annual" | "year" | "rocznie" | "roczny" | "roczna"
            | "co rok" | "12m" | "y" => return Some(Cycle::Yearly),
            _ => {}
        }
        let digits: String = t.chars().filter(char::is_ascii_digit).collect();
        let words_ok = t.starts_with("co ")
            || t.starts_with("every ")
            || t.starts_with("months:")
            || t.ends_with('m');
        let n: u32 = digits.parse().ok()?;
        if !words_ok || !(1..=36).contains(&n) {
            return None;
        }
        Some(match n {
            1 => Cycle::Monthly,
            3 => Cycle::Quarterly,
            12 => Cycle::Yearly,
            n => Cycle::Months(n),
        })
    }

    /// The stored form: `monthly`, `quarterly`, `yearly`, `months:N`.
    pub fn code(self) -> String {
        match self {
            Cycle::Monthly => "monthly".into(),
            Cycle::Quarterly => "quarterly".into(),
            Cycle::Yearly => "yearly".into(),
            Cycle::Months(n) => format!("months:{n}"),
        }
    }

    /// In words, for people.
    pub fn said(self, lang: crate::domain::Lang) -> String {
        match (self, lang) {
            (Cycle::Monthly, crate::domain::Lang::Pl) => "co miesiąc".into(),
            (Cycle::Quarterly, crate::domain::Lang::Pl) => "co kwartał".into(),
            (Cycle::Yearly, crate::domain::Lang::Pl) => "co rok".into(),
            (Cycle::Months(n), crate::domain::Lang::Pl) => {
                let unit = if (2..=4).contains(&(n % 10)) && !(12..=14).contains(&(n % 100)) {
                    "miesiące"
                } else {
                    "miesięcy"
                };
                format!("co {n} {unit}")
            }
            (Cycle::Monthly, _) => "monthly".into(),
            (Cycle::Quarterly, _) => "quarterly".into(),
            (Cycle::Yearly, _) => "yearly".into(),
            (Cycle::Months(n), _) => format!("every {n} months"),
        }
    }
}

impl fmt::Display for Cycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

/// Whether a period is invoiced when it starts or after it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Timing {
    Advance,
    Arrears,
}

impl Timing {
    pub fn parse(raw: &str) -> Option<Timing> {
        let t = crate::domain::text::fold_diacritics(raw.trim()).to_lowercase();
        match t.as_str() {
            "advance" | "in advance" | "z gory" | "gory" | "przedplata" | "prepaid" | "" => {
                Some(Timing::Advance)
            }
            "arrears" | "in arrears" | "z dolu" | "dolu" | "postpaid" => Some(Timing::Arrears),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Timing::Advance => "advance",
            Timing::Arrears => "arrears",
        }
    }
}

/// A billing period, both days included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    /// Whether the period is one whole calendar month.
    pub fn is_calendar_month(&self) -> bool {
        self.start.day() == 1
            && self.end.month() == self.start.month()
            && self.end.year() == self.start.year()
            && (self.end + Duration::days(1)).day() == 1
    }

    /// `01.11.2026–30.11.2026`, or `listopad 2026` for a whole calendar month.
    pub fn said(&self, lang: crate::domain::Lang) -> String {
        if self.is_calendar_month() {
            return month_name(self.start, lang);
        }
        match lang {
            crate::domain::Lang::Pl => format!(
                "{}–{}",
                self.start.format("%d.%m.%Y"),
                self.end.format("%d.%m.%Y")
            ),
            crate::domain::Lang::En => format!("{} – {}", self.start, self.end),
        }
    }
}

fn month_name(d: NaiveDate, lang: crate::domain::Lang) -> String {
    use crate::domain::months::{EN, PL_NOMINATIVE as PL};
    let i = d.month0() as usize;
    match lang {
        crate::domain::Lang::Pl => format!("{} {}", PL[i], d.year()),
        crate::domain::Lang::En => format!("{} {}", EN[i], d.year()),
    }
}

/// The anchor day of the month `months` after January of year 0 … as a date: `(year, month)`
/// plus the anchor clamped to the month's length.
fn anchored(year: i32, month0: i32, anchor: u32) -> Option<NaiveDate> {
    let y = year + month0.div_euclid(12);
    let m = month0.rem_euclid(12) as u32 + 1;
    let last = last_day(y, m)?;
    NaiveDate::from_ymd_opt(y, m, anchor.clamp(1, 31).min(last))
}

fn last_day(y: i32, m: u32) -> Option<u32> {
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)?
    };
    Some(next.pred_opt()?.day())
}

/// The schedule of one subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub cycle: Cycle,
    /// Day of month periods start on (1..=31, clamped to short months).
    pub anchor_day: u32,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub timing: Timing,
}

/// A period with the day it is invoiced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub period: Period,
    pub issue_on: NaiveDate,
}

impl Schedule {
    /// The periods in order, from the first; stops after `limit` periods or the end date.
    pub fn periods(&self) -> impl Iterator<Item = Period> + '_ {
        let step = self.cycle.months() as i32;
        let base_year = self.start.year();
        let base_month0 = self.start.month0() as i32;
        // The first anchor on or after the start: this month's, or the next cycle's.
        let first = match anchored(base_year, base_month0, self.anchor_day) {
            Some(d) if d >= self.start => 0,
            _ => 1,
        };
        let mut k = first;
        std::iter::from_fn(move || {
            let start = anchored(base_year, base_month0 + k * step, self.anchor_day)?;
            let next = anchored(base_year, base_month0 + (k + 1) * step, self.anchor_day)?;
            if self.end.is_some_and(|e| start > e) {
                return None;
            }
            k += 1;
            Some(Period {
                start,
                end: next.pred_opt()?,
            })
        })
    }

    /// The day a period is invoiced.
    pub fn issue_on(&self, p: Period) -> NaiveDate {
        match self.timing {
            Timing::Advance => p.start,
            Timing::Arrears => p.end + Duration::days(1),
        }
    }

    /// Every period invoiced on or before `today`, oldest first.
    pub fn due_until(&self, today: NaiveDate) -> Vec<Due> {
        self.periods()
            .map(|p| Due {
                period: p,
                issue_on: self.issue_on(p),
            })
            .take_while(|d| d.issue_on <= today)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn sched(cycle: Cycle, anchor: u32, start: &str, timing: Timing) -> Schedule {
        Schedule {
            cycle,
            anchor_day: anchor,
            start: d(start),
            end: None,
            timing,
        }
    }

    #[test]
    fn a_31st_anchor_follows_short_months_and_leap_years() {
        let s = sched(Cycle::Monthly, 31, "2027-12-31", Timing::Advance);
        let starts: Vec<String> = s.periods().take(5).map(|p| p.start.to_string()).collect();
        assert_eq!(
            starts,
            [
                "2027-12-31",
                "2028-01-31",
                "2028-02-29",
                "2028-03-31",
                "2028-04-30"
            ]
        );
        let p: Vec<Period> = s.periods().take(3).collect();
        assert_eq!(p[1].end, d("2028-02-28"));
        assert_eq!(p[2].end, d("2028-03-30"));
        let feb_2027: Vec<String> = sched(Cycle::Monthly, 31, "2027-01-31", Timing::Advance)
            .periods()
            .take(2)
            .map(|p| p.start.to_string())
            .collect();
        assert_eq!(feb_2027, ["2027-01-31", "2027-02-28"]);
    }

    #[test]
    fn the_first_period_starts_on_the_first_anchor_on_or_after_the_start() {
        let s = sched(Cycle::Monthly, 1, "2026-03-15", Timing::Advance);
        let first = s.periods().next().unwrap();
        assert_eq!((first.start, first.end), (d("2026-04-01"), d("2026-04-30")));
        let s = sched(Cycle::Monthly, 20, "2026-03-15", Timing::Advance);
        assert_eq!(s.periods().next().unwrap().start, d("2026-03-20"));
    }

    #[test]
    fn quarterly_and_yearly_periods() {
        let q = sched(Cycle::Quarterly, 1, "2026-01-01", Timing::Advance);
        let p: Vec<Period> = q.periods().take(4).collect();
        assert_eq!(p[0].end, d("2026-03-31"));
        assert_eq!(p[1].start, d("2026-04-01"));
        assert_eq!(p[3].end, d("2026-12-31"));
        let y = sched(Cycle::Yearly, 29, "2028-02-29", Timing::Advance);
        let p: Vec<Period> = y.periods().take(2).collect();
        assert_eq!(p[0].end, d("2029-02-27"));
        assert_eq!(p[1].start, d("2029-02-28"));
        let m6 = sched(Cycle::Months(6), 1, "2026-01-01", Timing::Advance);
        assert_eq!(m6.periods().nth(1).unwrap().start, d("2026-07-01"));
    }

    #[test]
    fn advance_is_invoiced_on_the_first_day_and_arrears_the_day_after_the_last() {
        let adv = sched(Cycle::Monthly, 1, "2026-01-01", Timing::Advance);
        let arr = sched(Cycle::Monthly, 1, "2026-01-01", Timing::Arrears);
        assert_eq!(adv.due_until(d("2026-03-01")).len(), 3);
        let due = arr.due_until(d("2026-03-01"));
        assert_eq!(due.len(), 2);
        assert_eq!(due[0].issue_on, d("2026-02-01"));
        assert_eq!(due[1].period.start, d("2026-02-01"));
        assert_eq!(due[1].period.end, d("2026-02-28"));
        assert!(arr.due_until(d("2026-01-31")).is_empty());
    }

    #[test]
    fn the_end_date_stops_billing() {
        let mut s = sched(Cycle::Monthly, 1, "2026-01-01", Timing::Advance);
        s.end = Some(d("2026-03-15"));
        assert_eq!(s.due_until(d("2027-01-01")).len(), 3);
        s.end = Some(d("2025-12-31"));
        assert!(s.due_until(d("2027-01-01")).is_empty());
    }

    #[test]
    fn cycles_are_read_as_people_write_them() {
        for (raw, want) in [
            ("miesięcznie", Cycle::Monthly),
            ("Monthly", Cycle::Monthly),
            ("kwartalnie", Cycle::Quarterly),
            ("rocznie", Cycle::Yearly),
            ("co 2 miesiące", Cycle::Months(2)),
            ("every 6 months", Cycle::Months(6)),
            ("months:6", Cycle::Months(6)),
            ("co 12 miesięcy", Cycle::Yearly),
        ] {
            assert_eq!(Cycle::parse(raw), Some(want), "{raw}");
        }
        for bad in [
            "weekly",
            "co 0 miesięcy",
            "every 40 months",
            "sometimes",
            "5",
        ] {
            assert_eq!(Cycle::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn periods_are_said_as_months_or_ranges() {
        let p = Period {
            start: d("2026-11-01"),
            end: d("2026-11-30"),
        };
        assert_eq!(p.said(crate::domain::Lang::Pl), "listopad 2026");
        assert_eq!(p.said(crate::domain::Lang::En), "November 2026");
        let q = Period {
            start: d("2026-10-15"),
            end: d("2026-11-14"),
        };
        assert_eq!(q.said(crate::domain::Lang::Pl), "15.10.2026–14.11.2026");
    }
}
