use super::cycle::{Cycle, Period, Timing};
use super::document::Party;
use super::plan::Plan;
use super::vat::{Rounding, VatRate};
use super::*;
use crate::domain::Currency;
use rust_decimal::Decimal;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub(crate) fn seller() -> Party {
    Party {
        name: "Pracownia Skarbnik Sp. z o.o.".into(),
        tax_id: Some("5265260188".into()),
        address_line1: "ul. Szkolna 1".into(),
        address_line2: Some("00-950 Warszawa".into()),
        country: "PL".into(),
        email: None,
    }
}

pub(crate) fn buyer() -> Party {
    Party {
        name: "Krawiec-Tech Sp. z o.o.".into(),
        tax_id: Some("5261040828".into()),
        address_line1: "ul. Polna 5".into(),
        address_line2: Some("00-625 Warszawa".into()),
        country: "PL".into(),
        email: Some("ksiegowosc@krawiec-tech.test".into()),
    }
}

pub(crate) fn plan(service: &str, price: &str, rate: VatRate) -> Plan {
    Plan {
        service: service.into(),
        quantity: Decimal::ONE,
        unit: "usł.".into(),
        unit_net: d(price),
        rate,
        exemption_basis: (rate == VatRate::Zw)
            .then(|| "art. 43 ust. 1 pkt 29 lit. c ustawy o VAT".into()),
        currency: Currency::PLN,
        cycle: Cycle::Monthly,
        anchor_day: 1,
        start: day("2026-01-01"),
        end: None,
        timing: Timing::Advance,
        payment_days: 14,
        split_payment: false,
        notes: None,
        payment_link: None,
    }
}

fn issuer<'a>(s: &'a Party, place: Option<&'a str>, rounding: Rounding) -> Issuer<'a> {
    Issuer {
        seller: s,
        account: "55114000009378657975432319",
        bank_name: None,
        place,
        rounding,
    }
}

fn november() -> Period {
    Period {
        start: day("2026-11-01"),
        end: day("2026-11-30"),
    }
}

#[test]
fn an_invoice_carries_its_period_totals_and_due_date() {
    let s = seller();
    let issuer = issuer(&s, Some("Warszawa"), Rounding::PerRate);
    let hosting = plan("Hosting Pro", "199.99", VatRate::R23);
    let training = plan("Szkolenie online", "300.00", VatRate::Zw);
    let doc = build(
        &issuer,
        buyer(),
        Lang::Pl,
        "FV/1/11/2026",
        day("2026-11-01"),
        &[
            Item {
                plan: &hosting,
                period: november(),
            },
            Item {
                plan: &training,
                period: november(),
            },
        ],
        "2026-11-01T06:00:00Z",
    );
    assert_eq!(doc.period, Some(november()));
    assert_eq!(doc.lines[0].name, "Hosting Pro – listopad 2026");
    assert_eq!(doc.totals.net, d("499.99"));
    assert_eq!(doc.totals.vat, d("46.00")); // 199.99 × 23% = 45.9977
    assert_eq!(doc.totals.gross, d("545.99"));
    assert_eq!(doc.due_date, day("2026-11-15"));
    assert!(doc.exempt());
    let xml = fa3::write(&doc);
    for want in [
        "<P_13_1>199.99</P_13_1><P_14_1>46.00</P_14_1>",
        "<P_13_7>300.00</P_13_7>",
        "<P_15>545.99</P_15>",
        "<OkresFa><P_6_Od>2026-11-01</P_6_Od><P_6_Do>2026-11-30</P_6_Do></OkresFa>",
        "<P_19>1</P_19><P_19A>art. 43 ust. 1 pkt 29 lit. c ustawy o VAT</P_19A>",
        "<P_18A>2</P_18A>",
        "<RodzajFaktury>VAT</RodzajFaktury>",
        "<P_12>zw</P_12>",
        "<NrRB>55114000009378657975432319</NrRB>",
    ] {
        assert!(xml.contains(want), "{want} not in\n{xml}");
    }
}

#[test]
fn a_full_reversal_states_minus_the_original() {
    let s = seller();
    let issuer = issuer(&s, None, Rounding::PerRate);
    let mut p = plan("Hosting", "1000", VatRate::R23);
    p.split_payment = true;
    let doc = build(
        &issuer,
        buyer(),
        Lang::Pl,
        "FV/7/11/2026",
        day("2026-11-01"),
        &[Item {
            plan: &p,
            period: november(),
        }],
        "2026-11-01T06:00:00Z",
    );
    let kor = correct(
        &doc,
        Some("5265260188-20261101-0A1B2C3D4E5F-1A"),
        Vec::new(),
        "błędnie wystawiona",
        "KOR/1/11/2026",
        day("2026-11-05"),
        "2026-11-05T06:00:00Z",
    );
    assert_eq!(kor.totals.gross, d("-1230.00"));
    assert_eq!(kor.totals.vat, d("-230.00"));
    let xml = fa3::write(&kor);
    for want in [
        "<RodzajFaktury>KOR</RodzajFaktury>",
        "<NrFaKorygowanej>FV/7/11/2026</NrFaKorygowanej>",
        "<NrKSeF>1</NrKSeF><NrKSeFFaKorygowanej>5265260188-20261101-0A1B2C3D4E5F-1A</NrKSeFFaKorygowanej>",
        "<P_15>-1230.00</P_15>",
        "<StanPrzed>1</StanPrzed>",
        "<P_18A>1</P_18A>",
    ] {
        assert!(xml.contains(want), "{want} not in\n{xml}");
    }
    // A partial correction: the price drops to 800.
    let cheaper = vec![document::Line::new(
        &doc.lines[0].name,
        Decimal::ONE,
        "usł.",
        d("800"),
        VatRate::R23,
    )];
    let kor = correct(
        &doc,
        None,
        cheaper,
        "rabat",
        "KOR/2/11/2026",
        day("2026-11-06"),
        "x",
    );
    assert_eq!(kor.totals.gross, d("-246.00"));
    assert!(fa3::write(&kor).contains("<NrKSeFN>1</NrKSeFN>"));
}

#[test]
fn text_is_escaped_and_foreign_buyers_use_their_eu_vat_id() {
    let s = seller();
    let issuer = issuer(&s, None, Rounding::PerLine);
    let mut p = plan("Consulting <R&D> \"premium\"", "100", VatRate::NpEu);
    p.currency = Currency::parse("EUR").unwrap();
    let mut b = buyer();
    b.tax_id = Some("DE123456789".into());
    b.country = "DE".into();
    let doc = build(
        &issuer,
        b,
        Lang::En,
        "FV/2/11/2026",
        day("2026-11-01"),
        &[Item {
            plan: &p,
            period: november(),
        }],
        "x",
    );
    let xml = fa3::write(&doc);
    assert!(
        xml.contains("Consulting &lt;R&amp;D&gt; &quot;premium&quot; – November 2026"),
        "{xml}"
    );
    assert!(xml.contains("<KodUE>DE</KodUE><NrVatUE>123456789</NrVatUE>"));
    assert!(xml.contains("<P_13_9>100.00</P_13_9>"));
    assert!(xml.contains("<P_18>1</P_18>"), "reverse charge annotated");
    assert!(xml.contains("<KodWaluty>EUR</KodWaluty>"));
}

fn monthly(start: &str) -> cycle::Schedule {
    cycle::Schedule {
        cycle: Cycle::Monthly,
        anchor_day: 1,
        start: day(start),
        end: None,
        timing: Timing::Advance,
    }
}

#[test]
fn catch_up_issues_every_missed_period_or_only_the_latest() {
    let subs = vec![(1, 10, Currency::PLN, monthly("2026-08-01"))];
    let mut billed = std::collections::HashMap::new();
    billed.insert(1, [day("2026-08-01")].into_iter().collect());
    let today = day("2026-11-03");
    let (all, passed) = due_periods(&subs, &billed, today, true);
    let starts: Vec<String> = all.iter().map(|p| p.period.start.to_string()).collect();
    assert_eq!(starts, ["2026-09-01", "2026-10-01", "2026-11-01"]);
    assert_eq!(passed, 0);
    let (latest, passed) = due_periods(&subs, &billed, today, false);
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].period.start, day("2026-11-01"));
    assert_eq!(passed, 2);
}

#[test]
fn combining_puts_a_clients_subscriptions_of_one_period_on_one_invoice() {
    let p = |sub, client, currency: &str, start: &str| Pending {
        subscription: sub,
        client,
        currency: Currency::parse(currency).unwrap(),
        period: Period {
            start: day(start),
            end: day("2026-11-30"),
        },
        issue_on: day(start),
    };
    let pending = vec![
        p(1, 10, "PLN", "2026-11-01"),
        p(2, 10, "PLN", "2026-11-01"),
        p(3, 10, "EUR", "2026-11-01"),
        p(4, 20, "PLN", "2026-11-01"),
        p(5, 10, "PLN", "2026-11-15"),
    ];
    assert_eq!(group(pending.clone(), false).len(), 5);
    let groups: Vec<Vec<i64>> = group(pending, true)
        .iter()
        .map(|g| g.iter().map(|p| p.subscription).collect())
        .collect();
    assert_eq!(groups, [vec![1, 2], vec![3], vec![4], vec![5]]);
}
