//! What a transfer title says: invoice-number candidates (whole tokens), the split-payment fields,
//! NIPs. Pure text work.

use crate::domain::invoice_number::canonicalize;
use crate::domain::{Nip, text};
use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

/// A run of letters/digits joined by invoice-number separators: `F/10033393/02/26`, `FV-12-2026`,
/// `PS 95/11/2025` (two runs: `PS`, `95/11/2025`). Spaces are allowed around `/` (`FV / 0312 /
/// 2026`), never around `-` `_` `.`: there they are punctuation (`FV/12/2026 - zapłata`,
/// `fakt. 12/2026`), and a number ends at them. Read by [`chunk_spans`], which this regex specifies
/// (a test holds the two to the same answers).
#[cfg(test)]
static CHUNK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("[A-Z0-9]+{JOINED_RUNS}")).expect("static regex"));

/// Where the [`CHUNK`]s of a folded title are, in order. Scanned by hand: the regex's search
/// was a quarter of reading a title's numbers (some 1,500 instructions a title more than this
/// one pass over its bytes).
fn chunk_spans(folded: &str) -> Vec<std::ops::Range<usize>> {
    let b = folded.as_bytes();
    // `[A-Z0-9]`, and the end of a run of them from `i`.
    let in_run = |c: u8| matches!(c, b'A'..=b'Z' | b'0'..=b'9');
    let run = |mut i: usize| {
        while i < b.len() && in_run(b[i]) {
            i += 1;
        }
        i
    };
    // `\s` of the regex: Unicode white space, one character at `i` (its length), if any.
    let space = |i: usize| {
        folded
            .get(i..)
            .and_then(|t| t.chars().next())
            .filter(|c| c.is_whitespace())
            .map(char::len_utf8)
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !in_run(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = run(i);
        loop {
            // A separator: one of `\ - _ .`, or `/` with any white space around it.
            let mut k = end;
            if k < b.len() && matches!(b[k], b'\\' | b'-' | b'_' | b'.') {
                k += 1;
            } else {
                while let Some(n) = space(k) {
                    k += n;
                }
                if k >= b.len() || b[k] != b'/' {
                    break;
                }
                k += 1;
                while let Some(n) = space(k) {
                    k += n;
                }
            }
            // The separator counts only with a run after it.
            let next = run(k);
            if next == k {
                break;
            }
            end = next;
        }
        out.push(start..end);
        i = end;
    }
    out
}

/// The runs of a number after its first, each after a separator, as [`CHUNK`] and [`STATED`]
/// read them.
const JOINED_RUNS: &str = r"(?:(?:\s*/\s*|[\\\-_.])[A-Z0-9]+)*";

static NIP_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^0-9])((?:PL)?\d{3}-?\d{3}-?\d{2}-?\d{2}|(?:PL)?\d{3}-?\d{2}-?\d{2}-?\d{3})(?:[^0-9]|$)").expect("static regex")
});

/// A number the title says is an invoice's: after an invoice word (`FV 13/11/2026`, `faktura VAT
/// nr 13/11/2026`, `F-ra 13/2026`, `INV-0043`), written on or apart from it. Group 1 is the
/// number. A bare number (`13/11/2026`, `zamówienie 4512`) is not one: it may be a date, an
/// order or a customer number.
static STATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        &format!(
            r"(?:^|[^A-Z0-9])(?:FAKTUR[AYZE]?|FAKT|F-RA|FRA|FVAT|FV|FS|FA|INVOICE|INV)\.?(?:\s*VAT)?(?:\s*(?:NR|NUMER|NO)\b\.?)?[\s:#/\-_.]*([A-Z0-9]*[0-9][A-Z0-9]*{JOINED_RUNS})"
        ),
    )
    .expect("static regex")
});

/// Split payment (MPP) fields: `/VAT/23,00/IDC/5231242681/INV/PM1253/2018/TXT/free text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitPayment {
    /// VAT amount in minor units.
    pub vat: Option<i64>,
    pub idc: Option<String>,
    pub inv: Option<String>,
}

/// Parses the MPP markers. Invoice numbers and TXT contain `/`, so the title is split only on the
/// four literal markers.
pub fn split_payment(title: &str) -> Option<SplitPayment> {
    let up = title.to_uppercase();
    let vat_at = up.find("/VAT/")?;
    let markers = ["/VAT/", "/IDC/", "/INV/", "/TXT/"];
    let mut found: Vec<(usize, &str)> = markers
        .iter()
        .filter_map(|m| up[vat_at..].find(m).map(|i| (i + vat_at, *m)))
        .collect();
    found.sort();
    let field = |marker: &str| -> Option<String> {
        let pos = found.iter().position(|(_, m)| *m == marker)?;
        let start = found[pos].0 + marker.len();
        let end = found.get(pos + 1).map(|(i, _)| *i).unwrap_or(title.len());
        title
            .get(start..end)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let vat = field("/VAT/")
        .and_then(|v| crate::ingest::numbers::parse_amount(&v).ok())
        .map(|a| {
            let m = a.value * rust_decimal::Decimal::ONE_HUNDRED;
            i64::try_from(m.trunc()).unwrap_or(0)
        });
    Some(SplitPayment {
        vat,
        idc: field("/IDC/"),
        inv: field("/INV/"),
    })
}

/// A payment's title prepared once for the rules: as written, and folded (upper case without
/// diacritics), as every rule reads it. Each rule folding the title again was up to six copies
/// of every title a payment (splitting, numbers, the part-payment, interest, prepayment and
/// refund words): folded once, deciding 100,000 payments took an eighth fewer instructions.
pub struct Title<'t> {
    raw: &'t str,
    folded: String,
}

impl<'t> Title<'t> {
    pub fn new(raw: &'t str) -> Self {
        Title {
            raw,
            folded: folded_upper(raw),
        }
    }

    /// Upper case without diacritics.
    pub fn folded(&self) -> &str {
        &self.folded
    }

    /// The words of the folded title (runs of ASCII letters and digits).
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.folded
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
    }

    /// The split-payment fields, if the title has them. Most titles have no `/VAT/` marker, and
    /// the folded copy tells so without another upper-cased one.
    pub fn split_payment(&self) -> Option<SplitPayment> {
        // Folding changes no character of the marker, nor makes it of characters that upper
        // case alone would not: a title whose folded copy lacks it lacks it upper-cased.
        if !self.folded.contains("/VAT/") {
            return None;
        }
        split_payment(self.raw)
    }

    /// The title says it pays part of an invoice ("część 1", "I rata").
    pub fn says_partial(&self) -> bool {
        self.words().any(|w| PARTIAL_WORDS.contains(&w))
    }

    /// The title says the money comes before the invoice ("przedpłata", "zaliczka").
    pub fn says_prepayment(&self) -> bool {
        self.words().any(|w| PREPAYMENT_WORDS.contains(&w))
    }

    /// The title says the money is interest or compensation for a late invoice, not the
    /// invoice.
    pub fn says_interest(&self) -> bool {
        self.words()
            .any(|w| INTEREST_STEMS.iter().any(|s| w.starts_with(s)))
    }
}

/// A possible invoice number in a title, canonical.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    /// Joined from two runs of the title (a prefix written apart, a number cut by the bank's line
    /// length): it must match an invoice as written, never only with zeros dropped.
    pub joined: bool,
}

/// Canonical invoice-number candidates in a title, each a whole token. Adjacent runs are also tried
/// joined (`PS 95/11/2025` → `PS95/11/2025`; a title cut into pieces `FV/0312/20` + `26`), so a number
/// written with a space after its prefix, or split by the bank's line length, is still found whole.
pub fn number_candidates(title: &str) -> Vec<Token> {
    let title = Title::new(title);
    number_candidates_in(&title, title.split_payment().as_ref())
}

/// [`number_candidates`] of a title whose split-payment fields are read already.
pub(super) fn number_candidates_in(title: &Title<'_>, sp: Option<&SplitPayment>) -> Vec<Token> {
    let folded = title.folded();
    let found = chunk_spans(folded);
    let chunks: Vec<&str> = found.iter().map(|r| &folded[r.clone()]).collect();
    let mut out: Vec<Token> = Vec::new();
    let mut push = |text: String, joined: bool| {
        if has_digit(&text) && !out.iter().any(|t| t.text == text) {
            out.push(Token { text, joined });
        }
    };
    // Only what holds a digit can be a number (canonicalising adds none): the words of a title
    // are neither copied nor joined to one another, only to a neighbour with a digit.
    let canonical: Vec<String> = chunks
        .iter()
        .filter(|c| has_digit(c))
        .map(|c| canonicalize(c))
        .collect();
    for c in &canonical {
        push(c.clone(), false);
    }
    // Read also as payers shorten a number, after every number as written and only as an exact
    // match (like a joined token): `12/11/2026r.` ("roku") and `12/11/26` for `12/11/2026`.
    for c in &canonical {
        for variant in [without_year_word(c), with_full_year(c)]
            .into_iter()
            .flatten()
        {
            push(variant, true);
        }
    }
    for pair in chunks.windows(2) {
        let (c, next) = (pair[0], pair[1]);
        if !has_digit(c) && !has_digit(next) {
            continue;
        }
        push(canonicalize(&format!("{c}{next}")), true);
        push(canonicalize(&format!("{c}/{next}")), true);
    }
    for listed in shared_tails(folded, &found) {
        push(canonicalize(&listed), false);
    }
    if let Some(inv) = sp.and_then(|sp| sp.inv.as_deref()) {
        push(canonicalize(inv), false);
    }
    out
}

fn has_digit(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_digit())
}

/// Only ASCII digits (also when empty).
fn all_digits(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_digit())
}

/// `12/11/2026R` → `12/11/2026`: "r." (roku, "year") written onto the year.
fn without_year_word(canonical: &str) -> Option<String> {
    let head = canonical.strip_suffix('R')?;
    let year = head.rsplit('/').next()?;
    (year.len() >= 4
        && head.ends_with(|c: char| c.is_ascii_digit())
        && year[year.len() - 4..].starts_with("20")
        && all_digits(&year[year.len() - 4..]))
    .then(|| head.to_string())
}

/// `FV/12/11/26` → `FV/12/11/2026`: a number whose last part is a two-digit year, after a
/// month (`11`) or a number, written in full.
fn with_full_year(canonical: &str) -> Option<String> {
    let (head, year) = canonical.rsplit_once('/')?;
    let before = head.rsplit('/').next()?;
    (year.len() == 2 && all_digits(year) && has_digit(before)).then(|| format!("{head}/20{year}"))
}

/// `FV/13` → `13`, `FV13` → `13`, `13` → `13`.
fn without_letter_prefix(chunk: &str) -> &str {
    chunk
        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .trim_start_matches(|c: char| {
            matches!(c, '/' | '-' | '.' | '_' | '\\') || text::is_space(c)
        })
}

/// Words that join the numbers of a list: "12, 13 i 14/11/2026".
const LIST_WORDS: &[&str] = &["I", "ORAZ", "AND", "ET", "UND"];

/// Numbers written as a list sharing the tail of its last one: `FV 12, 13 i 14/11/2026` pays
/// 12/11/2026, 13/11/2026 and 14/11/2026, and read alone the title names only the last. Each
/// number before a full one (`14/11/2026`), joined to it only by commas, semicolons, `&`, `+` or a
/// list word, gets that number's tail. A member is digits, optionally after a letter prefix
/// (`FV13`, `FV/13`); anything else ends the list, so `rata 2, FV 14/11/2026` reads nothing more.
fn shared_tails(folded: &str, found: &[std::ops::Range<usize>]) -> Vec<String> {
    let text = |r: &std::ops::Range<usize>| &folded[r.clone()];
    let mut out = Vec::new();
    for (j, full) in found.iter().enumerate() {
        // The full number, without a letter prefix of its own (`FV/14/11/2026`).
        let number = without_letter_prefix(text(full));
        let Some(slash) = number.find('/') else {
            continue;
        };
        let head = number[..slash].trim_end();
        let tail = &number[slash..];
        // `12–14/11/2026`: the en dash splits the words; read as `12-14` when nothing else is
        // between them.
        let en_dashed = (j > 0 && &folded[found[j - 1].end..full.start] == "\u{2013}")
            .then(|| format!("{}-{head}", without_letter_prefix(text(&found[j - 1]))));
        if let Some(range) = range_of(en_dashed.as_deref().unwrap_or(head)) {
            out.extend(range.map(|n| format!("{n}{tail}")));
            continue;
        }
        if head.is_empty() || !all_digits(head) {
            continue;
        }
        let mut k = j;
        while k > 0 {
            let gap = &folded[found[k - 1].end..found[k].start];
            if !gap
                .chars()
                .all(|c| text::is_space(c) || matches!(c, ',' | ';' | '&' | '+'))
            {
                break;
            }
            k -= 1;
            let member = text(&found[k]);
            if LIST_WORDS.contains(&member) {
                continue;
            }
            let digits = without_letter_prefix(member);
            if digits.is_empty() || digits.len() > 6 || !all_digits(digits) {
                break;
            }
            out.push(format!("{digits}{tail}"));
        }
    }
    out
}

/// The longest range read as one (`FV 1-12/2026`, a year's monthly invoices).
const RANGE_AT_MOST: u32 = 12;

/// A range of numbers written without spaces before a shared tail: `1-3` of `FV 1-3/11/2026`
/// (or with an en dash). The first below the last, at most [`RANGE_AT_MOST`] numbers; with
/// spaces (`zamówienie 5 - 14/11/2026`) the second is as likely a date, and is not read.
fn range_of(head: &str) -> Option<std::ops::RangeInclusive<u32>> {
    let (a, b) = head.split_once('-')?;
    let digits = |t: &str| {
        (!t.is_empty() && t.len() <= 6 && t.bytes().all(|c| c.is_ascii_digit()))
            .then(|| t.parse::<u32>().ok())
            .flatten()
    };
    let (a, b) = (digits(a)?, digits(b)?);
    (a < b && b - a < RANGE_AT_MOST).then_some(a..=b)
}

/// Drops leading zeros of every numeric group: `0312/2026` → `312/2026`. Payers often drop them.
/// A number without any is lent back as it is; one with some is copied from its first such
/// group on, in one pass (a title's candidate numbers are each read this way, a million
/// payments' worth in a year's statement).
pub fn without_leading_zeros(canonical: &str) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut start = 0;
    loop {
        let end = canonical[start..]
            .find('/')
            .map_or(canonical.len(), |k| start + k);
        let group = &canonical[start..end];
        let kept = if all_digits(group) {
            match group.trim_start_matches('0') {
                "" => "0",
                t => t,
            }
        } else {
            group
        };
        match out.as_mut() {
            Some(o) => {
                o.push('/');
                o.push_str(kept);
            }
            None if kept.len() != group.len() => {
                let mut o = String::with_capacity(canonical.len());
                // The groups before, unchanged, with the `/` after them.
                o.push_str(&canonical[..start]);
                o.push_str(kept);
                out = Some(o);
            }
            None => {}
        }
        if end == canonical.len() {
            break;
        }
        start = end + 1;
    }
    out.map_or(Cow::Borrowed(canonical), Cow::Owned)
}

/// Words of a transfer that pays part of an invoice on purpose.
const PARTIAL_WORDS: &[&str] = &[
    "CZESC",
    "CZESCIOWA",
    "CZESCIOWO",
    "RATA",
    "RATY",
    "PARTIAL",
    "INSTALLMENT",
    "INSTALMENT",
];

/// Words of a transfer made before the invoice: a prepayment or an advance.
const PREPAYMENT_WORDS: &[&str] = &["PRZEDPLATA", "ZALICZKA", "PREPAYMENT", "ADVANCE", "AWANS"];

/// Upper case without diacritics: how titles are read. Most are ASCII, upper-cased in one copy.
fn folded_upper(title: &str) -> String {
    if title.is_ascii() {
        title.to_ascii_uppercase()
    } else {
        text::fold_diacritics(title).to_uppercase()
    }
}

/// Word stems of a transfer paying late-payment interest or the statutory compensation for an
/// invoice rather than the invoice: "nota odsetkowa", "odsetki za zwłokę", "rekompensata 40 EUR".
const INTEREST_STEMS: &[&str] = &["ODSETK", "ODSETEK", "REKOMPENSAT", "INTEREST"];

/// The invoice numbers a title states as such ([`STATED`]), canonical, in order.
pub fn stated_invoice_numbers(title: &Title<'_>) -> Vec<String> {
    let folded = title.folded();
    let mut out: Vec<String> = Vec::new();
    for c in STATED.captures_iter(folded) {
        if let Some(m) = c.get(1) {
            // `FV 2026 11 1`: digit groups apart, which no reading of the words tells apart
            // from a number and a date or an amount.
            let after = folded[m.end()..].trim_start();
            if after.len() < folded.len() - m.end()
                && after.starts_with(|c: char| c.is_ascii_digit())
            {
                continue;
            }
            let n = canonicalize(m.as_str());
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

/// Valid NIPs written in a title, other than `ours`.
pub fn nips(title: &str, ours: Option<&str>) -> Vec<String> {
    if !may_hold_nip(title) {
        return Vec::new();
    }
    let up = title.to_uppercase();
    let mut out = Vec::new();
    for c in NIP_IN_TEXT.captures_iter(&up) {
        if let Some(m) = c.get(1)
            && let Ok(n) = Nip::parse(m.as_str())
        {
            let n = n.to_string();
            if Some(n.as_str()) != ours && !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

/// Whether the title has ten digits in a row, single dashes between them aside: every NIP
/// [`NIP_IN_TEXT`] reads is such a run. Most titles have none (`FV/52654/07/2026`), and this
/// scan spares them the regex, a quarter of identifying a payer. Counted with `char::is_numeric`,
/// which holds every digit the regex's Unicode `\d` does.
fn may_hold_nip(title: &str) -> bool {
    let (mut run, mut dash) = (0, false);
    for c in title.chars() {
        if c.is_numeric() {
            run += 1;
            dash = false;
            if run == 10 {
                return true;
            }
        } else if c == '-' && !dash && run > 0 {
            dash = true;
        } else {
            run = 0;
            dash = false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_stated_as_invoices() {
        for (title, want) in [
            ("FV/0201/12/2026", vec!["0201/12/2026"]),
            ("zapłata za fakturę nr 201/12/2026", vec!["201/12/2026"]),
            // A series prefix after the words is read as the prefix it is.
            ("Faktura VAT nr: FS-12/2026 abonament", vec!["12/2026"]),
            ("F-ra 13/2026, F-RA 14/2026", vec!["13/2026", "14/2026"]),
            ("Invoice No. INV-0043", vec!["0043"]),
            ("inv 0043", vec!["0043"]),
            // Not said to be an invoice: a date, an order, a customer number.
            ("przelew z dnia 02/12/2026", vec![]),
            ("zamówienie nr 4512", vec![]),
            ("klient 1234 abonament", vec![]),
            // Digit groups apart: no telling where the number ends.
            ("FV 2026 11 1", vec![]),
            // An invoice word inside another word.
            ("PROFAKTURA 12", vec![]),
        ] {
            assert_eq!(stated_invoice_numbers(&Title::new(title)), want, "{title}");
        }
    }

    fn texts(title: &str) -> Vec<String> {
        number_candidates(title)
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn punctuation_ends_a_number() {
        assert!(texts("FV/12/2026 - zapłata").contains(&"FV/12/2026".to_string()));
        assert!(texts("FV/12/2026 - I rata").contains(&"FV/12/2026".to_string()));
        assert!(texts("fakt. 12/2026").contains(&"12/2026".to_string()));
        // Shortened as payers write them.
        assert!(texts("FV12/11/2026r.").contains(&"FV12/11/2026".to_string()));
        assert!(texts("FV 12/11/26").contains(&"12/11/2026".to_string()));
        assert!(!texts("FV 12/11/2026").contains(&"12/11/202026".to_string()));
        assert!(!texts("12/2026R").is_empty());
        assert!(texts("zapłata fakt.12/2026.").contains(&"FAKT/12/2026".to_string()));
        // Joined pieces are marked, so they are matched only as written.
        let t = number_candidates("FV 2026 11 1");
        assert!(t.iter().any(|t| t.text == "2026/11" && t.joined), "{t:?}");
    }

    #[test]
    fn candidates_are_whole_tokens() {
        let c = texts("Zapłata za FV/0298/2026, FV/0301/2026");
        assert!(
            c.contains(&"FV/0298/2026".to_string()) && c.contains(&"FV/0301/2026".to_string()),
            "{c:?}"
        );
        let c = texts("Faktura numer PS 95/11/2025");
        assert!(c.contains(&"PS95/11/2025".to_string()), "{c:?}");
        let c = texts("fv / 0312 / 2026 dziękuję");
        assert!(c.contains(&"FV/0312/2026".to_string()), "{c:?}");
        let c = texts("FV/12/11/2026");
        assert!(!c.contains(&"2/11/2026".to_string()), "{c:?}");
    }

    #[test]
    fn a_list_of_numbers_sharing_a_tail_names_each() {
        for (title, want) in [
            (
                "zapł. fv 12, 13 i 14/11/2026",
                vec!["12/11/2026", "13/11/2026", "14/11/2026"],
            ),
            (
                "FV/12, FV/13 oraz FV/14/11/2026",
                vec!["12/11/2026", "13/11/2026"],
            ),
            ("Faktury 7 & 8/2026 dziękuję", vec!["7/2026", "8/2026"]),
            (
                "invoices 101, 102 and 103/2026",
                vec!["101/2026", "102/2026"],
            ),
        ] {
            let c = texts(title);
            for w in want {
                assert!(c.contains(&w.to_string()), "{title}: {w} not in {c:?}");
            }
        }
        // A range without spaces, dash or en dash.
        for (title, want) in [
            (
                "zapłata FV 1-3/11/2026",
                vec!["1/11/2026", "2/11/2026", "3/11/2026"],
            ),
            (
                "FV12–14/11/2026",
                vec!["12/11/2026", "13/11/2026", "14/11/2026"],
            ),
        ] {
            let c = texts(title);
            for w in want {
                assert!(c.contains(&w.to_string()), "{title}: {w} not in {c:?}");
            }
        }
        // Not a range: with spaces (a date as likely), backwards, or too long.
        for (title, not) in [
            ("zamówienie 5 - 14/11/2026", "6/11/2026"),
            ("FV 3-1/11/2026", "2/11/2026"),
            ("FV 1-40/11/2026", "20/11/2026"),
        ] {
            assert!(!texts(title).contains(&not.to_string()), "{title}: {not}");
        }
        // Not a list: a word other than a list word, or a number that is no invoice's head.
        for (title, not) in [
            ("rata 2, FV 14/11/2026", "2/11/2026"),
            ("zamówienie 55 - FV 14/11/2026", "55/11/2026"),
            ("FV 14/11/2026 i 15", "15/11/2026"),
            ("NIP 5261040828, FV 14/11/2026", "5261040828/11/2026"),
        ] {
            assert!(!texts(title).contains(&not.to_string()), "{title}: {not}");
        }
    }

    #[test]
    fn interest_is_told_from_the_invoice() {
        for t in [
            "Nota odsetkowa NO/1/2026 do FV 3/11/2026",
            "odsetki za zwłokę FV/12/2026",
            "Rekompensata 40 EUR FV 3/11/2026",
            "late payment interest INV-7",
        ] {
            assert!(Title::new(t).says_interest(), "{t}");
        }
        for t in ["FV 3/11/2026", "zapłata za usługi", "Odsłuch 3/2026"] {
            assert!(!Title::new(t).says_interest(), "{t}");
        }
    }

    #[test]
    fn split_payment_fields() {
        let sp =
            split_payment("/VAT/230,00/IDC/5265260188/INV/FV/0305/2026/TXT/usługi marzec").unwrap();
        assert_eq!(sp.vat, Some(23000));
        assert_eq!(sp.idc.as_deref(), Some("5265260188"));
        assert_eq!(sp.inv.as_deref(), Some("FV/0305/2026"));
        assert_eq!(split_payment("FV/1/2026"), None);
    }

    /// The hand-written scanner reads the chunks the regex it replaced reads, over titles of
    /// letters, digits, the separators, white space (Unicode's too) and other characters.
    #[test]
    fn chunk_spans_are_what_the_regex_reads() {
        use proptest::prelude::*;
        let by_regex = |t: &str| -> Vec<std::ops::Range<usize>> {
            CHUNK.find_iter(t).map(|m| m.range()).collect()
        };
        proptest!(|(title in "[A-Z0-9a-z/\\\\\\-_. \t\u{a0}\u{2003}\u{2013},;ŁÓ]{0,40}")| {
            prop_assert_eq!(chunk_spans(&title), by_regex(&title), "{:?}", title);
        });
        for t in [
            "FV / 0312 / 2026 DZIEKUJE",
            "FV/12/2026 - ZAPLATA",
            "FAKT. 12/2026.",
            "PS 95/11/2025",
            "A\\B_C.D-E",
            "12 /",
            "/ 12 / / 13",
            "FV\u{a0}/\u{2003}12",
            "",
        ] {
            assert_eq!(chunk_spans(t), by_regex(t), "{t:?}");
        }
    }

    /// The pre-check never hides a NIP the regex reads: over titles of digits, dashes,
    /// slashes, spaces and letters (Unicode digits too), whenever the regex finds one the
    /// pre-check said it might.
    #[test]
    fn the_nip_pre_check_never_hides_a_nip() {
        use proptest::prelude::*;
        proptest!(|(title in "[0-9\\-/ PLa\u{0660}-\u{0669}\u{FF10}-\u{FF19}]{0,40}")| {
            if NIP_IN_TEXT.is_match(&title.to_uppercase()) {
                prop_assert!(may_hold_nip(&title), "{title}");
            }
        });
        assert!(!may_hold_nip("FV/52654/07/2026"));
        assert!(!may_hold_nip("526-104--08-28"));
        assert!(may_hold_nip("NIP 526-104-08-28"));
        assert!(may_hold_nip("/IDC/5265260188/"));
    }

    #[test]
    fn nips_in_titles() {
        assert_eq!(
            nips("zapłata NIP 526-104-08-28 za marzec", None),
            vec!["5261040828".to_string()]
        );
        assert_eq!(
            nips("/IDC/5265260188/INV/1", Some("5265260188")),
            Vec::<String>::new()
        );
        assert_eq!(nips("nr 5261040827", None), Vec::<String>::new());
    }

    #[test]
    fn leading_zeros() {
        assert_eq!(without_leading_zeros("FV/0312/2026"), "FV/312/2026");
        assert_eq!(without_leading_zeros("00/0"), "0/0");
    }

    /// Lending a number back when it has no leading zero answers as the copy always made.
    #[test]
    fn leading_zeros_are_dropped_by_their_definition() {
        use proptest::prelude::*;
        fn defined(canonical: &str) -> String {
            let groups: Vec<String> = canonical
                .split('/')
                .map(|g| {
                    if all_digits(g) {
                        let t = g.trim_start_matches('0');
                        if t.is_empty() { "0" } else { t }.to_string()
                    } else {
                        g.to_string()
                    }
                })
                .collect();
            groups.join("/")
        }
        proptest!(|(s in "[0A1/B9]{0,12}")| {
            prop_assert_eq!(without_leading_zeros(&s), defined(&s), "{:?}", s);
        });
        assert!(matches!(
            without_leading_zeros("FV/312/2026"),
            Cow::Borrowed(_)
        ));
    }
}
