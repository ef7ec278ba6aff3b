//! How well the payer score predicts payment days, measured on a generated two-year history of
//! clients with distinct habits (punctual, a few days late, a month late, erratic, getting
//! later). Each invoice of the second year is predicted on its issue day from what was known
//! then, and compared with the day it was paid; the naive baseline is the due day plus the
//! firm-wide mean delay known on that day. Deterministic (a fixed-seed generator).

use super::score::scores_of;
use super::{BookInvoice, round1};
use crate::domain::Currency;
use chrono::{Duration, NaiveDate};

/// A small deterministic generator (SplitMix64): the history is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Roughly normal (sum of uniforms), mean 0, deviation 1.
    fn normal(&mut self) -> f64 {
        (0..12).map(|_| self.unit()).sum::<f64>() - 6.0
    }
}

#[derive(Debug, Clone, Copy)]
enum Habit {
    Punctual,
    SlightlyLate,
    MonthLate,
    Erratic,
    Drifting,
}

/// The generated history: invoices with their real payment days.
pub fn history(seed: u64, clients: usize, start: NaiveDate) -> Vec<BookInvoice> {
    let mut rng = Rng(seed);
    let habits = [
        Habit::Punctual,
        Habit::SlightlyLate,
        Habit::MonthLate,
        Habit::Erratic,
        Habit::Drifting,
    ];
    let mut out = Vec::new();
    let mut id = 0;
    for c in 0..clients {
        let habit = habits[c % habits.len()];
        // Each client has its own level within its habit and its own invoicing rhythm.
        let level = rng.normal() * 2.0;
        let per_month = 1 + (rng.next() % 3) as i64;
        let term = [7, 14, 14, 30][(rng.next() % 4) as usize];
        for day in (0..730).step_by((30 / per_month) as usize) {
            id += 1;
            let issued = start + Duration::days(day + (rng.next() % 5) as i64);
            let due = issued + Duration::days(term);
            let months = day as f64 / 30.0;
            let delay = match habit {
                Habit::Punctual => (level - 1.0 + rng.normal() * 1.5).min(2.0),
                Habit::SlightlyLate => 6.0 + level + rng.normal() * 3.0,
                Habit::MonthLate => 30.0 + level * 2.0 + rng.normal() * 6.0,
                Habit::Erratic => {
                    if rng.unit() < 0.3 {
                        40.0 + rng.normal() * 10.0
                    } else {
                        rng.normal() * 2.0
                    }
                }
                Habit::Drifting => 1.0 + months * 1.5 + rng.normal() * 3.0,
            }
            .round() as i64;
            // Nobody pays before the invoice exists.
            let paid = (due + Duration::days(delay)).max(issued);
            let gross = 10_000 + (rng.next() % 500_000) as i64;
            out.push(BookInvoice {
                id,
                number: format!("FV/{id}"),
                client_id: c as i64,
                issue_date: Some(issued),
                due: Some(due),
                currency: Currency::PLN,
                gross,
                paid: vec![(paid, gross)],
                steps: Vec::new(),
                last_mail: None,
                escalated: false,
                hold: None,
                credit: 0,
            });
        }
    }
    out
}

/// Mean absolute error in days of the score's prediction and of the naive baseline.
#[derive(Debug, Clone, Copy)]
pub struct Backtest {
    pub predicted: usize,
    pub mae_score: f64,
    pub mae_naive: f64,
}

/// Predicts each invoice issued in the second year on its issue day.
pub fn run(seed: u64, clients: usize) -> Backtest {
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
    let all = history(seed, clients, start);
    let second_year = start + Duration::days(365);
    let mut targets: Vec<&BookInvoice> = all
        .iter()
        .filter(|i| i.issue_date.is_some_and(|d| d >= second_year))
        .collect();
    targets.sort_by_key(|i| i.issue_date);
    let (mut e_score, mut e_naive, mut n) = (0.0, 0.0, 0usize);
    // Scores change slowly: recompute them weekly, from what was known that day.
    let mut week: Option<(NaiveDate, super::score::Scores)> = None;
    for t in targets {
        let (Some(issued), Some(due), Some(paid)) = (t.issue_date, t.due, t.paid_on()) else {
            continue;
        };
        let fresh = week
            .as_ref()
            .is_some_and(|(d, _)| (issued - *d).num_days() < 7);
        if !fresh {
            // What was known on that day: invoices issued before it, paid as far as then.
            let known: Vec<BookInvoice> = all
                .iter()
                .filter(|i| i.issue_date.is_some_and(|d| d < issued))
                .map(|i| {
                    let mut k = i.clone();
                    k.paid.retain(|(d, _)| *d < issued);
                    k
                })
                .collect();
            week = Some((issued, scores_of(known.iter(), issued)));
        }
        let Some((_, s)) = &week else { continue };
        let predicted = s.predicted_payment(t, issued).unwrap_or(due);
        let naive = due + Duration::days(s.firm_delay.round() as i64);
        e_score += (predicted - paid).num_days().abs() as f64;
        e_naive += (naive - paid).num_days().abs() as f64;
        n += 1;
    }
    let n_f = n.max(1) as f64;
    Backtest {
        predicted: n,
        mae_score: round1(e_score / n_f),
        mae_naive: round1(e_naive / n_f),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_score_predicts_payment_days_better_than_the_firm_wide_mean() {
        let b = super::run(7, 40);
        eprintln!(
            "backtest: {} invoices, MAE score {} days, naive {} days",
            b.predicted, b.mae_score, b.mae_naive
        );
        assert!(b.predicted > 800, "{b:?}");
        assert!(b.mae_score < b.mae_naive * 0.6, "{b:?}");
    }
}
