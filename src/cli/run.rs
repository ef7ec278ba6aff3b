use super::Context;
use crate::config::Config;
use crate::mail::daemon::{Daemon, ImportSetup};
use crate::mail::imap::Imap;
use crate::mail::maildir::Maildir;
use crate::mail::sender::{FileSender, MailSender, SmtpSender};
use crate::mail::source::MailSource;
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

pub fn run(ctx: &mut Context, args: RunArgs) -> Result<i32> {
    // A broken template stops the start, loudly, instead of a reminder failing at send time.
    let templates = crate::templates::Templates::new(ctx.config.templates.dir.as_deref());
    crate::dunning::samples::check_templates(&templates, &ctx.config)
        .context("checking the mail templates")?;
    let import = ImportSetup {
        profiles: ctx.profiles()?,
        parse_ctx: ctx.parse_context(),
        isolation: ctx.isolation()?,
        our_nip: ctx.our_nip(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let Context { config, store } = ctx;
    runtime.block_on(async {
        let (stop_tx, stop_rx) = watch::channel(false);
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("stop requested: finishing the message in hand");
            let _ = stop_tx.send(true);
        });
        match (config.mailbox.kind.as_str(), config.smtp.kind.as_str()) {
            ("imap", "smtp") => {
                go(
                    config,
                    store,
                    Imap::new(&config.mailbox)?,
                    SmtpSender::new(&config.smtp)?,
                    import,
                    stop_rx,
                    args.once,
                )
                .await
            }
            ("imap", _) => {
                go(
                    config,
                    store,
                    Imap::new(&config.mailbox)?,
                    FileSender::new(&config.smtp)?,
                    import,
                    stop_rx,
                    args.once,
                )
                .await
            }
            (_, "smtp") => {
                go(
                    config,
                    store,
                    Maildir::new(&config.mailbox),
                    SmtpSender::new(&config.smtp)?,
                    import,
                    stop_rx,
                    args.once,
                )
                .await
            }
            _ => {
                go(
                    config,
                    store,
                    Maildir::new(&config.mailbox),
                    FileSender::new(&config.smtp)?,
                    import,
                    stop_rx,
                    args.once,
                )
                .await
            }
        }
    })
}

async fn go<M: MailSource, S: MailSender>(
    config: &Config,
    store: &mut crate::store::Store,
    source: M,
    sender: S,
    import: ImportSetup,
    stop: watch::Receiver<bool>,
    once: bool,
) -> Result<i32> {
    let daemon = Daemon::new(config, store, source, sender, import, stop)?;
    let stats = daemon.run(once).await?;
    if once {
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
