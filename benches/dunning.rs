//! The dunning at scale.
//! * `plan`: the pure planner over N open invoices of N/10 clients (a third already reminded).
//! * `round`: one full round on a real SQLite file with 20,000 invoices of 2,000 clients: load,
//!   plan, render every reminder (text + HTML), compose, and queue — rolled back (`dry_run`), so
//!   each iteration does the same work. Target: a day's round for 20k invoices well under the
//!   daemon's 5-minute tick (seconds, not minutes).

use chrono::{Duration, NaiveDate};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rust_decimal::Decimal;
use skarbnik::config::Config;
use skarbnik::dunning::calendar::Calendar;
use skarbnik::dunning::planner::{ClientState, Inputs, OpenInvoice, Policy, plan};
use skarbnik::ingest::ParseContext;
use skarbnik::ingest::profile::Profile;
use skarbnik::outbox::Identity;
use skarbnik::services::dunning::{DecisionKind, Dunning, Options};
use skarbnik::services::import::Importer;
use skarbnik::store::Store;
use skarbnik::templates::Templates;
use std::hint::black_box;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn inputs(n: usize) -> Inputs {
    let clients = (n / 10).max(1);
    let mut input = Inputs {
        newest_statement: Some(today()),
        ..Inputs::default()
    };
    for i in 0..n {
        let due = today() - Duration::days((i % 40) as i64) + Duration::days(5);
        input.invoices.push(OpenInvoice {
            id: i as i64,
            client_id: (i % clients) as i64,
            due: Some(due),
            currency: skarbnik::domain::Currency::PLN,
            outstanding: Decimal::new(123_000, 2),
            last_payment: None,
            paused: false,
            hold: None,
        });
        if i % 3 == 0 {
            input
                .sent
                .insert((i as i64, "before".into()), due - Duration::days(3));
        }
    }
    for c in 0..clients {
        input.clients.insert(
            c as i64,
            ClientState {
                has_address: true,
                ..ClientState::default()
            },
        );
    }
    input
}

fn bench_plan(c: &mut Criterion) {
    let mut g = c.benchmark_group("dunning_plan");
    let cal = Calendar::default();
    let policy = Policy::default();
    for n in [10_000usize, 100_000] {
        let input = inputs(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &input, |b, input| {
            b.iter(|| black_box(plan(input, &cal, &policy, today())))
        });
    }
    g.finish();
}

/// A Fakturownia-like register of `n` invoices of n/10 clients, each with an address, due over
/// the last 40 days, and a statement of today so the data is fresh.
fn store(n: usize) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("bench.db")).unwrap();
    let mut csv = String::from(
        "\"Numer\",\"Data wystawienia\",\"Termin płatności\",\"Brutto\",\"Waluta\",\"Nabywca\",\"E-mail nabywcy\"\n",
    );
    for i in 0..n {
        let c = i % (n / 10);
        let due = today() - Duration::days((i % 40) as i64) + Duration::days(5);
        csv.push_str(&format!(
            "\"FV/{i:06}/2026\",\"{}\",\"{due}\",\"1230.00\",\"PLN\",\"Klient {c} Sp. z o.o.\",\"biuro{c}@klient{c}.test\"\n",
            due - Duration::days(14)
        ));
    }
    let statement = format!(
        "\"Data księgowania\";\"Kontrahent\";\"Tytuł\";\"Kwota\";\"Waluta\"\n\"{}\";\"BANK\";\"Opłata\";\"-5,00\";\"PLN\"\n",
        today()
    );
    let profiles = Profile::load_all(None).unwrap();
    let ctx = ParseContext::default();
    let importer = Importer {
        profiles: &profiles,
        ctx: &ctx,
        max_file_bytes: 100_000_000,
        actor: "bench",
        isolation: None,
        progress: None,
    };
    for (name, bytes) in [
        ("rejestr.csv", csv.as_bytes()),
        ("wyciag.csv", statement.as_bytes()),
    ] {
        let o = importer
            .import_bytes(&mut store, name, bytes, None)
            .unwrap();
        assert!(o.error.is_none(), "{:?}", o.error);
    }
    (dir, store)
}

fn bench_round(c: &mut Criterion) {
    let mut g = c.benchmark_group("dunning_round");
    g.sample_size(10);
    let n = 20_000;
    let (_dir, mut store) = store(n);
    let config = Config::default();
    let templates = Templates::new(None);
    let identity =
        Identity::from_config(&config, std::sync::Arc::new(skarbnik::clock::SystemClock)).unwrap();
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
    let mails = dunning
        .run(&mut store, &opts)
        .unwrap()
        .iter()
        .filter(|d| d.kind == DecisionKind::Reminder)
        .count();
    eprintln!("dunning_round: {n} invoices → {mails} reminder mails per round");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter(|| black_box(dunning.run(&mut store, &opts).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench_plan, bench_round);
criterion_main!(benches);
