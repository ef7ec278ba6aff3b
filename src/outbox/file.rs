//! The embedded default sender: each mail becomes a `.eml` file in a folder, written atomically,
//! for trying skarbnik out and for development.

use super::{MailSender, OutgoingMail, SendError};
use crate::config::SmtpConfig;
use anyhow::{Context, Result};
use std::path::PathBuf;

/// Writes each mail as `<outbox_dir>/<Message-ID>.eml`, atomically (temp file, then rename).
pub struct FileSender {
    dir: PathBuf,
}

impl FileSender {
    pub fn new(cfg: &SmtpConfig) -> Result<FileSender> {
        std::fs::create_dir_all(&cfg.outbox_dir)
            .with_context(|| format!("cannot create {}", cfg.outbox_dir.display()))?;
        Ok(FileSender {
            dir: cfg.outbox_dir.clone(),
        })
    }

    fn path(&self, item: &OutgoingMail) -> PathBuf {
        let safe: String = item
            .message_id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "@.-_".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir
            .join(format!("{:06}-{}-{safe}.eml", item.id, item.purpose))
    }
}

impl MailSender for FileSender {
    async fn send(&self, item: &OutgoingMail) -> Result<(), SendError> {
        let path = self.path(item);
        let tmp = path.with_extension("eml.tmp");
        let io = |e: std::io::Error| SendError {
            permanent: false,
            message: format!("cannot write {}: {e}", path.display()),
        };
        std::fs::write(&tmp, &item.raw).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        Ok(())
    }

    fn already_sent(&self, item: &OutgoingMail) -> Option<bool> {
        Some(self.path(item).is_file())
    }
}
