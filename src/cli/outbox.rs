use super::print_json;
use crate::app::App;
use crate::store::OutboxStatus;
use anyhow::{Result, bail};
use clap::{Args, Subcommand};

/// Show outgoing mail: waiting, being retried, sent, or failed for good (failed mail is never
/// dropped; `outbox retry ID` queues it again).
#[derive(Debug, Args)]
pub struct OutboxArgs {
    /// Only this status: pending, sending, sent or failed.
    #[arg(long)]
    pub status: Option<String>,
    /// How many rows, newest first (when there are more, stderr says how many).
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
    #[command(subcommand)]
    pub action: Option<OutboxAction>,
}

#[derive(Debug, Subcommand)]
pub enum OutboxAction {
    /// Queue a failed mail again (sent at the daemon's next round).
    Retry { id: i64 },
}

pub fn run(ctx: &mut App, args: OutboxArgs) -> Result<i32> {
    if let Some(OutboxAction::Retry { id }) = args.action {
        if ctx.store.outbox_requeue(id, "cli", "retry asked for")? {
            println!("mail #{id} queued again");
            return Ok(0);
        }
        bail!("mail #{id} is not failed (only failed or interrupted mail can be retried)");
    }
    let status = match args.status.as_deref() {
        None => None,
        Some(s) => Some(OutboxStatus::parse(s).ok_or_else(|| {
            anyhow::anyhow!("--status must be pending, sending, sent or failed, not {s:?}")
        })?),
    };
    let items = ctx.store.outbox(status, args.limit)?;
    let total = ctx.store.outbox_count(status)?;
    if total > items.len() {
        // Said on stderr, so `--json` stays a list a script can read.
        eprintln!(
            "showing the newest {} of {total} mails; --limit {total} shows all",
            items.len()
        );
    }
    if args.json {
        return print_json(&items).map(|_| 0);
    }
    for i in &items {
        println!(
            "#{:<5} {:<8} {:<14} to {} — {}{}",
            i.id,
            i.status.as_str(),
            i.purpose,
            i.recipients.join(", "),
            i.subject,
            match (&i.last_error, i.status) {
                (Some(e), OutboxStatus::Pending | OutboxStatus::Failed) => {
                    format!("\n       attempts {}: {e}", i.attempts)
                }
                _ => String::new(),
            }
        );
    }
    if items.is_empty() {
        println!("the outbox is empty");
    }
    Ok(0)
}
