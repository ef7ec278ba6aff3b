//! The same operation in two exports of one account that identify it differently.
//!
//! A firm's bank gives the same day's operations as a CSV for the accountant and as an MT940 for
//! the ERP, and both may reach skarbnik. Each export identifies an operation its own way (see
//! `identity` in [`super::import`]): an MT940 by the bank's reference, a CSV (which rarely has
//! one) by date, amount, counterparty and title, each written in the export's own style. Within
//! one export those identities are exact, and overlapping statements of one format are counted
//! once by them. Across exports they never agree, so the transfer would be stored twice: the
//! second copy is allocated as well and the invoice shows an overpayment that never happened.
//!
//! So when a statement is stored, its new operations are held against what other exports stored
//! for the same account and days: an operation whose date, amount, currency, counterparty account
//! and title (letters and digits only; digits only where both name the same account and an
//! export mangled the Polish letters) fit one stored from an export of another kind is that
//! operation, and is not stored again. The rule counts rather than looks: two identical transfers
//! on one day stay two, and a statement with three where the other export had two adds one.
//!
//! What it will not take for the same operation, because losing a payment is worse than counting
//! one twice: a stored operation this statement already knows by its own identity (it accounts
//! for one of this statement's operations, not for a new one), and one from an export of the same
//! kind (same profile, and a bank reference on both or on neither): there the exact identity is
//! the judge, and a new one is a new operation.

use crate::store::{ExportedOperation as Operation, RefKinds, Tx};
use anyhow::Result;
use chrono::NaiveDate;
use std::collections::HashMap;

/// Days compared at a time: a year's statement held against another year's export reads both a
/// month at a time, not two million operations at once.
const WINDOW_DAYS: i64 = 31;

/// What a statement stored, as far as this rule needs it.
#[derive(Debug, Default)]
pub struct Stored {
    /// The highest payment id before the statement: its payments are the ones after it.
    pub after: i64,
    /// The days its new operations were booked on.
    pub new_days: Option<(NaiveDate, NaiveDate)>,
    /// How its new operations are identified.
    pub kinds: RefKinds,
    /// How many of its new operations carry the bank's reference.
    pub refs: usize,
    /// Fingerprints (first eight bytes) of its operations that were stored already.
    pub known: Vec<u64>,
}

impl Stored {
    pub fn new(after: i64) -> Self {
        Stored {
            after,
            ..Default::default()
        }
    }

    /// Notes one operation of the statement: new (stored now), or known by its fingerprint.
    pub fn note(&mut self, day: NaiveDate, has_ref: bool, new: bool, print: u64) {
        if !new {
            self.known.push(print);
            return;
        }
        self.new_days = Some(match self.new_days {
            Some((from, to)) => (from.min(day), to.max(day)),
            None => (day, day),
        });
        if has_ref {
            self.kinds.with_ref = true;
            self.refs += 1;
        } else {
            self.kinds.without_ref = true;
        }
    }
}

/// What [`take_back`] took back.
#[derive(Debug, Default, Clone, Copy)]
pub struct TakenBack {
    pub operations: usize,
    /// Of them, those with the bank's reference.
    pub refs: usize,
}

/// Takes back the statement's new operations that another export of the account stored
/// already.
pub fn take_back(tx: &Tx<'_>, report: i64, stored: &mut Stored) -> Result<TakenBack> {
    let mut taken = TakenBack::default();
    let Some((from, to)) = stored.new_days else {
        return Ok(taken);
    };
    if !tx.other_statements_overlap(report, (from, to), stored.kinds)? {
        return Ok(taken);
    }
    stored.known.sort_unstable();
    let mut start = from;
    while start <= to {
        let end = (start + chrono::Duration::days(WINDOW_DAYS - 1)).min(to);
        let mut others = tx.other_statements_operations(report, (start, end), stored.kinds)?;
        others.retain(|o| stored.known.binary_search(&o.print).is_err());
        if !others.is_empty() {
            let new = tx.statement_operations(report, stored.after, (start, end))?;
            let ids = seen_elsewhere(&new, &others);
            let gone: std::collections::HashSet<i64> = ids.iter().copied().collect();
            taken.refs += new
                .iter()
                .filter(|n| n.has_bank_ref && gone.contains(&n.id))
                .count();
            taken.operations += ids.len();
            tx.take_back_payments(&ids)?;
        }
        start = end + chrono::Duration::days(1);
    }
    Ok(taken)
}

/// Of a statement's new operations (in the order stored), those that another export has stored
/// already: their ids, to be taken back. `stored` are the operations of other exports on the
/// same days that this statement does not know by its own identity.
pub fn seen_elsewhere(new: &[Operation], stored: &[Operation]) -> Vec<i64> {
    // By day and amount: a month of a busy account is a hundred thousand operations a side.
    let mut by_sum: HashMap<(NaiveDate, i64), Vec<Candidate<'_>>> = HashMap::new();
    for s in stored {
        by_sum
            .entry((s.booking_date, s.amount))
            .or_default()
            .push((s, letters(&s.title), false));
    }
    let mut out = Vec::new();
    for n in new {
        let Some(alike) = by_sum.get_mut(&(n.booking_date, n.amount)) else {
            continue;
        };
        let title = letters(&n.title);
        if let Some(found) = alike.iter_mut().find(|(s, s_title, taken)| {
            !*taken && other_kind(n, s) && same_operation(n, &title, s, s_title)
        }) {
            found.2 = true;
            out.push(n.id);
        }
    }
    out
}

/// A stored operation, its title's letters, and whether a new one was found to be it.
type Candidate<'o> = (&'o Operation, String, bool);

/// Whether the two exports identify operations differently, so that their exact identities
/// cannot tell whether these are one.
fn other_kind(a: &Operation, b: &Operation) -> bool {
    a.profile != b.profile || a.has_bank_ref != b.has_bank_ref
}

fn same_operation(a: &Operation, a_title: &str, b: &Operation, b_title: &str) -> bool {
    a.booking_date == b.booking_date
        && a.amount == b.amount
        && a.currency == b.currency
        && agree(a.our_account.as_deref(), b.our_account.as_deref(), account)
        && agree(
            a.counterparty_account.as_deref(),
            b.counterparty_account.as_deref(),
            account,
        )
        && (same_title(a_title, b_title) || same_digits(a, a_title, b, b_title))
}

/// Titles whose letters an export mangled (an MT940 in plain ASCII prints `ZAP?ATA` or `ZAPATA`
/// for `ZAPŁATA`) still agree when both exports name the counterparty's account, it is the same,
/// and the titles hold the same digits, at least four (an invoice number, a date).
fn same_digits(a: &Operation, a_title: &str, b: &Operation, b_title: &str) -> bool {
    const AT_LEAST: usize = 4;
    let both_name_the_account = [a, b].iter().all(|o| {
        o.counterparty_account
            .as_deref()
            .is_some_and(|k| !account(k).is_empty())
    });
    let digits = |t: &str| -> String { t.chars().filter(char::is_ascii_digit).collect() };
    let (da, db) = (digits(a_title), digits(b_title));
    both_name_the_account && da.len() >= AT_LEAST && da == db
}

/// Equal when both are known; an export that does not say is no evidence either way.
fn agree(a: Option<&str>, b: Option<&str>, key: fn(&str) -> String) -> bool {
    match (
        a.map(key).filter(|k| !k.is_empty()),
        b.map(key).filter(|k| !k.is_empty()),
    ) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// An account's digits and letters, without the `PL` of a Polish IBAN: one export writes the
/// NRB, another the IBAN.
fn account(s: &str) -> String {
    let key: String = s
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    match key.strip_prefix("PL") {
        Some(nrb) if nrb.len() == 26 => nrb.to_string(),
        _ => key,
    }
}

/// Titles agree when their letters and digits do: exports space, punctuate, break into MT940's
/// 27-character lines, and drop Polish letters differently. An export that cuts long titles
/// (MT940 keeps four or six lines of 27) agrees with the whole title when what it kept is long
/// enough to be more than a common word.
fn same_title(a: &str, b: &str) -> bool {
    const CUT_AT_LEAST: usize = 24;
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short == long || (short.len() >= CUT_AT_LEAST && long.starts_with(short))
}

/// Letters (diacritics folded, upper case) and digits only.
fn letters(title: &str) -> String {
    crate::domain::text::fold_diacritics(title)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: i64, profile: &str, has_ref: bool, amount: i64, title: &str) -> Operation {
        Operation {
            print: 0,
            id,
            booking_date: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default(),
            amount,
            currency: "PLN".into(),
            counterparty_account: Some("PL19114020040000350230599137".into()),
            title: title.into(),
            has_bank_ref: has_ref,
            our_account: Some("PL55114000009378657975432319".into()),
            profile: profile.into(),
        }
    }

    #[test]
    fn an_operation_from_another_export_is_taken_once_per_stored_one() {
        let stored = [op(1, "mbank-operations", false, 123_000, "FV/2026/11/001")];
        let new = [
            op(10, "mt940", true, 123_000, "FV 2026/11/001"),
            op(11, "mt940", true, 123_000, "FV 2026/11/001"),
            op(12, "mt940", true, 49_200, "ZAPŁATA FV/2026/11/003"),
        ];
        assert_eq!(seen_elsewhere(&new, &stored), vec![10], "the twin stays");
    }

    #[test]
    fn the_same_kind_of_export_is_left_to_its_exact_identity() {
        let stored = [op(1, "mt940", true, 123_000, "FV/2026/11/001")];
        let new = [op(10, "mt940", true, 123_000, "FV/2026/11/001")];
        assert!(seen_elsewhere(&new, &stored).is_empty());
        // The same profile, but only one of the two has bank references: other kinds.
        let stored = [op(1, "generic", false, 123_000, "FV/2026/11/001")];
        let new = [op(10, "generic", true, 123_000, "FV/2026/11/001")];
        assert_eq!(seen_elsewhere(&new, &stored), vec![10]);
    }

    #[test]
    fn accounts_titles_amounts_and_days_must_agree() {
        let stored = [op(
            1,
            "csv",
            false,
            123_000,
            "Zapłata za fakturę FV/2026/11/001 - usługi IT listopad",
        )];
        let mut other_account = op(
            10,
            "mt940",
            true,
            123_000,
            "Zaplata za fakture FV/2026/11/001 usługi IT listopad",
        );
        other_account.counterparty_account = Some("61109010140000071219812874".into());
        let mut other_day = op(
            11,
            "mt940",
            true,
            123_000,
            "ZAPLATA ZA FAKTURE FV/2026/11/001 USLUGI IT LISTOPAD",
        );
        other_day.booking_date = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
        let other_amount = op(
            12,
            "mt940",
            true,
            123_100,
            "ZAPLATA ZA FAKTURE FV/2026/11/001 USLUGI IT LISTOPAD",
        );
        let other_title = op(
            13,
            "mt940",
            true,
            123_000,
            "ZAPLATA ZA FAKTURE FV/2026/11/002",
        );
        let too_short_a_cut = op(14, "mt940", true, 123_000, "ZAPLATA ZA");
        assert!(
            seen_elsewhere(
                &[
                    other_account,
                    other_day,
                    other_amount,
                    other_title,
                    too_short_a_cut
                ],
                &stored
            )
            .is_empty()
        );
        // Cut at MT940's line length, diacritics dropped, NRB for IBAN: the same operation.
        let mut cut = op(
            15,
            "mt940",
            true,
            123_000,
            "ZAPLATA ZA FAKTURE FV/2026/11/001 USLUG",
        );
        cut.counterparty_account = Some("19 1140 2004 0000 3502 3059 9137".into());
        assert_eq!(seen_elsewhere(&[cut], &stored), vec![15]);
    }

    #[test]
    fn letters_an_export_mangled_are_forgiven_when_the_account_and_digits_agree() {
        let stored = [op(1, "csv", false, 49_200, "Zapłata za FV/2026/11/003")];
        let mangled = op(10, "mt940", true, 49_200, "ZAP?ATA ZA FV/2026/11/003");
        let dropped = op(11, "mt940", true, 49_200, "ZAPATA ZA FV/2026/11/003");
        assert_eq!(
            seen_elsewhere(std::slice::from_ref(&mangled), &stored),
            vec![10]
        );
        assert_eq!(seen_elsewhere(&[dropped], &stored), vec![11]);
        // Not without the account on both sides, nor with other digits.
        let mut no_account = mangled.clone();
        no_account.counterparty_account = None;
        assert!(seen_elsewhere(&[no_account], &stored).is_empty());
        let other = op(12, "mt940", true, 49_200, "ZAP?ATA ZA FV/2026/11/004");
        assert!(seen_elsewhere(&[other], &stored).is_empty());
    }

    #[test]
    fn an_export_that_does_not_name_an_account_does_not_contradict() {
        let stored = [op(1, "csv", false, 123_000, "FV/2026/11/001")];
        let mut new = op(10, "mt940", true, 123_000, "FV/2026/11/001");
        new.counterparty_account = None;
        new.our_account = None;
        assert_eq!(seen_elsewhere(&[new], &stored), vec![10]);
    }
}
