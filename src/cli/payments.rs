use super::{JsonList, cut};
use crate::app::App;
use crate::store::PaymentStatus;
use anyhow::{Result, anyhow};
use clap::Args;
use std::io::Write;

/// List bank operations with their status and allocations. Outgoing transfers, fees, VAT legs and
/// moves between our own accounts are listed as `ignored`: they never pay an invoice.
#[derive(Debug, Args)]
pub struct PaymentsArgs {
    /// Only payments with this status: matched, partial, review, unmatched, ignored.
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

pub fn run(ctx: &App, args: PaymentsArgs) -> Result<i32> {
    let status = args
        .status
        .as_deref()
        .map(|s| {
            PaymentStatus::parse(s).ok_or_else(|| {
                anyhow!("unknown status {s:?}: use matched, partial, review, unmatched or ignored")
            })
        })
        .transpose()?;
    let page = crate::store::Page {
        offset: args.offset,
        limit: args.limit,
    };
    // Written as read: an unpaged listing of a year's payments in review is a hundred thousand.
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    let mut json = args.json.then(JsonList::new);
    if !args.json {
        writeln!(
            out,
            "{:>5} {:<10} {:>12} {:<3} {:<9} {:<28} {:<40} ALLOCATIONS / REVIEW",
            "ID", "DATE", "AMOUNT", "CUR", "STATUS", "COUNTERPARTY", "TITLE"
        )?;
    }
    ctx.store.each_payment(status, page, |mut p| {
        // Reasons are stored as evidence; the CLI speaks English.
        if let Some(r) = &mut p.review {
            *r = crate::reconcile::render_stored(r, crate::domain::Lang::En);
        }
        for a in &mut p.allocations {
            a.reason = crate::reconcile::render_stored(&a.reason, crate::domain::Lang::En);
        }
        if let Some(list) = json.as_mut() {
            return list.item(&mut out, &p);
        }
        let mut detail = p
            .allocations
            .iter()
            .map(|a| format!("{} {} ({})", a.invoice, a.amount, a.rule))
            .collect::<Vec<_>>()
            .join(", ");
        if let Some(r) = &p.review {
            detail = r.clone();
            if !p.candidates.is_empty() {
                detail.push_str(&format!(" [candidates: {}]", p.candidates.join(", ")));
            }
        }
        writeln!(
            out,
            "{:>5} {:<10} {:>12} {:<3} {:<9} {:<28} {:<40} {}",
            p.id,
            p.date,
            p.amount,
            p.currency,
            p.status.as_str(),
            cut(p.counterparty.as_deref().unwrap_or("-"), 28),
            cut(&p.title, 40),
            detail
        )?;
        Ok(())
    })?;
    if let Some(list) = json {
        list.end(&mut out)?;
    }
    out.flush()?;
    Ok(0)
}
