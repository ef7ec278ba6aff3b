//! The common shape every tabular report is read into before recognition: rows of cells, each row
//! remembering where it came from so errors can name the row and column a person sees in the file.

use chrono::NaiveDateTime;
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A numeric spreadsheet cell. Converted to a decimal exactly once, where the column's meaning
    /// (amount, date serial) is known.
    Number(f64),
    DateTime(NaiveDateTime),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => crate::domain::text::is_blank(s),
            _ => false,
        }
    }

    /// The cell as text, as a person would read it.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Cell::Empty => Cow::Borrowed(""),
            Cell::Text(s) => Cow::Borrowed(s.as_str()),
            Cell::Number(f) => Cow::Owned(format_float(*f)),
            Cell::DateTime(dt) => Cow::Owned(if dt.time() == chrono::NaiveTime::MIN {
                dt.date().to_string()
            } else {
                dt.to_string()
            }),
        }
    }
}

/// Shortest text that reads back as the same float (`1230.1`, not `1230.0999999999999`).
pub fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    /// 1-based line (CSV) or row number (spreadsheet) where the row starts.
    pub line: usize,
    pub cells: Vec<Cell>,
}

impl Row {
    pub fn cell(&self, idx: usize) -> &Cell {
        self.cells.get(idx).unwrap_or(&Cell::Empty)
    }

    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(Cell::is_empty)
    }
}

/// How columns are named in messages: CSV files by number, spreadsheets by letter as Excel shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnStyle {
    Number,
    Letter,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub rows: Vec<Row>,
    pub column_style: ColumnStyle,
    /// Sheet name for spreadsheets.
    pub sheet: Option<String>,
    /// Encoding for text files.
    pub encoding: Option<&'static str>,
}

impl Table {
    /// Names a column for messages: `5` for CSV, `E` for spreadsheets.
    pub fn column_name(&self, idx: usize) -> String {
        match self.column_style {
            ColumnStyle::Number => (idx + 1).to_string(),
            ColumnStyle::Letter => column_letter(idx),
        }
    }
}

/// 0 → A, 25 → Z, 26 → AA.
pub fn column_letter(idx: usize) -> String {
    let mut n = idx + 1;
    let mut s = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        s.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(16383), "XFD");
    }

    #[test]
    fn float_text() {
        assert_eq!(format_float(1230.0), "1230");
        assert_eq!(format_float(1230.1), "1230.1");
    }
}
