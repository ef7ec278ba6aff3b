//! Reconciliation: which payment pays which invoice. Pure: data in, decisions out, no I/O.
//!
//! A wrong automatic match is worse than none (it silences a reminder that was owed, or thanks a
//! client who did not pay), so the rules go from precise to weaker, and whenever two answers are
//! equally good nothing is allocated: the payment goes to review with its candidates.
//!
//! 1. **Invoice numbers in the title** (and the `/INV/` field of a split payment), compared as whole
//!    canonical tokens: exact, then without a generic prefix (`FV`, `F`, `Faktura nr`...), then
//!    without leading zeros. Several numbers: oldest due first, up to each one's outstanding.
//! 2. **Payer by bank account** (a known account of a client) **or a NIP in the title**, then the
//!    amount: one open invoice with exactly this outstanding, or one small set of them summing to it.
//! 3. **Payer by name** (legal forms, diacritics, quotes, word order, a name cut and continued in the
//!    address), with the same amount logic.
//!
//! Surplus stays on the invoice it was meant for (status `overpaid`); it is never spread over other
//! invoices. Currencies must agree. Decisions are deterministic: payments are taken in the order
//! given (booking date, then id), invoices by due date, then number.

mod names;
#[cfg(test)]
mod tests;
pub mod titles;

use crate::domain::{Currency, InvoiceNumber};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// An invoice that may still take money.
#[derive(Debug, Clone)]
pub struct Invoice {
    pub id: i64,
    pub number: InvoiceNumber,
    pub client_id: i64,
    pub due_date: Option<NaiveDate>,
    pub currency: Currency,
    /// Outstanding in minor units (0 for a paid invoice, which can still receive an overpayment).
    pub outstanding: i64,
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
    /// Minor units, positive.
    pub amount: i64,
    pub currency: Currency,
    pub title: String,
    pub counterparty_name: Option<String>,
    pub counterparty_address: Option<String>,
    pub counterparty_account: Option<String>,
}

pub use crate::domain::Rule;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allocation {
    pub invoice_id: i64,
    /// Minor units.
    pub amount: i64,
    pub rule: Rule,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Matched {
        allocations: Vec<Allocation>,
    },
    /// A person must decide; `candidates` are invoice ids.
    Review {
        reason: String,
        candidates: Vec<i64>,
    },
    Unmatched {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub payment_id: i64,
    pub outcome: Outcome,
}

/// Sets of at most this many invoices are tried when amounts must add up.
const MAX_SET: usize = 4;
/// ... among the client's oldest this-many open invoices (C(12,4) = 495 sets at most).
const MAX_SET_POOL: usize = 12;

struct Index<'a> {
    invoices: &'a [Invoice],
    clients: HashMap<i64, &'a Client>,
    by_canonical: HashMap<String, Vec<usize>>,
    by_core: HashMap<String, Vec<usize>>,
    by_no_zeros: HashMap<String, Vec<usize>>,
    /// Per client: invoice indexes, oldest due first.
    by_client: HashMap<i64, Vec<usize>>,
    by_account: HashMap<&'a str, Vec<i64>>,
    by_nip: HashMap<&'a str, i64>,
    names: names::NameIndex,
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
        let mut ix = Index {
            invoices,
            clients: clients.iter().map(|c| (c.id, c)).collect(),
            by_canonical: HashMap::new(),
            by_core: HashMap::new(),
            by_no_zeros: HashMap::new(),
            by_client: HashMap::new(),
            by_account: HashMap::new(),
            by_nip: HashMap::new(),
            names: names::NameIndex::new(clients.iter().map(|c| (c.id, c.name.as_str()))),
        };
        for (i, inv) in invoices.iter().enumerate() {
            ix.by_canonical
                .entry(inv.number.canonical().to_string())
                .or_default()
                .push(i);
            ix.by_core
                .entry(inv.number.core().to_string())
                .or_default()
                .push(i);
            ix.by_no_zeros
                .entry(titles::without_leading_zeros(inv.number.core()))
                .or_default()
                .push(i);
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

    fn client_name(&self, id: i64) -> &str {
        self.clients
            .get(&id)
            .map(|c| c.name.as_str())
            .unwrap_or("?")
    }
}

/// Decides, for each payment in order, which invoices it pays. `our_nip` is never taken for a payer.
pub fn reconcile(
    payments: &[Payment],
    invoices: &[Invoice],
    clients: &[Client],
    our_nip: Option<&str>,
) -> Vec<Decision> {
    let ix = Index::new(invoices, clients);
    let mut outstanding: Vec<i64> = invoices.iter().map(|i| i.outstanding).collect();
    let position: HashMap<i64, usize> = invoices
        .iter()
        .enumerate()
        .map(|(i, inv)| (inv.id, i))
        .collect();
    let mut decisions = Vec::with_capacity(payments.len());
    for p in payments {
        let outcome = decide(&ix, &mut outstanding, p, our_nip);
        if let Outcome::Matched { allocations } = &outcome {
            for a in allocations {
                if let Some(&i) = position.get(&a.invoice_id) {
                    outstanding[i] = (outstanding[i] - a.amount).max(0);
                }
            }
        }
        decisions.push(Decision {
            payment_id: p.id,
            outcome,
        });
    }
    decisions
}

/// Who paid, when the payment says: by a known account or a NIP in the title.
enum Payer {
    Known(i64, Rule, String),
    Ambiguous(String),
    Unknown,
}

fn identify_payer(ix: &Index<'_>, p: &Payment, our_nip: Option<&str>) -> Payer {
    if let Some(acc) = &p.counterparty_account {
        match ix.by_account.get(acc.as_str()).map(Vec::as_slice) {
            Some([id]) => {
                return Payer::Known(
                    *id,
                    Rule::Account,
                    format!("payer's account {acc} belongs to {}", ix.client_name(*id)),
                );
            }
            Some(ids) if ids.len() > 1 => {
                return Payer::Ambiguous(format!("account {acc} is known for several clients"));
            }
            _ => {}
        }
    }
    let nips: Vec<i64> = titles::nips(&p.title, our_nip)
        .iter()
        .filter_map(|n| ix.by_nip.get(n.as_str()).copied())
        .collect();
    match nips.as_slice() {
        [id] => {
            return Payer::Known(
                *id,
                Rule::Nip,
                format!("NIP of {} in the title", ix.client_name(*id)),
            );
        }
        [_, _, ..] => return Payer::Ambiguous("the title names NIPs of several clients".into()),
        [] => {}
    }
    Payer::Unknown
}

fn decide(ix: &Index<'_>, outstanding: &mut [i64], p: &Payment, our_nip: Option<&str>) -> Outcome {
    let payer = identify_payer(ix, p, our_nip);
    let sp = titles::split_payment(&p.title);
    // Rule 1: invoice numbers.
    match by_numbers(ix, outstanding, p, &payer, sp.as_ref()) {
        NumberResult::Decided(o) => return o,
        NumberResult::NotFound => {}
    }
    // Rule 2: payer by account or NIP.
    let (client, rule, why) = match payer {
        Payer::Known(c, r, why) => (c, r, why),
        Payer::Ambiguous(reason) => {
            return Outcome::Review {
                reason,
                candidates: Vec::new(),
            };
        }
        Payer::Unknown => {
            // Rule 3: payer by name.
            let texts = names::payer_texts(
                p.counterparty_name.as_deref(),
                p.counterparty_address.as_deref(),
            );
            match ix.names.find(&texts) {
                names::NameMatch::One(c) => (
                    c,
                    Rule::Name,
                    format!("payer's name matches {}", ix.client_name(c)),
                ),
                names::NameMatch::Several(ids) => {
                    let names: Vec<&str> = ids.iter().map(|c| ix.client_name(*c)).collect();
                    let candidates = ids
                        .iter()
                        .flat_map(|c| open_of(ix, outstanding, *c, p.currency))
                        .map(|i| ix.invoices[i].id)
                        .collect();
                    return Outcome::Review {
                        reason: format!("payer's name fits several clients: {}", names.join(", ")),
                        candidates,
                    };
                }
                names::NameMatch::None => {
                    return Outcome::Unmatched {
                        reason: "no invoice number, known account, NIP or client name found".into(),
                    };
                }
            }
        }
    };
    by_amount(ix, outstanding, p, client, rule, &why, sp.as_ref())
}

enum NumberResult {
    Decided(Outcome),
    NotFound,
}

fn by_numbers(
    ix: &Index<'_>,
    outstanding: &[i64],
    p: &Payment,
    payer: &Payer,
    sp: Option<&titles::SplitPayment>,
) -> NumberResult {
    let mut found: BTreeSet<usize> = BTreeSet::new();
    let mut how: Vec<String> = Vec::new();
    for cand in titles::number_candidates(&p.title) {
        let core = InvoiceNumber::parse(&cand)
            .map(|n| n.core().to_string())
            .unwrap_or_else(|_| cand.clone());
        let (hits, kind) = if let Some(h) = ix.by_canonical.get(&cand) {
            (h, "exact")
        } else if let Some(h) = ix.by_core.get(&core) {
            (h, "without prefix")
        } else if let Some(h) = ix.by_no_zeros.get(&titles::without_leading_zeros(&core)) {
            (h, "without leading zeros")
        } else {
            continue;
        };
        let mut hits: Vec<usize> = hits.clone();
        if hits.len() > 1 {
            // The same number for several invoices (e.g. FV/1/2026 and FS/1/2026): the payer decides.
            if let Payer::Known(c, _, _) = payer {
                hits.retain(|i| ix.invoices[*i].client_id == *c);
            }
            if hits.len() != 1 {
                let candidates = hits.iter().map(|i| ix.invoices[*i].id).collect();
                return NumberResult::Decided(Outcome::Review {
                    reason: format!("{cand} fits several invoices"),
                    candidates,
                });
            }
        }
        if found.insert(hits[0]) {
            how.push(format!(
                "{} ({kind})",
                ix.invoices[hits[0]].number.original()
            ));
        }
    }
    if found.is_empty() {
        return NumberResult::NotFound;
    }
    let mut named: Vec<usize> = found.into_iter().collect();
    if named.iter().any(|i| ix.invoices[*i].currency != p.currency) {
        let candidates = named.iter().map(|i| ix.invoices[*i].id).collect();
        return NumberResult::Decided(Outcome::Review {
            reason: format!(
                "the title names {} but the payment is in {}",
                how.join(", "),
                p.currency
            ),
            candidates,
        });
    }
    named.sort_by(|a, b| due_order(ix.invoices, *a, *b));
    let open: i64 = named.iter().map(|i| outstanding[*i]).sum();
    let (total, split_note) = effective_amount(p, open, sp);
    let mut left = total;
    let mut allocations = Vec::new();
    for (k, &i) in named.iter().enumerate() {
        let last = k + 1 == named.len();
        let take = if last { left } else { left.min(outstanding[i]) };
        if take <= 0 {
            continue;
        }
        left -= take;
        let inv = &ix.invoices[i];
        let mut reason = format!("title names {}", how.join(", "));
        if take > outstanding[i] {
            reason.push_str(&format!(
                "; {} more than was outstanding: overpayment",
                money(take - outstanding[i], p.currency)
            ));
        } else if take < outstanding[i] {
            reason.push_str(&format!(
                "; partial: {} remains",
                money(outstanding[i] - take, p.currency)
            ));
        }
        if let Some(n) = &split_note {
            reason.push_str(n);
        }
        allocations.push(Allocation {
            invoice_id: inv.id,
            amount: take,
            rule: Rule::InvoiceNumber,
            reason,
        });
    }
    NumberResult::Decided(Outcome::Matched { allocations })
}

/// A split payment where only the net reached this account pays the gross: net + the /VAT/ amount is
/// what the invoices receive, when that is exactly what they miss.
fn effective_amount(
    p: &Payment,
    target: i64,
    sp: Option<&titles::SplitPayment>,
) -> (i64, Option<String>) {
    if let Some(vat) = sp.and_then(|s| s.vat).filter(|v| *v > 0)
        && p.amount != target
        && p.amount + vat == target
    {
        return (
            p.amount + vat,
            Some(format!(
                "; split payment: net {} here, VAT {} to the VAT account",
                money(p.amount, p.currency),
                money(vat, p.currency)
            )),
        );
    }
    (p.amount, None)
}

fn open_of(ix: &Index<'_>, outstanding: &[i64], client: i64, currency: Currency) -> Vec<usize> {
    ix.by_client
        .get(&client)
        .map(|l| {
            l.iter()
                .copied()
                .filter(|i| outstanding[*i] > 0 && ix.invoices[*i].currency == currency)
                .collect()
        })
        .unwrap_or_default()
}

fn by_amount(
    ix: &Index<'_>,
    outstanding: &[i64],
    p: &Payment,
    client: i64,
    rule: Rule,
    why: &str,
    sp: Option<&titles::SplitPayment>,
) -> Outcome {
    let open = open_of(ix, outstanding, client, p.currency);
    let name = ix.client_name(client);
    if open.is_empty() {
        let other_currency = ix
            .by_client
            .get(&client)
            .is_some_and(|l| l.iter().any(|i| outstanding[*i] > 0));
        let reason = if other_currency {
            format!("{why}, but its open invoices are not in {}", p.currency)
        } else {
            format!("{why}, but it has no open invoices")
        };
        return Outcome::Review {
            reason,
            candidates: Vec::new(),
        };
    }
    let amounts: Vec<i64> = std::iter::once(p.amount)
        .chain(
            sp.and_then(|s| s.vat)
                .filter(|v| *v > 0)
                .map(|v| p.amount + v),
        )
        .collect();
    for (k, &target) in amounts.iter().enumerate() {
        let split = (k == 1).then(|| {
            format!(
                "; split payment: net {} here, VAT {} to the VAT account",
                money(p.amount, p.currency),
                money(target - p.amount, p.currency)
            )
        });
        let exact: Vec<usize> = open
            .iter()
            .copied()
            .filter(|i| outstanding[*i] == target)
            .collect();
        match exact.as_slice() {
            [one] => {
                let reason = format!(
                    "{why}; the only open invoice of {name} with outstanding {}{}",
                    money(target, p.currency),
                    split.clone().unwrap_or_default()
                );
                return Outcome::Matched {
                    allocations: vec![Allocation {
                        invoice_id: ix.invoices[*one].id,
                        amount: target,
                        rule,
                        reason,
                    }],
                };
            }
            [_, _, ..] => {
                return Outcome::Review {
                    reason: format!(
                        "{why}; {} open invoices of {name} have outstanding {}",
                        exact.len(),
                        money(target, p.currency)
                    ),
                    candidates: exact.iter().map(|i| ix.invoices[*i].id).collect(),
                };
            }
            [] => {}
        }
        let pool: Vec<usize> = open.iter().copied().take(MAX_SET_POOL).collect();
        let sets = subsets_summing(&pool, outstanding, target);
        match sets.len() {
            1 => {
                let set = &sets[0];
                let numbers: Vec<&str> = set
                    .iter()
                    .map(|i| ix.invoices[*i].number.original())
                    .collect();
                let allocations = set
                    .iter()
                    .map(|i| Allocation {
                        invoice_id: ix.invoices[*i].id,
                        amount: outstanding[*i],
                        rule,
                        reason: format!(
                            "{why}; open invoices {} sum to {}{}",
                            numbers.join(" + "),
                            money(target, p.currency),
                            split.clone().unwrap_or_default()
                        ),
                    })
                    .collect();
                return Outcome::Matched { allocations };
            }
            0 => {}
            n => {
                let mut ids: Vec<i64> = sets.iter().flatten().map(|i| ix.invoices[*i].id).collect();
                ids.sort();
                ids.dedup();
                return Outcome::Review {
                    reason: format!(
                        "{why}; {n} different sets of open invoices of {name} sum to {}",
                        money(target, p.currency)
                    ),
                    candidates: ids,
                };
            }
        }
    }
    Outcome::Review {
        reason: format!(
            "{why}; no open invoice or set of invoices of {name} has outstanding {}",
            money(p.amount, p.currency)
        ),
        candidates: open.iter().map(|i| ix.invoices[*i].id).collect(),
    }
}

/// All sets of 2..=MAX_SET invoices from `pool` (oldest first) whose outstanding sums to `target`.
/// Stops counting at 2: one set matches, more than one means review.
fn subsets_summing(pool: &[usize], outstanding: &[i64], target: i64) -> Vec<Vec<usize>> {
    fn go(
        pool: &[usize],
        out: &[i64],
        start: usize,
        left: i64,
        chosen: &mut Vec<usize>,
        found: &mut Vec<Vec<usize>>,
    ) {
        if found.len() > 1 {
            return;
        }
        if left == 0 && chosen.len() >= 2 {
            found.push(chosen.clone());
            return;
        }
        if chosen.len() == MAX_SET || left <= 0 {
            return;
        }
        for k in start..pool.len() {
            let v = out[pool[k]];
            if v <= left {
                chosen.push(pool[k]);
                go(pool, out, k + 1, left - v, chosen, found);
                chosen.pop();
            }
        }
    }
    let mut found = Vec::new();
    go(pool, outstanding, 0, target, &mut Vec::new(), &mut found);
    found
}

fn money(minor: i64, currency: Currency) -> String {
    format!(
        "{} {currency}",
        crate::domain::format_pl(crate::domain::Money::from_minor(minor, currency).amount())
    )
}
