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

#[cfg(test)]
mod tests;
