//! The zip inside an XLSX, XLSB or ODS, checked before a spreadsheet reader sees it: every entry
//! is inflated once with a cap (declared sizes lie in a bomb) and its CRC verified (a damaged
//! archive is refused, not read in part); the shared strings of an XLSX are bounded; an ODS's
//! repeated rows and columns are counted as the reader would expand them. So a hostile workbook
//! is refused in a moment and a few megabytes, not by the worker's memory limit.

use super::spreadsheet::SheetLimits;
use crate::domain::Said;
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
pub fn check(bytes: &[u8], limits: &SheetLimits) -> Result<(), Said> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        crate::said!(
            "to nie jest czytelny arkusz",
            "not a readable spreadsheet: {e}"
        )
    })?;
    if zip.len() > MAX_ENTRIES {
        let n = zip.len();
        return Err(crate::said!(
            "skoroszyt ma {n} części, więcej niż limit {MAX_ENTRIES}",
            "the workbook has {n} parts, more than the limit of {MAX_ENTRIES}"
        ));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| {
            let part = i + 1;
            crate::said!(
                "skoroszyt jest uszkodzony: części {part} nie da się odczytać",
                "the workbook is damaged: part {part}: {e}"
            )
        })?;
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
            let max = limits.max_inflated;
            return Err(crate::said!(
                "skoroszyt po rozpakowaniu ma więcej niż {max} bajtów (część {name:?}); odrzucony jako bomba zip",
                "the workbook inflates to more than {max} bytes (part {name:?}); refused as a zip bomb"
            ));
        }
        total += size;
    }
    Ok(())
}

fn damaged(name: &str, e: &dyn std::fmt::Display) -> Said {
    crate::said!(
        "skoroszyt jest uszkodzony: części {name} nie da się odczytać",
        "the workbook is damaged: part {name:?} cannot be read ({e})"
    )
}

/// Counts the `<si>` items of an XLSX's shared strings while inflating it (a byte search: the
/// list may hold millions of them).
fn shared_strings(entry: &mut impl Read, cap: u64) -> Result<u64, Said> {
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
            return Err(crate::said!(
                "skoroszyt wymienia więcej niż {MAX_SHARED_STRINGS} współdzielonych tekstów; odrzucony",
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
fn ods_content(entry: &mut impl Read, cap: u64, limits: &SheetLimits) -> Result<u64, Said> {
    let mut limited = entry.take(cap + 1);
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(&mut limited));
    let mut buf = Vec::new();
    let (mut row, mut row_repeat, mut col) = (0u64, 1u64, 0u64);
    let mut cells: u64 = 0;
    let (max_rows, max_columns, max_cells) =
        (limits.max_rows, limits.max_columns, limits.max_cells);
    let too_large = |what: Said| {
        let (pl, en) = (what.pl, what.en);
        Err(crate::said!(
            "arkusz jest za duży: {pl} (limity: {max_rows} wierszy, {max_columns} kolumn, {max_cells} komórek)",
            "a sheet is too large: {en} (limits: {max_rows} rows, {max_columns} columns, {max_cells} cells)"
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
                            let r = row + row_repeat;
                            return too_large(crate::said!(
                                "wartość w wierszu {r}",
                                "a value on row {r}"
                            ));
                        }
                        if col + n > u64::from(limits.max_columns) {
                            let c = col + n;
                            return too_large(crate::said!(
                                "wartość w kolumnie {c}",
                                "a value in column {c}"
                            ));
                        }
                        cells = cells.saturating_add(n.saturating_mul(row_repeat));
                        if cells > limits.max_cells as u64 {
                            return too_large(crate::said!(
                                "więcej niż {max_cells} komórek",
                                "more than {max_cells} cells"
                            ));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A workbook that is not one is refused in plain Polish; the zip library's own sentence is
    /// kept in the English only.
    #[test]
    fn an_unreadable_workbook_is_refused_in_plain_polish() {
        let e = check(b"PK\x03\x04 not a workbook at all", &SheetLimits::default())
            .expect_err("not a zip");
        assert_eq!(e.pl, "to nie jest czytelny arkusz");
        assert!(e.en.starts_with("not a readable spreadsheet: "), "{}", e.en);
        let e = crate::ingest::spreadsheet::SheetError::Corrupt("Invalid OLE header".into()).said();
        assert_eq!(e.pl, "to nie jest czytelny arkusz");
        assert_eq!(e.en, "not a readable spreadsheet: Invalid OLE header");
    }
}
