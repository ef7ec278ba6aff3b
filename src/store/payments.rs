use super::{Store, Tx};
use crate::domain::{Currency, Money, PaymentKind, amount_of};
use anyhow::Result;
use chrono::NaiveDate;
use rusqlite::params;
use rust_decimal::Decimal;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Fully allocated to invoices.
    Matched,
    /// Partly allocated.
    Partial,
    /// Waiting for a person to decide.
    Review,
    /// An incoming payment not allocated to anything yet.
    Unmatched,
    /// Outgoing transfers, fees, VAT legs and internal moves: never customer payments.
    Ignored,
}

impl PaymentStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            PaymentStatus::Matched => "matched",
            PaymentStatus::Partial => "partial",
            PaymentStatus::Review => "review",
            PaymentStatus::Unmatched => "unmatched",
            PaymentStatus::Ignored => "ignored",
        }
    }

    /// What became of a payment: from its kind, its amount, what is allocated and whether a
    /// person was asked to look at it.
    pub fn of(kind: &str, amount: i64, allocated: i64, in_review: bool) -> Self {
        if kind != PaymentKind::Incoming.as_str() {
            PaymentStatus::Ignored
        } else if allocated == 0 && in_review {
            PaymentStatus::Review
        } else if allocated == 0 {
            PaymentStatus::Unmatched
        } else if allocated < amount {
            PaymentStatus::Partial
        } else {
            PaymentStatus::Matched
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            PaymentStatus::Matched,
            PaymentStatus::Partial,
            PaymentStatus::Review,
            PaymentStatus::Unmatched,
            PaymentStatus::Ignored,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AllocationView {
    pub invoice: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub rule: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PaymentView {
    pub id: i64,
    pub date: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub currency: crate::domain::Currency,
    pub kind: String,
    pub counterparty: Option<String>,
    pub account: Option<String>,
    pub title: String,
    pub status: PaymentStatus,
    pub allocations: Vec<AllocationView>,
    /// Why a person must look at it (status `review`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<String>,
    /// Invoices it might pay, for a person to choose from.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<String>,
}

/// A bank operation to store, as the store writes it.
#[derive(Debug, Clone)]
pub struct NewPayment<'a> {
    /// Its row in the source report (1-based), for people tracing it back.
    pub source_row: usize,
    pub booking_date: NaiveDate,
    pub value_date: Option<NaiveDate>,
    pub amount: Money,
    pub kind: PaymentKind,
    pub counterparty_name: Option<&'a str>,
    pub counterparty_address: Option<&'a str>,
    pub counterparty_account: Option<&'a str>,
    /// The counterparty account passes its checksum.
    pub account_valid: bool,
    pub title: &'a str,
    pub tx_type: Option<&'a str>,
    pub bank_ref: Option<&'a str>,
    /// Our account the statement is for, when it says.
    pub our_account: Option<&'a str>,
    /// The operation's identity across overlapping statements (see services::import).
    pub fingerprint: &'a [u8],
}

impl Tx<'_> {
    /// Stores a bank row unless its fingerprint is known; returns whether it was new.
    pub fn insert_payment(
        &self,
        row: &NewPayment<'_>,
        report_id: i64,
        created_at: &str,
    ) -> Result<bool> {
        self.payment_inserter()?.insert(row, report_id, created_at)
    }

    /// A prepared insert for many payments (a statement's batch).
    pub fn payment_inserter(&self) -> Result<PaymentInserter<'_>> {
        Ok(PaymentInserter {
            st: self.tx.prepare_cached(
                "INSERT OR IGNORE INTO payments (booking_date, value_date, amount_minor, currency, kind, counterparty_name,
                     counterparty_address, counterparty_account, account_valid, title, tx_type, bank_ref, our_account,
                     source_report_id, source_row, fingerprint, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            )?,
        })
    }
}

/// A stored bank operation as [`crate::services::other_exports`] compares it, with the first
/// eight bytes of its fingerprint.
#[derive(Debug, Clone)]
pub struct ExportedOperation {
    pub id: i64,
    pub booking_date: NaiveDate,
    /// Signed, minor units.
    pub amount: i64,
    pub currency: String,
    pub counterparty_account: Option<String>,
    pub title: String,
    pub has_bank_ref: bool,
    pub our_account: Option<String>,
    /// The profile of the export that stored it.
    pub profile: String,
    pub print: u64,
}

/// The first eight bytes of a fingerprint, as a number.
pub fn short_print(fingerprint: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    for (d, s) in b.iter_mut().zip(fingerprint) {
        *d = *s;
    }
    u64::from_le_bytes(b)
}

/// Which kinds of identity a statement's new operations have.
#[derive(Debug, Clone, Copy, Default)]
pub struct RefKinds {
    /// Some carry the bank's reference.
    pub with_ref: bool,
    /// Some do not.
    pub without_ref: bool,
}

/// Statements other than ?1 with operations booked between ?2 and ?3, of another export, or of
/// the same one with operations identified the other way (?4: the new ones have references,
/// ?5: some have none).
const OTHER_STATEMENTS: &str = "r.kind = 'statement' AND r.outcome = 'imported' AND r.id != ?1
     AND r.first_payment IS NOT NULL AND r.oldest_booking <= ?3 AND r.newest_booking >= ?2
     AND (r.profile IS NOT (SELECT profile FROM reports WHERE id = ?1)
          OR (r.refs > 0 AND ?5) OR (r.refs <= r.last_payment - r.first_payment AND ?4))";

/// The parameters of [`OTHER_STATEMENTS`].
fn other_statements(
    report: i64,
    days: (NaiveDate, NaiveDate),
    new: RefKinds,
) -> (i64, String, String, bool, bool) {
    (
        report,
        days.0.to_string(),
        days.1.to_string(),
        new.with_ref,
        new.without_ref,
    )
}

const EXPORTED_COLUMNS: &str =
    "p.id, p.booking_date, p.amount_minor, p.currency, p.counterparty_account, p.title,
     p.bank_ref IS NOT NULL, p.our_account, COALESCE(r.profile, ''), p.fingerprint";

fn exported(r: &rusqlite::Row<'_>) -> rusqlite::Result<ExportedOperation> {
    let day: String = r.get(1)?;
    let print: Vec<u8> = r.get(9)?;
    Ok(ExportedOperation {
        id: r.get(0)?,
        booking_date: super::day_of(&day).unwrap_or_default(),
        amount: r.get(2)?,
        currency: r.get(3)?,
        counterparty_account: r.get(4)?,
        title: r.get(5)?,
        has_bank_ref: r.get(6)?,
        our_account: r.get(7)?,
        profile: r.get(8)?,
        print: short_print(&print),
    })
}

impl Tx<'_> {
    /// The highest payment id so far: a statement's payments are the ones after it.
    pub fn last_payment_id(&self) -> Result<i64> {
        Ok(self
            .tx
            .query_row("SELECT COALESCE(MAX(id), 0) FROM payments", [], |r| {
                r.get(0)
            })?)
    }

    /// Whether another statement stored operations booked between `from` and `to` that
    /// [`Tx::other_statements_operations`] would read.
    pub fn other_statements_overlap(
        &self,
        report: i64,
        days: (NaiveDate, NaiveDate),
        new: RefKinds,
    ) -> Result<bool> {
        Ok(self.tx.query_row(
            &format!("SELECT EXISTS (SELECT 1 FROM reports r WHERE {OTHER_STATEMENTS})"),
            other_statements(report, days, new),
            |r| r.get(0),
        )?)
    }

    /// Operations other statements stored, booked between `from` and `to`, that a statement
    /// whose new operations are `new` may have again: a statement of the same export (profile)
    /// is read only for operations identified the other way (by the bank's reference or not).
    /// Read through each statement's run of payment ids, not an index over all payments.
    pub fn other_statements_operations(
        &self,
        report: i64,
        days: (NaiveDate, NaiveDate),
        new: RefKinds,
    ) -> Result<Vec<ExportedOperation>> {
        let mut st = self.tx.prepare_cached(&format!(
            "SELECT {EXPORTED_COLUMNS}
               FROM reports r
               JOIN payments p ON p.id BETWEEN r.first_payment AND r.last_payment AND p.source_report_id = r.id
              WHERE {OTHER_STATEMENTS}
                AND p.booking_date BETWEEN ?2 AND ?3
              ORDER BY p.id"
        ))?;
        let rows = st
            .query_map(other_statements(report, days, new), exported)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The operations this statement stored after payment `after`, booked between `from` and
    /// `to`, in the order stored.
    pub fn statement_operations(
        &self,
        report: i64,
        after: i64,
        days: (NaiveDate, NaiveDate),
    ) -> Result<Vec<ExportedOperation>> {
        let mut st = self.tx.prepare_cached(&format!(
            "SELECT {EXPORTED_COLUMNS}
               FROM payments p JOIN reports r ON r.id = p.source_report_id
              WHERE p.id > ?2 AND p.source_report_id = ?1 AND p.booking_date BETWEEN ?3 AND ?4
              ORDER BY p.id"
        ))?;
        let rows = st
            .query_map(
                params![report, after, days.0.to_string(), days.1.to_string()],
                exported,
            )?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Takes back payments a statement stored in this transaction (nothing refers to them yet).
    pub fn take_back_payments(&self, ids: &[i64]) -> Result<()> {
        let mut st = self
            .tx
            .prepare_cached("DELETE FROM payments WHERE id = ?1")?;
        for id in ids {
            st.execute([id])?;
        }
        Ok(())
    }

    /// Records where a statement's operations are: the oldest day booked, the run of payment
    /// ids it stored after payment `after`, and how many of them carry the bank's reference.
    pub fn record_statement_span(
        &self,
        report: i64,
        oldest: Option<NaiveDate>,
        after: i64,
        refs: usize,
    ) -> Result<()> {
        self.tx.execute(
            "UPDATE reports SET oldest_booking = COALESCE(?2, oldest_booking),
                    first_payment = (SELECT MIN(id) FROM payments WHERE id > ?3),
                    last_payment = (SELECT MAX(id) FROM payments WHERE id > ?3),
                    refs = ?4
              WHERE id = ?1",
            params![report, oldest.map(|d| d.to_string()), after, refs as i64],
        )?;
        Ok(())
    }
}

/// Inserts payments with one prepared statement.
pub struct PaymentInserter<'c> {
    st: rusqlite::CachedStatement<'c>,
}

impl PaymentInserter<'_> {
    /// Inserts the payment; `false` when one with its fingerprint is stored already.
    pub fn insert(
        &mut self,
        row: &NewPayment<'_>,
        report_id: i64,
        created_at: &str,
    ) -> Result<bool> {
        let mut date = [0u8; 10];
        let mut value = [0u8; 10];
        let n = self.st.execute(params![
            iso_date(row.booking_date, &mut date),
            row.value_date.map(|d| iso_date(d, &mut value).to_string()),
            row.amount.minor(),
            row.amount.currency().as_str(),
            row.kind.as_str(),
            row.counterparty_name,
            row.counterparty_address,
            row.counterparty_account,
            row.account_valid,
            row.title,
            row.tx_type,
            row.bank_ref,
            row.our_account,
            report_id,
            row.source_row as i64,
            row.fingerprint,
            created_at
        ])?;
        Ok(n > 0)
    }
}

/// `YYYY-MM-DD` written into `buf`, without an allocation.
pub(super) fn iso_date(d: chrono::NaiveDate, buf: &mut [u8; 10]) -> &str {
    use chrono::Datelike;
    let (y, m, day) = (d.year().clamp(0, 9999) as u32, d.month(), d.day());
    let digits = [
        y / 1000,
        y / 100 % 10,
        y / 10 % 10,
        y % 10,
        10,
        m / 10,
        m % 10,
        10,
        day / 10,
        day % 10,
    ];
    for (b, v) in buf.iter_mut().zip(digits) {
        *b = if v == 10 { b'-' } else { b'0' + v as u8 };
    }
    std::str::from_utf8(buf).unwrap_or("")
}

impl Store {
    /// Payments by booking day, with their status and allocations; `status` filters. Memory
    /// follows what is listed, not the table: allocations are read per listed payment, and the
    /// payments in review come straight from their index.
    pub fn payments(&self, status: Option<PaymentStatus>) -> Result<Vec<PaymentView>> {
        self.payments_page(status, super::Page::ALL)
    }

    /// One page of [`Store::payments`]: reading stops once the page is full, so the first page
    /// of the payments in review comes from their index without reading the rest.
    pub fn payments_page(
        &self,
        status: Option<PaymentStatus>,
        page: super::Page,
    ) -> Result<Vec<PaymentView>> {
        let mut out = Vec::new();
        self.each_payment(status, page, |p| {
            out.push(p);
            Ok(())
        })?;
        Ok(out)
    }

    /// [`Store::payments_page`] handed over one payment at a time, so a listing of every payment
    /// in review (a hundred thousand of a year's statement) is written out as it is read instead
    /// of being held whole.
    pub fn each_payment(
        &self,
        status: Option<PaymentStatus>,
        page: super::Page,
        mut each: impl FnMut(PaymentView) -> Result<()>,
    ) -> Result<()> {
        let mut skipped = 0;
        let mut taken = 0;
        let mut alloc_stmt = self.conn.prepare(
            "SELECT i.number, a.amount_minor, a.rule, a.reason, i.currency
             FROM allocations a JOIN invoices i ON i.id = a.invoice_id
             WHERE a.payment_id = ?1 ORDER BY a.id",
        )?;
        let mut allocations_of = |pid: i64| -> Result<Vec<(AllocationView, i64)>> {
            let rows = alloc_stmt.query_map([pid], |r| {
                let m: i64 = r.get(1)?;
                Ok((
                    AllocationView {
                        invoice: r.get(0)?,
                        amount: amount_of(m, &r.get::<_, String>(4)?),
                        rule: r.get(2)?,
                        reason: r.get(3)?,
                    },
                    m,
                ))
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        // Payments in review are read from their own table in its order of days (it carries
        // each payment's day): a page of them is read without sorting a hundred thousand.
        let payments = |filter: &str| {
            format!(
                "payments p LEFT JOIN payment_reviews r ON r.payment_id = p.id
                 {filter} ORDER BY p.booking_date, p.id"
            )
        };
        let from = match status {
            Some(PaymentStatus::Review) => {
                "payment_reviews r JOIN payments p ON p.id = r.payment_id
                 ORDER BY r.booking_date, r.payment_id"
                    .to_string()
            }
            Some(PaymentStatus::Ignored) => payments("WHERE p.kind <> 'incoming'"),
            Some(_) => payments("WHERE p.kind = 'incoming'"),
            None => payments(""),
        };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT p.id, p.booking_date, p.amount_minor, p.currency, p.kind, p.counterparty_name,
                    p.counterparty_account, p.title, r.reason, r.candidates
               FROM {from}"
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                Currency::parse(&r.get::<_, String>(3)?).unwrap_or(Currency::PLN),
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, Option<String>>(8)?,
                r.get::<_, Option<String>>(9)?,
            ))
        })?;
        for row in rows {
            let (
                id,
                date,
                amount,
                currency,
                kind,
                counterparty,
                account,
                title,
                review,
                candidates,
            ) = row?;
            let allocs = allocations_of(id)?;
            let allocated: i64 = allocs.iter().map(|(_, m)| m).sum();
            let st = PaymentStatus::of(&kind, amount, allocated, review.is_some());
            if status.is_some_and(|s| s != st) {
                continue;
            }
            match page.step(&mut skipped, taken) {
                super::PageStep::Skip => continue,
                super::PageStep::Stop => break,
                super::PageStep::Take => {}
            }
            taken += 1;
            each(PaymentView {
                id,
                date,
                amount: Money::from_minor(amount, currency).amount(),
                currency,
                kind,
                counterparty,
                account,
                title,
                status: st,
                allocations: allocs.into_iter().map(|(v, _)| v).collect(),
                review: if allocated == 0 { review } else { None },
                candidates: candidates
                    .and_then(|c| serde_json::from_str(&c).ok())
                    .unwrap_or_default(),
            })?;
        }
        Ok(())
    }
}
