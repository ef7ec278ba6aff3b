use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An ISO 4217 currency code. Only codes in active use are accepted, so a typo such as "PNL" is caught
/// at the boundary instead of creating a currency nobody pays in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

/// Active ISO 4217 codes (2026), kept short on purpose: it is a list, not logic.
const ISO_4217: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD \
BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS \
GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT \
LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR \
PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SYP SZL THB \
TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG";

impl Currency {
    pub const PLN: Currency = Currency(*b"PLN");
    pub const EUR: Currency = Currency(*b"EUR");

    /// Parses a code case-insensitively; "zł" and "zl" are read as PLN, as Polish exports write them.
    pub fn parse(raw: &str) -> Option<Currency> {
        let t = raw.trim();
        if t.eq_ignore_ascii_case("zł") || t.eq_ignore_ascii_case("zl") || t == "ZŁ" {
            return Some(Currency::PLN);
        }
        // Anything but three ASCII letters is refused at once: amounts are tried as currencies
        // several times per row while splitting "12 300,00 PLN".
        let b = t.as_bytes();
        if b.len() != 3 || !b.iter().all(u8::is_ascii_alphabetic) {
            return None;
        }
        let code = [
            b[0].to_ascii_uppercase(),
            b[1].to_ascii_uppercase(),
            b[2].to_ascii_uppercase(),
        ];
        // A binary search of the sorted list: every operation's currency is read again by the
        // importing process, a million times for a year's statement.
        let list = ISO_4217.as_bytes();
        let (mut lo, mut hi) = (0, list.len().div_ceil(4));
        while lo < hi {
            let mid = (lo + hi) / 2;
            match list[4 * mid..4 * mid + 3].cmp(&code[..]) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(Currency(code)),
            }
        }
        None
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// Decimal places of the minor unit (ISO 4217): 0 for the yen or the forint's cousins that have
    /// no minor unit in use, 3 for the dinars of the Gulf, 2 for the rest (PLN, EUR, USD…).
    pub fn exponent(&self) -> u32 {
        match &self.0 {
            b"BIF" | b"CLP" | b"DJF" | b"GNF" | b"ISK" | b"JPY" | b"KMF" | b"KRW" | b"PYG"
            | b"RWF" | b"UGX" | b"VND" | b"VUV" | b"XAF" | b"XOF" | b"XPF" => 0,
            b"BHD" | b"IQD" | b"JOD" | b"KWD" | b"LYD" | b"OMR" | b"TND" => 3,
            _ => 2,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown currency {s:?}")))
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::parse(s).ok_or_else(|| MoneyError::Currency(s.to_string()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("amount {0} has more than two decimal places")]
    Precision(Decimal),
    #[error("amount {0} is too large")]
    Overflow(String),
    #[error("unknown currency {0:?}")]
    Currency(String),
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(Currency, Currency),
}

impl MoneyError {
    /// In both languages.
    pub fn said(&self) -> super::Said {
        match self {
            MoneyError::Precision(d) => crate::said!(
                "kwota {d} ma więcej miejsc po przecinku, niż pozwala waluta",
                "amount {d} has more than two decimal places"
            ),
            MoneyError::Overflow(a) => {
                crate::said!("kwota {a} jest za duża", "amount {a} is too large")
            }
            MoneyError::Currency(c) => {
                crate::said!("nieznana waluta {c:?}", "unknown currency {c:?}")
            }
            MoneyError::CurrencyMismatch(a, b) => {
                crate::said!("nie można łączyć {a} z {b}", "cannot combine {a} with {b}")
            }
        }
    }
}

/// An exact amount of money: a decimal with at most two places and its currency.
///
/// Stored in SQLite as integer minor units (grosze), so sums in SQL stay exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Money {
    #[serde(with = "rust_decimal::serde::str")]
    amount: Decimal,
    currency: Currency,
}

/// Largest amount we accept: 10^15 minor units, far above any invoice and far below i64 overflow.
const MAX_MINOR: i64 = 1_000_000_000_000_000;

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        let places = currency.exponent();
        let normalized = amount.normalize();
        if normalized.scale() > places {
            return Err(MoneyError::Precision(amount));
        }
        let mut a = normalized;
        a.rescale(places);
        if (a * Decimal::from(10i64.pow(places))).abs() > Decimal::from(MAX_MINOR) {
            return Err(MoneyError::Overflow(amount.to_string()));
        }
        Ok(Money {
            amount: a,
            currency,
        })
    }

    pub fn zero(currency: Currency) -> Self {
        Money::from_minor(0, currency)
    }

    /// From minor units (grosze, cents; yen are their own minor unit).
    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Money {
            amount: Decimal::new(minor, currency.exponent()),
            currency,
        }
    }

    pub fn amount(&self) -> Decimal {
        self.amount
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Amount in minor units (grosze). Exact: the constructor guarantees the currency's places
    /// and a bound.
    pub fn minor(&self) -> i64 {
        let m = self.amount * Decimal::from(10i64.pow(self.currency.exponent()));
        i64::try_from(m.trunc()).unwrap_or(if m.is_sign_negative() {
            -MAX_MINOR
        } else {
            MAX_MINOR
        })
    }

    pub fn checked_add(&self, other: &Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency, other.currency));
        }
        Money::new(self.amount + other.amount, self.currency)
    }

    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// Formats an amount the Polish way, `12 300,00`, for messages people read.
pub fn format_pl(amount: Decimal) -> String {
    let mut a = amount;
    a.rescale(2);
    let s = a.abs().to_string();
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    let sign = if a.is_sign_negative() && !a.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}{grouped},{frac}")
}

/// Formats an amount the English way, `12,300.00`, for English mails and answers.
pub fn format_en(amount: Decimal) -> String {
    format_pl(amount).replace(',', ".").replace(' ', ",")
}

/// The decimal amount of `minor` units of a stored currency code (an unknown code counts as PLN:
/// every stored code was validated when it was written).
pub fn amount_of(minor: i64, currency: &str) -> Decimal {
    Money::from_minor(minor, Currency::parse(currency).unwrap_or(Currency::PLN)).amount()
}

/// Minor units of a stored currency code: the inverse of [`amount_of`].
pub fn minor_of(amount: Decimal, currency: &str) -> Result<i64, MoneyError> {
    Ok(Money::new(amount, Currency::parse(currency).unwrap_or(Currency::PLN))?.minor())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The list is searched by halves: it must stay sorted, one space between codes.
    #[test]
    fn every_listed_code_parses_and_nothing_between_them() {
        let codes: Vec<&str> = ISO_4217.split(' ').collect();
        assert!(codes.len() > 150);
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "sorted");
        for c in &codes {
            assert_eq!(c.len(), 3, "{c:?}");
            assert_eq!(
                Currency::parse(c).map(|x| x.to_string()).as_deref(),
                Some(*c)
            );
            assert_eq!(
                Currency::parse(&c.to_lowercase())
                    .map(|x| x.to_string())
                    .as_deref(),
                Some(*c)
            );
        }
        for c in ["AAA", "ZZZ", "AEE", "PLM", "PLO", "ZWH", "XXX"] {
            assert_eq!(Currency::parse(c), None, "{c}");
        }
    }

    #[test]
    fn currency_codes() {
        assert_eq!(Currency::parse("pln"), Some(Currency::PLN));
        assert_eq!(Currency::parse("zł"), Some(Currency::PLN));
        assert_eq!(Currency::parse("PNL"), None);
        assert_eq!(Currency::parse("EURO"), None);
        assert_eq!(Currency::parse("zl"), Some(Currency::PLN));
        assert_eq!(Currency::parse("z"), None);
        assert_eq!(Currency::parse("ZWG"), Some(Currency(*b"ZWG")));
        assert_eq!(Currency::parse("ZŁ"), Some(Currency::PLN));
    }

    #[test]
    fn money_has_two_places() {
        let m = Money::new(Decimal::new(1230, 0), Currency::PLN).unwrap();
        assert_eq!(m.amount().to_string(), "1230.00");
        assert_eq!(m.minor(), 123000);
        assert!(Money::new(Decimal::new(12345, 3), Currency::PLN).is_err());
        // Trailing zeros beyond two places are fine: 1.500 is 1.50.
        assert_eq!(
            Money::new(Decimal::new(1500, 3), Currency::PLN)
                .unwrap()
                .minor(),
            150
        );
    }

    #[test]
    fn polish_format() {
        assert_eq!(format_pl(Decimal::new(1230000, 2)), "12 300,00");
        assert_eq!(format_pl(Decimal::new(-169798, 2)), "-1 697,98");
        assert_eq!(format_pl(Decimal::new(5, 1)), "0,50");
    }

    #[test]
    fn minor_units_follow_the_currency() {
        let yen = Currency::parse("JPY").unwrap();
        assert_eq!(Money::from_minor(1500, yen).amount().to_string(), "1500");
        assert!(Money::new(Decimal::new(15005, 1), yen).is_err());
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(
            Money::new(Decimal::new(1234, 3), kwd).unwrap().minor(),
            1234
        );
        assert_eq!(amount_of(123_000, "PLN"), Decimal::new(123_000, 2));
        assert_eq!(minor_of(Decimal::new(12, 0), "JPY").unwrap(), 12);
    }

    #[test]
    fn mixing_currencies_is_an_error() {
        let a = Money::from_minor(100, Currency::PLN);
        let b = Money::from_minor(100, Currency::EUR);
        assert!(a.checked_add(&b).is_err());
    }

    proptest! {
        #[test]
        fn minor_units_round_trip(minor in -MAX_MINOR..MAX_MINOR) {
            let m = Money::from_minor(minor, Currency::PLN);
            prop_assert_eq!(m.minor(), minor);
            let again = Money::new(m.amount(), Currency::PLN).unwrap();
            prop_assert_eq!(again, m);
        }

        #[test]
        fn addition_is_exact(a in -1_000_000_000i64..1_000_000_000, b in -1_000_000_000i64..1_000_000_000) {
            let x = Money::from_minor(a, Currency::PLN);
            let y = Money::from_minor(b, Currency::PLN);
            prop_assert_eq!(x.checked_add(&y).unwrap().minor(), a + b);
        }
    }
}
