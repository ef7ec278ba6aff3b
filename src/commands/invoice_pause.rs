//! `pause invoice N` / `wstrzymaj fakturę N` and `resume invoice N` / `wznów fakturę N`: one
//! invoice's reminders (a dispute, an arrangement by phone).

use super::parse::joined;
use super::{Command, Ctx, Outcome, Spec};
use crate::domain::Lang;
use crate::store::Tx;
use anyhow::Result;

pub const PAUSE: Spec = Spec {
    keywords: &[
        (&["pause", "invoice"], Lang::En),
        (&["wstrzymaj", "fakture"], Lang::Pl),
        (&["wstrzymaj", "faktura"], Lang::Pl),
        (&["wstrzymac", "fakture"], Lang::Pl),
        (&["wstrzymaj", "przypomnienia", "dla", "faktury"], Lang::Pl),
        (&["wstrzymaj", "przypomnienia", "do", "faktury"], Lang::Pl),
        (&["pause", "reminders", "for", "invoice"], Lang::En),
    ],
    parse: |rest| number(rest).map(|number| Command::PauseInvoice { number }),
};

pub const RESUME: Spec = Spec {
    keywords: &[
        (&["resume", "invoice"], Lang::En),
        (&["wznow", "fakture"], Lang::Pl),
        (&["wznow", "faktura"], Lang::Pl),
        (&["wznowic", "fakture"], Lang::Pl),
        (&["wznow", "przypomnienia", "dla", "faktury"], Lang::Pl),
        (&["wznow", "przypomnienia", "do", "faktury"], Lang::Pl),
        (&["resume", "reminders", "for", "invoice"], Lang::En),
    ],
    parse: |rest| number(rest).map(|number| Command::ResumeInvoice { number }),
};

fn number(rest: &[&str]) -> Result<String, &'static str> {
    if rest.is_empty() {
        return Err("which client or invoice?");
    }
    Ok(joined(rest))
}

pub fn run(tx: &Tx<'_>, ctx: &Ctx<'_>, number: &str, pause: bool) -> Result<Outcome> {
    let Some(inv) = tx.find_invoice(number)? else {
        return Ok(ctx.refuse(
            format!("Nie znam faktury „{number}”. Nic nie zmieniono."),
            format!("No invoice \"{number}\". Nothing was changed."),
        ));
    };
    let changed = tx.set_invoice_paused(inv.id, pause, ctx.actor)?;
    ctx.audit(
        tx,
        &format!("invoice:{}", inv.id),
        if pause {
            "pause invoice"
        } else {
            "resume invoice"
        },
    )?;
    Ok(match (pause, changed) {
        (true, _) => ctx.done(
            changed,
            format!(
                "Faktura {}: przypomnienia wstrzymane do odwołania.",
                inv.number
            ),
            format!("Invoice {}: reminders paused until resumed.", inv.number),
        ),
        (false, true) => ctx.done(
            true,
            format!("Faktura {}: przypomnienia wznowione.", inv.number),
            format!("Invoice {}: reminders resumed.", inv.number),
        ),
        (false, false) => ctx.done(
            false,
            format!("Faktura {} nie była wstrzymana.", inv.number),
            format!("Invoice {} was not paused.", inv.number),
        ),
    })
}
