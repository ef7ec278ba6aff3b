//! An invoice skarbnik issues, as one value: parties, lines, totals, payment. The FA(3) XML and
//! the PDF are both renderings of it, and it is stored (as JSON) with the invoice so a correction
//! or a copy is made from exactly what was issued.

use super::cycle::Period;
use super::vat::{Rounding, Totals, VatRate, line_amounts, line_net, totals};
use crate::domain::{Currency, Lang};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A seller or buyer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub name: String,
    /// A Polish NIP (10 digits), or a foreign VAT id with its country prefix (`DE123456789`).
    pub tax_id: Option<String>,
    pub address_line1: String,
    pub address_line2: Option<String>,
    /// ISO country code; `PL` by default.
    pub country: String,
    pub email: Option<String>,
}

/// A line of the invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub name: String,
    pub quantity: Decimal,
    pub unit: String,
    pub unit_net: Decimal,
    pub rate: VatRate,
    pub net: Decimal,
    /// The line's VAT rounded on its own (shown; the totals follow the configured rounding).
    pub vat: Decimal,
}

impl Line {
    pub fn new(
        name: &str,
        quantity: Decimal,
        unit: &str,
        unit_net: Decimal,
        rate: VatRate,
    ) -> Line {
        let net = line_net(quantity, unit_net);
        Line {
            name: name.to_string(),
            quantity,
            unit: unit.to_string(),
            unit_net,
            rate,
            net,
            vat: line_amounts(net, rate).vat,
        }
    }
}

/// What a correction corrects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Corrected {
    pub number: String,
    pub issue_date: NaiveDate,
    pub ksef_number: Option<String>,
    pub reason: String,
    /// The corrected invoice's lines as they were.
    pub before: Vec<Line>,
}

/// An invoice document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub number: String,
    pub issue_date: NaiveDate,
    pub place: Option<String>,
    /// The period a subscription invoice is for (FA(3) `OkresFa`).
    pub period: Option<Period>,
    pub seller: Party,
    pub buyer: Party,
    pub currency: Currency,
    pub lines: Vec<Line>,
    pub rounding: Rounding,
    /// For an invoice, its totals; for a correction, the difference it makes (after − before).
    pub totals: Totals,
    pub due_date: NaiveDate,
    pub bank_account: String,
    pub bank_name: Option<String>,
    /// Mechanizm podzielonej płatności.
    pub split_payment: bool,
    /// The legal basis of an exemption, when a line is `zw`.
    pub exemption_basis: Option<String>,
    pub notes: Vec<String>,
    pub payment_link: Option<String>,
    pub lang: Lang,
    pub correction: Option<Corrected>,
    /// When the XML was made (FA(3) `DataWytworzeniaFa`), RFC 3339 UTC.
    pub created_at: String,
}

impl Document {
    /// The gross amount to pay (for a correction: the change, negative when it lowers it).
    pub fn gross(&self) -> Decimal {
        self.totals.gross
    }

    /// Totals of `lines` (or, for a correction, of after − before) under `rounding`.
    pub fn compute_totals(lines: &[Line], before: Option<&[Line]>, rounding: Rounding) -> Totals {
        let after = totals(
            &lines.iter().map(|l| (l.rate, l.net)).collect::<Vec<_>>(),
            rounding,
        );
        let Some(before) = before else {
            return after;
        };
        let before = totals(
            &before.iter().map(|l| (l.rate, l.net)).collect::<Vec<_>>(),
            rounding,
        );
        let mut per_rate = Vec::new();
        for rate in VatRate::ALL {
            let a = after.per_rate.iter().find(|r| r.rate == rate);
            let b = before.per_rate.iter().find(|r| r.rate == rate);
            if a.is_none() && b.is_none() {
                continue;
            }
            let z = |r: Option<&super::vat::RateTotal>| {
                r.map(|r| (r.net, r.vat))
                    .unwrap_or((Decimal::ZERO, Decimal::ZERO))
            };
            let ((an, av), (bn, bv)) = (z(a), z(b));
            per_rate.push(super::vat::RateTotal {
                rate,
                net: an - bn,
                vat: av - bv,
                gross: an + av - bn - bv,
            });
        }
        Totals {
            net: after.net - before.net,
            vat: after.vat - before.vat,
            gross: after.gross - before.gross,
            per_rate,
        }
    }

    /// Whether the invoice states a reverse charge (`oo`, or services to an EU business).
    pub fn reverse_charge(&self) -> bool {
        self.all_lines()
            .any(|l| matches!(l.rate, VatRate::Oo | VatRate::NpEu))
    }

    pub fn exempt(&self) -> bool {
        self.all_lines().any(|l| l.rate == VatRate::Zw)
    }

    fn all_lines(&self) -> impl Iterator<Item = &Line> {
        self.lines
            .iter()
            .chain(self.correction.iter().flat_map(|c| c.before.iter()))
    }
}
