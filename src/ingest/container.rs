//! The zip inside an XLSX, XLSB or ODS, checked before a spreadsheet reader sees it: every entry
//! is inflated once with a cap (declared sizes lie in a bomb) and its CRC verified (a damaged
//! archive is refused, not read in part); the shared strings of an XLSX are bounded; an ODS's
//! repeated rows and columns are counted as the reader would expand them. So a hostile workbook
//! is refused in a moment and a few megabytes, not by the worker's memory limit.

use super::spreadsheet::SheetLimits;
use quick_xml::events::Event;
use std::io::{BufReader, Cursor, Read};

/// Most entries a workbook may have.
const MAX_ENTRIES: usize = 10_000;
/// Most shared strings an XLSX may list.
const MAX_SHARED_STRINGS: u64 = 2_000_000;

/// Counts what is written, keeps nothing.
struct Counter(u64);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Checks a zip-based workbook; `Err` says why it is refused.
pub fn check(bytes: &[u8], limits: &SheetLimits) -> Result<(), String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("not a readable spreadsheet: {e}"))?;
    if zip.len() > MAX_ENTRIES {
        return Err(format!(
            "the workbook has {} parts, more than the limit of {MAX_ENTRIES}",
            zip.len()
        ));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| format!("the workbook is damaged: part {}: {e}", i + 1))?;
        let name = entry
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "?".into());
        let cap = limits.max_inflated.saturating_sub(total);
        let size = if name == "content.xml" {
            ods_content(&mut entry, cap, limits)?
        } else if name.ends_with("sharedStrings.xml") {
            shared_strings(&mut entry, cap)?
        } else {
            let mut sink = Counter(0);
            std::io::copy(&mut (&mut entry).take(cap + 1), &mut sink)
                .map_err(|e| damaged(&name, &e))?;
            sink.0
        };
        if size > cap {
            return Err(format!(
                "the workbook inflates to more than {} bytes (part {name:?}); refused as a zip bomb",
                limits.max_inflated
            ));
        }
        total += size;
    }
    Ok(())
}

fn damaged(name: &str, e: &dyn std::fmt::Display) -> String {
    format!("the workbook is damaged: part {name:?} cannot be read ({e})")
}

/// Counts the `<si>` items of an XLSX's shared strings while inflating it (a byte search: the
/// list may hold millions of them).
fn shared_strings(entry: &mut impl Read, cap: u64) -> Result<u64, String> {
    let mut limited = entry.take(cap + 1);
    let mut buf = vec![0u8; 64 * 1024];
    let mut carry: Vec<u8> = Vec::new();
    let mut count: u64 = 0;
    loop {
        let n = limited
            .read(&mut buf)
            .map_err(|e| damaged("sharedStrings.xml", &e))?;
        if n == 0 {
            break;
        }
        carry.extend_from_slice(&buf[..n]);
        count += carry
            .windows(4)
            .filter(|w| {
                w[..3] == *b"<si" && matches!(w[3], b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n')
            })
            .count() as u64;
        if count > MAX_SHARED_STRINGS {
            return Err(format!(
                "the workbook lists more than {MAX_SHARED_STRINGS} shared strings; refused"
            ));
        }
        // Keep the last three bytes: an item may start across the chunk boundary.
        let keep = carry.len().saturating_sub(3);
        carry.drain(..keep);
    }
    Ok(cap + 1 - limited.limit())
}

/// An ODS sheet's cells as a reader expands them: `number-rows-repeated` ×
/// `number-columns-repeated` of a cell with a value. Empty repeats (the usual padding to the end
/// of a sheet) cost nothing; a value beyond the limits, or too many of them, is refused.
fn ods_content(entry: &mut impl Read, cap: u64, limits: &SheetLimits) -> Result<u64, String> {
    let mut limited = entry.take(cap + 1);
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(&mut limited));
    let mut buf = Vec::new();
    let (mut row, mut row_repeat, mut col) = (0u64, 1u64, 0u64);
    let mut cells: u64 = 0;
    let too_large = |what: String| {
        Err(format!(
            "a sheet is too large: {what} (limits: {} rows, {} columns, {} cells)",
            limits.max_rows, limits.max_columns, limits.max_cells
        ))
    };
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| damaged("content.xml", &e))?;
        match event {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "table" => (row, row_repeat, col) = (0, 1, 0),
                "table-row" => {
                    row_repeat = repeat(&e, "number-rows-repeated");
                    col = 0;
                }
                "table-cell" | "covered-table-cell" => {
                    let n = repeat(&e, "number-columns-repeated");
                    let has_value = e
                        .attributes()
                        .flatten()
                        .any(|a| a.key.local_name().as_ref() == "value-type");
                    if has_value {
                        if row + row_repeat > u64::from(limits.max_rows) {
                            return too_large(format!("a value on row {}", row + row_repeat));
                        }
                        if col + n > u64::from(limits.max_columns) {
                            return too_large(format!("a value in column {}", col + n));
                        }
                        cells = cells.saturating_add(n.saturating_mul(row_repeat));
                        if cells > limits.max_cells as u64 {
                            return too_large(format!("more than {} cells", limits.max_cells));
                        }
                    }
                    col = col.saturating_add(n);
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == "table-row" => {
                row = row.saturating_add(row_repeat);
                row_repeat = 1;
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    drop(reader);
    Ok(cap + 1 - limited.limit())
}

/// A repeat count attribute (1 when absent or unreadable).
fn repeat(e: &quick_xml::events::BytesStart<'_>, name: &str) -> u64 {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.value.trim().parse().ok())
        .unwrap_or(1)
}
