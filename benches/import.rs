//! End-to-end import benchmarks: bytes → parse → one SQLite transaction, on a fresh database file
//! per iteration. Figures are reported in the issue notes; no test asserts on time.
//!
//! - 100,000-row bank statement CSV in Windows-1250 (mBank "zestawienie" layout, with balances).
//! - 50,000-row receivables XLSX.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rust_decimal::Decimal;
use skarbnik::ingest::ParseContext;
use skarbnik::ingest::profile::Profile;
use skarbnik::services::import::Importer;
use skarbnik::store::Store;
use std::hint::black_box;

const CSV_ROWS: usize = 100_000;
const XLSX_ROWS: usize = 50_000;

/// A statement with realistic variety: incoming and outgoing, Polish titles, accounts, balances.
pub fn statement_csv(rows: usize) -> Vec<u8> {
    let mut s = String::with_capacity(rows * 200);
    s.push_str("#Klient;PRACOWNIA SKARBNIK SP. Z O.O.;\n#Za okres:;01.01.2026 - 31.12.2026;\n#Waluta;PLN;\n");
    s.push_str("#Numer rachunku;55 1140 0000 9378 6579 7543 2319;\n;\n#Saldo początkowe;1 000 000,00 PLN;\n;\n");
    s.push_str("#Data księgowania;#Data operacji;#Opis operacji;#Tytuł;#Nadawca/Odbiorca;#Numer konta;#Kwota;#Saldo po operacji;\n");
    let mut balance = Decimal::new(100_000_000, 2);
    for i in 0..rows {
        let day = 1 + (i % 28);
        let month = 1 + (i / 28) % 12;
        let incoming = i % 3 != 0;
        let amount = Decimal::new(((i * 7919) % 1_000_000) as i64 + 100, 2)
            * if incoming {
                Decimal::ONE
            } else {
                Decimal::NEGATIVE_ONE
            };
        balance += amount;
        let (kind, title, who) = if incoming {
            (
                "PRZELEW ZEWNĘTRZNY PRZYCHODZĄCY",
                format!("Zapłata za fakturę FV/{:04}/2026 dziękujemy", i % 10_000),
                format!(
                    "KLIENT NR {} SPÓŁKA Z O.O.  UL. ŁĄKOWA {} 00-001 WARSZAWA",
                    i % 5000,
                    i % 90
                ),
            )
        } else {
            (
                "PRZELEW ZEWNĘTRZNY WYCHODZĄCY",
                format!("Faktura kosztowa {}/2026 usługi", i),
                "DOSTAWCA USŁUG SP. Z O.O.".to_string(),
            )
        };
        s.push_str(&format!(
            "2026-{month:02}-{day:02};2026-{month:02}-{day:02};{kind};\"{title}\";\"{who}\";'78114020045260181590830166';{};{};\n",
            skarbnik::domain::format_pl(amount),
            skarbnik::domain::format_pl(balance)
        ));
    }
    s.push_str(&format!(
        ";;;;;;#Saldo końcowe;{};\n",
        skarbnik::domain::format_pl(balance)
    ));
    encoding_rs::WINDOWS_1250.encode(&s).0.into_owned()
}

pub fn receivables_xlsx(rows: usize) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    ws.write_string(0, 0, "Należności na dzień 31.12.2026")
        .unwrap();
    for (c, h) in [
        "Numer faktury",
        "Kontrahent",
        "NIP",
        "Data wystawienia",
        "Termin płatności",
        "Brutto",
        "Do zapłaty",
        "Waluta",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    for i in 0..rows {
        let r = 3 + i as u32;
        ws.write_string(r, 0, format!("FV/{i:06}/2026")).unwrap();
        ws.write_string(r, 1, format!("Klient {} Sp. z o.o.", i % 5000))
            .unwrap();
        ws.write_string(r, 2, "5261040828").unwrap();
        let d =
            rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 1 + (i % 12) as u8, 1 + (i % 28) as u8)
                .unwrap();
        ws.write_datetime_with_format(r, 3, &d, &date).unwrap();
        ws.write_datetime_with_format(r, 4, &d, &date).unwrap();
        let gross = ((i * 7919) % 1_000_000) as f64 / 100.0 + 1.0;
        ws.write_number(r, 5, gross).unwrap();
        ws.write_number(r, 6, gross).unwrap();
        ws.write_string(r, 7, "PLN").unwrap();
    }
    wb.save_to_buffer().unwrap()
}

/// An MT940 file with `n` operations in PKO BP's subfield style, balances that add up.
pub fn mt940(n: usize) -> Vec<u8> {
    let mut s = String::from(
        ":20:ST1\n:25:/PL90102000004875749118625276\n:28C:1\n:60F:C260101PLN1000000,00\n",
    );
    let mut balance = rust_decimal::Decimal::new(100_000_000, 2);
    for i in 0..n {
        let minor = ((i * 7919) % 1_000_000) as i64 + 100;
        let credit = i % 3 != 0;
        let a = rust_decimal::Decimal::new(minor, 2);
        balance += if credit { a } else { -a };
        let amount = a.to_string().replace('.', ",");
        s.push_str(&format!(
            ":61:2603120312{}N{amount}NTRFNONREF//{i:012}\n:86:020~00152~20FV/{:04}/2026 zapłata za u~21sługi~3010900000~310497465075291703~32ZAKŁAD USŁUGOWY ŻURAW JAN NO~33WAK\n",
            if credit { "C" } else { "D" },
            i % 10_000
        ));
    }
    s.push_str(&format!(
        ":62F:C260312PLN{}\n",
        balance.to_string().replace('.', ",")
    ));
    encoding_rs::ISO_8859_2.encode(&s).0.into_owned()
}

/// A 100-page statement printed as PDF (standard Helvetica), 40 operations a page, balances stated.
pub fn statement_pdf(pages: usize) -> Vec<u8> {
    let rows_per_page = 40;
    let mut objs: Vec<String> = vec![
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".into(),
    ];
    let pages_id = 2 + 2 * pages;
    let mut kids = Vec::new();
    let mut balance = rust_decimal::Decimal::new(100_000, 2);
    let fmt = |d: rust_decimal::Decimal| skarbnik::domain::format_pl(d);
    for p in 0..pages {
        let mut body = String::from("BT /F1 8 Tf\n");
        let mut put =
            |x: u32, y: u32, t: &str| body.push_str(&format!("1 0 0 1 {x} {y} Tm ({t}) Tj\n"));
        if p == 0 {
            put(40, 570, "Saldo poczatkowe: 1 000,00 PLN");
        }
        for (c, h) in [
            (40, "Data ksiegowania"),
            (130, "Tytul"),
            (330, "Nadawca / Odbiorca"),
            (520, "Kwota"),
            (620, "Saldo po operacji"),
        ] {
            put(c, 550, h);
        }
        for r in 0..rows_per_page {
            let i = p * rows_per_page + r;
            let a = rust_decimal::Decimal::new(((i * 7919) % 100_000) as i64 + 100, 2);
            balance += a;
            let y = 536 - 13 * r as u32;
            put(40, y, &format!("2026-04-{:02}", 1 + i % 28));
            put(130, y, &format!("Zaplata FV/{:04}/2026", i % 10_000));
            put(330, y, &format!("KLIENT {} SP. Z O.O.", i % 500));
            put(520, y, &fmt(a));
            put(620, y, &fmt(balance));
        }
        if p + 1 == pages {
            put(40, 20, &format!("Saldo koncowe: {} PLN", fmt(balance)));
        }
        body.push_str("ET");
        objs.push(format!(
            "<< /Length {} >>\nstream\n{body}\nendstream",
            body.len()
        ));
        objs.push(format!(
            "<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 842 595] /Resources << /Font << /F1 1 0 R >> >> /Contents {} 0 R >>",
            objs.len()
        ));
        kids.push(format!("{} 0 R", objs.len()));
    }
    objs.push(format!(
        "<< /Type /Pages /Kids [{}] /Count {pages} >>",
        kids.join(" ")
    ));
    objs.push(format!("<< /Type /Catalog /Pages {pages_id} 0 R >>"));
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).bytes());
    for off in offsets {
        out.extend(format!("{off:010} 00000 n \n").bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root {} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objs.len() + 1,
            objs.len()
        )
        .bytes(),
    );
    out
}

fn import_once(bytes: &[u8], name: &str, profiles: &[Profile], ctx: &ParseContext) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("bench.db")).unwrap();
    let importer = Importer {
        profiles,
        ctx,
        max_file_bytes: u64::MAX,
        actor: "bench",
        isolation: None,
        progress: None,
    };
    let out = importer
        .import_bytes(&mut store, name, bytes, None)
        .unwrap();
    assert!(out.error.is_none(), "{:?}", out.error);
    out.new
}

fn benches(c: &mut Criterion) {
    if let Ok(what) = std::env::var("SKARBNIK_PROFILE") {
        // A plain loop for `perf record`: SKARBNIK_PROFILE=csv|parse cargo bench --bench import
        let profiles = Profile::load_all(None).unwrap();
        let ctx = ParseContext::default();
        let csv = statement_csv(CSV_ROWS);
        if let Some(path) = what.strip_prefix("write:") {
            std::fs::write(path, &csv).unwrap();
            std::fs::write(format!("{path}.xlsx"), receivables_xlsx(XLSX_ROWS)).unwrap();
            std::fs::write(format!("{path}.pdf"), statement_pdf(100)).unwrap();
            return;
        }
        for _ in 0..3 {
            let t = std::time::Instant::now();
            if what == "parse" {
                black_box(
                    skarbnik::ingest::parse_report("bench.csv", &csv, &profiles, &ctx).unwrap(),
                );
            } else {
                import_once(&csv, "bench.csv", &profiles, &ctx);
            }
            eprintln!("{what}: {:?}", t.elapsed());
        }
        return;
    }
    let profiles = Profile::load_all(None).unwrap();
    let ctx = ParseContext::default();
    let csv = statement_csv(CSV_ROWS);
    assert_eq!(import_once(&csv, "bench.csv", &profiles, &ctx), CSV_ROWS);
    let mut g = c.benchmark_group("import");
    g.sample_size(10);
    g.throughput(Throughput::Elements(CSV_ROWS as u64));
    g.bench_function("bank_csv_cp1250_100k_rows", |b| {
        b.iter(|| import_once(black_box(&csv), "bench.csv", &profiles, &ctx))
    });
    let xlsx = receivables_xlsx(XLSX_ROWS);
    assert_eq!(import_once(&xlsx, "bench.xlsx", &profiles, &ctx), XLSX_ROWS);
    g.throughput(Throughput::Elements(XLSX_ROWS as u64));
    g.bench_function("receivables_xlsx_50k_rows", |b| {
        b.iter(|| import_once(black_box(&xlsx), "bench.xlsx", &profiles, &ctx))
    });
    let sta = mt940(CSV_ROWS);
    g.throughput(Throughput::Elements(CSV_ROWS as u64));
    g.bench_function("mt940_parse_100k_entries", |b| {
        b.iter(|| {
            skarbnik::ingest::parse_report("bench.sta", black_box(&sta), &profiles, &ctx).unwrap()
        })
    });
    // Past the read-ahead, so streamed: parsed a line at a time and stored a batch at a time.
    assert!(sta.len() > skarbnik::ingest::stream::HEAD_BYTES);
    assert_eq!(import_once(&sta, "bench.sta", &profiles, &ctx), CSV_ROWS);
    g.bench_function("mt940_import_100k_entries", |b| {
        b.iter(|| import_once(black_box(&sta), "bench.sta", &profiles, &ctx))
    });
    let pdf = statement_pdf(100);
    let parsed = skarbnik::ingest::parse_report("bench.pdf", &pdf, &profiles, &ctx).unwrap();
    match &parsed.records {
        skarbnik::ingest::Records::Statement(s) => assert_eq!(s.rows.len(), 4000),
        _ => panic!("not a statement"),
    }
    g.throughput(Throughput::Elements(100));
    g.bench_function("pdf_statement_100_pages", |b| {
        b.iter(|| {
            skarbnik::ingest::parse_report("bench.pdf", black_box(&pdf), &profiles, &ctx).unwrap()
        })
    });
    g.finish();
}

criterion_group!(import, benches);
criterion_main!(import);
