//! A transfer confirmation from a Polish bank (the PDF a client attaches to "we have paid"): the
//! amount, the date, the title and the recipient's account, where its text says them. Shown to
//! staff; it never marks an invoice paid by itself (a PDF is easy to make).

use crate::domain::BankAccount;
use crate::ingest::numbers::{parse_amount, parse_date};
use chrono::NaiveDate;
use regex::Regex;
use rust_decimal::Decimal;
use serde::Serialize;
use std::sync::LazyLock;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Transfer {
    #[serde(with = "rust_decimal::serde::str_option")]
    pub amount: Option<Decimal>,
    pub currency: Option<String>,
    pub date: Option<NaiveDate>,
    pub title: Option<String>,
    /// The recipient's account, electronic IBAN.
    pub account: Option<String>,
}

impl Transfer {
    pub fn is_empty(&self) -> bool {
        self.amount.is_none()
            && self.date.is_none()
            && self.title.is_none()
            && self.account.is_none()
    }
}

fn re(s: &str) -> Regex {
    // Constants of this file; a test runs them all.
    Regex::new(s).unwrap_or_else(|e| panic!("bad pattern {s}: {e}"))
}

/// "Label: value" (or label and value separated by two spaces, as `pdftotext -layout` lays
/// them), per line. Labels without diacritics, lower case.
static LINE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*([^:]{2,60}?)\s*(?::|\s{2,})\s*(\S.*?)\s*$"));
static IBAN: LazyLock<Regex> = LazyLock::new(|| re(r"(?:PL)?\s?\d{2}(?:\s?\d{4}){6}"));

const AMOUNT: &[&str] = &[
    "kwota",
    "kwota przelewu",
    "kwota operacji",
    "amount",
    "kwota transakcji",
];
const DATE: &[&str] = &[
    "data wykonania",
    "data operacji",
    "data realizacji",
    "data transakcji",
    "data zlecenia",
    "data ksiegowania",
    "execution date",
    "date",
    "data",
];
const TITLE: &[&str] = &[
    "tytul",
    "tytul przelewu",
    "tytul operacji",
    "opis",
    "title",
    "reference",
];
const ACCOUNT: &[&str] = &[
    "rachunek odbiorcy",
    "na rachunek",
    "numer rachunku odbiorcy",
    "konto odbiorcy",
    "rachunek beneficjenta",
    "recipient account",
    "beneficiary account",
];

fn label_of(raw: &str) -> String {
    crate::domain::text::fold_diacritics(raw)
        .to_lowercase()
        .trim()
        .to_string()
}

/// Reads what it can from a confirmation's text.
pub fn read(text: &str) -> Transfer {
    let mut t = Transfer::default();
    for line in text.lines() {
        let Some(c) = LINE.captures(line) else {
            continue;
        };
        let (Some(label), Some(value)) = (c.get(1), c.get(2)) else {
            continue;
        };
        let label = label_of(label.as_str());
        let value = value.as_str().trim();
        if t.amount.is_none() && AMOUNT.contains(&label.as_str()) {
            if let Ok(a) = parse_amount(value) {
                t.amount = Some(a.value.abs());
                t.currency = a.currency.map(|c| c.to_string());
            }
        } else if t.date.is_none() && DATE.contains(&label.as_str()) {
            let first = value.split_whitespace().next().unwrap_or(value);
            t.date = parse_date(first).ok();
        } else if t.title.is_none() && TITLE.contains(&label.as_str()) {
            t.title = Some(crate::domain::text::shorten(value, 140));
        } else if t.account.is_none() && ACCOUNT.contains(&label.as_str()) {
            t.account = IBAN
                .find(value)
                .and_then(|m| BankAccount::parse(m.as_str()).ok())
                .map(|a| a.to_string());
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_confirmation_as_pdftotext_lays_it_out() {
        let text = "\
                 Potwierdzenie wykonania przelewu
Data wykonania:        2026-11-20 14:02
Rachunek nadawcy:      12 1140 2004 0000 3002 0135 5387
Rachunek odbiorcy:     PL55 1140 0000 9378 6579 7543 2319
Nazwa odbiorcy:        Moja Firma Sp. z o.o.
Tytuł:                 FV/2026/11/001
Kwota:                 1 230,00 PLN
";
        let t = read(text);
        assert_eq!(t.amount, Some(Decimal::new(123_000, 2)));
        assert_eq!(t.currency.as_deref(), Some("PLN"));
        assert_eq!(t.date, NaiveDate::from_ymd_opt(2026, 11, 20));
        assert_eq!(t.title.as_deref(), Some("FV/2026/11/001"));
        assert_eq!(t.account.as_deref(), Some("PL55114000009378657975432319"));
    }

    #[test]
    fn nothing_readable_is_empty() {
        assert!(read("Umowa o świadczenie usług\n§1 Strony").is_empty());
    }
}
