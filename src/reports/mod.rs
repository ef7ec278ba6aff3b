//! Reports for people: the weekly overdue report, the monthly management report, a client's
//! statement, aging, and the payer score behind them.
//!
//! Everything here is pure: a [`Book`] (what the store knows, read once) and an as-of date in,
//! a typed report model out. Rendering (text, HTML, PDF, XLSX) lives in [`render`], delivery in
//! `services::reports`. A figure a person reads in a report is computed in exactly one place, so
//! the text, the PDF and the spreadsheet cannot disagree.
//!
//! Amounts are minor units (grosze) in the computation and `Decimal` in the models. Day
//! statistics (mean delays, DSO) are `f64` rounded to one decimal: they are not money.

pub mod aging;
pub mod backtest;
pub mod monthly;
pub mod render;
pub mod score;
pub mod statement;
pub mod weekly;

use crate::domain::{Currency, HoldKind, Money};
use crate::dunning::planner::Policy;
use crate::store::{BookRows, Snapshot};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::HashMap;

/// The store's snapshot as the reports read it.
pub fn book(snap: &Snapshot, rows: &BookRows, policy: &Policy) -> Book {
    let mut paid: HashMap<i64, Vec<(NaiveDate, i64)>> = HashMap::new();
    for (i, d, a) in rows.paid.iter().chain(&rows.erp_paid) {
        paid.entry(*i).or_default().push((*d, *a));
    }
    let mut steps: HashMap<i64, Vec<(String, NaiveDate)>> = HashMap::new();
    for ((i, s), d) in &snap.sent {
        steps.entry(*i).or_default().push((s.clone(), *d));
    }
    let mut replies: HashMap<i64, (NaiveDate, Option<String>)> = HashMap::new();
    for (c, d, intent) in &rows.replies {
        replies.insert(*c, (*d, intent.clone()));
    }
    let invoices: Vec<BookInvoice> = snap
        .invoices
        .iter()
        .map(|i| {
            let mut p = paid.remove(&i.id).unwrap_or_default();
            p.sort();
            let mut s = steps.remove(&i.id).unwrap_or_default();
            s.sort_by_key(|(_, d)| *d);
            let hold = snap
                .holds
                .get(&i.id)
                .and_then(|h| h.first())
                .map(|h| (h.kind, h.until));
            BookInvoice {
                id: i.id,
                number: i.number.clone(),
                client_id: i.client_id,
                issue_date: i.issue_date,
                due: i.due,
                currency: i.currency,
                gross: i.gross_minor,
                last_mail: s.last().map(|(_, d)| *d),
                paid: p,
                steps: s,
                escalated: snap.escalated.contains(&i.id),
                hold,
                credit: if i.open_credit() { i.credit_minor } else { 0 },
            }
        })
        .collect();
    let credited: std::collections::HashSet<i64> = invoices
        .iter()
        .filter(|i| i.credit > 0)
        .map(|i| i.client_id)
        .collect();
    Book {
        clients: snap
            .clients
            .values()
            .map(|c| BookClient {
                id: c.id,
                name: c.name.clone(),
                nip: c.nip.clone(),
                manager: c.account_manager.clone(),
                last_reply: replies.get(&c.id).cloned(),
                payment_in_review: c.payment_in_review,
                credit: credited.contains(&c.id),
            })
            .collect(),
        invoices,
        steps: policy.steps.iter().map(|s| s.name.clone()).collect(),
        review_waiting: rows.review_waiting,
        unmatched: rows.unmatched,
        failed_mails: rows.failed_mails,
    }
}

/// What the reports read from the store, as plain data.
#[derive(Debug, Clone, Default)]
pub struct Book {
    pub clients: Vec<BookClient>,
    /// Any order.
    pub invoices: Vec<BookInvoice>,
    /// Step names in the order of the policy (before the due date first).
    pub steps: Vec<String>,
    /// Incoming payments waiting for a person, and those matched to nothing.
    pub review_waiting: usize,
    pub unmatched: usize,
    /// Outgoing mails that failed for good.
    pub failed_mails: usize,
}

#[derive(Debug, Clone, Default)]
pub struct BookClient {
    pub id: i64,
    pub name: String,
    pub nip: Option<String>,
    pub manager: Option<String>,
    /// The client's last reply: when, and what it was read as (intent code), if anything.
    pub last_reply: Option<(NaiveDate, Option<String>)>,
    /// A payment waiting for a person may be this client's.
    pub payment_in_review: bool,
    /// The client has an open credit (a credit note, an overpayment) to set off.
    pub credit: bool,
}

#[derive(Debug, Clone)]
pub struct BookInvoice {
    pub id: i64,
    pub number: String,
    pub client_id: i64,
    pub issue_date: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
    pub currency: Currency,
    pub gross: i64,
    /// What was paid and when (allocations by their payment's booking date; a paid amount the
    /// ERP reported, by the day it was reported), sorted by date.
    pub paid: Vec<(NaiveDate, i64)>,
    /// Reminder steps sent (name, day), sorted by day.
    pub steps: Vec<(String, NaiveDate)>,
    /// The last mail about this invoice to the client.
    pub last_mail: Option<NaiveDate>,
    pub escalated: bool,
    /// The open hold, if any: kind and its day (promise: promised day; claim: last day).
    pub hold: Option<(HoldKind, Option<NaiveDate>)>,
    /// A document of a negative amount: what the client may still set off (see
    /// `DunInvoice::open_credit`), as known today.
    pub credit: i64,
}

impl BookInvoice {
    /// Paid up to and including `day`, never above the gross amount.
    pub fn paid_by(&self, day: NaiveDate) -> i64 {
        self.paid
            .iter()
            .filter(|(d, _)| *d <= day)
            .map(|(_, a)| *a)
            .sum::<i64>()
            .min(self.gross)
    }

    /// Outstanding at the end of `day`.
    pub fn outstanding_at(&self, day: NaiveDate) -> i64 {
        (self.gross - self.paid_by(day)).max(0)
    }

    /// The day it was paid in full, if it was.
    pub fn paid_on(&self) -> Option<NaiveDate> {
        let mut sum = 0;
        for (d, a) in &self.paid {
            sum += a;
            if sum >= self.gross {
                return Some(*d);
            }
        }
        None
    }

    /// Whether it existed on `day` (issued by then; an invoice without an issue date counts from
    /// 14 days before its due date, the usual term, else always).
    pub fn issued_by(&self, day: NaiveDate) -> bool {
        match (self.issue_date, self.due) {
            (Some(i), _) => i <= day,
            (None, Some(d)) => d - chrono::Duration::days(14) <= day,
            (None, None) => true,
        }
    }

    /// Days past due on `day` (0 when not yet due or without a due date). Due today is not late.
    pub fn days_past_due(&self, day: NaiveDate) -> i64 {
        self.due.map(|d| (day - d).num_days().max(0)).unwrap_or(0)
    }
}

/// An amount in one currency, for a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Amount {
    pub currency: Currency,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
}

impl Amount {
    pub fn of(minor: i64, currency: Currency) -> Amount {
        Amount {
            currency,
            amount: Money::from_minor(minor, currency).amount(),
        }
    }

    /// Back to minor units.
    pub fn minor(&self) -> i64 {
        Money::new(self.amount, self.currency)
            .map(|m| m.minor())
            .unwrap_or(0)
    }
}

/// Totals per currency, in a fixed order (PLN first, then by code).
pub fn totals(items: impl IntoIterator<Item = (Currency, i64)>) -> Vec<Amount> {
    let mut by: std::collections::BTreeMap<(bool, Currency), i64> = Default::default();
    for (c, m) in items {
        *by.entry((c != Currency::PLN, c)).or_default() += m;
    }
    by.into_iter()
        .filter(|(_, m)| *m != 0)
        .map(|((_, c), m)| Amount::of(m, c))
        .collect()
}

/// A day statistic rounded to one decimal for people.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// A share 0..=1 as a percentage with one decimal.
pub fn percent(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| round1(100.0 * part / whole))
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    pub fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    pub fn client(id: i64, name: &str, manager: Option<&str>) -> BookClient {
        BookClient {
            id,
            name: name.into(),
            manager: manager.map(str::to_string),
            ..BookClient::default()
        }
    }

    /// An invoice of `zl` złoty issued on `issued`, due `due`, paid as listed (day, złoty).
    pub fn inv(
        id: i64,
        client_id: i64,
        zl: i64,
        issued: &str,
        due: &str,
        paid: &[(&str, i64)],
    ) -> BookInvoice {
        BookInvoice {
            id,
            number: format!("FV/{id}/2026"),
            client_id,
            issue_date: Some(d(issued)),
            due: Some(d(due)),
            currency: Currency::PLN,
            gross: zl * 100,
            paid: paid.iter().map(|(day, a)| (d(day), a * 100)).collect(),
            steps: Vec::new(),
            last_mail: None,
            escalated: false,
            hold: None,
            credit: 0,
        }
    }
}
