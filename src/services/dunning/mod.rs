//! The dunning round as a use case: read the store, ask the pure planner
//! ([`crate::dunning::planner`]), and write its decisions (outbox rows, `reminder_items`,
//! `notices`) in one transaction. `skarbnik remind` and the daemon's tick both call
//! [`Dunning::run`]; with `dry_run` the transaction is rolled back, so the listing is exactly what
//! a real run would have queued.

mod holds;
mod round;

pub(crate) use round::{client_ctx, invoice_line};

use crate::config::Config;
use crate::dunning::planner::{self, ClientState, Held, Inputs, OpenInvoice};
use crate::outbox::Identity;
use crate::store::{Snapshot, Store};
use crate::templates::Templates;
use anyhow::Result;
use chrono::{DateTime, NaiveDate, Utc};
use round::Round;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// What a decision of the round is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// A reminder mailed to the client.
    Reminder,
    /// An excluded client's reminder, told to staff instead.
    Internal,
    /// The statement to the billing contact after an escalating step.
    Escalation,
    /// The history and a draft for the account manager.
    EscalationManager,
    /// Thanks for a payment that settled an invoice.
    Confirmation,
    /// A notice to staff (no address, stale statement, missing interest rate).
    Notice,
    /// A step due today but held back.
    Held,
}

impl DecisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Reminder => "reminder",
            DecisionKind::Internal => "internal",
            DecisionKind::Escalation => "escalation",
            DecisionKind::EscalationManager => "escalation_manager",
            DecisionKind::Confirmation => "confirmation",
            DecisionKind::Notice => "notice",
            DecisionKind::Held => "held",
        }
    }
}

impl std::fmt::Display for DecisionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `{:<18}` in listings pads this.
        f.pad(self.as_str())
    }
}

/// What one round decided, for `skarbnik remind` and the log.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    pub kind: DecisionKind,
    pub client: String,
    pub client_id: Option<i64>,
    pub to: Vec<String>,
    pub step: Option<String>,
    pub invoices: Vec<String>,
    pub reason: String,
    /// The outbox key (none for a held decision).
    pub key: Option<String>,
}

pub struct Options {
    pub today: NaiveDate,
    /// Queued mail waits until then (the send window's opening).
    pub not_before: Option<DateTime<Utc>>,
    pub dry_run: bool,
}

/// Everything a round needs besides the store.
pub struct Dunning<'a> {
    pub config: &'a Config,
    pub templates: &'a Templates,
    pub identity: &'a Identity,
}

/// The planner's view of the snapshot. Reply times are UTC instants; their local date counts.
pub fn inputs(snap: &Snapshot, credits: &Credits<'_>, tz: chrono_tz::Tz) -> Inputs {
    let reply_day = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|d| d.with_timezone(&tz).date_naive())
    };
    let mut credits: HashMap<i64, BTreeMap<crate::domain::Currency, rust_decimal::Decimal>> =
        credits
            .iter()
            .map(|(client, docs)| {
                let mut of: BTreeMap<_, rust_decimal::Decimal> = BTreeMap::new();
                for d in docs {
                    *of.entry(d.currency).or_default() +=
                        crate::domain::Money::from_minor(d.credit_minor, d.currency).amount();
                }
                (*client, of)
            })
            .collect();
    Inputs {
        invoices: snap
            .invoices
            .iter()
            .map(|i| OpenInvoice {
                id: i.id,
                client_id: i.client_id,
                due: i.due,
                currency: i.currency,
                outstanding: crate::domain::Money::from_minor(i.outstanding_minor, i.currency)
                    .amount(),
                last_payment: i.last_payment.filter(|_| i.paid_minor > 0),
                paused: i.paused,
                hold: strongest_hold(snap.holds.get(&i.id)),
            })
            .collect(),
        sent: snap.sent.clone(),
        escalated: snap.escalated.clone(),
        clients: snap
            .clients
            .values()
            .map(|c| {
                (
                    c.id,
                    ClientState {
                        paused_until: c.paused_until,
                        paused_indefinitely: c.paused_indefinitely,
                        excluded: c.excluded,
                        last_reply: c.last_reply.as_deref().and_then(reply_day),
                        payment_in_review: c.payment_in_review,
                        has_address: !c.reminder_emails.is_empty() || !c.billing_emails.is_empty(),
                        offsets: c.offsets.clone(),
                        credits: credits.remove(&c.id).unwrap_or_default(),
                    },
                )
            })
            .collect(),
        newest_statement: snap.newest_statement,
    }
}

/// Per client, its documents with an open credit (credit notes, overpayments the ERP lists).
pub type Credits<'s> = HashMap<i64, Vec<&'s crate::store::DunInvoice>>;

/// The snapshot's [`Credits`].
pub(crate) fn credits_by_client(snap: &Snapshot) -> Credits<'_> {
    let mut out: Credits<'_> = HashMap::new();
    for i in snap.invoices.iter().filter(|i| i.open_credit()) {
        out.entry(i.client_id).or_default().push(i);
    }
    out
}

/// Of an invoice's open holds, the one that decides: a dispute, else the one waiting longest.
fn strongest_hold(holds: Option<&Vec<crate::domain::Hold>>) -> Option<crate::domain::Hold> {
    let holds = holds?;
    holds
        .iter()
        .find(|h| h.kind == crate::domain::HoldKind::Dispute)
        .or_else(|| holds.iter().max_by_key(|h| h.until))
        .copied()
}

/// With `[dunning] class_offsets` set, a client without offsets of its own gets the policy's
/// steps moved by its payer class's days (scored from its history as of `today`).
fn by_class(
    snap: &mut crate::store::Snapshot,
    scores: &crate::reports::score::Scores,
    policy: &planner::Policy,
    shifts: &std::collections::BTreeMap<String, i64>,
) {
    if shifts.values().all(|d| *d == 0) {
        return;
    }
    for c in snap.clients.values_mut().filter(|c| c.offsets.is_none()) {
        let class = scores.of(c.id).class;
        if let Some(shift) = shifts.get(class.as_str()).filter(|d| **d != 0) {
            let days: Vec<i64> = policy.steps.iter().map(|s| s.offset_days).collect();
            c.offsets = Some(planner::shifted(&days, *shift));
        }
    }
}

impl Dunning<'_> {
    /// Runs one round on `opts.today`.
    pub fn run(&self, store: &mut Store, opts: &Options) -> Result<Vec<Decision>> {
        let tx = store.transaction()?;
        let mut snap = tx.dunning_snapshot()?;
        let paid: std::collections::HashSet<i64> = snap
            .invoices
            .iter()
            .filter(|i| i.outstanding_minor <= 0)
            .map(|i| i.id)
            .collect();
        let ended = holds::settle(&tx, &|id| paid.contains(&id), opts.today)?;
        if !ended.is_empty() {
            snap = tx.dunning_snapshot()?;
        }
        let policy = self.config.dunning.policy();
        let book = crate::reports::book(&snap, &tx.book_as_of(opts.today)?, &policy);
        let scores = crate::reports::score::scores(&book, opts.today);
        drop(book);
        by_class(
            &mut snap,
            &scores,
            &policy,
            &self.config.dunning.class_offsets,
        );
        let calendar = self.config.dunning.calendar();
        let credits = credits_by_client(&snap);
        let input = inputs(&snap, &credits, self.config.timezone());
        let plan = planner::plan(&input, &calendar, &policy, opts.today);
        let mut round = Round {
            d: self,
            tx: &tx,
            snap: &snap,
            invoices: snap.invoices.iter().map(|i| (i.id, i)).collect(),
            opts,
            policy: &policy,
            out: Vec::new(),
            scores: &scores,
            credits,
        };
        round.hold_notices(&ended)?;
        for mail in &plan.mails {
            round.reminder(mail)?;
        }
        let mut no_address = Vec::new();
        for h in &plan.held {
            match h.reason {
                Held::Excluded => round.excluded(h)?,
                Held::NoAddress => {
                    for (inv, _) in &h.items {
                        if !tx.notice_given("no_address", &inv.to_string())? {
                            no_address.push(*inv);
                        }
                    }
                    round.held(h);
                }
                Held::StaleStatement => {
                    round.held(h);
                    round.stale()?;
                }
                _ => round.held(h),
            }
        }
        if !no_address.is_empty() {
            round.no_address(&no_address)?;
        }
        for e in &plan.escalations {
            round.escalate(e)?;
        }
        if calendar.is_business_day(opts.today) {
            round.confirmations()?;
            round.small_amounts(&plan.too_small)?;
        }
        let out = round.out;
        if !opts.dry_run {
            tx.commit()?;
        }
        Ok(out)
    }
}

/// Sums what remains per currency.
pub(crate) fn totals(
    invoices: &[&crate::store::DunInvoice],
) -> Vec<crate::templates::context::Total> {
    let mut by: BTreeMap<crate::domain::Currency, i64> = BTreeMap::new();
    for i in invoices {
        *by.entry(i.currency).or_default() += i.outstanding_minor;
    }
    by.into_iter()
        .map(|(c, m)| crate::templates::context::Total {
            currency: c,
            remaining: crate::domain::Money::from_minor(m, c).amount(),
        })
        .collect()
}
