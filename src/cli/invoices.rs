use super::{cut, print_json};
use crate::app::App;
use crate::store::InvoiceStatus;
use anyhow::{Result, anyhow};
use clap::Args;

/// List invoices with what is paid and outstanding.
#[derive(Debug, Args)]
pub struct InvoicesArgs {
    /// Only invoices with this status: unpaid, partial, paid, overpaid, or credit (a document of a
    /// negative amount, such as a credit note: its open part is listed as a negative outstanding).
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// List at most this many (a page; with --offset, the next ones).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Skip this many first.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub offset: usize,
}

pub fn run(ctx: &App, args: InvoicesArgs) -> Result<i32> {
    let status = args
        .status
        .as_deref()
        .map(|s| {
            InvoiceStatus::parse(s).ok_or_else(|| {
                anyhow!("unknown status {s:?}: use unpaid, partial, paid, overpaid or credit")
            })
        })
        .transpose()?;
    let list = ctx.store.invoices_page(
        status,
        crate::store::Page {
            offset: args.offset,
            limit: args.limit,
        },
    )?;
    if args.json {
        print_json(&list)?;
        return Ok(0);
    }
    println!(
        "{:<20} {:<30} {:<10} {:>12} {:>12} {:>12} {:<3} STATUS",
        "NUMBER", "CLIENT", "DUE", "GROSS", "PAID", "OUTSTANDING", "CUR"
    );
    for i in &list {
        println!(
            "{:<20} {:<30} {:<10} {:>12} {:>12} {:>12} {:<3} {}",
            cut(&i.number, 20),
            cut(&i.client, 30),
            i.due_date.as_deref().unwrap_or("-"),
            i.gross,
            i.paid,
            i.outstanding,
            i.currency,
            match &i.ksef_number {
                Some(k) => format!("{} KSeF {k}", i.status.as_str()),
                None => i.status.as_str().to_string(),
            }
        );
    }
    Ok(0)
}
