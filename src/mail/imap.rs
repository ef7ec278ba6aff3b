//! An IMAP mailbox (async-imap on tokio). TLS implicit or STARTTLS via rustls, or none to a
//! loopback address only. IDLE when the server has it, else a poll; IDLE is re-issued at most
//! every `idle_secs` (≤ 25 min). async-imap has no timeouts of its own except in IDLE, so every
//! command is wrapped in one. Any error drops the session; the daemon reconnects with backoff.

use super::source::{Fetched, Folder, Handle, MailSource, sleep_or_shutdown};
use crate::config::{MailboxConfig, Secret, TlsMode};
use anyhow::{Context, Result, anyhow, bail};
use async_imap::{Client, Session};
use futures_util::TryStreamExt;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;

/// A plain or TLS stream, one type for async-imap.
#[derive(Debug)]
pub enum ImapStream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for ImapStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for ImapStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_flush(cx),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

struct Connected {
    session: Session<ImapStream>,
    uidvalidity: u32,
    idle: bool,
    moves: bool,
    delimiter: String,
}

pub struct Imap {
    cfg: MailboxConfig,
    password: Option<Secret>,
    conn: Option<Connected>,
    timeout: Duration,
}

/// Runs an IMAP command under the timeout; a timeout is an error like any other.
async fn timed<T, E>(d: Duration, what: &str, f: impl Future<Output = Result<T, E>>) -> Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    match tokio::time::timeout(d, f).await {
        Ok(r) => r.with_context(|| format!("IMAP {what}")),
        Err(_) => Err(anyhow!("IMAP {what}: no answer in {} s", d.as_secs())),
    }
}

impl Imap {
    pub fn new(cfg: &MailboxConfig) -> Result<Imap> {
        let password = Secret::load(cfg.password_env.as_deref(), cfg.password_file.as_deref())
            .context("mailbox password")?;
        Ok(Imap {
            cfg: cfg.clone(),
            password,
            conn: None,
            timeout: Duration::from_secs(cfg.timeout_secs.max(1)),
        })
    }

    fn host(&self) -> &str {
        self.cfg.host.as_deref().unwrap_or("localhost")
    }

    fn mode(&self) -> TlsMode {
        self.cfg.tls.unwrap_or(TlsMode::Implicit)
    }

    fn port(&self) -> u16 {
        self.cfg.port.unwrap_or(match self.mode() {
            TlsMode::Implicit => 993,
            _ => 143,
        })
    }

    async fn open_stream(&self) -> Result<Client<ImapStream>> {
        let (host, port, t) = (self.host().to_string(), self.port(), self.timeout);
        if self.mode() == TlsMode::None {
            super::tls::ensure_loopback(&host, port)?;
        }
        let tcp = timed(t, "connect", TcpStream::connect((host.as_str(), port)))
            .await
            .with_context(|| format!("{host}:{port}"))?;
        tcp.set_nodelay(true).ok();
        let tls = || -> Result<tokio_rustls::TlsConnector> {
            Ok(tokio_rustls::TlsConnector::from(super::tls::client_config(
                self.cfg.ca_file.as_deref(),
            )?))
        };
        let server_name = || {
            tokio_rustls::rustls::pki_types::ServerName::try_from(host.clone())
                .with_context(|| format!("bad server name {host}"))
        };
        let mut client = match self.mode() {
            TlsMode::Implicit => {
                let s = timed(t, "TLS handshake", tls()?.connect(server_name()?, tcp)).await?;
                Client::new(ImapStream::Tls(Box::new(s)))
            }
            TlsMode::Starttls => {
                let mut plain = Client::new(ImapStream::Plain(tcp));
                timed(t, "greeting", plain.read_response())
                    .await?
                    .ok_or_else(|| anyhow!("IMAP server closed the connection at once"))?;
                timed(
                    t,
                    "STARTTLS",
                    plain.run_command_and_check_ok("STARTTLS", None),
                )
                .await?;
                let ImapStream::Plain(tcp) = plain.into_inner() else {
                    bail!("STARTTLS on a TLS stream");
                };
                let s = timed(t, "TLS handshake", tls()?.connect(server_name()?, tcp)).await?;
                // No greeting after STARTTLS.
                return Ok(Client::new(ImapStream::Tls(Box::new(s))));
            }
            TlsMode::None => Client::new(ImapStream::Plain(tcp)),
        };
        timed(t, "greeting", client.read_response())
            .await?
            .ok_or_else(|| anyhow!("IMAP server closed the connection at once"))?;
        Ok(client)
    }

    /// The server's name of one of our folders (`skarbnik/processed` with its delimiter).
    fn folder_name(&self, delimiter: &str, folder: Folder) -> String {
        let name = match folder {
            Folder::Processed => &self.cfg.processed_folder,
            Folder::Failed => &self.cfg.failed_folder,
            Folder::Other => &self.cfg.other_folder,
            Folder::Sent => &self.cfg.sent_folder,
        };
        name.replace('/', delimiter)
    }

    fn conn(&mut self) -> Result<&mut Connected> {
        self.conn
            .as_mut()
            .ok_or_else(|| anyhow!("not connected to the IMAP server"))
    }

    async fn try_fetch(&mut self, max: usize) -> Result<Vec<Fetched>> {
        let t = self.timeout;
        let folder = self.cfg.folder.clone();
        let c = self.conn()?;
        let uidvalidity = c.uidvalidity;
        let mut uids: Vec<u32> = timed(t, "UID SEARCH", c.session.uid_search("ALL"))
            .await?
            .into_iter()
            .collect();
        uids.sort_unstable();
        uids.truncate(max);
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let set = uids
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let fetches: Vec<_> = timed(t, "UID FETCH", async {
            c.session
                .uid_fetch(&set, "(UID BODY.PEEK[])")
                .await?
                .try_collect::<Vec<_>>()
                .await
        })
        .await?;
        let mut out = Vec::new();
        for f in fetches {
            let (Some(uid), Some(body)) = (f.uid, f.body()) else {
                continue;
            };
            out.push(Fetched {
                key: format!("imap:{folder}:{uidvalidity}:{uid}"),
                raw: body.to_vec(),
                handle: Handle::Uid(uid),
            });
        }
        out.sort_by_key(|f| match f.handle {
            Handle::Uid(u) => u,
            Handle::File(_) => 0,
        });
        drain(&mut c.session);
        Ok(out)
    }

    async fn try_file(&mut self, message: &Fetched, folder: Folder) -> Result<()> {
        let Handle::Uid(uid) = message.handle else {
            bail!("not an IMAP message");
        };
        let t = self.timeout;
        let delimiter = self.conn()?.delimiter.clone();
        let target = self.folder_name(&delimiter, folder);
        let c = self.conn()?;
        let uid = uid.to_string();
        if c.moves {
            timed(t, "UID MOVE", c.session.uid_mv(&uid, &target)).await?;
        } else {
            // RFC 6851 fallback: copy, then flag and expunge only that UID.
            timed(t, "UID COPY", c.session.uid_copy(&uid, &target)).await?;
            timed(t, "UID STORE", async {
                c.session
                    .uid_store(&uid, "+FLAGS.SILENT (\\Seen \\Deleted)")
                    .await?
                    .try_collect::<Vec<_>>()
                    .await
            })
            .await?;
            timed(t, "UID EXPUNGE", async {
                c.session
                    .uid_expunge(&uid)
                    .await?
                    .try_collect::<Vec<_>>()
                    .await
            })
            .await?;
        }
        drain(&mut c.session);
        Ok(())
    }

    async fn try_wait(
        &mut self,
        max: Duration,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<()> {
        let t = self.timeout;
        let idle_max = Duration::from_secs(self.cfg.idle_secs.clamp(60, 25 * 60));
        let poll = Duration::from_secs(self.cfg.poll_secs.max(1));
        let Some(c) = self.conn.take() else {
            bail!("not connected to the IMAP server");
        };
        if !c.idle {
            self.conn = Some(c);
            sleep_or_shutdown(max.min(poll), shutdown).await;
            let c = self.conn()?;
            timed(t, "NOOP", c.session.noop()).await?;
            return Ok(());
        }
        let Connected {
            session,
            uidvalidity,
            idle,
            moves,
            delimiter,
        } = c;
        let mut handle = session.idle();
        timed(t, "IDLE", handle.init()).await?;
        let wait_for = max.min(idle_max);
        {
            let (wait, stop) = handle.wait_with_timeout(wait_for);
            tokio::select! {
                r = tokio::time::timeout(wait_for + t, wait) => {
                    match r {
                        Err(_) => bail!("IMAP IDLE: no answer"),
                        Ok(Err(e)) => return Err(anyhow!(e).context("IMAP IDLE")),
                        Ok(Ok(async_imap::extensions::idle::IdleResponse::ManualInterrupt)) => {
                            // The server closed the stream under us.
                            bail!("IMAP IDLE: connection lost");
                        }
                        Ok(Ok(_)) => {}
                    }
                }
                _ = shutdown.changed() => {
                    drop(stop);
                }
            }
        }
        let session = timed(t, "DONE", handle.done()).await?;
        self.conn = Some(Connected {
            session,
            uidvalidity,
            idle,
            moves,
            delimiter,
        });
        Ok(())
    }

    async fn try_contains(&mut self, message_id: &str) -> Result<bool> {
        let t = self.timeout;
        let delimiter = self.conn()?.delimiter.clone();
        let watched = self.cfg.folder.clone();
        let folders = [
            self.folder_name(&delimiter, Folder::Sent),
            self.folder_name(&delimiter, Folder::Processed),
            "Sent".to_string(),
        ];
        let query = format!(
            "HEADER Message-ID \"<{}>\"",
            message_id.replace(['"', '\\'], "")
        );
        let c = self.conn()?;
        let found = !timed(t, "UID SEARCH", c.session.uid_search(&query))
            .await?
            .is_empty();
        if found {
            return Ok(true);
        }
        let mut found = false;
        for f in folders {
            if timed(t, "EXAMINE", c.session.examine(&f)).await.is_err() {
                continue;
            }
            if !timed(t, "UID SEARCH", c.session.uid_search(&query))
                .await?
                .is_empty()
            {
                found = true;
                break;
            }
        }
        // Back to the watched folder, read-write.
        let mb = timed(t, "SELECT", c.session.select(&watched)).await?;
        if mb.uid_validity.unwrap_or(0) != c.uidvalidity {
            // Keys already fetched under the old UIDVALIDITY are stale: reconnect cleanly.
            bail!("UIDVALIDITY of {watched} changed");
        }
        drain(&mut c.session);
        Ok(found)
    }
}

/// Unsolicited responses (EXISTS, EXPUNGE...) are not needed between IDLEs: drop them so the
/// bounded channel never fills.
fn drain(session: &mut Session<ImapStream>) {
    while session.unsolicited_responses.try_recv().is_ok() {}
}

impl MailSource for Imap {
    async fn connect(&mut self) -> Result<()> {
        if self.conn.is_some() {
            return Ok(());
        }
        let t = self.timeout;
        let user = self.cfg.username.clone().unwrap_or_default();
        let password = self
            .password
            .as_ref()
            .map(|p| p.expose().to_string())
            .unwrap_or_default();
        let client = self.open_stream().await?;
        let mut session = match tokio::time::timeout(t, client.login(&user, &password)).await {
            Ok(Ok(s)) => s,
            Ok(Err((e, _))) => return Err(anyhow!(e).context(format!("IMAP login as {user}"))),
            Err(_) => bail!("IMAP login: no answer in {} s", t.as_secs()),
        };
        let caps = timed(t, "CAPABILITY", session.capabilities()).await?;
        let idle = caps.has_str("IDLE");
        let moves = caps.has_str("MOVE");
        let delimiter = {
            let names: Vec<_> = timed(t, "LIST", async {
                session
                    .list(Some(""), Some(""))
                    .await?
                    .try_collect::<Vec<_>>()
                    .await
            })
            .await?;
            names
                .first()
                .and_then(|n| n.delimiter().map(str::to_string))
                .unwrap_or_else(|| "/".into())
        };
        let mut me = Connected {
            session,
            uidvalidity: 0,
            idle,
            moves,
            delimiter: delimiter.clone(),
        };
        for folder in [
            Folder::Processed,
            Folder::Failed,
            Folder::Other,
            Folder::Sent,
        ] {
            let name = self.folder_name(&delimiter, folder);
            // Fails when it exists: that is fine; a real problem shows at the first MOVE.
            let _ = timed(t, "CREATE", me.session.create(&name)).await;
        }
        let mb = timed(t, "SELECT", me.session.select(&self.cfg.folder)).await?;
        me.uidvalidity = mb.uid_validity.unwrap_or(0);
        drain(&mut me.session);
        tracing::info!(
            host = self.host(),
            folder = %self.cfg.folder,
            uidvalidity = me.uidvalidity,
            idle,
            "IMAP connected"
        );
        self.conn = Some(me);
        Ok(())
    }

    fn disconnect(&mut self) {
        self.conn = None;
    }

    async fn fetch(&mut self, max: usize) -> Result<Vec<Fetched>> {
        let r = self.try_fetch(max).await;
        if r.is_err() {
            self.conn = None;
        }
        r
    }

    async fn file(&mut self, message: &Fetched, folder: Folder) -> Result<()> {
        let r = self.try_file(message, folder).await;
        if r.is_err() {
            self.conn = None;
        }
        r
    }

    async fn wait(&mut self, max: Duration, shutdown: &mut watch::Receiver<bool>) -> Result<()> {
        let r = self.try_wait(max, shutdown).await;
        if r.is_err() {
            self.conn = None;
        }
        r
    }

    async fn contains_message_id(&mut self, message_id: &str) -> Result<bool> {
        let r = self.try_contains(message_id).await;
        if r.is_err() {
            self.conn = None;
        }
        r
    }
}
