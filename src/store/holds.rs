//! Holds on invoices (a dispute, a promise to pay, a claim of payment) and what clients wrote.

use super::{Store, Tx};
use crate::domain::{HoldEnd, HoldKind};
use anyhow::Result;
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};

/// A hold as stored, with its invoice's number and client.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HoldRow {
    pub id: i64,
    pub invoice_id: i64,
    pub number: String,
    pub client_id: i64,
    pub kind: HoldKind,
    pub since: NaiveDate,
    pub until: Option<NaiveDate>,
    pub source: String,
    pub note: Option<String>,
    pub ended_at: Option<String>,
    pub ended_by: Option<String>,
    pub outcome: Option<String>,
    pub reason: Option<String>,
}

/// What opening a hold did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// A new hold.
    New(i64),
    /// The open hold of this kind now waits until a later day.
    Extended(i64),
    /// An open hold of this kind already covers it.
    Existing(i64),
}

impl Opened {
    pub fn id(self) -> i64 {
        match self {
            Opened::New(id) | Opened::Extended(id) | Opened::Existing(id) => id,
        }
    }
}

/// A client's reply as read, for its history.
#[derive(Debug, Clone)]
pub struct ReplyRecord<'a> {
    pub client_id: i64,
    pub message_id: &'a str,
    pub sender: Option<&'a str>,
    pub subject: &'a str,
    pub excerpt: &'a str,
    pub intent: &'a str,
    /// JSON of the intents found with the client's words.
    pub evidence: &'a str,
    pub invoice_ids: &'a [i64],
    pub promised: Option<NaiveDate>,
    pub action: &'a str,
}

const SELECT: &str =
    "SELECT h.id, h.invoice_id, i.number, i.client_id, h.kind, h.since, h.until, h.source,
        h.note, h.ended_at, h.ended_by, h.outcome, h.reason
 FROM invoice_holds h JOIN invoices i ON i.id = h.invoice_id";

fn rows(conn: &Connection, filter: &str, p: &[&dyn rusqlite::ToSql]) -> Result<Vec<HoldRow>> {
    let mut stmt = conn.prepare(&format!("{SELECT} {filter} ORDER BY h.since, h.id"))?;
    let out = stmt.query_map(p, |r| {
        let kind: String = r.get(4)?;
        let since: String = r.get(5)?;
        let until: Option<String> = r.get(6)?;
        Ok(HoldRow {
            id: r.get(0)?,
            invoice_id: r.get(1)?,
            number: r.get(2)?,
            client_id: r.get(3)?,
            kind: HoldKind::parse(&kind).unwrap_or(HoldKind::Dispute),
            since: since.parse().unwrap_or_default(),
            until: until.and_then(|u| u.parse().ok()),
            source: r.get(7)?,
            note: r.get(8)?,
            ended_at: r.get(9)?,
            ended_by: r.get(10)?,
            outcome: r.get(11)?,
            reason: r.get(12)?,
        })
    })?;
    Ok(out.collect::<Result<_, _>>()?)
}

impl Store {
    /// Every open hold.
    pub fn open_holds(&self) -> Result<Vec<HoldRow>> {
        rows(&self.conn, "WHERE h.ended_at IS NULL", &[])
    }

    /// A client's holds, open and ended.
    pub fn holds_of_client(&self, client_id: i64) -> Result<Vec<HoldRow>> {
        rows(&self.conn, "WHERE i.client_id = ?1", &[&client_id])
    }
}

impl Tx<'_> {
    pub fn open_holds(&self) -> Result<Vec<HoldRow>> {
        rows(&self.tx, "WHERE h.ended_at IS NULL", &[])
    }

    pub fn holds_of_client(&self, client_id: i64) -> Result<Vec<HoldRow>> {
        rows(&self.tx, "WHERE i.client_id = ?1", &[&client_id])
    }

    /// The open hold of this kind on the invoice.
    pub fn open_hold_of(&self, invoice_id: i64, kind: HoldKind) -> Result<Option<HoldRow>> {
        Ok(rows(
            &self.tx,
            "WHERE h.ended_at IS NULL AND h.invoice_id = ?1 AND h.kind = ?2",
            &[&invoice_id, &kind.as_str()],
        )?
        .into_iter()
        .next())
    }

    /// Puts a hold on an invoice, or extends the open one of this kind to a later `until`.
    pub fn open_hold(
        &self,
        invoice_id: i64,
        kind: HoldKind,
        since: NaiveDate,
        until: Option<NaiveDate>,
        source: &str,
        note: Option<&str>,
    ) -> Result<Opened> {
        let open: Option<(i64, Option<String>)> = self
            .tx
            .query_row(
                "SELECT id, until FROM invoice_holds WHERE invoice_id = ?1 AND kind = ?2 AND ended_at IS NULL",
                params![invoice_id, kind.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((id, current)) = open {
            let current: Option<NaiveDate> = current.and_then(|c| c.parse().ok());
            return Ok(match (current, until) {
                (Some(c), Some(u)) if u > c => {
                    self.tx.execute(
                        "UPDATE invoice_holds SET until = ?2, source = ?3, note = COALESCE(?4, note) WHERE id = ?1",
                        params![id, u.to_string(), source, note],
                    )?;
                    Opened::Extended(id)
                }
                _ => Opened::Existing(id),
            });
        }
        self.tx.execute(
            "INSERT INTO invoice_holds (invoice_id, kind, since, until, source, note, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                invoice_id,
                kind.as_str(),
                since.to_string(),
                until.map(|u| u.to_string()),
                source,
                note,
                self.now_text()
            ],
        )?;
        Ok(Opened::New(self.tx.last_insert_rowid()))
    }

    /// Ends an open hold; false when it was not open.
    pub fn end_hold(
        &self,
        id: i64,
        outcome: HoldEnd,
        by: &str,
        reason: Option<&str>,
    ) -> Result<bool> {
        let n = self.tx.execute(
            "UPDATE invoice_holds SET ended_at = ?2, ended_by = ?3, outcome = ?4, reason = ?5
             WHERE id = ?1 AND ended_at IS NULL",
            params![id, self.now_text(), by, outcome.as_str(), reason],
        )?;
        Ok(n > 0)
    }

    /// Keeps a client's reply on its history with what it said and what was done.
    pub fn add_client_reply(&self, r: &ReplyRecord<'_>) -> Result<bool> {
        let ids = serde_json::to_string(r.invoice_ids)?;
        let n = self.tx.execute(
            "INSERT OR IGNORE INTO client_messages
               (client_id, message_id, sender, subject, kind, excerpt, received_at, intent, evidence,
                invoice_ids, promised, action)
             VALUES (?1, ?2, ?3, ?4, 'reply', ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                r.client_id,
                r.message_id,
                r.sender,
                r.subject,
                r.excerpt,
                self.now_text(),
                r.intent,
                r.evidence,
                ids,
                r.promised.map(|p| p.to_string()),
                r.action
            ],
        )?;
        Ok(n > 0)
    }
}

/// A document of an invoice: file name, content type, bytes.
pub type Document = (String, String, Vec<u8>);

fn documents(conn: &Connection, invoice_id: i64) -> Result<Vec<Document>> {
    let mut stmt = conn.prepare(
        "SELECT file_name, content_type, bytes FROM invoice_documents WHERE invoice_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([invoice_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl Store {
    pub fn invoice_documents(&self, invoice_id: i64) -> Result<Vec<Document>> {
        documents(&self.conn, invoice_id)
    }
}

impl Tx<'_> {
    pub fn invoice_documents(&self, invoice_id: i64) -> Result<Vec<Document>> {
        documents(&self.tx, invoice_id)
    }

    /// Keeps an invoice's document (the invoice by its number key); the same bytes twice are
    /// kept once. False when the invoice is unknown or the document was kept before.
    pub fn add_invoice_document(
        &self,
        number_key: &str,
        file_name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<bool> {
        let n = self.tx.execute(
            "INSERT OR IGNORE INTO invoice_documents (invoice_id, file_name, content_type, bytes, sha256, created_at)
             SELECT id, ?2, ?3, ?4, ?5, ?6 FROM invoices WHERE number_key = ?1",
            params![
                number_key,
                file_name,
                content_type,
                bytes,
                crate::domain::sha256_hex(bytes),
                self.now_text()
            ],
        )?;
        Ok(n > 0)
    }

    /// Marks a receivables report as stating outstanding amounts (fresh data as of its arrival).
    pub fn mark_states_outstanding(&self, report_id: i64) -> Result<()> {
        self.tx.execute(
            "UPDATE reports SET states_outstanding = 1 WHERE id = ?1",
            [report_id],
        )?;
        Ok(())
    }
}

impl Tx<'_> {
    /// Invoices our mails with these Message-IDs reminded the client of.
    pub fn invoices_of_our_mail(&self, message_ids: &[String]) -> Result<Vec<i64>> {
        let mut stmt = self.tx.prepare(
            "SELECT DISTINCT r.invoice_id FROM outbox o JOIN reminder_items r ON r.outbox_key = o.key
             WHERE o.message_id = ?1",
        )?;
        let mut out = Vec::new();
        for id in message_ids {
            for row in stmt.query_map([id], |r| r.get::<_, i64>(0))? {
                let row = row?;
                if !out.contains(&row) {
                    out.push(row);
                }
            }
        }
        Ok(out)
    }
}
