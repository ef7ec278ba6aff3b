//! An inbound message as the daemon sees it: the headers that decide what it is, the text, and
//! the attachments (also those inside a forwarded message). Built with mail-parser; pure.

use super::address::bare;
use crate::domain::Said;
use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

/// One attached file.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct Inbound {
    /// The Message-ID without angle brackets; a message without one gets `sha256@skarbnik.invalid`.
    pub message_id: String,
    pub has_message_id: bool,
    /// Bare, lower-cased From address.
    pub from: Option<String>,
    pub from_name: Option<String>,
    /// Where an answer goes: Reply-To when present, else From.
    pub reply_to: Option<String>,
    pub return_path: Option<String>,
    pub subject: String,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub auto_submitted: Option<String>,
    pub precedence: Option<String>,
    pub list_id: Option<String>,
    /// Vendor marks of an automatic answer (X-Autoreply, X-Autorespond, X-Auto-Response-Suppress
    /// on an answer, ...).
    pub autoreply_header: bool,
    /// A delivery status notification (multipart/report; report-type=delivery-status).
    pub is_dsn: bool,
    /// Recipients a DSN reports as failed.
    pub failed_recipients: Vec<String>,
    pub text: String,
    pub attachments: Vec<Attachment>,
    pub date: Option<String>,
    /// Every `Authentication-Results` header, topmost (added last) first, unfolded.
    pub auth_results: Vec<String>,
    /// Addresses in From (more than one: no command is believed).
    pub from_count: usize,
    /// From header fields (RFC 5322 allows exactly one; mail clients show the first, parsers
    /// may take the last).
    pub from_fields: usize,
    /// Every address of every From field (bare): whom the mail claims to be from.
    pub from_all: Vec<String>,
    /// Sender header fields, and the address of the first.
    pub sender_fields: usize,
    pub sender: Option<String>,
    /// A message forwarded inside a message more than [`MAX_FORWARD_DEPTH`] levels deep: not
    /// opened (the sender is told).
    pub forwarded_too_deep: bool,
}

/// How many messages inside messages (forwards as attachments) are opened for reports.
pub const MAX_FORWARD_DEPTH: usize = 10;

impl Inbound {
    /// Parses raw RFC 5322 bytes. `None` only when mail-parser finds no message at all.
    pub fn parse(raw: &[u8]) -> Option<Inbound> {
        let mut msg = MessageParser::default().parse(raw)?;
        let mut m = Inbound::default();
        match msg.message_id().map(str::trim).filter(|s| !s.is_empty()) {
            Some(id) => {
                m.message_id = id.trim_matches(['<', '>']).to_string();
                m.has_message_id = true;
            }
            None => {
                m.message_id = format!("{}@skarbnik.invalid", crate::domain::sha256_hex(raw));
            }
        }
        m.from_count = msg.from().map(|a| a.iter().count()).unwrap_or(0);
        let fields = |name: &str| {
            msg.parts[0]
                .headers
                .iter()
                .filter(|h| h.name.as_str().eq_ignore_ascii_case(name))
                .count()
        };
        m.from_fields = fields("From");
        m.from_all = msg.parts[0]
            .headers
            .iter()
            .filter(|h| h.name.as_str().eq_ignore_ascii_case("From"))
            .filter_map(|h| raw.get(h.offset_start as usize..h.offset_end as usize))
            .flat_map(|v| addresses_in(&String::from_utf8_lossy(v)))
            .collect();
        m.sender_fields = fields("Sender");
        m.sender = msg
            .sender()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(bare);
        m.auth_results = msg.parts[0]
            .headers
            .iter()
            .filter(|h| {
                h.name
                    .as_str()
                    .eq_ignore_ascii_case("Authentication-Results")
            })
            .filter_map(|h| raw.get(h.offset_start as usize..h.offset_end as usize))
            .map(|v| {
                String::from_utf8_lossy(v)
                    .replace(['\r', '\n'], " ")
                    .trim()
                    .to_string()
            })
            .collect();
        if let Some(addr) = msg.from().and_then(|a| a.first()) {
            m.from = addr.address().map(bare).filter(|a| !a.is_empty());
            m.from_name = addr.name().map(str::to_string);
        }
        m.reply_to = msg
            .reply_to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(bare)
            .filter(|a| a.contains('@'))
            .or_else(|| m.from.clone());
        m.return_path = msg.header_raw("Return-Path").map(|v| bare(v.trim()));
        m.subject = msg.subject().unwrap_or("").trim().to_string();
        m.in_reply_to = ids(msg.header_raw("In-Reply-To"));
        m.references = ids(msg.header_raw("References"));
        m.auto_submitted = raw_header(&msg, "Auto-Submitted");
        m.precedence = raw_header(&msg, "Precedence");
        m.list_id = raw_header(&msg, "List-Id");
        m.autoreply_header = ["X-Autoreply", "X-Autorespond", "X-Autoresponder"]
            .iter()
            .any(|h| raw_header(&msg, h).is_some())
            || raw_header(&msg, "X-Auto-Response-Suppress").is_some()
                && subject_looks_automatic(&m.subject);
        m.date = msg.date().map(|d| d.to_rfc3339());
        if let Some(ct) = msg.root_part().content_type()
            && ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct
                .attribute("report-type")
                .is_some_and(|t| t.eq_ignore_ascii_case("delivery-status"))
        {
            m.is_dsn = true;
        }
        for part in &msg.parts {
            let is_status = part.content_type().is_some_and(|ct| {
                ct.ctype().eq_ignore_ascii_case("message")
                    && ct.subtype().is_some_and(|s| {
                        s.eq_ignore_ascii_case("delivery-status")
                            || s.eq_ignore_ascii_case("global-delivery-status")
                    })
            });
            if is_status {
                m.is_dsn = true;
                m.failed_recipients
                    .extend(failed_recipients(&String::from_utf8_lossy(part.contents())));
            }
        }
        m.text = msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default();
        if !m.is_dsn {
            m.forwarded_too_deep = collect_attachments(&mut msg, raw, &mut m.attachments, 0);
        }
        Some(m)
    }

    /// Why the sender this mail claims cannot be taken at its word, whatever vouches for it: more
    /// than one From field or address (which one would we believe?), more than one Sender, or a
    /// Sender of another domain than From (someone else sent it "on behalf of").
    pub fn identity_problem(&self) -> Option<Said> {
        let n = self.from_fields;
        if n > 1 {
            return Some(crate::said!(
                "wiadomość ma {n} pola nagłówka From (RFC 5322 dopuszcza jedno)",
                "the mail has {n} From header fields (RFC 5322 allows one)"
            ));
        }
        if self.from_count > 1 {
            return Some(crate::said!(
                "wiadomość podaje kilka adresów w polu From",
                "the mail names several From addresses"
            ));
        }
        let n = self.sender_fields;
        if n > 1 {
            return Some(crate::said!(
                "wiadomość ma {n} pola nagłówka Sender (RFC 5322 dopuszcza jedno)",
                "the mail has {n} Sender header fields (RFC 5322 allows one)"
            ));
        }
        if let (Some(s), Some(f)) = (&self.sender, &self.from)
            && super::address::domain(s) != super::address::domain(f)
        {
            return Some(crate::said!(
                "nadawca techniczny (Sender) {s} jest z innej domeny niż adres From {f}",
                "the Sender {s} is of another domain than the From address {f}"
            ));
        }
        None
    }

    /// The subject as we echo it in an answer or a notice: one line, at most 120 characters.
    pub fn echoed_subject(&self) -> String {
        crate::domain::text::shorten(&self.subject, 120)
    }

    /// Every Message-ID this message answers (In-Reply-To first, then References).
    pub fn answers(&self) -> impl Iterator<Item = &str> {
        self.in_reply_to
            .iter()
            .chain(self.references.iter())
            .map(String::as_str)
    }
}

/// The addresses in a raw address-list header value: `<a@b>` forms, else bare `a@b` words.
fn addresses_in(value: &str) -> Vec<String> {
    let bracketed = ids(Some(value));
    bracketed
        .into_iter()
        .map(|a| bare(&a))
        .filter(|a| a.contains('@'))
        .collect()
}

fn raw_header(msg: &Message<'_>, name: &str) -> Option<String> {
    msg.header_raw(name)
        .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|v| !v.is_empty())
}

/// Message-IDs in a header value, without brackets.
fn ids(value: Option<&str>) -> Vec<String> {
    let Some(v) = value else { return Vec::new() };
    let mut out = Vec::new();
    let mut rest = v;
    while let Some(a) = rest.find('<') {
        let Some(b) = rest[a..].find('>') else { break };
        let id = rest[a + 1..a + b].trim();
        if !id.is_empty() {
            out.push(id.to_string());
        }
        rest = &rest[a + b + 1..];
    }
    if out.is_empty() {
        out.extend(
            v.split_whitespace()
                .filter(|s| s.contains('@'))
                .map(str::to_string),
        );
    }
    out
}

/// Subjects of out-of-office answers in the languages our users meet.
pub fn subject_looks_automatic(subject: &str) -> bool {
    let s = subject.to_lowercase();
    [
        "automatic reply",
        "auto reply",
        "autoreply",
        "auto-reply",
        "out of office",
        "out of the office",
        "odpowiedź automatyczna",
        "odpowiedz automatyczna",
        "automatyczna odpowiedź",
        "automatyczna odpowiedz",
        "nieobecność",
        "nieobecnosc",
        "poza biurem",
        "abwesenheit",
        "automatische antwort",
    ]
    .iter()
    .any(|p| s.contains(p))
}

/// Recipients whose `Action:` is `failed` in a message/delivery-status body (RFC 3464): one block
/// per recipient, separated by blank lines; the first block is about the message.
pub fn failed_recipients(status: &str) -> Vec<String> {
    let mut out = Vec::new();
    let text = status.replace("\r\n", "\n");
    for block in text.split("\n\n") {
        let mut recipient = None;
        let mut original = None;
        let mut failed = false;
        for line in block.lines() {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "final-recipient" => recipient = Some(address_of_type(value)),
                "original-recipient" => original = Some(address_of_type(value)),
                "action" => failed = value.eq_ignore_ascii_case("failed"),
                _ => {}
            }
        }
        if failed
            && let Some(r) = original.or(recipient).filter(|r| r.contains('@'))
            && !out.contains(&r)
        {
            out.push(r);
        }
    }
    out
}

/// `rfc822; Anna@Firma.pl` → `anna@firma.pl`.
fn address_of_type(value: &str) -> String {
    let addr = value.split_once(';').map(|(_, a)| a).unwrap_or(value);
    bare(addr)
}

/// Attached files, descending into forwarded messages (an accountant's "forward as attachment").
/// Collects the attached files, also of forwarded messages; `true` when a message nested deeper
/// than [`MAX_FORWARD_DEPTH`] was left unopened.
///
/// A decoded binary body is moved out of the parsed message, not copied: a year's statement
/// mailed in is tens of MB, which the message held twice over.
fn collect_attachments(
    msg: &mut Message<'_>,
    root: &[u8],
    out: &mut Vec<Attachment>,
    depth: usize,
) -> bool {
    let mut too_deep = false;
    for id in msg.attachments.clone() {
        let Some(part) = msg.parts.get_mut(id as usize) else {
            continue;
        };
        match &mut part.body {
            PartType::Message(inner) => {
                if depth < MAX_FORWARD_DEPTH {
                    too_deep |= collect_attachments(inner, root, out, depth + 1);
                } else {
                    too_deep = true;
                }
            }
            PartType::Multipart(_) => {}
            _ => {
                let content_type = part
                    .content_type()
                    .map(|ct| match ct.subtype() {
                        Some(sub) => format!("{}/{}", ct.ctype(), sub),
                        None => ct.ctype().to_string(),
                    })
                    .unwrap_or_else(|| "application/octet-stream".into())
                    .to_ascii_lowercase();
                let name = part
                    .attachment_name()
                    .map(sanitize_name)
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| format!("attachment-{}", out.len() + 1));
                let bytes = match &part.body {
                    // mail-parser turns text parts into UTF-8, replacing what is not valid UTF-8:
                    // a Windows-1250 CSV would lose its Polish letters. Reports need the bytes as
                    // sent, so text attachments are decoded from the raw message here.
                    PartType::Text(_) | PartType::Html(_) => {
                        original_bytes(root, part).unwrap_or_else(|| part.contents().to_vec())
                    }
                    PartType::Binary(_) | PartType::InlineBinary(_) => {
                        match std::mem::take(&mut part.body) {
                            PartType::Binary(b) | PartType::InlineBinary(b) => b.into_owned(),
                            _ => Vec::new(),
                        }
                    }
                    _ => part.contents().to_vec(),
                };
                out.push(Attachment {
                    name,
                    content_type,
                    bytes,
                });
            }
        }
    }
    too_deep
}

/// A part's body as sent: the raw bytes with only the transfer encoding undone.
fn original_bytes(raw: &[u8], part: &mail_parser::MessagePart<'_>) -> Option<Vec<u8>> {
    let (start, end) = (
        part.raw_body_offset() as usize,
        part.raw_end_offset() as usize,
    );
    let body = raw.get(start..end.max(start))?;
    let encoding = part
        .content_transfer_encoding()
        .map(|e| e.trim().to_ascii_lowercase());
    match encoding.as_deref() {
        Some("base64") => mail_parser::decoders::base64::base64_decode(body),
        Some("quoted-printable") => {
            mail_parser::decoders::quoted_printable::quoted_printable_decode(body)
        }
        _ => {
            // The line break before the next boundary belongs to the boundary.
            let body = body
                .strip_suffix(b"\r\n")
                .or_else(|| body.strip_suffix(b"\n"))
                .unwrap_or(body);
            Some(body.to_vec())
        }
    }
}

/// A file name as shown in replies and stored in reports: no path, no control characters.
fn sanitize_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_string()
}

/// Whether an attachment may be a report: not a signature, a picture, a calendar entry or a
/// business card. Unknown kinds are tried (the importer names what it could not read).
pub fn may_be_report(a: &Attachment) -> bool {
    let ct = a.content_type.as_str();
    let name = a.name.to_lowercase();
    let excluded_type = ct.starts_with("image/")
        || ct.starts_with("audio/")
        || ct.starts_with("video/")
        || ct.contains("pkcs7-signature")
        || ct.contains("pgp-signature")
        || ct == "text/calendar"
        || ct == "text/vcard"
        || ct == "text/x-vcard"
        || ct == "text/html";
    let excluded_name = [
        ".p7s", ".asc", ".sig", ".ics", ".vcf", ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".svg",
        ".eml", ".htm", ".html", ".doc", ".docx", ".webp",
    ]
    .iter()
    .any(|e| name.ends_with(e));
    !(excluded_type || excluded_name || a.bytes.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(headers: &str, body: &str) -> Vec<u8> {
        format!("{headers}\r\n\r\n{body}")
            .replace('\n', "\r\n")
            .replace("\r\r", "\r")
            .into_bytes()
    }

    #[test]
    fn headers_that_decide() {
        let raw = mail(
            "From: Anna Nowak <Anna.Nowak@Firma.PL>\nReply-To: ksiegowosc@firma.pl\nTo: bot@example.pl\nSubject: Re: Przypomnienie\nMessage-ID: <abc@firma.pl>\nIn-Reply-To: <r1@example.pl>\nReferences: <r0@example.pl> <r1@example.pl>\nAuto-Submitted: no",
            "Dzień dobry",
        );
        let m = Inbound::parse(&raw).unwrap();
        assert_eq!(m.message_id, "abc@firma.pl");
        assert_eq!(m.from.as_deref(), Some("anna.nowak@firma.pl"));
        assert_eq!(m.reply_to.as_deref(), Some("ksiegowosc@firma.pl"));
        assert_eq!(m.in_reply_to, vec!["r1@example.pl"]);
        assert_eq!(m.references, vec!["r0@example.pl", "r1@example.pl"]);
        assert_eq!(m.auto_submitted.as_deref(), Some("no"));
        assert!(m.text.contains("Dzień dobry"));
    }

    #[test]
    fn missing_message_id_is_derived_from_the_bytes() {
        let raw = mail("From: a@b.pl\nSubject: x", "y");
        let m = Inbound::parse(&raw).unwrap();
        assert!(!m.has_message_id);
        assert!(m.message_id.ends_with("@skarbnik.invalid"));
        assert_eq!(Inbound::parse(&raw).unwrap().message_id, m.message_id);
    }

    #[test]
    fn attachments_including_a_forwarded_message() {
        let raw = mail(
            "From: a@b.pl\nSubject: Fwd: wyciąg\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"X\"",
            "--X\nContent-Type: text/plain; charset=utf-8\n\nW załączniku.\n--X\nContent-Type: message/rfc822\n\nFrom: bank@bank.pl\nSubject: Wyciąg\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"Y\"\n\n--Y\nContent-Type: text/plain\n\nwyciąg\n--Y\nContent-Type: text/csv; name=\"wyciag.csv\"\nContent-Disposition: attachment; filename=\"../../wyciag.csv\"\n\nData;Kwota\n--Y--\n--X\nContent-Type: image/png; name=\"logo.png\"\nContent-Disposition: inline; filename=\"logo.png\"\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--X--\n",
        );
        let m = Inbound::parse(&raw).unwrap();
        let names: Vec<_> = m.attachments.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, vec!["wyciag.csv", "logo.png"]);
        assert!(may_be_report(&m.attachments[0]));
        assert!(!may_be_report(&m.attachments[1]));
        assert_eq!(m.attachments[0].bytes, b"Data;Kwota".to_vec());
    }

    #[test]
    fn text_attachments_keep_their_bytes() {
        // "Płatność" in Windows-1250, sent 8bit, quoted-printable and base64.
        let cp1250: &[u8] = b"P\xb3atno\x9c\xe6;1 234,56";
        let mut raw = b"From: a@b.pl\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nhi\r\n--B\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename=\"a.csv\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".to_vec();
        raw.extend_from_slice(cp1250);
        raw.extend_from_slice(b"\r\n--B\r\nContent-Type: text/csv; charset=windows-1250\r\nContent-Disposition: attachment; filename=\"b.csv\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nP=B3atno=9C=E6;1 234,56\r\n--B\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename=\"c.csv\"\r\nContent-Transfer-Encoding: base64\r\n\r\nULNhdG5vnOY7MSAyMzQsNTY=\r\n--B--\r\n");
        let m = Inbound::parse(&raw).unwrap();
        assert_eq!(m.attachments.len(), 3);
        for a in &m.attachments {
            assert_eq!(a.bytes, cp1250, "{}", a.name);
        }
    }

    #[test]
    fn a_forwarded_bank_csv_keeps_its_encoding() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let raw = std::fs::read(dir.join("mail/demo/4-demo-4.eml")).unwrap();
        let m = Inbound::parse(&raw).unwrap();
        assert_eq!(m.attachments.len(), 1);
        let want = std::fs::read(dir.join("demo/5-pekao-historia.csv")).unwrap();
        assert_eq!(m.attachments[0].bytes, want);
    }

    #[test]
    fn dsn_failed_recipients() {
        let raw = mail(
            "From: Mail Delivery System <MAILER-DAEMON@mx.example.pl>\nSubject: Undelivered Mail Returned to Sender\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"",
            "--B\nContent-Type: text/plain\n\nI'm sorry.\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.pl\n\nFinal-Recipient: rfc822; Jan@Klient.pl\nOriginal-Recipient: rfc822;jan@klient.pl\nAction: failed\nStatus: 5.1.1\n\nFinal-Recipient: rfc822; ok@klient.pl\nAction: delayed\nStatus: 4.4.1\n--B--\n",
        );
        let m = Inbound::parse(&raw).unwrap();
        assert!(m.is_dsn);
        assert_eq!(m.failed_recipients, vec!["jan@klient.pl"]);
        assert!(m.attachments.is_empty());
    }

    #[test]
    fn automatic_subjects() {
        assert!(subject_looks_automatic(
            "Odpowiedź automatyczna: Przypomnienie"
        ));
        assert!(subject_looks_automatic("Automatic reply: Invoice"));
        assert!(!subject_looks_automatic("Re: Faktura FV/1/2026"));
    }
}
