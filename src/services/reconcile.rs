//! Reconciliation as a use case: load what is open, let the pure rules of [`crate::reconcile`]
//! decide, write the decisions in one transaction. The CLI's `reconcile`, every import and every
//! report mail end here.

use crate::domain::{InvoiceNumber, Money};
use crate::reconcile::{self, Client, Context, Decision, Invoice, Outcome, Payment};
use crate::store::{InvoiceBalance, Store, Tx};
use anyhow::Result;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// What a reconciliation run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReconcileSummary {
    pub considered: usize,
    pub matched: usize,
    pub review: usize,
    pub unmatched: usize,
    /// Nothing matching reads changed since the last run, which therefore decided nothing
    /// again (`review` still counts the payments waiting for a person).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unchanged: bool,
    /// Matched payments per rule.
    pub by_rule: std::collections::BTreeMap<String, usize>,
    /// Per matched payment: (payment id, invoice numbers, rule); the first [`KEEP_MATCHES`] (the
    /// allocations themselves are all in `payments`).
    pub matches: Vec<(i64, Vec<String>, String)>,
}

/// Where the stamp of what the last run saw is kept.
const STAMP_KEY: &str = "reconcile.stamp";

/// Payments decided (and their decisions stored) at a time.
const RECONCILE_BATCH: usize = 20_000;

/// Matched payments listed one by one in a run's summary: a year's statement matches a million.
pub const KEEP_MATCHES: usize = 10_000;

/// What matching needs from the settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Our NIP: never taken for a payer's.
    pub our_nip: Option<String>,
    /// A payment booked up to this many days before an invoice was issued may pay it by name or
    /// amount (`[matching] issue_grace_days`).
    pub issue_grace_days: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            our_nip: None,
            issue_grace_days: 3,
        }
    }
}

impl Settings {
    pub fn of(config: &crate::config::Config) -> Settings {
        Settings {
            our_nip: config.our_nip(),
            issue_grace_days: config.matching.issue_grace_days,
        }
    }
}

/// Runs the rules over every incoming payment that has no allocation and is not held by a person,
/// in a transaction of its own. Running it again changes nothing.
pub fn run(store: &mut Store, settings: &Settings, actor: &str) -> Result<ReconcileSummary> {
    let tx = store.transaction()?;
    let summary = run_in(&tx, settings, actor)?;
    tx.commit()?;
    Ok(summary)
}

/// The matcher's view of an invoice; `None` for a number that is not one (never matched).
pub(super) fn invoice_of(b: &InvoiceBalance) -> Option<Invoice> {
    Some(Invoice {
        id: b.id,
        number: InvoiceNumber::parse(&b.number).ok()?,
        client_id: b.client_id,
        issue_date: b.issue_date,
        settled_by_hand: if b.settlement.outstanding <= 0 {
            b.manual_payments.clone()
        } else {
            Vec::new()
        },
        due_date: b.due_date,
        currency: b.currency,
        outstanding: b.settlement.outstanding,
    })
}

/// [`run`] inside a transaction the caller commits.
pub fn run_in(tx: &Tx<'_>, settings: &Settings, actor: &str) -> Result<ReconcileSummary> {
    let started = std::time::Instant::now();
    // Nothing new since the last run (no payment, invoice, client, account, allocation or
    // hold changed): the same decisions again, so none are taken. A year of payments in review
    // would otherwise be decided anew by every daemon round.
    let settings_key = format!("{:?}|{}", settings.our_nip, settings.issue_grace_days);
    let stamp = tx.reconcile_stamp(&settings_key)?;
    if tx.state(STAMP_KEY)?.as_deref() == Some(stamp.as_str()) {
        return Ok(ReconcileSummary {
            unchanged: true,
            review: tx.review_count()?,
            ..Default::default()
        });
    }
    let ids = tx.open_payment_ids()?;
    let invoices: Vec<Invoice> = tx
        .invoice_balances()?
        .iter()
        .filter_map(invoice_of)
        .collect();
    let clients: Vec<Client> = tx
        .client_identities()?
        .into_iter()
        .map(|c| Client {
            id: c.id,
            name: c.name,
            nip: c.nip,
            accounts: c.accounts,
        })
        .collect();
    let ctx = Context {
        our_nip: settings.our_nip.clone(),
        supplier_accounts: tx.supplier_accounts()?,
        issue_grace_days: settings.issue_grace_days,
    };
    let loaded = started.elapsed();
    let by_id: HashMap<i64, &Invoice> = invoices.iter().map(|i| (i.id, i)).collect();
    let mut summary = ReconcileSummary {
        considered: ids.len(),
        ..Default::default()
    };
    // Accounts already known per client: learning one again is a no-op not worth a write.
    let mut known_accounts: std::collections::HashSet<(i64, String)> = clients
        .iter()
        .flat_map(|c| c.accounts.iter().map(move |a| (c.id, a.clone())))
        .collect();
    let mut reconciler = reconcile::Reconciler::new(&invoices, &clients, &ctx);
    let (mut deciding, mut storing) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    // A batch at a time: a year's statement is a million payments, which need not all be in
    // memory at once.
    for chunk in ids.chunks(RECONCILE_BATCH) {
        let open = tx.open_payments_by_id(chunk)?;
        let in_review: std::collections::HashSet<i64> =
            open.iter().filter(|p| p.in_review).map(|p| p.id).collect();
        let payments: Vec<Payment> = open
            .into_iter()
            .map(|p| Payment {
                id: p.id,
                booking_date: p.booking_date,
                amount: p.amount_minor,
                currency: p.currency,
                title: p.title,
                counterparty_name: p.counterparty_name,
                counterparty_address: p.counterparty_address,
                counterparty_account: p.counterparty_account,
            })
            .collect();
        let t = std::time::Instant::now();
        let decisions = reconciler.decide(&payments);
        deciding += t.elapsed();
        let t = std::time::Instant::now();
        let accounts: HashMap<i64, Option<&str>> = payments
            .iter()
            .map(|p| (p.id, p.counterparty_account.as_deref()))
            .collect();
        for d in &decisions {
            apply(
                tx,
                d,
                &by_id,
                in_review.contains(&d.payment_id),
                actor,
                &mut summary,
            )?;
            // Number, payer and amount agreed: remember the account it paid from. A wrong
            // allocation must never teach skarbnik a wrong client's account.
            if let Outcome::Matched { allocations } = &d.outcome
                && d.agreed
                && let Some(Some(acc)) = accounts.get(&d.payment_id)
            {
                let clients: BTreeSet<i64> = allocations
                    .iter()
                    .filter_map(|a| by_id.get(&a.invoice_id).map(|i| i.client_id))
                    .collect();
                if let [client] = clients.into_iter().collect::<Vec<_>>().as_slice()
                    && known_accounts.insert((*client, acc.to_string()))
                {
                    tx.add_client_account(*client, acc, &format!("payment:{}", d.payment_id))?;
                }
            }
        }
        storing += t.elapsed();
    }
    tx.set_state(STAMP_KEY, &tx.reconcile_stamp(&settings_key)?)?;
    tracing::debug!(
        payments = ids.len(),
        invoices = invoices.len(),
        load_ms = loaded.as_millis() as u64,
        decide_ms = deciding.as_millis() as u64,
        store_ms = storing.as_millis() as u64,
        total_ms = started.elapsed().as_millis() as u64,
        "reconciled"
    );
    Ok(summary)
}

fn apply(
    tx: &Tx<'_>,
    d: &Decision,
    invoices: &HashMap<i64, &Invoice>,
    in_review: bool,
    actor: &str,
    summary: &mut ReconcileSummary,
) -> Result<()> {
    let number = |id: &i64| invoices.get(id).map(|i| i.number.original()).unwrap_or("?");
    let subject = format!("payment:{}", d.payment_id);
    match &d.outcome {
        Outcome::Matched { allocations } => {
            for a in allocations {
                tx.insert_allocation(
                    d.payment_id,
                    a.invoice_id,
                    a.amount,
                    a.rule,
                    &a.reason.to_stored(),
                    actor,
                )?;
            }
            if in_review {
                tx.clear_review(d.payment_id)?;
            }
            let detail = allocations
                .iter()
                .map(|a| {
                    let amount = invoices
                        .get(&a.invoice_id)
                        .map(|i| Money::from_minor(a.amount, i.currency).amount().to_string())
                        .unwrap_or_default();
                    format!(
                        "{} {amount} ({}: {})",
                        number(&a.invoice_id),
                        a.rule.as_str(),
                        a.reason
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            tx.audit(actor, "payment.matched", Some(&subject), Some(&detail))?;
            summary.matched += 1;
            let rule = allocations.first().map(|a| a.rule.as_str()).unwrap_or("?");
            *summary.by_rule.entry(rule.to_string()).or_default() += 1;
            if summary.matches.len() >= KEEP_MATCHES {
                return Ok(());
            }
            summary.matches.push((
                d.payment_id,
                allocations
                    .iter()
                    .map(|a| number(&a.invoice_id).to_string())
                    .collect(),
                allocations
                    .first()
                    .map(|a| a.rule.as_str())
                    .unwrap_or("?")
                    .to_string(),
            ));
        }
        Outcome::Review { reason, candidates } => {
            let names: Vec<&str> = candidates.iter().map(number).collect();
            if tx.set_review(d.payment_id, &reason.to_stored(), &names)? {
                let said = reason.to_string();
                tx.audit(actor, "payment.review", Some(&subject), Some(&said))?;
            }
            summary.review += 1;
        }
        Outcome::Unmatched { .. } => {
            if in_review {
                tx.clear_review(d.payment_id)?;
            }
            summary.unmatched += 1;
        }
    }
    Ok(())
}
