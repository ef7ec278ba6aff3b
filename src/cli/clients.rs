use super::print_json;
use crate::app::App;
use crate::commands::Command;
use crate::domain::Lang;
use crate::ingest::contacts::parse_contacts;
use crate::services::clients::AddressChanges;
use crate::store::{ClientInfo, ClientUpdate};
use anyhow::{Context as _, Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Client contacts in bulk: `clients import FILE` reads a CSV or spreadsheet with name, NIP,
/// e-mail addresses, billing contact, account manager and language; `clients list` shows them.
#[derive(Debug, Args)]
pub struct ClientsArgs {
    #[command(subcommand)]
    pub action: ClientsAction,
}

#[derive(Debug, Subcommand)]
pub enum ClientsAction {
    /// Import contacts. A client is found by NIP, else by name, and created when new.
    Import {
        files: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Every client with its addresses and dunning settings.
    List {
        #[arg(long)]
        json: bool,
    },
}

/// One client: show it, change its contacts and dunning settings, pause or resume its reminders.
/// CLIENT is a name fragment, a NIP or an e-mail address; an ambiguous one lists the candidates.
#[derive(Debug, Args)]
pub struct ClientArgs {
    #[command(subcommand)]
    pub action: ClientAction,
}

#[derive(Debug, Subcommand)]
pub enum ClientAction {
    Show {
        client: String,
        #[arg(long)]
        json: bool,
    },
    Set(SetArgs),
    /// No reminders until DATE (inclusive), or until resumed.
    Pause {
        client: String,
        #[arg(long, value_name = "DATE")]
        until: Option<NaiveDate>,
    },
    Resume {
        client: String,
    },
}

#[derive(Debug, Args)]
pub struct SetArgs {
    pub client: String,
    /// A reminder address (repeat for more).
    #[arg(long = "email", value_name = "ADDRESS")]
    pub emails: Vec<String>,
    /// The billing contact (gets the escalation statement).
    #[arg(long = "billing-email", value_name = "ADDRESS")]
    pub billing: Vec<String>,
    #[arg(long = "remove-email", value_name = "ADDRESS")]
    pub remove: Vec<String>,
    /// "Name <address>" of the account manager (gets escalations; signs reminders).
    #[arg(long)]
    pub manager: Option<String>,
    /// pl or en.
    #[arg(long)]
    pub language: Option<String>,
    /// Strategic client: no reminders, staff get an internal notice instead.
    #[arg(long, conflicts_with = "include")]
    pub exclude: bool,
    #[arg(long)]
    pub include: bool,
    /// The client's own step offsets, one per policy step, e.g. "-5,3,14"; "policy" resets.
    #[arg(long, allow_hyphen_values = true)]
    pub offsets: Option<String>,
    /// A payment link for this client; "none" removes it.
    #[arg(long)]
    pub payment_link: Option<String>,
}

/// The one client `query` names, or an error listing the candidates.
pub fn one_client(ctx: &App, query: &str) -> Result<ClientInfo> {
    let mut found = ctx.store.find_clients(query)?;
    match found.len() {
        0 => bail!("no client matches {query:?}"),
        1 => Ok(found.remove(0)),
        _ => bail!(
            "{query:?} matches {} clients; say which:\n  {}",
            found.len(),
            found
                .iter()
                .map(|c| format!(
                    "{}{}",
                    c.name,
                    c.nip
                        .as_deref()
                        .map(|n| format!(" (NIP {n})"))
                        .unwrap_or_default()
                ))
                .collect::<Vec<_>>()
                .join("\n  ")
        ),
    }
}

fn show(c: &ClientInfo) {
    println!(
        "#{} {}{}",
        c.id,
        c.name,
        c.nip
            .as_deref()
            .map(|n| format!(", NIP {n}"))
            .unwrap_or_default()
    );
    let pause = match (&c.paused_until, c.paused_indefinitely) {
        (_, true) => "paused".to_string(),
        (Some(d), _) => format!("paused until {d}"),
        _ => "active".to_string(),
    };
    println!(
        "   {pause}{}; language {}; manager {}; offsets {}",
        if c.excluded { ", excluded" } else { "" },
        c.language,
        c.account_manager.as_deref().unwrap_or("-"),
        c.step_offsets
            .as_ref()
            .map(|o| format!("{o:?}"))
            .unwrap_or_else(|| "policy".into())
    );
    for (e, purpose, bounced) in &c.emails {
        println!(
            "   {purpose:<9} {e}{}",
            if *bounced { " (bounced)" } else { "" }
        );
    }
}

fn address(a: &str) -> Result<String> {
    Ok(crate::mail::address::parse_mailbox(a)?
        .email
        .to_string()
        .to_lowercase())
}

pub fn run_clients(ctx: &mut App, args: ClientsArgs) -> Result<i32> {
    match args.action {
        ClientsAction::List { json } => {
            let all = ctx.store.all_clients()?;
            if json {
                return print_json(&all).map(|_| 0);
            }
            for c in &all {
                show(c);
            }
            Ok(0)
        }
        ClientsAction::Import { files, json } => {
            let mut report = Vec::new();
            let mut failed = false;
            for f in files {
                let name = f.display().to_string();
                let bytes = std::fs::read(&f).with_context(|| format!("cannot read {name}"))?;
                let limits = crate::app::parse_context(&ctx.config).sheet_limits;
                let contacts = match parse_contacts(&name, &bytes, limits) {
                    Ok(c) => c,
                    Err(e) => {
                        failed = true;
                        eprintln!("{e}");
                        report.push(serde_json::json!({"file": name, "error": e}));
                        continue;
                    }
                };
                let done = crate::services::clients::import_contacts(
                    &mut ctx.store,
                    &name,
                    &contacts,
                    "cli",
                )?;
                let (created, updated) = (done.created, done.updated);
                for w in &contacts.warnings {
                    eprintln!("warning: {w}");
                }
                if !json {
                    println!(
                        "{name}: {} rows; {created} new clients, {updated} updated, {} warnings",
                        contacts.rows.len(),
                        contacts.warnings.len()
                    );
                }
                report.push(serde_json::to_value(&done)?);
            }
            if json {
                print_json(&report)?;
            }
            Ok(if failed { 1 } else { 0 })
        }
    }
}

pub fn run_client(ctx: &mut App, args: ClientArgs) -> Result<i32> {
    match args.action {
        ClientAction::Show { client, json } => {
            let c = one_client(ctx, &client)?;
            let book = crate::services::reports::read(&ctx.store, &ctx.config)?;
            let score = crate::reports::score::scores(&book, ctx.today()).of(c.id);
            if json {
                let mut v = serde_json::to_value(&c)?;
                if let Some(o) = v.as_object_mut() {
                    o.insert("payer_score".into(), serde_json::to_value(&score)?);
                }
                return print_json(&v).map(|_| 0);
            }
            show(&c);
            println!("   payer class {}", score.describe(Lang::En));
            Ok(0)
        }
        // The same code as the mail commands `pause client` / `resume client`.
        ClientAction::Pause { client, until } => {
            super::staff::run(ctx, Command::PauseClient { who: client, until })
        }
        ClientAction::Resume { client } => {
            super::staff::run(ctx, Command::ResumeClient { who: client })
        }
        ClientAction::Set(a) => {
            let c = one_client(ctx, &a.client)?;
            let steps = ctx.config.dunning.policy().steps.len();
            let offsets = match a.offsets.as_deref() {
                None => None,
                Some("policy") => Some(None),
                Some(s) => {
                    let v: Vec<i64> = s
                        .split(',')
                        .map(|p| p.trim().parse::<i64>())
                        .collect::<Result<_, _>>()
                        .with_context(|| format!("--offsets {s:?}: days like \"-5,3,14\""))?;
                    if v.len() != steps {
                        bail!(
                            "--offsets: the policy has {steps} steps, {} offsets given",
                            v.len()
                        );
                    }
                    let mut sorted = v.clone();
                    sorted.sort();
                    sorted.dedup();
                    if sorted.len() != v.len() {
                        bail!("--offsets: two steps on the same day");
                    }
                    Some(Some(v))
                }
            };
            let language = match a.language.as_deref() {
                None => None,
                Some(l) => match l {
                    "pl" | "en" => Some(Lang::from_code(l)),
                    _ => bail!("--language must be pl or en"),
                },
            };
            if let Some(m) = &a.manager {
                crate::mail::address::parse_mailbox(m).context("--manager")?;
            }
            let u = ClientUpdate {
                language,
                account_manager: a.manager.clone().map(Some),
                excluded: if a.exclude {
                    Some(true)
                } else if a.include {
                    Some(false)
                } else {
                    None
                },
                step_offsets: offsets,
                payment_link: a.payment_link.clone().map(|l| (l != "none").then_some(l)),
                ..ClientUpdate::default()
            };
            let addresses = AddressChanges {
                reminders: a.emails.iter().map(|e| address(e)).collect::<Result<_>>()?,
                billing: a
                    .billing
                    .iter()
                    .map(|e| address(e))
                    .collect::<Result<_>>()?,
                remove: a.remove.iter().map(|e| address(e)).collect::<Result<_>>()?,
            };
            let changes =
                crate::services::clients::update(&mut ctx.store, c.id, &u, &addresses, "cli")?;
            if changes.is_empty() {
                println!("{}: nothing changed", c.name);
            } else {
                println!("{}: {}", c.name, changes.join("; "));
            }
            Ok(0)
        }
    }
}
