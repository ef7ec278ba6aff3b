//! Who may command, and whether the From address is vouched for.
//!
//! A command that changes collection must come from the person it claims to come from. The From
//! header proves nothing by itself; the proof is either
//! * an `Authentication-Results` header (RFC 8601) added by a server we trust — our own MX, named
//!   by its authserv-id in `[commands] trusted_authserv_ids` — saying `dkim=pass` for a signing
//!   domain aligned with the From domain, or `dmarc=pass` for the From domain; or
//! * skarbnik's own DKIM and DMARC check (mail-auth), when `verify_dkim` is on: only Pass counts.
//!
//! Only the topmost header with a trusted authserv-id is read: our MX adds its header on top, so a
//! header claiming the same id further down was written by someone else before the mail reached
//! us. Headers with other authserv-ids are ignored. (The MX should also strip forged headers with
//! its id, as OpenDMARC and rspamd do.)

use crate::config::Config;
use crate::domain::Said;
use crate::mail::address::listed;
use crate::said;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// status, overdue, help.
    Read,
    /// Everything.
    Admin,
}

/// The sender's role by the staff lists (`addresses` are admins, `read_only` may only ask).
pub fn role(config: &Config, sender: &str) -> Option<Role> {
    if listed(&config.staff.addresses, sender) {
        Some(Role::Admin)
    } else if listed(&config.staff.read_only, sender) {
        Some(Role::Read)
    } else {
        None
    }
}

/// One `method=result` of an Authentication-Results header, with its properties
/// (`header.d`, `header.i`, `header.from`, ...), lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodResult {
    pub method: String,
    pub result: String,
    pub props: Vec<(String, String)>,
}

impl MethodResult {
    fn prop(&self, name: &str) -> Option<&str> {
        self.props
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Removes RFC 5322 comments `( … )` (nested, with `\` escapes) outside quoted strings.
fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
    for c in s.chars() {
        if escaped {
            escaped = false;
            if depth == 0 {
                out.push(c);
            }
            continue;
        }
        match c {
            '\\' => {
                escaped = true;
                if depth == 0 {
                    out.push(c);
                }
            }
            '"' if depth == 0 => {
                quoted = !quoted;
                out.push(c);
            }
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Parses an Authentication-Results value: the authserv-id and the method results.
pub fn parse_authentication_results(value: &str) -> Option<(String, Vec<MethodResult>)> {
    let clean = strip_comments(&value.replace(['\r', '\n'], " "));
    let mut parts = clean.split(';');
    let id = parts
        .next()?
        .split_whitespace()
        .next()?
        .trim_matches('"')
        .to_lowercase();
    if id.is_empty() {
        return None;
    }
    let mut results = Vec::new();
    for part in parts {
        let mut tokens = part.split_whitespace();
        let Some((method, result)) = tokens.next().and_then(|t| t.split_once('=')) else {
            continue; // "none", or junk
        };
        let props = tokens
            .filter_map(|t| t.split_once('='))
            .map(|(k, v)| (k.to_lowercase(), v.trim_matches('"').to_lowercase()))
            .collect();
        results.push(MethodResult {
            method: method.to_lowercase(),
            result: result.to_lowercase(),
            props,
        });
    }
    Some((id, results))
}

/// The signing domain `d` is the From domain or a parent of it (relaxed alignment).
fn aligned(d: &str, from_domain: &str) -> bool {
    let d = d.trim_start_matches('@').trim_end_matches('.');
    !d.is_empty()
        && d.contains('.')
        && (from_domain == d || from_domain.ends_with(&format!(".{d}")))
}

/// Whether the sender of a mail is who it claims to be: one From address, vouched for by
/// skarbnik's own DKIM/DMARC check (`own_check`, when configured) or by a trusted
/// Authentication-Results header. `Ok` names the proof, `Err` says why not (both checks' reasons).
pub fn vouch(
    config: &Config,
    mail: &crate::mail::inbound::Inbound,
    own_check: Option<Result<String, Said>>,
) -> Result<String, Said> {
    if let Some(why) = mail.identity_problem() {
        return Err(why);
    }
    let sender = mail.from.as_deref().unwrap_or_default();
    match own_check {
        Some(Ok(how)) => Ok(how),
        own => vouched_by_headers(
            &mail.auth_results,
            &config.commands.trusted_authserv_ids,
            sender,
        )
        .map_err(|e| match own {
            Some(Err(o)) => Said::new(format!("{}; {}", e.pl, o.pl), format!("{e}; {o}")),
            _ => e,
        }),
    }
}

/// Is `from` (bare address) vouched for by a trusted Authentication-Results header? `Ok` names
/// the proof, `Err` says why not.
pub fn vouched_by_headers(
    headers: &[String],
    trusted: &[String],
    from: &str,
) -> Result<String, Said> {
    let Some((_, from_domain)) = from.rsplit_once('@') else {
        return Err(said!(
            "adres From nie ma domeny",
            "the From address has no domain"
        ));
    };
    let from_domain = from_domain.to_lowercase();
    let trusted: Vec<String> = trusted.iter().map(|t| t.to_lowercase()).collect();
    if trusted.is_empty() {
        return Err(said!(
            "nie ustawiono zaufanego serwera poczty ([commands] trusted_authserv_ids)",
            "no trusted authserv-id is configured ([commands] trusted_authserv_ids)"
        ));
    }
    let ours = headers
        .iter()
        .filter_map(|h| parse_authentication_results(h))
        .find(|(id, _)| trusted.contains(id));
    let Some((id, results)) = ours else {
        let t = trusted.join(", ");
        return Err(said!(
            "brak nagłówka Authentication-Results od zaufanego serwera ({t})",
            "no Authentication-Results header from a trusted server ({t})"
        ));
    };
    for r in &results {
        if r.method == "dmarc"
            && r.result == "pass"
            && r.prop("header.from").is_some_and(|f| f == from_domain)
        {
            return Ok(format!("{id}: dmarc=pass for {from_domain}"));
        }
        if r.method == "dkim" && r.result == "pass" {
            let d = r.prop("header.d").map(str::to_string).or_else(|| {
                r.prop("header.i")
                    .and_then(|i| i.rsplit_once('@').map(|(_, d)| d.to_string()))
            });
            if let Some(d) = d
                && aligned(&d, &from_domain)
            {
                return Ok(format!("{id}: dkim=pass d={d}"));
            }
        }
    }
    let seen: Vec<String> = results
        .iter()
        .filter(|r| matches!(r.method.as_str(), "dkim" | "dmarc"))
        .map(|r| match r.prop("header.d") {
            // Which domain signed says why a pass does not count.
            Some(d) if r.method == "dkim" => format!("dkim={} d={d}", r.result),
            _ => format!("{}={}", r.method, r.result),
        })
        .collect();
    Err(if seen.is_empty() {
        said!(
            "{id} nie potwierdza domeny {from_domain} (brak wyniku DKIM ani DMARC)",
            "{id} does not vouch for {from_domain} (no dkim or dmarc result)"
        )
    } else {
        let seen = seen.join(", ");
        said!(
            "{id} nie potwierdza domeny {from_domain} ({seen})",
            "{id} does not vouch for {from_domain} ({seen})"
        )
    })
}

/// skarbnik's own check: DKIM, then DMARC alignment of a passing signature with the From domain.
/// Only Pass counts (a tampered body gives Neutral, not Fail).
pub async fn vouched_by_own_check(
    authenticator: &mail_auth::MessageAuthenticator,
    raw: &[u8],
    txt_cache: Option<&TxtCache>,
) -> Result<String, Said> {
    use mail_auth::{AuthenticatedMessage, DmarcResult, Parameters, SpfOutput};
    let Some(msg) = AuthenticatedMessage::parse(raw) else {
        return Err(said!(
            "nie da się odczytać wiadomości do sprawdzenia DKIM",
            "the message cannot be parsed for DKIM"
        ));
    };
    let dkim = match txt_cache {
        Some(c) => {
            authenticator
                .verify_dkim(Parameters::new(&msg).with_txt_cache(c))
                .await
        }
        None => authenticator.verify_dkim(&msg).await,
    };
    let from_domain = msg
        .from()
        .rsplit_once('@')
        .map(|(_, d)| d.to_lowercase())
        .unwrap_or_default();
    let spf = SpfOutput::default();
    let dmarc_params = mail_auth::dmarc::verify::DmarcParameters {
        message: &msg,
        dkim_output: &dkim,
        dkim2_output: None,
        rfc5321_mail_from_domain: &from_domain,
        spf_output: &spf,
    };
    let dmarc = match txt_cache {
        Some(c) => {
            authenticator
                .verify_dmarc(Parameters::new(dmarc_params).with_txt_cache(c))
                .await
        }
        None => authenticator.verify_dmarc(dmarc_params).await,
    };
    if matches!(dmarc.dkim_result(), DmarcResult::Pass) {
        return Ok(format!(
            "own check: DKIM aligned with {from_domain}, DMARC pass"
        ));
    }
    let dkim_results: Vec<String> = dkim.iter().map(|o| format!("{:?}", o.result())).collect();
    let dmarc = format!("{:?}", dmarc.dkim_result());
    let (pl, en) = if dkim_results.is_empty() {
        ("brak podpisu".to_string(), "no signature".to_string())
    } else {
        (dkim_results.join(", "), dkim_results.join(", "))
    };
    Err(said!(
        "własne sprawdzenie: brak poprawnego podpisu DKIM zgodnego z domeną {from_domain} (DKIM: {pl}; DMARC: {dmarc})",
        "own check: no passing DKIM signature aligned with {from_domain} (DKIM: {en}; DMARC: {dmarc})"
    ))
}

/// A DNS TXT cache for the own check: filled by tests (no network), empty in production.
#[derive(Default)]
pub struct TxtCache(std::sync::Mutex<std::collections::HashMap<Box<str>, mail_auth::Txt>>);

impl mail_auth::ResolverCache<Box<str>, mail_auth::Txt> for TxtCache {
    fn get<Q>(&self, name: &Q) -> Option<mail_auth::Txt>
    where
        Box<str>: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        self.0.lock().ok()?.get(name).cloned()
    }

    fn remove<Q>(&self, name: &Q) -> Option<mail_auth::Txt>
    where
        Box<str>: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        self.0.lock().ok()?.remove(name)
    }

    fn insert(&self, key: Box<str>, value: mail_auth::Txt, _valid_until: std::time::Instant) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(key, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRUSTED: &[&str] = &["mx.example.pl"];

    fn check(headers: &[&str], from: &str) -> Result<String, Said> {
        let h: Vec<String> = headers.iter().map(|s| s.to_string()).collect();
        let t: Vec<String> = TRUSTED.iter().map(|s| s.to_string()).collect();
        vouched_by_headers(&h, &t, from)
    }

    #[test]
    fn a_trusted_dkim_or_dmarc_pass_vouches() {
        assert!(check(&["mx.example.pl; dkim=pass (2048-bit key) header.d=example.pl header.s=s1 header.b=abc"], "anna@example.pl").is_ok());
        assert!(check(&["mx.example.pl 1; spf=fail smtp.mailfrom=x.com; dkim=pass header.i=@mail.example.pl"], "anna@mail.example.pl").is_ok());
        assert!(
            check(
                &["MX.Example.PL;\r\n\tdmarc=pass (p=reject dis=none) header.from=example.pl"],
                "Anna@Example.pl".to_lowercase().as_str()
            )
            .is_ok()
        );
        // Relaxed alignment: a parent domain signs for a subdomain.
        assert!(
            check(
                &["mx.example.pl; dkim=pass header.d=example.pl"],
                "anna@biuro.example.pl"
            )
            .is_ok()
        );
    }

    #[test]
    fn forgeries_do_not_vouch() {
        // No header at all.
        assert!(
            check(&[], "anna@example.pl")
                .unwrap_err()
                .contains("no Authentication-Results")
        );
        // dkim=fail.
        assert!(
            check(
                &["mx.example.pl; dkim=fail header.d=example.pl"],
                "anna@example.pl"
            )
            .unwrap_err()
            .contains("dkim=fail")
        );
        // Another authserv-id: ignored.
        assert!(
            check(
                &["evil.example.com; dkim=pass header.d=example.pl"],
                "anna@example.pl"
            )
            .is_err()
        );
        // A pass for another domain (the attacker's own signature).
        assert!(
            check(
                &["mx.example.pl; dkim=pass header.d=attacker.test"],
                "anna@example.pl"
            )
            .is_err()
        );
        // A domain that merely ends like ours is not a parent.
        assert!(
            check(
                &["mx.example.pl; dkim=pass header.d=ample.pl"],
                "anna@example.pl"
            )
            .is_err()
        );
        // Our MX's header on top says fail; a forged "pass" with our id further down is not read.
        assert!(
            check(
                &[
                    "mx.example.pl; dkim=fail header.d=example.pl",
                    "mx.example.pl; dkim=pass header.d=example.pl"
                ],
                "anna@example.pl"
            )
            .is_err()
        );
        // A "pass" hidden in a comment is not a result.
        assert!(
            check(
                &["mx.example.pl; dkim=none (dkim=pass header.d=example.pl)"],
                "anna@example.pl"
            )
            .is_err()
        );
        // Nothing trusted configured: nothing vouches.
        assert!(
            vouched_by_headers(
                &["mx.example.pl; dkim=pass header.d=example.pl".into()],
                &[],
                "anna@example.pl"
            )
            .is_err()
        );
    }

    fn base64(bytes: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    /// skarbnik's own check, offline: the DKIM key and DMARC record come from a pre-filled cache.
    #[tokio::test]
    async fn own_check_accepts_a_signed_mail_and_refuses_a_tampered_one() {
        use mail_auth::common::crypto::{Ed25519Key, Sha256};
        use mail_auth::common::headers::HeaderWriter;
        use mail_auth::common::parse::TxtRecordParser;
        use mail_auth::common::verify::DomainKey;
        use mail_auth::dkim::DkimSigner;
        use mail_auth::dmarc::Dmarc;
        use mail_auth::{MessageAuthenticator, ResolverCache};
        let _ = std::marker::PhantomData::<Sha256>;
        let pkcs8 = Ed25519Key::generate_pkcs8().unwrap();
        let key = Ed25519Key::from_pkcs8_der(&pkcs8).unwrap();
        let public = base64(&key.public_key());
        let cache = TxtCache::default();
        let later = std::time::Instant::now() + std::time::Duration::from_secs(3600);
        cache.insert(
            "sk._domainkey.example.pl.".into(),
            DomainKey::parse(format!("v=DKIM1; k=ed25519; p={public}").as_bytes())
                .unwrap()
                .into(),
            later,
        );
        // Every name the check looks up is answered here: no DNS traffic.
        for domain in ["example.pl", "other.test"] {
            cache.insert(
                format!("_dmarc.{domain}.").into(),
                Dmarc::parse(b"v=DMARC1; p=reject; psd=n").unwrap().into(),
                later,
            );
        }
        let mail = "From: Anna <anna@example.pl>\r\nTo: bot@moja.test\r\nSubject: pause client ACME\r\n\
                    Message-ID: <c1@example.pl>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\n\r\npause client ACME\r\n";
        let signature = DkimSigner::from_key(key)
            .domain("example.pl")
            .selector("sk")
            .headers(["From", "To", "Subject", "Message-ID", "Date"])
            .sign(mail.as_bytes())
            .unwrap();
        let signed = format!("{}{mail}", signature.to_header());
        let auth = MessageAuthenticator::new_quad9().unwrap();
        let ok = vouched_by_own_check(&auth, signed.as_bytes(), Some(&cache)).await;
        assert!(ok.is_ok(), "{ok:?}");
        // The same signature over a changed body: not Pass (mail-auth says Neutral), refused.
        let tampered = signed.replace("\r\npause client ACME\r\n", "\r\npause client BETA\r\n");
        let e = vouched_by_own_check(&auth, tampered.as_bytes(), Some(&cache))
            .await
            .unwrap_err();
        assert!(e.contains("no passing DKIM signature"), "{e}");
        // Unsigned: refused.
        assert!(
            vouched_by_own_check(&auth, mail.as_bytes(), Some(&cache))
                .await
                .is_err()
        );
        // Signed by example.pl but From another domain: not aligned.
        let other = signed.replace("anna@example.pl", "anna@other.test");
        assert!(
            vouched_by_own_check(&auth, other.as_bytes(), Some(&cache))
                .await
                .is_err()
        );
    }

    #[test]
    fn parses_the_rfc_8601_examples() {
        let (id, r) = parse_authentication_results(
            "example.com; spf=pass smtp.mailfrom=example.net (comment); dkim=pass header.i=@example.org",
        )
        .unwrap();
        assert_eq!(id, "example.com");
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].prop("header.i"), Some("@example.org"));
        let (id, r) = parse_authentication_results("example.com; none").unwrap();
        assert_eq!((id.as_str(), r.len()), ("example.com", 0));
        assert!(parse_authentication_results("").is_none());
    }
}
