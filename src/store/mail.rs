//! The daemon's tables: inbound messages, the outbox, mailbox positions, client correspondence.

use super::{Store, Tx, now_text};
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

/// A row of the outbox.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxItem {
    pub id: i64,
    pub key: String,
    pub purpose: String,
    pub message_id: String,
    pub recipients: Vec<String>,
    #[serde(skip)]
    pub envelope_to: Vec<String>,
    pub subject: String,
    #[serde(skip)]
    pub raw: Vec<u8>,
    pub status: String,
    pub attempts: u32,
    pub next_attempt_at: String,
    pub attempt_started_at: Option<String>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub confirmed_at: Option<String>,
}

/// A payment of a given report, with what became of it (for the summary reply).
#[derive(Debug, Clone, Serialize)]
pub struct ReportPayment {
    pub id: i64,
    pub date: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub currency: String,
    pub payer: Option<String>,
    pub title: String,
    /// `matched`, `partial`, `review` or `unmatched`.
    pub status: String,
    pub invoices: Vec<String>,
    pub rules: Vec<String>,
    pub review: Option<String>,
}

const OUTBOX_COLUMNS: &str =
    "id, key, purpose, message_id, recipients, envelope_to, subject, raw, status, attempts,
    next_attempt_at, attempt_started_at, last_error, created_at, sent_at, confirmed_at";

fn outbox_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxItem> {
    let list = |s: String| serde_json::from_str::<Vec<String>>(&s).unwrap_or_default();
    Ok(OutboxItem {
        id: r.get(0)?,
        key: r.get(1)?,
        purpose: r.get(2)?,
        message_id: r.get(3)?,
        recipients: list(r.get(4)?),
        envelope_to: list(r.get(5)?),
        subject: r.get(6)?,
        raw: r.get(7)?,
        status: r.get(8)?,
        attempts: r.get(9)?,
        next_attempt_at: r.get(10)?,
        attempt_started_at: r.get(11)?,
        last_error: r.get(12)?,
        created_at: r.get(13)?,
        sent_at: r.get(14)?,
        confirmed_at: r.get(15)?,
    })
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

    /// The outbox row that sent this Message-ID, if it is one of ours: (id, client).
    pub fn our_message(&self, message_id: &str) -> Result<Option<(i64, Option<i64>)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, client_id FROM outbox WHERE message_id = ?1",
                [message_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
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

    /// Replies sent (or waiting) to an address since a time: the per-sender rate limit.
    pub fn replies_since(&self, address: &str, since: &str) -> Result<u32> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE reply_address = ?1 AND created_at >= ?2",
            params![address, since],
            |r| r.get(0),
        )?)
    }

    /// Mail due for sending: pending rows whose time has come, oldest first.
    pub fn outbox_due(&self, now: &str, limit: usize) -> Result<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?1
             ORDER BY next_attempt_at, id LIMIT ?2"
        ))?;
        let rows = stmt
            .query_map(params![now, limit as i64], outbox_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Rows left `sending` by an interrupted attempt: the server may or may not have taken them.
    pub fn outbox_interrupted(&self) -> Result<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE status = 'sending' ORDER BY id"
        ))?;
        let rows = stmt
            .query_map([], outbox_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The outbox for people: everything, or one status.
    pub fn outbox(&self, status: Option<&str>, limit: usize) -> Result<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE (?1 IS NULL OR status = ?1) ORDER BY id DESC LIMIT ?2"
        ))?;
        let rows = stmt
            .query_map(params![status, limit as i64], outbox_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The earliest time a pending row is due, if any.
    pub fn outbox_next_due(&self) -> Result<Option<String>> {
        Ok(self.conn.query_row(
            "SELECT min(next_attempt_at) FROM outbox WHERE status = 'pending'",
            [],
            |r| r.get(0),
        )?)
    }

    /// Marks rows as being sent, in one transaction, before the first byte goes out: a crash
    /// from here on leaves them `sending`, which the next start checks instead of resending blindly.
    pub fn outbox_start(&mut self, ids: &[i64]) -> Result<()> {
        let tx = self.transaction()?;
        let now = now_text();
        for id in ids {
            tx.tx.execute(
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1, attempt_started_at = ?2
                 WHERE id = ?1 AND status IN ('pending', 'sending')",
                params![id, now],
            )?;
        }
        tx.commit()
    }

    pub fn outbox_sent(&mut self, id: i64, detail: &str) -> Result<()> {
        let tx = self.transaction()?;
        tx.tx.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?2, last_error = NULL WHERE id = ?1",
            params![id, now_text()],
        )?;
        tx.audit(
            "daemon",
            "mail.sent",
            Some(&format!("outbox:{id}")),
            Some(detail),
        )?;
        tx.commit()
    }

    /// A failed attempt: retried at `next` or, when `next` is `None`, given up (`failed`).
    pub fn outbox_failed_attempt(
        &mut self,
        id: i64,
        error: &str,
        next: Option<&str>,
    ) -> Result<()> {
        let tx = self.transaction()?;
        match next {
            Some(at) => {
                tx.tx.execute(
                    "UPDATE outbox SET status = 'pending', next_attempt_at = ?2, last_error = ?3 WHERE id = ?1",
                    params![id, at, error],
                )?;
            }
            None => {
                tx.tx.execute(
                    "UPDATE outbox SET status = 'failed', last_error = ?2 WHERE id = ?1",
                    params![id, error],
                )?;
                tx.audit(
                    "daemon",
                    "mail.failed",
                    Some(&format!("outbox:{id}")),
                    Some(error),
                )?;
            }
        }
        tx.commit()
    }

    /// Back to `pending` (an interrupted attempt found not delivered, or a person's retry).
    pub fn outbox_requeue(&mut self, id: i64, actor: &str, why: &str) -> Result<bool> {
        let tx = self.transaction()?;
        let n = tx.tx.execute(
            "UPDATE outbox SET status = 'pending', next_attempt_at = ?2 WHERE id = ?1 AND status IN ('sending', 'failed')",
            params![id, now_text()],
        )?;
        if n > 0 {
            tx.audit(
                actor,
                "mail.requeued",
                Some(&format!("outbox:{id}")),
                Some(why),
            )?;
        }
        tx.commit()?;
        Ok(n > 0)
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

    /// The incoming payments of some reports and what became of them.
    pub fn report_payments(&self, report_ids: &[i64]) -> Result<Vec<ReportPayment>> {
        let mut out = Vec::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.id, p.booking_date, p.amount_minor, p.currency, p.counterparty_name, p.title, p.review_reason,
                    (SELECT coalesce(sum(a.amount_minor), 0) FROM allocations a WHERE a.payment_id = p.id),
                    (SELECT group_concat(i.number, '|') FROM allocations a JOIN invoices i ON i.id = a.invoice_id WHERE a.payment_id = p.id),
                    (SELECT group_concat(DISTINCT a.rule) FROM allocations a WHERE a.payment_id = p.id)
             FROM payments p WHERE p.source_report_id = ?1 AND p.kind = 'incoming' ORDER BY p.booking_date, p.id",
        )?;
        for id in report_ids {
            let rows = stmt.query_map([id], |r| {
                let amount: i64 = r.get(2)?;
                let allocated: i64 = r.get(7)?;
                let review: Option<String> = r.get(6)?;
                let split = |s: Option<String>, sep: char| {
                    s.map(|s| s.split(sep).map(str::to_string).collect())
                        .unwrap_or_default()
                };
                let status = if allocated >= amount {
                    "matched"
                } else if allocated > 0 {
                    "partial"
                } else if review.is_some() {
                    "review"
                } else {
                    "unmatched"
                };
                Ok(ReportPayment {
                    id: r.get(0)?,
                    date: r.get(1)?,
                    amount: Decimal::new(amount, 2),
                    currency: r.get(3)?,
                    payer: r.get(4)?,
                    title: r.get(5)?,
                    status: status.into(),
                    invoices: split(r.get(8)?, '|'),
                    rules: split(r.get(9)?, ','),
                    review,
                })
            })?;
            for row in rows {
                out.push(row?);
            }
        }
        Ok(out)
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
                now_text()
            ],
        )?;
        Ok(n > 0)
    }

    /// Queues a composed mail under its unique key; `false` (nothing written) if the key exists.
    pub fn enqueue(
        &self,
        draft: &crate::mail::compose::Draft,
        mail: &crate::mail::compose::Composed,
    ) -> Result<bool> {
        let now = now_text();
        let n = self.tx.execute(
            "INSERT OR IGNORE INTO outbox (key, purpose, message_id, recipients, envelope_to, subject, raw, client_id,
                 in_reply_to, reply_address, next_attempt_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?12, ?11)",
            params![
                draft.key,
                draft.purpose,
                mail.message_id,
                serde_json::to_string(&mail.recipients)?,
                serde_json::to_string(&mail.envelope_to)?,
                draft.subject,
                mail.raw,
                draft.client_id,
                draft.in_reply_to,
                draft.reply_address,
                now,
                draft.not_before.as_deref().unwrap_or(&now)
            ],
        )?;
        if n > 0 {
            self.audit(
                "daemon",
                "mail.queued",
                Some(&draft.key),
                Some(&format!(
                    "{} to {}: {}",
                    draft.purpose,
                    mail.recipients.join(", "),
                    draft.subject
                )),
            )?;
        }
        Ok(n > 0)
    }

    /// Our own copy of a sent mail arrived: the server took it. Returns whether a row matched.
    pub fn confirm_sent(&self, message_id: &str) -> Result<bool> {
        let now = now_text();
        let n = self.tx.execute(
            "UPDATE outbox SET confirmed_at = coalesce(confirmed_at, ?2),
                 status = CASE WHEN status IN ('sending', 'pending', 'failed') THEN 'sent' ELSE status END,
                 sent_at = coalesce(sent_at, ?2)
             WHERE message_id = ?1",
            params![message_id, now],
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
                    crate::clock::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)],
        )?;
        Ok(n > 0)
    }

    /// Flags a reminder address that bounced; returns the clients that use it.
    pub fn flag_bounced(&self, address: &str, reason: &str) -> Result<Vec<i64>> {
        self.tx.execute(
            "UPDATE client_emails SET bounced_at = ?2, bounce_reason = ?3 WHERE lower(email) = lower(?1)",
            params![address, now_text(), reason],
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
