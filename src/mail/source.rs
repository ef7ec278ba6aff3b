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
