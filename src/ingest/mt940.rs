//! MT940 bank statements: our own lenient parser (the `mt940` crate rejects real Polish files).
//!
//! Handles several statements per file, CRLF or LF, SWIFT block wrappers, fields continued over
//! lines, `:60F:`/`:60M:` and `:62F:`/`:62M:`, `:61:` with or without an entry date and with
//! reversal marks, and the `:86:` variants: structured subfields with `~`, `^`, `+` or `<` marks
//! (PKO BP: `~20`–`~25` title pieces, `~30`/`~31` sort code and account, `~32`/`~33` name, `~38`
//! IBAN; empty subfields holding a single 0xFF byte), and mBank's free text (`…; na rach.: …;
//! dla: …; tyt.: …; TNR: …`). Opening balance + movements must equal the closing balance.
//!
//! Fixed-format fields (balances, references, counts) end at their line end: a next line that
//! is a tag without its leading colon (`86:…`, seen in Bank Pocztowy's files) is read as that
//! tag, never as the rest of the balance.
//!
//! The file is read a line at a time and its operations handed on in batches ([`read`]), so a
//! year's statement is read in flat memory like a delimited one; the encoding is decided at the
//! first line beyond ASCII from the megabyte that follows it.
//!
//! MT942 (the interim, intraday report: `:34F:` floor limit, `:13D:` time, no balances, `:90D:` /
//! `:90C:` with the count and sum of debits and credits) is read too: its operations are checked
//! against those sums. The same operations in the day's MT940 have the same fingerprints, so
//! importing both counts them once.

use super::statement::{RowNotes, Statement, StatementRow, Tail, classify, more_warnings};
use super::{ParseContext, ReportError};
use crate::domain::Said;
use crate::domain::{BankAccount, Currency, text};
use chrono::{Datelike, NaiveDate};
use regex::Regex;
use rust_decimal::Decimal;
use std::io::Read;
use std::str::FromStr;
use std::sync::LazyLock;

static LINE_61: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\d{6})(\d{4})?(RC|RD|C|D)([A-Z])?(\d+,\d{0,2})([NSF][A-Z0-9]{3})([^/]*)(?://(.*))?$",
    )
    .expect("static regex")
});
static INTERIM_SUM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d+)([A-Z]{3})(\d+,\d{0,2})$").expect("static regex"));
static BALANCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([CD])(\d{6})([A-Z]{3})(\d+,\d{0,2})$").expect("static regex"));

/// True when the bytes look like an MT940 statement (so CSV reading is not attempted).
pub fn looks_like(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let has = |tag: &[u8]| head.windows(tag.len()).any(|w| w == tag);
    has(b":20:")
        && has(b":25:")
        && (has(b":60F:") || has(b":60M:") || has(b":28C:") || has(b":34F:"))
}

/// Raw bytes read at a time.
const CHUNK: usize = 256 * 1024;
/// Bytes ahead of the first line beyond ASCII that decide the file's encoding.
const DECIDE_ON: usize = 1 << 20;
/// Longest line read: an MT940 line is 65 characters, a badly wrapped one a few hundred; a file
/// with a line longer than this is not a statement.
const MAX_LINE: usize = 1 << 20;

/// A single-byte code page decoder.
type Decoder = fn(&[u8]) -> String;

fn cp852(b: &[u8]) -> String {
    oem_cp::decode_string_complete_table(b, &oem_cp::code_table::DECODING_TABLE_CP852)
}

fn latin2(b: &[u8]) -> String {
    encoding_rs::ISO_8859_2
        .decode_without_bom_handling(b)
        .0
        .into_owned()
}

fn cp1250(b: &[u8]) -> String {
    encoding_rs::WINDOWS_1250
        .decode_without_bom_handling(b)
        .0
        .into_owned()
}

/// The encoding of a file whose first bytes beyond ASCII start `ahead` (0xFF bytes already
/// dropped): UTF-8, ISO-8859-2, Windows-1250 or CP852, whichever yields Polish letters rather
/// than symbols.
fn decide(ahead: &[u8]) -> (&'static str, Option<Decoder>) {
    match std::str::from_utf8(ahead) {
        Ok(_) => return ("UTF-8", None),
        // Only a character cut off where the look-ahead ends: UTF-8.
        Err(e) if e.error_len().is_none() => return ("UTF-8", None),
        Err(_) => {}
    }
    // Score the candidates on the lines with non-ASCII bytes only.
    let sample = super::decode::detection_sample(ahead);
    let decoders: [(&'static str, Decoder); 3] = [
        ("ISO-8859-2", latin2),
        ("windows-1250", cp1250),
        ("CP852", cp852),
    ];
    let score = |s: &str| {
        let polish = s
            .chars()
            .filter(|c| "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ".contains(*c))
            .count() as i64;
        let other = s
            .chars()
            .filter(|c| !c.is_ascii() && !"ąćęłńóśźżĄĆĘŁŃÓŚŹŻ".contains(*c))
            .count() as i64;
        polish * 2 - other * 3
    };
    let (name, decoder) = decoders
        .iter()
        .max_by_key(|(_, d)| score(&d(&sample)))
        .copied()
        .unwrap_or(decoders[0]);
    (name, Some(decoder))
}

/// The file's lines, read a chunk at a time and decoded one by one. The encoding is decided at
/// the first line beyond ASCII, from up to [`DECIDE_ON`] bytes from there (a file that small is
/// decided on the whole of it); a file read as UTF-8 that later holds other bytes is refused.
/// 0xFF bytes (PKO BP's filler for empty subfields) are dropped first.
struct Lines<'r> {
    input: &'r mut dyn Read,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    /// Where `buf` starts in the file.
    base: u64,
    /// Lines read.
    number: usize,
    encoding: Option<(&'static str, Option<Decoder>)>,
    cleaned: Vec<u8>,
}

impl<'r> Lines<'r> {
    fn new(input: &'r mut dyn Read) -> Self {
        Lines {
            input,
            buf: Vec::new(),
            pos: 0,
            eof: false,
            base: 0,
            number: 0,
            encoding: None,
            cleaned: Vec::new(),
        }
    }

    fn encoding_name(&self) -> &'static str {
        self.encoding.map(|(name, _)| name).unwrap_or("UTF-8")
    }

    /// Reads until at least `n` bytes are held past `pos`, or the input ends.
    fn fill(&mut self, n: usize) -> std::io::Result<()> {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.base += self.pos as u64;
            self.pos = 0;
        }
        while !self.eof && self.buf.len() < n {
            let held = self.buf.len();
            self.buf.resize(held + CHUNK, 0);
            let mut got = 0;
            while got < CHUNK {
                match self.input.read(&mut self.buf[held + got..]) {
                    Ok(0) => {
                        self.eof = true;
                        break;
                    }
                    Ok(n) => got += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        self.buf.truncate(held + got);
                        return Err(e);
                    }
                }
            }
            self.buf.truncate(held + got);
        }
        Ok(())
    }

    /// The next line (without its line end) and its number, or `None` at the end of the file.
    fn next(&mut self, file: &str) -> Result<Option<(String, usize)>, ReportError> {
        let io = |e: std::io::Error| ReportError::file(file, Said::io(&e));
        let mut searched = 0;
        let end = loop {
            if let Some(i) = self.buf[self.pos + searched..]
                .iter()
                .position(|b| *b == b'\n')
            {
                break self.pos + searched + i;
            }
            searched = self.buf.len() - self.pos;
            if self.eof {
                if searched == 0 {
                    return Ok(None);
                }
                break self.buf.len();
            }
            if searched > MAX_LINE {
                let n = self.number + 1;
                let mib = MAX_LINE >> 20;
                return Err(ReportError::file(
                    file,
                    crate::said!(
                        "wiersz {n} ma ponad {mib} MiB; to nie jest wyciąg MT940",
                        "line {n} is over {mib} MiB long; this is not an MT940 statement"
                    ),
                ));
            }
            self.fill(searched + CHUNK).map_err(io)?;
        };
        let (mut start, mut end) = (self.pos, end);
        self.pos = (end + 1).min(self.buf.len());
        self.number += 1;
        let mut cleaned = std::mem::take(&mut self.cleaned);
        cleaned.clear();
        cleaned.extend(self.buf[start..end].iter().filter(|b| **b != 0xFF));
        if self.encoding.is_none() && cleaned.iter().any(|b| *b >= 0x80) {
            // Decide on what lies ahead from this line, 0xFF dropped as from the line itself.
            self.pos = start;
            self.fill(DECIDE_ON).map_err(io)?;
            let from = &self.buf[..self.buf.len().min(DECIDE_ON)];
            let ahead: Vec<u8> = from.iter().copied().filter(|b| *b != 0xFF).collect();
            self.encoding = Some(decide(&ahead));
            (start, end) = (0, end - start);
            self.pos = (end + 1).min(self.buf.len());
        }
        let line = match self.encoding {
            Some((_, Some(decoder))) => decoder(&cleaned),
            _ => match std::str::from_utf8(&cleaned) {
                Ok(s) => s.to_string(),
                Err(e) => {
                    // The first bad byte's place in the file: the `valid_up_to`-th byte of the
                    // line that is not a dropped 0xFF.
                    let at = self.buf[start..end]
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| **b != 0xFF)
                        .nth(e.valid_up_to())
                        .map_or(start, |(i, _)| start + i);
                    let offset = self.base + at as u64;
                    return Err(ReportError::file(
                        file,
                        super::decode::mixed_encodings(offset),
                    ));
                }
            },
        };
        self.cleaned = cleaned;
        Ok(Some((line, self.number)))
    }
}

/// One tagged field, with the line it starts on.
struct Field {
    tag: String,
    value: String,
    line: usize,
}

/// Tags whose value is one line: nothing continues them.
const ONE_LINE: &[&str] = &[
    "20", "21", "25", "28", "28C", "60F", "60M", "62F", "62M", "64", "65", "34F", "13D", "90D",
    "90C",
];

fn is_tag(t: &str) -> bool {
    (2..=3).contains(&t.len())
        && t.as_bytes()[0].is_ascii_digit()
        && t.as_bytes()[1].is_ascii_digit()
        && t.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Lines into fields: a field is complete when the next one starts (or the file ends).
#[derive(Default)]
struct Fields {
    current: Option<Field>,
}

impl Fields {
    /// Takes line `n`; returns the field it completed, if any.
    fn push(&mut self, raw: &str, n: usize) -> Option<Field> {
        let line = raw.trim_end_matches(['\r', ' ']);
        let trimmed = line.trim();
        // SWIFT block wrappers and separators: {1:...}{2:...}{4:, -}, a lone "-".
        if trimmed.is_empty() || trimmed == "-" || trimmed == "-}" || trimmed.starts_with('{') {
            if let Some(rest) = trimmed
                .strip_prefix('{')
                .and_then(|r| r.rfind("{4:").map(|p| &r[p + 3..]))
                && rest.starts_with(':')
            {
                return self.push_line(rest, n);
            }
            return None;
        }
        self.push_line(line, n)
    }

    fn finish(self) -> Option<Field> {
        self.current
    }

    fn push_line(&mut self, line: &str, n: usize) -> Option<Field> {
        let tag = line
            .strip_prefix(':')
            .and_then(|rest| rest.find(':').map(|end| &rest[..end]));
        // After a one-line field, "86:…" is a tag whose colon was lost, not a continuation.
        let after_one_line = self
            .current
            .as_ref()
            .is_some_and(|l| ONE_LINE.contains(&l.tag.as_str()));
        let bare = line
            .find(':')
            .map(|end| &line[..end])
            .filter(|t| after_one_line && is_tag(t));
        match tag.filter(|t| is_tag(t)) {
            Some(tag) => self.current.replace(Field {
                tag: tag.to_string(),
                value: line[tag.len() + 2..].to_string(),
                line: n,
            }),
            None if let Some(tag) = bare => self.current.replace(Field {
                tag: tag.to_string(),
                value: line[tag.len() + 1..].to_string(),
                line: n,
            }),
            // A one-line field ends at its line end; what follows it is not part of it.
            None if after_one_line => None,
            None => {
                if let Some(last) = self.current.as_mut() {
                    // :61: has a supplementary line; :86: lines break inside subfields: keep the
                    // break for :61: only, join :86: directly (the line length, not a space, cut
                    // it).
                    if last.tag == "61" {
                        last.value.push('\n');
                    }
                    last.value.push_str(line);
                }
                None
            }
        }
    }
}

/// An open statement: its opening balance, the sum of its movements, the line it began on and
/// its currency.
struct Open {
    opening: Decimal,
    sum: Decimal,
    line: usize,
    currency: Currency,
    /// An MT942 interim report: no balances; its debits and credits (count, sum) are checked
    /// against `:90D:` / `:90C:`.
    interim: bool,
    debits: (usize, Decimal),
    credits: (usize, Decimal),
}

/// Reads the fields of a file, statement after statement.
struct Reader<'f> {
    file: &'f str,
    /// Operations read and not yet handed on.
    rows: Vec<StatementRow>,
    operations: usize,
    warnings: Vec<Said>,
    /// Warnings beyond [`super::statement::KEEP_NOTES`], only counted.
    warnings_more: usize,
    account: Option<String>,
    first_opening: Option<Decimal>,
    last_closing: Option<Decimal>,
    current: Option<Open>,
    statements: usize,
    /// The row of the `:61:` waiting for its `:86:`.
    pending: Option<usize>,
    /// The file holds an MT942 interim report.
    interim: bool,
}

impl Reader<'_> {
    fn warn(&mut self, note: impl FnOnce() -> Said) {
        RowNotes {
            kept: &mut self.warnings,
            more: &mut self.warnings_more,
        }
        .push(note);
    }

    fn err(&self, line: usize, tag: &str, cause: Said) -> ReportError {
        ReportError {
            file: self.file.to_string(),
            sheet: None,
            row: Some(line),
            column: Some(format!(":{tag}:")),
            cause: Box::new(cause),
        }
    }

    fn field(&mut self, f: &Field) -> Result<(), ReportError> {
        match f.tag.as_str() {
            "20" => {
                // An interim report ends where the next report begins.
                if self.current.as_ref().is_some_and(|o| o.interim) {
                    self.current = None;
                }
                if self.current.is_some() {
                    return Err(self.err(
                        f.line,
                        "20",
                        crate::said!(
                            "nowy wyciąg zaczyna się, zanim poprzedni ma saldo końcowe (:62F:)",
                            "a new statement starts before the previous one has a closing balance (:62F:)"
                        ),
                    ));
                }
                self.pending = None;
            }
            "25" => self.account(f),
            "60F" | "60M" => {
                let (opening, currency) = balance(&f.value).ok_or_else(|| {
                    self.err(f.line, &f.tag, {
                        let v = f.value.trim();
                        crate::said!(
                            "nie da się odczytać salda początkowego {v:?}",
                            "cannot read the opening balance {v:?}"
                        )
                    })
                })?;
                self.first_opening.get_or_insert(opening);
                self.current = Some(Open {
                    opening,
                    sum: Decimal::ZERO,
                    line: f.line,
                    currency,
                    interim: false,
                    debits: (0, Decimal::ZERO),
                    credits: (0, Decimal::ZERO),
                });
                self.statements += 1;
            }
            // MT942: the floor limit opens an interim report (its currency is the account's).
            "34F" if self.current.is_none() => {
                let v = f.value.trim();
                let currency = v.get(..3).and_then(Currency::parse).ok_or_else(|| {
                    self.err(
                        f.line,
                        "34F",
                        crate::said!(
                            "nie da się odczytać waluty raportu śróddziennego {v:?}",
                            "cannot read the currency of the interim report {v:?}"
                        ),
                    )
                })?;
                self.current = Some(Open {
                    opening: Decimal::ZERO,
                    sum: Decimal::ZERO,
                    line: f.line,
                    currency,
                    interim: true,
                    debits: (0, Decimal::ZERO),
                    credits: (0, Decimal::ZERO),
                });
                self.statements += 1;
                self.interim = true;
            }
            "90D" | "90C" => self.interim_sum(f)?,
            "61" => self.operation(f)?,
            "86" => self.info(f),
            "62F" | "62M" => self.closing(f)?,
            _ => {}
        }
        Ok(())
    }

    /// `:25:` our account (the last part of `bank/account`); a second one is warned about.
    fn account(&mut self, f: &Field) {
        let acc = f.value.trim().rsplit('/').next().map(|a| {
            BankAccount::parse(a)
                .map(|a| a.to_string())
                .unwrap_or_else(|_| a.trim().to_string())
        });
        if let Some(a) = acc {
            match &self.account {
                None => self.account = Some(a),
                Some(prev) if *prev != a => {
                    let line = f.line;
                    self.warn(|| {
                        crate::said!(
                            "wiersz {line}: drugi rachunek {a} w tym samym pliku",
                            "row {line}: a second account {a} in the same file"
                        )
                    })
                }
                _ => {}
            }
        }
    }

    /// `:61:` one operation of the open statement.
    fn operation(&mut self, f: &Field) -> Result<(), ReportError> {
        let Some(currency) = self.current.as_ref().map(|o| o.currency) else {
            return Err(self.err(
                f.line,
                "61",
                crate::said!(
                    "operacja przed saldem początkowym (:60F:)",
                    "an operation before the opening balance (:60F:)"
                ),
            ));
        };
        let (amount, booked, value, tx_type, bank_ref) =
            parse_61(&f.value, currency).map_err(|cause| self.err(f.line, "61", cause))?;
        if let Some(open) = self.current.as_mut() {
            open.sum += amount;
            let side = if amount < Decimal::ZERO {
                &mut open.debits
            } else {
                &mut open.credits
            };
            side.0 += 1;
            side.1 += amount.abs();
        }
        self.rows.push(StatementRow {
            row: f.line,
            booking_date: booked,
            value_date: Some(value),
            amount,
            currency,
            kind: super::statement::PaymentKind::Incoming,
            counterparty_name: None,
            counterparty_address: None,
            counterparty_account: None,
            account_valid: None,
            title: String::new(),
            tx_type: Some(tx_type),
            bank_ref,
            balance_after: None,
        });
        self.operations += 1;
        self.pending = Some(self.rows.len() - 1);
        Ok(())
    }

    /// `:86:` the details of the operation just read.
    fn info(&mut self, f: &Field) {
        let Some(i) = self.pending.take() else {
            return;
        };
        let info = info_86(&f.value);
        let Some(r) = self.rows.get_mut(i) else {
            return;
        };
        r.title = info.title;
        r.counterparty_name = info.name;
        let mut bad_account = None;
        if let Some(a) = info.account {
            match BankAccount::parse(&a) {
                Ok(acc) => {
                    r.counterparty_account = Some(acc.to_string());
                    r.account_valid = Some(true);
                }
                Err(_) => {
                    bad_account = Some(a.clone());
                    r.counterparty_account = Some(a);
                    r.account_valid = Some(false);
                }
            }
        }
        if let Some(code) = info.code {
            r.tx_type = Some(
                format!("{} {code}", r.tx_type.take().unwrap_or_default())
                    .trim()
                    .to_string(),
            );
        }
        if let Some(a) = bad_account {
            let line = f.line;
            self.warn(|| {
                crate::said!(
                    "wiersz {line}: rachunek kontrahenta {a:?} ma błędną sumę kontrolną; zapisano tak, jak podano",
                    "row {line}: counterparty account {a:?} fails its checksum; kept as written"
                )
            });
        }
    }

    /// The operations read so far that are complete (all but one still waiting for its
    /// `:86:`), made ready: titles with single spaces, and what kind of payment each is.
    fn take_complete(&mut self, ctx: &ParseContext) -> Vec<StatementRow> {
        let keep = match self.pending {
            Some(i) if i + 1 == self.rows.len() => 1,
            _ => 0,
        };
        let rest = self.rows.split_off(self.rows.len() - keep);
        let mut done = std::mem::replace(&mut self.rows, rest);
        if keep == 1 {
            self.pending = Some(0);
        }
        for row in &mut done {
            row.title = text::collapse_spaces(&row.title);
            row.kind = classify(
                row.amount,
                row.tx_type.as_deref(),
                &row.title,
                row.counterparty_account.as_deref(),
                ctx,
            );
        }
        done
    }

    /// `:90D:` / `:90C:` of an MT942: the number and sum of its debits or credits.
    fn interim_sum(&mut self, f: &Field) -> Result<(), ReportError> {
        let v = f.value.trim();
        let parsed = INTERIM_SUM
            .captures(v)
            .and_then(|c| Some((c[1].parse::<usize>().ok()?, amount(&c[3])?)));
        let Some((count, sum)) = parsed else {
            return Err(self.err(
                f.line,
                &f.tag,
                crate::said!(
                    "nie da się odczytać liczby i sumy operacji {v:?}",
                    "cannot read the number and sum of operations {v:?}"
                ),
            ));
        };
        let Some(open) = self.current.as_ref() else {
            return Ok(());
        };
        let (side, pl, en) = if f.tag == "90D" {
            (open.debits, "obciążeń", "debits")
        } else {
            (open.credits, "uznań", "credits")
        };
        if side != (count, sum) {
            let (n, s) = side;
            return Err(self.err(
                f.line,
                &f.tag,
                crate::said!(
                    "raport podaje {count} {pl} na {sum}, a zawiera {n} na {s}",
                    "the report states {count} {en} of {sum} but holds {n} of {s}"
                ),
            ));
        }
        Ok(())
    }

    /// `:62F:` the closing balance: opening + movements must equal it.
    fn closing(&mut self, f: &Field) -> Result<(), ReportError> {
        let (closing, _) = balance(&f.value).ok_or_else(|| {
            self.err(f.line, &f.tag, {
                let v = f.value.trim();
                crate::said!(
                    "nie da się odczytać salda końcowego {v:?}",
                    "cannot read the closing balance {v:?}"
                )
            })
        })?;
        let Some(open) = self.current.take() else {
            return Err(self.err(
                f.line,
                &f.tag,
                crate::said!(
                    "saldo końcowe bez salda początkowego",
                    "a closing balance without an opening balance"
                ),
            ));
        };
        if open.opening + open.sum != closing {
            return Err(self.err(
                f.line,
                &f.tag,
                super::statement::balance_mismatch(open.opening, open.sum, closing),
            ));
        }
        self.last_closing = Some(closing);
        self.pending = None;
        Ok(())
    }
}

/// What an MT940 file says besides its operations.
pub struct Summary {
    pub encoding: &'static str,
    /// The `Tail` of the statement: our account, the balances, the warnings (the first
    /// [`super::statement::KEEP_NOTES`] and how many more) and how many operations there were.
    pub tail: Tail,
}

/// Where [`read`] hands each batch of operations, with our account as far as the file has named
/// it.
pub type RowsSink<'s> = dyn FnMut(Option<&str>, Vec<StatementRow>) -> Result<(), ReportError> + 's;

/// Reads an MT940 (or MT942) file from `input` a line at a time, handing its operations to
/// `rows` in batches of about [`super::stream::BATCH`] with our account as far as the file has
/// named it, so a year's statement never has to be in memory. Every statement's balances are
/// checked where it closes; a refusal may come after some batches were handed on (the importer
/// stores a report in one transaction and rolls it back).
pub fn read(
    file: &str,
    input: &mut dyn Read,
    ctx: &ParseContext,
    rows: &mut RowsSink<'_>,
) -> Result<Summary, ReportError> {
    let mut lines = Lines::new(input);
    let mut r = Reader {
        file,
        rows: Vec::new(),
        operations: 0,
        warnings: Vec::new(),
        warnings_more: 0,
        account: None,
        first_opening: None,
        last_closing: None,
        current: None,
        statements: 0,
        pending: None,
        interim: false,
    };
    let mut fields = Fields::default();
    while let Some((line, n)) = lines.next(file)? {
        if let Some(f) = fields.push(&line, n) {
            r.field(&f)?;
            if r.rows.len() > super::stream::BATCH {
                let batch = r.take_complete(ctx);
                rows(r.account.as_deref(), batch)?;
            }
        }
    }
    if let Some(f) = fields.finish() {
        r.field(&f)?;
    }
    if let Some(open) = r.current.as_ref().filter(|o| !o.interim) {
        return Err(r.err(
            open.line,
            "62F",
            crate::said!(
                "wyciąg jest ucięty: brak salda końcowego (:62F:)",
                "the statement is truncated: no closing balance (:62F:)"
            ),
        ));
    }
    if r.statements == 0 {
        return Err(ReportError::file(
            file,
            crate::said!(
                "nie znaleziono wyciągu (brak :60F:)",
                "no statement found (:60F: missing)"
            ),
        ));
    }
    r.pending = None;
    let last = r.take_complete(ctx);
    if !last.is_empty() {
        rows(r.account.as_deref(), last)?;
    }
    let mut warnings = r.warnings;
    if r.warnings_more > 0 {
        warnings.push(more_warnings(r.warnings_more));
    }
    Ok(Summary {
        encoding: lines.encoding_name(),
        tail: Tail {
            account: r.account,
            opening_balance: r.first_opening,
            closing_balance: r.last_closing,
            skipped: Vec::new(),
            skipped_more: 0,
            warnings,
            operations: r.operations,
        },
    })
}

/// Reads a whole MT940 file held in memory.
pub fn parse(
    file: &str,
    bytes: &[u8],
    ctx: &ParseContext,
) -> Result<(Statement, &'static str), ReportError> {
    let mut input = bytes;
    let mut all = Vec::new();
    let summary = read(file, &mut input, ctx, &mut |_, rows| {
        all.extend(rows);
        Ok(())
    })?;
    Ok((summary.tail.into_statement(all), summary.encoding))
}

fn amount(s: &str) -> Option<Decimal> {
    let s = s.replace(',', ".");
    let s = s.strip_suffix('.').unwrap_or(&s);
    let mut d = Decimal::from_str(s).ok()?;
    d.rescale(2);
    Some(d)
}

fn balance(v: &str) -> Option<(Decimal, Currency)> {
    let c = BALANCE.captures(v.trim())?;
    let a = amount(&c[4])?;
    let currency = Currency::parse(&c[3])?;
    Some((if &c[1] == "D" { -a } else { a }, currency))
}

fn yymmdd(s: &str) -> Option<NaiveDate> {
    let y: i32 = s.get(0..2)?.parse().ok()?;
    let m: u32 = s.get(2..4)?.parse().ok()?;
    let d: u32 = s.get(4..6)?.parse().ok()?;
    NaiveDate::from_ymd_opt(2000 + y, m, d)
}

/// `:61:` → (signed amount, booking date, value date, type code, bank reference).
fn parse_61(
    v: &str,
    _currency: Currency,
) -> Result<(Decimal, NaiveDate, NaiveDate, String, Option<String>), Said> {
    let first = v.lines().next().unwrap_or("").trim();
    let c = LINE_61.captures(first).ok_or_else(|| {
        crate::said!(
            "nie da się odczytać wiersza operacji {first:?}",
            "cannot read the operation line {first:?}"
        )
    })?;
    let value_date = yymmdd(&c[1]).ok_or_else(|| {
        let v = &c[1];
        crate::said!(
            "niemożliwa data waluty {v:?}",
            "impossible value date {v:?}"
        )
    })?;
    let booking = match c.get(2) {
        Some(md) => {
            let m: u32 = md.as_str()[..2].parse().map_err(|_| {
                let v = md.as_str();
                crate::said!("niemożliwa data księgowania {v:?}", "bad entry date {v:?}")
            })?;
            let d: u32 = md.as_str()[2..].parse().map_err(|_| {
                let v = md.as_str();
                crate::said!("niemożliwa data księgowania {v:?}", "bad entry date {v:?}")
            })?;
            // The entry date has no year: the value date's, or the next/previous one across New Year.
            let mut y = value_date.year();
            if m == 1 && value_date.month() == 12 {
                y += 1;
            } else if m == 12 && value_date.month() == 1 {
                y -= 1;
            }
            NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| {
                let v = md.as_str();
                crate::said!(
                    "niemożliwa data księgowania {v:?}",
                    "impossible entry date {v:?}"
                )
            })?
        }
        None => value_date,
    };
    let a = amount(&c[5]).ok_or_else(|| {
        let v = &c[5];
        crate::said!(
            "nie da się odczytać kwoty {v:?}",
            "cannot read the amount {v:?}"
        )
    })?;
    let signed = match &c[3] {
        "C" | "RD" => a,
        _ => -a,
    };
    let bank_ref = c
        .get(8)
        .map(|m| m.as_str().trim().to_string())
        .filter(|s| !s.is_empty() && s != "NONREF");
    Ok((signed, booking, value_date, c[6].to_string(), bank_ref))
}

struct Info {
    title: String,
    name: Option<String>,
    account: Option<String>,
    code: Option<String>,
}

/// Reads `:86:` in its structured (subfield) or free-text form.
fn info_86(v: &str) -> Info {
    let v = v.trim();
    if let Some(mark) = subfield_mark(v) {
        let mut title = String::new();
        let mut name = String::new();
        let mut iban = None;
        let (mut sort, mut acc) = (String::new(), String::new());
        let mut parts = v.split(mark);
        let code = parts
            .next()
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
        for p in parts {
            // Subfield codes are two ASCII digits; anything else (a mutilated file) is skipped.
            let Some((k, val)) = p
                .get(..2)
                .filter(|k| k.bytes().all(|b| b.is_ascii_digit()))
                .map(|k| (k, &p[2..]))
            else {
                continue;
            };
            match k {
                "20" | "21" | "22" | "23" | "24" | "25" | "26" | "27" | "28" | "29" | "60"
                | "61" | "62" | "63" => title.push_str(val),
                "30" => sort.push_str(val.trim()),
                "31" => acc.push_str(val.trim()),
                "32" | "33" => name.push_str(val),
                "38" => iban = Some(val.trim().to_string()),
                _ => {}
            }
        }
        let account = iban
            .filter(|s| !s.is_empty())
            .or_else(|| nrb_from_parts(&sort, &acc));
        return Info {
            title: title.trim().to_string(),
            name: Some(text::collapse_spaces(&name)).filter(|s| !s.is_empty()),
            account,
            code,
        };
    }
    // mBank CompanyNet free text: "PRZELEW ...; na rach.: 3510...; dla: NAME; tyt.: fv 100/2007; TNR: ...".
    let mut title = None;
    let mut name = None;
    let mut account = None;
    for part in v.split(';') {
        let part = part.trim();
        // Keys compared without case on the original text (no byte offsets from a lower-cased copy).
        let after = |key: &str| {
            part.get(..key.len())
                .filter(|k| k.eq_ignore_ascii_case(key))
                .map(|_| part[key.len()..].trim().to_string())
        };
        if let Some(t) = after("tyt.:") {
            title = Some(t);
        } else if let Some(n) = after("dla:").or_else(|| after("od:")) {
            name = Some(n);
        } else if let Some(a) = after("na rach.:").or_else(|| after("z rach.:")) {
            account = Some(a);
        }
    }
    Info {
        title: title.unwrap_or_else(|| v.to_string()),
        name,
        account,
        code: None,
    }
}

/// The subfield mark: one of `~ ^ + <` followed by two digits, at least twice.
fn subfield_mark(v: &str) -> Option<char> {
    ['~', '^', '<', '+'].into_iter().find(|m| {
        v.match_indices(*m)
            .filter(|(i, _)| {
                v[i + 1..].chars().take(2).all(|c| c.is_ascii_digit()) && v.len() > i + 2
            })
            .count()
            >= 2
    })
}

/// An IBAN from a sort code (8 digits) and an account number (16 digits): the check digits are computed.
fn nrb_from_parts(sort: &str, acc: &str) -> Option<String> {
    let digits: String = format!("{sort}{acc}")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if digits.len() == 26 {
        return Some(digits);
    }
    if digits.len() != 24 {
        return None;
    }
    let rem = format!("{digits}252100")
        .bytes()
        .fold(0u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 97);
    Some(format!("{:02}{digits}", 98 - rem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutilated_subfields_do_not_panic() {
        // Found by tests/it/robustness.rs: a subfield mark followed by a multi-byte letter.
        let i = info_86("020~20ab~Łódź~21cd~İ");
        assert_eq!(i.title, "abcd");
        let i = info_86("İİ; tyt.: x; ŁÓDŹ");
        assert_eq!(i.title, "x");
    }

    #[test]
    fn line_61_variants() {
        let (a, b, v, t, r) =
            parse_61("2603120312CN12300,00NTRFNONREF//2603120001", Currency::PLN).unwrap();
        assert_eq!(
            (a.to_string(), b.to_string(), v.to_string(), t, r),
            (
                "12300.00".into(),
                "2026-03-12".into(),
                "2026-03-12".into(),
                "NTRF".into(),
                Some("2603120001".into())
            )
        );
        let (a, b, ..) = parse_61("2612310102D25,NCHGREF1", Currency::PLN).unwrap();
        assert_eq!(
            (a.to_string(), b.to_string()),
            ("-25.00".into(), "2027-01-02".into())
        );
        let (a, ..) = parse_61("260312RD5,5NTRFX", Currency::PLN).unwrap();
        assert_eq!(a.to_string(), "5.50");
        assert!(
            parse_61("261332C5,00NTRFX", Currency::PLN)
                .unwrap_err()
                .contains("impossible value date")
        );
    }

    #[test]
    fn subfields_and_free_text() {
        let i = info_86(
            "020~00152~20FV/0312/2026 ZAPLATA ZA U~21SLUGI~3010901014~310000071219812874~32KRAWIEC-TECH SP. Z O~33.O.~38",
        );
        assert_eq!(i.title, "FV/0312/2026 ZAPLATA ZA USLUGI");
        assert_eq!(i.name.as_deref(), Some("KRAWIEC-TECH SP. Z O.O."));
        assert_eq!(i.account.as_deref(), Some("61109010140000071219812874"));
        let i = info_86(
            "PRZELEW MIEDZYBANKOWY; na rach.: 78114020045260181590830166; dla: KRAWIEC-TECH; tyt.: fv 100/2007; TNR: 1234",
        );
        assert_eq!(i.title, "fv 100/2007");
        assert_eq!(i.name.as_deref(), Some("KRAWIEC-TECH"));
    }
}
