//! Reports through the binary: the schedule (each period once, across restarts and an outage)
//! and the PDF and XLSX read back and checked against the report's JSON model.

use super::dunning::{Env, vars};
use calamine::{DataType, Reader, Xlsx, open_workbook};
use std::process::Command;

const CONFIG: &str = r#"
[company]
name = "Moja Firma Sp. z o.o."
nip = "5265260188"
accounts = ["PL55114000009378657975432319"]

[import]
isolate = false

[smtp]
from = "Należności <naleznosci@moja.test>"

[staff]
addresses = ["szef@moja.test"]

[reports]
monthly_to = ["zarzad@moja.test"]
"#;

fn report_keys(env: &Env, now: &str) -> Vec<String> {
    let v = env.json(&["outbox", "--json", "--limit", "1000"], now);
    let mut keys: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["purpose"] == "report")
        .map(|m| m["key"].as_str().unwrap().to_string())
        .collect();
    keys.sort();
    keys
}

/// Weekly on Monday from 08:00 Warsaw time, monthly from the first business day: each period
/// once, also when the daemon restarts the same day; after a ten-day outage only the latest
/// week and month go, each stating its period.
#[test]
fn each_scheduled_report_goes_once_per_period() {
    let env = Env::new(CONFIG);
    env.load(&vars());
    // Monday 30 November, 07:00 in Warsaw: not yet (the monthly for October was due on 2 Nov).
    env.ok(&["run", "--once"], "2026-11-30T06:00:00Z");
    assert_eq!(
        report_keys(&env, "2026-11-30T06:00:00Z"),
        ["report:monthly:2026-10"]
    );
    // 08:30: the weekly report, overall and for the one account manager.
    env.ok(&["run", "--once"], "2026-11-30T07:30:00Z");
    // A restart the same day sends nothing again.
    env.ok(&["run", "--once"], "2026-11-30T10:00:00Z");
    let week49 = [
        "report:monthly:2026-10",
        "report:weekly:2026-W49:all",
        "report:weekly:2026-W49:jan@moja.test",
    ];
    assert_eq!(report_keys(&env, "2026-11-30T10:00:00Z"), week49);
    // Down until Friday 11 December: the week of 7 December and November, once each.
    env.ok(&["run", "--once"], "2026-12-11T09:00:00Z");
    env.ok(&["run", "--once"], "2026-12-11T09:05:00Z");
    let mut all: Vec<&str> = week49.to_vec();
    all.extend([
        "report:monthly:2026-11",
        "report:weekly:2026-W50:all",
        "report:weekly:2026-W50:jan@moja.test",
    ]);
    all.sort();
    assert_eq!(report_keys(&env, "2026-12-11T09:05:00Z"), all);
    let v = env.json(
        &["outbox", "--json", "--limit", "1000"],
        "2026-12-11T09:05:00Z",
    );
    let late = v
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["key"] == "report:weekly:2026-W50:all")
        .unwrap();
    // The late report states the week it covers.
    let subject = late["subject"].as_str().unwrap();
    assert!(subject.contains("04.12.2026–10.12.2026"), "{subject}");
    let monthly = v
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["key"] == "report:monthly:2026-11")
        .unwrap();
    assert_eq!(
        monthly["recipients"][0].as_str().unwrap(),
        "zarzad@moja.test"
    );
}

fn pdftotext(pdf: &std::path::Path) -> String {
    let o = Command::new("pdftotext")
        .args(["-layout", pdf.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    assert!(o.status.success());
    String::from_utf8(o.stdout).unwrap()
}

fn pl(amount: &str) -> String {
    skarbnik::domain::format_pl(amount.parse().unwrap())
}

/// The monthly report as PDF and XLSX: its key figures are in the PDF's text, every page has
/// something drawn on it, and the spreadsheet's numbers add up to the model's.
#[test]
fn the_monthly_pdf_and_xlsx_say_what_the_model_says() {
    let env = Env::new(CONFIG);
    env.load(&vars());
    let now = "2026-12-02T09:00:00Z";
    let model = env.json(&["report", "monthly", "2026-11", "--format", "json"], now);
    let pdf = env.path().join("m.pdf");
    let xlsx = env.path().join("m.xlsx");
    env.ok(
        &[
            "report",
            "monthly",
            "2026-11",
            "--format",
            "pdf",
            "--out",
            pdf.to_str().unwrap(),
        ],
        now,
    );
    env.ok(
        &[
            "report",
            "monthly",
            "2026-11",
            "--format",
            "xlsx",
            "--out",
            xlsx.to_str().unwrap(),
        ],
        now,
    );
    let text = pdftotext(&pdf);
    assert!(text.contains("Raport miesięczny 2026-11"), "{text}");
    for figure in [
        model["issued"]["amount"].as_str().unwrap(),
        model["collected"]["amount"].as_str().unwrap(),
        model["aging"]["rows"][0]["total"]["amount"]
            .as_str()
            .unwrap(),
    ] {
        assert!(
            text.contains(&pl(figure)),
            "{figure} not in the PDF: {text}"
        );
    }
    assert!(
        text.contains("DSO = należności"),
        "the formula is stated: {text}"
    );
    // Each page rendered: not blank.
    let prefix = env.path().join("page");
    let o = Command::new("pdftoppm")
        .args([
            "-r",
            "30",
            "-gray",
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    let mut pages = 0;
    for e in std::fs::read_dir(env.path()).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "pgm") {
            pages += 1;
            let bytes = std::fs::read(&p).unwrap();
            let dark = bytes.iter().skip(20).filter(|b| **b < 128).count();
            assert!(
                dark > 200,
                "{} looks blank ({dark} dark pixels)",
                p.display()
            );
        }
    }
    assert!(pages >= 2, "{pages} pages");
    // The spreadsheet: the months sheet sums to the model's 12-month totals.
    let mut wb: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let sheets = wb.sheet_names().to_vec();
    assert!(sheets.iter().any(|s| s == "Miesiące"), "{sheets:?}");
    let months = wb.worksheet_range("Miesiące").unwrap();
    let sum = |col: usize| -> f64 {
        months
            .rows()
            .skip(1)
            .map(|r| r[col].get_float().unwrap_or(0.0))
            .sum()
    };
    let issued_12: f64 = model["issued_12"]["amount"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let collected_12: f64 = model["collected_12"]["amount"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (sum(1) - issued_12).abs() < 0.005,
        "{} vs {issued_12}",
        sum(1)
    );
    assert!(
        (sum(2) - collected_12).abs() < 0.005,
        "{} vs {collected_12}",
        sum(2)
    );
    assert!(issued_12 > 0.0);
}
