//! Delimited text → [`Table`]. The separator is detected from the content; preamble and footer lines
//! are kept as rows (recognition finds the header by its content, never by a line number).

use super::table::{Cell, ColumnStyle, Row, Table};

const CANDIDATES: [u8; 4] = [b';', b',', b'\t', b'|'];
/// Records looked at when choosing the separator.
const SAMPLE_RECORDS: usize = 200;

/// Reads delimited text into a table, choosing the separator that gives the most rows with the same
/// number (> 1) of fields. Quoted fields may span lines; rows may have different lengths.
pub fn read_csv(text: &str, encoding: &'static str) -> Table {
    // The csv reader's line count lags by one over CRLF; with LF only, rows are named as editors show them.
    let normalized;
    let text = if text.contains('\r') {
        normalized = text.replace("\r\n", "\n").replace('\r', "\n");
        normalized.as_str()
    } else {
        text
    };
    let delimiter = detect_separator(text);
    let mut rows = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() as usize;
        match reader.read_record(&mut record) {
            Ok(true) => {
                let cells = record
                    .iter()
                    .map(|f| {
                        if f.trim().is_empty() {
                            Cell::Empty
                        } else {
                            Cell::Text(f.to_string())
                        }
                    })
                    .collect();
                rows.push(Row {
                    line: line.max(1),
                    cells,
                });
            }
            Ok(false) => break,
            // The input is a &str, so only malformed-UTF-8 errors could occur, and they cannot.
            Err(_) => break,
        }
    }
    Table {
        rows,
        column_style: ColumnStyle::Number,
        sheet: None,
        encoding: Some(encoding),
    }
}

/// Picks the separator whose most common field count (> 1) covers the most records.
pub fn detect_separator(text: &str) -> u8 {
    let mut best = (b';', 0usize);
    for &d in &CANDIDATES {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(d)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut counts: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
        for rec in reader.records().take(SAMPLE_RECORDS).flatten() {
            let n = rec.len();
            if n > 1 {
                *counts.entry(n).or_default() += 1;
            }
        }
        let score = counts.values().copied().max().unwrap_or(0);
        if score > best.1 {
            best = (d, score);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_separators() {
        assert_eq!(detect_separator("a;b;c\n1;2,5;3\n4;5,5;6\n"), b';');
        assert_eq!(
            detect_separator("\"a\",\"b\",\"c\"\n\"1\",\"2;5\",\"3\"\n"),
            b','
        );
        assert_eq!(detect_separator("a\tb\tc\n1\t2\t3\n"), b'\t');
    }

    #[test]
    fn multiline_quoted_field_keeps_line_numbers() {
        let t = read_csv("h1;h2\n1;\"two\nlines\"\n3;x\n", "UTF-8");
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[1].cell(1).text(), "two\nlines");
        assert_eq!(t.rows[2].line, 4);
    }

    #[test]
    fn crlf_line_numbers() {
        let t = read_csv("h1;h2\r\n1;\"two\r\nlines\"\r\n3;x\r\n", "UTF-8");
        assert_eq!(
            t.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![1, 2, 4]
        );
    }
}
