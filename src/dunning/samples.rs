//! `skarbnik check-templates`: every mail template rendered in both languages with sample data,
//! strictly (an edited file that fails is an error, not a silent fallback). The daemon runs it at
//! start, so a broken template stops it loudly instead of surfacing at send time.

use crate::config::Config;
use crate::import::ImportOutcome;
use crate::templates::Templates;
use anyhow::{Result, bail};
use serde_json::{Value, json};

fn company() -> Value {
    json!({"name": "Moja Firma Sp. z o.o.", "nip": "5261040828",
           "account": "PL61 1090 1014 0000 0712 1981 2874",
           "accounts": ["PL61 1090 1014 0000 0712 1981 2874"], "contact": "Anna Nowak, +48 22 123 45 67"})
}

fn invoices() -> Value {
    json!([
        {"number": "FV/101/11/2026", "issue_date": "2026-11-02", "due_date": "2026-11-16", "currency": "PLN",
         "gross": "1230.00", "paid": "0.00", "remaining": "1230.00", "days_overdue": 7, "step": "after_7"},
        {"number": "FV/115/11/2026", "issue_date": "2026-11-09", "due_date": "2026-11-22", "currency": "PLN",
         "gross": "6150.00", "paid": "2000.00", "remaining": "4150.00", "days_overdue": 1, "step": "after_1"}
    ])
}

fn demand() -> Value {
    json!({
        "date": "2026-11-23", "deadline": "2026-11-30",
        "creditor": {"name": "Moja Firma Sp. z o.o.", "nip": "5261040828", "account": "PL61 1090 1014 0000 0712 1981 2874"},
        "debtor": {"name": "ACME Sp. z o.o. & Co", "nip": "5250007313"},
        "lines": [{"number": "FV/101/11/2026", "issue_date": "2026-11-02", "due_date": "2026-11-16", "currency": "PLN",
                   "principal": "1230.00", "interest_from": "2026-11-17",
                   "interest": {"days": 7, "total": "3.30", "parts": [{"from": "2026-11-17", "to": "2026-11-23", "days": 7, "percent": "14.00", "amount": "3.30"}]},
                   "compensation_pln": "170.00"}],
        "totals": [{"currency": "PLN", "principal": "1230.00", "interest": "3.30"}],
        "compensation_pln": "170.00", "eur_pln": "4.25"
    })
}

/// (template, context) pairs covering every template and branch that matters.
fn samples(config: &Config) -> Vec<(String, Value)> {
    let base = json!({
        "company": company(), "client": {"id": 1, "name": "ACME Sp. z o.o. & Co", "nip": "5250007313"},
        "invoices": invoices(), "totals": [{"currency": "PLN", "remaining": "5380.00"}],
        "payment_link": "https://pay.example.pl/?nip=5250007313", "signature": "Anna Nowak",
        "contact": "Anna Nowak, +48 22 123 45 67", "interest": null, "demand_attached": false,
        "today": "2026-11-23", "step": "after_7",
    });
    let mut with_interest = base.clone();
    with_interest["interest"] = demand();
    with_interest["demand_attached"] = json!(true);
    let mut out: Vec<(String, Value)> = Vec::new();
    let policy = config.dunning.policy();
    let mut reminder_templates: Vec<String> = policy
        .steps
        .iter()
        .map(|s| policy.template(&s.name))
        .collect();
    for t in ["reminder_before", "reminder_after_1", "reminder_after_7"] {
        reminder_templates.push(t.into());
    }
    reminder_templates.sort();
    reminder_templates.dedup();
    for t in reminder_templates {
        out.push((t.clone(), base.clone()));
        out.push((t, with_interest.clone()));
    }
    out.push(("escalation_statement".into(), base.clone()));
    let mut manager = base.clone();
    manager["escalated"] = json!(["FV/101/11/2026"]);
    manager["history"] = json!([{"at": "2026-11-13T09:00:02Z", "kind": "reminder_before", "detail": "Przypomnienie → biuro@acme.pl",
                                 "status": "sent", "message_id": "skarbnik.1@example.pl"}]);
    manager["draft"] = json!({"subject": "Zestawienie", "text": "Dzień dobry, ..."});
    out.push(("escalation_manager".into(), manager));
    out.push((
        "payment_confirmation".into(),
        json!({"company": company(), "client": base["client"], "signature": "Anna Nowak",
               "payment": {"date": "2026-11-20", "amount": "1300.00", "currency": "PLN"},
               "invoices": [{"number": "FV/101/11/2026", "amount": "1300.00", "gross": "1230.00", "paid_in_full": true, "overpaid": "70.00", "remaining": "0.00"}],
               "overpaid": "70.00"}),
    ));
    for (kind, extra) in [
        (
            "no_address",
            json!({"invoices": [{"client": "ACME", "number": "FV/1", "due_date": "2026-11-16", "remaining": "10.00", "currency": "PLN"}]}),
        ),
        (
            "excluded",
            json!({"client": base["client"], "invoices": invoices()}),
        ),
        ("stale", json!({"newest": "2026-11-17", "days": 2})),
        (
            "missing_rate",
            json!({"period": "H2 2026", "error": "no statutory interest rate is configured for H2 2026"}),
        ),
        (
            "report_refused",
            json!({"sender": "anna@example.pl", "subject": "Wyciąg", "message_id": "2@example.pl",
                   "why": "mx.example.pl does not vouch for example.pl (dkim=fail)"}),
        ),
        (
            "command_refused",
            json!({"sender": "anna@example.pl", "subject": "pause client ACME", "message_id": "1@example.pl",
                   "why": "no Authentication-Results header from a trusted server (mx.example.pl)"}),
        ),
    ] {
        let mut ctx = json!({"kind": kind, "company": company(), "today": "2026-11-23"});
        if let (Some(o), Value::Object(e)) = (ctx.as_object_mut(), extra) {
            o.extend(e);
        }
        out.push(("staff_notice".into(), ctx));
    }
    out.push(("demand".into(), demand()));
    out.push((
        "bounce_notice".into(),
        json!({"subject": "Undelivered", "addresses": ["x@acme.pl"], "clients": {"x@acme.pl": ["#1"]}, "company": "Moja Firma"}),
    ));
    out.push((
        "command_reply".into(),
        json!({"subject": "status ACME", "company": "Moja Firma",
               "results": [{"line": "status ACME", "ok": true, "text": "ACME (NIP 5250007313)\nOpen invoices: none"}]}),
    ));
    let mut bad = ImportOutcome::empty("wyciag.csv");
    bad.error = Some(crate::ingest::ReportError::file(
        "wyciag.csv",
        "sample refusal",
    ));
    if let Ok(v) = serde_json::to_value(crate::mail::summary::build(
        "Moja Firma",
        "Wyciąg",
        &[bad],
        vec!["umowa.docx".into()],
        Vec::new(),
    )) {
        out.push(("summary".into(), v));
    }
    out
}

/// Renders every template in both languages; returns how many were rendered, or every failure.
pub fn check_templates(templates: &Templates, config: &Config) -> Result<usize> {
    let mut failures = Vec::new();
    let mut n = 0;
    for lang in ["pl", "en"] {
        for (name, ctx) in samples(config) {
            match templates.render_checked(lang, &name, &ctx) {
                Ok(r) => {
                    n += 1;
                    if r.subject.is_empty() {
                        failures.push(format!("{lang}/{name}: the subject is empty"));
                    }
                    if name == "demand"
                        && let Err(e) = super::demand::typeset(&r.subject, &r.text)
                    {
                        failures.push(format!("{lang}/{name}: {e:#}"));
                    }
                }
                Err(e) => failures.push(format!("{lang}/{name}: {e:#}")),
            }
        }
    }
    if !failures.is_empty() {
        bail!("broken templates:\n  {}", failures.join("\n  "));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_template_renders_in_both_languages() {
        let config = Config::default();
        let t = Templates::new(None);
        let n = check_templates(&t, &config).unwrap();
        assert!(n >= 2 * 15, "{n}");
        // Spot checks of content: amounts, dates, escaping in HTML, the interest lines.
        let s = samples(&config);
        let ctx = &s
            .iter()
            .find(|(n, c)| n == "reminder_after_7" && !c["interest"].is_null())
            .unwrap()
            .1;
        let pl = t.render_checked("pl", "reminder_after_7", ctx).unwrap();
        assert!(pl.text.contains("FV/101/11/2026"), "{}", pl.text);
        assert!(pl.text.contains("1 230,00 PLN"), "{}", pl.text);
        assert!(pl.text.contains("16.11.2026"), "{}", pl.text);
        assert!(pl.text.contains("odsetki 3,30 PLN"), "{}", pl.text);
        assert!(pl.text.contains("wezwanie do zapłaty"), "{}", pl.text);
        assert!(
            pl.text.contains("Razem do zapłaty: 5 380,00 PLN"),
            "{}",
            pl.text
        );
        let html = pl.html.unwrap();
        assert!(
            html.contains("ACME Sp. z o.o. &amp; Co") || !html.contains("ACME"),
            "{html}"
        );
        let en = t.render_checked("en", "reminder_after_7", ctx).unwrap();
        assert!(en.text.contains("1,230.00 PLN"), "{}", en.text);
        assert!(en.text.contains("16 Nov 2026"), "{}", en.text);
        assert!(en.subject.starts_with("Overdue payment"), "{}", en.subject);
    }

    #[test]
    fn a_broken_edited_template_fails_the_check() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("en")).unwrap();
        std::fs::write(
            dir.path().join("en/reminder_after_1.txt"),
            "Subject: {{ client.name }\n\nbroken",
        )
        .unwrap();
        let e = check_templates(&Templates::new(Some(dir.path())), &Config::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("en/reminder_after_1"), "{e}");
    }
}
