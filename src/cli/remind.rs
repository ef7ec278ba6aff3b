use super::print_json;
use crate::app::App;
use crate::dunning::window;
use crate::services::dunning::Options;
use anyhow::Result;
use chrono::NaiveDate;
use clap::Args;

/// What the dunning would send on a day, and why: reminders (one mail per client), escalations,
/// payment confirmations, staff notices, and what is held back. Without --dry-run they are queued
/// in the outbox; the daemon sends them inside the send window. Nothing is ever queued twice.
#[derive(Debug, Args)]
pub struct RemindArgs {
    /// The day to plan for (default: today in the company's time zone).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,
    /// Only list; queue nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &mut App, args: RemindArgs) -> Result<i32> {
    crate::templates::samples::check_templates(&ctx.templates, &ctx.config)?;
    let now = ctx.clock.now();
    let today = args.as_of.unwrap_or_else(|| ctx.today());
    let (env, store) = ctx.parts();
    let config = env.config;
    let tz = config.timezone();
    let calendar = config.dunning.calendar();
    let not_before = if args.dry_run {
        None
    } else {
        window::not_before(&config.dunning, tz, &calendar, today, now)?
    };
    let decisions = env.dunning().run(
        store,
        &Options {
            today,
            not_before,
            dry_run: args.dry_run,
        },
    )?;
    if args.json {
        return print_json(&decisions).map(|_| 0);
    }
    if !calendar.is_business_day(today) {
        println!("{today} is not a business day: no mail goes out");
    }
    for d in &decisions {
        let to = if d.to.is_empty() {
            String::new()
        } else {
            format!(" → {}", d.to.join(", "))
        };
        println!(
            "{:<18} {}{to}{}{}\n{:<18} {}",
            d.kind,
            if d.client.is_empty() {
                "staff"
            } else {
                &d.client
            },
            d.step
                .as_deref()
                .map(|s| format!(" [{s}]"))
                .unwrap_or_default(),
            if d.invoices.is_empty() {
                String::new()
            } else {
                format!(": {}", d.invoices.join(", "))
            },
            "",
            d.reason
        );
    }
    let queued = decisions.iter().filter(|d| d.key.is_some()).count();
    match (args.dry_run, queued) {
        (_, 0) => println!("nothing to send on {today}"),
        (true, n) => println!("{n} mails would be queued (dry run: nothing was)"),
        (false, n) => println!(
            "{n} mails queued{}",
            not_before
                .map(|t| format!(", to go out from {}", crate::clock::stamp(t)))
                .unwrap_or_default()
        ),
    }
    Ok(0)
}
