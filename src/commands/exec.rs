//! Carrying out a command inside a store transaction, with its answer in the command's language.
//! The daemon (mail commands) and the CLI (`skarbnik status`, `invoice pause`, ...) share these.

use super::parse::{Command, Lang};
use crate::config::Config;
use crate::domain::amount_of;
use crate::dunning::planner::next_step;
use crate::store::{ClientInfo, ClientUpdate, Tx};
use anyhow::Result;
use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

/// What a command did (or why it did nothing), for the reply.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub ok: bool,
    /// Whether anything was changed.
    pub changed: bool,
    pub text: String,
}

/// Who asks and when.
pub struct Ctx<'a> {
    pub config: &'a Config,
    /// The sender's address (or "cli").
    pub actor: &'a str,
    /// The command's Message-ID, for the audit log and idempotent payments.
    pub reference: &'a str,
    pub today: NaiveDate,
    pub lang: Lang,
}

impl Ctx<'_> {
    fn t(&self, pl: impl Into<String>, en: impl Into<String>) -> String {
        match self.lang {
            Lang::Pl => pl.into(),
            Lang::En => en.into(),
        }
    }

    fn done(&self, changed: bool, pl: impl Into<String>, en: impl Into<String>) -> Outcome {
        Outcome {
            ok: true,
            changed,
            text: self.t(pl, en),
        }
    }

    fn refuse(&self, pl: impl Into<String>, en: impl Into<String>) -> Outcome {
        Outcome {
            ok: false,
            changed: false,
            text: self.t(pl, en),
        }
    }

    fn date(&self, d: NaiveDate) -> String {
        match self.lang {
            Lang::Pl => d.format("%d.%m.%Y").to_string(),
            Lang::En => d.to_string(),
        }
    }

    fn money(&self, d: Decimal) -> String {
        match self.lang {
            Lang::Pl => crate::domain::format_pl(d),
            Lang::En => crate::domain::format_en(d),
        }
    }
}

fn describe(c: &ClientInfo) -> String {
    match &c.nip {
        Some(n) => format!("{} (NIP {n})", c.name),
        None => c.name.clone(),
    }
}

/// The one client `who` names, or the refusal listing what matched.
fn one_client(tx: &Tx, ctx: &Ctx, who: &str) -> Result<Result<ClientInfo, Outcome>> {
    let mut found = tx.find_clients(who)?;
    Ok(match found.len() {
        0 => Err(ctx.refuse(
            format!("Nie znam klienta „{who}”. Nic nie zmieniono."),
            format!("No client matches \"{who}\". Nothing was changed."),
        )),
        1 => Ok(found.remove(0)),
        n => {
            let list: Vec<String> = found
                .iter()
                .map(|c| format!("  - {}", describe(c)))
                .collect();
            Err(ctx.refuse(
                format!(
                    "„{who}” pasuje do {n} klientów; nic nie zmieniono. Proszę podać NIP albo pełniejszą nazwę:\n{}",
                    list.join("\n")
                ),
                format!(
                    "\"{who}\" matches {n} clients; nothing was changed. Please give the NIP or more of the name:\n{}",
                    list.join("\n")
                ),
            ))
        }
    })
}

fn audit_command(tx: &Tx, ctx: &Ctx, subject: &str, what: &str) -> Result<()> {
    tx.audit(
        ctx.actor,
        "command.executed",
        Some(subject),
        Some(&format!("{what} (Message-ID <{}>)", ctx.reference)),
    )
}

/// Carries out one command.
pub fn execute(tx: &Tx, ctx: &Ctx, command: &Command) -> Result<Outcome> {
    match command {
        Command::Help => Ok(Outcome {
            ok: true,
            changed: false,
            text: help(ctx.lang).to_string(),
        }),
        Command::PauseClient { who, until } => {
            let c = match one_client(tx, ctx, who)? {
                Ok(c) => c,
                Err(o) => return Ok(o),
            };
            let u = ClientUpdate {
                paused_until: Some(*until),
                paused_indefinitely: Some(until.is_none()),
                ..ClientUpdate::default()
            };
            let changed = !tx.update_client(c.id, &u, ctx.actor)?.is_empty();
            audit_command(tx, ctx, &format!("client:{}", c.id), "pause")?;
            Ok(match until {
                Some(d) => ctx.done(
                    changed,
                    format!(
                        "Wstrzymano przypomnienia dla {} do {} włącznie.",
                        describe(&c),
                        ctx.date(*d)
                    ),
                    format!(
                        "Reminders to {} are paused until {} (inclusive).",
                        describe(&c),
                        ctx.date(*d)
                    ),
                ),
                None => ctx.done(
                    changed,
                    format!(
                        "Wstrzymano przypomnienia dla {} do odwołania (wznów klienta …).",
                        describe(&c)
                    ),
                    format!(
                        "Reminders to {} are paused until resumed (resume client …).",
                        describe(&c)
                    ),
                ),
            })
        }
        Command::ResumeClient { who } => {
            let c = match one_client(tx, ctx, who)? {
                Ok(c) => c,
                Err(o) => return Ok(o),
            };
            let u = ClientUpdate {
                paused_until: Some(None),
                paused_indefinitely: Some(false),
                ..ClientUpdate::default()
            };
            let changed = !tx.update_client(c.id, &u, ctx.actor)?.is_empty();
            audit_command(tx, ctx, &format!("client:{}", c.id), "resume")?;
            Ok(if changed {
                ctx.done(
                    true,
                    format!("Wznowiono przypomnienia dla {}.", describe(&c)),
                    format!("Reminders to {} are resumed.", describe(&c)),
                )
            } else {
                ctx.done(
                    false,
                    format!("Przypomnienia dla {} nie były wstrzymane.", describe(&c)),
                    format!("Reminders to {} were not paused.", describe(&c)),
                )
            })
        }
        Command::PauseInvoice { number } | Command::ResumeInvoice { number } => {
            let pause = matches!(command, Command::PauseInvoice { .. });
            let Some(inv) = tx.find_invoice(number)? else {
                return Ok(ctx.refuse(
                    format!("Nie znam faktury „{number}”. Nic nie zmieniono."),
                    format!("No invoice \"{number}\". Nothing was changed."),
                ));
            };
            let changed = tx.set_invoice_paused(inv.id, pause, ctx.actor)?;
            audit_command(
                tx,
                ctx,
                &format!("invoice:{}", inv.id),
                if pause {
                    "pause invoice"
                } else {
                    "resume invoice"
                },
            )?;
            Ok(match (pause, changed) {
                (true, _) => ctx.done(
                    changed,
                    format!(
                        "Faktura {}: przypomnienia wstrzymane do odwołania.",
                        inv.number
                    ),
                    format!("Invoice {}: reminders paused until resumed.", inv.number),
                ),
                (false, true) => ctx.done(
                    true,
                    format!("Faktura {}: przypomnienia wznowione.", inv.number),
                    format!("Invoice {}: reminders resumed.", inv.number),
                ),
                (false, false) => ctx.done(
                    false,
                    format!("Faktura {} nie była wstrzymana.", inv.number),
                    format!("Invoice {} was not paused.", inv.number),
                ),
            })
        }
        Command::Promise { who, date } => {
            let c = match one_client(tx, ctx, who)? {
                Ok(c) => c,
                Err(o) => return Ok(o),
            };
            // Reminders resume by themselves the day after the day after the promised date,
            // if the invoices are still unpaid then.
            let until = *date + Duration::days(1);
            let u = ClientUpdate {
                paused_until: Some(Some(until)),
                paused_indefinitely: Some(false),
                ..ClientUpdate::default()
            };
            tx.update_client(c.id, &u, ctx.actor)?;
            audit_command(
                tx,
                ctx,
                &format!("client:{}", c.id),
                &format!("promise to pay by {date}"),
            )?;
            Ok(ctx.done(
                true,
                format!(
                    "Zapisano obietnicę zapłaty {} do {}. Przypomnienia wstrzymane do {}; jeśli wpłata nie nadejdzie, wrócą same.",
                    describe(&c),
                    ctx.date(*date),
                    ctx.date(until)
                ),
                format!(
                    "Promise noted: {} pays by {}. Reminders wait until {}; if the payment does not come, they resume by themselves.",
                    describe(&c),
                    ctx.date(*date),
                    ctx.date(until)
                ),
            ))
        }
        Command::Paid {
            number,
            amount,
            date,
        } => paid(tx, ctx, number, *amount, *date),
        Command::Match { payment, invoices } => {
            match tx.manual_match(*payment, invoices, ctx.actor) {
                Ok(done) => {
                    audit_command(tx, ctx, &format!("payment:{payment}"), "match")?;
                    let list: Vec<String> = done
                        .iter()
                        .map(|(n, m)| format!("{n} {}", ctx.money(Decimal::new(*m, 2))))
                        .collect();
                    Ok(ctx.done(
                        true,
                        format!("Płatność #{payment} przypisano: {}.", list.join(", ")),
                        format!("Payment #{payment} is allocated: {}.", list.join(", ")),
                    ))
                }
                Err(e) => Ok(ctx.refuse(
                    format!("Nie przypisano płatności #{payment}: {e:#}. Nic nie zmieniono."),
                    format!("Payment #{payment} was not matched: {e:#}. Nothing was changed."),
                )),
            }
        }
        Command::Unmatch { payment } => {
            match tx.unmatch(*payment, ctx.actor) {
                Ok(n) => {
                    audit_command(tx, ctx, &format!("payment:{payment}"), "unmatch")?;
                    Ok(ctx.done(
                    n > 0,
                    format!("Płatność #{payment}: usunięto {n} przypisań; czeka na ręczne dopasowanie."),
                    format!("Payment #{payment}: {n} allocations removed; it waits for a manual match."),
                ))
                }
                Err(e) => Ok(ctx.refuse(
                    format!("Płatność #{payment}: {e:#}. Nic nie zmieniono."),
                    format!("Payment #{payment}: {e:#}. Nothing was changed."),
                )),
            }
        }
        Command::Status { who } => {
            let c = match one_client(tx, ctx, who)? {
                Ok(c) => c,
                Err(o) => return Ok(o),
            };
            status(tx, ctx, &c)
        }
        Command::Overdue => overdue(tx, ctx),
    }
}

fn paid(
    tx: &Tx,
    ctx: &Ctx,
    number: &str,
    amount: Option<Decimal>,
    date: Option<NaiveDate>,
) -> Result<Outcome> {
    let Some(inv) = tx.find_invoice(number)? else {
        return Ok(ctx.refuse(
            format!("Nie znam faktury „{number}”. Nic nie zapisano."),
            format!("No invoice \"{number}\". Nothing was recorded."),
        ));
    };
    let snap = tx.dunning_snapshot()?;
    let outstanding = snap
        .invoices
        .iter()
        .find(|i| i.id == inv.id)
        .map(|i| i.outstanding_minor)
        .unwrap_or(0);
    let amount = match amount {
        Some(a) => a,
        None if outstanding > 0 => amount_of(outstanding, &inv.currency),
        None => {
            return Ok(ctx.refuse(
                format!(
                    "Faktura {} jest już opłacona; podaj kwotę, jeśli to kolejna wpłata.",
                    inv.number
                ),
                format!(
                    "Invoice {} is already paid; give the amount if this is another payment.",
                    inv.number
                ),
            ));
        }
    };
    let date = date.unwrap_or(ctx.today);
    let (id, new) = tx.record_manual_payment(&inv, amount, date, ctx.actor, ctx.reference)?;
    audit_command(
        tx,
        ctx,
        &format!("invoice:{}", inv.id),
        &format!("paid {amount}"),
    )?;
    Ok(ctx.done(
        new,
        format!(
            "Zapisano wpłatę {} {} z {} na fakturę {} (płatność #{id}).",
            ctx.money(amount),
            inv.currency,
            ctx.date(date),
            inv.number
        ),
        format!(
            "Recorded a payment of {} {} on {} for invoice {} (payment #{id}).",
            ctx.money(amount),
            inv.currency,
            ctx.date(date),
            inv.number
        ),
    ))
}

fn status(tx: &Tx, ctx: &Ctx, c: &ClientInfo) -> Result<Outcome> {
    let snap = tx.dunning_snapshot()?;
    let policy = ctx.config.dunning.policy();
    let policy = policy.for_client(c.step_offsets.as_deref());
    let calendar = ctx.config.dunning.calendar();
    let mut lines = vec![describe(c)];
    let pause = match (c.paused_indefinitely, &c.paused_until) {
        (true, _) => Some(ctx.t("wstrzymany do odwołania", "paused until resumed")),
        (false, Some(d)) if d.as_str() >= ctx.today.to_string().as_str() => {
            Some(ctx.t(format!("wstrzymany do {d}"), format!("paused until {d}")))
        }
        _ => None,
    };
    if let Some(p) = pause {
        lines.push(ctx.t(format!("Przypomnienia: {p}."), format!("Reminders: {p}.")));
    }
    if c.excluded {
        lines.push(ctx.t(
            "Wyłączony z automatycznych przypomnień.",
            "Excluded from automatic reminders.",
        ));
    }
    let open: Vec<_> = snap
        .invoices
        .iter()
        .filter(|i| i.client_id == c.id && i.outstanding_minor > 0)
        .collect();
    lines.push(ctx.t("Otwarte faktury:", "Open invoices:"));
    if open.is_empty() {
        lines.push(ctx.t("  brak", "  none"));
    }
    for i in &open {
        let remaining = amount_of(i.outstanding_minor, &i.currency);
        let sent: Vec<&str> = snap
            .sent
            .keys()
            .filter(|(id, _)| *id == i.id)
            .map(|(_, s)| s.as_str())
            .collect();
        let due = i.due.map(|d| ctx.date(d)).unwrap_or_else(|| "-".into());
        let next = if i.paused {
            ctx.t("faktura wstrzymana", "invoice paused")
        } else {
            match i
                .due
                .and_then(|d| next_step(d, &sent, &policy, &calendar, ctx.today))
            {
                Some((step, on)) => ctx.t(
                    format!("następny krok {step} {}", ctx.date(on)),
                    format!("next step {step} on {}", ctx.date(on)),
                ),
                None => ctx.t("wszystkie kroki wysłane", "every step sent"),
            }
        };
        lines.push(format!(
            "  {} {} {}, {} {due}; {}",
            i.number,
            ctx.money(remaining),
            i.currency,
            ctx.t("termin", "due"),
            next
        ));
    }
    let payments = tx.client_payments(c.id, 5)?;
    lines.push(ctx.t("Ostatnie wpłaty:", "Latest payments:"));
    if payments.is_empty() {
        lines.push(ctx.t("  brak", "  none"));
    }
    for p in &payments {
        lines.push(format!(
            "  #{} {} {} {} → {}",
            p.id,
            p.date,
            ctx.money(p.amount),
            p.currency,
            p.invoice
        ));
    }
    let mut sent: Vec<(NaiveDate, String, String)> = snap
        .sent
        .iter()
        .filter_map(|((inv, step), on)| {
            snap.invoices
                .iter()
                .find(|i| i.id == *inv && i.client_id == c.id)
                .map(|i| (*on, i.number.clone(), step.clone()))
        })
        .collect();
    sent.sort();
    lines.push(ctx.t("Wysłane przypomnienia:", "Reminders sent:"));
    if sent.is_empty() {
        lines.push(ctx.t("  brak", "  none"));
    }
    for (on, number, step) in sent {
        lines.push(format!("  {} {number} {step}", ctx.date(on)));
    }
    Ok(Outcome {
        ok: true,
        changed: false,
        text: lines.join("\n"),
    })
}

fn overdue(tx: &Tx, ctx: &Ctx) -> Result<Outcome> {
    let snap = tx.dunning_snapshot()?;
    let policy = ctx.config.dunning.policy();
    let mut by_client: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut totals: std::collections::BTreeMap<String, i64> = Default::default();
    for i in snap
        .invoices
        .iter()
        .filter(|i| i.outstanding_minor > 0 && i.due.is_some_and(|d| d < ctx.today))
    {
        let client = snap
            .clients
            .get(&i.client_id)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        let step = policy
            .steps
            .iter()
            .rev()
            .find(|s| snap.sent.contains_key(&(i.id, s.name.clone())))
            .map(|s| s.name.clone())
            .unwrap_or_else(|| ctx.t("bez przypomnienia", "no reminder yet"));
        let remaining = amount_of(i.outstanding_minor, &i.currency);
        let days = i.due.map(|d| (ctx.today - d).num_days()).unwrap_or(0);
        *totals.entry(i.currency.clone()).or_default() += i.outstanding_minor;
        by_client.entry(client).or_default().push(format!(
            "  {} {} {}, {} {days} {}; {step}{}",
            i.number,
            ctx.money(remaining),
            i.currency,
            ctx.t("po terminie", "overdue"),
            ctx.t("dni", "days"),
            if i.paused {
                ctx.t(" (wstrzymana)", " (paused)")
            } else {
                String::new()
            }
        ));
    }
    if by_client.is_empty() {
        return Ok(ctx.done(false, "Brak zaległości.", "Nothing is overdue."));
    }
    let mut lines = Vec::new();
    for (client, invoices) in by_client {
        lines.push(client);
        lines.extend(invoices);
    }
    for (cur, minor) in totals {
        lines.push(format!(
            "{} {} {cur}",
            ctx.t("Razem:", "Total:"),
            ctx.money(amount_of(minor, &cur))
        ));
    }
    Ok(Outcome {
        ok: true,
        changed: false,
        text: lines.join("\n"),
    })
}

/// The help text: the grammar in the asker's language.
pub fn help(lang: Lang) -> &'static str {
    match lang {
        Lang::Pl => "Polecenia (w temacie albo w pierwszych wierszach wiadomości, po jednym w wierszu):
  wstrzymaj klienta X [do DATA]    – bez przypomnień do daty albo do odwołania
  wznów klienta X
  wstrzymaj fakturę N / wznów fakturę N
  status klienta X                 – otwarte faktury, wpłaty, wysłane przypomnienia, następny krok
  zaległości                       – wszystkie zaległe faktury według klientów
  opłacona N [KWOTA] [DATA]        – wpłata widziana gdzie indziej (gotówka, inny bank)
  dopasuj PŁATNOŚĆ N…              – przypisz płatność z kolejki do faktur
  odepnij PŁATNOŚĆ
  obietnica X DATA                 – klient obiecał zapłacić; przypomnienia wrócą same, jeśli nie zapłaci
  pomoc
X to fragment nazwy, NIP albo adres e-mail klienta; DATA jak 2026-12-01 albo 1.12.2026.",
        Lang::En => "Commands (in the subject or the first lines of the mail, one per line):
  pause client X [until DATE]      – no reminders until the date, or until resumed
  resume client X
  pause invoice N / resume invoice N
  status X                         – open invoices, payments, reminders sent, the next step
  overdue                          – every overdue invoice by client
  paid N [AMOUNT] [DATE]           – a payment seen elsewhere (cash, another bank)
  match PAYMENT N…                 – allocate a payment from the review queue
  unmatch PAYMENT
  promise X DATE                   – the client promised to pay; reminders resume if it does not
  help
X is part of the client's name, its NIP or an e-mail address; DATE like 2026-12-01 or 1.12.2026.",
    }
}
