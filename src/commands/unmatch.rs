//! `unmatch PAYMENT` / `odepnij PŁATNOŚĆ`: a payment's allocations are removed and it waits for a
//! person's match.

use super::match_payment::refusal_text;
use super::parse::payment_id;
use super::{Command, Ctx, Outcome, Spec};
use crate::domain::Lang;
use crate::services::matching::{self, MatchError};
use crate::store::Tx;
use anyhow::Result;

pub const SPEC: Spec = Spec {
    keywords: &[(&["unmatch"], Lang::En), (&["odepnij"], Lang::Pl)],
    parse,
};

fn parse(rest: &[&str]) -> Result<Command, &'static str> {
    match rest.first().and_then(|p| payment_id(p)) {
        Some(payment) if rest.len() == 1 => Ok(Command::Unmatch { payment }),
        _ => Err("the payment is its number, e.g. 12"),
    }
}

pub fn run(tx: &Tx<'_>, ctx: &Ctx<'_>, payment: i64) -> Result<Outcome> {
    match matching::unmatch(tx, payment, ctx.actor) {
        Ok(n) => {
            ctx.audit(tx, &format!("payment:{payment}"), "unmatch")?;
            Ok(ctx.done(
                n > 0,
                format!(
                    "Płatność #{payment}: usunięto {n} przypisań; czeka na ręczne dopasowanie."
                ),
                format!(
                    "Payment #{payment}: {n} allocations removed; it waits for a manual match."
                ),
            ))
        }
        Err(MatchError::Refused(r)) => {
            let why = refusal_text(ctx, &r);
            Ok(ctx.refuse(
                format!("Płatność #{payment}: {why}. Nic nie zmieniono."),
                format!("Payment #{payment}: {why}. Nothing was changed."),
            ))
        }
        Err(MatchError::Store(e)) => Err(e),
    }
}
