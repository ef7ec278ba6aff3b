//! Subscriptions, billed periods, numbering counters and the documents skarbnik issued.

use super::{Store, Tx};
use crate::billing::cycle::Period;
use crate::billing::document::Document;
use crate::billing::plan::{Plan, Status};
use crate::domain::{Currency, Money};
use anyhow::{Context, Result};
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::str::FromStr;

/// A price or quantity change from a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanChange {
    pub from: NaiveDate,
    pub unit_net: Option<Decimal>,
    pub quantity: Option<Decimal>,
}

/// A stored subscription.
#[derive(Debug, Clone, Serialize)]
pub struct SubscriptionRow {
    pub id: i64,
    pub reference: String,
    pub client_id: i64,
    pub client: String,
    pub plan: Plan,
    pub status: Status,
    pub changes: Vec<PlanChange>,
}

impl SubscriptionRow {
    /// The terms for a period starting on `start`: the plan with every change from on or before
    /// that day applied, in order.
    pub fn plan_for(&self, start: NaiveDate) -> Plan {
        let mut p = self.plan.clone();
        for c in self.changes.iter().filter(|c| c.from <= start) {
            if let Some(u) = c.unit_net {
                p.unit_net = u;
            }
            if let Some(q) = c.quantity {
                p.quantity = q;
            }
        }
        p
    }
}

/// What writing a subscription from a list did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionUpsert {
    New,
    Known,
    Updated(Vec<String>),
}

/// The buyer of a client's invoices, as the store knows them.
#[derive(Debug, Clone)]
pub struct BuyerRow {
    pub name: String,
    pub nip: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub country: Option<String>,
    pub language: String,
    pub emails: Vec<String>,
}

/// An issued invoice or correction.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedRow {
    pub id: i64,
    pub number: String,
    pub kind: String,
    pub invoice_id: i64,
    pub client_id: i64,
    pub issue_date: String,
    pub currency: Currency,
    #[serde(with = "rust_decimal::serde::str")]
    pub gross: Decimal,
    pub ksef_number: Option<String>,
    pub mailed_to: Vec<String>,
    #[serde(skip)]
    pub document: Option<Document>,
}

fn sub_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, String, i64, String, String, String)> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn subscriptions(
    conn: &Connection,
    status: Option<Status>,
    id: Option<i64>,
) -> Result<Vec<SubscriptionRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.id, s.reference, s.client_id, c.name, s.plan, s.status FROM subscriptions s
         JOIN clients c ON c.id = s.client_id
         WHERE (?1 IS NULL OR s.status = ?1) AND (?2 IS NULL OR s.id = ?2) ORDER BY s.id",
    )?;
    let rows: Vec<_> = stmt
        .query_map(params![status.map(Status::code), id], sub_row)?
        .collect::<Result<_, _>>()?;
    let mut changes = conn.prepare_cached(
        "SELECT from_date, unit_net, quantity FROM subscription_changes
         WHERE subscription_id = ?1 ORDER BY from_date, id",
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, reference, client_id, client, plan, status) in rows {
        let plan: Plan = serde_json::from_str(&plan)
            .with_context(|| format!("subscription {id}: stored terms cannot be read"))?;
        // A change that cannot be read is an error, never skipped: the price would be wrong.
        let unreadable = || format!("subscription {id}: a stored price change cannot be read");
        let dec = |s: Option<String>| -> Result<Option<Decimal>> {
            s.map(|s| Decimal::from_str(&s).with_context(unreadable))
                .transpose()
        };
        let mut ch = Vec::new();
        for r in changes.query_map([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })? {
            let (from, unit_net, quantity) = r?;
            ch.push(PlanChange {
                from: from.parse().with_context(unreadable)?,
                unit_net: dec(unit_net)?,
                quantity: dec(quantity)?,
            });
        }
        out.push(SubscriptionRow {
            id,
            reference,
            client_id,
            client,
            plan,
            status: Status::parse(&status).unwrap_or(Status::Paused),
            changes: ch,
        });
    }
    Ok(out)
}

fn issued(
    conn: &Connection,
    number: Option<&str>,
    since: Option<NaiveDate>,
    unreported: bool,
) -> Result<Vec<IssuedRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, number, kind, invoice_id, client_id, issue_date, currency, gross_minor,
                ksef_number, document, mailed_to
         FROM issued_documents
         WHERE (?1 IS NULL OR number = ?1) AND (?2 IS NULL OR issue_date >= ?2)
           AND (?3 = 0 OR reported_at IS NULL)
         ORDER BY id",
    )?;
    let rows = stmt.query_map(
        params![number, since.map(|d| d.to_string()), unreported],
        |r| {
            let cur: String = r.get(6)?;
            let currency = Currency::parse(&cur).unwrap_or(Currency::PLN);
            let doc: String = r.get(9)?;
            Ok(IssuedRow {
                id: r.get(0)?,
                number: r.get(1)?,
                kind: r.get(2)?,
                invoice_id: r.get(3)?,
                client_id: r.get(4)?,
                issue_date: r.get(5)?,
                currency,
                gross: crate::domain::amount_of(r.get(7)?, currency.as_str()),
                ksef_number: r.get(8)?,
                mailed_to: serde_json::from_str(&r.get::<_, String>(10)?).unwrap_or_default(),
                document: serde_json::from_str(&doc).ok(),
            })
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn buyer(conn: &Connection, client_id: i64) -> Result<Option<BuyerRow>> {
    let row = conn
        .prepare_cached(
            "SELECT name, nip, address_line1, address_line2, country, language FROM clients WHERE id = ?1",
        )?
        .query_row([client_id], |r| {
            Ok(BuyerRow {
                name: r.get(0)?,
                nip: r.get(1)?,
                address_line1: r.get(2)?,
                address_line2: r.get(3)?,
                country: r.get(4)?,
                language: r.get(5)?,
                emails: Vec::new(),
            })
        })
        .optional()?;
    let Some(mut b) = row else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT email FROM client_emails WHERE client_id = ?1 AND bounced_at IS NULL ORDER BY rowid",
    )?;
    b.emails = stmt
        .query_map([client_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(Some(b))
}

impl Store {
    pub fn subscriptions(&self, status: Option<Status>) -> Result<Vec<SubscriptionRow>> {
        subscriptions(&self.conn, status, None)
    }

    pub fn subscription(&self, id: i64) -> Result<Option<SubscriptionRow>> {
        Ok(subscriptions(&self.conn, None, Some(id))?.pop())
    }

    /// Issued invoices and corrections, oldest first; `since` limits them to an issue date on or
    /// after it.
    pub fn issued_documents(&self, since: Option<NaiveDate>) -> Result<Vec<IssuedRow>> {
        issued(&self.conn, None, since, false)
    }

    pub fn issued_document(&self, number: &str) -> Result<Option<IssuedRow>> {
        Ok(issued(&self.conn, Some(number), None, false)?.pop())
    }

    /// The first days of the periods billed, per active subscription (one read, no write lock:
    /// the daemon asks every few minutes).
    pub fn billed_starts_of_active(&self) -> Result<HashMap<i64, HashSet<NaiveDate>>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT b.subscription_id, b.period_start FROM billed_periods b
             JOIN subscriptions s ON s.id = b.subscription_id WHERE s.status = 'active'",
        )?;
        let mut out: HashMap<i64, HashSet<NaiveDate>> = HashMap::new();
        for r in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
            let (id, start) = r?;
            let start = start
                .parse()
                .with_context(|| format!("subscription {id}: billed period {start:?}"))?;
            out.entry(id).or_default().insert(start);
        }
        Ok(out)
    }

    /// Whether an issued document waits for a run's summary.
    pub fn has_unreported_documents(&self) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM issued_documents WHERE reported_at IS NULL)",
            [],
            |r| r.get(0),
        )?)
    }

    /// The periods billed for a subscription, with the invoice number of each.
    pub fn billed_periods(&self, subscription_id: i64) -> Result<Vec<(Period, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT b.period_start, b.period_end, i.number FROM billed_periods b
             JOIN invoices i ON i.id = b.invoice_id WHERE b.subscription_id = ?1 ORDER BY b.period_start",
        )?;
        let rows = stmt.query_map([subscription_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for r in rows {
            let (s, e, n) = r?;
            if let (Ok(start), Ok(end)) = (s.parse(), e.parse()) {
                out.push((Period { start, end }, n));
            }
        }
        Ok(out)
    }
}

impl Tx<'_> {
    pub fn subscriptions(&self, status: Option<Status>) -> Result<Vec<SubscriptionRow>> {
        subscriptions(&self.tx, status, None)
    }

    pub fn subscription(&self, id: i64) -> Result<Option<SubscriptionRow>> {
        Ok(subscriptions(&self.tx, None, Some(id))?.pop())
    }

    pub fn subscription_by_reference(&self, reference: &str) -> Result<Option<SubscriptionRow>> {
        let id: Option<i64> = self
            .tx
            .prepare_cached("SELECT id FROM subscriptions WHERE reference = ?1")?
            .query_row([reference], |r| r.get(0))
            .optional()?;
        match id {
            Some(id) => self.subscription(id),
            None => Ok(None),
        }
    }

    pub fn buyer(&self, client_id: i64) -> Result<Option<BuyerRow>> {
        buyer(&self.tx, client_id)
    }

    pub fn issued_document(&self, number: &str) -> Result<Option<IssuedRow>> {
        Ok(issued(&self.tx, Some(number), None, false)?.pop())
    }

    /// The corrections of an invoice, oldest first, as documents.
    pub fn corrections_of(&self, invoice_id: i64) -> Result<Vec<Document>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT document FROM issued_documents WHERE invoice_id = ?1 AND kind = 'correction' ORDER BY id",
        )?;
        let rows = stmt.query_map([invoice_id], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for r in rows {
            out.push(serde_json::from_str(&r?).context("a stored correction cannot be read")?);
        }
        Ok(out)
    }

    /// Issued documents not yet sent to accounting in a run's summary, oldest first.
    pub fn unreported_documents(&self) -> Result<Vec<IssuedRow>> {
        issued(&self.tx, None, None, true)
    }

    pub fn mark_reported(&self, ids: &[i64]) -> Result<()> {
        let now = self.now_text();
        let mut stmt = self
            .tx
            .prepare_cached("UPDATE issued_documents SET reported_at = ?2 WHERE id = ?1")?;
        for id in ids {
            stmt.execute(params![id, now])?;
        }
        Ok(())
    }

    pub fn set_mailed_to(&self, number: &str, to: &[String]) -> Result<()> {
        self.tx.execute(
            "UPDATE issued_documents SET mailed_to = ?2 WHERE number = ?1",
            params![number, serde_json::to_string(to)?],
        )?;
        Ok(())
    }

    /// A file kept for an invoice, by its name.
    pub fn invoice_file(&self, invoice_id: i64, file_name: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT bytes FROM invoice_documents WHERE invoice_id = ?1 AND file_name = ?2
                 ORDER BY id DESC LIMIT 1",
            )?
            .query_row(params![invoice_id, file_name], |r| r.get(0))
            .optional()?)
    }

    /// Writes a subscription under its reference: new, unchanged, or updated (terms, status,
    /// client), with the changed fields named for the audit log.
    pub fn upsert_subscription(
        &self,
        reference: &str,
        client_id: i64,
        plan: &Plan,
        status: Status,
        source: &str,
    ) -> Result<(i64, SubscriptionUpsert)> {
        let json = serde_json::to_string(plan)?;
        let now = self.now_text();
        let found: Option<(i64, i64, String, String)> = self
            .tx
            .prepare_cached(
                "SELECT id, client_id, plan, status FROM subscriptions WHERE reference = ?1",
            )?
            .query_row([reference], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        let Some((id, old_client, old_plan, old_status)) = found else {
            self.tx.prepare_cached(
                "INSERT INTO subscriptions (reference, client_id, plan, status, source, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            )?
            .execute(params![reference, client_id, json, status.code(), source, now])?;
            return Ok((self.tx.last_insert_rowid(), SubscriptionUpsert::New));
        };
        let mut changed = Vec::new();
        if old_client != client_id {
            changed.push(format!("client #{old_client} → #{client_id}"));
        }
        if old_status != status.code() {
            changed.push(format!("status {old_status} → {}", status.code()));
        }
        let old: Option<Plan> = serde_json::from_str(&old_plan).ok();
        if old.as_ref() != Some(plan) {
            changed.push("terms".into());
        }
        if changed.is_empty() {
            return Ok((id, SubscriptionUpsert::Known));
        }
        self.tx.prepare_cached(
            "UPDATE subscriptions SET client_id = ?2, plan = ?3, status = ?4, updated_at = ?5 WHERE id = ?1",
        )?
        .execute(params![id, client_id, json, status.code(), now])?;
        Ok((id, SubscriptionUpsert::Updated(changed)))
    }

    pub fn set_subscription_status(&self, id: i64, status: Status) -> Result<bool> {
        let n = self.tx.execute(
            "UPDATE subscriptions SET status = ?2, updated_at = ?3 WHERE id = ?1 AND status != ?2",
            params![id, status.code(), self.now_text()],
        )?;
        Ok(n > 0)
    }

    /// Replaces a subscription's terms (resuming moves its start to the day it resumed).
    pub fn set_subscription_plan(&self, id: i64, plan: &Plan) -> Result<()> {
        self.tx.execute(
            "UPDATE subscriptions SET plan = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, serde_json::to_string(plan)?, self.now_text()],
        )?;
        Ok(())
    }

    pub fn add_subscription_change(
        &self,
        id: i64,
        from: NaiveDate,
        unit_net: Option<Decimal>,
        quantity: Option<Decimal>,
        by: &str,
    ) -> Result<()> {
        self.tx.execute(
            "INSERT INTO subscription_changes (subscription_id, from_date, unit_net, quantity, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id,
                from.to_string(),
                unit_net.map(|d| d.to_string()),
                quantity.map(|d| d.to_string()),
                self.now_text(),
                by
            ],
        )?;
        Ok(())
    }

    /// The periods of a subscription already billed, by their first day.
    pub fn billed_starts(&self, subscription_id: i64) -> Result<Vec<NaiveDate>> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT period_start FROM billed_periods WHERE subscription_id = ?1")?;
        let mut out = Vec::new();
        for r in stmt.query_map([subscription_id], |r| r.get::<_, String>(0))? {
            let s = r?;
            out.push(
                s.parse().with_context(|| {
                    format!("subscription {subscription_id}: billed period {s:?}")
                })?,
            );
        }
        Ok(out)
    }

    /// Whether a subscription's period starting on `start` is billed.
    pub fn is_billed(&self, subscription_id: i64, start: NaiveDate) -> Result<bool> {
        Ok(self.tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM billed_periods WHERE subscription_id = ?1 AND period_start = ?2)",
            params![subscription_id, start.to_string()],
            |r| r.get(0),
        )?)
    }

    /// Records a billed period. Fails if the period was billed before: the caller's whole
    /// transaction (invoice, number, mail) is then undone.
    pub fn mark_billed(&self, subscription_id: i64, period: Period, invoice_id: i64) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO billed_periods (subscription_id, period_start, period_end, invoice_id)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                subscription_id,
                period.start.to_string(),
                period.end.to_string(),
                invoice_id
            ])
            .with_context(|| {
                format!(
                    "subscription {subscription_id}: the period from {} is already billed",
                    period.start
                )
            })?;
        Ok(())
    }

    /// The number a counter would give next, without taking it.
    pub fn peek_number(&self, counter: &str) -> Result<u64> {
        let last: Option<i64> = self
            .tx
            .prepare_cached("SELECT last FROM invoice_counters WHERE counter = ?1")?
            .query_row([counter], |r| r.get(0))
            .optional()?;
        Ok(last.unwrap_or(0) as u64 + 1)
    }

    /// The next number of a counter (1 for a new one). Part of this transaction: undone with it.
    pub fn next_number(&self, counter: &str) -> Result<u64> {
        let n: i64 = self
            .tx
            .prepare_cached(
                "INSERT INTO invoice_counters (counter, last) VALUES (?1, 1)
                 ON CONFLICT (counter) DO UPDATE SET last = last + 1 RETURNING last",
            )?
            .query_row([counter], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// Writes an invoice skarbnik issued: the invoice (source `issued`), its issued document and
    /// its XML and PDF. Returns the invoice's id.
    pub fn insert_issued_invoice(
        &self,
        doc: &Document,
        number_key: &str,
        client_id: i64,
        xml: &[u8],
        pdf: &[u8],
    ) -> Result<i64> {
        let gross = Money::new(doc.totals.gross, doc.currency)
            .map_err(|e| anyhow::anyhow!("invoice {}: {}", doc.number, e.said().en))?;
        let now = self.now_text();
        self.tx
            .prepare_cached(
                "INSERT INTO invoices (number, number_key, client_id, issue_date, due_date, currency,
                                       gross_minor, source, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'issued', ?8, ?8)",
            )?
            .execute(params![
                doc.number,
                number_key,
                client_id,
                doc.issue_date.to_string(),
                doc.due_date.to_string(),
                doc.currency.as_str(),
                gross.minor(),
                now
            ])
            .with_context(|| format!("invoice {} cannot be stored", doc.number))?;
        let invoice_id = self.tx.last_insert_rowid();
        self.insert_issued_document(doc, "invoice", invoice_id, client_id, gross.minor())?;
        self.add_invoice_document(
            number_key,
            &file_stem(&doc.number, "xml"),
            "application/xml",
            xml,
        )?;
        self.add_invoice_document(
            number_key,
            &file_stem(&doc.number, "pdf"),
            "application/pdf",
            pdf,
        )?;
        Ok(invoice_id)
    }

    /// Writes a correction of `invoice_id`: the invoice's gross changes by the correction's
    /// amount, the correction is kept with its XML and PDF beside the invoice's.
    pub fn insert_issued_correction(
        &self,
        doc: &Document,
        invoice_id: i64,
        corrected_key: &str,
        client_id: i64,
        xml: &[u8],
        pdf: &[u8],
    ) -> Result<()> {
        let delta = Money::new(doc.totals.gross, doc.currency)
            .map_err(|e| anyhow::anyhow!("correction {}: {}", doc.number, e.said().en))?;
        self.tx.execute(
            "UPDATE invoices SET gross_minor = gross_minor + ?2, updated_at = ?3 WHERE id = ?1",
            params![invoice_id, delta.minor(), self.now_text()],
        )?;
        // Recorded as applied: the correction's XML coming back from KSeF (forwarded by the
        // accountant) is then known, not applied a second time, and the invoice's own XML coming
        // back keeps it.
        let correction_key = crate::domain::InvoiceNumber::parse(&doc.number)
            .map(|n| n.canonical().to_string())
            .map_err(|e| anyhow::anyhow!("correction {}: {}", doc.number, e.said().en))?;
        self.record_correction(&correction_key, invoice_id, delta.minor(), None)?;
        self.insert_issued_document(doc, "correction", invoice_id, client_id, delta.minor())?;
        self.add_invoice_document(
            corrected_key,
            &file_stem(&doc.number, "xml"),
            "application/xml",
            xml,
        )?;
        self.add_invoice_document(
            corrected_key,
            &file_stem(&doc.number, "pdf"),
            "application/pdf",
            pdf,
        )?;
        Ok(())
    }

    fn insert_issued_document(
        &self,
        doc: &Document,
        kind: &str,
        invoice_id: i64,
        client_id: i64,
        gross_minor: i64,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO issued_documents (number, kind, invoice_id, client_id, issue_date, currency,
                                               gross_minor, document, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                doc.number,
                kind,
                invoice_id,
                client_id,
                doc.issue_date.to_string(),
                doc.currency.as_str(),
                gross_minor,
                serde_json::to_string(doc)?,
                self.now_text()
            ])
            .with_context(|| format!("document {} cannot be stored", doc.number))?;
        Ok(())
    }

    /// Attaches a KSeF number to the issued document (and its invoice) with this number; `None`
    /// when no issued document has it. A different number already attached is an error.
    pub fn set_ksef_number(&self, number: &str, ksef: &str) -> Result<Option<KsefSet>> {
        let found: Option<(i64, String, i64, Option<String>)> = self
            .tx
            .prepare_cached(
                "SELECT id, kind, invoice_id, ksef_number FROM issued_documents WHERE number = ?1",
            )?
            .query_row([number], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        let Some((id, kind, invoice_id, old)) = found else {
            return Ok(None);
        };
        if let Some(old) = old {
            return Ok(Some(if old == ksef {
                KsefSet::Known
            } else {
                KsefSet::Conflict(old)
            }));
        }
        self.tx.execute(
            "UPDATE issued_documents SET ksef_number = ?2 WHERE id = ?1",
            params![id, ksef],
        )?;
        if kind == "invoice" {
            self.tx.execute(
                "UPDATE invoices SET ksef_number = ?2, updated_at = ?3 WHERE id = ?1",
                params![invoice_id, ksef, self.now_text()],
            )?;
        }
        Ok(Some(KsefSet::Set))
    }

    /// The client's address as issued invoices print it.
    pub fn set_client_address(
        &self,
        client_id: i64,
        line1: &str,
        line2: Option<&str>,
        country: &str,
    ) -> Result<bool> {
        let n = self.tx.execute(
            "UPDATE clients SET address_line1 = ?2, address_line2 = ?3, country = ?4, updated_at = ?5
             WHERE id = ?1 AND (address_line1 IS NOT ?2 OR address_line2 IS NOT ?3 OR country IS NOT ?4)",
            params![client_id, line1, line2, country, self.now_text()],
        )?;
        Ok(n > 0)
    }

    pub fn set_client_language(&self, client_id: i64, lang: crate::domain::Lang) -> Result<()> {
        self.tx.execute(
            "UPDATE clients SET language = ?2 WHERE id = ?1",
            params![client_id, lang.code()],
        )?;
        Ok(())
    }
}

/// What attaching a KSeF number did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KsefSet {
    Set,
    Known,
    /// Another KSeF number is already attached.
    Conflict(String),
}

/// `FV/7/11/2026` → `FV_7_11_2026.xml`.
pub fn file_stem(number: &str, ext: &str) -> String {
    let stem: String = number
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{stem}.{ext}")
}
