//! Clients' contacts and dunning settings, changed by people: a contacts file (`clients import`)
//! and `client set`. Each change is audited.

use crate::ingest::contacts::Contacts;
use crate::store::{ClientUpdate, Store, Tx};
use anyhow::Result;
use serde::Serialize;

/// What a contacts file did.
#[derive(Debug, Clone, Serialize)]
pub struct ContactsImport {
    pub file: String,
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub warnings: Vec<crate::domain::Said>,
}

/// Stores a parsed contacts file in one transaction: each row's client found by NIP, else by
/// name, or created; its addresses, language and account manager set.
pub fn import_contacts(
    store: &mut Store,
    name: &str,
    contacts: &Contacts,
    actor: &str,
) -> Result<ContactsImport> {
    let tx = store.transaction()?;
    let source = format!("contacts:{name}");
    let (mut created, mut updated) = (0, 0);
    for row in &contacts.rows {
        let c = tx.find_or_create_client(row.name.as_deref(), row.nip.as_deref(), row.nip_valid)?;
        let mut changed = false;
        for e in &row.emails {
            changed |= tx.set_client_email(c.id, e, "reminders", &source)?;
        }
        for e in &row.billing {
            changed |= tx.set_client_email(c.id, e, "billing", &source)?;
        }
        let u = ClientUpdate {
            language: row.language,
            account_manager: row.manager.clone().map(Some),
            ..ClientUpdate::default()
        };
        changed |= !tx.update_client(c.id, &u, actor)?.is_empty();
        if c.created {
            created += 1;
        } else if changed {
            updated += 1;
        }
    }
    tx.audit(
        actor,
        "clients.imported",
        Some(name),
        Some(&format!(
            "{} rows, {created} new clients, {updated} updated",
            contacts.rows.len()
        )),
    )?;
    tx.commit()?;
    Ok(ContactsImport {
        file: name.to_string(),
        rows: contacts.rows.len(),
        created,
        updated,
        warnings: contacts.warnings.clone(),
    })
}

/// Addresses to add or remove for a client (bare, lower-cased).
#[derive(Debug, Clone, Default)]
pub struct AddressChanges {
    pub reminders: Vec<String>,
    pub billing: Vec<String>,
    pub remove: Vec<String>,
}

/// Applies a person's changes to one client in one transaction; returns them in words.
pub fn update(
    store: &mut Store,
    client_id: i64,
    settings: &ClientUpdate,
    addresses: &AddressChanges,
    actor: &str,
) -> Result<Vec<String>> {
    let tx = store.transaction()?;
    let mut changes = tx.update_client(client_id, settings, actor)?;
    changes.extend(set_addresses(&tx, client_id, addresses, actor)?);
    tx.commit()?;
    Ok(changes)
}

fn set_addresses(
    tx: &Tx<'_>,
    client_id: i64,
    a: &AddressChanges,
    actor: &str,
) -> Result<Vec<String>> {
    let mut changes = Vec::new();
    for e in &a.reminders {
        if tx.set_client_email(client_id, e, "reminders", actor)? {
            changes.push(format!("reminder address {e}"));
        }
    }
    for e in &a.billing {
        if tx.set_client_email(client_id, e, "billing", actor)? {
            changes.push(format!("billing address {e}"));
        }
    }
    for e in &a.remove {
        if tx.remove_client_email(client_id, e)? {
            changes.push(format!("removed {e}"));
        }
    }
    for ch in &changes {
        tx.audit(
            actor,
            "client.updated",
            Some(&format!("client:{client_id}")),
            Some(ch),
        )?;
    }
    Ok(changes)
}
