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
        (&["zaplacono"], Lang::Pl),
        (&["zaplacone"], Lang::Pl),
        (&["oplacone"], Lang::Pl),
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
    let balance = tx.invoices_by_key(&[&key])?.into_iter().flatten().next();
    let outstanding = balance
        .as_ref()
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
    let fmt = |minor: i64| ctx.money(Money::from_minor(minor, inv.currency).amount());
    // Settled already (a bank payment matched, or another recorded by hand): a second record of
    // the same money would count it twice. Say so and what it would overpay; record nothing.
    if outstanding <= 0 && !tx.reference_known(ctx.reference)? {
        let paid = balance.as_ref().map(|b| b.settlement.paid).unwrap_or(0);
        let gross = balance.as_ref().map(|b| b.settlement.gross).unwrap_or(0);
        return Ok(ctx.refuse(
            format!(
                "Faktura {} jest już rozliczona (zapłacono {} z {} {cur}); zapisanie wpłaty {} {cur} dałoby nadpłatę {} {cur}. Nic nie zapisano.",
                inv.number,
                fmt(paid),
                fmt(gross),
                fmt(money.minor()),
                fmt(money.minor() + paid - gross),
                cur = inv.currency
            ),
            format!(
                "Invoice {} is already settled ({} of {} {cur} paid); recording {} {cur} would overpay it by {} {cur}. Nothing was recorded.",
                inv.number,
                fmt(paid),
                fmt(gross),
                fmt(money.minor()),
                fmt(money.minor() + paid - gross),
                cur = inv.currency
            ),
        ));
    }
    let date = date.unwrap_or(ctx.today);
    let reason = crate::reconcile::Reason::of(crate::reconcile::Evidence::RecordedBy {
        actor: ctx.actor.to_string(),
    })
    .to_stored();
    let (id, new) =
        tx.record_manual_payment(&inv, money, date, ctx.actor, ctx.reference, &reason)?;
    let over = money.minor() - outstanding;
    if new && over > 0 {
        return Ok(ctx.done(
            true,
            format!(
                "Zapisano wpłatę {} {cur} z {} na fakturę {} (płatność #{id}); to o {} {cur} więcej, niż pozostało: nadpłata.",
                ctx.money(amount),
                ctx.date(date),
                inv.number,
                fmt(over),
                cur = inv.currency
            ),
            format!(
                "Recorded a payment of {} {cur} on {} for invoice {} (payment #{id}); {} {cur} more than was left: an overpayment.",
                ctx.money(amount),
                ctx.date(date),
                inv.number,
                fmt(over),
                cur = inv.currency
            ),
        ));
    }
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
