//! skarbnik: a mail-bot that chases unpaid invoices.
//!
//! The pipeline, each layer knowing only the next:
//!
//! ```text
//! report bytes ─► ingest (decode → table → recognise → extract → check) ─► import (one SQLite
//! transaction per report, idempotent) ─► store ─► CLI / daemon
//! ```
//!
//! * [`domain`]: validated types (money, NIP, bank account, invoice number, client name key). No I/O.
//! * [`ingest`]: pure parsing of report files into records, with errors naming file, row and column.
//! * [`store`]: SQLite schema and queries (migrations, reports, clients, invoices, payments, audit).
//! * [`import`]: one report file → one transaction in the store.
//! * [`config`]: typed settings from TOML with embedded defaults.
//! * [`mail`]: the daemon: mailbox sources, classification, summary replies, the outbox and senders.
//! * [`templates`]: mail texts (minijinja), built in or edited in a folder.
//! * [`cli`]: the `skarbnik` command's subcommands.

pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod domain;
pub mod dunning;
pub mod import;
pub mod ingest;
pub mod isolate;
pub mod mail;
pub mod reconcile;
pub mod store;
pub mod templates;
