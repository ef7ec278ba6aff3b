//! `report weekly|monthly|aging|statement CLIENT`: a report on demand, printed or written to a
//! file in the chosen format.

use crate::app::App;
use crate::domain::Lang;
use crate::services::reports::{self, Ask};
use anyhow::{Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

/// A report: the weekly overdue report, the monthly management report, aging, or a client's
/// statement (or balance confirmation).
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub which: Which,
    /// The day the report is as of (default: today).
    #[arg(long, global = true)]
    pub as_of: Option<NaiveDate>,
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub format: Format,
    /// Write to this file instead of stdout (needed for pdf and xlsx).
    #[arg(long, global = true)]
    pub out: Option<PathBuf>,
    /// The report's language (default: [templates] language).
    #[arg(long, global = true)]
    pub lang: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Which {
    /// Every overdue invoice with what to do next, most urgent first.
    Weekly {
        /// Only this account manager's clients.
        #[arg(long)]
        manager: Option<String>,
    },
    /// The management report for a month (default: the month before --as-of).
    Monthly {
        /// "2026-11" or "11/2026".
        month: Option<String>,
    },
    /// Receivables by days past due.
    Aging,
    /// A client's open invoices, payments and balance.
    Statement {
        /// A name fragment, a NIP or an e-mail address.
        client: String,
        /// The balance confirmation (potwierdzenie salda) variant.
        #[arg(long)]
        confirmation: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Html,
    Pdf,
    Xlsx,
}

pub fn run(ctx: &App, args: ReportArgs) -> Result<i32> {
    let as_of = args.as_of.unwrap_or_else(|| ctx.today());
    let lang = match args.lang.as_deref() {
        None => ctx.config.templates.language,
        Some(l) => {
            Lang::parse(l).ok_or_else(|| anyhow::anyhow!("--lang: {l:?} is not pl or en"))?
        }
    };
    let ask = match args.which {
        Which::Weekly { manager } => Ask::Weekly { manager },
        Which::Monthly { month } => Ask::Monthly {
            month: match month {
                None => None,
                Some(m) => Some(reports::parse_month(&m).ok_or_else(|| {
                    anyhow::anyhow!("{m:?} is not a month like 2026-11 or 11/2026")
                })?),
            },
        },
        Which::Aging => Ask::Aging,
        Which::Statement {
            client,
            confirmation,
        } => {
            let found = ctx.store.find_clients(&client)?;
            match found.as_slice() {
                [one] => Ask::Statement {
                    client_id: one.id,
                    confirmation,
                },
                [] => {
                    eprintln!("No client matches {client:?}.");
                    return Ok(1);
                }
                many => {
                    eprintln!("{client:?} matches {} clients:", many.len());
                    for c in many {
                        eprintln!("  {} {}", c.name, c.nip.as_deref().unwrap_or(""));
                    }
                    return Ok(1);
                }
            }
        }
    };
    let book = reports::read(&ctx.store, &ctx.config)?;
    let make = match args.format {
        Format::Pdf | Format::Xlsx => reports::make,
        Format::Text | Format::Json | Format::Html => reports::make_text,
    };
    let Some(made) = make(&ctx.config, &ctx.templates, &book, &ask, as_of, lang)? else {
        eprintln!("There is nothing to report for that.");
        return Ok(1);
    };
    let bytes: Vec<u8> = match args.format {
        Format::Text => format!("{}\n\n{}", made.rendered.subject, made.rendered.text).into_bytes(),
        Format::Json => serde_json::to_vec_pretty(&made.json)?,
        Format::Html => made.html().into_bytes(),
        Format::Pdf => made.pdf,
        Format::Xlsx => made.xlsx,
    };
    match args.out {
        Some(path) => std::fs::write(&path, &bytes)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
        None if matches!(args.format, Format::Pdf | Format::Xlsx) => {
            bail!("--format pdf and xlsx need --out FILE")
        }
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(0)
}
