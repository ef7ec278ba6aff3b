use super::Context;
use anyhow::Result;
use clap::Args;

/// Match a payment to invoices by hand (for payments in review). The payment is spread over the
/// invoices oldest due first, any surplus on the last; the payer's account is remembered for the
/// client so the next payment from it is matched automatically.
#[derive(Debug, Args)]
pub struct MatchArgs {
    /// Payment id, as listed by `skarbnik payments`.
    pub payment: i64,
    /// Invoice numbers.
    #[arg(required = true)]
    pub invoices: Vec<String>,
}

/// Remove a payment's allocations. Automatic reconciliation then leaves the payment alone until it
/// is matched by hand.
#[derive(Debug, Args)]
pub struct UnmatchArgs {
    /// Payment id, as listed by `skarbnik payments`.
    pub payment: i64,
}

pub fn run_match(ctx: &mut Context, args: MatchArgs) -> Result<i32> {
    let actor = whoami();
    let done = ctx
        .store
        .manual_match(args.payment, &args.invoices, &actor)?;
    for (number, minor) in done {
        println!(
            "payment #{} → {number} {}",
            args.payment,
            rust_decimal::Decimal::new(minor, 2)
        );
    }
    Ok(0)
}

pub fn run_unmatch(ctx: &mut Context, args: UnmatchArgs) -> Result<i32> {
    let actor = whoami();
    let n = ctx.store.unmatch(args.payment, &actor)?;
    println!(
        "payment #{}: {n} allocations removed; it waits for a manual match",
        args.payment
    );
    Ok(0)
}

/// Who is acting, for the audit log: the OS user at the terminal.
fn whoami() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}
