//! Reports as XLSX: one sheet per table, amounts as numbers with a currency format, dates as
//! dates, and a native column chart of issued vs collected in the monthly report.

use super::{Cell, Table, tables};
use crate::domain::Lang;
use crate::reports::aging::Aging;
use crate::reports::monthly::Monthly;
use crate::reports::statement::Statement;
use crate::reports::weekly::Weekly;
use anyhow::{Result, anyhow};
use chrono::Datelike;
use rust_xlsxwriter::{Chart, ChartType, ExcelDateTime, Format, Workbook};
use std::collections::HashMap;

fn err(e: rust_xlsxwriter::XlsxError) -> anyhow::Error {
    anyhow!("the spreadsheet cannot be written: {e}")
}

fn money_format(currency: &str, lang: Lang) -> Format {
    let unit = if currency == "PLN" && lang == Lang::Pl {
        "zł".to_string()
    } else {
        currency.to_string()
    };
    Format::new().set_num_format(format!("#,##0.00 \"{unit}\""))
}

fn sheet_name(s: &str, used: &mut Vec<String>) -> String {
    let clean: String = s
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(28)
        .collect();
    let mut name = clean.clone();
    let mut n = 2;
    while used.contains(&name) {
        name = format!("{clean} {n}");
        n += 1;
    }
    used.push(name.clone());
    name
}

/// Writes the tables; returns the names of their sheets.
fn write(wb: &mut Workbook, ts: &[(String, Table)], lang: Lang) -> Result<Vec<String>> {
    let bold = Format::new().set_bold();
    let one = Format::new().set_num_format("0.0");
    let pct = Format::new().set_num_format("0.0%");
    let day = Format::new().set_num_format(match lang {
        Lang::Pl => "dd.mm.yyyy",
        Lang::En => "yyyy-mm-dd",
    });
    let mut used = Vec::new();
    let mut names = Vec::new();
    for (_, t) in ts {
        let name = sheet_name(&t.sheet, &mut used);
        let ws = wb.add_worksheet();
        ws.set_name(&name).map_err(err)?;
        for (c, col) in t.columns.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, &col.title, &bold)
                .map_err(err)?;
            ws.set_column_width(c as u16, (col.weight * 9.0).max(10.0) as f64)
                .map_err(err)?;
        }
        for (r, row) in t.cells.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) => {
                        ws.write_string(r, c, s).map_err(err)?;
                    }
                    Cell::Money(d, cur) => {
                        let v: f64 = d.to_string().parse().unwrap_or(0.0);
                        ws.write_number_with_format(r, c, v, &money_format(cur.as_str(), lang))
                            .map_err(err)?;
                    }
                    Cell::Int(i) => {
                        ws.write_number(r, c, *i as f64).map_err(err)?;
                    }
                    Cell::Num(Some(x)) => {
                        ws.write_number_with_format(r, c, *x, &one).map_err(err)?;
                    }
                    Cell::Percent(Some(x)) => {
                        ws.write_number_with_format(r, c, *x / 100.0, &pct)
                            .map_err(err)?;
                    }
                    Cell::Date(Some(d)) => {
                        let dt = ExcelDateTime::from_ymd(
                            d.year() as u16,
                            d.month() as u8,
                            d.day() as u8,
                        )
                        .map_err(err)?;
                        ws.write_datetime_with_format(r, c, dt, &day).map_err(err)?;
                    }
                    Cell::Num(None) | Cell::Percent(None) | Cell::Date(None) => {}
                }
            }
        }
        ws.set_freeze_panes(1, 0).map_err(err)?;
        names.push(name);
    }
    Ok(names)
}

fn finish(mut wb: Workbook) -> Result<Vec<u8>> {
    wb.save_to_buffer().map_err(err)
}

pub fn weekly(w: &Weekly, lang: Lang, steps: &HashMap<String, String>) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    write(&mut wb, &tables::weekly(w, lang, steps), lang)?;
    finish(wb)
}

pub fn monthly(m: &Monthly, lang: Lang, steps: &HashMap<String, String>) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let ts = tables::monthly(m, lang, steps);
    let names = write(&mut wb, &ts, lang)?;
    // The first sheet holds the twelve months: a column chart of columns B and C beside it.
    if let Some(sheet) = names.first() {
        let n = m.series.len() as u32;
        let mut chart = Chart::new(ChartType::Column);
        for col in [1u16, 2] {
            chart
                .add_series()
                .set_name((sheet.as_str(), 0, col))
                .set_categories((sheet.as_str(), 1, 0, n, 0))
                .set_values((sheet.as_str(), 1, col, n, col));
        }
        chart
            .title()
            .set_name(lang.pick("Wystawione i zapłacone", "Issued and collected"));
        let ws = wb.worksheet_from_index(0).map_err(err)?;
        ws.insert_chart(1, 6, &chart).map_err(err)?;
    }
    finish(wb)
}

pub fn aging(a: &Aging, lang: Lang) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    write(&mut wb, &tables::aging(a, lang), lang)?;
    finish(wb)
}

pub fn statement(s: &Statement, lang: Lang) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    write(&mut wb, &tables::statement(s, lang), lang)?;
    finish(wb)
}
