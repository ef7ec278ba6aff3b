//! Receivables lists and invoice registers: rows → invoices, with the totals check.

use super::numbers::Amount;
use super::profile::Field;
use super::recognise::Recognised;
use super::table::{Row, Table};
use super::{ParseContext, ReportError, RowReader, Skipped, is_totals_label};
use crate::domain::Said;
use crate::domain::{Currency, InvoiceNumber, TaxId, format_pl};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceRow {
    pub row: usize,
    pub number: String,
    /// Canonical form, the key the invoice is stored under.
    pub number_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    /// Ten digits when valid, else as written (see `nip_valid`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nip: Option<String>,
    /// Whether the NIP passes its checksum (absent when there is no NIP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nip_valid: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<NaiveDate>,
    pub currency: Currency,
    /// The invoice's amount: the gross column, or what is outstanding when the list states only that.
    #[serde(with = "rust_decimal::serde::str")]
    pub gross: Decimal,
    /// What the ERP says is still to pay, when it says.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option",
        default
    )]
    pub outstanding: Option<Decimal>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub emails: Vec<String>,
    /// The invoice is subject to split payment (MPP), as KSeF's P_18A says.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub split_payment: bool,
    /// For a correction: the number of the invoice it corrects; `gross` is then the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrects: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Receivables {
    pub rows: Vec<InvoiceRow>,
    pub skipped: Vec<Skipped>,
    pub warnings: Vec<crate::domain::Said>,
    /// Whether a totals row was found and matched.
    pub totals_checked: bool,
}

pub fn extract(
    file: &str,
    table: &Table,
    rec: &Recognised<'_>,
    ctx: &ParseContext,
) -> Result<Receivables, ReportError> {
    let mut rows: Vec<InvoiceRow> = Vec::new();
    let mut skipped = Vec::new();
    let mut warnings = Vec::new();
    let mut totals: Vec<&Row> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let data = &table.rows[rec.data_start.min(table.rows.len())..];
    let dates = date_order(file, table, rec, data, &mut warnings)?;
    // Rows without an amount after the last invoice are a footer; in the middle they are errors.
    let mut pending_footer: Vec<RowReader<'_>> = Vec::new();

    for row in data {
        if row.is_blank() {
            continue;
        }
        let r = RowReader {
            file,
            table,
            rec,
            row,
            tz: ctx.timezone,
            dates,
        };
        if row.cells.iter().any(|c| is_totals_label(&c.text())) {
            totals.push(row);
            continue;
        }
        let has_amount = [Field::Gross, Field::Outstanding]
            .iter()
            .any(|f| r.cell(*f).is_some());
        let Some(number_text) = r.text(Field::Number) else {
            if has_amount {
                skipped.push(Skipped {
                    row: row.line,
                    reason: crate::said!(
                        "kwota bez numeru faktury (suma częściowa?)",
                        "an amount without an invoice number (subtotal?)"
                    ),
                });
            }
            // Otherwise a group heading ("Kontrahent: ...") or a note: nothing to read.
            continue;
        };
        if !has_amount {
            pending_footer.push(r);
            continue;
        }
        if let Some(first) = pending_footer.first() {
            return Err(first.error(Some(Field::Gross), no_amount()));
        }
        let invoice = invoice(&r, &number_text, ctx, &mut warnings)?;
        if let Some(&idx) = seen.get(&invoice.number_key) {
            let earlier: &InvoiceRow = &rows[idx];
            let same = InvoiceRow {
                row: earlier.row,
                ..invoice.clone()
            } == *earlier;
            if same {
                skipped.push(Skipped {
                    row: row.line,
                    reason: {
                        let e = earlier.row;
                        crate::said!("powtarza wiersz {e}", "repeats row {e}")
                    },
                });
                continue;
            }
            return Err(r.error(Some(Field::Number), {
                let (n, e) = (&invoice.number, earlier.row);
                crate::said!(
                    "faktura {n} występuje ponownie z innymi danymi (pierwszy raz w wierszu {e})",
                    "invoice {n} appears again with different data (first at row {e})"
                )
            }));
        }
        seen.insert(invoice.number_key.clone(), rows.len());
        rows.push(invoice);
    }
    // Rows after the last invoice with text but no amount are a footer ("Wydruk z programu…");
    // one whose number has digits may be an invoice that lost its amount: said, never dropped
    // unmentioned.
    for r in &pending_footer {
        let number = r.text(Field::Number).unwrap_or_default();
        if number.chars().any(|c| c.is_ascii_digit()) {
            let line = r.row.line;
            warnings.push(crate::said!(
                "wiersz {line}: {number:?} nie ma kwoty; nie odczytano go jako faktury",
                "row {line}: {number:?} has no amount; not read as an invoice"
            ));
        }
    }
    let totals_checked = check_totals(file, table, rec, &rows, &totals, &mut warnings)?;
    // No due date column at all: said once, loudly, first, instead of once per row.
    if !rec.columns.contains_key(&Field::DueDate) && !rows.is_empty() {
        let expected = rec
            .profile
            .columns
            .get(&Field::DueDate)
            .map(|s| {
                s.iter()
                    .take(4)
                    .map(|h| format!("„{h}”"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let n = rows.len();
        warnings.retain(|w| !w.en.ends_with("has no due date"));
        warnings.insert(
            0,
            crate::said!(
                "UWAGA: w tabeli nie ma kolumny z terminem płatności (oczekiwano np. {expected}); faktury zapisane bez terminu: {n}; żadne przypomnienie o nich nie wyjdzie, dopóki nie przyjdzie lista z terminami",
                "ATTENTION: the table has no due date column (expected e.g. {expected}); invoices stored without a due date: {n}; no reminder will go out for them until a list with due dates arrives"
            ),
        );
    }
    Ok(Receivables {
        rows,
        skipped,
        warnings,
        totals_checked,
    })
}

/// The order of day and month in the list's dates written with the year last, from all of its
/// issue and due dates together (an ERP writes every date of an export one way). `11/27/2026`
/// decides for month first, `27/11/2026` for day first. When no date decides and the headers are
/// English, the list may come from US software as well as from a British one: `11/02/2026` is 2
/// November or 11 February, and a due date read nine months early sends a demand to a client who
/// is not late. Such a list is refused, naming a date and how to export it. Polish headers are
/// read day first, as Polish software writes.
fn date_order(
    file: &str,
    table: &Table,
    rec: &Recognised<'_>,
    data: &[Row],
    warnings: &mut Vec<Said>,
) -> Result<super::numbers::DateOrder, ReportError> {
    let columns: Vec<usize> = [Field::IssueDate, Field::DueDate]
        .iter()
        .filter_map(|f| rec.columns.get(f).copied())
        .collect();
    let mut evidence = super::numbers::DateEvidence::default();
    for row in data {
        for &i in &columns {
            if let crate::ingest::table::Cell::Text(t) = row.cell(i) {
                evidence.add(t);
            }
        }
    }
    let english = |i: usize| {
        rec.headers.get(i).is_some_and(|h| {
            super::profile::normalize_header(h)
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| matches!(w, "date" | "due" | "issued"))
        })
    };
    if evidence.undecided()
        && let Some(&i) = columns.iter().find(|i| english(**i))
    {
        let example = evidence.ambiguous.clone().unwrap_or_default();
        let read = |order| {
            super::numbers::parse_date_in(&example, order)
                .map(crate::domain::months::spelled)
                .unwrap_or_else(|_| Said::new(example.clone(), example.clone()))
        };
        let (day_first, month_first) = (
            read(super::numbers::DateOrder::DayFirst),
            read(super::numbers::DateOrder::MonthFirst),
        );
        let (pl_day, pl_month) = (&day_first.pl, &month_first.pl);
        let (en_day, en_month) = (&day_first.en, &month_first.en);
        let header = rec.headers.get(i).cloned().unwrap_or_default();
        return Err(ReportError {
            file: file.to_string(),
            sheet: table.sheet.clone(),
            row: None,
            column: Some(format!("{} ({header})", table.column_name(i))),
            cause: Box::new(crate::said!(
                "data {example:?} może znaczyć {pl_day} albo {pl_month}, a żadna data listy tego nie rozstrzyga (programy z USA piszą najpierw miesiąc); prosimy o eksport z datami RRRR-MM-DD lub DD.MM.RRRR",
                "the date {example:?} may be {en_day} or {en_month}, and no date in the list tells which (US software writes the month first); please export with YYYY-MM-DD or DD.MM.YYYY dates"
            )),
        });
    }
    let order = evidence.order();
    if order == super::numbers::DateOrder::MonthFirst {
        let example = evidence.month_first.unwrap_or_default();
        warnings.push(crate::said!(
            "daty odczytano w kolejności miesiąc/dzień/rok, w jakiej lista je zapisuje (np. {example:?})",
            "dates read as month/day/year, the order the list writes them in (e.g. {example:?})"
        ));
    }
    Ok(order)
}

/// A payment term in days where a due date is expected: `14`, `14 dni`, `30 dni.`, `7 days`,
/// `14 d`. At most a year; anything else is not a term.
fn term_days(text: &str) -> Option<u64> {
    let t = crate::domain::text::fold_diacritics(text).to_lowercase();
    let t = t.trim().trim_end_matches('.');
    let (digits, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let days: u64 = digits.parse().ok()?;
    let unit_ok = matches!(unit.trim(), "" | "dni" | "dzien" | "d" | "day" | "days");
    (unit_ok && days <= 366).then_some(days)
}

/// One row with an invoice number and an amount, as an invoice.
fn invoice(
    r: &RowReader<'_>,
    number_text: &str,
    ctx: &ParseContext,
    warnings: &mut Vec<Said>,
) -> Result<InvoiceRow, ReportError> {
    let line = r.row.line;
    let number =
        InvoiceNumber::parse(number_text).map_err(|e| r.error(Some(Field::Number), e.said()))?;
    let client_name = r.text(Field::ClientName);
    let (nip, nip_valid) = match r.text(Field::Nip).map(|raw| (TaxId::read(&raw), raw)) {
        None => (None, None),
        // A "NIP/PESEL" column holds a person's PESEL when the buyer has no NIP: not a NIP
        // written wrong, and nothing skarbnik keeps. The client is known by name.
        Some((TaxId::Pesel, _)) => (None, None),
        Some((TaxId::Nip(n), _)) => (Some(n.to_string()), Some(true)),
        // A foreign client's VAT id: kept, not a NIP, nothing wrong with it.
        Some((TaxId::Foreign(id), _)) => (Some(id), Some(false)),
        Some((TaxId::Invalid(e), raw)) => {
            let e = e.said();
            let (pl, en) = (e.pl, e.en);
            warnings.push(crate::said!(
                "wiersz {line}: {pl}; zapisano tak, jak podano",
                "row {line}: {en}; kept as written"
            ));
            (Some(raw), Some(false))
        }
    };
    if client_name.is_none() && nip.is_none() {
        return Err(r.error(
            Some(Field::ClientName),
            crate::said!("brak nazwy klienta i NIP-u", "no client name or NIP"),
        ));
    }
    // A correction row names the invoice it corrects (not itself: some registers repeat the
    // row's own number there).
    let corrects = r
        .text(Field::Corrects)
        .filter(|c| InvoiceNumber::parse(c).is_ok_and(|n| n.canonical() != number.canonical()));
    let issue_date = r.date(Field::IssueDate)?;
    let due_date = match (r.date(Field::DueDate), issue_date) {
        (Ok(d), _) => d,
        // "14 dni", "30": the payment term, counted from the issue date.
        (Err(e), Some(issued)) => match r.text(Field::DueDate).as_deref().and_then(term_days) {
            Some(days) => {
                const SAID: &str = "due dates written as a payment term in days";
                if !warnings.iter().any(|w| w.en.starts_with(SAID)) {
                    warnings.push(crate::said!(
                        "terminy płatności zapisane jako liczba dni (np. wiersz {line}) liczono od daty wystawienia",
                        "due dates written as a payment term in days (e.g. row {line}) were counted from the issue date"
                    ));
                }
                Some(issued + chrono::Days::new(days))
            }
            None => return Err(e),
        },
        (Err(e), None) => return Err(e),
    };
    // A correction has no due date of its own: it changes its invoice's amount.
    if due_date.is_none() && corrects.is_none() {
        let n = number.original();
        warnings.push(crate::said!(
            "wiersz {line}: faktura {n} nie ma terminu płatności",
            "row {line}: invoice {n} has no due date"
        ));
    }
    let gross = r.amount(Field::Gross)?;
    let mut outstanding = r.amount(Field::Outstanding)?;
    if outstanding.is_none()
        && let (Some(g), Some(p)) = (&gross, r.amount(Field::Paid)?)
    {
        outstanding = Some(Amount {
            value: g.value - p.value.abs(),
            currency: g.currency,
        });
    }
    let currency = match r.currency(Field::Currency)? {
        Some(c) => c,
        None => gross
            .as_ref()
            .and_then(|a| a.currency)
            .or(outstanding.as_ref().and_then(|a| a.currency))
            .or(r
                .rec
                .profile
                .default_currency
                .as_deref()
                .and_then(Currency::parse))
            .unwrap_or(ctx.default_currency),
    };
    let gross_value = match (&gross, &outstanding) {
        (Some(g), _) => g.value,
        (None, Some(o)) => o.value,
        (None, None) => return Err(r.error(Some(Field::Gross), no_amount())),
    };
    Ok(InvoiceRow {
        row: line,
        number: number.original().to_string(),
        number_key: number.canonical().to_string(),
        client_name,
        nip,
        nip_valid,
        issue_date,
        due_date,
        currency,
        gross: gross_value,
        outstanding: outstanding.map(|o| o.value),
        emails: r
            .text(Field::Email)
            .map(|t| split_emails(&t))
            .unwrap_or_default(),
        split_payment: false,
        corrects,
    })
}

fn no_amount() -> Said {
    crate::said!("brak kwoty dla tej faktury", "no amount for this invoice")
}

fn split_emails(t: &str) -> Vec<String> {
    t.split([',', ';', ' ', '\n'])
        .map(|s| s.trim().trim_matches(|c| c == '<' || c == '>').to_lowercase())
        .filter(|s| {
            let mut parts = s.split('@');
            matches!((parts.next(), parts.next(), parts.next()), (Some(l), Some(d), None) if !l.is_empty() && d.contains('.'))
        })
        .collect()
}

/// A totals row must equal the sum of the rows above it, for each amount column it fills in.
fn check_totals(
    file: &str,
    table: &Table,
    rec: &Recognised<'_>,
    rows: &[InvoiceRow],
    totals: &[&Row],
    warnings: &mut Vec<Said>,
) -> Result<bool, ReportError> {
    let Some(total_row) = totals.last() else {
        return Ok(false);
    };
    let currencies: std::collections::BTreeSet<_> = rows.iter().map(|r| r.currency).collect();
    if currencies.len() > 1 {
        let line = total_row.line;
        warnings.push(crate::said!(
            "wiersz {line}: nie sprawdzono wiersza sum: lista ma kilka walut",
            "row {line}: totals row not checked: the list has several currencies"
        ));
        return Ok(false);
    }
    let r = RowReader {
        file,
        table,
        rec,
        row: total_row,
        // A totals row holds amounts only.
        tz: chrono_tz::Europe::Warsaw,
        dates: Default::default(),
    };
    let mut checked = false;
    for field in [Field::Gross, Field::Outstanding] {
        let Ok(Some(stated)) = r.amount(field) else {
            continue;
        };
        let sum: Decimal = match field {
            Field::Gross => rows.iter().map(|i| i.gross).sum(),
            _ => rows.iter().map(|i| i.outstanding.unwrap_or(i.gross)).sum(),
        };
        if stated.value != sum {
            return Err(r.error(Some(field), {
                let n = rows.len();
                let (sp, ss) = (format_pl(stated.value), format_pl(sum));
                let (ep, es) = (
                    crate::domain::format_en(stated.value),
                    crate::domain::format_en(sum),
                );
                crate::said!(
                    "wiersz sum podaje {sp}, a suma {n} wierszy powyżej to {ss}",
                    "the totals row says {ep} but the {n} rows add up to {es}"
                )
            }));
        }
        checked = true;
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::term_days;

    #[test]
    fn a_payment_term_in_days() {
        for (text, want) in [
            ("14", Some(14)),
            ("14 dni", Some(14)),
            (" 30 dni. ", Some(30)),
            ("7 days", Some(7)),
            ("0 dni", Some(0)),
            ("1 dzień", Some(1)),
            ("14 d", Some(14)),
            ("367", None),
            ("14 tygodni", None),
            ("przelew 14 dni", None),
            ("", None),
            ("dni", None),
        ] {
            assert_eq!(term_days(text), want, "{text:?}");
        }
    }
}
