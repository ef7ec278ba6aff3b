//! How much of an invoice is paid: the one rule every part of skarbnik uses (reconciliation,
//! dunning, listings, commands, reports).
//!
//! Paid is what our allocations say, or the ERP's own figure when its receivables list says more
//! is paid (gross − reported outstanding): a payment the bank statement never showed us (cash, a
//! set-off, another account) must not be chased.

use serde::Serialize;

/// An invoice's amounts in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Settlement {
    pub gross: i64,
    /// Paid in total: never negative.
    pub paid: i64,
    /// Still to pay: never negative (an overpaid invoice has 0 outstanding).
    pub outstanding: i64,
    /// A document of a negative amount (a credit note, an overpayment the ERP lists, a correction
    /// that names no invoice we know): what of it the client may still set off against what it
    /// owes. The ERP's outstanding for it, when reported, says how much is left (−300.00 open,
    /// 0.00 used). 0 for an invoice.
    pub credit: i64,
}

impl Settlement {
    /// From the gross amount, the sum of allocations, and the outstanding amount the ERP last
    /// reported (if any).
    pub fn of(gross: i64, allocated: i64, reported_outstanding: Option<i64>) -> Settlement {
        let by_erp = reported_outstanding.map(|o| gross - o).unwrap_or(0);
        let paid = allocated.max(by_erp).max(0);
        let credit = match reported_outstanding {
            _ if gross >= 0 => 0,
            Some(o) => (-o).clamp(0, -gross),
            None => -gross,
        };
        Settlement {
            gross,
            paid,
            outstanding: (gross - paid).max(0),
            credit,
        }
    }

    /// Paid in full (or more).
    pub fn settled(&self) -> bool {
        self.paid >= self.gross
    }

    /// What was paid above the gross amount.
    pub fn overpaid(&self) -> i64 {
        (self.paid - self.gross).max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocations_or_the_erps_figure_whichever_says_more() {
        assert_eq!(Settlement::of(10_000, 0, None).outstanding, 10_000);
        assert_eq!(Settlement::of(10_000, 4_000, None).outstanding, 6_000);
        // The ERP says 7 000 are paid; our allocations know of 4 000.
        let s = Settlement::of(10_000, 4_000, Some(3_000));
        assert_eq!((s.paid, s.outstanding), (7_000, 3_000));
        // Overpaid: nothing outstanding, the surplus is kept.
        let s = Settlement::of(10_000, 12_000, Some(10_000));
        assert_eq!((s.outstanding, s.overpaid(), s.settled()), (0, 2_000, true));
        // An ERP reporting more outstanding than gross never makes paid negative.
        assert_eq!(Settlement::of(10_000, 0, Some(11_000)).paid, 0);
        assert_eq!(Settlement::of(10_000, 0, None).credit, 0);
    }

    #[test]
    fn a_negative_document_is_a_credit_until_the_erp_says_it_is_used() {
        let s = Settlement::of(-30_000, 0, None);
        assert_eq!((s.paid, s.outstanding, s.credit), (0, 0, 30_000));
        assert_eq!(Settlement::of(-30_000, 0, Some(-10_000)).credit, 10_000);
        assert_eq!(Settlement::of(-30_000, 0, Some(0)).credit, 0);
        assert_eq!(Settlement::of(-30_000, 0, Some(-50_000)).credit, 30_000);
    }
}
