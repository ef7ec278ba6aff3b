//! Reports as PDF: A4, headings, tables with numbers aligned right (widths measured with the
//! embedded font), and the charts as images. Tables continue on the next page with their header.

use super::{Table, tables};
use crate::domain::Lang;
use crate::reports::aging::Aging;
use crate::reports::monthly::Monthly;
use crate::reports::statement::Statement;
use crate::reports::weekly::Weekly;
use crate::templates::Rendered;
use ab_glyph::{Font as _, FontRef};
use anyhow::{Context, Result, anyhow};
use krilla::Document;
use krilla::geom::{Point, Size, Transform};
use krilla::image::Image;
use krilla::page::PageSettings;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use std::collections::HashMap;

const FONT: &[u8] = include_bytes!("../../../templates/fonts/DejaVuSans.ttf");
const W: f32 = 595.0;
const H: f32 = 842.0;
const MARGIN: f32 = 40.0;
/// Rows a table shows in the PDF; the spreadsheet has them all (a management report of 10,000
/// clients is read as its top rows, and searched in the XLSX).
pub const PDF_ROWS: usize = 300;

pub(crate) enum Block {
    Title(String),
    /// Two columns of lines side by side (seller and buyer on an invoice).
    Columns(String, String),
    Heading(String),
    Para(String),
    Table(Table),
    Image(Vec<u8>),
}

struct Measure<'f>(FontRef<'f>);

impl Measure<'_> {
    /// Width in points at `size` points: advances in font units over the em.
    fn width(&self, s: &str, size: f32) -> f32 {
        let em = self.0.units_per_em().unwrap_or(2048.0);
        s.chars()
            .map(|c| self.0.h_advance_unscaled(self.0.glyph_id(c)))
            .sum::<f32>()
            * size
            / em
    }

    /// The glyphs of a left-to-right text, one per character with the font's advances (what
    /// krilla's own shaping gives for Latin text, without building a shaper for every string:
    /// that was most of an invoice's time).
    fn glyphs(&self, s: &str) -> Vec<KrillaGlyph> {
        let em = self.0.units_per_em().unwrap_or(2048.0);
        s.char_indices()
            .map(|(i, c)| {
                let id = self.0.glyph_id(c);
                KrillaGlyph::new(
                    GlyphId::new(u32::from(id.0)),
                    self.0.h_advance_unscaled(id) / em,
                    0.0,
                    0.0,
                    0.0,
                    i..i + c.len_utf8(),
                    None,
                )
            })
            .collect()
    }

    /// Cuts `s` to fit `width`, with an ellipsis.
    fn fit(&self, s: &str, size: f32, width: f32) -> String {
        if self.width(s, size) <= width {
            return s.to_string();
        }
        let mut out: String = String::new();
        for c in s.chars() {
            if self.width(&format!("{out}{c}…"), size) > width {
                break;
            }
            out.push(c);
        }
        out + "…"
    }
}

struct Writer<'a> {
    lang: Lang,
    doc: Document,
    font: Font,
    m: &'a Measure<'a>,
    lines: Vec<Vec<Op>>,
    y: f32,
}

enum Op {
    Text(f32, f32, f32, String),
    Image(f32, f32, f32, f32, Vec<u8>),
}

impl Writer<'_> {
    fn page(&mut self) {
        self.lines.push(Vec::new());
        self.y = MARGIN;
    }

    fn room(&mut self, h: f32) {
        if self.lines.is_empty() || self.y + h > H - MARGIN {
            self.page();
        }
    }

    fn text(&mut self, x: f32, size: f32, s: &str) {
        if let Some(p) = self.lines.last_mut() {
            p.push(Op::Text(x, self.y, size, s.to_string()));
        }
    }

    fn wrap(&self, s: &str, size: f32, width: f32) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = String::new();
        for word in s.split(' ') {
            let next = if cur.is_empty() {
                word.to_string()
            } else {
                format!("{cur} {word}")
            };
            if !cur.is_empty() && self.m.width(&next, size) > width {
                out.push(std::mem::replace(&mut cur, word.to_string()));
            } else {
                cur = next;
            }
        }
        out.push(cur);
        out
    }

    fn block(&mut self, b: Block) {
        match b {
            Block::Title(t) => {
                self.room(30.0);
                self.y += 18.0;
                self.text(MARGIN, 16.0, &t);
                self.y += 10.0;
            }
            Block::Heading(t) => {
                self.room(40.0);
                self.y += 20.0;
                self.text(MARGIN, 12.0, &t);
                self.y += 4.0;
            }
            Block::Para(t) => {
                for l in t.lines() {
                    for piece in self.wrap(l, 9.0, W - 2.0 * MARGIN) {
                        self.room(13.0);
                        self.y += 13.0;
                        self.text(MARGIN, 9.0, &piece);
                    }
                }
            }
            Block::Image(png) => {
                let (iw, ih) = (W - 2.0 * MARGIN, (W - 2.0 * MARGIN) * 380.0 / 900.0);
                self.room(ih + 8.0);
                self.y += 6.0;
                let y = self.y;
                if let Some(p) = self.lines.last_mut() {
                    p.push(Op::Image(MARGIN, y, iw, ih, png));
                }
                self.y += ih + 2.0;
            }
            Block::Table(t) => self.table(t),
            Block::Columns(left, right) => {
                let half = (W - 2.0 * MARGIN) / 2.0;
                let wrap = |s: &str| -> Vec<String> {
                    s.lines()
                        .flat_map(|l| self.wrap(l, 9.0, half - 10.0))
                        .collect()
                };
                let (l, r) = (wrap(&left), wrap(&right));
                for i in 0..l.len().max(r.len()) {
                    self.room(13.0);
                    self.y += 13.0;
                    if let Some(t) = l.get(i) {
                        self.text(MARGIN, 9.0, t);
                    }
                    if let Some(t) = r.get(i) {
                        self.text(MARGIN + half, 9.0, t);
                    }
                }
            }
        }
    }

    fn table(&mut self, t: Table) {
        const SIZE: f32 = 7.5;
        const ROW: f32 = 11.0;
        let total: f32 = t.columns.iter().map(|c| c.weight).sum::<f32>().max(1.0);
        let avail = W - 2.0 * MARGIN;
        let widths: Vec<f32> = t.columns.iter().map(|c| avail * c.weight / total).collect();
        let header = |w: &mut Self| {
            w.room(ROW * 2.0);
            w.y += ROW;
            let mut x = MARGIN;
            for (c, cw) in t.columns.iter().zip(&widths) {
                let s = w.m.fit(&c.title, SIZE, cw - 4.0);
                let dx = if c.numeric {
                    cw - 4.0 - w.m.width(&s, SIZE)
                } else {
                    0.0
                };
                w.text(x + dx, SIZE, &s);
                x += cw;
            }
            w.y += 2.0;
        };
        header(self);
        for row in t.rows.iter().take(PDF_ROWS) {
            if self.y + ROW > H - MARGIN {
                self.page();
                header(self);
            }
            self.y += ROW;
            let mut x = MARGIN;
            for ((cell, c), cw) in row.iter().zip(&t.columns).zip(&widths) {
                let s = self.m.fit(cell, SIZE, cw - 4.0);
                let dx = if c.numeric {
                    cw - 4.0 - self.m.width(&s, SIZE)
                } else {
                    0.0
                };
                self.text(x + dx, SIZE, &s);
                x += cw;
            }
        }
        if t.rows.is_empty() {
            self.room(ROW);
            self.y += ROW;
            self.text(MARGIN, SIZE, "–");
        }
        if t.rows.len() > PDF_ROWS {
            let more = t.rows.len() - PDF_ROWS;
            let line = match self.lang {
                Lang::Pl => format!("… i jeszcze {more} wierszy w arkuszu XLSX ({})", t.sheet),
                Lang::En => format!("… and {more} more rows in the XLSX sheet ({})", t.sheet),
            };
            self.room(ROW);
            self.y += ROW;
            self.text(MARGIN, SIZE, &line);
        }
    }

    fn finish(mut self) -> Result<Vec<u8>> {
        for ops in std::mem::take(&mut self.lines) {
            let settings = PageSettings::from_wh(W, H).context("page size")?;
            let mut page = self.doc.start_page_with(settings);
            let mut surface = page.surface();
            for op in ops {
                match op {
                    Op::Text(x, y, size, s) => {
                        let glyphs = self.m.glyphs(&s);
                        surface.draw_glyphs(
                            Point::from_xy(x, y),
                            &glyphs,
                            self.font.clone(),
                            &s,
                            size,
                            false,
                        )
                    }
                    Op::Image(x, y, w, h, png) => {
                        let image = Image::from_png(png.into(), true)
                            .map_err(|e| anyhow!("a chart cannot be embedded: {e}"))?;
                        let size = Size::from_wh(w, h).context("image size")?;
                        surface.push_transform(&Transform::from_translate(x, y));
                        surface.draw_image(image, size);
                        surface.pop();
                    }
                }
            }
            surface.finish();
            page.finish();
        }
        self.doc
            .finish()
            .map_err(|e| anyhow!("the PDF cannot be written: {e:?}"))
    }
}

/// The embedded font, read once: parsing it for every document cost more than the document
/// (10,000 invoices in one run).
static KRILLA_FONT: std::sync::LazyLock<Option<Font>> =
    std::sync::LazyLock::new(|| Font::new(FONT.into(), 0));

pub(crate) fn write(blocks: Vec<Block>, lang: Lang) -> Result<Vec<u8>> {
    let measure = Measure(FontRef::try_from_slice(FONT).context("the embedded font")?);
    let font = KRILLA_FONT
        .clone()
        .context("the embedded font cannot be read")?;
    let mut w = Writer {
        lang,
        doc: Document::new(),
        font,
        m: &measure,
        lines: Vec::new(),
        y: MARGIN,
    };
    for b in blocks {
        w.block(b);
    }
    w.finish()
}

/// The mail's text without its greeting and signature: the figures as written in the template
/// (so an edited template changes the PDF's wording too).
fn intro(r: &Rendered) -> String {
    let body = r.text.split("\n--\n").next().unwrap_or_default();
    let mut paras: Vec<&str> = body.split("\n\n").collect();
    if paras.len() > 1 && paras[0].lines().count() == 1 && paras[0].trim_end().ends_with(',') {
        paras.remove(0);
    }
    paras.join("\n\n").trim().to_string()
}

fn with_tables(
    r: &Rendered,
    lang: Lang,
    charts: Vec<Vec<u8>>,
    ts: Vec<(String, Table)>,
) -> Result<Vec<u8>> {
    let mut blocks = vec![Block::Title(r.subject.clone()), Block::Para(intro(r))];
    blocks.extend(charts.into_iter().map(Block::Image));
    for (h, t) in ts {
        blocks.push(Block::Heading(h));
        blocks.push(Block::Table(t));
    }
    write(blocks, lang)
}

pub fn weekly(
    w: &Weekly,
    r: &Rendered,
    lang: Lang,
    steps: &HashMap<String, String>,
    charts: &[Vec<u8>],
) -> Result<Vec<u8>> {
    with_tables(r, lang, charts.to_vec(), tables::weekly(w, lang, steps))
}

pub fn monthly(
    m: &Monthly,
    r: &Rendered,
    lang: Lang,
    steps: &HashMap<String, String>,
    charts: &[Vec<u8>],
) -> Result<Vec<u8>> {
    with_tables(r, lang, charts.to_vec(), tables::monthly(m, lang, steps))
}

pub fn aging(a: &Aging, r: &Rendered, lang: Lang, charts: &[Vec<u8>]) -> Result<Vec<u8>> {
    with_tables(r, lang, charts.to_vec(), tables::aging(a, lang))
}

pub fn statement(s: &Statement, r: &Rendered, lang: Lang) -> Result<Vec<u8>> {
    let mut blocks = vec![Block::Title(r.subject.clone())];
    for (h, t) in tables::statement(s, lang) {
        blocks.push(Block::Heading(h));
        blocks.push(Block::Table(t));
    }
    blocks.push(Block::Para(String::new()));
    blocks.push(Block::Para(r.text.trim().to_string()));
    write(blocks, lang)
}
