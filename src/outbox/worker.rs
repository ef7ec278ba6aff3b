//! The outbox worker: sends what is due, retries with growing waits, and settles rows a crash
//! left `sending`. Its step ([`Worker::step`]) is apart from any loop, so the daemon calls it
//! between mailbox batches and tests drain the queue deterministically.

use super::{MailSender, OutgoingMail};
use crate::clock::SharedClock;
use crate::store::{OutboxItem, Store};
use anyhow::Result;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use std::time::Duration;

/// Rows taken per step.
const BATCH: usize = 200;

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// This many mails were attempted (sent or failed).
    Sent(usize),
    /// Nothing was due.
    Empty,
}

/// How failed sends are retried and interrupted ones resolved.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// The first retry waits this long; each further one twice as long (capped at 6 hours).
    pub retry: Duration,
    /// Then the mail is `failed` for good (a person may retry it).
    pub max_attempts: u32,
    /// A send interrupted by a crash is resent when our own copy has not arrived after this long.
    pub confirm_grace: Duration,
}

impl RetryPolicy {
    pub fn from_config(cfg: &crate::config::SmtpConfig) -> RetryPolicy {
        RetryPolicy {
            retry: Duration::from_secs(cfg.retry_secs.max(1)),
            max_attempts: cfg.max_attempts,
            confirm_grace: Duration::from_secs(cfg.confirm_grace_secs),
        }
    }
}

/// What the worker did so far.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WorkerStats {
    pub sent: usize,
    pub failures: usize,
}

/// Whether our own copy of a mail has arrived in the mailbox (proof that the server took it).
#[allow(async_fn_in_trait)]
pub trait DeliveryCheck {
    /// `true`: the copy is there. `false`: not found, or the mailbox cannot be asked now.
    async fn copy_arrived(&mut self, message_id: &str) -> bool;
}

/// Nothing to ask (the mailbox is not reachable): only the grace period decides.
impl DeliveryCheck for () {
    async fn copy_arrived(&mut self, _message_id: &str) -> bool {
        false
    }
}

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

/// Test hooks: `SKARBNIK_FAULT=crash_after_send` aborts right after the server took a mail and
/// before we record it, the hardest moment for exactly-once; `crash_before_send` aborts after the
/// rows are marked `sending` and before any byte leaves (the mail must go out after the grace).
/// A crash test's fault point: true when `SKARBNIK_FAULT` names it.
pub(crate) fn fault(point: &str) -> bool {
    std::env::var("SKARBNIK_FAULT").is_ok_and(|v| v == point)
}

pub struct Worker<S: MailSender> {
    pub sender: S,
    policy: RetryPolicy,
    clock: SharedClock,
    pub stats: WorkerStats,
}

impl<S: MailSender> Worker<S> {
    pub fn new(sender: S, policy: RetryPolicy, clock: SharedClock) -> Self {
        Worker {
            sender,
            policy,
            clock,
            stats: WorkerStats::default(),
        }
    }

    /// Sends one batch of due mail, a few at a time.
    pub async fn step(&mut self, store: &mut Store) -> Result<Step> {
        let due = store.outbox_due(self.clock.now(), BATCH)?;
        if due.is_empty() {
            return Ok(Step::Empty);
        }
        let ids: Vec<i64> = due.iter().map(|i| i.id).collect();
        store.outbox_start(&ids)?;
        if fault("crash_before_send") {
            std::process::abort();
        }
        let n = due.len();
        let sender = &self.sender;
        let mut results = futures_util::stream::iter(due.into_iter().map(|item| async move {
            let r = sender.send(&OutgoingMail::from(&item)).await;
            (item, r)
        }))
        .buffer_unordered(sender.concurrency().max(1));
        while let Some((item, result)) = results.next().await {
            match result {
                Ok(()) => {
                    if fault("crash_after_send") {
                        std::process::abort();
                    }
                    store.outbox_sent(
                        item.id,
                        &format!("{} to {}", item.purpose, item.recipients.join(", ")),
                    )?;
                    self.stats.sent += 1;
                }
                Err(e) => {
                    self.stats.failures += 1;
                    let next = self.retry_at(&item, e.permanent);
                    tracing::warn!(
                        key = %item.key,
                        attempts = item.attempts + 1,
                        "send failed: {e}{}",
                        if next.is_none() { "; giving up" } else { "; will retry" }
                    );
                    store.outbox_failed_attempt(item.id, &e.message, next)?;
                }
            }
        }
        Ok(Step::Sent(n))
    }

    /// Steps until nothing is due or `stop` says so; returns how many mails were attempted.
    pub async fn drain(&mut self, store: &mut Store, stop: impl Fn() -> bool) -> Result<usize> {
        let mut total = 0;
        while !stop() {
            match self.step(store).await? {
                Step::Sent(n) => total += n,
                Step::Empty => break,
            }
        }
        Ok(total)
    }

    /// When a failed attempt is tried again; `None`: never (a permanent refusal, or out of attempts).
    fn retry_at(&self, item: &OutboxItem, permanent: bool) -> Option<DateTime<Utc>> {
        let attempts = item.attempts + 1;
        if permanent || attempts >= self.policy.max_attempts {
            return None;
        }
        let wait = backoff(
            self.policy.retry,
            attempts.saturating_sub(1),
            Duration::from_secs(6 * 3600),
        );
        Some(self.clock.now() + chrono::Duration::from_std(wait).unwrap_or_default())
    }

    /// Rows left `sending` by a crash: confirmed (the sender knows, or our copy arrived),
    /// requeued (known not sent, or the grace period passed without our copy), or left to wait.
    pub async fn recover(
        &mut self,
        store: &mut Store,
        check: &mut impl DeliveryCheck,
    ) -> Result<()> {
        let grace = chrono::Duration::from_std(self.policy.confirm_grace).unwrap_or_default();
        for item in store.outbox_interrupted()? {
            let mail = OutgoingMail::from(&item);
            let delivered = match self.sender.already_sent(&mail) {
                Some(known) => Some(known),
                None => check.copy_arrived(&item.message_id).await.then_some(true),
            };
            match delivered {
                Some(true) => {
                    let tx = store.transaction()?;
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
                    store.outbox_requeue(
                        item.id,
                        "daemon",
                        "an interrupted send had not gone out",
                    )?;
                }
                None => {
                    let started = item.attempt_started_at.unwrap_or_else(|| self.clock.now());
                    if self.clock.now() - started >= grace {
                        store.outbox_requeue(
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

    /// The next moment the worker has something to do: a pending mail's time, or the end of an
    /// interrupted send's grace period. The daemon wakes up then, whatever else it waits for.
    pub fn next_deadline(&self, store: &Store) -> Result<Option<DateTime<Utc>>> {
        let grace = chrono::Duration::from_std(self.policy.confirm_grace).unwrap_or_default();
        let due = store.outbox_next_due()?;
        let grace_end = store.outbox_oldest_sending()?.map(|t| t + grace);
        Ok(match (due, grace_end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        })
    }
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
}
