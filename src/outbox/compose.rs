//! Turning a draft (who, what, why) into the exact bytes that will be sent, with a Message-ID we
//! generate. Composition happens before the outbox row is written, so the row holds the final
//! message: a resend after a crash sends the very same bytes and Message-ID.

use crate::clock::SharedClock;
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use std::time::SystemTime;

/// Why a mail is sent: the outbox shows it, the .eml file is named after it, and the key of a
/// reply starts with it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Purpose {
    /// The answer to a report mail.
    #[default]
    Summary,
    /// The answer to a staff command.
    CommandReply,
    /// Staff are told that a mail bounced.
    BounceNotice,
    /// A notice to staff of this kind.
    Notice(crate::templates::context::NoticeKind),
    /// A reminder in the tone of this (configured) step.
    Reminder(String),
    /// The statement to the billing contact after an escalating step.
    Escalation,
    /// The history and a draft for the account manager.
    EscalationManager,
    /// Thanks for a payment that settled an invoice.
    Confirmation,
    /// A client's reply, forwarded to its account manager (else staff).
    ReplyForward,
    /// An answer to a client's reply: an acknowledgement, an invoice copy, its balance.
    ClientAnswer,
    /// A promise broken, a claimed payment that did not show, small amounts left.
    HoldNotice,
    /// A scheduled report to staff or management.
    Report,
    /// An invoice (or correction) skarbnik issued, to the client.
    Invoice,
    /// An issuing run's documents, to accounting.
    BillingSummary,
}

impl std::fmt::Display for Purpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Purpose::Summary => f.write_str("summary"),
            Purpose::CommandReply => f.write_str("command_reply"),
            Purpose::BounceNotice => f.write_str("bounce_notice"),
            Purpose::Notice(kind) => write!(f, "notice_{}", kind.as_str()),
            Purpose::Reminder(step) => write!(f, "reminder_{step}"),
            Purpose::Escalation => f.write_str("escalation"),
            Purpose::EscalationManager => f.write_str("escalation_manager"),
            Purpose::Confirmation => f.write_str("confirmation"),
            Purpose::ReplyForward => f.write_str("reply_forward"),
            Purpose::ClientAnswer => f.write_str("client_answer"),
            Purpose::HoldNotice => f.write_str("hold_notice"),
            Purpose::Report => f.write_str("report"),
            Purpose::Invoice => f.write_str("invoice"),
            Purpose::BillingSummary => f.write_str("billing_summary"),
        }
    }
}

/// A mail to be sent, before it has a Message-ID.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// Unique per decision (e.g. `summary:<message-id>`, `reminder:<invoice>:<step>`): the outbox
    /// refuses a second row with the same key.
    pub key: String,
    pub purpose: Purpose,
    pub to: Vec<Mailbox>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    /// The Message-ID this answers, without brackets.
    pub in_reply_to: Option<String>,
    /// The thread so far, without brackets.
    pub references: Vec<String>,
    /// RFC 3834: `auto-replied` for answers to a message, `auto-generated` for the rest.
    pub auto_submitted: &'static str,
    pub client_id: Option<i64>,
    /// For replies: the address answered (rate limit per sender).
    pub reply_address: Option<String>,
    pub attachments: Vec<(String, String, Vec<u8>)>,
    /// Images the HTML shows by `cid:` (Content-ID, content type, bytes): a report's charts.
    pub inline: Vec<(String, String, Vec<u8>)>,
    /// Not sent before this time, e.g. the opening of the send window.
    pub not_before: Option<DateTime<Utc>>,
}

impl Draft {
    /// A mail of our own making (a notice, a reminder), not an answer: `auto-generated`.
    pub fn auto(
        key: String,
        purpose: Purpose,
        to: Vec<Mailbox>,
        r: crate::templates::Rendered,
    ) -> Draft {
        Draft {
            key,
            purpose,
            to,
            subject: r.subject,
            text: r.text,
            html: r.html,
            auto_submitted: "auto-generated",
            ..Draft::default()
        }
    }
}

/// Who we send as, and who gets a hidden copy of every mail.
#[derive(Debug, Clone)]
pub struct Identity {
    pub from: Mailbox,
    /// Envelope-only recipients: the archive BCC, and our own address when it confirms sends.
    pub hidden: Vec<Mailbox>,
    /// Dates each mail (the Date header).
    pub clock: SharedClock,
}

impl Identity {
    pub fn from_config(config: &crate::config::Config, clock: SharedClock) -> Result<Identity> {
        let from = crate::mail::address::parse_mailbox(&config.smtp.from).context("smtp.from")?;
        let mut hidden = Vec::new();
        if let Some(a) = &config.smtp.archive_bcc {
            hidden.push(crate::mail::address::parse_mailbox(a).context("smtp.archive_bcc")?);
        }
        if config.smtp.self_copy() {
            hidden.push(Mailbox::new(None, from.email.clone()));
        }
        Ok(Identity {
            from,
            hidden,
            clock,
        })
    }

    pub fn compose(&self, draft: &Draft) -> Result<Composed> {
        compose(draft, &self.from, &self.hidden, self.clock.now())
    }

    /// Our own bare address (lower-cased).
    pub fn own_address(&self) -> String {
        self.from.email.to_string().to_lowercase()
    }
}

/// Who is told about bounces, held reminders and refused commands: `staff.admin_notice`, else
/// every admin staff address.
pub fn staff_recipients(config: &crate::config::Config) -> Result<Vec<Mailbox>> {
    Ok(match &config.staff.admin_notice {
        Some(admin) => {
            vec![crate::mail::address::parse_mailbox(admin).context("staff.admin_notice")?]
        }
        None => config
            .staff
            .addresses
            .iter()
            .filter_map(|a| crate::mail::address::parse_mailbox(a).ok())
            .collect(),
    })
}

/// Who handles a client's matters when it has no account manager (its replies, a broken
/// promise): the staff addresses, else `staff.admin_notice`.
pub fn client_desk(config: &crate::config::Config) -> Result<Vec<Mailbox>> {
    let staff: Vec<Mailbox> = config
        .staff
        .addresses
        .iter()
        .filter_map(|a| crate::mail::address::parse_mailbox(a).ok())
        .collect();
    if staff.is_empty() {
        staff_recipients(config)
    } else {
        Ok(staff)
    }
}

/// A composed mail: what the outbox stores.
#[derive(Debug, Clone)]
pub struct Composed {
    pub message_id: String,
    /// The bytes the recipients get: no Bcc header.
    pub raw: Vec<u8>,
    /// Visible recipients (bare addresses).
    pub recipients: Vec<String>,
    /// Everyone the SMTP envelope names: the visible recipients plus the hidden ones.
    pub envelope_to: Vec<String>,
}

/// A fresh Message-ID in our own domain: time, process and a per-process counter, hashed with
/// the outbox key so two daemons on two machines do not collide.
pub fn new_message_id(key: &str, from: &Mailbox) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let seed = format!(
        "{key}|{nanos}|{}|{n}|{:?}",
        std::process::id(),
        std::collections::hash_map::RandomState::new()
    );
    let hash = crate::domain::sha256_hex(seed.as_bytes());
    let domain = from.email.domain();
    format!("skarbnik.{}@{domain}", &hash[..32])
}

/// Longest Message-ID we echo in In-Reply-To and References. RFC 5322 sets no limit on an id,
/// but a line may not pass 998 octets; real ids are well under 100.
const MAX_ID: usize = 250;
/// References kept when threading: the thread's root and the newest.
const MAX_REFERENCES: usize = 20;
/// Longest subject we send (an echoed subject may be anything).
const MAX_SUBJECT: usize = 200;

/// A Message-ID we may echo: short, printable, without spaces or brackets.
fn sane_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID
        && id
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>'))
}

/// The thread we name: sane ids only, the root and the newest ones.
fn references(ids: &[String]) -> Vec<&str> {
    let sane: Vec<&str> = ids
        .iter()
        .map(String::as_str)
        .filter(|id| sane_id(id))
        .collect();
    if sane.len() <= MAX_REFERENCES {
        return sane;
    }
    let mut kept = vec![sane[0]];
    kept.extend_from_slice(&sane[sane.len() - (MAX_REFERENCES - 1)..]);
    kept
}

fn header(name: &str, value: &str) -> Result<HeaderValue> {
    let name = HeaderName::new_from_ascii(name.to_string())
        .map_err(|_| anyhow::anyhow!("bad header name {name}"))?;
    Ok(HeaderValue::new(name, value.to_string()))
}

/// Builds the message, dated `date`. `hidden` are envelope-only recipients (the archive BCC, our
/// own confirmation copy): they appear in no header.
pub fn compose(
    draft: &Draft,
    from: &Mailbox,
    hidden: &[Mailbox],
    date: DateTime<Utc>,
) -> Result<Composed> {
    anyhow::ensure!(
        !draft.to.is_empty(),
        "mail {:?} has no recipient",
        draft.key
    );
    let message_id = new_message_id(&draft.key, from);
    let mut b = lettre::Message::builder()
        .from(from.clone())
        .subject(crate::domain::text::shorten(&draft.subject, MAX_SUBJECT))
        .date(SystemTime::from(date))
        .message_id(Some(format!("<{message_id}>")))
        .raw_header(header(
            "Auto-Submitted",
            if draft.auto_submitted.is_empty() {
                "auto-generated"
            } else {
                draft.auto_submitted
            },
        )?)
        // Ask Exchange and friends not to send out-of-office answers to a robot.
        .raw_header(header("X-Auto-Response-Suppress", "OOF, AutoReply")?);
    for to in &draft.to {
        b = b.to(to.clone());
    }
    // An absurd Message-ID is not echoed: the answer then starts a thread of its own.
    if let Some(parent) = draft.in_reply_to.as_deref().filter(|p| sane_id(p)) {
        b = b.in_reply_to(format!("<{parent}>"));
    }
    let refs = references(&draft.references);
    if !refs.is_empty() {
        // lettre folds the header between ids.
        let refs = refs
            .iter()
            .map(|r| format!("<{r}>"))
            .collect::<Vec<_>>()
            .join(" ");
        b = b.references(refs);
    }
    let text = draft.text.clone();
    // Text and HTML as alternatives; the HTML with its inline images as one related part.
    let alternative = |html: &String| -> Result<MultiPart> {
        if draft.inline.is_empty() {
            return Ok(MultiPart::alternative_plain_html(
                text.clone(),
                html.clone(),
            ));
        }
        let mut related = MultiPart::related().singlepart(SinglePart::html(html.clone()));
        for (cid, ct, bytes) in &draft.inline {
            let ct =
                ContentType::parse(ct).with_context(|| format!("content type {ct:?} of {cid}"))?;
            related =
                related.singlepart(Attachment::new_inline(cid.clone()).body(bytes.clone(), ct));
        }
        Ok(MultiPart::alternative()
            .singlepart(SinglePart::plain(text.clone()))
            .multipart(related))
    };
    let message = if draft.attachments.is_empty() {
        match &draft.html {
            Some(html) => b.multipart(alternative(html)?),
            None => b.singlepart(SinglePart::plain(text)),
        }
    } else {
        let mut mixed = match &draft.html {
            Some(html) => MultiPart::mixed().multipart(alternative(html)?),
            None => MultiPart::mixed().singlepart(SinglePart::plain(text)),
        };
        for (name, ct, bytes) in &draft.attachments {
            let ct =
                ContentType::parse(ct).with_context(|| format!("content type {ct:?} of {name}"))?;
            mixed = mixed.singlepart(Attachment::new(name.clone()).body(bytes.clone(), ct));
        }
        b.multipart(mixed)
    }
    .with_context(|| format!("composing mail {:?}", draft.key))?;
    let recipients: Vec<String> = draft
        .to
        .iter()
        .map(|m| m.email.to_string().to_lowercase())
        .collect();
    let mut envelope_to = recipients.clone();
    for h in hidden {
        let a = h.email.to_string().to_lowercase();
        if !envelope_to.contains(&a) {
            envelope_to.push(a);
        }
    }
    Ok(Composed {
        message_id,
        raw: message.formatted(),
        recipients,
        envelope_to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::address::parse_mailbox;

    #[test]
    fn hidden_recipients_are_in_the_envelope_only() {
        let from = parse_mailbox("Dział Należności <naleznosci@example.pl>").unwrap();
        let draft = Draft {
            key: "summary:m1@x".into(),
            purpose: Purpose::Summary,
            to: vec![parse_mailbox("Anna <anna@firma.pl>").unwrap()],
            subject: "Re: Wyciąg – podsumowanie".into(),
            text: "Zaimportowano 3 płatności.".into(),
            in_reply_to: Some("m1@x".into()),
            references: vec!["m0@x".into(), "m1@x".into()],
            auto_submitted: "auto-replied",
            ..Draft::default()
        };
        let archive = parse_mailbox("archiwum@example.pl").unwrap();
        let c = compose(&draft, &from, &[archive], chrono::Utc::now()).unwrap();
        let text = String::from_utf8_lossy(&c.raw);
        assert!(!text.to_lowercase().contains("bcc"), "{text}");
        assert!(!text.contains("archiwum"), "{text}");
        assert!(
            text.contains(&format!("Message-ID: <{}>", c.message_id)),
            "{text}"
        );
        assert!(text.contains("In-Reply-To: <m1@x>"), "{text}");
        assert!(text.contains("Auto-Submitted: auto-replied"), "{text}");
        assert_eq!(c.envelope_to, vec!["anna@firma.pl", "archiwum@example.pl"]);
        assert_eq!(c.recipients, vec!["anna@firma.pl"]);
        let parsed = crate::mail::inbound::Inbound::parse(&c.raw).unwrap();
        assert_eq!(parsed.subject, "Re: Wyciąg – podsumowanie");
        assert!(parsed.text.contains("Zaimportowano 3 płatności."));
    }

    /// Every line of a message, headers and body, within RFC 5322's 998 octets.
    fn assert_lines_within_limit(raw: &[u8]) {
        for (i, line) in raw.split(|b| *b == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            assert!(
                line.len() <= 998,
                "line {} has {} octets: {:?}",
                i + 1,
                line.len(),
                String::from_utf8_lossy(&line[..line.len().min(120)])
            );
        }
    }

    #[test]
    fn absurd_subjects_message_ids_and_lines_never_break_the_line_limit() {
        let from = parse_mailbox("naleznosci@example.pl").unwrap();
        let huge_id = format!("{}@evil.test", "x".repeat(2000));
        let draft = Draft {
            key: "summary:x".into(),
            to: vec![parse_mailbox("anna@firma.pl").unwrap()],
            subject: format!("Re: {}", "Wyciąg za listopad ".repeat(5000)),
            text: format!("» {}\nkoniec\n", "status ".repeat(20_000)),
            html: Some(format!("<p>{}</p>", "ą".repeat(10_000))),
            in_reply_to: Some(huge_id.clone()),
            references: vec![huge_id.clone(), "ok@firma.pl".into()],
            ..Draft::default()
        };
        let c = compose(&draft, &from, &[], chrono::Utc::now()).unwrap();
        assert_lines_within_limit(&c.raw);
        let text = String::from_utf8_lossy(&c.raw);
        assert!(
            !text.contains("xxxxxxxxxx"),
            "an absurd Message-ID is not echoed"
        );
        assert!(text.contains("<ok@firma.pl>"), "a sane reference is kept");
        let parsed = crate::mail::inbound::Inbound::parse(&c.raw).unwrap();
        assert!(
            parsed.subject.starts_with("Re: Wyciąg za listopad"),
            "{}",
            parsed.subject
        );
        assert!(
            parsed.subject.chars().count() <= 200,
            "{}",
            parsed.subject.len()
        );
        assert!(parsed.text.contains("koniec"));
        assert_eq!(parsed.references, vec!["ok@firma.pl".to_string()]);
        // A long thread: its root and the newest ids, each parsed back as it was.
        let ids: Vec<String> = (0..40).map(|i| format!("m{i}@firma.pl")).collect();
        let draft = Draft {
            references: ids.clone(),
            subject: "Re: x".into(),
            ..draft
        };
        let c = compose(&draft, &from, &[], chrono::Utc::now()).unwrap();
        assert_lines_within_limit(&c.raw);
        let parsed = crate::mail::inbound::Inbound::parse(&c.raw).unwrap();
        let mut want = vec![ids[0].clone()];
        want.extend(ids[21..].iter().cloned());
        assert_eq!(parsed.references, want);
    }

    #[test]
    fn message_ids_are_unique_and_in_our_domain() {
        let from = parse_mailbox("naleznosci@example.pl").unwrap();
        let a = new_message_id("k", &from);
        let b = new_message_id("k", &from);
        assert_ne!(a, b);
        assert!(a.ends_with("@example.pl"));
    }
}
