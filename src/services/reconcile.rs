//! Reconciliation as a use case: load what is open, let the pure rules of [`crate::reconcile`]
//! decide, write the decisions in one transaction. The CLI's `reconcile`, every import and every
//! report mail end here.

use crate::domain::InvoiceNumber;
use crate::reconcile::{self, Client, Context, Decision, Invoice, Outcome, Payment};
use crate::store::{DecisionWriter, InvoiceBalance, NewAllocation, PaidInRun, Store, Tx};
use anyhow::Result;
use foldhash::HashMap;
use serde::Serialize;

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

/// Payments decided (and their decisions stored) at a time. Up to four batches are in hand at
/// once (one stored, one decided, one waiting, one stored and waiting to be freed by the
/// matching thread); at 20,000, three held about 45 MB.
const RECONCILE_BATCH: usize = 4_000;

/// Candidates stored with a payment in review, at most. A payment from a known payer that fits
/// none of its invoices has every open invoice of that client for candidates: hundreds for a
/// busy client, a list no person reads, which made each such payment a 4 kB row (and an entry of
/// the review index as large). The reason names the client; `status CLIENT` lists the rest.
pub const MAX_CANDIDATES: usize = 20;

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
    /// Payments to decide at least, for a run to build the index of allocations by invoice once
    /// at its end instead of entry by entry ([`BULK_RUN`]; not a setting of the file, the tests
    /// lower it to run both ways on small data).
    pub bulk_from: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            our_nip: None,
            issue_grace_days: 3,
            bulk_from: BULK_RUN,
        }
    }
}

impl Settings {
    pub fn of(config: &crate::config::Config) -> Settings {
        Settings {
            our_nip: config.our_nip(),
            issue_grace_days: config.matching.issue_grace_days,
            ..Settings::default()
        }
    }
}

/// Runs the rules over every incoming payment that has no allocation and is not held by a person,
/// in a transaction of its own. Running it again changes nothing.
///
/// SQLite does not check the references of what the run writes
/// ([`Store::trusted_transaction`]): each allocation joins a payment and an invoice the run read
/// in this same transaction, and every other row it writes refers to one of those (or to a
/// client it read). Debug builds check them all before committing.
///
/// What the imports before it left in the WAL (a year's statement: 300 MB) is copied into the
/// database by another connection while the run loads what it decides on
/// ([`Store::checkpoint_behind`]), and waited for before the deciding starts: the checkpoint
/// then has the second core to itself, and the commit's own checkpoint copies only the run's
/// pages.
pub fn run(store: &mut Store, settings: &Settings, actor: &str) -> Result<ReconcileSummary> {
    let behind = store.checkpoint_behind();
    store.trusted_transaction(|tx| run_in(tx, settings, actor, behind))
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
///
/// A year's statement is a million payments, decided a batch at a time. The rules run on a
/// second thread, a batch ahead of the writing: deciding batch k (and rendering what its
/// decisions store and audit) overlaps storing batch k − 1, which must stay on the thread that
/// owns the transaction. The rules are decided in payment order all the same, so the outcome is
/// that of one pass.
fn run_in(
    tx: &Tx<'_>,
    settings: &Settings,
    actor: &str,
    behind: crate::store::Behind,
) -> Result<ReconcileSummary> {
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
    let mut invoices: Vec<Invoice> = Vec::new();
    // What each invoice misses of its gross by its allocations, for the paid-in-full days
    // written at the end of the run.
    let mut figures: HashMap<i64, (i64, i64)> = HashMap::default();
    tx.each_invoice_balance(|b| {
        figures.insert(b.id, (b.settlement.gross, b.allocated));
        invoices.extend(invoice_of(&b));
    })?;
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
    // No invoice to pay and no client to recognise (a first statement imported before any
    // receivables list): the rules would find every payment unmatched, which stores nothing but
    // the end of an earlier review. Deciding a million payments to learn that took 1.9 s of a
    // 8.8 s import; they are counted instead, and not read (nor the suppliers' accounts).
    if invoices.is_empty() && clients.is_empty() {
        for id in tx.open_payments_in_review()? {
            tx.clear_review(id)?;
        }
        let open = tx.open_payment_count()?;
        tx.set_state(STAMP_KEY, &tx.reconcile_stamp(&settings_key)?)?;
        return Ok(ReconcileSummary {
            considered: open,
            unmatched: open,
            ..Default::default()
        });
    }
    let ids = tx.open_payment_ids()?;
    let ctx = Context {
        our_nip: settings.our_nip.clone(),
        supplier_accounts: tx.supplier_accounts()?,
        issue_grace_days: settings.issue_grace_days,
    };
    let loaded = started.elapsed();
    let by_id: HashMap<i64, &Invoice> = invoices.iter().map(|i| (i.id, i)).collect();
    let mut kept = Kept {
        summary: ReconcileSummary {
            considered: ids.len(),
            ..Default::default()
        },
        known_accounts: clients
            .iter()
            .flat_map(|c| c.accounts.iter().map(move |a| (c.id, a.clone())))
            .collect(),
        paid: HashMap::default(),
        figures,
    };
    // A run that allocates more than the store holds already (a year's statement, a first
    // import) builds the index of allocations by invoice once at the end instead of entry by
    // entry; nothing below reads allocations by invoice until then.
    let suspended = if ids.len() >= settings.bulk_from && ids.len() >= tx.allocation_count()? {
        tx.suspend_allocation_index()?
    } else {
        None
    };
    let reconciler = reconcile::Reconciler::new(&invoices, &clients, &ctx);
    // Deciding and storing keep both cores busy: a checkpoint beside them slowed the storing
    // by as much as it saved.
    behind.wait();
    let allocated_before = tx.last_allocation_id()?;
    let (deciding, storing, reading) = std::thread::scope(|s| -> Result<_> {
        let (to_decide, inbox) = std::sync::mpsc::sync_channel::<Batch>(1);
        let (to_store, decided) = std::sync::mpsc::sync_channel::<Decided>(1);
        // Stored batches come back to be freed here, by the thread that allocated them: a
        // batch's payments and decisions are some twenty allocations a payment, and the storing
        // thread (the slower of the two) freeing them contended with this one for the
        // allocator's arena. Freed here, a million payments reconciled in 23-26 s, not 29-37 s.
        let (dispose, stored) = std::sync::mpsc::channel::<Decided>();
        let by_id = &by_id;
        let decider = s.spawn(move || {
            let mut reconciler = reconciler;
            for batch in inbox {
                stored.try_iter().for_each(drop);
                let t = std::time::Instant::now();
                let decisions = reconciler.decide(&batch.payments);
                let mut reasons = Reasons::default();
                let prepared = decisions
                    .into_iter()
                    .map(|d| Prepared::of(d, by_id, &mut reasons))
                    .collect();
                let done = Decided {
                    batch,
                    prepared,
                    reasons,
                    took: t.elapsed(),
                };
                if to_store.send(done).is_err() {
                    break;
                }
            }
        });
        let (mut deciding, mut storing) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
        let mut store = |d: Decided| -> Result<()> {
            deciding += d.took;
            let t = std::time::Instant::now();
            let mut writer = tx.decision_writer()?;
            for ((p, meta), prepared) in d.batch.payments.iter().zip(&d.batch.meta).zip(&d.prepared)
            {
                apply(
                    tx,
                    &mut writer,
                    p,
                    meta,
                    prepared,
                    &d.reasons,
                    actor,
                    by_id,
                    &mut kept,
                )?;
            }
            storing += t.elapsed();
            // The matching thread is gone after the last batch: then it is freed here.
            let _ = dispose.send(d);
            Ok(())
        };
        let stopped =
            || anyhow::anyhow!("the matching thread stopped before deciding every payment");
        let mut sent = 0usize;
        let mut reading = std::time::Duration::ZERO;
        for chunk in ids.chunks(RECONCILE_BATCH) {
            let t = std::time::Instant::now();
            let batch = Batch::load(tx, chunk)?;
            reading += t.elapsed();
            to_decide.send(batch).map_err(|_| stopped())?;
            sent += 1;
            if sent > 1 {
                store(decided.recv().map_err(|_| stopped())?)?;
            }
        }
        drop(to_decide);
        if sent > 0 {
            store(decided.recv().map_err(|_| stopped())?)?;
        }
        drop(decided);
        decider
            .join()
            .map_err(|_| anyhow::anyhow!("the matching thread failed"))?;
        Ok((deciding, storing, reading))
    })?;
    let finishing = std::time::Instant::now();
    if let Some(sql) = suspended {
        tx.restore_allocation_index(&sql)?;
    }
    let indexed = finishing.elapsed();
    if kept.summary.matched > 0 {
        let last = tx.last_allocation_id()?;
        let (subject, detail) = matched_entry(&kept.summary, allocated_before + 1, last);
        tx.audit(actor, "payments.matched", Some(&subject), Some(&detail))?;
    }
    // In invoice order: the updates walk the table once.
    let mut paid: Vec<(i64, PaidInRun)> = kept.paid.into_iter().collect();
    paid.sort_unstable_by_key(|(id, _)| *id);
    for (invoice, p) in paid {
        tx.add_paid_in_run(invoice, &p)?;
    }
    tx.set_state(STAMP_KEY, &tx.reconcile_stamp(&settings_key)?)?;
    tracing::debug!(
        payments = ids.len(),
        invoices = invoices.len(),
        load_ms = loaded.as_millis() as u64,
        decide_ms = deciding.as_millis() as u64,
        store_ms = storing.as_millis() as u64,
        read_ms = reading.as_millis() as u64,
        index_ms = indexed.as_millis() as u64,
        finish_ms = finishing.elapsed().as_millis() as u64,
        total_ms = started.elapsed().as_millis() as u64,
        "reconciled"
    );
    Ok(kept.summary)
}

/// The audit entry of a run's automatic matches: its allocations (ids `first..=last`), how
/// many payments they pay and by which rules.
///
/// One entry a run, not one a payment: each allocation is its own record of the match (payment,
/// invoice, amount, rule, the reason as evidence, who and when), and a person removing one logs
/// all of that (`payment.unmatched`), so the log misses nothing; an entry per payment repeated
/// invoice, amount and rule: 900,844 rows for a year's statement, and a twentieth of the
/// instructions of importing and reconciling it.
fn matched_entry(summary: &ReconcileSummary, first: i64, last: i64) -> (String, String) {
    let detail = serde_json::json!({
        "payments": summary.matched,
        "allocations": {"first": first, "last": last},
        "by_rule": summary.by_rule,
    });
    (format!("allocations:{first}-{last}"), detail.to_string())
}

/// Payments to decide at least, for a run to build the index of allocations by invoice once
/// at its end rather than entry by entry (and only when it at least doubles the allocations:
/// the build reads them all). Below it, keeping the index entry by entry costs less than a
/// build.
pub const BULK_RUN: usize = 50_000;

/// What the storing of a run's decisions keeps until its end.
struct Kept {
    summary: ReconcileSummary,
    /// Accounts already known per client: learning one again is a no-op not worth a write.
    known_accounts: std::collections::HashSet<(i64, String)>,
    /// Per invoice, what the run allocated to it.
    paid: HashMap<i64, PaidInRun>,
    /// Per invoice, its gross and its allocations when the run began.
    figures: HashMap<i64, (i64, i64)>,
}

/// Payments to decide, read by the thread that owns the transaction.
struct Batch {
    payments: Vec<Payment>,
    /// Per payment, in the same order: what storing its decision needs besides the rules.
    meta: Vec<Meta>,
}

struct Meta {
    /// Waiting for review from an earlier run.
    in_review: bool,
    /// Recorded by hand (`paid`).
    manual: bool,
}

impl Batch {
    fn load(tx: &Tx<'_>, ids: &[i64]) -> Result<Batch> {
        let open = tx.open_payments_by_id(ids)?;
        let mut batch = Batch {
            payments: Vec::with_capacity(open.len()),
            meta: Vec::with_capacity(open.len()),
        };
        for p in open {
            batch.meta.push(Meta {
                in_review: p.in_review,
                manual: p.manual,
            });
            batch.payments.push(Payment {
                id: p.id,
                booking_date: p.booking_date,
                amount: p.amount_minor,
                currency: p.currency,
                title: p.title,
                counterparty_name: p.counterparty_name,
                counterparty_address: p.counterparty_address,
                counterparty_account: p.counterparty_account,
            });
        }
        Ok(batch)
    }
}

/// A batch decided, with what its decisions write already rendered.
struct Decided {
    batch: Batch,
    /// One per payment, in the batch's order.
    prepared: Vec<Prepared>,
    /// The stored reasons of the batch's decisions.
    reasons: Reasons,
    took: std::time::Duration,
}

/// The stored reasons of a batch's decisions, written one after another into one buffer: a
/// string each was a million allocations made and freed by the deciding thread, the busier of
/// the two, for a year's statement.
#[derive(Default)]
struct Reasons {
    /// JSON texts, UTF-8.
    text: Vec<u8>,
    /// Where each reason is in `text`, in the order written.
    spans: Vec<std::ops::Range<usize>>,
}

impl Reasons {
    /// Writes `reason`; returns its index.
    fn push(&mut self, reason: &crate::reconcile::Reason) -> usize {
        self.write(|text| reason.write_stored(text))
    }

    /// Appends what `write` writes as the next text; returns its index.
    fn write(&mut self, write: impl FnOnce(&mut Vec<u8>)) -> usize {
        let start = self.text.len();
        write(&mut self.text);
        self.spans.push(start..self.text.len());
        self.spans.len() - 1
    }

    /// Reason `k` (empty if there is none such).
    fn get(&self, k: usize) -> &str {
        self.spans
            .get(k)
            .and_then(|s| self.text.get(s.clone()))
            .and_then(|t| std::str::from_utf8(t).ok())
            .unwrap_or("")
    }
}

/// A decision with its texts rendered (stored reasons, invoice numbers): pure
/// work, done on the deciding thread.
struct Prepared {
    decision: Decision,
    /// Per allocation of a match, or the review: its stored reason (indices into the batch's
    /// [`Reasons`]).
    reasons: std::ops::Range<usize>,
    /// A review: its candidates' numbers. (A match's are looked up by storing for the few
    /// listed in the summary: copying them for a million matches was a twentieth of deciding.)
    numbers: Vec<String>,
    /// A match paying invoices of one client only: that client (the payer's account may be
    /// learned as its own).
    client: Option<i64>,
}

/// The number of invoice `id` as its issuer wrote it; `?` for one the run did not load (never:
/// the rules allocate and name only invoices they were given).
fn number_of<'a>(invoices: &HashMap<i64, &'a Invoice>, id: i64) -> &'a str {
    invoices
        .get(&id)
        .map(|i| i.number.original())
        .unwrap_or("?")
}

impl Prepared {
    fn of(decision: Decision, invoices: &HashMap<i64, &Invoice>, texts: &mut Reasons) -> Prepared {
        let first = texts.spans.len();
        let mut prepared = Prepared {
            reasons: first..first,
            numbers: Vec::new(),
            client: None,
            decision,
        };
        match &prepared.decision.outcome {
            Outcome::Matched { allocations } => {
                for a in allocations {
                    texts.push(&a.reason);
                }
                prepared.reasons = first..texts.spans.len();
                let mut clients = allocations
                    .iter()
                    .filter_map(|a| invoices.get(&a.invoice_id).map(|i| i.client_id));
                if let Some(first) = clients.next()
                    && clients.all(|c| c == first)
                {
                    prepared.client = Some(first);
                }
            }
            Outcome::Review { reason, candidates } => {
                prepared.reasons = first..texts.push(reason) + 1;
                prepared.numbers = candidates
                    .iter()
                    .take(MAX_CANDIDATES)
                    .map(|c| number_of(invoices, *c).to_string())
                    .collect();
            }
            Outcome::Unmatched { .. } => {}
        }
        prepared
    }
}

#[allow(clippy::too_many_arguments)]
fn apply(
    tx: &Tx<'_>,
    writer: &mut DecisionWriter<'_>,
    p: &Payment,
    meta: &Meta,
    prepared: &Prepared,
    texts: &Reasons,
    actor: &str,
    invoices: &HashMap<i64, &Invoice>,
    kept: &mut Kept,
) -> Result<()> {
    let Kept {
        summary,
        known_accounts,
        paid,
        figures,
    } = kept;
    let d = &prepared.decision;
    // Only a review's audit entry and a learned account name the payment: not built for the
    // million matches of a year's statement.
    let subject = || format!("payment:{}", d.payment_id);
    match &d.outcome {
        Outcome::Matched { allocations } => {
            for (a, k) in allocations.iter().zip(prepared.reasons.clone()) {
                let reason = texts.get(k);
                writer.allocation(&NewAllocation {
                    payment: d.payment_id,
                    invoice: a.invoice_id,
                    amount: a.amount,
                    rule: a.rule,
                    reason,
                    actor,
                    booking_date: p.booking_date,
                    manual: meta.manual,
                })?;
                paid.entry(a.invoice_id)
                    .or_insert_with(|| {
                        let (gross, allocated) =
                            figures.get(&a.invoice_id).copied().unwrap_or((0, 0));
                        PaidInRun::new(gross, allocated)
                    })
                    .add(a.amount, p.booking_date);
            }
            if meta.in_review {
                tx.clear_review(d.payment_id)?;
            }
            // Number, payer and amount agreed: remember the account it paid from. A wrong
            // allocation must never teach skarbnik a wrong client's account.
            if d.agreed
                && let (Some(acc), Some(client)) = (&p.counterparty_account, prepared.client)
                && known_accounts.insert((client, acc.clone()))
            {
                tx.add_client_account(client, acc, &subject())?;
            }
            summary.matched += 1;
            let rule = allocations.first().map(|a| a.rule.as_str()).unwrap_or("?");
            // Counted without a new `String` a match: only the first of a rule makes one.
            match summary.by_rule.get_mut(rule) {
                Some(n) => *n += 1,
                None => {
                    summary.by_rule.insert(rule.to_string(), 1);
                }
            }
            if summary.matches.len() < KEEP_MATCHES {
                let numbers = allocations
                    .iter()
                    .map(|a| number_of(invoices, a.invoice_id).to_string())
                    .collect();
                summary
                    .matches
                    .push((d.payment_id, numbers, rule.to_string()));
            }
        }
        Outcome::Review { .. } => {
            let names: Vec<&str> = prepared.numbers.iter().map(String::as_str).collect();
            // Its audit entry says the stored reason (the structure `render_stored` reads).
            let reason = texts.get(prepared.reasons.start);
            if tx.set_review(d.payment_id, reason, &names)? {
                writer.audit(actor, "payment.review", Some(&subject()), Some(reason))?;
            }
            summary.review += 1;
        }
        Outcome::Unmatched { .. } => {
            if meta.in_review {
                tx.clear_review(d.payment_id)?;
            }
            summary.unmatched += 1;
        }
    }
    Ok(())
}
