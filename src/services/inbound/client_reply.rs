//! A client's reply: read for what it says ([`crate::conversation`]), acted on, answered where
//! an answer is due, and forwarded whole to the client's account manager (else staff) with the
//! context a person needs and the commands that act on it. Nothing a client writes stays in a
//! folder unseen.
//!
//! | intent | what is done |
//! | --- | --- |
//! | dispute | the invoices concerned are held (no reminder, escalation or demand) until a person resolves it; the client is told once that a person will answer |
//! | already paid | the invoices wait `paid_claim_business_days` for the statement; an attached confirmation is read and shown, never taken as payment |
//! | promise | the invoices wait until the promised day; the day after, reminders resume and a broken promise is reported |
//! | asks for the invoice | the document is sent back when skarbnik holds it, else staff are asked |
//! | asks for a statement | the list of open invoices is sent back |
//!
//! Answers go only to an address registered for the client: a reply from elsewhere in the thread
//! is forwarded but not answered. The invoices come from the numbers in the reply, else from the
//! reminder it answers, else (for a client with one open invoice) that one.

use super::Message;
use crate::conversation::{self, Intent, Reading};
use crate::domain::{HoldKind, Lang};
use crate::dunning::words;
use crate::mail::address::parse_mailbox;
use crate::mail::source::Folder;
use crate::outbox::{Draft, Purpose, client_desk};
use crate::services::Env;
use crate::store::{DunInvoice, Opened, ReplyRecord, Snapshot, Store, Tx};
use crate::templates::context::{
    ClientAnswer, ClientCtx, ClientReply, CompanyCtx, ConcernedInvoice, DoneLine, IntentLine,
    InvoiceLine, RecentMail, TransferCtx,
};
use anyhow::Result;
use chrono::NaiveDate;

/// Where the invoices a reply is about were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Text,
    Thread,
    OnlyOpen,
    None,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Text => "text",
            Source::Thread => "thread",
            Source::OnlyOpen => "only_open",
            Source::None => "none",
        }
    }
}

/// What was read from the attachments: transfer confirmations.
fn transfers(
    env: &Env<'_>,
    m: &Message<'_>,
) -> Vec<(String, conversation::confirmation::Transfer)> {
    let max = env
        .config
        .import
        .max_inflated_mb
        .saturating_mul(1024 * 1024);
    let mut out = Vec::new();
    for a in &m.mail.attachments {
        let text = crate::ingest::pdf::is_pdf(&a.bytes)
            .then(|| crate::ingest::pdf::text_outside(&a.bytes, max))
            .flatten();
        let image = a.content_type.starts_with("image/");
        if (text.is_some() || image)
            && conversation::is_transfer_confirmation(&a.name, text.as_deref())
        {
            let t = text
                .as_deref()
                .map(conversation::confirmation::read)
                .unwrap_or_default();
            out.push((a.name.clone(), t));
        }
    }
    out
}

/// The invoices the reply is about, and where they were found.
fn concerned(
    tx: &Tx<'_>,
    m: &Message<'_>,
    snap: &Snapshot,
    client: i64,
    text: &str,
) -> Result<(Vec<i64>, Source)> {
    let own: Vec<&DunInvoice> = snap
        .invoices
        .iter()
        .filter(|i| i.client_id == client)
        .collect();
    // Stored numbers were validated when imported; one that no longer parses is not named.
    let parsed: Vec<(i64, crate::domain::InvoiceNumber)> = own
        .iter()
        .filter_map(|i| {
            crate::domain::InvoiceNumber::parse(&i.number)
                .ok()
                .map(|n| (i.id, n))
        })
        .collect();
    let numbers: Vec<crate::domain::InvoiceNumber> =
        parsed.iter().map(|(_, n)| n.clone()).collect();
    let named: Vec<i64> = conversation::mentions(text, &numbers)
        .into_iter()
        .map(|k| parsed[k].0)
        .collect();
    if !named.is_empty() {
        return Ok((named, Source::Text));
    }
    let ids: Vec<String> = m.mail.answers().map(str::to_string).collect();
    let thread: Vec<i64> = tx
        .invoices_of_our_mail(&ids)?
        .into_iter()
        .filter(|id| own.iter().any(|i| i.id == *id && i.outstanding_minor > 0))
        .collect();
    if !thread.is_empty() {
        return Ok((thread, Source::Thread));
    }
    let open: Vec<i64> = own
        .iter()
        .filter(|i| i.outstanding_minor > 0)
        .map(|i| i.id)
        .collect();
    Ok(match open.as_slice() {
        [one] => (vec![*one], Source::OnlyOpen),
        _ => (Vec::new(), Source::None),
    })
}

/// The last mails we sent the client (before this reply was acted on), in words.
fn recent_mails(tx: &Tx<'_>, client: Option<i64>, lang: Lang) -> Result<Vec<RecentMail>> {
    let Some(c) = client else {
        return Ok(Vec::new());
    };
    let mut h: Vec<_> = tx
        .client_history(c)?
        .into_iter()
        .filter(|l| !matches!(l.kind.as_str(), "reply" | "auto_reply"))
        .collect();
    let skip = h.len().saturating_sub(3);
    h.drain(..skip);
    Ok(h.into_iter()
        .map(|l| RecentMail {
            at: l.at.chars().take(10).collect(),
            subject: l.subject.clone(),
            status: l
                .status
                .as_deref()
                .map(|s| words::status(s, lang))
                .filter(|s| !s.is_empty()),
        })
        .collect())
}

/// One reply, acted on in one transaction with its forward and answers.
struct Act<'a, 'e> {
    env: &'a Env<'e>,
    tx: &'a Tx<'a>,
    m: &'a Message<'a>,
    snap: &'a Snapshot,
    today: NaiveDate,
    staff_lang: Lang,
    /// Why no answer may go to the sender (loop safety, the rate limit), if so.
    blocked: Option<String>,
    /// The mails we sent the client before this reply, for the forward.
    recent: Vec<RecentMail>,
    done: Vec<DoneLine>,
}

impl Act<'_, '_> {
    fn numbers(&self, ids: &[i64]) -> Vec<String> {
        ids.iter()
            .filter_map(|id| self.snap.invoices.iter().find(|i| i.id == *id))
            .map(|i| i.number.clone())
            .collect()
    }

    fn did(&mut self, what: &str, ids: &[i64], until: Option<NaiveDate>) {
        self.done.push(DoneLine {
            what: what.into(),
            invoices: self.numbers(ids),
            until: until.map(|d| d.to_string()),
        });
    }

    /// Puts the hold on each invoice; returns those newly held and those held before.
    fn hold(
        &self,
        ids: &[i64],
        kind: HoldKind,
        until: Option<NaiveDate>,
        note: &str,
    ) -> Result<(Vec<i64>, Vec<i64>)> {
        let (mut new, mut known) = (Vec::new(), Vec::new());
        for id in ids {
            match self.tx.open_hold(
                *id,
                kind,
                self.today,
                until,
                &self.m.mail.message_id,
                Some(note),
            )? {
                Opened::New(_) | Opened::Extended(_) => new.push(*id),
                Opened::Existing(_) => known.push(*id),
            }
        }
        Ok((new, known))
    }

    fn invoice_lines(&self, ids: &[i64]) -> Vec<InvoiceLine> {
        ids.iter()
            .filter_map(|id| self.snap.invoices.iter().find(|i| i.id == *id))
            .map(|i| crate::services::dunning::invoice_line(i, None, self.today))
            .collect()
    }

    /// An answer to the client in its thread (to the sender, a registered address).
    fn answer(
        &self,
        template: &str,
        purpose: Purpose,
        ctx: &ClientAnswer,
        lang: Lang,
        attachments: Vec<(String, String, Vec<u8>)>,
    ) -> Result<()> {
        let r = self.env.templates.render(lang, template, ctx)?;
        let mut draft = super::replies::reply_draft(&self.m.mail, purpose, r);
        draft.client_id = self.m.client;
        draft.attachments = attachments;
        super::replies::send_or_suppress(
            self.env,
            self.tx,
            &self.m.mail,
            &draft,
            self.blocked.clone(),
        )
    }
}

pub(super) fn handle(env: &Env<'_>, store: &mut Store, m: &Message<'_>) -> Result<Folder> {
    let today = env.today();
    let found = transfers(env, m);
    let reading =
        conversation::read_reply(&m.mail.text, found.first().map(|(n, _)| n.as_str()), today);
    let cleaned = conversation::clean::reply_text(&m.mail.text);
    // An out-of-office text that says nothing else is kept like an auto-reply, not forwarded.
    if reading.out_of_office && reading.found.is_empty() {
        let tx = store.transaction()?;
        m.keep_on_history(&tx, "auto_reply")?;
        tx.audit(
            "daemon",
            "mail.auto_reply",
            m.mail.from.as_deref(),
            Some(&m.mail.subject),
        )?;
        m.record(&tx, Folder::Processed, Some("out-of-office text"))?;
        tx.commit()?;
        return Ok(Folder::Processed);
    }
    let registered = match (&m.mail.from, m.client) {
        (Some(f), Some(c)) => store.client_by_email(f)? == Some(c),
        _ => false,
    };
    let reply_to = m.mail.reply_to.clone().unwrap_or_default();
    let blocked =
        super::replies::blocked(env, store, &m.mail, &crate::domain::email::bare(&reply_to))?;
    let tx = store.transaction()?;
    let snap = tx.dunning_snapshot()?;
    let recent = recent_mails(&tx, m.client, env.config.templates.language)?;
    let mut act = Act {
        env,
        tx: &tx,
        m,
        snap: &snap,
        today,
        staff_lang: env.config.templates.language,
        blocked,
        recent,
        done: Vec::new(),
    };
    let (ids, source) = match m.client {
        Some(c) => concerned(
            &tx,
            m,
            &snap,
            c,
            &format!("{}\n{}", m.mail.subject, cleaned),
        )?,
        None => (Vec::new(), Source::None),
    };
    if m.client.is_some() {
        act_on(&mut act, &reading, &ids, registered)?;
    }
    forward(&act, &reading, &ids, source, &found, &cleaned)?;
    let action = act
        .done
        .iter()
        .map(|d| d.what.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if let Some(c) = m.client {
        tx.add_client_reply(&ReplyRecord {
            client_id: c,
            message_id: &m.mail.message_id,
            sender: m.mail.from.as_deref(),
            subject: &m.mail.subject,
            excerpt: &crate::domain::text::shorten(&cleaned, 1000),
            intent: reading.primary().as_str(),
            evidence: &serde_json::to_string(&reading.found)?,
            invoice_ids: &ids,
            promised: reading.promised,
            action: &action,
        })?;
        tx.audit(
            "daemon",
            "client.replied",
            Some(&format!("client:{c}")),
            Some(&format!("{}: {action}", reading.primary().as_str())),
        )?;
    }
    m.record(&tx, Folder::Processed, Some(reading.primary().as_str()))?;
    tx.commit()?;
    Ok(Folder::Processed)
}

/// The holds and answers each intent calls for.
fn act_on(act: &mut Act<'_, '_>, reading: &Reading, ids: &[i64], registered: bool) -> Result<()> {
    let phrase = |i: Intent| reading.phrase(i).unwrap_or("").to_string();
    // "FV/2 reklamujemy; FV/1 zapłacimy w piątek": each intent concerns the invoices its own
    // sentence names, when it names any of them; otherwise all the reply is about.
    let scoped = |i: Intent| -> Vec<i64> {
        let numbers: Vec<(i64, crate::domain::InvoiceNumber)> = ids
            .iter()
            .filter_map(|id| act.snap.invoices.iter().find(|x| x.id == *id))
            .filter_map(|x| {
                crate::domain::InvoiceNumber::parse(&x.number)
                    .ok()
                    .map(|n| (x.id, n))
            })
            .collect();
        let only: Vec<crate::domain::InvoiceNumber> =
            numbers.iter().map(|(_, n)| n.clone()).collect();
        let named: Vec<i64> = conversation::mentions(&phrase(i), &only)
            .into_iter()
            .map(|k| numbers[k].0)
            .collect();
        if named.is_empty() {
            ids.to_vec()
        } else {
            named
        }
    };
    let needs_invoice = reading.has(Intent::Dispute)
        || reading.has(Intent::AlreadyPaid)
        || reading.has(Intent::Promise);
    if needs_invoice && ids.is_empty() {
        act.did("no_invoice_named", &[], None);
    }
    let client = act.m.client.and_then(|c| act.snap.clients.get(&c)).cloned();
    let lang = client.as_ref().map(|c| c.language).unwrap_or_default();
    let answer_ctx = |act: &Act<'_, '_>, ids: &[i64], attached: Vec<String>| {
        let lines = act.invoice_lines(ids);
        let link_lines = lines.clone();
        let refs: Vec<&DunInvoice> = ids
            .iter()
            .filter_map(|id| act.snap.invoices.iter().find(|i| i.id == *id))
            .collect();
        ClientAnswer {
            company: CompanyCtx::of(act.env.config),
            client: crate::services::dunning::client_ctx(client.as_ref()),
            subject: act.m.mail.echoed_subject(),
            invoices: lines,
            totals: crate::services::dunning::totals(&refs),
            signature: act.env.identity.from.name.clone().unwrap_or_default(),
            payment_link: act.env.dunning().payment_link(client.as_ref(), &link_lines),
            attached,
        }
    };
    // Bankrupt, in liquidation or restructuring: the claim goes to those proceedings, so no
    // reminder goes out until a person resumes the client. Only on the word of a registered
    // address: anyone else's mail must not silence the dunning.
    if reading.has(Intent::Insolvency)
        && let Some(client) = act.m.client
    {
        if registered {
            act.tx
                .update_client(client, &crate::store::ClientUpdate::pause(None), "reply")?;
            act.tx.audit(
                "reply",
                "client.paused",
                Some(&format!("client:{client}")),
                Some(&format!("insolvency: {}", phrase(Intent::Insolvency))),
            )?;
            act.did("client_paused_insolvency", &[], None);
        } else {
            act.did("insolvency_unverified", &[], None);
        }
    }
    let disputed_ids = if reading.has(Intent::Dispute) {
        scoped(Intent::Dispute)
    } else {
        Vec::new()
    };
    if !disputed_ids.is_empty() {
        let (new, known) = act.hold(
            &disputed_ids,
            HoldKind::Dispute,
            None,
            &phrase(Intent::Dispute),
        )?;
        if !new.is_empty() {
            act.did("dispute_opened", &new, None);
            // Once per dispute: a second mail about the same dispute is not acknowledged again.
            if registered {
                let ctx = answer_ctx(act, &new, Vec::new());
                act.answer("dispute_ack", Purpose::ClientAnswer, &ctx, lang, Vec::new())?;
                act.did("ack_sent", &[], None);
            }
        }
        if !known.is_empty() {
            act.did("dispute_known", &known, None);
        }
    }
    let disputed = |id: &i64| disputed_ids.contains(id);
    if reading.has(Intent::AlreadyPaid) && !ids.is_empty() {
        let claimed: Vec<i64> = scoped(Intent::AlreadyPaid)
            .into_iter()
            .filter(|i| !disputed(i))
            .collect();
        if !claimed.is_empty() {
            let cal = act.env.config.dunning.calendar();
            let until =
                cal.add_business_days(act.today, act.env.config.dunning.paid_claim_business_days);
            let (new, known) = act.hold(
                &claimed,
                HoldKind::PaidClaim,
                Some(until),
                &phrase(Intent::AlreadyPaid),
            )?;
            let all: Vec<i64> = new.into_iter().chain(known).collect();
            act.did("paid_claim_held", &all, Some(until));
        }
    }
    if reading.has(Intent::Promise) {
        match reading.promised {
            Some(date) if !ids.is_empty() => {
                let open: Vec<i64> = scoped(Intent::Promise)
                    .into_iter()
                    .filter(|i| !disputed(i))
                    .collect();
                if !open.is_empty() {
                    act.hold(
                        &open,
                        HoldKind::Promise,
                        Some(date),
                        &phrase(Intent::Promise),
                    )?;
                    act.did("promise_held", &open, Some(date));
                }
            }
            None => act.did("promise_without_date", &[], None),
            _ => {}
        }
    }
    if reading.has(Intent::AsksInvoice) {
        let wanted: Vec<i64> = if ids.is_empty() {
            act.snap
                .invoices
                .iter()
                .filter(|i| Some(i.client_id) == act.m.client && i.outstanding_minor > 0)
                .map(|i| i.id)
                .collect()
        } else {
            ids.to_vec()
        };
        let mut files = Vec::new();
        let mut sent = Vec::new();
        let mut missing = Vec::new();
        for id in &wanted {
            let docs = act.tx.invoice_documents(*id)?;
            if docs.is_empty() {
                missing.push(*id);
            } else {
                sent.push(*id);
                files.extend(docs);
            }
        }
        if !files.is_empty() && registered {
            let names = files.iter().map(|(n, _, _)| n.clone()).collect();
            let ctx = answer_ctx(act, &sent, names);
            act.answer("invoice_copy", Purpose::ClientAnswer, &ctx, lang, files)?;
            act.did("invoice_sent", &sent, None);
        } else if !files.is_empty() {
            act.did("not_registered", &[], None);
        }
        if !missing.is_empty() || wanted.is_empty() {
            act.did("no_document", &missing, None);
        }
    }
    if reading.has(Intent::AsksStatement) {
        if registered {
            let open: Vec<i64> = act
                .snap
                .invoices
                .iter()
                .filter(|i| Some(i.client_id) == act.m.client && i.outstanding_minor > 0)
                .map(|i| i.id)
                .collect();
            let ctx = answer_ctx(act, &open, Vec::new());
            act.answer(
                "client_balance",
                Purpose::ClientAnswer,
                &ctx,
                lang,
                Vec::new(),
            )?;
            act.did("statement_sent", &[], None);
        } else {
            act.did("not_registered", &[], None);
        }
    }
    Ok(())
}

/// The commands a person may want to send back, in the staff language.
fn commands(act: &Act<'_, '_>, reading: &Reading, numbers: &[String], who: &str) -> Vec<String> {
    let pl = act.staff_lang == Lang::Pl;
    let mut out = Vec::new();
    // The invoices now in dispute: resolving is what is left to do about them.
    let disputed: Vec<&String> = act
        .done
        .iter()
        .filter(|d| d.what == "dispute_opened" || d.what == "dispute_known")
        .flat_map(|d| d.invoices.iter())
        .collect();
    for n in numbers {
        if disputed.contains(&n) {
            out.push(if pl {
                format!("rozwiąż spór {n} POWÓD")
            } else {
                format!("resolve dispute {n} REASON")
            });
            out.push(if pl {
                format!("anuluj spór {n} POWÓD")
            } else {
                format!("cancel dispute {n} REASON")
            });
        } else if !reading.has(Intent::AsksInvoice) && !reading.has(Intent::AsksStatement) {
            out.push(if pl {
                format!("spór {n} POWÓD")
            } else {
                format!("dispute {n} REASON")
            });
        }
        if reading.has(Intent::AlreadyPaid) && !disputed.contains(&n) {
            out.push(if pl {
                format!("opłacona {n} KWOTA DATA")
            } else {
                format!("paid {n} AMOUNT DATE")
            });
        }
    }
    if !who.is_empty() {
        out.push(if pl {
            format!("obietnica {who} DATA")
        } else {
            format!("promise {who} DATE")
        });
        out.push(if pl {
            format!("wstrzymaj klienta {who} do DATA")
        } else {
            format!("pause client {who} until DATE")
        });
        out.push(if pl {
            format!("status klienta {who}")
        } else {
            format!("status {who}")
        });
    }
    out
}

/// The forward to the account manager, else staff, with the client's mail attached.
fn forward(
    act: &Act<'_, '_>,
    reading: &Reading,
    ids: &[i64],
    source: Source,
    found: &[(String, conversation::confirmation::Transfer)],
    cleaned: &str,
) -> Result<()> {
    let env = act.env;
    let lang = act.staff_lang;
    let client = act.m.client.and_then(|c| act.snap.clients.get(&c));
    let policy = env.config.dunning.policy();
    let holds = match act.m.client {
        Some(c) => act.tx.holds_of_client(c)?,
        None => Vec::new(),
    };
    let invoices: Vec<ConcernedInvoice> = ids
        .iter()
        .filter_map(|id| act.snap.invoices.iter().find(|i| i.id == *id))
        .map(|i| {
            let last = act
                .snap
                .sent
                .iter()
                .filter(|((inv, _), _)| *inv == i.id)
                .max_by_key(|(_, on)| **on);
            ConcernedInvoice {
                line: crate::services::dunning::invoice_line(i, None, act.today),
                last_step: last.map(|((_, s), _)| words::step(&policy, s, lang)),
                last_step_on: last.map(|(_, on)| on.to_string()),
                holds: holds
                    .iter()
                    .filter(|h| h.invoice_id == i.id && h.ended_at.is_none())
                    .map(|h| {
                        words::hold(
                            &crate::domain::Hold {
                                kind: h.kind,
                                until: h.until,
                            },
                            lang,
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    let recent = act.recent.clone();
    let who = client
        .map(|c| c.nip.clone().unwrap_or_else(|| c.name.clone()))
        .unwrap_or_default();
    let numbers: Vec<String> = invoices.iter().map(|i| i.line.number.clone()).collect();
    let ctx = ClientReply {
        company: CompanyCtx::of(env.config),
        client: client.map(|c| ClientCtx {
            id: Some(c.id),
            name: c.name.clone(),
            nip: c.nip.clone(),
        }),
        from: act.m.mail.from.clone().unwrap_or_default(),
        subject: act.m.mail.echoed_subject(),
        received: act.today.to_string(),
        intents: reading
            .found
            .iter()
            .map(|f| IntentLine {
                intent: f.intent.as_str().into(),
                phrase: f.phrase.clone(),
            })
            .collect(),
        promised: reading.promised.map(|d| d.to_string()),
        out_of_office: reading.out_of_office,
        invoices,
        invoices_from: source.as_str().into(),
        done: act.done.clone(),
        recent,
        transfers: found
            .iter()
            .map(|(name, t)| TransferCtx {
                file: name.clone(),
                amount: t.amount,
                currency: t.currency.clone(),
                date: t.date.map(|d| d.to_string()),
                title: t.title.clone(),
                account: t.account.clone(),
            })
            .collect(),
        text: crate::domain::text::shorten(cleaned, 4000),
        commands: commands(act, reading, &numbers, &who),
    };
    let r = env.templates.render(lang, "client_reply", &ctx)?;
    let manager: Vec<_> = client
        .and_then(|c| c.account_manager.as_deref())
        .and_then(|m| parse_mailbox(m).ok())
        .into_iter()
        .collect();
    let to = if manager.is_empty() {
        client_desk(env.config)?
    } else {
        manager
    };
    if to.is_empty() {
        tracing::warn!(message_id = %act.m.mail.message_id, "a client's reply: no account manager and no staff address to forward it to");
        return Ok(());
    }
    let draft = Draft {
        client_id: act.m.client,
        attachments: vec![(
            "odpowiedz-klienta.eml".into(),
            "message/rfc822".into(),
            act.m.raw.to_vec(),
        )],
        ..Draft::auto(
            format!("reply_forward:{}", act.m.mail.message_id),
            Purpose::ReplyForward,
            to,
            r,
        )
    };
    crate::outbox::queue(act.tx, env.identity, &draft)?;
    Ok(())
}
