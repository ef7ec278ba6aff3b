//! skarbnik: a mail-bot that chases unpaid invoices.
//!
//! ```text
//!                 ┌──────────── cli (one file per subcommand) ────────────┐
//!  mailbox ─► daemon (the loop) ─┐                                        │
//!                                ▼                                        ▼
//!            services: import → reconcile, matching, dunning, inbound (report, command,
//!                      bounce, reply)          — each one store transaction —
//!               │            │             │              │              │
//!            ingest     reconcile     dunning::planner  commands       outbox ─► MailSender
//!          (bytes →     (payments,    (which step        (grammar,     (rows written with   (SMTP |
//!           records)     invoices →    today)             one file      the decision; the    .eml)
//!                        decisions)                       per command)  worker sends)
//!               └────────────┴─────────────┴──────────────┴──────────────┘
//!                                        ▼
//!                        store (SQLite; domain and row types only)
//!                                        ▼
//!                        domain (validated values, no I/O) · clock
//! ```
//!
//! Each layer knows only those below it. The pure cores (ingest, reconcile, the dunning planner,
//! the command grammar, mail classification) take data and `today` and return decisions; I/O sits
//! behind three narrow traits: [`clock::Clock`], [`mail::source::MailSource`] and
//! [`outbox::MailSender`].
//!
//! * [`domain`]: validated types (money, NIP, bank account, invoice number, language, the paid
//!   rule). No I/O.
//! * [`clock`]: where "now" comes from (system, fixed for tests, pinned by `SKARBNIK_NOW`).
//! * [`config`]: typed settings from TOML, parsed into domain types once.
//! * [`ingest`]: pure parsing of report files into records, errors naming file, row and column.
//! * [`isolate`]: parsing untrusted files in a child process with limits.
//! * [`reconcile`]: pure matching of payments to invoices.
//! * [`conversation`]: what a client's reply says (intents with evidence, promised dates), pure.
//! * [`dunning`]: the pure planner, calendar, send window, interest, the demand PDF.
//! * [`commands`]: mail commands from staff: grammar, authentication, one file per command.
//! * [`mail`]: the watched mailbox (Maildir, IMAP) and what a message is.
//! * [`templates`]: mail texts (minijinja), their typed contexts and samples.
//! * [`outbox`]: outgoing mail: composing, queueing, the worker and the senders.
//! * [`store`]: SQLite at the bottom.
//! * [`services`]: the use cases, shared by the CLI and the daemon.
//! * [`app`]: everything assembled from settings.
//! * [`daemon`]: the mailbox loop.
//! * [`cli`]: the `skarbnik` command's subcommands.

pub mod app;
pub mod billing;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod conversation;
pub mod daemon;
pub mod domain;
pub mod dunning;
pub mod ingest;
pub mod isolate;
pub mod mail;
pub mod outbox;
pub mod reconcile;
pub mod reports;
pub mod services;
pub mod store;
pub mod templates;
