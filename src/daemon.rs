//! The daemon's loop, and nothing else: fetch what waits in the mailbox → let the inbound service
//! handle each message → file it → send what is due → the dunning tick → wait (IDLE or poll)
//! until new mail, the next deadline, or shutdown. `--once` does one round and returns.
//!
//! What each message means is [`crate::services::inbound`]'s business, sending and crash recovery
//! the outbox [`Worker`]'s. The loop only decides when each runs:
//! * answers go out between mailbox batches, not only after a long backlog;
//! * a mailbox failure drops the connection and reconnects with jittered backoff (1 s doubling to
//!   5 min); the outbox keeps sending meanwhile;
//! * the dunning runs inside the send window at most every [`DUNNING_EVERY`], and after reports;
//! * the wait ends at the earliest deadline the worker knows (a retry, the end of an interrupted
//!   send's grace period), so nothing waits for unrelated mail to wake the daemon up.

use crate::app::App;
use crate::mail::inbound::Inbound;
use crate::mail::source::{Fetched, MailSource, sleep_or_shutdown};
use crate::outbox::{DeliveryCheck, MailSender, RetryPolicy, Worker, backoff};
use crate::services::dunning;
use crate::services::inbound::{self, Handled};
use anyhow::Result;
use serde::Serialize;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Messages read per batch: the outbox sends what is due between batches.
const BATCH: usize = 50;

/// How often the dunning round runs inside the send window.
const DUNNING_EVERY: Duration = Duration::from_secs(300);

/// How often the daemon looks for subscription invoices due (and after each report mail).
const BILLING_EVERY: Duration = Duration::from_secs(600);

/// What the daemon did (for `--once` output and tests).
#[derive(Debug, Default, Clone, Serialize)]
pub struct Stats {
    pub messages: usize,
    pub reports: usize,
    pub sent: usize,
    pub send_failures: usize,
    pub mailbox_errors: usize,
    /// Mails the dunning queued (reminders, escalations, confirmations, notices).
    pub dunning_queued: usize,
    /// Subscription invoices issued.
    pub invoices_issued: usize,
}

pub struct Daemon<'a, M: MailSource, S: MailSender> {
    app: &'a mut App,
    source: M,
    worker: Worker<S>,
    shutdown: watch::Receiver<bool>,
    /// skarbnik's own DKIM/DMARC check of staff mail (`[commands] verify_dkim`).
    authenticator: Option<mail_auth::MessageAuthenticator>,
    stats: Stats,
    /// When the dunning last ran.
    last_dunning: Option<Instant>,
    /// A report came in since: the dunning runs at the next tick, whatever the interval.
    reports_since_dunning: bool,
    /// When invoices were last issued; a report mail (a subscriptions list) brings the next run
    /// forward.
    last_billing: Option<Instant>,
    reports_since_billing: bool,
}

/// Asks the watched mailbox whether our copy of an interrupted send has arrived.
struct MailboxCheck<'s, M: MailSource> {
    source: &'s mut M,
    connected: bool,
}

impl<M: MailSource> DeliveryCheck for MailboxCheck<'_, M> {
    async fn copy_arrived(&mut self, message_id: &str) -> bool {
        if !self.connected {
            return false;
        }
        match self.source.contains_message_id(message_id).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!("mailbox: {e:#}");
                self.source.disconnect();
                self.connected = false;
                false
            }
        }
    }
}

impl<'a, M: MailSource, S: MailSender> Daemon<'a, M, S> {
    pub fn new(
        app: &'a mut App,
        source: M,
        sender: S,
        shutdown: watch::Receiver<bool>,
    ) -> Result<Self> {
        let authenticator = if app.config.commands.verify_dkim {
            Some(
                mail_auth::MessageAuthenticator::new_system_conf().map_err(|e| {
                    anyhow::anyhow!(
                        "commands.verify_dkim: the system DNS resolver cannot be set up: {e}"
                    )
                })?,
            )
        } else {
            None
        };
        app.import_setup()?;
        let worker = Worker::new(
            sender,
            RetryPolicy::from_config(&app.config.smtp),
            app.clock.clone(),
        );
        Ok(Daemon {
            app,
            source,
            worker,
            shutdown,
            authenticator,
            stats: Stats::default(),
            last_dunning: None,
            reports_since_dunning: false,
            last_billing: None,
            reports_since_billing: false,
        })
    }

    fn stopping(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// Runs until shutdown (or one round with `once`).
    pub async fn run(mut self, once: bool) -> Result<Stats> {
        let staff = &self.app.config.staff;
        if staff.addresses.is_empty() && staff.report_senders.is_empty() {
            tracing::warn!(
                "no staff addresses nor report_senders are configured: reports are accepted from anyone"
            );
        }
        let mut failures: u32 = 0;
        while !self.stopping() {
            let connected = self.read_mailbox().await;
            let mut check = MailboxCheck {
                source: &mut self.source,
                connected,
            };
            self.worker.recover(&mut self.app.store, &mut check).await?;
            self.billing_tick();
            self.dunning_tick();
            self.reports_tick();
            self.send_due().await?;
            if once {
                anyhow::ensure!(
                    connected,
                    "the mailbox could not be read (see the log above)"
                );
                break;
            }
            let until_due = self.until_next_deadline()?;
            self.give_back_memory();
            if connected {
                failures = 0;
                if let Err(e) = self.source.wait(until_due, &mut self.shutdown).await {
                    self.mailbox_error(&e);
                }
            } else {
                failures = failures.saturating_add(1);
                let pause = backoff(Duration::from_secs(1), failures, Duration::from_secs(300));
                tracing::info!("reconnecting in {:.1} s", pause.as_secs_f64());
                sleep_or_shutdown(pause.min(until_due), &mut self.shutdown).await;
            }
        }
        tracing::info!("stopped");
        self.stats.sent = self.worker.stats.sent;
        self.stats.send_failures = self.worker.stats.failures;
        Ok(self.stats)
    }

    /// Before idling: what a round read (SQLite's page cache, up to 32 MiB, and the heap the
    /// dunning snapshot used) goes back to the system, so an idle daemon holds little memory
    /// even over a store of a million payments. The next round reads its pages again from the
    /// OS's file cache.
    fn give_back_memory(&self) {
        self.app.store.release_memory();
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: malloc_trim only returns free heap pages to the kernel; it touches no memory
        // in use and is safe to call at any time.
        unsafe {
            libc::malloc_trim(0);
        }
    }

    fn mailbox_error(&mut self, e: &anyhow::Error) {
        self.stats.mailbox_errors += 1;
        tracing::warn!("mailbox: {e:#}");
        self.source.disconnect();
    }

    /// Connects and handles what waits; `false` when the mailbox failed (it is disconnected).
    async fn read_mailbox(&mut self) -> bool {
        let result = match self.source.connect().await {
            Ok(()) => self.process_inbox().await,
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => true,
            Err(e) => {
                self.mailbox_error(&e);
                false
            }
        }
    }

    async fn send_due(&mut self) -> Result<()> {
        let stop = self.shutdown.clone();
        self.worker
            .drain(&mut self.app.store, || *stop.borrow())
            .await?;
        Ok(())
    }

    /// Runs the dunning round when the send window is open, at most every [`DUNNING_EVERY`]
    /// unless a report came in. A failing round is logged and retried next time: it must not
    /// stop the mailbox.
    fn dunning_tick(&mut self) {
        let cfg = &self.app.config.dunning;
        let due = self.reports_since_dunning
            || self
                .last_dunning
                .is_none_or(|t| t.elapsed() >= DUNNING_EVERY);
        if !cfg.enabled || !due {
            return;
        }
        let tz = self.app.config.timezone();
        let now = self.app.clock.now();
        match crate::dunning::window::is_open(cfg, tz, &cfg.calendar(), now) {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                tracing::error!("dunning: {e:#}");
                return;
            }
        }
        self.last_dunning = Some(Instant::now());
        self.reports_since_dunning = false;
        let opts = dunning::Options {
            today: self.app.today(),
            not_before: None,
            dry_run: false,
        };
        let (env, store) = self.app.parts();
        match env.dunning().run(store, &opts) {
            Ok(decisions) => {
                for d in decisions.iter().filter(|d| d.key.is_some()) {
                    self.stats.dunning_queued += 1;
                    tracing::info!(kind = %d.kind, client = %d.client, invoices = ?d.invoices, "dunning: {}", d.reason);
                }
            }
            Err(e) => tracing::error!("dunning round failed: {e:#}"),
        }
    }

    /// Issues the subscription invoices due today (each period once, across restarts): client
    /// mails wait for the send window. A failing run is logged and tried again next time.
    fn billing_tick(&mut self) {
        if !self.app.config.billing.enabled {
            return;
        }
        let due = self.reports_since_billing
            || self
                .last_billing
                .is_none_or(|t| t.elapsed() >= BILLING_EVERY);
        if !due {
            return;
        }
        self.last_billing = Some(Instant::now());
        self.reports_since_billing = false;
        let today = self.app.today();
        let now = self.app.clock.now();
        let tz = self.app.config.timezone();
        let cfg = &self.app.config.dunning;
        let not_before =
            match crate::dunning::window::not_before(cfg, tz, &cfg.calendar(), today, now) {
                Ok(n) => n,
                Err(e) => {
                    tracing::error!("billing: {e:#}");
                    return;
                }
            };
        let (env, store) = self.app.parts();
        let opts = crate::services::billing::RunOptions {
            today,
            not_before,
            dry_run: false,
            actor: "daemon",
        };
        match crate::services::billing::issue_due(&env, store, &opts) {
            Ok(run) => {
                self.stats.invoices_issued += run.issued.len();
                for i in &run.issued {
                    tracing::info!(number = %i.number, client = %i.client, "invoice issued");
                }
                for p in &run.problems {
                    tracing::warn!("invoice not issued: {}", p.en);
                }
            }
            Err(e) => tracing::error!("issuing invoices failed: {e:#}"),
        }
    }

    /// Queues the scheduled reports that are due (each period once). A failure is logged and
    /// tried again next time.
    fn reports_tick(&mut self) {
        let r = &self.app.config.reports;
        if !r.weekly && !r.monthly {
            return;
        }
        let now = self
            .app
            .clock
            .now()
            .with_timezone(&self.app.config.timezone())
            .naive_local();
        let (env, store) = self.app.parts();
        match crate::services::reports::send_scheduled(&env, store, now) {
            Ok(0) => {}
            Ok(n) => tracing::info!("reports: {n} queued"),
            Err(e) => tracing::error!("scheduled reports failed: {e:#}"),
        }
    }

    /// How long to wait at most: until the worker's next deadline (a second late, so it is due
    /// when we look), the next dunning tick, or the IDLE refresh.
    fn until_next_deadline(&self) -> Result<Duration> {
        let idle = Duration::from_secs(self.app.config.mailbox.idle_secs.clamp(60, 25 * 60));
        let idle = if self.app.config.dunning.enabled {
            idle.min(DUNNING_EVERY)
        } else {
            idle
        };
        let Some(next) = self.worker.next_deadline(&self.app.store)? else {
            return Ok(idle);
        };
        let wait = (next - self.app.clock.now())
            .to_std()
            .unwrap_or(Duration::ZERO);
        Ok((wait + Duration::from_secs(1)).min(idle))
    }

    async fn process_inbox(&mut self) -> Result<()> {
        loop {
            if self.stopping() {
                return Ok(());
            }
            let batch = self.source.fetch(BATCH).await?;
            if batch.is_empty() {
                return Ok(());
            }
            for mut message in batch {
                if self.stopping() {
                    return Ok(());
                }
                let own_check = self.own_check(&message).await;
                let handled = self.handle(&mut message, own_check);
                self.source.file(&message, handled.folder).await?;
                self.stats.messages += 1;
                self.note_position(&message.key)?;
            }
            self.send_due().await?;
        }
    }

    /// Hands one message to the inbound service. When the store fails, the message is kept for
    /// a person in the failed folder, with the cause in the log.
    fn handle(
        &mut self,
        message: &mut Fetched,
        own_check: Option<Result<String, crate::domain::Said>>,
    ) -> Handled {
        let (env, import, store) = match self.app.import_parts() {
            Ok(p) => p,
            Err(e) => return failed(message, &e),
        };
        // The service takes the bytes (and lets a large report's go early); the message is
        // filed by its key.
        let raw = std::mem::take(&mut message.raw);
        match inbound::handle(&env, import, store, &message.key, raw, own_check) {
            Ok(h) => {
                if h.class == Some(crate::mail::classify::Class::Report) {
                    self.stats.reports += 1;
                    self.reports_since_dunning = true;
                    self.reports_since_billing = true;
                }
                h
            }
            Err(e) => failed(message, &e),
        }
    }

    /// skarbnik's own DKIM/DMARC check, for mail from staff when `verify_dkim` is on (async, so
    /// it runs before the synchronous handling).
    async fn own_check(&self, message: &Fetched) -> Option<Result<String, crate::domain::Said>> {
        let authenticator = self.authenticator.as_ref()?;
        let from = Inbound::parse(&message.raw)?.from?;
        crate::commands::auth::role(&self.app.config, &from)?;
        Some(crate::commands::auth::vouched_by_own_check(authenticator, &message.raw, None).await)
    }

    /// Keeps how far an IMAP folder has been read (`imap:<folder>:<uidvalidity>:<uid>`); a new
    /// UIDVALIDITY is logged, since every UID in the folder changed meaning. Messages are still
    /// recognised by their bytes, so none is handled twice.
    fn note_position(&self, key: &str) -> Result<()> {
        let Some(rest) = key.strip_prefix("imap:") else {
            return Ok(());
        };
        let mut parts = rest.rsplitn(3, ':');
        let (Some(uid), Some(validity), Some(folder)) = (parts.next(), parts.next(), parts.next())
        else {
            return Ok(());
        };
        let (Ok(uid), Ok(validity)) = (uid.parse::<u32>(), validity.parse::<u32>()) else {
            return Ok(());
        };
        let store = &self.app.store;
        if let Some((known, _)) = store.mailbox_position(folder)?
            && known != validity
        {
            tracing::warn!(folder, old = known, new = validity, "UIDVALIDITY changed");
        }
        store.set_mailbox_position(folder, validity, uid)
    }
}

/// A message the store could not take: kept in the failed folder, the cause in the log.
fn failed(message: &Fetched, e: &anyhow::Error) -> Handled {
    tracing::error!(key = %message.key, "cannot handle message: {e:#}");
    Handled {
        folder: crate::mail::source::Folder::Failed,
        class: None,
    }
}
