//! Reconciliation at scale: N payments against N open invoices of N/10 clients, for N = 10k, 30k,
//! 100k. A third of the payments name their invoice, a third come from a known account, a third
//! only from a client's name; some amounts fit nothing. Target: 20k × 20k under 2 s (issue 14),
//! and linear growth.
//!
//! Before timing, it prints how well the matcher does on generated months (see
//! `reconcile::scenario`): precision, recall and wrong automatic allocations, per class.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use skarbnik::domain::{Currency, InvoiceNumber};
use skarbnik::reconcile::{Client, Context, Invoice, Payment, reconcile, scenario};
use std::hint::black_box;

fn nrb(i: usize) -> String {
    // Fake but well-formed: uniqueness matters here, not the checksum.
    format!("PL{:026}", 10_000_000_000_000_000_000u128 + i as u128)
}

fn data(n: usize) -> (Vec<Payment>, Vec<Invoice>, Vec<Client>) {
    let clients_n = (n / 10).max(1);
    let clients: Vec<Client> = (0..clients_n)
        .map(|c| Client {
            id: c as i64,
            name: format!("Klient {} Handel Serwis {} Sp. z o.o.", c, c * 7 % 1000),
            nip: None,
            accounts: vec![nrb(c)],
        })
        .collect();
    let invoices: Vec<Invoice> = (0..n)
        .map(|i| Invoice {
            issue_date: None,
            settled_by_hand: Vec::new(),
            id: i as i64,
            number: InvoiceNumber::parse(&format!("FV/{:06}/2026", i)).unwrap(),
            client_id: (i % clients_n) as i64,
            due_date: chrono::NaiveDate::from_ymd_opt(
                2026,
                1 + (i % 12) as u32,
                1 + (i % 28) as u32,
            ),
            currency: Currency::PLN,
            outstanding: 10_000 + (i as i64 * 7919) % 1_000_000,
        })
        .collect();
    let payments: Vec<Payment> = (0..n)
        .map(|i| {
            let inv = &invoices[(i * 7) % n];
            let c = inv.client_id as usize;
            let (title, account, name) = match i % 3 {
                0 => (
                    format!("Zapłata za fakturę {}", inv.number.original()),
                    None,
                    None,
                ),
                1 => ("przelew".to_string(), Some(nrb(c)), None),
                _ => (
                    "usługi".to_string(),
                    None,
                    Some(format!(
                        "KLIENT {} HANDEL SERWIS {} SPÓŁKA Z O.O. UL. DŁUGA 1",
                        c,
                        c * 7 % 1000
                    )),
                ),
            };
            let amount = if i % 11 == 0 { 12_345 } else { inv.outstanding };
            Payment {
                booking_date: None,
                id: i as i64,
                amount,
                currency: Currency::PLN,
                title,
                counterparty_name: name,
                counterparty_address: None,
                counterparty_account: account,
            }
        })
        .collect();
    (payments, invoices, clients)
}

/// Precision, recall and wrong allocations on generated months, per class.
fn quality() {
    let mut total = scenario::Score::default();
    for seed in [1u64, 7, 42, 2026, 31337] {
        let s = scenario::generate(seed);
        let d = reconcile(&s.payments, &s.invoices, &s.clients, &s.context);
        let sc = scenario::score(&s, &d);
        eprintln!(
            "scenario seed {seed}: rows {}, allocatable {}, automatic {}, correct {}, wrong {}, precision {:.3}, recall {:.3}",
            sc.rows,
            sc.allocatable,
            sc.auto,
            sc.correct,
            sc.wrong,
            sc.precision(),
            sc.recall()
        );
        for (class, rows, ok, bad) in &sc.by_class {
            eprintln!("    {class:?}: rows {rows}, correct {ok}, wrong {bad}");
        }
        total.rows += sc.rows;
        total.allocatable += sc.allocatable;
        total.auto += sc.auto;
        total.correct += sc.correct;
        total.wrong += sc.wrong;
    }
    eprintln!(
        "scenario, all seeds: rows {}, wrong {}, precision {:.4}, recall {:.4}",
        total.rows,
        total.wrong,
        total.precision(),
        total.recall()
    );
}

fn benches(c: &mut Criterion) {
    quality();
    let mut g = c.benchmark_group("reconcile");
    g.sample_size(10);
    for n in [10_000usize, 20_000, 30_000, 100_000] {
        let (p, i, cl) = data(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| reconcile(black_box(&p), &i, &cl, &Context::default()))
        });
    }
    g.finish();
}

criterion_group!(reconcile_bench, benches);
criterion_main!(reconcile_bench);
