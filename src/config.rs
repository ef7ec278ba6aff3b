//! Typed settings. Where they come from, first found wins: `--config PATH`, `$SKARBNIK_CONFIG`,
//! `./skarbnik.toml`, else embedded defaults that keep everything under `./var` (database
//! `var/skarbnik.db`, Maildir `var/mail`, outgoing mail as .eml files in `var/outbox`).
//!
//! Values are parsed into domain types once, while reading the file (a NIP with its checksum, bank
//! accounts, a currency, a time zone, a language, the TLS mode): an error names the key, and
//! nothing past this module re-parses a setting. Unknown keys are an error naming the key: a typo
//! must not silently fall back to a default. Secrets are never in the file itself: only the name
//! of an environment variable or a file that holds them, and [`Secret`] never prints its value.

use crate::domain::{BankAccount, Currency, Lang, Nip};
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::path::{Path, PathBuf};

pub const DEFAULT_FILE: &str = "skarbnik.toml";
pub const ENV_VAR: &str = "SKARBNIK_CONFIG";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub company: Company,
    pub store: StoreConfig,
    pub import: ImportConfig,
    pub mailbox: MailboxConfig,
    pub smtp: SmtpConfig,
    pub staff: StaffConfig,
    pub templates: TemplatesConfig,
    pub dunning: crate::dunning::config::DunningConfig,
    pub commands: CommandsConfig,
    pub matching: MatchingConfig,
    pub reports: ReportsConfig,
    pub billing: BillingConfig,
    /// Where the settings came from (not a key).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

/// Reads a value through its domain parser; the error becomes serde's, and the caller's path
/// (`company.nip`) is added by [`Config::parse`].
fn parsed<'de, D, T, E>(d: D, parse: impl Fn(&str) -> Result<T, E>) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    E: fmt::Display,
{
    let text = String::deserialize(d)?;
    parse(&text).map_err(serde::de::Error::custom)
}

fn nip<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Nip>, D::Error> {
    parsed(d, Nip::parse).map(Some)
}

fn accounts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<BankAccount>, D::Error> {
    let texts = Vec::<String>::deserialize(d)?;
    texts
        .iter()
        .map(|t| BankAccount::parse(t).map_err(|e| serde::de::Error::custom(format!("{t:?}: {e}"))))
        .collect()
}

fn currency<'de, D: Deserializer<'de>>(d: D) -> Result<Currency, D::Error> {
    parsed(d, |t| {
        Currency::parse(t).ok_or_else(|| format!("unknown currency {t:?}"))
    })
}

fn timezone<'de, D: Deserializer<'de>>(d: D) -> Result<chrono_tz::Tz, D::Error> {
    parsed(d, |t| {
        t.parse::<chrono_tz::Tz>()
            .map_err(|_| format!("unknown time zone {t:?}"))
    })
}

/// Who we are: the creditor named in every mail, and the accounts our clients pay into.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Company {
    pub name: String,
    /// Our NIP; checked when the file is read.
    #[serde(deserialize_with = "nip")]
    pub nip: Option<Nip>,
    /// Our bank accounts (NRB or IBAN). Transfers between them are internal, never customer payments.
    #[serde(deserialize_with = "accounts")]
    pub accounts: Vec<BankAccount>,
    /// Default currency of rows that state none.
    #[serde(deserialize_with = "currency")]
    pub currency: Currency,
    /// Calendar time zone for dates.
    #[serde(deserialize_with = "timezone")]
    pub timezone: chrono_tz::Tz,
    /// The seller's address on issued invoices: street and number.
    pub address: Option<String>,
    /// Postal code and city ("00-950 Warszawa").
    pub city: Option<String>,
    /// Two-letter country code.
    pub country: String,
    /// The account printed on issued invoices; the first of `accounts` when not set.
    pub invoice_account: Option<String>,
    pub bank_name: Option<String>,
    /// The seller's contact address on invoices (optional).
    pub email: Option<String>,
}

impl Default for Company {
    fn default() -> Self {
        Company {
            name: "Moja Firma Sp. z o.o.".into(),
            nip: None,
            accounts: Vec::new(),
            currency: Currency::PLN,
            timezone: chrono_tz::Europe::Warsaw,
            address: None,
            city: None,
            country: "PL".into(),
            invoice_account: None,
            bank_name: None,
            email: None,
        }
    }
}

/// How a connection to a mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    Implicit,
    /// Plain, then STARTTLS (IMAP 143, submission 587).
    Starttls,
    /// No TLS: refused unless the server is on loopback.
    None,
}

/// Where the daemon reads mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailboxKind {
    Maildir,
    Imap,
}

/// How mail leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SenderKind {
    /// `.eml` files in `outbox_dir`.
    File,
    Smtp,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    pub database: PathBuf,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            database: PathBuf::from("var/skarbnik.db"),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImportConfig {
    /// User mapping profiles (`*.toml`), added to the built-in ones.
    pub profiles_dir: PathBuf,
    /// Files larger than this are refused before they are read.
    pub max_file_bytes: u64,
    pub max_sheet_rows: u32,
    pub max_sheet_columns: u32,
    /// Parse each file in a child process with the limits below (a hostile file then costs one
    /// refusal, not the process).
    pub isolate: bool,
    pub parse_timeout_secs: u64,
    pub parse_memory_mb: u64,
    /// Most a compressed report (an XLSX, an ODS, a PDF's streams) may inflate to, in MiB: a bomb
    /// is refused at this point, long before the parser's memory limit.
    pub max_inflated_mb: u64,
}

impl Default for ImportConfig {
    fn default() -> Self {
        ImportConfig {
            profiles_dir: PathBuf::from("var/profiles"),
            max_file_bytes: 256 * 1024 * 1024,
            max_sheet_rows: 1_000_000,
            max_sheet_columns: 512,
            isolate: true,
            parse_timeout_secs: 60,
            parse_memory_mb: 2048,
            max_inflated_mb: 256,
        }
    }
}

/// The watched mailbox (used by the daemon).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailboxConfig {
    /// `maildir` (default) or `imap`.
    pub kind: MailboxKind,
    /// Maildir folder (kind `maildir`).
    pub path: PathBuf,
    pub host: Option<String>,
    pub port: Option<u16>,
    /// `implicit` (default), `starttls` or `none` (loopback only).
    pub tls: Option<TlsMode>,
    /// A CA certificate (PEM) to trust instead of the system store, e.g. a company CA or a
    /// self-signed server.
    pub ca_file: Option<PathBuf>,
    pub username: Option<String>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
    /// The watched folder.
    pub folder: String,
    /// Where handled messages go; created when missing. Nothing is ever deleted.
    pub processed_folder: String,
    /// Messages whose handling failed (kept for a person, with the cause in the log).
    pub failed_folder: String,
    /// Messages for people: not a report, command, reply, bounce or auto-reply.
    pub other_folder: String,
    /// Our own copies of what we sent (they confirm that the SMTP server took the mail).
    pub sent_folder: String,
    /// Seconds between checks when the server has no IDLE (and the Maildir poll interval).
    pub poll_secs: u64,
    /// IDLE is re-issued after this many seconds (at most 25 minutes, RFC 2177 asks for < 29).
    pub idle_secs: u64,
    /// Timeout of every IMAP command.
    pub timeout_secs: u64,
    /// Replies (summaries, notices) to one sender per hour, at most: a loop breaker.
    pub max_replies_per_hour: u32,
}

impl Default for MailboxConfig {
    fn default() -> Self {
        MailboxConfig {
            kind: MailboxKind::Maildir,
            path: PathBuf::from("var/mail"),
            host: None,
            port: None,
            tls: None,
            ca_file: None,
            username: None,
            password_env: None,
            password_file: None,
            folder: "INBOX".into(),
            processed_folder: "skarbnik/processed".into(),
            failed_folder: "skarbnik/failed".into(),
            other_folder: "skarbnik/other".into(),
            sent_folder: "skarbnik/sent".into(),
            poll_secs: 60,
            idle_secs: 25 * 60,
            timeout_secs: 60,
            max_replies_per_hour: 20,
        }
    }
}

/// How mail leaves (used by the daemon).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    /// `file` (default: .eml files in `outbox_dir`) or `smtp`.
    pub kind: SenderKind,
    pub outbox_dir: PathBuf,
    pub host: Option<String>,
    pub port: Option<u16>,
    /// `implicit` (default), `starttls` or `none` (loopback only).
    pub tls: Option<TlsMode>,
    pub ca_file: Option<PathBuf>,
    pub username: Option<String>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
    /// Our address, as recipients see it; every mail goes out from it.
    pub from: String,
    /// Hidden copy of every outgoing mail; never visible to the recipients.
    pub archive_bcc: Option<String>,
    /// Also send every mail to our own address, so its arrival in the watched mailbox proves the
    /// server took it (see the outbox's crash handling). On by default with `kind = "smtp"`.
    pub self_copy: Option<bool>,
    /// Timeout around each send (lettre's own does not cover a silent server).
    pub timeout_secs: u64,
    /// Sends at once over the connection pool.
    pub concurrency: usize,
    /// A transient failure is retried after `retry_secs`, doubling each time (capped at 6 hours),
    /// until `max_attempts`; then the mail is marked failed and shown by `skarbnik outbox`.
    pub retry_secs: u64,
    pub max_attempts: u32,
    /// A send interrupted by a crash is resent only if our own copy has not arrived after this long.
    pub confirm_grace_secs: u64,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            kind: SenderKind::File,
            outbox_dir: PathBuf::from("var/outbox"),
            host: None,
            port: None,
            tls: None,
            ca_file: None,
            username: None,
            password_env: None,
            password_file: None,
            from: "skarbnik <skarbnik@localhost>".into(),
            archive_bcc: None,
            self_copy: None,
            timeout_secs: 30,
            concurrency: 4,
            retry_secs: 60,
            max_attempts: 12,
            confirm_grace_secs: 600,
        }
    }
}

impl SmtpConfig {
    pub fn self_copy(&self) -> bool {
        self.self_copy.unwrap_or(self.kind == SenderKind::Smtp)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StaffConfig {
    /// Staff with every right (commands, reports).
    pub addresses: Vec<String>,
    /// Staff who may only ask (status, overdue, help).
    pub read_only: Vec<String>,
    /// Who is told about bounces, failed mail and refused commands.
    pub admin_notice: Option<String>,
    /// Who else may send reports (an address, or `@domain` for a whole domain), e.g. an ERP's
    /// sender. When this and `addresses` are both empty, reports are taken from anyone (the
    /// out-of-the-box demo); the daemon warns about it at start.
    pub report_senders: Vec<String>,
}

/// Mail texts: built in, or read from `dir` when set (same file names), so they can be edited
/// without recompiling.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TemplatesConfig {
    pub dir: Option<PathBuf>,
    /// Language of mails to staff and report senders: `pl` (default) or `en`.
    pub language: Lang,
}

impl Default for TemplatesConfig {
    fn default() -> Self {
        TemplatesConfig {
            dir: None,
            language: Lang::Pl,
        }
    }
}

/// Mail commands from staff. A command is carried out only when the From address is vouched for:
/// by an `Authentication-Results` header from one of `trusted_authserv_ids` (your MX: Postfix
/// with OpenDKIM/OpenDMARC, rspamd, Exchange Online, Google Workspace …) showing `dkim=pass`
/// aligned with the From domain or `dmarc=pass`, or by skarbnik's own DKIM/DMARC check.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommandsConfig {
    /// Whose Authentication-Results headers are believed (their authserv-id, e.g. "mx.example.pl").
    pub trusted_authserv_ids: Vec<String>,
    /// Check DKIM and DMARC ourselves (DNS lookups through the system resolver).
    pub verify_dkim: bool,
}

/// How payments are matched to invoices.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MatchingConfig {
    /// A payment booked up to this many days before an invoice was issued may still pay it by the
    /// payer's name or account and the amount; earlier money pays it only when the title names it
    /// (a prepayment, noted as such).
    pub issue_grace_days: i64,
}

impl Default for MatchingConfig {
    fn default() -> Self {
        MatchingConfig {
            issue_grace_days: 3,
        }
    }
}

/// Issuing subscription invoices (KSeF FA(3) XML + PDF).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BillingConfig {
    /// Issue invoices for active subscriptions (off by default: a firm turns it on once its
    /// seller data in [company] is complete).
    pub enabled: bool,
    /// Number template: `{n}` (or `{n:4}` zero-padded), `{MM}`, `{YYYY}`, `{YY}`.
    pub series: String,
    /// When the counter starts again: `monthly`, `yearly`, `never`.
    pub reset: crate::billing::numbering::Reset,
    /// Correction invoices' own series.
    pub correction_series: String,
    /// VAT from each rate's total (`per_rate`, the Act's method) or per line (`per_line`).
    pub rounding: crate::billing::vat::Rounding,
    /// One invoice per client and issue day for all its subscriptions in the same currency.
    pub combine: bool,
    /// After downtime: issue every missed period (`all`) or only the latest (`current`).
    pub catch_up: CatchUp,
    /// Who gets each invoice's XML and PDF to submit to KSeF, and the summary of each run with a
    /// zip of them all (the accountant, or whoever submits to KSeF today).
    pub accounting: Vec<String>,
    /// Each invoice's XML and PDF are also written here (the `export` KSeF mode).
    pub export_dir: PathBuf,
    /// Place of issue printed on invoices (FA(3) `P_1M`).
    pub place: Option<String>,
    /// How invoices reach KSeF: only `export` for now (mailed to `accounting` and written to
    /// `export_dir`; the UPO or the invoice from KSeF mailed back attaches the KSeF number).
    pub ksef_mode: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CatchUp {
    All,
    Current,
}

impl Default for BillingConfig {
    fn default() -> Self {
        BillingConfig {
            enabled: false,
            series: "FV/{n}/{MM}/{YYYY}".into(),
            reset: crate::billing::numbering::Reset::Monthly,
            correction_series: "KOR/{n}/{MM}/{YYYY}".into(),
            rounding: crate::billing::vat::Rounding::PerRate,
            combine: false,
            catch_up: CatchUp::All,
            accounting: Vec::new(),
            export_dir: PathBuf::from("var/ksef/out"),
            place: None,
            ksef_mode: "export".into(),
        }
    }
}

impl BillingConfig {
    pub fn series(&self) -> Result<crate::billing::numbering::Series> {
        crate::billing::numbering::Series::new(&self.series, self.reset)
            .map_err(|e| anyhow::anyhow!("billing.series: {e}"))
    }

    pub fn correction_series(&self) -> Result<crate::billing::numbering::Series> {
        crate::billing::numbering::Series::new(&self.correction_series, self.reset)
            .map_err(|e| anyhow::anyhow!("billing.correction_series: {e}"))
    }
}

impl Company {
    /// The seller on an issued invoice, or the keys that are missing for one. An invoice is
    /// never issued with blanks.
    pub fn seller(&self) -> Result<(crate::billing::document::Party, String)> {
        let mut missing = Vec::new();
        if self.nip.is_none() {
            missing.push("company.nip");
        }
        if self.name.trim().is_empty() {
            missing.push("company.name");
        }
        if self.address.as_deref().is_none_or(|a| a.trim().is_empty()) {
            missing.push("company.address");
        }
        if self.city.as_deref().is_none_or(|a| a.trim().is_empty()) {
            missing.push("company.city");
        }
        let account = match &self.invoice_account {
            Some(a) => Some(
                BankAccount::parse(a)
                    .map_err(|e| anyhow::anyhow!("company.invoice_account: {e}"))?,
            ),
            None => self.accounts.first().cloned(),
        };
        if account.is_none() {
            missing.push("company.accounts (or company.invoice_account)");
        }
        if !missing.is_empty() {
            bail!(
                "invoices cannot be issued: the seller data is incomplete, missing {}",
                missing.join(", ")
            );
        }
        let account = account.map(|a| a.nrb().to_string()).unwrap_or_default();
        Ok((
            crate::billing::document::Party {
                name: self.name.clone(),
                tax_id: self.nip.as_ref().map(|n| n.as_str().to_string()),
                address_line1: self.address.clone().unwrap_or_default(),
                address_line2: self.city.clone(),
                country: self.country.clone(),
                email: self.email.clone(),
            },
            account,
        ))
    }
}

/// Reports mailed on a schedule and the rules behind their suggested actions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportsConfig {
    /// Send the weekly overdue report (to `weekly_to`, and to each account manager with only
    /// their clients when `per_manager`).
    pub weekly: bool,
    /// The day of the week it goes out: mon … sun.
    pub weekly_day: String,
    /// Send the monthly management report on the first business day of each month.
    pub monthly: bool,
    /// The hour both go out, local time ("08:00").
    pub time: String,
    /// Recipients; empty: the staff addresses ([staff] addresses).
    pub weekly_to: Vec<String>,
    pub monthly_to: Vec<String>,
    /// Each account manager also gets a weekly report of only their clients.
    pub per_manager: bool,
    /// A reminded invoice this many days past due: call the client.
    pub call_after_days: i64,
    /// Every step sent and this many days past due: hand it to a collection agency.
    pub collection_after_days: i64,
}

impl Default for ReportsConfig {
    fn default() -> Self {
        ReportsConfig {
            weekly: true,
            weekly_day: "mon".into(),
            monthly: true,
            time: "08:00".into(),
            weekly_to: Vec::new(),
            monthly_to: Vec::new(),
            per_manager: true,
            call_after_days: 14,
            collection_after_days: 90,
        }
    }
}

impl ReportsConfig {
    pub fn weekday(&self) -> Option<chrono::Weekday> {
        self.weekly_day.parse().ok()
    }

    pub fn at(&self) -> Option<chrono::NaiveTime> {
        chrono::NaiveTime::parse_from_str(&self.time, "%H:%M").ok()
    }
}

/// A secret read from the environment or a file. Its `Debug` and `Display` never show the value.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Reads the secret named by `env` (a variable name) or `file` (a path), never from the config itself.
    pub fn load(env: Option<&str>, file: Option<&Path>) -> Result<Option<Secret>> {
        if let Some(var) = env {
            let v = std::env::var(var)
                .with_context(|| format!("environment variable {var} is not set"))?;
            return Ok(Some(Secret(v)));
        }
        if let Some(path) = file {
            let v = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read secret file {}", path.display()))?;
            return Ok(Some(Secret(v.trim_end_matches(['\r', '\n']).to_string())));
        }
        Ok(None)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Config {
    /// Finds and loads the configuration (see the module doc for the order).
    pub fn discover(explicit: Option<&Path>) -> Result<Config> {
        if let Some(p) = explicit {
            return Config::load(p);
        }
        if let Some(p) = std::env::var_os(ENV_VAR).filter(|v| !v.is_empty()) {
            return Config::load(Path::new(&p));
        }
        let local = Path::new(DEFAULT_FILE);
        if local.is_file() {
            return Config::load(local);
        }
        let c = Config::default();
        c.validate()?;
        Ok(c)
    }

    /// Loads a file. Relative paths in it are relative to the file's folder.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config {}", path.display()))?;
        let mut c = Config::parse(&text).with_context(|| format!("config {}", path.display()))?;
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf);
        if let Some(base) = base {
            for p in [
                &mut c.store.database,
                &mut c.import.profiles_dir,
                &mut c.mailbox.path,
                &mut c.smtp.outbox_dir,
                &mut c.billing.export_dir,
            ] {
                if p.is_relative() {
                    *p = base.join(&*p);
                }
            }
            for p in [
                &mut c.mailbox.ca_file,
                &mut c.mailbox.password_file,
                &mut c.smtp.ca_file,
                &mut c.smtp.password_file,
                &mut c.templates.dir,
            ]
            .into_iter()
            .flatten()
            {
                if p.is_relative() {
                    *p = base.join(&*p);
                }
            }
        }
        c.source = Some(path.to_path_buf());
        Ok(c)
    }

    /// Reads settings from TOML text. An error names the key (`mailbox.tls: unknown variant …`).
    pub fn parse(text: &str) -> Result<Config> {
        let de = toml::Deserializer::parse(text)
            .map_err(|e| anyhow::anyhow!("{}", e.to_string().trim_end()))?;
        let c: Config = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner().to_string();
            let inner = inner.trim_end();
            if path.is_empty() || path == "." {
                anyhow::anyhow!("{inner}")
            } else {
                anyhow::anyhow!("{path}: {inner}")
            }
        })?;
        c.validate()?;
        Ok(c)
    }

    fn validate(&self) -> Result<()> {
        if self.mailbox.password_env.is_some() && self.mailbox.password_file.is_some() {
            bail!("mailbox: give password_env or password_file, not both");
        }
        if self.smtp.password_env.is_some() && self.smtp.password_file.is_some() {
            bail!("smtp: give password_env or password_file, not both");
        }
        if self.mailbox.kind == MailboxKind::Imap
            && (self.mailbox.host.is_none() || self.mailbox.username.is_none())
        {
            bail!("mailbox: kind = \"imap\" needs host and username");
        }
        if self.smtp.kind == SenderKind::Smtp && self.smtp.host.is_none() {
            bail!("smtp: kind = \"smtp\" needs host");
        }
        crate::mail::address::parse_mailbox(&self.smtp.from)
            .with_context(|| format!("smtp.from: {:?}", self.smtp.from))?;
        if let Some(a) = &self.smtp.archive_bcc {
            crate::mail::address::parse_mailbox(a)
                .with_context(|| format!("smtp.archive_bcc: {a:?}"))?;
        }
        self.dunning.validate()?;
        if !(0..=60).contains(&self.matching.issue_grace_days) {
            bail!(
                "matching.issue_grace_days: {} is not between 0 and 60 days",
                self.matching.issue_grace_days
            );
        }
        let r = &self.reports;
        if r.weekday().is_none() {
            bail!(
                "reports.weekly_day: {:?} is not a day of the week (mon … sun)",
                r.weekly_day
            );
        }
        if r.at().is_none() {
            bail!("reports.time: {:?} is not a time like \"08:00\"", r.time);
        }
        for a in r.weekly_to.iter().chain(&r.monthly_to) {
            crate::mail::address::parse_mailbox(a)
                .with_context(|| format!("reports: recipient {a:?}"))?;
        }
        if !(1..=3650).contains(&r.call_after_days)
            || !(1..=3650).contains(&r.collection_after_days)
        {
            bail!("reports.call_after_days and collection_after_days must be between 1 and 3650");
        }
        let b = &self.billing;
        b.series()?;
        b.correction_series()?;
        if b.ksef_mode != "export" {
            bail!(
                "billing.ksef_mode: {:?} is not supported; only \"export\" (direct submission to the KSeF API is not built yet)",
                b.ksef_mode
            );
        }
        for a in &b.accounting {
            crate::mail::address::parse_mailbox(a)
                .with_context(|| format!("billing.accounting: {a:?}"))?;
        }
        if b.enabled {
            self.company.seller()?;
        }
        Ok(())
    }

    /// Our accounts.
    pub fn own_accounts(&self) -> &[BankAccount] {
        &self.company.accounts
    }

    pub fn currency(&self) -> Currency {
        self.company.currency
    }

    pub fn timezone(&self) -> chrono_tz::Tz {
        self.company.timezone
    }

    /// Our NIP as ten digits, never taken for a payer's.
    pub fn our_nip(&self) -> Option<String> {
        self.company.nip.as_ref().map(|n| n.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_configuration_reference_is_valid() {
        let readme = include_str!("../README.md");
        let section = &readme[readme.find("## Configuration").unwrap()..];
        let start = section.find("```toml\n").unwrap() + "```toml\n".len();
        let end = start + section[start..].find("```").unwrap();
        let c = Config::parse(&section[start..end]).unwrap();
        assert_eq!(c.dunning.policy().steps.len(), 3);
        assert_eq!(c.dunning.interest_rates.len(), 3);
        // The subscription invoicing section's settings, too.
        let section = &readme[readme.find("## Subscription invoicing").unwrap()..];
        let start = section.find("```toml\n").unwrap() + "```toml\n".len();
        let end = start + section[start..].find("```").unwrap();
        let c = Config::parse(&section[start..end]).unwrap();
        assert_eq!(c.billing.series().unwrap().template, "FV/{n}/{MM}/{YYYY}");
        assert_eq!(c.company.city.as_deref(), Some("00-950 Warszawa"));
    }

    #[test]
    fn dunning_settings_are_checked() {
        for (toml, want) in [
            (
                "[dunning]\nsend_from = \"17:00\"",
                "send_from must be before",
            ),
            ("[dunning]\nsend_until = \"25:00\"", "send_until"),
            ("[dunning]\nevery_days = 0", "every_days"),
            (
                "[[dunning.steps]]\nname = \"a\"\noffset_days = 1\n[[dunning.steps]]\nname = \"a\"\noffset_days = 2",
                "used twice",
            ),
            (
                "[dunning]\ninterest_rates = [{ from = \"2026-01-01\", percent = \"14\" }, { from = \"2025-07-01\", percent = \"15.25\" }]",
                "date order",
            ),
            ("[dunning]\nsteps = []", "at least one step"),
        ] {
            let e = format!("{:#}", Config::parse(toml).unwrap_err());
            assert!(e.contains(want), "{toml}: {e}");
        }
        let c = Config::parse("[dunning]\nevery_days = 2").unwrap();
        let offsets: Vec<i64> = c
            .dunning
            .policy()
            .steps
            .iter()
            .map(|s| s.offset_days)
            .collect();
        assert_eq!(offsets, vec![2, 4, 6, 8]);
    }

    #[test]
    fn defaults_live_under_var() {
        let c = Config::parse("").unwrap();
        assert_eq!(c.store.database, PathBuf::from("var/skarbnik.db"));
        assert_eq!(c.mailbox.path, PathBuf::from("var/mail"));
        assert_eq!(c.smtp.outbox_dir, PathBuf::from("var/outbox"));
        assert_eq!(c.timezone(), chrono_tz::Europe::Warsaw);
    }

    #[test]
    fn unknown_key_is_named() {
        let e = Config::parse("[company]\nname = \"X\"\nnipp = \"1\"\n").unwrap_err();
        assert!(format!("{e:#}").contains("nipp"), "{e:#}");
        let e = Config::parse("[stor]\n").unwrap_err();
        assert!(format!("{e:#}").contains("stor"), "{e:#}");
    }

    #[test]
    fn bad_values_are_refused() {
        let e = Config::parse("[company]\nnip = \"5261040827\"\n").unwrap_err();
        assert!(format!("{e:#}").contains("company.nip"), "{e:#}");
        let e = Config::parse("[company]\naccounts = [\"12 3456\"]\n").unwrap_err();
        assert!(format!("{e:#}").contains("company.accounts"), "{e:#}");
    }

    #[test]
    fn bad_mail_settings_are_refused_with_the_key() {
        for (text, key) in [
            ("[mailbox]\ntls = \"ssl\"\n", "mailbox.tls"),
            ("[smtp]\ntls = \"yes\"\n", "smtp.tls"),
            ("[mailbox]\nkind = \"imap\"\n", "needs host and username"),
            ("[smtp]\nkind = \"smtp\"\n", "needs host"),
            ("[smtp]\nfrom = \"not an address\"\n", "smtp.from"),
            ("[smtp]\narchive_bcc = \"archiwum\"\n", "smtp.archive_bcc"),
            ("[templates]\nlanguage = \"de\"\n", "templates.language"),
            (
                "[matching]\nissue_grace_days = -1\n",
                "matching.issue_grace_days",
            ),
            (
                "[matching]\nissue_grace_days = 400\n",
                "matching.issue_grace_days",
            ),
            ("[matching]\ngrace = 3\n", "grace"),
        ] {
            let e = Config::parse(text).unwrap_err();
            assert!(format!("{e:#}").contains(key), "{text}: {e:#}");
        }
    }

    #[test]
    fn secret_never_prints() {
        let s = Secret("hunter2".into());
        assert_eq!(format!("{s} {s:?}"), "*** Secret(***)");
    }
}
