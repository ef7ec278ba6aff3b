//! The summary reply to a report mail: what each attachment was, what was stored, what was
//! matched and what waits for a person. Built from import outcomes and the store; rendered by the
//! `summary` template.

use crate::import::ImportOutcome;
use crate::store::ReportPayment;
use serde::Serialize;

/// At most this many payments are listed per group; the rest are counted.
const LIST_MAX: usize = 50;

#[derive(Debug, Clone, Serialize)]
pub struct FileLine {
    pub file: String,
    pub kind: Option<&'static str>,
    pub profile: Option<String>,
    pub format: Option<String>,
    pub encoding: Option<String>,
    pub rows_read: usize,
    pub new: usize,
    pub known: usize,
    pub updated: usize,
    pub skipped: usize,
    pub warnings: Vec<String>,
    pub duplicate_of: Option<i64>,
    /// The refusal, naming file, sheet, row and column.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub company: String,
    pub subject: String,
    pub files: Vec<FileLine>,
    pub ignored: Vec<String>,
    pub refused: usize,
    pub matched: Vec<ReportPayment>,
    pub matched_more: usize,
    pub review: Vec<ReportPayment>,
    pub review_more: usize,
    pub unmatched: Vec<ReportPayment>,
    pub unmatched_more: usize,
}

fn capped(mut v: Vec<ReportPayment>) -> (Vec<ReportPayment>, usize) {
    let more = v.len().saturating_sub(LIST_MAX);
    v.truncate(LIST_MAX);
    (v, more)
}

pub fn build(
    company: &str,
    subject: &str,
    outcomes: &[ImportOutcome],
    ignored: Vec<String>,
    payments: Vec<ReportPayment>,
) -> Summary {
    let files: Vec<FileLine> = outcomes
        .iter()
        .map(|o| FileLine {
            file: o.file.clone(),
            kind: o.kind.map(|k| k.as_str()),
            profile: o.profile.clone(),
            format: o.format.clone(),
            encoding: o.encoding.clone(),
            rows_read: o.rows_read,
            new: o.new,
            known: o.known,
            updated: o.updated,
            skipped: o.skipped,
            warnings: o.warnings.clone(),
            duplicate_of: o.duplicate_of,
            error: o.error.as_ref().map(|e| e.to_string()),
        })
        .collect();
    let (mut matched, mut review, mut unmatched) = (Vec::new(), Vec::new(), Vec::new());
    for p in payments {
        match p.status.as_str() {
            "matched" | "partial" => matched.push(p),
            "review" => review.push(p),
            _ => unmatched.push(p),
        }
    }
    let (matched, matched_more) = capped(matched);
    let (review, review_more) = capped(review);
    let (unmatched, unmatched_more) = capped(unmatched);
    Summary {
        company: company.to_string(),
        subject: if subject.is_empty() {
            "(bez tematu)".into()
        } else {
            subject.to_string()
        },
        refused: files.iter().filter(|f| f.error.is_some()).count(),
        files,
        ignored,
        matched,
        matched_more,
        review,
        review_more,
        unmatched,
        unmatched_more,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::Templates;
    use rust_decimal::Decimal;

    fn pay(status: &str, invoices: &[&str], review: Option<&str>) -> ReportPayment {
        ReportPayment {
            id: 1,
            date: "2026-11-20".into(),
            amount: Decimal::new(123_000, 2),
            currency: "PLN".into(),
            payer: Some("ACME Sp. z o.o.".into()),
            title: "FV/1/11/2026".into(),
            status: status.into(),
            invoices: invoices.iter().map(|s| s.to_string()).collect(),
            rules: if invoices.is_empty() {
                vec![]
            } else {
                vec!["invoice_number".into()]
            },
            review: review.map(str::to_string),
        }
    }

    #[test]
    fn renders_every_part_in_both_languages() {
        let refused = crate::ingest::ReportError {
            file: "zly.csv".into(),
            sheet: None,
            row: Some(7),
            column: Some("Kwota".into()),
            cause: "not an amount: \"12,3,4\"".into(),
        };
        let mut bad = crate::import::ImportOutcome::empty("zly.csv");
        bad.error = Some(refused);
        let s = build(
            "Moja Firma",
            "Wyciąg listopad",
            &[bad],
            vec!["umowa.docx".into()],
            vec![
                pay("matched", &["FV/1/11/2026"], None),
                pay("review", &[], Some("two invoices of 1230.00")),
                pay("unmatched", &[], None),
            ],
        );
        let t = Templates::new(None);
        let pl = t.render("pl", "summary", &s).unwrap();
        assert!(
            pl.subject.starts_with("Re: Wyciąg listopad"),
            "{}",
            pl.subject
        );
        assert!(pl.subject.contains("odrzucono 1 z 1"), "{}", pl.subject);
        for needle in [
            "ODRZUCONY: zly.csv, row 7, column Kwota",
            "1 230,00 PLN",
            "→ FV/1/11/2026",
            "numer faktury w tytule",
            "Czekają na decyzję człowieka (1)",
            "two invoices of 1230.00",
            "Bez dopasowania (1)",
            "umowa.docx",
        ] {
            assert!(
                pl.text.contains(needle),
                "missing {needle:?} in\n{}",
                pl.text
            );
        }
        let en = t.render("en", "summary", &s).unwrap();
        assert!(en.text.contains("REFUSED: zly.csv, row 7"), "{}", en.text);
        assert!(
            en.text.contains("invoice number in the title"),
            "{}",
            en.text
        );
    }

    #[test]
    fn long_lists_are_cut() {
        let many = (0..120).map(|_| pay("unmatched", &[], None)).collect();
        let s = build("F", "s", &[], vec![], many);
        assert_eq!((s.unmatched.len(), s.unmatched_more), (50, 70));
        let pl = Templates::new(None).render("pl", "summary", &s).unwrap();
        assert!(pl.text.contains("Bez dopasowania (120)"), "{}", pl.text);
        assert!(pl.text.contains("i 70 więcej"), "{}", pl.text);
    }
}
