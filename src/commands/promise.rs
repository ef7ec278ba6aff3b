//! `promise X DATE` / `obietnica X DATA`: the client promised to pay by DATE; reminders wait until
//! the day after and resume by themselves if it does not pay.

use super::parse::{joined, who_and_date};
use super::{Command, Ctx, Outcome, Spec, describe};
use crate::domain::Lang;
use crate::store::{ClientUpdate, Tx};
use anyhow::Result;
use chrono::{Duration, NaiveDate};

pub const SPEC: Spec = Spec {
    keywords: &[(&["promise"], Lang::En), (&["obietnica"], Lang::Pl)],
    parse,
};

fn parse(rest: &[&str]) -> Result<Command, &'static str> {
    let (who, date) = who_and_date(rest, &["until", "by", "do", "na"]);
    match (who.is_empty(), date) {
        (false, Some(date)) => Ok(Command::Promise {
            who: joined(&who),
            date,
        }),
        _ => Err("a client and a date, e.g. promise ACME 2026-12-01"),
    }
}

pub fn run(tx: &Tx<'_>, ctx: &Ctx<'_>, who: &str, date: NaiveDate) -> Result<Outcome> {
    let c = super::client_or_refuse!(ctx, tx, who);
    // Reminders resume by themselves the day after the promised date, if the invoices are
    // still unpaid then.
    let until = date + Duration::days(1);
    let u = ClientUpdate {
        paused_until: Some(Some(until)),
        paused_indefinitely: Some(false),
        ..ClientUpdate::default()
    };
    tx.update_client(c.id, &u, ctx.actor)?;
    ctx.audit(
        tx,
        &format!("client:{}", c.id),
        &format!("promise to pay by {date}"),
    )?;
    Ok(ctx.done(
        true,
        format!(
            "Zapisano obietnicę zapłaty {} do {}. Przypomnienia wstrzymane do {}; jeśli wpłata nie nadejdzie, wrócą same.",
            describe(&c),
            ctx.date(date),
            ctx.date(until)
        ),
        format!(
            "Promise noted: {} pays by {}. Reminders wait until {}; if the payment does not come, they resume by themselves.",
            describe(&c),
            ctx.date(date),
            ctx.date(until)
        ),
    ))
}
