//! Rendering of report models. The tables are built once, in the report's language, with typed
//! cells ([`tables`]); the PDF lays them out, the XLSX writes them as numbers with formats. The
//! mail text and HTML come from the templates (`report_*`), which people may edit.

pub mod chart;
pub mod pdf;
pub mod tables;
pub mod xlsx;

use super::aging::Aging;
use super::monthly::Monthly;
use super::weekly::{Action, Case};
use crate::domain::{Currency, Lang};
use anyhow::Result;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// A cell: text, or a number the spreadsheet keeps as a number.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Money(Decimal, Currency),
    Int(i64),
    /// Days, a ratio: one decimal.
    Num(Option<f64>),
    Percent(Option<f64>),
    Date(Option<NaiveDate>),
}

impl Cell {
    pub fn show(&self, lang: Lang) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Money(d, c) => format!("{} {c}", money(*d, lang)),
            Cell::Int(i) => i.to_string(),
            Cell::Num(None) | Cell::Percent(None) | Cell::Date(None) => "–".into(),
            Cell::Num(Some(x)) => num(*x, lang),
            Cell::Percent(Some(x)) => format!("{}%", num(*x, lang)),
            Cell::Date(Some(d)) => date(*d, lang),
        }
    }
}

pub fn money(d: Decimal, lang: Lang) -> String {
    match lang {
        Lang::Pl => crate::domain::format_pl(d),
        Lang::En => crate::domain::format_en(d),
    }
}

pub fn num(x: f64, lang: Lang) -> String {
    let s = format!("{x:.1}");
    match lang {
        Lang::Pl => s.replace('.', ","),
        Lang::En => s,
    }
}

pub fn date(d: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Pl => d.format("%d.%m.%Y").to_string(),
        Lang::En => d.format("%Y-%m-%d").to_string(),
    }
}

pub struct Column {
    pub title: String,
    /// Share of the page width.
    pub weight: f32,
    /// Aligned right.
    pub numeric: bool,
}

pub struct Table {
    /// The sheet's name in the spreadsheet (at most 31 characters).
    pub sheet: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
    /// The same rows with typed cells, for the spreadsheet.
    pub cells: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(sheet: &str, lang: Lang, columns: &[(&str, &str, f32, bool)]) -> Table {
        Table {
            sheet: sheet.to_string(),
            columns: columns
                .iter()
                .map(|(pl, en, weight, numeric)| Column {
                    title: lang.pick(*pl, *en).to_string(),
                    weight: *weight,
                    numeric: *numeric,
                })
                .collect(),
            rows: Vec::new(),
            cells: Vec::new(),
        }
    }

    pub fn push(&mut self, lang: Lang, row: Vec<Cell>) {
        self.rows.push(row.iter().map(|c| c.show(lang)).collect());
        self.cells.push(row);
    }
}

/// What a person should do about a case, in words.
pub fn action(c: &Case, lang: Lang, steps: &HashMap<String, String>) -> String {
    let on = c.action_on.map(|d| date(d, lang)).unwrap_or_default();
    let step = c
        .action_step
        .as_ref()
        .map(|s| steps.get(s).cloned().unwrap_or_else(|| s.clone()))
        .unwrap_or_default();
    match (c.action, lang) {
        (Action::CheckReview, Lang::Pl) => {
            "sprawdzić wpłaty do wyjaśnienia: klient mógł zapłacić".into()
        }
        (Action::CheckReview, Lang::En) => {
            "check the payments waiting for review: the client may have paid".into()
        }
        (Action::ResolveDispute, Lang::Pl) => "rozstrzygnąć spór z klientem".into(),
        (Action::ResolveDispute, Lang::En) => "resolve the dispute with the client".into(),
        (Action::SetOffCredit, Lang::Pl) => {
            "rozliczyć korektę lub nadpłatę na korzyść klienta (potrącamy ją w przypomnieniach)"
                .into()
        }
        (Action::SetOffCredit, Lang::En) => {
            "set off the client's credit note or overpayment (reminders deduct it)".into()
        }
        (Action::CollectionAgency, Lang::Pl) => {
            "przekazać do windykacji (wszystkie przypomnienia wysłane)".into()
        }
        (Action::CollectionAgency, Lang::En) => {
            "hand to a collection agency (every reminder sent)".into()
        }
        (Action::DemandDue, Lang::Pl) => format!("wysłać wezwanie do zapłaty ({step})"),
        (Action::DemandDue, Lang::En) => format!("send the demand for payment ({step})"),
        (Action::EscalationDue, Lang::Pl) => {
            "eskalować: przypomnienia nie przyniosły wpłaty".into()
        }
        (Action::EscalationDue, Lang::En) => "escalate: the reminders brought no payment".into(),
        (Action::NotReminded, Lang::Pl) => {
            "żadne przypomnienie nie wyszło: sprawdzić adres e-mail klienta i wstrzymania".into()
        }
        (Action::NotReminded, Lang::En) => {
            "no reminder went out: check the client's e-mail address and pauses".into()
        }
        (Action::SmallAmount, Lang::Pl) => {
            "kwota poniżej progu przypomnień: rozliczyć albo umorzyć".into()
        }
        (Action::SmallAmount, Lang::En) => {
            "below the reminder threshold: settle or write off".into()
        }
        (Action::CallClient, Lang::Pl) => "zadzwonić do klienta".into(),
        (Action::CallClient, Lang::En) => "call the client".into(),
        (Action::AwaitStatement, Lang::Pl) => {
            format!("klient zgłasza zapłatę: sprawdzić wyciąg (do {on})")
        }
        (Action::AwaitStatement, Lang::En) => {
            format!("the client says it paid: check the statement (until {on})")
        }
        (Action::AwaitPromise, Lang::Pl) => format!("czekać na obiecaną zapłatę do {on}"),
        (Action::AwaitPromise, Lang::En) => format!("wait for the promised payment by {on}"),
        (Action::AwaitNextStep, Lang::Pl) => format!("następne przypomnienie {on} ({step})"),
        (Action::AwaitNextStep, Lang::En) => format!("next reminder on {on} ({step})"),
        (Action::Watch, Lang::Pl) => "obserwować".into(),
        (Action::Watch, Lang::En) => "keep watching".into(),
    }
}

fn whole(d: Decimal) -> f64 {
    d.trunc().to_string().parse().unwrap_or(0.0)
}

/// Aging bars (outstanding per bucket, PLN).
pub fn aging_chart(a: &Aging, lang: Lang) -> Result<Vec<u8>> {
    let labels = tables::bucket_names(lang);
    let values = a
        .rows
        .iter()
        .find(|r| r.currency == Currency::PLN)
        .map(|r| r.buckets.iter().map(|b| whole(b.amount)).collect())
        .unwrap_or_else(|| vec![0.0; labels.len()]);
    chart::bars(
        lang.pick("Należności według wieku (PLN)", "Receivables by age (PLN)"),
        &labels,
        &[(String::new(), values)],
    )
}

/// Aging bars, issued vs collected per month, the DSO trend.
pub fn monthly_charts(m: &Monthly, lang: Lang) -> Result<Vec<Vec<u8>>> {
    let months: Vec<String> = m
        .series
        .iter()
        .map(|p| p.month.get(2..).unwrap_or(&p.month).to_string())
        .collect();
    let flows = chart::bars(
        lang.pick(
            "Wystawione i zapłacone w miesiącach (PLN)",
            "Issued and collected per month (PLN)",
        ),
        &months,
        &[
            (
                lang.pick("wystawione", "issued").into(),
                m.series.iter().map(|p| whole(p.issued.amount)).collect(),
            ),
            (
                lang.pick("zapłacone", "collected").into(),
                m.series.iter().map(|p| whole(p.collected.amount)).collect(),
            ),
        ],
    )?;
    let dso = chart::line(
        lang.pick(
            "DSO (dni) na koniec miesiąca",
            "DSO (days) at each month's end",
        ),
        &months,
        &m.series.iter().map(|p| p.dso).collect::<Vec<_>>(),
    )?;
    Ok(vec![aging_chart(&m.aging, lang)?, flows, dso])
}
