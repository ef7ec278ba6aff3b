//! `resume client X` / `wznów klienta X`: reminders to a paused client go out again.

use super::parse::joined;
use super::{Command, Ctx, Outcome, Spec, describe};
use crate::domain::Lang;
use crate::store::{ClientUpdate, Tx};
use anyhow::Result;

pub const SPEC: Spec = Spec {
    keywords: &[
        (&["resume", "client"], Lang::En),
        (&["resume", "customer"], Lang::En),
        (&["wznow", "klienta"], Lang::Pl),
        (&["wznow", "klient"], Lang::Pl),
        (&["wznowic", "klienta"], Lang::Pl),
        (&["wznowic", "klient"], Lang::Pl),
        (&["wznow", "przypomnienia", "dla", "klienta"], Lang::Pl),
        (&["wznow", "przypomnienia", "dla"], Lang::Pl),
        (&["wznow", "przypomnienia", "do"], Lang::Pl),
        (&["resume", "reminders", "for", "client"], Lang::En),
        (&["resume", "reminders", "for"], Lang::En),
    ],
    parse,
};

fn parse(rest: &[&str]) -> Result<Command, &'static str> {
    if rest.is_empty() {
        return Err("which client or invoice?");
    }
    Ok(Command::ResumeClient { who: joined(rest) })
}

pub fn run(tx: &Tx<'_>, ctx: &Ctx<'_>, who: &str) -> Result<Outcome> {
    let c = super::client_or_refuse!(ctx, tx, who);
    let u = ClientUpdate {
        paused_until: Some(None),
        paused_indefinitely: Some(false),
        ..ClientUpdate::default()
    };
    let changed = !tx.update_client(c.id, &u, ctx.actor)?.is_empty();
    ctx.audit(tx, &format!("client:{}", c.id), "resume")?;
    Ok(if changed {
        ctx.done(
            true,
            format!("Wznowiono przypomnienia dla {}.", describe(&c)),
            format!("Reminders to {} are resumed.", describe(&c)),
        )
    } else {
        ctx.done(
            false,
            format!("Przypomnienia dla {} nie były wstrzymane.", describe(&c)),
            format!("Reminders to {} were not paused.", describe(&c)),
        )
    })
}
