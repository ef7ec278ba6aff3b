//! Statutory interest for late payment in commercial transactions (ustawa o przeciwdziałaniu
//! nadmiernym opóźnieniom w transakcjach handlowych) and the flat EUR 40/70/100 compensation.
//!
//! The rate is fixed per half-year (NBP reference rate on its first day + 10 pp) and lives in
//! config, not in code: a new half-year needs a new line there. A day that no configured
//! half-year covers is an error naming it, never a silently reused old rate: a demand for payment
//! with a wrong rate is worse than none.
//!
//! Interest runs from the day after the due date up to and including the day of reckoning, simple
//! interest on a 365-day year (also in leap years, as Polish courts and calculators count), summed
//! exactly and rounded to grosze once at the end.

use anyhow::{Result, bail};
use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// The rate in force from `from` to the end of that half-year (or the next entry, if sooner).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RatePeriod {
    pub from: NaiveDate,
    /// Percent per year, e.g. "15.75".
    #[serde(with = "rust_decimal::serde::str")]
    pub percent: Decimal,
}

/// H1 2025 15.75 %, H2 2025 15.25 %, H1 2026 14.00 % (NBP reference rate + 10 pp).
pub fn default_rates() -> Vec<RatePeriod> {
    [
        ((2025, 1, 1), 1575),
        ((2025, 7, 1), 1525),
        ((2026, 1, 1), 1400),
    ]
    .into_iter()
    .filter_map(|((y, m, d), p)| {
        Some(RatePeriod {
            from: NaiveDate::from_ymd_opt(y, m, d)?,
            percent: Decimal::new(p, 2),
        })
    })
    .collect()
}

pub fn validate_rates(rates: &[RatePeriod]) -> Result<()> {
    for w in rates.windows(2) {
        if w[1].from <= w[0].from {
            bail!(
                "dunning.interest_rates must be in date order ({} after {})",
                w[1].from,
                w[0].from
            );
        }
    }
    for r in rates {
        if r.percent < Decimal::ZERO || r.percent > Decimal::from(100) {
            bail!(
                "dunning.interest_rates: {}% from {} is not a plausible rate",
                r.percent,
                r.from
            );
        }
    }
    Ok(())
}

/// "H2 2026" for a day.
pub fn half_year(day: NaiveDate) -> String {
    format!("H{} {}", if day.month() <= 6 { 1 } else { 2 }, day.year())
}

fn half_year_end(day: NaiveDate) -> NaiveDate {
    let (m, d) = if day.month() <= 6 { (6, 30) } else { (12, 31) };
    NaiveDate::from_ymd_opt(day.year(), m, d).unwrap_or(day)
}

/// One stretch of days at one rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterestPart {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: i64,
    #[serde(with = "rust_decimal::serde::str")]
    pub percent: Decimal,
    /// Rounded to grosze for display; the total is rounded once from the exact sum.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Interest {
    pub parts: Vec<InterestPart>,
    pub days: i64,
    #[serde(with = "rust_decimal::serde::str")]
    pub total: Decimal,
}

/// Interest on `principal` overdue since `due` (exclusive) up to `until` (inclusive).
pub fn statutory_interest(
    principal: Decimal,
    due: NaiveDate,
    until: NaiveDate,
    rates: &[RatePeriod],
) -> Result<Interest> {
    let mut parts = Vec::new();
    let mut exact = Decimal::ZERO;
    let Some(mut day) = due.succ_opt() else {
        bail!("due date {due} is out of range");
    };
    while day <= until {
        // The entry in force on `day`: the latest starting on or before it, within its half-year.
        let Some((i, rate)) = rates.iter().enumerate().rfind(|(_, r)| r.from <= day) else {
            bail!(
                "no statutory interest rate is configured for {} ({day}): add it to [dunning] interest_rates",
                half_year(day)
            );
        };
        let mut end = half_year_end(rate.from).min(until);
        if let Some(next) = rates.get(i + 1) {
            end = end.min(next.from.pred_opt().unwrap_or(end));
        }
        if end < day {
            bail!(
                "no statutory interest rate is configured for {} ({day}): add it to [dunning] interest_rates",
                half_year(day)
            );
        }
        let days = (end - day).num_days() + 1;
        let amount = principal * rate.percent * Decimal::from(days) / Decimal::from(36_500);
        exact += amount;
        parts.push(InterestPart {
            from: day,
            to: end,
            days,
            percent: rate.percent,
            amount: amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
        });
        match end.succ_opt() {
            Some(d) => day = d,
            None => break,
        }
    }
    Ok(Interest {
        days: parts.iter().map(|p| p.days).sum(),
        total: exact.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
        parts,
    })
}

/// The flat compensation for recovery costs in EUR by the amount (in PLN) of the claim:
/// 40 up to 5,000; 70 above 5,000 and below 50,000; 100 from 50,000.
pub fn compensation_eur(amount_pln: Decimal) -> Decimal {
    if amount_pln <= Decimal::from(5_000) {
        Decimal::from(40)
    } else if amount_pln < Decimal::from(50_000) {
        Decimal::from(70)
    } else {
        Decimal::from(100)
    }
}

/// The compensation in PLN for a claim of `gross` in `currency`, at `eur_pln`. `None` for a
/// currency other than PLN or EUR (no rate to reckon the threshold with).
pub fn compensation_pln(gross: Decimal, currency: &str, eur_pln: Decimal) -> Option<Decimal> {
    let in_pln = match currency {
        "PLN" => gross,
        "EUR" => gross * eur_pln,
        _ => return None,
    };
    Some(
        (compensation_eur(in_pln) * eur_pln)
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn interest_by_hand() {
        // 10 000,00 due 31 Mar 2026, paid... reckoned on 30 Apr 2026: 30 days at 14 %:
        // 10000 × 0.14 × 30 / 365 = 115.068… → 115.07.
        let i = statutory_interest(
            dec("10000"),
            d(2026, 3, 31),
            d(2026, 4, 30),
            &default_rates(),
        )
        .unwrap();
        assert_eq!(i.days, 30);
        assert_eq!(i.total, dec("115.07"));
        // Across half-years: 1 230,00 due 15 Dec 2025, reckoned 15 Jan 2026:
        // 16 days (16–31 Dec) at 15.25 % = 8.2227…, 15 days at 14 % = 7.0767…; sum 15.2994… → 15.30.
        let i = statutory_interest(
            dec("1230"),
            d(2025, 12, 15),
            d(2026, 1, 15),
            &default_rates(),
        )
        .unwrap();
        assert_eq!(i.parts.len(), 2);
        assert_eq!((i.parts[0].days, i.parts[1].days), (16, 15));
        assert_eq!(i.parts[0].amount, dec("8.22"));
        assert_eq!(i.parts[1].amount, dec("7.08"));
        assert_eq!(i.total, dec("15.30"));
        // Not yet overdue: nothing.
        let i = statutory_interest(dec("100"), d(2026, 3, 31), d(2026, 3, 31), &default_rates())
            .unwrap();
        assert_eq!((i.days, i.total), (0, Decimal::ZERO));
    }

    #[test]
    fn a_half_year_without_a_rate_is_an_error_naming_it() {
        let e = statutory_interest(dec("100"), d(2026, 6, 20), d(2026, 7, 10), &default_rates())
            .unwrap_err()
            .to_string();
        assert!(e.contains("H2 2026"), "{e}");
        let e = statutory_interest(dec("100"), d(2024, 12, 1), d(2025, 1, 10), &default_rates())
            .unwrap_err()
            .to_string();
        assert!(e.contains("H2 2024"), "{e}");
        // With the rate added, it counts.
        let mut rates = default_rates();
        rates.push(RatePeriod {
            from: d(2026, 7, 1),
            percent: dec("13.75"),
        });
        let i = statutory_interest(dec("100"), d(2026, 6, 20), d(2026, 7, 10), &rates).unwrap();
        assert_eq!(i.days, 20);
    }

    #[test]
    fn compensation_thresholds() {
        let r = dec("4.25");
        assert_eq!(
            compensation_pln(dec("5000.00"), "PLN", r),
            Some(dec("170.00"))
        );
        assert_eq!(
            compensation_pln(dec("5000.01"), "PLN", r),
            Some(dec("297.50"))
        );
        assert_eq!(
            compensation_pln(dec("49999.99"), "PLN", r),
            Some(dec("297.50"))
        );
        assert_eq!(
            compensation_pln(dec("50000"), "PLN", r),
            Some(dec("425.00"))
        );
        // 1 200 EUR = 5 100 PLN: above 5 000.
        assert_eq!(compensation_pln(dec("1200"), "EUR", r), Some(dec("297.50")));
        assert_eq!(compensation_pln(dec("1200"), "USD", r), None);
    }
}
