//! Reports at scale (issue 16): the monthly report over 100,000 invoices of 10,000 clients with
//! 1,000,000 payments. Targets: the model under 1 s, PDF + XLSX under 3 s, peak memory under
//! 300 MB. Before timing, it prints the payer-score backtest (mean absolute error of the
//! predicted payment day against due day + the firm-wide mean) and the peak memory of one full
//! build.

use chrono::{Duration, NaiveDate};
use criterion::{Criterion, criterion_group, criterion_main};
use skarbnik::domain::{Currency, Lang};
use skarbnik::reports::{Book, BookClient, BookInvoice, backtest, monthly, render, score};
use std::collections::HashMap;
use std::hint::black_box;

/// 10,000 clients, 100,000 invoices over two years, ten payments each (1,000,000), some open.
fn book() -> Book {
    let start = NaiveDate::from_ymd_opt(2024, 12, 1).unwrap();
    let clients = (0..10_000)
        .map(|c| BookClient {
            id: c,
            name: format!("Klient {c} Handel i Usługi Sp. z o.o."),
            manager: Some(format!("opiekun{}@firma.pl", c % 20)),
            ..BookClient::default()
        })
        .collect();
    let invoices = (0..100_000i64)
        .map(|i| {
            let issued = start + Duration::days(i * 730 / 100_000);
            let due = issued + Duration::days(14);
            let habit = (i % 10_000) % 7 * 6 - 5;
            let gross = 10_000 + (i * 7919) % 1_000_000;
            // Ten instalments; the newest invoices partly or wholly open.
            let open = i > 97_000 && i % 3 != 0;
            let paid = (0..10)
                .filter(|k| !(open && *k >= 5))
                .map(|k| (due + Duration::days(habit + k), gross / 10))
                .collect();
            BookInvoice {
                id: i,
                number: format!("FV/{i}/2026"),
                client_id: i % 10_000,
                issue_date: Some(issued),
                due: Some(due),
                currency: Currency::PLN,
                gross,
                paid,
                steps: if i % 4 == 0 {
                    vec![("after_1".into(), due + Duration::days(1))]
                } else {
                    Vec::new()
                },
                last_mail: None,
                escalated: false,
                hold: None,
                credit: 0,
            }
        })
        .collect();
    Book {
        clients,
        invoices,
        steps: vec!["before_3".into(), "after_1".into(), "after_7".into()],
        ..Book::default()
    }
}

fn peak_rss_mb() -> f64 {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    u.ru_maxrss as f64 / 1024.0
}

fn bench(c: &mut Criterion) {
    let b = backtest::run(7, 40);
    println!(
        "payer score backtest: {} invoices predicted, MAE {} days (naive baseline: {} days)",
        b.predicted, b.mae_score, b.mae_naive
    );
    let book = book();
    let last = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let steps: HashMap<String, String> = HashMap::new();
    let t = std::time::Instant::now();
    let s = score::scores(&book, last);
    let m = monthly::monthly(&book, &s, 2026, 11).unwrap();
    let model = t.elapsed();
    let t = std::time::Instant::now();
    let charts = render::monthly_charts(&m, Lang::Pl).unwrap();
    let rendered = skarbnik::templates::Rendered {
        subject: "Raport miesięczny".into(),
        text: "Dzień dobry,\n\nraport.\n".into(),
        html: None,
    };
    let charts_s = t.elapsed().as_secs_f64();
    let pdf = render::pdf::monthly(&m, &rendered, Lang::Pl, &steps, &charts).unwrap();
    let pdf_s = t.elapsed().as_secs_f64() - charts_s;
    let xlsx = render::xlsx::monthly(&m, Lang::Pl, &steps).unwrap();
    println!(
        "one monthly report: model {:.2} s; charts {charts_s:.2} s, PDF {pdf_s:.2} s; charts + PDF ({} KB) + XLSX ({} KB) {:.2} s, peak RSS {:.0} MB (the book itself included)",
        model.as_secs_f64(),
        pdf.len() / 1024,
        xlsx.len() / 1024,
        t.elapsed().as_secs_f64(),
        peak_rss_mb()
    );
    let mut g = c.benchmark_group("monthly report, 100k invoices, 1M payments, 10k clients");
    g.sample_size(10);
    g.bench_function("model (scores + monthly)", |bch| {
        bch.iter(|| {
            let s = score::scores(black_box(&book), last);
            monthly::monthly(&book, &s, 2026, 11)
        })
    });
    g.bench_function("PDF + XLSX with charts", |bch| {
        bch.iter(|| {
            let charts = render::monthly_charts(&m, Lang::Pl).unwrap();
            let pdf = render::pdf::monthly(&m, &rendered, Lang::Pl, &steps, &charts).unwrap();
            let xlsx = render::xlsx::monthly(&m, Lang::Pl, &steps).unwrap();
            (pdf.len(), xlsx.len())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
