//! `paid N [AMOUNT] [DATE]` / `opłacona N [KWOTA] [DATA]`: a payment seen elsewhere (cash, a bank
//! that is not imported) recorded against an invoice; by default what remains, today.

use super::parse::{unquote, who_and_date};
use super::{Command, Ctx, Outcome, Spec};
use crate::domain::{InvoiceNumber, Lang, Money};
use crate::ingest::numbers::parse_amount;
use crate::store::Tx;
use anyhow::Result;
use chrono::NaiveDate;
use rust_decimal::Decimal;

pub const SPEC: Spec = Spec {
    keywords: &[
        (&["paid"], Lang::En),
        (&["oplacona"], Lang::Pl),
        (&["oplacono"], Lang::Pl),
        (&["zaplacona"], Lang::Pl),
    ],
    parse,
};

fn parse(rest: &[&str]) -> Result<Command, &'static str> {
    let Some((number, tail)) = rest.split_first() else {
        return Err("which invoice?");
    };
    let (amount_words, date) = who_and_date(tail, &["on", "dnia", "z", "dn"]);
    let amount = if amount_words.is_empty() {
        None
    } else {
        match parse_amount(&amount_words.join(" ")) {
            Ok(a) if a.value > Decimal::ZERO => Some(a.value),
            _ => return Err("the amount cannot be read"),
        }
    };
    Ok(Command::Paid {
        number: unquote(number),
        amount,
        date,
    })
}

pub fn run(
    tx: &Tx<'_>,
    ctx: &Ctx<'_>,
    number: &str,
    amount: Option<Decimal>,
    date: Option<NaiveDate>,
) -> Result<Outcome> {
    let Some(inv) = tx.find_invoice(number)? else {
        return Ok(ctx.refuse(
            format!("Nie znam faktury „{number}”. Nic nie zapisano."),
            format!("No invoice \"{number}\". Nothing was recorded."),
        ));
    };
    let key = InvoiceNumber::parse(number)
        .map(|n| n.canonical().to_string())
        .unwrap_or_default();
    let outstanding = tx
        .invoices_by_key(&[&key])?
        .into_iter()
        .flatten()
        .next()
        .map(|b| b.settlement.outstanding)
        .unwrap_or(0);
    let amount = match amount {
        Some(a) => a,
        None if outstanding > 0 => Money::from_minor(outstanding, inv.currency).amount(),
        None => {
            return Ok(ctx.refuse(
                format!(
                    "Faktura {} jest już opłacona; podaj kwotę, jeśli to kolejna wpłata.",
                    inv.number
                ),
                format!(
                    "Invoice {} is already paid; give the amount if this is another payment.",
                    inv.number
                ),
            ));
        }
    };
    let money = match Money::new(amount, inv.currency) {
        Ok(m) if m.minor() > 0 => m,
        _ => {
            return Ok(ctx.refuse(
                format!(
                    "Kwota {} nie jest kwotą w {}. Nic nie zapisano.",
                    ctx.money(amount),
                    inv.currency
                ),
                format!(
                    "{} is not an amount in {}. Nothing was recorded.",
                    ctx.money(amount),
                    inv.currency
                ),
            ));
        }
    };
    let date = date.unwrap_or(ctx.today);
    let (id, new) = tx.record_manual_payment(&inv, money, date, ctx.actor, ctx.reference)?;
    ctx.audit(
        tx,
        &format!("invoice:{}", inv.id),
        &format!("paid {amount}"),
    )?;
    Ok(ctx.done(
        new,
        format!(
            "Zapisano wpłatę {} {} z {} na fakturę {} (płatność #{id}).",
            ctx.money(amount),
            inv.currency,
            ctx.date(date),
            inv.number
        ),
        format!(
            "Recorded a payment of {} {} on {} for invoice {} (payment #{id}).",
            ctx.money(amount),
            inv.currency,
            ctx.date(date),
            inv.number
        ),
    ))
}
