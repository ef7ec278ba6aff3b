//! Holds coming to an end in the round: a promise whose day passed without the money is broken
//! and the account manager is told; a claimed payment the statements never showed expires and
//! the manager is told; a hold whose invoice got paid is kept. And once a week, staff see the
//! overdue invoices too small to chase.

use super::round::Round;
use super::{Decision, DecisionKind, invoice_line};
use crate::domain::{HoldEnd, HoldKind};
use crate::mail::address::parse_mailbox;
use crate::outbox::{Draft, Purpose, client_desk};
use crate::store::{HoldRow, Tx};
use crate::templates::context::{ClientCtx, ClientInvoice, HoldNotice};
use anyhow::Result;
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

/// Ends the holds whose time is up; true when any ended (the snapshot must be read again).
pub(super) fn settle(
    tx: &Tx<'_>,
    paid: &dyn Fn(i64) -> bool,
    today: NaiveDate,
) -> Result<Vec<(HoldRow, HoldEnd)>> {
    let mut ended = Vec::new();
    for h in tx.open_holds()? {
        let how = match (h.kind, h.until) {
            (HoldKind::Dispute, _) => continue,
            _ if paid(h.invoice_id) => HoldEnd::Kept,
            (HoldKind::Promise, Some(until)) if until < today => HoldEnd::Broken,
            (HoldKind::PaidClaim, Some(until)) if until < today => HoldEnd::Expired,
            _ => continue,
        };
        tx.end_hold(h.id, how, "daemon", None)?;
        ended.push((h, how));
    }
    Ok(ended)
}

impl Round<'_, '_> {
    /// Tells each client's account manager (else staff) about its broken promises and claims
    /// that did not show, one mail per client and kind.
    pub(super) fn hold_notices(&mut self, ended: &[(HoldRow, HoldEnd)]) -> Result<()> {
        let mut by: BTreeMap<(i64, &str, Option<NaiveDate>), Vec<&HoldRow>> = BTreeMap::new();
        for (h, how) in ended {
            let kind = match how {
                HoldEnd::Broken => "promise_broken",
                HoldEnd::Expired => "paid_claim_expired",
                _ => continue,
            };
            by.entry((h.client_id, kind, h.until)).or_default().push(h);
        }
        for ((client_id, kind, until), holds) in by {
            let c = self.client(client_id).cloned();
            let invoices: Vec<ClientInvoice> = holds
                .iter()
                .filter_map(|h| self.invoices.get(&h.invoice_id))
                .map(|i| ClientInvoice {
                    client: self.client_name(client_id),
                    invoice: invoice_line(i, None, self.opts.today),
                })
                .collect();
            let who = c
                .as_ref()
                .map(|c| c.nip.clone().unwrap_or_else(|| c.name.clone()))
                .unwrap_or_default();
            let pl = self.d.config.templates.language == crate::domain::Lang::Pl;
            let commands = vec![
                if pl {
                    format!("obietnica {who} DATA")
                } else {
                    format!("promise {who} DATE")
                },
                if pl {
                    format!("status klienta {who}")
                } else {
                    format!("status {who}")
                },
            ];
            let ctx = HoldNotice {
                company: self.d.company(),
                kind: kind.into(),
                client: c.as_ref().map(|c| ClientCtx {
                    id: Some(c.id),
                    name: c.name.clone(),
                    nip: c.nip.clone(),
                }),
                invoices,
                since: holds.iter().map(|h| h.since).min().map(|d| d.to_string()),
                until: until.map(|d| d.to_string()),
                commands,
            };
            let lang = self.d.config.templates.language;
            let r = self.d.templates.render(lang, "hold_notice", &ctx)?;
            let manager: Vec<_> = c
                .as_ref()
                .and_then(|c| c.account_manager.as_deref())
                .and_then(|m| parse_mailbox(m).ok())
                .into_iter()
                .collect();
            let to = if manager.is_empty() {
                client_desk(self.d.config)?
            } else {
                manager
            };
            let ids: Vec<String> = holds.iter().map(|h| h.id.to_string()).collect();
            let key = format!("hold_notice:{kind}:{client_id}:{}", ids.join(","));
            let recipients: Vec<String> = to.iter().map(|m| m.email.to_string()).collect();
            if !to.is_empty() {
                self.queue(Draft {
                    client_id: Some(client_id),
                    ..Draft::auto(key.clone(), Purpose::HoldNotice, to, r)
                })?;
            }
            let numbers = holds.iter().map(|h| h.number.clone()).collect();
            let mut d = self.decision(
                DecisionKind::Notice,
                client_id,
                recipients,
                numbers,
                kind.into(),
                Some(key),
            );
            d.step = None;
            self.out.push(d);
        }
        Ok(())
    }

    /// Once a week, the overdue invoices with less than `min_amount` left, to staff.
    pub(super) fn small_amounts(&mut self, ids: &[i64]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let week = self.opts.today.iso_week();
        let reference = format!("{}-W{:02}", week.year(), week.week());
        if self.tx.notice_given("small_amounts", &reference)? {
            return Ok(());
        }
        let key = format!("hold_notice:small_amounts:{reference}");
        self.tx
            .add_notice("small_amounts", &reference, Some(&key))?;
        let invoices: Vec<ClientInvoice> = ids
            .iter()
            .filter_map(|id| self.invoices.get(id))
            .map(|i| ClientInvoice {
                client: self.client_name(i.client_id),
                invoice: invoice_line(i, None, self.opts.today),
            })
            .collect();
        let ctx = HoldNotice {
            company: self.d.company(),
            kind: "small_amounts".into(),
            client: None,
            invoices,
            since: None,
            until: None,
            commands: Vec::new(),
        };
        let lang = self.d.config.templates.language;
        let r = self.d.templates.render(lang, "hold_notice", &ctx)?;
        let to = client_desk(self.d.config)?;
        let recipients: Vec<String> = to.iter().map(|m| m.email.to_string()).collect();
        if !to.is_empty() {
            self.queue(Draft::auto(key.clone(), Purpose::HoldNotice, to, r))?;
        }
        self.out.push(Decision {
            kind: DecisionKind::Notice,
            client: String::new(),
            client_id: None,
            to: recipients,
            step: None,
            invoices: self.numbers(ids.iter().copied()),
            reason: "small_amounts".into(),
            key: Some(key),
        });
        Ok(())
    }
}
