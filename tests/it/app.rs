//! An in-process skarbnik: a temporary folder with a real SQLite file and a Maildir, a fixed
//! clock, and a sender that records what it is given. The daemon loop, the inbound service and
//! the outbox worker run in this process, so a test drives time and inspects every mail without
//! spawning the binary. (The binary's own tests stay in cli.rs, mail.rs and the rest.)

use chrono::{DateTime, Utc};
use skarbnik::app::App;
use skarbnik::clock::FixedClock;
use skarbnik::config::Config;
use skarbnik::daemon::{Daemon, Stats};
use skarbnik::mail::maildir::Maildir;
use skarbnik::outbox::{MailSender, OutgoingMail, SendError};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Records every mail handed to it; fails the next `fail` sends with a transient error.
#[derive(Clone, Default)]
pub struct RecordingSender {
    pub sent: Arc<Mutex<Vec<OutgoingMail>>>,
    pub fail: Arc<AtomicUsize>,
}

impl MailSender for RecordingSender {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        if self
            .fail
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(SendError {
                permanent: false,
                message: "451 try again later (test)".into(),
            });
        }
        self.sent.lock().unwrap().push(mail.clone());
        Ok(())
    }

    fn already_sent(&self, _mail: &OutgoingMail) -> Option<bool> {
        None
    }
}

pub struct TestApp {
    pub dir: tempfile::TempDir,
    pub app: App,
    pub clock: Arc<FixedClock>,
    pub sender: RecordingSender,
    n: usize,
}

impl TestApp {
    /// A skarbnik with `config` (paths are under a fresh temporary folder) at `now`.
    pub fn new(config: &str, now: &str) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("skarbnik.toml");
        std::fs::write(&path, config).unwrap();
        let config = Config::load(&path).unwrap();
        let clock = Arc::new(FixedClock::at(now).unwrap());
        let app = App::open(config, clock.clone()).unwrap();
        TestApp {
            dir,
            app,
            clock,
            sender: RecordingSender::default(),
            n: 0,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn set_now(&self, now: &str) {
        self.clock.set(now.parse::<DateTime<Utc>>().unwrap());
    }

    /// Imports report files as `skarbnik import` does (then reconciles).
    pub fn import(&mut self, name: &str, text: &str) {
        let file = self.path().join(name);
        std::fs::write(&file, text).unwrap();
        let (env, import, store) = self.app.import_parts().unwrap();
        let run = skarbnik::services::import::import_files(
            store,
            &import.importer("test"),
            &[file],
            &skarbnik::services::reconcile::Settings::of(env.config),
            |_| {},
        )
        .unwrap();
        assert_eq!(run.refused, 0, "{:?}", run.files);
    }

    /// Drops a raw message into the watched Maildir.
    pub fn deliver(&mut self, raw: &str) -> PathBuf {
        let new = self.app.config.mailbox.path.join("new");
        std::fs::create_dir_all(&new).unwrap();
        self.n += 1;
        let p = new.join(format!("{}.test.eml", self.n));
        std::fs::write(&p, raw).unwrap();
        p
    }

    /// One daemon round (`run --once`) in this process; returns the mails sent during it.
    pub fn round(&mut self) -> (Stats, Vec<OutgoingMail>) {
        let before = self.sender.sent.lock().unwrap().len();
        let source = Maildir::new(&self.app.config.mailbox);
        let sender = self.sender.clone();
        let (_stop, rx) = tokio::sync::watch::channel(false);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let stats = runtime
            .block_on(async {
                Daemon::new(&mut self.app, source, sender, rx)
                    .unwrap()
                    .run(true)
                    .await
            })
            .unwrap();
        let sent = self.sender.sent.lock().unwrap()[before..].to_vec();
        (stats, sent)
    }

    /// Files in a Maildir++ folder of the watched mailbox (`skarbnik/failed` → `.skarbnik.failed`).
    pub fn filed(&self, folder: &str) -> usize {
        let dir = self
            .app
            .config
            .mailbox
            .path
            .join(format!(".{}", folder.replace('/', ".")))
            .join("cur");
        std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.app
            .store
            .conn()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    }
}

/// The text of a mail we sent.
pub fn text(mail: &OutgoingMail) -> String {
    skarbnik::mail::inbound::Inbound::parse(&mail.raw)
        .unwrap()
        .text
}

/// A plain-text mail.
pub fn mail(from: &str, subject: &str, body: &str, id: &str, extra_headers: &str) -> String {
    format!(
        "Received: from mx.moja.test\r\n{extra_headers}From: {from}\r\nTo: naleznosci@moja.test\r\nSubject: {subject}\r\n\
         Message-ID: <{id}>\r\nDate: Sun, 22 Nov 2026 13:00:00 +0100\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    )
}
