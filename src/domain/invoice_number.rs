use super::{DomainError, text};
use serde::Serialize;
use std::fmt;

/// An invoice number as the issuer wrote it, plus a canonical form for comparing.
///
/// The original text is kept for every message a person reads. The canonical form is what we compare
/// and index on: upper case, no diacritics, no whitespace (payers and ERPs add spaces around `/`), and
/// `-` `_` `.` `\` read as `/` (the same invoice is written `FV-12-2026` in one export and `FV/12/2026`
/// in another). Leading zeros are kept: `FV/001/2026` and `FV/1/2026` may be different documents.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct InvoiceNumber {
    original: String,
    canonical: String,
    /// Where [`InvoiceNumber::core`] starts in `canonical`: matching reads the core of every
    /// candidate invoice it looks up, and stripping the prefixes each time was a tenth of it.
    #[serde(skip)]
    core_at: usize,
}

/// Prefixes that only say "invoice" and that payers add, drop or change freely.
const GENERIC_PREFIXES: &[&str] = &[
    "FAKTURA", "FAKT", "FVAT", "FVS", "FV", "FA", "FS", "F", "INVOICE", "INV", "NUMER", "NR",
];

impl InvoiceNumber {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let original = text::collapse_spaces(raw);
        let canonical = canonicalize(&original);
        if canonical.chars().all(|c| !c.is_ascii_alphanumeric()) {
            return Err(DomainError::EmptyInvoiceNumber);
        }
        let core_at = canonical.len() - strip_generic_prefix(&canonical).len();
        Ok(InvoiceNumber {
            original,
            canonical,
            core_at,
        })
    }

    pub fn original(&self) -> &str {
        &self.original
    }

    /// Canonical form: the key invoices are stored and found under.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// The canonical form without a generic "invoice" prefix (`FV/12/2026` → `12/2026`), for matching
    /// against transfer titles where payers drop or change the prefix. Only used with whole-token
    /// comparison, so `12/2026` never matches inside `112/2026`.
    pub fn core(&self) -> &str {
        &self.canonical[self.core_at..]
    }
}

/// [`InvoiceNumber::core`] of a text already canonical (see [`canonicalize`]): the title
/// readers find numbers in canonical form, and parsing one again would only copy it. Empty when
/// it holds no letter or digit (no number).
pub fn core_of_canonical(canonical: &str) -> &str {
    if canonical.chars().any(|c| c.is_ascii_alphanumeric()) {
        strip_generic_prefix(canonical)
    } else {
        ""
    }
}

/// Canonical form of any text that may hold an invoice number (see [`InvoiceNumber`]).
pub fn canonicalize(raw: &str) -> String {
    // Titles and numbers are mostly ASCII: folding diacritics and upper-casing them is then the
    // ASCII upper case of each character, done in the one pass below.
    let folded: std::borrow::Cow<'_, str> = if raw.is_ascii() {
        raw.into()
    } else {
        text::fold_diacritics(raw).to_uppercase().into()
    };
    let mut out = String::with_capacity(folded.len());
    // Whether the last thing written is a separator, or nothing is: no separator leads (the
    // canonical form never starts with `/`) and none follows another.
    let mut after_separator = true;
    for c in folded.chars() {
        match c {
            // Letters and digits first: they are most of it.
            c if c.is_ascii_alphanumeric() => {
                out.push(c.to_ascii_uppercase());
                after_separator = false;
            }
            '-' | '_' | '.' | '\\' | '/' => {
                if !after_separator {
                    out.push('/');
                    after_separator = true;
                }
            }
            c if text::is_space(c) => {}
            c => {
                out.push(c.to_ascii_uppercase());
                after_separator = false;
            }
        }
    }
    // Nor ends with one (separators never follow one another in it).
    if out.ends_with('/') {
        out.pop();
    }
    out
}

/// Strips generic prefixes, also stacked ones (`FAKT/NR/12/2026`, `FAKTURA/FV/12/2026` → `12/2026`).
fn strip_generic_prefix(canonical: &str) -> &str {
    let mut rest = canonical;
    'outer: loop {
        // Every prefix starts with one of these: most numbers a title holds start with a digit,
        // and are done with at once rather than held against each prefix.
        if !rest.starts_with(['F', 'I', 'N']) {
            return rest;
        }
        for p in GENERIC_PREFIXES {
            if let Some(after) = rest.strip_prefix(p) {
                let trimmed = after.trim_start_matches('/');
                // Only a prefix when a number or another prefix follows: "FV/12" → "12",
                // "FV12" → "12", but "FA" in "FAB/12" is part of the number.
                let next_is_prefix = || {
                    after.starts_with('/')
                        && GENERIC_PREFIXES.iter().any(|q| {
                            trimmed.strip_prefix(q).is_some_and(|x| {
                                x.trim_start_matches('/')
                                    .starts_with(|c: char| c.is_ascii_digit())
                            })
                        })
                };
                if trimmed.starts_with(|c: char| c.is_ascii_digit()) || next_is_prefix() {
                    rest = trimmed;
                    continue 'outer;
                }
            }
        }
        return rest;
    }
}

impl fmt::Display for InvoiceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn canon(s: &str) -> String {
        InvoiceNumber::parse(s).unwrap().canonical().to_string()
    }

    #[test]
    fn canonical_forms_agree() {
        assert_eq!(canon("FV/0312/2026"), "FV/0312/2026");
        assert_eq!(canon("fv / 0312 / 2026"), "FV/0312/2026");
        assert_eq!(canon("FV-0312-2026"), "FV/0312/2026");
        assert_eq!(canon("FV_0312.2026"), "FV/0312/2026");
        assert_eq!(canon("FV\u{00A0}0312/2026"), "FV0312/2026");
        assert_eq!(canon("KOR/09/2026/01"), "KOR/09/2026/01");
    }

    #[test]
    fn original_is_kept() {
        let n = InvoiceNumber::parse("  FV 312/03/2026 ").unwrap();
        assert_eq!(n.original(), "FV 312/03/2026");
        assert_eq!(n.to_string(), "FV 312/03/2026");
    }

    #[test]
    fn core_strips_only_generic_prefixes() {
        assert_eq!(
            InvoiceNumber::parse("FV/12/2026").unwrap().core(),
            "12/2026"
        );
        assert_eq!(
            InvoiceNumber::parse("F/10033393/02/26").unwrap().core(),
            "10033393/02/26"
        );
        assert_eq!(
            InvoiceNumber::parse("PM1253/2018").unwrap().core(),
            "PM1253/2018"
        );
        assert_eq!(InvoiceNumber::parse("FAB/12").unwrap().core(), "FAB/12");
        assert_eq!(
            InvoiceNumber::parse("160/12/2025").unwrap().core(),
            "160/12/2025"
        );
    }

    #[test]
    fn empty_is_rejected() {
        assert!(InvoiceNumber::parse("").is_err());
        assert!(InvoiceNumber::parse(" / - ").is_err());
    }

    proptest! {
        #[test]
        fn canonical_is_idempotent(s in "[A-Za-z0-9 /._ -]{1,24}") {
            if let Ok(n) = InvoiceNumber::parse(&s) {
                prop_assert_eq!(canonicalize(n.canonical()), n.canonical().to_string());
            }
        }

        /// The one-pass canonical form is the definition it replaced: fold diacritics, upper
        /// case, drop spaces, read separators as one `/`, trim `/`. Over ASCII and not.
        #[test]
        fn canonical_form_is_its_definition(s in "[A-Za-z0-9 /._\\\\-ąęłóśżźćńĄĘŁÓŚŻŹĆŃßéÜ\u{00A0}\u{2009}]{0,24}") {
            let folded = text::fold_diacritics(&s).to_uppercase();
            let mut defined = String::new();
            for c in folded.chars() {
                match c {
                    c if text::is_space(c) => {}
                    '-' | '_' | '.' | '\\' | '/' => {
                        if !defined.ends_with('/') {
                            defined.push('/');
                        }
                    }
                    c => defined.push(c),
                }
            }
            prop_assert_eq!(canonicalize(&s), defined.trim_matches('/'));
            if let Ok(n) = InvoiceNumber::parse(&s) {
                prop_assert_eq!(n.core(), strip_generic_prefix(n.canonical()));
            }
        }

        /// Stripping prefixes answers as it did before it returned early on a number and
        /// looked for a second prefix only after a first one not followed by a digit.
        #[test]
        fn prefixes_are_stripped_by_their_definition(
            parts in proptest::collection::vec(
                "FAKTURA|FAKT|FVAT|FVS|FV|FA|FS|F|INVOICE|INV|NUMER|NR|FAB|N|I|X|[0-9]{1,3}|/",
                0..7,
            )
        ) {
            let s = parts.concat();
            prop_assert_eq!(strip_generic_prefix(&s), stripped_as_defined(&s), "{}", s);
        }

        #[test]
        fn spacing_does_not_matter(parts in proptest::collection::vec("[A-Z0-9]{1,5}", 1..5)) {
            let tight = parts.join("/");
            let loose = parts.join(" / ");
            prop_assert_eq!(canonicalize(&tight), canonicalize(&loose));
        }
    }

    /// The prefix stripping as first written: every prefix tried at every step.
    fn stripped_as_defined(canonical: &str) -> &str {
        let mut rest = canonical;
        'outer: loop {
            for p in GENERIC_PREFIXES {
                if let Some(after) = rest.strip_prefix(p) {
                    let trimmed = after.trim_start_matches('/');
                    let next_is_prefix = after.starts_with('/')
                        && GENERIC_PREFIXES.iter().any(|q| {
                            trimmed.strip_prefix(q).is_some_and(|x| {
                                x.trim_start_matches('/')
                                    .starts_with(|c: char| c.is_ascii_digit())
                            })
                        });
                    if trimmed.starts_with(|c: char| c.is_ascii_digit()) || next_is_prefix {
                        rest = trimmed;
                        continue 'outer;
                    }
                }
            }
            return rest;
        }
    }

    /// Every prefix is stripped before a number, also past the early return on what starts
    /// with no prefix's first letter.
    #[test]
    fn every_prefix_is_stripped() {
        for p in GENERIC_PREFIXES {
            for s in [
                format!("{p}12/2026"),
                format!("{p}/12/2026"),
                format!("NR/{p}/12/2026"),
            ] {
                assert_eq!(strip_generic_prefix(&s), "12/2026", "{s}");
            }
        }
    }
}
