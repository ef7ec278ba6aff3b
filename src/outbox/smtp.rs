//! SMTP through lettre on tokio with rustls: AUTH, a connection pool, a timeout around each send.

use super::{MailSender, OutgoingMail, SendError};
use crate::config::{Secret, SmtpConfig, TlsMode};
use anyhow::{Context, Result, anyhow};
use lettre::address::{Address, Envelope};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

fn envelope(from: &str, item: &OutgoingMail) -> Result<Envelope, SendError> {
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
        let mode = cfg.tls.unwrap_or(TlsMode::Implicit);
        let port = cfg.port.unwrap_or(match mode {
            TlsMode::Implicit => 465,
            TlsMode::Starttls => 587,
            TlsMode::None => 25,
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
            TlsMode::Implicit => Tls::Wrapper(tls_params()?),
            TlsMode::Starttls => Tls::Required(tls_params()?),
            TlsMode::None => {
                crate::mail::tls::ensure_loopback(&host, port)?;
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
    async fn send(&self, item: &OutgoingMail) -> Result<(), SendError> {
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

    fn already_sent(&self, _item: &OutgoingMail) -> Option<bool> {
        None
    }

    fn concurrency(&self) -> usize {
        self.concurrency
    }
}
