//! Subscription invoicing through the binary: a subscriptions list refused row by row, a month of
//! daily daemon rounds issuing exactly the expected invoices (with an outage and restarts), every
//! FA(3) XML valid against the official schema, the PDF read back and rendered, a UPO mailed
//! back attaching the KSeF number, a crash before the commit, and a correction.

use super::dunning::Env;
use std::path::{Path, PathBuf};
use std::process::Command;

pub(super) const CONFIG: &str = r#"
[company]
name = "Pracownia Skarbnik Sp. z o.o."
nip = "5265260188"
accounts = ["PL55114000009378657975432319"]
address = "ul. Szkolna 1"
city = "00-950 Warszawa"

[import]
isolate = false

[smtp]
from = "Faktury <faktury@moja.test>"
archive_bcc = "archiwum@moja.test"

[staff]
addresses = ["szef@moja.test"]

[reports]
weekly = false
monthly = false

[billing]
enabled = true
accounting = ["ksiegowa@biuro.test"]
"#;

pub(super) fn list() -> PathBuf {
    super::support::fixtures().join("billing/abonamenty.csv")
}

/// The official FA(3) schema, vendored.
pub(super) fn schema() -> PathBuf {
    super::support::fixtures().join("schemas/ksef/schemat_FA(3)_v1-0E.local.xsd")
}

/// Validates XML files against the FA(3) schema with xmllint (libxml2-utils).
pub(super) fn assert_schema_valid(files: &[PathBuf]) {
    assert!(!files.is_empty(), "no XML to validate");
    let o = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema())
        .args(files)
        .output()
        .expect("xmllint (Debian: libxml2-utils, installed by .ci/test)");
    assert!(
        o.status.success(),
        "schema errors:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn files_in(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_in(&p, ext));
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn outbox(env: &Env, now: &str, purpose: &str) -> Vec<serde_json::Value> {
    let v = env.json(&["outbox", "--json", "--limit", "10000"], now);
    let mut out: Vec<serde_json::Value> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["purpose"] == purpose)
        .cloned()
        .collect();
    out.sort_by_key(|m| m["id"].as_i64());
    out
}

fn issued(env: &Env, now: &str) -> Vec<(String, String, String)> {
    let v = env.json(&["invoices", "--json"], now);
    let mut out: Vec<(String, String, String)> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["source"] == "issued")
        .map(|i| {
            (
                i["number"].as_str().unwrap().to_string(),
                i["client"].as_str().unwrap().to_string(),
                i["gross"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_fa3_fixture_is_schema_valid() {
    let dir = super::support::fixtures().join("reports/ksef");
    let files: Vec<PathBuf> = files_in(&dir, "xml")
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("fa3-"))
        })
        .collect();
    assert_eq!(files.len(), 5);
    assert_schema_valid(&files);
}

#[test]
fn a_subscriptions_list_is_refused_row_by_row_naming_row_and_column() {
    let env = Env::new(CONFIG);
    let out = env.json(
        &[
            "subscriptions",
            "import",
            "--json",
            list().to_str().unwrap(),
        ],
        "2026-10-30T09:00:00Z",
    );
    let f = &out["files"][0];
    assert_eq!(f["kind"], "subscriptions", "{f}");
    assert_eq!(f["new"], 7, "{f}");
    assert_eq!(f["skipped"], 6, "{f}");
    let warnings: Vec<String> = f["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["pl"].as_str().unwrap().to_string())
        .collect();
    for (row, column, why) in [
        (9, "„NIP” (3)", "1234567890"),
        (10, "„Stawka VAT” (12)", "22%"),
        (11, "„Cykl” (14)", "tygodniowo"),
        (12, "„Cena netto (PLN)” (11)", "ujemna"),
        (13, "„Do” (17)", "przed datą rozpoczęcia"),
        (14, "„Adres” (4)", "brak adresu"),
    ] {
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with(&format!("wiersz {row} "))
                    && w.contains(column)
                    && w.contains(why)),
            "row {row} {column} {why} not in {warnings:#?}"
        );
    }
    // Sent again: nothing doubles, nothing changes.
    let again = env.json(
        &["import", "--json", list().to_str().unwrap()],
        "2026-10-30T09:00:00Z",
    );
    assert_eq!(again["files"][0]["duplicate_of"], f["report_id"]);
    let subs = env.json(&["subscription", "list", "--json"], "2026-10-30T09:00:00Z");
    assert_eq!(subs.as_array().unwrap().len(), 7);
    let paused: Vec<&serde_json::Value> = subs
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "paused")
        .collect();
    assert_eq!(paused.len(), 1);
    assert_eq!(paused[0]["client"], "Wstrzymany Klient S.A.");
}

/// Days from `from` to `to`, inclusive, as `YYYY-MM-DDT09:00:00Z` (10:00 in Warsaw).
fn days(from: &str, to: &str) -> Vec<String> {
    let mut d: chrono::NaiveDate = from.parse().unwrap();
    let end: chrono::NaiveDate = to.parse().unwrap();
    let mut out = Vec::new();
    while d <= end {
        out.push(format!("{d}T09:00:00Z"));
        d = d.succ_opt().unwrap();
    }
    out
}

fn pdftotext(pdf: &Path) -> String {
    let o = Command::new("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(o.status.success());
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Renders the first page to PNG with pdftoppm and counts the dark pixels: a blank or broken
/// page has none.
fn dark_pixels(pdf: &Path, dir: &Path) -> usize {
    let prefix = dir.join("page");
    let o = Command::new("pdftoppm")
        .args(["-png", "-r", "50", "-f", "1", "-l", "1", "-gray"])
        .arg(pdf)
        .arg(&prefix)
        .output()
        .expect("pdftoppm (poppler-utils)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let png = files_in(dir, "png").pop().expect("a PNG page");
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf[..info.buffer_size()]
        .iter()
        .filter(|p| **p < 128)
        .count()
}

/// A month of daily rounds (with restarts, and an outage from the 13th to the 21st): each
/// subscription's periods are invoiced exactly once, in number order without gaps, the missed
/// ones after the outage once each, stating their period; the paused one never.
#[test]
fn a_month_of_daily_rounds_issues_exactly_the_expected_invoices() {
    let env = Env::new(CONFIG);
    env.ok(
        &["subscriptions", "import", list().to_str().unwrap()],
        "2026-10-30T09:00:00Z",
    );
    let mut rounds = days("2026-11-01", "2026-11-12");
    rounds.extend(days("2026-11-22", "2026-12-01"));
    for now in &rounds {
        env.ok(&["run", "--once"], now);
        if now.starts_with("2026-11-05") || now.starts_with("2026-11-30") {
            // A restart the same day issues nothing again.
            env.ok(&["run", "--once"], &now.replace("T09", "T13"));
        }
    }
    let end = "2026-12-01T12:00:00Z";
    let got = issued(&env, end);
    let want = [
        ("FV/1/11/2026", "Krawiec-Tech Sp. z o.o.", "245.99"), // Hosting Pro, November
        ("FV/1/12/2026", "Krawiec-Tech Sp. z o.o.", "245.99"), // … and December
        ("FV/2/11/2026", "Hurtownia Mleczarz Sp. j.", "1108.23"), // September, late
        ("FV/3/11/2026", "Hurtownia Mleczarz Sp. j.", "1108.23"), // October, late
        ("FV/4/11/2026", "Drukarnia Offset Sp. z o.o.", "984.00"), // Sep 5 – Nov 4, in arrears
        ("FV/5/11/2026", "Akademia Wiedzy Sp. z o.o.", "900.00"), // quarter from Nov 15, zw
        ("FV/6/11/2026", "Pracownia Ceramiki Glina", "147.60"), // year from Nov 20
        ("FV/7/11/2026", "Biuro Rachunkowe Sowa s.c.", "1845.00"), // Oct 31 – Nov 29, arrears
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(got, want);

    // Each client with an address got its invoice, PDF and XML attached; the archive a copy.
    let mails = outbox(&env, end, "invoice");
    assert_eq!(mails.len(), 7, "the Drukarnia has no e-mail address");
    let first = &mails[0];
    assert_eq!(
        first["subject"],
        "Faktura za abonament – Hosting Pro – listopad 2026"
    );
    assert_eq!(first["recipients"][0], "ksiegowosc@krawiec-tech.test");
    let late = mails
        .iter()
        .find(|m| m["key"] == "invoice:FV/5/11/2026")
        .unwrap();
    assert!(
        late["subject"]
            .as_str()
            .unwrap()
            .contains("15.11.2026–14.02.2027"),
        "{late}"
    );

    // Accounting: one summary per issuing day, with the zip; the one without an address flagged.
    let summaries = outbox(&env, end, "billing_summary");
    assert_eq!(summaries.len(), 5, "{summaries:#?}");
    assert!(
        summaries
            .iter()
            .all(|s| s["recipients"][0] == "ksiegowa@biuro.test")
    );

    // The export folder holds every XML and PDF, and every XML is valid FA(3).
    let export = env.path().join("var/ksef/out");
    let xmls = files_in(&export, "xml");
    assert_eq!(xmls.len(), 8);
    assert_eq!(files_in(&export, "pdf").len(), 8);
    assert_schema_valid(&xmls);
    let fv5 = std::fs::read_to_string(export.join("2026-11/FV_5_11_2026.xml")).unwrap();
    assert!(fv5.contains("<P_6_Od>2026-11-15</P_6_Od><P_6_Do>2027-02-14</P_6_Do>"));
    assert!(
        fv5.contains("<P_1>2026-11-22</P_1>"),
        "issued on the day it was issued"
    );
    assert!(fv5.contains("<P_19A>art. 43 ust. 1 pkt 29 lit. c ustawy o VAT</P_19A>"));
    let fv2 = std::fs::read_to_string(export.join("2026-11/FV_2_11_2026.xml")).unwrap();
    assert!(fv2.contains("<P_18A>1</P_18A>"), "split payment annotated");

    // The PDF says what the XML says, in Polish, and renders to a page with ink on it.
    let pdf = export.join("2026-11/FV_1_11_2026.pdf");
    let text = pdftotext(&pdf);
    for want in [
        "Faktura VAT nr FV/1/11/2026",
        "Krawiec-Tech Sp. z o.o.",
        "NIP: 5261040828",
        "Hosting Pro – listopad 2026",
        "245,99 PLN",
        "dwieście czterdzieści pięć złotych 99/100",
        "Termin płatności: 15.11.2026",
        "55 1140 0000 9378 6579 7543 2319",
    ] {
        assert!(text.contains(want), "{want:?} not in the PDF:\n{text}");
    }
    let tmp = tempfile::tempdir().unwrap();
    assert!(dark_pixels(&pdf, tmp.path()) > 500);
}

/// The UPO mailed back attaches the KSeF number; so does the invoice as downloaded from KSeF
/// (named by its KSeF number). Later reminders print it.
#[test]
fn a_ksef_receipt_attaches_the_ksef_number() {
    let env = Env::new(CONFIG);
    env.ok(
        &["subscriptions", "import", list().to_str().unwrap()],
        "2026-10-30T09:00:00Z",
    );
    env.ok(&["issue"], "2026-11-01T09:00:00Z");
    let upo = r#"<?xml version="1.0" encoding="utf-8"?>
<Potwierdzenie xmlns="http://upo.schematy.mf.gov.pl/KSeF/v4-3">
  <NazwaPodmiotuPrzyjmujacego>Ministerstwo Finansów</NazwaPodmiotuPrzyjmujacego>
  <NumerReferencyjnySesji>20261101-SE-1111111111-2222222222-33</NumerReferencyjnySesji>
  <Uwierzytelnienie><IdKontekstu><Nip>5265260188</Nip></IdKontekstu><SkrotDokumentuUwierzytelniajacego>x</SkrotDokumentuUwierzytelniajacego></Uwierzytelnienie>
  <NazwaStrukturyLogicznej>Schemat_FA(3)_v1-0E.xsd</NazwaStrukturyLogicznej>
  <KodFormularza>FA (3)</KodFormularza>
  <Dokument>
    <NipSprzedawcy>5265260188</NipSprzedawcy>
    <NumerKSeFDokumentu>5265260188-20261101-0A1B2C3D4E5F-1A</NumerKSeFDokumentu>
    <NumerFaktury>FV/1/11/2026</NumerFaktury>
    <DataWystawieniaFaktury>2026-11-01</DataWystawieniaFaktury>
  </Dokument>
  <Dokument>
    <NipSprzedawcy>5265260188</NipSprzedawcy>
    <NumerKSeFDokumentu>5265260188-20261101-0A1B2C3D4E60-2B</NumerKSeFDokumentu>
    <NumerFaktury>FV/999/11/2026</NumerFaktury>
    <DataWystawieniaFaktury>2026-11-01</DataWystawieniaFaktury>
  </Dokument>
  <Dokument>
    <NipSprzedawcy>5261040828</NipSprzedawcy>
    <NumerKSeFDokumentu>5261040828-20261101-0A1B2C3D4E62-4D</NumerKSeFDokumentu>
    <NumerFaktury>FV/3/11/2026</NumerFaktury>
    <DataWystawieniaFaktury>2026-11-01</DataWystawieniaFaktury>
  </Dokument>
</Potwierdzenie>"#;
    let p = env.write("UPO_sesja.xml", upo);
    let out = env.json(&["import", "--json", &p], "2026-11-02T09:00:00Z");
    let f = &out["files"][0];
    assert_eq!(f["kind"], "ksef_receipt", "{f}");
    assert_eq!(f["new"], 1);
    assert!(
        f["warnings"][0]["pl"]
            .as_str()
            .unwrap()
            .contains("FV/999/11/2026: skarbnik jej nie wystawiał"),
        "{f}"
    );
    assert!(
        f["warnings"][1]["pl"]
            .as_str()
            .unwrap()
            .contains("FV/3/11/2026: UPO dotyczy innego sprzedawcy (NIP 5261040828)"),
        "{f}"
    );
    // The invoice as downloaded from KSeF, under its KSeF number.
    let xml = env.path().join("var/ksef/out/2026-11/FV_2_11_2026.xml");
    let downloaded = env.path().join("5265260188-20261101-0A1B2C3D4E61-3C.xml");
    std::fs::copy(&xml, &downloaded).unwrap();
    env.ok(
        &["import", downloaded.to_str().unwrap()],
        "2026-11-02T09:00:00Z",
    );
    let v = env.json(&["invoices", "--json"], "2026-11-02T09:00:00Z");
    let ksef = |n: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|i| i["number"] == n)
            .map(|i| i["ksef_number"].clone())
            .unwrap()
    };
    assert_eq!(ksef("FV/1/11/2026"), "5265260188-20261101-0A1B2C3D4E5F-1A");
    assert_eq!(ksef("FV/2/11/2026"), "5265260188-20261101-0A1B2C3D4E61-3C");
    assert!(ksef("FV/3/11/2026").is_null());
    // A receipt naming another KSeF number for an invoice that has one: the first stays.
    let other = env.write(
        "UPO_2.xml",
        &upo.replace("0A1B2C3D4E5F-1A", "0A1B2C3D4E70-5E")
            .replace("FV/999/11/2026", "FV/998/11/2026"),
    );
    let out = env.json(&["import", "--json", &other], "2026-11-02T09:00:00Z");
    let w = out["files"][0]["warnings"].to_string();
    assert!(
        w.contains("faktura FV/1/11/2026 ma już numer KSeF 5265260188-20261101-0A1B2C3D4E5F-1A, a UPO podaje 5265260188-20261101-0A1B2C3D4E70-5E"),
        "{w}"
    );
    // Three days before they are due, the reminders print the KSeF number where it is known
    // (with fresh bank data: a fee booked the day before).
    env.statement("2026-11-11");
    env.ok(&["run", "--once"], "2026-11-12T09:00:00Z");
    let emls: Vec<String> = std::fs::read_dir(env.path().join("var/outbox"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("reminder_before"))
        .map(|e| {
            let raw = std::fs::read(e.path()).unwrap();
            let m = mail_parser::MessageParser::default().parse(&raw).unwrap();
            m.body_text(0).unwrap().to_string()
        })
        .collect();
    let text = emls.join("\n");
    for want in [
        "faktura FV/1/11/2026 z 01.11.2026 (nr KSeF 5265260188-20261101-0A1B2C3D4E5F-1A)",
        "faktura FV/2/11/2026 z 01.11.2026 (nr KSeF 5265260188-20261101-0A1B2C3D4E61-3C)",
        "faktura FV/3/11/2026 z 01.11.2026, termin",
    ] {
        assert!(text.contains(want), "{want:?} not in {text}");
    }
}

/// A crash after the number is taken or just before the commit leaves no invoice, no gap and
/// no billed period: the next run issues the same number once.
#[test]
fn a_crash_before_the_commit_leaves_no_gap_and_no_duplicate() {
    let env = Env::new(CONFIG);
    env.ok(
        &["subscriptions", "import", list().to_str().unwrap()],
        "2026-10-30T09:00:00Z",
    );
    for fault in ["crash_after_invoice_number", "crash_before_invoice_commit"] {
        let o = Command::new(env!("CARGO_BIN_EXE_skarbnik"))
            .arg("--config")
            .arg(&env.config)
            .arg("issue")
            .env("SKARBNIK_NOW", "2026-11-01T09:00:00Z")
            .env("SKARBNIK_FAULT", fault)
            .output()
            .unwrap();
        assert!(!o.status.success(), "{fault}: the process must have died");
        assert!(issued(&env, "2026-11-01T09:00:00Z").is_empty(), "{fault}");
        assert!(outbox(&env, "2026-11-01T09:00:00Z", "invoice").is_empty());
    }
    env.ok(&["issue"], "2026-11-01T09:00:00Z");
    env.ok(&["issue"], "2026-11-01T10:00:00Z");
    let numbers: Vec<String> = issued(&env, "2026-11-01T10:00:00Z")
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    assert_eq!(numbers, ["FV/1/11/2026", "FV/2/11/2026", "FV/3/11/2026"]);
    assert_eq!(outbox(&env, "2026-11-01T10:00:00Z", "invoice").len(), 3);
}

/// `invoice correct`: a full reversal and a price correction, each an FA(3) KOR naming the
/// corrected invoice, valid against the schema; the invoice's amount follows, nothing is deleted.
#[test]
fn corrections_are_kor_documents_and_change_the_amount_due() {
    let env = Env::new(CONFIG);
    env.ok(
        &["subscriptions", "import", list().to_str().unwrap()],
        "2026-10-30T09:00:00Z",
    );
    env.ok(&["issue"], "2026-11-01T09:00:00Z");
    let out = env.ok(
        &[
            "invoice",
            "correct",
            "FV/1/11/2026",
            "--reason",
            "rabat za listopad",
            "--line",
            "Hosting Pro – listopad 2026;1;usł.;150,00;23",
        ],
        "2026-11-03T09:00:00Z",
    );
    assert!(out.contains("KOR/1/11/2026"), "{out}");
    env.ok(
        &[
            "invoice",
            "correct",
            "FV/3/11/2026",
            "--reason",
            "umowa rozwiązana",
        ],
        "2026-11-03T09:00:00Z",
    );
    let v = env.json(&["invoices", "--json"], "2026-11-03T09:00:00Z");
    let gross = |n: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|i| i["number"] == n)
            .map(|i| i["gross"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(gross("FV/1/11/2026"), "184.50");
    assert_eq!(gross("FV/3/11/2026"), "0.00");
    let export = env.path().join("var/ksef/out");
    // The corrections go to accounting with the next run's summary.
    env.ok(&["issue"], "2026-11-04T09:00:00Z");
    let kor = export.join("2026-11/KOR_1_11_2026.xml");
    let text = std::fs::read_to_string(&kor).unwrap();
    assert!(text.contains("<RodzajFaktury>KOR</RodzajFaktury>"));
    assert!(text.contains("<NrFaKorygowanej>FV/1/11/2026</NrFaKorygowanej>"));
    assert!(text.contains("<P_15>-61.49</P_15>"), "{text}");
    assert_schema_valid(&files_in(&export, "xml"));
    // The accountant forwards the correction and then the invoice back, as KSeF gives them:
    // each is known, and the amount due stays corrected once after each.
    for xml in ["2026-11/KOR_1_11_2026.xml", "2026-11/FV_1_11_2026.xml"] {
        let back = export.join(xml);
        let o = env.ok(&["import", back.to_str().unwrap()], "2026-11-05T09:00:00Z");
        assert!(o.contains("1 already known, 0 updated"), "{xml}: {o}");
        let v = env.json(&["invoices", "--json"], "2026-11-05T09:00:00Z");
        let now = v
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["number"] == "FV/1/11/2026")
            .map(|i| i["gross"].as_str().unwrap().to_string());
        assert_eq!(now.as_deref(), Some("184.50"), "after {xml}");
    }
    // Not issued by skarbnik: refused.
    let o = env.run(
        &["invoice", "correct", "FV/2026/11/001", "--reason", "x"],
        "2026-11-03T09:00:00Z",
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("not issued by skarbnik"));
}

/// Billing on without the seller data an invoice needs: refused at start-up, naming the keys.
#[test]
fn incomplete_seller_data_refuses_to_start() {
    let env = Env::new(
        &CONFIG
            .replace("address = \"ul. Szkolna 1\"\n", "")
            .replace("accounts = [\"PL55114000009378657975432319\"]\n", ""),
    );
    let o = env.run(&["run", "--once"], "2026-11-01T09:00:00Z");
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("company.address") && err.contains("company.accounts"),
        "{err}"
    );
}

/// End to end through Dovecot and Postfix: the daemon issues an invoice on its cycle day, the
/// client's mailbox receives it with the PDF and the FA(3) XML, the archive a hidden copy,
/// accounting the summary with the zip; a later bank statement pays it and the client is thanked.
#[test]
fn an_issued_invoice_reaches_the_client_and_its_payment_is_confirmed() {
    use super::dunning::{once_on_stack, stack_config};
    use super::mailstack::{MailStack, header};
    use mail_parser::MimeHeaders;
    use std::time::Duration;
    let stack = MailStack::start();
    let name = "bil";
    let config = stack_config(
        &stack,
        name,
        "[billing]\nenabled = true\naccounting = [\"accounting@example.test\"]\n",
    )
    .replace(
        "accounts = [\"PL55114000009378657975432319\"]\n",
        "accounts = [\"PL55114000009378657975432319\"]\naddress = \"ul. Szkolna 1\"\ncity = \"00-950 Warszawa\"\n",
    );
    let env = Env::new(&config);
    env.ok(
        &[
            "subscription",
            "add",
            "--client",
            "Klient E2E Sp. z o.o.",
            "--nip",
            "5261040828",
            "--address",
            "ul. Polna 5",
            "--city",
            "00-625 Warszawa",
            "--email",
            "klient@example.test",
            "--service",
            "Hosting Pro",
            "--price",
            "100",
            "--rate",
            "23",
            "--cycle",
            "monthly",
            "--start",
            "2026-11-02",
        ],
        "2026-11-01T09:00:00Z",
    );
    // Monday 2 November, 10:00 in Warsaw.
    let o = once_on_stack(&env, name, "2026-11-02T09:00:00Z");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let wait = Duration::from_secs(30);
    let inbox = stack.wait_messages("klient@example.test", "INBOX", 1, wait);
    assert_eq!(inbox.len(), 1, "{}", stack.logs());
    let mail = mail_parser::MessageParser::default()
        .parse(&inbox[0])
        .unwrap();
    assert_eq!(
        mail.subject().unwrap(),
        "Faktura za abonament – Hosting Pro – 02.11.2026–01.12.2026"
    );
    let body = mail.body_text(0).unwrap();
    assert!(body.contains("Do zapłaty: 123,00 PLN"), "{body}");
    let names: Vec<String> = mail
        .attachments()
        .map(|a| a.attachment_name().unwrap_or_default().to_string())
        .collect();
    assert_eq!(names, ["FV_1_11_2026.pdf", "FV_1_11_2026.xml"]);
    let xml = mail
        .attachments()
        .find(|a| a.attachment_name() == Some("FV_1_11_2026.xml"))
        .unwrap()
        .contents()
        .to_vec();
    let path = env.path().join("from-mail.xml");
    std::fs::write(&path, &xml).unwrap();
    assert_schema_valid(&[path]);
    let archive = stack.wait_messages(&format!("archive{name}@example.test"), "INBOX", 2, wait);
    let ids: Vec<Option<String>> = archive.iter().map(|m| header(m, "Message-ID")).collect();
    assert!(ids.contains(&header(&inbox[0], "Message-ID")), "{ids:?}");
    let books = stack.wait_messages("accounting@example.test", "INBOX", 1, wait);
    let summary = mail_parser::MessageParser::default()
        .parse(&books[0])
        .unwrap();
    assert!(
        summary
            .subject()
            .unwrap()
            .starts_with("Wystawione faktury abonamentowe z dnia 02.11.2026"),
        "{:?}",
        summary.subject()
    );
    assert_eq!(
        summary
            .attachments()
            .map(|a| a.attachment_name().unwrap_or_default().to_string())
            .collect::<Vec<_>>(),
        ["faktury-2026-11-02.csv", "faktury-2026-11-02.zip"]
    );

    // The client pays; the statement comes in; the invoice is paid and the client thanked.
    let statement = env.write(
        "wyciag.csv",
        "\"Data księgowania\";\"Kontrahent\";\"Tytuł\";\"Kwota\";\"Waluta\"\n\
         \"2026-11-04\";\"KLIENT E2E SP. Z O.O.\";\"Zapłata FV/1/11/2026\";\"123,00\";\"PLN\"\n",
    );
    env.ok(&["import", &statement], "2026-11-05T09:00:00Z");
    let o = once_on_stack(&env, name, "2026-11-05T09:00:00Z");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let inbox = stack.wait_messages("klient@example.test", "INBOX", 2, wait);
    assert_eq!(inbox.len(), 2, "{}", stack.logs());
    let thanks = mail_parser::MessageParser::default()
        .parse(&inbox[1])
        .unwrap();
    assert!(
        thanks
            .subject()
            .unwrap()
            .starts_with("Dziękujemy za wpłatę"),
        "{:?}",
        thanks.subject()
    );
    assert!(thanks.body_text(0).unwrap().contains("FV/1/11/2026"));
    let v = env.json(&["invoices", "--json"], "2026-11-05T09:00:00Z");
    assert_eq!(v[0]["number"], "FV/1/11/2026");
    assert_eq!(v[0]["status"], "paid");
}

/// A client with `language = en` gets its invoice mail and PDF in English; pausing the
/// subscription (the same command staff send by mail) stops its next period.
#[test]
fn an_english_client_gets_english_documents_and_a_paused_subscription_is_not_invoiced() {
    let env = Env::new(CONFIG);
    env.ok(
        &[
            "subscription",
            "add",
            "--client",
            "Northwind Analytics Ltd",
            "--nip",
            "DE123456789",
            "--address",
            "Hauptstraße 5",
            "--city",
            "10115 Berlin",
            "--country",
            "DE",
            "--email",
            "ap@northwind.test",
            "--language",
            "en",
            "--service",
            "Analytics seat",
            "--quantity",
            "3",
            "--unit",
            "seat",
            "--price",
            "41",
            "--rate",
            "np II",
            "--currency",
            "EUR",
            "--cycle",
            "monthly",
            "--start",
            "2026-11-01",
        ],
        "2026-10-30T09:00:00Z",
    );
    env.ok(&["issue"], "2026-11-01T09:00:00Z");
    let mails = outbox(&env, "2026-11-01T09:00:00Z", "invoice");
    assert_eq!(
        mails[0]["subject"],
        "Subscription invoice – Analytics seat – November 2026"
    );
    let export = env.path().join("var/ksef/out/2026-11");
    assert_schema_valid(&[export.join("FV_1_11_2026.xml")]);
    let xml = std::fs::read_to_string(export.join("FV_1_11_2026.xml")).unwrap();
    assert!(
        xml.contains("<KodUE>DE</KodUE><NrVatUE>123456789</NrVatUE>"),
        "{xml}"
    );
    assert!(xml.contains("<P_13_9>123.00</P_13_9>"));
    let text = pdftotext(&export.join("FV_1_11_2026.pdf"));
    for want in [
        "VAT invoice no. FV/1/11/2026",
        "Analytics seat – November 2026",
        "In words: one hundred twenty-three EUR 00/100",
        "reverse charge",
    ] {
        assert!(text.contains(want), "{want:?} not in\n{text}");
    }
    let out = env.ok(
        &["subscription", "pause", "Northwind"],
        "2026-11-20T09:00:00Z",
    );
    assert!(out.contains("is paused"), "{out}");
    env.ok(&["issue"], "2026-12-01T09:00:00Z");
    assert_eq!(issued(&env, "2026-12-01T09:00:00Z").len(), 1);
    // Resumed on 10 December: the next period is the one starting after that day.
    env.ok(&["subscription", "resume", "#1"], "2026-12-10T09:00:00Z");
    env.ok(&["issue"], "2026-12-10T09:00:00Z");
    assert_eq!(
        issued(&env, "2026-12-10T09:00:00Z").len(),
        1,
        "December is not issued late"
    );
    env.ok(&["issue"], "2027-01-01T09:00:00Z");
    let got = issued(&env, "2027-01-01T09:00:00Z");
    let numbers: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
    assert_eq!(numbers, ["FV/1/01/2027", "FV/1/11/2026"]);
}

/// A subscriptions list from an ERP as XLSX with English headers, a title row above the table,
/// dates and prices as spreadsheet numbers: recognised and read like the Polish CSV.
#[test]
fn an_english_xlsx_subscriptions_list_is_recognised() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    ws.write_string(0, 0, "Recurring billing export – generated 2026-10-30")
        .unwrap();
    let headers = [
        "Contract no",
        "Customer",
        "VAT number",
        "Street",
        "Postcode",
        "City",
        "Country",
        "E-mail",
        "Product",
        "Qty",
        "Unit price",
        "VAT rate",
        "Currency",
        "Billing cycle",
        "Start date",
        "End date",
        "Payment terms",
        "Status",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    type Row<'a> = (
        &'a str,
        &'a str,
        &'a str,
        f64,
        &'a str,
        &'a str,
        (u16, u8, u8),
    );
    let rows: [Row; 2] = [
        (
            "C-100",
            "Krawiec-Tech Sp. z o.o.",
            "PL5261040828",
            199.99,
            "23%",
            "Monthly",
            (2026, 11, 1),
        ),
        (
            "C-101",
            "Northwind GmbH",
            "DE123456789",
            350.0,
            "np II",
            "quarterly",
            (2026, 11, 15),
        ),
    ];
    for (i, (id, name, nip, price, rate, cycle, (y, m, d))) in rows.iter().enumerate() {
        let r = 3 + i as u32;
        ws.write_string(r, 0, *id).unwrap();
        ws.write_string(r, 1, *name).unwrap();
        ws.write_string(r, 2, *nip).unwrap();
        ws.write_string(r, 3, "Main Street 1").unwrap();
        ws.write_string(r, 4, "00-001").unwrap();
        ws.write_string(r, 5, "Warszawa").unwrap();
        ws.write_string(r, 6, if i == 0 { "Poland" } else { "Germany" })
            .unwrap();
        ws.write_string(r, 7, "billing@customer.test").unwrap();
        ws.write_string(r, 8, "Cloud plan").unwrap();
        ws.write_number(r, 9, 1.0).unwrap();
        ws.write_number(r, 10, *price).unwrap();
        ws.write_string(r, 11, *rate).unwrap();
        ws.write_string(r, 12, if i == 0 { "PLN" } else { "EUR" })
            .unwrap();
        ws.write_string(r, 13, *cycle).unwrap();
        ws.write_datetime_with_format(r, 14, ExcelDateTime::from_ymd(*y, *m, *d).unwrap(), &date)
            .unwrap();
        ws.write_string(r, 16, "14 days").unwrap();
        ws.write_string(r, 17, "active").unwrap();
    }
    let env = Env::new(CONFIG);
    let path = env.path().join("subscriptions.xlsx");
    wb.save(&path).unwrap();
    let out = env.json(
        &["subscriptions", "import", "--json", path.to_str().unwrap()],
        "2026-10-30T09:00:00Z",
    );
    let f = &out["files"][0];
    assert_eq!(f["kind"], "subscriptions", "{f}");
    assert_eq!(f["new"], 2, "{f}");
    assert_eq!(f["skipped"], 0, "{f}");
    let subs = env.json(&["subscription", "list", "--json"], "2026-10-30T09:00:00Z");
    let plan = &subs[1]["plan"];
    assert_eq!(plan["cycle"], "Quarterly");
    assert_eq!(plan["currency"], "EUR");
    assert_eq!(plan["start"], "2026-11-15");
    assert_eq!(plan["unit_net"], "350");
    assert_eq!(plan["payment_days"], 14);
    env.ok(&["issue"], "2026-11-15T09:00:00Z");
    let xmls = files_in(&env.path().join("var/ksef/out"), "xml");
    assert_eq!(xmls.len(), 2);
    assert_schema_valid(&xmls);
}

/// What stops an invoice is told, in both languages, and takes no number: here every number the
/// series would give next already belongs to an invoice imported from the ERP.
#[test]
fn an_invoice_that_cannot_be_issued_is_told_and_takes_no_number() {
    let env = Env::new(CONFIG);
    env.ok(
        &["subscriptions", "import", list().to_str().unwrap()],
        "2026-10-30T09:00:00Z",
    );
    let erp = env.write(
        "rejestr.csv",
        "Numer;Data wystawienia;Termin płatności;Kontrahent;NIP;Brutto;Waluta\n\
         FV/1/11/2026;2026-10-31;2026-11-14;Inny Klient Sp. z o.o.;;100,00;PLN\n",
    );
    env.ok(&["import", &erp], "2026-10-31T09:00:00Z");
    let run = env.json(&["issue", "--json"], "2026-11-01T09:00:00Z");
    assert!(run["issued"].as_array().unwrap().is_empty(), "{run}");
    let problems = run["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 3, "{run}");
    assert!(
        problems[0]["pl"]
            .as_str()
            .unwrap()
            .contains("numer FV/1/11/2026 z serii FV/{n}/{MM}/{YYYY} ma już inna faktura w bazie"),
        "{run}"
    );
    assert!(
        problems[0]["en"]
            .as_str()
            .unwrap()
            .contains("change [billing] series")
    );
    // Staff hear of it once that day, in Polish.
    let told = outbox(&env, "2026-11-01T09:00:00Z", "billing_summary");
    assert_eq!(told.len(), 1);
    assert_eq!(told[0]["key"], "billing:problems:2026-11-01");
    env.json(&["issue", "--json"], "2026-11-01T10:00:00Z");
    assert_eq!(
        outbox(&env, "2026-11-01T10:00:00Z", "billing_summary").len(),
        1
    );
}

/// Staff commands on subscriptions refuse what they cannot do, saying why; a price change for a
/// period already invoiced is refused.
#[test]
fn subscription_commands_refuse_what_they_cannot_do() {
    let env = Env::new(CONFIG);
    env.ok(
        &["subscriptions", "import", list().to_str().unwrap()],
        "2026-10-30T09:00:00Z",
    );
    let o = env.run(
        &["subscription", "pause", "Nieznana Firma"],
        "2026-11-01T09:00:00Z",
    );
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("No subscription \"Nieznana Firma\""),
        "{o:?}"
    );
    env.ok(&["subscription", "cancel", "#1"], "2026-11-01T09:00:00Z");
    let o = env.run(&["subscription", "resume", "#1"], "2026-11-02T09:00:00Z");
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("is cancelled; a cancelled one is not resumed"),
        "{o:?}"
    );
    env.ok(&["issue"], "2026-11-01T09:00:00Z");
    let o = env.run(
        &[
            "subscription",
            "change",
            "#6",
            "--from",
            "2026-10-10",
            "--price",
            "500",
        ],
        "2026-11-02T09:00:00Z",
    );
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("already invoiced"),
        "{o:?}"
    );
}
