//! The reports' tables in the report's language, shared by the PDF and the spreadsheet.

use super::{Cell, Table, action};
use crate::domain::Lang;
use crate::reports::Amount;
use crate::reports::aging::{Aging, AgingRow};
use crate::reports::monthly::Monthly;
use crate::reports::statement::Statement;
use crate::reports::weekly::Weekly;
use std::collections::HashMap;

fn m(a: &Amount) -> Cell {
    Cell::Money(a.amount, a.currency)
}

fn t(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

pub fn bucket_names(lang: Lang) -> Vec<String> {
    match lang {
        Lang::Pl => [
            "nieprzeterminowane",
            "1–30 dni",
            "31–60 dni",
            "61–90 dni",
            "ponad 90 dni",
        ],
        Lang::En => [
            "not yet due",
            "1–30 days",
            "31–60 days",
            "61–90 days",
            "over 90 days",
        ],
    }
    .map(String::from)
    .to_vec()
}

fn hold_words(c: &crate::reports::weekly::Case, lang: Lang) -> String {
    c.hold
        .map(|k| {
            crate::dunning::words::hold(
                &crate::domain::Hold {
                    kind: k,
                    until: c.hold_until,
                },
                lang,
            )
        })
        .unwrap_or_default()
}

pub fn weekly(w: &Weekly, lang: Lang, steps: &HashMap<String, String>) -> Vec<(String, Table)> {
    let mut cases = Table::new(
        lang.pick("Zaległe", "Overdue"),
        lang,
        &[
            ("Klient", "Client", 3.0, false),
            ("Faktura", "Invoice", 2.0, false),
            ("Do zapłaty", "Outstanding", 2.0, true),
            ("Dni po terminie", "Days overdue", 1.2, true),
            ("Ostatni krok", "Last step", 2.5, false),
            ("Odpowiedź / wstrzymanie", "Reply / hold", 2.5, false),
            ("Klasa", "Class", 0.7, false),
            ("Oczekiwana wpłata", "Expected payment", 1.3, false),
            ("Co zrobić", "What to do", 4.0, false),
        ],
    );
    for c in &w.cases {
        let step = c
            .step
            .as_ref()
            .map(|s| {
                format!(
                    "{} ({})",
                    steps.get(s).cloned().unwrap_or_else(|| s.clone()),
                    c.step_on.map(|d| super::date(d, lang)).unwrap_or_default()
                )
            })
            .unwrap_or_else(|| lang.pick("bez przypomnienia", "none yet").into());
        let mut reply = hold_words(c, lang);
        if let Some((d, intent)) = &c.reply {
            if !reply.is_empty() {
                reply.push_str("; ");
            }
            reply.push_str(&format!(
                "{} {}{}",
                lang.pick("odpowiedź", "replied"),
                super::date(*d, lang),
                intent
                    .as_deref()
                    .map(|i| format!(" ({})", crate::dunning::words::intent(i, lang)))
                    .unwrap_or_default()
            ));
        }
        cases.push(
            lang,
            vec![
                t(&c.client),
                t(&c.number),
                m(&c.outstanding),
                Cell::Int(c.days_overdue),
                t(step),
                t(reply),
                t(c.class.as_str()),
                Cell::Date(c.expected_payment),
                t(action(c, lang, steps)),
            ],
        );
    }
    let mut new = Table::new(
        lang.pick("Nowe zaległe", "New overdue"),
        lang,
        &[
            ("Klient", "Client", 3.0, false),
            ("Faktura", "Invoice", 2.0, false),
            ("Do zapłaty", "Outstanding", 2.0, true),
            ("Po terminie od", "Overdue since", 1.5, false),
        ],
    );
    for b in &w.new_overdue {
        new.push(
            lang,
            vec![
                t(&b.client),
                t(&b.number),
                m(&b.amount),
                Cell::Date(Some(b.on)),
            ],
        );
    }
    let mut paid = Table::new(
        lang.pick("Zapłacone", "Paid"),
        lang,
        &[
            ("Klient", "Client", 3.0, false),
            ("Faktura", "Invoice", 2.0, false),
            ("Kwota", "Amount", 2.0, true),
            ("Zapłacona", "Paid on", 1.5, false),
        ],
    );
    for b in &w.paid {
        paid.push(
            lang,
            vec![
                t(&b.client),
                t(&b.number),
                m(&b.amount),
                Cell::Date(Some(b.on)),
            ],
        );
    }
    vec![
        (
            lang.pick(
                "Zaległe faktury (najpilniejsze najpierw)",
                "Overdue invoices (most urgent first)",
            )
            .into(),
            cases,
        ),
        (
            lang.pick("Nowe zaległe w tym tygodniu", "Became overdue this week")
                .into(),
            new,
        ),
        (
            lang.pick("Zapłacone w tym tygodniu", "Paid this week")
                .into(),
            paid,
        ),
    ]
}

fn aging_cells(name: Option<&str>, r: &AgingRow) -> Vec<Cell> {
    let mut v: Vec<Cell> = name.map(|n| vec![t(n)]).unwrap_or_default();
    v.push(t(r.currency.to_string()));
    v.extend(r.buckets.iter().map(m));
    v.push(m(&r.total));
    v
}

pub fn aging(a: &Aging, lang: Lang) -> Vec<(String, Table)> {
    let names = bucket_names(lang);
    let mut cols: Vec<(&str, &str, f32, bool)> = vec![("Waluta", "Currency", 1.0, false)];
    for n in &names {
        cols.push((n.as_str(), n.as_str(), 1.8, true));
    }
    cols.push(("Razem", "Total", 2.0, true));
    let mut total = Table::new(lang.pick("Wiekowanie", "Aging"), lang, &cols);
    for r in &a.rows {
        total.push(lang, aging_cells(None, r));
    }
    let mut cols_c = vec![("Klient", "Client", 3.0, false)];
    cols_c.extend(cols.iter().copied());
    let mut per = Table::new(
        lang.pick("Wiekowanie klientów", "Aging by client"),
        lang,
        &cols_c,
    );
    for c in &a.clients {
        per.push(lang, aging_cells(Some(&c.client), &c.row));
    }
    vec![
        (
            format!(
                "{} {}",
                lang.pick("Należności na dzień", "Receivables on"),
                super::date(a.as_of, lang)
            ),
            total,
        ),
        (lang.pick("Według klientów", "By client").into(), per),
    ]
}

const CLIENT_COLUMNS: &[(&str, &str, f32, bool)] = &[
    ("Klient", "Client", 3.5, false),
    ("Klasa", "Class", 0.7, false),
    ("Opłacone", "Paid", 1.0, true),
    ("Dni do zapł.", "Days to pay", 1.2, true),
    ("Dni opóźn.", "Days late", 1.2, true),
    ("Opóźn. ważone", "Weighted late", 1.4, true),
    ("Zaległe", "Overdue", 2.0, true),
    ("Trend (dni)", "Trend (days)", 1.0, true),
];

pub fn monthly(r: &Monthly, lang: Lang, steps: &HashMap<String, String>) -> Vec<(String, Table)> {
    let mut series = Table::new(
        lang.pick("Miesiące", "Months"),
        lang,
        &[
            ("Miesiąc", "Month", 1.2, false),
            ("Wystawione", "Issued", 2.0, true),
            ("Zapłacone", "Collected", 2.0, true),
            ("Zaległe na koniec", "Overdue at the end", 2.0, true),
            ("DSO (dni)", "DSO (days)", 1.0, true),
        ],
    );
    for p in &r.series {
        series.push(
            lang,
            vec![
                t(&p.month),
                m(&p.issued),
                m(&p.collected),
                m(&p.overdue),
                Cell::Num(p.dso),
            ],
        );
    }
    // The same columns for every client and for the worst ten.
    let client_table = |pl: &str, en: &str| Table::new(lang.pick(pl, en), lang, CLIENT_COLUMNS);
    let mut clients = client_table("Klienci", "Clients");
    let client_row = |c: &crate::reports::monthly::ClientStat| {
        vec![
            t(&c.client),
            t(c.class.as_str()),
            Cell::Int(c.paid_invoices as i64),
            Cell::Num(c.avg_days_to_pay),
            Cell::Num(c.avg_days_late),
            Cell::Num(Some(c.weighted_days_late)),
            m(&c.overdue),
            Cell::Num(c.trend),
        ]
    };
    for c in &r.clients {
        clients.push(lang, client_row(c));
    }
    let mut worst = client_table("Najgorsi płatnicy", "Worst payers");
    for c in &r.worst {
        worst.push(lang, client_row(c));
    }
    let mut effect = Table::new(
        lang.pick("Skuteczność przypomnień", "Reminder effectiveness"),
        lang,
        &[
            ("Krok", "Step", 4.0, false),
            ("Wysłane", "Sent", 1.0, true),
            ("Zapłacone w 7 dni", "Paid within 7 days", 1.5, true),
            ("Udział", "Share", 1.0, true),
        ],
    );
    for e in &r.effectiveness {
        effect.push(
            lang,
            vec![
                t(steps
                    .get(&e.step)
                    .cloned()
                    .unwrap_or_else(|| e.step.clone())),
                Cell::Int(e.sent as i64),
                Cell::Int(e.paid_within_7 as i64),
                Cell::Percent(e.percent),
            ],
        );
    }
    let mut forecast = Table::new(
        lang.pick("Prognoza wpływów", "Cash-in forecast"),
        lang,
        &[
            ("Od", "From", 1.2, false),
            ("Do", "To", 1.2, false),
            ("Według terminów", "By due dates", 2.0, true),
            ("Według historii płatnika", "By payer history", 2.0, true),
        ],
    );
    for w in &r.forecast {
        forecast.push(
            lang,
            vec![
                Cell::Date(Some(w.from)),
                Cell::Date(Some(w.to)),
                m(&w.by_due),
                m(&w.expected),
            ],
        );
    }
    let mut out = vec![
        (
            lang.pick(
                "Wystawione i zapłacone, 12 miesięcy",
                "Issued and collected, 12 months",
            )
            .into(),
            series,
        ),
        (
            lang.pick(
                "Najgorsi płatnicy (opóźnienie ważone kwotą)",
                "Worst payers (amount-weighted delay)",
            )
            .into(),
            worst,
        ),
        (
            lang.pick("Skuteczność przypomnień", "Reminder effectiveness")
                .into(),
            effect,
        ),
        (
            lang.pick("Prognoza wpływów na 30 dni", "Cash-in forecast, 30 days")
                .into(),
            forecast,
        ),
    ];
    out.extend(aging(&r.aging, lang));
    out.push((lang.pick("Wszyscy klienci", "All clients").into(), clients));
    out
}

pub fn statement(s: &Statement, lang: Lang) -> Vec<(String, Table)> {
    let mut open = Table::new(
        lang.pick("Otwarte faktury", "Open invoices"),
        lang,
        &[
            ("Faktura", "Invoice", 2.0, false),
            ("Wystawiona", "Issued", 1.2, false),
            ("Termin", "Due", 1.2, false),
            ("Brutto", "Gross", 1.8, true),
            ("Zapłacono", "Paid", 1.8, true),
            ("Do zapłaty", "Outstanding", 1.8, true),
            ("Dni po terminie", "Days overdue", 1.0, true),
        ],
    );
    for l in &s.open {
        open.push(
            lang,
            vec![
                t(&l.number),
                Cell::Date(l.issue_date),
                Cell::Date(l.due),
                m(&l.gross),
                m(&l.paid),
                m(&l.outstanding),
                Cell::Int(l.days_overdue),
            ],
        );
    }
    let mut paid = Table::new(
        lang.pick("Wpłaty", "Payments"),
        lang,
        &[
            ("Data", "Date", 1.2, false),
            ("Faktura", "Invoice", 2.0, false),
            ("Kwota", "Amount", 1.8, true),
        ],
    );
    for p in &s.payments {
        paid.push(
            lang,
            vec![Cell::Date(Some(p.on)), t(&p.number), m(&p.amount)],
        );
    }
    vec![
        (
            format!(
                "{} {}",
                lang.pick("Otwarte faktury na dzień", "Open invoices on"),
                super::date(s.as_of, lang)
            ),
            open,
        ),
        (
            lang.pick(
                "Wpłaty w ostatnich 12 miesiącach",
                "Payments in the last 12 months",
            )
            .into(),
            paid,
        ),
    ]
}
