//! Numbers in the title: which invoices each one may mean, which the payer and the amount choose,
//! and the conflicts that send a payment to review instead.

use super::payer::Payer;
use super::reason::{Chosen, Read, Reading};
use super::titles::{self, SplitPayment, Title, Token};
use super::{Allocation, Evidence, Ledger, Outcome, Payment, Reason, Rule, sum};
use crate::domain::InvoiceNumber;
use crate::domain::invoice_number::core_of_canonical;
use std::collections::BTreeSet;

/// How a number in the title was read to find an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    /// As written (canonical forms equal).
    Exact,
    /// Without a generic prefix (`FV`, `F`, `Faktura nr`…).
    Core,
    /// Without leading zeros too.
    NoZeros,
}

impl Level {
    fn reading(self) -> Reading {
        match self {
            Level::Exact => Reading::Exact,
            Level::Core => Reading::WithoutPrefix,
            Level::NoZeros => Reading::WithoutZeros,
        }
    }
}

/// What one number of the title settled on.
enum Pick {
    /// This invoice, and how it was chosen.
    One(usize, Read),
    /// Several invoices fit and nothing chooses among them.
    Ambiguous(Vec<usize>),
    /// The only invoices it names belong to another client than the payer.
    Conflict(Vec<usize>),
}

/// The invoices a token may mean, each with its best reading.
fn candidates(l: &Ledger<'_, '_>, token: &Token) -> Vec<(usize, Level)> {
    let ix = l.ix;
    let core = match core_of_canonical(&token.text) {
        "" => token.text.as_str(),
        core => core,
    };
    let mut out: Vec<(usize, Level)> = Vec::new();
    let mut add = |hits: &mut dyn Iterator<Item = usize>, level: Level| {
        for i in hits {
            if !out.iter().any(|(j, _)| *j == i) {
                out.push((i, level));
            }
        }
    };
    add(&mut ix.by_canonical(&token.text), Level::Exact);
    add(&mut ix.by_core(core), Level::Core);
    // A number joined from pieces must be found as written: joining digit groups and then
    // dropping zeros reads numbers into titles that never held them.
    if !token.joined {
        let no_zeros = titles::without_leading_zeros(core);
        add(&mut ix.by_no_zeros(&no_zeros), Level::NoZeros);
    }
    out
}

/// Chooses among a token's candidates: the payer's, then the one whose outstanding is the
/// amount, then the one read exactly.
fn pick(
    l: &Ledger<'_, '_>,
    p: &Payment,
    payer: &Payer,
    cands: &[(usize, Level)],
    amounts: &[i64],
) -> Pick {
    let ix = l.ix;
    let mut cands: Vec<(usize, Level)> = cands.to_vec();
    // Another currency never pays it; when nothing else is left the currency check says so.
    if cands
        .iter()
        .any(|(i, _)| ix.invoices[*i].currency == p.currency)
    {
        cands.retain(|(i, _)| ix.invoices[*i].currency == p.currency);
    }
    if let Some(c) = payer.client() {
        let all: Vec<usize> = cands.iter().map(|(i, _)| *i).collect();
        cands.retain(|(i, _)| ix.invoices[*i].client_id == c);
        if cands.is_empty() {
            return Pick::Conflict(all);
        }
    }
    let how = |i: usize, level: Level, chosen: Option<Chosen>| Read {
        invoice: ix.number(i).to_string(),
        reading: level.reading(),
        chosen,
    };
    if let [(i, level)] = cands.as_slice() {
        return Pick::One(*i, how(*i, *level, None));
    }
    let fits: Vec<&(usize, Level)> = cands
        .iter()
        .filter(|(i, _)| amounts.contains(&l.outstanding[*i]))
        .collect();
    match fits.as_slice() {
        [(i, level)] => {
            return Pick::One(*i, how(*i, *level, Some(Chosen::AmountFitsItAlone)));
        }
        [_, _, ..] => return Pick::Ambiguous(cands.iter().map(|(i, _)| *i).collect()),
        [] => {}
    }
    let exact: Vec<&(usize, Level)> = cands.iter().filter(|(_, l)| *l == Level::Exact).collect();
    if let [(i, level)] = exact.as_slice() {
        return Pick::One(*i, how(*i, *level, Some(Chosen::OnlyOneWrittenSo)));
    }
    Pick::Ambiguous(cands.iter().map(|(i, _)| *i).collect())
}

/// Open invoices (other than `but`) of `client` in the payment's currency whose outstanding is
/// exactly one of `amounts`, issued by the payment's date.
fn exact_of(
    l: &Ledger<'_, '_>,
    p: &Payment,
    client: i64,
    amounts: &[i64],
    but: &[usize],
) -> Vec<usize> {
    let fits = |i: usize| {
        amounts.contains(&l.outstanding[i]) && !but.contains(&i) && !l.before_issue(p, i)
    };
    // This runs for nearly every payment that does not fit its named invoice. The invoices of
    // exactly these amounts are usually far fewer than the client's, which lie all over memory
    // (a million payments against 100,000 invoices: 1 s of deciding); but an amount many
    // clients owe (a subscription's price) can list thousands. Whichever list is shorter is
    // walked; the result is the same, in the order `open_of` gives.
    let of_client = l.ix.by_client.get(&client).map_or(0, Vec::len);
    let of_amounts: usize = amounts
        .iter()
        .map(|a| l.by_amount.get(a).map_or(0, Vec::len))
        .sum();
    if of_client <= of_amounts {
        return l.open_of(client, p.currency).filter(|&i| fits(i)).collect();
    }
    let mut out: Vec<usize> = amounts
        .iter()
        .flat_map(|a| l.by_amount.get(a).into_iter().flatten())
        .copied()
        .filter(|&i| l.ix.invoices[i].client_id == client && l.is_open(i, p.currency) && fits(i))
        .collect();
    out.sort_by(|a, b| super::due_order(l.ix.invoices, *a, *b));
    out.dedup();
    out
}

/// Open invoices whose number differs from a token by one digit (or two swapped digits) and
/// whose outstanding is exactly the amount: the number the payer probably meant.
fn typo_twins(l: &Ledger<'_, '_>, p: &Payment, token: &Token, amounts: &[i64]) -> Vec<usize> {
    let ix = l.ix;
    let core = core_of_canonical(&token.text);
    // Only an open invoice of exactly the amount can be the twin: look among those (by their
    // amount) rather than spell out every variant of the number.
    let mut out = BTreeSet::new();
    for a in amounts {
        for &i in l.by_amount.get(a).into_iter().flatten() {
            let inv = &ix.invoices[i];
            if l.outstanding[i] == *a
                && inv.currency == p.currency
                && mistyped(&token.text, core, &inv.number)
            {
                out.insert(i);
            }
        }
    }
    out.into_iter().collect()
}

/// Whether `text` (whose core is `core`) is `number` with one digit slipped, as written or
/// without the prefix.
fn mistyped(text: &str, core: &str, number: &InvoiceNumber) -> bool {
    one_digit_apart(text, number.canonical())
        || (!core.is_empty() && one_digit_apart(core, number.core()))
}

/// An allocation the payer and the amount chose (no number of the title named a known
/// invoice), checked against the invoice numbers the title states: a number we do not know is
/// most often an invoice issued after the last list we imported, and with a subscription's
/// amount another open invoice of the client fits just as well. The money is that invoice's, and
/// allocated to the old one it would silence the reminders for what is still owed: review. A
/// stated number one digit from the chosen invoice's (a typo), or made of its parts, agrees with
/// it, and the allocation stands.
pub(super) fn unless_another_named(
    l: &Ledger<'_, '_>,
    p: &Payment,
    title: &Title<'_>,
    outcome: Outcome,
) -> Outcome {
    let Outcome::Matched { allocations } = &outcome else {
        return outcome;
    };
    let ix = l.ix;
    // Unknown: no reading of it finds an invoice, as no token of the title did.
    let unknown: Vec<String> = titles::stated_invoice_numbers(title)
        .into_iter()
        .filter(|s| {
            let token = Token {
                text: s.clone(),
                joined: false,
            };
            candidates(l, &token).is_empty()
        })
        .collect();
    if unknown.is_empty() {
        return outcome;
    }
    let chosen: Vec<usize> = allocations
        .iter()
        .filter_map(|a| l.position.get(&a.invoice_id).copied())
        .collect();
    let typo = unknown.iter().any(|s| {
        let core = core_of_canonical(s);
        chosen.iter().any(|&i| {
            let n = &ix.invoices[i].number;
            mistyped(s, core, n) || parts_within(s, n.canonical())
        })
    });
    let Some(first) = allocations.first() else {
        return outcome;
    };
    if typo {
        return outcome;
    }
    Outcome::Review {
        reason: first.reason.clone().and(Evidence::NamesUnknown {
            named: unknown,
            fits: ix.numbers(&chosen),
            amount: sum(p.amount, p.currency),
        }),
        candidates: allocations.iter().map(|a| a.invoice_id).collect(),
    }
}

/// Whether every digit group of `a` is one of `b`'s (leading zeros aside), each used once: the
/// chosen invoice's number written in another order or with a part left out (`2026/11/12` or
/// `12/2026` for `FV/12/11/2026`), which agrees with the choice rather than naming another one.
fn parts_within(a: &str, b: &str) -> bool {
    let groups = |t: &str| -> Vec<String> {
        t.split(|c: char| !c.is_ascii_digit())
            .filter(|g| !g.is_empty())
            .map(|g| {
                let g = g.trim_start_matches('0');
                if g.is_empty() { "0" } else { g }.to_string()
            })
            .collect()
    };
    let (a, mut b) = (groups(a), groups(b));
    !a.is_empty()
        && a.iter().all(|g| match b.iter().position(|x| x == g) {
            Some(k) => {
                b.swap_remove(k);
                true
            }
            None => false,
        })
}

/// Whether `b` is `a` with one digit changed to another digit, or two different adjacent digits
/// swapped: the slips of a hand typing a number.
fn one_digit_apart(a: &str, b: &str) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let diff: Vec<usize> = (0..a.len()).filter(|&k| a[k] != b[k]).take(3).collect();
    match diff.as_slice() {
        [k] => a[*k].is_ascii_digit() && b[*k].is_ascii_digit(),
        [k, j] if *j == k + 1 => {
            a[*k].is_ascii_digit() && a[*j].is_ascii_digit() && a[*k] == b[*j] && a[*j] == b[*k]
        }
        _ => false,
    }
}

fn review(l: &Ledger<'_, '_>, reason: Reason, mut cands: Vec<usize>) -> Option<(Outcome, bool)> {
    cands.sort_by(|a, b| super::due_order(l.ix.invoices, *a, *b));
    cands.dedup();
    Some((
        Outcome::Review {
            reason,
            candidates: cands.iter().map(|i| l.ix.invoices[*i].id).collect(),
        },
        false,
    ))
}

/// The number rules; `None` when the title names no known invoice.
pub(super) fn decide(
    l: &Ledger<'_, '_>,
    p: &Payment,
    title: &Title<'_>,
    payer: &Payer,
    sp: Option<&SplitPayment>,
) -> Option<(Outcome, bool)> {
    let ix = l.ix;
    let amounts = amounts_paid(p, sp);
    let mut named: Vec<usize> = Vec::new();
    let mut how: Vec<Read> = Vec::new();
    let mut tokens_named: Vec<(Token, usize)> = Vec::new();
    for token in titles::number_candidates_in(title, sp) {
        // Pieces joined together are read only when the title as written named nothing (a
        // number cut by the bank's line length), and only a decisive reading counts.
        if token.joined && !named.is_empty() {
            continue;
        }
        let cands = candidates(l, &token);
        if cands.is_empty() {
            continue;
        }
        let picked = pick(l, p, payer, &cands, &amounts);
        if token.joined && !matches!(&picked, Pick::One(..)) {
            continue;
        }
        match picked {
            Pick::One(i, why) => {
                if !named.contains(&i) {
                    named.push(i);
                    how.push(why);
                    tokens_named.push((token, i));
                }
            }
            Pick::Ambiguous(all) => {
                return review(
                    l,
                    Reason::of(Evidence::FitsSeveral {
                        token: token.text.clone(),
                        invoices: ix.numbers(&all),
                    }),
                    all,
                );
            }
            Pick::Conflict(all) => {
                let mut reason = Reason::of(Evidence::OfAnotherClient {
                    invoices: ix.numbers(&all),
                    client: ix.client_name(ix.invoices[all[0]].client_id).into(),
                });
                let mut cands = all.clone();
                if let Payer::Known { client, why, .. } = payer {
                    reason = reason.and(why.clone());
                    cands.extend(exact_of(l, p, *client, &amounts, &all));
                }
                return review(l, reason, cands);
            }
        }
    }
    if named.is_empty() {
        return None;
    }
    if let Some(d) = conflicts(l, p, title, payer, &named, &tokens_named, &amounts) {
        return Some(d);
    }
    Some(allocate(l, p, payer, named, &how, sp, &amounts))
}

/// The evidence around the named invoices that contradicts them: another currency, invoices of
/// several clients from an unknown payer, a settled invoice while an open one of exactly this
/// amount waits, an amount far from the named invoice while an exact one waits, a likely typo.
fn conflicts(
    l: &Ledger<'_, '_>,
    p: &Payment,
    title: &Title<'_>,
    payer: &Payer,
    named: &[usize],
    tokens: &[(Token, usize)],
    amounts: &[i64],
) -> Option<(Outcome, bool)> {
    let ix = l.ix;
    if named.iter().any(|i| ix.invoices[*i].currency != p.currency) {
        return review(
            l,
            Reason::of(Evidence::OtherCurrency {
                invoices: ix.numbers(named),
                currency: p.currency,
            }),
            named.to_vec(),
        );
    }
    if named
        .windows(2)
        .any(|w| ix.invoices[w[0]].client_id != ix.invoices[w[1]].client_id)
    {
        return review(
            l,
            Reason::of(Evidence::OfSeveralClients {
                invoices: ix.numbers(named),
            }),
            named.to_vec(),
        );
    }
    let &[i] = named else {
        return None;
    };
    // Settled by a payment a person recorded by hand: the bank's payment may be that money.
    let hand = &ix.invoices[i].settled_by_hand;
    if !hand.is_empty() && l.outstanding[i] <= 0 {
        return review(
            l,
            Reason::of(Evidence::SettledByHand {
                invoice: ix.number(i).into(),
                payments: hand.clone(),
            }),
            vec![i],
        );
    }
    // Whose the money probably is: the identified payer, else the named invoice's client.
    let presumed = payer.client().unwrap_or(ix.invoices[i].client_id);
    let fits = amounts.contains(&l.outstanding[i]);
    // Interest or compensation for the invoice: a separate claim, which the invoice's
    // outstanding must not absorb (nor the reminders for the invoice stop).
    if !fits && title.says_interest() {
        return review(
            l,
            Reason::of(Evidence::InterestNotInvoice {
                named: ix.number(i).into(),
                amount: sum(p.amount, p.currency),
            }),
            vec![i],
        );
    }
    // "część 1", "I rata": a partial payment on purpose, not a sign of another invoice.
    if !fits && !title.says_partial() {
        let better = exact_of(l, p, presumed, amounts, &[i]);
        if !better.is_empty() {
            let mut cands = vec![i];
            cands.extend(&better);
            return review(
                l,
                Reason::of(Evidence::ExactElsewhere {
                    named: ix.number(i).into(),
                    named_outstanding: sum(l.outstanding[i], p.currency),
                    others: ix.numbers(&better),
                    client: ix.client_name(presumed).into(),
                    amount: sum(p.amount, p.currency),
                }),
                cands,
            );
        }
        if let Some((token, _)) = tokens.first() {
            let twins = typo_twins(l, p, token, amounts);
            if !twins.is_empty() {
                let mut cands = vec![i];
                cands.extend(&twins);
                return review(
                    l,
                    Reason::of(Evidence::LikelyTypo {
                        named: ix.number(i).into(),
                        twins: ix.numbers(&twins),
                        amount: sum(p.amount, p.currency),
                    }),
                    cands,
                );
            }
        }
        let others = surplus_pays_others(l, p, presumed, i);
        if !others.is_empty() {
            let mut cands = vec![i];
            cands.extend(&others);
            return review(
                l,
                Reason::of(Evidence::SurplusPaysOthers {
                    named: ix.number(i).into(),
                    named_outstanding: sum(l.outstanding[i], p.currency),
                    others: ix.numbers(&others),
                    client: ix.client_name(presumed).into(),
                    surplus: sum(p.amount - l.outstanding[i].max(0), p.currency),
                }),
                cands,
            );
        }
    }
    None
}

/// Other open invoices of `client` whose outstanding is exactly what the payment brings beyond
/// the named invoice `i`'s: one invoice, or the one small set summing to it. A transfer paying
/// "FV/14/11/2026" with what 14, 12 and 13 miss together paid all three; left alone it would
/// overpay 14 while 12 and 13 are dunned. Empty when the payment brings no more than `i` misses
/// or nothing adds up (a plain overpayment).
fn surplus_pays_others(l: &Ledger<'_, '_>, p: &Payment, client: i64, i: usize) -> Vec<usize> {
    let surplus = p.amount - l.outstanding[i].max(0);
    if surplus <= 0 {
        return Vec::new();
    }
    let one = exact_of(l, p, client, &[surplus], &[i]);
    if !one.is_empty() {
        return one;
    }
    let pool: Vec<usize> = l
        .open_of(client, p.currency)
        .filter(|j| *j != i && !l.before_issue(p, *j))
        .take(super::amounts::MAX_SET_POOL)
        .collect();
    // Every invoice of every set that sums to it, once, oldest due first as the sets list them.
    let mut out: Vec<usize> = Vec::new();
    for j in super::amounts::subsets_summing(&pool, l.outstanding, surplus)
        .into_iter()
        .flatten()
    {
        if !out.contains(&j) {
            out.push(j);
        }
    }
    out
}

/// Spreads the payment over the named invoices, oldest due first, up to each one's outstanding;
/// the surplus stays on the last.
fn allocate(
    l: &Ledger<'_, '_>,
    p: &Payment,
    payer: &Payer,
    mut named: Vec<usize>,
    how: &[Read],
    sp: Option<&SplitPayment>,
    amounts: &[i64],
) -> (Outcome, bool) {
    let ix = l.ix;
    named.sort_by(|a, b| super::due_order(ix.invoices, *a, *b));
    let open: i64 = named.iter().map(|i| l.outstanding[*i]).sum();
    let (total, split_note) = effective_amount(p, open, sp);
    let client = ix.invoices[named[0]].client_id;
    let payer_note = match payer {
        Payer::Known { client: c, why, .. } if *c == client => Some(why.clone()),
        _ => None,
    };
    let mut left = total;
    let mut allocations = Vec::new();
    let mut prepaid = false;
    for (k, &i) in named.iter().enumerate() {
        let last = k + 1 == named.len();
        let take = if last {
            left
        } else {
            left.min(l.outstanding[i])
        };
        if take <= 0 {
            continue;
        }
        left -= take;
        let mut reason = Reason::of(Evidence::TitleNames {
            reads: how.to_vec(),
        });
        if let Some(e) = &payer_note {
            reason = reason.and(e.clone());
        }
        if take > l.outstanding[i] {
            reason = reason.and(Evidence::Overpayment {
                surplus: sum(take - l.outstanding[i], p.currency),
            });
        } else if take < l.outstanding[i] {
            reason = reason.and(Evidence::Partial {
                remains: sum(l.outstanding[i] - take, p.currency),
            });
        }
        if l.before_issue(p, i) {
            prepaid = true;
            reason = reason.and(Evidence::Prepayment);
        }
        if let Some(e) = &split_note {
            reason = reason.and(e.clone());
        }
        allocations.push(Allocation {
            invoice_id: ix.invoices[i].id,
            amount: take,
            rule: Rule::InvoiceNumber,
            reason,
        });
    }
    // Number, payer and amount agree: the payer is this client and the money is exactly what
    // the invoices miss.
    let agreed = payer.client() == Some(client) && amounts.contains(&open) && !prepaid && open > 0;
    (Outcome::Matched { allocations }, agreed)
}

/// The amounts this payment may settle: what came, and for a split payment whose VAT went to
/// the VAT account, the gross (net + `/VAT/`).
pub(super) fn amounts_paid(p: &Payment, sp: Option<&SplitPayment>) -> Vec<i64> {
    std::iter::once(p.amount)
        .chain(
            sp.and_then(|s| s.vat)
                .filter(|v| *v > 0)
                .map(|v| p.amount + v),
        )
        .collect()
}

/// A split payment where only the net reached this account pays the gross: net + the /VAT/ amount
/// is what the invoices receive, when that is exactly what they miss.
pub(super) fn effective_amount(
    p: &Payment,
    target: i64,
    sp: Option<&SplitPayment>,
) -> (i64, Option<Evidence>) {
    if let Some(vat) = sp.and_then(|s| s.vat).filter(|v| *v > 0)
        && p.amount != target
        && p.amount + vat == target
    {
        return (
            p.amount + vat,
            Some(Evidence::SplitPayment {
                net: sum(p.amount, p.currency),
                vat: sum(vat, p.currency),
            }),
        );
    }
    (p.amount, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;
    use crate::reconcile::{Context, Invoice, Reconciler};
    use chrono::NaiveDate;

    /// Whichever list `exact_of` walks (the client's invoices, or those of the amount), it finds
    /// what walking the client's open invoices finds, in that order: other clients owing the
    /// same amount, another currency, a settled invoice, one issued after the payment and the
    /// invoices set aside are all left out.
    #[test]
    fn exact_of_finds_the_same_whichever_list_it_walks() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d);
        let mut invoices = Vec::new();
        let mut add = |client: i64, outstanding: i64, currency: Currency, issued: u32, due: u32| {
            let id = invoices.len() as i64 + 1;
            invoices.push(Invoice {
                id,
                number: InvoiceNumber::parse(&format!("FV/{id}/11/2026")).unwrap(),
                client_id: client,
                issue_date: day(issued),
                due_date: day(due),
                currency,
                outstanding,
                settled_by_hand: Vec::new(),
            });
        };
        // Client 1: a few invoices of 49.00, in several due orders, one in EUR, one settled,
        // one issued after the payment, and one of a price nobody else has.
        for (due, currency, outstanding, issued) in [
            (20, Currency::PLN, 4_900, 1),
            (5, Currency::PLN, 4_900, 1),
            (12, Currency::EUR, 4_900, 1),
            (8, Currency::PLN, 0, 1),
            (9, Currency::PLN, 4_900, 28),
            (15, Currency::PLN, 1_234, 1),
            (3, Currency::PLN, 7_000, 1),
        ] {
            add(1, outstanding, currency, issued, due);
        }
        // Forty other clients owe 49.00 as well (a subscription's price).
        for c in 0..40 {
            add(100 + c, 4_900, Currency::PLN, 1, 10);
        }
        let ctx = Context::default();
        let r = Reconciler::new(&invoices, &[], &ctx);
        let l = Ledger {
            ix: &r.ix,
            outstanding: &r.outstanding,
            by_amount: &r.by_amount,
            position: &r.position,
            ctx: &ctx,
        };
        let payment = Payment {
            id: 1,
            booking_date: day(10),
            amount: 4_900,
            currency: Currency::PLN,
            title: String::new(),
            counterparty_name: None,
            counterparty_address: None,
            counterparty_account: None,
        };
        let walked = |amounts: &[i64], but: &[usize]| -> Vec<usize> {
            l.open_of(1, Currency::PLN)
                .filter(|&i| {
                    amounts.contains(&l.outstanding[i])
                        && !but.contains(&i)
                        && !l.before_issue(&payment, i)
                })
                .collect()
        };
        let ids = |found: &[usize]| -> Vec<i64> { found.iter().map(|i| invoices[*i].id).collect() };
        // 49.00: the amount's list (41) is longer than the client's (7): the client's is walked.
        let common = exact_of(&l, &payment, 1, &[4_900], &[]);
        assert_eq!(common, walked(&[4_900], &[]));
        assert_eq!(
            ids(&common),
            vec![2, 1],
            "due first; not EUR, settled or issued later"
        );
        assert_eq!(
            exact_of(&l, &payment, 1, &[4_900], &[1]),
            walked(&[4_900], &[1])
        );
        // 12.34 and 70.00: their lists (1 each) are shorter: the amounts' are walked.
        let rare = exact_of(&l, &payment, 1, &[1_234, 7_000], &[]);
        assert_eq!(rare, walked(&[1_234, 7_000], &[]));
        assert_eq!(ids(&rare), vec![7, 6]);
        assert!(
            exact_of(&l, &payment, 1, &[1_234], &[5]).is_empty(),
            "set aside"
        );
        assert!(
            exact_of(&l, &payment, 100, &[1_234], &[]).is_empty(),
            "another client's"
        );
    }
}
