//! The outbox table: every outgoing mail, written in the same transaction as the decision that
//! causes it (under a unique key), then sent by the outbox worker.

use super::{Store, Tx};
use crate::clock::{parse_stamp, stamp};
use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

/// Where a mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboxStatus {
    /// Waiting for its time (`next_attempt_at`).
    Pending,
    /// An attempt started and has not ended: after a crash, the server may or may not have it.
    Sending,
    Sent,
    /// Refused for good or out of attempts: kept, shown, retried only by a person.
    Failed,
}

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sending => "sending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<OutboxStatus> {
        [
            OutboxStatus::Pending,
            OutboxStatus::Sending,
            OutboxStatus::Sent,
            OutboxStatus::Failed,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
}

/// A mail to queue: composed, with its Message-ID, ready to go as it is.
#[derive(Debug, Clone)]
pub struct NewMail<'a> {
    /// Unique per decision: a second row with the same key is not written.
    pub key: &'a str,
    pub purpose: &'a str,
    pub message_id: &'a str,
    /// Visible recipients (bare addresses).
    pub recipients: &'a [String],
    /// Everyone the SMTP envelope names (visible and hidden).
    pub envelope_to: &'a [String],
    pub subject: &'a str,
    pub raw: &'a [u8],
    pub client_id: Option<i64>,
    pub in_reply_to: Option<&'a str>,
    /// For replies: the address answered (the per-sender rate limit counts these).
    pub reply_address: Option<&'a str>,
    /// Not sent before (the send window's opening); now when `None`.
    pub not_before: Option<DateTime<Utc>>,
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
    pub status: OutboxStatus,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub attempt_started_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str =
    "id, key, purpose, message_id, recipients, envelope_to, subject, raw, status, attempts,
    next_attempt_at, attempt_started_at, last_error, created_at, sent_at, confirmed_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxItem> {
    let list = |s: String| serde_json::from_str::<Vec<String>>(&s).unwrap_or_default();
    let time = |s: Option<String>| s.as_deref().and_then(parse_stamp);
    let status: String = r.get(8)?;
    Ok(OutboxItem {
        id: r.get(0)?,
        key: r.get(1)?,
        purpose: r.get(2)?,
        message_id: r.get(3)?,
        recipients: list(r.get(4)?),
        envelope_to: list(r.get(5)?),
        subject: r.get(6)?,
        raw: r.get(7)?,
        status: OutboxStatus::parse(&status).unwrap_or(OutboxStatus::Failed),
        attempts: r.get(9)?,
        next_attempt_at: time(r.get(10)?).unwrap_or_default(),
        attempt_started_at: time(r.get(11)?),
        last_error: r.get(12)?,
        created_at: time(r.get(13)?).unwrap_or_default(),
        sent_at: time(r.get(14)?),
        confirmed_at: time(r.get(15)?),
    })
}

impl Store {
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

    /// Replies sent (or waiting) to an address since a time: the per-sender rate limit.
    pub fn replies_since(&self, address: &str, since: DateTime<Utc>) -> Result<u32> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE reply_address = ?1 AND created_at >= ?2",
            params![address, stamp(since)],
            |r| r.get(0),
        )?)
    }

    /// Mail due for sending: pending rows whose time has come, oldest first.
    pub fn outbox_due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?1
             ORDER BY next_attempt_at, id LIMIT ?2"
        ))?;
        let rows = stmt
            .query_map(params![stamp(now), limit as i64], row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Rows left `sending` by an interrupted attempt: the server may or may not have taken them.
    pub fn outbox_interrupted(&self) -> Result<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE status = 'sending' ORDER BY id"
        ))?;
        let rows = stmt.query_map([], row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The outbox for people, newest first: everything, or one status; at most `limit` rows.
    pub fn outbox(&self, status: Option<OutboxStatus>, limit: usize) -> Result<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE (?1 IS NULL OR status = ?1) ORDER BY id DESC LIMIT ?2"
        ))?;
        let rows = stmt
            .query_map(params![status.map(|s| s.as_str()), limit as i64], row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// How many rows the outbox holds (of one status, or all).
    pub fn outbox_count(&self, status: Option<OutboxStatus>) -> Result<usize> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE (?1 IS NULL OR status = ?1)",
            [status.map(|s| s.as_str())],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    /// The earliest time a pending row is due, if any.
    pub fn outbox_next_due(&self) -> Result<Option<DateTime<Utc>>> {
        let t: Option<String> = self.conn.query_row(
            "SELECT min(next_attempt_at) FROM outbox WHERE status = 'pending'",
            [],
            |r| r.get(0),
        )?;
        Ok(t.as_deref().and_then(parse_stamp))
    }

    /// The earliest start of an attempt still `sending` (its grace period runs from there).
    pub fn outbox_oldest_sending(&self) -> Result<Option<DateTime<Utc>>> {
        let t: Option<String> = self.conn.query_row(
            "SELECT min(attempt_started_at) FROM outbox WHERE status = 'sending'",
            [],
            |r| r.get(0),
        )?;
        Ok(t.as_deref().and_then(parse_stamp))
    }

    /// Marks rows as being sent, in one transaction, before the first byte goes out: a crash
    /// from here on leaves them `sending`, which the next start checks instead of resending blindly.
    pub fn outbox_start(&mut self, ids: &[i64]) -> Result<()> {
        let tx = self.transaction()?;
        let now = tx.now_text();
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
            params![id, tx.now_text()],
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
        next: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let tx = self.transaction()?;
        match next {
            Some(at) => {
                tx.tx.execute(
                    "UPDATE outbox SET status = 'pending', next_attempt_at = ?2, last_error = ?3 WHERE id = ?1",
                    params![id, stamp(at), error],
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
            params![id, tx.now_text()],
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
}

impl Tx<'_> {
    /// Whether a mail with this key was ever queued (whatever became of it).
    pub fn outbox_has_key(&self, key: &str) -> Result<bool> {
        Ok(self
            .conn()
            .query_row("SELECT 1 FROM outbox WHERE key = ?1", [key], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Queues a composed mail under its unique key; `false` (nothing written) if the key exists.
    pub fn enqueue(&self, mail: &NewMail<'_>) -> Result<bool> {
        let now = self.now_text();
        let n = self.tx.execute(
            "INSERT OR IGNORE INTO outbox (key, purpose, message_id, recipients, envelope_to, subject, raw, client_id,
                 in_reply_to, reply_address, next_attempt_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?12, ?11)",
            params![
                mail.key,
                mail.purpose,
                mail.message_id,
                serde_json::to_string(mail.recipients)?,
                serde_json::to_string(mail.envelope_to)?,
                mail.subject,
                mail.raw,
                mail.client_id,
                mail.in_reply_to,
                mail.reply_address,
                now,
                mail.not_before.map(stamp).unwrap_or_else(|| now.clone())
            ],
        )?;
        if n > 0 {
            self.audit(
                "daemon",
                "mail.queued",
                Some(mail.key),
                Some(&format!(
                    "{} to {}: {}",
                    mail.purpose,
                    mail.recipients.join(", "),
                    mail.subject
                )),
            )?;
        }
        Ok(n > 0)
    }

    /// Our own copy of a sent mail arrived: the server took it. Returns whether a row matched.
    pub fn confirm_sent(&self, message_id: &str) -> Result<bool> {
        let n = self.tx.execute(
            "UPDATE outbox SET confirmed_at = coalesce(confirmed_at, ?2),
                 status = CASE WHEN status IN ('sending', 'pending', 'failed') THEN 'sent' ELSE status END,
                 sent_at = coalesce(sent_at, ?2)
             WHERE message_id = ?1",
            params![message_id, self.now_text()],
        )?;
        Ok(n > 0)
    }
}
