//! Dates as clients write them when they promise to pay: "do 15.12", "15 grudnia", "w piątek",
//! "w przyszłą środę", "jutro", "do końca miesiąca", "za tydzień", "next Friday", "by 12/15",
//! "within 7 days". Read from lower-case text without diacritics; relative to `today`.
//!
//! Only a date from today to [`HORIZON_DAYS`] ahead counts: a past date is not a promise
//! ("zapłaciliśmy 15.11"), and one far ahead is more likely something else.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use regex::Regex;
use std::sync::LazyLock;

pub const HORIZON_DAYS: i64 = 120;

/// A day relative to today ("jutro", "do końca miesiąca").
type Relative = fn(NaiveDate) -> NaiveDate;

const WEEKDAYS: &[(&str, Weekday)] = &[
    ("poniedzialek", Weekday::Mon),
    ("poniedzialku", Weekday::Mon),
    ("wtorek", Weekday::Tue),
    ("wtorku", Weekday::Tue),
    ("sroda", Weekday::Wed),
    ("srode", Weekday::Wed),
    ("srody", Weekday::Wed),
    ("czwartek", Weekday::Thu),
    ("czwartku", Weekday::Thu),
    ("piatek", Weekday::Fri),
    ("piatku", Weekday::Fri),
    ("sobota", Weekday::Sat),
    ("sobote", Weekday::Sat),
    ("soboty", Weekday::Sat),
    ("niedziela", Weekday::Sun),
    ("niedziele", Weekday::Sun),
    ("niedzieli", Weekday::Sun),
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("sunday", Weekday::Sun),
];

fn re(s: &str) -> Regex {
    // The patterns are constants of this file; a test compiles every one of them.
    Regex::new(s).unwrap_or_else(|e| panic!("bad pattern {s}: {e}"))
}

static ISO: LazyLock<Regex> = LazyLock::new(|| re(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"));
static DMY: LazyLock<Regex> = LazyLock::new(|| re(r"(\d{1,2})([./-])(\d{1,2})([./-])(\d{2,4})"));
static DM: LazyLock<Regex> = LazyLock::new(|| re(r"(\d{1,2})([./])(\d{1,2})"));
static DAY_MONTH: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(\d{1,2})(?:st|nd|rd|th|\.)?\s+(?:of\s+)?([a-z]+)\b(?:\s+(\d{4}))?"));
static MONTH_DAY: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b([a-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4}))?"));
static IN_DAYS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:za|w\s+ciagu|w\s+przeciagu|in|within)\s+(\d{1,3}|jeden|dwa|trzy|piec|siedem|czternascie|one|two|three|five|seven|ten|fourteen)\s+(dni|dzien|days?|tygodni[ea]?|tydzien|weeks?)\b",
    )
});
static DAY_OF_MONTH: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?:do|dnia|na)\s+(\d{1,2})\s*-?\s*(?:go|tego|ego)\b"));

/// A word for a small number.
fn small_number(w: &str) -> Option<i64> {
    Some(match w {
        "jeden" | "one" => 1,
        "dwa" | "two" => 2,
        "trzy" | "three" => 3,
        "piec" | "five" => 5,
        "siedem" | "seven" => 7,
        "ten" => 10,
        "czternascie" | "fourteen" => 14,
        n => return n.parse().ok(),
    })
}

/// The nearest date with this day and month on or after `today - 31 days` (a promise of "15.12"
/// made on 2 January means next December only if it is not a date just past).
fn day_month(today: NaiveDate, d: u32, m: u32) -> Option<NaiveDate> {
    let this = NaiveDate::from_ymd_opt(today.year(), m, d)?;
    if this >= today - Duration::days(31) {
        Some(this)
    } else {
        NaiveDate::from_ymd_opt(today.year() + 1, m, d)
    }
}

fn year(y: &str) -> Option<i32> {
    let n: i32 = y.parse().ok()?;
    Some(if y.len() == 2 { 2000 + n } else { n })
}

/// The next `wd` after today (today itself when it is that day); `next` moves it to the following
/// week when the nearest one is still in this week.
fn weekday(today: NaiveDate, wd: Weekday, next: bool) -> NaiveDate {
    let ahead =
        (wd.num_days_from_monday() as i64 - today.weekday().num_days_from_monday() as i64 + 7) % 7;
    let date = today + Duration::days(ahead);
    if next && date.iso_week() == today.iso_week() {
        date + Duration::days(7)
    } else {
        date
    }
}

fn last_of_month(today: NaiveDate) -> NaiveDate {
    let (y, m) = if today.month() == 12 {
        (today.year() + 1, 1)
    } else {
        (today.year(), today.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .map(|d| d - Duration::days(1))
        .unwrap_or(today)
}

/// Whether the match at `start..end` stands alone: not a piece of an invoice number such as
/// `FV/12/11/2026`, of an amount, or of a longer run of digits.
fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let mut rest = text[end..].chars();
    let (after, after2) = (rest.next(), rest.next());
    let glued = |c: char| c.is_alphanumeric() || c == '/' || c == '-';
    let glued_before = before.is_some_and(glued);
    let glued_after = after.is_some_and(|c| {
        glued(c) || ((c == '.' || c == ',') && after2.is_some_and(|d| d.is_ascii_digit()))
    });
    !glued_before && !glued_after
}

/// Words of the text with their byte positions.
fn words(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, &text[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

/// Every date the text names, in order of appearance, with its byte position.
pub fn dates(text: &str, today: NaiveDate) -> Vec<(usize, NaiveDate)> {
    let mut out: Vec<(usize, NaiveDate)> = Vec::new();
    let mut taken: Vec<(usize, usize)> = Vec::new();
    let free =
        |taken: &[(usize, usize)], s: usize, e: usize| !taken.iter().any(|(a, b)| s < *b && *a < e);
    for c in ISO.captures_iter(text) {
        let m = c.get(0).map(|m| (m.start(), m.end())).unwrap_or_default();
        if let (Some(y), Some(mo), Some(d)) = (
            c.get(1).and_then(|v| year(v.as_str())),
            c.get(2).and_then(|v| v.as_str().parse().ok()),
            c.get(3).and_then(|v| v.as_str().parse().ok()),
        ) && stands_alone(text, m.0, m.1)
            && let Some(date) = NaiveDate::from_ymd_opt(y, mo, d)
        {
            out.push((m.0, date));
            taken.push(m);
        }
    }
    for c in DMY.captures_iter(text) {
        let m = c.get(0).map(|m| (m.start(), m.end())).unwrap_or_default();
        // The same separator twice: 15.12.2026, 15/12/2026, 15-12-2026.
        if c.get(2).map(|s| s.as_str()) != c.get(4).map(|s| s.as_str())
            || !free(&taken, m.0, m.1)
            || !stands_alone(text, m.0, m.1)
        {
            continue;
        }
        let a: u32 = c.get(1).and_then(|v| v.as_str().parse().ok()).unwrap_or(0);
        let b: u32 = c.get(3).and_then(|v| v.as_str().parse().ok()).unwrap_or(0);
        let Some(y) = c.get(5).and_then(|v| year(v.as_str())) else {
            continue;
        };
        // Day first, as in Poland; "12/15/2026" can only be month first.
        let date = NaiveDate::from_ymd_opt(y, b, a).or_else(|| NaiveDate::from_ymd_opt(y, a, b));
        if let Some(date) = date {
            out.push((m.0, date));
            taken.push(m);
        }
    }
    for c in DM.captures_iter(text) {
        let m = c.get(0).map(|m| (m.start(), m.end())).unwrap_or_default();
        if !free(&taken, m.0, m.1) || !stands_alone(text, m.0, m.1) {
            continue;
        }
        let a: u32 = c.get(1).and_then(|v| v.as_str().parse().ok()).unwrap_or(0);
        let b: u32 = c.get(3).and_then(|v| v.as_str().parse().ok()).unwrap_or(0);
        let date = if (1..=12).contains(&b) {
            day_month(today, a, b)
        } else {
            day_month(today, b, a)
        };
        if let Some(date) = date {
            out.push((m.0, date));
            taken.push(m);
        }
    }
    let month = crate::domain::months::by_name;
    for c in DAY_MONTH.captures_iter(text) {
        let m = c.get(0).map(|m| (m.start(), m.end())).unwrap_or_default();
        let (Some(d), Some(mo)) = (
            c.get(1).and_then(|v| v.as_str().parse::<u32>().ok()),
            c.get(2).and_then(|v| month(v.as_str())),
        ) else {
            continue;
        };
        if !free(&taken, m.0, m.1) {
            continue;
        }
        let date = match c.get(3).and_then(|v| year(v.as_str())) {
            Some(y) => NaiveDate::from_ymd_opt(y, mo, d),
            None => day_month(today, d, mo),
        };
        if let Some(date) = date {
            out.push((m.0, date));
            taken.push(m);
        }
    }
    for c in MONTH_DAY.captures_iter(text) {
        let m = c.get(0).map(|m| (m.start(), m.end())).unwrap_or_default();
        let (Some(mo), Some(d)) = (
            c.get(1).and_then(|v| month(v.as_str())),
            c.get(2).and_then(|v| v.as_str().parse::<u32>().ok()),
        ) else {
            continue;
        };
        if !free(&taken, m.0, m.1) {
            continue;
        }
        let date = match c.get(3).and_then(|v| year(v.as_str())) {
            Some(y) => NaiveDate::from_ymd_opt(y, mo, d),
            None => day_month(today, d, mo),
        };
        if let Some(date) = date {
            out.push((m.0, date));
            taken.push(m);
        }
    }
    for c in DAY_OF_MONTH.captures_iter(text) {
        let m = c.get(0).map(|m| (m.start(), m.end())).unwrap_or_default();
        let Some(d) = c.get(1).and_then(|v| v.as_str().parse::<u32>().ok()) else {
            continue;
        };
        if !free(&taken, m.0, m.1) {
            continue;
        }
        let this = NaiveDate::from_ymd_opt(today.year(), today.month(), d);
        let date = match this {
            Some(t) if t >= today => Some(t),
            _ => {
                let next = last_of_month(today) + Duration::days(1);
                NaiveDate::from_ymd_opt(next.year(), next.month(), d)
            }
        };
        if let Some(date) = date {
            out.push((m.0, date));
            taken.push(m);
        }
    }
    for c in IN_DAYS.captures_iter(text) {
        let m = c.get(0).map(|m| (m.start(), m.end())).unwrap_or_default();
        let (Some(n), Some(unit)) = (
            c.get(1).and_then(|v| small_number(v.as_str())),
            c.get(2).map(|v| v.as_str()),
        ) else {
            continue;
        };
        let days = if unit.starts_with("ty") || unit.starts_with("week") {
            n * 7
        } else {
            n
        };
        out.push((m.0, today + Duration::days(days)));
        taken.push(m);
    }
    let ws = words(text);
    for (k, (pos, word)) in ws.iter().enumerate() {
        let Some((_, wd)) = WEEKDAYS.iter().find(|(n, _)| n == word) else {
            continue;
        };
        if !free(&taken, *pos, pos + word.len()) {
            continue;
        }
        // "next Friday", "w przyszły piątek", "w przyszłym tygodniu w piątek".
        let next = ws[k.saturating_sub(3)..k]
            .iter()
            .any(|(_, w)| *w == "next" || w.starts_with("przyszl"));
        out.push((*pos, weekday(today, *wd, next)));
        taken.push((*pos, pos + word.len()));
    }
    let phrases: &[(&str, Relative)] = &[
        ("pojutrze", |t| t + Duration::days(2)),
        ("day after tomorrow", |t| t + Duration::days(2)),
        ("jutro", |t| t + Duration::days(1)),
        ("tomorrow", |t| t + Duration::days(1)),
        ("dzisiaj", |t| t),
        ("dzis", |t| t),
        ("today", |t| t),
        ("do konca tygodnia", |t| weekday(t, Weekday::Fri, false)),
        ("end of the week", |t| weekday(t, Weekday::Fri, false)),
        ("end of this week", |t| weekday(t, Weekday::Fri, false)),
        ("w przyszlym tygodniu", |t| weekday(t, Weekday::Fri, true)),
        ("next week", |t| weekday(t, Weekday::Fri, true)),
        ("do konca miesiaca", last_of_month),
        ("end of the month", last_of_month),
        ("end of this month", last_of_month),
        ("za tydzien", |t| t + Duration::days(7)),
        ("in a week", |t| t + Duration::days(7)),
        ("za dwa tygodnie", |t| t + Duration::days(14)),
        ("in two weeks", |t| t + Duration::days(14)),
    ];
    for (w, f) in phrases {
        let mut from = 0;
        while let Some(k) = text[from..].find(w) {
            let s = from + k;
            let e = s + w.len();
            from = e;
            let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
            if boundary(text[..s].chars().next_back())
                && boundary(text[e..].chars().next())
                && free(&taken, s, e)
            {
                out.push((s, f(today)));
                taken.push((s, e));
            }
        }
    }
    out.sort_by_key(|(p, _)| *p);
    out
}

/// Whether a date may be a promised payment day.
pub fn plausible(date: NaiveDate, today: NaiveDate) -> bool {
    date >= today && date <= today + Duration::days(HORIZON_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// Monday 23 November 2026.
    const TODAY: &str = "2026-11-23";

    fn first(text: &str) -> Option<NaiveDate> {
        dates(text, d(TODAY)).first().map(|(_, d)| *d)
    }

    #[test]
    fn dates_as_people_write_them() {
        for (text, want) in [
            ("zaplacimy do 15.12", "2026-12-15"),
            ("zaplacimy do 15.12.2026", "2026-12-15"),
            ("przelew 4/12/26", "2026-12-04"),
            ("payment on 2026-12-04", "2026-12-04"),
            ("we will pay by 12/15/2026", "2026-12-15"),
            ("zaplacimy 15 grudnia", "2026-12-15"),
            ("we will pay on 15th december", "2026-12-15"),
            ("we will pay on december 15", "2026-12-15"),
            ("platnosc w piatek", "2026-11-27"),
            ("przelew wyjdzie w srode", "2026-11-25"),
            ("w przyszla srode", "2026-12-02"),
            ("next friday", "2026-12-04"),
            ("on monday", "2026-11-23"),
            ("jutro", "2026-11-24"),
            ("pojutrze", "2026-11-25"),
            ("tomorrow", "2026-11-24"),
            ("do konca tygodnia", "2026-11-27"),
            ("w przyszlym tygodniu", "2026-12-04"),
            ("do konca miesiaca", "2026-11-30"),
            ("za tydzien", "2026-11-30"),
            ("w ciagu 7 dni", "2026-11-30"),
            ("within 14 days", "2026-12-07"),
            ("do 10-go", "2026-12-10"),
            ("do 30-tego", "2026-11-30"),
            ("12 stycznia", "2027-01-12"),
        ] {
            assert_eq!(first(text), Some(d(want)), "{text}");
        }
    }

    #[test]
    fn invoice_numbers_and_amounts_are_not_dates() {
        for text in [
            "faktura fv/12/11/2026",
            "fv 12/11/2026-a",
            "kwota 1 230,50 zl",
            "nr 2026-00011",
            "konto 12 1140 2004",
        ] {
            assert_eq!(first(text), None, "{text}");
        }
    }

    #[test]
    fn plausibility() {
        let t = d(TODAY);
        assert!(plausible(d("2026-12-15"), t));
        assert!(!plausible(d("2026-11-15"), t));
        assert!(!plausible(d("2027-06-01"), t));
    }
}
