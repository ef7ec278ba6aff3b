use super::{Store, Tx};
use crate::domain::{Currency, Money, Settlement, amount_of};
use anyhow::Result;
use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};
use rust_decimal::Decimal;
use serde::Serialize;

/// What an upsert did to an invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpsertOutcome {
    New,
    Known,
    /// Changed fields, described for the audit log (`due_date 2026-03-12 → 2026-03-19`).
    Updated(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Unpaid,
    Partial,
    Paid,
    Overpaid,
    /// A document of a negative amount: a credit for the client (see `Settlement::credit`).
    Credit,
}

impl InvoiceStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            InvoiceStatus::Unpaid => "unpaid",
            InvoiceStatus::Partial => "partial",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Overpaid => "overpaid",
            InvoiceStatus::Credit => "credit",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            InvoiceStatus::Unpaid,
            InvoiceStatus::Partial,
            InvoiceStatus::Paid,
            InvoiceStatus::Overpaid,
            InvoiceStatus::Credit,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// Status from what is paid against the gross amount.
    pub fn from_amounts(gross_minor: i64, paid_minor: i64) -> Self {
        if gross_minor < 0 {
            InvoiceStatus::Credit
        } else if paid_minor <= 0 {
            InvoiceStatus::Unpaid
        } else if paid_minor < gross_minor {
            InvoiceStatus::Partial
        } else if paid_minor == gross_minor {
            InvoiceStatus::Paid
        } else {
            InvoiceStatus::Overpaid
        }
    }
}

/// An invoice as listed: amounts as decimal strings, dates ISO.
#[derive(Debug, Clone, Serialize)]
pub struct InvoiceView {
    pub id: i64,
    pub number: String,
    pub client: String,
    pub nip: Option<String>,
    pub issue_date: Option<String>,
    pub due_date: Option<String>,
    pub currency: crate::domain::Currency,
    #[serde(with = "rust_decimal::serde::str")]
    pub gross: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub paid: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub outstanding: Decimal,
    pub status: InvoiceStatus,
    /// `report` (from an ERP or KSeF file) or `issued` (by skarbnik).
    pub source: String,
    /// The number KSeF gave it, once known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ksef_number: Option<String>,
}

/// An invoice from a report, as the store writes it.
#[derive(Debug, Clone)]
pub struct NewInvoice<'a> {
    pub number: &'a str,
    /// Canonical form, the key the invoice is stored under.
    pub number_key: &'a str,
    pub issue_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub gross: Money,
    /// What the ERP says is still to pay, when it says (same currency as `gross`).
    pub outstanding: Option<Money>,
}

/// What a correction invoice did to the invoice it corrects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Correction {
    /// The gross changed from `old` to `new` (minor units).
    Applied { old: i64, new: i64 },
    /// This correction was applied before, with the same difference: nothing changed.
    Known,
    /// No invoice with that number is stored.
    NotFound,
    /// The correction is in another currency than the invoice.
    CurrencyMismatch { invoice: Currency },
}

/// An invoice with what is paid on it, for matching payments.
#[derive(Debug, Clone)]
pub struct InvoiceBalance {
    pub id: i64,
    pub number: String,
    pub client_id: i64,
    pub issue_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub currency: Currency,
    pub settlement: Settlement,
    /// The sum of its allocations (the settlement counts what the ERP reports paid too).
    pub allocated: i64,
    /// Payments a person recorded by hand (`paid`) allocated to it.
    pub manual_payments: Vec<i64>,
}

const BALANCE_SQL: &str =
    "SELECT i.id, i.number, i.client_id, i.issue_date, i.due_date, i.currency, i.gross_minor,
        i.reported_outstanding_minor,
        i.allocated_minor,
        (SELECT group_concat(a.payment_id) FROM allocations a WHERE a.invoice_id = i.id AND a.manual = 1)
 FROM invoices i";

fn balance_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<InvoiceBalance> {
    let date = |k| super::day_column(r, k);
    Ok(InvoiceBalance {
        id: r.get(0)?,
        number: r.get(1)?,
        client_id: r.get(2)?,
        issue_date: date(3)?,
        due_date: date(4)?,
        currency: super::currency_column(r, 5)?,
        settlement: Settlement::of(r.get(6)?, r.get(8)?, r.get(7)?),
        allocated: r.get(8)?,
        manual_payments: r
            .get::<_, Option<String>>(9)?
            .map(|s| s.split(',').filter_map(|x| x.parse().ok()).collect())
            .unwrap_or_default(),
    })
}

/// The invoices with these canonical numbers (those that exist), in the order asked.
fn invoices_by_key(
    conn: &rusqlite::Connection,
    keys: &[&str],
) -> Result<Vec<Option<InvoiceBalance>>> {
    let mut stmt = conn.prepare_cached(&format!("{BALANCE_SQL} WHERE i.number_key = ?1"))?;
    keys.iter()
        .map(|k| Ok(stmt.query_row([k], balance_row).optional()?))
        .collect()
}

impl Tx<'_> {
    /// Inserts an invoice, or updates the stored one with the same canonical number when a re-sent
    /// list changes it (due date, amount, client, ...). Identical data changes nothing.
    pub fn upsert_invoice(
        &self,
        row: &NewInvoice<'_>,
        client_id: i64,
        report_id: i64,
    ) -> Result<UpsertOutcome> {
        let currency = row.gross.currency();
        let gross = row.gross.minor();
        let outstanding = row.outstanding.map(|o| o.minor());
        let issue = row.issue_date.map(|d| d.to_string());
        let due = row.due_date.map(|d| d.to_string());
        type Existing = (
            i64,
            String,
            i64,
            Option<String>,
            Option<String>,
            String,
            i64,
            Option<i64>,
        );
        let existing: Option<Existing> = self.tx.prepare_cached("SELECT id, number, client_id, issue_date, due_date, currency, gross_minor, reported_outstanding_minor
                 FROM invoices WHERE number_key = ?1")?.query_row(
                [&row.number_key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
            )
            .optional()?;
        let now = self.now_text();
        let Some((id, number, old_client, old_issue, old_due, old_cur, old_gross, old_out)) =
            existing
        else {
            self.tx.prepare_cached("INSERT INTO invoices (number, number_key, client_id, issue_date, due_date, currency, gross_minor,
                                       reported_outstanding_minor, source_report_id, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)")?.execute(
                params![row.number, row.number_key, client_id, issue, due, currency.as_str(), gross, outstanding, report_id, now],
            )?;
            return Ok(UpsertOutcome::New);
        };
        // A report states an invoice's gross as issued; corrections applied since change it by
        // their differences. The invoice sent again (another KSeF download, an ERP register
        // listing it) must not undo them.
        let corrected: i64 = self
            .tx
            .prepare_cached(
                "SELECT COALESCE(SUM(delta_minor), 0) FROM corrections WHERE invoice_id = ?1",
            )?
            .query_row([id], |r| r.get(0))?;
        let gross = gross + corrected;
        let mut changes = Vec::new();
        let fmt_opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
        if old_client != client_id {
            changes.push(format!("client #{old_client} → #{client_id}"));
        }
        // A list that omits a date does not erase the one we know.
        let new_issue = issue.or(old_issue.clone());
        let new_due = due.or(old_due.clone());
        if new_issue != old_issue {
            changes.push(format!(
                "issue_date {} → {}",
                fmt_opt(&old_issue),
                fmt_opt(&new_issue)
            ));
        }
        if new_due != old_due {
            changes.push(format!(
                "due_date {} → {}",
                fmt_opt(&old_due),
                fmt_opt(&new_due)
            ));
        }
        if old_cur != currency.as_str() {
            changes.push(format!("currency {old_cur} → {currency}"));
        }
        let amount = |m: i64| Money::from_minor(m, currency).amount();
        if old_gross != gross {
            changes.push(format!("gross {} → {}", amount(old_gross), amount(gross)));
        }
        let new_out = outstanding.or(old_out);
        if new_out != old_out {
            let f = |v: Option<i64>| {
                v.map(|m| amount(m).to_string())
                    .unwrap_or_else(|| "-".into())
            };
            changes.push(format!("outstanding {} → {}", f(old_out), f(new_out)));
        }
        if number != row.number {
            changes.push(format!("number {number:?} → {:?}", row.number));
        }
        if changes.is_empty() {
            return Ok(UpsertOutcome::Known);
        }
        self.tx.prepare_cached("UPDATE invoices SET number = ?2, client_id = ?3, issue_date = ?4, due_date = ?5, currency = ?6,
                    gross_minor = ?7, reported_outstanding_minor = ?8, source_report_id = ?9, updated_at = ?10
             WHERE id = ?1")?.execute(
            params![id, row.number, client_id, new_issue, new_due, currency.as_str(), gross, new_out, report_id, now],
        )?;
        Ok(UpsertOutcome::Updated(changes))
    }
}

impl Tx<'_> {
    /// Applies a correction invoice: the corrected invoice's gross changes by `delta`.
    pub fn apply_correction(
        &self,
        correction_key: &str,
        corrected_key: &str,
        delta: Money,
        report_id: i64,
    ) -> Result<Correction> {
        let found: Option<(i64, i64, String)> = self
            .tx
            .prepare_cached("SELECT id, gross_minor, currency FROM invoices WHERE number_key = ?1")?
            .query_row([corrected_key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((id, old, cur)) = found else {
            return Ok(Correction::NotFound);
        };
        if cur != delta.currency().as_str() {
            return Ok(Correction::CurrencyMismatch {
                invoice: Currency::parse(&cur).unwrap_or(Currency::PLN),
            });
        }
        // Applied before: only what differs from then changes the gross (nothing, when the
        // same correction came again).
        let before: Option<i64> = self
            .tx
            .prepare_cached(
                "SELECT delta_minor FROM corrections WHERE number_key = ?1 AND invoice_id = ?2",
            )?
            .query_row(params![correction_key, id], |r| r.get(0))
            .optional()?;
        let change = delta.minor() - before.unwrap_or(0);
        if before.is_some() && change == 0 {
            return Ok(Correction::Known);
        }
        self.record_correction(correction_key, id, delta.minor(), Some(report_id))?;
        let new = old + change;
        self.tx.execute(
            "UPDATE invoices SET gross_minor = ?2, source_report_id = ?3, updated_at = ?4 WHERE id = ?1",
            params![id, new, report_id, self.now_text()],
        )?;
        Ok(Correction::Applied { old, new })
    }

    /// Records that correction `number_key` changed invoice `invoice_id` by `delta_minor`, so
    /// the same correction arriving again is known and the invoice arriving again keeps it (see
    /// migration 012). Every writer of a correction records it here: an imported one
    /// (`report_id`) and one skarbnik issued (none).
    pub(super) fn record_correction(
        &self,
        number_key: &str,
        invoice_id: i64,
        delta_minor: i64,
        report_id: Option<i64>,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO corrections (number_key, invoice_id, delta_minor, report_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (number_key) DO UPDATE SET
                     invoice_id = excluded.invoice_id, delta_minor = excluded.delta_minor,
                     report_id = excluded.report_id",
            )?
            .execute(params![
                number_key,
                invoice_id,
                delta_minor,
                report_id,
                self.now_text()
            ])?;
        Ok(())
    }

    /// Every invoice with its settlement, read inside this transaction, one at a time: the
    /// matcher keeps only part of each, and at 100,000 invoices need not hold them twice.
    pub fn each_invoice_balance(&self, mut f: impl FnMut(InvoiceBalance)) -> Result<()> {
        let mut stmt = self.tx.prepare_cached(BALANCE_SQL)?;
        for b in stmt.query_map([], balance_row)? {
            f(b?);
        }
        Ok(())
    }

    /// The invoices with these canonical numbers, `None` for those not stored.
    pub fn invoices_by_key(&self, keys: &[&str]) -> Result<Vec<Option<InvoiceBalance>>> {
        invoices_by_key(&self.tx, keys)
    }

    /// Whether an invoice with this canonical number is known.
    pub fn invoice_known(&self, number_key: &str) -> Result<bool> {
        Ok(self.tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM invoices WHERE number_key = ?1)",
            [number_key],
            |r| r.get(0),
        )?)
    }
}

impl Store {
    /// Whether an invoice with this canonical number is known.
    pub fn invoice_known(&self, number_key: &str) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM invoices WHERE number_key = ?1)",
            [number_key],
            |r| r.get(0),
        )?)
    }

    /// All invoices with what is paid on them ([`Settlement`]: allocations or the ERP's figure,
    /// never the two added together).
    pub fn invoices(&self, status: Option<InvoiceStatus>) -> Result<Vec<InvoiceView>> {
        self.invoices_page(status, super::Page::ALL)
    }

    /// One page of [`Store::invoices`].
    pub fn invoices_page(
        &self,
        status: Option<InvoiceStatus>,
        page: super::Page,
    ) -> Result<Vec<InvoiceView>> {
        let mut stmt = self.conn.prepare(
            "SELECT i.id, i.number, c.name, c.nip, i.issue_date, i.due_date, i.currency, i.gross_minor,
                    i.reported_outstanding_minor,
                    i.allocated_minor,
                    i.source, i.ksef_number
             FROM invoices i JOIN clients c ON c.id = i.client_id
             ORDER BY i.due_date IS NULL, i.due_date, i.number_key",
        )?;
        let rows = stmt.query_map([], |r| {
            let s = Settlement::of(r.get(7)?, r.get(9)?, r.get(8)?);
            let currency: String = r.get(6)?;
            Ok(InvoiceView {
                id: r.get(0)?,
                number: r.get(1)?,
                client: r.get(2)?,
                nip: r.get(3)?,
                issue_date: r.get(4)?,
                due_date: r.get(5)?,
                gross: amount_of(s.gross, &currency),
                paid: amount_of(s.paid, &currency),
                // A credit's open part is what the client has to set off: below zero.
                outstanding: amount_of(s.outstanding - s.credit, &currency),
                currency: crate::domain::Currency::parse(&currency)
                    .unwrap_or(crate::domain::Currency::PLN),
                status: InvoiceStatus::from_amounts(s.gross, s.paid),
                source: r.get(10)?,
                ksef_number: r.get(11)?,
            })
        })?;
        let mut out = Vec::new();
        let mut skipped = 0;
        for v in rows {
            let v = v?;
            if status.is_some_and(|s| s != v.status) {
                continue;
            }
            match page.step(&mut skipped, out.len()) {
                super::PageStep::Skip => continue,
                super::PageStep::Stop => break,
                super::PageStep::Take => out.push(v),
            }
        }
        Ok(out)
    }
}
