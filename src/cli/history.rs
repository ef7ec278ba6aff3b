use super::print_json;
use crate::app::App;
use anyhow::{Result, bail};
use clap::Args;

/// Every mail planned, sent or failed for a client, and every reply it sent, with Message-IDs.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The client: a name fragment, a NIP or an e-mail address.
    pub client: String,
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &App, args: HistoryArgs) -> Result<i32> {
    let client = super::clients::one_client(ctx, &args.client)?;
    let lines = ctx.store.client_history(client.id)?;
    if args.json {
        return print_json(&serde_json::json!({"client": client, "history": lines})).map(|_| 0);
    }
    println!(
        "{}{} (#{})",
        client.name,
        client
            .nip
            .as_deref()
            .map(|n| format!(", NIP {n}"))
            .unwrap_or_default(),
        client.id
    );
    if lines.is_empty() {
        bail!("no mail to or from {} yet", client.name);
    }
    for l in &lines {
        println!(
            "{}  {:<22} {:<9} {}\n{:>24}<{}>",
            l.at,
            l.kind,
            l.status.as_deref().unwrap_or(""),
            l.detail,
            "",
            l.message_id.as_deref().unwrap_or("-")
        );
    }
    Ok(0)
}
