//! Mapping profiles: how to find a report's header row and which column means what.
//!
//! Built-in profiles are TOML files compiled into the binary (`src/ingest/profiles/*.toml`); users add
//! their own in the same format to the configured profiles folder, without recompiling (the way hledger
//! CSV rules work). A profile recognises a table by headers it must contain (`detect`), maps fields to
//! header synonyms (`columns`), and says which fields must be present (`required`).

use crate::domain::text;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// What a report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// A bank statement or a list of bank operations.
    Statement,
    /// A receivables list or an invoice register from an ERP.
    Receivables,
    /// A list of subscriptions to invoice (recognised by its own columns, not by a profile).
    Subscriptions,
    /// A KSeF receipt (UPO) for invoices we issued.
    KsefReceipt,
}

impl ReportKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ReportKind::Statement => "statement",
            ReportKind::Receivables => "receivables",
            ReportKind::Subscriptions => "subscriptions",
            ReportKind::KsefReceipt => "ksef_receipt",
        }
    }
}

/// A column meaning. Statement fields and receivables fields share one enum so profiles use one
/// vocabulary; each profile kind uses its own subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    // Statement fields.
    BookingDate,
    ValueDate,
    /// Signed amount (negative = money out).
    Amount,
    /// Money in, when the bank splits credits and debits into two columns.
    Credit,
    /// Money out (sign ignored).
    Debit,
    /// A column saying credit or debit when the amount is unsigned.
    Direction,
    Currency,
    CounterpartyName,
    CounterpartyAddress,
    CounterpartyAccount,
    /// Sender's name/account: the counterparty of a credit.
    PayerName,
    PayerAccount,
    /// Recipient's name/account: the counterparty of a debit.
    PayeeName,
    PayeeAccount,
    Title,
    /// Free text that may hold name, title and account together (mBank "Opis operacji").
    Description,
    TxType,
    BankRef,
    BalanceAfter,
    /// Our own account, when the export states it on every row.
    OwnAccount,
    /// Operation state (Revolut: COMPLETED, PENDING, ...).
    State,
    /// An amount blocked on the account, not booked yet (ING "Kwota blokady/zwolnienie blokady").
    Blocked,
    // Receivables fields.
    Number,
    ClientName,
    Nip,
    IssueDate,
    DueDate,
    Gross,
    Net,
    Outstanding,
    Paid,
    Email,
    /// The invoice a correction row corrects (its own amount is then the change).
    Corrects,
}

impl Field {
    pub fn as_str(&self) -> &'static str {
        match self {
            Field::BookingDate => "booking_date",
            Field::ValueDate => "value_date",
            Field::Amount => "amount",
            Field::Credit => "credit",
            Field::Debit => "debit",
            Field::Direction => "direction",
            Field::Currency => "currency",
            Field::CounterpartyName => "counterparty_name",
            Field::CounterpartyAddress => "counterparty_address",
            Field::CounterpartyAccount => "counterparty_account",
            Field::PayerName => "payer_name",
            Field::PayerAccount => "payer_account",
            Field::PayeeName => "payee_name",
            Field::PayeeAccount => "payee_account",
            Field::Title => "title",
            Field::Description => "description",
            Field::TxType => "tx_type",
            Field::BankRef => "bank_ref",
            Field::BalanceAfter => "balance_after",
            Field::OwnAccount => "own_account",
            Field::State => "state",
            Field::Blocked => "blocked",
            Field::Number => "number",
            Field::ClientName => "client_name",
            Field::Nip => "nip",
            Field::IssueDate => "issue_date",
            Field::DueDate => "due_date",
            Field::Gross => "gross",
            Field::Net => "net",
            Field::Outstanding => "outstanding",
            Field::Paid => "paid",
            Field::Email => "email",
            Field::Corrects => "corrects",
        }
    }
}

impl Field {
    /// What the column holds, in words of both languages (never the field's identifier).
    pub fn words(self) -> crate::domain::Said {
        let (pl, en) = match self {
            Field::BookingDate => ("data księgowania", "booking date"),
            Field::ValueDate => ("data waluty", "value date"),
            Field::Amount => ("kwota", "amount"),
            Field::Credit => ("uznania (wpływy)", "credits (money in)"),
            Field::Debit => ("obciążenia (wydatki)", "debits (money out)"),
            Field::Direction => ("strona (uznanie/obciążenie)", "credit or debit"),
            Field::Currency => ("waluta", "currency"),
            Field::CounterpartyName => ("kontrahent", "counterparty"),
            Field::CounterpartyAddress => ("adres kontrahenta", "counterparty's address"),
            Field::CounterpartyAccount => ("rachunek kontrahenta", "counterparty's account"),
            Field::PayerName => ("nadawca", "payer"),
            Field::PayerAccount => ("rachunek nadawcy", "payer's account"),
            Field::PayeeName => ("odbiorca", "payee"),
            Field::PayeeAccount => ("rachunek odbiorcy", "payee's account"),
            Field::Title => ("tytuł", "title"),
            Field::Description => ("opis operacji", "description"),
            Field::TxType => ("typ operacji", "operation type"),
            Field::BankRef => ("numer referencyjny", "bank reference"),
            Field::BalanceAfter => ("saldo po operacji", "balance after"),
            Field::OwnAccount => ("nasz rachunek", "our account"),
            Field::State => ("stan operacji", "operation state"),
            Field::Blocked => ("kwota blokady", "blocked amount"),
            Field::Number => ("numer faktury", "invoice number"),
            Field::ClientName => ("nazwa klienta", "client name"),
            Field::Nip => ("NIP", "NIP"),
            Field::IssueDate => ("data wystawienia", "issue date"),
            Field::DueDate => ("termin płatności", "due date"),
            Field::Gross => ("kwota brutto", "gross amount"),
            Field::Net => ("kwota netto", "net amount"),
            Field::Outstanding => ("pozostało do zapłaty", "outstanding"),
            Field::Paid => ("zapłacono", "paid"),
            Field::Email => ("e-mail", "e-mail"),
            Field::Corrects => ("faktura korygowana", "corrected invoice"),
        };
        crate::domain::Said::new(pl, en)
    }
}

/// One mapping profile, as written in TOML.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Short identifier shown in import results (`mbank-operations`).
    pub name: String,
    /// Human description (`mBank: Lista operacji`).
    #[serde(default)]
    pub label: String,
    pub kind: ReportKind,
    /// Headers that must all be present in the header row. Bank profiles list their distinctive
    /// headers here; generic profiles leave it empty and rely on `required`.
    #[serde(default)]
    pub detect: Vec<String>,
    /// Headers whose presence rules this profile out (an invoice register has "Termin płatności",
    /// a bank statement never does).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// For exports without a header row: a regex the first non-blank row must match, with its cells
    /// joined by `;`. Columns are then given by `positions`.
    #[serde(default)]
    pub detect_first_row: Option<String>,
    /// Fields that must be mapped; `a|b` means either.
    #[serde(default)]
    pub required: Vec<String>,
    /// Field → header synonyms. The first not yet used column whose header matches wins.
    #[serde(default)]
    pub columns: BTreeMap<Field, Vec<String>>,
    /// Headerless exports: field → 1-based column number.
    #[serde(default)]
    pub positions: BTreeMap<Field, usize>,
    /// Cells from this header on hold `Key: value` pairs (PKO BP's unnamed trailing columns).
    #[serde(default)]
    pub key_values_from: Option<String>,
    /// Key → field for `Key: value` cells.
    #[serde(default)]
    pub key_values: BTreeMap<Field, Vec<String>>,
    /// The description starts with the counterparty's name and address, then a comma (mBank MŚP).
    #[serde(default)]
    pub name_before_comma: bool,
    /// Rows whose `state` is one of these are not booked yet: skipped, not failed.
    #[serde(default)]
    pub skip_states: Vec<String>,
    /// Currency when neither a column nor the amount says it.
    #[serde(default)]
    pub default_currency: Option<String>,
    /// Breaks ties between profiles that fit equally well.
    #[serde(default)]
    pub priority: i32,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("profile {file}: {source}")]
    Toml {
        file: String,
        source: Box<toml::de::Error>,
    },
    #[error("profile {file}: {message}")]
    Invalid { file: String, message: String },
    #[error("cannot read profiles folder {dir}: {source}")]
    Io { dir: String, source: std::io::Error },
}

const BUILTIN: &[(&str, &str)] = &[
    (
        "mbank-operations.toml",
        include_str!("profiles/mbank-operations.toml"),
    ),
    (
        "mbank-statement.toml",
        include_str!("profiles/mbank-statement.toml"),
    ),
    ("ing.toml", include_str!("profiles/ing.toml")),
    ("pko-bp.toml", include_str!("profiles/pko-bp.toml")),
    ("santander.toml", include_str!("profiles/santander.toml")),
    ("pekao.toml", include_str!("profiles/pekao.toml")),
    ("millennium.toml", include_str!("profiles/millennium.toml")),
    ("alior.toml", include_str!("profiles/alior.toml")),
    (
        "revolut-business.toml",
        include_str!("profiles/revolut-business.toml"),
    ),
    (
        "generic-statement.toml",
        include_str!("profiles/generic-statement.toml"),
    ),
    (
        "generic-receivables.toml",
        include_str!("profiles/generic-receivables.toml"),
    ),
];

impl Profile {
    pub fn from_toml(file: &str, source: &str) -> Result<Profile, ProfileError> {
        let p: Profile = toml::from_str(source).map_err(|e| ProfileError::Toml {
            file: file.to_string(),
            source: Box::new(e),
        })?;
        p.validate(file)?;
        Ok(p)
    }

    fn validate(&self, file: &str) -> Result<(), ProfileError> {
        let invalid = |message: String| ProfileError::Invalid {
            file: file.to_string(),
            message,
        };
        if self.name.trim().is_empty() {
            return Err(invalid("name is empty".into()));
        }
        if let Some(re) = &self.detect_first_row {
            regex::Regex::new(re).map_err(|e| invalid(format!("detect_first_row: {e}")))?;
            if self.positions.is_empty() {
                return Err(invalid("detect_first_row needs positions".into()));
            }
        }
        if self.positions.values().any(|p| *p == 0) {
            return Err(invalid("positions are 1-based column numbers".into()));
        }
        if self.detect.is_empty() && self.required.is_empty() && self.detect_first_row.is_none() {
            return Err(invalid(
                "a profile needs detect, required or detect_first_row".into(),
            ));
        }
        for req in &self.required {
            for alt in req.split('|') {
                let known = self
                    .columns
                    .keys()
                    .chain(self.positions.keys())
                    .chain(self.key_values.keys());
                if !known.clone().any(|f| f.as_str() == alt.trim()) {
                    return Err(invalid(format!(
                        "required field {alt:?} has no column synonyms"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Built-in profiles, then the user's (a user profile with a built-in's name replaces it).
    pub fn load_all(user_dir: Option<&Path>) -> Result<Vec<Profile>, ProfileError> {
        let mut profiles = Vec::new();
        for (file, src) in BUILTIN {
            profiles.push(Profile::from_toml(file, src)?);
        }
        if let Some(dir) = user_dir.filter(|d| d.is_dir()) {
            let io = |source| ProfileError::Io {
                dir: dir.display().to_string(),
                source,
            };
            let mut entries: Vec<_> = std::fs::read_dir(dir)
                .map_err(io)?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            entries.sort();
            for path in entries {
                let src = std::fs::read_to_string(&path).map_err(io)?;
                let p = Profile::from_toml(&path.display().to_string(), &src)?;
                profiles.retain(|q| q.name != p.name);
                profiles.push(p);
            }
        }
        Ok(profiles)
    }
}

/// Header text as compared: no diacritics, lower case, no `#` or quotes, single spaces, no trailing
/// `:` or `*`, no spaces around a slash. `"#Data księgowania:"` → `data ksiegowania`,
/// `"Rachunek nadawcy / odbiorcy"` → `rachunek nadawcy/odbiorcy` (banks write the pair both ways).
pub fn normalize_header(raw: &str) -> String {
    let folded = text::fold_diacritics(raw).to_lowercase();
    let trimmed = folded.trim_matches(|c: char| {
        text::is_space(c) || matches!(c, '#' | '"' | '\'' | '„' | '”' | '*' | ':' | '.')
    });
    let collapsed = text::collapse_spaces(trimmed);
    if collapsed.contains('/') {
        collapsed
            .replace(" / ", "/")
            .replace(" /", "/")
            .replace("/ ", "/")
    } else {
        collapsed
    }
}

/// Abbreviations Polish exports use that are not a prefix of the word they stand for.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("nr", "numer"),
    ("dt", "data"),
    ("wart", "wartosc"),
    ("zl", "zloty"),
    ("kw", "kwota"),
    ("pozost", "pozostalo"),
];

/// Whether the header word `h` stands for the synonym word `s`: the same word, a shortening of it
/// (`wyst` → `wystawienia`, `pl` → `platnosci`, `kontrah` → `kontrahent`), a known abbreviation
/// (`nr`, `dt`), or the same word with letters lost to a wrong code page (`ksi\u{fffd}gowania`).
fn word_like(h: &str, s: &str) -> bool {
    if h == s {
        return true;
    }
    if h.contains('\u{fffd}') {
        return h.chars().count() == s.chars().count()
            && h.chars()
                .zip(s.chars())
                .all(|(a, b)| a == b || a == '\u{fffd}');
    }
    if ABBREVIATIONS
        .iter()
        .any(|(a, full)| *a == h && s.starts_with(full))
    {
        return true;
    }
    // A shortening keeps the start: at least two letters, and not the whole of a short word.
    h.chars().count() >= 2 && s.len() > h.len() && s.starts_with(h)
}

/// Whether a header is the synonym with some letters lost to a wrong code page (each U+FFFD
/// stands for one letter): `data ksi\u{fffd}gowania` is `data ksiegowania`. As good as equal.
pub fn same_but_lost_letters(header: &str, synonym: &str) -> bool {
    header.contains('\u{fffd}')
        && header.chars().count() == synonym.chars().count()
        && header
            .chars()
            .zip(synonym.chars())
            .all(|(a, b)| a == b || (a == '\u{fffd}' && b.is_alphabetic()))
}

/// Whether a (normalized) header stands for a (normalized) synonym word by word: `termin pl` for
/// `termin platnosci`, `dt wyst` for `data wystawienia`, `pozost do zapl` for `pozostalo do
/// zaplaty`. The same number of words, each standing for its counterpart; the first word must
/// be at least three letters or the same (so `do` never stands for `dokument`).
///
/// The words are walked in place, not collected: recognising a report asks this of every cell
/// of its first rows against every profile's synonyms, some 140,000 times, nearly all of them
/// failing at once on the number of words.
pub fn header_like(header: &str, synonym: &str) -> bool {
    fn words(t: &str) -> impl Iterator<Item = &str> {
        t.split(|c: char| !(c.is_alphanumeric() || c == '\u{fffd}'))
            .filter(|w| !w.is_empty())
    }
    let count = words(header).count();
    if count == 0 || count != words(synonym).count() {
        return false;
    }
    let (Some(h0), Some(s0)) = (words(header).next(), words(synonym).next()) else {
        return false;
    };
    let first_ok = h0 == s0
        || h0.chars().count() >= 3
        || ABBREVIATIONS.iter().any(|(a, _)| *a == h0)
        || h0.contains('\u{fffd}');
    first_ok
        && words(header)
            .zip(words(synonym))
            .all(|(a, b)| word_like(a, b))
}

/// The header without a trailing bracketed note: `kwota (pln)` → `kwota`, `brutto [zl]` → `brutto`.
pub fn strip_bracket_note(h: &str) -> &str {
    if (h.ends_with(')') || h.ends_with(']'))
        && let Some(i) = h.rfind(['(', '['])
    {
        return h[..i].trim_end();
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviated_headers_stand_for_their_words() {
        let like = |h: &str, s: &str| header_like(&normalize_header(h), &normalize_header(s));
        for (h, s) in [
            ("Termin pł.", "Termin płatności"),
            ("Termin płat.", "Termin płatności"),
            ("Term. płatn.", "Termin płatności"),
            ("Data wyst.", "Data wystawienia"),
            ("Dt. wyst.", "Data wystawienia"),
            ("Nr dok.", "Numer dokumentu"),
            ("Kontrah.", "Kontrahent"),
            ("Wart. brutto", "Wartość brutto"),
            ("Pozost. do zapł.", "Pozostało do zapłaty"),
            ("Data ksi\u{fffd}gowania", "Data księgowania"),
            ("TERMIN PŁATNOŚCI", "Termin płatności"),
        ] {
            assert!(like(h, s), "{h} should stand for {s}");
        }
        for (h, s) in [
            ("Do zapłaty", "Dokument"),
            ("Data", "Data wystawienia"),
            ("Termin", "Termin płatności"),
            ("Data wysyłki", "Data wystawienia"),
            ("Netto", "Nazwa"),
            ("Nr konta", "Numer dokumentu"),
        ] {
            assert!(!like(h, s), "{h} should not stand for {s}");
        }
    }

    #[test]
    fn builtin_profiles_load() {
        let all = Profile::load_all(None).unwrap();
        assert_eq!(all.len(), BUILTIN.len());
    }

    #[test]
    fn header_normalisation() {
        assert_eq!(normalize_header("#Data księgowania"), "data ksiegowania");
        assert_eq!(normalize_header("  \"Tytuł:\" "), "tytul");
        // Banks write a pair of roles with and without spaces around the slash.
        assert_eq!(
            normalize_header("Rachunek nadawcy / odbiorcy"),
            normalize_header("Rachunek nadawcy/odbiorcy")
        );
        assert_eq!(normalize_header("Nadawca /Odbiorca"), "nadawca/odbiorca");
        assert_eq!(strip_bracket_note("kwota (pln)"), "kwota");
        assert_eq!(strip_bracket_note("kwota"), "kwota");
    }

    #[test]
    fn invalid_profile_is_refused() {
        let e = Profile::from_toml(
            "x.toml",
            "name = \"x\"\nkind = \"statement\"\nrequired = [\"amount\"]\n",
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("required field \"amount\" has no column synonyms"),
            "{e}"
        );
        let e = Profile::from_toml("x.toml", "name = \"x\"\nkind = \"statement\"\ncolour = 1\n")
            .unwrap_err();
        assert!(e.to_string().contains("colour"), "{e}");
    }
}
