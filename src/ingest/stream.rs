//! A report read as a stream: a delimited bank statement of any length is decoded, split and
//! turned into operations a batch at a time, so memory stays flat in the file's size (a year of a
//! busy firm's statement is a million rows). An MT940 file past the head is read a line at a
//! time the same way ([`super::mt940::read`]), and an XLSX statement row by row from its sheet
//! once the workbook is read ([`stream_xlsx`]). Every other report — a small file, a PDF, an XLS
//! or ODS spreadsheet, KSeF, a receivables list — is read whole by [`super::parse_report`] and
//! comes out as one [`Event::Whole`].
//!
//! The same code runs in the parsing worker (whose events travel as frames over a pipe, see
//! `crate::isolate`) and in the importing process when isolation is off.

use super::csv_table::{CsvError, Scanner, detect_separator};
use super::decode::{DecodeError, detection_sample};
use super::profile::{Profile, ReportKind};
use super::statement::{Extractor, StatementRow, Tail};
use super::table::{ColumnStyle, Row, Table};
use super::{ParseContext, Parsed, ReportError};
use encoding_rs::{Decoder, DecoderResult, Encoding, ISO_8859_2, UTF_8, WINDOWS_1250};
use serde::{Deserialize, Serialize};
use std::io::Read;

/// Bytes read before deciding how to read a file: a file that fits is read whole.
pub const HEAD_BYTES: usize = 1 << 20;
/// Largest file read whole (every format but delimited text): its parser holds it, and what it
/// makes of it, in memory.
pub const WHOLE_MAX_BYTES: u64 = 64 << 20;
/// Rows read before recognising the report (the header is searched among the first 80).
const HEAD_ROWS: usize = 200;
/// Operations per [`Event::Rows`].
pub const BATCH: usize = 2048;
/// Raw bytes decoded at a time.
const CHUNK: usize = 256 * 1024;

/// What reading a report yields, in order: either one `Whole`, or `Head`, any number of `Rows`,
/// and `Tail`. A refusal ends the stream early (the reader returns it).
#[derive(Debug, Serialize, Deserialize)]
pub enum Event {
    Whole(Box<Parsed>),
    Head(Head),
    Rows(Vec<StatementRow>),
    Tail(Box<StreamTail>),
}

/// A streamed statement's first word: how it is read, and our account as far as the first rows
/// tell it (the footer may still name it; see [`StreamTail`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Head {
    pub format: String,
    pub profile: String,
    pub account: Option<String>,
}

/// A streamed statement's last word: the encoding it turned out to be in and what the statement
/// says besides its operations.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StreamTail {
    /// The text encoding (none for a spreadsheet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    pub tail: Tail,
}

/// Reads a report from `input`, handing what it reads to `sink` as it goes. The sink's error (the
/// importer gone) stops the reading and is returned as a refusal.
pub fn parse_stream(
    file: &str,
    input: &mut dyn Read,
    profiles: &[Profile],
    ctx: &ParseContext,
    sink: &mut dyn FnMut(Event) -> std::io::Result<()>,
) -> Result<(), ReportError> {
    let refuse = |cause| ReportError::file(file, cause);
    let lost = |e: std::io::Error| refuse(crate::domain::Said::io(&e));
    let mut head = Vec::with_capacity(64 * 1024);
    input
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(lost)?;
    let how = reading(&head, head.len() == HEAD_BYTES);
    if let Reading::Mt940 = how {
        return stream_mt940(file, head, input, ctx, sink);
    }
    if let Reading::Whole | Reading::Workbook = how {
        input
            .take(WHOLE_MAX_BYTES + 1 - head.len() as u64)
            .read_to_end(&mut head)
            .map_err(lost)?;
        if head.len() as u64 > WHOLE_MAX_BYTES {
            let mib = WHOLE_MAX_BYTES >> 20;
            return Err(refuse(crate::said!(
                "plik tego rodzaju (PDF, arkusz, XML) czyta się w całości, a ten ma ponad {mib} MiB; proszę wyeksportować wyciąg jako CSV albo MT940 albo podzielić go na mniejsze okresy",
                "a file of this kind (PDF, spreadsheet, XML) is read whole, and this one is over {mib} MiB; export the statement as CSV or MT940, or split it into shorter periods"
            )));
        }
        // A zip-based workbook's container is checked once (every part inflated: 0.6 s for a
        // 20 MB workbook), before its sheet is streamed or, if it is not, before it is read whole.
        let checked = matches!(how, Reading::Workbook)
            && super::container::check(&head, &ctx.sheet_limits).is_ok();
        if checked && let Some(streamed) = stream_xlsx(file, &head, profiles, ctx, sink) {
            return streamed;
        }
        let parsed = super::parse_bytes(file, &head, profiles, ctx, checked)?;
        return sink(Event::Whole(Box::new(parsed))).map_err(lost);
    }
    let text = TextStream::new(head, input);
    let mut reading = csv_rows(file, text, ctx)?;
    let table = head_rows(&mut reading, ColumnStyle::Number, None)?;
    let whole = |mut table: Table, reading: &mut CsvRows<'_>| -> Result<Parsed, ReportError> {
        while let Some(row) = reading.next_row()? {
            table.rows.push(row);
        }
        table.encoding = Some(reading.encoding_name());
        super::parse_table(file, "csv", &table, profiles, ctx)
    };
    // A subscriptions list, a receivables list or no known report at all: read whole, parsed
    // or refused as any such file.
    let rec = match super::recognise::recognise(&table, profiles) {
        Ok(rec) if rec.profile.kind == ReportKind::Statement && !super::billing_list(&table) => rec,
        _ => {
            let parsed = whole(table, &mut reading)?;
            return sink(Event::Whole(Box::new(parsed))).map_err(lost);
        }
    };
    stream_statement(file, "csv", &table, &rec, &mut reading, ctx, sink)
}

/// A report's rows, one at a time, whatever its format.
trait RowSource {
    fn next_row(&mut self) -> Result<Option<Row>, ReportError>;
    /// The text encoding, for a format that has one (known for certain at the end).
    fn encoding(&self) -> Option<String>;
}

/// The first rows of a report, enough to recognise it (the header is searched among the first
/// 80).
fn head_rows(
    source: &mut dyn RowSource,
    column_style: ColumnStyle,
    sheet: Option<String>,
) -> Result<Table, ReportError> {
    let mut table = Table {
        rows: Vec::new(),
        column_style,
        sheet,
        encoding: None,
    };
    while table.rows.len() < HEAD_ROWS {
        match source.next_row()? {
            Some(row) => table.rows.push(row),
            None => break,
        }
    }
    Ok(table)
}

/// A recognised statement whose first rows are `table`: its operations, a batch at a time, as
/// the rest of its rows come from `source`.
fn stream_statement(
    file: &str,
    format: &str,
    table: &Table,
    rec: &super::recognise::Recognised<'_>,
    source: &mut dyn RowSource,
    ctx: &ParseContext,
    sink: &mut dyn FnMut(Event) -> std::io::Result<()>,
) -> Result<(), ReportError> {
    let lost = |e: std::io::Error| ReportError::file(file, crate::domain::Said::io(&e));
    let mut ex = Extractor::new(file, table, rec, ctx);
    let mut batch = Vec::with_capacity(BATCH);
    for row in &table.rows[rec.data_start.min(table.rows.len())..] {
        if let Some(op) = ex.push(row)? {
            batch.push(op);
        }
    }
    sink(Event::Head(Head {
        format: format.into(),
        profile: rec.profile.name.clone(),
        account: ex.account_so_far(),
    }))
    .map_err(lost)?;
    while let Some(row) = source.next_row()? {
        if let Some(op) = ex.push(&row)? {
            batch.push(op);
            if batch.len() == BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                sink(Event::Rows(full)).map_err(lost)?;
            }
        }
    }
    if !batch.is_empty() {
        sink(Event::Rows(batch)).map_err(lost)?;
    }
    let tail = ex.finish()?;
    sink(Event::Tail(Box::new(StreamTail {
        encoding: source.encoding(),
        tail,
    })))
    .map_err(lost)
}

/// An XLSX workbook past the read-ahead, whose container has passed `container::check`, and whose
/// report (its first sheet a profile recognises) is a statement:
/// its rows are read cell by cell and its operations streamed like a delimited statement's, so
/// the sheet is never a table in memory (a year's statement is a million rows). `None` when it
/// is not such a workbook, or its first rows cannot be read: it is read whole, and parsed or
/// refused as before.
fn stream_xlsx(
    file: &str,
    bytes: &[u8],
    profiles: &[Profile],
    ctx: &ParseContext,
    sink: &mut dyn FnMut(Event) -> std::io::Result<()>,
) -> Option<Result<(), ReportError>> {
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).ok()?;
    for name in wb.sheet_names() {
        let reader = wb.worksheet_cells_reader(&name).ok()?;
        let mut rows = XlsxRows {
            cells: super::spreadsheet::SheetCells::new(&name, reader, ctx.sheet_limits).ok()?,
            file: file.to_string(),
            sheet: name.clone(),
            next: None,
            last: None,
        };
        let table = head_rows(&mut rows, ColumnStyle::Letter, Some(name.clone())).ok()?;
        if table.rows.iter().all(Row::is_blank) {
            continue;
        }
        // As reading it whole decides: the first sheet that is a subscriptions list or that a
        // profile recognises is the report.
        if super::billing_list(&table) {
            return None;
        }
        match super::recognise::recognise(&table, profiles) {
            Ok(rec) if rec.profile.kind == ReportKind::Statement => {
                return Some(stream_statement(
                    file, "xlsx", &table, &rec, &mut rows, ctx, sink,
                ));
            }
            Ok(_) => return None,
            Err(_) => continue,
        }
    }
    None
}

/// A sheet's rows from calamine's cell reader, which yields the cells in the order the file
/// holds them: row by row, as every spreadsheet program writes them. Empty cells are left
/// out, as reading the sheet whole leaves them.
struct XlsxRows<'a, RS: std::io::Read + std::io::Seek> {
    cells: super::spreadsheet::SheetCells<'a, RS>,
    file: String,
    sheet: String,
    /// The first cell of the next row, read past the end of the last one.
    next: Option<(u32, u32, super::table::Cell)>,
    /// The last row handed out.
    last: Option<u32>,
}

impl<RS: std::io::Read + std::io::Seek> XlsxRows<'_, RS> {
    fn error(&self, row: Option<u32>, cause: crate::domain::Said) -> ReportError {
        ReportError {
            file: self.file.clone(),
            sheet: Some(self.sheet.clone()),
            row: row.map(|r| r as usize + 1),
            column: None,
            cause: Box::new(cause),
        }
    }
}

impl<RS: std::io::Read + std::io::Seek> RowSource for XlsxRows<'_, RS> {
    fn next_row(&mut self) -> Result<Option<Row>, ReportError> {
        let mut row: Option<(u32, Vec<(u32, super::table::Cell)>)> =
            self.next.take().map(|(r, c, v)| (r, vec![(c, v)]));
        loop {
            let (r, c, value) = match self.cells.next() {
                Ok(Some(cell)) => cell,
                Ok(None) => break,
                Err(e) => return Err(self.error(self.cells.at, e.said())),
            };
            match row.as_mut() {
                Some((cur, cells)) if *cur == r => cells.push((c, value)),
                Some((cur, _)) if r > *cur => {
                    self.next = Some((r, c, value));
                    break;
                }
                None if self.last.is_none_or(|last| r > last) => row = Some((r, vec![(c, value)])),
                _ => {
                    let line = r + 1;
                    return Err(self.error(
                        Some(r),
                        crate::said!(
                            "wiersz {line} arkusza stoi w pliku po wierszu dalszym; proszę zapisać arkusz ponownie w programie do arkuszy",
                            "row {line} of the sheet comes after a later row in the file; save the sheet again in a spreadsheet program"
                        ),
                    ));
                }
            }
        }
        Ok(row.map(|(r, cells)| {
            self.last = Some(r);
            super::spreadsheet::dense_row(r, cells)
        }))
    }

    fn encoding(&self) -> Option<String> {
        None
    }
}

/// An MT940 file past its head, read a line at a time ([`super::mt940::read`]).
fn stream_mt940(
    file: &str,
    head: Vec<u8>,
    input: &mut dyn Read,
    ctx: &ParseContext,
    sink: &mut dyn FnMut(Event) -> std::io::Result<()>,
) -> Result<(), ReportError> {
    let lost = |e: std::io::Error| ReportError::file(file, crate::domain::Said::io(&e));
    let mut started = false;
    let mut start = |account: Option<&str>,
                     sink: &mut dyn FnMut(Event) -> std::io::Result<()>|
     -> Result<(), ReportError> {
        if !std::mem::replace(&mut started, true) {
            sink(Event::Head(Head {
                format: "mt940".into(),
                profile: "mt940".into(),
                account: account.map(str::to_string),
            }))
            .map_err(lost)?;
        }
        Ok(())
    };
    let mut whole = head.as_slice().chain(input);
    let summary = super::mt940::read(file, &mut whole, ctx, &mut |account, rows| {
        start(account, sink)?;
        sink(Event::Rows(rows)).map_err(lost)
    })?;
    start(summary.tail.account.as_deref(), sink)?;
    sink(Event::Tail(Box::new(StreamTail {
        encoding: Some(summary.encoding.to_string()),
        tail: summary.tail,
    })))
    .map_err(lost)
}

/// How a file is read.
enum Reading {
    /// A small file, or one of a kind only read whole (PDF, XML, UTF-16 text).
    Whole,
    /// A spreadsheet or an archive: read whole, and an XLSX statement's rows streamed from it.
    Workbook,
    /// MT940, a line at a time.
    Mt940,
    /// Delimited text, a chunk at a time.
    Delimited,
}

/// How a file that starts with `head` is read; `past_head` when there is more of it. A PDF, a
/// KSeF document or receipt is what it is whatever text it holds, as `parse_report` decides.
fn reading(head: &[u8], past_head: bool) -> Reading {
    if !past_head
        || super::pdf::is_pdf(head)
        || crate::billing::upo::looks_like(head)
        || super::ksef::looks_like(head)
    {
        Reading::Whole
    } else if super::spreadsheet::is_spreadsheet(head) || super::archive::is_archive(head) {
        Reading::Workbook
    } else if super::mt940::looks_like(head) {
        Reading::Mt940
    } else if matches!(Encoding::for_bom(head), Some((enc, _)) if enc != UTF_8) {
        Reading::Whole
    } else {
        Reading::Delimited
    }
}

/// Rows of delimited text read from a [`TextStream`], numbered by line as editors show them.
struct CsvRows<'r> {
    reader: csv::Reader<TextStream<'r>>,
    record: csv::StringRecord,
    file: String,
}

fn csv_rows<'r>(
    file: &str,
    mut text: TextStream<'r>,
    ctx: &ParseContext,
) -> Result<CsvRows<'r>, ReportError> {
    text.fill_at_least(64 * 1024).map_err(|e| e.located(file))?;
    let delimiter = detect_separator(text.decoded_prefix());
    text.scanner = Some(Scanner::new(
        delimiter,
        ctx.sheet_limits.max_columns as usize,
    ));
    text.scan_pending().map_err(|e| e.located(file))?;
    let reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(256 * 1024)
        .from_reader(text);
    Ok(CsvRows {
        reader,
        record: csv::StringRecord::new(),
        file: file.to_string(),
    })
}

impl CsvRows<'_> {
    fn encoding_name(&self) -> &'static str {
        self.reader.get_ref().encoding_name()
    }
}

impl RowSource for CsvRows<'_> {
    fn encoding(&self) -> Option<String> {
        Some(self.encoding_name().to_string())
    }

    fn next_row(&mut self) -> Result<Option<Row>, ReportError> {
        let line = self.reader.position().line() as usize;
        let got = self.reader.read_record(&mut self.record);
        if let Some(e) = self.reader.get_mut().error.take() {
            return Err(e.located(&self.file));
        }
        match got {
            Ok(true) => Ok(Some(super::csv_table::row_of(&self.record, line))),
            Ok(false) => {
                if let Some(s) = &self.reader.get_ref().scanner {
                    s.end()
                        .map_err(|e| StreamError::Csv(e).located(&self.file))?;
                }
                Ok(None)
            }
            Err(e) => Err(ReportError {
                file: self.file.clone(),
                sheet: None,
                row: Some(line.max(1)),
                column: None,
                cause: Box::new(crate::said!(
                    "nie da się odczytać wiersza",
                    "cannot read the row: {e}"
                )),
            }),
        }
    }
}

/// Why the text stream stopped.
#[derive(Debug)]
enum StreamError {
    Decode(DecodeError),
    /// Bytes that are not UTF-8 after the file read as UTF-8 so far.
    NotUtf8 {
        offset: u64,
    },
    Csv(CsvError),
    Io(std::io::Error),
}

impl StreamError {
    fn located(self, file: &str) -> ReportError {
        match self {
            StreamError::Decode(d) => ReportError::file(file, d.said()),
            StreamError::NotUtf8 { offset } => {
                ReportError::file(file, super::decode::mixed_encodings(offset))
            }
            StreamError::Csv(e) => ReportError {
                file: file.to_string(),
                sheet: None,
                row: Some(e.line),
                column: None,
                cause: Box::new(e.cause),
            },
            StreamError::Io(e) => ReportError::file(file, crate::domain::Said::io(&e)),
        }
    }
}

/// The file's bytes as UTF-8 text with LF line ends, decoded a chunk at a time. The encoding is
/// decided the way [`super::decode::decode_text`] decides it, from the first bytes that are not
/// ASCII; a file that is ASCII throughout is UTF-8.
struct TextStream<'r> {
    input: &'r mut dyn Read,
    /// Raw bytes read but not decoded (the head, at first).
    raw: Vec<u8>,
    raw_pos: usize,
    eof: bool,
    /// Raw bytes decoded so far.
    offset: u64,
    encoding: Option<&'static Encoding>,
    decoder: Option<Decoder>,
    /// A CR ended the last piece: an LF starting the next one belongs to it.
    after_cr: bool,
    out: String,
    out_pos: usize,
    /// Text decoded before the scanner existed, to scan once it does.
    scanned: usize,
    scanner: Option<Scanner>,
    error: Option<StreamError>,
}

impl<'r> TextStream<'r> {
    fn new(head: Vec<u8>, input: &'r mut dyn Read) -> Self {
        let mut s = TextStream {
            input,
            raw: head,
            raw_pos: 0,
            eof: false,
            offset: 0,
            encoding: None,
            decoder: None,
            after_cr: false,
            out: String::new(),
            out_pos: 0,
            scanned: 0,
            scanner: None,
            error: None,
        };
        if s.raw.starts_with(b"\xEF\xBB\xBF") {
            s.raw_pos = 3;
            s.offset = 3;
            s.set_encoding(UTF_8);
        }
        s
    }

    fn encoding_name(&self) -> &'static str {
        self.encoding.unwrap_or(UTF_8).name()
    }

    fn set_encoding(&mut self, enc: &'static Encoding) {
        self.encoding = Some(enc);
        self.decoder = Some(enc.new_decoder_without_bom_handling());
    }

    /// The text decoded and not yet read.
    fn decoded_prefix(&self) -> &str {
        &self.out[self.out_pos..]
    }

    fn fill_at_least(&mut self, n: usize) -> Result<(), StreamError> {
        while self.out.len() - self.out_pos < n {
            if !self.fill()? {
                break;
            }
        }
        Ok(())
    }

    fn scan_pending(&mut self) -> Result<(), StreamError> {
        if let Some(s) = self.scanner.as_mut() {
            s.feed(&self.out.as_bytes()[self.scanned..])
                .map_err(StreamError::Csv)?;
            self.scanned = self.out.len();
        }
        Ok(())
    }

    /// Decodes the next chunk; `false` at the end of the input.
    fn fill(&mut self) -> Result<bool, StreamError> {
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
            self.scanned = 0;
        }
        if self.raw_pos == self.raw.len() {
            if self.eof {
                return Ok(false);
            }
            self.raw.clear();
            self.raw_pos = 0;
            self.raw.resize(CHUNK, 0);
            let mut got = 0;
            while got < CHUNK {
                match self.input.read(&mut self.raw[got..]) {
                    Ok(0) => {
                        self.eof = true;
                        break;
                    }
                    Ok(n) => got += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(StreamError::Io(e)),
                }
            }
            self.raw.truncate(got);
            if got == 0 {
                return self.finish_decoder();
            }
        }
        let raw = std::mem::take(&mut self.raw);
        let decoded = self.decode_chunk(&raw[self.raw_pos..]);
        self.raw = raw;
        self.raw_pos = self.raw.len();
        decoded?;
        self.scan_pending()?;
        Ok(true)
    }

    fn decode_chunk(&mut self, chunk: &[u8]) -> Result<(), StreamError> {
        // Each check first asks whether the chunk holds any such byte at all, in a pass the
        // compiler vectorises, and looks for the first one only then: byte by byte, the two
        // checks cost more than decoding the text.
        if has_control(chunk)
            && let Some((i, &byte)) = chunk.iter().enumerate().find(|(_, b)| is_control(**b))
        {
            return Err(StreamError::Decode(DecodeError::Binary {
                byte,
                offset: (self.offset + i as u64) as usize,
            }));
        }
        if self.encoding.is_none() && chunk.iter().any(|b| *b >= 0x80) {
            self.set_encoding(decide(chunk));
        }
        if let Some(enc) = self.encoding.filter(|e| *e != UTF_8)
            && has_foreign(enc, chunk)
            && let Some((i, &byte)) = chunk.iter().enumerate().find(|(_, b)| is_foreign(enc, **b))
        {
            return Err(StreamError::Decode(DecodeError::UnexpectedEncoding {
                byte,
                offset: (self.offset + i as u64) as usize,
            }));
        }
        let mut text = String::new();
        match self.decoder.as_mut() {
            // ASCII so far: the bytes are the text.
            None => text.push_str(std::str::from_utf8(chunk).unwrap_or_default()),
            Some(d) => {
                text.reserve(
                    d.max_utf8_buffer_length_without_replacement(chunk.len())
                        .unwrap_or(chunk.len() * 3),
                );
                let (result, read) =
                    d.decode_to_string_without_replacement(chunk, &mut text, false);
                // `read` counts the malformed bytes and those consumed after them.
                if let DecoderResult::Malformed(bad, after) = result {
                    let at = read.saturating_sub(bad as usize + after as usize);
                    return Err(StreamError::NotUtf8 {
                        offset: self.offset + at as u64,
                    });
                }
            }
        }
        self.offset += chunk.len() as u64;
        self.push_normalized(&text);
        Ok(())
    }

    /// The decoder's last bytes (a character cut off at the end of the file is an error).
    fn finish_decoder(&mut self) -> Result<bool, StreamError> {
        if let Some(d) = self.decoder.as_mut() {
            let mut text = String::with_capacity(16);
            let (result, _) = d.decode_to_string_without_replacement(&[], &mut text, true);
            if let DecoderResult::Malformed(_, _) = result {
                return Err(StreamError::NotUtf8 {
                    offset: self.offset,
                });
            }
            self.decoder = None;
            if !text.is_empty() {
                self.push_normalized(&text);
                self.scan_pending()?;
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Appends text with CRLF and lone CR as LF (the csv reader's line count lags over CRLF).
    fn push_normalized(&mut self, text: &str) {
        // A piece that decoded to nothing (half a character) leaves a CR before it waiting for
        // its LF.
        if text.is_empty() {
            return;
        }
        let mut rest = text;
        if self.after_cr && rest.starts_with('\n') {
            rest = &rest[1..];
        }
        self.after_cr = rest.ends_with('\r');
        // A line at a time, not a character at a time: banks end every line with CRLF.
        while let Some(at) = rest.find('\r') {
            self.out.push_str(&rest[..at]);
            self.out.push('\n');
            rest = &rest[at + 1..];
            if let Some(after) = rest.strip_prefix('\n') {
                rest = after;
            }
        }
        self.out.push_str(rest);
    }
}

impl Read for TextStream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.out_pos == self.out.len() {
            match self.fill() {
                Ok(true) => {}
                Ok(false) => return Ok(0),
                Err(e) => {
                    self.error = Some(e);
                    return Err(std::io::Error::other("the text stream stopped"));
                }
            }
            if self.out_pos == self.out.len() {
                // A chunk that decoded to nothing (a lone LF after a CR): read on.
                return self.read(buf);
            }
        }
        let avail = &self.out.as_bytes()[self.out_pos..];
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.out_pos += n;
        Ok(n)
    }
}

/// The encoding of a file whose first bytes beyond ASCII are in `chunk`.
fn decide(chunk: &[u8]) -> &'static Encoding {
    match std::str::from_utf8(chunk) {
        Ok(_) => return UTF_8,
        // Only a character cut off by the chunk's end: UTF-8.
        Err(e) if e.error_len().is_none() => return UTF_8,
        Err(_) => {}
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(&detection_sample(chunk), true);
    let guess = detector.guess(Some(b"pl"), chardetng::Utf8Detection::Deny);
    if guess == ISO_8859_2 && !chunk.iter().any(|b| is_foreign(ISO_8859_2, *b)) {
        ISO_8859_2
    } else {
        WINDOWS_1250
    }
}

fn is_foreign(enc: &'static Encoding, b: u8) -> bool {
    super::decode::is_foreign(enc, b)
}

/// A control character no text file holds (a binary file's).
fn is_control(b: u8) -> bool {
    b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1A)
}

/// Whether any byte [`is_control`]: written without branches, so that it is vectorised.
fn has_control(chunk: &[u8]) -> bool {
    chunk.iter().fold(false, |any, &b| {
        any | ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r') & (b != 0x0C) & (b != 0x1A))
    })
}

/// Whether any byte [`is_foreign`] to `enc`: a range without branches (vectorised), or the five
/// bytes Windows-1250 leaves unassigned by memchr (five comparisons a byte were not).
fn has_foreign(enc: &'static Encoding, chunk: &[u8]) -> bool {
    if enc == ISO_8859_2 {
        chunk
            .iter()
            .fold(false, |any, &b| any | (b.wrapping_sub(0x80) < 0x20))
    } else {
        memchr::memchr3(0x81, 0x83, 0x88, chunk).is_some()
            || memchr::memchr2(0x90, 0x98, chunk).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{Records, parse_report};
    use rust_decimal::Decimal;

    /// The branch-free checks agree with the byte-by-byte ones on every byte, in every
    /// encoding a statement is read in.
    #[test]
    fn the_quick_byte_checks_agree_with_the_exact_ones() {
        for b in 0..=255u8 {
            let chunk = [b'a', b, b'z'];
            assert_eq!(has_control(&chunk), is_control(b), "byte {b:#x}");
            for enc in [WINDOWS_1250, ISO_8859_2] {
                assert_eq!(has_foreign(enc, &chunk), is_foreign(enc, b), "byte {b:#x}");
            }
        }
        assert!(!has_control(b""));
    }

    /// An mBank-style statement of `rows` operations of 1,00 PLN each, in UTF-8, with the
    /// closing balance it should have; `row_text` may change a row's title.
    fn statement(rows: usize, row_text: impl Fn(usize) -> String) -> String {
        let mut s = String::from(
            "#Klient;PRACOWNIA SKARBNIK SP. Z O.O.;\n#Waluta;PLN;\n\
             #Numer rachunku;55 1140 0000 9378 6579 7543 2319;\n;\n\
             #Saldo początkowe;0,00 PLN;\n;\n\
             #Data księgowania;#Data operacji;#Opis operacji;#Tytuł;#Nadawca/Odbiorca;#Numer konta;#Kwota;#Saldo po operacji;\n",
        );
        for i in 1..=rows {
            let title = row_text(i);
            s.push_str(&format!(
                "2026-03-02;2026-03-02;PRZELEW ZEWNĘTRZNY PRZYCHODZĄCY;\"{title}\";\"ŻÓŁW SP. Z O.O.\";'78114020045260181590830166';1,00;{i},00;\n"
            ));
        }
        s.push_str(&format!(";;;;;;#Saldo końcowe;{rows},00;\n"));
        s
    }

    /// A piece that decoded to nothing between a CR and its LF (the case the property below
    /// found) leaves one line break.
    #[test]
    fn an_empty_piece_between_cr_and_lf_keeps_one_line_break() {
        let mut empty: &[u8] = &[];
        let mut stream = TextStream::new(Vec::new(), &mut empty);
        for piece in ["a\r", "", "\nb\r", "\r", "", "c"] {
            stream.push_normalized(piece);
        }
        assert_eq!(stream.out, "a\nb\n\nc");
    }

    proptest::proptest! {
        /// CRLF and lone CR become LF wherever the pieces of text are cut (a CR ending one piece,
        /// its LF starting the next).
        #[test]
        fn line_ends_are_normalised_across_pieces(
            text in "[a\r\nż;]{0,16}",
            cuts in proptest::collection::vec(0usize..17, 0..4),
        ) {
            let mut empty: &[u8] = &[];
            let mut stream = TextStream::new(Vec::new(), &mut empty);
            let mut at: Vec<usize> = cuts
                .into_iter()
                .map(|c| c.min(text.len()))
                .filter(|c| text.is_char_boundary(*c))
                .collect();
            at.sort_unstable();
            let mut from = 0;
            for to in at.into_iter().chain([text.len()]) {
                stream.push_normalized(&text[from..to]);
                from = to;
            }
            proptest::prop_assert_eq!(stream.out, text.replace("\r\n", "\n").replace('\r', "\n"));
        }
    }

    fn profiles() -> Vec<Profile> {
        Profile::load_all(None).expect("built-in profiles")
    }

    /// Every event of reading `bytes` as a stream, or the refusal.
    fn stream(bytes: &[u8]) -> Result<Vec<Event>, ReportError> {
        let mut events = Vec::new();
        let mut input: &[u8] = bytes;
        parse_stream(
            "wyciag.csv",
            &mut input,
            &profiles(),
            &ParseContext::default(),
            &mut |e| {
                events.push(e);
                Ok(())
            },
        )?;
        Ok(events)
    }

    #[test]
    fn a_long_statement_streams_to_what_reading_it_whole_gives() {
        let text = statement(20_000, |i| format!("FV {i}/03/2026 Łódź"));
        let (bytes, _, _) = WINDOWS_1250.encode(&text);
        assert!(bytes.len() > HEAD_BYTES, "the file must be past the head");
        let events = stream(&bytes).unwrap();
        let Some(Event::Head(head)) = events.first() else {
            panic!("a long statement starts with a head: {:?}", events.first());
        };
        assert_eq!(head.profile, "mbank-statement");
        let rows: Vec<&StatementRow> = events
            .iter()
            .filter_map(|e| match e {
                Event::Rows(r) => Some(r),
                _ => None,
            })
            .flatten()
            .collect();
        let Some(Event::Tail(tail)) = events.last() else {
            panic!("a long statement ends with a tail");
        };
        assert_eq!(tail.encoding.as_deref(), Some("windows-1250"));
        assert_eq!(tail.tail.closing_balance, Some(Decimal::from(20_000)));
        let whole =
            parse_report("wyciag.csv", &bytes, &profiles(), &ParseContext::default()).unwrap();
        let Records::Statement(whole) = whole.records else {
            panic!("a statement");
        };
        assert_eq!(rows.len(), whole.rows.len());
        assert_eq!(rows.len(), 20_000);
        for (a, b) in rows.iter().zip(&whole.rows) {
            assert_eq!(**a, *b);
        }
        assert_eq!(rows[19_999].title, "FV 20000/03/2026 Łódź");
        assert_eq!(rows[0].row, 8);
    }

    /// A PKO BP-style MT940 file: `days` daily statements of `per_day` operations of 1,23 PLN,
    /// CRLF, with 0xFF fillers in empty subfields; `title(i)` is operation i's title (in
    /// Windows-1250 unless `utf8`; the payer's name is in Polish letters when the title is), and
    /// `closing_off` grosze go on the last closing balance.
    fn mt940(
        days: usize,
        per_day: usize,
        closing_off: i64,
        utf8: bool,
        title: impl Fn(usize) -> String,
    ) -> Vec<u8> {
        let mut balance: i64 = 100_000;
        let mut bytes = Vec::new();
        for d in 0..days {
            let off = if d + 1 == days { closing_off } else { 0 };
            bytes.extend(mt940_day(d, per_day, &mut balance, off, utf8, &title));
        }
        bytes
    }

    /// Day `d`'s statement of [`mt940`], opening at `balance` and leaving it at its closing.
    fn mt940_day(
        d: usize,
        per_day: usize,
        balance: &mut i64,
        closing_off: i64,
        utf8: bool,
        title: &dyn Fn(usize) -> String,
    ) -> Vec<u8> {
        let zl = |g: i64| format!("{},{:02}", g / 100, g % 100);
        let day =
            chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(d as u64);
        let ymd = day.format("%y%m%d");
        let md = day.format("%m%d");
        let mut s = format!(
            ":20:ST{ymd}\r\n:25:/PL90102000004875749118625276\r\n:28C:{d:05}\r\n:60F:C{ymd}PLN{}\r\n",
            zl(*balance)
        );
        for k in 0..per_day {
            let i = d * per_day + k;
            *balance += 123;
            let t = title(i);
            let name = if t.is_ascii() {
                "ZOLW SP. Z O.O."
            } else {
                "ŻÓŁW SP. Z O.O."
            };
            let (t1, t2) = t.split_at(t.char_indices().nth(27).map_or(t.len(), |(at, _)| at));
            s.push_str(&format!(
                ":61:{ymd}{md}CN1,23NTRFNONREF//{i:010}\r\n:86:020~00152~20{t1}~21{t2}~22\u{1}~3011402004~315260181590830166~32\r\n{name}~33\u{1}~38PL78114020045260181590830166\r\n"
            ));
        }
        s.push_str(&format!(
            ":62F:C{ymd}PLN{}\r\n-\r\n",
            zl(*balance + closing_off)
        ));
        let mut bytes = if utf8 {
            s.into_bytes()
        } else {
            WINDOWS_1250.encode(&s).0.into_owned()
        };
        for b in &mut bytes {
            if *b == 1 {
                *b = 0xFF;
            }
        }
        bytes
    }

    fn rows_of(events: &[Event]) -> Vec<&StatementRow> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Rows(r) => Some(r),
                _ => None,
            })
            .flatten()
            .collect()
    }

    #[test]
    fn a_long_mt940_streams_to_what_reading_it_whole_gives() {
        let bytes = mt940(40, 200, 0, false, |i| {
            format!("FV/{i}/01/2026 zapłata za usługi programistyczne")
        });
        assert!(bytes.len() > HEAD_BYTES, "the file must be past the head");
        let events = stream(&bytes).unwrap();
        let Some(Event::Head(head)) = events.first() else {
            panic!("a long MT940 starts with a head: {:?}", events.first());
        };
        assert_eq!(head.profile, "mt940");
        assert_eq!(
            head.account.as_deref(),
            Some("PL90102000004875749118625276")
        );
        let rows = rows_of(&events);
        let Some(Event::Tail(tail)) = events.last() else {
            panic!("a long MT940 ends with a tail");
        };
        assert_eq!(tail.encoding.as_deref(), Some("windows-1250"));
        assert_eq!(tail.tail.operations, 8_000);
        assert_eq!(tail.tail.opening_balance, Some(Decimal::from(1_000)));
        assert_eq!(tail.tail.closing_balance, Some(Decimal::new(1_084_000, 2)));
        let whole =
            parse_report("wyciag.sta", &bytes, &profiles(), &ParseContext::default()).unwrap();
        let Records::Statement(whole) = whole.records else {
            panic!("a statement");
        };
        assert_eq!(rows.len(), 8_000);
        assert_eq!(rows.len(), whole.rows.len());
        for (a, b) in rows.iter().zip(&whole.rows) {
            assert_eq!(**a, *b);
        }
        let last = rows[7_999];
        assert_eq!(
            last.title,
            "FV/7999/01/2026 zapłata za usługi programistyczne"
        );
        assert_eq!(last.counterparty_name.as_deref(), Some("ŻÓŁW SP. Z O.O."));
        assert_eq!(
            last.counterparty_account.as_deref(),
            Some("PL78114020045260181590830166")
        );
        assert_eq!(last.booking_date.to_string(), "2026-02-09");
    }

    #[test]
    fn an_mt940_larger_than_a_file_read_whole_may_be_streams_in_batches() {
        /// Day after day of [`mt940_day`], generated as it is read, past `limit` bytes.
        struct Days {
            d: usize,
            balance: i64,
            buf: Vec<u8>,
            pos: usize,
            total: u64,
            limit: u64,
        }
        impl Read for Days {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                if self.pos == self.buf.len() {
                    if self.total > self.limit {
                        return Ok(0);
                    }
                    let title = |i: usize| format!("FV/{i}/2026 zapłata za usługi");
                    self.buf = mt940_day(self.d, 1000, &mut self.balance, 0, false, &title);
                    self.pos = 0;
                    self.d += 1;
                    self.total += self.buf.len() as u64;
                }
                let n = out.len().min(self.buf.len() - self.pos);
                out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
                self.pos += n;
                Ok(n)
            }
        }
        let mut input = Days {
            d: 0,
            balance: 100_000,
            buf: Vec::new(),
            pos: 0,
            total: 0,
            limit: WHOLE_MAX_BYTES,
        };
        let (mut rows, mut batches, mut largest) = (0, 0, 0);
        let mut tail = None;
        parse_stream(
            "rok.sta",
            &mut input,
            &profiles(),
            &ParseContext::default(),
            &mut |e| {
                match e {
                    Event::Rows(r) => {
                        rows += r.len();
                        batches += 1;
                        largest = largest.max(r.len());
                    }
                    Event::Tail(t) => tail = Some(t),
                    Event::Head(_) => {}
                    Event::Whole(_) => panic!("read whole"),
                }
                Ok(())
            },
        )
        .unwrap();
        assert!(input.total > WHOLE_MAX_BYTES);
        assert_eq!(rows, input.d * 1000);
        assert!(largest <= BATCH + 1, "{largest}");
        assert!(batches >= rows / (BATCH + 1), "{batches}");
        let tail = tail.expect("a tail");
        assert_eq!(tail.tail.operations, rows);
        assert_eq!(
            tail.tail.closing_balance,
            Some(Decimal::new(100_000 + 123 * rows as i64, 2))
        );
    }

    #[test]
    fn an_mt940_line_longer_than_any_statement_holds_is_refused_naming_it() {
        let mut bytes =
            b":20:ST1\r\n:25:/PL90102000004875749118625276\r\n:60F:C260101PLN0,00\r\n:86:".to_vec();
        bytes.resize(bytes.len() + 2 * HEAD_BYTES, b'A');
        let e = stream(&bytes).unwrap_err();
        assert!(e.cause.contains("line 4 is over 1 MiB long"), "{e:?}");
        assert!(e.cause.pl.contains("wiersz 4 ma ponad 1 MiB"), "{e:?}");
    }

    #[test]
    fn a_wrong_closing_balance_at_the_end_of_a_long_mt940_is_refused_at_its_line() {
        let bytes = mt940(40, 200, 1, false, |i| format!("FV/{i}/01/2026"));
        let e = stream(&bytes).unwrap_err();
        let lines = bytes.split(|b| *b == b'\n').count() - 1;
        // The last statement's `:62F:` is the line before the closing "-".
        assert_eq!(e.row, Some(lines - 1), "{e:?}");
        assert_eq!(e.column.as_deref(), Some(":62F:"), "{e:?}");
    }

    #[test]
    fn an_mt940_in_ascii_for_its_first_mib_is_decoded_by_its_later_letters() {
        // Polish letters only in the last day's titles, in Windows-1250 (CP852 would read
        // "ł" as another letter): decided where they start, not guessed from the ASCII head.
        let bytes = mt940(40, 200, 0, false, |i| {
            if i >= 39 * 200 {
                format!("FV/{i} zapłata")
            } else {
                format!("FV/{i}/01/2026 zaplata za uslugi")
            }
        });
        let first_letter = bytes
            .windows(4)
            .position(|w| w == b"zap\xB3")
            .expect("a Polish letter");
        assert!(first_letter > HEAD_BYTES, "{first_letter}");
        let events = stream(&bytes).unwrap();
        let rows = rows_of(&events);
        assert_eq!(rows[7_999].title, "FV/7999 zapłata");
        let Some(Event::Tail(tail)) = events.last() else {
            panic!("a tail");
        };
        assert_eq!(tail.encoding.as_deref(), Some("windows-1250"));
    }

    #[test]
    fn an_mt940_in_utf8_with_a_foreign_byte_past_the_head_is_refused_at_its_offset() {
        let mut bytes = mt940(40, 200, 0, true, |i| format!("FV/{i} zapłata"));
        let tail_at = bytes.len() - 5_000;
        let at = tail_at
            + bytes[tail_at..]
                .iter()
                .position(|b| *b == 0xC5)
                .expect("a Polish letter near the end");
        bytes[at] = 0xB3; // "ł" in Windows-1250, not UTF-8
        let e = stream(&bytes).unwrap_err();
        assert!(e.cause.contains("mixes encodings"), "{e:?}");
        assert!(e.cause.contains(&format!("offset {at}")), "{e:?}");
    }

    #[test]
    fn bytes_that_are_not_utf8_after_utf8_text_are_refused_at_their_offset() {
        let text = statement(20_000, |i| {
            if i == 19_990 {
                "FV \u{1}MARK".to_string()
            } else {
                format!("FV {i}/03/2026 Łódź")
            }
        });
        let mut bytes = text.into_bytes();
        let at = bytes.iter().position(|&b| b == 1).unwrap();
        bytes[at] = 0xA3; // "Ł" in Windows-1250, not UTF-8
        let e = stream(&bytes).unwrap_err();
        assert!(e.cause.contains("mixes encodings"), "{e:?}");
        assert!(e.cause.contains(&format!("offset {at}")), "{e:?}");
        assert!(e.cause.pl.contains("pomieszane kodowania"), "{e:?}");
        assert!(!e.cause.pl.contains("mixes"), "{e:?}");
    }

    #[test]
    fn a_bad_amount_near_the_end_is_refused_at_its_row() {
        let text = statement(20_000, |i| format!("FV {i}"));
        let text = text.replacen(";1,00;19995,00;", ";1,0O;19995,00;", 1);
        let e = stream(text.as_bytes()).unwrap_err();
        assert_eq!(e.row, Some(7 + 19_995), "{e:?}");
    }

    #[test]
    fn a_file_read_whole_past_its_cap_is_refused_with_advice() {
        // A PDF cannot be read as a stream; one past the cap is refused before it is parsed.
        let mut input = b"%PDF-1.7\n".chain(std::io::repeat(b' ').take(WHOLE_MAX_BYTES));
        let e = parse_stream(
            "rok.pdf",
            &mut input,
            &profiles(),
            &ParseContext::default(),
            &mut |_| Ok(()),
        )
        .unwrap_err();
        assert_eq!(e.file, "rok.pdf");
        assert!(e.cause.contains("export the statement as CSV"), "{e:?}");
        assert!(e.cause.pl.contains("jako CSV"), "{e:?}");
    }

    #[test]
    fn a_failing_reader_is_named_without_english_in_polish() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(crate::said!("plik X jest uszkodzony", "member X is damaged").into_io())
            }
        }
        let e = parse_stream(
            "x.csv",
            &mut Broken,
            &profiles(),
            &ParseContext::default(),
            &mut |_| Ok(()),
        )
        .unwrap_err();
        assert_eq!(e.cause.pl, "plik X jest uszkodzony");
        let os = std::io::Error::from_raw_os_error(13);
        let said = crate::domain::Said::io(&os);
        assert!(said.pl.contains("brak uprawnień"), "{said:?}");
        assert!(!said.pl.contains("denied"), "{said:?}");
    }
}
