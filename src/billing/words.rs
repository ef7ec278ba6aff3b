//! Amounts in words ("słownie"), as Polish invoices print them: `tysiąc dwieście trzydzieści
//! cztery złote 56/100`. The grosze are written as a fraction, the usual form on invoices; the
//! currency's noun takes the case its number asks for (1 złoty, 2–4 złote, 5–21 złotych, 22 złote).
//!
//! (n2words 0.1 also spells Polish numbers, but takes money as `f64`; this is ~100 lines over
//! integers and is tested against hand-written cases and its own inverse.)

use crate::domain::{Currency, Lang};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

const UNITS: [&str; 20] = [
    "zero",
    "jeden",
    "dwa",
    "trzy",
    "cztery",
    "pięć",
    "sześć",
    "siedem",
    "osiem",
    "dziewięć",
    "dziesięć",
    "jedenaście",
    "dwanaście",
    "trzynaście",
    "czternaście",
    "piętnaście",
    "szesnaście",
    "siedemnaście",
    "osiemnaście",
    "dziewiętnaście",
];
const TENS: [&str; 10] = [
    "",
    "",
    "dwadzieścia",
    "trzydzieści",
    "czterdzieści",
    "pięćdziesiąt",
    "sześćdziesiąt",
    "siedemdziesiąt",
    "osiemdziesiąt",
    "dziewięćdziesiąt",
];
const HUNDREDS: [&str; 10] = [
    "",
    "sto",
    "dwieście",
    "trzysta",
    "czterysta",
    "pięćset",
    "sześćset",
    "siedemset",
    "osiemset",
    "dziewięćset",
];
/// (singular, 2–4, 5+) of each power of a thousand.
const SCALES: [(&str, &str, &str); 4] = [
    ("", "", ""),
    ("tysiąc", "tysiące", "tysięcy"),
    ("milion", "miliony", "milionów"),
    ("miliard", "miliardy", "miliardów"),
];

/// Which of the three forms a count takes.
fn form(n: u64) -> usize {
    if n == 1 {
        0
    } else if (2..=4).contains(&(n % 10)) && !(12..=14).contains(&(n % 100)) {
        1
    } else {
        2
    }
}

fn below_thousand(n: u64, out: &mut Vec<&'static str>) {
    let (h, rest) = ((n / 100) as usize, n % 100);
    if h > 0 {
        out.push(HUNDREDS[h]);
    }
    if rest >= 20 {
        out.push(TENS[(rest / 10) as usize]);
        if rest % 10 > 0 {
            out.push(UNITS[(rest % 10) as usize]);
        }
    } else if rest > 0 {
        out.push(UNITS[rest as usize]);
    }
}

/// A whole number in Polish words (below a trillion).
pub fn number_pl(n: u64) -> String {
    if n == 0 {
        return UNITS[0].to_string();
    }
    let mut out = Vec::new();
    for scale in (0..SCALES.len()).rev() {
        let unit = 1000u64.pow(scale as u32);
        let group = (n / unit) % 1000;
        if group == 0 {
            continue;
        }
        // "tysiąc", not "jeden tysiąc".
        if !(group == 1 && scale > 0) {
            below_thousand(group, &mut out);
        }
        if scale > 0 {
            let (one, few, many) = SCALES[scale];
            out.push([one, few, many][form(group)]);
        }
    }
    out.join(" ")
}

const EN_UNITS: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const EN_TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

/// A whole number in English words (below a trillion).
pub fn number_en(n: u64) -> String {
    if n == 0 {
        return "zero".into();
    }
    let mut out: Vec<String> = Vec::new();
    for (scale, name) in [(3u32, "billion"), (2, "million"), (1, "thousand"), (0, "")] {
        let group = (n / 1000u64.pow(scale)) % 1000;
        if group == 0 {
            continue;
        }
        let (h, rest) = (group / 100, group % 100);
        if h > 0 {
            out.push(format!("{} hundred", EN_UNITS[h as usize]));
        }
        if rest >= 20 {
            let t = EN_TENS[(rest / 10) as usize];
            out.push(if rest % 10 > 0 {
                format!("{t}-{}", EN_UNITS[(rest % 10) as usize])
            } else {
                t.to_string()
            });
        } else if rest > 0 {
            out.push(EN_UNITS[rest as usize].to_string());
        }
        if !name.is_empty() {
            out.push(name.to_string());
        }
    }
    out.join(" ")
}

/// The currency's noun for a count, in Polish.
fn currency_pl(c: Currency, n: u64) -> String {
    let forms: Option<[&str; 3]> = match c.as_str() {
        "PLN" => Some(["złoty", "złote", "złotych"]),
        "EUR" => Some(["euro", "euro", "euro"]),
        "USD" => Some(["dolar", "dolary", "dolarów"]),
        "GBP" => Some(["funt", "funty", "funtów"]),
        "CHF" => Some(["frank", "franki", "franków"]),
        _ => None,
    };
    match forms {
        Some(f) => f[form(n)].to_string(),
        None => c.as_str().to_string(),
    }
}

/// An amount in words: `tysiąc dwieście trzydzieści cztery złote 56/100` (Polish) or
/// `one thousand two hundred thirty-four PLN 56/100` (English). A negative amount (a correction)
/// starts with `minus`.
pub fn amount(amount: Decimal, currency: Currency, lang: Lang) -> String {
    let abs = amount.abs();
    let whole = abs.trunc().to_u64().unwrap_or(0);
    let cents = ((abs - abs.trunc()) * Decimal::ONE_HUNDRED)
        .round()
        .to_u64()
        .unwrap_or(0);
    let sign = if amount.is_sign_negative() && !amount.is_zero() {
        "minus "
    } else {
        ""
    };
    match lang {
        Lang::Pl => format!(
            "{sign}{} {} {cents:02}/100",
            number_pl(whole),
            currency_pl(currency, whole)
        ),
        Lang::En => format!("{sign}{} {currency} {cents:02}/100", number_en(whole)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    /// Written by hand, as an accountant would write them.
    const CASES: &[(u64, &str)] = &[
        (0, "zero"),
        (1, "jeden"),
        (11, "jedenaście"),
        (20, "dwadzieścia"),
        (21, "dwadzieścia jeden"),
        (100, "sto"),
        (112, "sto dwanaście"),
        (215, "dwieście piętnaście"),
        (999, "dziewięćset dziewięćdziesiąt dziewięć"),
        (1000, "tysiąc"),
        (1001, "tysiąc jeden"),
        (1234, "tysiąc dwieście trzydzieści cztery"),
        (2000, "dwa tysiące"),
        (5000, "pięć tysięcy"),
        (12000, "dwanaście tysięcy"),
        (22000, "dwadzieścia dwa tysiące"),
        (21000, "dwadzieścia jeden tysięcy"),
        (112_000, "sto dwanaście tysięcy"),
        (124_000, "sto dwadzieścia cztery tysiące"),
        (1_000_000, "milion"),
        (2_500_000, "dwa miliony pięćset tysięcy"),
        (5_000_001, "pięć milionów jeden"),
        (1_000_000_000, "miliard"),
        (
            987_654_321,
            "dziewięćset osiemdziesiąt siedem milionów sześćset pięćdziesiąt cztery tysiące trzysta dwadzieścia jeden",
        ),
    ];

    #[test]
    fn numbers_match_the_hand_written_table() {
        for (n, words) in CASES {
            assert_eq!(number_pl(*n), *words, "{n}");
        }
    }

    #[test]
    fn amounts_take_the_currency_in_the_right_case() {
        let pln = Currency::PLN;
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(
            amount(d("1234.56"), pln, Lang::Pl),
            "tysiąc dwieście trzydzieści cztery złote 56/100"
        );
        assert_eq!(amount(d("1"), pln, Lang::Pl), "jeden złoty 00/100");
        assert_eq!(amount(d("5.05"), pln, Lang::Pl), "pięć złotych 05/100");
        assert_eq!(amount(d("12"), pln, Lang::Pl), "dwanaście złotych 00/100");
        assert_eq!(
            amount(d("22"), pln, Lang::Pl),
            "dwadzieścia dwa złote 00/100"
        );
        assert_eq!(amount(d("0.99"), pln, Lang::Pl), "zero złotych 99/100");
        assert_eq!(
            amount(d("-1845.00"), pln, Lang::Pl),
            "minus tysiąc osiemset czterdzieści pięć złotych 00/100"
        );
        let eur = Currency::parse("EUR").unwrap();
        assert_eq!(amount(d("3.10"), eur, Lang::Pl), "trzy euro 10/100");
        assert_eq!(
            amount(d("1234.56"), pln, Lang::En),
            "one thousand two hundred thirty-four PLN 56/100"
        );
    }

    /// Reads Polish number words back: the inverse the property test checks against.
    fn read_back(words: &str) -> u64 {
        let value = |w: &str| -> Option<u64> {
            UNITS
                .iter()
                .position(|u| *u == w)
                .map(|i| i as u64)
                .or_else(|| {
                    TENS.iter()
                        .position(|t| *t == w && !t.is_empty())
                        .map(|i| i as u64 * 10)
                })
                .or_else(|| {
                    HUNDREDS
                        .iter()
                        .position(|h| *h == w && !h.is_empty())
                        .map(|i| i as u64 * 100)
                })
        };
        let (mut total, mut group) = (0u64, 0u64);
        for w in words.split(' ') {
            if let Some(v) = value(w) {
                group += v;
            } else if let Some(scale) = SCALES
                .iter()
                .position(|(a, b, c)| [*a, *b, *c].contains(&w))
            {
                total += group.max(1) * 1000u64.pow(scale as u32);
                group = 0;
            } else {
                panic!("unknown word {w:?} in {words:?}");
            }
        }
        total + group
    }

    proptest! {
        #[test]
        fn words_read_back_to_the_number(n in 0u64..1_000_000_000_000) {
            let words = number_pl(n);
            prop_assert_eq!(read_back(&words), n, "{}", words);
            prop_assert!(!words.contains("  "));
            prop_assert!(!words.starts_with("jeden tysiąc") && !words.starts_with("jeden milion"));
        }
    }

    #[test]
    fn english_numbers() {
        assert_eq!(number_en(0), "zero");
        assert_eq!(number_en(15), "fifteen");
        assert_eq!(number_en(1_000_001), "one million one");
        assert_eq!(number_en(2_345), "two thousand three hundred forty-five");
    }
}
