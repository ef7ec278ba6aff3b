//! Spreadsheets: the committed XLSX/ODS fixtures are made here (XLSX) and by
//! fixtures/reports/make_text_fixtures.py (ODS); hostile workbooks are made on the fly.

use super::support::{TestStore, report};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Formula, Workbook};
use skarbnik::ingest::profile::Profile;
use skarbnik::ingest::{ParseContext, parse_report};

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
    let headers = [
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
    for (c, h) in headers.iter().enumerate() {
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
