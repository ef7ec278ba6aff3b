//! The monthly management report: issued vs collected (the month and twelve months), aged
//! receivables, DSO, how each client pays, the worst payers, the share paid on time, how well
//! each reminder step works, a 30-day cash-in forecast, and what waits for people.
//!
//! Flows (issued, collected, DSO, forecast) are in the firm's currency, PLN; invoices in other
//! currencies appear in the aging by currency. Definitions, stated in the report too:
//! - DSO = receivables at the month's end ÷ gross issued in the 90 days to it × 90.
//! - On time: invoices due in the month paid in full by their due day.
//! - Step effectiveness: of the reminders of a step sent in the 12 months (at least 7 days before
//!   the month's end), the share whose invoice was paid in full within 7 days of it.
//! - Worst payers: amount-weighted mean days late over invoices paid in the 12 months and those
//!   overdue at the month's end (by their days so far).

use super::aging::{Aging, aging};
use super::score::{Class, Scores};
use super::{Amount, Book, BookInvoice, percent, round1};
use crate::domain::{Currency, HoldKind};
use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize)]
pub struct MonthPoint {
    /// "2026-11".
    pub month: String,
    pub issued: Amount,
    pub collected: Amount,
    /// Overdue at the month's end.
    pub overdue: Amount,
    pub dso: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClientStat {
    pub client: String,
    pub class: Class,
    pub expected_delay: f64,
    /// Invoices paid in full in the 12 months.
    pub paid_invoices: usize,
    pub avg_days_to_pay: Option<f64>,
    pub avg_days_late: Option<f64>,
    /// Amount-weighted mean days late (paid in the 12 months and overdue at the end).
    pub weighted_days_late: f64,
    pub overdue: Amount,
    pub trend: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepEffect {
    pub step: String,
    pub sent: usize,
    pub paid_within_7: usize,
    pub percent: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ForecastWeek {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// By due dates alone.
    pub by_due: Amount,
    /// By each client's payer score.
    pub expected: Amount,
}

#[derive(Debug, Clone, Serialize)]
pub struct Monthly {
    pub month: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub currency: Currency,
    pub issued: Amount,
    pub collected: Amount,
    pub issued_12: Amount,
    pub collected_12: Amount,
    /// Twelve months, oldest first, ending with this one.
    pub series: Vec<MonthPoint>,
    pub aging: Aging,
    pub dso: Option<f64>,
    pub due_in_month: usize,
    pub paid_on_time: usize,
    pub on_time_percent: Option<f64>,
    pub on_time_amount_percent: Option<f64>,
    /// Every client with invoices in the 12 months, worst first.
    pub clients: Vec<ClientStat>,
    /// The ten worst (amount-weighted days late above zero).
    pub worst: Vec<ClientStat>,
    pub effectiveness: Vec<StepEffect>,
    pub forecast: Vec<ForecastWeek>,
    pub forecast_by_due: Amount,
    pub forecast_expected: Amount,
    pub firm_delay: f64,
    pub disputes: usize,
    pub review_waiting: usize,
    pub unmatched: usize,
    pub failed_mails: usize,
}

/// The first and last day of the month `year-month`.
pub fn month_bounds(year: i32, month: u32) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    Some((first, next - Duration::days(1)))
}

/// The month before the one `day` is in: the month a report sent on `day` is about.
pub fn previous_month(day: NaiveDate) -> (i32, u32) {
    if day.month() == 1 {
        (day.year() - 1, 12)
    } else {
        (day.year(), day.month() - 1)
    }
}

fn in_range(d: NaiveDate, from: NaiveDate, to: NaiveDate) -> bool {
    d >= from && d <= to
}

fn base(i: &BookInvoice) -> bool {
    i.currency == Currency::PLN
}

/// Gross issued in [from, to] (PLN).
fn issued(book: &Book, from: NaiveDate, to: NaiveDate) -> i64 {
    book.invoices
        .iter()
        .filter(|i| base(i) && i.issue_date.is_some_and(|d| in_range(d, from, to)))
        .map(|i| i.gross)
        .sum()
}

/// Paid on invoices in [from, to] (PLN), never above their gross amounts.
fn collected(book: &Book, from: NaiveDate, to: NaiveDate) -> i64 {
    let before = from - Duration::days(1);
    book.invoices
        .iter()
        .filter(|i| base(i))
        .map(|i| i.paid_by(to) - i.paid_by(before))
        .sum()
}

fn receivables(book: &Book, day: NaiveDate) -> (i64, i64) {
    book.invoices
        .iter()
        .filter(|i| base(i) && i.issued_by(day))
        .fold((0, 0), |(all, late), i| {
            let o = i.outstanding_at(day);
            (all + o, late + if i.days_past_due(day) > 0 { o } else { 0 })
        })
}

/// DSO on `day`: receivables ÷ gross issued in the 90 days to it × 90.
pub fn dso(book: &Book, day: NaiveDate) -> Option<f64> {
    let sales = issued(book, day - Duration::days(89), day);
    let (recv, _) = receivables(book, day);
    (sales > 0).then(|| round1(recv as f64 / sales as f64 * 90.0))
}

/// The monthly report for `year-month`, with scores as of its last day.
pub fn monthly(book: &Book, scores: &Scores, year: i32, month: u32) -> Option<Monthly> {
    let (first, last) = month_bounds(year, month)?;
    let pln = |m: i64| Amount::of(m, Currency::PLN);
    let year_ago = last - Duration::days(364);
    let mut series = Vec::new();
    let (mut y, mut m) = (year, month);
    for _ in 0..12 {
        let (f, l) = month_bounds(y, m)?;
        series.push(MonthPoint {
            month: format!("{y}-{m:02}"),
            issued: pln(issued(book, f, l)),
            collected: pln(collected(book, f, l)),
            overdue: pln(receivables(book, l).1),
            dso: dso(book, l),
        });
        (y, m) = previous_month(f);
    }
    series.reverse();
    let issued_12 = issued(book, series_first(&series)?, last);
    let collected_12 = collected(book, series_first(&series)?, last);

    // On time: due in the month.
    let due_in: Vec<&BookInvoice> = book
        .invoices
        .iter()
        .filter(|i| i.due.is_some_and(|d| in_range(d, first, last)))
        .collect();
    let on_time: Vec<&&BookInvoice> = due_in
        .iter()
        .filter(|i| i.paid_on().zip(i.due).is_some_and(|(p, d)| p <= d))
        .collect();
    let amount = |v: &mut dyn Iterator<Item = &BookInvoice>| v.map(|i| i.gross as f64).sum::<f64>();

    // Clients.
    let names: HashMap<i64, &str> = book
        .clients
        .iter()
        .map(|c| (c.id, c.name.as_str()))
        .collect();
    #[derive(Default)]
    struct Acc {
        paid: usize,
        to_pay: f64,
        late: f64,
        w: f64,
        wlate: f64,
        overdue: i64,
        active: bool,
    }
    let mut acc: HashMap<i64, Acc> = HashMap::new();
    for i in &book.invoices {
        let a = acc.entry(i.client_id).or_default();
        if i.issue_date.is_some_and(|d| in_range(d, year_ago, last)) {
            a.active = true;
        }
        match (i.paid_on(), i.due) {
            (Some(p), Some(due)) if in_range(p, year_ago, last) => {
                a.active = true;
                a.paid += 1;
                let late = (p - due).num_days().max(0) as f64;
                a.late += late;
                a.to_pay += i.issue_date.map(|d| (p - d).num_days()).unwrap_or(0) as f64;
                a.w += i.gross as f64;
                a.wlate += i.gross as f64 * late;
            }
            _ => {
                let out = i.outstanding_at(last);
                let days = i.days_past_due(last);
                if out > 0 && days > 0 && i.issued_by(last) {
                    a.active = true;
                    if base(i) {
                        a.overdue += out;
                    }
                    a.w += out as f64;
                    a.wlate += out as f64 * days as f64;
                }
            }
        }
    }
    let mut clients: Vec<ClientStat> = acc
        .into_iter()
        .filter(|(_, a)| a.active)
        .map(|(id, a)| {
            let s = scores.of(id);
            ClientStat {
                client: names.get(&id).copied().unwrap_or("?").to_string(),
                class: s.class,
                expected_delay: s.expected_delay,
                paid_invoices: a.paid,
                avg_days_to_pay: (a.paid > 0).then(|| round1(a.to_pay / a.paid as f64)),
                avg_days_late: (a.paid > 0).then(|| round1(a.late / a.paid as f64)),
                weighted_days_late: if a.w > 0.0 {
                    round1(a.wlate / a.w)
                } else {
                    0.0
                },
                overdue: pln(a.overdue),
                trend: s.trend,
            }
        })
        .collect();
    clients.sort_by(|a, b| {
        b.weighted_days_late
            .total_cmp(&a.weighted_days_late)
            .then(b.overdue.amount.cmp(&a.overdue.amount))
            .then(a.client.cmp(&b.client))
    });
    let worst = clients
        .iter()
        .filter(|c| c.weighted_days_late > 0.0)
        .take(10)
        .cloned()
        .collect();

    // Step effectiveness.
    let mut effect: Vec<StepEffect> = book
        .steps
        .iter()
        .map(|s| StepEffect {
            step: s.clone(),
            sent: 0,
            paid_within_7: 0,
            percent: None,
        })
        .collect();
    let judged_by = last - Duration::days(7);
    for i in &book.invoices {
        let paid = i.paid_on();
        for (s, on) in &i.steps {
            if !in_range(*on, year_ago, judged_by) {
                continue;
            }
            if let Some(e) = effect.iter_mut().find(|e| &e.step == s) {
                e.sent += 1;
                if paid.is_some_and(|p| p >= *on && p <= *on + Duration::days(7)) {
                    e.paid_within_7 += 1;
                }
            }
        }
    }
    for e in &mut effect {
        e.percent = percent(e.paid_within_7 as f64, e.sent as f64);
    }

    // Forecast: four weeks and two days after the month.
    let mut forecast = Vec::new();
    let horizon = last + Duration::days(30);
    let mut from = last + Duration::days(1);
    while from <= horizon {
        let to = (from + Duration::days(6)).min(horizon);
        forecast.push((from, to, 0i64, 0i64));
        from = to + Duration::days(1);
    }
    for i in book
        .invoices
        .iter()
        .filter(|i| base(i) && i.issued_by(last))
    {
        let out = i.outstanding_at(last);
        if out <= 0 {
            continue;
        }
        let due = i.due.map(|d| d.max(last + Duration::days(1)));
        let expected = scores.predicted_payment(i, last);
        for w in &mut forecast {
            if due.is_some_and(|d| in_range(d, w.0, w.1)) {
                w.2 += out;
            }
            if expected.is_some_and(|d| in_range(d, w.0, w.1)) {
                w.3 += out;
            }
        }
    }
    let by_due: i64 = forecast.iter().map(|w| w.2).sum();
    let expected: i64 = forecast.iter().map(|w| w.3).sum();

    Some(Monthly {
        month: format!("{year}-{month:02}"),
        first,
        last,
        currency: Currency::PLN,
        issued: pln(issued(book, first, last)),
        collected: pln(collected(book, first, last)),
        issued_12: pln(issued_12),
        collected_12: pln(collected_12),
        series,
        aging: aging(book, last),
        dso: dso(book, last),
        due_in_month: due_in.len(),
        paid_on_time: on_time.len(),
        on_time_percent: percent(on_time.len() as f64, due_in.len() as f64),
        on_time_amount_percent: percent(
            amount(&mut on_time.iter().map(|i| **i)),
            amount(&mut due_in.iter().copied()),
        ),
        clients,
        worst,
        effectiveness: effect,
        forecast: forecast
            .into_iter()
            .map(|(from, to, d, e)| ForecastWeek {
                from,
                to,
                by_due: pln(d),
                expected: pln(e),
            })
            .collect(),
        forecast_by_due: pln(by_due),
        forecast_expected: pln(expected),
        firm_delay: round1(scores.firm_delay),
        disputes: book
            .invoices
            .iter()
            .filter(|i| matches!(i.hold, Some((HoldKind::Dispute, _))))
            .count(),
        review_waiting: book.review_waiting,
        unmatched: book.unmatched,
        failed_mails: book.failed_mails,
    })
}

/// Parses "11/2026", "2026-11", "11.2026" into (year, month).
pub fn parse_month(s: &str) -> Option<(i32, u32)> {
    let parts: Vec<&str> = s
        .split(['/', '-', '.'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let [a, b] = parts.as_slice() else {
        return None;
    };
    let (y, m) = if a.len() == 4 { (a, b) } else { (b, a) };
    let y: i32 = y.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    ((1..=12).contains(&m) && (2000..=2100).contains(&y)).then_some((y, m))
}

fn series_first(series: &[MonthPoint]) -> Option<NaiveDate> {
    let m = &series.first()?.month;
    NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::super::score::scores;
    use super::super::testing::*;
    use super::*;

    /// Twelve clients over fourteen months, every figure worked out by hand (see each comment).
    #[test]
    fn a_hand_computed_month() {
        let names = [
            "Alfa", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta", "Theta", "Iota", "Kappa",
            "Lambda", "Mu",
        ];
        let clients = names
            .iter()
            .enumerate()
            .map(|(i, n)| client(i as i64 + 1, n, None))
            .collect();
        let step = |mut i: BookInvoice, s: &[(&str, &str)]| {
            i.steps = s.iter().map(|(n, day)| (n.to_string(), d(day))).collect();
            i
        };
        let mut delta = inv(6, 4, 4000, "2026-09-01", "2026-09-15", &[]);
        delta.hold = Some((HoldKind::Dispute, None));
        let book = Book {
            clients,
            invoices: vec![
                // Alfa: on time; the 2025 invoice is outside the 12 months.
                inv(
                    1,
                    1,
                    1000,
                    "2025-10-01",
                    "2025-10-15",
                    &[("2025-10-15", 1000)],
                ),
                step(
                    inv(
                        2,
                        1,
                        2000,
                        "2026-11-02",
                        "2026-11-16",
                        &[("2026-11-16", 2000)],
                    ),
                    &[("before_3", "2026-11-13")],
                ),
                // Beta: ten days late, twice.
                inv(
                    3,
                    2,
                    1000,
                    "2026-10-01",
                    "2026-10-15",
                    &[("2026-10-25", 1000)],
                ),
                step(
                    inv(
                        4,
                        2,
                        3000,
                        "2026-11-01",
                        "2026-11-10",
                        &[("2026-11-20", 3000)],
                    ),
                    &[("after_1", "2026-11-11")],
                ),
                // Gamma: 91 days past due on 30 Nov.
                step(
                    inv(5, 3, 5000, "2026-08-01", "2026-08-31", &[]),
                    &[("after_1", "2026-09-01"), ("after_7", "2026-09-07")],
                ),
                // Delta: 76 days, disputed.
                delta,
                // Epsilon: 500 of 2 500 paid, 41 days.
                inv(
                    7,
                    5,
                    2500,
                    "2026-10-01",
                    "2026-10-20",
                    &[("2026-11-05", 500)],
                ),
                // Zeta: 20 days.
                step(
                    inv(8, 6, 1500, "2026-10-20", "2026-11-10", &[]),
                    &[("after_1", "2026-11-11")],
                ),
                // Eta: due on the day: not yet due.
                inv(9, 7, 600, "2026-11-16", "2026-11-30", &[]),
                // Theta: due in December.
                inv(10, 8, 900, "2026-11-25", "2026-12-09", &[]),
                // Iota: paid five days early, before the reminder that went anyway.
                step(
                    inv(
                        11,
                        9,
                        700,
                        "2026-11-03",
                        "2026-11-17",
                        &[("2026-11-12", 700)],
                    ),
                    &[("before_3", "2026-11-14")],
                ),
                // Kappa: paid three days after the first reminder, four days late.
                step(
                    inv(
                        12,
                        10,
                        1200,
                        "2026-10-10",
                        "2026-10-24",
                        &[("2026-10-28", 1200)],
                    ),
                    &[("after_1", "2026-10-25")],
                ),
                // Lambda: all of it before the 12 months.
                inv(
                    13,
                    11,
                    800,
                    "2025-10-15",
                    "2025-11-01",
                    &[("2025-11-30", 800)],
                ),
                // Mu: due 15 Nov, paid in December: open on 30 Nov.
                inv(
                    14,
                    12,
                    1100,
                    "2026-11-01",
                    "2026-11-15",
                    &[("2026-12-03", 1100)],
                ),
            ],
            steps: vec!["before_3".into(), "after_1".into(), "after_7".into()],
            ..Book::default()
        };
        let s = scores(&book, d("2026-11-30"));
        let m = monthly(&book, &s, 2026, 11).unwrap();
        let zl = |a: &Amount| a.amount.to_string();
        // Issued in November: 2000 + 3000 + 600 + 900 + 700 + 1100.
        assert_eq!(zl(&m.issued), "8300.00");
        // Collected in November: 2000 + 3000 + 500 + 700.
        assert_eq!(zl(&m.collected), "6200.00");
        // Twelve months from 1 Dec 2025: all but invoices 1 and 13 issued; paid
        // 2000 + 1000 + 3000 + 500 + 700 + 1200.
        assert_eq!(zl(&m.issued_12), "23500.00");
        assert_eq!(zl(&m.collected_12), "8400.00");
        // Aging on 30 Nov: 600 + 900 | 1500 + 1100 | 2000 | 4000 | 5000.
        let r = &m.aging.rows[0];
        assert_eq!(
            r.buckets.iter().map(zl).collect::<Vec<_>>(),
            ["1500.00", "2600.00", "2000.00", "4000.00", "5000.00"]
        );
        assert_eq!(r.counts, [2, 2, 1, 1, 1]);
        assert_eq!(zl(&r.total), "15100.00");
        // DSO: 15 100 ÷ 14 500 (issued 2 Sep – 30 Nov: all but invoices 1, 5, 6, 13) × 90.
        assert_eq!(m.dso, Some(93.7));
        // Due in November: 2, 4, 8, 9, 11, 14; on time 2 and 11; by amount 2 700 of 8 900.
        assert_eq!((m.due_in_month, m.paid_on_time), (6, 2));
        assert_eq!(m.on_time_percent, Some(33.3));
        assert_eq!(m.on_time_amount_percent, Some(30.3));
        // Reminders judged by 23 Nov: before_3 twice (invoice 2 paid 3 days later, invoice 11
        // paid before it), after_1 four times (only Kappa paid within 7 days), after_7 once.
        let eff: Vec<(&str, usize, usize, Option<f64>)> = m
            .effectiveness
            .iter()
            .map(|e| (e.step.as_str(), e.sent, e.paid_within_7, e.percent))
            .collect();
        assert_eq!(
            eff,
            [
                ("before_3", 2, 1, Some(50.0)),
                ("after_1", 4, 1, Some(25.0)),
                ("after_7", 1, 0, Some(0.0))
            ]
        );
        // Worst: amount-weighted days late, paid in the 12 months or overdue on 30 Nov.
        let worst: Vec<(&str, f64)> = m
            .worst
            .iter()
            .map(|c| (c.client.as_str(), c.weighted_days_late))
            .collect();
        assert_eq!(
            worst,
            [
                ("Gamma", 91.0),
                ("Delta", 76.0),
                ("Epsilon", 41.0),
                ("Zeta", 20.0),
                ("Mu", 15.0),
                ("Beta", 10.0),
                ("Kappa", 4.0)
            ]
        );
        // Lambda had nothing in the 12 months.
        assert_eq!(m.clients.len(), 11);
        let beta = m.clients.iter().find(|c| c.client == "Beta").unwrap();
        // (24 + 19) / 2 days from issue to payment.
        assert_eq!(beta.avg_days_to_pay, Some(21.5));
        assert_eq!(beta.avg_days_late, Some(10.0));
        // By due dates: everything late or due today in the first week, Theta in the second.
        assert_eq!(zl(&m.forecast[0].by_due), "14200.00");
        assert_eq!(zl(&m.forecast[1].by_due), "900.00");
        assert_eq!(zl(&m.forecast_by_due), "15100.00");
        assert_eq!(m.disputes, 1);
    }

    #[test]
    fn months_as_people_write_them() {
        assert_eq!(parse_month("11/2026"), Some((2026, 11)));
        assert_eq!(parse_month("2026-11"), Some((2026, 11)));
        assert_eq!(parse_month("3.2025"), Some((2025, 3)));
        assert_eq!(parse_month("13/2026"), None);
        assert_eq!(parse_month("2026"), None);
    }
}
