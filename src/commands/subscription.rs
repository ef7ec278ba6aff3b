//! `pause subscription X` / `wstrzymaj abonament X`, `resume subscription X` / `wznów abonament X`,
//! `cancel subscription X` / `anuluj abonament X`: whether a subscription is invoiced. X is the
//! subscription's number (`#12`), its id in the subscriptions list, or a client with one
//! subscription. A paused subscription's periods are not invoiced while it is paused; resumed,
//! only periods from that day on are (nothing missed is issued); a cancelled one is never
//! invoiced again.

use super::parse::{joined, payment_id};
use super::{Command, Ctx, Outcome, Spec};
use crate::billing::plan::Status;
use crate::domain::Lang;
use crate::store::{SubscriptionRow, Tx};
use anyhow::Result;

pub const PAUSE: Spec = Spec {
    keywords: &[
        (&["pause", "subscription"], Lang::En),
        (&["wstrzymaj", "abonament"], Lang::Pl),
        (&["wstrzymaj", "subskrypcje"], Lang::Pl),
    ],
    parse: |rest| {
        who(rest).map(|who| Command::Subscription {
            who,
            status: Status::Paused,
        })
    },
};

pub const RESUME: Spec = Spec {
    keywords: &[
        (&["resume", "subscription"], Lang::En),
        (&["wznow", "abonament"], Lang::Pl),
        (&["wznow", "subskrypcje"], Lang::Pl),
    ],
    parse: |rest| {
        who(rest).map(|who| Command::Subscription {
            who,
            status: Status::Active,
        })
    },
};

pub const CANCEL: Spec = Spec {
    keywords: &[
        (&["cancel", "subscription"], Lang::En),
        (&["anuluj", "abonament"], Lang::Pl),
        (&["anuluj", "subskrypcje"], Lang::Pl),
    ],
    parse: |rest| {
        who(rest).map(|who| Command::Subscription {
            who,
            status: Status::Cancelled,
        })
    },
};

fn who(rest: &[&str]) -> Result<String, &'static str> {
    if rest.is_empty() {
        return Err("which subscription?");
    }
    Ok(joined(rest))
}

/// The subscription `who` names, or what to say when it names none or several.
pub fn find(tx: &Tx<'_>, who: &str) -> Result<Result<SubscriptionRow, (String, String)>> {
    let all = tx.subscriptions(None)?;
    if let Some(id) = payment_id(who.trim_start_matches("nr ").trim())
        && let Some(s) = all.iter().find(|s| s.id == id)
    {
        return Ok(Ok(s.clone()));
    }
    if let Some(s) = all.iter().find(|s| s.reference == who) {
        return Ok(Ok(s.clone()));
    }
    let clients: Vec<i64> = tx.find_clients(who)?.into_iter().map(|c| c.id).collect();
    let mine: Vec<&SubscriptionRow> = all
        .iter()
        .filter(|s| clients.contains(&s.client_id) && s.status != Status::Cancelled)
        .collect();
    Ok(match mine.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err((
            format!(
                "Nie znam abonamentu „{who}” (podajcie numer, np. #12, albo klienta). Nic nie zmieniono."
            ),
            format!(
                "No subscription \"{who}\" (give its number, e.g. #12, or the client). Nothing was changed."
            ),
        )),
        many => {
            let list = many
                .iter()
                .map(|s| format!("#{} {}", s.id, s.plan.service))
                .collect::<Vec<_>>()
                .join(", ");
            Err((
                format!("„{who}” ma kilka abonamentów: {list}. Podajcie numer. Nic nie zmieniono."),
                format!(
                    "\"{who}\" has several subscriptions: {list}. Give the number. Nothing was changed."
                ),
            ))
        }
    })
}

pub fn run(tx: &Tx<'_>, ctx: &Ctx<'_>, who: &str, status: Status) -> Result<Outcome> {
    let s = match find(tx, who)? {
        Ok(s) => s,
        Err((pl, en)) => return Ok(ctx.refuse(pl, en)),
    };
    let name = format!("#{} {} ({})", s.id, s.plan.service, s.client);
    if s.status == Status::Cancelled && status != Status::Cancelled {
        return Ok(ctx.refuse(
            format!(
                "Abonament {name} jest anulowany; anulowanego nie wznawiamy, trzeba dodać nowy."
            ),
            format!(
                "Subscription {name} is cancelled; a cancelled one is not resumed, add a new one."
            ),
        ));
    }
    let changed = tx.set_subscription_status(s.id, status)?;
    // Periods missed while paused are not issued on resuming: billing starts again today.
    if status == Status::Active && changed && ctx.today > s.plan.start {
        let billed = tx.billed_starts(s.id)?;
        let missed = s
            .plan
            .schedule()
            .due_until(ctx.today)
            .iter()
            .any(|d| d.period.start < ctx.today && !billed.contains(&d.period.start));
        if missed {
            let mut plan = s.plan.clone();
            plan.start = ctx.today;
            tx.set_subscription_plan(s.id, &plan)?;
        }
    }
    ctx.audit(tx, &format!("subscription:{}", s.id), status.code())?;
    Ok(match status {
        Status::Paused => ctx.done(
            changed,
            format!("Wstrzymano abonament {name}: kolejne okresy nie będą fakturowane do wznowienia."),
            format!("Subscription {name} is paused: no periods are invoiced until it is resumed."),
        ),
        Status::Active => ctx.done(
            changed,
            format!("Wznowiono abonament {name}: faktury za okresy od dziś."),
            format!("Subscription {name} is resumed: invoices for the periods from today."),
        ),
        Status::Cancelled => ctx.done(
            changed,
            format!("Anulowano abonament {name}: nie będzie już fakturowany. Wystawione faktury zostają."),
            format!("Subscription {name} is cancelled: it will not be invoiced again. Invoices already issued stay."),
        ),
    })
}

#[cfg(test)]
mod tests {
    use crate::billing::plan::Status;
    use crate::commands::Command;
    use crate::commands::parse::parse_line;

    #[test]
    fn subscription_commands_in_both_languages() {
        for (line, who, status) in [
            ("wstrzymaj abonament #12", "#12", Status::Paused),
            (
                "Wznów abonament ACME Sp. z o.o",
                "ACME Sp. z o.o",
                Status::Active,
            ),
            (
                "anuluj abonament UM/2026/001",
                "UM/2026/001",
                Status::Cancelled,
            ),
            ("pause subscription 7", "7", Status::Paused),
            (
                "cancel subscription \"Northwind\"",
                "Northwind",
                Status::Cancelled,
            ),
        ] {
            let parsed = parse_line(line).unwrap().unwrap();
            assert_eq!(
                parsed.command,
                Command::Subscription {
                    who: who.into(),
                    status
                },
                "{line}"
            );
        }
        assert!(parse_line("wstrzymaj abonament").is_err());
    }
}
