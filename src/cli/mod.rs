//! The `skarbnik` command. One file per subcommand; each command's doc comment is its help.

mod billing;
mod check_templates;
mod clients;
mod demand;
mod history;
mod import;
mod invoices;
mod matching;
mod outbox;
mod payments;
mod reconcile;
mod remind;
mod report;
mod run;
mod staff;

use crate::app::App;
use crate::commands::Command as Staff;
use crate::config::Config;
use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// skarbnik: chases unpaid invoices. Reads bank statements and receivables lists, matches payments
/// to invoices, and (as a daemon) reminds clients by e-mail.
#[derive(Debug, Parser)]
#[command(name = "skarbnik", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (else $SKARBNIK_CONFIG, else ./skarbnik.toml, else built-in defaults under ./var).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Import(import::ImportArgs),
    Invoices(invoices::InvoicesArgs),
    Payments(payments::PaymentsArgs),
    Reconcile(reconcile::ReconcileArgs),
    Match(matching::MatchArgs),
    Unmatch(matching::UnmatchArgs),
    Run(run::RunArgs),
    Outbox(outbox::OutboxArgs),
    Remind(remind::RemindArgs),
    Report(report::ReportArgs),
    History(history::HistoryArgs),
    Clients(clients::ClientsArgs),
    Client(clients::ClientArgs),
    Demand(demand::DemandArgs),
    CheckTemplates(check_templates::CheckTemplatesArgs),
    Invoice(staff::InvoiceArgs),
    Status(staff::StatusArgs),
    Overdue(staff::OverdueArgs),
    Paid(staff::PaidArgs),
    Promise(staff::PromiseArgs),
    Dispute(staff::DisputeArgs),
    Subscription(billing::SubscriptionArgs),
    Subscriptions(billing::SubscriptionsArgs),
    Issue(billing::IssueArgs),
    /// Internal: parse one file from stdin for an isolated import (see src/isolate.rs).
    #[command(hide = true)]
    Worker,
}

/// Runs the command; the returned code is the process exit status.
pub fn run(cli: Cli) -> Result<i32> {
    // The worker parses one untrusted file: no configuration, no database.
    if let Command::Worker = cli.command {
        return Ok(crate::isolate::run_worker());
    }
    let config = Config::discover(cli.config.as_deref()).context("loading configuration")?;
    let mut ctx = App::open(config, crate::clock::from_env()?)?;
    match cli.command {
        Command::Import(args) => import::run(&mut ctx, args),
        Command::Invoices(args) => invoices::run(&ctx, args),
        Command::Payments(args) => payments::run(&ctx, args),
        Command::Reconcile(args) => reconcile::run(&mut ctx, args),
        Command::Match(args) => matching::run_match(&mut ctx, args),
        Command::Unmatch(args) => matching::run_unmatch(&mut ctx, args),
        Command::Run(args) => run::run(&mut ctx, args),
        Command::Outbox(args) => outbox::run(&mut ctx, args),
        Command::Remind(args) => remind::run(&mut ctx, args),
        Command::Report(args) => report::run(&ctx, args),
        Command::History(args) => history::run(&ctx, args),
        Command::Clients(args) => clients::run_clients(&mut ctx, args),
        Command::Client(args) => clients::run_client(&mut ctx, args),
        Command::Demand(args) => demand::run(&ctx, args),
        Command::CheckTemplates(args) => check_templates::run(&ctx, args),
        Command::Invoice(args) => staff::invoice(&mut ctx, args),
        Command::Status(args) => staff::run(&mut ctx, Staff::Status { who: args.client }),
        Command::Overdue(args) => staff::overdue(&mut ctx, args),
        Command::Paid(args) => staff::paid(&mut ctx, args),
        Command::Promise(args) => staff::run(
            &mut ctx,
            Staff::Promise {
                who: args.client,
                date: args.date,
            },
        ),
        Command::Dispute(args) => staff::dispute(&mut ctx, args),
        Command::Subscription(args) => billing::subscription(&mut ctx, args),
        Command::Subscriptions(args) => billing::subscriptions(&mut ctx, args),
        Command::Issue(args) => billing::issue(&mut ctx, args),
        Command::Worker => Ok(crate::isolate::run_worker()),
    }
}

/// Prints JSON to stdout.
pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A JSON array written one element at a time, laid out as [`print_json`] lays out a whole one:
/// a long listing is written as it is read, never held.
pub(crate) struct JsonList {
    first: bool,
}

impl JsonList {
    pub(crate) fn new() -> Self {
        JsonList { first: true }
    }

    pub(crate) fn item<T: serde::Serialize>(
        &mut self,
        out: &mut impl std::io::Write,
        value: &T,
    ) -> Result<()> {
        // A JSON text has no raw line break inside a string, so every one is layout.
        let text = serde_json::to_string_pretty(value)?.replace('\n', "\n  ");
        out.write_all(if self.first { b"[\n  " } else { b",\n  " })?;
        out.write_all(text.as_bytes())?;
        self.first = false;
        Ok(())
    }

    pub(crate) fn end(self, out: &mut impl std::io::Write) -> Result<()> {
        out.write_all(if self.first { b"[]\n" } else { b"\n]\n" })?;
        Ok(())
    }
}

/// Cuts text to `max` characters for table output.
pub(crate) fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::JsonList;

    /// What is written one element at a time reads as the whole array would.
    #[test]
    fn a_json_list_written_piecewise_is_the_whole_array() {
        let values = [
            serde_json::json!({"id": 1, "title": "FV 1/2026\nzapłata", "allocations": [1, 2]}),
            serde_json::json!({"id": 2, "nested": {"a": []}}),
        ];
        for n in 0..=values.len() {
            let mut out = Vec::new();
            let mut list = JsonList::new();
            for v in &values[..n] {
                list.item(&mut out, v).unwrap();
            }
            list.end(&mut out).unwrap();
            let whole = serde_json::to_string_pretty(&values[..n]).unwrap() + "\n";
            assert_eq!(String::from_utf8(out).unwrap(), whole, "{n} elements");
        }
    }
}
