//! Outgoing mail. A decision that sends mail writes it here, composed to its final bytes, in the
//! same transaction as the decision ([`queue`]); the [`Worker`] sends what is due through a
//! [`MailSender`] and survives crashes:
//!
//! ```text
//! decision ─► Draft ─► compose (Message-ID, bytes) ─► outbox row ─┐   (one store transaction)
//!                                                                 ▼
//!            MailSender (SMTP | .eml folder) ◄── Worker::step: due rows, retries, backoff
//!                                                Worker::recover: rows left `sending` by a crash
//! ```
//!
//! A row is marked `sending` before its first byte leaves. After a crash such a row is resent only
//! when it is known not to have gone out: the .eml file is missing (file sender), or our own copy
//! (every SMTP mail also goes to our address) has not arrived within `confirm_grace_secs`.

mod compose;
mod file;
mod smtp;
pub(crate) mod worker;

pub use compose::{
    Composed, Draft, Identity, Purpose, client_desk, compose, new_message_id, staff_recipients,
};
pub use file::FileSender;
pub use smtp::SmtpSender;
pub use worker::{DeliveryCheck, RetryPolicy, Step, Worker, WorkerStats, backoff};

use crate::store::{NewMail, OutboxItem, Tx};
use anyhow::Result;

/// A mail on its way out, as a sender sees it: the bytes and the envelope.
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    /// The outbox row (names the .eml file).
    pub id: i64,
    pub message_id: String,
    pub purpose: String,
    /// Everyone the SMTP envelope names, hidden copies included.
    pub envelope_to: Vec<String>,
    /// The message as recipients see it (no Bcc header).
    pub raw: Vec<u8>,
}

impl From<&OutboxItem> for OutgoingMail {
    fn from(i: &OutboxItem) -> Self {
        OutgoingMail {
            id: i.id,
            message_id: i.message_id.clone(),
            purpose: i.purpose.clone(),
            envelope_to: i.envelope_to.clone(),
            raw: i.raw.clone(),
        }
    }
}

/// Why a send failed, and whether trying again can help.
#[derive(Debug, Clone)]
pub struct SendError {
    pub permanent: bool,
    pub message: String,
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Where mail goes.
#[allow(async_fn_in_trait)]
pub trait MailSender {
    /// Hands one mail to the transport. `Ok` means the server (or the folder) has it.
    async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError>;
    /// Whether an interrupted send is known to have gone out (`None`: this sender cannot tell).
    fn already_sent(&self, mail: &OutgoingMail) -> Option<bool>;
    /// Sends at once (the worker sends a batch with this much concurrency).
    fn concurrency(&self) -> usize {
        1
    }
}

/// The configured sender: `.eml` files or SMTP.
pub enum Sender {
    File(FileSender),
    Smtp(SmtpSender),
}

impl Sender {
    pub fn from_config(cfg: &crate::config::SmtpConfig) -> Result<Sender> {
        Ok(match cfg.kind {
            crate::config::SenderKind::File => Sender::File(FileSender::new(cfg)?),
            crate::config::SenderKind::Smtp => Sender::Smtp(SmtpSender::new(cfg)?),
        })
    }
}

impl MailSender for Sender {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        match self {
            Sender::File(s) => s.send(mail).await,
            Sender::Smtp(s) => s.send(mail).await,
        }
    }

    fn already_sent(&self, mail: &OutgoingMail) -> Option<bool> {
        match self {
            Sender::File(s) => s.already_sent(mail),
            Sender::Smtp(s) => s.already_sent(mail),
        }
    }

    fn concurrency(&self) -> usize {
        match self {
            Sender::File(s) => s.concurrency(),
            Sender::Smtp(s) => s.concurrency(),
        }
    }
}

/// Composes a draft and writes it to the outbox inside the decision's transaction; `false` when
/// a mail with the same key was queued before (nothing is written then).
pub fn queue(tx: &Tx<'_>, identity: &Identity, draft: &Draft) -> Result<bool> {
    let c = identity.compose(draft)?;
    tx.enqueue(&NewMail {
        key: &draft.key,
        purpose: &draft.purpose.to_string(),
        message_id: &c.message_id,
        recipients: &c.recipients,
        envelope_to: &c.envelope_to,
        subject: &draft.subject,
        raw: &c.raw,
        client_id: draft.client_id,
        in_reply_to: draft.in_reply_to.as_deref(),
        reply_address: draft.reply_address.as_deref(),
        not_before: draft.not_before,
    })
}
