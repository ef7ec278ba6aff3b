//! The weekly overdue report: every overdue invoice with where it stands and what a person should
//! do next, sorted by what needs a person first; new overdue and paid in the last seven days.
//! Overall, or one per account manager with only that manager's clients.

use super::score::{Class, Scores};
use super::{Amount, Book, BookClient, BookInvoice, totals};
use crate::domain::HoldKind;
use chrono::{Duration, NaiveDate};
use serde::Serialize;
use std::collections::HashMap;

/// The explicit rules behind the suggested actions.
#[derive(Debug, Clone)]
pub struct Rules {
    /// (name, days from the due date) of each reminder step, in order.
    pub steps: Vec<(String, i64)>,
    /// The step that carries the formal demand (wezwanie), if any.
    pub demand_step: Option<String>,
    /// Escalation is due this many days after the last step brought nothing.
    pub escalate_after_days: i64,
    /// A reminded invoice this many days past due deserves a phone call.
    pub call_after_days: i64,
    /// Past this many days, with every step sent, hand it to a collection agency.
    pub collection_after_days: i64,
    /// Smaller outstanding amounts (minor units) are not chased.
    pub min_amount_minor: i64,
}

/// What a person should do about one case, most urgent first (the order is the sort order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A payment waiting for review may be this client's.
    CheckReview,
    ResolveDispute,
    /// The client has a credit (a credit note, an overpayment): set it off first; reminders
    /// deduct it, and wait while it covers what they would ask for.
    SetOffCredit,
    CollectionAgency,
    /// The demand step's day passed without it being sent (a paused or excluded client).
    DemandDue,
    EscalationDue,
    /// Past the first overdue step and nothing went out (no address, paused, excluded).
    NotReminded,
    CallClient,
    /// The client said it paid: check the next statement.
    AwaitStatement,
    /// The client promised a day.
    AwaitPromise,
    /// The next reminder goes out on its own.
    AwaitNextStep,
    /// Nothing left to send, not yet long enough for anything else.
    Watch,
    /// Below the minimum amount: not chased; settle or write off.
    SmallAmount,
}

#[derive(Debug, Clone, Serialize)]
pub struct Case {
    pub client: String,
    pub client_id: i64,
    pub number: String,
    pub outstanding: Amount,
    pub due: NaiveDate,
    pub days_overdue: i64,
    /// The last step sent and when.
    pub step: Option<String>,
    pub step_on: Option<NaiveDate>,
    pub last_mail: Option<NaiveDate>,
    /// The client's last reply (day, intent code).
    pub reply: Option<(NaiveDate, Option<String>)>,
    pub hold: Option<HoldKind>,
    pub hold_until: Option<NaiveDate>,
    pub class: Class,
    /// When the payer score expects the money.
    pub expected_payment: Option<NaiveDate>,
    pub action: Action,
    /// The day that goes with the action (the promise, the next step).
    pub action_on: Option<NaiveDate>,
    /// The step the action is about (the next one, the demand).
    pub action_step: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Brief {
    pub client: String,
    pub number: String,
    pub amount: Amount,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, Serialize)]
pub struct Weekly {
    pub as_of: NaiveDate,
    /// The first day of the week reported (as_of − 6).
    pub since: NaiveDate,
    /// Only this manager's clients, when set.
    pub manager: Option<String>,
    pub cases: Vec<Case>,
    pub overdue_total: Vec<Amount>,
    /// Became overdue in the week.
    pub new_overdue: Vec<Brief>,
    /// Paid in full in the week.
    pub paid: Vec<Brief>,
    pub paid_total: Vec<Amount>,
    pub review_waiting: usize,
}

fn decide(
    i: &BookInvoice,
    c: Option<&BookClient>,
    as_of: NaiveDate,
    days: i64,
    r: &Rules,
) -> (Action, Option<NaiveDate>, Option<String>) {
    let due = i.due.unwrap_or(as_of);
    let sent = |name: &str| i.steps.iter().any(|(s, _)| s == name);
    let hold = i
        .hold
        .filter(|(k, until)| *k == HoldKind::Dispute || until.is_none_or(|u| as_of <= u));
    if i.outstanding_at(as_of) < r.min_amount_minor {
        return (Action::SmallAmount, None, None);
    }
    if c.is_some_and(|c| c.payment_in_review) {
        return (Action::CheckReview, None, None);
    }
    if let Some((HoldKind::Dispute, _)) = hold {
        return (Action::ResolveDispute, None, None);
    }
    if c.is_some_and(|c| c.credit) {
        return (Action::SetOffCredit, None, None);
    }
    let next = r
        .steps
        .iter()
        .find(|(s, off)| !sent(s) && due + Duration::days(*off) > as_of);
    let reminded = i
        .steps
        .iter()
        .any(|(s, _)| r.steps.iter().any(|(n, off)| n == s && *off > 0));
    let missed_demand = r.demand_step.as_ref().filter(|name| {
        reminded
            && !sent(name)
            && r.steps
                .iter()
                .any(|(s, off)| s == *name && due + Duration::days(*off) <= as_of)
    });
    let all_sent = r.steps.iter().filter(|(_, o)| *o > 0).all(|(s, _)| sent(s));
    if all_sent && days >= r.collection_after_days {
        return (Action::CollectionAgency, None, None);
    }
    match hold {
        Some((HoldKind::Promise, until)) => return (Action::AwaitPromise, until, None),
        Some((HoldKind::PaidClaim, until)) => return (Action::AwaitStatement, until, None),
        _ => {}
    }
    if let Some(name) = missed_demand {
        return (Action::DemandDue, None, Some(name.clone()));
    }
    let last = i.steps.iter().map(|(_, d)| *d).max();
    if all_sent
        && !i.escalated
        && last.is_some_and(|l| (as_of - l).num_days() >= r.escalate_after_days)
    {
        return (Action::EscalationDue, None, None);
    }
    let first_overdue = r.steps.iter().find(|(_, o)| *o > 0).map(|(_, o)| *o);
    if !reminded && first_overdue.is_some_and(|o| days > o) {
        return (Action::NotReminded, None, None);
    }
    if !i.steps.is_empty() && days >= r.call_after_days {
        return (Action::CallClient, None, None);
    }
    match next {
        Some((s, off)) => (
            Action::AwaitNextStep,
            Some(due + Duration::days(*off)),
            Some(s.clone()),
        ),
        None => (Action::Watch, None, None),
    }
}

/// The weekly report on `as_of` (a Monday, usually), for everyone or one manager.
pub fn weekly(
    book: &Book,
    scores: &Scores,
    rules: &Rules,
    as_of: NaiveDate,
    manager: Option<&str>,
) -> Weekly {
    let clients: HashMap<i64, &BookClient> = book.clients.iter().map(|c| (c.id, c)).collect();
    let mine = |i: &BookInvoice| {
        manager.is_none_or(|m| {
            clients
                .get(&i.client_id)
                .and_then(|c| c.manager.as_deref())
                .is_some_and(|cm| cm.eq_ignore_ascii_case(m))
        })
    };
    let name = |id: i64| clients.get(&id).map(|c| c.name.clone()).unwrap_or_default();
    let since = as_of - Duration::days(6);
    let mut cases = Vec::new();
    let mut new_overdue = Vec::new();
    let mut paid = Vec::new();
    for i in book.invoices.iter().filter(|i| mine(i)) {
        let out = i.outstanding_at(as_of);
        let days = i.days_past_due(as_of);
        if let Some(p) = i.paid_on().filter(|p| *p >= since && *p <= as_of) {
            paid.push(Brief {
                client: name(i.client_id),
                number: i.number.clone(),
                amount: Amount::of(i.gross, i.currency),
                on: p,
            });
        }
        let Some(due) = i.due.filter(|_| out > 0 && days > 0) else {
            continue;
        };
        if due + Duration::days(1) >= since {
            new_overdue.push(Brief {
                client: name(i.client_id),
                number: i.number.clone(),
                amount: Amount::of(out, i.currency),
                on: due + Duration::days(1),
            });
        }
        let c = clients.get(&i.client_id).copied();
        let (action, action_on, action_step) = decide(i, c, as_of, days, rules);
        let last_step = i.steps.iter().max_by_key(|(_, d)| *d);
        cases.push(Case {
            client: name(i.client_id),
            client_id: i.client_id,
            number: i.number.clone(),
            outstanding: Amount::of(out, i.currency),
            due,
            days_overdue: days,
            step: last_step.map(|(s, _)| s.clone()),
            step_on: last_step.map(|(_, d)| *d),
            last_mail: i.last_mail,
            reply: c.and_then(|c| c.last_reply.clone()),
            hold: i.hold.map(|(k, _)| k),
            hold_until: i.hold.and_then(|(_, u)| u),
            class: scores.of(i.client_id).class,
            expected_payment: scores.predicted_payment(i, as_of),
            action,
            action_on,
            action_step,
        });
    }
    cases.sort_by(|a, b| {
        a.action
            .cmp(&b.action)
            .then(b.days_overdue.cmp(&a.days_overdue))
            .then(b.outstanding.amount.cmp(&a.outstanding.amount))
            .then(a.number.cmp(&b.number))
    });
    new_overdue.sort_by(|a, b| a.on.cmp(&b.on).then(a.number.cmp(&b.number)));
    paid.sort_by(|a, b| a.on.cmp(&b.on).then(a.number.cmp(&b.number)));
    Weekly {
        as_of,
        since,
        manager: manager.map(str::to_string),
        overdue_total: totals(
            cases
                .iter()
                .map(|c| (c.outstanding.currency, c.outstanding.minor())),
        ),
        paid_total: totals(paid.iter().map(|p| (p.amount.currency, p.amount.minor()))),
        cases,
        new_overdue,
        paid,
        review_waiting: book.review_waiting,
    }
}

#[cfg(test)]
mod tests {
    use super::super::score::scores;
    use super::super::testing::*;
    use super::*;

    fn rules() -> Rules {
        Rules {
            steps: vec![
                ("before_3".into(), -3),
                ("after_1".into(), 1),
                ("after_7".into(), 7),
            ],
            demand_step: Some("after_7".into()),
            escalate_after_days: 7,
            call_after_days: 14,
            collection_after_days: 90,
            min_amount_minor: 500,
        }
    }

    #[test]
    fn each_case_gets_the_action_its_state_calls_for_most_urgent_first() {
        let as_of = d("2026-11-30");
        let mut book = Book {
            clients: vec![
                client(1, "Alfa", Some("anna@firma.pl")),
                client(2, "Beta", Some("jan@firma.pl")),
                client(3, "Gamma", None),
                client(4, "Delta", None),
            ],
            ..Book::default()
        };
        book.clients[2].payment_in_review = true;
        book.clients[3].credit = true;
        let steps = |i: &mut BookInvoice, names: &[(&str, &str)]| {
            i.steps = names
                .iter()
                .map(|(s, day)| (s.to_string(), d(day)))
                .collect();
        };
        // Disputed.
        let mut a = inv(1, 1, 1000, "2026-10-01", "2026-11-20", &[]);
        a.hold = Some((HoldKind::Dispute, None));
        // Every step sent two weeks ago, not escalated: escalation due.
        let mut b = inv(2, 2, 2000, "2026-10-01", "2026-11-05", &[]);
        steps(
            &mut b,
            &[("after_1", "2026-11-06"), ("after_7", "2026-11-12")],
        );
        // Reminded once, 10 days late: the next step was missed (client paused): demand due.
        let mut c = inv(3, 1, 300, "2026-10-01", "2026-11-20", &[]);
        steps(&mut c, &[("after_1", "2026-11-21")]);
        // 3 days late, reminded: the next step comes on its own.
        let mut e = inv(4, 2, 400, "2026-10-01", "2026-11-27", &[]);
        steps(&mut e, &[("after_1", "2026-11-28")]);
        // A promise until 5 December.
        let mut f = inv(5, 1, 500, "2026-10-01", "2026-11-26", &[]);
        f.hold = Some((HoldKind::Promise, Some(d("2026-12-05"))));
        // Client 3 may have paid (a payment in review).
        let g = inv(6, 3, 600, "2026-10-01", "2026-11-25", &[]);
        // 120 days late, everything sent: a collection agency.
        let mut h = inv(7, 2, 700, "2026-06-01", "2026-08-02", &[]);
        steps(
            &mut h,
            &[("after_1", "2026-08-03"), ("after_7", "2026-08-09")],
        );
        h.escalated = true;
        // Paid this week; not overdue.
        let p = inv(
            8,
            1,
            800,
            "2026-10-01",
            "2026-11-20",
            &[("2026-11-26", 800)],
        );
        // Client 4 has a credit note to set off.
        let k = inv(9, 4, 900, "2026-10-01", "2026-11-10", &[]);
        book.invoices = vec![a, b, c, e, f, g, h, p, k];
        let s = scores(&book, as_of);
        let w = weekly(&book, &s, &rules(), as_of, None);
        let got: Vec<(&str, Action)> = w
            .cases
            .iter()
            .map(|c| (c.number.as_str(), c.action))
            .collect();
        assert_eq!(
            got,
            [
                ("FV/6/2026", Action::CheckReview),
                ("FV/1/2026", Action::ResolveDispute),
                ("FV/9/2026", Action::SetOffCredit),
                ("FV/7/2026", Action::CollectionAgency),
                ("FV/3/2026", Action::DemandDue),
                ("FV/2/2026", Action::EscalationDue),
                ("FV/5/2026", Action::AwaitPromise),
                ("FV/4/2026", Action::AwaitNextStep),
            ]
        );
        let next = &w.cases[7];
        assert_eq!(next.action_on, Some(d("2026-12-04")));
        assert_eq!(next.action_step.as_deref(), Some("after_7"));
        assert_eq!(w.paid.len(), 1);
        assert_eq!(w.paid[0].number, "FV/8/2026");
        // Became overdue this week (24–30 Nov): FV/4 (28 Nov), FV/5 (27 Nov), FV/6 (26 Nov).
        let new: Vec<&str> = w.new_overdue.iter().map(|b| b.number.as_str()).collect();
        assert_eq!(new, ["FV/6/2026", "FV/5/2026", "FV/4/2026"]);
        assert_eq!(w.overdue_total[0].amount.to_string(), "6400.00");
        // Jan's report has only Beta's invoices.
        let jan = weekly(&book, &s, &rules(), as_of, Some("jan@firma.pl"));
        assert!(w.cases.len() > jan.cases.len());
        assert!(jan.cases.iter().all(|c| c.client == "Beta"));
        assert_eq!(jan.cases.len(), 3);
    }
}
