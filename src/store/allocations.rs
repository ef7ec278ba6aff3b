//! Allocations of payments to invoices, and what matching reads: open payments, clients' known
//! identities (name, NIP, accounts). The matching itself is the services' (see
//! `services::reconcile` and `services::matching`).

use super::{Store, Tx};
use crate::domain::{Currency, PaymentKind, Rule};
use anyhow::Result;
use rusqlite::{OptionalExtension, params};
use std::collections::HashMap;

/// An incoming payment not allocated yet and not held by a person.
#[derive(Debug, Clone)]
pub struct OpenPayment {
    pub id: i64,
    pub booking_date: Option<chrono::NaiveDate>,
    pub amount_minor: i64,
    pub currency: Currency,
    pub title: String,
    pub counterparty_name: Option<String>,
    pub counterparty_address: Option<String>,
    /// Only an account that passed its checksum.
    pub counterparty_account: Option<String>,
    /// Waiting for review from an earlier run.
    pub in_review: bool,
    /// Recorded by hand (`paid`), not read from a statement.
    pub manual: bool,
}

/// What identifies a client as a payer.
#[derive(Debug, Clone)]
pub struct ClientIdentity {
    pub id: i64,
    pub name: String,
    /// Only a NIP that passed its checksum.
    pub nip: Option<String>,
    /// Accounts it is known to pay from.
    pub accounts: Vec<String>,
}

/// A payment as a person's action sees it.
#[derive(Debug, Clone)]
pub struct PaymentRef {
    pub id: i64,
    pub amount_minor: i64,
    pub currency: Currency,
    pub kind: Option<PaymentKind>,
    pub booking_date: Option<chrono::NaiveDate>,
    /// Only an account that passed its checksum.
    pub account: Option<String>,
    /// Already allocated, minor units.
    pub allocated_minor: i64,
    /// Recorded by hand (`paid`), not read from a statement.
    pub manual: bool,
}

/// The index of allocations by invoice (`009_scale.sql`).
const ALLOCATION_INDEX: &str = "allocations_by_invoice";

const INSERT_ALLOCATION: &str =
    "INSERT INTO allocations (payment_id, invoice_id, amount_minor, rule, reason,
                                      created_at, created_by, booking_date, manual)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

/// Writes `a` with [`INSERT_ALLOCATION`], made at `at`.
fn insert_allocation(
    st: &mut rusqlite::Statement<'_>,
    a: &NewAllocation<'_>,
    at: &str,
) -> Result<()> {
    let mut date = [0u8; 10];
    st.execute(params![
        a.payment,
        a.invoice,
        a.amount,
        a.rule.as_str(),
        a.reason,
        at,
        a.actor,
        a.booking_date
            .map(|d| super::payments::iso_date(d, &mut date)),
        a.manual
    ])?;
    Ok(())
}

/// Writes the allocations and audit entries of a batch of decisions with their statements
/// prepared once and one moment for all (a batch is stored in some tens of milliseconds): for
/// a million decisions, looking both statements up again and formatting the time for each row
/// was a twentieth of storing them.
pub struct DecisionWriter<'t> {
    allocation: rusqlite::CachedStatement<'t>,
    audit: rusqlite::CachedStatement<'t>,
    at: String,
}

impl DecisionWriter<'_> {
    /// [`Tx::insert_allocation_row`].
    pub fn allocation(&mut self, a: &NewAllocation<'_>) -> Result<()> {
        insert_allocation(&mut self.allocation, a, &self.at)
    }

    /// [`Tx::audit`].
    pub fn audit(
        &mut self,
        actor: &str,
        action: &str,
        subject: Option<&str>,
        detail: Option<&str>,
    ) -> Result<()> {
        self.audit
            .execute(params![self.at, actor, action, subject, detail])?;
        Ok(())
    }
}

/// An allocation to write: `amount` of `payment` pays `invoice`.
#[derive(Debug, Clone)]
pub struct NewAllocation<'a> {
    pub payment: i64,
    pub invoice: i64,
    pub amount: i64,
    pub rule: Rule,
    /// The stored reason (see `Reason::to_stored`).
    pub reason: &'a str,
    pub actor: &'a str,
    /// The payment's booking day.
    pub booking_date: Option<chrono::NaiveDate>,
    /// The payment was recorded by hand (`paid`).
    pub manual: bool,
}

/// What a run allocated to one invoice, added to the invoice's figures once at the run's end
/// ([`Tx::add_paid_in_run`]).
#[derive(Debug, Clone)]
pub struct PaidInRun {
    /// What the invoice missed of its gross when the run began: its gross less its allocations.
    missing: i64,
    amount: i64,
    first: Option<chrono::NaiveDate>,
    last: Option<chrono::NaiveDate>,
    /// The day the run's allocations made up `missing`, while they come in booking order.
    made_up: Option<chrono::NaiveDate>,
    /// Every allocation had a day, none before the one added before it.
    in_order: bool,
}

impl PaidInRun {
    /// For an invoice of `gross` with `allocated` already.
    pub fn new(gross: i64, allocated: i64) -> PaidInRun {
        PaidInRun {
            missing: gross - allocated,
            amount: 0,
            first: None,
            last: None,
            made_up: None,
            in_order: true,
        }
    }

    /// One more allocation of `amount` (positive), booked on `day`.
    pub fn add(&mut self, amount: i64, day: Option<chrono::NaiveDate>) {
        self.in_order &= day.is_some() && day >= self.last;
        self.amount += amount;
        // The earliest and latest of the days known (`Option`'s order puts `None` first).
        self.first = match (self.first, day) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = self.last.max(day);
        if self.made_up.is_none() && self.amount >= self.missing {
            self.made_up = day;
        }
    }

    /// The day the allocations, in booking order, made up what the invoice missed: the
    /// paid-in-full day, when nothing earlier was booked after the first of them.
    fn made_up(&self) -> Option<chrono::NaiveDate> {
        self.made_up.filter(|_| self.in_order && self.missing > 0)
    }
}

/// The reports of payments recorded by hand (`paid`): a payment is so recorded when its
/// report is one of them.
const MANUAL_REPORTS: &str = "SELECT id FROM reports WHERE profile = 'manual'";

/// Which payments are open: incoming, not held, not allocated.
const OPEN_PAYMENT: &str = "p.kind = 'incoming' AND p.hold = 0
    AND NOT EXISTS (SELECT 1 FROM allocations a WHERE a.payment_id = p.id)";

/// Ids of the incoming payments without allocations that no person holds, by booking day.
fn open_payment_ids(conn: &rusqlite::Connection) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT p.id FROM payments p WHERE {OPEN_PAYMENT} ORDER BY p.booking_date, p.id"
    ))?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// These payments, in the order asked.
///
/// A run asks for its open payments by booking day a batch at a time, and a statement's
/// payments are stored in the order of their days: a batch is then nearly a run of ids, read in
/// one pass over that span of the table rather than one lookup each (a million payments took
/// 1.7 s looked up one by one). Ids spread further apart are looked up one by one.
fn open_payments_by_id(conn: &rusqlite::Connection, ids: &[i64]) -> Result<Vec<OpenPayment>> {
    const COLUMNS: &str = "p.id, p.amount_minor, p.currency, p.title, p.counterparty_name,
        p.counterparty_address, CASE WHEN p.account_valid = 1 THEN p.counterparty_account END,
        p.booking_date";
    // The reports of payments recorded by hand: a few at most, read once rather than looked
    // up for every payment (a subquery a row was a tenth of loading them).
    let manual: Vec<i64> = conn
        .prepare_cached(MANUAL_REPORTS)?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let row = |r: &rusqlite::Row<'_>| -> rusqlite::Result<OpenPayment> {
        Ok(OpenPayment {
            id: r.get(0)?,
            amount_minor: r.get(1)?,
            currency: super::currency_column(r, 2)?,
            title: r.get(3)?,
            counterparty_name: r.get(4)?,
            counterparty_address: r.get(5)?,
            counterparty_account: r.get(6)?,
            booking_date: super::day_column(r, 7)?,
            in_review: r.get(8)?,
            manual: manual.contains(&r.get(9)?),
        })
    };
    // Where each id asked for goes in the answer.
    let mut slots: Vec<(i64, usize)> = ids.iter().enumerate().map(|(k, id)| (*id, k)).collect();
    slots.sort_unstable();
    let (Some(&(lo, _)), Some(&(hi, _))) = (slots.first(), slots.last()) else {
        return Ok(Vec::new());
    };
    let repeated = slots.windows(2).any(|w| w[0].0 == w[1].0);
    if repeated || hi - lo > 2 * ids.len() as i64 + 64 {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS}, EXISTS (SELECT 1 FROM payment_reviews r WHERE r.payment_id = p.id),
                    p.source_report_id
               FROM payments p WHERE p.id = ?1"
        ))?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(stmt.query_row([id], row)?);
        }
        return Ok(out);
    }
    let mut out: Vec<Option<OpenPayment>> = Vec::new();
    out.resize_with(ids.len(), || None);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS},
                p.id IN (SELECT payment_id FROM payment_reviews WHERE payment_id BETWEEN ?1 AND ?2),
                p.source_report_id
           FROM payments p WHERE p.id BETWEEN ?1 AND ?2"
    ))?;
    let mut rows = stmt.query([lo, hi])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        if let Ok(k) = slots.binary_search_by_key(&id, |(id, _)| *id) {
            out[slots[k].1] = Some(row(r)?);
        }
    }
    out.into_iter()
        .zip(ids)
        .map(|(p, id)| p.ok_or_else(|| anyhow::anyhow!("payment {id} is not in the store")))
        .collect()
}

fn client_identities(conn: &rusqlite::Connection) -> Result<Vec<ClientIdentity>> {
    let mut accounts: HashMap<i64, Vec<String>> = HashMap::new();
    let mut stmt =
        conn.prepare("SELECT client_id, account FROM client_accounts ORDER BY client_id, account")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
        let (c, a) = row?;
        accounts.entry(c).or_default().push(a);
    }
    let mut stmt = conn.prepare(
        "SELECT id, name, CASE WHEN nip_valid = 1 THEN nip END FROM clients ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ClientIdentity {
            id: r.get(0)?,
            name: r.get(1)?,
            nip: r.get(2)?,
            accounts: Vec::new(),
        })
    })?;
    let mut out = Vec::new();
    for c in rows {
        let mut c = c?;
        c.accounts = accounts.remove(&c.id).unwrap_or_default();
        out.push(c);
    }
    Ok(out)
}

impl Store {
    /// The currency of a payment (PLN when it is not known).
    pub fn payment_currency(&self, id: i64) -> Result<Currency> {
        let cur: Option<String> = self
            .conn
            .query_row("SELECT currency FROM payments WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(cur
            .and_then(|c| Currency::parse(&c))
            .unwrap_or(Currency::PLN))
    }

    pub fn client_identities(&self) -> Result<Vec<ClientIdentity>> {
        client_identities(&self.conn)
    }
}

impl Tx<'_> {
    /// Ids of the open payments (incoming, no allocation, not held by a person), in the order
    /// they are decided.
    pub fn open_payment_ids(&self) -> Result<Vec<i64>> {
        open_payment_ids(&self.tx)
    }

    /// How many payments are open (see [`Tx::open_payment_ids`]).
    pub fn open_payment_count(&self) -> Result<usize> {
        let n: i64 = self.tx.query_row(
            &format!("SELECT COUNT(*) FROM payments p WHERE {OPEN_PAYMENT}"),
            [],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    /// Open payments waiting for review from an earlier run.
    pub fn open_payments_in_review(&self) -> Result<Vec<i64>> {
        let mut stmt = self.tx.prepare(&format!(
            "SELECT p.id FROM payment_reviews r JOIN payments p ON p.id = r.payment_id
              WHERE {OPEN_PAYMENT}"
        ))?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn open_payments_by_id(&self, ids: &[i64]) -> Result<Vec<OpenPayment>> {
        open_payments_by_id(&self.tx, ids)
    }

    pub fn client_identities(&self) -> Result<Vec<ClientIdentity>> {
        client_identities(&self.tx)
    }

    /// Accounts our outgoing transfers went to: suppliers' (valid accounts only).
    pub fn supplier_accounts(&self) -> Result<std::collections::HashSet<String>> {
        let mut stmt = self.tx.prepare(
            "SELECT DISTINCT counterparty_account FROM payments
             WHERE kind = 'outgoing' AND account_valid = 1 AND counterparty_account IS NOT NULL",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One payment, for a person's action on it.
    pub fn payment_ref(&self, id: i64) -> Result<Option<PaymentRef>> {
        Ok(self
            .tx
            .query_row(
                &format!(
                    "SELECT amount_minor, currency, kind, booking_date,
                            CASE WHEN account_valid = 1 THEN counterparty_account END,
                            (SELECT COALESCE(SUM(a.amount_minor), 0) FROM allocations a WHERE a.payment_id = p.id),
                            p.source_report_id IN ({MANUAL_REPORTS})
                     FROM payments p WHERE id = ?1"
                ),
                [id],
                |r| {
                    let cur: String = r.get(1)?;
                    let kind: String = r.get(2)?;
                    let booked: Option<String> = r.get(3)?;
                    Ok(PaymentRef {
                        id,
                        amount_minor: r.get(0)?,
                        currency: Currency::parse(&cur).unwrap_or(Currency::PLN),
                        kind: PaymentKind::parse(&kind),
                        booking_date: booked.and_then(|b| b.parse().ok()),
                        account: r.get(4)?,
                        allocated_minor: r.get(5)?,
                        manual: r.get(6)?,
                    })
                },
            )
            .optional()?)
    }

    /// Writes one allocation, and the invoice's figures kept from its allocations
    /// (`allocated_minor`, `last_paid_on`, `paid_off_on`; see `010_aggregates.sql`). Allocations
    /// are written here, or by [`Tx::insert_allocation_row`] with [`Tx::add_paid`] once per
    /// invoice after it: the figures were kept by a trigger, which made SQLite journal every page
    /// each insert touched (see `011_allocation_writes.sql`).
    ///
    /// The payment's booking day and whether it was recorded by hand come from the caller, who
    /// has the payment in hand: looking them up here was a read of the payment and its report per
    /// allocation, on the path of every match of a year's statement.
    pub fn insert_allocation(&self, a: &NewAllocation<'_>) -> Result<()> {
        self.insert_allocation_row(a)?;
        self.add_paid(a.invoice, a.amount, a.booking_date, a.booking_date, None)
    }

    /// Writes one allocation and not the invoice's figures: the caller adds them with
    /// [`Tx::add_paid`] before anything reads them, once per invoice. Reconciling a year's
    /// statement allocates to each invoice many times; one update per invoice at the end of
    /// the run, not one per allocation.
    pub fn insert_allocation_row(&self, a: &NewAllocation<'_>) -> Result<()> {
        let mut st = self.tx.prepare_cached(INSERT_ALLOCATION)?;
        insert_allocation(&mut st, a, &self.now_text())
    }

    /// A writer of many decisions (a batch of a reconciliation's), dated alike.
    pub fn decision_writer(&self) -> Result<DecisionWriter<'_>> {
        Ok(DecisionWriter {
            allocation: self.tx.prepare_cached(INSERT_ALLOCATION)?,
            audit: self.tx.prepare_cached(super::audit::INSERT_AUDIT)?,
            at: self.now_text(),
        })
    }

    /// Adds what a run allocated to an invoice ([`Tx::insert_allocation_row`]) to its figures.
    pub fn add_paid_in_run(&self, invoice: i64, paid: &PaidInRun) -> Result<()> {
        self.add_paid(invoice, paid.amount, paid.first, paid.last, paid.made_up())
    }

    /// Adds allocations written by [`Tx::insert_allocation_row`] to the invoice's figures:
    /// `amount` in all, booked between `first` and `last`; `made_up` is the day they made up
    /// what the invoice missed, read in booking order, if known ([`PaidInRun`]). In SET, the
    /// columns are the values before it. The paid-in-full day is worked out from the
    /// allocations (the `invoice_paid_off` view) only when it cannot be told from the figures:
    /// when allocations came before the invoice's last paid day, or several on different days
    /// bring the invoice to its gross and the day they did is not known; otherwise it is kept,
    /// or is their one day, or `made_up`. (A year's statement pays each invoice several times
    /// on different days: the view's nested sums for each of 100,000 invoices were most of the
    /// end of the run.)
    fn add_paid(
        &self,
        invoice: i64,
        amount: i64,
        first: Option<chrono::NaiveDate>,
        last: Option<chrono::NaiveDate>,
        made_up: Option<chrono::NaiveDate>,
    ) -> Result<()> {
        use super::payments::iso_date;
        // The days as text without an allocation each: 100,000 invoices at a run's end.
        let [mut first_day, mut last_day, mut made_up_day] = [[0u8; 10]; 3];
        self.tx
            .prepare_cached(
                "UPDATE invoices SET
                     allocated_minor = allocated_minor + ?2,
                     last_paid_on = CASE
                         WHEN last_paid_on IS NULL OR ?4 > last_paid_on THEN ?4
                         ELSE last_paid_on END,
                     paid_off_on = CASE
                         WHEN allocated_minor + ?2 <= 0 OR allocated_minor + ?2 < gross_minor THEN NULL
                         WHEN paid_off_on IS NOT NULL AND ?3 >= paid_off_on THEN paid_off_on
                         WHEN paid_off_on IS NULL AND ?3 = ?4 AND (last_paid_on IS NULL OR ?3 >= last_paid_on)
                             THEN ?3
                         WHEN paid_off_on IS NULL AND ?5 IS NOT NULL AND allocated_minor < gross_minor
                              AND (last_paid_on IS NULL OR ?3 >= last_paid_on)
                             THEN ?5
                         ELSE (SELECT v.day FROM invoice_paid_off v WHERE v.id = invoices.id)
                     END
                 WHERE id = ?1",
            )?
            .execute(params![
                invoice,
                amount,
                first.map(|d| iso_date(d, &mut first_day)),
                last.map(|d| iso_date(d, &mut last_day)),
                made_up.map(|d| iso_date(d, &mut made_up_day))
            ])?;
        Ok(())
    }

    /// The highest allocation id so far (0 for none): a run's allocations are the ids after
    /// the one it began with, up to the one it ended with (one writer, one transaction).
    pub fn last_allocation_id(&self) -> Result<i64> {
        Ok(self
            .tx
            .query_row("SELECT COALESCE(MAX(id), 0) FROM allocations", [], |r| {
                r.get(0)
            })?)
    }

    /// How many allocations there are.
    pub fn allocation_count(&self) -> Result<usize> {
        Ok(self
            .tx
            .query_row("SELECT COUNT(*) FROM allocations", [], |r| {
                r.get::<_, i64>(0)
            })? as usize)
    }

    /// Drops the index of allocations by invoice, to be built again by
    /// [`Tx::restore_allocation_index`] before this transaction reads allocations by invoice.
    /// Its entries arrive in random order (a statement pays invoices in any order): at a
    /// million allocations, keeping it up to date one insert at a time took 5 of the 15 s of
    /// storing them; built once from the finished table it takes about one. Returns the
    /// index's definition, as the schema has it.
    pub fn suspend_allocation_index(&self) -> Result<Option<String>> {
        let sql: Option<String> = self
            .tx
            .query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1",
                [ALLOCATION_INDEX],
                |r| r.get(0),
            )
            .optional()?;
        if sql.is_some() {
            self.tx
                .execute_batch(&format!("DROP INDEX {ALLOCATION_INDEX}"))?;
        }
        Ok(sql)
    }

    /// Builds again the index [`Tx::suspend_allocation_index`] dropped.
    pub fn restore_allocation_index(&self, sql: &str) -> Result<()> {
        // The build sorts every entry in runs as large as the page cache, held beside it, and
        // merges them from a temporary file (`temp_store = FILE`): with the 32 MiB cache a
        // million allocations took 45 MB above the import's peak; runs of 4 MiB took nothing
        // above it, and no longer.
        let cache: i64 = self
            .tx
            .pragma_query_value(None, "cache_size", |r| r.get(0))?;
        self.tx.pragma_update(None, "cache_size", -4096)?;
        let built = self.tx.execute_batch(sql);
        self.tx.pragma_update(None, "cache_size", cache)?;
        Ok(built?)
    }

    /// Removes a payment's allocations; returns how many there were.
    pub fn remove_allocations(&self, payment: i64) -> Result<usize> {
        Ok(self
            .tx
            .execute("DELETE FROM allocations WHERE payment_id = ?1", [payment])?)
    }

    /// What a payment's allocations say, in the order they were made: the audit entry of their
    /// removal keeps it (an automatic match is in the log only as one of its run's allocation
    /// ids; invoice, amount, rule and reason are on the allocation only while it stands).
    pub fn allocations_of_payment(&self, payment: i64) -> Result<Vec<RemovedAllocation>> {
        let mut stmt = self.tx.prepare(
            "SELECT i.number, a.amount_minor, i.currency, a.rule, a.reason, a.created_at, a.created_by
               FROM allocations a JOIN invoices i ON i.id = a.invoice_id
              WHERE a.payment_id = ?1 ORDER BY a.id",
        )?;
        let rows = stmt.query_map([payment], |r| {
            Ok(RemovedAllocation {
                invoice: r.get(0)?,
                amount_minor: r.get(1)?,
                currency: r.get(2)?,
                rule: r.get(3)?,
                reason: r.get(4)?,
                at: r.get(5)?,
                by: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The payment waits for a person (`hold`): automatic matching leaves it alone.
    pub fn hold_payment(&self, payment: i64, reason: &str) -> Result<()> {
        self.tx
            .execute("UPDATE payments SET hold = 1 WHERE id = ?1", [payment])?;
        self.tx.execute(
            "INSERT INTO payment_reviews (payment_id, booking_date, account, reason, candidates)
                  SELECT id, booking_date, counterparty_account, ?2, NULL FROM payments WHERE id = ?1
             ON CONFLICT (payment_id) DO UPDATE SET reason = excluded.reason, candidates = NULL",
            params![payment, reason],
        )?;
        Ok(())
    }

    /// The payment is decided: no hold, no review.
    pub fn settle_review(&self, payment: i64) -> Result<()> {
        self.tx
            .prepare_cached("UPDATE payments SET hold = 0 WHERE id = ?1 AND hold <> 0")?
            .execute([payment])?;
        self.clear_review(payment)
    }

    /// Puts the payment in review with its candidates (invoice numbers); returns whether the
    /// reason or the candidates changed. The review row carries the payment's day and account
    /// (see migration 14), read here from the payment itself.
    pub fn set_review(&self, payment: i64, reason: &str, candidates: &[&str]) -> Result<bool> {
        let json = serde_json::to_string(candidates)?;
        let changed = self
            .tx
            .prepare_cached(
                "INSERT INTO payment_reviews (payment_id, booking_date, account, reason, candidates)
                      SELECT id, booking_date, counterparty_account, ?2, ?3 FROM payments WHERE id = ?1
                 ON CONFLICT (payment_id) DO UPDATE
                    SET reason = excluded.reason, candidates = excluded.candidates
                  WHERE reason IS NOT excluded.reason OR candidates IS NOT excluded.candidates",
            )?
            .execute(params![payment, reason, json])?;
        Ok(changed > 0)
    }

    /// Clears a review reason the matcher no longer gives (the payment stays open).
    pub fn clear_review(&self, payment: i64) -> Result<()> {
        self.tx
            .prepare_cached("DELETE FROM payment_reviews WHERE payment_id = ?1")?
            .execute([payment])?;
        Ok(())
    }
}

impl Tx<'_> {
    /// A digest of everything matching reads, cheap to take on a store of a million payments:
    /// the newest payment, allocation, invoice, client and known account, how many there are,
    /// the invoices' amounts and last change, the clients' last change, and the held payments.
    /// Equal stamps mean a reconciliation would decide nothing new. `extra` adds the settings.
    pub fn reconcile_stamp(&self, extra: &str) -> Result<String> {
        let row = |sql: &str| -> Result<String> {
            Ok(self.tx.query_row(sql, [], |r| {
                let n = r.as_ref().column_count();
                let mut parts = Vec::with_capacity(n);
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i)?;
                    parts.push(format!("{v:?}"));
                }
                Ok(parts.join(","))
            })?)
        };
        Ok([
            row("SELECT MAX(id) FROM payments")?,
            row("SELECT COUNT(*) FROM payments WHERE hold = 1")?,
            row("SELECT COUNT(*), MAX(id) FROM allocations")?,
            row(
                "SELECT COUNT(*), MAX(id), MAX(updated_at), TOTAL(gross_minor), TOTAL(reported_outstanding_minor),
                        TOTAL(allocated_minor)
                 FROM invoices",
            )?,
            row("SELECT COUNT(*), MAX(id), MAX(updated_at) FROM clients")?,
            row("SELECT COUNT(*), MAX(rowid) FROM client_accounts")?,
            extra.to_string(),
        ]
        .join("|"))
    }

    pub fn state(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .tx
            .query_row("SELECT value FROM store_state WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_state(&self, key: &str, value: &str) -> Result<()> {
        self.tx.execute(
            "INSERT INTO store_state (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Payments waiting for a person.
    pub fn review_count(&self) -> Result<usize> {
        Ok(self
            .tx
            .query_row("SELECT COUNT(*) FROM payment_reviews", [], |r| {
                r.get::<_, i64>(0)
            })? as usize)
    }
}

/// An allocation as it stood before a person removed it (see [`Tx::allocations_of_payment`]).
#[derive(Debug, Clone)]
pub struct RemovedAllocation {
    pub invoice: String,
    pub amount_minor: i64,
    pub currency: String,
    pub rule: String,
    /// The stored reason (JSON, or the text of an allocation older than reasons as data).
    pub reason: String,
    pub at: String,
    pub by: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Money, PaymentKind};
    use crate::store::{NewPayment, ReportRecord, Store};

    /// A bank statement's report, for payments to come from.
    fn statement(tx: &Tx<'_>) -> i64 {
        tx.insert_report(&ReportRecord {
            file_name: "a.csv",
            sha256: "x",
            sender: None,
            kind: Some("statement"),
            profile: Some("mbank"),
            outcome: "imported",
            detail: None,
        })
        .unwrap()
    }

    /// Payments are read back in the order asked, whether the ids asked for lie close together
    /// (read in one pass over their span), far apart or repeated (read one by one), each with
    /// its day and whether a person recorded it by hand; an id that is not a payment is an
    /// error either way.
    #[test]
    fn payments_are_read_in_the_order_asked_however_their_ids_lie() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let tx = store.transaction().unwrap();
        let report = statement(&tx);
        let by_hand = tx
            .insert_report(&ReportRecord {
                file_name: "manual",
                sha256: "y",
                sender: None,
                kind: None,
                profile: Some("manual"),
                outcome: "imported",
                detail: None,
            })
            .unwrap();
        let day = |k: i64| chrono::NaiveDate::from_ymd_opt(2026, 11, 1 + (k % 28) as u32).unwrap();
        for k in 1..=300i64 {
            let title = format!("tytuł {k}");
            let print = k.to_le_bytes();
            tx.insert_payment(
                &NewPayment {
                    source_row: k as usize,
                    booking_date: day(k),
                    value_date: None,
                    amount: Money::from_minor(k * 100, Currency::PLN),
                    // Every third one is ours: inside the span read, not asked for.
                    kind: if k % 3 == 0 {
                        PaymentKind::Outgoing
                    } else {
                        PaymentKind::Incoming
                    },
                    counterparty_name: Some("Firma"),
                    counterparty_address: None,
                    counterparty_account: None,
                    account_valid: false,
                    title: &title,
                    tx_type: None,
                    bank_ref: None,
                    our_account: None,
                    fingerprint: &print,
                },
                // Every fifth one a person recorded.
                if k % 5 == 0 { by_hand } else { report },
                "2026-11-30T10:00:00Z",
            )
            .unwrap();
        }
        type Read = (i64, i64, String, Option<chrono::NaiveDate>, bool);
        let read = |ids: &[i64]| -> Vec<Read> {
            tx.open_payments_by_id(ids)
                .unwrap()
                .into_iter()
                .map(|p| (p.id, p.amount_minor, p.title, p.booking_date, p.manual))
                .collect()
        };
        let expected = |ids: &[i64]| -> Vec<Read> {
            ids.iter()
                .map(|k| (*k, k * 100, format!("tytuł {k}"), Some(day(*k)), k % 5 == 0))
                .collect()
        };
        let close: Vec<i64> = (1..=300).filter(|k| k % 3 != 0).rev().collect();
        assert_eq!(read(&close), expected(&close));
        let far = [299i64, 1, 150];
        assert_eq!(read(&far), expected(&far));
        let repeated = [5i64, 4, 5];
        assert_eq!(read(&repeated), expected(&repeated));
        assert!(read(&[]).is_empty());
        assert!(tx.open_payments_by_id(&[4, 5, 1_000]).is_err());
        assert!(tx.open_payments_by_id(&[4, 1_000_000]).is_err());
        // One payment, as a person's action reads it, knows the same.
        let by_hand = |id: i64| tx.payment_ref(id).unwrap().map(|p| p.manual);
        assert_eq!(by_hand(5), Some(true));
        assert_eq!(by_hand(4), Some(false));
    }

    /// The paid-in-full day a run writes from what it allocated ([`PaidInRun`]) is the one the
    /// allocations tell (the `invoice_paid_off` view), over invoices paid before the run and in
    /// it, on one day or several, in booking order or not, with a gross of nothing or less.
    #[test]
    fn a_run_writes_the_paid_in_full_day_the_allocations_tell() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let tx = store.transaction().unwrap();
        let report = statement(&tx);
        tx.tx
            .execute_batch(
                "INSERT INTO clients (id, name, name_key, created_at, updated_at)
                 VALUES (1, 'Firma', 'FIRMA', 'now', 'now')",
            )
            .unwrap();
        // A small generator of its own: the same cases every run.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: i64| -> i64 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as i64
        };
        let day = |d: i64| chrono::NaiveDate::from_ymd_opt(2026, 11, 1 + d as u32);
        let mut payments = 0i64;
        let mut pay = |amount: i64, on: Option<chrono::NaiveDate>| -> i64 {
            payments += 1;
            tx.insert_payment(
                &NewPayment {
                    source_row: payments as usize,
                    booking_date: on.unwrap(),
                    value_date: None,
                    amount: Money::from_minor(amount, Currency::PLN),
                    kind: PaymentKind::Incoming,
                    counterparty_name: None,
                    counterparty_address: None,
                    counterparty_account: None,
                    account_valid: false,
                    title: "t",
                    tx_type: None,
                    bank_ref: None,
                    our_account: None,
                    fingerprint: &payments.to_le_bytes(),
                },
                report,
                "now",
            )
            .unwrap();
            payments
        };
        let mut told = 0;
        for invoice in 1..=300i64 {
            let gross = next(1_000) - 50;
            tx.tx
                .execute(
                    "INSERT INTO invoices (id, number, number_key, client_id, currency, gross_minor,
                                           created_at, updated_at)
                     VALUES (?1, ?1, ?1, 1, 'PLN', ?2, 'now', 'now')",
                    params![invoice, gross],
                )
                .unwrap();
            let allocation = |payment: i64, amount: i64, on| NewAllocation {
                payment,
                invoice,
                amount,
                rule: Rule::Manual,
                reason: "",
                actor: "test",
                booking_date: on,
                manual: false,
            };
            // Paid before the run, one allocation at a time, on any day.
            for _ in 0..next(3) {
                let (amount, on) = (1 + next(400), day(next(30)));
                tx.insert_allocation(&allocation(pay(amount, on), amount, on))
                    .unwrap();
            }
            let (allocated, gross_now): (i64, i64) = tx
                .tx
                .query_row(
                    "SELECT allocated_minor, gross_minor FROM invoices WHERE id = ?1",
                    [invoice],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            // The run: its allocations in booking order, but now and then not.
            let mut days: Vec<i64> = (0..1 + next(5)).map(|_| next(30)).collect();
            if next(5) > 0 {
                days.sort_unstable();
            }
            let mut run = PaidInRun::new(gross_now, allocated);
            for d in days {
                let (amount, on) = (1 + next(gross.max(2) / 2 + 1), day(d));
                tx.insert_allocation_row(&allocation(pay(amount, on), amount, on))
                    .unwrap();
                run.add(amount, on);
            }
            told += usize::from(run.made_up().is_some());
            tx.add_paid_in_run(invoice, &run).unwrap();
        }
        assert!(told > 50, "the run told the day for {told} invoices");
        let astray: i64 = tx
            .tx
            .query_row(
                "SELECT COUNT(*) FROM invoices i
                  WHERE i.allocated_minor <> (SELECT SUM(a.amount_minor) FROM allocations a WHERE a.invoice_id = i.id)
                     OR i.paid_off_on IS NOT (CASE WHEN i.allocated_minor > 0 AND i.allocated_minor >= i.gross_minor
                                               THEN (SELECT v.day FROM invoice_paid_off v WHERE v.id = i.id) END)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(astray, 0);
    }
}
