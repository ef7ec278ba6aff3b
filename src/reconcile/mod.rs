//! Reconciliation: which payment pays which invoice. Pure: data in, decisions out, no I/O.
//!
//! A wrong automatic allocation is the worst outcome there is (the invoice it marks paid is never
//! chased, and the one really paid is chased, with a demand, at a client who paid), so each payment
//! is decided from all of its evidence together, and allocated only when the evidence agrees or one
//! piece is decisive and nothing contradicts it. Every conflict goes to review with its candidates
//! and a reason naming each piece of evidence.
//!
//! The evidence:
//! * **numbers in the title** (and the `/INV/` field of a split payment), read as whole tokens
//!   ([`titles`]): each is matched exactly, without a generic prefix (`FV`, `Faktura nr`…), and
//!   without leading zeros. A number that fits several invoices (two numbering series side by side)
//!   has candidates, not an answer: the payer and the amount choose among them.
//! * **the payer** ([`payer`]): a known account of a client, a NIP in the title, or the payer's
//!   name (legal forms, diacritics, word order ignored; a name cut at 35 characters and continued in
//!   the address read whole). An account that only our outgoing transfers went to is a supplier's;
//!   refund wording ("zwrot nadpłaty") is not a customer paying.
//! * **the amount**: an invoice's exact outstanding, a small set of open invoices summing to it, a
//!   partial payment; a split payment pays the gross when only the net reached us.
//! * **the date**: a payment booked before an invoice was issued is not allocated to it by name or
//!   amount (a few days' grace aside); named by its number, it is a prepayment and says so.
//!
//! The rules ([`numbers`], [`amounts`]): a number whose invoice belongs to another client than the
//! identified payer, a number naming a settled invoice while the payer has an open one of exactly
//! this amount, or a number whose invoice is far from the amount while the payer has an exact one,
//! are conflicts: review. Without a number, the identified payer's open invoices are matched by
//! amount (one with exactly this outstanding, or one small set summing to it). Surplus stays on the
//! invoice it was meant for (status `overpaid`); it is never spread over other invoices. Currencies
//! must agree. Decisions are deterministic: payments are taken in the order given (booking date,
//! then id), invoices by due date, then number.

mod amounts;
#[cfg(test)]
mod class_tests;
mod first_names;
mod names;
mod numbers;
mod payer;
pub mod reason;
pub mod scenario;
#[cfg(test)]
mod tests;
pub mod titles;

use crate::domain::{Currency, InvoiceNumber};
use chrono::NaiveDate;
use serde::Serialize;
// The rules look up invoices and clients millions of times a run, by keys the process holds:
// foldhash (seeded per process) where std's SipHash was a tenth of the matching thread.
use foldhash::HashMap;
use std::hash::BuildHasher;

pub use crate::domain::Rule;
pub use reason::{Evidence, Reason, StoredReason, Sum, render_stored};

/// An invoice that may still take money.
#[derive(Debug, Clone)]
pub struct Invoice {
    pub id: i64,
    pub number: InvoiceNumber,
    pub client_id: i64,
    pub issue_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub currency: Currency,
    /// Outstanding in minor units (0 for a paid invoice, which can still receive an overpayment).
    pub outstanding: i64,
    /// Payments a person recorded by hand that settle it: a bank payment naming it may be the
    /// same money, so it goes to a person rather than overpaying.
    pub settled_by_hand: Vec<i64>,
}

#[derive(Debug, Clone)]
pub struct Client {
    pub id: i64,
    pub name: String,
    pub nip: Option<String>,
    /// Accounts the client is known to pay from (electronic IBAN).
    pub accounts: Vec<String>,
}

/// An incoming payment not allocated yet.
#[derive(Debug, Clone)]
pub struct Payment {
    pub id: i64,
    pub booking_date: Option<NaiveDate>,
    /// Minor units, positive.
    pub amount: i64,
    pub currency: Currency,
    pub title: String,
    pub counterparty_name: Option<String>,
    pub counterparty_address: Option<String>,
    pub counterparty_account: Option<String>,
}

/// What reconciliation knows besides payments, invoices and clients.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Never taken for a payer's NIP.
    pub our_nip: Option<String>,
    /// Accounts our own outgoing transfers went to: suppliers (unless a client pays from them).
    pub supplier_accounts: std::collections::HashSet<String>,
    /// A payment booked up to this many days before an invoice was issued may still pay it by
    /// name or amount (an invoice dated a little after the money came).
    pub issue_grace_days: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allocation {
    pub invoice_id: i64,
    /// Minor units.
    pub amount: i64,
    pub rule: Rule,
    pub reason: Reason,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Matched {
        allocations: Vec<Allocation>,
    },
    /// A person must decide; `candidates` are invoice ids.
    Review {
        reason: Reason,
        candidates: Vec<i64>,
    },
    Unmatched {
        reason: Reason,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub payment_id: i64,
    pub outcome: Outcome,
    /// Number, payer and amount all agreed: the account the payment came from may be learned as
    /// the client's. (A wrong allocation must never teach a wrong account.)
    pub agreed: bool,
}

/// Invoice positions by a text key derived from the invoice (its canonical number, its core...),
/// kept as part of the key's hash and the position: 8 bytes a slot, two slots an invoice, where
/// a map of `String` to `Vec` took about 150 bytes an invoice (45 MB for three of them over
/// 100,000 invoices, the largest part of what matching held). A hit is checked against the
/// invoice's own key, so two keys that share a hash never stand for each other.
///
/// Open addressing with linear probing, at most half full: a lookup reads one place, and most
/// of them find nothing (every token of every title is looked up in three indexes). The hashes
/// sorted, with a table of where each bucket's run starts, read two places of cold memory a
/// lookup: that was a tenth of deciding a million payments.
struct KeyIndex {
    /// Per slot: the high half of the key's hash and the position plus one (0: an empty slot).
    slots: Vec<(u32, u32)>,
    /// `slots.len() - 1` (a power of two less one): the slot of hash `h` is `h & mask`.
    mask: usize,
    /// The keys' hasher: foldhash's (seeded per index), whose bits are all as good; SipHash took
    /// twice as long on the title tokens.
    hasher: foldhash::quality::RandomState,
}

impl KeyIndex {
    fn new<'k>(keys: impl Iterator<Item = std::borrow::Cow<'k, str>>) -> KeyIndex {
        let hasher = foldhash::quality::RandomState::default();
        let hashes: Vec<u64> = keys.map(|k| hasher.hash_one(&*k)).collect();
        let size = (hashes.len() * 2).next_power_of_two().max(2);
        let mask = size - 1;
        let mut slots = vec![(0u32, 0u32); size];
        for (i, h) in hashes.iter().enumerate() {
            // Each key lands after those inserted before it along its probe sequence: a key's
            // positions are met in invoice order.
            let mut b = *h as usize & mask;
            while slots[b].1 != 0 {
                b = (b + 1) & mask;
            }
            slots[b] = ((h >> 32) as u32, i as u32 + 1);
        }
        KeyIndex {
            slots,
            mask,
            hasher,
        }
    }

    /// Positions whose key is `key`, in invoice order; `key_of` gives an invoice's key.
    fn get<'s, 'k: 's>(
        &'s self,
        key: &'s str,
        key_of: impl Fn(usize) -> std::borrow::Cow<'k, str> + 's,
    ) -> impl Iterator<Item = usize> + 's {
        let h = self.hasher.hash_one(key);
        let tag = (h >> 32) as u32;
        let mut b = h as usize & self.mask;
        // Ends at the first empty slot, which a table at most half full always has.
        std::iter::from_fn(move || {
            loop {
                let (t, p) = self.slots[b];
                if p == 0 {
                    return None;
                }
                b = (b + 1) & self.mask;
                let at = p as usize - 1;
                if t == tag && key_of(at) == key {
                    return Some(at);
                }
            }
        })
    }
}

/// Invoices and clients, indexed for the rules.
struct Index<'a> {
    invoices: &'a [Invoice],
    clients: HashMap<i64, &'a Client>,
    by_canonical: KeyIndex,
    by_core: KeyIndex,
    by_no_zeros: KeyIndex,
    /// Per client: invoice indexes, oldest due first.
    by_client: HashMap<i64, Vec<usize>>,
    by_account: HashMap<&'a str, Vec<i64>>,
    by_nip: HashMap<&'a str, i64>,
    names: names::NameIndex,
}

fn no_zeros_key(i: &Invoice) -> String {
    titles::without_leading_zeros(i.number.core()).into_owned()
}

fn due_order(invoices: &[Invoice], a: usize, b: usize) -> std::cmp::Ordering {
    let (x, y) = (&invoices[a], &invoices[b]);
    (x.due_date.is_none(), x.due_date, x.number.canonical(), x.id).cmp(&(
        y.due_date.is_none(),
        y.due_date,
        y.number.canonical(),
        y.id,
    ))
}

impl<'a> Index<'a> {
    fn new(invoices: &'a [Invoice], clients: &'a [Client]) -> Self {
        use std::borrow::Cow;
        let mut ix = Index {
            invoices,
            clients: clients.iter().map(|c| (c.id, c)).collect(),
            by_canonical: KeyIndex::new(invoices.iter().map(|i| Cow::from(i.number.canonical()))),
            by_core: KeyIndex::new(invoices.iter().map(|i| Cow::from(i.number.core()))),
            by_no_zeros: KeyIndex::new(invoices.iter().map(|i| Cow::from(no_zeros_key(i)))),
            by_client: HashMap::default(),
            by_account: HashMap::default(),
            by_nip: HashMap::default(),
            names: names::NameIndex::new(clients.iter().map(|c| (c.id, c.name.as_str()))),
        };
        for (i, inv) in invoices.iter().enumerate() {
            ix.by_client.entry(inv.client_id).or_default().push(i);
        }
        for list in ix.by_client.values_mut() {
            list.sort_by(|a, b| due_order(invoices, *a, *b));
        }
        for c in clients {
            for a in &c.accounts {
                let ids = ix.by_account.entry(a.as_str()).or_default();
                if !ids.contains(&c.id) {
                    ids.push(c.id);
                }
            }
            if let Some(n) = &c.nip {
                ix.by_nip.insert(n.as_str(), c.id);
            }
        }
        ix
    }

    /// Invoices whose canonical number is `key`.
    fn by_canonical<'s>(&'s self, key: &'s str) -> impl Iterator<Item = usize> + 's {
        self.by_canonical
            .get(key, move |i| self.invoices[i].number.canonical().into())
    }

    /// Invoices whose number without its generic prefix is `key`.
    fn by_core<'s>(&'s self, key: &'s str) -> impl Iterator<Item = usize> + 's {
        self.by_core
            .get(key, move |i| self.invoices[i].number.core().into())
    }

    /// Invoices whose number, without prefix and leading zeros, is `key`.
    fn by_no_zeros<'s>(&'s self, key: &'s str) -> impl Iterator<Item = usize> + 's {
        self.by_no_zeros
            .get(key, move |i| no_zeros_key(&self.invoices[i]).into())
    }

    fn numbers(&self, list: &[usize]) -> Vec<String> {
        list.iter().map(|i| self.number(*i).to_string()).collect()
    }

    fn client_name(&self, id: i64) -> &str {
        self.clients
            .get(&id)
            .map(|c| c.name.as_str())
            .unwrap_or("?")
    }

    fn number(&self, i: usize) -> &str {
        self.invoices[i].number.original()
    }
}

/// What the rules work on for one payment: the index, what is still outstanding after the
/// payments decided before it, the context, and the payment.
struct Ledger<'l, 'a> {
    ix: &'l Index<'a>,
    outstanding: &'l [i64],
    /// Open invoices by the amount they owe, in no particular order.
    by_amount: &'l HashMap<i64, Vec<usize>>,
    /// Invoice positions by id.
    position: &'l HashMap<i64, usize>,
    ctx: &'l Context,
}

impl Ledger<'_, '_> {
    /// The client's open invoices in the payment's currency, oldest due first.
    fn open_of(&self, client: i64, currency: Currency) -> impl Iterator<Item = usize> + '_ {
        self.ix
            .by_client
            .get(&client)
            .into_iter()
            .flatten()
            .copied()
            .filter(move |&i| self.is_open(i, currency))
    }

    /// Whether invoice `i` still misses money, in `currency`.
    fn is_open(&self, i: usize, currency: Currency) -> bool {
        self.outstanding[i] > 0 && self.ix.invoices[i].currency == currency
    }

    /// Whether the payment came in before the invoice existed (beyond the grace).
    fn before_issue(&self, p: &Payment, i: usize) -> bool {
        match (p.booking_date, self.ix.invoices[i].issue_date) {
            (Some(paid), Some(issued)) => {
                paid + chrono::Duration::days(self.ctx.issue_grace_days) < issued
            }
            _ => false,
        }
    }
}

/// Decides, for each payment in order, which invoices it pays.
pub fn reconcile(
    payments: &[Payment],
    invoices: &[Invoice],
    clients: &[Client],
    ctx: &Context,
) -> Vec<Decision> {
    Reconciler::new(invoices, clients, ctx).decide(payments)
}

/// [`reconcile`] a batch of payments at a time: the invoices' outstanding amounts carry over from
/// one batch to the next, so deciding a million payments in batches decides them exactly as in
/// one go, without holding them all.
pub struct Reconciler<'a> {
    ix: Index<'a>,
    outstanding: Vec<i64>,
    /// Open invoices by the amount they owe: kept by [`Reconciler::owes`].
    by_amount: HashMap<i64, Vec<usize>>,
    position: HashMap<i64, usize>,
    ctx: &'a Context,
}

impl<'a> Reconciler<'a> {
    pub fn new(invoices: &'a [Invoice], clients: &'a [Client], ctx: &'a Context) -> Self {
        let mut by_amount: HashMap<i64, Vec<usize>> = HashMap::default();
        for (i, inv) in invoices.iter().enumerate() {
            if inv.outstanding > 0 {
                by_amount.entry(inv.outstanding).or_default().push(i);
            }
        }
        Reconciler {
            ix: Index::new(invoices, clients),
            outstanding: invoices.iter().map(|i| i.outstanding).collect(),
            by_amount,
            position: invoices
                .iter()
                .enumerate()
                .map(|(i, inv)| (inv.id, i))
                .collect(),
            ctx,
        }
    }

    /// Moves invoice `i` in [`Reconciler::by_amount`] from the amount it owed, `was`, to the
    /// amount it owes `now`. A list left empty goes with its amount: the map holds only what
    /// open invoices owe. (Kept with every amount ever owed, a million payments against 100,000
    /// invoices grew it from 100,000 amounts to about 900,000, each looked up at random.)
    fn owes(&mut self, i: usize, was: i64, now: i64) {
        if let Some(list) = self.by_amount.get_mut(&was) {
            if let Some(k) = list.iter().position(|&x| x == i) {
                list.swap_remove(k);
            }
            if list.is_empty() {
                self.by_amount.remove(&was);
            }
        }
        if now > 0 {
            self.by_amount.entry(now).or_default().push(i);
        }
    }

    /// Decides the next payments, in order.
    pub fn decide(&mut self, payments: &[Payment]) -> Vec<Decision> {
        let mut decisions = Vec::with_capacity(payments.len());
        for p in payments {
            let ledger = Ledger {
                ix: &self.ix,
                outstanding: &self.outstanding,
                by_amount: &self.by_amount,
                position: &self.position,
                ctx: self.ctx,
            };
            let (outcome, agreed) = decide(&ledger, p);
            if let Outcome::Matched { allocations } = &outcome {
                for a in allocations {
                    if let Some(&i) = self.position.get(&a.invoice_id) {
                        let was = self.outstanding[i];
                        let now = (was - a.amount).max(0);
                        self.outstanding[i] = now;
                        if now != was {
                            self.owes(i, was, now);
                        }
                    }
                }
            }
            decisions.push(Decision {
                payment_id: p.id,
                outcome,
                agreed,
            });
        }
        decisions
    }
}

/// One payment: numbers first, then the payer and the amount. Returns the outcome and whether
/// number, payer and amount all agreed.
fn decide(l: &Ledger<'_, '_>, p: &Payment) -> (Outcome, bool) {
    let payer = payer::identify(l.ix, p, l.ctx);
    let title = titles::Title::new(&p.title);
    if let Some(why) = payer::not_a_customer(l.ix, p, &title, l.ctx, &payer) {
        return (
            Outcome::Unmatched {
                reason: Reason::of(why),
            },
            false,
        );
    }
    let sp = title.split_payment();
    if let Some(decided) = numbers::decide(l, p, &title, &payer, sp.as_ref()) {
        return decided;
    }
    let outcome = amounts::decide(l, p, &title, &payer, sp.as_ref());
    (numbers::unless_another_named(l, p, &title, outcome), false)
}

fn sum(minor: i64, currency: Currency) -> Sum {
    Sum::new(minor, currency)
}
