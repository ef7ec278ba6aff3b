//! What the dunning planner reads, and its one-off records (reminder items, notices).

use super::{Store, Tx};
use crate::domain::{Currency, Hold, HoldKind, Lang, Settlement};
use anyhow::Result;
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{BTreeMap, HashMap, HashSet};

/// An invoice as the dunning sees it. Amounts in minor units.
#[derive(Debug, Clone)]
pub struct DunInvoice {
    pub id: i64,
    pub number: String,
    pub client_id: i64,
    pub issue_date: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
    pub currency: Currency,
    pub gross_minor: i64,
    pub paid_minor: i64,
    pub outstanding_minor: i64,
    /// A document of a negative amount: its open credit (see `Settlement::credit`).
    pub credit_minor: i64,
    pub paused: bool,
    /// Booking date of the latest payment allocated to it.
    pub last_payment: Option<NaiveDate>,
    /// The number KSeF gave it, once known.
    pub ksef_number: Option<String>,
}

impl DunInvoice {
    /// A credit the client may still set off (see `Settlement::credit`), not left out by a
    /// person: dunning leaves a paused document alone, and a credit set off elsewhere that the
    /// ERP no longer lists is closed that way.
    pub fn open_credit(&self) -> bool {
        self.credit_minor > 0 && !self.paused
    }
}

/// A client's dunning settings and contacts.
#[derive(Debug, Clone, Default)]
pub struct DunClient {
    pub id: i64,
    pub name: String,
    pub nip: Option<String>,
    pub language: Lang,
    pub account_manager: Option<String>,
    pub paused_until: Option<NaiveDate>,
    pub paused_indefinitely: bool,
    pub excluded: bool,
    pub offsets: Option<Vec<i64>>,
    pub payment_link: Option<String>,
    /// Reminder addresses that have not bounced.
    pub reminder_emails: Vec<String>,
    pub billing_emails: Vec<String>,
    /// When the client last wrote to us (RFC 3339 UTC), out-of-office answers not counted.
    pub last_reply: Option<String>,
    pub payment_in_review: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub invoices: Vec<DunInvoice>,
    pub clients: BTreeMap<i64, DunClient>,
    pub sent: HashMap<(i64, String), NaiveDate>,
    pub escalated: HashSet<i64>,
    /// The newest day the bank data or a receivables list stating outstanding amounts speaks
    /// for: a statement's newest booking, a list's arrival.
    pub newest_statement: Option<NaiveDate>,
    /// Open holds (dispute, promise, paid claim) per invoice.
    pub holds: HashMap<i64, Vec<Hold>>,
}

/// A payment that paid an invoice in full, for the thank-you mail.
#[derive(Debug, Clone)]
pub struct PaidByPayment {
    pub payment_id: i64,
    pub booking_date: NaiveDate,
    pub amount_minor: i64,
    pub currency: Currency,
    pub client_id: i64,
    pub invoices: Vec<PaidInvoice>,
}

/// An invoice a payment paid (part of), with its settlement after all payments so far.
#[derive(Debug, Clone)]
pub struct PaidInvoice {
    pub id: i64,
    pub number: String,
    /// Allocated by this payment, minor units.
    pub allocated: i64,
    pub settlement: Settlement,
    /// A thank-you already told the client this invoice is paid (another payment settled it).
    pub confirmed_before: bool,
}

fn date(s: Option<String>) -> Option<NaiveDate> {
    s.as_deref().and_then(super::day_of)
}

/// A stored currency code (validated when written).
fn currency(s: String) -> Currency {
    Currency::parse(&s).unwrap_or(Currency::PLN)
}

/// Rows of (id, text, text).
fn id_text_text(conn: &Connection, sql: &str) -> Result<Vec<(i64, String, String)>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A stored day in column `i`, read in place.
fn day_at(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<NaiveDate>> {
    Ok(r.get_ref(i)?.as_str_or_null()?.and_then(super::day_of))
}

fn invoices(conn: &Connection) -> Result<Vec<DunInvoice>> {
    let mut stmt = conn.prepare(
        "SELECT i.id, i.number, i.client_id, i.issue_date, i.due_date, i.currency, i.gross_minor,
                i.reported_outstanding_minor, i.paused,
                i.allocated_minor, i.last_paid_on,
                i.ksef_number
         FROM invoices i",
    )?;
    let rows = stmt.query_map([], |r| {
        let s = Settlement::of(r.get(6)?, r.get(9)?, r.get(7)?);
        Ok(DunInvoice {
            id: r.get(0)?,
            number: r.get(1)?,
            client_id: r.get(2)?,
            issue_date: day_at(r, 3)?,
            due: day_at(r, 4)?,
            currency: Currency::parse(r.get_ref(5)?.as_str()?).unwrap_or(Currency::PLN),
            gross_minor: s.gross,
            paid_minor: s.paid,
            outstanding_minor: s.outstanding,
            credit_minor: s.credit,
            paused: r.get(8)?,
            last_payment: day_at(r, 10)?,
            ksef_number: r.get(11)?,
        })
    })?;
    let mut out: Vec<DunInvoice> = rows.collect::<Result<_, _>>()?;
    // By due day (none first), then id; sorted here rather than by SQLite's sorter, which
    // spilled 100,000 rows through a temporary b-tree.
    out.sort_unstable_by_key(|i| (i.due, i.id));
    Ok(out)
}

fn clients(conn: &Connection) -> Result<BTreeMap<i64, DunClient>> {
    let mut stmt = conn.prepare(
        "SELECT id, name, nip, language, account_manager, paused_until, paused_indefinitely, excluded,
                step_offsets, payment_link,
                (SELECT MAX(m.received_at) FROM client_messages m WHERE m.client_id = c.id AND m.kind = 'reply')
         FROM clients c",
    )?;
    let mut out = BTreeMap::new();
    for c in stmt.query_map([], |r| {
        let offsets: Option<String> = r.get(8)?;
        Ok(DunClient {
            id: r.get(0)?,
            name: r.get(1)?,
            nip: r.get(2)?,
            language: Lang::from_code(&r.get::<_, String>(3)?),
            account_manager: r.get(4)?,
            paused_until: date(r.get(5)?),
            paused_indefinitely: r.get(6)?,
            excluded: r.get(7)?,
            offsets: offsets.and_then(|o| serde_json::from_str(&o).ok()),
            payment_link: r.get(9)?,
            last_reply: r.get(10)?,
            ..DunClient::default()
        })
    })? {
        let c = c?;
        out.insert(c.id, c);
    }
    for (id, email, purpose) in id_text_text(
        conn,
        "SELECT client_id, email, purpose FROM client_emails WHERE bounced_at IS NULL ORDER BY rowid",
    )? {
        if let Some(c) = out.get_mut(&id) {
            match purpose.as_str() {
                "billing" => c.billing_emails.push(email),
                _ => c.reminder_emails.push(email),
            }
        }
    }
    // A payment waiting for a person, linked to a client by a candidate invoice or by the account
    // it came from: that client may have paid. Over the reviews only (their rows hold the
    // payment's account; only incoming payments are reviewed), the few held ones left out.
    //
    // The candidates are read here, not joined in SQL: a payment from a known payer that fits
    // none of its invoices has all of that client's open invoices for candidates, and a year's
    // statement puts a hundred thousand such payments in review: the join was 33 million rows
    // (two minutes for every dunning round). The lists repeat, so each distinct list is read
    // once, and each distinct number looked up once.
    // A review `r` whose payment no person holds (through the small index of held payments).
    const NOT_HELD: &str = "r.payment_id NOT IN (SELECT id FROM payments WHERE hold = 1)";
    let mut lists_seen: HashSet<u64> = HashSet::new();
    let mut numbers: HashSet<String> = HashSet::new();
    let mut ids: Vec<i64> = Vec::new();
    {
        let mut stmt = conn.prepare(&format!(
            "SELECT candidates FROM payment_reviews r WHERE candidates IS NOT NULL AND {NOT_HELD}"
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let text = match r.get_ref(0)? {
                rusqlite::types::ValueRef::Text(t) => t,
                _ => continue,
            };
            let digest = {
                use std::hash::{BuildHasher, BuildHasherDefault};
                BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
                    .hash_one(text)
            };
            if !lists_seen.insert(digest) {
                continue;
            }
            // A list that does not read (written by hand, damaged) links nothing.
            if let Ok(list) = serde_json::from_slice::<Vec<String>>(text) {
                numbers.extend(list);
            }
        }
        let mut by_number =
            conn.prepare_cached("SELECT client_id FROM invoices WHERE number = ?1")?;
        for n in &numbers {
            let mut found = by_number.query([n])?;
            while let Some(r) = found.next()? {
                ids.push(r.get(0)?);
            }
        }
    }
    // CROSS JOIN keeps the reviews the outer loop, each account looked up in the accounts'
    // index: left to the planner, it built an index of the reviews by account on every round
    // (0.1 s of `overdue` at a hundred thousand reviews).
    let mut stmt = conn.prepare(&format!(
        "SELECT DISTINCT ca.client_id FROM payment_reviews r CROSS JOIN client_accounts ca ON ca.account = r.account
          WHERE {NOT_HELD}"
    ))?;
    for id in stmt.query_map([], |r| r.get::<_, i64>(0))? {
        ids.push(id?);
    }
    for id in ids {
        if let Some(c) = out.get_mut(&id) {
            c.payment_in_review = true;
        }
    }
    Ok(out)
}

fn snapshot(conn: &Connection) -> Result<Snapshot> {
    let mut sent = HashMap::new();
    for (id, step, on) in id_text_text(
        conn,
        "SELECT invoice_id, step, planned_on FROM reminder_items",
    )? {
        if let Ok(on) = on.parse() {
            sent.insert((id, step), on);
        }
    }
    let escalated = conn
        .prepare("SELECT ref FROM notices WHERE kind = 'escalation'")?
        .query_map([], |r| r.get::<_, String>(0))?
        .filter_map(|r| r.ok().and_then(|s| s.parse().ok()))
        .collect();
    // Bank statements, and receivables lists that state what is outstanding (a firm that sends
    // only ERP lists has fresh data too). A payment recorded by hand says nothing of the data's age.
    let statement = date(conn.query_row(
        "SELECT MAX(newest_booking) FROM reports WHERE kind = 'statement' AND outcome = 'imported'",
        [],
        |r| r.get(0),
    )?);
    let list = date(conn.query_row(
        "SELECT MAX(substr(received_at, 1, 10)) FROM reports
         WHERE kind = 'receivables' AND outcome = 'imported' AND states_outstanding = 1",
        [],
        |r| r.get(0),
    )?);
    let newest_statement = statement.max(list);
    let mut holds: HashMap<i64, Vec<Hold>> = HashMap::new();
    for (invoice, kind, until) in id_text_text(
        conn,
        "SELECT invoice_id, kind, COALESCE(until, '') FROM invoice_holds WHERE ended_at IS NULL",
    )? {
        if let Some(kind) = HoldKind::parse(&kind) {
            holds.entry(invoice).or_default().push(Hold {
                kind,
                until: until.parse().ok(),
            });
        }
    }
    Ok(Snapshot {
        invoices: invoices(conn)?,
        clients: clients(conn)?,
        sent,
        escalated,
        newest_statement,
        holds,
    })
}

/// Payments booked on or after `since` that brought an invoice to paid (or overpaid).
fn paying_payments(conn: &Connection, since: NaiveDate) -> Result<Vec<PaidByPayment>> {
    let mut stmt = conn.prepare(
        "SELECT p.id, p.booking_date, p.amount_minor, p.currency, i.client_id, i.number, a.amount_minor,
                i.gross_minor, i.reported_outstanding_minor, i.allocated_minor, i.id,
                EXISTS (SELECT 1 FROM notices n WHERE n.kind = 'confirmed_invoice' AND n.ref = CAST(i.id AS TEXT))
         FROM allocations a JOIN payments p ON p.id = a.payment_id JOIN invoices i ON i.id = a.invoice_id
         WHERE a.booking_date >= ?1 AND p.kind = 'incoming'
           AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.kind = 'confirmation' AND n.ref = CAST(p.id AS TEXT))
         ORDER BY p.booking_date, p.id, a.id",
    )?;
    let mut out: Vec<PaidByPayment> = Vec::new();
    for row in stmt.query_map([since.to_string()], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, i64>(6)?,
            r.get::<_, i64>(7)?,
            r.get::<_, Option<i64>>(8)?,
            r.get::<_, i64>(9)?,
            r.get::<_, i64>(10)?,
            r.get::<_, bool>(11)?,
        ))
    })? {
        let (
            pid,
            booked,
            amount,
            cur,
            client,
            number,
            alloc,
            gross,
            reported,
            allocated,
            id,
            before,
        ) = row?;
        let Ok(booked) = booked.parse() else { continue };
        let paid = PaidInvoice {
            id,
            confirmed_before: before,
            number,
            allocated: alloc,
            settlement: Settlement::of(gross, allocated, reported),
        };
        match out.last_mut() {
            Some(p) if p.payment_id == pid => p.invoices.push(paid),
            _ => out.push(PaidByPayment {
                payment_id: pid,
                booking_date: booked,
                amount_minor: amount,
                currency: currency(cur),
                client_id: client,
                invoices: vec![paid],
            }),
        }
    }
    // Thanked for only when the payment settled something not thanked for already: a payment
    // recorded by hand and the bank's payment of the same invoice are one thank-you, not two.
    out.retain(|p| {
        p.invoices
            .iter()
            .any(|i| i.settlement.settled() && !i.confirmed_before)
    });
    Ok(out)
}

impl Store {
    pub fn dunning_snapshot(&self) -> Result<Snapshot> {
        snapshot(&self.conn)
    }

    /// Every reminder and notice for a client, with the outbox state of its mail.
    pub fn client_history(&self, client_id: i64) -> Result<Vec<HistoryLine>> {
        history(&self.conn, client_id)
    }
}

/// One line of `skarbnik history`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HistoryLine {
    pub at: String,
    /// reminder, internal, escalation, confirmation, reply, auto_reply, summary, ...
    pub kind: String,
    pub detail: String,
    pub status: Option<String>,
    pub message_id: Option<String>,
    /// The mail's subject, as sent or received.
    pub subject: String,
    /// For a reminder: (invoice number, step) it covered.
    pub items: Vec<(String, String)>,
    /// For a client's reply: the intent read in it.
    pub intent: Option<String>,
}

fn history(conn: &Connection, client_id: i64) -> Result<Vec<HistoryLine>> {
    let mut lines = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT o.created_at, o.purpose, o.subject, o.status, o.message_id, o.recipients, o.sent_at, o.last_error,
                (SELECT group_concat(i.number || char(31) || r.step, char(30)) FROM reminder_items r JOIN invoices i ON i.id = r.invoice_id
                  WHERE r.outbox_key = o.key)
         FROM outbox o WHERE o.client_id = ?1 ORDER BY o.created_at, o.id",
    )?;
    for row in stmt.query_map([client_id], |r| {
        let subject: String = r.get(2)?;
        let to: String = r.get(5)?;
        let items: Option<String> = r.get(8)?;
        let err: Option<String> = r.get(7)?;
        let mut detail = format!(
            "{subject} → {}",
            to.trim_matches(['[', ']']).replace('"', "")
        );
        let items: Vec<(String, String)> = items
            .map(|i| {
                i.split('\u{1e}')
                    .filter_map(|p| p.split_once('\u{1f}'))
                    .map(|(n, s)| (n.to_string(), s.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        if !items.is_empty() {
            let list: Vec<String> = items.iter().map(|(n, s)| format!("{n} {s}")).collect();
            detail.push_str(&format!(" [{}]", list.join(", ")));
        }
        if let Some(e) = err {
            detail.push_str(&format!(" ({e})"));
        }
        Ok(HistoryLine {
            at: r.get(0)?,
            kind: r.get(1)?,
            detail,
            status: r.get(3)?,
            message_id: r.get(4)?,
            subject,
            items,
            intent: None,
        })
    })? {
        lines.push(row?);
    }
    let mut stmt = conn.prepare(
        "SELECT received_at, kind,
                COALESCE(sender, '') || ': ' || COALESCE(subject, '')
                  || CASE WHEN intent IS NOT NULL THEN ' [' || intent || CASE WHEN action <> '' THEN ': ' || action ELSE '' END || ']' ELSE '' END,
                message_id, COALESCE(subject, ''), intent
         FROM client_messages WHERE client_id = ?1",
    )?;
    for row in stmt.query_map([client_id], |r| {
        Ok(HistoryLine {
            at: r.get(0)?,
            kind: r.get(1)?,
            detail: r.get(2)?,
            status: Some("received".into()),
            message_id: r.get(3)?,
            subject: r.get(4)?,
            items: Vec::new(),
            intent: r.get(5)?,
        })
    })? {
        lines.push(row?);
    }
    lines.sort_by(|a, b| a.at.cmp(&b.at));
    Ok(lines)
}

impl Tx<'_> {
    /// The same snapshot, read inside the write transaction that acts on it.
    pub fn dunning_snapshot(&self) -> Result<Snapshot> {
        snapshot(&self.tx)
    }

    pub fn client_history(&self, client_id: i64) -> Result<Vec<HistoryLine>> {
        history(&self.tx, client_id)
    }

    pub fn paying_payments(&self, since: NaiveDate) -> Result<Vec<PaidByPayment>> {
        paying_payments(&self.tx, since)
    }

    /// Records (invoice, step) as decided; false when it already was (nothing is written then).
    #[allow(clippy::too_many_arguments)]
    pub fn add_reminder_item(
        &self,
        invoice_id: i64,
        step: &str,
        client_id: i64,
        kind: &str,
        outbox_key: &str,
        remaining_minor: i64,
        on: NaiveDate,
    ) -> Result<bool> {
        let n = self.tx.execute(
            "INSERT OR IGNORE INTO reminder_items (invoice_id, step, client_id, kind, outbox_key, remaining_minor, planned_on)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![invoice_id, step, client_id, kind, outbox_key, remaining_minor, on.to_string()],
        )?;
        Ok(n > 0)
    }

    /// Records a one-off notice; false when it was already given.
    pub fn add_notice(
        &self,
        kind: &str,
        reference: &str,
        outbox_key: Option<&str>,
    ) -> Result<bool> {
        let n = self.tx.execute(
            "INSERT OR IGNORE INTO notices (kind, ref, outbox_key, at) VALUES (?1, ?2, ?3, ?4)",
            params![kind, reference, outbox_key, self.now_text()],
        )?;
        Ok(n > 0)
    }

    pub fn notice_given(&self, kind: &str, reference: &str) -> Result<bool> {
        Ok(self
            .tx
            .query_row(
                "SELECT 1 FROM notices WHERE kind = ?1 AND ref = ?2",
                params![kind, reference],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }
}
