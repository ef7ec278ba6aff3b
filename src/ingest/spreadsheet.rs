//! XLSX, XLS, XLSB and ODS → [`Table`]s, one per sheet, via calamine.
//!
//! A sheet's size is checked before anything dense is allocated: a 5 KB xlsx with cells at A1 and
//! XFD1048576 makes a dense read allocate hundreds of GB. XLSX is read cell by cell (streaming) and
//! kept sparse; the bounds below refuse absurd sheets with a clear error.

use super::table::{Cell, ColumnStyle, Row, Table};
use calamine::{Data, DataRef, Reader};
use std::collections::BTreeMap;
use std::io::Cursor;

/// Limits on what one sheet may hold.
#[derive(Debug, Clone, Copy)]
pub struct SheetLimits {
    pub max_rows: u32,
    pub max_columns: u32,
    pub max_cells: usize,
    /// Most bytes a compressed container (an XLSX's zip, a PDF's streams) may inflate to.
    pub max_inflated: u64,
}

impl Default for SheetLimits {
    fn default() -> Self {
        SheetLimits {
            max_rows: 1_000_000,
            max_columns: 512,
            max_cells: 20_000_000,
            max_inflated: 256 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("not a readable spreadsheet: {0}")]
    Corrupt(String),
    #[error(
        "sheet {sheet:?} is too large: it spans {rows} rows × {columns} columns (limits: {max_rows} rows, {max_columns} columns)"
    )]
    TooLarge {
        sheet: String,
        rows: u64,
        columns: u64,
        max_rows: u32,
        max_columns: u32,
    },
    #[error("sheet {sheet:?} has more than {max_cells} cells")]
    TooManyCells { sheet: String, max_cells: usize },
    #[error("the workbook has no sheets")]
    NoSheets,
    /// Refused before reading: damaged, or a bomb.
    #[error("{0}")]
    Refused(crate::domain::Said),
}

impl SheetError {
    /// In both languages. A library's own error text is kept in the English only: the Polish
    /// says what happened in words, with no English sentence inside it.
    pub fn said(&self) -> crate::domain::Said {
        match self {
            SheetError::Corrupt(e) => crate::said!(
                "to nie jest czytelny arkusz",
                "not a readable spreadsheet: {e}"
            ),
            SheetError::TooLarge {
                sheet,
                rows,
                columns,
                max_rows,
                max_columns,
            } => crate::said!(
                "arkusz {sheet:?} jest za duży: zajmuje {rows} wierszy × {columns} kolumn (limity: {max_rows} wierszy, {max_columns} kolumn)",
                "sheet {sheet:?} is too large: it spans {rows} rows × {columns} columns (limits: {max_rows} rows, {max_columns} columns)"
            ),
            SheetError::TooManyCells { sheet, max_cells } => crate::said!(
                "arkusz {sheet:?} ma więcej niż {max_cells} komórek",
                "sheet {sheet:?} has more than {max_cells} cells"
            ),
            SheetError::NoSheets => {
                crate::said!("skoroszyt nie ma arkuszy", "the workbook has no sheets")
            }
            SheetError::Refused(s) => s.clone(),
        }
    }
}

/// True when the bytes look like a spreadsheet container (OLE2 for .xls, zip for .xlsx/.ods).
pub fn is_spreadsheet(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) || bytes.starts_with(b"PK\x03\x04")
}

/// Reads every sheet; returns the format found (`xlsx`, `ods`, `xls`, `xlsb`) and the tables.
/// A zip-based workbook's container is checked first (its parts inflated with a cap, before
/// calamine sees it), unless `container_checked` says this was done already.
pub fn read_workbook(
    bytes: &[u8],
    limits: SheetLimits,
    container_checked: bool,
) -> Result<(&'static str, Vec<Table>), SheetError> {
    let corrupt = |e: &dyn std::fmt::Display| SheetError::Corrupt(e.to_string());
    if bytes.starts_with(b"PK\x03\x04") {
        if !container_checked {
            super::container::check(bytes, &limits).map_err(SheetError::Refused)?;
        }
        return match calamine::Xlsx::new(Cursor::new(bytes)) {
            Ok(mut wb) => Ok(("xlsx", read_xlsx(&mut wb, limits)?)),
            Err(xlsx_err) => match calamine::Ods::new(Cursor::new(bytes)) {
                Ok(mut wb) => Ok(("ods", read_dense(&mut wb, limits)?)),
                Err(_) => match calamine::Xlsb::new(Cursor::new(bytes)) {
                    Ok(mut wb) => Ok(("xlsb", read_dense(&mut wb, limits)?)),
                    Err(_) => Err(corrupt(&xlsx_err)),
                },
            },
        };
    }
    xls_dimensions(bytes, limits)?;
    let mut wb = calamine::Xls::new(Cursor::new(bytes)).map_err(|e| corrupt(&e))?;
    Ok(("xls", read_dense(&mut wb, limits)?))
}

/// An .xls declares each sheet's extent in a DIMENSIONS record, and calamine reserves memory for
/// it while opening the workbook, before any cell is read: so the declared extents are checked
/// first, on the raw bytes. A BIFF8 DIMENSIONS record is type 0x0200, length 14: first row, last
/// row + 1 (u32 each), first column, last column + 1 (u16 each), and a reserved zero. A record
/// split across two storage sectors escapes this scan; the sheet's cells are still checked
/// against the limits once read, and the parser runs in the isolated worker.
fn xls_dimensions(bytes: &[u8], limits: SheetLimits) -> Result<(), SheetError> {
    const TAG: [u8; 4] = [0x00, 0x02, 0x0E, 0x00];
    let u32_at = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let u16_at = |b: &[u8], i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
    for (i, w) in bytes.windows(18).enumerate() {
        if w[..4] != TAG {
            continue;
        }
        let (r0, r1, c0, c1, reserved) = (
            u32_at(w, 4),
            u32_at(w, 8),
            u16_at(w, 12),
            u16_at(w, 14),
            u16_at(w, 16),
        );
        if reserved != 0 || r0 > r1 || c0 > c1 {
            continue;
        }
        check_bounds(
            &format!("(DIMENSIONS @ {i})"),
            u64::from(r1),
            u64::from(c1),
            limits,
        )?;
    }
    Ok(())
}

fn check_bounds(
    sheet: &str,
    rows: u64,
    columns: u64,
    limits: SheetLimits,
) -> Result<(), SheetError> {
    if rows > u64::from(limits.max_rows) || columns > u64::from(limits.max_columns) {
        return Err(SheetError::TooLarge {
            sheet: sheet.to_string(),
            rows,
            columns,
            max_rows: limits.max_rows,
            max_columns: limits.max_columns,
        });
    }
    Ok(())
}

fn read_xlsx(
    wb: &mut calamine::Xlsx<Cursor<&[u8]>>,
    limits: SheetLimits,
) -> Result<Vec<Table>, SheetError> {
    let names = wb.sheet_names();
    if names.is_empty() {
        return Err(SheetError::NoSheets);
    }
    let mut tables = Vec::new();
    for name in names {
        let reader = wb
            .worksheet_cells_reader(&name)
            .map_err(|e| SheetError::Corrupt(e.to_string()))?;
        let mut cells = SheetCells::new(&name, reader, limits)?;
        let mut sparse: BTreeMap<u32, Vec<(u32, Cell)>> = BTreeMap::new();
        while let Some((r, c, value)) = cells.next()? {
            sparse.entry(r).or_default().push((c, value));
        }
        tables.push(sparse_to_table(name, sparse));
    }
    Ok(tables)
}

/// An XLSX sheet's non-empty cells as calamine's cell reader yields them (in the order the file
/// holds them), each checked against the limits: the sheet's declared extent first, then every
/// cell's place, and how many there are.
pub(super) struct SheetCells<'a, RS: std::io::Read + std::io::Seek> {
    reader: calamine::XlsxCellReader<'a, RS>,
    sheet: String,
    limits: SheetLimits,
    count: usize,
    /// The row of the last cell read.
    pub(super) at: Option<u32>,
    /// The reader said the sheet ended (asking it again is an error).
    ended: bool,
}

impl<'a, RS: std::io::Read + std::io::Seek> SheetCells<'a, RS> {
    pub(super) fn new(
        sheet: &str,
        reader: calamine::XlsxCellReader<'a, RS>,
        limits: SheetLimits,
    ) -> Result<Self, SheetError> {
        let dims = reader.dimensions();
        check_bounds(
            sheet,
            u64::from(dims.end.0) + 1,
            u64::from(dims.end.1) + 1,
            limits,
        )?;
        Ok(SheetCells {
            reader,
            sheet: sheet.to_string(),
            limits,
            count: 0,
            at: None,
            ended: false,
        })
    }

    /// The next non-empty cell: (row, column, value), 0-based.
    pub(super) fn next(&mut self) -> Result<Option<(u32, u32, Cell)>, SheetError> {
        while !self.ended {
            let cell = match self.reader.next_cell() {
                Ok(Some(c)) => c,
                Ok(None) => {
                    self.ended = true;
                    break;
                }
                Err(e) => return Err(SheetError::Corrupt(format!("{:?}: {e}", self.sheet))),
            };
            let (r, c) = cell.get_position();
            self.at = Some(r);
            // The declared dimension may lie; the cells themselves are checked too.
            check_bounds(&self.sheet, u64::from(r) + 1, u64::from(c) + 1, self.limits)?;
            let value = from_ref(cell.get_value());
            if value.is_empty() {
                continue;
            }
            self.count += 1;
            if self.count > self.limits.max_cells {
                return Err(SheetError::TooManyCells {
                    sheet: self.sheet.clone(),
                    max_cells: self.limits.max_cells,
                });
            }
            return Ok(Some((r, c, value)));
        }
        Ok(None)
    }
}

/// XLS, XLSB and ODS: calamine builds these ranges when the workbook is opened (the formats are
/// bounded: XLS has at most 65,536 × 256 cells), so the bounds are checked on the range it built.
fn read_dense<RS, R>(wb: &mut R, limits: SheetLimits) -> Result<Vec<Table>, SheetError>
where
    RS: std::io::Read + std::io::Seek,
    R: Reader<RS>,
    R::Error: std::fmt::Display,
{
    let names = wb.sheet_names();
    if names.is_empty() {
        return Err(SheetError::NoSheets);
    }
    let mut tables = Vec::new();
    for name in names {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| SheetError::Corrupt(format!("{name:?}: {e}")))?;
        let (height, width) = range.get_size();
        let (r0, c0) = range.start().unwrap_or((0, 0));
        check_bounds(
            &name,
            height as u64 + u64::from(r0),
            width as u64 + u64::from(c0),
            limits,
        )?;
        let mut sparse: BTreeMap<u32, Vec<(u32, Cell)>> = BTreeMap::new();
        let mut count = 0usize;
        for (r, c, v) in range.used_cells() {
            let value = from_data(v);
            if value.is_empty() {
                continue;
            }
            count += 1;
            if count > limits.max_cells {
                return Err(SheetError::TooManyCells {
                    sheet: name.clone(),
                    max_cells: limits.max_cells,
                });
            }
            sparse
                .entry(r0 + r as u32)
                .or_default()
                .push((c0 + c as u32, value));
        }
        tables.push(sparse_to_table(name, sparse));
    }
    Ok(tables)
}

fn sparse_to_table(name: String, sparse: BTreeMap<u32, Vec<(u32, Cell)>>) -> Table {
    let rows = sparse
        .into_iter()
        .map(|(r, cells)| dense_row(r, cells))
        .collect();
    Table {
        rows,
        column_style: ColumnStyle::Letter,
        sheet: Some(name),
        encoding: None,
    }
}

/// Row `r` (0-based) from its non-empty cells by column, in any order.
pub(super) fn dense_row(r: u32, mut cells: Vec<(u32, Cell)>) -> Row {
    cells.sort_by_key(|(c, _)| *c);
    let width = cells.last().map(|(c, _)| *c as usize + 1).unwrap_or(0);
    let mut row = vec![Cell::Empty; width];
    for (c, v) in cells {
        row[c as usize] = v;
    }
    Row {
        line: r as usize + 1,
        cells: row,
    }
}

fn from_ref(v: &DataRef<'_>) -> Cell {
    match v {
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::String(s) => text_cell(s),
        DataRef::SharedString(s) => text_cell(s),
        DataRef::Bool(b) => Cell::Text(b.to_string()),
        DataRef::DateTime(dt) => dt
            .as_datetime()
            .map(Cell::DateTime)
            .unwrap_or(Cell::Number(dt.as_f64())),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => text_cell(s),
        DataRef::Error(_) | DataRef::Empty => Cell::Empty,
    }
}

fn from_data(v: &Data) -> Cell {
    match v {
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::String(s) => text_cell(s),
        Data::Bool(b) => Cell::Text(b.to_string()),
        Data::DateTime(dt) => dt
            .as_datetime()
            .map(Cell::DateTime)
            .unwrap_or(Cell::Number(dt.as_f64())),
        Data::DateTimeIso(s) | Data::DurationIso(s) => text_cell(s),
        Data::Error(_) | Data::Empty => Cell::Empty,
    }
}

fn text_cell(s: &str) -> Cell {
    if s.trim().is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_xls_declaring_a_huge_sheet_is_refused_before_it_is_opened() {
        let xls: &[u8] = include_bytes!("../../fixtures/reports/erp/rejestr-vat-marzec.xls");
        let limits = SheetLimits::default();
        let (format, tables) = read_workbook(xls, limits, false).unwrap();
        assert_eq!(format, "xls");
        assert!(tables[0].rows.len() >= 7, "{}", tables[0].rows.len());
        // The same file declaring 50 million rows.
        let at = xls
            .windows(4)
            .position(|w| w == [0x00, 0x02, 0x0E, 0x00])
            .expect("a DIMENSIONS record");
        let mut hostile = xls.to_vec();
        hostile[at + 8..at + 12].copy_from_slice(&50_000_000u32.to_le_bytes());
        match read_workbook(&hostile, limits, false) {
            Err(SheetError::TooLarge { rows, .. }) => assert_eq!(rows, 50_000_000),
            other => panic!("{:?}", other.map(|(f, _)| f)),
        }
    }
}
