use super::print_json;
use crate::app::App;
use crate::services::reconcile::{self, ReconcileSummary};
use anyhow::Result;
use clap::Args;

/// Match payments to invoices: invoice numbers in titles first, then known accounts and NIPs, then
/// payer names, each with amounts that must fit. Ties go to review (`payments --status review`),
/// never to a guess. Runs after every import too; running it again changes nothing.
#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// One line per matched payment.
    #[arg(long, short)]
    pub verbose: bool,
}

pub fn run(ctx: &mut App, args: ReconcileArgs) -> Result<i32> {
    let summary = reconcile::run(&mut ctx.store, &reconcile::Settings::of(&ctx.config), "cli")?;
    if args.json {
        print_json(&summary)?;
    } else {
        print_summary(&summary, args.verbose);
    }
    Ok(0)
}

/// Counts, and the matched payments by rule; one line per payment only when `verbose` (a year's
/// statement would print a million lines; `--json` has them all).
pub fn print_summary(s: &ReconcileSummary, verbose: bool) {
    if s.unchanged {
        println!(
            "nothing new to reconcile since the last run; {} payments wait for review",
            s.review
        );
        return;
    }
    println!(
        "reconciled {} open payments: {} matched, {} waiting for review, {} unmatched",
        s.considered, s.matched, s.review, s.unmatched
    );
    let by_rule = &s.by_rule;
    if !by_rule.is_empty() {
        let rules: Vec<String> = by_rule.iter().map(|(r, n)| format!("{n} {r}")).collect();
        println!("  matched by rule: {}", rules.join(", "));
    }
    if verbose {
        for (id, invoices, rule) in &s.matches {
            println!("  payment #{id} → {} ({rule})", invoices.join(", "));
        }
        if s.matched > s.matches.len() {
            println!(
                "  … and {} more (skarbnik payments --status matched)",
                s.matched - s.matches.len()
            );
        }
    }
}
