//! Zip archives of reports: members imported one by one; bombs, path tricks and nesting refused.

use super::support::{TestStore, report};
use std::io::Write;
use zip::write::SimpleFileOptions;

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut buf);
        let opts =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in members {
            w.start_file(*name, opts).unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap();
    }
    buf.into_inner()
}

fn write(t: &TestStore, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = t.dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn each_member_is_its_own_report() {
    let mut t = TestStore::new();
    let csv = std::fs::read(report("erp/subiekt-rozrachunki.csv")).unwrap();
    let sta = std::fs::read(report("mt940/pko-bp.sta")).unwrap();
    let z = zip_of(&[
        ("raporty/naleznosci.csv", &csv),
        ("raporty/wyciag.sta", &sta),
        ("__MACOSX/._wyciag.sta", b"junk"),
        ("raporty/.DS_Store", b"junk"),
    ]);
    let path = write(&t, "paczka.zip", &z);
    let outs = t.import_file(&path);
    let names: Vec<String> = outs
        .iter()
        .map(|o| {
            o.file
                .rsplit('/')
                .take(2)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    assert_eq!(names, vec!["raporty/naleznosci.csv", "raporty/wyciag.sta"]);
    assert!(outs.iter().all(|o| o.error.is_none()), "{outs:?}");
    assert_eq!((outs[0].new, outs[1].new), (9, 4));
    // The same archive again adds nothing: each member is known by its own hash.
    let again = t.import_file(&path);
    assert!(again.iter().all(|o| o.duplicate_of.is_some()), "{again:?}");
}

#[test]
fn zip_bomb_is_refused() {
    let mut t = TestStore::new();
    let zeros = vec![b'0'; 6_000_000];
    let z = zip_of(&[("big.csv", &zeros)]);
    assert!(z.len() < 100_000, "the bomb is small: {}", z.len());
    let outs = t.import_file(&write(&t, "bomb.zip", &z));
    assert_eq!(outs.len(), 1);
    let e = outs[0].error.as_ref().expect("refused");
    assert!(e.cause.contains("zip bomb"), "{e}");
    assert_eq!(t.count("payments") + t.count("invoices"), 0);
}

#[test]
fn path_tricks_refuse_the_archive() {
    let mut t = TestStore::new();
    let z = zip_of(&[
        ("ok.csv", b"a;b\n1;2\n"),
        ("../../etc/cron.d/x.csv", b"a;b\n"),
    ]);
    let outs = t.import_file(&write(&t, "trick.zip", &z));
    assert_eq!(outs.len(), 1);
    assert!(
        outs[0]
            .error
            .as_ref()
            .unwrap()
            .cause
            .contains("leaves the archive"),
        "{:?}",
        outs[0].error
    );
}

#[test]
fn nested_zip_is_refused_as_a_member() {
    let mut t = TestStore::new();
    let inner = zip_of(&[("a.csv", b"x")]);
    let csv = std::fs::read(report("erp/optima-przypomnienie.csv")).unwrap();
    let z = zip_of(&[("inner.zip", &inner), ("optima.csv", &csv)]);
    let outs = t.import_file(&write(&t, "outer.zip", &z));
    assert_eq!(outs.len(), 2);
    assert!(
        outs[0]
            .error
            .as_ref()
            .unwrap()
            .cause
            .contains("zip inside a zip"),
        "{:?}",
        outs[0]
    );
    assert_eq!(outs[1].new, 2);
}

#[test]
fn an_xlsx_is_a_spreadsheet_not_an_archive() {
    let mut t = TestStore::new();
    let outs = t.import_file(&report("erp/rejestr-sprzedazy.xlsx"));
    assert_eq!(outs.len(), 1);
    assert_eq!(outs[0].format.as_deref(), Some("xlsx"));
}

#[test]
fn absolute_drive_and_backslash_paths_refuse_the_archive() {
    let csv = std::fs::read(report("erp/optima-przypomnienie.csv")).unwrap();
    for bad in [
        "/tmp/x.csv",
        "C:/Users/x.csv",
        "c:x.csv",
        "\\\\server\\share\\x.csv",
        "raporty\\..\\..\\x.csv",
        "\\x.csv",
    ] {
        let mut t = TestStore::new();
        let z = zip_of(&[("ok.csv", &csv), (bad, b"a;b\n1;2\n")]);
        let outs = t.import_file(&write(&t, "trick.zip", &z));
        assert_eq!(outs.len(), 1, "{bad}: {outs:?}");
        let e = outs[0].error.as_ref().expect("refused");
        assert!(e.cause.contains("leaves the archive"), "{bad}: {e}");
        assert_eq!(
            t.count("invoices"),
            0,
            "{bad}: nothing of the archive is kept"
        );
    }
    // Dots inside a name are not a path trick.
    let mut t = TestStore::new();
    let outs = t.import_file(&write(&t, "ok.zip", &zip_of(&[("raport..v2.csv", &csv)])));
    assert!(outs[0].error.is_none(), "{outs:?}");
}
