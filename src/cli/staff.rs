//! The CLI twins of the mail commands (see src/commands): the same code carries them out, with
//! "cli" as the actor in the audit log.

use crate::app::App;
use crate::commands::{Command, Ctx};
use crate::domain::Lang;
use anyhow::{Context as _, Result};
use chrono::NaiveDate;
use clap::{Args, Subcommand};

/// Pause or resume one invoice's reminders (a dispute, an arrangement by phone), or correct an
/// invoice skarbnik issued.
#[derive(Debug, Args)]
pub struct InvoiceArgs {
    #[command(subcommand)]
    pub action: InvoiceAction,
}

#[derive(Debug, Subcommand)]
pub enum InvoiceAction {
    Pause {
        number: String,
    },
    Resume {
        number: String,
    },
    /// A correction (FA(3) KOR) of an invoice skarbnik issued: new lines, or a full reversal.
    Correct(super::billing::CorrectArgs),
}

/// A client's open invoices, latest payments, reminders sent, and each invoice's next step.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// A name fragment, a NIP or an e-mail address.
    pub client: String,
}

/// Every overdue invoice, what needs a person first, with the step each is at and what to do.
#[derive(Debug, Args)]
pub struct OverdueArgs {
    /// As of this day (default: today).
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// The cases as JSON (the weekly report's model).
    #[arg(long)]
    pub json: bool,
}

pub fn overdue(ctx: &mut App, args: OverdueArgs) -> Result<i32> {
    if !args.json && args.as_of.is_none() {
        return run(ctx, Command::Overdue);
    }
    let as_of = args.as_of.unwrap_or_else(|| ctx.today());
    let tx = ctx.store.transaction()?;
    let w = crate::commands::overdue::model(&tx, &ctx.config, as_of)?;
    drop(tx);
    if args.json {
        super::print_json(&w.cases)?;
        return Ok(0);
    }
    let reference = format!("cli:{}", ctx.clock.now_text());
    let tx = ctx.store.transaction()?;
    let c = Ctx {
        config: &ctx.config,
        actor: "cli",
        reference: &reference,
        today: as_of,
        lang: Lang::En,
    };
    let outcome = Command::Overdue.execute(&tx, &c)?;
    drop(tx);
    println!("{}", outcome.text());
    Ok(0)
}

/// Record a payment seen elsewhere (cash, a bank that is not imported) against an invoice.
#[derive(Debug, Args)]
pub struct PaidArgs {
    pub invoice: String,
    /// Default: what remains to pay.
    #[arg(long)]
    pub amount: Option<String>,
    /// Default: today.
    #[arg(long)]
    pub date: Option<NaiveDate>,
}

/// The client promised to pay by DATE: no reminders until the day after; they resume by
/// themselves if it does not pay.
#[derive(Debug, Args)]
pub struct PromiseArgs {
    pub client: String,
    pub date: NaiveDate,
}

pub fn run(ctx: &mut App, command: Command) -> Result<i32> {
    let today = ctx.today();
    let reference = format!("cli:{}", ctx.clock.now_text());
    let tx = ctx.store.transaction()?;
    let c = Ctx {
        config: &ctx.config,
        actor: "cli",
        reference: &reference,
        today,
        lang: Lang::En,
    };
    // A failed store rolls everything back (the transaction is dropped) and ends in an error.
    let outcome = command.execute(&tx, &c)?;
    tx.commit()?;
    if outcome.ok() {
        println!("{}", outcome.text());
        Ok(0)
    } else {
        eprintln!("{}", outcome.text());
        Ok(1)
    }
}

pub fn invoice(ctx: &mut App, args: InvoiceArgs) -> Result<i32> {
    if let InvoiceAction::Correct(c) = args.action {
        return super::billing::correct(ctx, c);
    }
    run(
        ctx,
        match args.action {
            InvoiceAction::Pause { number } => Command::PauseInvoice { number },
            InvoiceAction::Resume { number } => Command::ResumeInvoice { number },
            InvoiceAction::Correct(_) => return Ok(2),
        },
    )
}

/// A dispute about an invoice: open one (no reminders, escalation or demand), resolve it or
/// cancel it (reminders resume from the step it had reached).
#[derive(Debug, Args)]
pub struct DisputeArgs {
    #[command(subcommand)]
    pub action: DisputeAction,
}

#[derive(Debug, Subcommand)]
pub enum DisputeAction {
    Open {
        invoice: String,
        #[arg(long)]
        reason: Option<String>,
    },
    Resolve {
        invoice: String,
        #[arg(long)]
        reason: Option<String>,
    },
    Cancel {
        invoice: String,
        #[arg(long)]
        reason: Option<String>,
    },
}

pub fn dispute(ctx: &mut App, args: DisputeArgs) -> Result<i32> {
    run(
        ctx,
        match args.action {
            DisputeAction::Open { invoice, reason } => Command::Dispute {
                number: invoice,
                reason,
            },
            DisputeAction::Resolve { invoice, reason } => Command::EndDispute {
                number: invoice,
                reason,
                cancel: false,
            },
            DisputeAction::Cancel { invoice, reason } => Command::EndDispute {
                number: invoice,
                reason,
                cancel: true,
            },
        },
    )
}

pub fn paid(ctx: &mut App, args: PaidArgs) -> Result<i32> {
    let amount = args
        .amount
        .as_deref()
        .map(|a| {
            crate::ingest::numbers::parse_amount(a)
                .map(|a| a.value)
                .map_err(|e| anyhow::anyhow!("{e}"))
                .with_context(|| format!("--amount {a:?}"))
        })
        .transpose()?;
    run(
        ctx,
        Command::Paid {
            number: args.invoice,
            amount,
            date: args.date,
        },
    )
}
