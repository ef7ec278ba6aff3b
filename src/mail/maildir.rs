//! A Maildir folder as the mailbox: `new/` and `cur/` are watched; handled messages move to
//! Maildir++ subfolders (`skarbnik/processed` is `.skarbnik.processed/`), so the same folder can
//! be served by Dovecot. A rename is atomic: a message is never half-moved.

use super::source::{Fetched, Folder, Handle, MailSource, sleep_or_shutdown};
use crate::config::MailboxConfig;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::watch;

pub struct Maildir {
    root: PathBuf,
    folders: [(Folder, String); 4],
    poll: Duration,
}

impl Maildir {
    pub fn new(cfg: &MailboxConfig) -> Maildir {
        Maildir {
            root: cfg.path.clone(),
            folders: [
                (Folder::Processed, cfg.processed_folder.clone()),
                (Folder::Failed, cfg.failed_folder.clone()),
                (Folder::Other, cfg.other_folder.clone()),
                (Folder::Sent, cfg.sent_folder.clone()),
            ],
            poll: Duration::from_secs(cfg.poll_secs.max(1)),
        }
    }

    /// The Maildir++ directory of a folder name (`a/b` → `<root>/.a.b`).
    fn folder_dir(&self, folder: Folder) -> PathBuf {
        let name = self
            .folders
            .iter()
            .find(|(f, _)| *f == folder)
            .map(|(_, n)| n.as_str())
            .unwrap_or("skarbnik");
        let dotted: String = name
            .split(['/', '.'])
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(".");
        self.root.join(format!(".{dotted}"))
    }
}

fn ensure_maildir(dir: &Path) -> Result<()> {
    for sub in ["new", "cur", "tmp"] {
        let d = dir.join(sub);
        std::fs::create_dir_all(&d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    Ok(())
}

/// The unique part of a Maildir file name (before the `:2,` flags).
fn unique_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match name.split_once(':') {
        Some((u, _)) => u.to_string(),
        None => name,
    }
}

fn has_message_id(raw: &[u8], message_id: &str) -> bool {
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n"))
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..head_end]).to_lowercase();
    head.contains(&format!("<{}>", message_id.to_lowercase()))
}

impl MailSource for Maildir {
    async fn connect(&mut self) -> Result<()> {
        ensure_maildir(&self.root)
    }

    fn disconnect(&mut self) {}

    async fn fetch(&mut self, max: usize) -> Result<Vec<Fetched>> {
        let mut files = Vec::new();
        for sub in ["new", "cur"] {
            let dir = self.root.join(sub);
            let entries = match std::fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
            };
            for entry in entries {
                let path = entry?.path();
                let hidden = path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'));
                if path.is_file() && !hidden {
                    files.push(path);
                }
            }
        }
        // Maildir names start with the delivery time: sorting by name is delivery order.
        files.sort_by_key(|p| unique_name(p));
        let mut out = Vec::new();
        for path in files.into_iter().take(max) {
            let raw = match std::fs::read(&path) {
                Ok(r) => r,
                // Taken by someone else between listing and reading.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
            };
            out.push(Fetched {
                key: format!("maildir:{}", unique_name(&path)),
                raw,
                handle: Handle::File(path),
            });
        }
        Ok(out)
    }

    async fn file(&mut self, message: &Fetched, folder: Folder) -> Result<()> {
        let Handle::File(path) = &message.handle else {
            anyhow::bail!("not a Maildir message");
        };
        let dir = self.folder_dir(folder);
        ensure_maildir(&dir)?;
        let target = dir.join("cur").join(format!("{}:2,S", unique_name(path)));
        std::fs::rename(path, &target)
            .with_context(|| format!("cannot move {} to {}", path.display(), target.display()))?;
        Ok(())
    }

    async fn wait(&mut self, max: Duration, shutdown: &mut watch::Receiver<bool>) -> Result<()> {
        sleep_or_shutdown(max.min(self.poll), shutdown).await;
        Ok(())
    }

    async fn contains_message_id(&mut self, message_id: &str) -> Result<bool> {
        let sent = self.folder_dir(Folder::Sent);
        let processed = self.folder_dir(Folder::Processed);
        for dir in [
            self.root.join("new"),
            self.root.join("cur"),
            sent.join("cur"),
            processed.join("cur"),
        ] {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                if let Ok(raw) = std::fs::read(entry.path())
                    && has_message_id(&raw, message_id)
                {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn fetch_and_file_move_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = MailboxConfig {
            path: dir.path().join("mail"),
            ..MailboxConfig::default()
        };
        let mut md = Maildir::new(&cfg);
        md.connect().await.unwrap();
        std::fs::write(
            dir.path().join("mail/new/2.x.host"),
            b"Message-ID: <b@x>\r\n\r\nb",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("mail/cur/1.x.host:2,S"),
            b"Message-ID: <a@x>\r\n\r\na",
        )
        .unwrap();
        let got = md.fetch(10).await.unwrap();
        assert_eq!(
            got.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(),
            vec!["maildir:1.x.host", "maildir:2.x.host"]
        );
        md.file(&got[0], Folder::Processed).await.unwrap();
        md.file(&got[1], Folder::Sent).await.unwrap();
        assert!(md.fetch(10).await.unwrap().is_empty());
        assert!(
            dir.path()
                .join("mail/.skarbnik.processed/cur/1.x.host:2,S")
                .is_file()
        );
        assert!(md.contains_message_id("b@x").await.unwrap());
        assert!(!md.contains_message_id("c@x").await.unwrap());
    }
}
