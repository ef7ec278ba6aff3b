//! Import semantics against a real SQLite file: idempotency, overlaps, updates, refusals.

use super::support::{TestStore, report};
use skarbnik::store::{InvoiceStatus, PaymentStatus};

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(report(rel)).unwrap()
}

#[test]
fn same_file_twice_adds_nothing() {
    let mut t = TestStore::new();
    let first = t.import_path(&report("mbank/zestawienie-operacji.csv"));
    assert_eq!(
        (first.rows_read, first.new, first.known),
        (8, 8, 0),
        "{first:?}"
    );
    let again = t.import_path(&report("mbank/zestawienie-operacji.csv"));
    assert_eq!(again.duplicate_of, first.report_id);
    assert_eq!((again.new, again.known), (0, 0));
    assert_eq!(t.count("payments"), 8);
    assert_eq!(t.count("reports"), 1);
}

#[test]
fn identical_rows_in_one_statement_are_both_kept() {
    let mut t = TestStore::new();
    t.import_path(&report("mbank/zestawienie-operacji.csv"));
    let n: i64 = t
        .store
        .conn()
        .query_row("SELECT COUNT(*) FROM payments WHERE title = 'abonament marzec' AND amount_minor = 9900", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);
}

/// A statement for a later period that repeats the last days of the earlier one (as people export
/// "last 30 days" twice) adds only its new rows; its own duplicate pair stays two rows.
#[test]
fn overlapping_statement_adds_only_new_rows() {
    let mut t = TestStore::new();
    let march = String::from_utf8(
        encoding_rs::WINDOWS_1250
            .decode(&read("mbank/zestawienie-operacji.csv"))
            .0
            .into_owned()
            .into_bytes(),
    )
    .unwrap();
    t.import_bytes("march.csv", march.as_bytes());
    // The overlap: same header and the last four rows of March, plus two April rows.
    let header_end = march.find("2026-03-02;").unwrap();
    let head = &march[..header_end].replace(
        "#Saldo początkowe;10 000,00 PLN;",
        "#Saldo początkowe;25 735,00 PLN;",
    );
    let overlap: String = march
        .lines()
        .filter(|l| l.starts_with("2026-03-20") || l.starts_with("2026-03-25"))
        .map(|l| format!("{l}\n"))
        .collect();
    let april = "2026-04-01;2026-04-01;PRZELEW ZEWNĘTRZNY PRZYCHODZĄCY;\"FV/0320/2026\";\"NOWY KLIENT\";'';100,00;21 033,00;\n\
                 2026-04-01;2026-04-01;PRZELEW ZEWNĘTRZNY PRZYCHODZĄCY;\"FV/0321/2026\";\"NOWY KLIENT\";'';200,00;21 233,00;\n";
    let second = format!("{head}{overlap}{april};;;;;;#Saldo końcowe;21 233,00;\n");
    let out = t.import_bytes("march-april.csv", second.as_bytes());
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!((out.rows_read, out.new, out.known), (5, 2, 3), "{out:?}");
    assert_eq!(t.count("payments"), 10);
}

#[test]
fn refused_file_writes_nothing_but_the_refusal() {
    let mut t = TestStore::new();
    let out = t.import_path(&report("bad/balance-mismatch.csv"));
    let e = out.error.expect("must be refused");
    assert!(e.cause.contains("balances do not add up"), "{e}");
    assert_eq!(e.row, Some(23));
    assert_eq!(t.count("payments"), 0);
    let (outcome, detail): (String, String) = t
        .store
        .conn()
        .query_row("SELECT outcome, detail FROM reports", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(outcome, "refused");
    assert!(detail.contains("row 23"), "{detail}");
    // A refused file may be tried again (e.g. after a profile is added): not taken as a duplicate.
    let again = t.import_path(&report("bad/balance-mismatch.csv"));
    assert!(again.error.is_some() && again.duplicate_of.is_none());
}

#[test]
fn receivables_create_clients_and_invoices() {
    let mut t = TestStore::new();
    let out = t.import_path(&report("erp/subiekt-rozrachunki.csv"));
    assert_eq!((out.rows_read, out.new), (9, 9), "{out:?}");
    // "BUD-POL S.A." and "Bud-Pol Spółka Akcyjna" with the same NIP are one client.
    assert_eq!(t.count("clients"), 8);
    let invoices = t.store.invoices(None).unwrap();
    let pioro = invoices
        .iter()
        .find(|i| i.number == "FV/0315/2026")
        .unwrap();
    assert_eq!(
        (
            pioro.gross.to_string(),
            pioro.paid.to_string(),
            pioro.outstanding.to_string()
        ),
        ("6150.00".into(), "2000.00".into(), "4150.00".into())
    );
    assert_eq!(pioro.status, InvoiceStatus::Partial);
    let bad_nip: (String, bool) = t
        .store
        .conn()
        .query_row(
            "SELECT nip, nip_valid FROM clients WHERE name = 'Nowa Firma Testowa'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(bad_nip, ("123-456-78-90".to_string(), false));
}

#[test]
fn resent_receivables_list_updates_instead_of_duplicating() {
    let mut t = TestStore::new();
    let list = "Numer faktury;Kontrahent;NIP;Termin płatności;Brutto\n\
                FV/1/2026;Alfa Sp. z o.o.;5261040828;2026-04-01;1 230,00\n\
                FV/2/2026;Beta S.A.;9510166135;2026-04-02;615,00\n";
    let first = t.import_bytes("lista-1.csv", list.as_bytes());
    assert_eq!(first.new, 2);
    // Re-sent a week later: FV/1 got a new due date, FV/2 a corrected amount, number spelled with spaces.
    let resent = "Numer faktury;Kontrahent;NIP;Termin płatności;Brutto\n\
                  FV/1/2026;ALFA SP. Z O.O.;5261040828;2026-04-15;1 230,00\n\
                  FV / 2 / 2026;Beta S.A.;9510166135;2026-04-02;600,00\n\
                  FV/3/2026;Beta S.A.;9510166135;2026-04-20;100,00\n";
    let second = t.import_bytes("lista-2.csv", resent.as_bytes());
    assert_eq!(
        (second.new, second.updated, second.known),
        (1, 2, 0),
        "{second:?}"
    );
    assert_eq!(t.count("invoices"), 3);
    assert_eq!(t.count("clients"), 2);
    let invoices = t.store.invoices(None).unwrap();
    let fv1 = invoices.iter().find(|i| i.number == "FV/1/2026").unwrap();
    assert_eq!(fv1.due_date.as_deref(), Some("2026-04-15"));
    let fv2 = invoices
        .iter()
        .find(|i| i.number == "FV / 2 / 2026")
        .unwrap();
    assert_eq!(fv2.gross.to_string(), "600.00");
    let audit = t.store.audit_log(50).unwrap();
    let update = audit
        .iter()
        .find(|a| {
            a.action == "invoice.updated" && a.subject.as_deref() == Some("invoice:FV/1/2026")
        })
        .unwrap();
    assert_eq!(
        update.detail.as_deref(),
        Some("due_date 2026-04-01 → 2026-04-15")
    );
    // The same list a third time changes nothing.
    let third = t.import_bytes("lista-2-copy.csv", format!("{resent}\n").as_bytes());
    assert_eq!(
        (third.new, third.updated, third.known),
        (0, 0, 3),
        "{third:?}"
    );
}

#[test]
fn outgoing_fees_and_internal_moves_are_never_customer_payments() {
    let mut t = TestStore::new();
    t.import_path(&report("mbank/zestawienie-operacji.csv"));
    t.import_path(&report("pekao/historia-operacji.csv"));
    let all = t.store.payments(None).unwrap();
    let ignored: Vec<_> = all
        .iter()
        .filter(|p| p.status == PaymentStatus::Ignored)
        .map(|p| (p.kind.as_str(), p.amount.to_string()))
        .collect();
    assert_eq!(
        ignored,
        vec![
            ("fee", "-25.00".to_string()),
            ("outgoing", "-4920.00".to_string()),
            ("vat_leg", "460.00".to_string()),
            ("outgoing", "-1234.00".to_string()),
            ("internal", "-5000.00".to_string()),
        ]
    );
    let unmatched = t.store.payments(Some(PaymentStatus::Unmatched)).unwrap();
    assert_eq!(unmatched.len(), 6);
    assert!(unmatched.iter().all(|p| p.kind == "incoming"));
}

#[test]
fn oversized_file_is_refused_before_reading() {
    let mut t = TestStore::new();
    let path = t.dir.path().join("big.csv");
    std::fs::write(&path, vec![b'a'; 6_000_000]).unwrap();
    let out = t.import_path(&path);
    let e = out.error.expect("refused");
    assert!(e.cause.contains("over the limit of 5000000 bytes"), "{e}");
}

#[test]
fn every_fixture_imports_or_is_refused_cleanly() {
    let mut t = TestStore::new();
    let mut files = Vec::new();
    for dir in std::fs::read_dir(super::support::fixtures().join("reports")).unwrap() {
        let dir = dir.unwrap().path();
        if dir.is_dir() {
            for f in std::fs::read_dir(&dir).unwrap() {
                let f = f.unwrap().path();
                let name = f.to_string_lossy().to_string();
                if !name.ends_with(".json") && !name.ends_with(".failed") {
                    files.push(f);
                }
            }
        }
    }
    files.sort();
    for f in &files {
        let out = t.import_path(f);
        let is_bad = f.parent().unwrap().ends_with("bad");
        assert_eq!(
            out.error.is_some(),
            is_bad,
            "{}: {:?}",
            f.display(),
            out.error
        );
    }
    // Twice: nothing new anywhere.
    let before = (t.count("payments"), t.count("invoices"), t.count("clients"));
    for f in &files {
        let out = t.import_path(f);
        assert_eq!(out.new, 0, "{}", f.display());
    }
    assert_eq!(
        before,
        (t.count("payments"), t.count("invoices"), t.count("clients"))
    );
}

#[test]
fn ksef_correction_adjusts_the_invoice_it_corrects() {
    let mut t = TestStore::new();
    // The correction first: refused (nothing lost: the sender can send it again), nothing written.
    let early = t.import_path(&report("ksef/fa3-korekta.xml"));
    let e = early.error.expect("refused");
    assert!(
        e.cause.contains("FV/0330/2026, which is not known yet"),
        "{e}"
    );
    assert_eq!(t.count("invoices"), 0);
    // The invoice, then the correction.
    let inv = t.import_path(&report("ksef/fa3-vat.xml"));
    assert_eq!(inv.new, 1);
    let kor = t.import_path(&report("ksef/fa3-korekta.xml"));
    assert!(kor.error.is_none(), "{:?}", kor.error);
    assert_eq!(kor.updated, 1);
    let list = t.store.invoices(None).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].gross.to_string(), "1660.50");
    let audit = t.store.audit_log(20).unwrap();
    assert!(audit.iter().any(|a| a.action == "invoice.corrected"
        && a.detail.as_deref() == Some("gross 1845.00 → 1660.50 by correction KOR/04/2026/01")));
    // The same correction again in other bytes (downloaded once more, forwarded by the
    // accountant), then the corrected invoice itself, which states its gross as issued: each is
    // known, and the gross stays corrected once.
    for fixture in ["ksef/fa3-korekta.xml", "ksef/fa3-vat.xml"] {
        let mut again = std::fs::read(report(fixture)).unwrap();
        again.extend_from_slice(b"\n<!-- pobrano ponownie z KSeF -->\n");
        let o = t.import_bytes("ponownie.xml", &again);
        assert!(o.error.is_none(), "{fixture}: {:?}", o.error);
        assert_eq!((o.known, o.updated), (1, 0), "{fixture}");
        assert_eq!(
            t.store.invoices(None).unwrap()[0].gross.to_string(),
            "1660.50",
            "after {fixture}"
        );
    }
    // The e-mail from KSeF becomes a reminder address for the client.
    let emails: i64 = t
        .store
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM client_emails WHERE email = 'ksiegowosc@krawiec-tech.test'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(emails, 1);
    // A cost invoice where we are the buyer adds nothing.
    let cost = t.import_path(&report("ksef/fa3-koszt-my-nabywca.xml"));
    assert_eq!((cost.new, cost.skipped), (0, 1));
    assert_eq!(t.count("invoices"), 1);
}

/// A register lists corrections as rows naming the invoice they correct, before or after it:
/// each changes its invoice once, however often the register comes; one whose invoice is unknown
/// is skipped with a warning, and the rest of the register is imported.
#[test]
fn corrections_in_a_register_change_their_invoices_once() {
    let mut t = TestStore::new();
    let register = "Numer;Faktura korygowana;Kontrahent;NIP;Data wystawienia;Termin płatności;Brutto\n\
        KOR 1/11/2026;FV 1/11/2026;ACME Sp. z o.o.;526-104-08-28;2026-11-05;;-246,00\n\
        FV 1/11/2026;;ACME Sp. z o.o.;526-104-08-28;2026-11-02;2026-11-16;1 230,00\n\
        FV 2/11/2026;;ACME Sp. z o.o.;526-104-08-28;2026-11-03;2026-11-17;615,00\n\
        KOR 2/11/2026;FV 99/10/2026;ACME Sp. z o.o.;526-104-08-28;2026-11-06;;-100,00\n";
    let first = t.import_bytes("rejestr.csv", register.as_bytes());
    assert!(first.error.is_none(), "{:?}", first.error);
    assert_eq!((first.new, first.updated, first.skipped), (2, 1, 1));
    assert!(
        first.warnings.iter().any(|w| w
            .en
            .contains("row 5: correction KOR 2/11/2026 is for invoice FV 99/10/2026")
            && w.pl.contains("korekta KOR 2/11/2026")),
        "{:?}",
        first.warnings
    );
    let gross = |t: &TestStore, n: &str| {
        t.store
            .invoices(None)
            .unwrap()
            .into_iter()
            .find(|i| i.number == n)
            .map(|i| i.gross.to_string())
    };
    assert_eq!(gross(&t, "FV 1/11/2026").as_deref(), Some("984.00"));
    assert_eq!(gross(&t, "FV 2/11/2026").as_deref(), Some("615.00"));
    assert_eq!(
        gross(&t, "KOR 1/11/2026"),
        None,
        "a correction is not an invoice"
    );
    // The register again a week later, with one more invoice: the correction is known.
    let later = format!(
        "{register}FV 3/11/2026;;ACME Sp. z o.o.;526-104-08-28;2026-11-10;2026-11-24;99,00\n"
    );
    let second = t.import_bytes("rejestr-2.csv", later.as_bytes());
    assert!(second.error.is_none(), "{:?}", second.error);
    assert_eq!((second.new, second.updated), (1, 0));
    assert_eq!(gross(&t, "FV 1/11/2026").as_deref(), Some("984.00"));
}

/// pdf-extract panics on a font with an unknown /Encoding name; the panic is contained, poppler's
/// text is used instead, and the import goes on in the same process.
#[test]
fn a_pdf_that_panics_pdf_extract_is_read_by_poppler() {
    let bytes = std::fs::read(report("pdf/naleznosci-nieznane-kodowanie.pdf")).unwrap();
    let structure = skarbnik::ingest::pdf::check(&bytes, 256 << 20).unwrap();
    let (texts, notes) = skarbnik::ingest::pdf::texts(&bytes, &structure);
    assert!(
        notes.iter().any(|n| n.contains("pdf-extract panicked")),
        "{notes:?}"
    );
    assert_eq!(
        texts.iter().map(|(name, _)| *name).collect::<Vec<_>>(),
        vec!["pdftotext"]
    );
    let mut t = TestStore::new();
    let out = t.import_path(&report("pdf/naleznosci-nieznane-kodowanie.pdf"));
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.new, 3);
    let next = t.import_path(&report("pdf/wyciag.pdf"));
    assert_eq!((next.new, next.error.is_none()), (3, true));
}

/// A scan (our own statement rendered at 300 dpi with noise and a 0.4° skew, no text layer) is
/// read by OCR: every date, amount and invoice number equals the text PDF's, the balances add
/// up, and the import says OCR was used.
#[test]
fn a_scanned_statement_is_read_by_ocr_as_the_text_pdf_is() {
    let rows = |rel: &str| {
        let mut t = TestStore::new();
        let out = t.import_path(&report(rel));
        assert!(out.error.is_none(), "{rel}: {:?}", out.error);
        let mut v: Vec<(String, i64, String)> = t
            .store
            .conn()
            .prepare("SELECT booking_date, amount_minor, title FROM payments ORDER BY booking_date, amount_minor")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        // The invoice numbers in the titles, not the rest of the words.
        for r in &mut v {
            r.2 =
                r.2.split_whitespace()
                    .filter(|w| w.contains('/'))
                    .collect::<Vec<_>>()
                    .join(" ");
        }
        (v, out)
    };
    let (text, _) = rows("pdf/wyciag.pdf");
    let (scan, out) = rows("pdf/skan-wyciag.pdf");
    assert_eq!(scan, text);
    assert_eq!(out.encoding.as_deref(), Some("tesseract"));
    assert!(
        out.warnings
            .iter()
            .any(|w| w.pl.contains("odczytano go przez OCR")),
        "{:?}",
        out.warnings
    );
}

#[test]
fn a_scanned_pdf_is_refused_with_a_reason() {
    let mut t = TestStore::new();
    let out = t.import_path(&report("bad/pdf-bez-tekstu.pdf"));
    assert!(
        out.error
            .unwrap()
            .cause
            .starts_with("the PDF has no text layer")
    );
}

#[test]
fn no_row_vanishes_without_a_located_word() {
    let mut t = TestStore::new();
    // A date the parser cannot read, in a row with an amount: refused, naming row and column.
    let o = t.import_bytes(
        "data.csv",
        "Data księgowania;Kontrahent;Tytuł;Kwota\n2026-01-02;ACME;FV 1;100,00\n-2026-01-01;ACME;FV 2;100,00\n"
            .as_bytes(),
    );
    let e = o.error.expect("refused");
    assert_eq!(
        (e.row, e.column.as_deref()),
        (Some(3), Some("1 (Data księgowania)")),
        "{e}"
    );
    assert!(e.cause.contains("\"-2026-01-01\""), "{e}");
    // An unclosed quote swallowing the rest of a large file: refused, naming where it opened.
    let mut big = String::from("Data księgowania;Kontrahent;Tytuł;Kwota\n");
    for i in 0..50_000 {
        big.push_str(&format!("2026-01-02;ACME;FV {i};100,00\n"));
        if i == 1000 {
            big.push_str("2026-01-02;\"ACME;FV x;100,00\n");
        }
    }
    let o = t.import_bytes("quote.csv", big.as_bytes());
    let e = o.error.expect("refused");
    assert_eq!(e.row, Some(1003), "{e}");
    assert!(e.cause.contains("never closed"), "{e}");
    // An invoice number without an amount at the end of a list is said, not dropped.
    let o = t.import_bytes(
        "lista.csv",
        "Numer;Kontrahent;Termin płatności;Brutto\nFV/1/2026;ACME;2026-01-10;100,00\nFV/2/2026;ACME;2026-01-11;\n"
            .as_bytes(),
    );
    assert!(o.error.is_none(), "{o:?}");
    assert!(
        o.warnings
            .iter()
            .any(|w| w.contains("row 3") && w.contains("FV/2/2026") && w.contains("no amount")),
        "{:?}",
        o.warnings
    );
    assert_eq!(t.count("payments"), 0);
}

/// An MT942 interim report makes the day's payments known at once; the evening's MT940 of the
/// same day adds only what the interim report did not have.
#[test]
fn an_intraday_mt942_and_the_days_mt940_count_each_payment_once() {
    let mut t = TestStore::new();
    let interim = t.import_path(&report("mt940/mbank-mt942-intraday.sta"));
    assert!(interim.error.is_none(), "{:?}", interim.error);
    assert_eq!((interim.rows_read, interim.new), (2, 2), "{interim:?}");
    let day = t.import_path(&report("mt940/mbank-mt940-same-day.sta"));
    assert!(day.error.is_none(), "{:?}", day.error);
    assert_eq!(
        (day.rows_read, day.new, day.known),
        (3, 1, 2),
        "only the fee is new: {day:?}"
    );
    assert_eq!(t.count("payments"), 3);
    // An interim report whose stated sums disagree with its operations is refused.
    let bytes = read("mt940/mbank-mt942-intraday.sta");
    let text = encoding_rs::WINDOWS_1250
        .decode(&bytes)
        .0
        .replace(":90C:2PLN1722,00", ":90C:2PLN1723,00");
    let (wrong, _, _) = encoding_rs::WINDOWS_1250.encode(&text);
    let out = t.import_bytes("mt942-wrong.sta", &wrong);
    let e = out.error.expect("refused").to_string();
    assert!(
        e.contains(":90C:") && e.contains("states 2 credits of 1723.00 but holds 2 of 1722.00"),
        "{e}"
    );
}

/// A balance ends at its line end: the tag after it, written without its colon ("86:…"), is not
/// read as part of the closing balance.
#[test]
fn a_tag_without_its_colon_after_the_closing_balance() {
    let mut t = TestStore::new();
    let out = t.import_path(&report("mt940/pocztowy-tag-without-colon.mt940"));
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.rows_read, 2);
}

/// The same day's operations as an mBank CSV and as MT940/MT942 (one identifies them by date,
/// amount, counterparty and title, the other by the bank's reference): each operation is stored
/// once whichever comes first, and two identical transfers stay two.
#[test]
fn the_same_days_csv_and_mt940_count_each_operation_once() {
    let csv = "mbank/zestawienie-dnia-30-11.csv";
    // The intraday MT942 (1230.00 and 492.00), then the CSV (1230.00 and 492.00 twice).
    let mut t = TestStore::new();
    let interim = t.import_path(&report("mt940/mbank-mt942-intraday.sta"));
    assert_eq!(interim.new, 2, "{interim:?}");
    let day = t.import_path(&report(csv));
    assert!(day.error.is_none(), "{:?}", day.error);
    assert_eq!((day.rows_read, day.new, day.known), (3, 1, 2), "{day:?}");
    let said = day
        .warnings
        .iter()
        .map(|w| w.pl.clone())
        .collect::<Vec<_>>();
    assert!(
        said.iter()
            .any(|w| w.contains("z innego wyciągu tego rachunku") && w.contains(": 2;")),
        "{said:?}"
    );
    // The evening's MT940 knows its two by their references; only the fee is new.
    let evening = t.import_path(&report("mt940/mbank-mt940-same-day.sta"));
    assert_eq!((evening.new, evening.known), (1, 2), "{evening:?}");
    assert_eq!(t.count("payments"), 4);
    assert_eq!(
        t.scalar("SELECT SUM(amount_minor) FROM payments WHERE kind = 'incoming'"),
        123_000 + 49_200 + 49_200
    );

    // The other way round: the CSV first, the MT940 after it.
    let mut t = TestStore::new();
    assert_eq!(t.import_path(&report(csv)).new, 3);
    let evening = t.import_path(&report("mt940/mbank-mt940-same-day.sta"));
    assert_eq!((evening.new, evening.known), (1, 2), "{evening:?}");
    assert_eq!(t.count("payments"), 4);
    // And again, in other bytes (forwarded): nothing more.
    let bytes = read("mt940/mbank-mt940-same-day.sta");
    let again = t.import_bytes("forwarded.sta", &[bytes.as_slice(), b"\r\n"].concat());
    assert!(again.error.is_none(), "{:?}", again.error);
    assert_eq!(again.new, 0, "{again:?}");
    assert_eq!(t.count("payments"), 4);
}
