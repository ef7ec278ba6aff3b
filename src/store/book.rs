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
    s.get(..10).and_then(super::day_of)
}

/// Every allocation by day, and the counts of what waits for people (these read the whole
/// payments table): for the reports, which look at any day of a period.
fn rows(conn: &Connection) -> Result<BookRows> {
    let mut out = BookRows::default();
    paid_by_day(conn, &mut out)?;
    erp_and_replies(conn, &mut out)?;
    waiting_counts(conn, &mut out)?;
    Ok(out)
}

/// Only what is true on `as_of`, and how each invoice came to be paid in full, without the
/// counts: for the dunning, `overdue` and `status`, which look at one day.
///
/// An invoice last paid on or before `as_of`, whose payments are all allocations, is summed up
/// by the figures kept on it: what was allocated, dated by the day it was paid in full (or, if
/// it was not, by its last payment). Its paid-in-full day and what was paid by `as_of` are then
/// what the whole history says; what it says of earlier days is not kept, so such rows must not
/// be asked about them. Any other invoice (paid after `as_of`, or with a part paid according to
/// an ERP's list) has its history read by day, as a whole history has. At a million payments
/// this reads 100,000 invoices instead of 900,000 allocations.
fn rows_as_of(conn: &Connection, as_of: NaiveDate) -> Result<BookRows> {
    let mut out = BookRows::default();
    let mut detail = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT id, allocated_minor, last_paid_on, paid_off_on, reported_outstanding_minor IS NOT NULL
         FROM invoices WHERE allocated_minor <> 0",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let allocated: i64 = r.get(1)?;
        let last = r.get_ref(2)?.as_str_or_null()?.and_then(day);
        let paid_off = r.get_ref(3)?.as_str_or_null()?.and_then(day);
        let erp: bool = r.get(4)?;
        match last {
            Some(last) if last <= as_of && !erp => {
                out.paid.push((id, paid_off.unwrap_or(last), allocated));
            }
            _ => detail.push(id),
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT booking_date, SUM(amount_minor) FROM allocations WHERE invoice_id = ?1
         GROUP BY booking_date ORDER BY booking_date",
    )?;
    for id in detail {
        let mut rows = stmt.query([id])?;
        while let Some(r) = rows.next()? {
            if let Some(d) = r.get_ref(0)?.as_str_or_null()?.and_then(day) {
                out.paid.push((id, d, r.get(1)?));
            }
        }
    }
    erp_and_replies(conn, &mut out)?;
    Ok(out)
}

/// Allocations by invoice and day.
fn paid_by_day(conn: &Connection, out: &mut BookRows) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT invoice_id, booking_date, SUM(amount_minor) FROM allocations
         GROUP BY invoice_id, booking_date ORDER BY invoice_id, booking_date",
    )?;
    // A million rows at a million payments: the day is read in place, not copied and parsed.
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let d = r.get_ref(1)?.as_str_or_null()?.and_then(day);
        if let Some(d) = d {
            out.paid.push((r.get(0)?, d, r.get(2)?));
        }
    }
    Ok(())
}

/// What ERP lists say was paid beyond the allocations, and the clients' replies.
fn erp_and_replies(conn: &Connection, out: &mut BookRows) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT i.id, i.updated_at,
                (i.gross_minor - i.reported_outstanding_minor)
                  - i.allocated_minor
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
    Ok(())
}

/// What waits for people: payments in review, unmatched payments, failed mails.
fn waiting_counts(conn: &Connection, out: &mut BookRows) -> Result<()> {
    let count = |sql: &str| -> Result<usize> {
        Ok(conn.query_row(sql, [], |r| r.get::<_, i64>(0))?.max(0) as usize)
    };
    out.review_waiting = count(
        "SELECT count(*) FROM payment_reviews r JOIN payments p ON p.id = r.payment_id
          WHERE p.kind = 'incoming'
            AND NOT EXISTS (SELECT 1 FROM allocations a WHERE a.payment_id = p.id)",
    )?;
    // Unmatched: open and not in review.
    let open = count(
        "SELECT count(*) FROM payments p WHERE p.kind = 'incoming'
           AND NOT EXISTS (SELECT 1 FROM allocations a WHERE a.payment_id = p.id)",
    )?;
    out.unmatched = open.saturating_sub(out.review_waiting);
    out.failed_mails = count("SELECT count(*) FROM outbox WHERE status = 'failed'")?;
    Ok(())
}

impl Store {
    /// The rows and the counts of what waits for people, for the reports.
    pub fn book_rows(&self) -> Result<BookRows> {
        rows(self.conn())
    }
}

impl Tx<'_> {
    /// The rows and the counts of what waits for people, for the reports.
    pub fn book_rows(&self) -> Result<BookRows> {
        rows(self.conn())
    }

    /// The rows as they stand on `as_of`, without the counts (the dunning, `overdue`,
    /// `status`); see [`rows_as_of`] for what they may be asked.
    pub fn book_as_of(&self, as_of: NaiveDate) -> Result<BookRows> {
        rows_as_of(self.conn(), as_of)
    }
}
