//! The reminder planner: pure, so every rule is a table test.
//!
//! Rules, per open invoice with a due date:
//! * a step is due from `due + offset`, moved to the next business day;
//! * after downtime only the latest due step is sent (catch-up never sends a stale tone), and a
//!   step is never sent after a later one or twice;
//! * a `before` step (offset ≤ 0) is not sent once the invoice is overdue;
//! * a partial payment postpones the next step by `partial_postpone_days`;
//! * a paused invoice, a disputed one, one promised or claimed paid (until that day), an amount
//!   under `min_amount` (rounding, a bank fee left over), a paused or excluded client, a client
//!   who replied in the last `reply_pause_days`, or one with a payment waiting in review gets
//!   nothing;
//! * the first mail about an invoice is never an escalating step (one that escalates or states
//!   interest): when catch-up would make it so, the first overdue step's tone goes instead, and
//!   the escalating step follows after the gap between the two steps;
//! * overdue steps wait while the newest bank statement is older than `stale_business_days`;
//! * a client whose open credits (credit notes, overpayments its ERP lists) leave less than
//!   `min_amount` of a mail's sum in each currency gets nothing: the credit is set off first
//!   (a person's work, or the ERP's); a smaller credit is deducted in the mail;
//! * one mail per client per day, listing every invoice due for a step, in the strongest tone;
//! * an invoice whose escalating step brought neither payment nor reply within
//!   `escalate_after_days` is escalated, once.

use super::calendar::Calendar;
use crate::domain::{Currency, Hold, HoldKind};
use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap, HashSet};

/// One step of the policy: `offset_days` from the due date (negative: before it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub name: String,
    pub offset_days: i64,
    /// The template; `None` picks one by position (see [`Policy::template`]).
    pub template: Option<String>,
    pub escalate: bool,
    pub interest: bool,
}

impl Step {
    pub fn new(name: &str, offset_days: i64) -> Step {
        Step {
            name: name.into(),
            offset_days,
            template: None,
            escalate: false,
            interest: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Policy {
    /// Sorted by offset.
    pub steps: Vec<Step>,
    pub partial_postpone_days: i64,
    pub reply_pause_days: i64,
    pub stale_business_days: i64,
    pub escalate_after_days: i64,
    /// Outstanding amounts below this (in the invoice's currency) are not chased.
    pub min_amount: Decimal,
}

impl Default for Policy {
    /// −3 days (gentle), +1 (matter-of-fact), +7 (firmer; escalates, states interest).
    fn default() -> Self {
        let mut last = Step::new("after_7", 7);
        last.escalate = true;
        last.interest = true;
        Policy {
            steps: vec![Step::new("before", -3), Step::new("after_1", 1), last],
            partial_postpone_days: 7,
            reply_pause_days: 5,
            stale_business_days: 2,
            escalate_after_days: 5,
            min_amount: Decimal::new(500, 2),
        }
    }
}

impl Policy {
    /// "Every N days after due": steps at +N, +2N, … (up to `count`, at most 10).
    pub fn every(n: i64, count: usize) -> Policy {
        Policy {
            steps: (1..=count.min(10) as i64)
                .map(|k| Step::new(&format!("after_{}", k * n), k * n))
                .collect(),
            ..Policy::default()
        }
    }

    pub fn step(&self, name: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.name == name)
    }

    /// The step's template: its own, else by position — `reminder_before` before the due date,
    /// `reminder_after_1` for the first overdue step, `reminder_after_7` for the later ones.
    pub fn template(&self, name: &str) -> String {
        let Some(step) = self.step(name) else {
            return "reminder_after_7".into();
        };
        if let Some(t) = &step.template {
            return t.clone();
        }
        if step.offset_days <= 0 {
            return "reminder_before".into();
        }
        let first_overdue = self.steps.iter().find(|s| s.offset_days > 0);
        if first_overdue.is_some_and(|f| f.name == step.name) {
            "reminder_after_1".into()
        } else {
            "reminder_after_7".into()
        }
    }

    /// The policy with a client's own offsets (same number of steps, in order), if it has them.
    /// Borrowed unless the client has offsets of its own: the planner asks once per invoice.
    pub fn for_client(&self, offsets: Option<&[i64]>) -> std::borrow::Cow<'_, Policy> {
        let Some(o) = offsets.filter(|o| o.len() == self.steps.len()) else {
            return std::borrow::Cow::Borrowed(self);
        };
        let mut p = self.clone();
        for (s, off) in p.steps.iter_mut().zip(o) {
            s.offset_days = *off;
        }
        p.steps.sort_by_key(|s| s.offset_days);
        std::borrow::Cow::Owned(p)
    }
}

/// Step days (sorted) moved by `shift` without crossing the due date: a step before it stays
/// before it, one after it stays after it, the due-day step stays, and no two steps fall on
/// the same day (a later step keeps at least one day after the one before).
pub fn shifted(days: &[i64], shift: i64) -> Vec<i64> {
    let mut out: Vec<i64> = days
        .iter()
        .map(|d| match d.signum() {
            -1 => (d + shift).min(-1),
            1 => (d + shift).max(1),
            _ => 0,
        })
        .collect();
    // After the due date: each later step at least a day after the one before.
    for i in 1..out.len() {
        if days[i] > 0 && out[i] <= out[i - 1] {
            out[i] = out[i - 1] + 1;
        }
    }
    // Before it: each earlier step at least a day before the one after.
    for i in (0..out.len().saturating_sub(1)).rev() {
        if days[i] < 0 && out[i] >= out[i + 1] {
            out[i] = out[i + 1] - 1;
        }
    }
    out
}

#[derive(Debug, Clone)]
pub struct OpenInvoice {
    pub id: i64,
    pub client_id: i64,
    pub due: Option<NaiveDate>,
    pub currency: Currency,
    pub outstanding: Decimal,
    /// The latest payment allocated to it (a partial payment postpones the next step).
    pub last_payment: Option<NaiveDate>,
    pub paused: bool,
    /// A dispute, a promise or a claim of payment.
    pub hold: Option<Hold>,
}

#[derive(Debug, Clone, Default)]
pub struct ClientState {
    /// Paused until this day (inclusive), or indefinitely with `paused_indefinitely`.
    pub paused_until: Option<NaiveDate>,
    pub paused_indefinitely: bool,
    /// Strategic client: no reminders (staff get an internal notice instead).
    pub excluded: bool,
    pub last_reply: Option<NaiveDate>,
    pub payment_in_review: bool,
    pub has_address: bool,
    /// The client's own step offsets.
    pub offsets: Option<Vec<i64>>,
    /// Open credits per currency: what the client may set off against what it owes.
    pub credits: BTreeMap<Currency, Decimal>,
}

/// Why a client gets nothing today, when it has something due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Held {
    Paused,
    Excluded,
    Replied,
    PaymentInReview,
    StaleStatement,
    NoAddress,
    /// The client's open credits cover what the mail would ask for.
    Credit,
    Disputed,
    Promised,
    ClaimedPaid,
}

impl Held {
    pub fn as_str(self) -> &'static str {
        match self {
            Held::Paused => "paused",
            Held::Excluded => "excluded",
            Held::Replied => "replied",
            Held::PaymentInReview => "payment_in_review",
            Held::StaleStatement => "stale_statement",
            Held::NoAddress => "no_address",
            Held::Credit => "credit",
            Held::Disputed => "disputed",
            Held::Promised => "promised",
            Held::ClaimedPaid => "claimed_paid",
        }
    }
}

/// One mail planned for a client today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub client_id: i64,
    /// (invoice, step name) pairs: each is recorded once, forever.
    pub items: Vec<(i64, String)>,
    /// The strongest step among them: the mail's tone.
    pub tone: String,
}

/// A client's due steps held back today, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldBack {
    pub client_id: i64,
    pub reason: Held,
    pub items: Vec<(i64, String)>,
}

/// Invoices of one client to escalate today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    pub client_id: i64,
    pub invoices: Vec<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub mails: Vec<Planned>,
    pub held: Vec<HeldBack>,
    pub escalations: Vec<Escalation>,
    /// Overdue invoices with less than `min_amount` outstanding: not chased, staff see them.
    pub too_small: Vec<i64>,
}

/// What the planner reads besides the calendar, the policy and today.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub invoices: Vec<OpenInvoice>,
    /// (invoice, step name) → the day it was planned.
    pub sent: HashMap<(i64, String), NaiveDate>,
    /// Invoices already escalated.
    pub escalated: HashSet<i64>,
    pub clients: BTreeMap<i64, ClientState>,
    /// Booking date of the newest imported bank statement row.
    pub newest_statement: Option<NaiveDate>,
}

/// Plans today's reminders and escalations.
pub fn plan(input: &Inputs, calendar: &Calendar, policy: &Policy, today: NaiveDate) -> Plan {
    let mut plan = Plan::default();
    if !calendar.is_business_day(today) {
        return plan;
    }
    let stale = match input.newest_statement {
        Some(d) => calendar.business_days_between(d, today) > policy.stale_business_days,
        None => true,
    };
    let mut due_by_client: BTreeMap<i64, Vec<(i64, Step)>> = BTreeMap::new();
    let mut escalate: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    let mut held_invoices: BTreeMap<(i64, Held), Vec<(i64, String)>> = BTreeMap::new();
    for inv in &input.invoices {
        let Some(due) = inv.due else { continue };
        if inv.outstanding <= Decimal::ZERO || inv.paused {
            continue;
        }
        if inv.outstanding < policy.min_amount {
            if due < today {
                plan.too_small.push(inv.id);
            }
            continue;
        }
        let state = input.clients.get(&inv.client_id);
        if let Some(h) = inv.hold.filter(|h| h.holds_on(today)) {
            let pol = policy.for_client(state.and_then(|c| c.offsets.as_deref()));
            if let Some(step) = due_step(inv, due, input, &pol, calendar, today) {
                let why = match h.kind {
                    HoldKind::Dispute => Held::Disputed,
                    HoldKind::Promise => Held::Promised,
                    HoldKind::PaidClaim => Held::ClaimedPaid,
                };
                held_invoices
                    .entry((inv.client_id, why))
                    .or_default()
                    .push((inv.id, step.name.clone()));
            }
            continue;
        }
        let policy = policy.for_client(state.and_then(|c| c.offsets.as_deref()));
        // Escalation waits for a fresh statement too: the client may have paid.
        if !stale && let Some(e) = escalation_due(inv, input, state, &policy, calendar, today) {
            escalate.entry(inv.client_id).or_default().push(e);
        }
        if let Some(step) = due_step(inv, due, input, &policy, calendar, today) {
            due_by_client
                .entry(inv.client_id)
                .or_default()
                .push((inv.id, step.clone()));
        }
    }
    // One mail per client per day: a client already mailed today waits for tomorrow.
    let by_id: HashMap<i64, &OpenInvoice> = input.invoices.iter().map(|i| (i.id, i)).collect();
    let mailed_today: HashSet<i64> = input
        .sent
        .iter()
        .filter(|(_, d)| **d == today)
        .filter_map(|((inv, _), _)| by_id.get(inv).map(|i| i.client_id))
        .collect();
    for (client_id, items) in due_by_client {
        if mailed_today.contains(&client_id) {
            continue;
        }
        let state = input.clients.get(&client_id).cloned().unwrap_or_default();
        let pairs = |v: &[(i64, Step)]| -> Vec<(i64, String)> {
            v.iter().map(|(i, s)| (*i, s.name.clone())).collect()
        };
        // While statements are stale only the steps before the due date may go.
        let (sendable, waiting): (Vec<_>, Vec<_>) = items
            .iter()
            .cloned()
            .partition(|(_, s)| !stale || s.offset_days <= 0);
        if let Some(reason) = held_reason(&state, policy, today, sendable.is_empty()) {
            plan.held.push(HeldBack {
                client_id,
                reason,
                items: pairs(&items),
            });
            continue;
        }
        if covered_by_credits(&state, &sendable, &by_id, policy.min_amount) {
            plan.held.push(HeldBack {
                client_id,
                reason: Held::Credit,
                items: pairs(&items),
            });
            continue;
        }
        if !waiting.is_empty() {
            plan.held.push(HeldBack {
                client_id,
                reason: Held::StaleStatement,
                items: pairs(&waiting),
            });
        }
        let tone = sendable
            .iter()
            .max_by_key(|(_, s)| s.offset_days)
            .map(|(_, s)| s.name.clone())
            .unwrap_or_default();
        plan.mails.push(Planned {
            client_id,
            items: pairs(&sendable),
            tone,
        });
    }
    for ((client_id, reason), items) in held_invoices {
        plan.held.push(HeldBack {
            client_id,
            reason,
            items,
        });
    }
    plan.escalations = escalate
        .into_iter()
        .map(|(client_id, invoices)| Escalation {
            client_id,
            invoices,
        })
        .collect();
    plan
}

/// The step an open invoice is due for today, unless a partial payment postpones it or that step
/// (or a later one) was sent. An escalating step (it escalates or states interest) is never the
/// first mail about an invoice: the first overdue step goes instead. After an earlier overdue
/// step it waits the gap between the two steps' offsets.
fn due_step<'p>(
    inv: &OpenInvoice,
    due: NaiveDate,
    input: &Inputs,
    policy: &'p Policy,
    calendar: &Calendar,
    today: NaiveDate,
) -> Option<&'p Step> {
    if let Some(paid) = inv.last_payment
        && today < paid + Duration::days(policy.partial_postpone_days)
    {
        return None;
    }
    let step = policy
        .steps
        .iter()
        .filter(|s| calendar.on_or_after(due + Duration::days(s.offset_days)) <= today)
        .rfind(|s| s.offset_days > 0 || today <= due)?;
    let sent = |s: &Step| input.sent.get(&(inv.id, s.name.clone())).copied();
    let already = policy
        .steps
        .iter()
        .filter(|s| s.offset_days >= step.offset_days)
        .any(|s| sent(s).is_some());
    if already {
        return None;
    }
    if !(step.escalate || step.interest) {
        return Some(step);
    }
    // The latest overdue step sent before this one.
    let earlier = policy
        .steps
        .iter()
        .filter(|s| s.offset_days > 0 && s.offset_days < step.offset_days)
        .filter_map(|s| sent(s).map(|on| (s, on)))
        .max_by_key(|(s, _)| s.offset_days);
    match earlier {
        Some((prev, on)) => {
            let gap = step.offset_days - prev.offset_days;
            (calendar.on_or_after(on + Duration::days(gap)) <= today).then_some(step)
        }
        // First contact after the due date: the first overdue step's tone, not a demand.
        None => policy
            .steps
            .iter()
            .find(|s| s.offset_days > 0)
            .or(Some(step)),
    }
}

/// Whether the client's credits leave less than `min_amount` of the mail's sum to pay in every
/// currency it asks for.
fn covered_by_credits(
    state: &ClientState,
    items: &[(i64, Step)],
    by_id: &HashMap<i64, &OpenInvoice>,
    min_amount: Decimal,
) -> bool {
    if state.credits.is_empty() {
        return false;
    }
    let mut sums: BTreeMap<Currency, Decimal> = BTreeMap::new();
    for (id, _) in items {
        if let Some(i) = by_id.get(id) {
            *sums.entry(i.currency).or_default() += i.outstanding;
        }
    }
    sums.iter().all(|(currency, sum)| {
        let credit = state.credits.get(currency).copied().unwrap_or_default();
        *sum - credit < min_amount
    })
}

/// Why a client's due steps are held back today, if they are; `nothing_sendable` when the stale
/// statement holds every one of them.
fn held_reason(
    state: &ClientState,
    policy: &Policy,
    today: NaiveDate,
    nothing_sendable: bool,
) -> Option<Held> {
    if state.excluded {
        Some(Held::Excluded)
    } else if state.paused_indefinitely || state.paused_until.is_some_and(|d| today <= d) {
        Some(Held::Paused)
    } else if state
        .last_reply
        .is_some_and(|d| today < d + Duration::days(policy.reply_pause_days))
    {
        Some(Held::Replied)
    } else if state.payment_in_review {
        Some(Held::PaymentInReview)
    } else if nothing_sendable {
        Some(Held::StaleStatement)
    } else if !state.has_address {
        Some(Held::NoAddress)
    } else {
        None
    }
}

/// The next step an invoice will get and the business day it is due (for `status`): the first
/// step after the latest one sent, not before `today`. `None` when every step was sent.
pub fn next_step(
    due: NaiveDate,
    sent: &[&str],
    policy: &Policy,
    calendar: &Calendar,
    today: NaiveDate,
) -> Option<(String, NaiveDate)> {
    let latest_sent = policy
        .steps
        .iter()
        .filter(|s| sent.contains(&s.name.as_str()))
        .map(|s| s.offset_days)
        .max();
    let candidates: Vec<(String, NaiveDate)> = policy
        .steps
        .iter()
        .filter(|s| latest_sent.is_none_or(|l| s.offset_days > l))
        .map(|s| {
            (
                s.name.clone(),
                calendar.on_or_after(due + Duration::days(s.offset_days)),
            )
        })
        .collect();
    // Catch-up: of the steps already due, only the latest goes (a `before` step only until due).
    let due_now = candidates
        .iter()
        .rfind(|(n, on)| {
            *on <= today && (policy.step(n).is_some_and(|s| s.offset_days > 0) || today <= due)
        })
        .map(|(n, _)| (n.clone(), calendar.on_or_after(today)));
    let next = due_now.or_else(|| candidates.into_iter().find(|(_, on)| *on > today))?;
    // An escalating step is never the first mail after the due date (see `due_step`).
    let overdue_sent = policy
        .steps
        .iter()
        .any(|s| s.offset_days > 0 && sent.contains(&s.name.as_str()));
    let escalating = policy
        .step(&next.0)
        .is_some_and(|s| s.escalate || s.interest);
    if escalating
        && !overdue_sent
        && let Some(first) = policy.steps.iter().find(|s| s.offset_days > 0)
    {
        return Some((first.name.clone(), next.1));
    }
    Some(next)
}

/// The invoice is escalated when an escalating step was sent `escalate_after_days` ago (moved to
/// a business day) and since then no payment came and the client did not reply; a paused or
/// excluded client, or one with a payment in review, is not escalated.
fn escalation_due(
    inv: &OpenInvoice,
    input: &Inputs,
    state: Option<&ClientState>,
    policy: &Policy,
    calendar: &Calendar,
    today: NaiveDate,
) -> Option<i64> {
    if input.escalated.contains(&inv.id) {
        return None;
    }
    let state = state.cloned().unwrap_or_default();
    if state.excluded
        || state.paused_indefinitely
        || state.paused_until.is_some_and(|d| today <= d)
        || state.payment_in_review
    {
        return None;
    }
    let sent_on = policy
        .steps
        .iter()
        .filter(|s| s.escalate)
        .filter_map(|s| input.sent.get(&(inv.id, s.name.clone())))
        .min()
        .copied()?;
    if calendar.on_or_after(sent_on + Duration::days(policy.escalate_after_days)) > today {
        return None;
    }
    if inv.last_payment.is_some_and(|p| p >= sent_on)
        || state.last_reply.is_some_and(|r| r >= sent_on)
    {
        return None;
    }
    Some(inv.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn inv(id: i64, client: i64, due: NaiveDate) -> OpenInvoice {
        OpenInvoice {
            id,
            client_id: client,
            due: Some(due),
            currency: crate::domain::Currency::PLN,
            outstanding: Decimal::new(123_000, 2),
            last_payment: None,
            paused: false,
            hold: None,
        }
    }

    fn ok_client() -> ClientState {
        ClientState {
            has_address: true,
            ..ClientState::default()
        }
    }

    fn run(
        invoices: &[OpenInvoice],
        sent: &[(i64, &str)],
        client: ClientState,
        today: NaiveDate,
    ) -> Plan {
        let input = Inputs {
            invoices: invoices.to_vec(),
            sent: sent
                .iter()
                .map(|(i, s)| ((*i, s.to_string()), today - Duration::days(1)))
                .collect(),
            clients: invoices
                .iter()
                .map(|i| (i.client_id, client.clone()))
                .collect(),
            newest_statement: Some(today),
            ..Inputs::default()
        };
        plan(&input, &Calendar::default(), &Policy::default(), today)
    }

    /// Like [`run`], with the day each step was sent.
    fn run_dated(
        invoices: &[OpenInvoice],
        sent: &[(i64, &str, NaiveDate)],
        client: ClientState,
        today: NaiveDate,
    ) -> Plan {
        let input = Inputs {
            invoices: invoices.to_vec(),
            sent: sent
                .iter()
                .map(|(i, s, on)| ((*i, s.to_string()), *on))
                .collect(),
            clients: invoices
                .iter()
                .map(|i| (i.client_id, client.clone()))
                .collect(),
            newest_statement: Some(today),
            ..Inputs::default()
        };
        plan(&input, &Calendar::default(), &Policy::default(), today)
    }

    fn steps(p: &Plan) -> Vec<(i64, String)> {
        p.mails.iter().flat_map(|m| m.items.clone()).collect()
    }

    #[test]
    fn the_three_default_steps_on_business_days() {
        // Due Monday 23 Nov 2026: before on Fri 20, after_1 on Tue 24, after_7 on Mon 30.
        let i = [inv(1, 10, d(11, 23))];
        assert!(steps(&run(&i, &[], ok_client(), d(11, 19))).is_empty());
        assert_eq!(
            steps(&run(&i, &[], ok_client(), d(11, 20))),
            vec![(1, "before".into())]
        );
        assert!(steps(&run(&i, &[(1, "before")], ok_client(), d(11, 23))).is_empty());
        assert_eq!(
            steps(&run(&i, &[(1, "before")], ok_client(), d(11, 24))),
            vec![(1, "after_1".into())]
        );
        assert_eq!(
            steps(&run_dated(
                &i,
                &[(1, "before", d(11, 20)), (1, "after_1", d(11, 24))],
                ok_client(),
                d(11, 30)
            )),
            vec![(1, "after_7".into())]
        );
        assert!(
            steps(&run(&i, &[(1, "after_7")], ok_client(), d(12, 15))).is_empty(),
            "never twice"
        );
    }

    #[test]
    fn credits_are_set_off_first_and_only_what_they_leave_is_chased() {
        // Two invoices of 1230.00 due Mon 23 Nov: after_1 on Tue 24.
        let i = [inv(1, 10, d(11, 23)), inv(2, 10, d(11, 23))];
        let with_credit = |pln: i64, eur: i64| {
            let mut c = ok_client();
            c.credits.insert(Currency::PLN, Decimal::new(pln, 2));
            if eur > 0 {
                c.credits.insert(Currency::EUR, Decimal::new(eur, 2));
            }
            c
        };
        let sent = [(1, "before"), (2, "before")];
        // A smaller credit: the mail goes (and deducts it).
        let p = run(&i, &sent, with_credit(100_000, 0), d(11, 24));
        assert_eq!(p.mails.len(), 1, "{p:?}");
        // What it leaves (4.00) is under min_amount (5.00): held, both invoices named.
        let p = run(&i, &sent, with_credit(245_600, 0), d(11, 24));
        assert!(p.mails.is_empty(), "{p:?}");
        assert_eq!(p.held[0].reason, Held::Credit);
        assert_eq!(p.held[0].items.len(), 2);
        // A credit in another currency does not pay PLN invoices.
        let p = run(&i, &sent, with_credit(0, 1_000_000), d(11, 24));
        assert_eq!(p.mails.len(), 1, "{p:?}");
    }

    #[test]
    fn a_step_on_a_holiday_or_weekend_moves_to_the_next_business_day() {
        // Due Wed 23 Dec 2026: after_1 would be Thu 24 Dec (holiday since 2025) → Mon 28 Dec.
        let i = [inv(1, 10, d(12, 23))];
        assert!(steps(&run(&i, &[(1, "before")], ok_client(), d(12, 24))).is_empty());
        assert_eq!(
            steps(&run(&i, &[(1, "before")], ok_client(), d(12, 28))),
            vec![(1, "after_1".into())]
        );
        // Nothing at all goes out on a weekend.
        assert!(run(&i, &[], ok_client(), d(12, 27)).mails.is_empty());
    }

    #[test]
    fn catch_up_never_makes_a_demand_the_first_mail() {
        // Due 2 Nov, nothing sent, today 20 Nov: after_7 is due, but the client has heard
        // nothing; the first overdue step's tone goes.
        let i = [inv(1, 10, d(11, 2))];
        assert_eq!(
            steps(&run(&i, &[], ok_client(), d(11, 20))),
            vec![(1, "after_1".into())]
        );
        // The escalating step follows after the gap between the two steps (6 days), moved to a
        // business day: Thu 26 Nov, not Mon 23.
        let sent = [(1, "after_1", d(11, 20))];
        assert!(steps(&run_dated(&i, &sent, ok_client(), d(11, 23))).is_empty());
        assert_eq!(
            steps(&run_dated(&i, &sent, ok_client(), d(11, 26))),
            vec![(1, "after_7".into())]
        );
        // Nor does it escalate before the escalating step went out.
        let p = run_dated(&i, &sent, ok_client(), d(12, 3));
        assert!(p.escalations.is_empty());
    }

    #[test]
    fn disputes_promises_and_claims_hold_one_invoice() {
        let today = d(11, 23);
        let held = |kind, until| {
            let mut a = inv(1, 10, d(11, 12));
            a.hold = Some(Hold { kind, until });
            a
        };
        for (hold, why) in [
            (held(HoldKind::Dispute, None), Held::Disputed),
            (held(HoldKind::Promise, Some(d(11, 27))), Held::Promised),
            (
                held(HoldKind::PaidClaim, Some(d(11, 25))),
                Held::ClaimedPaid,
            ),
        ] {
            // The other invoice of the same client still gets its reminder.
            let other = inv(2, 10, d(11, 20));
            let p = run(&[hold, other], &[], ok_client(), today);
            assert_eq!(steps(&p), vec![(2, "after_1".into())]);
            assert_eq!(
                p.held,
                vec![HeldBack {
                    client_id: 10,
                    reason: why,
                    items: vec![(1, "after_1".into())]
                }]
            );
        }
        // The day after the promised day, reminders resume by themselves.
        let p = run(
            &[held(HoldKind::Promise, Some(d(11, 20)))],
            &[],
            ok_client(),
            today,
        );
        assert_eq!(steps(&p), vec![(1, "after_1".into())]);
        // A disputed invoice is never escalated.
        let p = run_dated(
            &[held(HoldKind::Dispute, None)],
            &[(1, "after_7", d(11, 13))],
            ok_client(),
            today,
        );
        assert!(p.escalations.is_empty() && p.mails.is_empty());
    }

    #[test]
    fn small_amounts_are_not_chased() {
        let mut a = inv(1, 10, d(11, 12));
        a.outstanding = Decimal::new(30, 2);
        let mut b = inv(2, 10, d(11, 12));
        b.outstanding = Decimal::new(500, 2);
        let p = run(&[a, b], &[], ok_client(), d(11, 23));
        assert_eq!(steps(&p), vec![(2, "after_1".into())]);
        assert_eq!(p.too_small, vec![1]);
    }

    #[test]
    fn one_mail_per_client_in_the_strongest_tone() {
        let i = [
            inv(1, 10, d(11, 12)),
            inv(2, 10, d(11, 20)),
            inv(3, 11, d(11, 20)),
        ];
        let p = run_dated(&i, &[(1, "after_1", d(11, 13))], ok_client(), d(11, 23));
        assert_eq!(p.mails.len(), 2);
        let m = &p.mails[0];
        assert_eq!((m.client_id, m.tone.as_str()), (10, "after_7"));
        assert_eq!(m.items, vec![(1, "after_7".into()), (2, "after_1".into())]);
    }

    #[test]
    fn holds() {
        let i = [inv(1, 10, d(11, 12))];
        let today = d(11, 23);
        let cases = [
            (
                ClientState {
                    paused_until: Some(d(11, 30)),
                    ..ok_client()
                },
                Held::Paused,
            ),
            (
                ClientState {
                    paused_indefinitely: true,
                    ..ok_client()
                },
                Held::Paused,
            ),
            (
                ClientState {
                    excluded: true,
                    ..ok_client()
                },
                Held::Excluded,
            ),
            (
                ClientState {
                    last_reply: Some(d(11, 20)),
                    ..ok_client()
                },
                Held::Replied,
            ),
            (
                ClientState {
                    payment_in_review: true,
                    ..ok_client()
                },
                Held::PaymentInReview,
            ),
            (ClientState::default(), Held::NoAddress),
        ];
        for (state, want) in cases {
            let p = run(&i, &[], state, today);
            assert!(p.mails.is_empty(), "{want:?}");
            assert_eq!(
                p.held
                    .iter()
                    .map(|h| (h.client_id, h.reason))
                    .collect::<Vec<_>>(),
                vec![(10, want)]
            );
        }
        // A pause that ended yesterday holds nothing.
        let p = run(
            &i,
            &[],
            ClientState {
                paused_until: Some(d(11, 22)),
                ..ok_client()
            },
            today,
        );
        assert_eq!(p.mails.len(), 1);
    }

    #[test]
    fn stale_statements_hold_overdue_steps_only() {
        let i = [inv(1, 10, d(11, 12)), inv(2, 10, d(11, 26))];
        let mut input = Inputs {
            invoices: i.to_vec(),
            clients: BTreeMap::from([(10, ok_client())]),
            // Newest statement from Tue 17 Nov: 4 business days old.
            newest_statement: Some(d(11, 17)),
            ..Inputs::default()
        };
        let today = d(11, 23);
        let p = plan(&input, &Calendar::default(), &Policy::default(), today);
        assert_eq!(steps(&p), vec![(2, "before".into())]);
        assert_eq!(
            p.held,
            vec![HeldBack {
                client_id: 10,
                reason: Held::StaleStatement,
                items: vec![(1, "after_1".into())]
            }]
        );
        input.newest_statement = Some(d(11, 19));
        let p = plan(&input, &Calendar::default(), &Policy::default(), today);
        assert_eq!(steps(&p), vec![(1, "after_1".into()), (2, "before".into())]);
    }

    #[test]
    fn a_partial_payment_postpones() {
        let mut i = inv(1, 10, d(11, 12));
        i.last_payment = Some(d(11, 20));
        assert!(steps(&run(&[i.clone()], &[], ok_client(), d(11, 23))).is_empty());
        assert_eq!(
            steps(&run(&[i], &[], ok_client(), d(11, 27))),
            vec![(1, "after_1".into())]
        );
    }

    #[test]
    fn catch_up_after_a_ten_day_gap_sends_the_latest_step_once() {
        // Due Mon 2 Nov; `before` went out on Thu 29 Oct; the daemon was down from 2 to 12 Nov.
        let i = [inv(1, 10, d(11, 2))];
        let p = run(&i, &[(1, "before")], ok_client(), d(11, 12));
        assert_eq!(steps(&p), vec![(1, "after_1".into())]);
        // after_1 is never sent after after_7.
        assert!(
            steps(&run(
                &i,
                &[(1, "before"), (1, "after_7")],
                ok_client(),
                d(11, 13)
            ))
            .is_empty()
        );
    }

    #[test]
    fn a_paused_invoice_and_a_client_mailed_today_wait() {
        let mut a = inv(1, 10, d(11, 12));
        a.paused = true;
        assert!(run(&[a], &[], ok_client(), d(11, 23)).mails.is_empty());
        // Invoice 2 became due after invoice 1's reminder went out today: tomorrow.
        let i = [inv(1, 10, d(11, 12)), inv(2, 10, d(11, 26))];
        let input = Inputs {
            invoices: i.to_vec(),
            sent: HashMap::from([((1, "after_7".to_string()), d(11, 23))]),
            clients: BTreeMap::from([(10, ok_client())]),
            newest_statement: Some(d(11, 23)),
            ..Inputs::default()
        };
        let cal = Calendar::default();
        assert!(
            plan(&input, &cal, &Policy::default(), d(11, 23))
                .mails
                .is_empty()
        );
        assert_eq!(
            steps(&plan(&input, &cal, &Policy::default(), d(11, 24))),
            vec![(2, "before".into())]
        );
    }

    #[test]
    fn a_client_with_its_own_offsets() {
        let i = [inv(1, 10, d(11, 12))];
        let client = ClientState {
            offsets: Some(vec![-5, 14, 30]),
            ..ok_client()
        };
        assert!(steps(&run(&i, &[], client.clone(), d(11, 23))).is_empty());
        assert_eq!(
            steps(&run(&i, &[], client, d(11, 26))),
            vec![(1, "after_1".into())]
        );
    }

    #[test]
    fn escalation_after_the_escalating_step_without_payment_or_reply() {
        let i = inv(1, 10, d(11, 12));
        let input = |last_payment: Option<NaiveDate>, client: ClientState| Inputs {
            invoices: vec![OpenInvoice {
                last_payment,
                ..i.clone()
            }],
            // after_7 (escalating) went out on Thu 19 Nov.
            sent: HashMap::from([((1, "after_7".to_string()), d(11, 19))]),
            clients: BTreeMap::from([(10, client)]),
            newest_statement: Some(d(11, 24)),
            ..Inputs::default()
        };
        let cal = Calendar::default();
        let p = Policy::default();
        let esc = |inp: &Inputs, day| plan(inp, &cal, &p, day).escalations;
        // 19 + 5 = Tue 24.
        assert!(esc(&input(None, ok_client()), d(11, 23)).is_empty());
        assert_eq!(
            esc(&input(None, ok_client()), d(11, 24)),
            vec![Escalation {
                client_id: 10,
                invoices: vec![1]
            }]
        );
        // A payment or a reply since the step: no escalation.
        assert!(esc(&input(Some(d(11, 20)), ok_client()), d(11, 24)).is_empty());
        let replied = ClientState {
            last_reply: Some(d(11, 20)),
            ..ok_client()
        };
        assert!(esc(&input(None, replied), d(11, 24)).is_empty());
        // Paused: none; already escalated: none.
        let paused = ClientState {
            paused_indefinitely: true,
            ..ok_client()
        };
        assert!(esc(&input(None, paused), d(11, 24)).is_empty());
        let mut done = input(None, ok_client());
        done.escalated.insert(1);
        assert!(esc(&done, d(11, 24)).is_empty());
    }

    #[test]
    fn the_next_step_for_status() {
        let p = Policy::default();
        let c = Calendar::default();
        let due = d(11, 23);
        assert_eq!(
            next_step(due, &[], &p, &c, d(11, 10)),
            Some(("before".into(), d(11, 20)))
        );
        assert_eq!(
            next_step(due, &["before"], &p, &c, d(11, 21)),
            Some(("after_1".into(), d(11, 24)))
        );
        // Overdue with nothing sent: what the catch-up would send today, never a demand first.
        assert_eq!(
            next_step(due, &[], &p, &c, d(12, 2)),
            Some(("after_1".into(), d(12, 2)))
        );
        assert_eq!(
            next_step(due, &["after_1"], &p, &c, d(12, 2)),
            Some(("after_7".into(), d(12, 2)))
        );
        assert_eq!(next_step(due, &["after_7"], &p, &c, d(12, 2)), None);
    }

    #[test]
    fn every_n_days_cadence() {
        let p = Policy::every(2, 4);
        assert_eq!(
            p.steps.iter().map(|s| s.offset_days).collect::<Vec<_>>(),
            vec![2, 4, 6, 8]
        );
    }

    #[test]
    fn class_shifts_keep_steps_on_their_side_of_the_due_date() {
        assert_eq!(super::shifted(&[-3, 1, 7], -2), vec![-5, 1, 5]);
        assert_eq!(super::shifted(&[-3, 1, 7], 2), vec![-1, 3, 9]);
        // after_1 cannot go before the due date, after_7 not onto after_1's day.
        assert_eq!(super::shifted(&[-3, 1, 7], -6), vec![-9, 1, 2]);
        assert_eq!(super::shifted(&[-5, -3, 0, 1], 4), vec![-2, -1, 0, 5]);
    }
}
