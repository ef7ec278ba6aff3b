//! `match PAYMENT N…` / `dopasuj PŁATNOŚĆ N…`: a person decides which invoices a payment pays.

use super::parse::{payment_id, unquote};
use super::{Command, Ctx, Outcome, Spec};
use crate::domain::{Lang, Money};
use crate::services::matching::{self, MatchError, Refusal};
use crate::store::Tx;
use anyhow::Result;

pub const SPEC: Spec = Spec {
    keywords: &[(&["match"], Lang::En), (&["dopasuj"], Lang::Pl)],
    parse,
};

fn parse(rest: &[&str]) -> Result<Command, &'static str> {
    let Some((p, tail)) = rest.split_first() else {
        return Err("which payment?");
    };
    let Some(payment) = payment_id(p) else {
        return Err("the payment is its number, e.g. 12");
    };
    let tail = tail.join(" ");
    let invoices: Vec<String> = if tail.contains([',', ';']) {
        tail.split([',', ';'])
            .map(unquote)
            .filter(|s| !s.is_empty())
            .collect()
    } else {
        tail.split_whitespace().map(unquote).collect()
    };
    if invoices.is_empty() {
        return Err("which invoices?");
    }
    Ok(Command::Match { payment, invoices })
}

/// Why a match or unmatch was refused, in the asker's language.
pub(super) fn refusal_text(ctx: &Ctx<'_>, r: &Refusal) -> String {
    match ctx.lang {
        Lang::En => r.to_string(),
        Lang::Pl => match r {
            Refusal::NoPayment { payment } => format!("nie ma płatności #{payment}"),
            Refusal::NotIncoming { payment, kind } => format!(
                "płatność #{payment} to {}, nie wpłata od klienta",
                match kind.as_str() {
                    "outgoing" => "przelew wychodzący",
                    "fee" => "opłata bankowa",
                    "vat_leg" => "część VAT płatności podzielonej",
                    "internal" => "przeksięgowanie między naszymi rachunkami",
                    _ => "operacja innego rodzaju",
                }
            ),
            Refusal::BadNumber { number } => format!("„{number}” nie jest numerem faktury"),
            Refusal::NoInvoice { number } => format!("nie znam faktury {number}"),
            Refusal::AlreadyAllocated { payment } => format!(
                "płatność #{payment} jest już przypisana; najpierw ją odepnij (odepnij {payment})"
            ),
            Refusal::AlreadySettled {
                numbers,
                overpay,
                currency,
                manual,
            } => {
                let amount = overpay
                    .parse::<rust_decimal::Decimal>()
                    .map(|d| ctx.money(d))
                    .unwrap_or_else(|_| overpay.clone());
                let mut s = format!(
                    "{} {} już rozliczona; ta płatność dałaby nadpłatę {amount} {currency}",
                    numbers.join(", "),
                    if numbers.len() == 1 { "jest" } else { "są" }
                );
                if !manual.is_empty() {
                    let list: Vec<String> = manual.iter().map(|m| format!("odepnij {m}")).collect();
                    s.push_str(&format!(
                        " (rozliczono ją wpłatą zapisaną ręcznie; jeśli to te same pieniądze, najpierw usuń tamtą: {})",
                        list.join(", ")
                    ));
                }
                s
            }
        },
    }
}

pub fn run(tx: &Tx<'_>, ctx: &Ctx<'_>, payment: i64, invoices: &[String]) -> Result<Outcome> {
    match matching::manual_match(tx, payment, invoices, ctx.actor) {
        Ok(done) => {
            ctx.audit(tx, &format!("payment:{payment}"), "match")?;
            let currency = tx
                .payment_ref(payment)?
                .map(|p| p.currency)
                .unwrap_or(crate::domain::Currency::PLN);
            let list: Vec<String> = done
                .iter()
                .map(|(n, m)| {
                    format!(
                        "{n} {}",
                        ctx.money(Money::from_minor(*m, currency).amount())
                    )
                })
                .collect();
            Ok(ctx.done(
                true,
                format!("Płatność #{payment} przypisano: {}.", list.join(", ")),
                format!("Payment #{payment} is allocated: {}.", list.join(", ")),
            ))
        }
        Err(MatchError::Refused(r)) => {
            let why = refusal_text(ctx, &r);
            Ok(ctx.refuse(
                format!("Nie przypisano płatności #{payment}: {why}. Nic nie zmieniono."),
                format!("Payment #{payment} was not matched: {why}. Nothing was changed."),
            ))
        }
        Err(MatchError::Store(e)) => Err(e),
    }
}
