//! The daemon's inbound side: messages handled (once each), mailbox read positions, what clients
//! wrote to us, bounced addresses.

use super::{Store, Tx};
use anyhow::Result;
use rusqlite::{OptionalExtension, params};
use rust_decimal::Decimal;
use serde::Serialize;

/// An inbound message as recorded once handled.
#[derive(Debug, Clone)]
pub struct MessageRecord<'a> {
    pub source_key: &'a str,
    pub raw_sha256: &'a str,
    pub message_id: &'a str,
    pub sender: Option<&'a str>,
    pub subject: &'a str,
    pub class: &'a str,
    pub client_id: Option<i64>,
    /// The folder it goes to: `processed`, `failed`, `other`, `sent`.
    pub disposition: &'a str,
    pub detail: Option<&'a str>,
}

/// A payment of a given report, with what became of it (for the summary reply).
#[derive(Debug, Clone, Serialize)]
pub struct ReportPayment {
    pub id: i64,
    pub date: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub currency: crate::domain::Currency,
    pub payer: Option<String>,
    pub title: String,
    /// `matched`, `partial`, `review` or `unmatched`.
    pub status: super::PaymentStatus,
    pub invoices: Vec<String>,
    pub rules: Vec<String>,
    pub review: Option<String>,
    /// Invoice numbers the payment may pay, for a payment in review.
    pub candidates: Vec<String>,
}

impl Store {
    /// The disposition of a message handled before: found by where it sits, or by its bytes.
    pub fn message_handled(&self, source_key: &str, raw_sha256: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT disposition FROM messages WHERE source_key = ?1 OR raw_sha256 = ?2 ORDER BY id LIMIT 1",
                params![source_key, raw_sha256],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The client a reminder address belongs to (the first, if several share it).
    pub fn client_by_email(&self, address: &str) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT client_id FROM client_emails WHERE lower(email) = lower(?1) ORDER BY client_id LIMIT 1",
                [address],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn mailbox_position(&self, folder: &str) -> Result<Option<(u32, u32)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT uidvalidity, last_uid FROM mailbox_state WHERE folder = ?1",
                [folder],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    pub fn set_mailbox_position(
        &self,
        folder: &str,
        uidvalidity: u32,
        last_uid: u32,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO mailbox_state (folder, uidvalidity, last_uid) VALUES (?1, ?2, ?3)
             ON CONFLICT (folder) DO UPDATE SET uidvalidity = ?2, last_uid = max(CASE WHEN uidvalidity = ?2 THEN last_uid ELSE 0 END, ?3)",
            params![folder, uidvalidity, last_uid],
        )?;
        Ok(())
    }

    /// The incoming payments of some reports and what became of them, one at a time and in no
    /// particular order: a year's statement mailed in has a million, and its summary keeps only
    /// the first few of each kind (sorting them all here held 100 MB).
    pub fn each_report_payment(
        &self,
        report_ids: &[i64],
        each: &mut dyn FnMut(ReportPayment),
    ) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.id, p.booking_date, p.amount_minor, p.currency, p.counterparty_name, p.title, r.reason,
                    r.candidates,
                    (SELECT coalesce(sum(a.amount_minor), 0) FROM allocations a WHERE a.payment_id = p.id),
                    (SELECT group_concat(i.number, '|') FROM allocations a JOIN invoices i ON i.id = a.invoice_id WHERE a.payment_id = p.id),
                    (SELECT group_concat(DISTINCT a.rule) FROM allocations a WHERE a.payment_id = p.id)
             FROM payments p LEFT JOIN payment_reviews r ON r.payment_id = p.id
             WHERE p.source_report_id = ?1 AND p.kind = 'incoming'",
        )?;
        for id in report_ids {
            let rows = stmt.query_map([id], |r| {
                let amount: i64 = r.get(2)?;
                let allocated: i64 = r.get(8)?;
                let review: Option<String> = r.get(6)?;
                let split = |s: Option<String>, sep: char| {
                    s.map(|s| s.split(sep).map(str::to_string).collect())
                        .unwrap_or_default()
                };
                let currency: String = r.get(3)?;
                let status =
                    super::PaymentStatus::of("incoming", amount, allocated, review.is_some());
                Ok(ReportPayment {
                    id: r.get(0)?,
                    date: r.get(1)?,
                    amount: crate::domain::amount_of(amount, &currency),
                    currency: crate::domain::Currency::parse(&currency)
                        .unwrap_or(crate::domain::Currency::PLN),
                    payer: r.get(4)?,
                    title: r.get(5)?,
                    status,
                    invoices: split(r.get(9)?, '|'),
                    rules: split(r.get(10)?, ','),
                    candidates: r
                        .get::<_, Option<String>>(7)?
                        .and_then(|c| serde_json::from_str(&c).ok())
                        .unwrap_or_default(),
                    review,
                })
            })?;
            for row in rows {
                each(row?);
            }
        }
        Ok(())
    }
}

impl Tx<'_> {
    /// Records a handled message; `false` if it was recorded before (nothing written).
    pub fn record_message(&self, m: &MessageRecord<'_>) -> Result<bool> {
        let n = self.tx.execute(
            "INSERT OR IGNORE INTO messages (source_key, raw_sha256, message_id, sender, subject, class, client_id,
                 disposition, detail, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                m.source_key,
                m.raw_sha256,
                m.message_id,
                m.sender,
                m.subject,
                m.class,
                m.client_id,
                m.disposition,
                m.detail,
                self.now_text()
            ],
        )?;
        Ok(n > 0)
    }

    /// Keeps what a client wrote on its history; `false` if already kept.
    pub fn add_client_message(
        &self,
        client_id: i64,
        message_id: &str,
        sender: Option<&str>,
        subject: &str,
        kind: &str,
        excerpt: &str,
    ) -> Result<bool> {
        let n = self.tx.execute(
            "INSERT OR IGNORE INTO client_messages (client_id, message_id, sender, subject, kind, excerpt, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            // The clock (not the Date header a sender writes) dates a reply for the pause.
            params![client_id, message_id, sender, subject, kind, excerpt,
                    self.now_text()],
        )?;
        Ok(n > 0)
    }

    /// Flags a reminder address that bounced; returns the clients that use it.
    pub fn flag_bounced(&self, address: &str, reason: &str) -> Result<Vec<i64>> {
        self.tx.execute(
            "UPDATE client_emails SET bounced_at = ?2, bounce_reason = ?3 WHERE lower(email) = lower(?1)",
            params![address, self.now_text(), reason],
        )?;
        let mut stmt = self
            .tx
            .prepare("SELECT client_id FROM client_emails WHERE lower(email) = lower(?1)")?;
        let ids = stmt
            .query_map([address], |r| r.get(0))?
            .collect::<Result<Vec<i64>, _>>()?;
        Ok(ids)
    }
}
