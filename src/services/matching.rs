//! A person's decisions about payments: `match PAYMENT INVOICE…` and `unmatch PAYMENT`, from the
//! CLI or a staff mail. Each runs inside the caller's transaction.
//!
//! What a person may be told "no" about is a [`Refusal`], a value; anything else (the database
//! failing halfway) is an error that rolls the whole transaction back. The two are never mixed: a
//! failed write is not a refusal, so nothing half-done is ever committed under a polite answer.

use crate::domain::{InvoiceNumber, Money, PaymentKind, Rule};
use crate::store::{NewAllocation, Tx};
use serde::Serialize;

/// Why a person's match or unmatch was not carried out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "refusal", rename_all = "snake_case")]
pub enum Refusal {
    #[error("no payment #{payment}")]
    NoPayment { payment: i64 },
    #[error("payment #{payment} is {kind}, not a customer payment")]
    NotIncoming { payment: i64, kind: String },
    #[error("{number:?} is not an invoice number")]
    BadNumber { number: String },
    #[error("no invoice {number}")]
    NoInvoice { number: String },
    #[error("payment #{payment} is already allocated; unmatch it first")]
    AlreadyAllocated { payment: i64 },
    /// Every invoice named is settled: the payment would only overpay them. When one was
    /// settled by a payment recorded by hand, that is likely the same money.
    #[error("{} already settled; this payment would overpay by {overpay} {currency}{}", numbers.join(", "), hand_note(manual))]
    AlreadySettled {
        numbers: Vec<String>,
        overpay: String,
        currency: String,
        manual: Vec<i64>,
    },
}

fn hand_note(manual: &[i64]) -> String {
    if manual.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = manual.iter().map(|m| format!("unmatch {m}")).collect();
        format!(
            " (settled by a payment recorded by hand; if it is the same money, remove that one first: {})",
            list.join(", ")
        )
    }
}

/// A refusal (nothing was written), or the store failed (the caller must roll back).
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

impl From<rusqlite::Error> for MatchError {
    fn from(e: rusqlite::Error) -> Self {
        MatchError::Store(e.into())
    }
}

/// One allocation a manual match made: (invoice number, amount in minor units).
pub type Allocated = (String, i64);

fn incoming(tx: &Tx<'_>, payment: i64) -> Result<crate::store::PaymentRef, MatchError> {
    let p = tx
        .payment_ref(payment)?
        .ok_or(Refusal::NoPayment { payment })?;
    match p.kind {
        Some(PaymentKind::Incoming) => Ok(p),
        other => Err(Refusal::NotIncoming {
            payment,
            kind: other.map(|k| k.as_str()).unwrap_or("?").to_string(),
        }
        .into()),
    }
}

/// The payment pays these invoices, oldest due first, up to each one's outstanding; any surplus
/// stays on the last one. The payer's account is remembered for the client when the invoices
/// are of one client.
pub fn manual_match(
    tx: &Tx<'_>,
    payment: i64,
    numbers: &[String],
    actor: &str,
) -> Result<Vec<Allocated>, MatchError> {
    let p = incoming(tx, payment)?;
    let mut keys = Vec::new();
    for n in numbers {
        let key = InvoiceNumber::parse(n).map_err(|_| Refusal::BadNumber { number: n.clone() })?;
        keys.push(key.canonical().to_string());
    }
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut chosen = Vec::new();
    for (n, found) in numbers.iter().zip(tx.invoices_by_key(&keys)?) {
        chosen.push(found.ok_or_else(|| Refusal::NoInvoice { number: n.clone() })?);
    }
    if p.allocated_minor > 0 {
        return Err(Refusal::AlreadyAllocated { payment }.into());
    }
    if chosen.iter().all(|i| i.settlement.outstanding <= 0) {
        return Err(Refusal::AlreadySettled {
            numbers: chosen.iter().map(|i| i.number.clone()).collect(),
            overpay: Money::from_minor(p.amount_minor, p.currency)
                .amount()
                .to_string(),
            currency: p.currency.to_string(),
            manual: chosen
                .iter()
                .flat_map(|i| i.manual_payments.iter().copied())
                .collect(),
        }
        .into());
    }
    chosen.sort_by(|a, b| {
        (a.due_date.is_none(), a.due_date, a.id).cmp(&(b.due_date.is_none(), b.due_date, b.id))
    });
    let mut left = p.amount_minor;
    let mut done = Vec::new();
    for (k, inv) in chosen.iter().enumerate() {
        let take = if k + 1 == chosen.len() {
            left
        } else {
            left.min(inv.settlement.outstanding)
        };
        if take <= 0 {
            continue;
        }
        left -= take;
        tx.insert_allocation(&NewAllocation {
            payment,
            invoice: inv.id,
            amount: take,
            rule: Rule::Manual,
            reason: &crate::reconcile::Reason::of(crate::reconcile::Evidence::MatchedBy {
                actor: actor.to_string(),
            })
            .to_stored(),
            actor,
            booking_date: p.booking_date,
            manual: p.manual,
        })?;
        done.push((inv.number.clone(), take));
    }
    tx.settle_review(payment)?;
    let clients: std::collections::BTreeSet<i64> = chosen.iter().map(|i| i.client_id).collect();
    if let (Some(acc), [client]) = (
        &p.account,
        clients.into_iter().collect::<Vec<_>>().as_slice(),
    ) {
        tx.add_client_account(*client, acc, &format!("manual:{payment}"))?;
    }
    let detail = done
        .iter()
        .map(|(n, m)| format!("{n} {}", Money::from_minor(*m, p.currency).amount()))
        .collect::<Vec<_>>()
        .join(", ");
    tx.audit(
        actor,
        "payment.matched.manual",
        Some(&format!("payment:{payment}")),
        Some(&detail),
    )?;
    Ok(done)
}

/// Undoes a payment's allocations; automatic reconciliation then leaves it alone until a person
/// matches it. Returns how many allocations were removed.
pub fn unmatch(tx: &Tx<'_>, payment: i64, actor: &str) -> Result<usize, MatchError> {
    incoming(tx, payment)?;
    let removed = tx.allocations_of_payment(payment)?;
    let n = tx.remove_allocations(payment)?;
    tx.hold_payment(
        payment,
        &crate::reconcile::Reason::of(crate::reconcile::Evidence::UnmatchedBy {
            actor: actor.to_string(),
        })
        .to_stored(),
    )?;
    tx.audit(
        actor,
        "payment.unmatched",
        Some(&format!("payment:{payment}")),
        Some(&removed_detail(&removed)),
    )?;
    Ok(n)
}

/// What the audit log keeps of removed allocations, as JSON: each with its invoice, amount,
/// rule and reason (the structure `render_stored` reads) and when and by whom it was made. An
/// automatic match is logged only as one of its run's allocations (`payments.matched`), the
/// allocation being its record; this is where that record stays once the allocation is gone.
fn removed_detail(removed: &[crate::store::RemovedAllocation]) -> String {
    let list: Vec<serde_json::Value> = removed
        .iter()
        .map(|a| {
            let amount = match crate::domain::Currency::parse(&a.currency) {
                Some(c) => Money::from_minor(a.amount_minor, c).to_string(),
                None => format!("{} {}", a.amount_minor, a.currency),
            };
            let reason = serde_json::from_str::<serde_json::Value>(&a.reason)
                .unwrap_or_else(|_| serde_json::Value::String(a.reason.clone()));
            serde_json::json!({
                "invoice": a.invoice,
                "amount": amount,
                "rule": a.rule,
                "reason": reason,
                "at": a.at,
                "by": a.by,
            })
        })
        .collect();
    serde_json::Value::Array(list).to_string()
}

/// [`manual_match`] in a transaction of its own: committed when it is carried out, rolled back
/// when refused or failed.
pub fn manual_match_now(
    store: &mut crate::store::Store,
    payment: i64,
    numbers: &[String],
    actor: &str,
) -> Result<Vec<Allocated>, MatchError> {
    let tx = store.transaction()?;
    let done = manual_match(&tx, payment, numbers, actor)?;
    tx.commit()?;
    Ok(done)
}

/// [`unmatch`] in a transaction of its own.
pub fn unmatch_now(
    store: &mut crate::store::Store,
    payment: i64,
    actor: &str,
) -> Result<usize, MatchError> {
    let tx = store.transaction()?;
    let n = unmatch(&tx, payment, actor)?;
    tx.commit()?;
    Ok(n)
}
