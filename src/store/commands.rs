//! What staff commands read and change: invoices by number, pauses, payments recorded by hand,
//! and the record of executed commands.

use super::{NewAllocation, ReportRecord, Tx};
use crate::domain::{Currency, InvoiceNumber, Money, Rule, sha256_hex};
use anyhow::Result;
use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};

/// An invoice found by its number.
#[derive(Debug, Clone)]
pub struct InvoiceRef {
    pub id: i64,
    pub number: String,
    pub client_id: i64,
    pub currency: Currency,
    pub paused: bool,
}

/// A payment allocated to a client's invoice, for `status`.
#[derive(Debug, Clone)]
pub struct PaymentLine {
    pub id: i64,
    pub date: String,
    pub amount: rust_decimal::Decimal,
    pub currency: Currency,
    pub invoice: String,
}

impl Tx<'_> {
    /// The invoice with this number (canonical form: case, spaces and prefixes as the importer
    /// normalises them).
    pub fn find_invoice(&self, number: &str) -> Result<Option<InvoiceRef>> {
        let Ok(n) = InvoiceNumber::parse(number) else {
            return Ok(None);
        };
        Ok(self
            .tx
            .query_row(
                "SELECT id, number, client_id, currency, paused FROM invoices WHERE number_key = ?1",
                [n.canonical()],
                |r| {
                    let cur: String = r.get(3)?;
                    Ok(InvoiceRef {
                        id: r.get(0)?,
                        number: r.get(1)?,
                        client_id: r.get(2)?,
                        currency: Currency::parse(&cur).unwrap_or(Currency::PLN),
                        paused: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    /// Pauses or resumes one invoice's reminders; returns whether anything changed.
    pub fn set_invoice_paused(&self, id: i64, paused: bool, actor: &str) -> Result<bool> {
        let n = self.tx.execute(
            "UPDATE invoices SET paused = ?2, updated_at = ?3 WHERE id = ?1 AND paused IS NOT ?2",
            params![id, paused, self.now_text()],
        )?;
        if n > 0 {
            self.audit(
                actor,
                if paused {
                    "invoice.paused"
                } else {
                    "invoice.resumed"
                },
                Some(&format!("invoice:{id}")),
                None,
            )?;
        }
        Ok(n > 0)
    }

    /// Whether a manual payment was recorded under this command reference (a command mail seen
    /// again: answered as the first time, never refused as a double).
    pub fn reference_known(&self, reference: &str) -> Result<bool> {
        let fingerprint = sha256_hex(format!("manual|{reference}").as_bytes());
        Ok(self
            .tx
            .query_row(
                "SELECT 1 FROM payments WHERE fingerprint = ?1",
                [fingerprint.as_bytes()],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Records a payment a person saw elsewhere (cash, a bank not imported) and allocates it to
    /// the invoice. `reference` (the command's Message-ID and line) makes it idempotent: the same
    /// reference again returns the payment recorded the first time. Returns (payment id, new).
    pub fn record_manual_payment(
        &self,
        invoice: &InvoiceRef,
        amount: Money,
        date: NaiveDate,
        actor: &str,
        reference: &str,
        reason: &str,
    ) -> Result<(i64, bool)> {
        let currency = amount.currency();
        let minor = amount.minor();
        let fingerprint = sha256_hex(format!("manual|{reference}").as_bytes());
        if let Some(id) = self
            .tx
            .query_row(
                "SELECT id FROM payments WHERE fingerprint = ?1",
                [fingerprint.as_bytes()],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
        {
            return Ok((id, false));
        }
        // A report row of its own, without a kind: it is not a bank statement (the dunning's
        // stale-data guard looks at statements only).
        let report = self.insert_report(&ReportRecord {
            file_name: &format!("recorded by {actor}"),
            sha256: &fingerprint,
            sender: Some(actor),
            kind: None,
            profile: Some("manual"),
            outcome: "imported",
            detail: Some(reference),
        })?;
        let now = self.now_text();
        self.tx.execute(
            "INSERT INTO payments (booking_date, amount_minor, currency, kind, title, source_report_id, source_row,
                                   fingerprint, created_at)
             VALUES (?1, ?2, ?3, 'incoming', ?4, ?5, 0, ?6, ?7)",
            params![
                date.to_string(),
                minor,
                currency.as_str(),
                format!("{} (recorded by {actor})", invoice.number),
                report,
                fingerprint.as_bytes(),
                now
            ],
        )?;
        let payment = self.tx.last_insert_rowid();
        self.insert_allocation(&NewAllocation {
            payment,
            invoice: invoice.id,
            amount: minor,
            rule: Rule::Manual,
            reason,
            actor,
            booking_date: Some(date),
            manual: true,
        })?;
        self.audit(
            actor,
            "payment.recorded",
            Some(&format!("payment:{payment}")),
            Some(&format!(
                "{} {} {currency} on {date} ({reference})",
                invoice.number,
                amount.amount()
            )),
        )?;
        Ok((payment, true))
    }

    /// The latest payments allocated to a client's invoices.
    pub fn client_payments(&self, client_id: i64, limit: usize) -> Result<Vec<PaymentLine>> {
        let mut stmt = self.tx.prepare(
            "SELECT p.id, p.booking_date, a.amount_minor, p.currency, i.number
             FROM allocations a JOIN payments p ON p.id = a.payment_id JOIN invoices i ON i.id = a.invoice_id
             WHERE i.client_id = ?1 ORDER BY p.booking_date DESC, p.id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![client_id, limit as i64], |r| {
            let cur: String = r.get(3)?;
            let currency = Currency::parse(&cur).unwrap_or(Currency::PLN);
            Ok(PaymentLine {
                id: r.get(0)?,
                date: r.get(1)?,
                amount: Money::from_minor(r.get(2)?, currency).amount(),
                currency,
                invoice: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The outcome of an earlier command with this Message-ID, if any.
    pub fn command_outcome(&self, message_id: &str) -> Result<Option<String>> {
        Ok(self
            .tx
            .query_row(
                "SELECT outcome FROM commands WHERE message_id = ?1",
                [message_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn record_command(
        &self,
        message_id: &str,
        sender: &str,
        outcome: &str,
        detail: &str,
    ) -> Result<()> {
        self.tx.execute(
            "INSERT OR IGNORE INTO commands (message_id, sender, outcome, detail, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![message_id, sender, outcome, detail, self.now_text()],
        )?;
        Ok(())
    }
}
