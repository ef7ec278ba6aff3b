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
}

pub fn run(ctx: &mut App, args: ReconcileArgs) -> Result<i32> {
    let summary = reconcile::run(&mut ctx.store, &reconcile::Settings::of(&ctx.config), "cli")?;
    if args.json {
        print_json(&summary)?;
    } else {
        print_summary(&summary);
    }
    Ok(0)
}

pub fn print_summary(s: &ReconcileSummary) {
    println!(
        "reconciled {} open payments: {} matched, {} waiting for review, {} unmatched",
        s.considered, s.matched, s.review, s.unmatched
    );
    for (id, invoices, rule) in &s.matches {
        println!("  payment #{id} → {} ({rule})", invoices.join(", "));
    }
}
