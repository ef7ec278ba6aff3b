//! A bounce (a delivery status notification): the failed addresses are flagged on the clients
//! that use them, and staff are told.

use super::Message;
use crate::mail::source::Folder;
use crate::outbox::{Draft, staff_recipients};
use crate::services::Env;
use crate::store::Store;
use crate::templates::context::BounceNotice;
use anyhow::Result;
use std::collections::BTreeMap;

pub(super) fn handle(env: &Env<'_>, store: &mut Store, m: &Message<'_>) -> Result<Folder> {
    let mail = &m.mail;
    let mut clients = BTreeMap::new();
    let tx = store.transaction()?;
    for a in &mail.failed_recipients {
        let ids = tx.flag_bounced(a, &mail.subject)?;
        for id in &ids {
            tx.audit(
                "daemon",
                "client.email_bounced",
                Some(&format!("client:{id}")),
                Some(a),
            )?;
        }
        clients.insert(a.clone(), ids.iter().map(|i| format!("#{i}")).collect());
    }
    tx.audit(
        "daemon",
        "mail.bounce",
        mail.from.as_deref(),
        Some(&mail.failed_recipients.join(", ")),
    )?;
    m.record(&tx, Folder::Processed, None)?;
    // Staff are told: the admin address, or else every staff address.
    let notify = staff_recipients(env.config)?;
    if !notify.is_empty() && !mail.failed_recipients.is_empty() {
        let ctx = BounceNotice {
            subject: mail.echoed_subject(),
            addresses: mail.failed_recipients.clone(),
            clients,
            company: env.config.company.name.clone(),
        };
        let r = env
            .templates
            .render(env.config.templates.language, "bounce_notice", &ctx)?;
        let draft = Draft::auto(
            format!("bounce:{}", mail.message_id),
            crate::outbox::Purpose::BounceNotice,
            notify,
            r,
        );
        crate::outbox::queue(&tx, env.identity, &draft)?;
    }
    tx.commit()?;
    Ok(Folder::Processed)
}
