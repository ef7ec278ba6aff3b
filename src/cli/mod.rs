//! The `skarbnik` command. One file per subcommand; each command's doc comment is its help.

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
mod run;
mod staff;

use crate::config::Config;
use crate::ingest::profile::Profile;
use crate::ingest::{ParseContext, spreadsheet::SheetLimits};
use crate::store::Store;
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
    /// Internal: parse one file from stdin for an isolated import (see src/isolate.rs).
    #[command(hide = true)]
    Worker,
}

/// What a command needs: settings and the open store.
pub struct Context {
    pub config: Config,
    pub store: Store,
}

impl Context {
    pub fn open(config: Config) -> Result<Context> {
        let store = Store::open(&config.store.database)?;
        Ok(Context { config, store })
    }

    pub fn profiles(&self) -> Result<Vec<Profile>> {
        Ok(Profile::load_all(Some(&self.config.import.profiles_dir))?)
    }

    /// How files are parsed: in a child process with limits, unless configured off.
    pub fn isolation(&self) -> Result<Option<crate::isolate::Isolation>> {
        if !self.config.import.isolate {
            return Ok(None);
        }
        let exe = std::env::current_exe()
            .context("cannot find the skarbnik binary to run the parser in")?;
        Ok(Some(crate::isolate::Isolation {
            exe,
            timeout: std::time::Duration::from_secs(self.config.import.parse_timeout_secs.max(1)),
            memory_bytes: self.config.import.parse_memory_mb.max(64) * 1024 * 1024,
            profiles_dir: Some(self.config.import.profiles_dir.clone()),
        }))
    }

    /// Our NIP, normalised: never taken for a payer's.
    pub fn our_nip(&self) -> Option<String> {
        self.config
            .company
            .nip
            .as_deref()
            .and_then(|n| crate::domain::Nip::parse(n).ok())
            .map(|n| n.to_string())
    }

    pub fn parse_context(&self) -> ParseContext {
        ParseContext {
            own_accounts: self.config.own_accounts(),
            our_nip: self.our_nip(),
            default_currency: self.config.currency(),
            sheet_limits: SheetLimits {
                max_rows: self.config.import.max_sheet_rows,
                max_columns: self.config.import.max_sheet_columns,
                ..SheetLimits::default()
            },
        }
    }
}

/// Runs the command; the returned code is the process exit status.
pub fn run(cli: Cli) -> Result<i32> {
    // The worker parses one untrusted file: no configuration, no database.
    if let Command::Worker = cli.command {
        return Ok(crate::isolate::run_worker());
    }
    let config = Config::discover(cli.config.as_deref()).context("loading configuration")?;
    let mut ctx = Context::open(config)?;
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
        Command::History(args) => history::run(&ctx, args),
        Command::Clients(args) => clients::run_clients(&mut ctx, args),
        Command::Client(args) => clients::run_client(&mut ctx, args),
        Command::Demand(args) => demand::run(&ctx, args),
        Command::CheckTemplates(args) => check_templates::run(&ctx, args),
        Command::Invoice(args) => staff::invoice(&mut ctx, args),
        Command::Status(args) => staff::run(
            &mut ctx,
            crate::commands::parse::Command::Status { who: args.client },
        ),
        Command::Overdue(_) => staff::run(&mut ctx, crate::commands::parse::Command::Overdue),
        Command::Paid(args) => staff::paid(&mut ctx, args),
        Command::Promise(args) => staff::run(
            &mut ctx,
            crate::commands::parse::Command::Promise {
                who: args.client,
                date: args.date,
            },
        ),
        Command::Worker => Ok(crate::isolate::run_worker()),
    }
}

/// Prints JSON to stdout.
pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
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
