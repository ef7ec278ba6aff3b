//! A subscription's terms: what is sold, at what price and rate, how often, to whom. Validated
//! once, where it comes in (a list row, the CLI); everything past here trusts it.

use super::cycle::{Cycle, Schedule, Timing};
use super::vat::VatRate;
use crate::domain::{Currency, Lang, Said};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A subscription's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Active,
    Paused,
    Cancelled,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Paused => "paused",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<Status> {
        let t = crate::domain::text::fold_diacritics(raw.trim()).to_lowercase();
        match t.as_str() {
            "" | "active" | "aktywna" | "aktywny" | "aktywne" | "tak" | "yes" => {
                Some(Status::Active)
            }
            "paused" | "wstrzymana" | "wstrzymany" | "zawieszona" | "pauza" => Some(Status::Paused),
            "cancelled" | "canceled" | "anulowana" | "anulowany" | "rozwiazana" | "zakonczona"
            | "nie" | "no" => Some(Status::Cancelled),
            _ => None,
        }
    }

    pub fn said(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Status::Active, Lang::Pl) => "aktywna",
            (Status::Paused, Lang::Pl) => "wstrzymana",
            (Status::Cancelled, Lang::Pl) => "anulowana",
            (Status::Active, Lang::En) => "active",
            (Status::Paused, Lang::En) => "paused",
            (Status::Cancelled, Lang::En) => "cancelled",
        }
    }
}

/// The terms of a subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub service: String,
    pub quantity: Decimal,
    pub unit: String,
    pub unit_net: Decimal,
    pub rate: VatRate,
    pub exemption_basis: Option<String>,
    pub currency: Currency,
    pub cycle: Cycle,
    pub anchor_day: u32,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub timing: Timing,
    pub payment_days: u32,
    pub split_payment: bool,
    pub notes: Option<String>,
    pub payment_link: Option<String>,
}

impl Plan {
    pub fn schedule(&self) -> Schedule {
        Schedule {
            cycle: self.cycle,
            anchor_day: self.anchor_day,
            start: self.start,
            end: self.end,
            timing: self.timing,
        }
    }

    /// What makes these terms impossible to invoice, each with the field it is about.
    pub fn problems(&self) -> Vec<(&'static str, Said)> {
        let mut out = Vec::new();
        if self.service.trim().is_empty() {
            out.push((
                "service",
                crate::said!("brak nazwy usługi", "no service name"),
            ));
        }
        if self.unit_net < Decimal::ZERO {
            let p = self.unit_net;
            out.push((
                "unit_net",
                crate::said!("cena {p} jest ujemna", "the price {p} is negative"),
            ));
        }
        if self.quantity <= Decimal::ZERO {
            let q = self.quantity;
            out.push((
                "quantity",
                crate::said!(
                    "ilość {q} musi być większa od zera",
                    "the quantity {q} must be above zero"
                ),
            ));
        }
        if let Some(end) = self.end
            && end < self.start
        {
            let s = self.start;
            out.push((
                "end",
                crate::said!(
                    "data zakończenia {end} jest przed datą rozpoczęcia {s}",
                    "the end date {end} is before the start date {s}"
                ),
            ));
        }
        if !(1..=31).contains(&self.anchor_day) {
            let a = self.anchor_day;
            out.push((
                "anchor_day",
                crate::said!(
                    "dzień rozliczenia {a} nie jest dniem miesiąca (1–31)",
                    "billing day {a} is not a day of the month (1–31)"
                ),
            ));
        }
        if self.rate == VatRate::Zw
            && self
                .exemption_basis
                .as_deref()
                .is_none_or(|b| b.trim().is_empty())
        {
            out.push((
                "exemption_basis",
                crate::said!(
                    "stawka zw wymaga podstawy prawnej zwolnienia (np. „art. 43 ust. 1 pkt 37 ustawy o VAT”)",
                    "the zw rate needs the legal basis of the exemption (e.g. \"art. 43 ust. 1 pkt 37 ustawy o VAT\")"
                ),
            ));
        }
        if self.currency != Currency::PLN
            && matches!(self.rate, VatRate::R23 | VatRate::R8 | VatRate::R5)
        {
            let c = self.currency;
            out.push((
                "currency",
                crate::said!(
                    "faktura w {c} z polskim VAT musi podać VAT w złotych po kursie NBP, czego skarbnik jeszcze nie robi; wystaw ją w PLN albo ze stawką np/oo",
                    "an invoice in {c} with Polish VAT must state the VAT in złoty at the NBP rate, which skarbnik does not do yet; issue it in PLN or at the np/oo rate"
                ),
            ));
        }
        if self.payment_days > 365 {
            let d = self.payment_days;
            out.push((
                "payment_days",
                crate::said!(
                    "termin płatności {d} dni jest dłuższy niż rok",
                    "a payment term of {d} days is longer than a year"
                ),
            ));
        }
        out
    }
}
