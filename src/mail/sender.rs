//! Where mail goes: one narrow trait, implemented by an SMTP client (lettre on tokio with rustls,
//! AUTH, a connection pool, a timeout around each send) and by a folder of .eml files (the
//! embedded default, for trying skarbnik out and for development).

use crate::config::{Secret, SmtpConfig};
use crate::store::OutboxItem;
use anyhow::{Context, Result, anyhow};
use lettre::address::{Address, Envelope};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;

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

#[allow(async_fn_in_trait)]
pub trait MailSender {
    /// Hands one mail to the transport. `Ok` means the server (or the folder) has it.
    async fn send(&self, item: &OutboxItem) -> Result<(), SendError>;
    /// Whether an interrupted send is known to have gone out (`None`: this sender cannot tell).
    fn already_sent(&self, item: &OutboxItem) -> Option<bool>;
    /// Sends at once (the daemon sends a batch with this much concurrency).
    fn concurrency(&self) -> usize {
        1
    }
}

fn envelope(from: &str, item: &OutboxItem) -> Result<Envelope, SendError> {
    let bad = |e: String| SendError {
        permanent: true,
        message: e,
    };
    let from: Address = crate::mail::address::bare(from)
        .parse()
        .map_err(|e| bad(format!("bad From address: {e}")))?;
    let to = item
        .envelope_to
        .iter()
        .map(|a| a.parse::<Address>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("bad recipient address: {e}")))?;
    Envelope::new(Some(from), to).map_err(|e| bad(format!("bad envelope: {e}")))
}

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

    fn path(&self, item: &OutboxItem) -> PathBuf {
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
    async fn send(&self, item: &OutboxItem) -> Result<(), SendError> {
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

    fn already_sent(&self, item: &OutboxItem) -> Option<bool> {
        Some(self.path(item).is_file())
    }
}

/// SMTP through lettre. Each send is wrapped in a timeout: lettre's own does not cover a server
/// that accepts the connection and then says nothing.
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: String,
    timeout: Duration,
    concurrency: usize,
}

impl SmtpSender {
    pub fn new(cfg: &SmtpConfig) -> Result<SmtpSender> {
        let host = cfg
            .host
            .clone()
            .ok_or_else(|| anyhow!("smtp.host is not set"))?;
        let mode = cfg.tls.as_deref().unwrap_or("implicit");
        let port = cfg.port.unwrap_or(match mode {
            "implicit" => 465,
            "starttls" => 587,
            _ => 25,
        });
        let tls_params = || -> Result<TlsParameters> {
            let mut b = TlsParameters::builder(host.clone());
            if let Some(ca) = &cfg.ca_file {
                let pem = std::fs::read(ca)
                    .with_context(|| format!("cannot read CA file {}", ca.display()))?;
                b = b
                    .certificate_store(CertificateStore::None)
                    .add_root_certificate(
                        Certificate::from_pem(&pem)
                            .with_context(|| format!("bad certificate in {}", ca.display()))?,
                    );
            }
            Ok(b.build_rustls()?)
        };
        let tls = match mode {
            "implicit" => Tls::Wrapper(tls_params()?),
            "starttls" => Tls::Required(tls_params()?),
            _ => {
                super::tls::ensure_loopback(&host, port)?;
                Tls::None
            }
        };
        let timeout = Duration::from_secs(cfg.timeout_secs.max(1));
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.as_str())
            .port(port)
            .tls(tls)
            .timeout(Some(timeout))
            .pool_config(PoolConfig::new().max_size(cfg.concurrency.clamp(1, 16) as u32));
        let password = Secret::load(cfg.password_env.as_deref(), cfg.password_file.as_deref())
            .context("smtp password")?;
        if let Some(user) = &cfg.username {
            let password = password.map(|p| p.expose().to_string()).unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(SmtpSender {
            transport: builder.build(),
            from: cfg.from.clone(),
            timeout,
            concurrency: cfg.concurrency.clamp(1, 16),
        })
    }
}

impl MailSender for SmtpSender {
    async fn send(&self, item: &OutboxItem) -> Result<(), SendError> {
        let env = envelope(&self.from, item)?;
        match tokio::time::timeout(self.timeout, self.transport.send_raw(&env, &item.raw)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(SendError {
                permanent: e.is_permanent(),
                message: format!("SMTP: {e}"),
            }),
            Err(_) => Err(SendError {
                permanent: false,
                message: format!("SMTP: no answer in {} s", self.timeout.as_secs()),
            }),
        }
    }

    fn already_sent(&self, _item: &OutboxItem) -> Option<bool> {
        None
    }

    fn concurrency(&self) -> usize {
        self.concurrency
    }
}
