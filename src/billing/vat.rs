//! VAT rates as FA(3) knows them, and the totals of an invoice per rate.
//!
//! Rounding follows the Polish rule (art. 106e ust. 10–11 ustawy o VAT): amounts are rounded to
//! the grosz, half a grosz and more up. VAT is computed either from each rate's net total (the
//! default, and what the Act describes) or per line and then summed, as some firms' ERPs do; the
//! two can differ by a grosz per line, which is why the choice is a setting.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// A VAT rate of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum VatRate {
    R23,
    R8,
    R5,
    /// 0% on a domestic supply.
    R0,
    /// Exempt (`zw`): the invoice names the legal basis.
    Zw,
    /// Not taxable in Poland (`np`), e.g. services supplied abroad.
    Np,
    /// Not taxable in Poland: services to an EU business, art. 100 ust. 1 pkt 4 (`np II`).
    NpEu,
    /// Domestic reverse charge (`oo`).
    Oo,
}

impl VatRate {
    pub const ALL: [VatRate; 8] = [
        VatRate::R23,
        VatRate::R8,
        VatRate::R5,
        VatRate::R0,
        VatRate::Zw,
        VatRate::Np,
        VatRate::NpEu,
        VatRate::Oo,
    ];

    /// Reads a rate as ERPs and people write it: `23`, `23%`, `0,23`, `zw`, `ZW.`, `np`,
    /// `np II`, `oo`, `odwrotne obciążenie`, `exempt`.
    pub fn parse(raw: &str) -> Option<VatRate> {
        let t = crate::domain::text::fold_diacritics(raw.trim())
            .to_lowercase()
            .replace(['.', ' '], "");
        Some(match t.trim_end_matches('%') {
            "23" | "023" | "0,23" => VatRate::R23,
            "8" | "08" | "0,08" => VatRate::R8,
            "5" | "05" | "0,05" => VatRate::R5,
            "0" | "0kr" | "0,00" => VatRate::R0,
            "zw" | "zwolniony" | "zwolniona" | "exempt" => VatRate::Zw,
            "np" | "npi" | "nie podlega" | "niepodlega" | "outofscope" => VatRate::Np,
            "npii" | "npue" => VatRate::NpEu,
            "oo" | "odwrotneobciazenie" | "reversecharge" => VatRate::Oo,
            _ => return None,
        })
    }

    /// The rate as a fraction, for the rates that have one.
    pub fn percent(self) -> Option<Decimal> {
        match self {
            VatRate::R23 => Some(Decimal::new(23, 0)),
            VatRate::R8 => Some(Decimal::new(8, 0)),
            VatRate::R5 => Some(Decimal::new(5, 0)),
            VatRate::R0 => Some(Decimal::ZERO),
            _ => None,
        }
    }

    /// `P_12` of FA(3).
    pub fn fa3(self) -> &'static str {
        match self {
            VatRate::R23 => "23",
            VatRate::R8 => "8",
            VatRate::R5 => "5",
            VatRate::R0 => "0 KR",
            VatRate::Zw => "zw",
            VatRate::Np => "np I",
            VatRate::NpEu => "np II",
            VatRate::Oo => "oo",
        }
    }

    /// The stored form.
    pub fn code(self) -> &'static str {
        match self {
            VatRate::R23 => "23",
            VatRate::R8 => "8",
            VatRate::R5 => "5",
            VatRate::R0 => "0",
            VatRate::Zw => "zw",
            VatRate::Np => "np",
            VatRate::NpEu => "np II",
            VatRate::Oo => "oo",
        }
    }

    /// As printed on the invoice: `23%`, `zw`, `np`, `oo`.
    pub fn label(self) -> String {
        match self.percent() {
            Some(p) => format!("{p}%"),
            None => self.code().to_string(),
        }
    }

    /// The FA(3) fields of this rate's net and VAT totals (`P_13_x`, `P_14_x`).
    pub fn fa3_fields(self) -> (&'static str, Option<&'static str>) {
        match self {
            VatRate::R23 => ("P_13_1", Some("P_14_1")),
            VatRate::R8 => ("P_13_2", Some("P_14_2")),
            VatRate::R5 => ("P_13_3", Some("P_14_3")),
            VatRate::R0 => ("P_13_6_1", None),
            VatRate::Zw => ("P_13_7", None),
            VatRate::Np => ("P_13_8", None),
            VatRate::NpEu => ("P_13_9", None),
            VatRate::Oo => ("P_13_10", None),
        }
    }
}

/// How VAT is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// VAT from each rate's net total.
    #[default]
    PerRate,
    /// VAT per line, then summed.
    PerLine,
}

/// To the grosz, half up (away from zero for negative corrections).
pub fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// A line's amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineAmounts {
    pub net: Decimal,
    pub vat: Decimal,
}

/// Net of a line: quantity × net unit price, to the grosz.
pub fn line_net(quantity: Decimal, unit_net: Decimal) -> Decimal {
    round2(quantity * unit_net)
}

fn vat_of(net: Decimal, rate: VatRate) -> Decimal {
    match rate.percent() {
        Some(p) => round2(net * p / Decimal::ONE_HUNDRED),
        None => Decimal::ZERO,
    }
}

/// One rate's totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateTotal {
    pub rate: VatRate,
    pub net: Decimal,
    pub vat: Decimal,
    pub gross: Decimal,
}

/// The totals of an invoice: per rate (in the order of [`VatRate::ALL`]) and overall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub per_rate: Vec<RateTotal>,
    pub net: Decimal,
    pub vat: Decimal,
    pub gross: Decimal,
}

/// Totals of lines given as (rate, net of the line).
pub fn totals(lines: &[(VatRate, Decimal)], rounding: Rounding) -> Totals {
    let mut per_rate = Vec::new();
    for rate in VatRate::ALL {
        let mine: Vec<Decimal> = lines
            .iter()
            .filter(|(r, _)| *r == rate)
            .map(|(_, n)| *n)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let net: Decimal = mine.iter().copied().sum();
        let vat = match rounding {
            Rounding::PerRate => vat_of(net, rate),
            Rounding::PerLine => mine.iter().map(|n| vat_of(*n, rate)).sum(),
        };
        per_rate.push(RateTotal {
            rate,
            net,
            vat,
            gross: net + vat,
        });
    }
    let net = per_rate.iter().map(|r| r.net).sum();
    let vat = per_rate.iter().map(|r| r.vat).sum();
    Totals {
        per_rate,
        net,
        vat,
        gross: net + vat,
    }
}

/// A line's VAT as the invoice shows it (per-line rounding; informative under per-rate).
pub fn line_amounts(net: Decimal, rate: VatRate) -> LineAmounts {
    LineAmounts {
        net,
        vat: vat_of(net, rate),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn rates_are_read_as_written() {
        for (raw, want) in [
            ("23", VatRate::R23),
            ("23%", VatRate::R23),
            ("0,23", VatRate::R23),
            ("8 %", VatRate::R8),
            ("ZW", VatRate::Zw),
            ("zw.", VatRate::Zw),
            ("NP", VatRate::Np),
            ("np II", VatRate::NpEu),
            ("oo", VatRate::Oo),
            ("odwrotne obciążenie", VatRate::Oo),
            ("0%", VatRate::R0),
        ] {
            assert_eq!(VatRate::parse(raw), Some(want), "{raw}");
        }
        for bad in ["22", "7", "19", "", "vat", "-23"] {
            assert_eq!(VatRate::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn half_a_grosz_rounds_up() {
        assert_eq!(round2(d("0.005")), d("0.01"));
        assert_eq!(round2(d("0.0049")), d("0.00"));
        assert_eq!(round2(d("-0.005")), d("-0.01"));
        assert_eq!(line_net(d("3"), d("33.335")), d("100.01"));
    }

    #[test]
    fn per_rate_and_per_line_rounding_differ_as_the_law_allows() {
        // Three lines of 0.10 net at 23%: per line 0.02 VAT each (0.023 → 0.02), 0.06 in all;
        // per rate 0.30 × 23% = 0.069 → 0.07.
        let lines = vec![(VatRate::R23, d("0.10")); 3];
        let per_rate = totals(&lines, Rounding::PerRate);
        let per_line = totals(&lines, Rounding::PerLine);
        assert_eq!(per_rate.vat, d("0.07"));
        assert_eq!(per_line.vat, d("0.06"));
        assert_eq!(per_rate.gross, d("0.37"));
    }

    #[test]
    fn totals_per_rate_in_a_mixed_invoice() {
        let lines = vec![
            (VatRate::R23, d("1000.00")),
            (VatRate::R8, d("250.00")),
            (VatRate::Zw, d("300.00")),
            (VatRate::R23, d("99.99")),
        ];
        let t = totals(&lines, Rounding::PerRate);
        assert_eq!(t.per_rate.len(), 3);
        assert_eq!(t.per_rate[0].net, d("1099.99"));
        assert_eq!(t.per_rate[0].vat, d("253.00")); // 252.9977
        assert_eq!(t.per_rate[1].vat, d("20.00"));
        assert_eq!(t.per_rate[2].vat, d("0"));
        assert_eq!(t.net, d("1649.99"));
        assert_eq!(t.vat, d("273.00"));
        assert_eq!(t.gross, d("1922.99"));
    }
}
