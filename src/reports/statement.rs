//! A client's statement (wyciąg z konta klienta): its open invoices and credits (credit notes,
//! overpayments, below zero), what it paid in the last twelve months and against which invoices,
//! and the balance per currency on a day. The balance confirmation variant (potwierdzenie salda)
//! asks the client to confirm that balance.

use super::score::Score;
use super::{Amount, Book, totals};
use chrono::{Duration, NaiveDate};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct OpenLine {
    pub number: String,
    pub issue_date: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
    pub gross: Amount,
    pub paid: Amount,
    /// Below zero for a credit.
    pub outstanding: Amount,
    pub days_overdue: i64,
    /// A credit note or overpayment in the client's favour: what is left of it.
    pub credit: Option<Amount>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PaidLine {
    pub on: NaiveDate,
    pub number: String,
    pub amount: Amount,
}

#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    pub as_of: NaiveDate,
    pub client: String,
    pub nip: Option<String>,
    pub open: Vec<OpenLine>,
    pub payments: Vec<PaidLine>,
    pub balance: Vec<Amount>,
    pub overdue: Vec<Amount>,
    pub score: Score,
    /// The balance confirmation variant.
    pub confirmation: bool,
}

/// The statement of client `client_id` on `as_of`; `None` for an unknown client.
pub fn statement(
    book: &Book,
    score: Score,
    client_id: i64,
    as_of: NaiveDate,
    confirmation: bool,
) -> Option<Statement> {
    let c = book.clients.iter().find(|c| c.id == client_id)?;
    let mut open = Vec::new();
    let mut payments = Vec::new();
    let year_ago = as_of - Duration::days(364);
    for i in book
        .invoices
        .iter()
        .filter(|i| i.client_id == client_id && i.issued_by(as_of))
    {
        let out = i.outstanding_at(as_of);
        if i.credit > 0 {
            // A credit note or an overpayment the client may set off: a line of its own,
            // below zero, so the balance (to confirm) is what the client really owes.
            open.push(OpenLine {
                number: i.number.clone(),
                issue_date: i.issue_date,
                due: None,
                gross: Amount::of(i.gross, i.currency),
                paid: Amount::of(0, i.currency),
                outstanding: Amount::of(-i.credit, i.currency),
                days_overdue: 0,
                credit: Some(Amount::of(i.credit, i.currency)),
            });
        } else if out > 0 {
            open.push(OpenLine {
                number: i.number.clone(),
                issue_date: i.issue_date,
                due: i.due,
                gross: Amount::of(i.gross, i.currency),
                paid: Amount::of(i.paid_by(as_of), i.currency),
                outstanding: Amount::of(out, i.currency),
                days_overdue: i.days_past_due(as_of),
                credit: None,
            });
        }
        for (on, a) in i.paid.iter().filter(|(d, _)| *d >= year_ago && *d <= as_of) {
            payments.push(PaidLine {
                on: *on,
                number: i.number.clone(),
                amount: Amount::of(*a, i.currency),
            });
        }
    }
    open.sort_by(|a, b| a.due.cmp(&b.due).then(a.number.cmp(&b.number)));
    payments.sort_by(|a, b| a.on.cmp(&b.on).then(a.number.cmp(&b.number)));
    Some(Statement {
        as_of,
        client: c.name.clone(),
        nip: c.nip.clone(),
        balance: totals(
            open.iter()
                .map(|l| (l.outstanding.currency, l.outstanding.minor())),
        ),
        overdue: totals(
            open.iter()
                .filter(|l| l.days_overdue > 0)
                .map(|l| (l.outstanding.currency, l.outstanding.minor())),
        ),
        open,
        payments,
        score,
        confirmation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::testing::{client, d, inv};

    /// A credit note is a line below zero, and the balance to confirm is net of it.
    #[test]
    fn a_credit_is_listed_and_deducted_from_the_balance() {
        let mut credit = inv(2, 1, -300, "2026-11-12", "2026-11-26", &[]);
        credit.credit = 30_000;
        let book = Book {
            clients: vec![client(1, "ACME", None)],
            invoices: vec![inv(1, 1, 1000, "2026-10-27", "2026-11-10", &[]), credit],
            ..Book::default()
        };
        let score = crate::reports::score::scores(&book, d("2026-11-30")).of(1);
        let s = statement(&book, score, 1, d("2026-11-30"), true).unwrap();
        let lines: Vec<(&str, String)> = s
            .open
            .iter()
            .map(|l| (l.number.as_str(), l.outstanding.amount.to_string()))
            .collect();
        assert_eq!(
            lines,
            [
                ("FV/2/2026", "-300.00".into()),
                ("FV/1/2026", "1000.00".into())
            ]
        );
        assert_eq!(s.balance[0].amount.to_string(), "700.00");
        assert_eq!(s.overdue[0].amount.to_string(), "1000.00");
    }
}
