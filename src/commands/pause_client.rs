//! `pause client X [until DATE]` / `wstrzymaj klienta X [do DATA]`: no reminders to a client
//! until a date (inclusive) or until resumed.

use super::parse::{joined, who_and_date};
use super::{Command, Ctx, Outcome, Spec, describe};
use crate::domain::Lang;
use crate::store::{ClientUpdate, Tx};
use anyhow::Result;
use chrono::NaiveDate;

pub const SPEC: Spec = Spec {
    keywords: &[
        (&["pause", "client"], Lang::En),
        (&["pause", "customer"], Lang::En),
        (&["wstrzymaj", "klienta"], Lang::Pl),
        (&["wstrzymaj", "klient"], Lang::Pl),
        (&["wstrzymac", "klienta"], Lang::Pl),
        (&["wstrzymac", "klient"], Lang::Pl),
        (&["wstrzymaj", "przypomnienia", "dla", "klienta"], Lang::Pl),
        (&["wstrzymaj", "przypomnienia", "dla"], Lang::Pl),
        (&["wstrzymaj", "przypomnienia", "do"], Lang::Pl),
        (&["pause", "reminders", "for", "client"], Lang::En),
        (&["pause", "reminders", "for"], Lang::En),
    ],
    parse,
};

fn parse(rest: &[&str]) -> Result<Command, &'static str> {
    let (who, until) = who_and_date(rest, &["until", "till", "do"]);
    if who.is_empty() {
        return Err("which client?");
    }
    Ok(Command::PauseClient {
        who: joined(&who),
        until,
    })
}

pub fn run(tx: &Tx<'_>, ctx: &Ctx<'_>, who: &str, until: Option<NaiveDate>) -> Result<Outcome> {
    let c = super::client_or_refuse!(ctx, tx, who);
    let changed = !tx
        .update_client(c.id, &ClientUpdate::pause(until), ctx.actor)?
        .is_empty();
    ctx.audit(tx, &format!("client:{}", c.id), "pause")?;
    Ok(match until {
        Some(d) => ctx.done(
            changed,
            format!(
                "Wstrzymano przypomnienia dla {} do {} włącznie.",
                describe(&c),
                ctx.date(d)
            ),
            format!(
                "Reminders to {} are paused until {} (inclusive).",
                describe(&c),
                ctx.date(d)
            ),
        ),
        None => ctx.done(
            changed,
            format!(
                "Wstrzymano przypomnienia dla {} do odwołania (wznów klienta …).",
                describe(&c)
            ),
            format!(
                "Reminders to {} are paused until resumed (resume client …).",
                describe(&c)
            ),
        ),
    })
}
