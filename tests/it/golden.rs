//! Golden tests: every report fixture under `fixtures/reports/<source>/` has `<name>.expected.json`
//! with what parsing it must give (records, or the refusal with file, row, column and cause).
//!
//! A mismatch writes `<name>.failed` next to the fixture to diff. `SKARBNIK_BLESS=1` rewrites the
//! expected files instead; review that diff by hand before committing it.

use skarbnik::domain::BankAccount;
use skarbnik::ingest::profile::Profile;
use skarbnik::ingest::{ParseContext, parse_report};
use std::path::{Path, PathBuf};

/// Our company's accounts in the fixtures (each bank's statement is of one of them).
/// Our NIP in the fixtures.
pub const OUR_NIP: &str = "5265260188";

/// Our accounts
pub const OUR_ACCOUNTS: &[&str] = &[
    "PL55114000009378657975432319",
    "PL90102000004875749118625276",
    "PL31105000005711777741215472",
    "PL84109000003888539336338750",
    "PL41124000008038528084148525",
    "PL46116000006639233214688197",
    "PL82249000003699356327295181",
];

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn report_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if p.is_dir() {
            report_files(&p, out);
        } else if name.starts_with("skan-") {
            // Scans: what OCR reads of names varies with the Tesseract version; the fields that
            // matter are compared with the text PDF's in import::a_scanned_statement_…
        } else if !name.ends_with(".json")
            && !name.ends_with(".failed")
            && !name.ends_with(".py")
            && !name.ends_with(".md")
        {
            out.push(p);
        }
    }
}

/// Every message said to a person has a Polish text with no English sentence in it.
fn english_in_polish(rel: &str, v: &serde_json::Value, failures: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            if let (Some(pl), Some(_)) = (m.get("pl").and_then(|p| p.as_str()), m.get("en")) {
                for w in [
                    "row ", " the ", "cannot", "invoice ", "file ", " is ", " not ", "missing",
                ] {
                    if pl.contains(w) {
                        failures.push(format!("{rel}: {w:?} in Polish text {pl:?}"));
                    }
                }
            }
            for x in m.values() {
                english_in_polish(rel, x, failures);
            }
        }
        serde_json::Value::Array(a) => {
            for x in a {
                english_in_polish(rel, x, failures);
            }
        }
        _ => {}
    }
}

#[test]
fn every_fixture_matches_its_expected_json() {
    let root = fixtures_root();
    let profiles = Profile::load_all(Some(&root.join("profiles"))).unwrap();
    let ctx = ParseContext {
        own_accounts: OUR_ACCOUNTS
            .iter()
            .map(|a| BankAccount::parse(a).unwrap())
            .collect(),
        our_nip: Some(OUR_NIP.to_string()),
        ..ParseContext::default()
    };
    let bless = std::env::var_os("SKARBNIK_BLESS").is_some();
    let mut files = Vec::new();
    report_files(&root.join("reports"), &mut files);
    assert!(files.len() >= 20, "fixtures missing: found {}", files.len());
    // One expected file per stem: two fixtures named alike (x.xls, x.xlsx) would share it.
    let mut stems = std::collections::HashSet::new();
    for f in &files {
        assert!(
            stems.insert(f.with_extension("")),
            "{}: another fixture has the same name before its extension",
            f.display()
        );
    }
    let mut failures = Vec::new();
    for path in &files {
        let rel = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(path).unwrap();
        let result = match parse_report(&rel, &bytes, &profiles, &ctx) {
            Ok(parsed) => serde_json::to_value(&parsed).unwrap(),
            Err(e) => serde_json::json!({ "error": e }),
        };
        english_in_polish(&rel, &result, &mut failures);
        let actual = serde_json::to_string_pretty(&result).unwrap() + "\n";
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let expected_path = path.with_file_name(format!("{stem}.expected.json"));
        let failed_path = path.with_file_name(format!("{stem}.failed"));
        if bless {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Ok(expected) if expected == actual => {
                let _ = std::fs::remove_file(&failed_path);
            }
            Ok(_) => {
                std::fs::write(&failed_path, &actual).unwrap();
                failures.push(format!(
                    "{rel}: differs from {stem}.expected.json (see {stem}.failed)"
                ));
            }
            Err(_) => {
                std::fs::write(&failed_path, &actual).unwrap();
                failures.push(format!(
                    "{rel}: no {stem}.expected.json (result written to {stem}.failed)"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "golden mismatches:\n{}",
        failures.join("\n")
    );
}
