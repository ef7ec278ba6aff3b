//! Issuing invoices for subscriptions: pure parts. Which periods are due ([`cycle`]), what a
//! subscription costs ([`plan`], [`vat`]), the invoice as one value ([`document`]) and its two
//! renderings, the KSeF FA(3) XML ([`fa3`]) and the PDF ([`pdf`]); the amount in words
//! ([`words`]); numbers of a series ([`numbering`]); a subscriptions list as mailed in ([`list`]);
//! and the KSeF receipt that brings an invoice's KSeF number back ([`upo`]).
//!
//! The use case that ties them to the store and the outbox is [`crate::services::billing`].

pub mod cycle;
pub mod document;
pub mod fa3;
pub mod list;
pub mod numbering;
pub mod pdf;
pub mod plan;
pub mod upo;
pub mod vat;
pub mod words;

use crate::domain::Lang;
use chrono::{Duration, NaiveDate};
use cycle::Period;
use document::{Document, Line, Party};
use plan::Plan;
use vat::Rounding;

/// What an invoice is made of besides its lines.
#[derive(Debug, Clone)]
pub struct Issuer<'a> {
    pub seller: &'a Party,
    pub account: &'a str,
    pub bank_name: Option<&'a str>,
    pub place: Option<&'a str>,
    pub rounding: Rounding,
}

/// One subscription's period on an invoice.
#[derive(Debug, Clone)]
pub struct Item<'a> {
    pub plan: &'a Plan,
    pub period: Period,
}

/// The line of a period: the service and the period in words.
pub fn line_name(plan: &Plan, period: Period, lang: Lang) -> String {
    format!("{} – {}", plan.service, period.said(lang))
}

/// Builds the invoice for `items` (one client, one currency), numbered `number`, issued on
/// `issue_date`.
#[allow(clippy::too_many_arguments)]
pub fn build(
    issuer: &Issuer<'_>,
    buyer: Party,
    lang: Lang,
    number: &str,
    issue_date: NaiveDate,
    items: &[Item<'_>],
    created_at: &str,
) -> Document {
    let lines: Vec<Line> = items
        .iter()
        .map(|i| {
            Line::new(
                &line_name(i.plan, i.period, lang),
                i.plan.quantity,
                &i.plan.unit,
                i.plan.unit_net,
                i.plan.rate,
            )
        })
        .collect();
    let totals = Document::compute_totals(&lines, None, issuer.rounding);
    let days = items
        .iter()
        .map(|i| i.plan.payment_days)
        .min()
        .unwrap_or(14);
    let period = match items {
        [one, rest @ ..] if rest.iter().all(|r| r.period == one.period) => Some(one.period),
        _ => None,
    };
    let mut bases: Vec<String> = items
        .iter()
        .filter(|i| i.plan.rate == vat::VatRate::Zw)
        .filter_map(|i| i.plan.exemption_basis.clone())
        .collect();
    bases.dedup();
    let mut notes: Vec<String> = items.iter().filter_map(|i| i.plan.notes.clone()).collect();
    notes.dedup();
    Document {
        number: number.to_string(),
        issue_date,
        place: issuer.place.map(str::to_string),
        period,
        seller: issuer.seller.clone(),
        buyer,
        currency: items
            .first()
            .map(|i| i.plan.currency)
            .unwrap_or(crate::domain::Currency::PLN),
        lines,
        rounding: issuer.rounding,
        totals,
        due_date: issue_date + Duration::days(days as i64),
        bank_account: issuer.account.to_string(),
        bank_name: issuer.bank_name.map(str::to_string),
        split_payment: items.iter().any(|i| i.plan.split_payment),
        exemption_basis: (!bases.is_empty()).then(|| bases.join("; ")),
        notes,
        payment_link: items.iter().find_map(|i| i.plan.payment_link.clone()),
        lang,
        correction: None,
        created_at: created_at.to_string(),
    }
}

/// A correction of `original`: its lines become `lines` (empty: a full reversal, every line to
/// zero). Numbered `number`, issued on `issue_date`.
pub fn correct(
    original: &Document,
    original_ksef: Option<&str>,
    lines: Vec<Line>,
    reason: &str,
    number: &str,
    issue_date: NaiveDate,
    created_at: &str,
) -> Document {
    let after: Vec<Line> = if lines.is_empty() {
        original
            .lines
            .iter()
            .map(|l| {
                Line::new(
                    &l.name,
                    rust_decimal::Decimal::ZERO,
                    &l.unit,
                    l.unit_net,
                    l.rate,
                )
            })
            .collect()
    } else {
        lines
    };
    let totals = Document::compute_totals(&after, Some(&original.lines), original.rounding);
    Document {
        number: number.to_string(),
        issue_date,
        lines: after,
        totals,
        due_date: issue_date + (original.due_date - original.issue_date),
        correction: Some(document::Corrected {
            number: original.number.clone(),
            issue_date: original.issue_date,
            ksef_number: original_ksef.map(str::to_string),
            reason: reason.to_string(),
            before: original.lines.clone(),
        }),
        created_at: created_at.to_string(),
        ..original.clone()
    }
}

/// A period to invoice: which subscription, which period, on which day it was due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    pub subscription: i64,
    pub client: i64,
    pub currency: crate::domain::Currency,
    pub period: Period,
    pub issue_on: NaiveDate,
}

/// The periods to invoice on `today`: every period due by then and not billed yet, or with
/// `catch_up_all` off only each subscription's latest (the missed ones are counted, not
/// issued). Returns the pending periods (oldest first per subscription) and how many were passed
/// over.
pub fn due_periods(
    subs: &[(i64, i64, crate::domain::Currency, cycle::Schedule)],
    billed: &std::collections::HashMap<i64, std::collections::HashSet<NaiveDate>>,
    today: NaiveDate,
    catch_up_all: bool,
) -> (Vec<Pending>, usize) {
    let mut out = Vec::new();
    let mut passed = 0;
    for (id, client, currency, schedule) in subs {
        let done = billed.get(id);
        let all = schedule.due_until(today);
        let latest = all.last().map(|d| d.period.start);
        for d in all {
            if done.is_some_and(|b| b.contains(&d.period.start)) {
                continue;
            }
            if !catch_up_all && Some(d.period.start) != latest {
                passed += 1;
                continue;
            }
            out.push(Pending {
                subscription: *id,
                client: *client,
                currency: *currency,
                period: d.period,
                issue_on: d.issue_on,
            });
        }
    }
    (out, passed)
}

/// The invoices to make of pending periods: one each, or with `combine` one per client, currency
/// and period (a client's subscriptions of the same cycle on one invoice). Each subscription's
/// periods stay in order.
pub fn group(pending: Vec<Pending>, combine: bool) -> Vec<Vec<Pending>> {
    if !combine {
        return pending.into_iter().map(|p| vec![p]).collect();
    }
    let mut groups: Vec<Vec<Pending>> = Vec::new();
    for p in pending {
        match groups.iter_mut().find(|g| {
            g[0].client == p.client
                && g[0].currency == p.currency
                && g[0].period == p.period
                && !g.iter().any(|x| x.subscription == p.subscription)
        }) {
            Some(g) => g.push(p),
            None => groups.push(vec![p]),
        }
    }
    groups
}

#[cfg(test)]
mod tests;
