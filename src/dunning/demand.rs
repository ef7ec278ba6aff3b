//! The demand for payment (wezwanie do zapłaty): who owes whom what, since when, with statutory
//! interest and the flat compensation, a deadline and our account, as a PDF.
//!
//! The wording is a template (`templates/<lang>/demand.txt`, editable like every mail), rendered
//! to lines of text and set in DejaVu Sans (embedded, subset by krilla) so Polish letters print
//! on any reader. No layout engine: a title, wrapped lines, page breaks.

use super::interest::{Interest, compensation_pln, statutory_interest};
use crate::config::Config;
use crate::domain::{Currency, Lang, Money};
use crate::store::{DunClient, DunInvoice};
use crate::templates::Templates;
use crate::templates::context::{Demand, DemandLine, DemandTotal, Party};
use anyhow::{Context, Result, bail};
use chrono::{Duration, NaiveDate};
use krilla::Document;
use krilla::geom::Point;
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

const FONT: &[u8] = include_bytes!("../../templates/fonts/DejaVuSans.ttf");

/// Interest and compensation of one overdue invoice on `today`.
pub fn interest_of(
    config: &Config,
    inv: &DunInvoice,
    today: NaiveDate,
) -> Result<(Interest, Option<Decimal>)> {
    let due = inv
        .due
        .with_context(|| format!("invoice {} has no due date", inv.number))?;
    let principal = Money::from_minor(inv.outstanding_minor, inv.currency).amount();
    let i = statutory_interest(principal, due, today, &config.dunning.interest_rates)?;
    let comp = compensation_pln(
        Money::from_minor(inv.gross_minor, inv.currency).amount(),
        inv.currency.as_str(),
        config.dunning.eur_pln,
    );
    Ok((i, comp))
}

/// The demand for a client's overdue invoices among `invoices`, reckoned on `today`.
pub fn build(
    config: &Config,
    client: Option<&DunClient>,
    invoices: &[&DunInvoice],
    today: NaiveDate,
) -> Result<Demand> {
    let mut lines = Vec::new();
    let mut totals: BTreeMap<Currency, (Decimal, Decimal)> = BTreeMap::new();
    let mut comp_total = Decimal::ZERO;
    for inv in invoices {
        let Some(due) = inv.due.filter(|d| *d < today) else {
            continue;
        };
        if inv.outstanding_minor <= 0 {
            continue;
        }
        let (interest, comp) =
            interest_of(config, inv, today).with_context(|| format!("invoice {}", inv.number))?;
        let principal = Money::from_minor(inv.outstanding_minor, inv.currency).amount();
        let t = totals.entry(inv.currency).or_default();
        t.0 += principal;
        t.1 += interest.total;
        comp_total += comp.unwrap_or_default();
        lines.push(DemandLine {
            number: inv.number.clone(),
            issue_date: inv.issue_date.map(|d| d.to_string()),
            due_date: due.to_string(),
            currency: inv.currency,
            principal,
            interest_from: (due + Duration::days(1)).to_string(),
            interest,
            compensation_pln: comp.map(|c| c.to_string()),
        });
    }
    if lines.is_empty() {
        bail!("no overdue unpaid invoice to demand payment for");
    }
    let calendar = config.dunning.calendar();
    let deadline =
        calendar.on_or_after(today + Duration::days(config.dunning.demand_deadline_days));
    Ok(Demand {
        date: today.to_string(),
        deadline: deadline.to_string(),
        creditor: Party {
            name: config.company.name.clone(),
            nip: config.our_nip(),
            account: config.own_accounts().first().map(|a| a.to_string()),
        },
        debtor: Party {
            name: client.map(|c| c.name.clone()).unwrap_or_default(),
            nip: client.and_then(|c| c.nip.clone()),
            account: None,
        },
        lines,
        totals: totals
            .into_iter()
            .map(|(currency, (principal, interest))| DemandTotal {
                currency,
                principal,
                interest,
            })
            .collect(),
        compensation_pln: comp_total.to_string(),
        eur_pln: config.dunning.eur_pln.to_string(),
    })
}

/// Renders the demand template and sets it as a PDF.
pub fn pdf(templates: &Templates, lang: Lang, demand: &Demand) -> Result<Vec<u8>> {
    let r = templates.render(lang, "demand", demand)?;
    typeset(&r.subject, &r.text)
}

/// Breaks a line into pieces of at most `width` characters at spaces.
fn wrap(line: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for word in line.split(' ') {
        let len = cur.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    out.push(cur);
    out
}

/// A4, a title and body text, 10 pt with 14 pt leading.
pub fn typeset(title: &str, body: &str) -> Result<Vec<u8>> {
    const W: f32 = 595.0;
    const H: f32 = 842.0;
    const MARGIN: f32 = 56.0;
    let font = Font::new(FONT.into(), 0).context("the embedded font cannot be read")?;
    let mut lines: Vec<(f32, String)> = vec![(14.0, title.to_string()), (10.0, String::new())];
    for l in body.lines() {
        for piece in wrap(l.trim_end(), 88) {
            lines.push((10.0, piece));
        }
    }
    let mut doc = Document::new();
    let mut iter = lines.into_iter().peekable();
    while iter.peek().is_some() {
        let settings = PageSettings::from_wh(W, H).context("page size")?;
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        let mut y = MARGIN;
        while let Some((size, text)) = iter.next_if(|_| y < H - MARGIN) {
            y += size * 1.4;
            if !text.is_empty() {
                surface.draw_text(
                    Point::from_xy(MARGIN, y),
                    font.clone(),
                    size,
                    &text,
                    false,
                    TextDirection::Auto,
                );
            }
        }
        surface.finish();
        page.finish();
    }
    doc.finish()
        .map_err(|e| anyhow::anyhow!("the PDF cannot be written: {e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces() {
        assert_eq!(wrap("ab cd ef", 5), vec!["ab cd", "ef"]);
        assert_eq!(wrap("", 5), vec![""]);
    }

    #[test]
    fn a_pdf_with_polish_text_reads_back() {
        let body = (1..=80)
            .map(|i| format!("Wiersz {i}: zażółć gęślą jaźń, kwota 1 230,00 zł"))
            .collect::<Vec<_>>()
            .join("\n");
        let pdf = typeset("Wezwanie do zapłaty", &body).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
        assert!(text.contains("Wezwanie do zapłaty"), "{text}");
        assert!(text.contains("zażółć gęślą jaźń"), "{text}");
        // 80 lines do not fit one page: the last one is there too.
        assert!(text.contains("Wiersz 80"), "{text}");
    }
}
