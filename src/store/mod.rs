//! SQLite at the bottom of skarbnik: schema migrations and the queries of each table group. WAL
//! journal, foreign keys on.
//!
//! The store knows the domain types and its own row types, nothing above it (no parser, no mail,
//! no matcher, no use case): the services turn their values into rows and decide what a refusal is.
//! Errors from here are database errors. Every timestamp it writes comes from the clock it was
//! opened with.
//!
//! There is no trait over the database: every tier, tests included, uses a real SQLite file.

mod allocations;
mod audit;
mod billing;
mod book;
mod checkpoint;
mod clients;
mod commands;
mod dunning;
mod holds;
mod invoices;
mod messages;
mod outbox;
mod payments;
mod reports;

pub use allocations::{
    ClientIdentity, DecisionWriter, NewAllocation, OpenPayment, PaidInRun, PaymentRef,
    RemovedAllocation,
};
pub use audit::AuditEntry;
pub use billing::{
    BuyerRow, IssuedRow, KsefSet, PlanChange, SubscriptionRow, SubscriptionUpsert, file_stem,
};
pub use book::BookRows;
pub use checkpoint::Behind;
pub use clients::{ClientInfo, ClientRef, ClientUpdate};
pub use commands::{InvoiceRef, PaymentLine};
pub use dunning::{DunClient, DunInvoice, HistoryLine, PaidByPayment, PaidInvoice, Snapshot};
pub use holds::{HoldRow, Opened, ReplyRecord};
pub use invoices::{
    Correction, InvoiceBalance, InvoiceStatus, InvoiceView, NewInvoice, UpsertOutcome,
};
pub use messages::{MessageRecord, ReportPayment};
pub use outbox::{NewMail, OutboxItem, OutboxStatus};
pub use payments::{
    AllocationView, ExportedOperation, NewPayment, PaymentInserter, PaymentStatus, PaymentView,
    RefKinds, short_print,
};
pub use reports::ReportRecord;

use crate::clock::{SharedClock, SystemClock};
use anyhow::{Context, Result};
use chrono::NaiveDate;
use rusqlite::Connection;
use std::path::Path;
use std::sync::Arc;

/// Which part of a listing to read: `limit` rows after skipping `offset`.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub offset: usize,
    pub limit: Option<usize>,
}

impl Page {
    pub const ALL: Page = Page {
        offset: 0,
        limit: None,
    };

    /// What to do with the next row that passed a listing's filter, given how many are listed
    /// so far; `skipped` counts the rows passed over for the offset.
    fn step(&self, skipped: &mut usize, listed: usize) -> PageStep {
        if *skipped < self.offset {
            *skipped += 1;
            PageStep::Skip
        } else if self.limit.is_some_and(|n| listed >= n) {
            PageStep::Stop
        } else {
            PageStep::Take
        }
    }
}

enum PageStep {
    Skip,
    Take,
    /// The page is full: read no further.
    Stop,
}

/// A stored day (`YYYY-MM-DD`), read without the general date parser: the dunning and the
/// reports read a million of them.
pub(crate) fn day_of(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// A nullable stored day column, read by [`day_of`] without copying the text (a text of any
/// other shape by chrono's parser): loading a run's payments read a million days with the
/// general parser, each as a new `String`.
pub(crate) fn day_column(r: &rusqlite::Row<'_>, k: usize) -> rusqlite::Result<Option<NaiveDate>> {
    Ok(r.get_ref(k)?
        .as_str_or_null()?
        .and_then(|t| day_of(t).or_else(|| t.parse().ok())))
}

/// A stored currency column, read without copying the text; PLN for one not known.
pub(crate) fn currency_column(
    r: &rusqlite::Row<'_>,
    k: usize,
) -> rusqlite::Result<crate::domain::Currency> {
    use crate::domain::Currency;
    Ok(r.get_ref(k)?
        .as_str()
        .ok()
        .and_then(Currency::parse)
        .unwrap_or(Currency::PLN))
}

/// Migrations in order; the index + 1 is the schema version kept in `PRAGMA user_version`.
const MIGRATIONS: &[&str] = &[
    include_str!("001_initial.sql"),
    include_str!("002_review.sql"),
    include_str!("003_mail.sql"),
    include_str!("004_dunning.sql"),
    include_str!("005_commands.sql"),
    include_str!("006_conversations.sql"),
    include_str!("007_indexes.sql"),
    include_str!("008_billing.sql"),
    include_str!("009_scale.sql"),
    include_str!("010_aggregates.sql"),
    include_str!("011_allocation_writes.sql"),
    include_str!("012_corrections.sql"),
    include_str!("013_statement_spans.sql"),
    include_str!("014_reviews.sql"),
    include_str!("015_audit_unindexed.sql"),
    include_str!("016_payment_kind_check.sql"),
];

pub struct Store {
    conn: Connection,
    /// Dates every row this store writes.
    clock: SharedClock,
    /// Commits left in the WAL by [`Store::deferring_checkpoints`], not yet given to
    /// [`Store::checkpoint_behind`].
    wal_behind: bool,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date; rows are
    /// dated by the wall clock.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_with_clock(path, Arc::new(SystemClock))
    }

    /// Like [`Store::open`], with rows dated by `clock`.
    pub fn open_with_clock(path: &Path, clock: SharedClock) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let conn = Connection::open(path)
            .with_context(|| format!("cannot open database {}", path.display()))?;
        Store::init(conn, clock).with_context(|| format!("database {}", path.display()))
    }

    fn init(conn: Connection, clock: SharedClock) -> Result<Store> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // A 100k-row statement is one transaction; with SQLite's default 2 MB cache its pages spill
        // to disk mid-transaction and are read back, which doubled import time. 32 MiB is enough:
        // importing and reconciling a million payments took the same time with 64 MiB, which
        // held 32 MB more (the cache is the largest thing a large import keeps).
        conn.pragma_update(None, "cache_size", -32_768)?;
        // Temporary b-trees (a sort larger than the cache, the build of an index) in a file, not
        // in memory: kept in memory, the sorted runs of building the index of a million
        // allocations held 25 MB more.
        conn.pragma_update(None, "temp_store", "FILE")?;
        let mut store = Store {
            conn,
            clock,
            wal_behind: false,
        };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<()> {
        let current: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        let target = MIGRATIONS.len() as i64;
        if current > target {
            anyhow::bail!(
                "the database schema (version {current}) is newer than this skarbnik (version {target})"
            );
        }
        if current == target {
            return Ok(());
        }
        // A migration may rebuild a table others refer to (SQLite's way to change a CHECK):
        // foreign keys are off while they run (the pragma cannot change inside a transaction)
        // and every reference is checked before they are on again.
        self.conn.pragma_update(None, "foreign_keys", "OFF")?;
        let result = (|| -> Result<()> {
            for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
                let tx = self.conn.transaction()?;
                tx.execute_batch(sql)
                    .with_context(|| format!("migration {}", i + 1))?;
                let broken: i64 =
                    tx.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
                        r.get(0)
                    })?;
                if broken > 0 {
                    anyhow::bail!("migration {} left {broken} broken references", i + 1);
                }
                tx.pragma_update(None, "user_version", (i + 1) as i64)?;
                tx.commit()?;
            }
            Ok(())
        })();
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        result
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// A write transaction: everything a decision changes is committed together or not at all.
    /// Dropped without [`Tx::commit`], it rolls back.
    pub fn transaction(&mut self) -> Result<Tx<'_>> {
        Ok(Tx {
            tx: self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?,
            clock: self.clock.clone(),
        })
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `work` in a write transaction of its own with SQLite's reference checks off
    /// (`PRAGMA foreign_keys`, which cannot change inside a transaction), committed when `work`
    /// succeeds; the checks are on again after, whatever `work` returns. Only for work that writes
    /// references it has just read in this transaction, which no other writer can change under it:
    /// reconciliation allocates payments and invoices it loaded itself, and checking each
    /// allocation's two references again was a B-tree walk per row, a random one into the
    /// invoices: 3 of the 10 s that storing a million decisions took. In a debug build (every
    /// test) every reference of the store is checked before the commit, and a broken one fails
    /// the work.
    pub fn trusted_transaction<T>(&mut self, work: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        self.conn.pragma_update(None, "foreign_keys", "OFF")?;
        let result = (|| -> Result<T> {
            let tx = self.transaction()?;
            let value = work(&tx)?;
            if cfg!(debug_assertions) {
                tx.check_references()?;
            }
            tx.commit()?;
            Ok(value)
        })();
        let restored = self.conn.pragma_update(None, "foreign_keys", "ON");
        let value = result?;
        restored?;
        Ok(value)
    }

    /// Frees what SQLite's page cache holds (an idle daemon need not keep a round's pages).
    pub fn release_memory(&self) {
        if let Err(e) = self.conn.execute_batch("PRAGMA shrink_memory") {
            tracing::debug!("shrink_memory: {e}");
        }
    }

    /// The clock the store dates rows with.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }
}

/// A write transaction with the store's write operations.
pub struct Tx<'c> {
    tx: rusqlite::Transaction<'c>,
    clock: SharedClock,
}

impl Tx<'_> {
    pub fn commit(self) -> Result<()> {
        Ok(self.tx.commit()?)
    }

    /// Undoes everything written in this transaction (dropping it does the same).
    pub fn rollback(self) -> Result<()> {
        Ok(self.tx.rollback()?)
    }

    /// Now, as this transaction stamps its rows.
    pub fn now_text(&self) -> String {
        self.clock.now_text()
    }

    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    pub fn conn(&self) -> &Connection {
        &self.tx
    }

    /// Fails when a row refers to one that does not exist: the safety net of a
    /// [`Store::trusted_transaction`]. It reads every reference of the store, so only debug
    /// builds (the tests) call it.
    fn check_references(&self) -> Result<()> {
        let broken: Vec<(String, Option<i64>, String)> = self
            .tx
            .prepare("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check LIMIT 5")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        if !broken.is_empty() {
            anyhow::bail!("rows refer to rows that do not exist: {broken:?}");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_a_new_file_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/skarbnik.db");
        let s = Store::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len() as i64);
        let mode: String = s
            .conn()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        drop(s);
        let s = Store::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len() as i64);
    }

    #[test]
    fn stored_days_are_read_strictly() {
        assert_eq!(day_of("2026-02-28"), NaiveDate::from_ymd_opt(2026, 2, 28));
        assert_eq!(day_of("2026-02-30"), None);
        assert_eq!(day_of("2026-2-28"), None);
        assert_eq!(day_of("2026-02-28T10:00"), None);
        assert_eq!(day_of("20x6-02-28"), None);
        assert_eq!(day_of("żółw-02-2"), None);
        assert_eq!(day_of(""), None);
        // A column: a stored day, none, and a day of another shape chrono reads.
        let c = Connection::open_in_memory().unwrap();
        let days = c
            .query_row("SELECT '2026-11-30', NULL, '+12026-01-01', 'x'", [], |r| {
                Ok([
                    day_column(r, 0)?,
                    day_column(r, 1)?,
                    day_column(r, 2)?,
                    day_column(r, 3)?,
                ])
            })
            .unwrap();
        assert_eq!(
            days,
            [
                NaiveDate::from_ymd_opt(2026, 11, 30),
                None,
                NaiveDate::from_ymd_opt(12026, 1, 1),
                None
            ]
        );
    }

    /// A database as a skarbnik of schema version `n` left it.
    fn store_at_version(path: &Path, n: usize) -> Connection {
        let c = Connection::open(path).unwrap();
        for sql in &MIGRATIONS[..n] {
            c.execute_batch(sql).unwrap();
        }
        c.pragma_update(None, "user_version", n as i64).unwrap();
        c
    }

    /// Statements stored before migration 13 get their days and runs of payment ids, so the
    /// statements after it are held against them (services::other_exports).
    #[test]
    fn migration_13_records_where_earlier_statements_are() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let c = store_at_version(&path, 12);
        c.execute_batch(
            "INSERT INTO reports (id, file_name, sha256, kind, received_at, outcome, newest_booking)
                  VALUES (1, 'a.csv', 'x', 'statement', '2026-11-30T10:00:00Z', 'imported', '2026-11-30'),
                         (2, 'manual', 'y', NULL, '2026-11-30T10:00:00Z', 'imported', NULL);
             INSERT INTO payments (id, booking_date, amount_minor, currency, kind, title, source_report_id,
                                   source_row, fingerprint, created_at, bank_ref)
                  VALUES (7, '2026-11-28', 100, 'PLN', 'incoming', 'a', 1, 1, x'01', 'now', NULL),
                         (8, '2026-11-30', 200, 'PLN', 'incoming', 'b', 1, 2, x'02', 'now', 'R1'),
                         (9, '2026-11-29', 300, 'PLN', 'incoming', 'c', 2, 0, x'03', 'now', NULL);",
        )
        .unwrap();
        drop(c);
        let s = Store::open(&path).unwrap();
        type Span = (
            Option<String>,
            Option<String>,
            Option<i64>,
            Option<i64>,
            i64,
        );
        let span = |id: i64| -> Span {
            s.conn()
                .query_row(
                    "SELECT oldest_booking, newest_booking, first_payment, last_payment, refs
                       FROM reports WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .unwrap()
        };
        assert_eq!(
            span(1),
            (
                Some("2026-11-28".into()),
                Some("2026-11-30".into()),
                Some(7),
                Some(8),
                1
            )
        );
        assert_eq!(span(2), (None, None, None, None, 0), "not a statement");
    }

    /// Payments in review before migration 14 keep their reason and candidates in the table of
    /// reviews, with the payment's day and account; a held payment stays held, its note kept.
    #[test]
    fn migration_14_moves_the_reviews_to_their_own_table() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let c = store_at_version(&path, 13);
        c.execute_batch(
            "INSERT INTO reports (id, file_name, sha256, kind, received_at, outcome)
                  VALUES (1, 'a.csv', 'x', 'statement', '2026-11-30T10:00:00Z', 'imported');
             INSERT INTO payments (id, booking_date, amount_minor, currency, kind, title, source_report_id,
                                   source_row, fingerprint, created_at, counterparty_account,
                                   review_reason, review_candidates, hold)
                  VALUES (7, '2026-11-28', 100, 'PLN', 'incoming', 'a', 1, 1, x'01', 'now',
                          '61109010140000071219812874', '{\"r\":1}', '[\"FV/1\",\"FV/2\"]', 0),
                         (8, '2026-11-29', 200, 'PLN', 'incoming', 'b', 1, 2, x'02', 'now',
                          NULL, 'odpięta przez Anię', NULL, 1),
                         (9, '2026-11-30', 300, 'PLN', 'incoming', 'c', 1, 3, x'03', 'now',
                          NULL, NULL, NULL, 0);",
        )
        .unwrap();
        drop(c);
        let s = Store::open(&path).unwrap();
        type Review = (i64, Option<String>, Option<String>, String, Option<String>);
        let reviews: Vec<Review> = s
            .conn()
            .prepare(
                "SELECT payment_id, booking_date, account, reason, candidates
                   FROM payment_reviews ORDER BY payment_id",
            )
            .unwrap()
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            reviews,
            vec![
                (
                    7,
                    Some("2026-11-28".into()),
                    Some("61109010140000071219812874".into()),
                    "{\"r\":1}".into(),
                    Some("[\"FV/1\",\"FV/2\"]".into())
                ),
                (
                    8,
                    Some("2026-11-29".into()),
                    None,
                    "odpięta przez Anię".into(),
                    None
                ),
            ]
        );
        let held: i64 = s
            .conn()
            .query_row("SELECT hold FROM payments WHERE id = 8", [], |r| r.get(0))
            .unwrap();
        assert_eq!(held, 1);
        let columns: i64 = s
            .conn()
            .query_row(
                "SELECT count(*) FROM pragma_table_info('payments') WHERE name LIKE 'review%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(columns, 0, "the old columns are gone");
    }

    /// Migration 16 rebuilds the payments table: every row and column is kept, what refers
    /// to a payment still does, a held payment stays held, and the kind is still checked.
    #[test]
    fn migration_16_keeps_the_payments_and_still_checks_their_kind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let c = store_at_version(&path, 15);
        c.execute_batch(
            "INSERT INTO reports (id, file_name, sha256, kind, received_at, outcome)
                  VALUES (1, 'a.csv', 'x', 'statement', '2026-11-30T10:00:00Z', 'imported');
             INSERT INTO clients (id, name, name_key, created_at, updated_at)
                  VALUES (1, 'Nowak', 'NOWAK', 'now', 'now');
             INSERT INTO invoices (id, number, number_key, client_id, currency, gross_minor,
                                   created_at, updated_at)
                  VALUES (1, 'FV/1', 'FV1', 1, 'PLN', 100, 'now', 'now');
             INSERT INTO payments (id, booking_date, value_date, amount_minor, currency, kind,
                                   counterparty_name, counterparty_address, counterparty_account,
                                   account_valid, title, tx_type, bank_ref, our_account,
                                   source_report_id, source_row, fingerprint, created_at, hold)
                  VALUES (7, '2026-11-28', '2026-11-27', 100, 'PLN', 'incoming', 'NOWAK', 'Łódź',
                          '61109010140000071219812874', 1, 'FV/1', 'przelew', 'R1',
                          '11109010140000071219812875', 1, 1, x'01', 'now', 0),
                         (8, '2026-11-29', NULL, -50, 'PLN', 'fee', NULL, NULL, NULL, 0, 'opłata',
                          NULL, NULL, NULL, 1, 2, x'02', 'now', 1);
             INSERT INTO allocations (payment_id, invoice_id, amount_minor, rule, reason,
                                      created_at, created_by, booking_date)
                  VALUES (7, 1, 100, 'invoice_number', '{}', 'now', 'test', '2026-11-28');",
        )
        .unwrap();
        let dump = |c: &Connection| -> Vec<String> {
            c.prepare("SELECT * FROM payments ORDER BY id")
                .unwrap()
                .query_map([], |r| {
                    let values: Vec<String> = (0..r.as_ref().column_count())
                        .map(|i| {
                            r.get::<_, rusqlite::types::Value>(i)
                                .map(|v| format!("{v:?}"))
                        })
                        .collect::<rusqlite::Result<_>>()?;
                    Ok(values.join(","))
                })
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        let before = dump(&c);
        drop(c);
        let s = Store::open(&path).unwrap();
        assert_eq!(dump(s.conn()), before);
        let joined: i64 = s
            .conn()
            .query_row(
                "SELECT COUNT(*) FROM allocations a JOIN payments p ON p.id = a.payment_id",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(joined, 1);
        let held: i64 = s
            .conn()
            .query_row("SELECT COUNT(*) FROM payments WHERE hold = 1", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(held, 1);
        let insert = |kind: &str, print: u8| {
            s.conn().execute(
                "INSERT INTO payments (booking_date, amount_minor, currency, kind, title,
                                       source_report_id, source_row, fingerprint, created_at)
                      VALUES ('2026-11-30', 1, 'PLN', ?1, 't', 1, 9, ?2, 'now')",
                rusqlite::params![kind, vec![print]],
            )
        };
        for (k, kind) in ["incoming", "outgoing", "fee", "vat_leg", "internal"]
            .into_iter()
            .enumerate()
        {
            insert(kind, 10 + k as u8).unwrap_or_else(|e| panic!("{kind}: {e}"));
        }
        assert!(insert("refund", 20).is_err());
        assert!(insert("INCOMING", 21).is_err());
    }

    /// Inserting a payment builds no temporary B-tree: a CHECK written `IN (...)` did, for every
    /// row (migration 16).
    #[test]
    fn inserting_a_payment_opens_no_temporary_table() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("x.db")).unwrap();
        let program: Vec<String> = s
            .conn()
            .prepare(
                "EXPLAIN INSERT OR IGNORE INTO payments (booking_date, amount_minor, currency, kind,
                     title, source_report_id, source_row, fingerprint, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .unwrap()
            .query_map(
                rusqlite::params_from_iter(std::iter::repeat_n(rusqlite::types::Null, 9)),
                |r| r.get::<_, String>(1),
            )
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(program.iter().any(|op| op == "Insert"), "{program:?}");
        assert!(
            !program.iter().any(|op| op == "OpenEphemeral"),
            "{program:?}"
        );
    }

    /// Whether SQLite checks references on the connection now.
    fn references_checked(conn: &Connection) -> bool {
        conn.pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap()
    }

    /// A trusted transaction writes what SQLite would have refused, which the debug check finds
    /// before the commit; afterwards the connection checks references again, whether the work
    /// failed or not.
    #[test]
    fn trusted_references_are_checked_again_after_the_work() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("x.db")).unwrap();
        assert!(references_checked(s.conn()));
        let dangling =
            "INSERT INTO allocations (payment_id, invoice_id, amount_minor, rule, reason,
                                                 created_at, created_by)
                        VALUES (999, 998, 100, 'exact', '', 'now', 'test')";
        {
            let tx = s.transaction().unwrap();
            assert!(
                tx.conn().execute(dangling, []).is_err(),
                "checked by SQLite"
            );
        }
        let e = s
            .trusted_transaction(|tx| {
                assert!(!references_checked(tx.conn()));
                tx.conn().execute(dangling, [])?;
                Ok(())
            })
            .unwrap_err();
        assert!(format!("{e:#}").contains("allocations"), "{e:#}");
        assert!(references_checked(s.conn()), "on again after a failure");
        let n: i64 = s
            .conn()
            .query_row("SELECT COUNT(*) FROM allocations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0, "the failed work rolled back");
        s.trusted_transaction(|_| Ok(())).unwrap();
        assert!(references_checked(s.conn()), "on again after success");
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        drop(Store::open(&path).unwrap());
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        drop(c);
        let e = Store::open(&path).err().unwrap();
        assert!(
            format!("{e:#}").contains("newer than this skarbnik"),
            "{e:#}"
        );
    }
}
