//! Answers to inbound mail: the reply draft (threaded), loop safety and the per-sender rate limit,
//! and the notice to the admin about mail whose sender could not be vouched for.

use super::Message;
use crate::domain::email::bare;
use crate::mail::address::parse_mailbox;
use crate::mail::classify::reply_refusal;
use crate::mail::inbound::Inbound;
use crate::outbox::{Draft, Purpose, staff_recipients};
use crate::services::Env;
use crate::store::{Store, Tx};
use crate::templates::Rendered;
use crate::templates::context::{CompanyCtx, NoticeDetail, NoticeKind, StaffNotice};
use anyhow::Result;

/// An answer to `m` in its thread, to its Reply-To (else From).
pub(super) fn reply_draft(m: &Inbound, purpose: Purpose, r: Rendered) -> Draft {
    let mut references = m.references.clone();
    if m.has_message_id && !references.contains(&m.message_id) {
        references.push(m.message_id.clone());
    }
    let to = m.reply_to.clone().unwrap_or_default();
    Draft {
        key: format!("{purpose}:{}", m.message_id),
        purpose,
        to: parse_mailbox(&to).into_iter().collect(),
        subject: r.subject,
        text: r.text,
        html: r.html,
        in_reply_to: m.has_message_id.then(|| m.message_id.clone()),
        references,
        auto_submitted: "auto-replied",
        client_id: None,
        reply_address: Some(bare(&to)),
        ..Draft::default()
    }
}

/// Why no reply may go to `address` (loop safety, the per-sender rate limit), if so.
pub(super) fn blocked(
    env: &Env<'_>,
    store: &Store,
    m: &Inbound,
    address: &str,
) -> Result<Option<String>> {
    if let Some(why) = reply_refusal(m, &[env.identity.own_address()]) {
        return Ok(Some(why.to_string()));
    }
    if address.is_empty() {
        return Ok(Some("the sender's address cannot be read".to_string()));
    }
    let limit = env.config.mailbox.max_replies_per_hour;
    let since = env.clock.now() - chrono::Duration::hours(1);
    let n = store.replies_since(address, since)?;
    Ok((n >= limit).then(|| format!("{n} replies to {address} in the last hour (limit {limit})")))
}

/// Logs and audits a reply that may not go.
pub(super) fn suppressed(tx: &Tx<'_>, m: &Inbound, why: &str) -> Result<()> {
    tracing::warn!(message_id = %m.message_id, "no reply: {why}");
    tx.audit(
        "daemon",
        "mail.reply_suppressed",
        m.from.as_deref(),
        Some(why),
    )
}

/// Queues the reply unless loop safety or the rate limit forbids it (then it is audited).
pub(super) fn send_or_suppress(
    env: &Env<'_>,
    tx: &Tx<'_>,
    m: &Inbound,
    draft: &Draft,
    blocked: Option<String>,
) -> Result<()> {
    let why = if draft.to.is_empty() {
        Some("the sender's address cannot be read".to_string())
    } else {
        blocked
    };
    match why {
        Some(why) => suppressed(tx, m, &why),
        None => crate::outbox::queue(tx, env.identity, draft).map(|_| ()),
    }
}

/// A mail whose sender is not vouched for: logged and audited, and the admin (never the claimed
/// sender, who may be forged) is told.
pub(super) fn notify_unvouched(
    env: &Env<'_>,
    tx: &Tx<'_>,
    m: &Message<'_>,
    kind: NoticeKind,
    why: &crate::domain::Said,
) -> Result<()> {
    let mail = &m.mail;
    tracing::warn!(message_id = %mail.message_id, from = ?mail.from, "{}: {why}", kind.as_str());
    tx.audit(
        "daemon",
        &kind.as_str().replace('_', "."),
        mail.from.as_deref(),
        Some(&format!(
            "{why} (Message-ID <{}>, subject {:?})",
            mail.message_id, mail.subject
        )),
    )?;
    let notify = staff_recipients(env.config)?;
    if notify.is_empty() {
        return Ok(());
    }
    let ctx = StaffNotice {
        kind,
        company: CompanyCtx::of(env.config),
        today: env.today().to_string(),
        detail: NoticeDetail::Unvouched {
            sender: mail.from.clone(),
            subject: mail.echoed_subject(),
            message_id: mail.message_id.clone(),
            why: why.clone(),
        },
    };
    let r = env
        .templates
        .render(env.config.templates.language, "staff_notice", &ctx)?;
    let draft = Draft::auto(
        format!("{}:{}", kind.as_str(), mail.message_id),
        Purpose::Notice(kind),
        notify,
        r,
    );
    crate::outbox::queue(tx, env.identity, &draft)?;
    Ok(())
}
