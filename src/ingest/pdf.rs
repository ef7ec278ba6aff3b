//! PDF reports: receivables lists and statements printed as tables. The text comes from pdf-extract
//! (its panics contained) or, where that fails or gives no usable table, from poppler's
//! `pdftotext -layout`; rows are rebuilt from the text layout (columns are runs of two or more
//! spaces) and go through the same recognition and column mapping as CSV. A PDF without a text
//! layer (a scan) is refused with a message saying so: there is no OCR.
//!
//! Before any extractor runs, [`check`] bounds the work a hostile file can cause: every compressed
//! stream is inflated once with a cap (a stream bomb is refused), and the page tree is walked
//! with cycle detection (a page tree that loops, which keeps pdf-extract busy forever, is refused
//! as damaged). pdftotext runs with a time limit of its own.

use super::table::{Cell, ColumnStyle, Row, Table};
use crate::domain::Said;
use regex::Regex;
use std::collections::HashSet;
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

static GAP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s{2,}|\t").expect("static regex"));

pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF")
}

/// What [`check`] found out about a PDF that may be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Structure {
    /// Its objects load and its page tree is a tree.
    Sound,
    /// Its objects do not load (pdftotext may still read it): why.
    Damaged(String),
}

/// Most bytes one compressed stream may inflate to.
const MAX_STREAM_INFLATED: u64 = 64 * 1024 * 1024;
/// How deep a page tree may nest.
const MAX_TREE_DEPTH: usize = 256;
/// How long pdftotext may take.
const PDFTOTEXT_TIMEOUT: Duration = Duration::from_secs(20);

static STREAM: LazyLock<regex::bytes::Regex> =
    LazyLock::new(|| regex::bytes::Regex::new(r"stream\r?\n").expect("static regex"));

/// Structural checks before any extractor runs. `Err` refuses the file: a stream bomb, or a page
/// tree that loops.
pub fn check(bytes: &[u8], max_inflated: u64) -> Result<Structure, Said> {
    inflated_size(bytes, max_inflated)?;
    let doc = match lopdf::Document::load_mem(bytes) {
        Ok(d) => d,
        Err(e) => return Ok(Structure::Damaged(e.to_string())),
    };
    page_tree(&doc)?;
    Ok(Structure::Sound)
}

/// Inflates every zlib stream of the file once, keeping nothing: each at most
/// [`MAX_STREAM_INFLATED`], all together at most `max_inflated`.
fn inflated_size(bytes: &[u8], max_inflated: u64) -> Result<u64, Said> {
    let mut total: u64 = 0;
    for m in STREAM.find_iter(bytes) {
        let body = &bytes[m.end()..];
        let end = memchr_endstream(body).unwrap_or(body.len());
        let cap = MAX_STREAM_INFLATED.min(max_inflated.saturating_sub(total));
        let mut decoder = flate2::read::ZlibDecoder::new(&body[..end]).take(cap + 1);
        let mut sink = std::io::sink();
        // Not zlib (an image, plain text): nothing inflated, nothing counted.
        let n = std::io::copy(&mut decoder, &mut sink).unwrap_or(0);
        if n > cap {
            let max = cap.min(MAX_STREAM_INFLATED);
            return Err(crate::said!(
                "skompresowany strumień PDF po rozpakowaniu ma więcej niż {max} bajtów; odrzucony jako bomba",
                "a compressed stream of the PDF inflates to more than {max} bytes; refused as a bomb"
            ));
        }
        total += n;
    }
    Ok(total)
}

fn memchr_endstream(body: &[u8]) -> Option<usize> {
    body.windows(9).position(|w| w == b"endstream")
}

/// Walks the page tree from the catalog: a node met twice, a page whose `/Parent` chain loops,
/// or a tree deeper than [`MAX_TREE_DEPTH`] is damage that refuses the file.
fn page_tree(doc: &lopdf::Document) -> Result<(), Said> {
    use lopdf::Object;
    let looped = |id: lopdf::ObjectId| {
        let (a, b) = id;
        crate::said!(
            "PDF jest uszkodzony: jego drzewo stron zapętla się (obiekt {a} {b})",
            "the PDF is damaged: its page tree loops back on itself (object {a} {b})"
        )
    };
    let Ok(root) = doc
        .catalog()
        .and_then(|c| c.get(b"Pages"))
        .and_then(Object::as_reference)
    else {
        return Ok(());
    };
    let mut seen = HashSet::new();
    let mut stack = vec![(root, 0usize)];
    while let Some((id, depth)) = stack.pop() {
        if !seen.insert(id) {
            return Err(looped(id));
        }
        if depth > MAX_TREE_DEPTH {
            return Err(crate::said!(
                "PDF jest uszkodzony: jego drzewo stron jest zagnieżdżone zbyt głęboko",
                "the PDF is damaged: its page tree is nested too deep"
            ));
        }
        let Ok(node) = doc.get_dictionary(id) else {
            continue;
        };
        // Every node's way up must end at the root.
        let mut up = HashSet::new();
        let mut parent = node.get(b"Parent").and_then(Object::as_reference).ok();
        while let Some(p) = parent {
            if !up.insert(p) || up.len() > MAX_TREE_DEPTH {
                return Err(looped(p));
            }
            parent = doc
                .get_dictionary(p)
                .and_then(|d| d.get(b"Parent"))
                .and_then(Object::as_reference)
                .ok();
        }
        if let Ok(kids) = node.get(b"Kids").and_then(Object::as_array) {
            for k in kids {
                if let Ok(kid) = k.as_reference() {
                    stack.push((kid, depth + 1));
                }
            }
        }
    }
    Ok(())
}

/// Text candidates, best first, each named by the extractor that gave it. Errors of the extractors
/// are returned as notes for the refusal message. pdf-extract reads only a sound file.
pub fn texts(bytes: &[u8], structure: &Structure) -> (Vec<(&'static str, String)>, Vec<String>) {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    if *structure == Structure::Sound {
        let owned = bytes.to_vec();
        match std::panic::catch_unwind(move || pdf_extract::extract_text_from_mem(&owned)) {
            Ok(Ok(t)) if !t.trim().is_empty() => out.push(("pdf-extract", t)),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => notes.push(format!("pdf-extract: {e}")),
            Err(_) => notes.push("pdf-extract panicked on this file".into()),
        }
    }
    match pdftotext(bytes) {
        Ok(t) if !t.trim().is_empty() => out.push(("pdftotext", t)),
        Ok(_) => {}
        Err(e) => notes.push(e),
    }
    (out, notes)
}

/// How long OCR of one file may take, and how many pages it reads.
/// Both stay inside the parsing worker's own limit (60 s by default): a scanned statement of ten
/// pages takes about 30 s on two cores.
const OCR_TIMEOUT: Duration = Duration::from_secs(45);
pub const OCR_MAX_PAGES: usize = 10;

/// OCR, the last fallback for a PDF without a text layer (a scan): its pages rendered at 300 dpi
/// by poppler's `pdftoppm`, read by Tesseract (`pol+eng`, Debian: tesseract-ocr, -pol) as TSV
/// word boxes, and laid back out as text with each word at its column, so the same table rebuild
/// as for a text PDF applies. Numbers read this way pass the same checks (totals, balances,
/// checksums); the import says OCR was used. Runs inside the isolated worker, under its limits.
pub fn ocr(bytes: &[u8]) -> Result<String, String> {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("skarbnik-ocr-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("OCR: cannot make a temporary folder: {e}"))?;
    let result = ocr_in(bytes, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn ocr_in(bytes: &[u8], dir: &std::path::Path) -> Result<String, String> {
    let deadline = Instant::now() + OCR_TIMEOUT;
    let left = || deadline.saturating_duration_since(Instant::now());
    let pdf = dir.join("in.pdf");
    std::fs::write(&pdf, bytes).map_err(|e| format!("OCR: cannot write a temporary file: {e}"))?;
    let render = Command::new("pdftoppm")
        .args(["-r", "300", "-gray", "-png", "-l"])
        .arg(OCR_MAX_PAGES.to_string())
        .arg(&pdf)
        .arg(dir.join("p"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("pdftoppm (poppler-utils) is not available: {e}"))?;
    wait_with_timeout(render, left()).map_err(|e| e.replace("pdftotext", "pdftoppm"))?;
    let mut pages: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("OCR: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    pages.sort();
    if pages.is_empty() {
        return Err("OCR: the PDF has no page to read".into());
    }
    let mut text = String::new();
    for page in pages {
        let child = Command::new("tesseract")
            .arg(&page)
            .args(["stdout", "-l", "pol+eng", "--psm", "6", "tsv"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("tesseract (tesseract-ocr) is not available: {e}"))?;
        let tsv =
            wait_with_timeout(child, left()).map_err(|e| e.replace("pdftotext", "tesseract"))?;
        text.push_str(&layout(&tsv));
        text.push('\x0c');
    }
    Ok(text)
}

/// Tesseract's TSV word boxes laid out as text: one line per OCR line, each word at the column
/// its left edge is at (in average character widths), so columns keep their gaps of two or more
/// spaces.
pub fn layout(tsv: &str) -> String {
    struct Word {
        key: (u32, u32, u32),
        left: i64,
        top: i64,
        width: i64,
        text: String,
    }
    let words: Vec<Word> = tsv
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            if f.len() < 12 || f[0] != "5" || f[11].trim().is_empty() {
                return None;
            }
            let num = |i: usize| f[i].parse::<i64>().ok();
            // Specks of scanner noise come out as lone symbols ("-", "*", "»", "_") read with
            // little confidence: not words.
            let conf = f[10].parse::<f64>().unwrap_or(0.0);
            if conf < 60.0 && !f[11].chars().any(char::is_alphanumeric) {
                return None;
            }
            // Letters read with very little confidence are noise too; digits are kept (an amount
            // read badly must fail its checks, not vanish).
            if conf < 40.0
                && !f[11].chars().any(|c| c.is_ascii_digit())
                && f[11].chars().count() <= 3
            {
                return None;
            }
            Some(Word {
                key: (num(2)? as u32, num(3)? as u32, num(4)? as u32),
                left: num(6)?,
                top: num(7)?,
                width: num(8)?,
                text: f[11].trim().to_string(),
            })
        })
        .collect();
    let mut widths: Vec<f64> = words
        .iter()
        .map(|w| w.width as f64 / w.text.chars().count().max(1) as f64)
        .collect();
    widths.sort_by(f64::total_cmp);
    let char_w = widths
        .get(widths.len() / 2)
        .copied()
        .unwrap_or(20.0)
        .max(1.0);
    let mut lines: std::collections::BTreeMap<(u32, u32, u32), Vec<&Word>> = Default::default();
    for w in &words {
        lines.entry(w.key).or_default().push(w);
    }
    let mut ordered: Vec<Vec<&Word>> = lines.into_values().collect();
    ordered.sort_by_key(|l| l.iter().map(|w| w.top).min().unwrap_or(0));
    let mut out = String::new();
    for mut line in ordered {
        line.sort_by_key(|w| w.left);
        let mut s = String::new();
        let mut prev_end: Option<i64> = None;
        for w in line {
            let col = (w.left as f64 / char_w).round() as usize;
            let len = s.chars().count();
            // A gap wider than two characters is a column break: keep it at least two spaces.
            let gap = prev_end
                .map(|e| (w.left - e) as f64 / char_w)
                .unwrap_or(0.0);
            let min = if prev_end.is_none() {
                0
            } else if gap >= 2.0 {
                len + 2
            } else {
                len + 1
            };
            let at = if gap >= 2.0 { col.max(min) } else { min };
            s.extend(std::iter::repeat_n(' ', at.saturating_sub(len)));
            s.push_str(&w.text);
            prev_end = Some(w.left + w.width);
        }
        out.push_str(&s);
        out.push('\n');
    }
    out
}

/// The text of a PDF that came by mail (a transfer confirmation), read only by `pdftotext` in
/// its own process under a time limit, after the structure check: no parser runs in this process.
/// `None` when the file is not a sound PDF or has no text.
pub fn text_outside(bytes: &[u8], max_inflated: u64) -> Option<String> {
    if !is_pdf(bytes) || check(bytes, max_inflated).ok()? != Structure::Sound {
        return None;
    }
    pdftotext(bytes).ok().filter(|t| !t.trim().is_empty())
}

/// `pdftotext -layout` (Debian: poppler-utils) on a temporary copy of the file.
fn pdftotext(bytes: &[u8]) -> Result<String, String> {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("skarbnik-{}-{n}.pdf", std::process::id()));
    std::fs::write(&path, bytes)
        .map_err(|e| format!("pdftotext: cannot write a temporary file: {e}"))?;
    let child = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let out = match child {
        Ok(child) => wait_with_timeout(child, PDFTOTEXT_TIMEOUT),
        Err(e) => Err(format!("pdftotext (poppler-utils) is not available: {e}")),
    };
    let _ = std::fs::remove_file(&path);
    out
}

/// The child's standard output, or why there is none (it failed, or ran out of time and was
/// killed).
fn wait_with_timeout(mut child: std::process::Child, limit: Duration) -> Result<String, String> {
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_end(&mut out);
        }
        out
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("pdftotext took longer than {} s", limit.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("pdftotext: {e}")),
        }
    };
    let out = reader.join().unwrap_or_default();
    if status.success() {
        Ok(String::from_utf8_lossy(&out).into_owned())
    } else {
        Err(format!("pdftotext failed ({status})"))
    }
}

/// Lines of laid-out text → rows. A run of two or more spaces separates chunks; chunks are placed
/// in the column whose span (taken from the line with the most chunks, normally the header) they
/// overlap most, so an empty cell stays empty and a right-aligned amount stays in its column.
pub fn table(text: &str) -> Table {
    let mut rows = Vec::new();
    let mut line_no = 0;
    // pdftotext lays out each page on its own: column positions are taken per page.
    for page in text.split('\u{c}') {
        let lines: Vec<(usize, Vec<Chunk>)> = page
            .lines()
            .map(|l| {
                line_no += 1;
                (line_no, l)
            })
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(n, l)| (n, chunks(l)))
            .collect();
        let mut starts: Vec<usize> = Vec::new();
        for (_, c) in lines.iter().take(80) {
            if c.len() > starts.len() {
                starts = c.iter().map(|(s, _, _)| *s).collect();
            }
        }
        for (line, chunks) in lines {
            let mut cells = vec![Cell::Empty; starts.len().max(1)];
            for (s, e, t) in chunks {
                let col = best_column(&starts, s, e);
                if col >= cells.len() {
                    cells.resize(col + 1, Cell::Empty);
                }
                cells[col] = match std::mem::replace(&mut cells[col], Cell::Empty) {
                    Cell::Text(prev) => Cell::Text(format!("{prev} {t}")),
                    _ => Cell::Text(t),
                };
            }
            rows.push(Row { line, cells });
        }
        // The form feed ends the page's last line.
        line_no = line_no.saturating_sub(usize::from(!page.ends_with('\n') && !page.is_empty()));
    }
    Table {
        rows,
        column_style: ColumnStyle::Number,
        sheet: None,
        encoding: None,
    }
}

/// A piece of a line between gaps: (start, end, text), positions in characters.
type Chunk = (usize, usize, String);

/// The chunks of a line.
fn chunks(line: &str) -> Vec<Chunk> {
    let chars: Vec<char> = line.chars().collect();
    let text: String = chars.iter().collect();
    let mut out = Vec::new();
    let mut last = 0;
    for m in GAP.find_iter(&text) {
        let (s, e) = (
            text[..m.start()].chars().count(),
            text[..m.end()].chars().count(),
        );
        push_chunk(&chars, last, s, &mut out);
        last = e;
    }
    push_chunk(&chars, last, chars.len(), &mut out);
    out
}

fn push_chunk(chars: &[char], from: usize, to: usize, out: &mut Vec<Chunk>) {
    let piece: String = chars[from..to].iter().collect();
    let lead = piece.len() - piece.trim_start().len();
    let t = piece.trim();
    if !t.is_empty() {
        let start = from + piece[..lead].chars().count();
        out.push((start, start + t.chars().count(), t.to_string()));
    }
}

/// The column whose span [start_i, start_{i+1}) overlaps [s, e) most; ties go left.
fn best_column(starts: &[usize], s: usize, e: usize) -> usize {
    let mut best = (0usize, 0usize);
    for (i, &cs) in starts.iter().enumerate() {
        let ce = starts.get(i + 1).copied().unwrap_or(usize::MAX);
        let overlap = e.min(ce).saturating_sub(s.max(cs));
        if overlap > best.1 {
            best = (i, overlap);
        }
    }
    if best.1 == 0 {
        // No overlap (a chunk left of the first column): the column starting nearest.
        starts
            .iter()
            .enumerate()
            .min_by_key(|(_, cs)| cs.abs_diff(s))
            .map(|(i, _)| i)
            .unwrap_or(0)
    } else {
        best.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_from_layout() {
        let t = table(
            "Tytul\n\nNumer      Kontrahent       Brutto     Do zaplaty\nFV/1/2026  ALFA SP. Z O.O.  1 230,00     1 230,00\nRazem                         12 300,00   12 300,00\n",
        );
        assert_eq!(t.rows.len(), 4);
        assert_eq!(t.rows[2].line, 4);
        assert_eq!(t.rows[2].cell(1).text(), "ALFA SP. Z O.O.");
        assert_eq!(t.rows[2].cell(2).text(), "1 230,00");
        // An empty client cell stays empty: the totals land under their headers.
        assert_eq!(t.rows[3].cell(0).text(), "Razem");
        assert!(t.rows[3].cell(1).is_empty());
        assert_eq!(t.rows[3].cell(2).text(), "12 300,00");
        assert_eq!(t.rows[3].cell(3).text(), "12 300,00");
    }
}
