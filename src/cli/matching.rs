use crate::app::App;
use crate::services::matching::{MatchError, manual_match_now, unmatch_now};
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

pub fn run_match(ctx: &mut App, args: MatchArgs) -> Result<i32> {
    let actor = whoami();
    let done = refusal_is_an_error(manual_match_now(
        &mut ctx.store,
        args.payment,
        &args.invoices,
        &actor,
    ))?;
    let currency = ctx.store.payment_currency(args.payment)?;
    for (number, minor) in done {
        println!(
            "payment #{} → {number} {}",
            args.payment,
            crate::domain::Money::from_minor(minor, currency).amount()
        );
    }
    Ok(0)
}

pub fn run_unmatch(ctx: &mut App, args: UnmatchArgs) -> Result<i32> {
    let actor = whoami();
    let n = refusal_is_an_error(unmatch_now(&mut ctx.store, args.payment, &actor))?;
    println!(
        "payment #{}: {n} allocations removed; it waits for a manual match",
        args.payment
    );
    Ok(0)
}

/// At the terminal a refusal ends the command like any error: the message says why.
fn refusal_is_an_error<T>(r: Result<T, MatchError>) -> Result<T> {
    r.map_err(|e| match e {
        MatchError::Refused(r) => anyhow::anyhow!(r),
        MatchError::Store(e) => e,
    })
}

/// Who is acting, for the audit log: the OS user at the terminal.
fn whoami() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}
