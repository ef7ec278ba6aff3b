//! Shared helpers: fixture paths, a store on a real SQLite file in a temp dir, an importer.

use skarbnik::domain::BankAccount;
use skarbnik::ingest::ParseContext;
use skarbnik::ingest::profile::Profile;
use skarbnik::services::import::{ImportOutcome, Importer};
use skarbnik::services::matching::{self, MatchError};
use skarbnik::services::reconcile::{self, ReconcileSummary};
use skarbnik::store::Store;
use std::path::{Path, PathBuf};

/// Runs the real binary in `dir` with the given arguments and no configuration from outside.
pub fn skarbnik(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_skarbnik"))
        .args(args)
        .current_dir(dir)
        .env_remove("SKARBNIK_CONFIG")
        .output()
        .unwrap()
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub fn report(rel: &str) -> PathBuf {
    fixtures().join("reports").join(rel)
}

/// A fresh database file and what importing needs.
pub struct TestStore {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub profiles: Vec<Profile>,
    pub ctx: ParseContext,
}

impl TestStore {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("skarbnik.db")).unwrap();
        let profiles = Profile::load_all(Some(&fixtures().join("profiles"))).unwrap();
        let ctx = ParseContext {
            own_accounts: super::golden::OUR_ACCOUNTS
                .iter()
                .map(|a| BankAccount::parse(a).unwrap())
                .collect(),
            our_nip: Some(super::golden::OUR_NIP.to_string()),
            ..ParseContext::default()
        };
        TestStore {
            dir,
            store,
            profiles,
            ctx,
        }
    }

    pub fn import_bytes(&mut self, name: &str, bytes: &[u8]) -> ImportOutcome {
        importer(&self.profiles, &self.ctx)
            .import_bytes(&mut self.store, name, bytes, None)
            .unwrap()
    }

    /// Imports a file that is one report (not an archive).
    pub fn import_path(&mut self, path: &Path) -> ImportOutcome {
        let mut all = self.import_file(path);
        assert_eq!(all.len(), 1, "{} is one report", path.display());
        all.remove(0)
    }

    /// Imports a file; an archive gives one outcome per member.
    pub fn import_file(&mut self, path: &Path) -> Vec<ImportOutcome> {
        importer(&self.profiles, &self.ctx)
            .import_path(&mut self.store, path, None)
            .unwrap()
    }

    /// Reconciles in a transaction of its own.
    pub fn reconcile(
        &mut self,
        our_nip: Option<&str>,
        actor: &str,
    ) -> anyhow::Result<ReconcileSummary> {
        let settings = reconcile::Settings {
            our_nip: our_nip.map(str::to_string),
            ..reconcile::Settings::default()
        };
        reconcile::run(&mut self.store, &settings, actor)
    }

    /// Reconciles with the index of allocations by invoice kept entry by entry (`false`) or
    /// built once at the end (`true`), whatever the run's size.
    pub fn reconcile_bulk(&mut self, bulk: bool) -> anyhow::Result<ReconcileSummary> {
        let settings = reconcile::Settings {
            bulk_from: if bulk { 0 } else { usize::MAX },
            ..reconcile::Settings::default()
        };
        reconcile::run(&mut self.store, &settings, "test")
    }

    pub fn manual_match(
        &mut self,
        payment: i64,
        invoices: &[String],
        actor: &str,
    ) -> Result<Vec<(String, i64)>, MatchError> {
        matching::manual_match_now(&mut self.store, payment, invoices, actor)
    }

    pub fn unmatch(&mut self, payment: i64, actor: &str) -> Result<usize, MatchError> {
        matching::unmatch_now(&mut self.store, payment, actor)
    }

    /// Invoices whose kept paid sum, last paid day or paid-in-full day (kept with each
    /// allocation written, and by triggers when one is changed or removed) disagrees with their
    /// allocations: must be none.
    pub fn paid_sums_astray(&self) -> i64 {
        self.scalar(
            "SELECT COUNT(*) FROM invoices i
              WHERE i.allocated_minor <> (SELECT COALESCE(SUM(a.amount_minor), 0) FROM allocations a WHERE a.invoice_id = i.id)
                 OR i.last_paid_on IS NOT (SELECT MAX(a.booking_date) FROM allocations a WHERE a.invoice_id = i.id)
                 OR i.paid_off_on IS NOT (CASE WHEN i.allocated_minor > 0 AND i.allocated_minor >= i.gross_minor
                                               THEN (SELECT v.day FROM invoice_paid_off v WHERE v.id = i.id) END)",
        )
    }

    pub fn count(&self, table: &str) -> i64 {
        self.scalar(&format!("SELECT COUNT(*) FROM {table}"))
    }

    /// The one integer a query answers.
    pub fn scalar(&self, sql: &str) -> i64 {
        self.store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

/// The importer tests use: in-process parsing (the worker is tested through the CLI), 5 MB limit.
fn importer<'a>(profiles: &'a [Profile], ctx: &'a ParseContext) -> Importer<'a> {
    Importer {
        profiles,
        ctx,
        max_file_bytes: 5_000_000,
        actor: "test",
        isolation: None,
        progress: None,
    }
}
