use super::{Context, print_json};
use crate::import::{ImportOutcome, Importer};
use anyhow::{Context as _, Result};
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
}

pub fn run(ctx: &mut Context, args: ImportArgs) -> Result<i32> {
    let profiles = ctx.profiles()?;
    let parse_ctx = ctx.parse_context();
    let isolation = ctx.isolation()?;
    let importer = Importer {
        isolation: isolation.as_ref(),
        profiles: &profiles,
        ctx: &parse_ctx,
        max_file_bytes: ctx.config.import.max_file_bytes,
        actor: "cli",
    };
    let mut outcomes = Vec::new();
    for file in &expand(&args.files)? {
        for outcome in importer.import_path(&mut ctx.store, file, None)? {
            if !args.json {
                print_outcome(&outcome);
            }
            outcomes.push(outcome);
        }
    }
    let refused = outcomes.iter().filter(|o| o.refused()).count();
    // Every import is followed by reconciliation, so new payments and invoices meet at once.
    let summary = ctx.store.reconcile(ctx.our_nip().as_deref(), "cli")?;
    if args.json {
        print_json(
            &serde_json::json!({ "files": outcomes, "refused": refused, "reconcile": summary }),
        )?;
    } else {
        if outcomes.len() > 1 {
            println!("{} files, {} refused", outcomes.len(), refused);
        }
        super::reconcile::print_summary(&summary);
    }
    Ok(if refused > 0 { 1 } else { 0 })
}

fn print_outcome(o: &ImportOutcome) {
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
    for w in &o.warnings {
        println!("  warning: {w}");
    }
}

/// Files as given, folders replaced by the report files inside them (not hidden files, nor the
/// expected-result, script and note files that sit beside fixtures).
fn expand(args: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for a in args {
        if a.is_dir() {
            let mut found = Vec::new();
            walk(a, &mut found)?;
            found.sort();
            out.extend(found);
        } else {
            out.push(a.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in
        std::fs::read_dir(dir).with_context(|| format!("cannot read folder {}", dir.display()))?
    {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else if ![".json", ".md", ".py", ".toml", ".failed"]
            .iter()
            .any(|e| name.ends_with(e))
        {
            out.push(path);
        }
    }
    Ok(())
}
