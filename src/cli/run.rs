use crate::app::App;
use crate::daemon::Daemon;
use crate::mail::source::Source;
use crate::outbox::Sender;
use anyhow::{Context as _, Result};
use clap::Args;
use tokio::sync::watch;

/// Run the mail-bot: watch the mailbox, import report mails and answer them, send what is due.
/// SIGINT/SIGTERM finish the message in hand and stop.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Process what is waiting, send what is due, and exit (for cron and tests).
    #[arg(long)]
    pub once: bool,
}

pub fn run(app: &mut App, args: RunArgs) -> Result<i32> {
    // A broken template stops the start, loudly, instead of a reminder failing at send time.
    crate::templates::samples::check_templates(&app.templates, &app.config)
        .context("checking the mail templates")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let source = Source::from_config(&app.config.mailbox)?;
    let stats = runtime.block_on(async {
        let sender = Sender::from_config(&app.config.smtp)?;
        let (stop_tx, stop_rx) = watch::channel(false);
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("stop requested: finishing the message in hand");
            let _ = stop_tx.send(true);
        });
        Daemon::new(app, source, sender, stop_rx)?
            .run(args.once)
            .await
    })?;
    if args.once {
        println!(
            "{} messages ({} reports), {} mails queued by the dunning, {} mails sent, {} send failures",
            stats.messages, stats.reports, stats.dunning_queued, stats.sent, stats.send_failures
        );
    }
    Ok(0)
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
