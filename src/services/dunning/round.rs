//! One round's decisions turned into mail: reminders, held items, staff notices, escalations and
//! confirmations, each queued in the round's transaction.

use super::{Decision, DecisionKind, Dunning, Options, totals};
use crate::domain::{Lang, Money, sha256_hex};
use crate::dunning::interest::half_year;
use crate::dunning::planner::{self, Held, Policy};
use crate::mail::address::parse_mailbox;
use crate::outbox::{Draft, Purpose, staff_recipients};
use crate::store::{DunClient, DunInvoice, Snapshot, Tx};
use crate::templates::context::{
    ClientCtx, ClientInvoice, CompanyCtx, Confirmation, ConfirmedInvoice, CreditLine, Demand,
    DraftText, EscalationManager, EscalationStatement, InvoiceLine, NoticeDetail, NoticeKind,
    PaymentCtx, Reminder, StaffNotice, Total,
};
use anyhow::{Context, Result};
use chrono::NaiveDate;
use lettre::message::Mailbox;
use std::collections::{BTreeMap, HashMap};

/// (file name, content type, bytes) of an attached file.
type Attachment = (String, String, Vec<u8>);

fn short_hash(s: &str) -> String {
    sha256_hex(s.as_bytes())[..16].to_string()
}

fn mailboxes(addresses: &[String]) -> Vec<Mailbox> {
    addresses
        .iter()
        .filter_map(|a| parse_mailbox(a).ok())
        .collect()
}

/// Reminder addresses, else the billing contact.
fn recipients(c: &DunClient) -> Vec<String> {
    if c.reminder_emails.is_empty() {
        c.billing_emails.clone()
    } else {
        c.reminder_emails.clone()
    }
}

pub(crate) fn client_ctx(c: Option<&DunClient>) -> ClientCtx {
    ClientCtx {
        id: c.map(|c| c.id),
        name: c.map(|c| c.name.clone()).unwrap_or_default(),
        nip: c.and_then(|c| c.nip.clone()),
    }
}

pub(crate) fn invoice_line(inv: &DunInvoice, step: Option<&str>, today: NaiveDate) -> InvoiceLine {
    let money = |m| Money::from_minor(m, inv.currency).amount();
    InvoiceLine {
        number: inv.number.clone(),
        issue_date: inv.issue_date.map(|d| d.to_string()),
        due_date: inv.due.map(|d| d.to_string()),
        currency: inv.currency,
        gross: money(inv.gross_minor),
        paid: money(inv.paid_minor),
        remaining: money(inv.outstanding_minor),
        days_overdue: inv.due.map(|d| (today - d).num_days().max(0)).unwrap_or(0),
        step: step.map(str::to_string),
        reminded_on: None,
        ksef: inv.ksef_number.clone(),
    }
}

impl Dunning<'_> {
    fn lang(&self, client: Option<&DunClient>) -> Lang {
        client.map(|c| c.language).unwrap_or_default()
    }

    pub(super) fn company(&self) -> CompanyCtx {
        CompanyCtx::of(self.config)
    }

    fn signature(&self, c: Option<&DunClient>) -> String {
        c.and_then(|c| c.account_manager.as_deref())
            .and_then(|m| parse_mailbox(m).ok())
            .and_then(|m| m.name)
            .or_else(|| self.identity.from.name.clone())
            .unwrap_or_default()
    }

    pub(crate) fn payment_link(
        &self,
        c: Option<&DunClient>,
        invoices: &[InvoiceLine],
    ) -> Option<String> {
        if let Some(own) = c.and_then(|c| c.payment_link.clone()) {
            return Some(own);
        }
        let tpl = self.config.dunning.payment_link.as_deref()?;
        use minijinja::value::{Serde, Value};
        let env = minijinja::Environment::new();
        let ctx = minijinja::context! {
            client => Value::from(Serde(client_ctx(c))),
            invoices => Value::from(Serde(invoices)),
        };
        match env.render_str(tpl, ctx) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::error!("dunning.payment_link: {e}");
                None
            }
        }
    }
}

/// One round's state: the open transaction and what it decided so far.
pub(super) struct Round<'r, 'a> {
    pub d: &'r Dunning<'a>,
    pub tx: &'r Tx<'r>,
    pub snap: &'r Snapshot,
    pub invoices: BTreeMap<i64, &'r DunInvoice>,
    pub opts: &'r Options,
    pub policy: &'r Policy,
    pub out: Vec<Decision>,
    /// Payer scores on the round's day.
    pub scores: &'r crate::reports::score::Scores,
    /// Per client, its documents with an open credit.
    pub credits: HashMap<i64, Vec<&'r DunInvoice>>,
}

impl Round<'_, '_> {
    /// The client's open credits in the currencies of `invoices`, and what the invoices leave
    /// to pay per currency less them (never below zero: the planner holds a mail they cover).
    fn set_off(&self, client_id: i64, invoices: &[&DunInvoice]) -> (Vec<CreditLine>, Vec<Total>) {
        let mut totals = totals(invoices);
        let mut lines = Vec::new();
        for doc in self.credits.get(&client_id).into_iter().flatten() {
            let Some(total) = totals.iter_mut().find(|t| t.currency == doc.currency) else {
                continue;
            };
            let amount = Money::from_minor(doc.credit_minor, doc.currency).amount();
            total.remaining = (total.remaining - amount).max(rust_decimal::Decimal::ZERO);
            lines.push(CreditLine {
                number: doc.number.clone(),
                issue_date: doc.issue_date.map(|d| d.to_string()),
                currency: doc.currency,
                amount,
            });
        }
        (lines, totals)
    }

    pub(super) fn client(&self, id: i64) -> Option<&DunClient> {
        self.snap.clients.get(&id)
    }

    pub(super) fn client_name(&self, id: i64) -> String {
        self.client(id)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| format!("#{id}"))
    }

    pub(super) fn numbers(&self, ids: impl IntoIterator<Item = i64>) -> Vec<String> {
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
    pub(super) fn queue(&self, draft: Draft) -> Result<bool> {
        let draft = Draft {
            not_before: self.opts.not_before,
            ..draft
        };
        crate::outbox::queue(self.tx, self.d.identity, &draft)
    }

    pub(super) fn decision(
        &self,
        kind: DecisionKind,
        client_id: i64,
        to: Vec<String>,
        invoices: Vec<String>,
        reason: String,
        key: Option<String>,
    ) -> Decision {
        Decision {
            kind,
            client: self.client_name(client_id),
            client_id: Some(client_id),
            to,
            step: None,
            invoices,
            reason,
            key,
        }
    }

    pub fn reminder(&mut self, mail: &planner::Planned) -> Result<()> {
        let today = self.opts.today;
        let client = self.client(mail.client_id).cloned();
        let c = client.as_ref();
        let lang = self.d.lang(c);
        let policy = self.policy.for_client(c.and_then(|c| c.offsets.as_deref()));
        let tone = policy.step(&mail.tone).cloned();
        let items: Vec<(&DunInvoice, &str)> = mail
            .items
            .iter()
            .filter_map(|(i, s)| self.invoices.get(i).map(|v| (*v, s.as_str())))
            .collect();
        // The latest earlier reminder per invoice: only those are "reminded before".
        let lines: Vec<InvoiceLine> = items
            .iter()
            .map(|(i, s)| InvoiceLine {
                reminded_on: self
                    .snap
                    .sent
                    .iter()
                    .filter(|((inv, _), on)| *inv == i.id && **on < today)
                    .map(|(_, on)| *on)
                    .max()
                    .map(|d| d.to_string()),
                ..invoice_line(i, Some(s), today)
            })
            .collect();
        let all_reminded = lines.iter().all(|l| l.reminded_on.is_some());
        let pay_by = tone.as_ref().filter(|t| t.offset_days > 0).map(|_| {
            self.d
                .config
                .dunning
                .calendar()
                .on_or_after(today + chrono::Duration::days(self.d.config.dunning.pay_within_days))
                .to_string()
        });
        let refs: Vec<&DunInvoice> = items.iter().map(|(i, _)| *i).collect();
        let (credits, totals) = self.set_off(mail.client_id, &refs);
        // A formal demand states principal and interest per invoice; a credit to set off may
        // lower either, and which invoice it lowers is the accountant's call. Until then the
        // reminder deducts it and demands nothing (the weekly report asks for the set-off).
        let (interest, demand) = if tone.as_ref().is_some_and(|t| t.interest) && credits.is_empty()
        {
            self.interest(&refs, c, lang)?
        } else {
            (None, None)
        };
        let ctx = Reminder {
            payer_class: c.map(|c| self.scores.of(c.id).describe(lang)),
            lang,
            company: self.d.company(),
            client: client_ctx(c),
            step: mail.tone.clone(),
            payment_link: self.d.payment_link(c, &lines),
            credits,
            totals,
            invoices: lines,
            signature: self.d.signature(c),
            contact: self.d.config.dunning.contact.clone(),
            interest,
            demand_attached: demand.is_some(),
            all_reminded,
            pay_by,
        };
        let template = policy.template(&mail.tone);
        let r = self
            .d
            .templates
            .render(lang, &template, &ctx)
            .with_context(|| format!("reminder for {}", self.client_name(mail.client_id)))?;
        let to = c.map(recipients).unwrap_or_default();
        let key = self.record_items("reminder", mail.client_id, &mail.items)?;
        self.queue(Draft {
            client_id: Some(mail.client_id),
            attachments: demand.into_iter().collect(),
            ..Draft::auto(
                key.clone(),
                Purpose::Reminder(mail.tone.clone()),
                mailboxes(&to),
                r,
            )
        })?;
        let reason = items
            .iter()
            .map(|(i, s)| {
                let due = i.due.map(|d| d.to_string()).unwrap_or_default();
                match i.due.map(|d| (today - d).num_days()).unwrap_or(0) {
                    d if d > 0 => format!("{}: {s}, due {due}, {d} days overdue", i.number),
                    0 => format!("{}: {s}, due today", i.number),
                    d => format!("{}: {s}, due {due} in {} days", i.number, -d),
                }
            })
            .collect::<Vec<_>>()
            .join("; ");
        let numbers = self.numbers(mail.items.iter().map(|(i, _)| *i));
        let mut d = self.decision(
            DecisionKind::Reminder,
            mail.client_id,
            to,
            numbers,
            reason,
            Some(key),
        );
        d.step = Some(mail.tone.clone());
        self.out.push(d);
        Ok(())
    }

    /// Interest and compensation for the invoices of a final step, and the demand PDF. A missing
    /// rate leaves both out (staff are told once per half-year).
    fn interest(
        &mut self,
        invoices: &[&DunInvoice],
        client: Option<&DunClient>,
        lang: Lang,
    ) -> Result<(Option<Demand>, Option<Attachment>)> {
        let today = self.opts.today;
        match crate::dunning::demand::build(self.d.config, client, invoices, today) {
            Ok(demand) => {
                let pdf = crate::dunning::demand::pdf(self.d.templates, lang, &demand)?;
                let name = format!("{}-{today}.pdf", lang.pick("wezwanie", "demand"));
                Ok((Some(demand), Some((name, "application/pdf".into(), pdf))))
            }
            Err(e) => {
                tracing::warn!("no interest in the reminder: {e:#}");
                let period = half_year(today);
                if !self.tx.notice_given("missing_rate", &period)? {
                    self.staff_notice(
                        NoticeKind::MissingRate,
                        &period,
                        NoticeDetail::MissingRate {
                            error: format!("{e:#}"),
                            period: period.clone(),
                        },
                    )?;
                }
                Ok((None, None))
            }
        }
    }

    pub fn held(&mut self, h: &planner::HeldBack) {
        let c = self.client(h.client_id);
        let policy = self.policy.for_client(c.and_then(|c| c.offsets.as_deref()));
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
            Held::Credit => {
                "the client's credits (credit notes, overpayments) cover what is due: set them off in the ERP, or pause a credit that is used (invoice pause NUMBER)"
                    .into()
            }
            Held::Excluded => "excluded".into(),
            Held::Disputed => "the client disputes it; waits for a person".into(),
            Held::Promised => "the client promised to pay".into(),
            Held::ClaimedPaid => "the client says it paid; waiting for the statement".into(),
        };
        let numbers = self.numbers(h.items.iter().map(|(i, _)| *i));
        let mut d = self.decision(
            DecisionKind::Held,
            h.client_id,
            Vec::new(),
            numbers,
            format!("{}: {why}", h.reason.as_str()),
            None,
        );
        d.step = step;
        self.out.push(d);
    }

    /// A mail to staff (`staff.admin_notice`, else the admin addresses), once per (kind, ref).
    fn staff_notice(
        &mut self,
        kind: NoticeKind,
        reference: &str,
        detail: NoticeDetail,
    ) -> Result<()> {
        let to = staff_recipients(self.d.config)?;
        let key = format!("notice:{}:{reference}", kind.as_str());
        self.tx.add_notice(kind.as_str(), reference, Some(&key))?;
        let ctx = StaffNotice {
            kind,
            company: self.d.company(),
            today: self.opts.today.to_string(),
            detail,
        };
        let lang = self.d.config.templates.language;
        let r = self.d.templates.render(lang, "staff_notice", &ctx)?;
        let recipients: Vec<String> = to.iter().map(|m| m.email.to_string()).collect();
        let queued = !to.is_empty();
        if !queued {
            tracing::warn!(
                "{} notice: no staff address is configured; only logged",
                kind.as_str()
            );
        } else {
            self.queue(Draft::auto(key.clone(), Purpose::Notice(kind), to, r))?;
        }
        self.out.push(Decision {
            kind: DecisionKind::Notice,
            client: String::new(),
            client_id: None,
            to: recipients,
            step: None,
            invoices: Vec::new(),
            reason: kind.as_str().into(),
            key: queued.then_some(key),
        });
        Ok(())
    }

    pub fn excluded(&mut self, h: &planner::HeldBack) -> Result<()> {
        let today = self.opts.today;
        let key = self.record_items("internal", h.client_id, &h.items)?;
        let invoices: Vec<InvoiceLine> = h
            .items
            .iter()
            .filter_map(|(i, s)| {
                self.invoices
                    .get(i)
                    .map(|v| invoice_line(v, Some(s), today))
            })
            .collect();
        let client = client_ctx(self.client(h.client_id));
        self.staff_notice(
            NoticeKind::Excluded,
            &key["internal:".len()..],
            NoticeDetail::Excluded { client, invoices },
        )?;
        let name = self.client_name(h.client_id);
        let numbers = self.numbers(h.items.iter().map(|(i, _)| *i));
        if let Some(last) = self.out.last_mut() {
            last.kind = DecisionKind::Internal;
            last.client = name;
            last.client_id = Some(h.client_id);
            last.invoices = numbers;
            last.reason = "excluded client: staff told instead".into();
        }
        Ok(())
    }

    pub fn no_address(&mut self, ids: &[i64]) -> Result<()> {
        let today = self.opts.today;
        let mut lines = Vec::new();
        for id in ids {
            self.tx.add_notice("no_address", &id.to_string(), None)?;
            if let Some(inv) = self.invoices.get(id) {
                lines.push(ClientInvoice {
                    client: self.client_name(inv.client_id),
                    invoice: invoice_line(inv, None, today),
                });
            }
        }
        self.staff_notice(
            NoticeKind::NoAddress,
            &format!("{today}:{}", short_hash(&format!("{ids:?}"))),
            NoticeDetail::NoAddress { invoices: lines },
        )?;
        let numbers = self.numbers(ids.iter().copied());
        if let Some(last) = self.out.last_mut() {
            last.invoices = numbers;
        }
        Ok(())
    }

    pub fn stale(&mut self) -> Result<()> {
        let newest = self
            .snap
            .newest_statement
            .map(|d| d.to_string())
            .unwrap_or_else(|| "none".into());
        if self.tx.notice_given("stale", &newest)? {
            return Ok(());
        }
        self.staff_notice(
            NoticeKind::Stale,
            &newest,
            NoticeDetail::Stale {
                newest: self.snap.newest_statement.map(|d| d.to_string()),
                days: self.d.config.dunning.stale_business_days,
            },
        )
    }

    pub fn escalate(&mut self, e: &planner::Escalation) -> Result<()> {
        let today = self.opts.today;
        let c = self.client(e.client_id);
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
        let lines: Vec<InvoiceLine> = overdue
            .iter()
            .map(|i| invoice_line(i, None, today))
            .collect();
        let (credits, totals) = self.set_off(e.client_id, &overdue);
        let ctx = EscalationStatement {
            lang,
            company: self.d.company(),
            client: client_ctx(c),
            payment_link: self.d.payment_link(c, &lines),
            credits,
            totals,
            invoices: lines,
            signature: self.d.signature(c),
            contact: self.d.config.dunning.contact.clone(),
            today: today.to_string(),
        };
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
            self.queue(Draft {
                client_id: Some(e.client_id),
                ..Draft::auto(
                    key.clone(),
                    Purpose::Escalation,
                    mailboxes(&billing),
                    statement.clone(),
                )
            })?;
            let d = self.decision(
                DecisionKind::Escalation,
                e.client_id,
                billing,
                numbers.clone(),
                "no payment and no reply after the escalating step: statement to the billing contact".into(),
                Some(key),
            );
            self.out.push(d);
        }
        self.escalate_to_manager(e, ctx, statement, numbers)
    }

    /// The account manager (else staff) gets the history and a ready-to-send draft.
    fn escalate_to_manager(
        &mut self,
        e: &planner::Escalation,
        statement: EscalationStatement,
        draft: crate::templates::Rendered,
        numbers: Vec<String>,
    ) -> Result<()> {
        let today = self.opts.today;
        let c = self.client(e.client_id);
        let manager: Vec<Mailbox> = match c
            .and_then(|c| c.account_manager.as_deref())
            .and_then(|m| parse_mailbox(m).ok())
        {
            Some(m) => vec![m],
            None => crate::outbox::client_desk(self.d.config)?,
        };
        let staff_lang = self.d.config.templates.language;
        let policy = self.policy.for_client(c.and_then(|c| c.offsets.as_deref()));
        let history = self
            .tx
            .client_history(e.client_id)?
            .iter()
            .map(|l| crate::templates::context::HistoryEntry::of(l, &policy, staff_lang))
            .collect();
        let ctx = EscalationManager {
            statement,
            escalated: numbers.clone(),
            payer_class: Some(self.scores.of(e.client_id).describe(staff_lang)),
            history,
            draft: DraftText {
                subject: draft.subject,
                text: draft.text,
            },
        };
        let staff_lang = self.d.config.templates.language;
        let r = self
            .d
            .templates
            .render(staff_lang, "escalation_manager", &ctx)?;
        if manager.is_empty() {
            tracing::warn!(
                "escalation of {}: no account manager and no staff address",
                self.client_name(e.client_id)
            );
            return Ok(());
        }
        let key = format!("escalation_manager:{}:{today}", e.client_id);
        let to: Vec<String> = manager.iter().map(|m| m.email.to_string()).collect();
        self.queue(Draft {
            client_id: Some(e.client_id),
            ..Draft::auto(key.clone(), Purpose::EscalationManager, manager, r)
        })?;
        let d = self.decision(
            DecisionKind::EscalationManager,
            e.client_id,
            to,
            numbers,
            "internal: history and a draft for the account manager".into(),
            Some(key),
        );
        self.out.push(d);
        Ok(())
    }

    /// Thanks for each recent payment that settled an invoice, once per payment.
    pub fn confirmations(&mut self) -> Result<()> {
        let today = self.opts.today;
        let since = today - chrono::Duration::days(self.d.config.dunning.confirm_max_age_days);
        for p in self.tx.paying_payments(since)? {
            let Some(c) = self.client(p.client_id) else {
                continue;
            };
            let to = recipients(c);
            if c.excluded || to.is_empty() {
                continue;
            }
            let lang = self.d.lang(Some(c));
            let money = |m| Money::from_minor(m, p.currency).amount();
            let invoices: Vec<ConfirmedInvoice> = p
                .invoices
                .iter()
                .filter(|i| !i.confirmed_before)
                .map(|i| ConfirmedInvoice {
                    number: i.number.clone(),
                    amount: money(i.allocated),
                    gross: money(i.settlement.gross),
                    paid_in_full: i.settlement.settled(),
                    overpaid: money(i.settlement.overpaid()),
                    remaining: money(i.settlement.outstanding),
                })
                .collect();
            let overpaid: i64 = p
                .invoices
                .iter()
                .filter(|i| !i.confirmed_before)
                .map(|i| i.settlement.overpaid())
                .sum();
            let ctx = Confirmation {
                lang,
                company: self.d.company(),
                client: client_ctx(Some(c)),
                payment: PaymentCtx {
                    date: p.booking_date.to_string(),
                    amount: money(p.amount_minor),
                    currency: p.currency,
                },
                invoices,
                overpaid: (overpaid > 0).then(|| money(overpaid)),
                signature: self.d.signature(Some(c)),
            };
            let r = self
                .d
                .templates
                .render(lang, "payment_confirmation", &ctx)?;
            let key = format!("confirmation:{}", p.payment_id);
            self.tx
                .add_notice("confirmation", &p.payment_id.to_string(), Some(&key))?;
            for i in p.invoices.iter().filter(|i| i.settlement.settled()) {
                self.tx
                    .add_notice("confirmed_invoice", &i.id.to_string(), Some(&key))?;
            }
            self.queue(Draft {
                client_id: Some(p.client_id),
                ..Draft::auto(key.clone(), Purpose::Confirmation, mailboxes(&to), r)
            })?;
            let d = self.decision(
                DecisionKind::Confirmation,
                p.client_id,
                to,
                p.invoices.iter().map(|i| i.number.clone()).collect(),
                format!(
                    "payment of {} {} booked {} settled it",
                    money(p.amount_minor),
                    p.currency,
                    p.booking_date
                ),
                Some(key),
            );
            self.out.push(d);
        }
        Ok(())
    }
}
