//! `overdue` / `zaległości`: every overdue invoice, what needs a person first, with the step it
//! is at and what to do (the weekly report's rules, see `reports::weekly`).

use super::{Command, Ctx, Outcome, Spec};
use crate::domain::Lang;
use crate::reports::weekly::{Rules, Weekly};
use crate::store::Tx;
use anyhow::Result;
use chrono::NaiveDate;
use std::collections::HashMap;

pub const SPEC: Spec = Spec {
    keywords: &[(&["overdue"], Lang::En), (&["zaleglosci"], Lang::Pl)],
    parse: |_| Ok(Command::Overdue),
};

/// The rules behind the suggested actions, from the settings.
pub fn rules(config: &crate::config::Config) -> Rules {
    let policy = config.dunning.policy();
    Rules {
        steps: policy
            .steps
            .iter()
            .map(|s| (s.name.clone(), s.offset_days))
            .collect(),
        demand_step: policy
            .steps
            .iter()
            .find(|s| s.interest)
            .map(|s| s.name.clone()),
        escalate_after_days: policy.escalate_after_days,
        call_after_days: config.reports.call_after_days,
        collection_after_days: config.reports.collection_after_days,
        min_amount_minor: crate::domain::Money::new(
            policy.min_amount,
            crate::domain::Currency::PLN,
        )
        .map(|m| m.minor())
        .unwrap_or(0),
    }
}

/// The overdue invoices on `as_of`, most urgent first.
pub fn model(tx: &Tx<'_>, config: &crate::config::Config, as_of: NaiveDate) -> Result<Weekly> {
    let policy = config.dunning.policy();
    let book = crate::reports::book(&tx.dunning_snapshot()?, &tx.book_as_of(as_of)?, &policy);
    let scores = crate::reports::score::scores(&book, as_of);
    Ok(crate::reports::weekly::weekly(
        &book,
        &scores,
        &rules(config),
        as_of,
        None,
    ))
}

pub fn run(tx: &Tx<'_>, ctx: &Ctx<'_>) -> Result<Outcome> {
    let w = model(tx, ctx.config, ctx.today)?;
    if w.cases.is_empty() {
        return Ok(ctx.done(false, "Brak zaległości.", "Nothing is overdue."));
    }
    let policy = ctx.config.dunning.policy();
    let steps: HashMap<String, String> = policy
        .steps
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                crate::dunning::words::step(&policy, &s.name, ctx.lang),
            )
        })
        .collect();
    let mut lines = Vec::new();
    for c in &w.cases {
        let step = c
            .step
            .as_ref()
            .map(|s| steps.get(s).cloned().unwrap_or_else(|| s.clone()))
            .unwrap_or_else(|| ctx.t("bez przypomnienia", "no reminder yet"));
        lines.push(format!(
            "{}: {} {} {}, {} {} {}; {step}\n  → {}",
            c.client,
            c.number,
            ctx.money(c.outstanding.amount),
            c.outstanding.currency,
            ctx.t("po terminie", "overdue"),
            c.days_overdue,
            ctx.t("dni", "days"),
            crate::reports::render::action(c, ctx.lang, &steps)
        ));
    }
    for t in &w.overdue_total {
        lines.push(format!(
            "{} {} {}",
            ctx.t("Razem:", "Total:"),
            ctx.money(t.amount),
            t.currency
        ));
    }
    Ok(Outcome::answer(lines.join("\n")))
}
