//! What the reports read besides the dunning snapshot: when each invoice was paid, clients'
//! last replies, and the counts of what waits for people.

use super::{Store, Tx};
use anyhow::Result;
use chrono::NaiveDate;
use rusqlite::Connection;

/// Rows for the reports. Amounts in minor units.
#[derive(Debug, Clone, Default)]
pub struct BookRows {
    /// (invoice, day, amount): allocations by their payment's booking day.
    pub paid: Vec<(i64, NaiveDate, i64)>,
    /// (invoice, day, amount): paid according to an ERP's receivables list beyond what the
    /// allocations know, dated by the day the invoice was last updated from it.
    pub erp_paid: Vec<(i64, NaiveDate, i64)>,
    /// (client, day, intent): clients' replies, oldest first.
    pub replies: Vec<(i64, NaiveDate, Option<String>)>,
    pub review_waiting: usize,
    pub unmatched: usize,
    pub failed_mails: usize,
}

fn day(s: &str) -> Option<NaiveDate> {
    s.get(..10)?.parse().ok()
}

/// The rows; the counts of what waits for people (`counts`) read the whole payments table, so
/// only the reports ask for them.
fn rows(conn: &Connection, counts: bool) -> Result<BookRows> {
    let mut out = BookRows::default();
    let mut stmt = conn.prepare(
        "SELECT invoice_id, booking_date, SUM(amount_minor) FROM allocations
         GROUP BY invoice_id, booking_date ORDER BY invoice_id, booking_date",
    )?;
    for r in stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })? {
        let (i, d, a) = r?;
        if let Some(d) = day(&d) {
            out.paid.push((i, d, a));
        }
    }
    let mut stmt = conn.prepare(
        "SELECT i.id, i.updated_at,
                (i.gross_minor - i.reported_outstanding_minor)
                  - (SELECT COALESCE(SUM(a.amount_minor), 0) FROM allocations a WHERE a.invoice_id = i.id)
         FROM invoices i WHERE i.reported_outstanding_minor IS NOT NULL",
    )?;
    for r in stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })? {
        let (i, d, a) = r?;
        if let (Some(d), true) = (day(&d), a > 0) {
            out.erp_paid.push((i, d, a));
        }
    }
    let mut stmt = conn.prepare(
        "SELECT client_id, received_at, intent FROM client_messages
         WHERE kind = 'reply' ORDER BY received_at, id",
    )?;
    for r in stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
        ))
    })? {
        let (c, d, intent) = r?;
        if let Some(d) = day(&d) {
            // Several intents are stored comma-separated: the first is the main one.
            let intent = intent.and_then(|i| i.split(',').next().map(str::to_string));
            out.replies.push((c, d, intent.filter(|i| !i.is_empty())));
        }
    }
    if !counts {
        return Ok(out);
    }
    let count = |sql: &str| -> Result<usize> {
        Ok(conn.query_row(sql, [], |r| r.get::<_, i64>(0))?.max(0) as usize)
    };
    out.review_waiting = count(
        "SELECT count(*) FROM payments p WHERE p.kind = 'incoming' AND p.review_reason IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM allocations a WHERE a.payment_id = p.id)",
    )?;
    out.unmatched = count(
        "SELECT count(*) FROM payments p WHERE p.kind = 'incoming' AND p.review_reason IS NULL
           AND NOT EXISTS (SELECT 1 FROM allocations a WHERE a.payment_id = p.id)",
    )?;
    out.failed_mails = count("SELECT count(*) FROM outbox WHERE status = 'failed'")?;
    Ok(out)
}

impl Store {
    /// The rows and the counts of what waits for people, for the reports.
    pub fn book_rows(&self) -> Result<BookRows> {
        rows(self.conn(), true)
    }
}

impl Tx<'_> {
    /// The rows and the counts of what waits for people, for the reports.
    pub fn book_rows(&self) -> Result<BookRows> {
        rows(self.conn(), true)
    }

    /// The rows without the counts (the dunning, `overdue`, `status`).
    pub fn book_history(&self) -> Result<BookRows> {
        rows(self.conn(), false)
    }
}
