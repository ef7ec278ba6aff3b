use super::print_json;
use crate::app::App;
use crate::domain::Lang;
use crate::dunning::demand::{build, pdf};
use anyhow::{Context as _, Result, bail};
use chrono::NaiveDate;
use clap::Args;
use std::path::PathBuf;

/// A formal demand for payment (wezwanie do zapłaty) for an overdue invoice, as a PDF: principal,
/// statutory interest day by day from the day after the due date, the EUR 40/70/100 compensation,
/// a deadline and our account.
#[derive(Debug, Args)]
pub struct DemandArgs {
    /// The invoice number.
    pub invoice: String,
    /// Reckon interest up to this day (default: today).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,
    /// Where to write the PDF (default: wezwanie-<invoice>-<date>.pdf here).
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// pl or en (default: the client's language).
    #[arg(long)]
    pub lang: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &App, args: DemandArgs) -> Result<i32> {
    let today = args.as_of.unwrap_or_else(|| ctx.today());
    let key = crate::domain::InvoiceNumber::parse(&args.invoice)
        .with_context(|| format!("invoice number {:?}", args.invoice))?
        .canonical()
        .to_string();
    let snap = ctx.store.dunning_snapshot()?;
    let Some(inv) = snap.invoices.iter().find(|i| {
        crate::domain::InvoiceNumber::parse(&i.number).is_ok_and(|n| n.canonical() == key)
    }) else {
        bail!("no invoice {:?}", args.invoice);
    };
    let client = snap.clients.get(&inv.client_id);
    let demand = build(&ctx.config, client, &[inv], today)
        .with_context(|| format!("invoice {} on {today}", inv.number))?;
    let lang = match args.lang.as_deref() {
        Some(l) => Lang::parse(l).with_context(|| format!("--lang {l:?}: pl or en"))?,
        None => client.map(|c| c.language).unwrap_or_default(),
    };
    let bytes = pdf(&ctx.templates, lang, &demand)?;
    let out = args.out.unwrap_or_else(|| {
        let safe: String = inv
            .number
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        PathBuf::from(format!("wezwanie-{safe}-{today}.pdf"))
    });
    std::fs::write(&out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
    if args.json {
        return print_json(&serde_json::json!({"file": out, "demand": demand})).map(|_| 0);
    }
    for l in &demand.lines {
        println!(
            "{}: principal {} {}, interest {} {} ({} days from {}), compensation {} PLN",
            l.number,
            l.principal,
            l.currency,
            l.interest.total,
            l.currency,
            l.interest.days,
            l.interest_from,
            l.compensation_pln.as_deref().unwrap_or("-")
        );
    }
    println!("deadline {}; written to {}", demand.deadline, out.display());
    Ok(0)
}
