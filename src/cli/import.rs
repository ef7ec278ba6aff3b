use super::print_json;
use crate::app::App;
use crate::services::import::{ImportOutcome, import_files};
use anyhow::Result;
use clap::Args;
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
    let importer = import.importer("cli");
    // Every import is followed by reconciliation, so new payments and invoices meet at once.
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
    )?;
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
    let shown = if verbose {
        o.warnings.len()
    } else {
        WARNINGS_SHOWN
    };
    for w in o.warnings.iter().take(shown) {
        println!("  warning: {w}");
    }
    if o.warnings.len() > shown {
        println!(
            "  … and {} more warnings (--verbose or --json shows them all)",
            o.warnings.len() - shown
        );
    }
}
