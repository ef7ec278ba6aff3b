//! From a report file's bytes to validated records: decode → table → recognise → extract → check.
//!
//! Everything here is pure (bytes in, records or a located error out), so the same code serves the
//! CLI, the daemon and the golden tests. Storing is `crate::import`'s job.

pub mod archive;
pub mod contacts;
pub mod container;
pub mod csv_table;
pub mod decode;
pub mod ksef;
pub mod mt940;
pub mod numbers;
pub mod pdf;
pub mod profile;
pub mod receivables;
pub mod recognise;
pub mod spreadsheet;
pub mod statement;
pub mod stream;
pub mod table;

use crate::domain::{BankAccount, Currency, Said};
use profile::{Field, Profile, ReportKind};
use recognise::Recognised;
use serde::{Deserialize, Serialize};
use std::fmt;
use table::{Row, Table};

/// A refusal, located as precisely as we can: file, sheet, row, column, cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportError {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Boxed: a refusal travels in every `Result` of the parsers, and two texts are large.
    pub cause: Box<Said>,
}

impl ReportError {
    pub fn file(file: &str, cause: Said) -> Self {
        ReportError {
            file: file.to_string(),
            sheet: None,
            row: None,
            column: None,
            cause: Box::new(cause),
        }
    }

    /// File, sheet, row, column and cause, in both languages.
    pub fn said(&self) -> Said {
        let mut pl = self.file.clone();
        let mut en = self.file.clone();
        if let Some(s) = &self.sheet {
            pl.push_str(&format!(", arkusz „{s}”"));
            en.push_str(&format!(", sheet \"{s}\""));
        }
        if let Some(r) = self.row {
            pl.push_str(&format!(", wiersz {r}"));
            en.push_str(&format!(", row {r}"));
        }
        if let Some(c) = &self.column {
            pl.push_str(&format!(", kolumna {c}"));
            en.push_str(&format!(", column {c}"));
        }
        Said::new(
            format!("{pl}: {}", self.cause.pl),
            format!("{en}: {}", self.cause.en),
        )
    }
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(s) = &self.sheet {
            write!(f, ", sheet \"{s}\"")?;
        }
        if let Some(r) = self.row {
            write!(f, ", row {r}")?;
        }
        if let Some(c) = &self.column {
            write!(f, ", column {c}")?;
        }
        write!(f, ": {}", self.cause.en)
    }
}

impl std::error::Error for ReportError {}

/// What the parser needs to know about us and its limits.
#[derive(Debug, Clone)]
pub struct ParseContext {
    /// Our own accounts: a transfer between them is internal, never a customer payment.
    pub own_accounts: Vec<BankAccount>,
    /// Our NIP: KSeF invoices where we are not the seller are skipped.
    pub our_nip: Option<String>,
    /// Currency of rows that state none.
    pub default_currency: Currency,
    pub sheet_limits: spreadsheet::SheetLimits,
    /// Where our calendar days are: a time written in UTC (a column "… (UTC)", or `…Z`) becomes
    /// the day it is here (23:30 UTC on 31 March is 1 April in Warsaw).
    pub timezone: chrono_tz::Tz,
}

impl Default for ParseContext {
    fn default() -> Self {
        ParseContext {
            own_accounts: Vec::new(),
            our_nip: None,
            default_currency: Currency::PLN,
            sheet_limits: spreadsheet::SheetLimits::default(),
            timezone: chrono_tz::Europe::Warsaw,
        }
    }
}

/// A row that was read but is not a record, and why (pending, not booked, blank amount, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub row: usize,
    pub reason: Said,
}

/// The records of one report.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Records {
    Statement(statement::Statement),
    Receivables(receivables::Receivables),
    Subscriptions(crate::billing::list::SubscriptionList),
    KsefReceipt(crate::billing::upo::Receipt),
}

impl Records {
    /// A warning said before the others (how the file was read).
    pub fn warn_first(&mut self, w: Said) {
        match self {
            Records::Statement(s) => s.warnings.insert(0, w),
            Records::Receivables(r) => r.warnings.insert(0, w),
            Records::Subscriptions(_) | Records::KsefReceipt(_) => {}
        }
    }
}

/// A parsed report: where it came from, how it was read, and its records.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Parsed {
    pub format: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub profile: String,
    pub records: Records,
}

impl Parsed {
    pub fn kind(&self) -> ReportKind {
        match self.records {
            Records::Statement(_) => ReportKind::Statement,
            Records::Receivables(_) => ReportKind::Receivables,
            Records::Subscriptions(_) => ReportKind::Subscriptions,
            Records::KsefReceipt(_) => ReportKind::KsefReceipt,
        }
    }
}

/// Parses one report file. Never panics on any input.
pub fn parse_report(
    file: &str,
    bytes: &[u8],
    profiles: &[Profile],
    ctx: &ParseContext,
) -> Result<Parsed, ReportError> {
    parse_bytes(file, bytes, profiles, ctx, false)
}

/// [`parse_report`]; `container_checked` when the file is a zip whose container has passed
/// [`container::check`] already (see `spreadsheet::read_workbook`).
pub(crate) fn parse_bytes(
    file: &str,
    bytes: &[u8],
    profiles: &[Profile],
    ctx: &ParseContext,
    container_checked: bool,
) -> Result<Parsed, ReportError> {
    if bytes.is_empty() {
        return Err(ReportError::file(
            file,
            crate::said!("plik jest pusty (0 bajtów)", "the file is empty (0 bytes)"),
        ));
    }
    if pdf::is_pdf(bytes) {
        let structure = pdf::check(bytes, ctx.sheet_limits.max_inflated)
            .map_err(|e| ReportError::file(file, e))?;
        let (mut texts, mut notes) = pdf::texts(bytes, &structure);
        // No text layer: a scan. OCR is the last resort.
        if texts.is_empty() && structure == pdf::Structure::Sound {
            match pdf::ocr(bytes) {
                Ok(t) if !t.trim().is_empty() => texts.push(("tesseract", t)),
                Ok(_) => notes.push("OCR found no text".into()),
                Err(e) => notes.push(e),
            }
        }
        if texts.is_empty() {
            let why = if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", notes.join("; "))
            };
            return Err(ReportError::file(
                file,
                match structure {
                    pdf::Structure::Damaged(e) => crate::said!(
                        "PDF jest uszkodzony i nie udało się odczytać z niego tekstu",
                        "the PDF is damaged ({e}) and no text could be read from it{why}"
                    ),
                    pdf::Structure::Sound => crate::said!(
                        "PDF nie ma warstwy tekstowej, a OCR nie odczytał z niego tekstu",
                        "the PDF has no text layer and OCR read no text from it{why}"
                    ),
                },
            ));
        }
        let mut last = None;
        for (extractor, text) in texts {
            let table = pdf::table(&text);
            match recognise::recognise(&table, profiles) {
                Ok(rec) => {
                    let mut parsed = extract(file, "pdf", &table, &rec, ctx)?;
                    parsed.encoding = Some(extractor.to_string());
                    if extractor == "tesseract" {
                        parsed.records.warn_first(crate::said!(
                            "plik to skan bez warstwy tekstowej: odczytano go przez OCR; kwoty przeszły te same kontrole co zawsze, ale warto je przejrzeć",
                            "the file is a scan without a text layer: it was read by OCR; the amounts passed the usual checks, but are worth a look"
                        ));
                    }
                    return Ok(parsed);
                }
                Err(no) => {
                    last = Some(ReportError::file(
                        file,
                        no.said().prefixed("", "").suffixed(
                            &format!(" (tekst odczytany przez {extractor})"),
                            &format!(" (text by {extractor})"),
                        ),
                    ))
                }
            }
        }
        return Err(last.unwrap_or_else(|| {
            ReportError::file(
                file,
                crate::said!("w PDF nie znaleziono tabeli", "no table found in the PDF"),
            )
        }));
    }
    if crate::billing::upo::looks_like(bytes) {
        let receipt = crate::billing::upo::parse(bytes).map_err(|e| ReportError::file(file, e))?;
        return Ok(Parsed {
            format: "ksef-upo".into(),
            encoding: Some("UTF-8".into()),
            sheet: None,
            profile: "ksef-upo".into(),
            records: Records::KsefReceipt(receipt),
        });
    }
    if ksef::looks_like(bytes) {
        let receivables = ksef::parse(file, bytes, ctx)?;
        let variant = ksef::variant(bytes);
        return Ok(Parsed {
            format: variant.into(),
            encoding: Some("UTF-8".into()),
            sheet: None,
            profile: variant.into(),
            records: Records::Receivables(receivables),
        });
    }
    if mt940::looks_like(bytes) {
        let (statement, encoding) = mt940::parse(file, bytes, ctx)?;
        return Ok(Parsed {
            format: "mt940".into(),
            encoding: Some(encoding.into()),
            sheet: None,
            profile: "mt940".into(),
            records: Records::Statement(statement),
        });
    }
    if spreadsheet::is_spreadsheet(bytes) {
        let (format, tables) =
            spreadsheet::read_workbook(bytes, ctx.sheet_limits, container_checked)
                .map_err(|e| ReportError::file(file, e.said()))?;
        let mut first_failure = None;
        for table in &tables {
            if table.rows.iter().all(Row::is_blank) {
                continue;
            }
            if let Some(parsed) = subscriptions(file, format, table, ctx)? {
                return Ok(parsed);
            }
            match recognise::recognise(table, profiles) {
                Ok(rec) => return extract(file, format, table, &rec, ctx),
                Err(no) => {
                    if first_failure.is_none() {
                        first_failure = Some(ReportError {
                            file: file.to_string(),
                            sheet: table.sheet.clone(),
                            row: None,
                            column: None,
                            cause: Box::new(no.said()),
                        });
                    }
                }
            }
        }
        return Err(first_failure.unwrap_or_else(|| {
            ReportError::file(
                file,
                crate::said!("wszystkie arkusze są puste", "every sheet is empty"),
            )
        }));
    }
    let decoded = decode::decode_text(bytes).map_err(|e| ReportError::file(file, e.said()))?;
    let table =
        csv_table::read_csv(&decoded.text, decoded.encoding, &ctx.sheet_limits).map_err(|e| {
            ReportError {
                file: file.to_string(),
                sheet: None,
                row: Some(e.line),
                column: None,
                cause: Box::new(e.cause),
            }
        })?;
    parse_table(file, "csv", &table, profiles, ctx)
}

/// A table read from delimited text: a subscriptions list, or a report a profile recognises.
pub(crate) fn parse_table(
    file: &str,
    format: &'static str,
    table: &Table,
    profiles: &[Profile],
    ctx: &ParseContext,
) -> Result<Parsed, ReportError> {
    if table.rows.iter().all(Row::is_blank) {
        return Err(ReportError::file(
            file,
            crate::said!("plik nie ma wierszy", "the file has no rows"),
        ));
    }
    if let Some(parsed) = subscriptions(file, format, table, ctx)? {
        return Ok(parsed);
    }
    let rec =
        recognise::recognise(table, profiles).map_err(|no| ReportError::file(file, no.said()))?;
    extract(file, format, table, &rec, ctx)
}

/// Whether the table is a subscriptions list (read by its own columns, not by a profile).
pub(crate) fn billing_list(table: &Table) -> bool {
    crate::billing::list::recognise(table).is_some()
}

/// A subscriptions list, when the table is one (it has its own columns: client, service, price,
/// cycle, start), read row by row.
fn subscriptions(
    file: &str,
    format: &str,
    table: &Table,
    ctx: &ParseContext,
) -> Result<Option<Parsed>, ReportError> {
    let Some((at, cols)) = crate::billing::list::recognise(table) else {
        return Ok(None);
    };
    let list = crate::billing::list::extract(file, table, at, &cols, ctx.default_currency)?;
    Ok(Some(Parsed {
        format: format.to_string(),
        encoding: table.encoding.map(str::to_string),
        sheet: table.sheet.clone(),
        profile: "subscriptions".into(),
        records: Records::Subscriptions(list),
    }))
}

fn extract(
    file: &str,
    format: &'static str,
    table: &Table,
    rec: &Recognised<'_>,
    ctx: &ParseContext,
) -> Result<Parsed, ReportError> {
    let records = match rec.profile.kind {
        ReportKind::Statement => Records::Statement(statement::extract(file, table, rec, ctx)?),
        ReportKind::Receivables => {
            Records::Receivables(receivables::extract(file, table, rec, ctx)?)
        }
        // Profiles describe statements and receivables only.
        ReportKind::Subscriptions | ReportKind::KsefReceipt => {
            let name = &rec.profile.name;
            return Err(ReportError::file(
                file,
                crate::said!(
                    "profil {name} opisuje rodzaj raportu, którego nie czyta się profilem",
                    "profile {name} describes a kind of report that is not read by a profile"
                ),
            ));
        }
    };
    Ok(Parsed {
        format: format.to_string(),
        encoding: table.encoding.map(str::to_string),
        sheet: table.sheet.clone(),
        profile: rec.profile.name.clone(),
        records,
    })
}

/// Reads a row's cells by field, and builds located errors. Shared by both extractors.
pub(crate) struct RowReader<'a> {
    pub file: &'a str,
    pub table: &'a Table,
    pub rec: &'a Recognised<'a>,
    pub row: &'a Row,
    /// Our time zone, for times written in UTC.
    pub tz: chrono_tz::Tz,
    /// Whether the report writes dates with the year last month first (decided over a column).
    pub dates: numbers::DateOrder,
}

impl<'a> RowReader<'a> {
    pub fn column_of(&self, field: Field) -> Option<usize> {
        self.rec.columns.get(&field).copied()
    }

    pub fn cell(&self, field: Field) -> Option<&'a table::Cell> {
        self.column_of(field)
            .map(|i| self.row.cell(i))
            .filter(|c| !c.is_empty())
    }

    pub fn text(&self, field: Field) -> Option<String> {
        self.cell(field)
            .map(|c| crate::domain::text::collapse_spaces(&c.text()))
            .filter(|s| !s.is_empty())
    }

    pub fn column_label(&self, idx: usize) -> String {
        let name = self.table.column_name(idx);
        match self.rec.headers.get(idx).filter(|h| !h.is_empty()) {
            Some(h) => format!("{name} ({h})"),
            None => name,
        }
    }

    pub fn error(&self, field: Option<Field>, cause: Said) -> ReportError {
        ReportError {
            file: self.file.to_string(),
            sheet: self.table.sheet.clone(),
            row: Some(self.row.line),
            column: field
                .and_then(|f| self.column_of(f))
                .map(|i| self.column_label(i)),
            cause: Box::new(cause),
        }
    }

    /// An amount from a cell: text in any Polish/English format, or a spreadsheet number.
    pub fn amount(&self, field: Field) -> Result<Option<numbers::Amount>, ReportError> {
        let Some(cell) = self.cell(field) else {
            return Ok(None);
        };
        let parsed = match cell {
            table::Cell::Number(f) => float_amount(*f),
            other => numbers::parse_amount(&other.text()),
        };
        parsed
            .map(Some)
            .map_err(|e| self.error(Some(field), e.said()))
    }

    /// A date from a cell: text, a spreadsheet date, or an Excel serial number.
    pub fn date(&self, field: Field) -> Result<Option<chrono::NaiveDate>, ReportError> {
        let Some(cell) = self.cell(field) else {
            return Ok(None);
        };
        // A column that says its times are UTC, or a time written with `Z`: our day, not UTC's.
        // (Asked of every date of every row: read in place, not upper-cased into a new string.)
        let utc_column = self
            .column_of(field)
            .and_then(|i| self.rec.headers.get(i))
            .is_some_and(|h| {
                h.as_bytes()
                    .windows(3)
                    .any(|w| w.eq_ignore_ascii_case(b"utc"))
            });
        let to_local = |dt: chrono::NaiveDateTime| {
            use chrono::TimeZone;
            self.tz.from_utc_datetime(&dt).date_naive()
        };
        let parsed = match cell {
            table::Cell::DateTime(dt) if utc_column => Ok(to_local(*dt)),
            table::Cell::DateTime(dt) => Ok(dt.date()),
            table::Cell::Number(f) => excel_serial_date(*f)
                .ok_or_else(|| numbers::ValueError::Date(cell.text().into_owned())),
            other => {
                let t = other.text();
                let zulu = t.trim().ends_with('Z') && t.contains(':');
                if utc_column || zulu {
                    numbers::parse_datetime_in(&t, self.dates).map(to_local)
                } else {
                    numbers::parse_date_in(&t, self.dates)
                }
            }
        };
        parsed
            .map(Some)
            .map_err(|e| self.error(Some(field), e.said()))
    }

    pub fn currency(&self, field: Field) -> Result<Option<Currency>, ReportError> {
        match self.text(field) {
            None => Ok(None),
            Some(t) => Currency::parse(&t).map(Some).ok_or_else(|| {
                self.error(
                    Some(field),
                    crate::said!("nieznana waluta {t:?}", "unknown currency {t:?}"),
                )
            }),
        }
    }
}

/// A spreadsheet float as an exact two-place amount. Floats like 0.30000000000000004 come from
/// formulas; anything further than a millionth from a whole grosz is refused, not rounded.
fn float_amount(f: f64) -> Result<numbers::Amount, numbers::ValueError> {
    let text = table::format_float(f);
    if !f.is_finite() || f.abs() > 1e13 {
        return Err(numbers::ValueError::Amount(text));
    }
    let cents = (f * 100.0).round();
    if ((f * 100.0) - cents).abs() > 1e-6 * f.abs().max(1.0) {
        return Err(numbers::ValueError::Precision(text));
    }
    Ok(numbers::Amount {
        value: rust_decimal::Decimal::new(cents as i64, 2),
        currency: None,
    })
}

/// Excel serial day number → date (1900 system; serial 60 is Excel's fictitious 29 Feb 1900).
fn excel_serial_date(f: f64) -> Option<chrono::NaiveDate> {
    if !(1.0..=2_958_465.0).contains(&f) || f.fract() != 0.0 {
        return None;
    }
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let date = base.checked_add_days(chrono::Days::new(f as u64))?;
    use chrono::Datelike;
    (1990..=2100).contains(&date.year()).then_some(date)
}

/// A totals row says so in words.
pub(crate) fn is_totals_label(text: &str) -> bool {
    let t = profile::normalize_header(text);
    [
        "razem",
        "suma",
        "ogolem",
        "lacznie",
        "total",
        "totals",
        "podsumowanie",
        "sum",
    ]
    .iter()
    .any(|w| t == *w || t.starts_with(&format!("{w} ")) || t.starts_with(&format!("{w}:")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_amounts() {
        assert_eq!(float_amount(1230.1).unwrap().value.to_string(), "1230.10");
        assert_eq!(float_amount(0.1 + 0.2).unwrap().value.to_string(), "0.30");
        assert!(float_amount(1.234).is_err());
        assert!(float_amount(f64::NAN).is_err());
    }

    #[test]
    fn serial_dates() {
        assert_eq!(
            excel_serial_date(46093.0),
            chrono::NaiveDate::from_ymd_opt(2026, 3, 12)
        );
        assert_eq!(excel_serial_date(12.5), None);
        assert_eq!(excel_serial_date(5.0), None);
    }

    #[test]
    fn totals_labels() {
        assert!(is_totals_label("Razem:"));
        assert!(is_totals_label("RAZEM"));
        assert!(is_totals_label("Suma należności"));
        assert!(is_totals_label("Total"));
        assert!(!is_totals_label("Sumex Sp. z o.o."));
        assert!(!is_totals_label("FV/1/2026"));
    }
}
