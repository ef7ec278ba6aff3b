//! `status X` / `status klienta X`: a client's open invoices with each one's next step, its latest
//! payments and the reminders sent.

use super::parse::joined;
use super::{Command, Ctx, Outcome, Spec, describe};
use crate::domain::{Lang, Money};
use crate::dunning::planner::next_step;
use crate::dunning::words;
use crate::store::{ClientInfo, Tx};
use anyhow::Result;
use chrono::NaiveDate;

pub const SPEC: Spec = Spec {
    keywords: &[
        (&["status", "klienta"], Lang::Pl),
        (&["status", "client"], Lang::En),
        (&["status"], Lang::En),
    ],
    parse,
};

fn parse(rest: &[&str]) -> Result<Command, &'static str> {
    if rest.is_empty() {
        return Err("which client or invoice?");
    }
    Ok(Command::Status { who: joined(rest) })
}

pub fn run(tx: &Tx<'_>, ctx: &Ctx<'_>, who: &str) -> Result<Outcome> {
    let c = super::client_or_refuse!(ctx, tx, who);
    report(tx, ctx, &c)
}

fn report(tx: &Tx<'_>, ctx: &Ctx<'_>, c: &ClientInfo) -> Result<Outcome> {
    let snap = tx.dunning_snapshot()?;
    let policy = ctx.config.dunning.policy();
    let policy = policy.for_client(c.step_offsets.as_deref());
    let calendar = ctx.config.dunning.calendar();
    let mut lines = vec![describe(c)];
    let pause = match (c.paused_indefinitely, &c.paused_until) {
        (true, _) => Some(ctx.t("wstrzymany do odwołania", "paused until resumed")),
        (false, Some(d)) if *d >= ctx.today => Some(ctx.t(
            format!("wstrzymany do {}", ctx.date(*d)),
            format!("paused until {}", ctx.date(*d)),
        )),
        _ => None,
    };
    if let Some(p) = pause {
        lines.push(ctx.t(format!("Przypomnienia: {p}."), format!("Reminders: {p}.")));
    }
    if c.excluded {
        lines.push(ctx.t(
            "Wyłączony z automatycznych przypomnień.",
            "Excluded from automatic reminders.",
        ));
    }
    let book = crate::reports::book(&snap, &tx.book_as_of(ctx.today)?, &policy);
    let score = crate::reports::score::scores(&book, ctx.today).of(c.id);
    lines.push(ctx.t(
        format!("Klasa płatnika: {}.", score.describe(Lang::Pl)),
        format!("Payer class: {}.", score.describe(Lang::En)),
    ));
    let holds = tx.holds_of_client(c.id)?;
    let open: Vec<_> = snap
        .invoices
        .iter()
        .filter(|i| i.client_id == c.id && i.outstanding_minor > 0)
        .collect();
    lines.push(ctx.t("Otwarte faktury:", "Open invoices:"));
    if open.is_empty() {
        lines.push(ctx.t("  brak", "  none"));
    }
    for i in &open {
        let remaining = Money::from_minor(i.outstanding_minor, i.currency).amount();
        let sent: Vec<&str> = snap
            .sent
            .keys()
            .filter(|(id, _)| *id == i.id)
            .map(|(_, s)| s.as_str())
            .collect();
        let due = i.due.map(|d| ctx.date(d)).unwrap_or_else(|| "-".into());
        let hold = holds
            .iter()
            .filter(|h| h.invoice_id == i.id && h.ended_at.is_none())
            .map(|h| crate::domain::Hold {
                kind: h.kind,
                until: h.until,
            })
            .find(|h| h.holds_on(ctx.today));
        let next = if i.paused || hold.is_some() {
            let mut parts = Vec::new();
            if i.paused {
                parts.push(ctx.t("faktura wstrzymana", "invoice paused"));
            }
            if let Some(h) = hold {
                parts.push(words::hold(&h, ctx.lang));
            }
            parts.join("; ")
        } else {
            match i
                .due
                .and_then(|d| next_step(d, &sent, &policy, &calendar, ctx.today))
            {
                Some((step, on)) => ctx.t(
                    format!(
                        "następnie {} – {}",
                        words::step(&policy, &step, Lang::Pl),
                        ctx.date(on)
                    ),
                    format!(
                        "next: {} on {}",
                        words::step(&policy, &step, Lang::En),
                        ctx.date(on)
                    ),
                ),
                None => ctx.t("wszystkie kroki wysłane", "every step sent"),
            }
        };
        lines.push(format!(
            "  {} {} {}, {} {due}; {}",
            i.number,
            ctx.money(remaining),
            i.currency,
            ctx.t("termin", "due"),
            next
        ));
    }
    let credits: Vec<_> = snap
        .invoices
        .iter()
        .filter(|i| i.client_id == c.id && i.open_credit())
        .collect();
    if !credits.is_empty() {
        lines.push(ctx.t(
            "Na korzyść klienta (potrącane w przypomnieniach):",
            "In the client's favour (deducted in reminders):",
        ));
    }
    for i in &credits {
        let amount = Money::from_minor(i.credit_minor, i.currency).amount();
        let issued = i
            .issue_date
            .map(|d| format!(" {} {}", ctx.t("z", "of"), ctx.date(d)))
            .unwrap_or_default();
        lines.push(format!(
            "  {}{issued}: {} {}",
            i.number,
            ctx.money(amount),
            i.currency
        ));
    }
    let payments = tx.client_payments(c.id, 5)?;
    lines.push(ctx.t("Ostatnie wpłaty:", "Latest payments:"));
    if payments.is_empty() {
        lines.push(ctx.t("  brak", "  none"));
    }
    for p in &payments {
        let date = p
            .date
            .parse::<NaiveDate>()
            .map(|d| ctx.date(d))
            .unwrap_or_else(|_| p.date.clone());
        lines.push(format!(
            "  #{} {} {} {} → {}",
            p.id,
            date,
            ctx.money(p.amount),
            p.currency,
            p.invoice
        ));
    }
    let mut sent: Vec<(NaiveDate, String, String)> = snap
        .sent
        .iter()
        .filter_map(|((inv, step), on)| {
            snap.invoices
                .iter()
                .find(|i| i.id == *inv && i.client_id == c.id)
                .map(|i| (*on, i.number.clone(), step.clone()))
        })
        .collect();
    sent.sort();
    lines.push(ctx.t("Wysłane przypomnienia:", "Reminders sent:"));
    if sent.is_empty() {
        lines.push(ctx.t("  brak", "  none"));
    }
    for (on, number, step) in sent {
        lines.push(format!(
            "  {} {number}: {}",
            ctx.date(on),
            words::step(&policy, &step, ctx.lang)
        ));
    }
    Ok(Outcome::answer(lines.join("\n")))
}
