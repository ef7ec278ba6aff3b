//! Staff run skarbnik from their mail client: "pause client X", "status X". One file per command
//! holds its keywords, its parsing, its execution and its texts in Polish and English (as
//! mini-redis keeps `cmd/get.rs`); [`TABLE`] lists them for the grammar. [`parse`] finds the
//! commands in a mail (pure), [`auth`] decides who may command and whether the From address is
//! vouched for, [`Command::execute`] carries one out in a store transaction.
//!
//! Execution separates what a person is told from what went wrong: a refusal ("no such client")
//! is an [`Outcome`], an `Err` means the store failed, and the caller rolls the whole transaction
//! back and says that an internal error occurred. A half-done change is never committed under a
//! polite answer.

pub mod auth;
mod dispute;
mod help;
mod invoice_pause;
mod match_payment;
pub mod overdue;
mod paid;
pub mod parse;
mod pause_client;
mod promise;
pub mod report;
mod resume_client;
mod status;
pub mod subscription;
mod unmatch;

pub use help::help;

use crate::config::Config;
use crate::domain::Lang;
use crate::store::{ClientInfo, Tx};
use anyhow::Result;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    PauseClient {
        who: String,
        until: Option<NaiveDate>,
    },
    ResumeClient {
        who: String,
    },
    PauseInvoice {
        number: String,
    },
    ResumeInvoice {
        number: String,
    },
    Status {
        who: String,
    },
    Overdue,
    Paid {
        number: String,
        amount: Option<Decimal>,
        date: Option<NaiveDate>,
    },
    Match {
        payment: i64,
        invoices: Vec<String>,
    },
    Unmatch {
        payment: i64,
    },
    Promise {
        who: String,
        date: NaiveDate,
    },
    Dispute {
        number: String,
        reason: Option<String>,
    },
    EndDispute {
        number: String,
        reason: Option<String>,
        cancel: bool,
    },
    /// Pause, resume or cancel a subscription's invoicing.
    Subscription {
        who: String,
        status: crate::billing::plan::Status,
    },
    /// A report, answered with its attachments (built by the inbound command service).
    Report(report::ReportAsk),
    Help,
}

/// A command's place in the grammar: the keywords that start it (folded: lower case, no Polish
/// letters) with the language they are in, and how the rest of the line becomes the command (or
/// why it cannot).
pub struct Spec {
    pub keywords: &'static [(&'static [&'static str], Lang)],
    pub parse: fn(&[&str]) -> Result<Command, &'static str>,
}

/// Every command, in the order the grammar tries them (longer keywords of a command first).
pub const TABLE: &[&Spec] = &[
    // Invoices first: "wstrzymaj przypomnienia dla faktury N" is not a client named "faktury N".
    &invoice_pause::PAUSE,
    &invoice_pause::RESUME,
    &pause_client::SPEC,
    &resume_client::SPEC,
    &status::SPEC,
    &overdue::SPEC,
    &paid::SPEC,
    &match_payment::SPEC,
    &unmatch::SPEC,
    &promise::SPEC,
    &dispute::RESOLVE,
    &dispute::CANCEL,
    &dispute::OPEN,
    &subscription::PAUSE,
    &subscription::RESUME,
    &subscription::CANCEL,
    &report::WEEKLY,
    &report::MONTHLY,
    &report::AGING,
    &report::BALANCE,
    &report::STATEMENT,
    &help::SPEC,
];

impl Command {
    /// Read-only staff may ask; only admins may change anything.
    pub fn changes_something(&self) -> bool {
        !matches!(
            self,
            Command::Status { .. } | Command::Overdue | Command::Help | Command::Report(_)
        )
    }

    /// Carries the command out inside `tx`. `Err`: the store failed; roll back.
    pub fn execute(&self, tx: &Tx<'_>, ctx: &Ctx<'_>) -> Result<Outcome> {
        match self {
            Command::Help => Ok(Outcome::answer(help(ctx.lang))),
            // Reports need the templates: the mail service builds them (the CLI has `report`).
            Command::Report(_) => Ok(ctx.refuse(
                "Raporty wysyłamy w odpowiedzi na wiadomość; w wierszu poleceń: skarbnik report.",
                "Reports are answered by mail; on the command line use: skarbnik report.",
            )),
            Command::PauseClient { who, until } => pause_client::run(tx, ctx, who, *until),
            Command::ResumeClient { who } => resume_client::run(tx, ctx, who),
            Command::PauseInvoice { number } => invoice_pause::run(tx, ctx, number, true),
            Command::ResumeInvoice { number } => invoice_pause::run(tx, ctx, number, false),
            Command::Promise { who, date } => promise::run(tx, ctx, who, *date),
            Command::Paid {
                number,
                amount,
                date,
            } => paid::run(tx, ctx, number, *amount, *date),
            Command::Match { payment, invoices } => match_payment::run(tx, ctx, *payment, invoices),
            Command::Unmatch { payment } => unmatch::run(tx, ctx, *payment),
            Command::Status { who } => status::run(tx, ctx, who),
            Command::Subscription { who, status } => subscription::run(tx, ctx, who, *status),
            Command::Overdue => overdue::run(tx, ctx),
            Command::Dispute { number, reason } => {
                dispute::open(tx, ctx, number, reason.as_deref())
            }
            Command::EndDispute {
                number,
                reason,
                cancel,
            } => dispute::end(tx, ctx, number, reason.as_deref(), *cancel),
        }
    }
}

/// What a command did, or why it did nothing, in words for the person who asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Carried out (or answered); `changed` says whether anything in the store changed.
    Done { changed: bool, text: String },
    /// Not carried out; nothing was changed.
    Refused { text: String },
}

impl Outcome {
    /// An answer that changes nothing (status, help).
    pub fn answer(text: impl Into<String>) -> Outcome {
        Outcome::Done {
            changed: false,
            text: text.into(),
        }
    }

    pub fn ok(&self) -> bool {
        matches!(self, Outcome::Done { .. })
    }

    pub fn changed(&self) -> bool {
        matches!(self, Outcome::Done { changed: true, .. })
    }

    pub fn text(&self) -> &str {
        match self {
            Outcome::Done { text, .. } | Outcome::Refused { text } => text,
        }
    }
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
        self.lang.pick(pl.into(), en.into())
    }

    fn done(&self, changed: bool, pl: impl Into<String>, en: impl Into<String>) -> Outcome {
        Outcome::Done {
            changed,
            text: self.t(pl, en),
        }
    }

    fn refuse(&self, pl: impl Into<String>, en: impl Into<String>) -> Outcome {
        Outcome::Refused {
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

    /// Records the command in the audit log against what it changed.
    fn audit(&self, tx: &Tx<'_>, subject: &str, what: &str) -> Result<()> {
        tx.audit(
            self.actor,
            "command.executed",
            Some(subject),
            Some(&format!("{what} (Message-ID <{}>)", self.reference)),
        )
    }

    /// The one client `who` names, or the refusal listing what matched.
    fn one_client(&self, tx: &Tx<'_>, who: &str) -> Result<Result<ClientInfo, Outcome>> {
        let mut found = tx.find_clients(who)?;
        Ok(match found.len() {
            0 => Err(self.refuse(
                format!("Nie znam klienta „{who}”. Nic nie zmieniono."),
                format!("No client matches \"{who}\". Nothing was changed."),
            )),
            1 => Ok(found.remove(0)),
            n => {
                let list: Vec<String> = found
                    .iter()
                    .map(|c| format!("  - {}", describe(c)))
                    .collect();
                Err(self.refuse(
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
}

/// A client as named in answers: its name, and the NIP when known.
fn describe(c: &ClientInfo) -> String {
    match &c.nip {
        Some(n) => format!("{} (NIP {n})", c.name),
        None => c.name.clone(),
    }
}

/// Unwraps the client or returns the refusal from the calling command.
macro_rules! client_or_refuse {
    ($ctx:expr, $tx:expr, $who:expr) => {
        match $ctx.one_client($tx, $who)? {
            Ok(c) => c,
            Err(refusal) => return Ok(refusal),
        }
    };
}
use client_or_refuse;
