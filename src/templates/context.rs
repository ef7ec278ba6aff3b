//! What each template receives: one `Serialize` struct per template (and per shared part). The
//! real rounds build these, and `check-templates` renders samples of the very same structs, so a
//! field renamed here fails to compile in both places instead of passing the check and failing in
//! production.
//!
//! Amounts are decimal strings (`"1230.00"`, formatted by the `money` filter), dates ISO strings
//! (formatted by `date`). Optional values are `null` when absent, so templates test them with
//! `{% if x %}`.

use crate::domain::{Currency, Lang};
use crate::store::HistoryLine;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// Who we are, in client mail.
#[derive(Debug, Clone, Serialize)]
pub struct CompanyCtx {
    pub name: String,
    pub nip: Option<String>,
    /// The account clients pay into (the first configured one).
    pub account: Option<String>,
    pub accounts: Vec<String>,
    /// Who clients may talk to (the firmer reminders offer it).
    pub contact: Option<String>,
}

impl CompanyCtx {
    pub fn of(config: &crate::config::Config) -> CompanyCtx {
        let accounts: Vec<String> = config
            .own_accounts()
            .iter()
            .map(|a| a.to_string())
            .collect();
        CompanyCtx {
            name: config.company.name.clone(),
            nip: config.our_nip(),
            account: accounts.first().cloned(),
            accounts,
            contact: config.dunning.contact.clone(),
        }
    }
}

/// The client a mail is about.
#[derive(Debug, Clone, Serialize)]
pub struct ClientCtx {
    pub id: Option<i64>,
    pub name: String,
    pub nip: Option<String>,
}

/// One invoice in a reminder, statement or notice.
#[derive(Debug, Clone, Serialize)]
pub struct InvoiceLine {
    pub number: String,
    pub issue_date: Option<String>,
    pub due_date: Option<String>,
    pub currency: Currency,
    #[serde(with = "rust_decimal::serde::str")]
    pub gross: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub paid: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub remaining: Decimal,
    pub days_overdue: i64,
    /// The dunning step this invoice is at in this mail.
    pub step: Option<String>,
    /// The day of the latest reminder sent earlier about this invoice: only such an invoice is
    /// worded "despite our earlier reminder".
    pub reminded_on: Option<String>,
    /// Its KSeF number, once known (printed so the client finds it in KSeF).
    pub ksef: Option<String>,
}

/// What remains to pay in one currency.
#[derive(Debug, Clone, Serialize)]
pub struct Total {
    pub currency: Currency,
    #[serde(with = "rust_decimal::serde::str")]
    pub remaining: Decimal,
}

/// A document in the client's favour (a credit note, an overpayment its ERP lists), deducted
/// from what a mail asks for.
#[derive(Debug, Clone, Serialize)]
pub struct CreditLine {
    pub number: String,
    pub issue_date: Option<String>,
    pub currency: Currency,
    /// What is left of it to set off: positive.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
}

/// `reminder_*` (each configured step's template).
#[derive(Debug, Clone, Serialize)]
pub struct Reminder {
    pub lang: Lang,
    pub company: CompanyCtx,
    pub client: ClientCtx,
    /// The step whose tone the mail takes (the strongest of its invoices).
    pub step: String,
    pub invoices: Vec<InvoiceLine>,
    /// The client's open credits in the mail's currencies, deducted in `totals`.
    pub credits: Vec<CreditLine>,
    /// Per currency: what the invoices leave to pay, less the credits.
    pub totals: Vec<Total>,
    pub payment_link: Option<String>,
    pub signature: String,
    pub contact: Option<String>,
    /// Interest and compensation (steps with `interest = true`), as in the demand.
    pub interest: Option<Demand>,
    pub demand_attached: bool,
    /// Every invoice in the mail was reminded of before.
    pub all_reminded: bool,
    /// The new day to pay by, in a reminder after the due date (`dunning.pay_within_days`).
    pub pay_by: Option<String>,
    /// The client's payer class with the numbers behind it, in the mail's language (for an
    /// edited template; the built-in ones do not tell the client).
    pub payer_class: Option<String>,
}

/// `escalation_statement`: every overdue invoice of a client, to its billing contact.
#[derive(Debug, Clone, Serialize)]
pub struct EscalationStatement {
    pub lang: Lang,
    pub company: CompanyCtx,
    pub client: ClientCtx,
    pub invoices: Vec<InvoiceLine>,
    /// The client's open credits in the statement's currencies, deducted in `totals`.
    pub credits: Vec<CreditLine>,
    pub totals: Vec<Total>,
    pub payment_link: Option<String>,
    pub signature: String,
    pub contact: Option<String>,
    pub today: String,
}

/// A mail's subject and text, as a ready-to-send draft for a person.
#[derive(Debug, Clone, Serialize)]
pub struct DraftText {
    pub subject: String,
    pub text: String,
}

/// `escalation_manager`: the history and a draft, for the account manager (or staff).
#[derive(Debug, Clone, Serialize)]
pub struct EscalationManager {
    #[serde(flatten)]
    pub statement: EscalationStatement,
    pub escalated: Vec<String>,
    pub history: Vec<HistoryEntry>,
    pub draft: DraftText,
    /// The client's payer class with the numbers behind it.
    pub payer_class: Option<String>,
}

/// One line of a client's history, in words of the mail's language.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    /// The day (YYYY-MM-DD).
    pub at: String,
    pub what: String,
    pub status: String,
    pub subject: String,
    /// "FV/1/2026 (przypomnienie 7 dni po terminie)", or what a reply said.
    pub about: Vec<String>,
}

impl HistoryEntry {
    /// A stored history line put in words.
    pub fn of(
        line: &HistoryLine,
        policy: &crate::dunning::planner::Policy,
        lang: Lang,
    ) -> HistoryEntry {
        use crate::dunning::words;
        let mut about: Vec<String> = line
            .items
            .iter()
            .map(|(n, s)| format!("{n} ({})", words::step_or_reminder(policy, s, lang)))
            .collect();
        if let Some(i) = line.intent.as_deref().map(|i| words::intent(i, lang))
            && !i.is_empty()
        {
            about.push(i);
        }
        HistoryEntry {
            at: line.at.chars().take(10).collect(),
            what: words::mail_kind(policy, &line.kind, lang),
            status: line
                .status
                .as_deref()
                .map(|s| words::status(s, lang))
                .unwrap_or_default(),
            subject: line.subject.clone(),
            about,
        }
    }
}

/// The payment a confirmation thanks for.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentCtx {
    pub date: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub currency: Currency,
}

/// An invoice a confirmed payment paid.
#[derive(Debug, Clone, Serialize)]
pub struct ConfirmedInvoice {
    pub number: String,
    /// What this payment put on it.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub gross: Decimal,
    pub paid_in_full: bool,
    #[serde(with = "rust_decimal::serde::str")]
    pub overpaid: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub remaining: Decimal,
}

/// `payment_confirmation`.
#[derive(Debug, Clone, Serialize)]
pub struct Confirmation {
    pub lang: Lang,
    pub company: CompanyCtx,
    pub client: ClientCtx,
    pub payment: PaymentCtx,
    pub invoices: Vec<ConfirmedInvoice>,
    /// The surplus over the invoices' gross, when there is one.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub overpaid: Option<Decimal>,
    pub signature: String,
}

/// What a notice to staff is about (the `kind` the template switches on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Invoices due for a reminder whose client has no address.
    NoAddress,
    /// An excluded client's reminders, for a person to handle.
    Excluded,
    /// The newest bank statement is too old: overdue reminders wait.
    Stale,
    /// No statutory interest rate is configured for a half-year.
    MissingRate,
    /// A report mail whose sender could not be vouched for.
    ReportRefused,
    /// A command mail whose sender could not be vouched for.
    CommandRefused,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::NoAddress => "no_address",
            NoticeKind::Excluded => "excluded",
            NoticeKind::Stale => "stale",
            NoticeKind::MissingRate => "missing_rate",
            NoticeKind::ReportRefused => "report_refused",
            NoticeKind::CommandRefused => "command_refused",
        }
    }
}

/// An invoice in the "no address" notice, with its client.
#[derive(Debug, Clone, Serialize)]
pub struct ClientInvoice {
    pub client: String,
    #[serde(flatten)]
    pub invoice: InvoiceLine,
}

/// The fields of each kind of staff notice.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum NoticeDetail {
    NoAddress {
        invoices: Vec<ClientInvoice>,
    },
    Excluded {
        client: ClientCtx,
        invoices: Vec<InvoiceLine>,
    },
    Stale {
        newest: Option<String>,
        days: i64,
    },
    MissingRate {
        period: String,
        error: String,
    },
    /// A report or command whose sender is not vouched for.
    Unvouched {
        sender: Option<String>,
        subject: String,
        message_id: String,
        /// Said in both languages; each template picks its own.
        why: crate::domain::Said,
    },
}

/// `staff_notice`.
#[derive(Debug, Clone, Serialize)]
pub struct StaffNotice {
    pub kind: NoticeKind,
    pub company: CompanyCtx,
    pub today: String,
    #[serde(flatten)]
    pub detail: NoticeDetail,
}

/// `bounce_notice`.
#[derive(Debug, Clone, Serialize)]
pub struct BounceNotice {
    pub subject: String,
    pub addresses: Vec<String>,
    /// Per failed address, the clients (`#12`) that use it.
    pub clients: BTreeMap<String, Vec<String>>,
    pub company: String,
}

/// One command line and what became of it.
#[derive(Debug, Clone, Serialize)]
pub struct CommandResult {
    pub line: String,
    pub ok: bool,
    pub text: String,
}

/// `command_reply`.
#[derive(Debug, Clone, Serialize)]
pub struct CommandReply {
    pub subject: String,
    pub company: String,
    pub results: Vec<CommandResult>,
}

/// A party of the demand.
#[derive(Debug, Clone, Serialize)]
pub struct Party {
    pub name: String,
    pub nip: Option<String>,
    /// The creditor's account (the debtor has none here).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

/// One invoice of the demand, with its interest.
#[derive(Debug, Clone, Serialize)]
pub struct DemandLine {
    pub number: String,
    pub issue_date: Option<String>,
    pub due_date: String,
    pub currency: Currency,
    /// What remains unpaid: the interest runs on it.
    #[serde(with = "rust_decimal::serde::str")]
    pub principal: Decimal,
    pub interest_from: String,
    pub interest: crate::dunning::interest::Interest,
    /// The EUR 40/70/100 compensation in PLN; none for a currency without a rate.
    pub compensation_pln: Option<String>,
}

/// Principal and interest in one currency.
#[derive(Debug, Clone, Serialize)]
pub struct DemandTotal {
    pub currency: Currency,
    #[serde(with = "rust_decimal::serde::str")]
    pub principal: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub interest: Decimal,
}

/// `demand` (the wezwanie do zapłaty), also the `interest` of a reminder.
#[derive(Debug, Clone, Serialize)]
pub struct Demand {
    pub date: String,
    pub deadline: String,
    pub creditor: Party,
    pub debtor: Party,
    pub lines: Vec<DemandLine>,
    pub totals: Vec<DemandTotal>,
    pub compensation_pln: String,
    pub eur_pln: String,
}

/// One attachment of a report mail and what became of it.
#[derive(Debug, Clone, Serialize)]
pub struct FileLine {
    pub file: String,
    pub kind: Option<&'static str>,
    pub profile: Option<String>,
    /// Whose export it is (a bank, a program), in words.
    pub source: Option<String>,
    pub format: Option<String>,
    pub encoding: Option<String>,
    pub rows_read: usize,
    pub new: usize,
    pub known: usize,
    pub updated: usize,
    pub skipped: usize,
    /// The first warnings; a long list is cut to these, a count, and its last line (which, for
    /// a statement, may itself say how many more there were).
    pub warnings: Vec<crate::domain::Said>,
    pub warnings_hidden: usize,
    pub warnings_last: Option<crate::domain::Said>,
    pub duplicate_of: Option<i64>,
    /// The refusal, naming file, sheet, row and column.
    pub error: Option<crate::domain::Said>,
}

/// `summary`: the answer to a report mail.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub company: String,
    pub subject: String,
    pub files: Vec<FileLine>,
    pub ignored: Vec<String>,
    pub refused: usize,
    pub matched: Vec<crate::store::ReportPayment>,
    pub matched_more: usize,
    pub review: Vec<crate::store::ReportPayment>,
    pub review_more: usize,
    pub unmatched: Vec<crate::store::ReportPayment>,
    pub unmatched_more: usize,
    /// The mail held a message forwarded more levels deep than are opened.
    pub too_deep: bool,
    /// How many levels are opened.
    pub max_depth: usize,
}

/// One intent read in a client's reply, with the client's words.
#[derive(Debug, Clone, Serialize)]
pub struct IntentLine {
    /// `insolvency`, `dispute`, `already_paid`, `promise`, `asks_invoice`, `asks_statement`.
    pub intent: String,
    pub phrase: String,
}

/// An invoice a client's reply is about, with where the dunning stands.
#[derive(Debug, Clone, Serialize)]
pub struct ConcernedInvoice {
    #[serde(flatten)]
    pub line: InvoiceLine,
    /// The latest reminder sent about it, in words, and when.
    pub last_step: Option<String>,
    pub last_step_on: Option<String>,
    /// Its holds now, in words.
    pub holds: Vec<String>,
}

/// A mail we sent the client lately.
#[derive(Debug, Clone, Serialize)]
pub struct RecentMail {
    pub at: String,
    pub subject: String,
    pub status: Option<String>,
}

/// What skarbnik did about a reply.
#[derive(Debug, Clone, Serialize)]
pub struct DoneLine {
    /// `dispute_opened`, `dispute_known`, `promise_held`, `paid_claim_held`, `ack_sent`,
    /// `invoice_sent`, `statement_sent`, `no_invoice_named`, `no_document`, `not_registered`,
    /// `promise_without_date`.
    pub what: String,
    pub invoices: Vec<String>,
    pub until: Option<String>,
}

/// A transfer confirmation attached to a reply, as read.
#[derive(Debug, Clone, Serialize)]
pub struct TransferCtx {
    pub file: String,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub amount: Option<Decimal>,
    pub currency: Option<String>,
    pub date: Option<String>,
    pub title: Option<String>,
    pub account: Option<String>,
}

/// `client_reply`: a client's reply forwarded to its account manager (else staff) with what a
/// person needs to act on it.
#[derive(Debug, Clone, Serialize)]
pub struct ClientReply {
    pub company: CompanyCtx,
    pub client: Option<ClientCtx>,
    pub from: String,
    pub subject: String,
    pub received: String,
    pub intents: Vec<IntentLine>,
    pub promised: Option<String>,
    pub out_of_office: bool,
    pub invoices: Vec<ConcernedInvoice>,
    /// Where the invoices came from: `text` (named in the reply), `thread` (the mail it
    /// answers), `only_open` (the client's only open invoice), `none`.
    pub invoices_from: String,
    pub done: Vec<DoneLine>,
    pub recent: Vec<RecentMail>,
    pub transfers: Vec<TransferCtx>,
    /// The reply without quoted history, shortened.
    pub text: String,
    /// Mail commands that act on it, ready to paste.
    pub commands: Vec<String>,
}

/// `dispute_ack`, `invoice_copy`, `client_balance`: answers to a client in its thread.
#[derive(Debug, Clone, Serialize)]
pub struct ClientAnswer {
    pub company: CompanyCtx,
    pub client: ClientCtx,
    pub subject: String,
    pub invoices: Vec<InvoiceLine>,
    pub totals: Vec<Total>,
    pub signature: String,
    pub payment_link: Option<String>,
    /// Invoice copies attached (file names).
    pub attached: Vec<String>,
}

/// `hold_notice`: a promise broken, a claimed payment that did not show, small amounts left.
#[derive(Debug, Clone, Serialize)]
pub struct HoldNotice {
    pub company: CompanyCtx,
    /// `promise_broken`, `paid_claim_expired`, `small_amounts`.
    pub kind: String,
    pub client: Option<ClientCtx>,
    pub invoices: Vec<ClientInvoice>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub commands: Vec<String>,
}

/// A line of an issued invoice, in a mail.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedLineCtx {
    pub name: String,
    pub net: Decimal,
    pub rate: String,
    pub gross: Decimal,
}

/// `invoice_issued`: an invoice skarbnik issued (or a correction), to the client, with its PDF
/// and FA(3) XML attached.
#[derive(Debug, Clone, Serialize)]
pub struct InvoiceIssued {
    pub company: CompanyCtx,
    pub client: ClientCtx,
    pub number: String,
    /// The services invoiced (one for a single subscription).
    pub services: Vec<String>,
    /// The billing period in words, when the invoice has one.
    pub period: Option<String>,
    pub lines: Vec<IssuedLineCtx>,
    pub net: Decimal,
    pub vat: Decimal,
    pub gross: Decimal,
    pub currency: String,
    pub issue_date: String,
    pub due_date: String,
    /// The account to pay into, spaced in groups.
    pub account: String,
    pub payment_link: Option<String>,
    pub split_payment: bool,
    /// For a correction: the corrected invoice's number and the reason.
    pub corrects: Option<String>,
    pub reason: Option<String>,
    /// For a correction: how much the amount due changes, and which way (`up`, `down`, `none`).
    pub change: Decimal,
    pub direction: &'static str,
    /// Issued after its day (catch-up after downtime).
    pub late: bool,
    pub signature: String,
}

/// One issued document in the accounting summary.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedDocCtx {
    pub number: String,
    pub kind: String,
    pub client: String,
    pub nip: Option<String>,
    pub issue_date: String,
    pub period: Option<String>,
    pub net: Decimal,
    pub vat: Decimal,
    pub gross: Decimal,
    pub currency: String,
    /// Where the client's copy went; empty: nobody (no address on file).
    pub mailed_to: Vec<String>,
    pub corrects: Option<String>,
}

/// Totals of one VAT rate in one currency.
#[derive(Debug, Clone, Serialize)]
pub struct RateTotalCtx {
    pub rate: String,
    pub currency: String,
    pub net: Decimal,
    pub vat: Decimal,
    pub gross: Decimal,
}

/// `billing_summary`: the invoices of an issuing run, to accounting (and staff), with a zip of
/// their XML and PDF files.
#[derive(Debug, Clone, Serialize)]
pub struct BillingSummary {
    pub company: String,
    pub date: String,
    /// The first documents (all of them in the attached list).
    pub documents: Vec<IssuedDocCtx>,
    /// How many documents in all, and how many the mail text leaves to the list.
    pub count: usize,
    pub more: usize,
    pub list_name: String,
    pub per_rate: Vec<RateTotalCtx>,
    /// Per currency, all rates.
    pub totals: Vec<RateTotalCtx>,
    pub zip_name: String,
    pub export_dir: Option<String>,
    /// Subscriptions that could not be invoiced, and why (in the mail's language).
    pub problems: Vec<crate::domain::Said>,
}
