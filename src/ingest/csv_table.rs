//! Delimited text → [`Table`]. The separator is detected from the content; preamble and footer lines
//! are kept as rows (recognition finds the header by its content, never by a line number).
//!
//! Hostile or broken shapes are refused before they cost memory: a quote that is never closed (it
//! would swallow the rest of the file into one field), a row with more fields than a sheet may
//! have columns, a field larger than any real cell.

use super::spreadsheet::SheetLimits;
use super::table::{Cell, ColumnStyle, Row, Table};

/// Why delimited text was refused, and the line it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    pub line: usize,
    pub cause: crate::domain::Said,
}

/// Largest field we read (a long description is a few hundred bytes).
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

const CANDIDATES: [u8; 4] = [b';', b',', b'\t', b'|'];
/// Records looked at when choosing the separator.
const SAMPLE_RECORDS: usize = 200;

/// Reads delimited text into a table, choosing the separator that gives the most rows with the same
/// number (> 1) of fields. Quoted fields may span lines; rows may have different lengths.
pub fn read_csv(
    text: &str,
    encoding: &'static str,
    limits: &SheetLimits,
) -> Result<Table, CsvError> {
    // The csv reader's line count lags by one over CRLF; with LF only, rows are named as editors show them.
    let normalized;
    let text = if text.contains('\r') {
        normalized = text.replace("\r\n", "\n").replace('\r', "\n");
        normalized.as_str()
    } else {
        text
    };
    let delimiter = detect_separator(text);
    scan(text, delimiter, limits)?;
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
            Ok(true) => rows.push(row_of(&record, line)),
            Ok(false) => break,
            // The input is a &str, so only malformed-UTF-8 errors could occur, and they cannot.
            Err(_) => break,
        }
    }
    Ok(Table {
        rows,
        column_style: ColumnStyle::Number,
        sheet: None,
        encoding: Some(encoding),
    })
}

/// A record as a table row: blank fields are empty cells; `line` is where the record starts
/// (the csv reader counts from 1, and says 0 before the first record).
pub(super) fn row_of(record: &csv::StringRecord, line: usize) -> Row {
    Row {
        line: line.max(1),
        cells: record
            .iter()
            .map(|f| {
                if crate::domain::text::is_blank(f) {
                    Cell::Empty
                } else {
                    Cell::Text(f.to_string())
                }
            })
            .collect(),
    }
}

/// Reads the text once, the way the csv reader will, before it does: a quoted field that never
/// closes (it would swallow the rest of the file), a row with more fields than a sheet may have
/// columns, or a field larger than any real cell is refused here, without allocating for it. A
/// quote is special only at the start of a field; `""` inside a quoted field is a quote.
fn scan(text: &str, delimiter: u8, limits: &SheetLimits) -> Result<(), CsvError> {
    let mut s = Scanner::new(delimiter, limits.max_columns as usize);
    s.feed(text.as_bytes())?;
    s.end()
}

/// [`scan`] fed piece by piece, for text read as a stream (LF line ends).
#[derive(Debug, Clone)]
pub struct Scanner {
    delimiter: u8,
    max_columns: usize,
    line: usize,
    record_line: usize,
    opened: usize,
    fields: usize,
    field_bytes: usize,
    in_quote: bool,
    /// A quote seen inside a quoted field: it closes the field unless another quote follows.
    quote_seen: bool,
    field_start: bool,
}

impl Scanner {
    pub fn new(delimiter: u8, max_columns: usize) -> Scanner {
        Scanner {
            delimiter,
            max_columns,
            line: 1,
            record_line: 1,
            opened: 0,
            fields: 1,
            field_bytes: 0,
            in_quote: false,
            quote_seen: false,
            field_start: true,
        }
    }

    fn refuse(line: usize, cause: crate::domain::Said) -> Result<(), CsvError> {
        Err(CsvError { line, cause })
    }

    /// A field over the limit: inside a quote still open, the quote is to blame.
    fn too_long(&self) -> Result<(), CsvError> {
        let (opened, fields) = (self.opened, self.fields);
        if self.in_quote && !self.quote_seen {
            Self::refuse(
                opened,
                crate::said!(
                    "cudzysłów otwarty w wierszu {opened} nie zamyka się w ciągu {MAX_FIELD_BYTES} bajtów, więc połknąłby następne wiersze; plik odrzucono",
                    "a quote opened on line {opened} is never closed within {MAX_FIELD_BYTES} bytes, so it would swallow the lines after it; the file is refused"
                ),
            )
        } else {
            Self::refuse(
                self.record_line,
                crate::said!(
                    "pole {fields} ma więcej niż {MAX_FIELD_BYTES} bajtów, ponad limit; plik odrzucono",
                    "field {fields} holds more than {MAX_FIELD_BYTES} bytes, more than the limit; the file is refused"
                ),
            )
        }
    }

    pub fn feed(&mut self, text: &[u8]) -> Result<(), CsvError> {
        let mut i = 0;
        while i < text.len() {
            // Inside a field, only a line end and a separator matter (inside quotes: a quote and
            // a line end); the bytes up to the next are skipped at once, not looked at one by
            // one: this scan reads every byte of a statement before the csv reader does.
            if !(self.field_start || self.in_quote && self.quote_seen) {
                let rest = &text[i..];
                let plain = if self.in_quote {
                    memchr::memchr2(b'"', b'\n', rest)
                } else {
                    memchr::memchr2(b'\n', self.delimiter, rest)
                }
                .unwrap_or(rest.len());
                if plain > 0 {
                    self.field_bytes += plain;
                    if self.field_bytes > MAX_FIELD_BYTES {
                        return self.too_long();
                    }
                    i += plain;
                    continue;
                }
            }
            let b = text[i];
            i += 1;
            // The separator or line end that ends a field is not of it (a quote is).
            let ends = (!self.in_quote || self.quote_seen) && (b == b'\n' || b == self.delimiter);
            if !ends {
                self.field_bytes += 1;
                if self.field_bytes > MAX_FIELD_BYTES {
                    return self.too_long();
                }
            }
            if self.in_quote {
                if self.quote_seen {
                    self.quote_seen = false;
                    if b == b'"' {
                        continue;
                    }
                    self.in_quote = false;
                } else {
                    match b {
                        b'"' => self.quote_seen = true,
                        b'\n' => self.line += 1,
                        _ => {}
                    }
                    continue;
                }
            }
            match b {
                b'"' if self.field_start => {
                    self.in_quote = true;
                    self.opened = self.line;
                    self.field_start = false;
                }
                b'\n' => {
                    self.line += 1;
                    self.record_line = self.line;
                    (self.fields, self.field_bytes) = (1, 0);
                    self.field_start = true;
                }
                d if d == self.delimiter => {
                    self.fields += 1;
                    self.field_bytes = 0;
                    self.field_start = true;
                    if self.fields > self.max_columns {
                        let max = self.max_columns;
                        return Self::refuse(
                            self.record_line,
                            crate::said!(
                                "wiersz ma więcej niż {max} pól, ponad limit; plik odrzucono",
                                "the row has more than {max} fields, more than the limit; the file is refused"
                            ),
                        );
                    }
                }
                _ => self.field_start = false,
            }
        }
        Ok(())
    }

    /// At the end of the text: a quote still open is refused.
    pub fn end(&self) -> Result<(), CsvError> {
        if self.in_quote && !self.quote_seen {
            let opened = self.opened;
            return Self::refuse(
                opened,
                crate::said!(
                    "cudzysłów otwarty w wierszu {opened} nigdy się nie zamyka, więc reszta pliku byłaby jednym polem; plik odrzucono",
                    "a quote opened on line {opened} is never closed, so the rest of the file would be one field; the file is refused"
                ),
            );
        }
        Ok(())
    }
}

/// How many of the first records share the most common field count (> 1) with this separator,
/// reading quotes (`quoting`) or not.
fn separator_score(text: &str, delimiter: u8, quoting: bool) -> usize {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .quoting(quoting)
        .from_reader(text.as_bytes());
    let mut counts: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for rec in reader.records().take(SAMPLE_RECORDS).flatten() {
        let n = rec.len();
        if n > 1 {
            *counts.entry(n).or_default() += 1;
        }
    }
    counts.values().copied().max().unwrap_or(0)
}

/// How much of the text the separator is chosen from.
const SAMPLE_BYTES: usize = 64 * 1024;

/// Picks the separator whose most common field count (> 1) covers the most records, with quotes
/// read or, where a stray quote swallows lines, not. Only the start of the text is sampled.
pub fn detect_separator(text: &str) -> u8 {
    let mut end = text.len().min(SAMPLE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let text = &text[..end];
    let mut best = (b';', 0usize);
    for &d in &CANDIDATES {
        let score = separator_score(text, d, true).max(separator_score(text, d, false));
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
        let t = read_csv(
            "h1;h2\n1;\"two\nlines\"\n3;x\n",
            "UTF-8",
            &SheetLimits::default(),
        )
        .unwrap();
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[1].cell(1).text(), "two\nlines");
        assert_eq!(t.rows[2].line, 4);
    }

    #[test]
    fn an_unclosed_quote_is_refused_naming_its_line() {
        let text = "Data;Kontrahent;Tytuł;Kwota\n2026-01-02;ACME;FV 1;100,00\n2026-01-03;\"ACME;FV 3;100,00\n2026-01-04;ACME;FV 4;100,00\n";
        let e = read_csv(text, "UTF-8", &SheetLimits::default()).unwrap_err();
        assert_eq!(e.line, 3, "{e:?}");
        assert!(e.cause.contains("never closed"), "{e:?}");
        // Quotes that close, and quotes inside a field, are fine.
        let ok = "a;b\n\"x;\"\"y\"\"\";5\" screen\n";
        assert_eq!(
            read_csv(ok, "UTF-8", &SheetLimits::default())
                .unwrap()
                .rows
                .len(),
            2
        );
    }

    #[test]
    fn absurd_shapes_are_refused() {
        let limits = SheetLimits::default();
        let e = read_csv(&";".repeat(100_000), "UTF-8", &limits).unwrap_err();
        assert!(e.cause.contains("more than 512 fields"), "{e:?}");
        let e = read_csv(
            &format!("a;b\n1;{}\n", "x".repeat(100_000)),
            "UTF-8",
            &limits,
        )
        .unwrap_err();
        assert_eq!(e.line, 2);
        assert!(
            e.cause.contains("field 2 holds more than 65536 bytes"),
            "{e:?}"
        );
    }

    /// The field limit holds at its byte, unquoted and quoted, however the text is cut.
    #[test]
    fn the_field_limit_holds_at_its_byte_in_any_pieces() {
        let verdict = |text: &str, cut: usize| {
            let mut s = Scanner::new(b';', 512);
            let (a, b) = text.as_bytes().split_at(cut.min(text.len()));
            s.feed(a)
                .and_then(|()| s.feed(b))
                .and_then(|()| s.end())
                .map_err(|e| (e.line, e.cause.en))
        };
        for cut in [0, 3, 7, 40_000, 65_540, usize::MAX] {
            let at_limit = format!("a;b\n1;{}\n", "x".repeat(MAX_FIELD_BYTES));
            assert_eq!(verdict(&at_limit, cut), Ok(()), "cut at {cut}");
            let over = format!("a;b\n1;{}\n", "x".repeat(MAX_FIELD_BYTES + 1));
            let e = verdict(&over, cut).unwrap_err();
            assert_eq!(e.0, 2, "cut at {cut}");
            assert!(e.1.contains("field 2 holds more"), "cut at {cut}: {e:?}");
            // A quote counts as a byte of its field.
            let quoted = format!("a;b\n1;\"{}\"\n", "x".repeat(MAX_FIELD_BYTES - 2));
            assert_eq!(verdict(&quoted, cut), Ok(()), "cut at {cut}");
            let open = format!("a;b\n1;\"{}\n2;3\n", "x\n".repeat(MAX_FIELD_BYTES / 2));
            let e = verdict(&open, cut).unwrap_err();
            assert_eq!(e.0, 2, "cut at {cut}");
            assert!(e.1.contains("never closed within"), "cut at {cut}: {e:?}");
        }
    }

    /// The scanner's state machine a byte at a time, as it was before it skipped plain bytes;
    /// fields here stay far below the byte limit.
    fn scan_bytewise(text: &[u8], max_columns: usize) -> Result<(), (usize, String)> {
        let (mut line, mut record_line, mut opened, mut fields) = (1, 1, 0, 1);
        let (mut in_quote, mut quote_seen, mut field_start) = (false, false, true);
        for &b in text {
            if in_quote {
                if quote_seen {
                    quote_seen = false;
                    if b == b'"' {
                        continue;
                    }
                    in_quote = false;
                } else {
                    match b {
                        b'"' => quote_seen = true,
                        b'\n' => line += 1,
                        _ => {}
                    }
                    continue;
                }
            }
            match b {
                b'"' if field_start => (in_quote, opened, field_start) = (true, line, false),
                b'\n' => (line, record_line, fields, field_start) = (line + 1, line + 1, 1, true),
                b';' => {
                    (fields, field_start) = (fields + 1, true);
                    if fields > max_columns {
                        return Err((record_line, "columns".into()));
                    }
                }
                _ => field_start = false,
            }
        }
        if in_quote && !quote_seen {
            return Err((opened, "quote".into()));
        }
        Ok(())
    }

    proptest::proptest! {
        /// Skipping plain bytes decides as reading them one by one did, in any pieces.
        #[test]
        fn the_scanner_decides_as_a_byte_at_a_time(
            text in "[a;\"\n]{0,40}",
            cut in 0usize..41,
        ) {
            let mut s = Scanner::new(b';', 4);
            let (a, b) = text.as_bytes().split_at(cut.min(text.len()));
            let got = s.feed(a).and_then(|()| s.feed(b)).and_then(|()| s.end()).map_err(|e| {
                let kind = if e.cause.en.contains("fields") { "columns" } else { "quote" };
                (e.line, kind.to_string())
            });
            proptest::prop_assert_eq!(got, scan_bytewise(text.as_bytes(), 4));
        }
    }

    #[test]
    fn crlf_line_numbers() {
        let t = read_csv(
            "h1;h2\r\n1;\"two\r\nlines\"\r\n3;x\r\n",
            "UTF-8",
            &SheetLimits::default(),
        )
        .unwrap();
        assert_eq!(
            t.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![1, 2, 4]
        );
    }
}
