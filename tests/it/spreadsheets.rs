//! Spreadsheets: the committed XLSX/ODS fixtures are made here (XLSX) and by
//! fixtures/reports/make_text_fixtures.py (ODS); hostile workbooks are made on the fly.

use super::support::{TestStore, report};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Formula, Workbook};
use skarbnik::ingest::profile::Profile;
use skarbnik::ingest::stream::Event;
use skarbnik::ingest::{ParseContext, parse_report};

/// The columns of an ERP's sales register, as the test workbooks write them.
const REGISTER_HEADERS: [&str; 10] = [
    "Lp.",
    "Nr faktury",
    "Data wystawienia",
    "Termin płatności",
    "Nabywca",
    "NIP",
    "Netto",
    "VAT",
    "Brutto",
    "Waluta",
];

/// A sales register as an ERP exports it: a cover sheet, then the register with title rows above
/// the table, dates as date cells, as text and as a bare serial number, amounts as floats, and a
/// totals row computed by a formula (with its cached result, as Excel saves it).
fn sales_register_xlsx() -> Vec<u8> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2026, 4, 1).unwrap();
    wb.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let date = Format::new().set_num_format("dd.mm.yyyy");
    let money = Format::new().set_num_format("# ##0,00");
    let cover = wb.add_worksheet();
    cover.set_name("Informacje").unwrap();
    cover
        .write_string(0, 0, "Rejestr sprzedaży VAT wygenerowany przez system ERP")
        .unwrap();
    cover.write_string(1, 0, "Okres: marzec 2026").unwrap();
    let ws = wb.add_worksheet();
    ws.set_name("Rejestr").unwrap();
    ws.write_string(0, 0, "Rejestr sprzedaży VAT — marzec 2026")
        .unwrap();
    ws.write_string(1, 0, "Pracownia Skarbnik Sp. z o.o., NIP 526-526-01-88")
        .unwrap();
    for (c, h) in REGISTER_HEADERS.iter().enumerate() {
        ws.write_string(3, c as u16, *h).unwrap();
    }
    // (number, issue date, buyer, NIP, net, VAT, gross)
    type Line<'a> = (&'a str, (u16, u8, u8), &'a str, &'a str, f64, f64, f64);
    let rows: [Line<'_>; 4] = [
        (
            "FV/0320/2026",
            (2026, 3, 20),
            "KRAWIEC-TECH SP. Z O.O.",
            "526-104-08-28",
            1000.0,
            230.0,
            1230.0,
        ),
        (
            "FV/0321/2026",
            (2026, 3, 23),
            "Bud-Pol S.A.",
            "9510166135",
            2500.5,
            575.12,
            3075.62,
        ),
        (
            "FV/0322/2026",
            (2026, 3, 25),
            "Agencja Kreatywna „Pióro” s.c.",
            "7790308249",
            100.1,
            23.02,
            123.12,
        ),
        (
            "FV/0323/2026",
            (2026, 3, 31),
            "Ślusarstwo Kowalczyk sp. k.",
            "6346281947",
            0.1,
            0.2,
            0.30000000000000004,
        ),
    ];
    for (i, (num, (y, m, d), buyer, nip, net, vat, gross)) in rows.iter().enumerate() {
        let r = 4 + i as u32;
        ws.write_number(r, 0, (i + 1) as f64).unwrap();
        ws.write_string(r, 1, *num).unwrap();
        ws.write_datetime_with_format(r, 2, ExcelDateTime::from_ymd(*y, *m, *d).unwrap(), &date)
            .unwrap();
        match i {
            // Due date as text, as some exports write it.
            1 => ws.write_string(r, 3, "06.04.2026").map(|_| ()).unwrap(),
            // Due date as a bare serial number in a General cell (2026-04-14 = 46126).
            2 => ws.write_number(r, 3, 46126.0).map(|_| ()).unwrap(),
            _ => {
                let due = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                ws.write_datetime_with_format(r, 3, due, &date)
                    .map(|_| ())
                    .unwrap()
            }
        }
        ws.write_string(r, 4, *buyer).unwrap();
        ws.write_string(r, 5, *nip).unwrap();
        ws.write_number_with_format(r, 6, *net, &money).unwrap();
        ws.write_number_with_format(r, 7, *vat, &money).unwrap();
        ws.write_number_with_format(r, 8, *gross, &money).unwrap();
        ws.write_string(r, 9, "PLN").unwrap();
    }
    ws.write_string(8, 4, "Razem").unwrap();
    ws.write_formula(8, 8, Formula::new("=SUM(I5:I8)").set_result("4429.04"))
        .unwrap();
    wb.save_to_buffer().unwrap()
}

#[test]
fn xlsx_fixture_is_current() {
    let path = report("erp/rejestr-sprzedazy.xlsx");
    let fresh = sales_register_xlsx();
    if std::env::var_os("SKARBNIK_BLESS").is_some() || !path.exists() {
        std::fs::write(&path, &fresh).unwrap();
    }
    // The committed file parses to the same records as a freshly generated one.
    let profiles = Profile::load_all(None).unwrap();
    let ctx = ParseContext::default();
    let committed =
        parse_report("x.xlsx", &std::fs::read(&path).unwrap(), &profiles, &ctx).unwrap();
    let generated = parse_report("x.xlsx", &fresh, &profiles, &ctx).unwrap();
    assert_eq!(
        serde_json::to_value(&committed).unwrap(),
        serde_json::to_value(&generated).unwrap()
    );
}

#[test]
fn absurd_dimensions_are_refused_without_allocating() {
    // Cells only at A1 and XFD1048576: a dense read would allocate hundreds of GB.
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "Numer").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    assert!(bytes.len() < 20_000);
    let mut t = TestStore::new();
    let out = t.import_bytes("hostile.xlsx", &bytes);
    let e = out.error.expect("refused");
    assert!(
        e.cause.contains("is too large") && e.cause.contains("16384 columns"),
        "{e}"
    );
}

#[test]
fn truncated_xlsx_is_a_clear_refusal() {
    let bytes = sales_register_xlsx();
    let mut t = TestStore::new();
    let out = t.import_bytes("cut.xlsx", &bytes[..bytes.len() / 2]);
    let e = out.error.expect("refused");
    assert!(e.cause.starts_with("not a readable spreadsheet"), "{e}");
    assert_eq!(e.file, "cut.xlsx");
}

#[test]
fn corrupt_zip_named_xlsx_is_a_clear_refusal() {
    let mut t = TestStore::new();
    let out = t.import_bytes("garbage.xlsx", b"PK\x03\x04this is not a zip at all");
    assert!(
        out.error
            .expect("refused")
            .cause
            .starts_with("not a readable spreadsheet")
    );
}

#[test]
fn xlsx_errors_name_sheet_row_and_column_letter() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Należności").unwrap();
    for (c, h) in ["Numer faktury", "Kontrahent", "Termin płatności", "Brutto"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "FV/1/2026").unwrap();
    ws.write_string(1, 1, "Alfa").unwrap();
    ws.write_string(1, 2, "2026-04-01").unwrap();
    ws.write_string(1, 3, "sto złotych").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let mut t = TestStore::new();
    let e = t.import_bytes("lista.xlsx", &bytes).error.expect("refused");
    assert_eq!(
        e.to_string(),
        "lista.xlsx, sheet \"Należności\", row 2, column D (Brutto): cannot read \"sto złotych\" as an amount"
    );
}

/// A bank statement exported as XLSX by an online bank: a cover sheet, then the operations under
/// a title block, dates as date cells, amounts and balances as numbers; `bad_date_at`, when
/// given, is an operation whose date is text no one can read.
fn statement_xlsx(rows: usize, bad_date_at: Option<usize>) -> Vec<u8> {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let cover = wb.add_worksheet();
    cover.set_name("Informacje").unwrap();
    cover
        .write_string(
            0,
            0,
            "Historia rachunku wygenerowana w bankowości internetowej",
        )
        .unwrap();
    let ws = wb.add_worksheet();
    ws.set_name("Operacje").unwrap();
    ws.write_string(0, 0, "Historia operacji: 01.01.2026–31.12.2026")
        .unwrap();
    ws.write_string(1, 0, "Rachunek: PL55 1140 0000 9378 6579 7543 2319")
        .unwrap();
    let headers = [
        "Data księgowania",
        "Data waluty",
        "Nadawca / Odbiorca",
        "Numer konta",
        "Tytuł",
        "Kwota",
        "Waluta",
        "Saldo po operacji",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(3, c as u16, *h).unwrap();
    }
    let mut balance = 1000.0;
    for i in 0..rows {
        let r = 4 + i as u32;
        let day =
            ExcelDateTime::from_ymd(2026, 1 + (i * 12 / rows) as u8, 1 + (i % 28) as u8).unwrap();
        if bad_date_at == Some(i) {
            ws.write_string(r, 0, "31.02.2026").unwrap();
        } else {
            ws.write_datetime_with_format(r, 0, &day, &date).unwrap();
        }
        ws.write_datetime_with_format(r, 1, &day, &date).unwrap();
        ws.write_string(r, 2, "GĘŚLARZ I WSPÓLNICY SP.J.").unwrap();
        ws.write_string(r, 3, "61 1050 0000 0189 5559 7971 1471")
            .unwrap();
        ws.write_string(r, 4, format!("Zapłata za FV/{i}/2026"))
            .unwrap();
        let amount = 100.0 + (i % 900) as f64;
        balance += amount;
        ws.write_number(r, 5, amount).unwrap();
        ws.write_string(r, 6, "PLN").unwrap();
        ws.write_number(r, 7, balance).unwrap();
    }
    wb.save_to_buffer().unwrap()
}

#[test]
fn a_large_xlsx_statement_streams_row_by_row_and_a_late_bad_row_keeps_nothing() {
    const ROWS: usize = 30_000;
    let good = statement_xlsx(ROWS, None);
    assert!(good.len() > 1 << 20, "past the read-ahead: {}", good.len());
    let mut t = TestStore::new();

    let bad = statement_xlsx(ROWS, Some(ROWS - 3));
    let out = t.import_bytes("historia-zla.xlsx", &bad);
    let e = out.error.expect("refused");
    assert_eq!(e.sheet.as_deref(), Some("Operacje"), "{e:?}");
    assert_eq!(e.row, Some(ROWS - 3 + 5), "{e:?}");
    assert!(e.cause.contains("31.02.2026"), "{e:?}");
    assert_eq!(t.count("payments"), 0);

    // A row the file holds after a later one (no spreadsheet program writes that), near the
    // end where the rows already stream: refused naming it, nothing kept.
    let shuffled = {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&good)).unwrap();
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for i in 0..zip.len() {
            let mut member = zip.by_index(i).unwrap();
            let name = member.name().unwrap().to_string();
            let mut body = Vec::new();
            std::io::Read::read_to_end(&mut member, &mut body).unwrap();
            if name == "xl/worksheets/sheet2.xml" {
                let xml = String::from_utf8(body).unwrap();
                let a = xml.find("<row r=\"29000\"").unwrap();
                let b = xml.find("<row r=\"29001\"").unwrap();
                let c = b + xml[b..].find("</row>").unwrap() + "</row>".len();
                body =
                    format!("{}{}{}{}", &xml[..a], &xml[b..c], &xml[a..b], &xml[c..]).into_bytes();
            }
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut out, &body).unwrap();
        }
        out.finish().unwrap().into_inner()
    };
    let out = t.import_bytes("historia-przestawiona.xlsx", &shuffled);
    let e = out.error.expect("refused");
    assert_eq!(e.sheet.as_deref(), Some("Operacje"), "{e:?}");
    assert_eq!(e.row, Some(29_000), "{e:?}");
    assert!(
        e.cause
            .contains("row 29000 of the sheet comes after a later row"),
        "{e:?}"
    );
    assert!(
        e.cause
            .pl
            .contains("wiersz 29000 arkusza stoi w pliku po wierszu dalszym"),
        "{e:?}"
    );
    assert_eq!(t.count("payments"), 0);

    let out = t.import_bytes("historia.xlsx", &good);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.format.as_deref(), Some("xlsx"));
    assert_eq!(out.profile.as_deref(), Some("generic-statement"));
    assert_eq!(out.new, ROWS);
    assert_eq!(t.count("payments"), ROWS as i64);
    // Read as a stream: a head, batches of operations, a tail; never one whole report.
    let profiles = Profile::load_all(None).unwrap();
    let (mut batches, mut streamed, mut tail) = (0, 0, None);
    let mut input: &[u8] = &good;
    skarbnik::ingest::stream::parse_stream(
        "historia.xlsx",
        &mut input,
        &profiles,
        &ParseContext::default(),
        &mut |e| {
            match e {
                Event::Head(h) => assert_eq!((h.format.as_str(), batches), ("xlsx", 0)),
                Event::Rows(r) => {
                    batches += 1;
                    streamed += r.len();
                }
                Event::Tail(t) => tail = Some(t),
                Event::Whole(_) => panic!("read whole"),
            }
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(streamed, ROWS);
    assert!(batches > 10, "{batches}");
    let tail = tail.expect("a tail");
    assert_eq!(tail.tail.operations, ROWS);
    assert_eq!(tail.encoding, None);
    // The same operations as reading the workbook whole gives.
    let whole = parse_report("historia.xlsx", &good, &profiles, &ParseContext::default()).unwrap();
    let skarbnik::ingest::Records::Statement(whole) = whole.records else {
        panic!("a statement");
    };
    assert_eq!(whole.rows.len(), ROWS);
    let last = &whole.rows[ROWS - 1];
    let (title, amount, day): (String, i64, String) = t
        .store
        .conn()
        .query_row(
            "SELECT title, amount_minor, booking_date FROM payments WHERE source_row = ?1",
            [last.row as i64],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(title, last.title);
    assert_eq!(title, format!("Zapłata za FV/{}/2026", ROWS - 1));
    assert_eq!(rust_decimal::Decimal::new(amount, 2), last.amount);
    assert_eq!(day, last.booking_date.to_string());
}

/// An ERP's receivables register as XLSX, large enough to be past the read-ahead.
fn register_xlsx(rows: usize) -> Vec<u8> {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("dd.mm.yyyy");
    let ws = wb.add_worksheet();
    ws.set_name("Rejestr").unwrap();
    ws.write_string(0, 0, "Rejestr sprzedaży VAT — 2026")
        .unwrap();
    for (c, h) in REGISTER_HEADERS.iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    for i in 0..rows {
        let r = 3 + i as u32;
        let month = 1 + (i * 12 / rows) as u8;
        let issued = ExcelDateTime::from_ymd(2026, month, 1 + (i % 28) as u8).unwrap();
        let due = ExcelDateTime::from_ymd(2026, month, 1 + ((i + 14) % 28) as u8).unwrap();
        let net = 100.0 + (i * 7919 % 100_000) as f64 / 100.0;
        let vat = (net * 23.0).round() / 100.0;
        ws.write_number(r, 0, (i + 1) as f64).unwrap();
        ws.write_string(r, 1, format!("FV/{}/{month:02}/2026", i + 1))
            .unwrap();
        ws.write_datetime_with_format(r, 2, &issued, &date).unwrap();
        ws.write_datetime_with_format(r, 3, &due, &date).unwrap();
        ws.write_string(r, 4, format!("Klient {} Sp. z o.o.", i * 31 % 9_973))
            .unwrap();
        ws.write_string(r, 5, "5261040828").unwrap();
        ws.write_number(r, 6, net).unwrap();
        ws.write_number(r, 7, vat).unwrap();
        ws.write_number(r, 8, net + vat).unwrap();
        ws.write_string(r, 9, "PLN").unwrap();
    }
    wb.save_to_buffer().unwrap()
}

/// A workbook past the read-ahead that is not a statement is read whole once its container has
/// been checked (the check is not repeated), and one that inflates past the limit is refused as
/// a zip bomb, read as a stream or not.
#[test]
fn a_large_xlsx_register_is_read_whole_and_a_bomb_refused_when_streaming() {
    const ROWS: usize = 30_000;
    let bytes = register_xlsx(ROWS);
    assert!(
        bytes.len() > 1 << 20,
        "past the read-ahead: {}",
        bytes.len()
    );
    let profiles = Profile::load_all(None).unwrap();
    let stream = |ctx: &ParseContext| {
        let mut whole = None;
        let mut input: &[u8] = &bytes;
        skarbnik::ingest::stream::parse_stream(
            "rejestr.xlsx",
            &mut input,
            &profiles,
            ctx,
            &mut |e| {
                match e {
                    Event::Whole(p) => whole = Some(p),
                    other => panic!("streamed: {other:?}"),
                }
                Ok(())
            },
        )
        .map(|()| whole.expect("one whole report"))
    };
    let parsed = stream(&ParseContext::default()).unwrap();
    assert_eq!(parsed.format, "xlsx");
    let skarbnik::ingest::Records::Receivables(r) = &parsed.records else {
        panic!("a receivables list: {:?}", parsed.profile);
    };
    assert_eq!(r.rows.len(), ROWS);

    let mut tight = ParseContext::default();
    tight.sheet_limits.max_inflated = 4 << 20;
    let e = stream(&tight).unwrap_err();
    assert!(
        e.cause.contains("inflates to more than 4194304 bytes") && e.cause.contains("zip bomb"),
        "{e:?}"
    );
    assert!(e.cause.pl.contains("bomba zip"), "{e:?}");
    let whole = parse_report("rejestr.xlsx", &bytes, &profiles, &tight).unwrap_err();
    assert_eq!(whole.cause, e.cause);
}
