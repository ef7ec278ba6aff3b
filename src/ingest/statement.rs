//! Bank statements and operation lists: rows → payments, with the statement's own checks.

use super::numbers::{self, looks_like_date};
use super::profile::{Field, Profile, normalize_header};
use super::recognise::Recognised;
use super::table::{Row, Table};
use super::{ParseContext, ReportError, RowReader, Skipped};
use crate::domain::Said;
use crate::domain::{BankAccount, Currency, text};
use chrono::NaiveDate;
use regex::Regex;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

pub use crate::domain::PaymentKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementRow {
    pub row: usize,
    pub booking_date: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_date: Option<NaiveDate>,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub currency: Currency,
    pub kind: PaymentKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterparty_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterparty_address: Option<String>,
    /// Electronic IBAN when valid, else the text as written (see `account_valid`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterparty_account: Option<String>,
    /// Whether the counterparty account passes its checksum (absent when there is no account).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_valid: Option<bool>,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tx_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bank_ref: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option",
        default
    )]
    pub balance_after: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Statement {
    /// Our account the statement is for, when the file says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option",
        default
    )]
    pub opening_balance: Option<Decimal>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option",
        default
    )]
    pub closing_balance: Option<Decimal>,
    pub rows: Vec<StatementRow>,
    pub skipped: Vec<Skipped>,
    pub warnings: Vec<crate::domain::Said>,
}

static ACCOUNT_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\b[A-Z]{2}\d{2}|\b\d{2})(?:[ \u{00A0}]?\d{4}){6}\b").expect("static regex")
});
static FEE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(opłat|oplat|prowizj|fee\b|fees\b|commission|charge|odsetki|obsługa rachunku|obsluga rachunku|kapitalizacja)")
        .expect("static regex")
});
/// An operation type written in capitals at the end of a description (mBank MŚP):
/// "... FV/0312/2026  PRZELEW ZEWNĘTRZNY PRZYCHODZĄCY".
static TRAILING_OP_TYPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\s(PRZELEW|WPŁATA|WYPŁATA|ZWROT|POLECENIE ZAPŁATY|ZLECENIE STAŁE)( [A-ZĄĆĘŁŃÓŚŹŻ/]+){0,4}\s*$").expect("static regex")
});
static VAT_LEG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(podziel|split|mpp).*\bvat\b|\bvat\b.*(podziel|split|mpp)")
        .expect("static regex")
});

const OPENING_LABELS: &[&str] = &[
    "saldo poczatkowe",
    "saldo otwarcia",
    "saldo na poczatek",
    "saldo poprzednie",
    "saldo przed",
    "opening balance",
    "starting balance",
];
const CLOSING_LABELS: &[&str] = &[
    "saldo koncowe",
    "saldo zamkniecia",
    "saldo na koniec",
    "closing balance",
    "ending balance",
];

/// Reads a whole table's operations (see [`Extractor`] for the reading row by row).
pub fn extract(
    file: &str,
    table: &Table,
    rec: &Recognised<'_>,
    ctx: &ParseContext,
) -> Result<Statement, ReportError> {
    let mut ex = Extractor::new(file, table, rec, ctx);
    let mut rows = Vec::new();
    for row in &table.rows[rec.data_start.min(table.rows.len())..] {
        if let Some(op) = ex.push(row)? {
            rows.push(op);
        }
    }
    let tail = ex.finish()?;
    Ok(tail.into_statement(rows))
}

/// Most skipped rows and row warnings kept one by one; beyond it they are counted (a
/// million-row statement where every account fails its checksum must not hold a million texts).
pub const KEEP_NOTES: usize = 1000;

/// What a statement says besides its operations, known once every row was read.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Tail {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option",
        default
    )]
    pub opening_balance: Option<Decimal>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option",
        default
    )]
    pub closing_balance: Option<Decimal>,
    pub skipped: Vec<Skipped>,
    /// Skipped rows beyond [`KEEP_NOTES`].
    #[serde(default)]
    pub skipped_more: usize,
    pub warnings: Vec<Said>,
    /// Operations read.
    #[serde(default)]
    pub operations: usize,
}

impl Tail {
    pub fn into_statement(self, rows: Vec<StatementRow>) -> Statement {
        Statement {
            account: self.account,
            opening_balance: self.opening_balance,
            closing_balance: self.closing_balance,
            rows,
            skipped: self.skipped,
            warnings: self.warnings,
        }
    }
}

/// Reads a statement's operations one row at a time, so a file of a million rows never has to be
/// a table in memory: [`Extractor::push`] turns each data row into an operation (or a skipped
/// row), [`Extractor::finish`] checks the balances over all of them and says what else the
/// statement holds. `table` holds the rows read so far up to the header (the preamble), which
/// is all the reader needs of the table itself.
pub struct Extractor<'a> {
    file: &'a str,
    table: &'a Table,
    rec: &'a Recognised<'a>,
    ctx: &'a ParseContext,
    default_currency: Currency,
    skip_states: Vec<String>,
    /// Rows outside the operations (preamble, footer, labels), searched for balances and our
    /// account.
    outside: Vec<Row>,
    /// Non-data rows after the last data row so far: the footer, unless a dated row follows.
    trailing_non_data: Vec<Row>,
    own_account_from_rows: Option<String>,
    skipped: Vec<Skipped>,
    skipped_more: usize,
    warnings: Vec<Said>,
    warnings_more: usize,
    operations: usize,
    /// Sum of the operations, while they are all in one currency.
    movements: Decimal,
    first_currency: Option<Currency>,
    mixed_currencies: bool,
    /// The running balance: the previous row with one, how many have one, and where the chain
    /// first breaks read oldest first (and whether it breaks newest first).
    previous: Option<(usize, Decimal, Decimal)>,
    with_balance: usize,
    ascending_break: Option<usize>,
    descending_broken: bool,
}

impl<'a> Extractor<'a> {
    pub fn new(
        file: &'a str,
        table: &'a Table,
        rec: &'a Recognised<'a>,
        ctx: &'a ParseContext,
    ) -> Self {
        let profile = rec.profile;
        let outside: Vec<Row> = table.rows[..rec.data_start.min(table.rows.len())].to_vec();
        let refs: Vec<&Row> = outside.iter().collect();
        let default_currency = find_currency(&refs)
            .or_else(|| {
                profile
                    .default_currency
                    .as_deref()
                    .and_then(Currency::parse)
            })
            .unwrap_or(ctx.default_currency);
        let skip_states = profile
            .skip_states
            .iter()
            .map(|s| normalize_header(s))
            .collect();
        Extractor {
            file,
            table,
            rec,
            ctx,
            default_currency,
            skip_states,
            outside,
            trailing_non_data: Vec::new(),
            own_account_from_rows: None,
            skipped: Vec::new(),
            skipped_more: 0,
            warnings: Vec::new(),
            warnings_more: 0,
            operations: 0,
            movements: Decimal::ZERO,
            first_currency: None,
            mixed_currencies: false,
            previous: None,
            with_balance: 0,
            ascending_break: None,
            descending_broken: false,
        }
    }

    /// Our account as the rows have told it so far (an own-account column), for a reader that
    /// must name it before the footer is read.
    pub fn account_so_far(&self) -> Option<String> {
        let refs: Vec<&Row> = self.outside.iter().collect();
        find_account(&refs).or_else(|| self.own_account_from_rows.clone())
    }

    fn skip(&mut self, row: usize, reason: Said) {
        if self.skipped.len() < KEEP_NOTES {
            self.skipped.push(Skipped { row, reason });
        } else {
            self.skipped_more += 1;
        }
    }

    /// One row of the data part: the operation it is, or `None` (skipped, blank, or not data).
    pub fn push(&mut self, row: &Row) -> Result<Option<StatementRow>, ReportError> {
        if row.is_blank() {
            return Ok(None);
        }
        let (file, table, rec, ctx) = (self.file, self.table, self.rec, self.ctx);
        let r = RowReader {
            file,
            table,
            rec,
            row,
            tz: ctx.timezone,
            dates: Default::default(),
        };
        if let Some(state) = r.text(Field::State)
            && self.skip_states.contains(&normalize_header(&state))
        {
            self.skip(
                row.line,
                crate::said!(
                    "stan {state}: operacja niezaksięgowana",
                    "state {state}: not booked"
                ),
            );
            return Ok(None);
        }
        // The value date stands in only when the export has no booking date column at all: an empty
        // booking date means the operation is not booked yet.
        let date_field = if r.column_of(Field::BookingDate).is_some() {
            Field::BookingDate
        } else {
            Field::ValueDate
        };
        let Some(date_text) = r.text(date_field) else {
            self.trailing_non_data.push(row.clone());
            return Ok(None);
        };
        let is_date_cell = matches!(
            r.cell(date_field),
            Some(super::table::Cell::DateTime(_) | super::table::Cell::Number(_))
        );
        if !is_date_cell && !looks_like_date(&date_text) {
            // Text in the date column: a label, a repeated header or a note is no operation; a
            // row that has an amount is one whose date cannot be read, and it must not vanish.
            if undated(table, rec, row).is_some()
                && read_amount(&r).is_ok_and(|(a, _)| !a.is_zero())
            {
                return Err(r.error(
                    Some(date_field),
                    crate::said!(
                        "nie da się odczytać daty {date_text:?} operacji",
                        "cannot read the date {date_text:?} of an operation"
                    ),
                ));
            }
            self.trailing_non_data.push(row.clone());
            return Ok(None);
        }
        // Rows without a date followed by a dated row are not a footer: pending operations (PKO
        // "W rozliczeniu", ING blocked amounts) or summary lines inside the table.
        for mid in std::mem::take(&mut self.trailing_non_data) {
            let reader = RowReader {
                file,
                table,
                rec,
                row: &mid,
                tz: ctx.timezone,
                dates: Default::default(),
            };
            match blocked(&reader).or_else(|| undated(table, rec, &mid)) {
                Some(why) => self.skip(mid.line, why),
                None => self.outside.push(mid),
            }
        }
        // A card payment authorised but not booked: its amount stands only in the blocked column.
        if let Some(why) = blocked(&r) {
            self.skip(row.line, why);
            return Ok(None);
        }
        let mut notes = RowNotes {
            kept: &mut self.warnings,
            more: &mut self.warnings_more,
        };
        let op = operation(&r, date_field, self.default_currency, ctx, &mut notes)?;
        let Some(op) = op else {
            self.skip(row.line, crate::said!("kwota zerowa", "zero amount"));
            return Ok(None);
        };
        if let Some(own) = r.text(Field::OwnAccount)
            && self.own_account_from_rows.is_none()
        {
            self.own_account_from_rows = BankAccount::parse(&own).ok().map(|a| a.to_string());
        }
        self.operations += 1;
        self.movements += op.amount;
        match self.first_currency {
            None => self.first_currency = Some(op.currency),
            Some(c) if c != op.currency => self.mixed_currencies = true,
            Some(_) => {}
        }
        if let Some(b) = op.balance_after {
            self.with_balance += 1;
            if let Some((_, prev_amount, prev_balance)) = self.previous {
                if self.ascending_break.is_none() && prev_balance + op.amount != b {
                    self.ascending_break = Some(op.row);
                }
                if b + prev_amount != prev_balance {
                    self.descending_broken = true;
                }
            }
            self.previous = Some((op.row, op.amount, b));
        }
        Ok(Some(op))
    }

    /// After the last row: the footer's balances checked against the operations, our account,
    /// what was skipped and the warnings.
    pub fn finish(mut self) -> Result<Tail, ReportError> {
        let (file, table) = (self.file, self.table);
        self.outside.append(&mut self.trailing_non_data);
        let refs: Vec<&Row> = self.outside.iter().collect();
        let opening = find_labelled_amount(file, table, &refs, OPENING_LABELS)?;
        let closing = find_labelled_amount(file, table, &refs, CLOSING_LABELS)?;
        if let (Some((open, _)), Some((close, close_line))) = (opening, closing) {
            if self.mixed_currencies {
                self.warnings.push(crate::said!(
                    "nie sprawdzono sald: wyciąg ma operacje w kilku walutach",
                    "balances not checked: the statement has rows in several currencies"
                ));
            } else if open + self.movements != close {
                return Err(ReportError {
                    file: file.to_string(),
                    sheet: table.sheet.clone(),
                    row: Some(close_line),
                    column: None,
                    cause: Box::new(balance_mismatch(open, self.movements, close)),
                });
            }
        }
        // With a "balance after" column, each row's balance should follow from its neighbour's,
        // oldest first or newest first. Banks order same-day rows loosely, so a break is a
        // warning, not a refusal.
        if self.with_balance >= 2
            && self.with_balance == self.operations
            && let Some(line) = self.ascending_break.filter(|_| self.descending_broken)
        {
            self.warnings.push(crate::said!(
                "wiersz {line}: saldo po operacji nie wynika z wiersza wcześniejszego",
                "row {line}: balance after the operation does not follow from the row before"
            ));
        }
        if self.warnings_more > 0 {
            self.warnings.push(more_warnings(self.warnings_more));
        }
        let account = find_account(&refs).or(self.own_account_from_rows);
        Ok(Tail {
            account,
            opening_balance: opening.map(|(v, _)| v),
            closing_balance: closing.map(|(v, _)| v),
            skipped: self.skipped,
            skipped_more: self.skipped_more,
            warnings: self.warnings,
            operations: self.operations,
        })
    }
}

/// Where a row's warnings go: the first [`KEEP_NOTES`] are written and kept, the rest only
/// counted. A generated or foreign statement can warn on every row (an account failing its
/// checksum): writing a million warnings in two languages to throw them away was a fifth of
/// the parsing time.
pub(super) struct RowNotes<'a> {
    pub(super) kept: &'a mut Vec<Said>,
    pub(super) more: &'a mut usize,
}

/// The last warning of a statement that had more than [`KEEP_NOTES`]: how many were not kept.
pub(super) fn more_warnings(n: usize) -> Said {
    crate::said!(
        "i {n} podobnych ostrzeżeń więcej",
        "and {n} more warnings like these"
    )
}

impl RowNotes<'_> {
    pub(super) fn push(&mut self, note: impl FnOnce() -> Said) {
        if self.kept.len() < KEEP_NOTES {
            self.kept.push(note());
        } else {
            *self.more += 1;
        }
    }
}

/// One dated row as an operation; `None` for a zero amount (skipped).
fn operation(
    r: &RowReader<'_>,
    date_field: Field,
    default_currency: Currency,
    ctx: &ParseContext,
    warnings: &mut RowNotes<'_>,
) -> Result<Option<StatementRow>, ReportError> {
    let line = r.row.line;
    let booking_date = r
        .date(date_field)?
        .ok_or_else(|| r.error(Some(date_field), crate::said!("brak daty", "no date")))?;
    let value_date = if date_field == Field::BookingDate {
        r.date(Field::ValueDate)?
    } else {
        None
    };
    let (amount, amount_currency) = read_amount(r)?;
    if amount.is_zero() {
        return Ok(None);
    }
    let currency = match r.currency(Field::Currency)? {
        Some(c) => c,
        None => amount_currency.unwrap_or(default_currency),
    };
    let kv = key_values(r);
    let pick = |f: Field| {
        r.text(f)
            .or_else(|| kv.iter().find(|(k, _)| *k == f).map(|(_, v)| v.clone()))
    };
    let party = counterparty(&pick, r.rec.profile, amount.is_sign_positive());
    let (counterparty_account, account_valid) = checked_account(party.account, line, warnings);
    let balance_after = match r.amount(Field::BalanceAfter) {
        Ok(b) => b.map(|a| a.value),
        Err(e) => {
            let (pl, en) = (e.cause.pl, e.cause.en);
            warnings.push(|| {
                crate::said!(
                    "wiersz {line}: nie odczytano salda: {pl}",
                    "row {line}: balance not read: {en}"
                )
            });
            None
        }
    };
    let kind = classify(
        amount,
        party.tx_type.as_deref(),
        &party.title,
        counterparty_account.as_deref(),
        ctx,
    );
    Ok(Some(StatementRow {
        row: line,
        booking_date,
        value_date,
        amount,
        currency,
        kind,
        counterparty_name: party.name.filter(|s| !s.is_empty()),
        counterparty_address: pick(Field::CounterpartyAddress),
        counterparty_account,
        account_valid,
        title: text::collapse_spaces(&party.title),
        tx_type: party.tx_type,
        bank_ref: pick(Field::BankRef),
        balance_after,
    }))
}

/// Who the other side is and what the transfer says, from the columns or, where the bank packs
/// them into one description, from that text.
struct Party {
    name: Option<String>,
    account: Option<String>,
    title: String,
    tx_type: Option<String>,
}

fn counterparty(
    pick: &dyn Fn(Field) -> Option<String>,
    profile: &Profile,
    incoming: bool,
) -> Party {
    let (name_field, account_field) = if incoming {
        (Field::PayerName, Field::PayerAccount)
    } else {
        (Field::PayeeName, Field::PayeeAccount)
    };
    let mut p = Party {
        name: pick(Field::CounterpartyName).or_else(|| pick(name_field)),
        account: pick(Field::CounterpartyAccount).or_else(|| pick(account_field)),
        title: pick(Field::Title).unwrap_or_default(),
        tx_type: pick(Field::TxType),
    };
    let Some(desc) = pick(Field::Description) else {
        return p;
    };
    // "Nadawca: ACME … Rachunek nadawcy: 61 1090 … Tytuł: FV 1/2026": each part by its label.
    if let Some(l) = labelled(&desc, incoming) {
        p.name = p.name.or(l.name);
        p.account = p.account.or(l.account);
        if p.title.is_empty() {
            p.title = l.title.unwrap_or(desc);
        }
        return p;
    }
    let mut rest = desc.clone();
    if p.account.is_none()
        && let Some(m) = ACCOUNT_IN_TEXT
            .find_iter(&desc)
            .find(|m| BankAccount::parse(m.as_str()).is_ok())
    {
        p.account = Some(m.as_str().to_string());
        rest = text::collapse_spaces(&desc.replacen(m.as_str(), " ", 1));
    }
    let mut split_name = false;
    if profile.name_before_comma
        && p.name.is_none()
        && let Some((name, after)) = rest.split_once(", ")
    {
        p.name = Some(name.trim().to_string());
        rest = after.trim().to_string();
        split_name = true;
    }
    if p.title.is_empty() {
        // "name, title  OPERATION TYPE": only in that shape is a trailing PRZELEW... the type;
        // "OPŁATA ZA PRZELEW NATYCHMIASTOWY" is a title.
        if let Some(m) = TRAILING_OP_TYPE.find(&rest).filter(|_| split_name) {
            if p.tx_type.is_none() {
                p.tx_type = Some(m.as_str().trim().to_string());
            }
            rest = rest[..m.start()].trim().to_string();
        }
        p.title = rest;
    } else if p.name.is_none() {
        // Revolut: "Money added from <name>" in Description, the title in Reference.
        p.name = rest
            .strip_prefix("Money added from ")
            .or_else(|| rest.strip_prefix("To "))
            .map(|s| s.trim().to_string());
    }
    p
}

/// A label inside a free-text description, and what it introduces.
static DESCRIPTION_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:^|[\s;,|])(nadawca|odbiorca|zleceniodawca|beneficjent|kontrahent|nazwa kontrahenta|dane kontrahenta|rachunek nadawcy|rachunek odbiorcy|rachunek kontrahenta|rachunek zleceniodawcy|rachunek beneficjenta|nr rachunku|numer rachunku|rachunek|tytuł|tytułem|tytul|tytulem|adres|sender|payer|beneficiary|recipient|account|title|reference)\s*:",
    )
    .expect("static regex")
});

/// The parts of a description written as `Label: value` pairs.
#[derive(Debug, Default, PartialEq)]
struct Labelled {
    name: Option<String>,
    account: Option<String>,
    title: Option<String>,
}

/// Reads a description made of labelled parts ("Nadawca: … Rachunek nadawcy: … Tytuł: …", as
/// Credit Agricole, Pekao and many others export): the counterparty on our side of the
/// direction (the sender of money in, the recipient of money out), its account, the title.
/// `None` unless at least two known labels are there, so a title such as "Zapłata: FV 1" is
/// never cut.
fn labelled(desc: &str, incoming: bool) -> Option<Labelled> {
    // Every label ends with a colon: a description with fewer than two (nearly all of them, on
    // every row of a statement) is not run through the label pattern.
    if desc.bytes().filter(|&b| b == b':').count() < 2 {
        return None;
    }
    let marks: Vec<(usize, usize, String)> = DESCRIPTION_LABEL
        .captures_iter(desc)
        .filter_map(|c| {
            let (label, whole) = (c.get(1)?, c.get(0)?);
            Some((
                label.start(),
                whole.end(),
                text::fold_diacritics(label.as_str()).to_lowercase(),
            ))
        })
        .collect();
    if marks.len() < 2 {
        return None;
    }
    let mut out = Labelled::default();
    for (k, (_, value_start, label)) in marks.iter().enumerate() {
        let end = marks.get(k + 1).map(|m| m.0).unwrap_or(desc.len());
        let value = text::collapse_spaces(
            desc.get(*value_start..end)
                .unwrap_or_default()
                .trim_matches(|c: char| c.is_whitespace() || matches!(c, ';' | ',' | '|')),
        );
        if value.is_empty() {
            continue;
        }
        let slot = match label.as_str() {
            "nadawca" | "zleceniodawca" | "sender" | "payer" if incoming => &mut out.name,
            "odbiorca" | "beneficjent" | "beneficiary" | "recipient" if !incoming => &mut out.name,
            "kontrahent" | "nazwa kontrahenta" | "dane kontrahenta" => &mut out.name,
            "rachunek nadawcy" | "rachunek zleceniodawcy" if incoming => &mut out.account,
            "rachunek odbiorcy" | "rachunek beneficjenta" if !incoming => &mut out.account,
            "rachunek kontrahenta" | "nr rachunku" | "numer rachunku" | "rachunek" | "account" => {
                &mut out.account
            }
            "tytul" | "tytulem" | "title" | "reference" => &mut out.title,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(value);
        }
    }
    Some(out)
}

/// The counterparty account as an electronic IBAN when it passes its checksum, else as written
/// (flagged, with a warning); `(account, valid)`.
fn checked_account(
    raw: Option<String>,
    line: usize,
    warnings: &mut RowNotes<'_>,
) -> (Option<String>, Option<bool>) {
    let Some(raw) = raw else {
        return (None, None);
    };
    match BankAccount::parse(&raw) {
        Ok(a) => (Some(a.to_string()), Some(true)),
        Err(_) => {
            let t = raw
                .trim_matches(|c| c == '\'' || c == '"' || text::is_space(c))
                .to_string();
            if t.is_empty() {
                (None, None)
            } else {
                warnings.push(|| {
                    crate::said!(
                        "wiersz {line}: rachunek kontrahenta {t:?} ma błędną sumę kontrolną; zapisano tak, jak podano",
                        "row {line}: counterparty account {t:?} fails its checksum; kept as written"
                    )
                });
                (Some(t), Some(false))
            }
        }
    }
}

/// A row whose only amount is a blocked one (ING): not an operation yet.
fn blocked(r: &RowReader<'_>) -> Option<Said> {
    let amount_empty = r.text(Field::Amount).is_none()
        && r.text(Field::Credit).is_none()
        && r.text(Field::Debit).is_none();
    let b = r.text(Field::Blocked).filter(|_| amount_empty)?;
    Some(crate::said!(
        "kwota zablokowana {b}: operacja jeszcze niezaksięgowana",
        "a blocked amount of {b}: the operation is not booked yet"
    ))
}

/// Why an undated row inside the table is skipped as an operation not booked yet; `None` for a
/// repeated header (a page break in a printed statement), a one-cell line (a page title) or a
/// labelled line: text, not an operation.
fn undated(table: &Table, rec: &Recognised<'_>, row: &Row) -> Option<Said> {
    let repeated_header = rec
        .header_row
        .is_some_and(|h| same_cells(&table.rows[h], row));
    let filled = row.cells.iter().filter(|c| !c.is_empty()).count();
    (!row_has_label(row) && !repeated_header && filled >= 2).then(|| {
        crate::said!(
            "brak daty księgowania (operacja oczekująca albo blokada)",
            "no booking date (pending or blocked operation)"
        )
    })
}

fn same_cells(a: &Row, b: &Row) -> bool {
    let norm = |r: &Row| {
        r.cells
            .iter()
            .map(|c| normalize_header(&c.text()))
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
    };
    norm(a) == norm(b)
}

/// Footer lines that are neither balances to check nor totals: counts of operations, the
/// available or book balance, blocked funds. "Liczba operacji: 2" has a number beside its label,
/// which must not read as an operation whose date cannot be read.
const INFO_LABELS: &[&str] = &[
    "liczba operacji",
    "liczba transakcji",
    "liczba pozycji",
    "liczba uznan",
    "liczba obciazen",
    "ilosc operacji",
    "ilosc transakcji",
    "ilosc pozycji",
    "ilosc uznan",
    "ilosc obciazen",
    "saldo dostepne",
    "saldo ksiegowe",
    "dostepne srodki",
    "srodki dostepne",
    "suma blokad",
    "kwota zablokowana",
    "number of transactions",
    "number of operations",
    "transaction count",
    "available balance",
    "book balance",
    "ledger balance",
];

fn row_has_label(row: &Row) -> bool {
    row.cells.iter().any(|c| {
        let t = normalize_header(&c.text());
        OPENING_LABELS
            .iter()
            .chain(CLOSING_LABELS)
            .chain(INFO_LABELS)
            .any(|l| t.starts_with(l))
            || super::is_totals_label(&t)
    })
}

/// What a bank operation is to us. Only `Incoming` may pay an invoice: a transfer from one of our own
/// accounts is internal; a credit typed as the VAT leg of a split payment belongs to the net leg;
/// debits are fees when their type or title says so, else outgoing payments.
pub(crate) fn classify(
    amount: Decimal,
    tx_type: Option<&str>,
    title: &str,
    counterparty_account: Option<&str>,
    ctx: &ParseContext,
) -> PaymentKind {
    let incoming = amount.is_sign_positive();
    let is_own =
        counterparty_account.is_some_and(|a| ctx.own_accounts.iter().any(|o| o.as_str() == a));
    if is_own {
        PaymentKind::Internal
    } else if incoming {
        if tx_type.is_some_and(|t| t.to_ascii_uppercase().contains("VAT") && VAT_LEG.is_match(t)) {
            PaymentKind::VatLeg
        } else {
            PaymentKind::Incoming
        }
    } else if FEE.is_match(tx_type.unwrap_or("")) || FEE.is_match(title) {
        PaymentKind::Fee
    } else {
        PaymentKind::Outgoing
    }
}

fn read_amount(r: &RowReader<'_>) -> Result<(Decimal, Option<Currency>), ReportError> {
    if let Some(a) = r.amount(Field::Amount)? {
        let mut value = a.value;
        if let Some(dir) = r.text(Field::Direction) {
            let d = normalize_header(&dir);
            let debit = [
                "d",
                "dt",
                "db",
                "wn",
                "debit",
                "obciazenie",
                "obciazenia",
                "wydatek",
                "wydatki",
                "-",
                "out",
            ];
            if debit.contains(&d.as_str()) {
                value = -value.abs();
            }
        }
        return Ok((value, a.currency));
    }
    let credit = r.amount(Field::Credit)?;
    let debit = r.amount(Field::Debit)?;
    match (credit, debit) {
        (None, None) => Err(r.error(
            Some(Field::Amount)
                .filter(|f| r.column_of(*f).is_some())
                .or(Some(Field::Credit)),
            crate::said!("brak kwoty", "no amount"),
        )),
        (c, d) => {
            let cv = c.as_ref().map(|a| a.value.abs()).unwrap_or_default();
            let dv = d.as_ref().map(|a| a.value.abs()).unwrap_or_default();
            let cur = c.and_then(|a| a.currency).or(d.and_then(|a| a.currency));
            Ok((cv - dv, cur))
        }
    }
}

/// `Key: value` cells (PKO BP) mapped to fields.
fn key_values(r: &RowReader<'_>) -> Vec<(Field, String)> {
    let Some(from) = r.rec.key_values_from else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for cell in r.row.cells.iter().skip(from) {
        let t = cell.text();
        let Some((k, v)) = t.split_once(':') else {
            continue;
        };
        let key = normalize_header(k);
        for (field, keys) in &r.rec.profile.key_values {
            if keys.iter().any(|s| normalize_header(s) == key) {
                let v = text::collapse_spaces(v);
                if !v.is_empty() {
                    out.push((*field, v));
                }
                break;
            }
        }
    }
    out
}

/// Finds a labelled amount ("#Saldo początkowe;10 000,00 PLN;") outside the table: the value follows
/// the label in the same cell after a colon, or in one of the next cells of the row.
fn find_labelled_amount(
    file: &str,
    table: &Table,
    rows: &[&Row],
    labels: &[&str],
) -> Result<Option<(Decimal, usize)>, ReportError> {
    for row in rows {
        for (i, cell) in row.cells.iter().enumerate() {
            let t = normalize_header(&cell.text());
            if !labels.iter().any(|l| t.starts_with(l)) {
                continue;
            }
            let raw = cell.text();
            if let Some((_, after)) = raw.split_once(':')
                && let Ok(a) = numbers::parse_amount(after)
            {
                return Ok(Some((a.value, row.line)));
            }
            for next in row.cells.iter().skip(i + 1) {
                if next.is_empty() {
                    continue;
                }
                let value = match next {
                    super::table::Cell::Number(f) => super::float_amount(*f),
                    other => numbers::parse_amount(&other.text()),
                };
                return match value {
                    Ok(a) => Ok(Some((a.value, row.line))),
                    Err(e) => Err(ReportError {
                        file: file.to_string(),
                        sheet: table.sheet.clone(),
                        row: Some(row.line),
                        column: None,
                        cause: {
                            let label = raw.trim();
                            let e = e.said();
                            let (pl, en) = (e.pl, e.en);
                            Box::new(crate::said!(
                                "saldo obok {label:?}: {pl}",
                                "balance next to {label:?}: {en}"
                            ))
                        },
                    }),
                };
            }
        }
    }
    Ok(None)
}

/// Opening + movements ≠ closing, in both languages with each one's number format.
pub(super) fn balance_mismatch(open: Decimal, movements: Decimal, close: Decimal) -> Said {
    let pl = crate::domain::format_pl;
    let en = crate::domain::format_en;
    let sum = open + movements;
    Said::new(
        format!(
            "salda się nie zgadzają: początkowe {} + obroty {} = {}, a saldo końcowe to {}",
            pl(open),
            pl(movements),
            pl(sum),
            pl(close)
        ),
        format!(
            "balances do not add up: opening {} + movements {} = {}, but the closing balance is {}",
            en(open),
            en(movements),
            en(sum),
            en(close)
        ),
    )
}

fn find_currency(rows: &[&Row]) -> Option<Currency> {
    for (ri, row) in rows.iter().enumerate() {
        for (i, cell) in row.cells.iter().enumerate() {
            let t = normalize_header(&cell.text());
            if t == "waluta" || t == "currency" || t == "waluta rachunku" {
                let right = row
                    .cells
                    .get(i + 1)
                    .and_then(|c| Currency::parse(&c.text()));
                let below = rows
                    .get(ri + 1)
                    .and_then(|r| Currency::parse(&r.cell(i).text()));
                if let Some(c) = right.or(below) {
                    return Some(c);
                }
            }
        }
    }
    None
}

fn find_account(rows: &[&Row]) -> Option<String> {
    rows.iter().flat_map(|r| r.cells.iter()).find_map(|c| {
        let t = c.text();
        ACCOUNT_IN_TEXT
            .find_iter(&t)
            .find_map(|m| BankAccount::parse(m.as_str()).ok())
            .map(|a| a.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_of_labelled_parts_is_read_part_by_part() {
        let d = "Nadawca: ACME SP Z O O ul. Długa 5 Warszawa Rachunek nadawcy: 61 1090 1014 0000 0712 1981 2874 Tytuł: FV 1/2026";
        assert_eq!(
            labelled(d, true),
            Some(Labelled {
                name: Some("ACME SP Z O O ul. Długa 5 Warszawa".into()),
                account: Some("61 1090 1014 0000 0712 1981 2874".into()),
                title: Some("FV 1/2026".into()),
            })
        );
        // Money out: the recipient is the counterparty, not us as the sender.
        let out = "Nadawca: NASZA FIRMA; Odbiorca: DOSTAWCA SA; Rachunek odbiorcy: PL27114020040000300201355387; Tytułem: zamówienie 7";
        let l = labelled(out, false).unwrap();
        assert_eq!(l.name.as_deref(), Some("DOSTAWCA SA"));
        assert_eq!(l.account.as_deref(), Some("PL27114020040000300201355387"));
        assert_eq!(l.title.as_deref(), Some("zamówienie 7"));
        // One label is a title that happens to hold a colon, not a labelled description.
        assert_eq!(labelled("Zapłata: FV 1/2026 tytuł zamówienia", true), None);
        assert_eq!(labelled("przelew za FV 1/2026", true), None);
    }
}
