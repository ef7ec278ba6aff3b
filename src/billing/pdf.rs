//! The PDF of an issued invoice or correction, in the client's language, with the embedded font
//! of the reports: parties side by side, the lines, the totals per rate, the amount in words and
//! how to pay. It renders the same [`Document`] the FA(3) XML is written from; the XML is the
//! invoice, the PDF its readable copy.

use super::document::{Document, Line};
use super::words;
use crate::domain::Lang;
use crate::reports::render::pdf::{Block, write};
use crate::reports::render::{Cell, Table, date, money};
use anyhow::Result;

fn party(p: &super::document::Party, heading: &str, lang: Lang) -> String {
    let mut s = format!("{heading}\n{}\n{}", p.name, p.address_line1);
    if let Some(l2) = &p.address_line2 {
        s.push('\n');
        s.push_str(l2);
    }
    if p.country != "PL" {
        s.push_str(&format!("\n{}", p.country));
    }
    if let Some(id) = &p.tax_id {
        let label = if id.len() == 10 && id.chars().all(|c| c.is_ascii_digit()) {
            "NIP"
        } else {
            lang.pick("NIP/VAT UE", "VAT ID")
        };
        s.push_str(&format!("\n{label}: {id}"));
    }
    s
}

fn lines_table(
    title: (&str, &str),
    lines: &[Line],
    lang: Lang,
    cur: crate::domain::Currency,
) -> Table {
    let mut t = Table::new(
        lang.pick(title.0, title.1),
        lang,
        &[
            ("Lp.", "No.", 0.5, true),
            ("Nazwa", "Description", 5.0, false),
            ("Ilość", "Qty", 0.9, true),
            ("J.m.", "Unit", 0.8, false),
            ("Cena netto", "Unit net", 1.6, true),
            ("Wartość netto", "Net", 1.8, true),
            ("VAT", "VAT", 0.8, true),
            ("Kwota VAT", "VAT amount", 1.6, true),
            ("Brutto", "Gross", 1.8, true),
        ],
    );
    for (i, l) in lines.iter().enumerate() {
        t.push(
            lang,
            vec![
                Cell::Int(i as i64 + 1),
                Cell::Text(l.name.clone()),
                Cell::Text(quantity(l.quantity, lang)),
                Cell::Text(l.unit.clone()),
                Cell::Text(money(l.unit_net, lang)),
                Cell::Text(money(l.net, lang)),
                Cell::Text(l.rate.label()),
                Cell::Text(money(l.vat, lang)),
                Cell::Money(l.net + l.vat, cur),
            ],
        );
    }
    t
}

fn quantity(q: rust_decimal::Decimal, lang: Lang) -> String {
    let s = q.normalize().to_string();
    match lang {
        Lang::Pl => s.replace('.', ","),
        Lang::En => s,
    }
}

/// The invoice as PDF.
pub fn render(doc: &Document) -> Result<Vec<u8>> {
    let lang = doc.lang;
    let cur = doc.currency;
    let title = match (&doc.correction, lang) {
        (None, Lang::Pl) => format!("Faktura VAT nr {}", doc.number),
        (None, Lang::En) => format!("VAT invoice no. {}", doc.number),
        (Some(_), Lang::Pl) => format!("Faktura korygująca nr {}", doc.number),
        (Some(_), Lang::En) => format!("Corrective invoice no. {}", doc.number),
    };
    let mut head = vec![match lang {
        Lang::Pl => format!("Data wystawienia: {}", date(doc.issue_date, lang)),
        Lang::En => format!("Issue date: {}", date(doc.issue_date, lang)),
    }];
    if let Some(place) = &doc.place {
        head.push(
            lang.pick("Miejsce wystawienia: ", "Place of issue: ")
                .to_string()
                + place,
        );
    }
    if let Some(p) = doc.period {
        let range = format!("{} – {}", date(p.start, lang), date(p.end, lang));
        // A calendar month is also named ("listopad 2026"); another period is its dates.
        let shown = if p.is_calendar_month() {
            format!("{range} ({})", p.said(lang))
        } else {
            range
        };
        head.push(format!(
            "{} {shown}",
            lang.pick("Okres rozliczeniowy:", "Billing period:")
        ));
    }
    if let Some(c) = &doc.correction {
        head.push(match lang {
            Lang::Pl => format!(
                "Korygowana faktura: {} z dnia {}{}",
                c.number,
                date(c.issue_date, lang),
                c.ksef_number
                    .as_ref()
                    .map(|k| format!(", nr KSeF {k}"))
                    .unwrap_or_default()
            ),
            Lang::En => format!(
                "Corrected invoice: {} of {}{}",
                c.number,
                date(c.issue_date, lang),
                c.ksef_number
                    .as_ref()
                    .map(|k| format!(", KSeF no. {k}"))
                    .unwrap_or_default()
            ),
        });
        head.push(lang.pick("Przyczyna korekty: ", "Reason: ").to_string() + &c.reason);
    }
    let mut blocks = vec![
        Block::Title(title),
        Block::Para(head.join("\n")),
        Block::Para(String::new()),
        Block::Columns(
            party(&doc.seller, lang.pick("Sprzedawca", "Seller"), lang),
            party(&doc.buyer, lang.pick("Nabywca", "Buyer"), lang),
        ),
    ];
    if let Some(c) = &doc.correction {
        blocks.push(Block::Heading(
            lang.pick("Przed korektą", "Before the correction").into(),
        ));
        blocks.push(Block::Table(lines_table(
            ("Przed", "Before"),
            &c.before,
            lang,
            cur,
        )));
        blocks.push(Block::Heading(
            lang.pick("Po korekcie", "After the correction").into(),
        ));
    } else {
        blocks.push(Block::Heading(lang.pick("Pozycje", "Lines").into()));
    }
    blocks.push(Block::Table(lines_table(
        ("Pozycje", "Lines"),
        &doc.lines,
        lang,
        cur,
    )));
    let mut rates = Table::new(
        lang.pick("Stawki", "Rates"),
        lang,
        &[
            ("Stawka VAT", "VAT rate", 2.0, false),
            ("Netto", "Net", 2.0, true),
            ("VAT", "VAT", 2.0, true),
            ("Brutto", "Gross", 2.0, true),
        ],
    );
    for r in &doc.totals.per_rate {
        rates.push(
            lang,
            vec![
                Cell::Text(r.rate.label()),
                Cell::Money(r.net, cur),
                Cell::Money(r.vat, cur),
                Cell::Money(r.gross, cur),
            ],
        );
    }
    rates.push(
        lang,
        vec![
            Cell::Text(lang.pick("Razem", "Total").into()),
            Cell::Money(doc.totals.net, cur),
            Cell::Money(doc.totals.vat, cur),
            Cell::Money(doc.totals.gross, cur),
        ],
    );
    blocks.push(Block::Heading(
        lang.pick("Podsumowanie według stawek VAT", "Totals per VAT rate")
            .into(),
    ));
    blocks.push(Block::Table(rates));
    let gross = doc.totals.gross;
    let mut pay = vec![
        match (&doc.correction, lang) {
            (None, Lang::Pl) => format!("Do zapłaty: {} {cur}", money(gross, lang)),
            (None, Lang::En) => format!("Amount due: {} {cur}", money(gross, lang)),
            (Some(_), Lang::Pl) => format!("Zmiana kwoty do zapłaty: {} {cur}", money(gross, lang)),
            (Some(_), Lang::En) => {
                format!("Change of the amount due: {} {cur}", money(gross, lang))
            }
        },
        format!(
            "{} {}",
            lang.pick("Słownie:", "In words:"),
            words::amount(gross, cur, lang)
        ),
    ];
    if gross > rust_decimal::Decimal::ZERO {
        pay.push(format!(
            "{} {}",
            lang.pick("Termin płatności:", "Due date:"),
            date(doc.due_date, lang)
        ));
        pay.push(
            lang.pick("Sposób płatności: przelew", "Payment: bank transfer")
                .into(),
        );
        pay.push(format!(
            "{} {}{}",
            lang.pick("Numer rachunku:", "Bank account:"),
            crate::domain::grouped_account(&doc.bank_account),
            doc.bank_name
                .as_ref()
                .map(|b| format!(" ({b})"))
                .unwrap_or_default()
        ));
    }
    if let Some(link) = &doc.payment_link {
        pay.push(format!(
            "{} {link}",
            lang.pick("Zapłać online:", "Pay online:")
        ));
    }
    blocks.push(Block::Para(String::new()));
    blocks.push(Block::Para(pay.join("\n")));
    let mut notes = Vec::new();
    if doc.split_payment {
        notes.push(
            lang.pick(
                "mechanizm podzielonej płatności",
                "split payment mechanism (mechanizm podzielonej płatności)",
            )
            .to_string(),
        );
    }
    if doc.reverse_charge() {
        notes.push(
            lang.pick(
                "odwrotne obciążenie",
                "reverse charge (odwrotne obciążenie)",
            )
            .to_string(),
        );
    }
    if doc.exempt() {
        notes.push(format!(
            "{} {}",
            lang.pick("Podstawa zwolnienia z VAT:", "VAT exemption basis:"),
            doc.exemption_basis
                .as_deref()
                .unwrap_or("art. 43 ust. 1 ustawy o VAT")
        ));
    }
    notes.extend(doc.notes.iter().cloned());
    if !notes.is_empty() {
        blocks.push(Block::Heading(lang.pick("Uwagi", "Notes").into()));
        blocks.push(Block::Para(notes.join("\n")));
    }
    blocks.push(Block::Para(String::new()));
    blocks.push(Block::Para(
        lang.pick(
            "Fakturą jest jej plik XML w formacie KSeF FA(3); ten PDF jest jego wizualizacją.",
            "The invoice itself is its KSeF FA(3) XML file; this PDF shows its content.",
        )
        .into(),
    ));
    write(blocks, lang)
}
