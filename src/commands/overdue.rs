//! `overdue` / `zaległości`: every overdue invoice by client, with the step it is at.

use super::{Command, Ctx, Outcome, Spec};
use crate::domain::{Currency, Lang, Money};
use crate::store::Tx;
use anyhow::Result;

pub const SPEC: Spec = Spec {
    keywords: &[(&["overdue"], Lang::En), (&["zaleglosci"], Lang::Pl)],
    parse: |_| Ok(Command::Overdue),
};

pub fn run(tx: &Tx<'_>, ctx: &Ctx<'_>) -> Result<Outcome> {
    let snap = tx.dunning_snapshot()?;
    let policy = ctx.config.dunning.policy();
    let mut by_client: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut totals: std::collections::BTreeMap<Currency, i64> = Default::default();
    for i in snap
        .invoices
        .iter()
        .filter(|i| i.outstanding_minor > 0 && i.due.is_some_and(|d| d < ctx.today))
    {
        let client = snap
            .clients
            .get(&i.client_id)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        let step = policy
            .steps
            .iter()
            .rev()
            .find(|s| snap.sent.contains_key(&(i.id, s.name.clone())))
            .map(|s| s.name.clone())
            .unwrap_or_else(|| ctx.t("bez przypomnienia", "no reminder yet"));
        let remaining = Money::from_minor(i.outstanding_minor, i.currency).amount();
        let days = i.due.map(|d| (ctx.today - d).num_days()).unwrap_or(0);
        *totals.entry(i.currency).or_default() += i.outstanding_minor;
        by_client.entry(client).or_default().push(format!(
            "  {} {} {}, {} {days} {}; {step}{}",
            i.number,
            ctx.money(remaining),
            i.currency,
            ctx.t("po terminie", "overdue"),
            ctx.t("dni", "days"),
            if i.paused {
                ctx.t(" (wstrzymana)", " (paused)")
            } else {
                String::new()
            }
        ));
    }
    if by_client.is_empty() {
        return Ok(ctx.done(false, "Brak zaległości.", "Nothing is overdue."));
    }
    let mut lines = Vec::new();
    for (client, invoices) in by_client {
        lines.push(client);
        lines.extend(invoices);
    }
    for (cur, minor) in totals {
        lines.push(format!(
            "{} {} {cur}",
            ctx.t("Razem:", "Total:"),
            ctx.money(Money::from_minor(minor, cur).amount())
        ));
    }
    Ok(Outcome::answer(lines.join("\n")))
}
