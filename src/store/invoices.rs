use super::{Store, Tx, now_text};
use crate::domain::{Currency, Money};
use crate::ingest::receivables::InvoiceRow;
use anyhow::Result;
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
}

impl InvoiceStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            InvoiceStatus::Unpaid => "unpaid",
            InvoiceStatus::Partial => "partial",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Overpaid => "overpaid",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            InvoiceStatus::Unpaid,
            InvoiceStatus::Partial,
            InvoiceStatus::Paid,
            InvoiceStatus::Overpaid,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// Status from what is paid against the gross amount.
    pub fn from_amounts(gross_minor: i64, paid_minor: i64) -> Self {
        if paid_minor <= 0 {
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
    pub currency: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub gross: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub paid: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub outstanding: Decimal,
    pub status: InvoiceStatus,
}

fn minor(d: Decimal, currency: Currency) -> Result<i64> {
    Ok(Money::new(d, currency)?.minor())
}

impl Tx<'_> {
    /// Inserts an invoice, or updates the stored one with the same canonical number when a re-sent
    /// list changes it (due date, amount, client, ...). Identical data changes nothing.
    pub fn upsert_invoice(
        &self,
        row: &InvoiceRow,
        client_id: i64,
        report_id: i64,
    ) -> Result<UpsertOutcome> {
        let gross = minor(row.gross, row.currency)?;
        let outstanding = row
            .outstanding
            .map(|o| minor(o, row.currency))
            .transpose()?;
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
        let now = now_text();
        let Some((id, number, old_client, old_issue, old_due, old_cur, old_gross, old_out)) =
            existing
        else {
            self.tx.prepare_cached("INSERT INTO invoices (number, number_key, client_id, issue_date, due_date, currency, gross_minor,
                                       reported_outstanding_minor, source_report_id, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)")?.execute(
                params![row.number, row.number_key, client_id, issue, due, row.currency.as_str(), gross, outstanding, report_id, now],
            )?;
            return Ok(UpsertOutcome::New);
        };
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
        if old_cur != row.currency.as_str() {
            changes.push(format!("currency {old_cur} → {}", row.currency));
        }
        if old_gross != gross {
            changes.push(format!(
                "gross {} → {}",
                Decimal::new(old_gross, 2),
                Decimal::new(gross, 2)
            ));
        }
        let new_out = outstanding.or(old_out);
        if new_out != old_out {
            let f = |v: Option<i64>| {
                v.map(|m| Decimal::new(m, 2).to_string())
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
            params![id, row.number, client_id, new_issue, new_due, row.currency.as_str(), gross, new_out, report_id, now],
        )?;
        Ok(UpsertOutcome::Updated(changes))
    }
}

impl Tx<'_> {
    /// Applies a correction invoice: the corrected invoice's gross changes by `delta`. Returns the
    /// (old, new) gross in minor units, or `None` when the corrected invoice is not known.
    pub fn apply_correction(
        &self,
        corrected_key: &str,
        delta: Decimal,
        currency: Currency,
        report_id: i64,
    ) -> Result<Option<(i64, i64)>> {
        let delta = minor(delta, currency)?;
        let found: Option<(i64, i64, String)> = self
            .tx
            .prepare_cached("SELECT id, gross_minor, currency FROM invoices WHERE number_key = ?1")?
            .query_row([corrected_key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((id, old, cur)) = found else {
            return Ok(None);
        };
        if cur != currency.as_str() {
            anyhow::bail!("the correction is in {currency} but the invoice is in {cur}");
        }
        self.tx.execute(
            "UPDATE invoices SET gross_minor = ?2, source_report_id = ?3, updated_at = ?4 WHERE id = ?1",
            params![id, old + delta, report_id, now_text()],
        )?;
        Ok(Some((old, old + delta)))
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

    /// All invoices with what is paid on them. Paid is what our allocations say, or what the ERP
    /// reported as already paid (gross − its outstanding) if that is more: the two describe the
    /// same money, so they are never added together.
    pub fn invoices(&self, status: Option<InvoiceStatus>) -> Result<Vec<InvoiceView>> {
        let mut stmt = self.conn.prepare(
            "SELECT i.id, i.number, c.name, c.nip, i.issue_date, i.due_date, i.currency, i.gross_minor,
                    i.reported_outstanding_minor,
                    (SELECT COALESCE(SUM(a.amount_minor), 0) FROM allocations a WHERE a.invoice_id = i.id)
             FROM invoices i JOIN clients c ON c.id = i.client_id
             ORDER BY i.due_date IS NULL, i.due_date, i.number_key",
        )?;
        let rows = stmt.query_map([], |r| {
            let gross: i64 = r.get(7)?;
            let reported: Option<i64> = r.get(8)?;
            let allocated: i64 = r.get(9)?;
            let erp_paid = reported.map(|o| gross - o).unwrap_or(0);
            let paid = allocated.max(erp_paid);
            Ok(InvoiceView {
                id: r.get(0)?,
                number: r.get(1)?,
                client: r.get(2)?,
                nip: r.get(3)?,
                issue_date: r.get(4)?,
                due_date: r.get(5)?,
                currency: r.get(6)?,
                gross: Decimal::new(gross, 2),
                paid: Decimal::new(paid, 2),
                outstanding: Decimal::new((gross - paid).max(0), 2),
                status: InvoiceStatus::from_amounts(gross, paid),
            })
        })?;
        let mut out = Vec::new();
        for v in rows {
            let v = v?;
            if status.is_none_or(|s| s == v.status) {
                out.push(v);
            }
        }
        Ok(out)
    }
}
