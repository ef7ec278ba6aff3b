use super::Tx;
use crate::domain::Lang;
use anyhow::Result;
use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};

/// A client found or created while importing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientRef {
    pub id: i64,
    pub created: bool,
}

impl Tx<'_> {
    /// Every account manager named on a client, as written.
    pub fn account_managers(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn().prepare(
            "SELECT DISTINCT account_manager FROM clients WHERE account_manager IS NOT NULL",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

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
                            params![id, nip, self.now_text()],
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
        let now = self.now_text();
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

/// A client with its dunning settings and addresses, for the CLI and commands.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClientInfo {
    pub id: i64,
    pub name: String,
    pub nip: Option<String>,
    pub language: Lang,
    pub account_manager: Option<String>,
    pub paused_until: Option<NaiveDate>,
    pub paused_indefinitely: bool,
    pub excluded: bool,
    pub step_offsets: Option<Vec<i64>>,
    pub payment_link: Option<String>,
    /// (address, purpose, bounced)
    pub emails: Vec<(String, String, bool)>,
}

/// What `client set` (and a contacts file) may change; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct ClientUpdate {
    pub language: Option<Lang>,
    pub account_manager: Option<Option<String>>,
    pub paused_until: Option<Option<chrono::NaiveDate>>,
    pub paused_indefinitely: Option<bool>,
    pub excluded: Option<bool>,
    pub step_offsets: Option<Option<Vec<i64>>>,
    pub payment_link: Option<Option<String>>,
}

impl ClientUpdate {
    /// No reminders until `until` (inclusive), or until resumed.
    pub fn pause(until: Option<chrono::NaiveDate>) -> Self {
        ClientUpdate {
            paused_until: Some(until),
            paused_indefinitely: Some(until.is_none()),
            ..ClientUpdate::default()
        }
    }
}

fn client_info(conn: &rusqlite::Connection, id: i64) -> Result<Option<ClientInfo>> {
    let Some(mut c) = conn
        .query_row(
            "SELECT id, name, nip, language, account_manager, paused_until, paused_indefinitely, excluded,
                    step_offsets, payment_link FROM clients WHERE id = ?1",
            [id],
            |r| {
                let offsets: Option<String> = r.get(8)?;
                Ok(ClientInfo {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    nip: r.get(2)?,
                    language: Lang::from_code(&r.get::<_, String>(3)?),
                    account_manager: r.get(4)?,
                    paused_until: r
                        .get::<_, Option<String>>(5)?
                        .and_then(|d| d.parse().ok()),
                    paused_indefinitely: r.get(6)?,
                    excluded: r.get(7)?,
                    step_offsets: offsets.and_then(|o| serde_json::from_str(&o).ok()),
                    payment_link: r.get(9)?,
                    emails: Vec::new(),
                })
            },
        )
        .optional()?
    else {
        return Ok(None);
    };
    let mut stmt = conn.prepare(
        "SELECT email, purpose, bounced_at IS NOT NULL FROM client_emails WHERE client_id = ?1 ORDER BY rowid",
    )?;
    c.emails = stmt
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    Ok(Some(c))
}

/// Clients a person means by `query`: a NIP, an e-mail address, or a name fragment (legal form,
/// case, quotes and diacritics ignored). An exact name wins over fragments.
fn find_clients(conn: &rusqlite::Connection, query: &str) -> Result<Vec<ClientInfo>> {
    let q = query.trim();
    let ids: Vec<i64> = if let Ok(nip) = crate::domain::Nip::parse(q) {
        conn.prepare("SELECT id FROM clients WHERE nip = ?1 ORDER BY id")?
            .query_map([nip.to_string()], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    } else if q.contains('@') {
        let bare = crate::domain::email::bare(q);
        conn.prepare(
            "SELECT DISTINCT client_id FROM client_emails WHERE lower(email) = lower(?1) ORDER BY client_id",
        )?
        .query_map([bare], |r| r.get(0))?
        .collect::<Result<_, _>>()?
    } else {
        let key = crate::domain::name_key(q);
        if key.is_empty() {
            return Ok(Vec::new());
        }
        let exact: Vec<i64> = conn
            .prepare("SELECT id FROM clients WHERE name_key = ?1 ORDER BY id")?
            .query_map([&key], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        if exact.is_empty() {
            conn.prepare(
                "SELECT id FROM clients WHERE instr(name_key, ?1) > 0 ORDER BY id LIMIT 50",
            )?
            .query_map([&key], |r| r.get(0))?
            .collect::<Result<_, _>>()?
        } else {
            exact
        }
    };
    let mut out = Vec::new();
    for id in ids {
        if let Some(c) = client_info(conn, id)? {
            out.push(c);
        }
    }
    Ok(out)
}

impl super::Store {
    pub fn find_clients(&self, query: &str) -> Result<Vec<ClientInfo>> {
        find_clients(&self.conn, query)
    }

    pub fn all_clients(&self) -> Result<Vec<ClientInfo>> {
        let ids: Vec<i64> = self
            .conn
            .prepare("SELECT id FROM clients ORDER BY name_key, id")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for id in ids {
            if let Some(c) = client_info(&self.conn, id)? {
                out.push(c);
            }
        }
        Ok(out)
    }

    pub fn client_info(&self, id: i64) -> Result<Option<ClientInfo>> {
        client_info(&self.conn, id)
    }
}

impl Tx<'_> {
    pub fn find_clients(&self, query: &str) -> Result<Vec<ClientInfo>> {
        find_clients(&self.tx, query)
    }

    /// Adds an address for a purpose (`reminders` or `billing`); a known address takes the new
    /// purpose and loses a bounce flag (a person said it works). Returns whether anything changed.
    pub fn set_client_email(
        &self,
        client_id: i64,
        email: &str,
        purpose: &str,
        source: &str,
    ) -> Result<bool> {
        let n = self.tx.execute(
            "INSERT INTO client_emails (client_id, email, purpose, source) VALUES (?1, lower(?2), ?3, ?4)
             ON CONFLICT (client_id, email) DO UPDATE SET purpose = excluded.purpose, bounced_at = NULL, bounce_reason = NULL
             WHERE client_emails.purpose IS NOT excluded.purpose OR client_emails.bounced_at IS NOT NULL",
            params![client_id, email, purpose, source],
        )?;
        Ok(n > 0)
    }

    pub fn remove_client_email(&self, client_id: i64, email: &str) -> Result<bool> {
        let n = self.tx.execute(
            "DELETE FROM client_emails WHERE client_id = ?1 AND lower(email) = lower(?2)",
            params![client_id, email],
        )?;
        Ok(n > 0)
    }

    /// Applies an update; audits each change under `actor`; returns the changes in words.
    pub fn update_client(&self, id: i64, u: &ClientUpdate, actor: &str) -> Result<Vec<String>> {
        let mut changes = Vec::new();
        let mut set = |column: &str, value: rusqlite::types::Value, label: String| -> Result<()> {
            let n = self.tx.execute(
                &format!("UPDATE clients SET {column} = ?2, updated_at = ?3 WHERE id = ?1 AND {column} IS NOT ?2"),
                params![id, value, self.now_text()],
            )?;
            if n > 0 {
                changes.push(label);
            }
            Ok(())
        };
        use rusqlite::types::Value as V;
        let text = |o: &Option<String>| o.clone().map(V::Text).unwrap_or(V::Null);
        if let Some(l) = &u.language {
            set(
                "language",
                V::Text(l.code().into()),
                format!("language {l}"),
            )?;
        }
        if let Some(m) = &u.account_manager {
            set(
                "account_manager",
                text(m),
                format!("account manager {}", m.as_deref().unwrap_or("-")),
            )?;
        }
        if let Some(p) = &u.paused_until {
            let s = p.map(|d| d.to_string());
            set(
                "paused_until",
                text(&s),
                format!("paused until {}", s.as_deref().unwrap_or("-")),
            )?;
        }
        if let Some(p) = u.paused_indefinitely {
            set(
                "paused_indefinitely",
                V::Integer(p as i64),
                format!("paused indefinitely {p}"),
            )?;
        }
        if let Some(e) = u.excluded {
            set("excluded", V::Integer(e as i64), format!("excluded {e}"))?;
        }
        if let Some(o) = &u.step_offsets {
            let s = o.as_ref().map(serde_json::to_string).transpose()?;
            set(
                "step_offsets",
                text(&s),
                format!("step offsets {}", s.as_deref().unwrap_or("policy")),
            )?;
        }
        if let Some(l) = &u.payment_link {
            set(
                "payment_link",
                text(l),
                format!("payment link {}", l.as_deref().unwrap_or("-")),
            )?;
        }
        for c in &changes {
            self.audit(
                actor,
                "client.updated",
                Some(&format!("client:{id}")),
                Some(c),
            )?;
        }
        Ok(changes)
    }
}
