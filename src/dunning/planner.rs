//! The reminder planner: pure, so every rule is a table test.
//!
//! Rules, per open invoice with a due date:
//! * a step is due from `due + offset`, moved to the next business day;
//! * after downtime only the latest due step is sent (catch-up never sends a stale tone), and a
//!   step is never sent after a later one or twice;
//! * a `before` step (offset ≤ 0) is not sent once the invoice is overdue;
//! * a partial payment postpones the next step by `partial_postpone_days`;
//! * a paused or excluded client, a client who replied in the last `reply_pause_days`, or one with
//!   a payment waiting in review gets nothing;
//! * overdue steps wait while the newest bank statement is older than `stale_business_days`;
//! * one mail per client per day, listing every invoice due for a step, in the strongest tone.

use super::calendar::Calendar;
use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashSet};

/// One step of the policy: `offset_days` from the due date (negative: before it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub name: String,
    pub offset_days: i64,
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub steps: Vec<Step>,
    pub partial_postpone_days: i64,
    pub reply_pause_days: i64,
    pub stale_business_days: i64,
}

impl Default for Policy {
    /// −3 days (gentle), +1 (matter-of-fact), +7 (firmer).
    fn default() -> Self {
        Policy {
            steps: vec![
                Step {
                    name: "before".into(),
                    offset_days: -3,
                },
                Step {
                    name: "after_1".into(),
                    offset_days: 1,
                },
                Step {
                    name: "after_7".into(),
                    offset_days: 7,
                },
            ],
            partial_postpone_days: 7,
            reply_pause_days: 5,
            stale_business_days: 2,
        }
    }
}

impl Policy {
    /// "Every N days after due": steps at +N, +2N, … (up to `count`, at most 10).
    pub fn every(n: i64, count: usize) -> Policy {
        Policy {
            steps: (1..=count.min(10) as i64)
                .map(|k| Step {
                    name: format!("after_{}", k * n),
                    offset_days: k * n,
                })
                .collect(),
            ..Policy::default()
        }
    }
}

#[derive(Debug, Clone)]
pub struct OpenInvoice {
    pub id: i64,
    pub client_id: i64,
    pub due: Option<NaiveDate>,
    pub outstanding: Decimal,
    /// The latest payment allocated to it (a partial payment postpones the next step).
    pub last_payment: Option<NaiveDate>,
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
}

/// Why a client gets nothing today, when it has something due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Held {
    Paused,
    Excluded,
    Replied,
    PaymentInReview,
    StaleStatement,
    NoAddress,
}

/// One mail planned for a client today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub client_id: i64,
    /// (invoice, step name) pairs: each becomes its own unique outbox key part.
    pub items: Vec<(i64, String)>,
    /// The strongest step among them: the mail's tone.
    pub tone: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub mails: Vec<Planned>,
    pub held: Vec<(i64, Held)>,
}

/// Plans today's reminders. `sent` holds (invoice, step name) pairs already sent;
/// `newest_statement` is the booking date of the newest imported bank statement.
pub fn plan(
    invoices: &[OpenInvoice],
    sent: &HashSet<(i64, String)>,
    clients: &BTreeMap<i64, ClientState>,
    newest_statement: Option<NaiveDate>,
    calendar: &Calendar,
    policy: &Policy,
    today: NaiveDate,
) -> Plan {
    let mut plan = Plan::default();
    if !calendar.is_business_day(today) {
        return plan;
    }
    let stale = match newest_statement {
        Some(d) => calendar.business_days_between(d, today) > policy.stale_business_days,
        None => true,
    };
    let mut steps = policy.steps.clone();
    steps.sort_by_key(|s| s.offset_days);
    let mut due_by_client: BTreeMap<i64, Vec<(i64, &Step)>> = BTreeMap::new();
    for inv in invoices {
        let Some(due) = inv.due else { continue };
        if inv.outstanding <= Decimal::ZERO {
            continue;
        }
        if let Some(paid) = inv.last_payment
            && today < paid + Duration::days(policy.partial_postpone_days)
        {
            continue;
        }
        let latest = steps
            .iter()
            .filter(|s| calendar.on_or_after(due + Duration::days(s.offset_days)) <= today)
            .rfind(|s| s.offset_days > 0 || today <= due);
        let Some(step) = latest else { continue };
        let already = steps
            .iter()
            .filter(|s| s.offset_days >= step.offset_days)
            .any(|s| sent.contains(&(inv.id, s.name.clone())));
        if already {
            continue;
        }
        due_by_client
            .entry(inv.client_id)
            .or_default()
            .push((inv.id, step));
    }
    for (client_id, items) in due_by_client {
        let state = clients.get(&client_id).cloned().unwrap_or_default();
        let overdue_only: Vec<(i64, &Step)> = if stale {
            items
                .iter()
                .filter(|(_, s)| s.offset_days <= 0)
                .cloned()
                .collect()
        } else {
            items.clone()
        };
        let held = if state.excluded {
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
        } else if overdue_only.is_empty() {
            Some(Held::StaleStatement)
        } else if !state.has_address {
            Some(Held::NoAddress)
        } else {
            None
        };
        if let Some(h) = held {
            plan.held.push((client_id, h));
            continue;
        }
        if overdue_only.len() < items.len() {
            plan.held.push((client_id, Held::StaleStatement));
        }
        let tone = overdue_only
            .iter()
            .max_by_key(|(_, s)| s.offset_days)
            .map(|(_, s)| s.name.clone())
            .unwrap_or_default();
        plan.mails.push(Planned {
            client_id,
            items: overdue_only
                .iter()
                .map(|(i, s)| (*i, s.name.clone()))
                .collect(),
            tone,
        });
    }
    plan
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
            outstanding: Decimal::new(123_000, 2),
            last_payment: None,
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
        let sent = sent.iter().map(|(i, s)| (*i, s.to_string())).collect();
        let clients = invoices
            .iter()
            .map(|i| (i.client_id, client.clone()))
            .collect();
        plan(
            invoices,
            &sent,
            &clients,
            Some(today),
            &Calendar::default(),
            &Policy::default(),
            today,
        )
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
            steps(&run(
                &i,
                &[(1, "before"), (1, "after_1")],
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
    fn catch_up_sends_only_the_latest_step() {
        let i = [inv(1, 10, d(11, 2))];
        assert_eq!(
            steps(&run(&i, &[], ok_client(), d(11, 20))),
            vec![(1, "after_7".into())]
        );
    }

    #[test]
    fn one_mail_per_client_in_the_strongest_tone() {
        let i = [
            inv(1, 10, d(11, 12)),
            inv(2, 10, d(11, 20)),
            inv(3, 11, d(11, 20)),
        ];
        let p = run(&i, &[], ok_client(), d(11, 23));
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
            assert_eq!(p.held, vec![(10, want)]);
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
        let clients = BTreeMap::from([(10, ok_client())]);
        let today = d(11, 23);
        // Newest statement from Tue 17 Nov: 4 business days old.
        let p = plan(
            &i,
            &HashSet::new(),
            &clients,
            Some(d(11, 17)),
            &Calendar::default(),
            &Policy::default(),
            today,
        );
        assert_eq!(steps(&p), vec![(2, "before".into())]);
        assert_eq!(p.held, vec![(10, Held::StaleStatement)]);
        let p = plan(
            &i,
            &HashSet::new(),
            &clients,
            Some(d(11, 19)),
            &Calendar::default(),
            &Policy::default(),
            today,
        );
        assert_eq!(steps(&p), vec![(1, "after_7".into()), (2, "before".into())]);
    }

    #[test]
    fn a_partial_payment_postpones() {
        let mut i = inv(1, 10, d(11, 12));
        i.last_payment = Some(d(11, 20));
        assert!(steps(&run(&[i.clone()], &[], ok_client(), d(11, 23))).is_empty());
        assert_eq!(
            steps(&run(&[i], &[], ok_client(), d(11, 27))),
            vec![(1, "after_7".into())]
        );
    }

    #[test]
    fn every_n_days_cadence() {
        let p = Policy::every(2, 4);
        assert_eq!(
            p.steps.iter().map(|s| s.offset_days).collect::<Vec<_>>(),
            vec![2, 4, 6, 8]
        );
    }
}
