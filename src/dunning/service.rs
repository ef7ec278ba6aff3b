//! The dunning round: reads the store, asks the pure planner, and writes its decisions — outbox
//! rows, `reminder_items`, `notices` — in one transaction. `skarbnik remind` and the daemon's tick
//! both call [`Dunning::run`]; with `dry_run` the transaction is rolled back, so the listing is
//! exactly what a real run would have queued.

use super::interest::{compensation_pln, half_year, statutory_interest};
use super::planner::{self, ClientState, Held, Inputs, OpenInvoice, Policy};
use crate::config::Config;
use crate::domain::amount_of;
use crate::mail::address::parse_mailbox;
use crate::mail::compose::{Draft, Identity, staff_notice};
use crate::store::{DunClient, DunInvoice, Snapshot, Store, Tx};
use crate::templates::Templates;
use anyhow::{Context, Result};
use chrono::NaiveDate;
use lettre::message::Mailbox;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// (file name, content type, bytes) of an attached file.
type Attachment = (String, String, Vec<u8>);

/// What one round decided, for `skarbnik remind` and the log.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    /// reminder, internal (excluded client), escalation, escalation_manager, confirmation,
    /// notice, held.
    pub kind: String,
    pub client: String,
    pub client_id: Option<i64>,
    pub to: Vec<String>,
    pub step: Option<String>,
    pub invoices: Vec<String>,
    pub reason: String,
    /// The outbox key (none for a held decision).
    pub key: Option<String>,
}

pub struct Options {
    pub today: NaiveDate,
    /// Queued mail waits until then (the send window's opening).
    pub not_before: Option<String>,
    pub dry_run: bool,
}

pub struct Dunning<'a> {
    pub config: &'a Config,
    pub templates: &'a Templates,
    pub identity: &'a Identity,
}

fn short_hash(s: &str) -> String {
    crate::import::sha256_hex(s.as_bytes())[..16].to_string()
}

fn mailboxes(addresses: &[String]) -> Vec<Mailbox> {
    addresses
        .iter()
        .filter_map(|a| parse_mailbox(a).ok())
        .collect()
}

/// The planner's view of the snapshot. Reply times are UTC instants; their local date counts.
pub fn inputs(snap: &Snapshot, tz: chrono_tz::Tz) -> Inputs {
    let reply_day = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|d| d.with_timezone(&tz).date_naive())
    };
    Inputs {
        invoices: snap
            .invoices
            .iter()
            .map(|i| OpenInvoice {
                id: i.id,
                client_id: i.client_id,
                due: i.due,
                outstanding: Decimal::from(i.outstanding_minor),
                last_payment: i.last_payment.filter(|_| i.paid_minor > 0),
                paused: i.paused,
            })
            .collect(),
        sent: snap.sent.clone(),
        escalated: snap.escalated.clone(),
        clients: snap
            .clients
            .values()
            .map(|c| {
                (
                    c.id,
                    ClientState {
                        paused_until: c.paused_until,
                        paused_indefinitely: c.paused_indefinitely,
                        excluded: c.excluded,
                        last_reply: c.last_reply.as_deref().and_then(reply_day),
                        payment_in_review: c.payment_in_review,
                        has_address: !c.reminder_emails.is_empty() || !c.billing_emails.is_empty(),
                        offsets: c.offsets.clone(),
                    },
                )
            })
            .collect(),
        newest_statement: snap.newest_statement,
    }
}

impl Dunning<'_> {
    fn lang<'c>(&self, client: Option<&'c DunClient>) -> &'c str {
        match client.map(|c| c.language.as_str()) {
            Some("en") => "en",
            _ => "pl",
        }
    }

    fn company(&self) -> Value {
        let accounts: Vec<String> = self
            .config
            .own_accounts()
            .iter()
            .map(|a| a.to_string())
            .collect();
        json!({
            "name": self.config.company.name,
            "nip": self.config.company.nip,
            "account": accounts.first(),
            "accounts": accounts,
            "contact": self.config.dunning.contact,
        })
    }

    fn invoice(&self, inv: &DunInvoice, step: Option<&str>, today: NaiveDate) -> Value {
        let c = &inv.currency;
        json!({
            "number": inv.number,
            "issue_date": inv.issue_date.map(|d| d.to_string()),
            "due_date": inv.due.map(|d| d.to_string()),
            "currency": c,
            "gross": amount_of(inv.gross_minor, c).to_string(),
            "paid": amount_of(inv.paid_minor, c).to_string(),
            "remaining": amount_of(inv.outstanding_minor, c).to_string(),
            "days_overdue": inv.due.map(|d| (today - d).num_days().max(0)).unwrap_or(0),
            "step": step,
        })
    }

    fn totals(invoices: &[&DunInvoice]) -> Vec<Value> {
        let mut by: BTreeMap<&str, i64> = BTreeMap::new();
        for i in invoices {
            *by.entry(i.currency.as_str()).or_default() += i.outstanding_minor;
        }
        by.into_iter()
            .map(|(c, m)| json!({"currency": c, "remaining": amount_of(m, c).to_string()}))
            .collect()
    }

    fn client_ctx(c: Option<&DunClient>) -> Value {
        json!({
            "id": c.map(|c| c.id),
            "name": c.map(|c| c.name.clone()).unwrap_or_default(),
            "nip": c.and_then(|c| c.nip.clone()),
        })
    }

    fn signature(&self, c: Option<&DunClient>) -> String {
        c.and_then(|c| c.account_manager.as_deref())
            .and_then(|m| parse_mailbox(m).ok())
            .and_then(|m| m.name)
            .or_else(|| self.identity.from.name.clone())
            .unwrap_or_default()
    }

    fn payment_link(&self, c: Option<&DunClient>, invoices: &[Value]) -> Option<String> {
        if let Some(own) = c.and_then(|c| c.payment_link.clone()) {
            return Some(own);
        }
        let tpl = self.config.dunning.payment_link.as_deref()?;
        let env = minijinja::Environment::new();
        match env.render_str(
            tpl,
            minijinja::Value::from(minijinja::value::Serde(
                json!({"client": Self::client_ctx(c), "invoices": invoices}),
            )),
        ) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::error!("dunning.payment_link: {e}");
                None
            }
        }
    }

    /// Runs one round on `opts.today`.
    pub fn run(&self, store: &mut Store, opts: &Options) -> Result<Vec<Decision>> {
        let tx = store.transaction()?;
        let snap = tx.dunning_snapshot()?;
        let policy = self.config.dunning.policy();
        let calendar = self.config.dunning.calendar();
        let input = inputs(&snap, self.config.timezone());
        let plan = planner::plan(&input, &calendar, &policy, opts.today);
        let invoices: BTreeMap<i64, &DunInvoice> =
            snap.invoices.iter().map(|i| (i.id, i)).collect();
        let mut round = Round {
            d: self,
            tx: &tx,
            snap: &snap,
            invoices,
            opts,
            out: Vec::new(),
        };
        for mail in &plan.mails {
            round.reminder(mail, &policy)?;
        }
        let mut no_address = Vec::new();
        for h in &plan.held {
            match h.reason {
                Held::Excluded => round.excluded(h)?,
                Held::NoAddress => {
                    for (inv, _) in &h.items {
                        if !tx.notice_given("no_address", &inv.to_string())? {
                            no_address.push(*inv);
                        }
                    }
                    round.held(h, &policy)?;
                }
                Held::StaleStatement => {
                    round.held(h, &policy)?;
                    round.stale()?;
                }
                _ => round.held(h, &policy)?,
            }
        }
        if !no_address.is_empty() {
            round.no_address(&no_address)?;
        }
        for e in &plan.escalations {
            round.escalate(e)?;
        }
        if calendar.is_business_day(opts.today) {
            round.confirmations()?;
        }
        let out = round.out;
        if !opts.dry_run {
            tx.commit()?;
        }
        Ok(out)
    }
}

/// One round's state: the open transaction and what it decided so far.
struct Round<'r, 'a> {
    d: &'r Dunning<'a>,
    tx: &'r Tx<'r>,
    snap: &'r Snapshot,
    invoices: BTreeMap<i64, &'r DunInvoice>,
    opts: &'r Options,
    out: Vec<Decision>,
}

impl Round<'_, '_> {
    fn client(&self, id: i64) -> Option<&DunClient> {
        self.snap.clients.get(&id)
    }

    fn client_name(&self, id: i64) -> String {
        self.client(id)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| format!("#{id}"))
    }

    fn numbers(&self, ids: impl IntoIterator<Item = i64>) -> Vec<String> {
        ids.into_iter()
            .filter_map(|i| self.invoices.get(&i).map(|v| v.number.clone()))
            .collect()
    }

    /// Records each (invoice, step) as decided today, under one outbox key (`reminder:…` for a
    /// mail to the client, `internal:…` for a notice about an excluded one); returns the key.
    fn record_items(&self, kind: &str, client_id: i64, items: &[(i64, String)]) -> Result<String> {
        let today = self.opts.today;
        let key = format!(
            "{kind}:{client_id}:{today}:{}",
            short_hash(&format!("{items:?}"))
        );
        for (inv, step) in items {
            let remaining = self.invoices.get(inv).map(|i| i.outstanding_minor);
            self.tx.add_reminder_item(
                *inv,
                step,
                client_id,
                kind,
                &key,
                remaining.unwrap_or(0),
                today,
            )?;
        }
        Ok(key)
    }

    /// Composes and queues; returns whether it was new.
    fn queue(&self, draft: &Draft) -> Result<bool> {
        let mut draft = draft.clone();
        draft.not_before = self.opts.not_before.clone();
        let composed = self.d.identity.compose(&draft)?;
        self.tx.enqueue(&draft, &composed)
    }

    fn reminder(&mut self, mail: &planner::Planned, policy: &Policy) -> Result<()> {
        let today = self.opts.today;
        let client = self.client(mail.client_id).cloned();
        let c = client.as_ref();
        let lang = self.d.lang(c);
        let policy = policy.for_client(c.and_then(|c| c.offsets.as_deref()));
        let tone = policy.step(&mail.tone).cloned();
        let items: Vec<(&DunInvoice, &str)> = mail
            .items
            .iter()
            .filter_map(|(i, s)| self.invoices.get(i).map(|v| (*v, s.as_str())))
            .collect();
        let invoices: Vec<Value> = items
            .iter()
            .map(|(i, s)| self.d.invoice(i, Some(s), today))
            .collect();
        let refs: Vec<&DunInvoice> = items.iter().map(|(i, _)| *i).collect();
        let (interest, demand) = if tone.as_ref().is_some_and(|t| t.interest) {
            self.interest(&refs, c, lang)?
        } else {
            (Value::Null, None)
        };
        let ctx = json!({
            "lang": lang,
            "company": self.d.company(),
            "client": Dunning::client_ctx(c),
            "step": mail.tone,
            "invoices": invoices,
            "totals": Dunning::totals(&refs),
            "payment_link": self.d.payment_link(c, &invoices),
            "signature": self.d.signature(c),
            "contact": self.d.config.dunning.contact,
            "interest": interest,
            "demand_attached": demand.is_some(),
        });
        let template = policy.template(&mail.tone);
        let r = self
            .d
            .templates
            .render(lang, &template, &ctx)
            .with_context(|| format!("reminder for {}", self.client_name(mail.client_id)))?;
        let to = c.map(recipients).unwrap_or_default();
        let key = self.record_items("reminder", mail.client_id, &mail.items)?;
        let draft = Draft {
            client_id: Some(mail.client_id),
            attachments: demand.into_iter().collect(),
            ..Draft::auto(
                key.clone(),
                &format!("reminder_{}", mail.tone),
                mailboxes(&to),
                r,
            )
        };
        self.queue(&draft)?;
        self.out.push(Decision {
            kind: "reminder".into(),
            client: self.client_name(mail.client_id),
            client_id: Some(mail.client_id),
            to,
            step: Some(mail.tone.clone()),
            invoices: self.numbers(mail.items.iter().map(|(i, _)| *i)),
            reason: items
                .iter()
                .map(|(i, s)| {
                    let due = i.due.map(|d| d.to_string()).unwrap_or_default();
                    let days = i.due.map(|d| (today - d).num_days()).unwrap_or(0);
                    match days {
                        d if d > 0 => format!("{}: {s}, due {due}, {d} days overdue", i.number),
                        0 => format!("{}: {s}, due today", i.number),
                        d => format!("{}: {s}, due {due} in {} days", i.number, -d),
                    }
                })
                .collect::<Vec<_>>()
                .join("; "),
            key: Some(key),
        });
        Ok(())
    }

    /// Interest and compensation for the invoices of a final step, and the demand PDF. A missing
    /// rate leaves both out (staff are told once per half-year).
    fn interest(
        &mut self,
        invoices: &[&DunInvoice],
        client: Option<&DunClient>,
        lang: &str,
    ) -> Result<(Value, Option<Attachment>)> {
        let today = self.opts.today;
        let demand = super::demand::Demand::build(self.d.config, client, invoices, today);
        match demand {
            Ok(demand) => {
                let pdf = super::demand::pdf(self.d.templates, lang, &demand)?;
                let name = format!(
                    "{}-{}.pdf",
                    if lang == "en" { "demand" } else { "wezwanie" },
                    today
                );
                Ok((
                    serde_json::to_value(&demand)?,
                    Some((name, "application/pdf".into(), pdf)),
                ))
            }
            Err(e) => {
                tracing::warn!("no interest in the reminder: {e:#}");
                let period = half_year(today);
                if !self.tx.notice_given("missing_rate", &period)? {
                    self.staff_notice(
                        "missing_rate",
                        &period,
                        json!({"error": format!("{e:#}"), "period": period}),
                    )?;
                }
                Ok((Value::Null, None))
            }
        }
    }

    fn held(&mut self, h: &planner::HeldBack, policy: &Policy) -> Result<()> {
        let c = self.client(h.client_id);
        let policy = policy.for_client(c.and_then(|c| c.offsets.as_deref()));
        // The step the mail would have had: the strongest among the items.
        let step = h
            .items
            .iter()
            .filter_map(|(_, s)| policy.step(s))
            .max_by_key(|s| s.offset_days)
            .map(|s| s.name.clone());
        let why = match h.reason {
            Held::Paused => match c.and_then(|c| c.paused_until) {
                Some(d) => format!("paused until {d}"),
                None => "paused".into(),
            },
            Held::Replied => "the client replied; reminders wait".into(),
            Held::PaymentInReview => "a payment waits in review".into(),
            Held::StaleStatement => "the newest bank statement is too old".into(),
            Held::NoAddress => "no reminder address".into(),
            Held::Excluded => "excluded".into(),
        };
        self.out.push(Decision {
            kind: "held".into(),
            client: self.client_name(h.client_id),
            client_id: Some(h.client_id),
            to: Vec::new(),
            step,
            invoices: self.numbers(h.items.iter().map(|(i, _)| *i)),
            reason: format!("{}: {why}", h.reason.as_str()),
            key: None,
        });
        Ok(())
    }

    /// A mail to staff (`staff.admin_notice`, else the admin addresses), once per (kind, ref).
    fn staff_notice(&mut self, kind: &str, reference: &str, extra: Value) -> Result<()> {
        let to = staff_notice(self.d.config)?;
        let key = format!("notice:{kind}:{reference}");
        self.tx.add_notice(kind, reference, Some(&key))?;
        let mut ctx = json!({
            "kind": kind,
            "company": self.d.company(),
            "today": self.opts.today.to_string(),
        });
        if let (Some(o), Value::Object(e)) = (ctx.as_object_mut(), extra) {
            o.extend(e);
        }
        let lang = self.d.config.templates.language.clone();
        let r = self.d.templates.render(&lang, "staff_notice", &ctx)?;
        let recipients: Vec<String> = to.iter().map(|m| m.email.to_string()).collect();
        let queued = !to.is_empty();
        if !queued {
            tracing::warn!("{kind} notice: no staff address is configured; only logged");
        } else {
            self.queue(&Draft::auto(key.clone(), &format!("notice_{kind}"), to, r))?;
        }
        self.out.push(Decision {
            kind: "notice".into(),
            client: String::new(),
            client_id: None,
            to: recipients,
            step: None,
            invoices: Vec::new(),
            reason: kind.into(),
            key: queued.then_some(key),
        });
        Ok(())
    }

    fn excluded(&mut self, h: &planner::HeldBack) -> Result<()> {
        let today = self.opts.today;
        let key = self.record_items("internal", h.client_id, &h.items)?;
        let invoices: Vec<Value> = h
            .items
            .iter()
            .filter_map(|(i, s)| {
                self.invoices
                    .get(i)
                    .map(|v| self.d.invoice(v, Some(s), today))
            })
            .collect();
        let client = Dunning::client_ctx(self.client(h.client_id));
        self.staff_notice(
            "excluded",
            &key["internal:".len()..],
            json!({"client": client, "invoices": invoices}),
        )?;
        let name = self.client_name(h.client_id);
        let numbers = self.numbers(h.items.iter().map(|(i, _)| *i));
        if let Some(last) = self.out.last_mut() {
            last.kind = "internal".into();
            last.client = name;
            last.client_id = Some(h.client_id);
            last.invoices = numbers;
            last.reason = "excluded client: staff told instead".into();
        }
        Ok(())
    }

    fn no_address(&mut self, ids: &[i64]) -> Result<()> {
        let today = self.opts.today;
        let mut lines = Vec::new();
        for id in ids {
            self.tx.add_notice("no_address", &id.to_string(), None)?;
            if let Some(inv) = self.invoices.get(id) {
                let mut v = self.d.invoice(inv, None, today);
                if let Some(o) = v.as_object_mut() {
                    o.insert("client".into(), self.client_name(inv.client_id).into());
                }
                lines.push(v);
            }
        }
        self.staff_notice(
            "no_address",
            &format!("{today}:{}", short_hash(&format!("{ids:?}"))),
            json!({"invoices": lines}),
        )?;
        let numbers = self.numbers(ids.iter().copied());
        if let Some(last) = self.out.last_mut() {
            last.invoices = numbers;
        }
        Ok(())
    }

    fn stale(&mut self) -> Result<()> {
        let newest = self
            .snap
            .newest_statement
            .map(|d| d.to_string())
            .unwrap_or_else(|| "none".into());
        if self.tx.notice_given("stale", &newest)? {
            return Ok(());
        }
        self.staff_notice(
            "stale",
            &newest,
            json!({"newest": self.snap.newest_statement.map(|d| d.to_string()),
                   "days": self.d.config.dunning.stale_business_days}),
        )
    }

    fn escalate(&mut self, e: &planner::Escalation) -> Result<()> {
        let today = self.opts.today;
        let client = self.client(e.client_id).cloned();
        let c = client.as_ref();
        let lang = self.d.lang(c);
        for id in &e.invoices {
            self.tx
                .add_notice("escalation", &id.to_string(), Some("escalation"))?;
        }
        // The statement lists every overdue invoice of the client, not only the escalated ones.
        let overdue: Vec<&DunInvoice> = self
            .snap
            .invoices
            .iter()
            .filter(|i| {
                i.client_id == e.client_id
                    && i.outstanding_minor > 0
                    && i.due.is_some_and(|d| d < today)
            })
            .collect();
        let invoices: Vec<Value> = overdue
            .iter()
            .map(|i| self.d.invoice(i, None, today))
            .collect();
        let ctx = json!({
            "lang": lang,
            "company": self.d.company(),
            "client": Dunning::client_ctx(c),
            "invoices": invoices,
            "totals": Dunning::totals(&overdue),
            "payment_link": self.d.payment_link(c, &invoices),
            "signature": self.d.signature(c),
            "contact": self.d.config.dunning.contact,
            "today": today.to_string(),
        });
        let statement = self
            .d
            .templates
            .render(lang, "escalation_statement", &ctx)?;
        let billing = c
            .map(|c| {
                if c.billing_emails.is_empty() {
                    c.reminder_emails.clone()
                } else {
                    c.billing_emails.clone()
                }
            })
            .unwrap_or_default();
        let numbers = self.numbers(e.invoices.iter().copied());
        if !billing.is_empty() {
            let key = format!("escalation:{}:{today}", e.client_id);
            self.queue(&Draft {
                client_id: Some(e.client_id),
                ..Draft::auto(
                    key.clone(),
                    "escalation",
                    mailboxes(&billing),
                    statement.clone(),
                )
            })?;
            self.out.push(Decision {
                kind: "escalation".into(),
                client: self.client_name(e.client_id),
                client_id: Some(e.client_id),
                to: billing,
                step: None,
                invoices: numbers.clone(),
                reason: "no payment and no reply after the escalating step: statement to the billing contact".into(),
                key: Some(key),
            });
        }
        // The account manager (else staff) gets the history and a ready-to-send draft.
        let manager: Vec<Mailbox> = match c
            .and_then(|c| c.account_manager.as_deref())
            .and_then(|m| parse_mailbox(m).ok())
        {
            Some(m) => vec![m],
            None => staff_notice(self.d.config)?,
        };
        let history = self.tx.client_history(e.client_id)?;
        let staff_lang = self.d.config.templates.language.clone();
        let mut mctx = ctx.clone();
        if let Some(o) = mctx.as_object_mut() {
            o.insert("escalated".into(), json!(numbers));
            o.insert("history".into(), serde_json::to_value(&history)?);
            o.insert(
                "draft".into(),
                json!({"subject": statement.subject, "text": statement.text}),
            );
        }
        let r = self
            .d
            .templates
            .render(&staff_lang, "escalation_manager", &mctx)?;
        if manager.is_empty() {
            tracing::warn!(
                "escalation of {}: no account manager and no staff address",
                self.client_name(e.client_id)
            );
            return Ok(());
        }
        let key = format!("escalation_manager:{}:{today}", e.client_id);
        let to: Vec<String> = manager.iter().map(|m| m.email.to_string()).collect();
        self.queue(&Draft {
            client_id: Some(e.client_id),
            ..Draft::auto(key.clone(), "escalation_manager", manager, r)
        })?;
        self.out.push(Decision {
            kind: "escalation_manager".into(),
            client: self.client_name(e.client_id),
            client_id: Some(e.client_id),
            to,
            step: None,
            invoices: numbers,
            reason: "internal: history and a draft for the account manager".into(),
            key: Some(key),
        });
        Ok(())
    }

    /// Thanks for each recent payment that settled an invoice, once per payment.
    fn confirmations(&mut self) -> Result<()> {
        let today = self.opts.today;
        let since = today - chrono::Duration::days(self.d.config.dunning.confirm_max_age_days);
        for p in self.tx.paying_payments(since)? {
            let client = self.client(p.client_id).cloned();
            let Some(c) = client.as_ref() else { continue };
            let to = recipients(c);
            if c.excluded || to.is_empty() {
                continue;
            }
            let lang = self.d.lang(Some(c));
            let cur = p.currency.as_str();
            let invoices: Vec<Value> = p
                .invoices
                .iter()
                .map(|(number, alloc, gross, paid)| {
                    json!({
                        "number": number,
                        "amount": amount_of(*alloc, cur).to_string(),
                        "gross": amount_of(*gross, cur).to_string(),
                        "paid_in_full": paid >= gross,
                        "overpaid": amount_of((paid - gross).max(0), cur).to_string(),
                        "remaining": amount_of((gross - paid).max(0), cur).to_string(),
                    })
                })
                .collect();
            let overpaid: i64 = p
                .invoices
                .iter()
                .map(|(_, _, gross, paid)| (paid - gross).max(0))
                .sum();
            let ctx = json!({
                "lang": lang,
                "company": self.d.company(),
                "client": Dunning::client_ctx(Some(c)),
                "payment": {
                    "date": p.booking_date.to_string(),
                    "amount": amount_of(p.amount_minor, cur).to_string(),
                    "currency": cur,
                },
                "invoices": invoices,
                "overpaid": (overpaid > 0).then(|| amount_of(overpaid, cur).to_string()),
                "signature": self.d.signature(Some(c)),
            });
            let r = self
                .d
                .templates
                .render(lang, "payment_confirmation", &ctx)?;
            let key = format!("confirmation:{}", p.payment_id);
            self.tx
                .add_notice("confirmation", &p.payment_id.to_string(), Some(&key))?;
            self.queue(&Draft {
                client_id: Some(p.client_id),
                ..Draft::auto(key.clone(), "confirmation", mailboxes(&to), r)
            })?;
            self.out.push(Decision {
                kind: "confirmation".into(),
                client: c.name.clone(),
                client_id: Some(p.client_id),
                to,
                step: None,
                invoices: p.invoices.iter().map(|i| i.0.clone()).collect(),
                reason: format!(
                    "payment of {} {cur} booked {} settled it",
                    amount_of(p.amount_minor, cur),
                    p.booking_date
                ),
                key: Some(key),
            });
        }
        Ok(())
    }
}

/// Reminder addresses, else the billing contact.
fn recipients(c: &DunClient) -> Vec<String> {
    if c.reminder_emails.is_empty() {
        c.billing_emails.clone()
    } else {
        c.reminder_emails.clone()
    }
}

/// Interest and compensation, for callers that show them (the demand, `status`).
pub fn interest_of(
    config: &Config,
    inv: &DunInvoice,
    today: NaiveDate,
) -> Result<(super::interest::Interest, Option<Decimal>)> {
    let due = inv
        .due
        .with_context(|| format!("invoice {} has no due date", inv.number))?;
    let principal = amount_of(inv.outstanding_minor, &inv.currency);
    let i = statutory_interest(principal, due, today, &config.dunning.interest_rates)?;
    let comp = compensation_pln(
        amount_of(inv.gross_minor, &inv.currency),
        &inv.currency,
        config.dunning.eur_pln,
    );
    Ok((i, comp))
}
