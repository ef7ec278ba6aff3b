//! Charts for the reports, drawn by plotters into an RGB bitmap with the embedded font and
//! encoded as PNG: the same image goes into the PDF and inline into the HTML mail.

use anyhow::{Context, Result, anyhow};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::sync::Once;

const FONT: &[u8] = include_bytes!("../../../templates/fonts/DejaVuSans.ttf");
const FAMILY: &str = "skarbnik-sans";
pub const WIDTH: u32 = 900;
pub const HEIGHT: u32 = 380;

const COLOURS: [RGBColor; 5] = [
    RGBColor(38, 95, 158),
    RGBColor(120, 170, 90),
    RGBColor(230, 160, 40),
    RGBColor(220, 100, 50),
    RGBColor(170, 40, 40),
];

fn font() -> Result<()> {
    static ONCE: Once = Once::new();
    let mut ok = true;
    ONCE.call_once(|| {
        ok = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok();
    });
    if ok {
        Ok(())
    } else {
        Err(anyhow!("the embedded font cannot be read for charts"))
    }
}

fn png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().context("PNG header")?;
        writer.write_image_data(rgb).context("PNG data")?;
        writer.finish().context("PNG end")?;
    }
    Ok(out)
}

fn err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("chart: {e:?}")
}

type Chart2d<'a, 'b> = ChartContext<
    'a,
    BitMapBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// Each group's label centred under it, at `y` (below the zero line).
fn group_labels(chart: &mut Chart2d<'_, '_>, labels: &[String], y: f64) -> Result<()> {
    let style = TextStyle::from((FAMILY, 13).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
    chart
        .draw_series(
            labels
                .iter()
                .enumerate()
                .map(|(i, l)| Text::new(l.clone(), (i as f64 + 0.5, y), style.clone())),
        )
        .map_err(err)?;
    Ok(())
}

/// Grouped bars: one group per label, one bar per series (name, values), with a legend when
/// there are several series. Values in whole units (złoty).
pub fn bars(title: &str, labels: &[String], series: &[(String, Vec<f64>)]) -> Result<Vec<u8>> {
    font()?;
    let (w, h) = (WIDTH, HEIGHT);
    let mut buf = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let top = series
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .fold(0.0f64, f64::max)
            .max(1.0)
            * 1.1;
        let n = labels.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FAMILY, 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(90)
            .build_cartesian_2d(0f64..n as f64, -top * 0.08..top)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_label_formatter(&|y| {
                if *y < 0.0 {
                    String::new()
                } else {
                    crate::domain::format_pl(rust_decimal::Decimal::from(*y as i64))
                        .replace(",00", "")
                }
            })
            .label_style((FAMILY, 13))
            .draw()
            .map_err(err)?;
        group_labels(&mut chart, labels, -top * 0.04)?;
        let k = series.len().max(1) as f64;
        let width = 0.8 / k;
        for (s, (name, values)) in series.iter().enumerate() {
            let colour = COLOURS[s % COLOURS.len()];
            let drawn = chart
                .draw_series(values.iter().enumerate().map(|(i, v)| {
                    let x0 = i as f64 + 0.1 + s as f64 * width;
                    Rectangle::new([(x0, 0.0), (x0 + width * 0.95, *v)], colour.filled())
                }))
                .map_err(err)?;
            if series.len() > 1 {
                drawn.label(name.as_str()).legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
                });
            }
        }
        if series.len() > 1 {
            chart
                .configure_series_labels()
                .label_font((FAMILY, 13))
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    png(&buf, w, h)
}

/// A line over labelled points (a `None` leaves a gap).
pub fn line(title: &str, labels: &[String], values: &[Option<f64>]) -> Result<Vec<u8>> {
    font()?;
    let (w, h) = (WIDTH, HEIGHT);
    let mut buf = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let top = values
            .iter()
            .flatten()
            .copied()
            .fold(0.0f64, f64::max)
            .max(1.0)
            * 1.2;
        let n = labels.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FAMILY, 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..n as f64, -top * 0.08..top)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_label_formatter(&|y| {
                if *y < 0.0 {
                    String::new()
                } else {
                    format!("{y:.0}")
                }
            })
            .label_style((FAMILY, 13))
            .draw()
            .map_err(err)?;
        group_labels(&mut chart, labels, -top * 0.04)?;
        let points: Vec<(f64, f64)> = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i as f64 + 0.5, v)))
            .collect();
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                COLOURS[0].stroke_width(3),
            ))
            .map_err(err)?;
        chart
            .draw_series(
                points
                    .iter()
                    .map(|p| Circle::new(*p, 4, COLOURS[0].filled())),
            )
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    png(&buf, w, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let dec = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut r = dec.read_info().unwrap();
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        let info = r.next_frame(&mut buf).unwrap();
        (info.width, info.height, buf)
    }

    #[test]
    fn a_bar_chart_is_a_png_with_something_drawn() {
        let labels: Vec<String> = ["2026-10", "2026-11"].map(String::from).to_vec();
        let png = bars(
            "Wystawione i zapłacone",
            &labels,
            &[
                ("wystawione".into(), vec![1000.0, 2000.0]),
                ("zapłacone".into(), vec![800.0, 2100.0]),
            ],
        )
        .unwrap();
        let (w, h, px) = decoded(&png);
        assert_eq!((w, h), (WIDTH, HEIGHT));
        // The first series' colour is there: bars were drawn, not only axes.
        let blue = px
            .chunks(3)
            .filter(|p| p == &[38u8, 95, 158].as_slice())
            .count();
        assert!(blue > 1000, "{blue} bar pixels");
    }

    #[test]
    fn a_line_chart_skips_gaps() {
        let labels: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let png = line("DSO", &labels, &[Some(30.0), None, Some(45.5)]).unwrap();
        let (_, _, px) = decoded(&png);
        assert!(px.chunks(3).any(|p| p == [38u8, 95, 158].as_slice()));
    }
}
