//! The payer score: how late a client pays, from its own history, with the numbers behind it.
//!
//! For each client, each invoice due before the as-of day is one observation of its delay in days
//! (paid day − due day; an invoice still open counts as late by the days it has been, a lower
//! bound, so a client who stopped paying does not look punctual). Observations are weighted by
//! amount and by recency (a half-life of `HALF_LIFE_DAYS`), then shrunk toward the firm-wide
//! mean by `PRIOR_WEIGHT` pseudo-invoices, so one late invoice of a new client does not make it a
//! D. The class follows the shrunk expected delay: A ≤ 3 days, B ≤ 14, C ≤ 30, D above.
//!
//! The predicted payment day of an open invoice is its due day plus the expected delay; one
//! already later than that is expected a week after the as-of day (the history no longer says
//! when). The backtest in [`super::backtest`] measures this against due day + firm-wide mean.

use super::{Book, BookInvoice, percent, round1};
use chrono::{Duration, NaiveDate};
use serde::Serialize;
use std::collections::HashMap;

/// How many average invoices of the firm-wide mean a client's history is blended with.
pub const PRIOR_WEIGHT: f64 = 3.0;
/// Observations lose half their weight every this many days.
pub const HALF_LIFE_DAYS: f64 = 180.0;
/// Only this much history counts.
pub const HISTORY_DAYS: i64 = 730;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Class {
    A,
    B,
    C,
    D,
}

impl Class {
    pub fn of(expected_delay: f64) -> Class {
        match expected_delay {
            d if d <= 3.0 => Class::A,
            d if d <= 14.0 => Class::B,
            d if d <= 30.0 => Class::C,
            _ => Class::D,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Class::A => "A",
            Class::B => "B",
            Class::C => "C",
            Class::D => "D",
        }
    }
}

/// A client's score with the numbers behind it.
#[derive(Debug, Clone, Serialize)]
pub struct Score {
    pub class: Class,
    /// Expected days late of the next invoice (after shrinkage); negative is early.
    pub expected_delay: f64,
    /// The client's own amount-weighted mean days late (before shrinkage), if it has history.
    pub own_delay: Option<f64>,
    /// Invoices in the history.
    pub invoices: usize,
    /// Share (percent) of them paid by the due date.
    pub on_time_percent: Option<f64>,
    /// Mean days late of invoices due in the last 90 days minus that of the 275 days before
    /// (positive: getting later), when both periods have invoices.
    pub trend: Option<f64>,
}

impl Score {
    /// One line for people: the class and the numbers behind it.
    pub fn describe(&self, lang: crate::domain::Lang) -> String {
        use crate::domain::Lang;
        let n = |x: f64| match lang {
            Lang::Pl => format!("{x:.1}").replace('.', ","),
            Lang::En => format!("{x:.1}"),
        };
        let mut parts = vec![match lang {
            Lang::Pl => format!("oczekiwane opóźnienie {} dni", n(self.expected_delay)),
            Lang::En => format!("expected delay {} days", n(self.expected_delay)),
        }];
        match (self.on_time_percent, lang) {
            (Some(p), Lang::Pl) => {
                parts.push(format!("w terminie {}% z {} faktur", n(p), self.invoices))
            }
            (Some(p), Lang::En) => {
                parts.push(format!("on time {}% of {} invoices", n(p), self.invoices))
            }
            (None, Lang::Pl) => parts.push("brak historii: średnia firmy".into()),
            (None, Lang::En) => parts.push("no history: the firm's average".into()),
        }
        if let Some(t) = self.trend {
            let sign = if t > 0.0 { "+" } else { "" };
            parts.push(match lang {
                Lang::Pl => format!("trend {sign}{} dni", n(t)),
                Lang::En => format!("trend {sign}{} days", n(t)),
            });
        }
        format!("{} ({})", self.class.as_str(), parts.join("; "))
    }
}

/// The firm-wide amount-weighted mean delay as of `as_of`, and the scores of every client.
pub struct Scores {
    pub firm_delay: f64,
    pub by_client: HashMap<i64, Score>,
}

impl Scores {
    /// The score of a client; a client without history gets the firm-wide prior.
    pub fn of(&self, client_id: i64) -> Score {
        self.by_client.get(&client_id).cloned().unwrap_or(Score {
            class: Class::of(self.firm_delay),
            expected_delay: round1(self.firm_delay),
            own_delay: None,
            invoices: 0,
            on_time_percent: None,
            trend: None,
        })
    }

    /// When an open invoice is expected to be paid, seen on `as_of`.
    pub fn predicted_payment(&self, inv: &BookInvoice, as_of: NaiveDate) -> Option<NaiveDate> {
        let due = inv.due?;
        let delay = self
            .by_client
            .get(&inv.client_id)
            .map(|s| s.expected_delay)
            .unwrap_or(self.firm_delay);
        let day = due + Duration::days(delay.round() as i64);
        Some(if day > as_of {
            day
        } else {
            as_of + Duration::days(7)
        })
    }
}

struct Obs {
    delay: f64,
    weight: f64,
    recency: f64,
    due: NaiveDate,
}

/// One observation per invoice due before `as_of` within the history window.
fn observations<'a>(
    invoices: impl Iterator<Item = &'a BookInvoice>,
    as_of: NaiveDate,
) -> impl Iterator<Item = (i64, Obs)> {
    invoices.filter_map(move |i| {
        let due = i.due?;
        if due >= as_of || (as_of - due).num_days() > HISTORY_DAYS || i.gross <= 0 {
            return None;
        }
        let delay = match i.paid_on().filter(|p| *p <= as_of) {
            Some(p) => (p - due).num_days(),
            None => (as_of - due).num_days(),
        } as f64;
        let age = (as_of - due).num_days() as f64;
        Some((
            i.client_id,
            Obs {
                delay,
                weight: i.gross as f64,
                recency: 0.5f64.powf(age / HALF_LIFE_DAYS),
                due,
            },
        ))
    })
}

/// Scores as of `as_of`, from what was known on that day.
pub fn scores(book: &Book, as_of: NaiveDate) -> Scores {
    scores_of(book.invoices.iter(), as_of)
}

pub fn scores_of<'a>(invoices: impl Iterator<Item = &'a BookInvoice>, as_of: NaiveDate) -> Scores {
    let mut by: HashMap<i64, Vec<Obs>> = HashMap::new();
    for (c, o) in observations(invoices, as_of) {
        by.entry(c).or_default().push(o);
    }
    let (mut sw, mut swd) = (0.0, 0.0);
    for o in by.values().flatten() {
        sw += o.weight * o.recency;
        swd += o.weight * o.recency * o.delay;
    }
    let firm_delay = if sw > 0.0 { swd / sw } else { 0.0 };
    let by_client = by
        .into_iter()
        .map(|(c, obs)| {
            let n = obs.len() as f64;
            let w: f64 = obs.iter().map(|o| o.weight * o.recency).sum();
            let own = if w > 0.0 {
                obs.iter()
                    .map(|o| o.weight * o.recency * o.delay)
                    .sum::<f64>()
                    / w
            } else {
                firm_delay
            };
            let expected = (n * own + PRIOR_WEIGHT * firm_delay) / (n + PRIOR_WEIGHT);
            let on_time = obs.iter().filter(|o| o.delay <= 0.0).count() as f64;
            let mean = |f: &dyn Fn(&Obs) -> bool| {
                let (w, wd) = obs.iter().filter(|o| f(o)).fold((0.0, 0.0), |(w, wd), o| {
                    (w + o.weight, wd + o.weight * o.delay)
                });
                (w > 0.0).then(|| wd / w)
            };
            let recent = as_of - Duration::days(90);
            let earlier = as_of - Duration::days(365);
            let trend = match (
                mean(&|o| o.due >= recent),
                mean(&|o| o.due < recent && o.due >= earlier),
            ) {
                (Some(a), Some(b)) => Some(round1(a - b)),
                _ => None,
            };
            (
                c,
                Score {
                    class: Class::of(expected),
                    expected_delay: round1(expected),
                    own_delay: Some(round1(own)),
                    invoices: obs.len(),
                    on_time_percent: percent(on_time, n),
                    trend,
                },
            )
        })
        .collect();
    Scores {
        firm_delay,
        by_client,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn a_client_is_scored_by_its_own_history_shrunk_toward_the_firm() {
        // Client 1 pays 20 days late, always; client 2 on the day. Same amounts, same ages.
        let mut invoices = Vec::new();
        for (k, due) in ["2026-06-10", "2026-07-10", "2026-08-10", "2026-09-10"]
            .iter()
            .enumerate()
        {
            let late = (d(due) + Duration::days(20)).to_string();
            invoices.push(inv(
                10 + k as i64,
                1,
                1000,
                "2026-05-01",
                due,
                &[(&late, 1000)],
            ));
            invoices.push(inv(
                20 + k as i64,
                2,
                1000,
                "2026-05-01",
                due,
                &[(due, 1000)],
            ));
        }
        let s = scores_of(invoices.iter(), d("2026-11-01"));
        assert!((s.firm_delay - 10.0).abs() < 1e-9, "{}", s.firm_delay);
        let late = s.of(1);
        // (4 × 20 + 3 × 10) / 7 = 15.71…
        assert_eq!(late.expected_delay, 15.7);
        assert_eq!(late.own_delay, Some(20.0));
        assert_eq!(late.class, Class::C);
        assert_eq!(late.on_time_percent, Some(0.0));
        let punctual = s.of(2);
        // (4 × 0 + 3 × 10) / 7 = 4.28…
        assert_eq!(punctual.expected_delay, 4.3);
        assert_eq!(punctual.class, Class::B);
        assert_eq!(punctual.on_time_percent, Some(100.0));
        // A client never seen: the firm-wide mean.
        assert_eq!(s.of(99).expected_delay, 10.0);
    }

    #[test]
    fn an_unpaid_invoice_counts_as_late_as_it_is() {
        let invoices = [inv(1, 1, 500, "2026-01-01", "2026-01-15", &[])];
        let s = scores_of(invoices.iter(), d("2026-03-16"));
        assert_eq!(s.of(1).own_delay, Some(60.0));
        assert_eq!(s.of(1).class, Class::D);
    }

    #[test]
    fn predictions_never_lie_in_the_past() {
        let history = [inv(
            1,
            1,
            100,
            "2026-01-01",
            "2026-01-10",
            &[("2026-01-20", 100)],
        )];
        let s = scores_of(history.iter(), d("2026-03-01"));
        let open = inv(2, 1, 100, "2026-02-20", "2026-03-05", &[]);
        assert_eq!(
            s.predicted_payment(&open, d("2026-03-01")),
            Some(d("2026-03-15"))
        );
        let late = inv(3, 1, 100, "2026-01-01", "2026-01-15", &[]);
        assert_eq!(
            s.predicted_payment(&late, d("2026-03-01")),
            Some(d("2026-03-08"))
        );
    }
}
