//! The daemon's loop: read what waits in the mailbox, act on each message, send what is due,
//! wait (IDLE or poll) — until shutdown. `--once` does one round and returns.
//!
//! Exactly once, in the face of crashes:
//! * inbound: a message is recorded (by where it sits and by its bytes) in the same transaction
//!   as what it caused, and only then moved; found again after a crash, it is only moved.
//! * outbound: a mail is an outbox row under a unique key, written with the decision. Before
//!   sending, rows are marked `sending`; a crash leaves them so. On the next start such a row is
//!   resent only when it is known not to have gone out: the .eml exists (file sender), or our own
//!   copy (sent to ourselves with every mail) has not arrived within `confirm_grace_secs`.

use super::address::{bare, parse_mailbox};
use super::classify::{Class, Facts, classify, reply_refusal};
use super::compose::{Draft, compose};
use super::inbound::{Inbound, may_be_report};
use super::sender::MailSender;
use super::source::{Fetched, Folder, MailSource, sleep_or_shutdown};
use crate::config::Config;
use crate::import::{ImportOutcome, Importer, sha256_hex};
use crate::ingest::ParseContext;
use crate::ingest::profile::Profile;
use crate::isolate::Isolation;
use crate::store::{MessageRecord, Store, now_text};
use crate::templates::Templates;
use anyhow::Result;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use lettre::message::Mailbox;
use serde::Serialize;
use std::time::Duration;
use tokio::sync::watch;

/// Messages read per round: the loop sends what is due between batches.
const BATCH: usize = 50;

/// What a round did (for `--once` output and tests).
#[derive(Debug, Default, Clone, Serialize)]
pub struct Stats {
    pub messages: usize,
    pub reports: usize,
    pub sent: usize,
    pub send_failures: usize,
    pub mailbox_errors: usize,
    /// Mails the dunning queued (reminders, escalations, confirmations, notices).
    pub dunning_queued: usize,
}

/// Parsing settings shared by every report mail.
pub struct ImportSetup {
    pub profiles: Vec<Profile>,
    pub parse_ctx: ParseContext,
    pub isolation: Option<Isolation>,
    pub our_nip: Option<String>,
}

pub struct Daemon<'a, M: MailSource, S: MailSender> {
    pub config: &'a Config,
    pub store: &'a mut Store,
    pub source: M,
    pub sender: S,
    pub import: ImportSetup,
    pub shutdown: watch::Receiver<bool>,
    templates: Templates,
    from: Mailbox,
    hidden: Vec<Mailbox>,
    own: Vec<String>,
    staff: Vec<String>,
    /// skarbnik's own DKIM/DMARC check of commands (`[commands] verify_dkim`).
    authenticator: Option<mail_auth::MessageAuthenticator>,
    stats: Stats,
    /// When the dunning last ran (it runs at most every [`DUNNING_EVERY`], and after reports).
    last_dunning: Option<std::time::Instant>,
    reports_since_dunning: bool,
}

/// How often the dunning round runs inside the send window.
const DUNNING_EVERY: Duration = Duration::from_secs(300);

/// A growing wait with jitter, for reconnects and retries: base·2ⁿ, capped, ±20 %.
pub fn backoff(base: Duration, attempt: u32, cap: Duration) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.min(16));
    let d = exp.min(cap);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let jitter = (nanos % 401) as f64 / 1000.0 - 0.2; // -0.2 ..= 0.2
    d.mul_f64(1.0 + jitter)
}

fn fault(point: &str) -> bool {
    std::env::var("SKARBNIK_FAULT").is_ok_and(|v| v == point)
}

impl<'a, M: MailSource, S: MailSender> Daemon<'a, M, S> {
    pub fn new(
        config: &'a Config,
        store: &'a mut Store,
        source: M,
        sender: S,
        import: ImportSetup,
        shutdown: watch::Receiver<bool>,
    ) -> Result<Self> {
        let super::compose::Identity { from, hidden } =
            super::compose::Identity::from_config(config)?;
        let own = vec![from.email.to_string().to_lowercase()];
        let staff = config
            .staff
            .addresses
            .iter()
            .chain(config.staff.read_only.iter())
            .cloned()
            .collect();
        let authenticator = if config.commands.verify_dkim {
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
        Ok(Daemon {
            templates: Templates::new(config.templates.dir.as_deref()),
            config,
            store,
            source,
            sender,
            import,
            shutdown,
            from,
            hidden,
            own,
            staff,
            stats: Stats::default(),
            last_dunning: None,
            reports_since_dunning: false,
            authenticator,
        })
    }

    fn stopping(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// Runs until shutdown (or one round with `once`).
    pub async fn run(mut self, once: bool) -> Result<Stats> {
        if self.config.staff.addresses.is_empty() && self.config.staff.report_senders.is_empty() {
            tracing::warn!(
                "no staff addresses nor report_senders are configured: reports are accepted from anyone"
            );
        }
        let mut failures: u32 = 0;
        loop {
            if self.stopping() {
                break;
            }
            let connected = match self.source.connect().await {
                Ok(()) => match self.process_inbox().await {
                    Ok(()) => {
                        failures = 0;
                        true
                    }
                    Err(e) => {
                        self.stats.mailbox_errors += 1;
                        tracing::warn!("mailbox: {e:#}");
                        self.source.disconnect();
                        false
                    }
                },
                Err(e) => {
                    self.stats.mailbox_errors += 1;
                    tracing::warn!("mailbox: {e:#}");
                    false
                }
            };
            self.recover_interrupted(connected).await?;
            self.dunning_tick()?;
            self.send_due().await?;
            if once {
                if !connected {
                    anyhow::bail!("the mailbox could not be read (see the log above)");
                }
                break;
            }
            let until_due = self.until_next_due()?;
            if connected {
                if let Err(e) = self.source.wait(until_due, &mut self.shutdown).await {
                    self.stats.mailbox_errors += 1;
                    tracing::warn!("mailbox: {e:#}; reconnecting");
                    self.source.disconnect();
                }
            } else {
                failures = failures.saturating_add(1);
                let pause = backoff(Duration::from_secs(1), failures, Duration::from_secs(300));
                tracing::info!("reconnecting in {:.1} s", pause.as_secs_f64());
                sleep_or_shutdown(pause.min(until_due), &mut self.shutdown).await;
            }
        }
        tracing::info!("stopped");
        Ok(self.stats)
    }

    /// Runs the dunning round when the send window is open, at most every [`DUNNING_EVERY`]
    /// unless a report came in. A failing round is logged and retried next time: it must not
    /// stop the mailbox.
    fn dunning_tick(&mut self) -> Result<()> {
        let cfg = &self.config.dunning;
        if !cfg.enabled {
            return Ok(());
        }
        let due = self.reports_since_dunning
            || self
                .last_dunning
                .is_none_or(|t| t.elapsed() >= DUNNING_EVERY);
        if !due {
            return Ok(());
        }
        let tz = self.config.timezone();
        let now = crate::clock::now();
        let calendar = cfg.calendar();
        if !crate::dunning::window::is_open(cfg, tz, &calendar, now)? {
            return Ok(());
        }
        self.last_dunning = Some(std::time::Instant::now());
        self.reports_since_dunning = false;
        let identity = super::compose::Identity {
            from: self.from.clone(),
            hidden: self.hidden.clone(),
        };
        let dunning = crate::dunning::service::Dunning {
            config: self.config,
            templates: &self.templates,
            identity: &identity,
        };
        let opts = crate::dunning::service::Options {
            today: crate::dunning::window::local_today(tz, now),
            not_before: None,
            dry_run: false,
        };
        match dunning.run(self.store, &opts) {
            Ok(decisions) => {
                let queued = decisions.iter().filter(|d| d.key.is_some()).count();
                self.stats.dunning_queued += queued;
                for d in decisions.iter().filter(|d| d.key.is_some()) {
                    tracing::info!(kind = %d.kind, client = %d.client, invoices = ?d.invoices, "dunning: {}", d.reason);
                }
            }
            Err(e) => tracing::error!("dunning round failed: {e:#}"),
        }
        Ok(())
    }

    fn until_next_due(&self) -> Result<Duration> {
        let idle = Duration::from_secs(self.config.mailbox.idle_secs.clamp(60, 25 * 60));
        // The dunning looks again within DUNNING_EVERY (the send window may open meanwhile).
        let idle = if self.config.dunning.enabled {
            idle.min(DUNNING_EVERY)
        } else {
            idle
        };
        let Some(next) = self.store.outbox_next_due()? else {
            return Ok(idle);
        };
        let next = DateTime::parse_from_rfc3339(&next)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_else(|_| Utc::now());
        let wait = (next - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        // Wake at least a second later than due, so the row is due when we look.
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
            for message in &batch {
                if self.stopping() {
                    return Ok(());
                }
                let own_check = self.own_check(message).await;
                let folder = match self.handle(message, own_check) {
                    Ok(f) => f,
                    Err(e) => {
                        // The store failed: keep the message for a person, say why in the log.
                        tracing::error!(key = %message.key, "cannot handle message: {e:#}");
                        Folder::Failed
                    }
                };
                self.source.file(message, folder).await?;
                self.stats.messages += 1;
                self.note_position(&message.key)?;
            }
            // Answers go out between batches, not only after a long backlog.
            self.send_due().await?;
        }
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
        if let Some((known, _)) = self.store.mailbox_position(folder)?
            && known != validity
        {
            tracing::warn!(folder, old = known, new = validity, "UIDVALIDITY changed");
        }
        self.store.set_mailbox_position(folder, validity, uid)
    }

    /// Decides what a message is and acts on it; returns the folder it goes to.
    fn handle(
        &mut self,
        message: &Fetched,
        own_check: Option<Result<String, String>>,
    ) -> Result<Folder> {
        let sha = sha256_hex(&message.raw);
        if let Some(done) = self.store.message_handled(&message.key, &sha)? {
            tracing::info!(key = %message.key, "already handled ({done}); filing it");
            return Ok(folder_of(&done));
        }
        let Some(m) = Inbound::parse(&message.raw) else {
            let tx = self.store.transaction()?;
            tx.record_message(&MessageRecord {
                source_key: &message.key,
                raw_sha256: &sha,
                message_id: &format!("{sha}@skarbnik.invalid"),
                sender: None,
                subject: "",
                class: "unreadable",
                client_id: None,
                disposition: "failed",
                detail: Some("not an e-mail message"),
            })?;
            tx.commit()?;
            return Ok(Folder::Failed);
        };
        let our = self.store.our_message(&m.message_id)?;
        let mut answered_client = None;
        let mut answers_ours = false;
        for id in m.answers() {
            if let Some((_, client)) = self.store.our_message(id)? {
                answers_ours = true;
                answered_client = answered_client.or(client);
            }
        }
        let known_client = match &m.from {
            Some(f) => self.store.client_by_email(f)?,
            None => None,
        };
        let facts = Facts {
            own: &self.own,
            staff: &self.staff,
            report_senders: &self.config.staff.report_senders,
            answers_our_mail: answers_ours,
            is_our_message_id: our.is_some(),
            known_client: known_client.is_some(),
        };
        let class = classify(&m, &facts);
        tracing::info!(
            key = %message.key,
            from = m.from.as_deref().unwrap_or("?"),
            subject = %m.subject,
            class = class.as_str(),
            "message"
        );
        let client = answered_client.or(known_client);
        let record = |disposition: &'static str, detail: Option<String>| {
            move |tx: &crate::store::Tx<'_>, m: &Inbound| -> Result<()> {
                tx.record_message(&MessageRecord {
                    source_key: &message.key,
                    raw_sha256: &sha,
                    message_id: &m.message_id,
                    sender: m.from.as_deref(),
                    subject: &m.subject,
                    class: class.as_str(),
                    client_id: client,
                    disposition,
                    detail: detail.as_deref(),
                })?;
                Ok(())
            }
        };
        match class {
            Class::Own => {
                let tx = self.store.transaction()?;
                let confirmed = tx.confirm_sent(&m.message_id)?;
                if confirmed {
                    record("sent", Some("our copy: delivery confirmed".into()))(&tx, &m)?;
                    tx.commit()?;
                    return Ok(Folder::Sent);
                }
                // From our address but not a mail we sent: a forgery or a loop. Never answered;
                // people look at it.
                tx.audit(
                    "daemon",
                    "mail.own_address_unknown",
                    m.from.as_deref(),
                    Some(&m.subject),
                )?;
                record(
                    "other",
                    Some("from our own address, not a mail we sent".into()),
                )(&tx, &m)?;
                tx.commit()?;
                Ok(Folder::Other)
            }
            Class::Bounce => {
                self.on_bounce(&m, record("processed", None))?;
                Ok(Folder::Processed)
            }
            Class::AutoReply => {
                let tx = self.store.transaction()?;
                keep_on_history(&tx, client, &m, "auto_reply")?;
                tx.audit(
                    "daemon",
                    "mail.auto_reply",
                    m.from.as_deref(),
                    Some(&m.subject),
                )?;
                record("processed", None)(&tx, &m)?;
                tx.commit()?;
                Ok(Folder::Processed)
            }
            Class::Report => {
                if let Err(why) = self.report_vouched(&m, own_check) {
                    self.refuse_unvouched(
                        &m,
                        "report_refused",
                        &why,
                        record("other", Some(why.clone())),
                    )?;
                    return Ok(Folder::Other);
                }
                self.on_report(&m, record("processed", None))?;
                self.stats.reports += 1;
                self.reports_since_dunning = true;
                Ok(Folder::Processed)
            }
            Class::Command => {
                self.on_command(&m, own_check, record("processed", None))?;
                Ok(Folder::Processed)
            }
            Class::ClientReply => {
                let tx = self.store.transaction()?;
                keep_on_history(&tx, client, &m, "reply")?;
                if let Some(c) = client {
                    tx.audit(
                        "daemon",
                        "client.replied",
                        Some(&format!("client:{c}")),
                        Some(&m.subject),
                    )?;
                }
                record("processed", None)(&tx, &m)?;
                tx.commit()?;
                Ok(Folder::Processed)
            }
            Class::Other => {
                let tx = self.store.transaction()?;
                tx.audit("daemon", "mail.other", m.from.as_deref(), Some(&m.subject))?;
                record("other", None)(&tx, &m)?;
                tx.commit()?;
                Ok(Folder::Other)
            }
        }
    }

    /// skarbnik's own DKIM/DMARC check, for mail from staff when `verify_dkim` is on (async, so
    /// it runs before the synchronous handling).
    async fn own_check(&self, message: &Fetched) -> Option<Result<String, String>> {
        let authenticator = self.authenticator.as_ref()?;
        let from = Inbound::parse(&message.raw)?.from?;
        crate::commands::auth::role(self.config, &from)?;
        Some(crate::commands::auth::vouched_by_own_check(authenticator, &message.raw, None).await)
    }

    /// With sender authentication configured (`[commands]`), a report from a staff address must be
    /// vouched for like a command: a forged statement could mark invoices paid and silence the
    /// reminders. `report_senders` (ERP exports, which often are not signed) are taken as before.
    fn report_vouched(
        &self,
        m: &Inbound,
        own_check: Option<Result<String, String>>,
    ) -> std::result::Result<(), String> {
        let cmd = &self.config.commands;
        if cmd.trusted_authserv_ids.is_empty() && !cmd.verify_dkim {
            return Ok(());
        }
        let sender = m.from.as_deref().unwrap_or_default();
        if super::address::listed(&self.config.staff.report_senders, sender) {
            return Ok(());
        }
        if let Some(Ok(_)) = own_check {
            return Ok(());
        }
        if m.from_count > 1 {
            return Err("the mail names several From addresses".into());
        }
        crate::commands::auth::vouched_by_headers(
            &m.auth_results,
            &cmd.trusted_authserv_ids,
            sender,
        )
        .map(|_| ())
    }

    /// A mail not vouched for: not acted on, not answered (the sender may be forged); logged, and
    /// the admin told; the message is kept for a person.
    fn refuse_unvouched(
        &mut self,
        m: &Inbound,
        kind: &str,
        why: &str,
        record: impl FnOnce(&crate::store::Tx<'_>, &Inbound) -> Result<()>,
    ) -> Result<()> {
        let tx = self.store.transaction()?;
        Self::notify_unvouched(
            self.config,
            &self.templates,
            &self.from,
            &self.hidden,
            &tx,
            m,
            kind,
            why,
        )?;
        record(&tx, m)?;
        tx.commit()
    }

    /// Logs and audits a mail whose sender is not vouched for, and queues the admin's notice.
    #[allow(clippy::too_many_arguments)]
    fn notify_unvouched(
        config: &Config,
        templates: &Templates,
        from: &Mailbox,
        hidden: &[Mailbox],
        tx: &crate::store::Tx<'_>,
        m: &Inbound,
        kind: &str,
        why: &str,
    ) -> Result<()> {
        tracing::warn!(message_id = %m.message_id, from = ?m.from, "{kind}: {why}");
        tx.audit(
            "daemon",
            &kind.replace('_', "."),
            m.from.as_deref(),
            Some(&format!(
                "{why} (Message-ID <{}>, subject {:?})",
                m.message_id, m.subject
            )),
        )?;
        // Told to the admin, never to the claimed sender (it may be forged).
        let notify = super::compose::staff_notice(config)?;
        if notify.is_empty() {
            return Ok(());
        }
        let ctx = serde_json::json!({
            "kind": kind,
            "company": {"name": config.company.name},
            "sender": m.from,
            "subject": m.subject,
            "message_id": m.message_id,
            "why": why,
        });
        let r = templates.render(&config.templates.language, "staff_notice", &ctx)?;
        let draft = Draft::auto(
            format!("{kind}:{}", m.message_id),
            &format!("notice_{kind}"),
            notify,
            r,
        );
        let c = compose(&draft, from, hidden)?;
        tx.enqueue(&draft, &c)?;
        Ok(())
    }

    /// A mail from staff: authenticated, then carried out and answered in the same transaction
    /// as its record; a forged one is refused without an answer (backscatter), and the admin told.
    fn on_command(
        &mut self,
        m: &Inbound,
        own_check: Option<Result<String, String>>,
        record: impl FnOnce(&crate::store::Tx<'_>, &Inbound) -> Result<()>,
    ) -> Result<()> {
        use crate::commands::{auth, exec, parse};
        let sender = m.from.clone().unwrap_or_default();
        let role = auth::role(self.config, &sender);
        let vouched = match (own_check, role) {
            (_, None) => Err("the sender is not on the staff list".to_string()),
            (Some(Ok(how)), _) => Ok(how),
            (own, _) => auth::vouched_by_headers(
                &m.auth_results,
                &self.config.commands.trusted_authserv_ids,
                &sender,
            )
            .map_err(|e| match own {
                Some(Err(o)) => format!("{e}; {o}"),
                _ => e,
            }),
        };
        let vouched = if m.from_count > 1 {
            Err("the mail names several From addresses".to_string())
        } else {
            vouched
        };
        let blocked = self.reply_blocked(m, &sender)?;
        let tx = self.store.transaction()?;
        if let Some(earlier) = tx.command_outcome(&m.message_id)? {
            tracing::warn!(message_id = %m.message_id, "command replayed (first {earlier}); nothing done");
            tx.audit(
                "daemon",
                "command.replayed",
                Some(&sender),
                Some(&format!(
                    "Message-ID <{}> was {earlier} before",
                    m.message_id
                )),
            )?;
            record(&tx, m)?;
            return tx.commit();
        }
        let (role, how) = match (role, vouched) {
            (Some(role), Ok(how)) => (role, how),
            (_, Err(why)) => {
                tx.record_command(&m.message_id, &sender, "refused", &why)?;
                Self::notify_unvouched(
                    self.config,
                    &self.templates,
                    &self.from,
                    &self.hidden,
                    &tx,
                    m,
                    "command_refused",
                    &why,
                )?;
                record(&tx, m)?;
                return tx.commit();
            }
            (None, Ok(_)) => unreachable!("an unknown sender is never vouched for"),
        };
        let default_lang = if self.config.templates.language == "en" {
            parse::Lang::En
        } else {
            parse::Lang::Pl
        };
        let (found, malformed) = parse::commands_in(&m.subject, &m.text);
        let lang = found
            .first()
            .map(|p| p.lang)
            .or(malformed.first().map(|b| b.lang))
            .unwrap_or_else(|| parse::guess_lang(&m.subject, &m.text, default_lang));
        let today =
            crate::dunning::window::local_today(self.config.timezone(), crate::clock::now());
        let mut results = Vec::new();
        for b in &malformed {
            results.push(serde_json::json!({
                "line": b.line,
                "ok": false,
                "text": match lang {
                    parse::Lang::Pl => format!("Nie rozumiem: {}.\n{}", b.why, exec::help(lang)),
                    parse::Lang::En => format!("Not understood: {}.\n{}", b.why, exec::help(lang)),
                },
            }));
        }
        if found.is_empty() && malformed.is_empty() {
            results.push(serde_json::json!({
                "line": m.subject,
                "ok": false,
                "text": exec::help(lang),
            }));
        }
        for p in &found {
            let ctx = exec::Ctx {
                config: self.config,
                actor: &sender,
                reference: &m.message_id,
                today,
                lang: p.lang,
            };
            let outcome = if p.command.changes_something() && role == auth::Role::Read {
                tx.audit(
                    &sender,
                    "command.forbidden",
                    None,
                    Some(&format!("{} (Message-ID <{}>)", p.line, m.message_id)),
                )?;
                exec::Outcome {
                    ok: false,
                    changed: false,
                    text: match p.lang {
                        parse::Lang::Pl => "Ten adres może tylko pytać (status, zaległości, pomoc); nic nie zmieniono.".into(),
                        parse::Lang::En => "This address may only ask (status, overdue, help); nothing was changed.".into(),
                    },
                }
            } else {
                exec::execute(&tx, &ctx, &p.command)?
            };
            results
                .push(serde_json::json!({"line": p.line, "ok": outcome.ok, "text": outcome.text}));
        }
        tx.record_command(&m.message_id, &sender, "executed", &how)?;
        tx.audit(
            &sender,
            "mail.command",
            Some(&m.message_id),
            Some(&format!("{} command(s); vouched: {how}", found.len())),
        )?;
        let ctx = serde_json::json!({
            "subject": m.subject,
            "company": self.config.company.name,
            "results": results,
        });
        let rendered = self.templates.render(lang.code(), "command_reply", &ctx)?;
        let draft = Self::reply_draft(m, "command_reply", rendered);
        // The reply goes to the vouched-for From address, not to a Reply-To anyone could set.
        let draft = Draft {
            to: parse_mailbox(&sender).into_iter().collect(),
            reply_address: Some(sender.clone()),
            ..draft
        };
        match blocked {
            Some(why) => {
                tracing::warn!(message_id = %m.message_id, "no reply: {why}");
                tx.audit("daemon", "mail.reply_suppressed", Some(&sender), Some(&why))?;
            }
            None => {
                let c = compose(&draft, &self.from, &self.hidden)?;
                tx.enqueue(&draft, &c)?;
            }
        }
        record(&tx, m)?;
        tx.commit()
    }

    fn on_bounce(
        &mut self,
        m: &Inbound,
        record: impl FnOnce(&crate::store::Tx<'_>, &Inbound) -> Result<()>,
    ) -> Result<()> {
        let mut clients = serde_json::Map::new();
        let tx = self.store.transaction()?;
        for a in &m.failed_recipients {
            let ids = tx.flag_bounced(a, &m.subject)?;
            for id in &ids {
                tx.audit(
                    "daemon",
                    "client.email_bounced",
                    Some(&format!("client:{id}")),
                    Some(a),
                )?;
            }
            clients.insert(
                a.clone(),
                serde_json::Value::from(ids.iter().map(|i| format!("#{i}")).collect::<Vec<_>>()),
            );
        }
        tx.audit(
            "daemon",
            "mail.bounce",
            m.from.as_deref(),
            Some(&m.failed_recipients.join(", ")),
        )?;
        record(&tx, m)?;
        // Staff are told: the admin address, or else every staff address.
        let notify = super::compose::staff_notice(self.config)?;
        if !notify.is_empty() && !m.failed_recipients.is_empty() {
            let ctx = serde_json::json!({
                "subject": m.subject,
                "addresses": m.failed_recipients,
                "clients": clients,
                "company": self.config.company.name,
            });
            let r =
                self.templates
                    .render(&self.config.templates.language, "bounce_notice", &ctx)?;
            let draft = Draft::auto(
                format!("bounce:{}", m.message_id),
                "bounce_notice",
                notify,
                r,
            );
            let c = compose(&draft, &self.from, &self.hidden)?;
            tx.enqueue(&draft, &c)?;
        }
        tx.commit()
    }

    fn on_report(
        &mut self,
        m: &Inbound,
        record: impl FnOnce(&crate::store::Tx<'_>, &Inbound) -> Result<()>,
    ) -> Result<()> {
        let importer = Importer {
            profiles: &self.import.profiles,
            ctx: &self.import.parse_ctx,
            max_file_bytes: self.config.import.max_file_bytes,
            actor: "mail",
            isolation: self.import.isolation.as_ref(),
        };
        let sender = m.from.as_deref();
        let mut outcomes: Vec<ImportOutcome> = Vec::new();
        let mut ignored = Vec::new();
        for a in &m.attachments {
            if !may_be_report(a) {
                if !a.content_type.starts_with("image/") {
                    ignored.push(a.name.clone());
                }
                continue;
            }
            outcomes.extend(importer.import_any(self.store, &a.name, &a.bytes, sender)?);
        }
        let summary_run = self
            .store
            .reconcile(self.import.our_nip.as_deref(), "mail")?;
        tracing::info!(
            files = outcomes.len(),
            refused = outcomes.iter().filter(|o| o.refused()).count(),
            matched = summary_run.matched,
            review = summary_run.review,
            "report imported"
        );
        let report_ids: Vec<i64> = outcomes.iter().filter_map(|o| o.report_id).collect();
        let payments = self.store.report_payments(&report_ids)?;
        let summary = super::summary::build(
            &self.config.company.name,
            &m.subject,
            &outcomes,
            ignored,
            payments,
        );
        let rendered =
            self.templates
                .render(&self.config.templates.language, "summary", &summary)?;
        let draft = Self::reply_draft(m, "summary", rendered);
        let gated = self.gate_reply(m, draft)?;
        let tx = self.store.transaction()?;
        if let Some((d, c)) = &gated {
            tx.enqueue(d, c)?;
        }
        record(&tx, m)?;
        tx.commit()
    }

    fn reply_draft(m: &Inbound, purpose: &str, r: crate::templates::Rendered) -> Draft {
        let mut references = m.references.clone();
        if m.has_message_id && !references.contains(&m.message_id) {
            references.push(m.message_id.clone());
        }
        let to = m.reply_to.clone().unwrap_or_default();
        Draft {
            key: format!("{purpose}:{}", m.message_id),
            purpose: purpose.into(),
            to: parse_mailbox(&to).into_iter().collect(),
            subject: r.subject,
            text: r.text,
            html: r.html,
            in_reply_to: m.has_message_id.then(|| m.message_id.clone()),
            references,
            auto_submitted: "auto-replied",
            client_id: None,
            reply_address: Some(bare(&to)),
            ..Draft::default()
        }
    }

    /// Why no reply may go to `address` (loop safety, the per-sender rate limit), if so.
    fn reply_blocked(&self, m: &Inbound, address: &str) -> Result<Option<String>> {
        Ok(if let Some(why) = reply_refusal(m, &self.own) {
            Some(why.to_string())
        } else if address.is_empty() {
            Some("the sender's address cannot be read".to_string())
        } else {
            let since = (Utc::now() - chrono::Duration::hours(1))
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let n = self.store.replies_since(address, &since)?;
            (n >= self.config.mailbox.max_replies_per_hour).then(|| {
                format!(
                    "{n} replies to {address} in the last hour (limit {})",
                    self.config.mailbox.max_replies_per_hour
                )
            })
        })
    }

    /// Applies loop safety and the per-sender rate limit; composes the reply when it may go.
    fn gate_reply(
        &mut self,
        m: &Inbound,
        draft: Draft,
    ) -> Result<Option<(Draft, super::compose::Composed)>> {
        let why_not = if draft.to.is_empty() {
            Some("the sender's address cannot be read".to_string())
        } else {
            self.reply_blocked(m, draft.reply_address.as_deref().unwrap_or_default())?
        };
        if let Some(why) = why_not {
            tracing::warn!(message_id = %m.message_id, "no reply: {why}");
            let tx = self.store.transaction()?;
            tx.audit(
                "daemon",
                "mail.reply_suppressed",
                m.from.as_deref(),
                Some(&why),
            )?;
            tx.commit()?;
            return Ok(None);
        }
        let composed = compose(&draft, &self.from, &self.hidden)?;
        Ok(Some((draft, composed)))
    }

    /// Rows left `sending` by a crash: confirmed, requeued, or left to wait for our copy.
    async fn recover_interrupted(&mut self, connected: bool) -> Result<()> {
        let grace = chrono::Duration::seconds(self.config.smtp.confirm_grace_secs as i64);
        for item in self.store.outbox_interrupted()? {
            let delivered = match self.sender.already_sent(&item) {
                Some(known) => Some(known),
                None if connected => {
                    match self.source.contains_message_id(&item.message_id).await {
                        Ok(true) => Some(true),
                        Ok(false) => None,
                        Err(e) => {
                            tracing::warn!("mailbox: {e:#}");
                            self.source.disconnect();
                            None
                        }
                    }
                }
                None => None,
            };
            match delivered {
                Some(true) => {
                    let tx = self.store.transaction()?;
                    tx.confirm_sent(&item.message_id)?;
                    tx.audit(
                        "daemon",
                        "mail.confirmed",
                        Some(&item.key),
                        Some("an interrupted send had gone out"),
                    )?;
                    tx.commit()?;
                }
                Some(false) => {
                    self.store.outbox_requeue(
                        item.id,
                        "daemon",
                        "an interrupted send had not gone out",
                    )?;
                }
                None => {
                    let started = item
                        .attempt_started_at
                        .as_deref()
                        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                        .map(|d| d.with_timezone(&Utc))
                        .unwrap_or_else(Utc::now);
                    if Utc::now() - started >= grace {
                        self.store.outbox_requeue(
                            item.id,
                            "daemon",
                            "an interrupted send was not confirmed by our own copy",
                        )?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Sends every due row, a few at a time.
    async fn send_due(&mut self) -> Result<()> {
        loop {
            let due = self.store.outbox_due(&now_text(), 200)?;
            if due.is_empty() || self.stopping() {
                return Ok(());
            }
            let ids: Vec<i64> = due.iter().map(|i| i.id).collect();
            self.store.outbox_start(&ids)?;
            let sender = &self.sender;
            let concurrency = sender.concurrency().max(1);
            let mut results = futures_util::stream::iter(due.into_iter().map(|item| async move {
                let r = sender.send(&item).await;
                (item, r)
            }))
            .buffer_unordered(concurrency);
            while let Some((item, result)) = results.next().await {
                match result {
                    Ok(()) => {
                        if fault("crash_after_send") {
                            // Test hook: the server has the mail, we have not recorded it.
                            std::process::abort();
                        }
                        self.store.outbox_sent(
                            item.id,
                            &format!("{} to {}", item.purpose, item.recipients.join(", ")),
                        )?;
                        self.stats.sent += 1;
                    }
                    Err(e) => {
                        self.stats.send_failures += 1;
                        let attempts = item.attempts + 1;
                        let give_up = e.permanent || attempts >= self.config.smtp.max_attempts;
                        let next = (!give_up).then(|| {
                            let wait = backoff(
                                Duration::from_secs(self.config.smtp.retry_secs.max(1)),
                                attempts.saturating_sub(1),
                                Duration::from_secs(6 * 3600),
                            );
                            (Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default())
                                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                        });
                        tracing::warn!(
                            key = %item.key,
                            attempts,
                            "send failed: {e}{}",
                            if give_up { "; giving up" } else { "; will retry" }
                        );
                        self.store
                            .outbox_failed_attempt(item.id, &e.message, next.as_deref())?;
                    }
                }
            }
        }
    }
}

fn folder_of(disposition: &str) -> Folder {
    match disposition {
        "failed" => Folder::Failed,
        "other" => Folder::Other,
        "sent" => Folder::Sent,
        _ => Folder::Processed,
    }
}

/// Keeps what a client wrote (or its auto-reply) on the client's history.
fn keep_on_history(
    tx: &crate::store::Tx<'_>,
    client: Option<i64>,
    m: &Inbound,
    kind: &str,
) -> Result<()> {
    if let Some(c) = client {
        tx.add_client_message(
            c,
            &m.message_id,
            m.from.as_deref(),
            &m.subject,
            kind,
            &excerpt(&m.text),
        )?;
    }
    Ok(())
}

/// The first lines of what someone wrote, for the client's history.
fn excerpt(text: &str) -> String {
    let mut out: String = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('>'))
        .take(10)
        .collect::<Vec<_>>()
        .join("\n");
    if out.len() > 1000 {
        let mut cut = 1000;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let b = |n| backoff(Duration::from_secs(60), n, Duration::from_secs(3600));
        assert!(b(0) >= Duration::from_secs(48) && b(0) <= Duration::from_secs(72));
        assert!(b(3) >= Duration::from_secs(384) && b(3) <= Duration::from_secs(576));
        assert!(b(30) <= Duration::from_secs(4320));
    }

    #[test]
    fn excerpt_skips_quotes() {
        assert_eq!(
            excerpt("Zapłacimy jutro.\n\n> Przypomnienie\n> o fakturze"),
            "Zapłacimy jutro."
        );
    }
}
