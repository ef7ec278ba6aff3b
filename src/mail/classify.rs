//! What an inbound message is, and whether it may be answered. Pure: the store lookups it needs
//! are done by the caller and passed in as [`Facts`].

use super::address::{is_unanswerable, listed};
use super::inbound::{Inbound, may_be_report, subject_looks_automatic};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Our own mail coming back (the confirmation copy of something we sent, or a loop).
    Own,
    /// A delivery status notification.
    Bounce,
    /// An out-of-office or other automatic answer.
    AutoReply,
    /// Report files from someone allowed to send them.
    Report,
    /// A staff member writing to the bot.
    Command,
    /// A client writing back (to one of our mails, or from a known client address).
    ClientReply,
    /// Anything else: for people, never answered.
    Other,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Own => "own",
            Class::Bounce => "bounce",
            Class::AutoReply => "auto_reply",
            Class::Report => "report",
            Class::Command => "command",
            Class::ClientReply => "client_reply",
            Class::Other => "other",
        }
    }
}

/// What the store and settings know about the sender and the thread.
#[derive(Debug, Clone, Default)]
pub struct Facts<'a> {
    /// Our own addresses (the From of our mails).
    pub own: &'a [String],
    /// Staff, both roles.
    pub staff: &'a [String],
    /// Who may send reports (addresses and `@domain`); empty with no staff means anyone.
    pub report_senders: &'a [String],
    /// The message answers one of ours (its In-Reply-To or References name a Message-ID we sent).
    pub answers_our_mail: bool,
    /// The Message-ID is one we generated (our copy came back).
    pub is_our_message_id: bool,
    /// The sender is a known client address.
    pub known_client: bool,
}

impl Facts<'_> {
    fn may_send_reports(&self, sender: &str) -> bool {
        if self.staff.is_empty() && self.report_senders.is_empty() {
            return true;
        }
        listed(self.staff, sender) || listed(self.report_senders, sender)
    }
}

pub fn classify(m: &Inbound, f: &Facts<'_>) -> Class {
    let sender = m.from.as_deref().unwrap_or("");
    if f.is_our_message_id || (!sender.is_empty() && listed(f.own, sender)) {
        return Class::Own;
    }
    if m.is_dsn || (is_mailer_daemon(sender) && m.return_path.as_deref() == Some("")) {
        return Class::Bounce;
    }
    if is_automatic(m) {
        return Class::AutoReply;
    }
    if is_bulk(m) {
        return Class::Other;
    }
    // A forward too deep to open may hold reports: its sender is answered why it was not read.
    let has_reports = m.forwarded_too_deep || m.attachments.iter().any(may_be_report);
    if has_reports && !sender.is_empty() && f.may_send_reports(sender) {
        return Class::Report;
    }
    if !sender.is_empty() && listed(f.staff, sender) {
        return Class::Command;
    }
    if f.answers_our_mail || f.known_client {
        return Class::ClientReply;
    }
    Class::Other
}

fn is_mailer_daemon(sender: &str) -> bool {
    let local = sender.split('@').next().unwrap_or("");
    local.eq_ignore_ascii_case("mailer-daemon") || local.eq_ignore_ascii_case("postmaster")
}

/// RFC 3834 `Auto-Submitted` other than `no`, vendor auto-reply headers, or an out-of-office
/// subject on a message that also says it is automatic in some way.
pub fn is_automatic(m: &Inbound) -> bool {
    let auto = m
        .auto_submitted
        .as_deref()
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|v| v != "no");
    let precedence_auto = m
        .precedence
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case("auto_reply"));
    auto || precedence_auto || m.autoreply_header || subject_looks_automatic(&m.subject)
}

/// Mailing-list and bulk mail (RFC 2076 Precedence, RFC 2919 List-Id).
pub fn is_bulk(m: &Inbound) -> bool {
    m.list_id.is_some()
        || m.precedence
            .as_deref()
            .is_some_and(|p| matches!(p.to_ascii_lowercase().as_str(), "bulk" | "list" | "junk"))
}

/// Why we must not answer this message, if we must not (RFC 3834 §2 and our own loop breakers).
/// The per-sender rate limit is checked by the caller, who can count.
pub fn reply_refusal(m: &Inbound, own: &[String]) -> Option<&'static str> {
    let to = m.reply_to.as_deref().unwrap_or("");
    if is_automatic(m) {
        return Some("the message is automatic (Auto-Submitted or an auto-reply)");
    }
    if m.is_dsn {
        return Some("the message is a delivery report");
    }
    if is_bulk(m) {
        return Some("the message is list or bulk mail");
    }
    if listed(own, m.from.as_deref().unwrap_or("")) || listed(own, to) {
        return Some("the message is from our own address");
    }
    if is_unanswerable(to) {
        return Some("the sender's address takes no answers");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::inbound::Attachment;

    fn msg(from: &str) -> Inbound {
        Inbound {
            message_id: "m1@x".into(),
            has_message_id: true,
            from: Some(from.into()),
            reply_to: Some(from.into()),
            subject: "Raport".into(),
            ..Inbound::default()
        }
    }

    fn with_csv(mut m: Inbound) -> Inbound {
        m.attachments.push(Attachment {
            name: "wyciag.csv".into(),
            content_type: "text/csv".into(),
            bytes: b"Data;Kwota\r\n".to_vec(),
        });
        m
    }

    const OWN: &[&str] = &["naleznosci@example.pl"];

    fn own() -> Vec<String> {
        OWN.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_table() {
        let own = own();
        let staff = vec!["ksiegowosc@example.pl".to_string()];
        let senders = vec!["@erp.example.pl".to_string()];
        let facts = Facts {
            own: &own,
            staff: &staff,
            report_senders: &senders,
            ..Facts::default()
        };
        let mut auto = msg("klient@acme.test");
        auto.auto_submitted = Some("auto-replied".into());
        let mut ooo = msg("klient@acme.test");
        ooo.subject = "Odpowiedź automatyczna: Przypomnienie o płatności".into();
        let mut list = with_csv(msg("ksiegowosc@example.pl"));
        list.list_id = Some("<lista.example.pl>".into());
        let mut dsn = msg("mailer-daemon@mx.example.pl");
        dsn.is_dsn = true;
        let mut not_auto = with_csv(msg("ksiegowosc@example.pl"));
        not_auto.auto_submitted = Some("no".into());
        let cases: Vec<(&str, Inbound, Facts<'_>, Class)> = vec![
            (
                "staff with a report",
                with_csv(msg("KSIEGOWOSC@example.pl")),
                facts.clone(),
                Class::Report,
            ),
            (
                "Auto-Submitted: no is a person",
                not_auto,
                facts.clone(),
                Class::Report,
            ),
            (
                "ERP domain with a report",
                with_csv(msg("eksport@erp.example.pl")),
                facts.clone(),
                Class::Report,
            ),
            (
                "stranger with a report",
                with_csv(msg("ktos@obcy.test")),
                facts.clone(),
                Class::Other,
            ),
            (
                "staff without attachments",
                msg("ksiegowosc@example.pl"),
                facts.clone(),
                Class::Command,
            ),
            (
                "our own address",
                with_csv(msg("naleznosci@example.pl")),
                facts.clone(),
                Class::Own,
            ),
            (
                "our Message-ID",
                msg("x@y.test"),
                Facts {
                    is_our_message_id: true,
                    ..facts.clone()
                },
                Class::Own,
            ),
            ("a DSN", dsn, facts.clone(), Class::Bounce),
            (
                "auto-submitted",
                auto,
                Facts {
                    answers_our_mail: true,
                    ..facts.clone()
                },
                Class::AutoReply,
            ),
            (
                "out-of-office subject",
                ooo,
                Facts {
                    known_client: true,
                    ..facts.clone()
                },
                Class::AutoReply,
            ),
            ("list mail with a report", list, facts.clone(), Class::Other),
            (
                "client answering us",
                msg("jan@acme.test"),
                Facts {
                    answers_our_mail: true,
                    ..facts.clone()
                },
                Class::ClientReply,
            ),
            (
                "known client writing",
                with_csv(msg("jan@acme.test")),
                Facts {
                    known_client: true,
                    ..facts.clone()
                },
                Class::ClientReply,
            ),
            (
                "unknown sender",
                msg("ktos@obcy.test"),
                facts.clone(),
                Class::Other,
            ),
        ];
        for (name, m, f, want) in cases {
            assert_eq!(classify(&m, &f), want, "{name}");
        }
    }

    #[test]
    fn anyone_may_send_reports_when_nobody_is_configured() {
        let own = own();
        let f = Facts {
            own: &own,
            ..Facts::default()
        };
        assert_eq!(
            classify(&with_csv(msg("ktos@obcy.test")), &f),
            Class::Report
        );
    }

    #[test]
    fn loop_safety() {
        let own = own();
        assert_eq!(reply_refusal(&msg("anna@firma.pl"), &own), None);
        let mut m = msg("anna@firma.pl");
        m.auto_submitted = Some("auto-generated".into());
        assert!(reply_refusal(&m, &own).is_some());
        let mut m = msg("anna@firma.pl");
        m.precedence = Some("bulk".into());
        assert!(reply_refusal(&m, &own).is_some());
        let mut m = msg("anna@firma.pl");
        m.list_id = Some("x".into());
        assert!(reply_refusal(&m, &own).is_some());
        assert!(reply_refusal(&msg("naleznosci@example.pl"), &own).is_some());
        assert!(reply_refusal(&msg("noreply@bank.pl"), &own).is_some());
        let mut m = msg("anna@firma.pl");
        m.reply_to = Some("naleznosci@example.pl".into());
        assert!(
            reply_refusal(&m, &own).is_some(),
            "Reply-To pointing at us is a loop"
        );
    }
}
