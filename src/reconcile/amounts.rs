//! Without a number: the identified payer's open invoices by amount: the one with exactly this
//! outstanding, or the one small set of them summing to it. Invoices issued after the money came
//! (beyond the grace) are not candidates.

use super::numbers::{amounts_paid, effective_amount};
use super::payer::Payer;
use super::titles::{SplitPayment, Title};
use super::{Allocation, Evidence, Ledger, Outcome, Payment, Reason, Rule, sum};

/// Sets of at most this many invoices are tried when amounts must add up.
const MAX_SET: usize = 4;
/// ... among the client's oldest this-many open invoices (C(12,4) = 495 sets at most).
pub(super) const MAX_SET_POOL: usize = 12;

pub(super) fn decide(
    l: &Ledger<'_, '_>,
    p: &Payment,
    title: &Title<'_>,
    payer: &Payer,
    sp: Option<&SplitPayment>,
) -> Outcome {
    let (client, rule, why) = match payer {
        Payer::Known { client, rule, why } => (*client, *rule, why),
        Payer::Ambiguous { why, clients } => {
            let candidates = clients
                .iter()
                .flat_map(|c| l.open_of(*c, p.currency))
                .map(|i| l.ix.invoices[i].id)
                .collect();
            return Outcome::Review {
                reason: Reason::of(why.clone()),
                candidates,
            };
        }
        Payer::Unknown => {
            return Outcome::Unmatched {
                reason: Reason::of(Evidence::NoEvidence),
            };
        }
    };
    // A prepayment without an invoice number pays an invoice still to come, not an open one
    // that happens to have the amount.
    if title.says_prepayment() {
        return Outcome::Review {
            reason: Reason::of(why.clone()).and(Evidence::PrepaymentWithoutNumber),
            candidates: l
                .open_of(client, p.currency)
                .map(|i| l.ix.invoices[i].id)
                .collect(),
        };
    }
    by_amount(l, p, client, rule, why, sp)
}

fn by_amount(
    l: &Ledger<'_, '_>,
    p: &Payment,
    client: i64,
    rule: Rule,
    why: &Evidence,
    sp: Option<&SplitPayment>,
) -> Outcome {
    let ix = l.ix;
    let all_open: Vec<usize> = l.open_of(client, p.currency).collect();
    let name = ix.client_name(client);
    let open: Vec<usize> = all_open
        .iter()
        .copied()
        .filter(|i| !l.before_issue(p, *i))
        .collect();
    if open.is_empty() {
        let other_currency = ix
            .by_client
            .get(&client)
            .is_some_and(|list| list.iter().any(|i| l.outstanding[*i] > 0));
        let but = if !all_open.is_empty() {
            Evidence::BeforeEveryIssue
        } else if other_currency {
            Evidence::NoOpenInCurrency {
                currency: p.currency,
            }
        } else {
            Evidence::NoOpen
        };
        return Outcome::Review {
            reason: Reason::of(why.clone()).and(but),
            candidates: all_open.iter().map(|i| ix.invoices[*i].id).collect(),
        };
    }
    let amounts = amounts_paid(p, sp);
    for &target in &amounts {
        let split = effective_amount(p, target, sp).1;
        if let Some(o) = exact(l, p, &open, target, rule, why, name, split.as_ref()) {
            return o;
        }
        let pool: Vec<usize> = open.iter().copied().take(MAX_SET_POOL).collect();
        let sets = subsets_summing(&pool, l.outstanding, target);
        match sets.len() {
            1 => {
                let set = &sets[0];
                let mut reason = Reason::of(why.clone()).and(Evidence::SetSums {
                    invoices: ix.numbers(set),
                    amount: sum(target, p.currency),
                });
                if let Some(e) = &split {
                    reason = reason.and(e.clone());
                }
                let allocations = set
                    .iter()
                    .map(|i| Allocation {
                        invoice_id: ix.invoices[*i].id,
                        amount: l.outstanding[*i],
                        rule,
                        reason: reason.clone(),
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
                    reason: Reason::of(why.clone()).and(Evidence::SeveralSets {
                        count: n,
                        client: name.into(),
                        amount: sum(target, p.currency),
                    }),
                    candidates: ids,
                };
            }
        }
    }
    // The amount may be exactly that of an invoice issued after the money came: a prepayment, a
    // late-dated invoice, or chance. A person decides; the reason says which invoice it is.
    let later: Vec<usize> = all_open
        .iter()
        .copied()
        .filter(|i| l.before_issue(p, *i) && amounts.contains(&l.outstanding[*i]))
        .collect();
    let evidence = if later.is_empty() {
        Evidence::NoFit {
            client: name.into(),
            amount: sum(p.amount, p.currency),
        }
    } else {
        Evidence::IssuedAfterPayment {
            invoices: ix.numbers(&later),
            amount: sum(p.amount, p.currency),
        }
    };
    Outcome::Review {
        reason: Reason::of(why.clone()).and(evidence),
        candidates: all_open.iter().map(|i| ix.invoices[*i].id).collect(),
    }
}

/// The one open invoice with exactly `target` outstanding (several: review).
#[allow(clippy::too_many_arguments)]
fn exact(
    l: &Ledger<'_, '_>,
    p: &Payment,
    open: &[usize],
    target: i64,
    rule: Rule,
    why: &Evidence,
    name: &str,
    split: Option<&Evidence>,
) -> Option<Outcome> {
    let ix = l.ix;
    let exact: Vec<usize> = open
        .iter()
        .copied()
        .filter(|i| l.outstanding[*i] == target)
        .collect();
    match exact.as_slice() {
        [one] => Some(Outcome::Matched {
            allocations: vec![Allocation {
                invoice_id: ix.invoices[*one].id,
                amount: target,
                rule,
                reason: {
                    let r = Reason::of(why.clone()).and(Evidence::OnlyExact {
                        client: name.into(),
                        amount: sum(target, p.currency),
                    });
                    match split {
                        Some(e) => r.and(e.clone()),
                        None => r,
                    }
                },
            }],
        }),
        [_, _, ..] => Some(Outcome::Review {
            reason: Reason::of(why.clone()).and(Evidence::SeveralExact {
                count: exact.len(),
                client: name.into(),
                amount: sum(target, p.currency),
            }),
            candidates: exact.iter().map(|i| ix.invoices[*i].id).collect(),
        }),
        [] => None,
    }
}

/// All sets of 2..=MAX_SET invoices from `pool` (oldest first) whose outstanding sums to `target`.
/// Stops counting at 2: one set matches, more than one means review.
pub(super) fn subsets_summing(pool: &[usize], outstanding: &[i64], target: i64) -> Vec<Vec<usize>> {
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
