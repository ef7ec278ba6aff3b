use super::{Tx, now_text};
use anyhow::Result;
use rusqlite::{OptionalExtension, params};

/// A client found or created while importing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientRef {
    pub id: i64,
    pub created: bool,
}

impl Tx<'_> {
    /// Finds the client a report row names, or creates it.
    ///
    /// A valid NIP identifies a company; without one, the normalised name does (legal forms, case,
    /// quotes and diacritics ignored). A name match whose stored valid NIP differs is a different
    /// company with the same name, so a new client is created. A client first seen without a NIP
    /// gets it when a later row brings a valid one.
    pub fn find_or_create_client(
        &self,
        name: Option<&str>,
        nip: Option<&str>,
        nip_valid: bool,
    ) -> Result<ClientRef> {
        let name_key = name.map(crate::domain::name_key).unwrap_or_default();
        if nip_valid && let Some(nip) = nip {
            let found: Option<i64> = self
                .tx
                .prepare_cached("SELECT id FROM clients WHERE nip = ?1 AND nip_valid = 1")?
                .query_row([nip], |r| r.get(0))
                .optional()?;
            if let Some(id) = found {
                return Ok(ClientRef { id, created: false });
            }
        }
        if !name_key.is_empty() {
            let found: Option<(i64, Option<String>, bool)> = self.tx.prepare_cached("SELECT id, nip, nip_valid FROM clients WHERE name_key = ?1 ORDER BY id LIMIT 1")?.query_row(
                    [&name_key],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            if let Some((id, stored_nip, stored_valid)) = found {
                let conflict = nip_valid && stored_valid && stored_nip.as_deref() != nip;
                if !conflict {
                    if nip_valid && !stored_valid {
                        self.tx.prepare_cached("UPDATE clients SET nip = ?2, nip_valid = 1, updated_at = ?3 WHERE id = ?1")?.execute(
                            params![id, nip, now_text()],
                        )?;
                    }
                    return Ok(ClientRef { id, created: false });
                }
            }
        }
        let display = name
            .map(str::to_string)
            .or_else(|| nip.map(|n| format!("NIP {n}")))
            .unwrap_or_default();
        let now = now_text();
        self.tx.prepare_cached("INSERT INTO clients (name, name_key, nip, nip_valid, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)")?.execute(
            params![display, name_key, nip, nip_valid, now],
        )?;
        Ok(ClientRef {
            id: self.tx.last_insert_rowid(),
            created: true,
        })
    }

    /// Remembers a reminder address for a client; returns whether it was new.
    pub fn add_client_email(&self, client_id: i64, email: &str, source: &str) -> Result<bool> {
        let n = self.tx.prepare_cached("INSERT OR IGNORE INTO client_emails (client_id, email, source) VALUES (?1, ?2, ?3)")?.execute(
            params![client_id, email, source],
        )?;
        Ok(n > 0)
    }

    /// Remembers an account a client pays from; returns whether it was new.
    pub fn add_client_account(&self, client_id: i64, account: &str, source: &str) -> Result<bool> {
        let n = self.tx.prepare_cached("INSERT OR IGNORE INTO client_accounts (client_id, account, source) VALUES (?1, ?2, ?3)")?.execute(
            params![client_id, account, source],
        )?;
        Ok(n > 0)
    }
}
