//! Why reminders for one invoice wait: a dispute (until a person resolves it), a promise to pay by
//! a date (until the day after it), or a claim that it was paid (a few business days, for the bank
//! statement to show it).

use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldKind {
    Dispute,
    Promise,
    PaidClaim,
}

impl HoldKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HoldKind::Dispute => "dispute",
            HoldKind::Promise => "promise",
            HoldKind::PaidClaim => "paid_claim",
        }
    }

    pub fn parse(s: &str) -> Option<HoldKind> {
        [HoldKind::Dispute, HoldKind::Promise, HoldKind::PaidClaim]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// An invoice's open hold as the dunning sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Hold {
    pub kind: HoldKind,
    /// Promise: the promised day; paid claim: the last day it waits. `None` for a dispute.
    pub until: Option<NaiveDate>,
}

impl Hold {
    /// Whether reminders and escalation for the invoice wait on `today`.
    pub fn holds_on(&self, today: NaiveDate) -> bool {
        match (self.kind, self.until) {
            (HoldKind::Dispute, _) => true,
            (_, Some(until)) => today <= until,
            (_, None) => true,
        }
    }
}

/// How a hold ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldEnd {
    /// A dispute settled by a person (reminders resume).
    Resolved,
    /// Registered by mistake, withdrawn by a person.
    Cancelled,
    /// The invoice was paid while it held.
    Kept,
    /// The promised day passed without the money.
    Broken,
    /// A paid claim's wait ended without the money showing.
    Expired,
}

impl HoldEnd {
    pub fn as_str(self) -> &'static str {
        match self {
            HoldEnd::Resolved => "resolved",
            HoldEnd::Cancelled => "cancelled",
            HoldEnd::Kept => "kept",
            HoldEnd::Broken => "broken",
            HoldEnd::Expired => "expired",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_promise_holds_through_its_day_and_a_dispute_until_resolved() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let p = Hold {
            kind: HoldKind::Promise,
            until: Some(d("2026-12-15")),
        };
        assert!(p.holds_on(d("2026-12-15")));
        assert!(!p.holds_on(d("2026-12-16")));
        let s = Hold {
            kind: HoldKind::Dispute,
            until: None,
        };
        assert!(s.holds_on(d("2030-01-01")));
        for k in [HoldKind::Dispute, HoldKind::Promise, HoldKind::PaidClaim] {
            assert_eq!(HoldKind::parse(k.as_str()), Some(k));
        }
    }
}
