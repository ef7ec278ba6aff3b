//! Subscription invoicing at scale (issue 17): one run issuing 10,000 invoices, each with its
//! FA(3) XML, its PDF, its queued mail and its period key, then the accounting summary (files
//! written to the export folder, the zip left out above its size limit). Target: under 30 s on
//! the 2-core machine. Prints the run's time, the time per part, and the peak memory; criterion
//! then times the per-invoice parts (build, XML, PDF) on their own.

use criterion::{Criterion, criterion_group, criterion_main};
use skarbnik::app::App;
use skarbnik::billing::cycle::{Cycle, Period, Timing};
use skarbnik::billing::plan::{Plan, Status};
use skarbnik::billing::vat::VatRate;
use skarbnik::billing::{self, Issuer, Item};
use skarbnik::domain::{Currency, Lang};
use std::hint::black_box;
use std::str::FromStr;
use std::sync::Arc;

const N: usize = 10_000;

fn peak_rss_mb() -> f64 {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    u.ru_maxrss as f64 / 1024.0
}

fn plan(i: usize) -> Plan {
    let rates = [VatRate::R23, VatRate::R23, VatRate::R8, VatRate::Zw];
    let rate = rates[i % rates.len()];
    Plan {
        service: format!(
            "Abonament {} – pakiet {}",
            ["Start", "Biznes", "Pro"][i % 3],
            i % 17
        ),
        quantity: rust_decimal::Decimal::from((i % 5 + 1) as i64),
        unit: "usł.".into(),
        unit_net: rust_decimal::Decimal::from_str(&format!("{}.{:02}", 49 + i % 900, i % 100))
            .unwrap(),
        rate,
        exemption_basis: (rate == VatRate::Zw)
            .then(|| "art. 43 ust. 1 pkt 29 lit. c ustawy o VAT".into()),
        currency: Currency::PLN,
        cycle: Cycle::Monthly,
        anchor_day: 1,
        start: "2026-11-01".parse().unwrap(),
        end: None,
        timing: Timing::Advance,
        payment_days: 14,
        split_payment: i.is_multiple_of(50),
        notes: None,
        payment_link: None,
    }
}

fn app(dir: &std::path::Path) -> App {
    let config = skarbnik::config::Config::parse(&format!(
        r#"
[company]
name = "Pracownia Skarbnik Sp. z o.o."
nip = "5265260188"
accounts = ["PL55114000009378657975432319"]
address = "ul. Szkolna 1"
city = "00-950 Warszawa"

[store]
database = "{db}"

[smtp]
from = "Faktury <faktury@moja.test>"
outbox_dir = "{out}"

[staff]
addresses = ["szef@moja.test"]

[billing]
enabled = true
accounting = ["ksiegowa@biuro.test"]
export_dir = "{export}"
"#,
        db = dir.join("db.sqlite").display(),
        out = dir.join("outbox").display(),
        export = dir.join("export").display(),
    ))
    .unwrap();
    let clock = skarbnik::clock::FixedClock::at("2026-11-01T07:00:00Z").unwrap();
    App::open(config, Arc::new(clock)).unwrap()
}

fn seed(app: &mut App) {
    let tx = app.store.transaction().unwrap();
    for i in 0..N {
        let c = tx
            .find_or_create_client(
                Some(&format!("Klient {i} Handel i Usługi Sp. z o.o.")),
                None,
                false,
            )
            .unwrap();
        tx.set_client_address(
            c.id,
            &format!("ul. Długa {}", i % 300 + 1),
            Some("00-950 Warszawa"),
            "PL",
        )
        .unwrap();
        tx.add_client_email(c.id, &format!("faktury{i}@klient.test"), "bench")
            .unwrap();
        tx.upsert_subscription(&format!("S{i}"), c.id, &plan(i), Status::Active, "bench")
            .unwrap();
    }
    tx.commit().unwrap();
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(dir.path());
    seed(&mut app);
    let rss_before = peak_rss_mb();
    let t = std::time::Instant::now();
    let today = "2026-11-01".parse().unwrap();
    let (env, store) = app.parts();
    let run = skarbnik::services::billing::issue_due(
        &env,
        store,
        &skarbnik::services::billing::RunOptions {
            today,
            not_before: None,
            dry_run: false,
            actor: "bench",
        },
    )
    .unwrap();
    let total = t.elapsed().as_secs_f64();
    assert_eq!(run.issued.len(), N);
    assert!(run.summary.is_some());
    let outbox: i64 = app
        .store
        .conn()
        .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))
        .unwrap();
    let db_mb = std::fs::metadata(dir.path().join("db.sqlite"))
        .unwrap()
        .len() as f64
        / 1e6;
    println!(
        "issuing {N} invoices (XML + PDF + queued mail + accounting summary): {total:.1} s, {:.2} ms per invoice; {outbox} mails queued; database {db_mb:.0} MB; peak RSS {:.0} MB (before the run {rss_before:.0} MB)",
        total * 1000.0 / N as f64,
        peak_rss_mb()
    );

    // The parts of one invoice on their own.
    let seller = app.config.company.seller().unwrap();
    let issuer = Issuer {
        seller: &seller.0,
        account: &seller.1,
        bank_name: None,
        place: None,
        rounding: Default::default(),
    };
    let buyer = seller.0.clone();
    let p = plan(7);
    let period = Period {
        start: today,
        end: "2026-11-30".parse().unwrap(),
    };
    let doc = billing::build(
        &issuer,
        buyer.clone(),
        Lang::Pl,
        "FV/1/11/2026",
        today,
        &[Item { plan: &p, period }],
        "2026-11-01T07:00:00Z",
    );
    let mut g = c.benchmark_group("one subscription invoice");
    g.bench_function("document", |b| {
        b.iter(|| {
            billing::build(
                &issuer,
                buyer.clone(),
                Lang::Pl,
                "FV/1/11/2026",
                today,
                &[Item {
                    plan: black_box(&p),
                    period,
                }],
                "x",
            )
        })
    });
    g.bench_function("FA(3) XML", |b| {
        b.iter(|| billing::fa3::write(black_box(&doc)))
    });
    g.bench_function("PDF", |b| {
        b.iter(|| billing::pdf::render(black_box(&doc)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
