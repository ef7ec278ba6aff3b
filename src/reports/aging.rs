//! Aged receivables: what is outstanding on a day, by how long past due, per currency.
//! Buckets: not yet due (due today included), 1–30, 31–60, 61–90 and over 90 days past due.

use super::{Amount, Book, BookInvoice};
use crate::domain::Currency;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

pub const BUCKETS: usize = 5;

/// The bucket of an invoice `days` past due (0: not yet due).
pub fn bucket(days_past_due: i64) -> usize {
    match days_past_due {
        ..=0 => 0,
        1..=30 => 1,
        31..=60 => 2,
        61..=90 => 3,
        _ => 4,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AgingRow {
    pub currency: Currency,
    /// Outstanding per bucket.
    pub buckets: [Amount; BUCKETS],
    pub total: Amount,
    /// Of the total, past due.
    pub overdue: Amount,
    /// Invoices per bucket.
    pub counts: [usize; BUCKETS],
}

#[derive(Debug, Clone, Serialize)]
pub struct Aging {
    pub as_of: NaiveDate,
    /// One row per currency, PLN first.
    pub rows: Vec<AgingRow>,
    /// The same per client (the largest overdue first), for the spreadsheet.
    pub clients: Vec<ClientAging>,
    /// Open credits (credit notes, overpayments) in clients' favour, issued by the day, per
    /// currency: not in the buckets, to be set off against them.
    pub credits: Vec<Amount>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClientAging {
    pub client: String,
    pub row: AgingRow,
}

fn row(currency: Currency, minor: &[i64; BUCKETS], counts: [usize; BUCKETS]) -> AgingRow {
    let total: i64 = minor.iter().sum();
    AgingRow {
        currency,
        buckets: minor.map(|m| Amount::of(m, currency)),
        total: Amount::of(total, currency),
        overdue: Amount::of(total - minor[0], currency),
        counts,
    }
}

type Sums = BTreeMap<(bool, Currency), ([i64; BUCKETS], [usize; BUCKETS])>;

fn add(sums: &mut Sums, i: &BookInvoice, as_of: NaiveDate) {
    let out = i.outstanding_at(as_of);
    if out <= 0 || !i.issued_by(as_of) {
        return;
    }
    let b = bucket(i.days_past_due(as_of));
    let e = sums
        .entry((i.currency != Currency::PLN, i.currency))
        .or_default();
    e.0[b] += out;
    e.1[b] += 1;
}

/// Aging on `as_of` (end of day: payments booked that day count).
pub fn aging(book: &Book, as_of: NaiveDate) -> Aging {
    let mut all = Sums::new();
    let mut per: BTreeMap<i64, Sums> = BTreeMap::new();
    for i in &book.invoices {
        add(&mut all, i, as_of);
        add(per.entry(i.client_id).or_default(), i, as_of);
    }
    let names: BTreeMap<i64, &str> = book
        .clients
        .iter()
        .map(|c| (c.id, c.name.as_str()))
        .collect();
    let mut clients: Vec<ClientAging> = per
        .into_iter()
        .flat_map(|(id, sums)| {
            let name = names.get(&id).copied().unwrap_or("?").to_string();
            sums.into_iter().map(move |((_, c), (m, n))| ClientAging {
                client: name.clone(),
                row: row(c, &m, n),
            })
        })
        .collect();
    clients.sort_by(|a, b| {
        b.row
            .overdue
            .amount
            .cmp(&a.row.overdue.amount)
            .then(a.client.cmp(&b.client))
    });
    Aging {
        as_of,
        rows: all
            .into_iter()
            .map(|((_, c), (m, n))| row(c, &m, n))
            .collect(),
        clients,
        credits: super::totals(
            book.invoices
                .iter()
                .filter(|i| i.credit > 0 && i.issued_by(as_of))
                .map(|i| (i.currency, i.credit)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn buckets_are_days_past_due_and_due_today_is_not_late() {
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(-5), 0);
        assert_eq!(bucket(1), 1);
        assert_eq!(bucket(30), 1);
        assert_eq!(bucket(31), 2);
        assert_eq!(bucket(90), 3);
        assert_eq!(bucket(91), 4);
    }

    #[test]
    fn outstanding_on_the_day_goes_to_its_bucket() {
        let book = Book {
            clients: vec![client(1, "Alfa", None)],
            invoices: vec![
                inv(1, 1, 1000, "2026-11-01", "2026-11-30", &[]),
                inv(
                    2,
                    1,
                    500,
                    "2026-10-01",
                    "2026-11-29",
                    &[("2026-11-30", 200)],
                ),
                inv(3, 1, 700, "2026-08-01", "2026-09-01", &[]),
                // Paid after the as-of day: still outstanding on it.
                inv(
                    4,
                    1,
                    300,
                    "2026-06-01",
                    "2026-07-01",
                    &[("2026-12-05", 300)],
                ),
                // Issued after the as-of day: not there yet.
                inv(5, 1, 900, "2026-12-01", "2026-12-15", &[]),
                // A credit note: beside the buckets, not in them.
                {
                    let mut k = inv(6, 1, -250, "2026-11-10", "2026-11-24", &[]);
                    k.credit = 25_000;
                    k
                },
            ],
            ..Book::default()
        };
        let a = aging(&book, d("2026-11-30"));
        let r = &a.rows[0];
        let zl = |a: &Amount| a.amount.to_string();
        assert_eq!(
            r.buckets.iter().map(zl).collect::<Vec<_>>(),
            ["1000.00", "300.00", "0.00", "700.00", "300.00"]
        );
        assert_eq!(zl(&r.total), "2300.00");
        assert_eq!(zl(&r.overdue), "1300.00");
        assert_eq!(r.counts, [1, 1, 0, 1, 1]);
        assert_eq!(a.credits.iter().map(zl).collect::<Vec<_>>(), ["250.00"]);
    }
}
