//! Disputes by hand: `dispute N [REASON]` / `spór N [POWÓD]` puts an invoice on hold (no
//! reminders, no escalation, no demand); `resolve dispute N [REASON]` / `rozwiąż spór N [POWÓD]`
//! settles it and `cancel dispute N [REASON]` / `anuluj spór N [POWÓD]` withdraws it (registered
//! by mistake). Either way reminders resume from the step the invoice had reached.

use super::parse::{joined, unquote};
use super::{Command, Ctx, Outcome, Spec};
use crate::domain::{HoldEnd, HoldKind, Lang};
use crate::store::{Opened, Tx};
use anyhow::Result;

pub const OPEN: Spec = Spec {
    keywords: &[(&["dispute"], Lang::En), (&["spor"], Lang::Pl)],
    parse: |rest| {
        let (number, reason) = number_and_reason(rest)?;
        Ok(Command::Dispute { number, reason })
    },
};

pub const RESOLVE: Spec = Spec {
    keywords: &[
        (&["resolve", "dispute"], Lang::En),
        (&["rozwiaz", "spor"], Lang::Pl),
    ],
    parse: |rest| {
        let (number, reason) = number_and_reason(rest)?;
        Ok(Command::EndDispute {
            number,
            reason,
            cancel: false,
        })
    },
};

pub const CANCEL: Spec = Spec {
    keywords: &[
        (&["cancel", "dispute"], Lang::En),
        (&["anuluj", "spor"], Lang::Pl),
    ],
    parse: |rest| {
        let (number, reason) = number_and_reason(rest)?;
        Ok(Command::EndDispute {
            number,
            reason,
            cancel: true,
        })
    },
};

/// The invoice number (one word) and the reason (the rest of the line).
fn number_and_reason(rest: &[&str]) -> Result<(String, Option<String>), &'static str> {
    let Some((first, more)) = rest.split_first() else {
        return Err("which invoice?");
    };
    let reason = (!more.is_empty()).then(|| joined(more));
    Ok((unquote(first), reason))
}

pub fn open(tx: &Tx<'_>, ctx: &Ctx<'_>, number: &str, reason: Option<&str>) -> Result<Outcome> {
    let Some(inv) = tx.find_invoice(number)? else {
        return Ok(unknown(ctx, number));
    };
    let opened = tx.open_hold(
        inv.id,
        HoldKind::Dispute,
        ctx.today,
        None,
        ctx.actor,
        reason,
    )?;
    ctx.audit(
        tx,
        &format!("invoice:{}", inv.id),
        &format!("dispute: {}", reason.unwrap_or("-")),
    )?;
    Ok(match opened {
        Opened::New(_) => ctx.done(
            true,
            format!(
                "Faktura {}: zapisano spór. Bez przypomnień, eskalacji i wezwań, dopóki spór nie zostanie rozwiązany (rozwiąż spór {} POWÓD).",
                inv.number, inv.number
            ),
            format!(
                "Invoice {}: dispute recorded. No reminders, escalation or demand until it is resolved (resolve dispute {} REASON).",
                inv.number, inv.number
            ),
        ),
        _ => ctx.done(
            false,
            format!("Faktura {} jest już w sporze.", inv.number),
            format!("Invoice {} is already disputed.", inv.number),
        ),
    })
}

pub fn end(
    tx: &Tx<'_>,
    ctx: &Ctx<'_>,
    number: &str,
    reason: Option<&str>,
    cancel: bool,
) -> Result<Outcome> {
    let Some(inv) = tx.find_invoice(number)? else {
        return Ok(unknown(ctx, number));
    };
    let Some(hold) = tx.open_hold_of(inv.id, HoldKind::Dispute)? else {
        return Ok(ctx.refuse(
            format!(
                "Faktura {} nie jest w sporze. Nic nie zmieniono.",
                inv.number
            ),
            format!(
                "Invoice {} is not disputed. Nothing was changed.",
                inv.number
            ),
        ));
    };
    let how = if cancel {
        HoldEnd::Cancelled
    } else {
        HoldEnd::Resolved
    };
    tx.end_hold(hold.id, how, ctx.actor, reason)?;
    ctx.audit(
        tx,
        &format!("invoice:{}", inv.id),
        &format!("dispute {}: {}", how.as_str(), reason.unwrap_or("-")),
    )?;
    Ok(if cancel {
        ctx.done(
            true,
            format!(
                "Faktura {}: spór anulowany; przypomnienia wracają od kroku, na którym była.",
                inv.number
            ),
            format!(
                "Invoice {}: dispute cancelled; reminders resume from the step it had reached.",
                inv.number
            ),
        )
    } else {
        ctx.done(
            true,
            format!(
                "Faktura {}: spór rozwiązany; przypomnienia wracają od kroku, na którym była. Jeśli faktura została skorygowana, wystarczy zaimportować korektę.",
                inv.number
            ),
            format!(
                "Invoice {}: dispute resolved; reminders resume from the step it had reached. If the invoice was corrected, import the correction.",
                inv.number
            ),
        )
    })
}

fn unknown(ctx: &Ctx<'_>, number: &str) -> Outcome {
    ctx.refuse(
        format!("Nie znam faktury „{number}”. Nic nie zmieniono."),
        format!("No invoice \"{number}\". Nothing was changed."),
    )
}
