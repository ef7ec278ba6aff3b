//! `skarbnik check-templates`: every mail template rendered in both languages with sample data,
//! strictly (an edited file that fails is an error, not a silent fallback). The samples are the
//! same typed contexts ([`super::context`]) the real rounds build, so what passes here is what
//! production renders. The daemon runs the check at start, so a broken template stops it loudly
//! instead of surfacing at send time.

use super::Templates;
use super::context::*;
use crate::config::Config;
use crate::domain::Lang;
use crate::dunning::interest::{Interest, InterestPart};
use crate::store::{HistoryLine, PaymentStatus, ReportPayment};
use anyhow::{Result, bail};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

fn company() -> CompanyCtx {
    CompanyCtx {
        name: "Moja Firma Sp. z o.o.".into(),
        nip: Some("5261040828".into()),
        account: Some("PL61 1090 1014 0000 0712 1981 2874".into()),
        accounts: vec!["PL61 1090 1014 0000 0712 1981 2874".into()],
        contact: Some("Anna Nowak, +48 22 123 45 67".into()),
    }
}

fn client() -> ClientCtx {
    ClientCtx {
        id: Some(1),
        name: "ACME Sp. z o.o. & Co".into(),
        nip: Some("5250007313".into()),
    }
}

#[allow(clippy::too_many_arguments)]
fn line(
    number: &str,
    issued: &str,
    due: &str,
    gross: &str,
    paid: &str,
    remaining: &str,
    days: i64,
    step: &str,
) -> InvoiceLine {
    InvoiceLine {
        number: number.into(),
        issue_date: Some(issued.into()),
        due_date: Some(due.into()),
        currency: crate::domain::Currency::PLN,
        gross: dec(gross),
        paid: dec(paid),
        remaining: dec(remaining),
        days_overdue: days,
        step: Some(step.into()),
        reminded_on: (days > 5).then(|| "2026-11-17".into()),
        ksef: (days > 5).then(|| "5265260188-20261101-0A1B2C3D4E5F-1A".into()),
    }
}

fn invoices() -> Vec<InvoiceLine> {
    vec![
        line(
            "FV/101/11/2026",
            "2026-11-02",
            "2026-11-16",
            "1230.00",
            "0.00",
            "1230.00",
            7,
            "after_7",
        ),
        line(
            "FV/115/11/2026",
            "2026-11-09",
            "2026-11-22",
            "6150.00",
            "2000.00",
            "4150.00",
            1,
            "after_1",
        ),
    ]
}

fn totals() -> Vec<Total> {
    vec![Total {
        currency: crate::domain::Currency::PLN,
        remaining: dec("5380.00"),
    }]
}

/// A credit note in the client's favour, deducted from [`totals`] in [`net_totals`].
fn credits() -> Vec<CreditLine> {
    vec![CreditLine {
        number: "KOR 3/11/2026".into(),
        issue_date: Some("2026-11-12".into()),
        currency: crate::domain::Currency::PLN,
        amount: dec("300.00"),
    }]
}

fn net_totals() -> Vec<Total> {
    vec![Total {
        currency: crate::domain::Currency::PLN,
        remaining: dec("5080.00"),
    }]
}

fn demand() -> Demand {
    Demand {
        date: "2026-11-23".into(),
        deadline: "2026-11-30".into(),
        creditor: Party {
            name: "Moja Firma Sp. z o.o.".into(),
            nip: Some("5261040828".into()),
            account: Some("PL61 1090 1014 0000 0712 1981 2874".into()),
        },
        debtor: Party {
            name: "ACME Sp. z o.o. & Co".into(),
            nip: Some("5250007313".into()),
            account: None,
        },
        lines: vec![DemandLine {
            number: "FV/101/11/2026".into(),
            issue_date: Some("2026-11-02".into()),
            due_date: "2026-11-16".into(),
            currency: crate::domain::Currency::PLN,
            principal: dec("1230.00"),
            interest_from: "2026-11-17".into(),
            interest: Interest {
                days: 7,
                total: dec("3.30"),
                parts: vec![InterestPart {
                    from: chrono::NaiveDate::from_ymd_opt(2026, 11, 17).unwrap_or_default(),
                    to: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default(),
                    days: 7,
                    percent: dec("14.00"),
                    amount: dec("3.30"),
                }],
            },
            compensation_pln: Some("170.00".into()),
        }],
        totals: vec![DemandTotal {
            currency: crate::domain::Currency::PLN,
            principal: dec("1230.00"),
            interest: dec("3.30"),
        }],
        compensation_pln: "170.00".into(),
        eur_pln: "4.25".into(),
    }
}

fn reminder(interest: bool) -> Reminder {
    Reminder {
        payer_class: Some("B (oczekiwane opóźnienie 7,3 dni; w terminie 60,0% z 5 faktur)".into()),
        lang: Lang::Pl,
        company: company(),
        client: client(),
        step: "after_7".into(),
        invoices: invoices(),
        credits: credits(),
        totals: net_totals(),
        payment_link: Some("https://pay.example.pl/?nip=5250007313".into()),
        signature: "Anna Nowak".into(),
        contact: Some("Anna Nowak, +48 22 123 45 67".into()),
        interest: interest.then(demand),
        demand_attached: interest,
        all_reminded: false,
        pay_by: Some("2026-11-30".into()),
    }
}

fn statement() -> EscalationStatement {
    EscalationStatement {
        lang: Lang::Pl,
        company: company(),
        client: client(),
        invoices: invoices(),
        credits: credits(),
        totals: net_totals(),
        payment_link: Some("https://pay.example.pl/?nip=5250007313".into()),
        signature: "Anna Nowak".into(),
        contact: Some("Anna Nowak, +48 22 123 45 67".into()),
        today: "2026-11-23".into(),
    }
}

fn notice(kind: NoticeKind, detail: NoticeDetail) -> StaffNotice {
    StaffNotice {
        kind,
        company: company(),
        today: "2026-11-23".into(),
        detail,
    }
}

fn unvouched(subject: &str, message_id: &str, why: crate::domain::Said) -> NoticeDetail {
    NoticeDetail::Unvouched {
        sender: Some("anna@example.pl".into()),
        subject: subject.into(),
        message_id: message_id.into(),
        why,
    }
}

fn staff_notices() -> Vec<StaffNotice> {
    vec![
        notice(
            NoticeKind::NoAddress,
            NoticeDetail::NoAddress {
                invoices: vec![ClientInvoice {
                    client: "ACME".into(),
                    invoice: line(
                        "FV/1",
                        "2026-11-02",
                        "2026-11-16",
                        "10.00",
                        "0.00",
                        "10.00",
                        7,
                        "after_7",
                    ),
                }],
            },
        ),
        notice(
            NoticeKind::Excluded,
            NoticeDetail::Excluded {
                client: client(),
                invoices: invoices(),
            },
        ),
        notice(
            NoticeKind::Stale,
            NoticeDetail::Stale {
                newest: Some("2026-11-17".into()),
                days: 2,
            },
        ),
        notice(
            NoticeKind::MissingRate,
            NoticeDetail::MissingRate {
                period: "H2 2026".into(),
                error: "no statutory interest rate is configured for H2 2026".into(),
            },
        ),
        notice(
            NoticeKind::ReportRefused,
            unvouched(
                "Wyciąg",
                "2@example.pl",
                crate::said!(
                    "mx.example.pl nie potwierdza domeny example.pl (dkim=fail)",
                    "mx.example.pl does not vouch for example.pl (dkim=fail)"
                ),
            ),
        ),
        notice(
            NoticeKind::CommandRefused,
            unvouched(
                "pause client ACME",
                "1@example.pl",
                crate::said!(
                    "brak nagłówka Authentication-Results od zaufanego serwera (mx.example.pl)",
                    "no Authentication-Results header from a trusted server (mx.example.pl)"
                ),
            ),
        ),
    ]
}

fn confirmation() -> Confirmation {
    Confirmation {
        lang: Lang::Pl,
        company: company(),
        client: client(),
        payment: PaymentCtx {
            date: "2026-11-20".into(),
            amount: dec("1300.00"),
            currency: crate::domain::Currency::PLN,
        },
        invoices: vec![ConfirmedInvoice {
            number: "FV/101/11/2026".into(),
            amount: dec("1300.00"),
            gross: dec("1230.00"),
            paid_in_full: true,
            overpaid: dec("70.00"),
            remaining: dec("0.00"),
        }],
        overpaid: Some(dec("70.00")),
        signature: "Anna Nowak".into(),
    }
}

fn manager() -> EscalationManager {
    EscalationManager {
        payer_class: Some("D (oczekiwane opóźnienie 41,0 dni; w terminie 0,0% z 4 faktur)".into()),
        statement: statement(),
        escalated: vec!["FV/101/11/2026".into()],
        history: vec![HistoryEntry::of(
            &HistoryLine {
                at: "2026-11-13T09:00:02Z".into(),
                kind: "reminder_before".into(),
                detail: "Przypomnienie → biuro@acme.pl".into(),
                status: Some("sent".into()),
                message_id: Some("skarbnik.1@example.pl".into()),
                subject: "Przypomnienie o zbliżającym się terminie płatności".into(),
                items: vec![("FV/101/11/2026".into(), "before".into())],
                intent: None,
            },
            &crate::dunning::planner::Policy::default(),
            Lang::Pl,
        )],
        draft: DraftText {
            subject: "Zestawienie".into(),
            text: "Dzień dobry, ...".into(),
        },
    }
}

/// A client's reply as forwarded: a dispute and a promise, with what was done.
fn client_reply(with_client: bool) -> ClientReply {
    let inv = invoices();
    ClientReply {
        company: company(),
        client: with_client.then(client),
        from: "ksiegowosc@acme.pl".into(),
        subject: "Re: Termin płatności minął".into(),
        received: "2026-11-24".into(),
        intents: vec![
            IntentLine {
                intent: "dispute".into(),
                phrase: "Fakturę FV/101/11/2026 reklamujemy – towar nie dotarł.".into(),
            },
            IntentLine {
                intent: "promise".into(),
                phrase: "Drugą zapłacimy do piątku.".into(),
            },
        ],
        promised: Some("2026-11-27".into()),
        out_of_office: false,
        invoices: inv
            .iter()
            .map(|l| ConcernedInvoice {
                line: l.clone(),
                last_step: Some("przypomnienie 1 dzień po terminie".into()),
                last_step_on: Some("2026-11-17".into()),
                holds: vec!["w sporze: bez przypomnień do rozstrzygnięcia".into()],
            })
            .collect(),
        invoices_from: "text".into(),
        done: [
            "client_paused_insolvency",
            "insolvency_unverified",
            "dispute_opened",
            "dispute_known",
            "ack_sent",
            "paid_claim_held",
            "promise_held",
            "promise_without_date",
            "invoice_sent",
            "no_document",
            "statement_sent",
            "not_registered",
            "no_invoice_named",
        ]
        .iter()
        .map(|w| DoneLine {
            what: w.to_string(),
            invoices: vec!["FV/101/11/2026".into()],
            until: Some("2026-11-27".into()),
        })
        .collect(),
        recent: vec![RecentMail {
            at: "2026-11-17".into(),
            subject: "Termin płatności minął".into(),
            status: Some("sent".into()),
        }],
        transfers: vec![TransferCtx {
            file: "potwierdzenie.pdf".into(),
            amount: Some(dec("1230.00")),
            currency: Some("PLN".into()),
            date: Some("2026-11-20".into()),
            title: Some("FV/101/11/2026".into()),
            account: Some("PL55114000009378657975432319".into()),
        }],
        text: "Fakturę FV/101/11/2026 reklamujemy – towar nie dotarł. Drugą zapłacimy do piątku."
            .into(),
        commands: vec!["rozwiąż spór FV/101/11/2026 POWÓD".into()],
    }
}

fn client_answer(attached: bool) -> ClientAnswer {
    ClientAnswer {
        company: company(),
        client: client(),
        subject: "Saldo".into(),
        invoices: invoices(),
        totals: totals(),
        signature: "Anna Nowak".into(),
        payment_link: None,
        attached: if attached {
            vec!["FV_101_11_2026.xml".into()]
        } else {
            Vec::new()
        },
    }
}

fn hold_notice(kind: &str) -> HoldNotice {
    HoldNotice {
        company: company(),
        kind: kind.into(),
        client: (kind != "small_amounts").then(client),
        invoices: invoices()
            .into_iter()
            .map(|l| ClientInvoice {
                client: "ACME Sp. z o.o.".into(),
                invoice: l,
            })
            .collect(),
        since: Some("2026-11-20".into()),
        until: Some("2026-11-27".into()),
        commands: vec!["status klienta 5250007313".into()],
    }
}

/// A review reason as the matcher stores it: two invoices of the payer have the amount.
fn sample_review_reason() -> String {
    use crate::reconcile::{Evidence, Reason, Sum};
    Reason::of(Evidence::PayerName {
        client: "Bud-Pol S.A.".into(),
    })
    .and(Evidence::SeveralExact {
        count: 2,
        client: "Bud-Pol S.A.".into(),
        amount: Sum::new(123_000, crate::domain::Currency::PLN),
    })
    .to_stored()
}

fn summary() -> Summary {
    let refusal = crate::ingest::ReportError::file(
        "wyciag.csv",
        crate::said!(
            "kwota w wierszu sum nie zgadza się z wierszami",
            "the totals row does not match the rows"
        ),
    );
    let mut bad = crate::services::import::ImportOutcome::empty("wyciag.csv");
    bad.error = Some(refusal);
    let payment = |status: PaymentStatus, invoices: &[&str], review: Option<&str>| ReportPayment {
        id: 1,
        date: "2026-11-20".into(),
        amount: dec("1230.00"),
        currency: crate::domain::Currency::PLN,
        payer: Some("ACME Sp. z o.o.".into()),
        title: "FV/1/11/2026".into(),
        status,
        invoices: invoices.iter().map(|s| s.to_string()).collect(),
        rules: if invoices.is_empty() {
            vec![]
        } else {
            vec!["invoice_number".into()]
        },
        review: review.map(str::to_string),
        candidates: if review.is_some() {
            vec!["FV/101/11/2026".into(), "FV/102/11/2026".into()]
        } else {
            Vec::new()
        },
    };
    crate::services::inbound::summary(
        "Moja Firma",
        "Wyciąg",
        &[bad],
        vec!["umowa.docx".into()],
        vec![
            payment(PaymentStatus::Matched, &["FV/1/11/2026"], None),
            payment(PaymentStatus::Review, &[], Some(&sample_review_reason())),
            payment(PaymentStatus::Unmatched, &[], None),
        ],
    )
}

/// One sample to render: the template and its context.
struct Sample {
    template: String,
    context: serde_json::Value,
}

fn sample(template: &str, ctx: &impl Serialize) -> Sample {
    Sample {
        template: template.to_string(),
        context: serde_json::to_value(ctx).unwrap_or_default(),
    }
}

fn invoice_issued(correction: bool) -> InvoiceIssued {
    InvoiceIssued {
        company: company(),
        client: client(),
        number: if correction {
            "KOR/1/11/2026".into()
        } else {
            "FV/7/11/2026".into()
        },
        services: vec!["Hosting Pro".into()],
        period: Some("listopad 2026".into()),
        lines: vec![IssuedLineCtx {
            name: "Hosting Pro – listopad 2026".into(),
            net: dec("199.99"),
            rate: "23%".into(),
            gross: dec("245.99"),
        }],
        net: dec("199.99"),
        vat: dec("46.00"),
        gross: if correction {
            dec("-245.99")
        } else {
            dec("245.99")
        },
        currency: "PLN".into(),
        issue_date: "2026-11-01".into(),
        due_date: "2026-11-15".into(),
        account: "61 1090 1014 0000 0712 1981 2874".into(),
        payment_link: Some("https://pay.example.pl/FV-7-11-2026".into()),
        split_payment: !correction,
        corrects: correction.then(|| "FV/7/11/2026".into()),
        reason: correction.then(|| "usługa anulowana".into()),
        change: dec("245.99"),
        direction: if correction { "down" } else { "none" },
        late: !correction,
        signature: "Dział rozliczeń".into(),
    }
}

fn billing_summary() -> BillingSummary {
    BillingSummary {
        company: "Moja Firma Sp. z o.o.".into(),
        date: "2026-11-01".into(),
        documents: vec![
            IssuedDocCtx {
                number: "FV/7/11/2026".into(),
                kind: "invoice".into(),
                client: "ACME Sp. z o.o.".into(),
                nip: Some("5250007313".into()),
                issue_date: "2026-11-01".into(),
                period: Some("listopad 2026".into()),
                net: dec("199.99"),
                vat: dec("46.00"),
                gross: dec("245.99"),
                currency: "PLN".into(),
                mailed_to: vec!["faktury@acme.pl".into()],
                corrects: None,
            },
            IssuedDocCtx {
                number: "KOR/1/11/2026".into(),
                kind: "correction".into(),
                client: "Beta S.A.".into(),
                nip: None,
                issue_date: "2026-11-01".into(),
                period: None,
                net: dec("-100.00"),
                vat: dec("-23.00"),
                gross: dec("-123.00"),
                currency: "PLN".into(),
                mailed_to: Vec::new(),
                corrects: Some("FV/3/10/2026".into()),
            },
        ],
        count: 2,
        more: 0,
        list_name: "faktury-2026-11-01.csv".into(),
        per_rate: vec![RateTotalCtx {
            rate: "23%".into(),
            currency: "PLN".into(),
            net: dec("99.99"),
            vat: dec("23.00"),
            gross: dec("122.99"),
        }],
        totals: vec![RateTotalCtx {
            rate: String::new(),
            currency: "PLN".into(),
            net: dec("99.99"),
            vat: dec("23.00"),
            gross: dec("122.99"),
        }],
        zip_name: "faktury-2026-11-01.zip".into(),
        export_dir: Some("var/ksef/out/2026-11".into()),
        problems: vec![crate::said!(
            "Beta S.A.: brak adresu klienta",
            "Beta S.A.: the client has no address"
        )],
    }
}

/// Every template with its samples (reminders with and without interest, each staff notice).
fn samples(config: &Config) -> Vec<Sample> {
    let mut out = Vec::new();
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
    for t in &reminder_templates {
        out.push(sample(t, &reminder(false)));
        out.push(sample(t, &reminder(true)));
    }
    out.push(sample("escalation_statement", &statement()));
    out.push(sample("escalation_manager", &manager()));
    out.push(sample("payment_confirmation", &confirmation()));
    for n in staff_notices() {
        out.push(sample("staff_notice", &n));
    }
    out.push(sample("demand", &demand()));
    out.push(sample(
        "bounce_notice",
        &BounceNotice {
            subject: "Undelivered".into(),
            addresses: vec!["x@acme.pl".into()],
            clients: BTreeMap::from([("x@acme.pl".to_string(), vec!["#1".to_string()])]),
            company: "Moja Firma".into(),
        },
    ));
    out.push(sample(
        "command_reply",
        &CommandReply {
            subject: "status ACME".into(),
            company: "Moja Firma".into(),
            results: vec![CommandResult {
                line: "status ACME".into(),
                ok: true,
                text: "ACME (NIP 5250007313)\nOpen invoices: none".into(),
            }],
        },
    ));
    out.push(sample("client_reply", &client_reply(true)));
    out.push(sample("client_reply", &client_reply(false)));
    out.push(sample("dispute_ack", &client_answer(false)));
    out.push(sample("invoice_copy", &client_answer(true)));
    out.push(sample("client_balance", &client_answer(false)));
    let mut paid_up = client_answer(false);
    paid_up.invoices.clear();
    paid_up.totals.clear();
    out.push(sample("client_balance", &paid_up));
    for kind in ["promise_broken", "paid_claim_expired", "small_amounts"] {
        out.push(sample("hold_notice", &hold_notice(kind)));
    }
    out.push(sample("invoice_issued", &invoice_issued(false)));
    out.push(sample("invoice_issued", &invoice_issued(true)));
    out.push(sample("billing_summary", &billing_summary()));
    out.push(sample("summary", &summary()));
    let mut deep = summary();
    deep.too_deep = true;
    deep.files.clear();
    out.push(sample("summary", &deep));
    out
}

/// Renders every template in both languages; returns how many were rendered, or every failure.
pub fn check_templates(templates: &Templates, config: &Config) -> Result<usize> {
    let mut failures = Vec::new();
    let mut n = 0;
    for lang in [Lang::Pl, Lang::En] {
        for s in samples(config) {
            let name = &s.template;
            match templates.render_checked(lang, name, &s.context) {
                Ok(r) => {
                    n += 1;
                    if r.subject.is_empty() {
                        failures.push(format!("{lang}/{name}: the subject is empty"));
                    }
                    if name == "demand"
                        && let Err(e) = crate::dunning::demand::typeset(&r.subject, &r.text)
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
        let ctx = reminder(true);
        let pl = t
            .render_checked(Lang::Pl, "reminder_after_7", &ctx)
            .unwrap();
        assert!(pl.text.contains("FV/101/11/2026"), "{}", pl.text);
        assert!(pl.text.contains("1 230,00 PLN"), "{}", pl.text);
        assert!(pl.text.contains("16.11.2026"), "{}", pl.text);
        assert!(pl.text.contains("odsetki 3,30 PLN"), "{}", pl.text);
        assert!(pl.text.contains("wezwanie do zapłaty"), "{}", pl.text);
        assert!(
            pl.text.contains(
                "- na Państwa korzyść KOR 3/11/2026 z 12.11.2026: potrącamy 300,00 PLN\nRazem do zapłaty po potrąceniu: 5 080,00 PLN"
            ),
            "{}",
            pl.text
        );
        let html = pl.html.unwrap();
        assert!(
            html.contains("ACME Sp. z o.o. &amp; Co") || !html.contains("ACME"),
            "{html}"
        );
        let en = t
            .render_checked(Lang::En, "reminder_after_7", &ctx)
            .unwrap();
        assert!(en.text.contains("1,230.00 PLN"), "{}", en.text);
        assert!(en.text.contains("16 Nov 2026"), "{}", en.text);
        assert!(en.subject.starts_with("Overdue payment"), "{}", en.subject);
    }

    /// No code of the program reaches a person: intent and action codes, step names, hold
    /// kinds are all put in words, in the mail's language.
    #[test]
    fn conversation_mails_say_everything_in_words() {
        let t = Templates::new(None);
        let codes = [
            "client_paused_insolvency",
            "insolvency_unverified",
            "dispute_opened",
            "dispute_known",
            "ack_sent",
            "paid_claim",
            "promise_held",
            "promise_without_date",
            "invoice_sent",
            "no_document",
            "statement_sent",
            "not_registered",
            "no_invoice_named",
            "already_paid",
            "asks_",
            "promise_broken",
            "small_amounts",
            "after_7",
            "after_1",
        ];
        let mut rendered = Vec::new();
        for lang in [Lang::Pl, Lang::En] {
            for kind in ["promise_broken", "paid_claim_expired", "small_amounts"] {
                rendered.push((
                    lang,
                    t.render(lang, "hold_notice", &hold_notice(kind)).unwrap(),
                ));
            }
            rendered.push((
                lang,
                t.render(lang, "client_reply", &client_reply(true)).unwrap(),
            ));
            rendered.push((
                lang,
                t.render(lang, "client_reply", &client_reply(false))
                    .unwrap(),
            ));
        }
        for (lang, r) in rendered {
            let all = format!("{}\n{}", r.subject, r.text);
            for c in codes {
                assert!(!all.contains(c), "{lang}: {c:?} in\n{all}");
            }
            if lang == Lang::En {
                for w in ["Dzień dobry", "wstrzymał", "faktur", "zapłat"] {
                    assert!(!all.contains(w), "{w:?} in English mail:\n{all}");
                }
            } else {
                for w in ["Hello", " held ", " invoice ", " the client"] {
                    assert!(!all.contains(w), "{w:?} in Polish mail:\n{all}");
                }
            }
        }
    }

    #[test]
    fn numbers_in_the_polish_demand_are_polish() {
        let t = Templates::new(None);
        let pl = t.render(Lang::Pl, "demand", &demand()).unwrap().text;
        assert!(
            pl.contains(",00%") || pl.contains(",75%") || pl.contains(",25%"),
            "{pl}"
        );
        assert!(!pl.contains(".00%") && !pl.contains(".75%"), "{pl}");
        assert!(pl.contains("kurs EUR/PLN 4,25"), "{pl}");
        let en = t.render(Lang::En, "demand", &demand()).unwrap().text;
        assert!(en.contains("EUR/PLN 4.25"), "{en}");
    }

    #[test]
    fn the_summary_renders_every_part_in_both_languages() {
        let s = summary();
        let t = Templates::new(None);
        let pl = t.render(Lang::Pl, "summary", &s).unwrap();
        assert!(pl.subject.starts_with("Re: Wyciąg"), "{}", pl.subject);
        assert!(pl.subject.contains("odrzucono 1 z 1"), "{}", pl.subject);
        for needle in [
            "ODRZUCONY: wyciag.csv",
            "1 230,00 PLN",
            "→ FV/1/11/2026",
            "numer faktury w tytule",
            "Czekają na decyzję człowieka (1)",
            "nazwa płatnika odpowiada klientowi Bud-Pol S.A.; 2 otwarte faktury klienta Bud-Pol S.A. mają do zapłaty 1 230,00 PLN",
            "Bez dopasowania (1)",
            "polecenie: dopasuj 1 FV/101/11/2026",
            "jeśli to zapłata faktury: dopasuj 1 NUMER",
            "umowa.docx",
        ] {
            assert!(
                pl.text.contains(needle),
                "missing {needle:?} in\n{}",
                pl.text
            );
        }
        let en = t.render(Lang::En, "summary", &s).unwrap();
        assert!(en.text.contains("REFUSED: wyciag.csv"), "{}", en.text);
        assert!(
            en.text.contains("invoice number in the title"),
            "{}",
            en.text
        );
        assert!(
            en.text.contains(
                "payer's name matches Bud-Pol S.A.; 2 open invoices of Bud-Pol S.A. have outstanding 1,230.00 PLN"
            ),
            "{}",
            en.text
        );
    }

    #[test]
    fn a_summary_without_a_subject_says_so_in_its_language() {
        let mut s = summary();
        s.subject = String::new();
        let t = Templates::new(None);
        let pl = t.render(Lang::Pl, "summary", &s).unwrap();
        assert!(pl.subject.starts_with("Re: (bez tematu)"), "{}", pl.subject);
        let en = t.render(Lang::En, "summary", &s).unwrap();
        assert!(en.subject.starts_with("Re: (no subject)"), "{}", en.subject);
        assert!(!en.text.contains("bez tematu"), "{}", en.text);
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
