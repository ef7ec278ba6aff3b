//! TLS for IMAP (rustls, ring). The system's trust store by default; with `ca_file`, that CA
//! alone (a company's own CA, or a self-signed test server).

use anyhow::{Context, Result, bail};
use std::net::{IpAddr, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore, pki_types::CertificateDer};

pub fn client_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>> {
    let config = match ca_file {
        Some(path) => {
            use rustls::pki_types::pem::PemObject;
            let mut roots = RootCertStore::empty();
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .with_context(|| format!("cannot read CA file {}", path.display()))?
                .collect::<Result<_, _>>()
                .with_context(|| format!("bad PEM in {}", path.display()))?;
            if certs.is_empty() {
                bail!("no certificate in {}", path.display());
            }
            for c in certs {
                roots
                    .add(c)
                    .with_context(|| format!("bad certificate in {}", path.display()))?;
            }
            ClientConfig::builder()
                .with_root_certificates(roots)
                .with_no_client_auth()
        }
        None => {
            use rustls_platform_verifier::ConfigVerifierExt;
            ClientConfig::with_platform_verifier().context("system certificate store")?
        }
    };
    Ok(Arc::new(config))
}

/// `tls = "none"` is allowed only to a loopback address: a password in clear text must not cross
/// a network. Every address the name resolves to must be loopback.
pub fn ensure_loopback(host: &str, port: u16) -> Result<()> {
    let addrs: Vec<IpAddr> = (host, port)
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {host}"))?
        .map(|a| a.ip())
        .collect();
    if addrs.is_empty() || !addrs.iter().all(IpAddr::is_loopback) {
        bail!(
            "tls = \"none\" is allowed only to a loopback address; {host} is not (use \"implicit\" or \"starttls\")"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_only_on_loopback() {
        assert!(ensure_loopback("127.0.0.1", 143).is_ok());
        assert!(ensure_loopback("::1", 143).is_ok());
        assert!(ensure_loopback("192.0.2.1", 143).is_err());
    }
}
