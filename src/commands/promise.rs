//! `promise X DATE` / `obietnica X DATA`: the client promised to pay by DATE; reminders wait until
//! the day after and resume by themselves if it does not pay.

use super::parse::{joined, who_and_date};
use super::{Command, Ctx, Outcome, Spec, describe};
use crate::domain::HoldKind;
use crate::domain::Lang;
use crate::store::Tx;
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
    if date < ctx.today {
        return Ok(ctx.refuse(
            format!(
                "{} to data w przeszłości. Nic nie zmieniono.",
                ctx.date(date)
            ),
            format!("{} is in the past. Nothing was changed.", ctx.date(date)),
        ));
    }
    // Each open invoice of the client waits until the promised day; the day after, reminders
    // resume by themselves and a broken promise is reported to the account manager.
    let snap = tx.dunning_snapshot()?;
    let open: Vec<_> = snap
        .invoices
        .iter()
        .filter(|i| i.client_id == c.id && i.outstanding_minor > 0)
        .collect();
    if open.is_empty() {
        return Ok(ctx.refuse(
            format!(
                "{} nie ma otwartych faktur. Nic nie zmieniono.",
                describe(&c)
            ),
            format!(
                "{} has no open invoices. Nothing was changed.",
                describe(&c)
            ),
        ));
    }
    for i in &open {
        tx.open_hold(
            i.id,
            HoldKind::Promise,
            ctx.today,
            Some(date),
            ctx.actor,
            None,
        )?;
    }
    ctx.audit(
        tx,
        &format!("client:{}", c.id),
        &format!("promise to pay by {date}"),
    )?;
    let numbers: Vec<&str> = open.iter().map(|i| i.number.as_str()).collect();
    let resume = ctx.date(date + Duration::days(1));
    Ok(ctx.done(
        true,
        format!(
            "Zapisano obietnicę zapłaty {} do {} (faktury: {}). Jeśli wpłata nie nadejdzie, przypomnienia wrócą same od {resume}, a opiekun klienta dostanie wiadomość o niedotrzymanej obietnicy.",
            describe(&c),
            ctx.date(date),
            numbers.join(", ")
        ),
        format!(
            "Promise noted: {} pays by {} (invoices: {}). If the payment does not come, reminders resume by themselves from {resume} and the account manager is told the promise was broken.",
            describe(&c),
            ctx.date(date),
            numbers.join(", ")
        ),
    ))
}
