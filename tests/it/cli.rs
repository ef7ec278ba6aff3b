//! Black-box tests of the real `skarbnik` binary, each in its own temporary directory.

use super::support::{report, skarbnik};
use std::process::{Command, Output};

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn import_then_list_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let subiekt = report("erp/subiekt-rozrachunki.csv");
    let mbank = report("mbank/zestawienie-operacji.csv");
    let o = skarbnik(
        dir.path(),
        &[
            "import",
            "--json",
            subiekt.to_str().unwrap(),
            mbank.to_str().unwrap(),
        ],
    );
    assert!(
        o.status.success(),
        "{}{}",
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["refused"], 0);
    assert_eq!(v["files"][0]["kind"], "receivables");
    assert_eq!(v["files"][0]["new"], 9);
    assert_eq!(v["files"][1]["profile"], "mbank-statement");
    assert_eq!(v["files"][1]["encoding"], "windows-1250");
    // Embedded defaults: the database lives under ./var.
    assert!(dir.path().join("var/skarbnik.db").is_file());

    let o = skarbnik(dir.path(), &["invoices", "--json", "--status", "partial"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    let inv = &v[0];
    assert_eq!(inv["number"], "FV/0315/2026");
    assert_eq!(inv["nip"], "7790308249");
    assert_eq!(inv["issue_date"], "2026-03-14");
    assert_eq!(inv["due_date"], "2026-03-28");
    assert_eq!(inv["gross"], "6150.00");
    assert_eq!(inv["paid"], "2000.00");
    // The import's summary says what reconciliation did.
    assert_eq!(inv["outstanding"], "4150.00");
    assert_eq!(inv["currency"], "PLN");
    assert_eq!(inv["status"], "partial");

    let o = skarbnik(dir.path(), &["payments", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // A page is the same rows as the whole listing, from its offset; so for invoices.
    let all = v.as_array().unwrap();
    assert!(all.len() >= 5);
    let o = skarbnik(
        dir.path(),
        &["payments", "--json", "--limit", "2", "--offset", "3"],
    );
    let page: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(page.as_array().unwrap()[..], all[3..5]);
    let o = skarbnik(dir.path(), &["payments", "--json", "--status", "review"]);
    let review: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let review = review.as_array().unwrap();
    assert!(!review.is_empty());
    let o = skarbnik(
        dir.path(),
        &[
            "payments", "--json", "--status", "review", "--offset", "1", "--limit", "50",
        ],
    );
    let page: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(page.as_array().unwrap()[..], review[1..]);
    let o = skarbnik(dir.path(), &["invoices", "--json"]);
    let invoices: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let o = skarbnik(
        dir.path(),
        &["invoices", "--json", "--limit", "1", "--offset", "2"],
    );
    let page: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        page.as_array().unwrap()[..],
        invoices.as_array().unwrap()[2..3]
    );
    let first = &v[0];
    assert_eq!(first["date"], "2026-03-02");
    assert_eq!(first["amount"], "12300.00");
    assert_eq!(
        first["counterparty"],
        "KRAWIEC-TECH SP. Z O.O. UL. POLNA 5 00-001 WARSZAWA"
    );
    assert_eq!(first["account"], "PL78114020045260181590830166");
    assert_eq!(first["title"], "FV 312/03/2026");
    // Import reconciles. The payer's name and the amount would fit FV/0312/2026, but the money
    // came on 2 March and the invoice was issued on 12 March: a person decides.
    assert_eq!(first["status"], "review");
    assert_eq!(first["allocations"], serde_json::json!([]));
    assert!(
        first["review"]
            .as_str()
            .unwrap()
            .contains("before any of its open invoices was issued"),
        "{first}"
    );
    let unmatched = v
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["title"] == "abonament marzec")
        .unwrap();
    assert_eq!(unmatched["status"], "unmatched");
    assert_eq!(unmatched["allocations"], serde_json::json!([]));
    let fee = v
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "fee")
        .unwrap();
    assert_eq!(fee["status"], "ignored");
}

#[test]
fn refusal_exits_non_zero_and_names_file_row_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = report("bad/bad-amount.csv");
    let good = report("erp/optima-przypomnienie.csv");
    let o = skarbnik(
        dir.path(),
        &["import", bad.to_str().unwrap(), good.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains(&format!(
            "REFUSED {}, row 3, column 4 (Brutto): cannot read \"12,3,4\" as an amount",
            bad.display()
        )),
        "{out}"
    );
    // The good file is still imported.
    assert!(out.contains("optima-przypomnienie.csv: receivables (generic-receivables, csv, UTF-8): 2 rows read, 2 new"), "{out}");
}

#[test]
fn second_import_reports_nothing_new() {
    let dir = tempfile::tempdir().unwrap();
    let f = report("pko-bp/historia-rachunku.csv");
    assert!(
        skarbnik(dir.path(), &["import", f.to_str().unwrap()])
            .status
            .success()
    );
    let o = skarbnik(dir.path(), &["import", f.to_str().unwrap()]);
    assert!(o.status.success());
    assert!(
        stdout(&o).contains("already imported as report #1, nothing added"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn unknown_config_key_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("skarbnik.toml"),
        "[company]\nname = \"X\"\nacounts = []\n",
    )
    .unwrap();
    let o = skarbnik(dir.path(), &["invoices"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("acounts") && err.contains("skarbnik.toml"),
        "{err}"
    );
}

#[test]
fn config_flag_and_relative_paths() {
    let dir = tempfile::tempdir().unwrap();
    let conf_dir = dir.path().join("etc");
    std::fs::create_dir_all(&conf_dir).unwrap();
    std::fs::write(
        conf_dir.join("prod.toml"),
        "[store]\ndatabase = \"data/books.db\"\n",
    )
    .unwrap();
    let o = skarbnik(
        dir.path(),
        &["--config", "etc/prod.toml", "invoices", "--json"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(stdout(&o).trim(), "[]");
    assert!(conf_dir.join("data/books.db").is_file());
}

#[test]
fn user_profile_folder_is_used_without_recompiling() {
    let dir = tempfile::tempdir().unwrap();
    let custom = report("custom/moj-erp.csv");
    let o = skarbnik(dir.path(), &["import", custom.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "without the profile the file fits nothing"
    );
    assert!(stdout(&o).contains("no profile fits"), "{}", stdout(&o));
    std::fs::create_dir_all(dir.path().join("var/profiles")).unwrap();
    std::fs::copy(
        super::support::fixtures().join("profiles/moj-erp.toml"),
        dir.path().join("var/profiles/moj-erp.toml"),
    )
    .unwrap();
    let o = skarbnik(dir.path(), &["import", custom.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("(moj-erp, csv, UTF-8): 2 rows read, 2 new"),
        "{}",
        stdout(&o)
    );
}

/// A parser that panics, aborts, hangs or runs out of memory costs one refusal; the next file is
/// imported. The faults are injected in the real worker process (SKARBNIK_WORKER_FAULT).
#[test]
fn a_crashing_parser_costs_one_file_not_the_import() {
    for (mode, expect) in [
        (
            "panic",
            "the parser crashed on this file (exited with status 101): an internal error of skarbnik, described in its log",
        ),
        (
            "abort",
            "the parser crashed on this file (was killed by signal 6)",
        ),
        (
            "hang",
            "parsing took longer than 1 s; the file was given up",
        ),
        (
            "alloc",
            "the parser crashed on this file (was killed by signal 6): it ran out of memory (it may take 512 MB)",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("skarbnik.toml"),
            "[import]\nparse_timeout_secs = 1\nparse_memory_mb = 512\n",
        )
        .unwrap();
        let hostile = dir.path().join("hostile.csv");
        std::fs::copy(report("erp/optima-przypomnienie.csv"), &hostile).unwrap();
        let good = report("erp/subiekt-rozrachunki.csv");
        let o = Command::new(env!("CARGO_BIN_EXE_skarbnik"))
            .args(["import", hostile.to_str().unwrap(), good.to_str().unwrap()])
            .current_dir(dir.path())
            .env_remove("SKARBNIK_CONFIG")
            .env("SKARBNIK_WORKER_FAULT", format!("{mode}:hostile"))
            .output()
            .unwrap();
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(1), "{mode}: {out}");
        assert!(
            out.contains(&format!("REFUSED {}: {expect}", hostile.display())),
            "{mode}: {out}"
        );
        assert!(out.contains("subiekt-rozrachunki.csv: receivables (generic-receivables, csv, windows-1250): 9 rows read, 9 new"), "{mode}: {out}");
        // Whoever runs skarbnik still reads the worker's own words, in the log.
        if mode == "panic" {
            let log = String::from_utf8_lossy(&o.stderr);
            assert!(
                log.contains("injected fault while parsing"),
                "{mode}: {log}"
            );
        }
    }
}
