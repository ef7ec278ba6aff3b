//! Where mail comes from: one narrow trait, implemented by a Maildir folder (the embedded
//! default) and an IMAP mailbox. The daemon never knows which one it reads.

use anyhow::Result;
use std::time::Duration;
use tokio::sync::watch;

/// Where a handled message is filed. Nothing is ever deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    Processed,
    Failed,
    Other,
    Sent,
}

impl Folder {
    pub fn as_str(self) -> &'static str {
        match self {
            Folder::Processed => "processed",
            Folder::Failed => "failed",
            Folder::Other => "other",
            Folder::Sent => "sent",
        }
    }

    /// A stored disposition back to its folder (anything unknown: processed).
    pub fn from_disposition(s: &str) -> Folder {
        match s {
            "failed" => Folder::Failed,
            "other" => Folder::Other,
            "sent" => Folder::Sent,
            _ => Folder::Processed,
        }
    }
}

/// A message waiting in the watched folder.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Where it was found, unique for the mailbox's life: `maildir:<unique name>` or
    /// `imap:<folder>:<uidvalidity>:<uid>`.
    pub key: String,
    pub raw: Vec<u8>,
    pub(crate) handle: Handle,
}

#[derive(Debug, Clone)]
pub(crate) enum Handle {
    File(std::path::PathBuf),
    Uid(u32),
}

#[allow(async_fn_in_trait)]
pub trait MailSource {
    /// Makes sure the source is usable (connects, creates folders). Idempotent.
    async fn connect(&mut self) -> Result<()>;
    /// Forgets a broken connection; the next `connect` starts afresh.
    fn disconnect(&mut self);
    /// Up to `max` waiting messages, oldest first.
    async fn fetch(&mut self, max: usize) -> Result<Vec<Fetched>>;
    /// Moves a message out of the watched folder.
    async fn file(&mut self, message: &Fetched, folder: Folder) -> Result<()>;
    /// Waits until new mail may be there, `max` has passed, or shutdown is asked for.
    async fn wait(&mut self, max: Duration, shutdown: &mut watch::Receiver<bool>) -> Result<()>;
    /// Whether a message with this Message-ID (no brackets) is in the watched folder or our sent
    /// folder: how an interrupted send is found to have been delivered.
    async fn contains_message_id(&mut self, message_id: &str) -> Result<bool>;
}

/// Sleeps `d`, or less if shutdown is asked for.
pub async fn sleep_or_shutdown(d: Duration, shutdown: &mut watch::Receiver<bool>) {
    if *shutdown.borrow() {
        return;
    }
    tokio::select! {
        _ = tokio::time::sleep(d) => {}
        _ = shutdown.changed() => {}
    }
}

/// The configured mailbox: a Maildir folder or an IMAP account.
pub enum Source {
    Maildir(super::maildir::Maildir),
    Imap(Box<super::imap::Imap>),
}

impl Source {
    pub fn from_config(cfg: &crate::config::MailboxConfig) -> Result<Source> {
        Ok(match cfg.kind {
            crate::config::MailboxKind::Maildir => {
                Source::Maildir(super::maildir::Maildir::new(cfg))
            }
            crate::config::MailboxKind::Imap => {
                Source::Imap(Box::new(super::imap::Imap::new(cfg)?))
            }
        })
    }
}

impl MailSource for Source {
    async fn connect(&mut self) -> Result<()> {
        match self {
            Source::Maildir(s) => s.connect().await,
            Source::Imap(s) => s.connect().await,
        }
    }

    fn disconnect(&mut self) {
        match self {
            Source::Maildir(s) => s.disconnect(),
            Source::Imap(s) => s.disconnect(),
        }
    }

    async fn fetch(&mut self, max: usize) -> Result<Vec<Fetched>> {
        match self {
            Source::Maildir(s) => s.fetch(max).await,
            Source::Imap(s) => s.fetch(max).await,
        }
    }

    async fn file(&mut self, message: &Fetched, folder: Folder) -> Result<()> {
        match self {
            Source::Maildir(s) => s.file(message, folder).await,
            Source::Imap(s) => s.file(message, folder).await,
        }
    }

    async fn wait(&mut self, max: Duration, shutdown: &mut watch::Receiver<bool>) -> Result<()> {
        match self {
            Source::Maildir(s) => s.wait(max, shutdown).await,
            Source::Imap(s) => s.wait(max, shutdown).await,
        }
    }

    async fn contains_message_id(&mut self, message_id: &str) -> Result<bool> {
        match self {
            Source::Maildir(s) => s.contains_message_id(message_id).await,
            Source::Imap(s) => s.contains_message_id(message_id).await,
        }
    }
}
