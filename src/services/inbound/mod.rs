//! One mail from the watched mailbox, handled once: recognised (by where it sits and by its
//! bytes), classified, acted on, and recorded in the same transaction as what it caused. The
//! caller then files it in the folder this returns; found again after a crash, it is only filed.
//!
//! | class | what is done |
//! | --- | --- |
//! | own copy | confirms our delivery, or (not one we sent) keeps it for people |
//! | bounce | flags the address, tells staff ([`bounce`]) |
//! | auto-reply | logged, kept on the client's history |
//! | report | imported and reconciled, the sender gets a summary ([`report`]) |
//! | command | authenticated, carried out, answered ([`command`]) |
//! | client reply | read, acted on, forwarded to a person ([`client_reply`]) |
//! | other | kept for people, never answered |

mod bounce;
mod client_reply;
mod command;
mod replies;
mod report;

pub use report::summary;

use super::{Env, ImportSetup};
use crate::domain::email::listed;
use crate::domain::sha256_hex;
use crate::mail::classify::{Class, Facts, classify};
use crate::mail::inbound::{Inbound, may_be_report};
use crate::mail::source::Folder;
use crate::store::{MessageRecord, Store, Tx};
use crate::templates::context::NoticeKind;
use anyhow::Result;

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handled {
    /// Where the message goes now.
    pub folder: Folder,
    /// What it was (`None`: handled before, or not a mail at all).
    pub class: Option<Class>,
}

/// A message being handled: where it came from and what it is.
struct Message<'m> {
    key: &'m str,
    /// The message as it came (forwarded whole to a person when it is a client's reply). A
    /// report lets go of it before importing: a year's statement mailed in is tens of MB.
    raw: Vec<u8>,
    sha: String,
    mail: Inbound,
    class: Class,
    /// The client it concerns (it answers our mail to them, or comes from their address).
    client: Option<i64>,
}

impl Message<'_> {
    /// Records the message as handled, inside the transaction of what it caused.
    fn record(&self, tx: &Tx<'_>, folder: Folder, detail: Option<&str>) -> Result<()> {
        tx.record_message(&MessageRecord {
            source_key: self.key,
            raw_sha256: &self.sha,
            message_id: &self.mail.message_id,
            sender: self.mail.from.as_deref(),
            subject: &self.mail.subject,
            class: self.class.as_str(),
            client_id: self.client,
            disposition: folder.as_str(),
            detail,
        })?;
        Ok(())
    }

    /// Keeps what a client wrote (or its auto-reply) on the client's history.
    fn keep_on_history(&self, tx: &Tx<'_>, kind: &str) -> Result<()> {
        if let Some(c) = self.client {
            tx.add_client_message(
                c,
                &self.mail.message_id,
                self.mail.from.as_deref(),
                &self.mail.subject,
                kind,
                &excerpt(&self.mail.text),
            )?;
        }
        Ok(())
    }
}

/// Handles one raw message found under `key`. `own_check` is skarbnik's own DKIM/DMARC verdict on
/// it, when that check is configured (it is asynchronous, so the caller runs it first). The
/// message is taken whole so that what is not needed any more can be let go of early.
pub fn handle(
    env: &Env<'_>,
    import: &ImportSetup,
    store: &mut Store,
    key: &str,
    raw: Vec<u8>,
    own_check: Option<Result<String, crate::domain::Said>>,
) -> Result<Handled> {
    let sha = sha256_hex(&raw);
    if let Some(done) = store.message_handled(key, &sha)? {
        tracing::info!(key, "already handled ({done}); filing it");
        return Ok(Handled {
            folder: Folder::from_disposition(&done),
            class: None,
        });
    }
    let Some(mail) = Inbound::parse(&raw) else {
        let tx = store.transaction()?;
        tx.record_message(&MessageRecord {
            source_key: key,
            raw_sha256: &sha,
            message_id: &format!("{sha}@skarbnik.invalid"),
            sender: None,
            subject: "",
            class: "unreadable",
            client_id: None,
            disposition: Folder::Failed.as_str(),
            detail: Some("not an e-mail message"),
        })?;
        tx.commit()?;
        return Ok(Handled {
            folder: Folder::Failed,
            class: None,
        });
    };
    let (class, client) = recognise(env, store, &mail)?;
    tracing::info!(
        key,
        from = mail.from.as_deref().unwrap_or("?"),
        subject = %mail.subject,
        class = class.as_str(),
        "message"
    );
    let mut m = Message {
        key,
        raw,
        sha,
        mail,
        class,
        client,
    };
    if let Some(kind) = forged_staff(env, &m.mail) {
        return refuse_forged(env, store, &m, kind);
    }
    let folder = match class {
        Class::Own => own_copy(store, &m)?,
        Class::Bounce => bounce::handle(env, store, &m)?,
        Class::AutoReply => keep(store, &m, "auto_reply", "mail.auto_reply")?,
        Class::Report => report::handle(env, import, store, &mut m, own_check)?,
        Class::Command => command::handle(env, store, &m, own_check)?,
        Class::ClientReply => client_reply::handle(env, store, &m)?,
        Class::Other => {
            let tx = store.transaction()?;
            tx.audit(
                "daemon",
                "mail.other",
                m.mail.from.as_deref(),
                Some(&m.mail.subject),
            )?;
            m.record(&tx, Folder::Other, None)?;
            tx.commit()?;
            Folder::Other
        }
    };
    Ok(Handled {
        folder,
        class: Some(class),
    })
}

/// What the message is, from its headers and what the store knows of its sender and thread.
fn recognise(env: &Env<'_>, store: &Store, m: &Inbound) -> Result<(Class, Option<i64>)> {
    let our = store.our_message(&m.message_id)?;
    let mut answered_client = None;
    let mut answers_ours = false;
    for id in m.answers() {
        if let Some((_, client)) = store.our_message(id)? {
            answers_ours = true;
            answered_client = answered_client.or(client);
        }
    }
    let known_client = match &m.from {
        Some(f) => store.client_by_email(f)?,
        None => None,
    };
    let staff = &env.config.staff;
    let all_staff: Vec<String> = staff
        .addresses
        .iter()
        .chain(staff.read_only.iter())
        .cloned()
        .collect();
    let facts = Facts {
        own: &[env.identity.own_address()],
        staff: &all_staff,
        report_senders: &staff.report_senders,
        answers_our_mail: answers_ours,
        is_our_message_id: our.is_some(),
        known_client: known_client.is_some(),
    };
    Ok((classify(m, &facts), answered_client.or(known_client)))
}

/// A mail that claims, in one of several From fields, to be from staff or a report sender: it
/// would be a command or a report if believed. Which kind of refusal it is.
fn forged_staff(env: &Env<'_>, m: &Inbound) -> Option<NoticeKind> {
    if m.from_fields <= 1 {
        return None;
    }
    let staff = &env.config.staff;
    let claims_staff = m.from_all.iter().any(|a| {
        listed(&staff.addresses, a)
            || listed(&staff.read_only, a)
            || listed(&staff.report_senders, a)
    });
    if !claims_staff {
        return None;
    }
    Some(if m.attachments.iter().any(may_be_report) {
        NoticeKind::ReportRefused
    } else {
        NoticeKind::CommandRefused
    })
}

/// Not acted on, never answered, kept for people; the admin is told.
fn refuse_forged(
    env: &Env<'_>,
    store: &mut Store,
    m: &Message<'_>,
    kind: NoticeKind,
) -> Result<Handled> {
    let why = m.mail.identity_problem().unwrap_or_else(|| {
        crate::said!(
            "wiadomość ma kilka pól nagłówka From",
            "the mail has several From header fields"
        )
    });
    let tx = store.transaction()?;
    if kind == NoticeKind::CommandRefused {
        tx.record_command(
            &m.mail.message_id,
            m.mail.from.as_deref().unwrap_or(""),
            "refused",
            &why.en,
        )?;
    }
    replies::notify_unvouched(env, &tx, m, kind, &why)?;
    m.record(&tx, Folder::Other, Some(&why.en))?;
    tx.commit()?;
    Ok(Handled {
        folder: Folder::Other,
        class: Some(m.class),
    })
}

/// Our own copy: it confirms a delivery; from our address but not one we sent, it is a forgery
/// or a loop, never answered, kept for people.
fn own_copy(store: &mut Store, m: &Message<'_>) -> Result<Folder> {
    let tx = store.transaction()?;
    if tx.confirm_sent(&m.mail.message_id)? {
        m.record(&tx, Folder::Sent, Some("our copy: delivery confirmed"))?;
        tx.commit()?;
        return Ok(Folder::Sent);
    }
    tx.audit(
        "daemon",
        "mail.own_address_unknown",
        m.mail.from.as_deref(),
        Some(&m.mail.subject),
    )?;
    m.record(
        &tx,
        Folder::Other,
        Some("from our own address, not a mail we sent"),
    )?;
    tx.commit()?;
    Ok(Folder::Other)
}

/// A client's reply or auto-reply: kept on its history, audited.
fn keep(store: &mut Store, m: &Message<'_>, kind: &str, action: &str) -> Result<Folder> {
    let tx = store.transaction()?;
    m.keep_on_history(&tx, kind)?;
    match (m.class, m.client) {
        (Class::ClientReply, Some(c)) => {
            tx.audit(
                "daemon",
                action,
                Some(&format!("client:{c}")),
                Some(&m.mail.subject),
            )?;
        }
        (Class::ClientReply, None) => {}
        _ => tx.audit(
            "daemon",
            action,
            m.mail.from.as_deref(),
            Some(&m.mail.subject),
        )?,
    }
    m.record(&tx, Folder::Processed, None)?;
    tx.commit()?;
    Ok(Folder::Processed)
}

/// The first lines of what someone wrote, for the client's history.
fn excerpt(text: &str) -> String {
    let mut out: String = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('>'))
        .take(10)
        .collect::<Vec<_>>()
        .join("\n");
    if out.len() > 1000 {
        let mut cut = 1000;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_skips_quotes() {
        assert_eq!(
            excerpt("Zapłacimy jutro.\n\n> Przypomnienie\n> o fakturze"),
            "Zapłacimy jutro."
        );
    }
}
