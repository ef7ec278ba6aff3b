//! The store as it grows (issue 19): a database of 100,000 invoices and a year of payments
//! (1,000,000 by default; `SKARBNIK_BENCH_PAYMENTS` to change it), built once through the real
//! import and reconciliation, then each query a person or the daemon runs on it, timed:
//! `invoices --status unpaid`, `payments --status review`, `overdue`, `status CLIENT`, a dunning
//! round (dry run, what `remind --dry-run` does), and `reconcile` with nothing new. Target: each
//! under a second. Building the database takes minutes; it is kept under `target/` between
//! runs (delete `target/store-scale-*.db` to rebuild).

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use skarbnik::config::Config;
use skarbnik::ingest::ParseContext;
use skarbnik::ingest::profile::Profile;
use skarbnik::outbox::Identity;
use skarbnik::services::dunning::{Dunning, Options};
use skarbnik::services::import::Importer;
use skarbnik::services::reconcile;
use skarbnik::store::{InvoiceStatus, PaymentStatus, Store};
use skarbnik::templates::Templates;
use std::hint::black_box;
use std::path::PathBuf;

const INVOICES: usize = 100_000;
const CLIENTS: usize = 300;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn payments() -> usize {
    std::env::var("SKARBNIK_BENCH_PAYMENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// An ERP list of the invoices, and a statement whose titles name them (most paid exactly, some
/// twice, some with a typo or nothing to go by).
fn files(n: usize) -> (String, Vec<u8>) {
    let mut erp = String::from(
        "Numer dokumentu;Data wystawienia;Termin płatności;Kontrahent;NIP;Wartość brutto;Waluta\n",
    );
    let gross = |i: usize| 10_000 + (i * 7919 % 500_000) as i64;
    for i in 0..INVOICES {
        let c = i % CLIENTS;
        let issued = today() - chrono::Duration::days(30 + (i % 300) as i64);
        erp.push_str(&format!(
            "FV/{i}/2026;{};{};KLIENT {c} SP. Z O.O.;;{},{:02};PLN\n",
            issued.format("%d.%m.%Y"),
            (issued + chrono::Duration::days(14)).format("%d.%m.%Y"),
            gross(i) / 100,
            gross(i) % 100
        ));
    }
    let mut st = String::from(
        "#Data księgowania;#Data operacji;#Opis operacji;#Tytuł;#Nadawca/Odbiorca;#Numer konta;#Kwota;#Saldo po operacji;\n",
    );
    for k in 0..n {
        let i = k % INVOICES;
        let day = today() - chrono::Duration::days(1 + (k * 300 / n) as i64);
        let (title, amount) = match k % 10 {
            9 => ("przelew".to_string(), 12_345),
            8 => (format!("FV/{}/2026", i + 1), gross(i)),
            _ => (format!("Zapłata za FV/{i}/2026"), gross(i)),
        };
        st.push_str(&format!(
            "{day};{day};PRZELEW ZEWNĘTRZNY PRZYCHODZĄCY;\"{title}\";\"KLIENT {} SP. Z O.O.\";'';{},{:02};;\n",
            i % CLIENTS,
            amount / 100,
            amount % 100
        ));
    }
    (erp, encoding_rs::WINDOWS_1250.encode(&st).0.into_owned())
}

fn database(n: usize) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("target/store-scale-{n}.db"));
    if path.exists() {
        return path;
    }
    let started = std::time::Instant::now();
    let mut store = Store::open(&path).unwrap();
    let profiles = Profile::load_all(None).unwrap();
    let ctx = ParseContext::default();
    let importer = Importer {
        profiles: &profiles,
        ctx: &ctx,
        max_file_bytes: u64::MAX,
        actor: "bench",
        isolation: None,
        progress: None,
    };
    let (erp, statement) = files(n);
    for (name, bytes) in [("erp.csv", erp.as_bytes()), ("bank.csv", &statement[..])] {
        let o = importer
            .import_bytes(&mut store, name, bytes, None)
            .unwrap();
        assert!(o.error.is_none(), "{:?}", o.error);
    }
    let s = reconcile::run(&mut store, &reconcile::Settings::default(), "bench").unwrap();
    eprintln!(
        "store_scale: built {n} payments, {INVOICES} invoices in {:.1} s: {} matched, {} review, {} unmatched",
        started.elapsed().as_secs_f64(),
        s.matched,
        s.review,
        s.unmatched
    );
    path
}

fn bench(c: &mut Criterion) {
    let n = payments();
    let path = database(n);
    let mut store = Store::open(&path).unwrap();
    let config = Config::default();
    let templates = Templates::new(None);
    let identity =
        Identity::from_config(&config, std::sync::Arc::new(skarbnik::clock::SystemClock)).unwrap();
    let mut g = c.benchmark_group(format!("store_{n}"));
    g.sample_size(10);
    g.bench_function("invoices_unpaid", |b| {
        b.iter(|| black_box(store.invoices(Some(InvoiceStatus::Unpaid)).unwrap().len()))
    });
    g.bench_function("payments_review", |b| {
        b.iter(|| black_box(store.payments(Some(PaymentStatus::Review)).unwrap().len()))
    });
    g.bench_function("payments_review_first_page", |b| {
        let page = skarbnik::store::Page {
            offset: 0,
            limit: Some(100),
        };
        b.iter(|| {
            black_box(
                store
                    .payments_page(Some(PaymentStatus::Review), page)
                    .unwrap()
                    .len(),
            )
        })
    });
    g.bench_function("overdue", |b| {
        b.iter(|| {
            let tx = store.transaction().unwrap();
            black_box(skarbnik::commands::overdue::model(&tx, &config, today()).unwrap());
        })
    });
    g.bench_function("reconcile_nothing_new", |b| {
        b.iter(|| {
            black_box(reconcile::run(&mut store, &reconcile::Settings::default(), "bench").unwrap())
        })
    });
    let dunning = Dunning {
        config: &config,
        templates: &templates,
        identity: &identity,
    };
    let opts = Options {
        today: today(),
        not_before: None,
        dry_run: true,
    };
    g.bench_function("remind_dry_run", |b| {
        b.iter(|| black_box(dunning.run(&mut store, &opts).unwrap().len()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
