//! `subscription …`, `subscriptions import`, `issue` and `invoice correct`: subscription
//! invoicing from the command line.

use super::{cut, print_json};
use crate::app::App;
use crate::billing::cycle::{Cycle, Timing};
use crate::billing::document::Line;
use crate::billing::plan::{Plan, Status};
use crate::billing::vat::VatRate;
use crate::domain::{Currency, Lang};
use anyhow::{Result, anyhow, bail};
use chrono::{Datelike, NaiveDate};
use clap::{Args, Subcommand};
use rust_decimal::Decimal;
use std::path::PathBuf;
use std::str::FromStr;

/// Subscriptions to invoice: add one, list, show, pause, resume, cancel, or change its price.
#[derive(Debug, Args)]
pub struct SubscriptionArgs {
    #[command(subcommand)]
    pub action: SubscriptionAction,
}

#[derive(Debug, Subcommand)]
pub enum SubscriptionAction {
    Add(Box<AddArgs>),
    /// Every subscription (or those with a status: active, paused, cancelled).
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// One subscription with its terms, price changes and billed periods.
    Show {
        /// Its number (12 or #12), its id from the list, or a client with one subscription.
        who: String,
        #[arg(long)]
        json: bool,
    },
    /// No periods are invoiced until resumed.
    Pause {
        who: String,
    },
    /// Invoiced again, from the periods starting today (nothing missed is issued).
    Resume {
        who: String,
    },
    /// Never invoiced again; issued invoices stay.
    Cancel {
        who: String,
    },
    /// A new price or quantity for the periods starting on or after --from.
    Change {
        who: String,
        #[arg(long)]
        from: NaiveDate,
        /// Net unit price.
        #[arg(long)]
        price: Option<String>,
        #[arg(long)]
        quantity: Option<String>,
    },
}

/// A new subscription (the client is found or created by NIP, else by name).
#[derive(Debug, Args)]
pub struct AddArgs {
    #[arg(long)]
    pub client: String,
    #[arg(long)]
    pub nip: Option<String>,
    /// Street and number.
    #[arg(long)]
    pub address: String,
    /// Postal code and city.
    #[arg(long)]
    pub city: Option<String>,
    #[arg(long, default_value = "PL")]
    pub country: String,
    /// The client's invoice address (repeatable).
    #[arg(long)]
    pub email: Vec<String>,
    /// pl or en: the language of its invoices and mails.
    #[arg(long)]
    pub language: Option<String>,
    #[arg(long)]
    pub service: String,
    #[arg(long, default_value = "1")]
    pub quantity: String,
    #[arg(long, default_value = "usł.")]
    pub unit: String,
    /// Net unit price.
    #[arg(long)]
    pub price: String,
    /// 23, 8, 5, 0, zw, np, "np II", oo.
    #[arg(long)]
    pub rate: String,
    /// The legal basis of a zw exemption.
    #[arg(long)]
    pub exemption_basis: Option<String>,
    #[arg(long)]
    pub currency: Option<String>,
    /// monthly, quarterly, yearly, or "every N months".
    #[arg(long)]
    pub cycle: String,
    /// Day of month periods start on (default: the start's day).
    #[arg(long)]
    pub anchor_day: Option<u32>,
    #[arg(long)]
    pub start: NaiveDate,
    #[arg(long)]
    pub end: Option<NaiveDate>,
    /// Invoice after the period (default: in advance, at its start).
    #[arg(long)]
    pub arrears: bool,
    #[arg(long, default_value_t = 14)]
    pub payment_days: u32,
    /// Split payment (MPP).
    #[arg(long)]
    pub split: bool,
    #[arg(long)]
    pub notes: Option<String>,
    #[arg(long)]
    pub payment_link: Option<String>,
    /// Its id in your own records (default: client, service and start).
    #[arg(long)]
    pub id: Option<String>,
}

/// Import subscriptions lists (CSV or XLSX; Polish or English headers): each row adds or updates
/// a subscription and its client; a row that cannot be invoiced is refused naming its row and
/// column, the rest are imported.
#[derive(Debug, Args)]
pub struct SubscriptionsArgs {
    #[command(subcommand)]
    pub action: SubscriptionsAction,
}

#[derive(Debug, Subcommand)]
pub enum SubscriptionsAction {
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

/// Issue the subscription invoices due today (or --as-of): FA(3) XML and PDF, mailed to each
/// client, then a summary with the files to accounting. The daemon does this on its own.
#[derive(Debug, Args)]
pub struct IssueArgs {
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// What would be issued; nothing is written.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long)]
    pub json: bool,
}

/// `invoice correct N`: a correction (FA(3) KOR) of an invoice skarbnik issued.
#[derive(Debug, Args)]
pub struct CorrectArgs {
    pub number: String,
    /// Why (printed on the correction).
    #[arg(long)]
    pub reason: String,
    /// A corrected line, "name;quantity;unit;net unit price;rate" (repeatable). None: a full
    /// reversal (every line to zero).
    #[arg(long = "line")]
    pub lines: Vec<String>,
}

fn decimal(s: &str, what: &str) -> Result<Decimal> {
    Decimal::from_str(&s.trim().replace(',', ".")).map_err(|_| anyhow!("{what}: cannot read {s:?}"))
}

fn lines_of(raw: &[String]) -> Result<Vec<Line>> {
    raw.iter()
        .map(|l| {
            let parts: Vec<&str> = l.split(';').map(str::trim).collect();
            let [name, qty, unit, price, rate] = parts.as_slice() else {
                bail!("--line {l:?}: give name;quantity;unit;net unit price;rate");
            };
            let rate = VatRate::parse(rate).ok_or_else(|| anyhow!("--line {l:?}: unknown rate"))?;
            Ok(Line::new(
                name,
                decimal(qty, "quantity")?,
                unit,
                decimal(price, "price")?,
                rate,
            ))
        })
        .collect()
}

pub fn correct(app: &mut App, args: CorrectArgs) -> Result<i32> {
    let today = app.today();
    let lines = lines_of(&args.lines)?;
    let (env, store) = app.parts();
    let doc = crate::services::billing::correct(
        &env,
        store,
        &crate::services::billing::CorrectionAsk {
            number: &args.number,
            lines,
            reason: &args.reason,
            today,
            actor: "cli",
        },
    )?;
    println!(
        "correction {} of {}: {} {} (net {}, VAT {})",
        doc.number, args.number, doc.totals.gross, doc.currency, doc.totals.net, doc.totals.vat
    );
    Ok(0)
}

pub fn issue(app: &mut App, args: IssueArgs) -> Result<i32> {
    let today = args.as_of.unwrap_or_else(|| app.today());
    let now = app.clock.now();
    let tz = app.config.timezone();
    let cfg = &app.config.dunning;
    let not_before = crate::dunning::window::not_before(cfg, tz, &cfg.calendar(), today, now)?;
    if !app.config.billing.enabled && !args.dry_run {
        bail!("invoicing is off: set [billing] enabled = true (with the seller data in [company])");
    }
    let (env, store) = app.parts();
    let run = crate::services::billing::issue_due(
        &env,
        store,
        &crate::services::billing::RunOptions {
            today,
            not_before,
            dry_run: args.dry_run,
            actor: "cli",
        },
    )?;
    if args.json {
        print_json(&run)?;
        return Ok(0);
    }
    for i in &run.issued {
        let periods: Vec<String> = i.periods.iter().map(|p| p.said(Lang::En)).collect();
        println!(
            "{}{:<20} {:<30} {:>12} {} {} → {}",
            if args.dry_run { "would issue " } else { "" },
            i.number,
            cut(&i.client, 30),
            i.gross,
            i.currency,
            periods.join(", "),
            if i.mailed_to.is_empty() {
                "NOT MAILED (no address)".to_string()
            } else {
                i.mailed_to.join(", ")
            }
        );
    }
    for p in &run.problems {
        println!("NOT ISSUED: {}", p.en);
    }
    if run.passed_over > 0 {
        println!(
            "{} missed periods not issued (catch_up = \"current\")",
            run.passed_over
        );
    }
    println!(
        "{} invoices {}",
        run.issued.len(),
        if args.dry_run {
            "would be issued"
        } else {
            "issued"
        }
    );
    Ok(if run.problems.is_empty() { 0 } else { 1 })
}

pub fn subscriptions(app: &mut App, args: SubscriptionsArgs) -> Result<i32> {
    match args.action {
        SubscriptionsAction::Import { files, json } => super::import::run(
            app,
            super::import::ImportArgs {
                files,
                json,
                verbose: true,
            },
        ),
    }
}

pub fn subscription(app: &mut App, args: SubscriptionArgs) -> Result<i32> {
    match args.action {
        SubscriptionAction::Add(a) => add(app, *a),
        SubscriptionAction::List { status, json } => {
            let status = status
                .as_deref()
                .map(|s| Status::parse(s).ok_or_else(|| anyhow!("unknown status {s:?}")))
                .transpose()?;
            let list = app.store.subscriptions(status)?;
            if json {
                print_json(&list)?;
                return Ok(0);
            }
            println!(
                "{:<5} {:<28} {:<28} {:>10} {:<5} {:<10} {:<10} STATUS",
                "ID", "CLIENT", "SERVICE", "NET", "VAT", "CYCLE", "START"
            );
            for s in &list {
                let p = s.plan_for(app.today());
                println!(
                    "{:<5} {:<28} {:<28} {:>10} {:<5} {:<10} {:<10} {}",
                    s.id,
                    cut(&s.client, 28),
                    cut(&p.service, 28),
                    (p.unit_net * p.quantity).round_dp(2),
                    p.rate.label(),
                    p.cycle.code(),
                    p.start,
                    s.status.code()
                );
            }
            Ok(0)
        }
        SubscriptionAction::Show { who, json } => {
            let tx = app.store.transaction()?;
            let s = match crate::commands::subscription::find(&tx, &who)? {
                Ok(s) => s,
                Err((_, en)) => bail!("{en}"),
            };
            drop(tx);
            let billed = app.store.billed_periods(s.id)?;
            if json {
                print_json(
                    &serde_json::json!({ "subscription": s, "billed": billed.iter().map(|(p, n)| serde_json::json!({"period": p, "invoice": n})).collect::<Vec<_>>() }),
                )?;
                return Ok(0);
            }
            let p = &s.plan;
            println!(
                "#{} {} – {} ({})",
                s.id,
                s.client,
                p.service,
                s.status.said(Lang::En)
            );
            println!("  reference: {}", s.reference);
            println!(
                "  {} {} × {} {} net, VAT {}, {} {}, anchor day {}, from {}{}",
                p.quantity,
                p.unit,
                p.unit_net,
                p.currency,
                p.rate.label(),
                p.cycle.said(Lang::En),
                p.timing.code(),
                p.anchor_day,
                p.start,
                p.end.map(|e| format!(" to {e}")).unwrap_or_default()
            );
            println!(
                "  payment {} days{}{}",
                p.payment_days,
                if p.split_payment {
                    ", split payment"
                } else {
                    ""
                },
                p.payment_link
                    .as_ref()
                    .map(|l| format!(", link {l}"))
                    .unwrap_or_default()
            );
            for c in &s.changes {
                println!(
                    "  from {}: {}{}",
                    c.from,
                    c.unit_net
                        .map(|u| format!("price {u} "))
                        .unwrap_or_default(),
                    c.quantity
                        .map(|q| format!("quantity {q}"))
                        .unwrap_or_default()
                );
            }
            for (period, number) in &billed {
                println!("  billed {} – {}: {number}", period.start, period.end);
            }
            if let Some(next) = p
                .schedule()
                .periods()
                .find(|x| !billed.iter().any(|(b, _)| b.start == x.start))
            {
                println!(
                    "  next: {} – {}, invoiced on {}",
                    next.start,
                    next.end,
                    p.schedule().issue_on(next)
                );
            }
            Ok(0)
        }
        SubscriptionAction::Pause { who } => set(app, &who, Status::Paused),
        SubscriptionAction::Resume { who } => set(app, &who, Status::Active),
        SubscriptionAction::Cancel { who } => set(app, &who, Status::Cancelled),
        SubscriptionAction::Change {
            who,
            from,
            price,
            quantity,
        } => {
            let price = price.map(|p| decimal(&p, "--price")).transpose()?;
            let quantity = quantity.map(|q| decimal(&q, "--quantity")).transpose()?;
            if price.is_none() && quantity.is_none() {
                bail!("give --price or --quantity");
            }
            if price.is_some_and(|p| p < Decimal::ZERO)
                || quantity.is_some_and(|q| q <= Decimal::ZERO)
            {
                bail!("a price cannot be negative and a quantity must be above zero");
            }
            let tx = app.store.transaction()?;
            let s = match crate::commands::subscription::find(&tx, &who)? {
                Ok(s) => s,
                Err((_, en)) => bail!("{en}"),
            };
            if tx.billed_starts(s.id)?.iter().any(|d| *d >= from) {
                bail!(
                    "a period starting on or after {from} is already invoiced: correct that invoice (invoice correct) and change from a later period"
                );
            }
            tx.add_subscription_change(s.id, from, price, quantity, "cli")?;
            tx.audit(
                "cli",
                "subscription.changed",
                Some(&format!("subscription:{}", s.id)),
                Some(&format!(
                    "from {from}: price {price:?}, quantity {quantity:?}"
                )),
            )?;
            tx.commit()?;
            println!(
                "subscription #{} changes from the period starting {from}",
                s.id
            );
            Ok(0)
        }
    }
}

fn set(app: &mut App, who: &str, status: Status) -> Result<i32> {
    let ctx = crate::commands::Ctx {
        config: &app.config,
        actor: "cli",
        reference: "cli",
        today: app.today(),
        lang: Lang::En,
    };
    let tx = app.store.transaction()?;
    let out = crate::commands::subscription::run(&tx, &ctx, who, status)?;
    println!("{}", out.text());
    if out.ok() {
        tx.commit()?;
        Ok(0)
    } else {
        Ok(1)
    }
}

fn add(app: &mut App, a: AddArgs) -> Result<i32> {
    let (nip, nip_valid) = match &a.nip {
        None => (None, false),
        Some(n) => match crate::billing::list::tax_id(n) {
            Some((id, valid)) => (Some(id), valid),
            None => bail!(
                "--nip {n:?}: neither a valid NIP (length, checksum) nor a foreign VAT id with its country prefix"
            ),
        },
    };
    let plan = Plan {
        service: a.service.clone(),
        quantity: decimal(&a.quantity, "--quantity")?,
        unit: a.unit.clone(),
        unit_net: decimal(&a.price, "--price")?,
        rate: VatRate::parse(&a.rate).ok_or_else(|| {
            anyhow!(
                "--rate {:?}: unknown (23, 8, 5, 0, zw, np, \"np II\", oo)",
                a.rate
            )
        })?,
        exemption_basis: a.exemption_basis.clone(),
        currency: match &a.currency {
            Some(c) => Currency::parse(c).ok_or_else(|| anyhow!("--currency {c:?}: unknown"))?,
            None => app.config.company.currency,
        },
        cycle: Cycle::parse(&a.cycle).ok_or_else(|| {
            anyhow!(
                "--cycle {:?}: monthly, quarterly, yearly or \"every N months\"",
                a.cycle
            )
        })?,
        anchor_day: a.anchor_day.unwrap_or(a.start.day()),
        start: a.start,
        end: a.end,
        timing: if a.arrears {
            Timing::Arrears
        } else {
            Timing::Advance
        },
        payment_days: a.payment_days,
        split_payment: a.split,
        notes: a.notes.clone(),
        payment_link: a.payment_link.clone(),
    };
    if let Some((field, why)) = plan.problems().into_iter().next() {
        bail!("{field}: {}", why.en);
    }
    let reference = a.id.clone().unwrap_or_else(|| {
        crate::billing::list::reference(nip.as_deref(), &a.client, &a.service, a.start)
    });
    let tx = app.store.transaction()?;
    let client = tx.find_or_create_client(Some(&a.client), nip.as_deref(), nip_valid)?;
    tx.set_client_address(
        client.id,
        &a.address,
        a.city.as_deref(),
        &a.country.to_uppercase(),
    )?;
    if let Some(l) = a.language.as_deref().and_then(Lang::parse) {
        tx.set_client_language(client.id, l)?;
    }
    for e in &a.email {
        crate::mail::address::parse_mailbox(e).map_err(|x| anyhow!("--email {e:?}: {x}"))?;
        tx.add_client_email(client.id, e, "cli")?;
    }
    let (id, what) = tx.upsert_subscription(&reference, client.id, &plan, Status::Active, "cli")?;
    tx.audit(
        "cli",
        "subscription.created",
        Some(&format!("subscription:{id}")),
        Some(&plan.service),
    )?;
    tx.commit()?;
    println!(
        "subscription #{id} {} for {} ({})",
        match what {
            crate::store::SubscriptionUpsert::New => "added",
            crate::store::SubscriptionUpsert::Known => "unchanged",
            crate::store::SubscriptionUpsert::Updated(_) => "updated",
        },
        a.client,
        plan.service
    );
    Ok(0)
}
