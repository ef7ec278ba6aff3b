use super::print_json;
use crate::app::App;
use crate::services::import::Progress;
use crate::services::import::{ImportOutcome, import_files};
use anyhow::Result;
use clap::Args;
use std::io::IsTerminal;
use std::path::PathBuf;

/// Import report files: bank statements (CSV, XLS/XLSX/ODS, MT940) and receivables lists or invoice
/// registers; a zip archive imports each report in it. Exits non-zero if any file was refused; each refusal names file, row, column and cause.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files to import; a folder imports the report files in it (sorted by name, recursively).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// Every matched payment and every warning (by default: counts, and the first warnings).
    #[arg(long, short)]
    pub verbose: bool,
}

pub fn run(app: &mut App, args: ImportArgs) -> Result<i32> {
    let (env, import, store) = app.import_parts()?;
    let mut importer = import.importer("cli");
    let progress = Progress::default();
    // A bar only for people watching: not into a file or a pipe, nor beside JSON.
    let watched = !args.json && std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
    if watched {
        importer.progress = Some(&progress);
    }
    let done = std::sync::atomic::AtomicBool::new(false);
    // Every import is followed by reconciliation, so new payments and invoices meet at once.
    let run = std::thread::scope(|scope| {
        if watched {
            scope.spawn(|| show_progress(&progress, &done));
        }
        let run = import_files(
            store,
            &importer,
            &args.files,
            &crate::services::reconcile::Settings::of(env.config),
            |o| {
                if !args.json {
                    print_outcome(o, args.verbose);
                }
            },
        );
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        run
    })?;
    if args.json {
        print_json(&run)?;
    } else {
        if run.files.len() > 1 {
            println!("{} files, {} refused", run.files.len(), run.refused);
        }
        super::reconcile::print_summary(&run.reconcile, args.verbose);
    }
    Ok(if run.refused > 0 { 1 } else { 0 })
}

/// Warnings printed per file unless `--verbose`.
const WARNINGS_SHOWN: usize = 20;

fn print_outcome(o: &ImportOutcome, verbose: bool) {
    if let Some(e) = &o.error {
        println!("REFUSED {e}");
        return;
    }
    if let Some(id) = o.duplicate_of {
        println!(
            "{}: already imported as report #{id}, nothing added",
            o.file
        );
        return;
    }
    let kind = o.kind.map(|k| k.as_str()).unwrap_or("?");
    let how = [
        o.profile.as_deref(),
        o.format.as_deref(),
        o.encoding.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    println!(
        "{}: {kind} ({how}): {} rows read, {} new, {} already known, {} updated, {} skipped",
        o.file, o.rows_read, o.new, o.known, o.updated, o.skipped
    );
    for line in warning_lines(&o.warnings, verbose) {
        println!("  {line}");
    }
}

/// A file's warnings as printed: the first [`WARNINGS_SHOWN`], how many are not shown, and the
/// last. The last is kept in sight because a statement that warned on every row ends with how
/// many warnings were only counted: "… and 981 more warnings", followed by nothing, hid that a
/// million rows had warned.
fn warning_lines(warnings: &[impl std::fmt::Display], verbose: bool) -> Vec<String> {
    if verbose || warnings.len() <= WARNINGS_SHOWN + 1 {
        return warnings.iter().map(|w| format!("warning: {w}")).collect();
    }
    let mut lines: Vec<String> = warnings[..WARNINGS_SHOWN]
        .iter()
        .map(|w| format!("warning: {w}"))
        .collect();
    lines.push(format!(
        "… {} more warnings not shown here (--verbose or --json lists them)",
        warnings.len() - WARNINGS_SHOWN - 1
    ));
    if let Some(last) = warnings.last() {
        lines.push(format!("warning: {last}"));
    }
    lines
}

/// Draws a progress bar (on stderr) for a file that takes more than a second: bytes read of its
/// size, the rate, the time left, and the operations stored so far.
fn show_progress(p: &Progress, done: &std::sync::atomic::AtomicBool) {
    use std::sync::atomic::Ordering::Relaxed;
    use std::time::{Duration, Instant};
    let tick = Duration::from_millis(100);
    let mut file = String::new();
    let mut since = Instant::now();
    let mut bar: Option<indicatif::ProgressBar> = None;
    while !done.load(Relaxed) {
        std::thread::sleep(tick);
        let now = p.file.lock().map(|f| f.clone()).unwrap_or_default();
        if now != file {
            if let Some(b) = bar.take() {
                b.finish_and_clear();
            }
            file = now;
            since = Instant::now();
        }
        if bar.is_none() && !file.is_empty() && since.elapsed() >= Duration::from_secs(1) {
            let b = indicatif::ProgressBar::new(p.total.load(Relaxed));
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}, {eta} left",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar = Some(b);
        }
        if let Some(b) = &bar {
            b.set_length(p.total.load(Relaxed));
            b.set_position(p.bytes.load(Relaxed));
            let name = std::path::Path::new(&file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            b.set_message(format!("{name}: {} operations", p.rows.load(Relaxed)));
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_list_of_warnings_shows_its_first_lines_a_count_and_its_last() {
        let mut w: Vec<String> = (1..=1000).map(|i| format!("row {i}: note")).collect();
        w.push("and 988572 more warnings like these".into());
        let lines = warning_lines(&w, false);
        assert_eq!(lines.len(), WARNINGS_SHOWN + 2, "{lines:?}");
        assert_eq!(lines[0], "warning: row 1: note");
        assert_eq!(lines[WARNINGS_SHOWN - 1], "warning: row 20: note");
        assert_eq!(
            lines[WARNINGS_SHOWN],
            "… 980 more warnings not shown here (--verbose or --json lists them)"
        );
        assert_eq!(
            lines[WARNINGS_SHOWN + 1],
            "warning: and 988572 more warnings like these"
        );
        assert_eq!(warning_lines(&w, true).len(), 1001);
        // One more than is shown: all of them, no count.
        let few: Vec<String> = (1..=21).map(|i| format!("row {i}")).collect();
        let lines = warning_lines(&few, false);
        assert_eq!(lines.len(), 21);
        assert_eq!(lines[20], "warning: row 21");
    }
}
