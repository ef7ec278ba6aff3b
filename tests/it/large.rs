//! A statement far larger than the parser's read-ahead, through the real binary with the default
//! settings (parsing in the worker): it is streamed, stored in one transaction, and a refusal
//! near its end leaves nothing behind; the same for a long MT940 file.

use super::support::skarbnik;
use std::path::Path;

/// An mBank-style statement of `rows` operations in Windows-1250, CRLF, with opening and closing
/// balances; `closing_off` grosze are added to the closing balance (a wrong one when not zero),
/// and `bad_row`, when given, gets a date no one can read.
fn statement(rows: usize, closing_off: i64, bad_row: Option<usize>) -> Vec<u8> {
    let mut s = String::with_capacity(rows * 190);
    s.push_str("#Klient;PRACOWNIA SKARBNIK SP. Z O.O.;\r\n#Waluta;PLN;\r\n");
    s.push_str("#Numer rachunku;55 1140 0000 9378 6579 7543 2319;\r\n;\r\n");
    s.push_str("#Saldo początkowe;10 000,00 PLN;\r\n;\r\n");
    s.push_str("#Data księgowania;#Data operacji;#Opis operacji;#Tytuł;#Nadawca/Odbiorca;#Numer konta;#Kwota;#Saldo po operacji;\r\n");
    let mut balance: i64 = 1_000_000;
    let zl = |g: i64| {
        let sign = if g < 0 { "-" } else { "" };
        let a = g.abs();
        format!("{sign}{},{:02}", a / 100, a % 100)
    };
    for i in 0..rows {
        let day = 1 + (i * 28 / rows);
        let amount: i64 = if i % 7 == 3 {
            -(1_000 + (i as i64 % 50_000))
        } else {
            10_000 + (i as i64 * 37 % 900_000)
        };
        balance += amount;
        let date = if bad_row == Some(i) {
            "32.13.2026".to_string()
        } else {
            format!("2026-02-{day:02}")
        };
        let (op, party) = if amount > 0 {
            (
                "PRZELEW ZEWNĘTRZNY PRZYCHODZĄCY",
                "GĘŚLARZ I WSPÓLNICY SPÓŁKA JAWNA  UL. ŁĄKOWA 5",
            )
        } else {
            ("PRZELEW ZEWNĘTRZNY WYCHODZĄCY", "DOSTAWCA ŻÓŁTY SP. Z O.O.")
        };
        s.push_str(&format!(
            "{date};{date};{op};\"Zapłata za FV/{i}/02/2026\";\"{party}\";'61105000000189555979711471';{};{};\r\n",
            zl(amount),
            zl(balance)
        ));
    }
    s.push_str(&format!(
        ";;;;;;#Saldo końcowe;{};\r\n",
        zl(balance + closing_off)
    ));
    encoding_rs::WINDOWS_1250.encode(&s).0.into_owned()
}

fn count(dir: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(dir.join("var/skarbnik.db")).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_large_statement_streams_and_a_refusal_at_its_end_rolls_back_everything() {
    const ROWS: usize = 200_000;
    let dir = tempfile::tempdir().unwrap();

    // A wrong closing balance, known only after the last row: nothing of the file stays.
    let bad = statement(ROWS, 1, None);
    assert!(bad.len() > 30 << 20, "{} bytes", bad.len());
    std::fs::write(dir.path().join("bad-balance.csv"), &bad).unwrap();
    let o = skarbnik(dir.path(), &["import", "--json", "bad-balance.csv"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let e = &v["files"][0]["error"];
    assert!(
        e["cause"]["en"]
            .as_str()
            .unwrap()
            .contains("closing balance"),
        "{e}"
    );
    assert_eq!(e["row"], ROWS + 8, "{e}");
    assert_eq!(count(dir.path(), "SELECT count(*) FROM payments"), 0);
    assert_eq!(
        count(
            dir.path(),
            "SELECT count(*) FROM reports WHERE outcome = 'imported'"
        ),
        0
    );

    // A row near the end whose date cannot be read: refused naming it, nothing kept.
    let bad_row = ROWS - 5;
    std::fs::write(
        dir.path().join("bad-date.csv"),
        statement(ROWS, 0, Some(bad_row)),
    )
    .unwrap();
    let o = skarbnik(dir.path(), &["import", "--json", "bad-date.csv"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let e = &v["files"][0]["error"];
    assert_eq!(e["row"], bad_row + 8, "{e}");
    assert!(
        e["cause"]["en"].as_str().unwrap().contains("32.13.2026"),
        "{e}"
    );
    assert_eq!(count(dir.path(), "SELECT count(*) FROM payments"), 0);

    // The sound file, mailed as it would be, in a zip: its member is inflated as it is read
    // (it is compressed to several MiB), every operation stored once, with the defaults.
    let good = statement(ROWS, 0, None);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("luty.csv", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut zip, &good).unwrap();
    let zipped = zip.finish().unwrap().into_inner();
    assert!(zipped.len() > 2 << 20, "{} bytes", zipped.len());
    std::fs::write(dir.path().join("wyciag.zip"), &zipped).unwrap();
    std::fs::write(dir.path().join("good.csv"), &good).unwrap();
    let o = skarbnik(dir.path(), &["import", "--json", "wyciag.zip"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = &v["files"][0];
    assert_eq!(f["new"], ROWS, "{f}");
    assert_eq!(f["encoding"], "windows-1250");
    assert_eq!(f["profile"], "mbank-statement");
    assert_eq!(
        count(dir.path(), "SELECT count(*) FROM payments"),
        ROWS as i64
    );
    assert_eq!(
        count(
            dir.path(),
            "SELECT count(*) FROM payments WHERE counterparty_name LIKE 'GĘŚLARZ%' AND title LIKE 'Zapłata za FV/%'"
        ),
        (0..ROWS).filter(|i| i % 7 != 3).count() as i64
    );
    assert_eq!(
        count(dir.path(), "SELECT max(source_row) FROM payments"),
        (ROWS + 7) as i64
    );
    // The same bytes as a plain file: known by their digest, taken while they streamed.
    let o = skarbnik(dir.path(), &["import", "--json", "good.csv"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["files"][0]["duplicate_of"].is_number(), "{v}");
    assert_eq!(
        count(dir.path(), "SELECT count(*) FROM payments"),
        ROWS as i64
    );
}

#[test]
fn a_damaged_member_of_a_zip_is_refused_after_its_last_row_and_nothing_stays() {
    let dir = tempfile::tempdir().unwrap();
    // Stored, not deflated: one changed byte in a title still parses, and only the member's
    // checksum, known once its last byte is read, tells the damage.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("marzec.csv", opts).unwrap();
    std::io::Write::write_all(&mut zip, &statement(20_000, 0, None)).unwrap();
    let mut zipped = zip.finish().unwrap().into_inner();
    let at = zipped
        .windows(12)
        .position(|w| w == b"FV/15000/02/")
        .unwrap();
    zipped[at + 3] = b'7';
    std::fs::write(dir.path().join("marzec.zip"), &zipped).unwrap();
    let o = skarbnik(dir.path(), &["import", "--json", "marzec.zip"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let e = &v["files"][0]["error"];
    assert!(
        e["cause"]["en"]
            .as_str()
            .unwrap()
            .contains("checksum does not match"),
        "{e}"
    );
    let pl = e["cause"]["pl"].as_str().unwrap();
    assert!(pl.contains("suma kontrolna się nie zgadza"), "{e}");
    assert!(!pl.contains("checksum"), "{e}");
    assert_eq!(count(dir.path(), "SELECT count(*) FROM payments"), 0);
}

/// An mBank CompanyNet-style MT940: one statement of `rows` operations in Windows-1250, CRLF,
/// its `:86:` free text wrapped at 65 characters; `closing_off` grosze go on the closing balance.
fn mt940(rows: usize, closing_off: i64) -> Vec<u8> {
    let zl = |g: i64| format!("{},{:02}", g / 100, g % 100);
    let opening: i64 = 1_000_000;
    let mut balance = opening;
    let mut s = format!(
        ":20:MT940\r\n:25:PL55114000009378657975432319\r\n:28C:7\r\n:60F:C260101PLN{}\r\n",
        zl(opening)
    );
    for i in 0..rows {
        let day = 1 + i * 28 / rows;
        let amount = 10_000 + (i as i64 * 37 % 90_000);
        balance += amount;
        s.push_str(&format!(
            ":61:2602{day:02}02{day:02}CN{}N641NONREF\r\n",
            zl(amount)
        ));
        let info = format!(
            ":86:641 PRZELEW MIĘDZYBANKOWY PRZYCH.; z rach.: 61105000000189555979711471; od: GĘŚLARZ I WSPÓLNICY SP.J. UL. ŁĄKOWA 5 31-000 KRAKÓW; tyt.: Zapłata za FV/{i}/02/2026; TNR: 1260{i:08}.01"
        );
        let chars: Vec<char> = info.chars().collect();
        for line in chars.chunks(65) {
            s.extend(line);
            s.push_str("\r\n");
        }
    }
    s.push_str(&format!(
        ":62F:C260228PLN{}\r\n-\r\n",
        zl(balance + closing_off)
    ));
    encoding_rs::WINDOWS_1250.encode(&s).0.into_owned()
}

#[test]
fn a_long_mt940_streams_and_a_wrong_closing_balance_rolls_back_everything() {
    const ROWS: usize = 12_000;
    let dir = tempfile::tempdir().unwrap();
    let bad = mt940(ROWS, 1);
    assert!(
        bad.len() > 2 << 20,
        "past the parser's read-ahead: {}",
        bad.len()
    );
    std::fs::write(dir.path().join("bad.sta"), &bad).unwrap();
    let o = skarbnik(dir.path(), &["import", "--json", "bad.sta"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let e = &v["files"][0]["error"];
    assert_eq!(e["column"], ":62F:", "{e}");
    assert_eq!(
        e["row"],
        bad.split(|b| *b == b'\n').count() - 2,
        "the line of the closing balance: {e}"
    );
    assert!(e["cause"]["pl"].as_str().unwrap().contains("saldo"), "{e}");
    assert_eq!(count(dir.path(), "SELECT count(*) FROM payments"), 0);

    std::fs::write(dir.path().join("good.sta"), mt940(ROWS, 0)).unwrap();
    let o = skarbnik(dir.path(), &["import", "--json", "good.sta"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = &v["files"][0];
    assert_eq!(f["new"], ROWS, "{f}");
    assert_eq!(f["profile"], "mt940", "{f}");
    assert_eq!(f["encoding"], "windows-1250", "{f}");
    assert_eq!(
        count(
            dir.path(),
            "SELECT count(*) FROM payments WHERE counterparty_name = 'GĘŚLARZ I WSPÓLNICY SP.J. UL. ŁĄKOWA 5 31-000 KRAKÓW'
               AND title LIKE 'Zapłata za FV/%/02/2026' AND counterparty_account = 'PL61105000000189555979711471'"
        ),
        ROWS as i64
    );
    let o = skarbnik(dir.path(), &["import", "--json", "good.sta"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["files"][0]["duplicate_of"].is_number(), "{v}");
    assert_eq!(
        count(dir.path(), "SELECT count(*) FROM payments"),
        ROWS as i64
    );
}
